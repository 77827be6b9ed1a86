package kpi

import (
	"fmt"
	"strconv"

	"github.com/panjare/panjare/internal/errs"
)

// Key names a group of figures: a Jalali month ("1404-07") and, each
// optional, an agency code, a service identifier, a province code and a
// city code. An empty field means all.
type Key struct {
	Month    string `json:"month"`
	Agency   string `json:"agency,omitempty"`
	Service  string `json:"service,omitempty"`
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`
}

// Regional reports whether the key filters by province or city; such
// groups count only events that name a region, and have no funnel.
func (k Key) Regional() bool { return k.Province != "" || k.City != "" }

// Validate checks the month's form, "YYYY-MM" with a month from 01 to 12.
func (k Key) Validate() error { return validMonth("kpi.Key", k.Month) }

func validMonth(op, m string) error {
	bad := errs.E(op, errs.Invalid, fmt.Sprintf("the month %q is not a Jalali month written YYYY-MM, e.g. 1404-07", m),
		fmt.Sprintf("ماه «%s» به صورت سال-ماه شمسی نوشته نشده است (مانند 1404-07)", m))
	if len(m) != 7 || m[4] != '-' {
		return bad
	}
	y, err1 := strconv.Atoi(m[:4])
	mo, err2 := strconv.Atoi(m[5:])
	if err1 != nil || err2 != nil || y < 1300 || mo < 1 || mo > 12 || m[0] == '+' || m[5] == '+' {
		return bad
	}
	return nil
}

// Figures are a group's figures for one month, exactly as defined in
// docs/oversight.md ("KPIs"). Counts are exact integers; shares and rates
// are left to the reader (Share, Rate helpers) so that nothing is rounded
// twice.
type Figures struct {
	Key

	// The catalogue at the end of the month, whatever the region.
	Services        int    `json:"services"`
	FullyElectronic int    `json:"fully_electronic"`
	Smart           int    `json:"smart"`
	ByLevel         [6]int `json:"by_level"`

	// The funnel: distinct (person, service) pairs; zero with Funnel false
	// in groups filtered by region.
	Started   int  `json:"started"`
	Completed int  `json:"completed"`
	Funnel    bool `json:"funnel"`

	Submitted   int `json:"submitted"`
	Decided     int `json:"decided"`
	DecidedAuto int `json:"decided_auto"`
	Overturned  int `json:"overturned"`
	OnTime      int `json:"on_time"`
	HoursP50    int `json:"hours_p50"`
	HoursP90    int `json:"hours_p90"`
	PromisedP50 int `json:"promised_p50"`
	Ratings     int `json:"ratings"`
	RatingSum   int `json:"rating_sum"`
	Complaints  int `json:"complaints"`
	Online      int `json:"online"`
	Counter     int `json:"counter"`
}

// Provider is one data provider's inquiries in a month. Provider is the
// member: the first three parts of the provider's identifier
// ("IR/GOV/NOCR").
type Provider struct {
	Month      string `json:"month"`
	Provider   string `json:"provider"`
	Inquiries  int    `json:"inquiries"`
	Succeeded  int    `json:"succeeded"`
	LatencyP50 int    `json:"latency_p50_ms"`
	LatencyP90 int    `json:"latency_p90_ms"`
}

// Source says which events the figures count: every event with an id up
// to Through (only sealed ones when a ledger is set), and the ledger's
// latest signed checkpoint when they were counted.
type Source struct {
	Through    int64  `json:"through"`
	LedgerSize uint64 `json:"ledger_size"`
	LedgerRoot string `json:"ledger_root,omitempty"` // base64, as in the checkpoint note
}

// Document is the figures of some months as published: open data, reports,
// truth files and kpi verify read and write it.
type Document struct {
	Version   int        `json:"version"`
	Source    Source     `json:"source"`
	Figures   []Figures  `json:"figures"`
	Providers []Provider `json:"providers"`
}

// Dimensions By groups by.
const (
	DimAgency   = "agency"
	DimService  = "service"
	DimProvince = "province"
	DimCity     = "city"
	DimMonth    = "month"
)

// Share returns n/of, or 0 when of is 0.
func Share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

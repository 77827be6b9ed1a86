package simulate

import (
	"slices"
	"strings"

	"github.com/panjare/panjare/internal/kpi"
)

// tally is what the simulator caused in one group (a month and, each
// optional, an agency, a service, a province, a city).
type tally struct {
	started, completed map[string]bool // distinct person|service pairs
	submitted          int
	decided, auto      int
	overturned, onTime int
	hours, promised    []int
	ratings, ratingSum int
	complaints         int
	online, counter    int
}

// where is what a fact is counted by: its month and its case's agency,
// service and city (with the city's province).
type where struct {
	month, agency, service, province, city string
}

// tallies are the simulator's own counts, by group.
type tallies struct {
	groups map[kpi.Key]*tally
}

func newTallies() *tallies { return &tallies{groups: map[kpi.Key]*tally{}} }

// keys returns the groups a fact at w counts in: the nation, its agency,
// its service, and, when the case has a city, its province and its city.
// A fact without a city counts only where no region is asked for.
func (w where) keys() []kpi.Key {
	ks := []kpi.Key{{Month: w.month}, {Month: w.month, Agency: w.agency}, {Month: w.month, Service: w.service}}
	if w.city != "" {
		ks = append(ks, kpi.Key{Month: w.month, Province: w.province}, kpi.Key{Month: w.month, City: w.city})
	}
	return ks
}

// add calls f on the tally of each group w counts in.
func (ts *tallies) add(w where, f func(t *tally)) {
	for _, k := range w.keys() {
		t := ts.groups[k]
		if t == nil {
			t = &tally{started: map[string]bool{}, completed: map[string]bool{}}
			ts.groups[k] = t
		}
		f(t)
	}
}

// regional reports whether k asks for a region: such groups have no funnel.
func regional(k kpi.Key) bool { return k.Province != "" || k.City != "" }

// Row is one group's figures as the simulator knows them: the figures of
// docs/oversight.md ("KPIs") that it caused, by their JSON names. The
// catalogue's figures (services by level) are left out: the simulator
// loads the catalogue but does not decide the services' levels.
type Row struct {
	Month    string `json:"month"`
	Agency   string `json:"agency,omitempty"`
	Service  string `json:"service,omitempty"`
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`

	Started     int  `json:"started"`
	Completed   int  `json:"completed"`
	Funnel      bool `json:"funnel"`
	Submitted   int  `json:"submitted"`
	Decided     int  `json:"decided"`
	DecidedAuto int  `json:"decided_auto"`
	Overturned  int  `json:"overturned"`
	OnTime      int  `json:"on_time"`
	HoursP50    int  `json:"hours_p50"`
	HoursP90    int  `json:"hours_p90"`
	PromisedP50 int  `json:"promised_p50"`
	Ratings     int  `json:"ratings"`
	RatingSum   int  `json:"rating_sum"`
	Complaints  int  `json:"complaints"`
	Online      int  `json:"online"`
	Counter     int  `json:"counter"`
}

// Key returns the row's group.
func (r Row) Key() kpi.Key {
	return kpi.Key{Month: r.Month, Agency: r.Agency, Service: r.Service, Province: r.Province, City: r.City}
}

// ProviderRow is one provider member's inquiries in a month as the
// simulator knows them: how many its applications made and how many were
// answered. Latencies are the exchange's to measure, and left out.
type ProviderRow struct {
	Month     string `json:"month"`
	Provider  string `json:"provider"`
	Inquiries int    `json:"inquiries"`
	Succeeded int    `json:"succeeded"`
}

// inquiries counts the once-only inquiries the simulator's submissions
// made, by month and provider member; poisoned are those it cannot vouch
// for (another part of the platform asked the same provider, or an inquiry
// failed without saying how).
type inquiries struct {
	counts   map[[2]string]*ProviderRow
	poisoned map[[2]string]bool
	months   map[string]bool // months with a life event: its chains ask providers unseen
}

func newInquiries() *inquiries {
	return &inquiries{counts: map[[2]string]*ProviderRow{}, poisoned: map[[2]string]bool{}, months: map[string]bool{}}
}

func (in *inquiries) add(month, provider string, ok bool) {
	k := [2]string{month, provider}
	r := in.counts[k]
	if r == nil {
		r = &ProviderRow{Month: month, Provider: provider}
		in.counts[k] = r
	}
	r.Inquiries++
	if ok {
		r.Succeeded++
	}
}

// rows are the counts the simulator vouches for, in month and provider
// order.
func (in *inquiries) rows() []ProviderRow {
	out := []ProviderRow{}
	for k, r := range in.counts {
		if !in.poisoned[k] && !in.months[k[0]] {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b ProviderRow) int {
		if n := strings.Compare(a.Month, b.Month); n != 0 {
			return n
		}
		return strings.Compare(a.Provider, b.Provider)
	})
	return out
}

// Truth is the figures document (docs/oversight.md, "Figures document") of
// what the simulator caused: version 1, a row per group it counted
// anything in (see Row), and the providers' inquiries it vouches for (see
// ProviderRow). Any implementation of the figures must agree with every
// field of every row.
type Truth struct {
	Version   int           `json:"version"`
	Figures   []Row         `json:"figures"`
	Providers []ProviderRow `json:"providers"`
}

// percentile is the nearest-rank p-th percentile of vs (sorted ascending
// v[0..n-1], the p-th is v[ceil(p/100·n)−1]); 0 for none.
func percentile(vs []int, p int) int {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(i, 0)]
}

// truth writes the tallies as rows, in month, then key order.
func (ts *tallies) truth() Truth {
	out := Truth{Version: 1, Figures: []Row{}, Providers: []ProviderRow{}}
	for k, t := range ts.groups {
		r := Row{Month: k.Month, Agency: k.Agency, Service: k.Service, Province: k.Province, City: k.City,
			Submitted: t.submitted, Decided: t.decided, DecidedAuto: t.auto, Overturned: t.overturned, OnTime: t.onTime,
			HoursP50: percentile(t.hours, 50), HoursP90: percentile(t.hours, 90), PromisedP50: percentile(t.promised, 50),
			Ratings: t.ratings, RatingSum: t.ratingSum, Complaints: t.complaints, Online: t.online, Counter: t.counter}
		if !regional(k) {
			r.Started, r.Completed, r.Funnel = len(t.started), len(t.completed), true
		}
		out.Figures = append(out.Figures, r)
	}
	slices.SortFunc(out.Figures, func(a, b Row) int {
		ka, kb := a.Key(), b.Key()
		for _, c := range [][2]string{{ka.Month, kb.Month}, {ka.Agency, kb.Agency}, {ka.Service, kb.Service}, {ka.Province, kb.Province}, {ka.City, kb.City}} {
			if n := strings.Compare(c[0], c[1]); n != 0 {
				return n
			}
		}
		return 0
	})
	return out
}

package kpiverify

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Key names one group of figures, with the JSON names of the figures
// document: the Jalali month and at most the filters that are set.
type Key struct {
	Month    string `json:"month"`
	Agency   string `json:"agency,omitempty"`
	Service  string `json:"service,omitempty"`
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`
}

// String writes k as one word: "1404-07", "1404-07/agency:NOCR",
// "1404-07/province:YZD/city:YZD-01".
func (k Key) String() string {
	s := k.Month
	for _, p := range [][2]string{{"agency", k.Agency}, {"service", k.Service}, {"province", k.Province}, {"city", k.City}} {
		if p[1] != "" {
			s += "/" + p[0] + ":" + p[1]
		}
	}
	return s
}

// Figures is one row of recomputed figures. Its JSON is that of a row of the
// figures document, field for field.
type Figures struct {
	Key
	Services        int    `json:"services"`
	ByLevel         [6]int `json:"by_level"`
	FullyElectronic int    `json:"fully_electronic"`
	Smart           int    `json:"smart"`
	Started         int    `json:"started"`
	Completed       int    `json:"completed"`
	Funnel          bool   `json:"funnel"`
	Submitted       int    `json:"submitted"`
	Decided         int    `json:"decided"`
	DecidedAuto     int    `json:"decided_auto"`
	Overturned      int    `json:"overturned"`
	OnTime          int    `json:"on_time"`
	HoursP50        int    `json:"hours_p50"`
	HoursP90        int    `json:"hours_p90"`
	PromisedP50     int    `json:"promised_p50"`
	Ratings         int    `json:"ratings"`
	RatingSum       int    `json:"rating_sum"`
	Complaints      int    `json:"complaints"`
	Online          int    `json:"online"`
	Counter         int    `json:"counter"`
}

// Provider is one row of recomputed inquiry figures for a provider member.
type Provider struct {
	Month      string `json:"month"`
	Provider   string `json:"provider"`
	Inquiries  int    `json:"inquiries"`
	Succeeded  int    `json:"succeeded"`
	LatencyP50 int    `json:"latency_p50_ms"`
	LatencyP90 int    `json:"latency_p90_ms"`
}

// Source says which events the figures were recomputed from.
type Source struct {
	Through    int64  `json:"through"`
	LedgerSize uint64 `json:"ledger_size"`
	LedgerRoot string `json:"ledger_root"`
}

// Document is the recomputed figures in the shape of the figures document
// that open data, reports and truth files use.
type Document struct {
	Version   int        `json:"version"`
	Source    Source     `json:"source"`
	Figures   []Figures  `json:"figures"`
	Providers []Provider `json:"providers"`
}

// The event kinds the figures are made of.
const (
	kindPublished    = "catalog.service.published"
	kindRetired      = "catalog.service.retired"
	kindLevelChanged = "catalog.service.level_changed"
	kindDraft        = "apply.draft.saved"
	kindSubmitted    = "apply.case.submitted"
	kindTransition   = "apply.case.transition"
	kindObjection    = "apply.objection.decided"
	kindFeedback     = "apply.feedback.given"
	kindComplaint    = "apply.complaint.received"
	kindInquiry      = "exchange.inquiry"
)

// kinds lists every kind History reads; the loader asks only for these.
var kinds = []string{kindPublished, kindRetired, kindLevelChanged, kindDraft, kindSubmitted, kindTransition,
	kindObjection, kindFeedback, kindComplaint, kindInquiry}

// History is every fact the figures need, gathered from events given in id
// order. It keeps plain maps and lists and does all the arithmetic only
// when a group's figures are asked for, so that each definition can be read
// in one place.
type History struct {
	province map[string]string // city code → province code

	through int64
	months  map[string]bool

	services map[string][]catalogFact             // service id → its catalogue events, in id order
	cases    map[string]*caseFact                 // tracking → the case
	cells    map[string]map[cellKey]*cell         // by month: apply figures by month, agency, service and city
	funnels  map[string]map[funnelKey]*funnelCell // by month: started and completed pairs by month, agency and service
	provs    map[provKey]*provCell                // inquiries by month and provider member
}

// catalogFact is one catalogue event of a service.
type catalogFact struct {
	at       time.Time
	id       int64
	month    string
	kind     string
	agency   string
	level    int
	hasLevel bool
}

// caseFact is what is known of one case by tracking number.
type caseFact struct {
	submitted   bool
	submittedAt time.Time
	deadline    time.Time // zero when the submission named none
	decided     bool
	auto        bool
	decision    cellKey // where the decision is counted
	overturned  bool
}

type cellKey struct{ month, agency, service, city string }

// cell holds the apply figures of one month, agency, service and city; the
// figures of any group are sums (and, for percentiles, concatenations) of
// the cells that fall in it.
type cell struct {
	submitted, online, counter               int
	decided, decidedAuto, overturned, onTime int
	hours, promised                          []int
	ratings, ratingSum, complaints           int
}

type funnelKey struct{ month, agency, service string }

// funnelCell holds the distinct (subject, service) pairs seen starting and
// submitting: the set keys are subject + "\x00" + service.
type funnelCell struct{ started, completed map[string]bool }

type provKey struct{ month, provider string }

type provCell struct {
	inquiries, succeeded int
	latencies            []int
}

// NewHistory returns an empty history that places cities in provinces by
// cityProvince (city code → province code).
func NewHistory(cityProvince map[string]string) *History {
	return &History{
		province: cityProvince,
		months:   map[string]bool{},
		services: map[string][]catalogFact{},
		cases:    map[string]*caseFact{},
		cells:    map[string]map[cellKey]*cell{},
		funnels:  map[string]map[funnelKey]*funnelCell{},
		provs:    map[provKey]*provCell{},
	}
}

// Month returns the Jalali month of t in Tehran, written "1404-07".
func Month(t time.Time) string {
	y, m := persian.JalaliMonth(t)
	return fmt.Sprintf("%04d-%02d", y, m)
}

// Through returns the id of the last event added.
func (h *History) Through() int64 { return h.through }

// payload holds every payload field any counted kind carries.
type payload struct {
	Tracking   string    `json:"tracking"`
	To         string    `json:"to"`
	Deadline   time.Time `json:"deadline"`
	Channel    *string   `json:"channel"`
	Overturned bool      `json:"overturned"`
	Rating     int       `json:"rating"`
	Level      any       `json:"level"`
	Provider   string    `json:"provider"`
	Status     int       `json:"status"`
	Error      string    `json:"error"`
	LatencyMS  float64   `json:"latency_ms"`
}

// Add counts ev. Events must come in id order; kinds that no figure uses are
// ignored.
func (h *History) Add(ev store.Event) error {
	if ev.ID <= h.through {
		return fmt.Errorf("kpiverify: event %d after event %d: events must come in id order", ev.ID, h.through)
	}
	h.through = ev.ID
	counted := false
	for _, k := range kinds {
		counted = counted || ev.Kind == k
	}
	if !counted {
		return nil
	}
	var p payload
	if len(ev.Payload) > 0 {
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return fmt.Errorf("kpiverify: event %d (%s): unreadable payload: %w", ev.ID, ev.Kind, err)
		}
	}
	month := Month(ev.At)
	h.months[month] = true
	here := cellKey{month, ev.Agency, ev.Service, ev.Region}

	switch ev.Kind {
	case kindPublished, kindRetired, kindLevelChanged:
		f := catalogFact{at: ev.At, id: ev.ID, month: month, kind: ev.Kind, agency: ev.Agency}
		if p.Level != nil {
			lv, ok := parseLevel(p.Level)
			if !ok {
				return fmt.Errorf("kpiverify: event %d (%s): level %v is not L0…L5", ev.ID, ev.Kind, p.Level)
			}
			f.level, f.hasLevel = lv, true
		}
		h.services[ev.Service] = append(h.services[ev.Service], f)

	case kindDraft:
		h.funnel(month, ev).started[ev.Subject+"\x00"+ev.Service] = true

	case kindSubmitted:
		fc := h.funnel(month, ev)
		fc.started[ev.Subject+"\x00"+ev.Service] = true
		fc.completed[ev.Subject+"\x00"+ev.Service] = true
		c := h.cell(here)
		c.submitted++
		switch {
		case p.Channel == nil || *p.Channel == "" || *p.Channel == "online": // absent: online
			c.online++
		case *p.Channel == "counter":
			c.counter++
		}
		cf := h.caseOf(p.Tracking)
		cf.submitted, cf.submittedAt, cf.deadline = true, ev.At, p.Deadline

	case kindTransition:
		if p.To != "approved" && p.To != "rejected" {
			return nil
		}
		cf := h.caseOf(p.Tracking)
		if cf.decided {
			return nil // only the first decision counts
		}
		cf.decided, cf.auto, cf.decision = true, strings.HasPrefix(ev.Actor, "rules:"), here
		c := h.cell(here)
		c.decided++
		if cf.auto {
			c.decidedAuto++
		}
		if cf.submitted {
			c.hours = append(c.hours, floorHours(ev.At.Sub(cf.submittedAt)))
			if !cf.deadline.IsZero() {
				c.promised = append(c.promised, floorHours(cf.deadline.Sub(cf.submittedAt)))
				if !ev.At.After(cf.deadline) {
					c.onTime++
				}
			}
		}

	case kindObjection:
		cf := h.cases[p.Tracking]
		if p.Overturned && cf != nil && cf.decided && cf.auto && !cf.overturned {
			cf.overturned = true
			h.cell(cf.decision).overturned++
		}

	case kindFeedback:
		c := h.cell(here)
		c.ratings++
		c.ratingSum += p.Rating

	case kindComplaint:
		h.cell(here).complaints++

	case kindInquiry:
		k := provKey{month, providerMember(p.Provider)}
		pc := h.provs[k]
		if pc == nil {
			pc = &provCell{}
			h.provs[k] = pc
		}
		pc.inquiries++
		if p.Status >= 200 && p.Status <= 299 && p.Error == "" {
			pc.succeeded++
		}
		pc.latencies = append(pc.latencies, int(math.Floor(p.LatencyMS)))
	}
	return nil
}

func (h *History) cell(k cellKey) *cell {
	if h.cells[k.month] == nil {
		h.cells[k.month] = map[cellKey]*cell{}
	}
	c := h.cells[k.month][k]
	if c == nil {
		c = &cell{}
		h.cells[k.month][k] = c
	}
	return c
}

func (h *History) funnel(month string, ev store.Event) *funnelCell {
	k := funnelKey{month, ev.Agency, ev.Service}
	if h.funnels[month] == nil {
		h.funnels[month] = map[funnelKey]*funnelCell{}
	}
	fc := h.funnels[month][k]
	if fc == nil {
		fc = &funnelCell{started: map[string]bool{}, completed: map[string]bool{}}
		h.funnels[month][k] = fc
	}
	return fc
}

func (h *History) caseOf(tracking string) *caseFact {
	cf := h.cases[tracking]
	if cf == nil {
		cf = &caseFact{}
		h.cases[tracking] = cf
	}
	return cf
}

// Figures returns the figures of the group k. Any combination of filters
// may be set.
func (h *History) Figures(k Key) Figures {
	f := Figures{Key: k}

	// The catalogue: each service's state at the end of the month, whatever
	// the region filter.
	for id, facts := range h.services {
		if k.Service != "" && id != k.Service {
			continue
		}
		live, agency, level, ok := serviceAt(facts, k.Month)
		if !ok || !live || (k.Agency != "" && agency != k.Agency) {
			continue
		}
		f.Services++
		f.ByLevel[level]++
		if level >= 2 {
			f.FullyElectronic++
		}
		if level >= 3 {
			f.Smart++
		}
	}

	// The funnel: not split by region.
	if k.Province == "" && k.City == "" {
		f.Funnel = true
		started, completed := map[string]bool{}, map[string]bool{}
		for fk, fc := range h.funnels[k.Month] {
			if fk.month != k.Month || (k.Agency != "" && fk.agency != k.Agency) || (k.Service != "" && fk.service != k.Service) {
				continue
			}
			for pair := range fc.started {
				started[pair] = true
			}
			for pair := range fc.completed {
				completed[pair] = true
			}
		}
		f.Started, f.Completed = len(started), len(completed)
	}

	var hours, promised []int
	for ck, c := range h.cells[k.Month] {
		if ck.month != k.Month || (k.Agency != "" && ck.agency != k.Agency) || (k.Service != "" && ck.service != k.Service) {
			continue
		}
		if k.City != "" && ck.city != k.City {
			continue
		}
		if k.Province != "" && (ck.city == "" || h.province[ck.city] != k.Province) {
			continue
		}
		f.Submitted += c.submitted
		f.Online += c.online
		f.Counter += c.counter
		f.Decided += c.decided
		f.DecidedAuto += c.decidedAuto
		f.Overturned += c.overturned
		f.OnTime += c.onTime
		f.Ratings += c.ratings
		f.RatingSum += c.ratingSum
		f.Complaints += c.complaints
		hours = append(hours, c.hours...)
		promised = append(promised, c.promised...)
	}
	f.HoursP50, f.HoursP90 = percentile(hours, 50), percentile(hours, 90)
	f.PromisedP50 = percentile(promised, 50)
	return f
}

// Provider returns the inquiry figures of one provider member in a month.
func (h *History) Provider(month, provider string) Provider {
	p := Provider{Month: month, Provider: provider}
	if pc := h.provs[provKey{month, provider}]; pc != nil {
		p.Inquiries, p.Succeeded = pc.inquiries, pc.succeeded
		p.LatencyP50, p.LatencyP90 = percentile(pc.latencies, 50), percentile(pc.latencies, 90)
	}
	return p
}

// Months returns the months in which any counted event happened, ascending.
func (h *History) Months() []string {
	var out []string
	for m := range h.months {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Keys returns, for month, the national group and one group per agency,
// service, province and city that has a figure in the month: a live service
// at its end, or a counted event in it.
func (h *History) Keys(month string) []Key {
	agencies, services, provinces, cities := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for id, facts := range h.services {
		if live, agency, _, ok := serviceAt(facts, month); ok && live {
			agencies[agency], services[id] = true, true
		}
	}
	for fk := range h.funnels[month] {
		if fk.month == month {
			agencies[fk.agency], services[fk.service] = true, true
		}
	}
	for ck := range h.cells[month] {
		if ck.month != month {
			continue
		}
		agencies[ck.agency], services[ck.service] = true, true
		if ck.city != "" {
			cities[ck.city] = true
			if pr := h.province[ck.city]; pr != "" {
				provinces[pr] = true
			}
		}
	}
	delete(agencies, "")
	delete(services, "")
	keys := []Key{{Month: month}}
	for _, a := range sorted(agencies) {
		keys = append(keys, Key{Month: month, Agency: a})
	}
	for _, s := range sorted(services) {
		keys = append(keys, Key{Month: month, Service: s})
	}
	for _, p := range sorted(provinces) {
		keys = append(keys, Key{Month: month, Province: p})
	}
	for _, c := range sorted(cities) {
		keys = append(keys, Key{Month: month, City: c})
	}
	return keys
}

// ProviderNames returns the provider members with inquiries in month.
func (h *History) ProviderNames(month string) []string {
	set := map[string]bool{}
	for pk := range h.provs {
		if pk.month == month {
			set[pk.provider] = true
		}
	}
	return sorted(set)
}

// Document returns every group's figures for months (all months with events
// when nil) in the figures document's shape.
func (h *History) Document(months []string) Document {
	if months == nil {
		months = h.Months()
	}
	d := Document{Version: 1, Source: Source{Through: h.through}, Figures: []Figures{}, Providers: []Provider{}}
	for _, m := range months {
		for _, k := range h.Keys(m) {
			d.Figures = append(d.Figures, h.Figures(k))
		}
		for _, p := range h.ProviderNames(m) {
			d.Providers = append(d.Providers, h.Provider(m, p))
		}
	}
	return d
}

// serviceAt returns a service's state at the end of month: whether it is
// live, its agency and its true level; ok is false when it had no
// catalogue event by then. The last event by time (then by id) decides.
func serviceAt(facts []catalogFact, month string) (live bool, agency string, level int, ok bool) {
	var lifecycle, changed *catalogFact
	for i := range facts {
		f := &facts[i]
		if f.month > month {
			continue
		}
		switch f.kind {
		case kindPublished, kindRetired:
			if lifecycle == nil || later(f, lifecycle) {
				lifecycle = f
			}
		case kindLevelChanged:
			if f.hasLevel && (changed == nil || later(f, changed)) {
				changed = f
			}
		}
	}
	if lifecycle == nil {
		return false, "", 0, false
	}
	live = lifecycle.kind == kindPublished
	switch {
	case changed != nil:
		level = changed.level
	default:
		// The level in the latest published event, when it has one.
		var pub *catalogFact
		for i := range facts {
			f := &facts[i]
			if f.month <= month && f.kind == kindPublished && (pub == nil || later(f, pub)) {
				pub = f
			}
		}
		if pub != nil && pub.hasLevel {
			level = pub.level
		}
	}
	return live, lifecycle.agency, level, true
}

func later(a, b *catalogFact) bool {
	if !a.at.Equal(b.at) {
		return a.at.After(b.at)
	}
	return a.id > b.id
}

// parseLevel reads a level written "L3" or 3.
func parseLevel(v any) (int, bool) {
	var n int
	switch x := v.(type) {
	case string:
		s := strings.TrimPrefix(x, "L")
		i, err := strconv.Atoi(s)
		if err != nil {
			return 0, false
		}
		n = i
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		n = int(x)
	default:
		return 0, false
	}
	return n, n >= 0 && n <= 5
}

// providerMember returns the first three "/"-parts of a provider subsystem:
// "IR/GOV/NOCR/population" → "IR/GOV/NOCR".
func providerMember(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 3 {
		parts = parts[:3]
	}
	return strings.Join(parts, "/")
}

// floorHours returns d in whole hours, rounded down.
func floorHours(d time.Duration) int {
	return int(math.Floor(float64(d) / float64(time.Hour)))
}

// percentile returns the nearest-rank p-th percentile of v: with v sorted
// ascending, v[ceil(p/100·n)−1]; 0 when v is empty. v is not changed.
func percentile(v []int, p int) int {
	n := len(v)
	if n == 0 {
		return 0
	}
	s := append([]int(nil), v...)
	sort.Ints(s)
	rank := (p*n + 99) / 100 // ceil(p·n/100) in integers
	if rank < 1 {
		rank = 1
	}
	return s[rank-1]
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

package oversight

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpi"
)

// changesShown is how many of the largest moves the report lists.
const changesShown = 10

// reportData is everything a monthly report says, gathered once and
// rendered as HTML and as PDF.
type reportData struct {
	Month, Prev      string
	BuiltAt          time.Time
	National         kpi.Figures
	PrevNational     kpi.Figures
	HasPrev          bool
	Progress         Progress   // the country's
	Agencies         []Progress // each agency's, in ranking order
	AgencyRanks      []Ranked
	ProvinceRanks    []Ranked
	MethodA, MethodP Method
	Changes          []Change
	Source           kpi.Source
	names            map[string][2]string // agency or province code → Persian, English name
	cfg              Config
}

// Change is one move between the previous month and the report's month:
// a ranking component (0..100, see the method) of the country or of an
// agency.
type Change struct {
	Agency    string  `json:"agency,omitempty"` // "" for the country
	Component string  `json:"component"`
	From      float64 `json:"from"`
	To        float64 `json:"to"`
	Delta     float64 `json:"delta"`
}

// gather reads the figures of month m and those it is compared with.
func (o *Oversight) gather(ctx context.Context, m month) (reportData, []string, error) {
	const op = "oversight.Build"
	d := reportData{Month: m.String(), Prev: m.add(-1).String(), MethodA: o.methodA, MethodP: o.methodP, cfg: o.cfg}
	var err error
	if d.National, err = o.k.Get(ctx, kpi.Key{Month: d.Month}); err != nil {
		return d, nil, errs.Wrap(op, err)
	}
	if d.PrevNational, err = o.k.Get(ctx, kpi.Key{Month: d.Prev}); err != nil {
		return d, nil, errs.Wrap(op, err)
	}
	h, err := o.history(ctx, m)
	if err != nil {
		return d, nil, errs.Wrap(op, err)
	}
	// The figures document holds the months the report's numbers come
	// from: those of the trend's window and the base year's last month
	// that have any figure or a catalogue.
	window := map[string]bool{month{o.cfg.BaseYear, 12}.String(): true}
	for i := 0; i < trendMonths; i++ {
		window[m.add(-i).String()] = true
	}
	var months []string
	for _, f := range h.national {
		if window[f.Month] && active(f) {
			months = append(months, f.Month)
		}
		if f.Month == d.Prev && active(f) {
			d.HasPrev = true
		}
	}
	sort.Strings(months)
	progress, err := o.progress(h, m)
	if err != nil {
		return d, nil, err
	}
	d.Progress = progress[0]
	byAgency := map[string]Progress{}
	for _, p := range progress[1:] {
		byAgency[p.Agency] = p
	}
	if d.AgencyRanks, d.ProvinceRanks, err = o.Rankings(ctx, d.Month); err != nil {
		return d, nil, err
	}
	for _, r := range d.AgencyRanks {
		if p, ok := byAgency[r.Agency]; ok {
			d.Agencies = append(d.Agencies, p)
		}
	}
	if d.HasPrev {
		if d.Changes, err = o.changes(ctx, d); err != nil {
			return d, nil, err
		}
	}
	d.names = o.names(ctx)
	return d, months, nil
}

// active reports whether a group has anything to show: live services or
// any count of cases (the other counts are parts of these).
func active(f kpi.Figures) bool {
	return f.Services > 0 || f.Started > 0 || f.Submitted > 0 || f.Decided > 0 || f.Overturned > 0 || f.Ratings > 0 || f.Complaints > 0
}

// changes finds the largest moves of the ranking components from the
// previous month, for the country and each agency.
func (o *Oversight) changes(ctx context.Context, d reportData) ([]Change, error) {
	prev, err := o.k.By(ctx, kpi.Key{Month: d.Prev}, "agency")
	if err != nil {
		return nil, errs.Wrap("oversight.Build", err)
	}
	cur, err := o.k.By(ctx, kpi.Key{Month: d.Month}, "agency")
	if err != nil {
		return nil, errs.Wrap("oversight.Build", err)
	}
	return Changes(d.PrevNational, d.National, prev, cur, changesShown), nil
}

// Changes returns the n largest moves of the ranking components (0..100)
// between two months: of the country (prevNational → national) and of each
// agency in both prev and cur. A component counts only when it has data in
// both months. The largest absolute move comes first; ties go to the
// country, then to the smaller agency code, then to the component order.
func Changes(prevNational, national kpi.Figures, prev, cur []kpi.Figures, n int) []Change {
	var out []Change
	add := func(agency string, a, b kpi.Figures) {
		pa, pb := Parts(a), Parts(b)
		for _, c := range Components {
			x, ok1 := pa[c]
			y, ok2 := pb[c]
			if ok1 && ok2 && math.Abs(y-x) >= 0.005 {
				out = append(out, Change{Agency: agency, Component: c, From: round2(x), To: round2(y), Delta: round2(y - x)})
			}
		}
	}
	add("", prevNational, national)
	before := map[string]kpi.Figures{}
	for _, f := range prev {
		if f.Agency != "" && f.Province == "" && f.Service == "" && f.City == "" {
			before[f.Agency] = f
		}
	}
	for _, f := range cur {
		if b, ok := before[f.Agency]; ok && f.Agency != "" && f.Province == "" && f.Service == "" && f.City == "" {
			add(f.Agency, b, f)
		}
	}
	order := map[string]int{}
	for i, c := range Components {
		order[c] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if math.Abs(a.Delta) != math.Abs(b.Delta) {
			return math.Abs(a.Delta) > math.Abs(b.Delta)
		}
		if a.Agency != b.Agency {
			return a.Agency < b.Agency
		}
		return order[a.Component] < order[b.Component]
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// names returns the agencies' and provinces' names by code; without a
// catalogue, or when it fails, the pages print codes.
func (o *Oversight) names(ctx context.Context) map[string][2]string {
	out := map[string][2]string{}
	if o.cat == nil {
		return out
	}
	if as, err := o.cat.Agencies(ctx); err == nil {
		for _, a := range as {
			out[a.Code] = [2]string{a.NameFa, a.NameEn}
		}
	}
	if rs, err := o.cat.Regions(ctx); err == nil {
		for _, r := range rs {
			if r.Province == "" {
				out[r.Code] = [2]string{r.NameFa, r.NameEn}
			}
		}
	}
	return out
}

// render gathers month m and renders its documents (unsigned).
func (o *Oversight) render(ctx context.Context, m month) (Report, error) {
	d, months, err := o.gather(ctx, m)
	if err != nil {
		return Report{}, err
	}
	d.BuiltAt = o.s.Now()
	doc, err := o.k.Export(ctx, months)
	if err != nil {
		return Report{}, errs.Wrap("oversight.Build", err)
	}
	d.Source = doc.Source
	r := Report{ReportInfo: ReportInfo{Month: d.Month, BuiltAt: d.BuiltAt}}
	if r.Figures, err = json.Marshal(doc); err != nil {
		return Report{}, errs.Wrap("oversight.Build", err)
	}
	if r.HTML, err = renderHTML(d); err != nil {
		return Report{}, errs.Wrap("oversight.Build", err)
	}
	fonts, err := o.fonts.Get()
	if err != nil {
		return Report{}, err
	}
	if r.PDF, err = renderPDF(d, fonts); err != nil {
		return Report{}, errs.Wrap("oversight.Build", err)
	}
	return r, nil
}

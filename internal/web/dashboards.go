package web

import (
	"context"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/persian"
)

// The dashboards (the overseer's /oversight, the agency's /agency/dashboard
// and the public /transparency pages) show the figures of internal/kpi,
// which are folded from sealed events only. This file turns a kpi.Figures
// into the rows every dashboard shows, in the order and with the
// definitions of docs/oversight.md, and builds the charts: each chart is a
// table of the same numbers, which static/js/charts.js draws with ECharts
// when it is there. Nothing here computes a figure from anything but the
// counts kpi gives: a share is a ratio of two of them, shown as "—" when
// its denominator is 0, never as 0%.

// echartsFile is Apache ECharts in the static folder, which `make assets`
// copies from npm; without it the dashboards load no script and show their
// tables.
const echartsFile = "vendor/echarts/echarts.min.js"

// errNoKPI is the answer of the dashboards on a server without KPIs.
var errNoKPI = errs.E("web.kpi", errs.Unavailable, "The performance figures are not available on this server.", "آمار عملکرد در این سامانه در دسترس نیست.")

// monthRE is a Jalali month as the figures name it: "1404-07".
var monthRE = regexp.MustCompile(`^(1[34][0-9]{2})-(0[1-9]|1[0-2])$`)

// parseMonth reads a month parameter ("1404-07", Persian digits accepted).
func parseMonth(s string) (string, bool) {
	s = persian.ASCIIDigits(strings.TrimSpace(s))
	return s, monthRE.MatchString(s)
}

// monthIn names a month ("1404-07") in l: «مهر ۱۴۰۴», "Mehr 1404".
func monthIn(l lang, month string) string {
	y, m, ok := strings.Cut(month, "-")
	n, err := strconv.Atoi(m)
	if !ok || err != nil || n < 1 || n > 12 {
		return month
	}
	if l == fa {
		return persian.MonthName(n) + " " + persian.Digits(y)
	}
	return persian.MonthNameEn(n) + " " + y
}

// monthChoice is one month of a month selector.
type monthChoice struct {
	Value, Label string
	Selected     bool
}

// dashMonth picks the month a dashboard shows: the one asked for, or the
// latest month with figures (this month when there are none). A month that
// is not a Jalali month is a 400. It returns the months to choose from,
// newest first.
func (w *Web) dashMonth(r *http.Request, op string) (string, []monthChoice, error) {
	months, err := w.kpi.Months(r.Context())
	if err != nil {
		return "", nil, err
	}
	month := persian.MonthKey(time.Now())
	if len(months) > 0 {
		month = months[len(months)-1]
	}
	if v := r.URL.Query().Get("month"); v != "" {
		m, ok := parseMonth(v)
		if !ok {
			return "", nil, badRequest(op, "dash.bad.month")
		}
		month = m
	}
	if !slices.Contains(months, month) {
		months = append(months, month)
		slices.Sort(months)
	}
	l := langOf(r)
	out := make([]monthChoice, 0, len(months))
	for i := len(months) - 1; i >= 0; i-- {
		out = append(out, monthChoice{Value: months[i], Label: monthIn(l, months[i]), Selected: months[i] == month})
	}
	return month, out, nil
}

// metric is one row of a dashboard's table of figures.
type metric struct {
	ID    string // the figure's name in the open data (data-kpi), for tests and scripts
	Name  string // translation key of its name
	Value string // formatted in the page's language; "—" when not defined
	Note  string // what it is a share of, or why it is not shown
}

// share is a/b, and whether b is not 0.
func share(a, b int) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

// decIn formats x with places decimals in l: «۴٫۲», "4.2".
func decIn(l lang, x float64, places int) string {
	s := strconv.FormatFloat(x, 'f', places, 64)
	if l == fa {
		return persian.Digits(strings.Replace(s, ".", "٫", 1))
	}
	return s
}

// none is what a figure without a denominator shows.
const none = "—"

// shareText formats a/b as a whole percentage, "—" when b is 0.
func shareText(l lang, a, b int) string {
	s, ok := share(a, b)
	if !ok {
		return none
	}
	return pctIn(l, s)
}

// ofText is the note under a share: «۳ از ۷», "3 of 7".
func ofText(l lang, a, b int) string {
	return translate(l, "dash.of", numIn(l, int64(a)), numIn(l, int64(b)))
}

// hoursText formats a number of hours: «۲۶ ساعت», "26 hours".
func hoursText(l lang, h int) string {
	return plural(l, "dash.hours", h)
}

// plural is the text of key with n, from key's singular form (key without
// its final "s") when n is 1: "1 hour", "2 hours".
func plural(l lang, key string, n int) string {
	if n == 1 {
		key = strings.TrimSuffix(key, "s")
	}
	return translate(l, key, numIn(l, int64(n)))
}

// metrics returns the rows of f, in the order of docs/oversight.md.
func metrics(l lang, f kpi.Figures) []metric {
	n := func(v int) string { return numIn(l, int64(v)) }
	out := []metric{
		{ID: "services", Name: "dash.k.services", Value: n(f.Services)},
	}
	for lv, c := range f.ByLevel {
		out = append(out, metric{ID: "by_level_" + strconv.Itoa(lv), Name: "dash.k.level", Value: n(c),
			Note: levelText(l, "L"+strconv.Itoa(lv))})
	}
	out = append(out,
		metric{ID: "fully_electronic_share", Name: "dash.k.electronic", Value: shareText(l, f.FullyElectronic, f.Services), Note: ofText(l, f.FullyElectronic, f.Services)},
		metric{ID: "smart_share", Name: "dash.k.smart", Value: shareText(l, f.Smart, f.Services), Note: ofText(l, f.Smart, f.Services)},
	)
	if f.Funnel {
		out = append(out,
			metric{ID: "started", Name: "dash.k.started", Value: n(f.Started)},
			metric{ID: "completed", Name: "dash.k.completed", Value: n(f.Completed)},
			metric{ID: "completion_rate", Name: "dash.k.completion", Value: shareText(l, f.Completed, f.Started), Note: ofText(l, f.Completed, f.Started)},
		)
	} else {
		nf := translate(l, "dash.nofunnel")
		out = append(out,
			metric{ID: "started", Name: "dash.k.started", Value: none, Note: nf},
			metric{ID: "completed", Name: "dash.k.completed", Value: none, Note: nf},
			metric{ID: "completion_rate", Name: "dash.k.completion", Value: none, Note: nf},
		)
	}
	out = append(out,
		metric{ID: "submitted", Name: "dash.k.submitted", Value: n(f.Submitted)},
		metric{ID: "decided", Name: "dash.k.decided", Value: n(f.Decided)},
		metric{ID: "auto_share", Name: "dash.k.auto", Value: shareText(l, f.DecidedAuto, f.Decided), Note: ofText(l, f.DecidedAuto, f.Decided)},
		metric{ID: "overturned_share", Name: "dash.k.overturned", Value: shareText(l, f.Overturned, f.DecidedAuto), Note: ofText(l, f.Overturned, f.DecidedAuto)},
	)
	p := func(h int) string {
		if f.Decided == 0 {
			return none
		}
		return hoursText(l, h)
	}
	out = append(out,
		metric{ID: "hours_p50", Name: "dash.k.p50", Value: p(f.HoursP50)},
		metric{ID: "hours_p90", Name: "dash.k.p90", Value: p(f.HoursP90)},
		metric{ID: "promised_p50", Name: "dash.k.promised", Value: p(f.PromisedP50)},
		metric{ID: "on_time_share", Name: "dash.k.ontime", Value: shareText(l, f.OnTime, f.Decided), Note: ofText(l, f.OnTime, f.Decided)},
	)
	sat := none
	if s, ok := share(f.RatingSum, f.Ratings); ok {
		sat = translate(l, "dash.outof5", decIn(l, s, 1))
	}
	out = append(out, metric{ID: "satisfaction", Name: "dash.k.satisfaction", Value: sat, Note: plural(l, "dash.ratings", f.Ratings)})
	per := none
	if s, ok := share(f.Complaints*1000, f.Submitted); ok {
		per = decIn(l, s, 1)
	}
	out = append(out,
		metric{ID: "complaints_per_thousand", Name: "dash.k.complaints", Value: per, Note: plural(l, "dash.complaints", f.Complaints)},
		metric{ID: "digital_share", Name: "dash.k.digital", Value: shareText(l, f.Online, f.Online+f.Counter),
			Note: translate(l, "dash.channels", n(f.Online), n(f.Counter))},
	)
	return out
}

// providerRow is one provider of the inquiries table.
type providerRow struct {
	Provider, Inquiries, Success, LatencyP50, LatencyP90 string
}

// providerRows formats the providers' figures.
func providerRows(l lang, ps []kpi.Provider) []providerRow {
	out := make([]providerRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, providerRow{Provider: p.Provider, Inquiries: numIn(l, int64(p.Inquiries)),
			Success:    shareText(l, p.Succeeded, p.Inquiries),
			LatencyP50: translate(l, "dash.ms", numIn(l, int64(p.LatencyP50))), LatencyP90: translate(l, "dash.ms", numIn(l, int64(p.LatencyP90)))})
	}
	return out
}

// chart is a chart with the table that holds its numbers. charts.js reads
// the table: the first column labels the x axis, each other column is a
// series, each cell's data-v is its number.
type chart struct {
	ID      string   // the table's id
	Kind    string   // "line" or "bar"
	Unit    string   // "count", "pct" or "hours": how the axis and tooltip format numbers
	Caption string   // the table's caption, the chart's title
	Head    string   // the first column's heading
	Series  []string // the other columns' headings
	Rows    []chartRow
}

// chartRow is one x value and its numbers.
type chartRow struct {
	Label string
	Href  string // a link to the row's own page, if any
	Cells []chartCell
}

// chartCell is one number: Raw for the script, Text for people. An
// undefined share has Raw "" and Text "—", and the chart leaves a gap.
type chartCell struct{ Raw, Text string }

func countCell(l lang, v int) chartCell {
	return chartCell{Raw: strconv.Itoa(v), Text: numIn(l, int64(v))}
}

func shareCell(l lang, a, b int) chartCell {
	s, ok := share(a, b)
	if !ok {
		return chartCell{Text: none}
	}
	pct := math.Round(s*1000) / 10
	return chartCell{Raw: strconv.FormatFloat(pct, 'f', -1, 64), Text: pctIn(l, s)}
}

func hoursCell(l lang, h int, any bool) chartCell {
	if !any {
		return chartCell{Text: none}
	}
	return chartCell{Raw: strconv.Itoa(h), Text: hoursText(l, h)}
}

// trendCharts are the three trend charts of a series of months: shares,
// volumes and processing times.
func trendCharts(l lang, prefix string, months []kpi.Figures) []chart {
	shares := chart{ID: prefix + "-shares", Kind: "line", Unit: "pct", Caption: translate(l, "dash.chart.shares"), Head: translate(l, "dash.month"),
		Series: []string{translate(l, "dash.k.electronic"), translate(l, "dash.k.smart"), translate(l, "dash.k.ontime"), translate(l, "dash.k.auto"), translate(l, "dash.k.digital")}}
	volumes := chart{ID: prefix + "-volumes", Kind: "line", Unit: "count", Caption: translate(l, "dash.chart.volumes"), Head: translate(l, "dash.month"),
		Series: []string{translate(l, "dash.k.started"), translate(l, "dash.k.submitted"), translate(l, "dash.k.decided"), translate(l, "dash.k.complaints.n")}}
	times := chart{ID: prefix + "-times", Kind: "line", Unit: "hours", Caption: translate(l, "dash.chart.times"), Head: translate(l, "dash.month"),
		Series: []string{translate(l, "dash.k.p50"), translate(l, "dash.k.p90"), translate(l, "dash.k.promised")}}
	for _, f := range months {
		label := monthIn(l, f.Month)
		started := countCell(l, f.Started)
		if !f.Funnel {
			started = chartCell{Text: none}
		}
		shares.Rows = append(shares.Rows, chartRow{Label: label, Cells: []chartCell{
			shareCell(l, f.FullyElectronic, f.Services), shareCell(l, f.Smart, f.Services), shareCell(l, f.OnTime, f.Decided),
			shareCell(l, f.DecidedAuto, f.Decided), shareCell(l, f.Online, f.Online+f.Counter)}})
		volumes.Rows = append(volumes.Rows, chartRow{Label: label, Cells: []chartCell{
			started, countCell(l, f.Submitted), countCell(l, f.Decided), countCell(l, f.Complaints)}})
		times.Rows = append(times.Rows, chartRow{Label: label, Cells: []chartCell{
			hoursCell(l, f.HoursP50, f.Decided > 0), hoursCell(l, f.HoursP90, f.Decided > 0), hoursCell(l, f.PromisedP50, f.Decided > 0)}})
	}
	return []chart{shares, volumes, times}
}

// trendMonths is how many months a trend shows, up to the chosen one.
const trendMonths = 12

// trend returns the figures of key's group month by month, the last
// trendMonths up to key.Month, oldest first.
func (w *Web) trend(ctx context.Context, key kpi.Key) ([]kpi.Figures, error) {
	month := key.Month
	key.Month = ""
	rows, err := w.kpi.By(ctx, key, "month")
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(f kpi.Figures) bool { return f.Month > month })
	slices.SortFunc(rows, func(a, b kpi.Figures) int { return strings.Compare(a.Month, b.Month) })
	if len(rows) > trendMonths {
		rows = rows[len(rows)-trendMonths:]
	}
	return rows, nil
}

// compareChart is a bar chart of one share across the rows of a dimension
// (agencies, provinces, cities), with the counts beside it in the table.
func compareChart(l lang, id, caption, head string, rows []kpi.Figures, name func(kpi.Figures) (string, string)) chart {
	c := chart{ID: id, Kind: "bar", Unit: "pct", Caption: caption, Head: head,
		Series: []string{translate(l, "dash.k.electronic"), translate(l, "dash.k.smart"), translate(l, "dash.k.ontime")}}
	for _, f := range rows {
		label, href := name(f)
		c.Rows = append(c.Rows, chartRow{Label: label, Href: href, Cells: []chartCell{
			shareCell(l, f.FullyElectronic, f.Services), shareCell(l, f.Smart, f.Services), shareCell(l, f.OnTime, f.Decided)}})
	}
	return c
}

// provenance is the line every dashboard ends with: which events its
// figures were folded from, and the ledger's tree they are sealed in.
type provenance struct {
	Through, Size string
	Root          string
}

func (w *Web) provenance(ctx context.Context, l lang) (provenance, error) {
	src, err := w.kpi.Source(ctx)
	if err != nil {
		return provenance{}, err
	}
	root := src.LedgerRoot
	if root == "" {
		root = none
	}
	return provenance{Through: numIn(l, src.Through), Size: numIn(l, int64(src.LedgerSize)), Root: root}, nil
}

// regionNames is the catalogue's regions by code.
type regionNames struct {
	byCode    map[string]catalog.Region
	provinces []catalog.Region
	cities    []catalog.Region
}

func (w *Web) regions(ctx context.Context) (regionNames, error) {
	list, err := w.cat.Regions(ctx)
	if err != nil {
		return regionNames{}, err
	}
	out := regionNames{byCode: map[string]catalog.Region{}}
	for _, r := range list {
		out.byCode[r.Code] = r
		if r.Kind == catalog.Province {
			out.provinces = append(out.provinces, r)
		} else {
			out.cities = append(out.cities, r)
		}
	}
	return out, nil
}

// name is the region's name in l, or its code.
func (rn regionNames) name(l lang, code string) string {
	if r, ok := rn.byCode[code]; ok {
		return pickText(l, r.NameFa, r.NameEn)
	}
	return code
}

// choice is one option of a filter.
type choice struct {
	Value, Label string
	Selected     bool
}

// filters are the agency, province and city a dashboard is narrowed to,
// checked against the catalogue: an unknown code is a 400, so that a typo
// does not show a page of zeros as if they were true.
type filters struct {
	Agency, Province, City string
	Agencies, Provinces    []choice
	Cities                 []choice
}

func (w *Web) dashFilters(r *http.Request, op string, rn regionNames) (filters, error) {
	q := r.URL.Query()
	f := filters{Agency: strings.TrimSpace(q.Get("agency")), Province: strings.TrimSpace(q.Get("province")), City: strings.TrimSpace(q.Get("city"))}
	l := langOf(r)
	ags, err := w.agencyC.get(r.Context())
	if err != nil {
		return f, err
	}
	if _, ok := ags.byCode[f.Agency]; f.Agency != "" && !ok {
		return f, badRequest(op, "dash.bad.agency")
	}
	if reg, ok := rn.byCode[f.Province]; f.Province != "" && (!ok || reg.Kind != catalog.Province) {
		return f, badRequest(op, "dash.bad.province")
	}
	if reg, ok := rn.byCode[f.City]; f.City != "" && (!ok || reg.Kind != catalog.City) {
		return f, badRequest(op, "dash.bad.city")
	}
	if f.City != "" {
		// A city narrows further than its province: the province is the
		// city's own.
		f.Province = ""
	}
	for _, a := range ags.list {
		f.Agencies = append(f.Agencies, choice{Value: a.Code, Label: pickText(l, a.NameFa, a.NameEn), Selected: a.Code == f.Agency})
	}
	for _, p := range rn.provinces {
		f.Provinces = append(f.Provinces, choice{Value: p.Code, Label: pickText(l, p.NameFa, p.NameEn), Selected: p.Code == f.Province})
	}
	for _, c := range rn.cities {
		label := pickText(l, c.NameFa, c.NameEn)
		if c.Pilot {
			label = translate(l, "dash.pilot.of", label)
		}
		f.Cities = append(f.Cities, choice{Value: c.Code, Label: label, Selected: c.Code == f.City})
	}
	return f, nil
}

// Cols is the number of columns of c's table.
func (c chart) Cols() int { return len(c.Series) + 1 }

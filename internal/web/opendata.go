package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpi"
)

// Open data: each month's figures as CSV and JSON, at
// /opendata/kpi-{month}.csv, /opendata/kpi-{month}.json and
// /opendata/providers-{month}.csv, with their schema at /opendata/. The JSON
// is kpi's Document for the month (the same document the monthly report and
// `panjare kpi verify` read); the CSV has one row per group of the document
// (national, each agency, service, province and city), columns in the
// order of figureColumns, RFC 4180 (CRLF line ends, UTF-8 without a byte
// order mark). A month that is not a Jalali month is a 400; a month without
// any figure is a 404, so that an empty file is never mistaken for a month
// of zeros.

// column is one column of the open data, with its type and definition.
type column struct {
	Name, Type string
	value      func(f kpi.Figures) string
}

func istr(n int) string { return strconv.Itoa(n) }

// figureColumns are the columns of kpi-{month}.csv, in the order of kpi.Figures
// (docs/oversight.md defines each).
var figureColumns = func() []column {
	cols := []column{
		{"month", "string", func(f kpi.Figures) string { return f.Month }},
		{"agency", "string", func(f kpi.Figures) string { return f.Agency }},
		{"service", "string", func(f kpi.Figures) string { return f.Service }},
		{"province", "string", func(f kpi.Figures) string { return f.Province }},
		{"city", "string", func(f kpi.Figures) string { return f.City }},
		{"services", "integer", func(f kpi.Figures) string { return istr(f.Services) }},
		{"fully_electronic", "integer", func(f kpi.Figures) string { return istr(f.FullyElectronic) }},
		{"smart", "integer", func(f kpi.Figures) string { return istr(f.Smart) }},
	}
	for lv := range 6 {
		cols = append(cols, column{"by_level_" + istr(lv), "integer", func(f kpi.Figures) string { return istr(f.ByLevel[lv]) }})
	}
	return append(cols,
		column{"started", "integer", func(f kpi.Figures) string { return istr(f.Started) }},
		column{"completed", "integer", func(f kpi.Figures) string { return istr(f.Completed) }},
		column{"funnel", "boolean", func(f kpi.Figures) string { return strconv.FormatBool(f.Funnel) }},
		column{"submitted", "integer", func(f kpi.Figures) string { return istr(f.Submitted) }},
		column{"decided", "integer", func(f kpi.Figures) string { return istr(f.Decided) }},
		column{"decided_auto", "integer", func(f kpi.Figures) string { return istr(f.DecidedAuto) }},
		column{"overturned", "integer", func(f kpi.Figures) string { return istr(f.Overturned) }},
		column{"on_time", "integer", func(f kpi.Figures) string { return istr(f.OnTime) }},
		column{"hours_p50", "integer", func(f kpi.Figures) string { return istr(f.HoursP50) }},
		column{"hours_p90", "integer", func(f kpi.Figures) string { return istr(f.HoursP90) }},
		column{"promised_p50", "integer", func(f kpi.Figures) string { return istr(f.PromisedP50) }},
		column{"ratings", "integer", func(f kpi.Figures) string { return istr(f.Ratings) }},
		column{"rating_sum", "integer", func(f kpi.Figures) string { return istr(f.RatingSum) }},
		column{"complaints", "integer", func(f kpi.Figures) string { return istr(f.Complaints) }},
		column{"online", "integer", func(f kpi.Figures) string { return istr(f.Online) }},
		column{"counter", "integer", func(f kpi.Figures) string { return istr(f.Counter) }},
	)
}()

// providerColumns are the columns of providers-{month}.csv.
var providerColumns = []struct{ Name, Type string }{
	{"month", "string"}, {"provider", "string"}, {"inquiries", "integer"}, {"succeeded", "integer"},
	{"latency_p50_ms", "integer"}, {"latency_p90_ms", "integer"},
}

// schemaRow is one documented field on /opendata/.
type schemaRow struct{ Name, Type, Def string }

// openDataView is the data of /opendata/.
type openDataView struct {
	Months    []monthChoice
	Figures   []schemaRow
	Providers []schemaRow
	Source    provenance
}

// openDataIndex is /opendata/: the months there are, and the schema.
func (w *Web) openDataIndex(rw http.ResponseWriter, r *http.Request) error {
	if w.kpi == nil {
		return errNoKPI
	}
	ctx, l := r.Context(), langOf(r)
	months, err := w.kpi.Months(ctx)
	if err != nil {
		return err
	}
	var v openDataView
	for i := len(months) - 1; i >= 0; i-- {
		v.Months = append(v.Months, monthChoice{Value: months[i], Label: monthIn(l, months[i])})
	}
	for _, c := range figureColumns {
		key := c.Name
		if strings.HasPrefix(key, "by_level_") {
			key = "by_level"
		}
		v.Figures = append(v.Figures, schemaRow{c.Name, c.Type, translate(l, "od.f."+key)})
	}
	for _, c := range providerColumns {
		v.Providers = append(v.Providers, schemaRow{c.Name, c.Type, translate(l, "od.p."+c.Name)})
	}
	if v.Source, err = w.provenance(ctx, l); err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, "opendata", translate(l, "od.title"), "transparency", v)
}

// openDataFile is /opendata/{file}: kpi-{month}.csv, kpi-{month}.json or
// providers-{month}.csv.
func (w *Web) openDataFile(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.openDataFile"
	name := r.PathValue("file")
	var kind, ext, month string
	for _, k := range []string{"kpi-", "providers-"} {
		if rest, ok := strings.CutPrefix(name, k); ok {
			kind = strings.TrimSuffix(k, "-")
			month, ext, _ = strings.Cut(rest, ".")
		}
	}
	if kind == "" || !(ext == "csv" || ext == "json" && kind == "kpi") {
		return w.notFound(rw, r)
	}
	month, ok := parseMonth(month)
	if !ok {
		return badRequest(op, "dash.bad.month")
	}
	if w.kpi == nil {
		return errNoKPI
	}
	ctx := r.Context()
	months, err := w.kpi.Months(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(months, month) {
		return errs.E(op, errs.NotFound, "There are no figures for this month.", "برای این ماه آماری نیست.")
	}
	doc, err := w.kpi.Export(ctx, []string{month})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch {
	case ext == "json":
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(doc); err != nil {
			return errs.Wrap(op, err)
		}
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	case kind == "kpi":
		if err := writeFiguresCSV(&buf, doc.Figures); err != nil {
			return errs.Wrap(op, err)
		}
		rw.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	default:
		if err := writeProvidersCSV(&buf, doc.Providers); err != nil {
			return errs.Wrap(op, err)
		}
		rw.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	}
	rw.Header().Set("Content-Disposition", `inline; filename="`+kind+"-"+month+"."+ext+`"`)
	rw.Header().Set("Cache-Control", "no-cache")
	rw.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		_, _ = rw.Write(buf.Bytes())
	}
	return nil
}

// writeFiguresCSV writes figs as RFC 4180 CSV with a header.
func writeFiguresCSV(buf *bytes.Buffer, figs []kpi.Figures) error {
	cw := csv.NewWriter(buf)
	cw.UseCRLF = true
	row := make([]string, len(figureColumns))
	for i, c := range figureColumns {
		row[i] = c.Name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for _, f := range figs {
		for i, c := range figureColumns {
			row[i] = c.value(f)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeProvidersCSV writes the providers' figures as RFC 4180 CSV.
func writeProvidersCSV(buf *bytes.Buffer, ps []kpi.Provider) error {
	cw := csv.NewWriter(buf)
	cw.UseCRLF = true
	head := make([]string, len(providerColumns))
	for i, c := range providerColumns {
		head[i] = c.Name
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, p := range ps {
		if err := cw.Write([]string{p.Month, p.Provider, istr(p.Inquiries), istr(p.Succeeded), istr(p.LatencyP50), istr(p.LatencyP90)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

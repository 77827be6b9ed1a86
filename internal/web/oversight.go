package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
)

// The overseer's dashboard, /oversight: every agency's figures for a month,
// nationally or narrowed to an agency, a province or a city; the trends;
// each agency against its targets; and the rankings of agencies and
// provinces with their method and weights. No personal data reaches it:
// kpi holds counts only.

// dashView is the data of /oversight, /agency/dashboard and the public
// transparency pages; each fills what it shows.
type dashView struct {
	Month      string
	MonthLabel string
	Months     []monthChoice
	Action     string // where the month (and filter) form goes
	Filters    *filters
	Scope      string // what the figures are of: «کل کشور», an agency, a region
	Pilot      bool   // the scope is a pilot city
	Metrics    []metric
	Providers  []providerRow
	Trends     []chart
	Compare    []chart // agencies, provinces or cities side by side
	Services   []serviceFigure
	Targets    []targetRow
	Ranking    *rankingView
	Rank       *rankRow // the agency's own rank (/agency/dashboard)
	ReadOnly   bool     // an operator reads their agency's dashboard
	Links      []link   // to the other views, open data, reports
	Source     provenance
	Charts     bool // the chart library is installed: load it and charts.js
}

// link is a link with its text.
type link struct{ Href, Text string }

// overseerPage checks that an overseer or a platform admin asks; it
// redirects to sign-in when nobody is signed in (done is then true).
func overseerPage(rw http.ResponseWriter, r *http.Request, op string) (identity.Principal, bool, error) {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := identity.Require(r.Context(), identity.RoleOverseer, identity.RolePlatformAdmin)
	switch {
	case errs.Is(err, errs.Unauthorized):
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return p, true, nil
	case err != nil:
		return p, false, errs.E(op, errs.Forbidden, "This page is for the overseers and the platform's administrators.", "این صفحه ویژهٔ ناظران و مدیران سامانه است.")
	}
	return p, false, nil
}

// oversight is /oversight.
func (w *Web) oversight(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.oversight"
	_, done, err := overseerPage(rw, r, op)
	if done || err != nil {
		return err
	}
	if w.kpi == nil {
		return errNoKPI
	}
	ctx, l := r.Context(), langOf(r)
	month, months, err := w.dashMonth(r, op)
	if err != nil {
		return err
	}
	rn, err := w.regions(ctx)
	if err != nil {
		return err
	}
	f, err := w.dashFilters(r, op, rn)
	if err != nil {
		return err
	}
	key := kpi.Key{Month: month, Agency: f.Agency, Province: f.Province, City: f.City}
	v := dashView{Month: month, MonthLabel: monthIn(l, month), Months: months, Action: "/oversight", Filters: &f}
	v.Scope = w.scopeName(r, rn, key)
	if err := w.fillFigures(r, &v, key, "oversight"); err != nil {
		return err
	}
	// Agencies side by side, within the same region filter.
	byAgency, err := w.kpi.By(ctx, kpi.Key{Month: month, Province: f.Province, City: f.City}, "agency")
	if err != nil {
		return err
	}
	v.Compare = append(v.Compare, compareChart(l, "oversight-agencies", translate(l, "dash.chart.agencies"), translate(l, "dash.agency"), byAgency,
		func(x kpi.Figures) (string, string) {
			return w.agencyName(r, x.Agency), "/oversight?month=" + month + "&agency=" + x.Agency
		}))
	byProvince, err := w.kpi.By(ctx, kpi.Key{Month: month, Agency: f.Agency}, "province")
	if err != nil {
		return err
	}
	v.Compare = append(v.Compare, compareChart(l, "oversight-provinces", translate(l, "dash.chart.provinces"), translate(l, "dash.province"), byProvince,
		func(x kpi.Figures) (string, string) {
			return rn.name(l, x.Province), "/oversight?month=" + month + "&province=" + x.Province
		}))
	if v.Targets, err = w.targets(ctx, r, month, ""); err != nil {
		return err
	}
	if v.Ranking, err = w.ranking(r, rn, month); err != nil {
		return err
	}
	v.Links = []link{{"/reports", translate(l, "dash.link.reports")}, {"/transparency", translate(l, "dash.link.transparency")}, {"/opendata/", translate(l, "dash.link.opendata")}}
	return w.render(rw, r, http.StatusOK, "oversight", translate(l, "oversight.title"), "oversight", v)
}

// scopeName names what key's figures are of.
func (w *Web) scopeName(r *http.Request, rn regionNames, key kpi.Key) string {
	l := langOf(r)
	var parts []string
	if key.Agency != "" {
		parts = append(parts, w.agencyName(r, key.Agency))
	}
	if key.Service != "" {
		parts = append(parts, key.Service)
	}
	switch {
	case key.City != "":
		parts = append(parts, rn.name(l, key.City))
	case key.Province != "":
		parts = append(parts, rn.name(l, key.Province))
	}
	if len(parts) == 0 {
		return translate(l, "dash.scope.national")
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out = translate(l, "dash.scope.join", out, p)
	}
	return out
}

// fillFigures fills the figures of key's group: the table, the providers
// (national views only: inquiries have no agency or region), the trends and
// the provenance line.
func (w *Web) fillFigures(r *http.Request, v *dashView, key kpi.Key, prefix string) error {
	ctx, l := r.Context(), langOf(r)
	figs, err := w.kpi.Get(ctx, key)
	if err != nil {
		return err
	}
	v.Metrics = metrics(l, figs)
	if key.Agency == "" && key.Service == "" && key.Province == "" && key.City == "" {
		ps, err := w.kpi.Providers(ctx, key.Month)
		if err != nil {
			return err
		}
		v.Providers = providerRows(l, ps)
	}
	months, err := w.trend(ctx, key)
	if err != nil {
		return err
	}
	v.Trends = trendCharts(l, prefix, months)
	_, v.Charts = w.hashes[echartsFile]
	v.Source, err = w.provenance(ctx, l)
	return err
}

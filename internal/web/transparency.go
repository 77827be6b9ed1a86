package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpi"
)

// The public transparency pages: the nation's figures
// (/transparency), an agency's (/transparency/agency/{code}), a province's
// and a city's (pilot cities are marked «شهر هدف»). They show the same
// figures as the overseer's dashboard, which are counts and shares only,
// with links to the open data and the monthly reports.

// transparency is /transparency, the national view.
func (w *Web) transparency(rw http.ResponseWriter, r *http.Request) error {
	rn, err := w.regions(r.Context())
	if err != nil {
		return err
	}
	return w.transparencyOf(rw, r, kpi.Key{}, rn)
}

// transparencyAgency is /transparency/agency/{code}.
func (w *Web) transparencyAgency(rw http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	ags, err := w.agencyC.get(r.Context())
	if err != nil {
		return err
	}
	if _, ok := ags.byCode[code]; !ok {
		return errs.NotFoundf("web.transparencyAgency", "agency", "دستگاه")
	}
	rn, err := w.regions(r.Context())
	if err != nil {
		return err
	}
	return w.transparencyOf(rw, r, kpi.Key{Agency: code}, rn)
}

// transparencyProvince is /transparency/province/{code}.
func (w *Web) transparencyProvince(rw http.ResponseWriter, r *http.Request) error {
	return w.transparencyRegion(rw, r, catalog.Province)
}

// transparencyCity is /transparency/city/{code}.
func (w *Web) transparencyCity(rw http.ResponseWriter, r *http.Request) error {
	return w.transparencyRegion(rw, r, catalog.City)
}

func (w *Web) transparencyRegion(rw http.ResponseWriter, r *http.Request, kind catalog.RegionKind) error {
	rn, err := w.regions(r.Context())
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	reg, ok := rn.byCode[code]
	if !ok || reg.Kind != kind {
		return errs.NotFoundf("web.transparencyRegion", "region", "منطقه")
	}
	if kind == catalog.Province {
		return w.transparencyOf(rw, r, kpi.Key{Province: code}, rn)
	}
	return w.transparencyOf(rw, r, kpi.Key{City: code}, rn)
}

// transparencyOf renders the public view of the group key (without its
// month, which the request chooses); rn are the regions its caller read.
func (w *Web) transparencyOf(rw http.ResponseWriter, r *http.Request, key kpi.Key, rn regionNames) error {
	const op = "web.transparency"
	if w.kpi == nil {
		return errNoKPI
	}
	ctx, l := r.Context(), langOf(r)
	month, months, err := w.dashMonth(r, op)
	if err != nil {
		return err
	}
	key.Month = month
	v := dashView{Month: month, MonthLabel: monthIn(l, month), Months: months, Action: r.URL.Path, Scope: w.scopeName(r, rn, key)}
	if key.City != "" {
		v.Pilot = rn.byCode[key.City].Pilot
	}
	if err := w.fillFigures(r, &v, key, "transparency"); err != nil {
		return err
	}
	agencyLink := func(x kpi.Figures) (string, string) {
		return w.agencyName(r, x.Agency), "/transparency/agency/" + x.Agency + "?month=" + month
	}
	provinceLink := func(x kpi.Figures) (string, string) {
		return rn.name(l, x.Province), "/transparency/province/" + x.Province + "?month=" + month
	}
	cityLink := func(x kpi.Figures) (string, string) {
		name := rn.name(l, x.City)
		if rn.byCode[x.City].Pilot {
			name = translate(l, "dash.pilot.of", name)
		}
		return name, "/transparency/city/" + x.City + "?month=" + month
	}
	compare := func(id, caption, head, dim string, name func(kpi.Figures) (string, string)) error {
		rows, err := w.kpi.By(ctx, key, dim)
		if err != nil {
			return err
		}
		v.Compare = append(v.Compare, compareChart(l, id, translate(l, caption), translate(l, head), rows, name))
		return nil
	}
	switch {
	case key.Agency != "":
		if v.Services, err = w.serviceFigures(ctx, l, key); err != nil {
			return err
		}
		err = compare("transparency-provinces", "dash.chart.provinces", "dash.province", "province", provinceLink)
	case key.Province != "":
		if err = compare("transparency-cities", "dash.chart.cities", "dash.city", "city", cityLink); err == nil {
			err = compare("transparency-agencies", "dash.chart.agencies", "dash.agency", "agency", agencyLink)
		}
	case key.City != "":
		err = compare("transparency-agencies", "dash.chart.agencies", "dash.agency", "agency", agencyLink)
	default:
		if err = compare("transparency-agencies", "dash.chart.agencies", "dash.agency", "agency", agencyLink); err == nil {
			err = compare("transparency-provinces", "dash.chart.provinces", "dash.province", "province", provinceLink)
		}
		if err == nil {
			// The rankings are public, with their method, as the API's.
			v.Ranking, err = w.ranking(r, rn, month)
		}
	}
	if err != nil {
		return err
	}
	v.Links = []link{{"/opendata/kpi-" + month + ".csv", translate(l, "dash.link.csv")}, {"/opendata/kpi-" + month + ".json", translate(l, "dash.link.json")},
		{"/opendata/", translate(l, "dash.link.opendata")}, {"/reports", translate(l, "dash.link.reports")}}
	if key != (kpi.Key{Month: month}) {
		v.Links = append([]link{{"/transparency?month=" + month, translate(l, "dash.link.national")}}, v.Links...)
	}
	title := translate(l, "transparency.title")
	if key != (kpi.Key{Month: month}) {
		title = translate(l, "transparency.title.of", v.Scope)
	}
	return w.render(rw, r, http.StatusOK, "transparency", title, "transparency", v)
}

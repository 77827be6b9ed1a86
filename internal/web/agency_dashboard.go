package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
)

// The agency's own dashboard, /agency/dashboard: its admins and operators
// see their agency's figures, its services side by side, its targets and
// its rank, and nothing of any other agency. Operators read it as admins
// do; there is nothing on it to change.

// serviceFigure is one service of the agency's table.
type serviceFigure struct {
	ID, Name                                 string
	Submitted, Decided, OnTime, P50, Promise string
	Satisfaction, Complaints                 string
}

// agencyDashboard is /agency/dashboard. ?agency= naming another agency is
// refused (403), so that no one reads another agency's page by editing the
// address.
func (w *Web) agencyDashboard(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.agencyDashboard"
	p, done := requireSignedIn(rw, r)
	if done {
		return nil
	}
	rw.Header().Set("Cache-Control", "no-store")
	if !isStaff(p) {
		return errs.E(op, errs.Forbidden, "Only the agency's administrators and operators may open its dashboard.", "تنها مدیران و کارشناسان دستگاه می‌توانند داشبورد آن را ببینند.")
	}
	if a := strings.TrimSpace(r.URL.Query().Get("agency")); a != "" && a != p.Agency {
		return errs.E(op, errs.Forbidden, "An agency's dashboard is for its own staff only.", "داشبورد هر دستگاه تنها برای کارکنان همان دستگاه است.")
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
	key := kpi.Key{Month: month, Agency: p.Agency}
	v := dashView{Month: month, MonthLabel: monthIn(l, month), Months: months, Action: "/agency/dashboard",
		Scope: w.agencyName(r, p.Agency), ReadOnly: !p.Has(identity.RoleAgencyAdmin)}
	if err := w.fillFigures(r, &v, key, "agency"); err != nil {
		return err
	}
	if v.Services, err = w.serviceFigures(ctx, l, key); err != nil {
		return err
	}
	byProvince, err := w.kpi.By(ctx, key, "province")
	if err != nil {
		return err
	}
	v.Compare = append(v.Compare, compareChart(l, "agency-provinces", translate(l, "dash.chart.provinces"), translate(l, "dash.province"), byProvince,
		func(x kpi.Figures) (string, string) { return rn.name(l, x.Province), "" }))
	if v.Targets, err = w.targets(ctx, r, month, p.Agency); err != nil {
		return err
	}
	v.TargetsOf = w.targetsLead(l)
	rk, err := w.ranking(r, rn, month)
	if err != nil {
		return err
	}
	if rk != nil {
		for i := range rk.Agencies {
			if rk.Agencies[i].Code == p.Agency {
				v.Rank = &rk.Agencies[i]
			}
		}
		v.Ranking = &rankingView{Method: rk.Method, Weights: rk.Weights}
	}
	v.Links = []link{{"/transparency/agency/" + p.Agency, translate(l, "dash.link.public")}, {"/reports", translate(l, "dash.link.reports")}, {"/opendata/", translate(l, "dash.link.opendata")}}
	return w.render(rw, r, http.StatusOK, "agency_dashboard", translate(l, "agencydash.title"), "agency", v)
}

// serviceFigures is the table of key's agency's services.
func (w *Web) serviceFigures(ctx context.Context, l lang, key kpi.Key) ([]serviceFigure, error) {
	rows, err := w.kpi.By(ctx, key, "service")
	if err != nil {
		return nil, err
	}
	out := make([]serviceFigure, 0, len(rows))
	for _, f := range rows {
		name := f.Service
		if svc, err := w.cat.Service(ctx, f.Service); err == nil {
			name = pickText(l, svc.Record.TitleFa, svc.Record.TitleEn)
		}
		sat := none
		if s, ok := share(f.RatingSum, f.Ratings); ok {
			sat = decIn(l, s, 1)
		}
		p50, promise := none, none
		if f.Decided > 0 {
			p50, promise = hoursText(l, f.HoursP50), hoursText(l, f.PromisedP50)
		}
		out = append(out, serviceFigure{ID: f.Service, Name: name, Submitted: numIn(l, int64(f.Submitted)), Decided: numIn(l, int64(f.Decided)),
			OnTime: shareText(l, f.OnTime, f.Decided), P50: p50, Promise: promise, Satisfaction: sat, Complaints: numIn(l, int64(f.Complaints))})
	}
	return out, nil
}

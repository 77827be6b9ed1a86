package web

import (
	"context"
	"math"
	"net/http"
	"strconv"

	"github.com/panjare/panjare/internal/oversight"
)

// The targets and rankings on the dashboards come from internal/oversight,
// which derives them from the same kpi figures with the configured targets
// and weights. This file only turns them into rows; the weights and the
// method text are published exactly as oversight generated them.

// targetRow is one agency (or the country) against its targets.
type targetRow struct {
	Agency, Name                   string
	Electronic, Smart              string // shares this month
	SmartTarget, Forecast, Reaches string // the year's smart target, the trend's forecast for the year's end, when it meets it
	OnTrack                        bool
}

// rankRow is one ranked agency or province.
type rankRow struct {
	Code, Name, Href string
	Rank, Score      string
	Parts            []string // in the order of rankingView.Of
}

// weightRow is one published weight of the ranking.
type weightRow struct{ Name, Weight string }

// rankingView is a month's rankings with their method.
type rankingView struct {
	Method, ProvinceMethod string
	Weights                []weightRow
	Of                     []string // the components' names: the tables' columns
	Agencies, Provinces    []rankRow
	Chart                  *chart

	agencyCaption, provinceCaption string
	heads                          [2]string // the first column of the agencies' and provinces' tables
}

// rankTable is one table of ranks.
type rankTable struct {
	ID, Caption, Head string
	Of                []string
	Rows              []rankRow
}

// AgencyTable is the agencies' ranks as a table.
func (v *rankingView) AgencyTable() rankTable {
	return rankTable{ID: "ranking-agencies", Caption: v.agencyCaption, Head: v.agencyHead(), Of: v.Of, Rows: v.Agencies}
}

// ProvinceTable is the provinces' ranks as a table.
func (v *rankingView) ProvinceTable() rankTable {
	return rankTable{ID: "ranking-provinces", Caption: v.provinceCaption, Head: v.provinceHead(), Of: v.Of, Rows: v.Provinces}
}

func (v *rankingView) agencyHead() string   { return v.heads[0] }
func (v *rankingView) provinceHead() string { return v.heads[1] }

// pctOf formats a percentage (0..100) as oversight gives it: «۴۲٪».
func pctOf(l lang, v float64) string {
	if math.IsNaN(v) {
		return none
	}
	return pctIn(l, v/100)
}

// targets returns each agency's progress in month (the country's first),
// or only agency's when agency is set; nil without oversight.
func (w *Web) targets(ctx context.Context, r *http.Request, month, agency string) ([]targetRow, error) {
	if w.ov == nil {
		return nil, nil
	}
	l := langOf(r)
	ps, err := w.ov.Progress(ctx, month)
	if err != nil {
		return nil, err
	}
	var out []targetRow
	for _, p := range ps {
		if agency != "" && p.Agency != agency {
			continue
		}
		row := targetRow{Agency: p.Agency, Name: translate(l, "dash.national"), OnTrack: p.OnTrack}
		if p.Agency != "" {
			row.Name = w.agencyName(r, p.Agency)
		}
		if p.NoData {
			row.Electronic, row.Smart, row.SmartTarget, row.Forecast = none, none, none, none
		} else {
			row.Electronic, row.Smart = pctOf(l, p.Electronic), pctOf(l, p.Smart)
			row.SmartTarget, row.Forecast = pctOf(l, p.SmartTarget), pctOf(l, p.YearEnd)
		}
		row.Reaches = none
		if p.Reaches != "" {
			row.Reaches = monthIn(l, p.Reaches)
		}
		out = append(out, row)
	}
	return out, nil
}

// targetsLead says what the targets are, from the configuration in force.
func (w *Web) targetsLead(l lang) string {
	if w.ov == nil {
		return ""
	}
	cfg := w.ov.Config()
	return translate(l, "dash.targets.lead", pctOf(l, cfg.ElectronicTarget), decIn(l, cfg.SmartStepPP, 0), digitsIn(l, cfg.BaseYear))
}

// ranking returns month's rankings of agencies and provinces with the
// method and weights that made them; nil without oversight.
func (w *Web) ranking(r *http.Request, rn regionNames, month string) (*rankingView, error) {
	if w.ov == nil {
		return nil, nil
	}
	ctx, l := r.Context(), langOf(r)
	agencies, provinces, err := w.ov.Rankings(ctx, month)
	if err != nil {
		return nil, err
	}
	ma, mp := w.ov.Method(oversight.ByAgency), w.ov.Method(oversight.ByProvince)
	v := &rankingView{Method: pickText(l, ma.Fa, ma.En), ProvinceMethod: pickText(l, mp.Fa, mp.En),
		agencyCaption: translate(l, "dash.rank.agencies"), provinceCaption: translate(l, "dash.rank.provinces"),
		heads: [2]string{translate(l, "dash.agency"), translate(l, "dash.province")}}
	for _, c := range oversight.Components {
		v.Of = append(v.Of, translate(l, "dash.part."+c))
		if wt, ok := ma.Weights[c]; ok {
			v.Weights = append(v.Weights, weightRow{Name: translate(l, "dash.part."+c), Weight: decIn(l, wt, 0)})
		}
	}
	row := func(x oversight.Ranked, code, name, href string) rankRow {
		rr := rankRow{Code: code, Name: name, Href: href, Rank: none, Score: none}
		if x.Rank > 0 {
			rr.Rank, rr.Score = numIn(l, int64(x.Rank)), decIn(l, x.Score, 2)
		}
		for _, c := range oversight.Components {
			if p, ok := x.Parts[c]; ok {
				rr.Parts = append(rr.Parts, decIn(l, p, 1))
			} else {
				rr.Parts = append(rr.Parts, none)
			}
		}
		return rr
	}
	scores := chart{ID: "ranking-scores", Kind: "bar", Unit: "count", Caption: translate(l, "dash.chart.scores"), Head: translate(l, "dash.agency"),
		Series: []string{translate(l, "dash.score")}}
	for _, x := range agencies {
		name := w.agencyName(r, x.Agency)
		v.Agencies = append(v.Agencies, row(x, x.Agency, name, "/transparency/agency/"+x.Agency+"?month="+month))
		if x.Rank > 0 {
			scores.Rows = append(scores.Rows, chartRow{Label: name, Cells: []chartCell{{Raw: strconv.FormatFloat(x.Score, 'f', 2, 64), Text: decIn(l, x.Score, 2)}}})
		}
	}
	for _, x := range provinces {
		v.Provinces = append(v.Provinces, row(x, x.Province, rn.name(l, x.Province), "/transparency/province/"+x.Province+"?month="+month))
	}
	if len(scores.Rows) > 0 {
		v.Chart = &scores
	}
	return v, nil
}

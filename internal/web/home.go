package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/suggest"
)

// countedLabel is a label with a number of services.
type countedLabel struct {
	Label catalog.Label
	Count int
}

// homeView is the data of the home page.
type homeView struct {
	Services   int
	Agencies   int
	Electronic float64 // share of services fully electronic (true levels), 0..1
	Smart      float64 // share of services smart (true levels), 0..1
	SmartCount int
	Planned    int // services declared above their true level, counted in no share
	Domains    []countedLabel
	Events     []countedLabel
	Popular    []serviceRow
	// Suggestions are the signed-in citizen's (suggestions.go); Dismissed
	// says one was just dismissed.
	Suggestions []suggest.Suggestion
	Dismissed   bool
}

// home is the front page: the search box, services by area and by life
// event, the most used services and the platform's figures; for a signed-in
// citizen, first the services suggested to them, each with why.
func (w *Web) home(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ov, err := w.overview.get(ctx)
	if err != nil {
		return err
	}
	all, popular := ov.all, ov.popular
	ags, err := w.agencyC.get(ctx)
	if err != nil {
		return err
	}
	v := homeView{Services: all.Total, Popular: rows(popular, ags.byCode)}
	for _, a := range ags.list {
		if a.Connected {
			v.Agencies++
		}
	}
	// The level facet counts true levels (catalog.TrueLevel).
	electronic := 0
	for _, fv := range all.Facets[catalog.FacetLevel] {
		if fv.Code >= "L2" {
			electronic += fv.Count
		}
		if fv.Code >= "L3" {
			v.SmartCount += fv.Count
		}
	}
	if all.Total > 0 {
		v.Electronic = float64(electronic) / float64(all.Total)
		v.Smart = float64(v.SmartCount) / float64(all.Total)
	}
	v.Planned = ov.stats.Planned
	v.Domains = counted(catalog.Domains, all.Facets[catalog.FacetDomain])
	v.Events = counted(catalog.LifeEvents, all.Facets[catalog.FacetEvent])
	v.Suggestions = w.suggestionsFor(r)
	v.Dismissed = r.URL.Query().Get("done") == "dismissed"
	if v.Suggestions != nil || v.Dismissed {
		rw.Header().Set("Cache-Control", "no-store") // this page is the citizen's own
	}
	return w.render(rw, r, http.StatusOK, "home", "", "home", v)
}

// counted returns the labels of list that have services, in list's order.
func counted(list []catalog.Label, values []catalog.FacetValue) []countedLabel {
	n := make(map[string]int, len(values))
	for _, v := range values {
		n[v.Code] = v.Count
	}
	var out []countedLabel
	for _, lb := range list {
		if n[lb.Code] > 0 {
			out = append(out, countedLabel{Label: lb, Count: n[lb.Code]})
		}
	}
	return out
}

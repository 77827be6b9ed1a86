package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/catalog"
)

// agencyRow is one agency in the list, with its number of services.
type agencyRow struct {
	A        catalog.Agency
	Services int
}

// domainGroup is the agencies of one domain.
type domainGroup struct {
	Domain   catalog.Label
	Agencies []agencyRow
}

// agencies lists every agency, grouped by domain, /agencies.
func (w *Web) agencies(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ags, err := w.agencyC.get(ctx)
	if err != nil {
		return err
	}
	ov, err := w.overview.get(ctx)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, fv := range ov.all.Facets[catalog.FacetAgency] {
		count[fv.Code] = fv.Count
	}
	byDomain := map[string][]agencyRow{}
	for _, a := range ags.list {
		byDomain[string(a.Domain)] = append(byDomain[string(a.Domain)], agencyRow{A: a, Services: count[a.Code]})
	}
	var groups []domainGroup
	for _, d := range catalog.Domains {
		if rows := byDomain[d.Code]; len(rows) > 0 {
			groups = append(groups, domainGroup{Domain: d, Agencies: rows})
		}
	}
	title := translate(langOf(r), "agencies.title")
	return w.render(rw, r, http.StatusOK, "agencies", title, "agencies", groups)
}

// levelCount is the number of an agency's services at one level.
type levelCount struct {
	Code    string
	Label   catalog.Label
	Count   int
	Share   int // whole percent of the agency's services, for the bar
	Planned int // services declared at this level and not built (counted in no share)
}

// agencyView is the data of an agency's page.
type agencyView struct {
	A          catalog.Agency
	Parent     *catalog.Agency
	Domain     catalog.Label
	Stats      catalog.AgencyStats
	Electronic int // whole percent
	Smart      int // whole percent
	ElecCount  int
	SmartCount int
	Levels     []levelCount
	Search     searchView
	SearchURL  string
}

// agency is one agency's page, /agencies/{code}: its figures and services.
func (w *Web) agency(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.agency"
	code := strings.ToUpper(r.PathValue("code"))
	if !validAgencyCode(code) {
		return badRequest(op, "bad.agencycode")
	}
	q, err := parseSearch(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := w.cat.Agency(ctx, code)
	if err != nil {
		return err
	}
	st, err := w.cat.AgencyStats(ctx, code)
	if err != nil {
		return err
	}
	list := catalog.Query{Agency: a.Code, Page: q.Page, PerPage: 50}
	res, err := w.cat.Search(ctx, list)
	if err != nil {
		return err
	}
	if err := pageExists(res); err != nil {
		return err
	}
	ags, err := w.agencyC.get(ctx)
	if err != nil {
		return err
	}
	v := agencyView{A: a, Stats: st, Electronic: percent(st.Electronic), Smart: percent(st.Smart)}
	if a.Parent != "" {
		if p, ok := ags.byCode[a.Parent]; ok {
			v.Parent = &p
		}
	}
	v.Domain, _ = catalog.LabelOf(catalog.Domains, string(a.Domain))
	for i, n := range st.PerLevel {
		lb := catalog.Levels[i]
		share := 0
		if st.Services > 0 {
			share = percent(float64(n) / float64(st.Services))
		}
		v.Levels = append(v.Levels, levelCount{Code: lb.Code, Label: lb, Count: n, Share: share, Planned: st.PlannedAt[i]})
		if catalog.Level(i).FullyElectronic() {
			v.ElecCount += n
		}
		if catalog.Level(i).Smart() {
			v.SmartCount += n
		}
	}
	v.Search = searchView{Total: res.Total, Page: res.Page, Pages: res.Pages, Items: rows(res.Items, ags.byCode)}
	base := r.URL.Path
	if res.Page > 1 {
		v.Search.Prev = pageURL(base, res.Page-1)
	}
	if res.Page < res.Pages {
		v.Search.Next = pageURL(base, res.Page+1)
	}
	v.SearchURL = queryURL(catalog.Query{Agency: a.Code})
	return w.render(rw, r, http.StatusOK, "agency", pickText(langOf(r), a.NameFa, a.NameEn), "agencies", v)
}

// percent turns a share 0..1 into a whole percentage 0..100.
func percent(share float64) int {
	p := int(share*100 + 0.5)
	return min(max(p, 0), 100)
}

// pageURL returns path with ?page=n (none for the first page).
func pageURL(path string, n int) string {
	if n <= 1 {
		return path
	}
	return path + "?page=" + strconv.Itoa(n)
}

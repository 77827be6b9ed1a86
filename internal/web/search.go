package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// Limits on what the search page accepts.
const (
	perPage  = 20
	maxPage  = 1000
	maxParam = 64 // the longest code a filter parameter can hold
)

// searchParams are the query parameters of /services, in the order the
// facets are shown.
var searchParams = []string{"q", "agency", "domain", "event", "level", "audience", "permit", "page"}

// parseSearch reads and checks the query of /services. Anything malformed
// is an Invalid error that says which parameter is wrong.
func parseSearch(r *http.Request) (catalog.Query, error) {
	const op = "web.parseSearch"
	var q catalog.Query
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, badRequest(op, "bad.utf8")
	}
	get := func(name string) (string, error) {
		v := vals[name]
		switch {
		case len(v) == 0:
			return "", nil
		case len(v) > 1:
			return "", badRequest(op, "bad.repeat", name)
		case !utf8.ValidString(v[0]):
			return "", badRequest(op, "bad.utf8")
		}
		return strings.TrimSpace(v[0]), nil
	}
	for _, name := range searchParams {
		v, err := get(name)
		if err != nil {
			return q, err
		}
		if name != "q" && utf8.RuneCountInString(v) > maxParam {
			return q, badRequest(op, "bad.param", name)
		}
		switch name {
		case "q":
			if utf8.RuneCountInString(v) > catalog.MaxQueryText {
				return q, badRequest(op, "bad.long", strconv.Itoa(catalog.MaxQueryText))
			}
			q.Text = v
		case "agency":
			v = strings.ToUpper(v)
			if v != "" && !validAgencyCode(v) {
				return q, badRequest(op, "bad.param", name)
			}
			q.Agency = v
		case "domain":
			if v != "" && !known(catalog.Domains, v) {
				return q, badRequest(op, "bad.param", name)
			}
			q.Domain = v
		case "event":
			if v != "" && !known(catalog.LifeEvents, v) {
				return q, badRequest(op, "bad.param", name)
			}
			q.Event = v
		case "level":
			v = strings.ToUpper(persian.ASCIIDigits(v))
			if v != "" && !known(catalog.Levels, v) {
				return q, badRequest(op, "bad.param", name)
			}
			q.Level = v
		case "audience":
			v = strings.ToUpper(v)
			if v != "" && !known(catalog.Audiences, v) {
				return q, badRequest(op, "bad.param", name)
			}
			q.Audience = v
		case "permit":
			if v != "" && v != "yes" && v != "no" {
				return q, badRequest(op, "bad.param", name)
			}
			q.Permit = v
		case "page":
			if v == "" {
				q.Page = 1
				continue
			}
			n, err := strconv.Atoi(persian.ASCIIDigits(v))
			if err != nil || n < 1 {
				return q, badRequest(op, "bad.page")
			}
			if n > maxPage {
				return q, badRequest(op, "bad.pagefar")
			}
			q.Page = n
		}
	}
	q.PerPage = perPage
	return q, nil
}

// pageExists returns NotFound when res is a page past the last one.
func pageExists(res catalog.Results) error {
	if res.Pages > 0 && res.Page > res.Pages {
		pages := strconv.Itoa(res.Pages)
		return errs.E("web.search", errs.NotFound, translate(en, "bad.pagebeyond", pages), translate(fa, "bad.pagebeyond", persian.Digits(pages)))
	}
	return nil
}

// validAgencyCode reports whether s looks like an agency code: 2 to 20
// upper-case Latin letters, digits or _, starting with a letter.
func validAgencyCode(s string) bool {
	if len(s) < 2 || len(s) > 20 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// known reports whether code is in list.
func known(list []catalog.Label, code string) bool {
	_, ok := catalog.LabelOf(list, code)
	return ok
}

// queryURL returns the /services URL for q (page 1 unless set).
func queryURL(q catalog.Query) string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	set("agency", q.Agency)
	set("domain", q.Domain)
	set("event", q.Event)
	set("level", q.Level)
	set("audience", q.Audience)
	set("permit", q.Permit)
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if len(v) == 0 {
		return "/services"
	}
	return "/services?" + v.Encode()
}

// field returns a pointer to the filter of q named by a facet.
func field(q *catalog.Query, name string) *string {
	switch name {
	case catalog.FacetAgency:
		return &q.Agency
	case catalog.FacetDomain:
		return &q.Domain
	case catalog.FacetEvent:
		return &q.Event
	case catalog.FacetLevel:
		return &q.Level
	case catalog.FacetAudience:
		return &q.Audience
	case "permit":
		return &q.Permit
	}
	return nil
}

// serviceRow is one service in a list of results.
type serviceRow struct {
	ID         string
	TitleFa    string
	TitleEn    string
	DescFa     string
	DescEn     string
	Agency     catalog.Agency
	Level      catalog.Level
	LevelLabel catalog.Label
	Cost       int64
	Time       catalog.Duration
	Permit     bool
	Retired    bool
}

// rows turns services into list rows, naming agencies from the cache.
func rows(list []catalog.Service, agencies map[string]catalog.Agency) []serviceRow {
	out := make([]serviceRow, len(list))
	for i, s := range list {
		ag, ok := agencies[s.Record.Agency]
		if !ok {
			ag = catalog.Agency{Code: s.Record.Agency, NameFa: s.Record.Agency, NameEn: s.Record.Agency}
		}
		lvl, _ := catalog.LabelOf(catalog.Levels, s.Level.String())
		out[i] = serviceRow{
			ID: s.ID, TitleFa: s.Record.TitleFa, TitleEn: s.Record.TitleEn,
			DescFa: s.Record.DescriptionFa, DescEn: s.Record.DescriptionEn,
			Agency: ag, Level: s.Level, LevelLabel: lvl,
			Cost: s.Record.CostRials, Time: s.Record.ProcessingTime,
			Permit: s.Record.IsPermit(), Retired: s.Status == catalog.Retired,
		}
	}
	return out
}

// facetLink is one value of a facet: a link that adds it to the search, or
// removes it when it is selected.
type facetLink struct {
	Label    string
	Code     string
	Count    int
	URL      string
	Selected bool
}

// facetView is one facet with its values.
type facetView struct {
	Key    string // translation key of its heading
	Name   string
	Values []facetLink
}

// chip is a selected filter with the link that removes it.
type chip struct {
	Facet     string // translation key of the facet
	Label     string
	RemoveURL string
}

// pageLink is one link of the pager.
type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool // an ellipsis between pages
}

// searchView is the data of the search page.
type searchView struct {
	Query    catalog.Query
	Total    int
	Page     int
	Pages    int
	Items    []serviceRow
	Facets   []facetView
	Selected []chip
	ClearURL string
	Prev     string
	Next     string
	Pager    []pageLink
	Filtered bool
	Partial  int // of Total, how many match only some of the words
	Full     int // of Total, how many match every word
}

// search is the search page, /services.
func (w *Web) search(rw http.ResponseWriter, r *http.Request) error {
	q, err := parseSearch(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	res, err := w.cat.Search(ctx, q)
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
	l := langOf(r)
	v := searchView{Query: q, Total: res.Total, Page: res.Page, Pages: res.Pages, Items: rows(res.Items, ags.byCode),
		Partial: res.Partial, Full: res.Total - res.Partial}
	base := q
	base.Page = 0

	nameOf := func(facet, code string) string {
		switch facet {
		case catalog.FacetAgency:
			if a, ok := ags.byCode[code]; ok {
				return pickText(l, a.NameFa, a.NameEn)
			}
			return code
		case catalog.FacetDomain:
			lb, _ := catalog.LabelOf(catalog.Domains, code)
			return labelIn(l, lb)
		case catalog.FacetEvent:
			lb, _ := catalog.LabelOf(catalog.LifeEvents, code)
			return labelIn(l, lb)
		case catalog.FacetLevel:
			return levelText(l, code)
		case catalog.FacetAudience:
			lb, _ := catalog.LabelOf(catalog.Audiences, code)
			return labelIn(l, lb)
		case "permit":
			return translate(l, "search.permit."+code)
		}
		return code
	}

	for _, name := range []string{catalog.FacetDomain, catalog.FacetEvent, catalog.FacetAgency, catalog.FacetLevel, catalog.FacetAudience, "permit"} {
		cur := *field(&base, name)
		if cur != "" {
			rm := base
			*field(&rm, name) = ""
			v.Selected = append(v.Selected, chip{Facet: "facet." + name, Label: nameOf(name, cur), RemoveURL: queryURL(rm)})
		}
		values, counted := res.Facets[name]
		if name == "permit" && !counted {
			// The index does not count permits: offer the two choices
			// without counts (-1).
			values = []catalog.FacetValue{{Code: "yes", Count: -1}, {Code: "no", Count: -1}}
		}
		fv := facetView{Key: "facet." + name, Name: name}
		for _, val := range values {
			if val.Count == 0 {
				continue
			}
			link := base
			sel := cur == val.Code
			if sel {
				*field(&link, name) = ""
			} else {
				*field(&link, name) = val.Code
			}
			fv.Values = append(fv.Values, facetLink{Label: nameOf(name, val.Code), Code: val.Code, Count: val.Count, URL: queryURL(link), Selected: sel})
		}
		if len(fv.Values) > 0 {
			v.Facets = append(v.Facets, fv)
		}
	}
	v.Filtered = len(v.Selected) > 0
	clear := catalog.Query{Text: q.Text}
	v.ClearURL = queryURL(clear)

	if res.Page > 1 {
		p := base
		p.Page = res.Page - 1
		v.Prev = queryURL(p)
	}
	if res.Page < res.Pages {
		p := base
		p.Page = res.Page + 1
		v.Next = queryURL(p)
	}
	if res.Pages > 1 {
		last := 0
		for n := 1; n <= res.Pages; n++ {
			if n != 1 && n != res.Pages && (n < res.Page-2 || n > res.Page+2) {
				continue
			}
			if last != 0 && n > last+1 {
				v.Pager = append(v.Pager, pageLink{Gap: true})
			}
			p := base
			p.Page = n
			v.Pager = append(v.Pager, pageLink{N: n, URL: queryURL(p), Current: n == res.Page})
			last = n
		}
	}

	title := translate(l, "search.title")
	if q.Text != "" {
		title = translate(l, "search.title.q", q.Text)
	}
	return w.render(rw, r, http.StatusOK, "search", title, "services", v)
}

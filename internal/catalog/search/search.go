package search

import (
	"sort"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
)

// Paging limits.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
)

// Query tuning. Boosts rank a match in a title above one in a keyword, an
// agency name, the outputs and requirements, and the description, in that
// order; a typed identifier outranks everything.
const (
	fuzzyMinRunes  = 5   // words this long or longer also match with one typo
	prefixMinRunes = 2   // the last word matches as a prefix from this length
	fuzzyFactor    = 0.3 // a fuzzy match weighs this much of an exact one
	prefixFactor   = 0.6 // a prefix match weighs this much of an exact one
	synonymFactor  = 0.8 // a synonym weighs this much of the word typed
	idBoost        = 100
)

type fieldBoost struct {
	field string
	boost float64
}

var (
	// faFields are searched for every word.
	faFields = []fieldBoost{{fTitleFa, 6}, {fKeywords, 4}, {fAgencyFa, 2}, {fDetailsFa, 1.5}, {fDescFa, 1}}
	// enFields are searched, with the English analyzer's term, for words in
	// Latin letters.
	enFields = []fieldBoost{{fTitleEn, 5}, {fAgencyEn, 2}, {fDetailsEn, 1.5}, {fDescEn, 1}}
	// joinFields hold the glued pairs of words, for «گواهی نامه» against
	// «گواهینامه» (the description has them only as written).
	joinFields = []fieldBoost{{fTitleFa, 6}, {fKeywords, 4}, {fAgencyFa, 2}, {fDescFa, 1}}
	// looseFields are where fuzzy and prefix matches are tried: they are the
	// costly ones, and a loose match in a long description is mostly noise.
	looseFields = []fieldBoost{{fTitleFa, 6}, {fKeywords, 4}, {fAgencyFa, 2}}
)

// facets are the facet fields and how many values each can have (enough to
// list all of them).
var facets = []struct {
	name, field string
	size        int
}{
	{catalog.FacetAgency, fAgency, 1000},
	{catalog.FacetDomain, fDomain, len(catalog.Domains) + 10},
	{catalog.FacetEvent, fEvents, len(catalog.LifeEvents) + 10},
	{catalog.FacetLevel, fLevel, len(catalog.Levels) + 2},
	{catalog.FacetAudience, fAudience, len(catalog.Audiences) + 2},
}

// Search returns one page of the services that match q, best first (by
// annual volume, then title, when q has no text), with the facet counts of
// all the matches.
func (x *Index) Search(q catalog.Query) (catalog.Results, error) {
	const op = "search.Search"
	if q.Permit != "" && q.Permit != "yes" && q.Permit != "no" {
		return catalog.Results{}, errs.E(op, errs.Invalid, `permit must be "yes" or "no"`,
			"مقدار «مجوز» باید yes یا no باشد.")
	}
	page, per := q.Page, q.PerPage
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = DefaultPerPage
	}
	if per > MaxPerPage {
		per = MaxPerPage
	}

	text := x.textQuery(q.Text)
	var must []query.Query
	if text != nil {
		must = append(must, text)
	}
	for _, f := range []struct{ field, value string }{
		{fAgency, q.Agency}, {fDomain, q.Domain}, {fEvents, q.Event},
		{fLevel, q.Level}, {fAudience, q.Audience}, {fPermit, q.Permit},
	} {
		if f.value != "" {
			must = append(must, term(f.field, f.value, 0))
		}
	}
	var bq query.Query
	switch len(must) {
	case 0:
		bq = bleve.NewMatchAllQuery()
	case 1:
		bq = must[0]
	default:
		bq = bleve.NewConjunctionQuery(must...)
	}

	req := bleve.NewSearchRequestOptions(bq, per, (page-1)*per, false)
	if text == nil {
		req.SortBy([]string{"-" + fVolume, fTitleSort})
	} else {
		req.SortBy([]string{"-_score", "-" + fVolume})
	}
	for _, f := range facets {
		req.AddFacet(f.name, bleve.NewFacetRequest(f.field, f.size))
	}
	res, err := x.idx.Search(req)
	if err != nil {
		return catalog.Results{}, errs.Wrap(op, err)
	}

	out := catalog.Results{
		Items:  make([]catalog.Service, 0, len(res.Hits)),
		Total:  int(res.Total),
		Page:   page,
		Pages:  (int(res.Total) + per - 1) / per,
		Facets: make(map[string][]catalog.FacetValue, len(facets)),
	}
	x.mu.RLock()
	for _, h := range res.Hits {
		// A service deleted since bleve answered is left out.
		if svc, ok := x.svcs[h.ID]; ok {
			out.Items = append(out.Items, svc)
		}
	}
	x.mu.RUnlock()
	for _, f := range facets {
		fr := res.Facets[f.name]
		vals := []catalog.FacetValue{}
		if fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				vals = append(vals, catalog.FacetValue{Code: t.Term, Count: t.Count})
			}
		}
		sort.SliceStable(vals, func(i, j int) bool {
			if vals[i].Count != vals[j].Count {
				return vals[i].Count > vals[j].Count
			}
			return vals[i].Code < vals[j].Code
		})
		out.Facets[f.name] = vals
	}
	return out, nil
}

// textQuery returns the query for the free text s, or nil when s has no
// words at all (then everything matches). Every word that is not a stop word
// must match (in some field, exactly, with a typo, as a prefix if it is the
// last, glued to its neighbour, or through a synonym); a phrase of the
// synonym table counts as one word.
func (x *Index) textQuery(s string) query.Query {
	words := x.words(s)
	if len(words) == 0 {
		return nil
	}
	var must []query.Query
	spans := x.syn.find(words)
	for i := 0; i < len(words); {
		if len(spans) > 0 && spans[0].from == i {
			sp := spans[0]
			spans = spans[1:]
			alts := []query.Query{}
			if q := x.phraseQuery(words[sp.from:sp.to], 1); q != nil {
				alts = append(alts, q)
			}
			for _, p := range x.syn.groups[sp.group] {
				if q := x.phraseQuery(p, synonymFactor); q != nil {
					alts = append(alts, q)
				}
			}
			if len(alts) > 0 {
				must = append(must, bleve.NewDisjunctionQuery(alts...))
			}
			i = sp.to
			continue
		}
		if q := x.wordQuery(words, i); q != nil {
			must = append(must, q)
		}
		i++
	}
	switch len(must) {
	case 0:
		// Only stop words: nothing in the index can match them.
		return bleve.NewMatchNoneQuery()
	case 1:
		return must[0]
	}
	return bleve.NewConjunctionQuery(must...)
}

// wordQuery returns the query for words[i] as typed, or nil for a stop word.
func (x *Index) wordQuery(words []string, i int) query.Query {
	w := words[i]
	if x.stop(w) {
		return nil
	}
	alts := x.exact(w, 1)
	n := utf8.RuneCountInString(w)
	if n >= fuzzyMinRunes && !isDigits(w) {
		for _, f := range looseFields {
			q := bleve.NewFuzzyQuery(w)
			q.SetFuzziness(1)
			q.SetField(f.field)
			q.SetBoost(f.boost * fuzzyFactor)
			alts = append(alts, q)
		}
		if e := x.enTerm(w); e != "" {
			q := bleve.NewFuzzyQuery(e)
			q.SetFuzziness(1)
			q.SetField(fTitleEn)
			q.SetBoost(5 * fuzzyFactor)
			alts = append(alts, q)
		}
	}
	if i == len(words)-1 && n >= prefixMinRunes {
		for _, f := range looseFields {
			q := bleve.NewPrefixQuery(w)
			q.SetField(f.field)
			q.SetBoost(f.boost * prefixFactor)
			alts = append(alts, q)
		}
		if isLatin(w) {
			q := bleve.NewPrefixQuery(w)
			q.SetField(fTitleEn)
			q.SetBoost(5 * prefixFactor)
			alts = append(alts, q)
		}
	}
	// Glued to a neighbour: the index glues adjacent words of titles and
	// keywords, so «گواهی» «نامه» typed apart still find «گواهینامه».
	if i > 0 && !x.stop(words[i-1]) {
		alts = append(alts, joined(words[i-1]+w)...)
	}
	if i+1 < len(words) && !x.stop(words[i+1]) {
		alts = append(alts, joined(w+words[i+1])...)
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// phraseQuery returns the query for a phrase of the synonym table (or the
// words typed that matched one): all its words exactly, or the phrase glued
// together. It returns nil if the phrase has only stop words.
func (x *Index) phraseQuery(words []string, factor float64) query.Query {
	var all []query.Query
	glued := ""
	for _, w := range words {
		if x.stop(w) {
			continue
		}
		all = append(all, bleve.NewDisjunctionQuery(x.exact(w, factor)...))
		glued += w
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	alts := append([]query.Query{bleve.NewConjunctionQuery(all...)}, joined(glued)...)
	return bleve.NewDisjunctionQuery(alts...)
}

// exact returns the exact-term queries for the analysed word w in every
// field it can be in.
func (x *Index) exact(w string, factor float64) []query.Query {
	qs := make([]query.Query, 0, len(faFields)+len(enFields)+1)
	for _, f := range faFields {
		qs = append(qs, term(f.field, w, f.boost*factor))
	}
	if e := x.enTerm(w); e != "" {
		for _, f := range enFields {
			qs = append(qs, term(f.field, e, f.boost*factor))
		}
	}
	if isDigits(w) {
		qs = append(qs, term(fID, w, idBoost))
	}
	return qs
}

// joined returns the queries for a glued pair of words.
func joined(w string) []query.Query {
	qs := make([]query.Query, 0, len(joinFields))
	for _, f := range joinFields {
		qs = append(qs, term(f.field, w, f.boost))
	}
	return qs
}

func term(field, value string, boost float64) query.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	if boost > 0 {
		q.SetBoost(boost)
	}
	return q
}

// words returns the words of s as the index sees them (folded and
// normalised), stop words kept.
func (x *Index) words(s string) []string {
	ts := x.word.Analyze([]byte(s))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// stop reports whether the analysed word w is a Persian stop word, which
// the index leaves out.
func (x *Index) stop(w string) bool { return len(x.fa.Analyze([]byte(w))) == 0 }

// enTerm returns the English analyzer's term for w if w is written in Latin
// letters, or "" if it is not (or is an English stop word).
func (x *Index) enTerm(w string) string {
	if !isLatin(w) {
		return ""
	}
	ts := x.en.Analyze([]byte(w))
	if len(ts) == 0 {
		return ""
	}
	return string(ts[0].Term)
}

func isLatin(w string) bool {
	for _, r := range w {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return true
		}
	}
	return false
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
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
// agency name, and the body (description, outputs, requirements, events),
// in that order; a typed identifier outranks everything.
const (
	fuzzyMinRunes  = 5   // words this long or longer also match with one typo
	fuzzyMaxTerms  = 8   // at most this many terms one typo away are tried
	prefixMinRunes = 2   // the last word matches as a prefix from this length
	prefixMaxTerms = 12  // at most this many words it begins are tried
	fuzzyFactor    = 0.3 // a fuzzy match weighs this much of an exact one
	finglishFactor = 0.8 // a less likely reading of a Finglish word weighs this much
	fewMatches     = 3   // fewer services than this with every word: add those with some
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
	faFields = []fieldBoost{{fTitleFa, 6}, {fKeywords, 4}, {fAgencyFa, 2}, {fBodyFa, 1}}
	// synonymFields are searched for the synonyms of what was typed: a
	// synonym deep in a description says little, and long lists of
	// postings are what a search spends its time on.
	synonymFields = []fieldBoost{{fTitleFa, 6}, {fKeywords, 4}}
	// enFields are searched, with the English analyzer's term, for words in
	// Latin letters.
	enFields = []fieldBoost{{fTitleEn, 5}, {fAgencyEn, 2}, {fBodyEn, 1}}
)

// hit is a matching service and its relevance.
type hit struct {
	e     *entry
	score float64
}

// hitPool holds the hit slices of finished searches: a search may match
// every service, and allocating that much each time feeds the collector.
var hitPool = sync.Pool{New: func() any { return new([]hit) }}

// Search returns one page of the services that match q, best first (by
// annual volume, then title, when q has no text), with the facet counts of
// all the matches.
//
// bleve finds the services that match the text and scores them; the
// filters, the facet counts and the order are computed here from the
// services themselves, which at this size is far cheaper than bleve's doc
// values.
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

	if err := x.settle(); err != nil {
		return catalog.Results{}, errs.Wrap(op, err)
	}
	defer x.mu.RUnlock()
	hp := hitPool.Get().(*[]hit)
	defer func() {
		clear(*hp)
		hitPool.Put(hp)
	}()
	hits := (*hp)[:0]
	partial := 0
	if clauses, ok := x.textClauses(q.Text); !ok {
		for _, e := range x.order {
			if keep(e, q) {
				hits = append(hits, hit{e: e})
			}
		}
	} else {
		var err error
		if hits, err = x.matchSorted(hits, allOf(clauses), q, nil); err != nil {
			return catalog.Results{}, errs.Wrap(op, err)
		}
		// Few services have every word: add, after them, those that have
		// some, the most words first (bleve's disjunction weighs a score
		// by the share of its clauses that matched).
		if len(hits) < fewMatches && len(clauses) > 1 {
			full := len(hits)
			seen := make(map[*entry]bool, full)
			for _, h := range hits {
				seen[h.e] = true
			}
			if hits, err = x.matchSorted(hits, bleve.NewDisjunctionQuery(clauses...), q, seen); err != nil {
				return catalog.Results{}, errs.Wrap(op, err)
			}
			partial = len(hits) - full
		}
	}
	*hp = hits // keep the grown slice for the next search

	from := min((page-1)*per, len(hits))
	onPage := hits[from:min(from+per, len(hits))]
	out := catalog.Results{
		Items:   make([]catalog.Service, 0, len(onPage)),
		Total:   len(hits),
		Page:    page,
		Pages:   (len(hits) + per - 1) / per,
		Facets:  x.facetCounts(hits),
		Partial: partial,
	}
	for _, h := range onPage {
		out.Items = append(out.Items, h.e.svc)
	}
	return out, nil
}

// matchSorted appends to hits the services that match text, pass the
// filters of q and are not in skip, sorted best first, and returns hits.
// The caller holds mu for reading.
func (x *Index) matchSorted(hits []hit, text query.Query, q catalog.Query, skip map[*entry]bool) ([]hit, error) {
	from := len(hits)
	err := x.match(text, func(id string, score float64) {
		if e, ok := x.svcs[id]; ok && !skip[e] && keep(e, q) {
			hits = append(hits, hit{e, score})
		}
	})
	slices.SortFunc(hits[from:], func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return byVolume(a.e, b.e)
	})
	return hits, err
}

// allOf returns the query that matches what every clause matches.
func allOf(clauses []query.Query) query.Query {
	switch len(clauses) {
	case 0:
		// Only stop words: nothing in the index can match them.
		return bleve.NewMatchNoneQuery()
	case 1:
		return clauses[0]
	}
	return bleve.NewConjunctionQuery(clauses...)
}

// keep reports whether e passes every filter of q.
func keep(e *entry, q catalog.Query) bool {
	r := &e.svc.Record
	return (q.Agency == "" || q.Agency == r.Agency) &&
		(q.Domain == "" || q.Domain == string(e.svc.Domain)) &&
		(q.Event == "" || slices.Contains(r.Events, q.Event)) &&
		(q.Level == "" || q.Level == e.level) &&
		(q.Audience == "" || q.Audience == string(r.Audience)) &&
		(q.Permit == "" || q.Permit == e.permit)
}

// facetCounts counts the values of each facet over hits, most frequent
// first, then by code. The caller holds mu for reading.
func (x *Index) facetCounts(hits []hit) map[string][]catalog.FacetValue {
	var counts [numFacets][]int
	for f := range counts {
		counts[f] = make([]int, len(x.codes[f].values))
	}
	for _, h := range hits {
		for f, vs := range h.e.facets {
			for _, v := range vs {
				counts[f][v]++
			}
		}
	}
	out := make(map[string][]catalog.FacetValue, numFacets)
	for f, cs := range counts {
		vals := []catalog.FacetValue{}
		for v, n := range cs {
			if n > 0 {
				vals = append(vals, catalog.FacetValue{Code: x.codes[f].values[v], Count: n})
			}
		}
		slices.SortFunc(vals, func(a, b catalog.FacetValue) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return strings.Compare(a.Code, b.Code)
		})
		out[facetNames[f]] = vals
	}
	return out
}

// match runs the text query on main and delta and calls found for every
// matching service with its score. Services changed since main was built
// are taken from delta only. The caller holds mu for reading.
func (x *Index) match(q query.Query, found func(id string, score float64)) error {
	err := x.collect(x.main, q, func(id string, score float64) {
		if _, stale := x.changed[id]; !stale {
			found(id, score)
		}
	})
	if err != nil {
		return err
	}
	return x.collect(x.delta, q, found)
}

// matchPool holds bleve's pools of document matches between searches. A
// pool gives out more matches than it holds when asked, and takes back what
// it is given; every match is reset when it is put back.
var matchPool = sync.Pool{New: func() any { return search.NewDocumentMatchPool(64, 0) }}

// collect calls found for every document of idx that matches q. It walks
// bleve's searcher itself: a search request would keep only the top hits,
// and the filters and facets here need them all.
func (x *Index) collect(idx bleve.Index, q query.Query, found func(id string, score float64)) error {
	ix, err := idx.Advanced()
	if err != nil {
		return err
	}
	r, err := ix.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	s, err := q.Searcher(context.Background(), r, x.mapping, search.SearcherOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	pool := matchPool.Get().(*search.DocumentMatchPool)
	defer matchPool.Put(pool)
	sctx := &search.SearchContext{DocumentMatchPool: pool, IndexReader: r}
	for {
		dm, err := s.Next(sctx)
		if err != nil {
			return err
		}
		if dm == nil {
			return nil
		}
		id, err := r.ExternalID(dm.IndexInternalID)
		if err != nil {
			return err
		}
		found(id, dm.Score)
		sctx.DocumentMatchPool.Put(dm)
	}
}

// textClauses returns one query for every word of the free text s that is
// not a stop word (a phrase of the synonym table counts as one word), and
// false when s has no words at all (then everything matches). A service
// matches the word in some field, exactly, with a typo, as a prefix if it is
// the last, glued to its neighbour, or through a synonym; a word in Latin
// letters that the index does not know as English is also read as Finglish
// (finglish.go), and its likeliest Persian reading stands in its place.
func (x *Index) textClauses(s string) ([]query.Query, bool) {
	words := x.words(s)
	if len(words) == 0 {
		return nil, false
	}
	also := make([][]string, len(words)) // other ways to read each word
	for i, w := range words {
		if fa := x.finglish(w); len(fa) > 0 {
			also[i] = append([]string{w}, fa[1:]...)
			words[i] = fa[0]
		}
	}
	must := []query.Query{}
	spans := x.syn.find(words)
	for i := 0; i < len(words); {
		if len(spans) > 0 && spans[0].from == i {
			sp := spans[0]
			spans = spans[1:]
			alts := []query.Query{}
			typed := words[sp.from:sp.to]
			if q := x.phraseQuery(typed, 1, faFields); q != nil {
				alts = append(alts, q)
			}
			for _, p := range x.syn.groups[sp.group] {
				if strings.Join(p, "") == strings.Join(typed, "") {
					continue
				}
				if q := x.phraseQuery(p, synonymFactor, synonymFields); q != nil {
					alts = append(alts, q)
				}
			}
			if len(alts) > 0 {
				must = append(must, bleve.NewDisjunctionQuery(alts...))
			}
			i = sp.to
			continue
		}
		if q := x.wordQuery(words, i, also[i]); q != nil {
			must = append(must, q)
		}
		i++
	}
	return must, true
}

// wordQuery returns the query for words[i] as typed, or nil for a stop word.
// also are other readings of the word (a Finglish word as typed, and its
// less likely Persian readings), searched exactly.
func (x *Index) wordQuery(words []string, i int, also []string) query.Query {
	w := words[i]
	if x.stop(w) {
		return nil
	}
	alts := x.exact(w, 1, faFields)
	for _, a := range also {
		alts = append(alts, x.exact(a, finglishFactor, faFields)...)
	}
	n := utf8.RuneCountInString(w)
	// A typo: a word of the titles and keywords one letter away. A word
	// that is itself in them is taken as meant.
	if n >= fuzzyMinRunes && !isDigits(w) && !x.vocab.has(w) {
		near := x.vocab.similar(w, fuzzyMaxTerms)
		if e := x.enTerm(w); e != "" && e != w && !x.vocab.has(e) {
			near = append(near, x.vocab.similar(e, fuzzyMaxTerms)...)
		}
		for _, t := range near {
			alts = append(alts, loose(t, fuzzyFactor)...)
		}
	}
	// The last word may be unfinished: the commonest words it begins.
	if i == len(words)-1 && n >= prefixMinRunes {
		for _, t := range x.vocab.withPrefix(w, prefixMaxTerms) {
			alts = append(alts, loose(t, prefixFactor)...)
		}
	}
	// Glued to a neighbour: the index glues adjacent words of titles and
	// keywords, so «گواهی» «نامه» typed apart still find «گواهینامه».
	if i > 0 && !x.stop(words[i-1]) {
		alts = append(alts, x.joined(words[i-1]+w)...)
	}
	if i+1 < len(words) && !x.stop(words[i+1]) {
		alts = append(alts, x.joined(w+words[i+1])...)
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// phraseQuery returns the query for a phrase of the synonym table (or the
// words typed that matched one): all its words exactly, or the phrase glued
// together. It returns nil if the phrase has only stop words.
func (x *Index) phraseQuery(words []string, factor float64, fields []fieldBoost) query.Query {
	var all []query.Query
	glued := ""
	for _, w := range words {
		if x.stop(w) {
			continue
		}
		all = append(all, bleve.NewDisjunctionQuery(x.exact(w, factor, fields)...))
		glued += w
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	alts := append([]query.Query{bleve.NewConjunctionQuery(all...)}, x.joined(glued)...)
	return bleve.NewDisjunctionQuery(alts...)
}

// exact returns the exact-term queries for the analysed word w in fields
// (Persian ones), and in the English fields if w is in Latin letters.
func (x *Index) exact(w string, factor float64, fields []fieldBoost) []query.Query {
	qs := make([]query.Query, 0, len(fields)+len(enFields)+1)
	for _, f := range fields {
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

// joined returns the queries for words glued together, if some title or
// keyword has them so.
func (x *Index) joined(w string) []query.Query {
	if !x.vocab.hasGlued(w) {
		return nil
	}
	return []query.Query{term(fTitleFa, w, 6), term(fKeywords, w, 4)}
}

// loose returns the queries for a term of the vocabulary found by a typo
// or a prefix, weighed by factor: in the Persian or the English title, and
// in the keywords.
func loose(t string, factor float64) []query.Query {
	title := fieldBoost{fTitleFa, 6}
	if isLatin(t) {
		title = fieldBoost{fTitleEn, 5}
	}
	return []query.Query{term(title.field, t, title.boost*factor), term(fKeywords, t, 4*factor)}
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

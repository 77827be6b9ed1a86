package search

import (
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

var _ catalog.Index = (*Index)(nil)

// Index is the search index over published services. It is safe for
// concurrent use: any number of searches run alongside Put and Delete.
//
// Lock order: write, then mu. write serialises the writers so that the bleve
// index and svcs always end in the same state; mu guards svcs and agencies
// and is held only for map operations, never across a bleve call by a
// searcher.
type Index struct {
	idx  bleve.Index
	fa   analysis.Analyzer // analyzerFa
	word analysis.Analyzer // analyzerFaWords
	en   analysis.Analyzer // bleve's English analyzer
	syn  *synonyms

	write    sync.Mutex
	mu       sync.RWMutex
	svcs     map[string]catalog.Service // by ID
	agencies map[string]catalog.Agency  // by code, for the agency names
}

// New returns an empty index held in memory.
func New() (*Index, error) {
	const op = "search.New"
	m, err := newMapping()
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	x := &Index{
		idx:      idx,
		svcs:     map[string]catalog.Service{},
		agencies: map[string]catalog.Agency{},
	}
	for _, a := range []struct {
		name string
		dst  *analysis.Analyzer
	}{{analyzerFa, &x.fa}, {analyzerFaWords, &x.word}, {en.AnalyzerName, &x.en}} {
		if *a.dst = m.AnalyzerNamed(a.name); *a.dst == nil {
			return nil, errs.Wrap(op, errs.E(op, errs.Internal, "analyzer "+a.name+" is missing", ""))
		}
	}
	x.syn = newSynonyms(x)
	return x, nil
}

// Close releases the index.
func (x *Index) Close() error { return x.idx.Close() }

// Len returns the number of services in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.svcs)
}

// Put adds svc to the index or replaces the service with the same ID.
func (x *Index) Put(svc catalog.Service) error {
	const op = "search.Put"
	if svc.ID == "" {
		return errs.E(op, errs.Invalid, "a service without an identifier cannot be indexed",
			"خدمتی که شناسه ندارد نمی‌تواند نمایه شود.")
	}
	x.write.Lock()
	defer x.write.Unlock()
	x.mu.RLock()
	ag := x.agencies[svc.Record.Agency]
	x.mu.RUnlock()
	if err := x.idx.Index(svc.ID, document(svc, ag)); err != nil {
		return errs.Wrap(op+" "+svc.ID, err)
	}
	x.mu.Lock()
	x.svcs[svc.ID] = svc
	x.mu.Unlock()
	return nil
}

// Delete removes the service with identifier id. Removing a service that is
// not in the index is not an error.
func (x *Index) Delete(id string) error {
	x.write.Lock()
	defer x.write.Unlock()
	if err := x.idx.Delete(id); err != nil {
		return errs.Wrap("search.Delete "+id, err)
	}
	x.mu.Lock()
	delete(x.svcs, id)
	x.mu.Unlock()
	return nil
}

// SetAgencies gives the index the agencies' names, so that a search for an
// agency's name finds its services, and re-indexes the services of every
// agency whose names changed. The service record carries only the agency's
// code; whoever wires the index calls this at start-up and when an agency is
// saved.
func (x *Index) SetAgencies(list []catalog.Agency) error {
	x.write.Lock()
	changed := map[string]bool{}
	x.mu.Lock()
	for _, a := range list {
		if old, ok := x.agencies[a.Code]; !ok || old.NameFa != a.NameFa || old.NameEn != a.NameEn {
			changed[a.Code] = true
		}
		x.agencies[a.Code] = a
	}
	var again []catalog.Service
	for _, svc := range x.svcs {
		if changed[svc.Record.Agency] {
			again = append(again, svc)
		}
	}
	agencies := x.agencies
	x.mu.Unlock()
	defer x.write.Unlock()
	if len(again) == 0 {
		return nil
	}
	b := x.idx.NewBatch()
	for _, svc := range again {
		if err := b.Index(svc.ID, document(svc, agencies[svc.Record.Agency])); err != nil {
			return errs.Wrap("search.SetAgencies", err)
		}
	}
	if err := x.idx.Batch(b); err != nil {
		return errs.Wrap("search.SetAgencies", err)
	}
	return nil
}

// document is what bleve indexes for svc: the text fields raw (the analyzers
// fold them) and the facet fields as exact codes.
func document(svc catalog.Service, ag catalog.Agency) map[string]any {
	r := &svc.Record
	var detailsFa, detailsEn []string
	for _, o := range r.Outputs {
		detailsFa, detailsEn = appendNames(detailsFa, detailsEn, o.NameFa, o.NameEn)
	}
	for _, q := range r.Requirements {
		detailsFa, detailsEn = appendNames(detailsFa, detailsEn, q.NameFa, q.NameEn)
		for _, e := range q.Evidence {
			detailsFa, detailsEn = appendNames(detailsFa, detailsEn, e.NameFa, e.NameEn)
		}
	}
	for _, ev := range r.Events {
		if l, ok := catalog.LabelOf(catalog.LifeEvents, ev); ok {
			detailsFa, detailsEn = appendNames(detailsFa, detailsEn, l.Fa, l.En)
		}
	}
	permit := "no"
	if r.IsPermit() {
		permit = "yes"
	}
	doc := map[string]any{
		fID:        svc.ID,
		fTitleFa:   r.TitleFa,
		fTitleEn:   r.TitleEn,
		fKeywords:  r.Keywords,
		fDescFa:    r.DescriptionFa,
		fDescEn:    r.DescriptionEn,
		fAgencyFa:  ag.NameFa,
		fAgencyEn:  ag.NameEn,
		fDetailsFa: detailsFa,
		fDetailsEn: detailsEn,
		fAgency:    r.Agency,
		fDomain:    string(svc.Domain),
		fEvents:    r.Events,
		fLevel:     svc.Level.String(),
		fAudience:  string(r.Audience),
		fPermit:    permit,
		fVolume:    float64(r.AnnualVolume),
		fTitleSort: sortKey(r.TitleFa),
	}
	return doc
}

func appendNames(fa, en []string, nameFa, nameEn string) ([]string, []string) {
	if nameFa != "" {
		fa = append(fa, nameFa)
	}
	if nameEn != "" {
		en = append(en, nameEn)
	}
	return fa, en
}

// persianAlphabet is the dictionary order of Persian letters; Unicode puts
// پ, چ, ژ and گ after the Arabic letters, so code-point order is not it.
const persianAlphabet = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"

// sortKey returns a key whose byte order is the Persian dictionary order of
// the folded title: each Persian letter is replaced by a private-use rune in
// alphabet order, after digits and Latin letters.
func sortKey(title string) string {
	var b strings.Builder
	for _, r := range persian.Fold(title) {
		if i := strings.IndexRune(persianAlphabet, r); i >= 0 {
			r = 0xE000 + rune(len([]rune(persianAlphabet[:i])))
		}
		b.WriteRune(r)
	}
	return b.String()
}

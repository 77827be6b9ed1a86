package search

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

var _ catalog.Index = (*Index)(nil)

// compactAfter is how many changes the delta index collects before the main
// index is rebuilt in the background.
const compactAfter = 64

// Index is the search index over published services. It is safe for
// concurrent use: any number of searches run alongside Put and Delete.
//
// It keeps two bleve indexes, both in memory. main is a scorch index built in
// one batch: scorch is several times faster to search than bleve's in-memory
// index, but without a disk it never merges segments, so writing it one
// service at a time would leave one segment per service. delta is bleve's
// in-memory index (bleve.NewMemOnly), which takes single writes well. Put and
// Delete only record the change (svcs, and pending for delta); the next
// search writes pending into delta in one batch, so that loading the whole
// catalogue one Put at a time costs no bleve writes at all. The main
// documents of services changed since main was built are masked by changed.
// After compactAfter changes, compact rebuilds main from svcs in the
// background and empties delta. Scores from delta are computed with its own
// term statistics, so a service changed since the last compaction may rank a
// little differently until the next.
//
// Lock order: compactMu, then write, then mu. write serialises Put, Delete,
// SetAgencies, writing delta and swapping indexes. mu guards every field
// below it; Search holds it for reading for its whole run, so an index
// swapped out under mu is no longer in use and can be closed.
type Index struct {
	mapping *mapping.IndexMappingImpl
	fa      analysis.Analyzer // analyzerFa
	faJoin  analysis.Analyzer // analyzerFaJoin
	word    analysis.Analyzer // analyzerFaWords
	en      analysis.Analyzer // bleve's English analyzer
	syn     *synonyms

	write      sync.Mutex
	compacting bool // a background compaction runs; guarded by write
	closed     bool // guarded by write
	compactors sync.WaitGroup
	compactMu  sync.Mutex // one rebuild at a time

	mu       sync.RWMutex
	main     bleve.Index
	delta    bleve.Index
	changed  map[string]uint64 // id → seq of its latest change that main does not have
	pending  map[string]*entry // changes not yet written to delta: id → entry, or nil to delete
	seq      uint64            // counts changes
	svcs     map[string]*entry // published services by ID
	order    []*entry          // svcs by annual volume, then title
	vocab    vocabulary        // terms of titles and keywords, for typos
	codes    [numFacets]codes  // facet values numbered, for counting
	agencies map[string]catalog.Agency
}

// entry is a published service with what search needs of it at hand.
type entry struct {
	svc     catalog.Service
	doc     map[string]any     // what bleve indexes
	level   string             // "L2"
	permit  string             // "yes" or "no"
	sortKey string             // see sortKey
	words   []string           // distinct words of titles and keywords, in vocab
	glued   []string           // their distinct glued pairs, in vocab
	facets  [numFacets][]int32 // its values' numbers in Index.codes, per facet
}

// The facets, in the order of Index.codes and entry.facets.
const (
	facetAgency = iota
	facetDomain
	facetEvent
	facetLevel
	facetAudience
	numFacets
)

var facetNames = [numFacets]string{catalog.FacetAgency, catalog.FacetDomain, catalog.FacetEvent, catalog.FacetLevel, catalog.FacetAudience}

// codes numbers the values of one facet, so that counting them is indexing
// a slice. Values are never forgotten: there are few of them.
type codes struct {
	number map[string]int32
	values []string
}

// code returns the number of value, giving it one if it has none. The
// caller holds mu.
func (c *codes) code(value string) int32 {
	if n, ok := c.number[value]; ok {
		return n
	}
	if c.number == nil {
		c.number = map[string]int32{}
	}
	n := int32(len(c.values))
	c.number[value] = n
	c.values = append(c.values, value)
	return n
}

// number fills e.facets. The caller holds mu.
func (x *Index) number(e *entry) {
	r := &e.svc.Record
	one := func(f int, v string) {
		if v != "" {
			e.facets[f] = []int32{x.codes[f].code(v)}
		}
	}
	one(facetAgency, r.Agency)
	one(facetDomain, string(e.svc.Domain))
	one(facetLevel, e.level)
	one(facetAudience, string(r.Audience))
	for i, ev := range r.Events {
		if ev != "" && !slices.Contains(r.Events[:i], ev) {
			e.facets[facetEvent] = append(e.facets[facetEvent], x.codes[facetEvent].code(ev))
		}
	}
}

// New returns an empty index held in memory.
func New() (*Index, error) {
	const op = "search.New"
	m, err := newMapping()
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	x := &Index{
		mapping:  m,
		changed:  map[string]uint64{},
		pending:  map[string]*entry{},
		svcs:     map[string]*entry{},
		vocab:    newVocabulary(),
		agencies: map[string]catalog.Agency{},
	}
	for _, a := range []struct {
		name string
		dst  *analysis.Analyzer
	}{{analyzerFa, &x.fa}, {analyzerFaJoin, &x.faJoin}, {analyzerFaWords, &x.word}, {en.AnalyzerName, &x.en}} {
		if *a.dst = m.AnalyzerNamed(a.name); *a.dst == nil {
			return nil, errs.E(op, errs.Internal, "analyzer "+a.name+" is missing",
				"تحلیل‌گر متن "+a.name+" پیدا نشد.")
		}
	}
	x.syn = newSynonyms(x)
	if x.main, err = x.newMain(nil); err != nil {
		return nil, errs.Wrap(op, err)
	}
	if x.delta, err = x.newDelta(nil); err != nil {
		return nil, errs.Wrap(op, err)
	}
	return x, nil
}

// newMain returns a scorch index in memory holding entries, written in one
// batch so that it has one segment.
func (x *Index) newMain(entries []*entry) (bleve.Index, error) {
	idx, err := bleve.NewUsing("", x.mapping, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, err
	}
	return idx, fill(idx, entries)
}

// newDelta returns bleve's in-memory index holding entries.
func (x *Index) newDelta(entries []*entry) (bleve.Index, error) {
	idx, err := bleve.NewMemOnly(x.mapping)
	if err != nil {
		return nil, err
	}
	return idx, fill(idx, entries)
}

func fill(idx bleve.Index, entries []*entry) error {
	if len(entries) == 0 {
		return nil
	}
	b := idx.NewBatch()
	for _, e := range entries {
		if err := b.Index(e.svc.ID, e.doc); err != nil {
			idx.Close()
			return err
		}
	}
	if err := idx.Batch(b); err != nil {
		idx.Close()
		return err
	}
	return nil
}

// Close waits for a running compaction and releases the index. The index
// must not be used afterwards.
func (x *Index) Close() error {
	x.write.Lock()
	x.closed = true
	x.write.Unlock()
	x.compactors.Wait()
	x.mu.Lock()
	defer x.mu.Unlock()
	return errors.Join(x.main.Close(), x.delta.Close())
}

// Len returns the number of services in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.svcs)
}

var errClosed = errs.E("search", errs.Unavailable, "the search index is closed", "نمایهٔ جست‌وجو بسته شده است.")

// Put adds svc to the index or replaces the service with the same ID.
func (x *Index) Put(svc catalog.Service) error {
	const op = "search.Put"
	if svc.ID == "" {
		return errs.E(op, errs.Invalid, "a service without an identifier cannot be indexed",
			"خدمتی که شناسه ندارد نمی‌تواند نمایه شود.")
	}
	x.write.Lock()
	defer x.write.Unlock()
	if x.closed {
		return errClosed
	}
	// Writers are serialised by write, so agencies can be read without mu.
	e := x.entry(svc, x.agencies[svc.Record.Agency])
	x.mu.Lock()
	x.pending[svc.ID] = e
	x.remove(svc.ID)
	x.number(e)
	x.svcs[svc.ID] = e
	i, _ := slices.BinarySearchFunc(x.order, e, byVolume)
	x.order = slices.Insert(x.order, i, e)
	x.vocab.add(e.words, e.glued)
	x.seq++
	x.changed[svc.ID] = x.seq
	x.mu.Unlock()
	x.maybeCompact()
	return nil
}

// PutAll adds or replaces many services at once, as when the catalogue is
// loaded at start-up: it rebuilds the main index with them in one batch,
// which is far faster than as many Puts. Searches see either none of list or
// all of it.
func (x *Index) PutAll(list []catalog.Service) error {
	const op = "search.PutAll"
	for _, svc := range list {
		if svc.ID == "" {
			return errs.E(op, errs.Invalid, "a service without an identifier cannot be indexed",
				"خدمتی که شناسه ندارد نمی‌تواند نمایه شود.")
		}
	}
	x.compactMu.Lock()
	defer x.compactMu.Unlock()
	x.write.Lock()
	defer x.write.Unlock()
	if x.closed {
		return errClosed
	}
	// Writers wait on write, so svcs holds still while main is built.
	fresh := make(map[string]*entry, len(list))
	for _, svc := range list {
		fresh[svc.ID] = x.entry(svc, x.agencies[svc.Record.Agency])
	}
	all := make([]*entry, 0, len(x.svcs)+len(fresh))
	for id, e := range x.svcs {
		if fresh[id] == nil {
			all = append(all, e)
		}
	}
	for _, e := range fresh {
		all = append(all, e)
	}
	main, err := x.newMain(all)
	if err != nil {
		return errs.Wrap(op, err)
	}
	delta, err := x.newDelta(nil)
	if err != nil {
		main.Close()
		return errs.Wrap(op, err)
	}
	x.mu.Lock()
	for id, e := range fresh {
		x.remove(id)
		x.number(e)
		x.svcs[id] = e
		x.vocab.add(e.words, e.glued)
	}
	x.order = slices.SortedFunc(maps.Values(x.svcs), byVolume)
	x.seq++
	clear(x.changed)
	clear(x.pending)
	oldMain, oldDelta := x.main, x.delta
	x.main, x.delta = main, delta
	x.mu.Unlock()
	oldMain.Close()
	oldDelta.Close()
	return nil
}

// Delete removes the service with identifier id. Removing a service that is
// not in the index is not an error.
func (x *Index) Delete(id string) error {
	// It cannot fail but for being closed; the error is for catalog.Index.
	x.write.Lock()
	defer x.write.Unlock()
	if x.closed {
		return errClosed
	}
	x.mu.Lock()
	if x.remove(id) {
		x.seq++
		x.changed[id] = x.seq
		x.pending[id] = nil
	}
	x.mu.Unlock()
	x.maybeCompact()
	return nil
}

// remove takes the service id out of svcs, order and vocab, and reports
// whether it was there. The caller holds write and mu.
func (x *Index) remove(id string) bool {
	old, ok := x.svcs[id]
	if !ok {
		return false
	}
	delete(x.svcs, id)
	if i, found := slices.BinarySearchFunc(x.order, old, byVolume); found {
		x.order = slices.Delete(x.order, i, i+1)
	}
	x.vocab.remove(old.words, old.glued)
	return true
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
	for _, e := range x.order {
		if changed[e.svc.Record.Agency] {
			again = append(again, e.svc)
		}
	}
	x.mu.Unlock()
	x.write.Unlock()
	for _, svc := range again {
		if err := x.Put(svc); err != nil {
			return errs.Wrap("search.SetAgencies", err)
		}
	}
	return nil
}

// maybeCompact starts a compaction if enough has changed and none is
// running. The caller holds write.
func (x *Index) maybeCompact() {
	if x.compacting || x.closed {
		return
	}
	x.mu.RLock()
	n := len(x.changed)
	x.mu.RUnlock()
	if n < compactAfter {
		return
	}
	x.compacting = true
	x.compactors.Add(1)
	go x.compact()
}

// compact runs in the background: it rebuilds the indexes while enough
// has changed.
func (x *Index) compact() {
	defer x.compactors.Done()
	for {
		x.compactMu.Lock()
		err := x.rebuild()
		x.compactMu.Unlock()
		x.write.Lock()
		x.mu.RLock()
		again := err == nil && !x.closed && len(x.changed) >= compactAfter
		x.mu.RUnlock()
		if !again {
			// On error search stays right with the old indexes, only
			// slower; the next change tries again.
			x.compacting = false
			x.write.Unlock()
			return
		}
		x.write.Unlock()
	}
}

// Compact rebuilds the indexes now if anything changed since main was built,
// and returns when it is done. The index compacts by itself as it is
// written; a caller that has just loaded the whole catalogue can call this to
// have the fastest search at once.
func (x *Index) Compact() error {
	x.compactMu.Lock()
	defer x.compactMu.Unlock()
	if err := x.rebuild(); err != nil {
		return errs.Wrap("search.Compact", err)
	}
	return nil
}

// rebuild builds main from every published service and an empty delta, and
// swaps them in; what changed while main was being built is left pending for
// the new delta. Searches go on against the old indexes until the swap. The
// caller holds compactMu.
func (x *Index) rebuild() error {
	x.mu.RLock()
	snapshot := slices.Clone(x.order)
	seq := x.seq
	n := len(x.changed)
	x.mu.RUnlock()
	if n == 0 {
		return nil
	}
	main, err := x.newMain(snapshot)
	if err != nil {
		return err
	}
	delta, err := x.newDelta(nil)
	if err != nil {
		main.Close()
		return err
	}

	x.write.Lock()
	defer x.write.Unlock()
	if x.closed {
		main.Close()
		delta.Close()
		return errClosed
	}
	x.mu.Lock()
	pending := map[string]*entry{}
	for id, s := range x.changed {
		if s <= seq {
			delete(x.changed, id)
		} else if e, ok := x.svcs[id]; ok {
			pending[id] = e
		}
	}
	x.pending = pending
	oldMain, oldDelta := x.main, x.delta
	x.main, x.delta = main, delta
	x.mu.Unlock()
	// No search holds them: searches hold mu for reading while they run.
	oldMain.Close()
	oldDelta.Close()
	return nil
}

// flush writes the pending changes to delta in one batch. The caller holds
// write.
func (x *Index) flush() error {
	// Writers wait on write, so pending holds still until cleared below.
	x.mu.RLock()
	n := len(x.pending)
	x.mu.RUnlock()
	if n == 0 {
		return nil
	}
	b := x.delta.NewBatch()
	for id, e := range x.pending {
		if e == nil {
			b.Delete(id)
		} else if err := b.Index(id, e.doc); err != nil {
			return err
		}
	}
	if err := x.delta.Batch(b); err != nil {
		return err
	}
	x.mu.Lock()
	clear(x.pending)
	x.mu.Unlock()
	return nil
}

// settle brings delta up to date and returns holding mu for reading. Few
// pending changes are written to delta; many (a catalogue being loaded one
// Put at a time) are folded into main by a compaction instead, which is far
// cheaper than writing them to delta one by one.
func (x *Index) settle() error {
	for try := 0; ; try++ {
		x.mu.RLock()
		n := len(x.pending)
		if n == 0 {
			return nil
		}
		x.mu.RUnlock()
		var err error
		if n > compactAfter && try < 3 {
			err = x.Compact()
		} else {
			x.write.Lock()
			if x.closed {
				err = errClosed
			} else {
				err = x.flush()
			}
			x.write.Unlock()
		}
		if err != nil {
			return err
		}
	}
}

// byVolume orders entries by annual volume, largest first, then by title in
// Persian dictionary order, then by ID.
func byVolume(a, b *entry) int {
	if c := cmp.Compare(b.svc.Record.AnnualVolume, a.svc.Record.AnnualVolume); c != 0 {
		return c
	}
	if c := strings.Compare(a.sortKey, b.sortKey); c != 0 {
		return c
	}
	return strings.Compare(a.svc.ID, b.svc.ID)
}

// entry prepares svc for the index.
func (x *Index) entry(svc catalog.Service, ag catalog.Agency) *entry {
	r := &svc.Record
	var bodyFa, bodyEn []string
	bodyFa, bodyEn = appendNames(bodyFa, bodyEn, r.DescriptionFa, r.DescriptionEn)
	for _, o := range r.Outputs {
		bodyFa, bodyEn = appendNames(bodyFa, bodyEn, o.NameFa, o.NameEn)
	}
	for _, q := range r.Requirements {
		bodyFa, bodyEn = appendNames(bodyFa, bodyEn, q.NameFa, q.NameEn)
		for _, e := range q.Evidence {
			bodyFa, bodyEn = appendNames(bodyFa, bodyEn, e.NameFa, e.NameEn)
		}
	}
	for _, ev := range r.Events {
		if l, ok := catalog.LabelOf(catalog.LifeEvents, ev); ok {
			bodyFa, bodyEn = appendNames(bodyFa, bodyEn, l.Fa, l.En)
		}
	}
	permit := "no"
	if r.IsPermit() {
		permit = "yes"
	}
	titles := []byte(r.TitleFa + "\n" + strings.Join(r.Keywords, "\n"))
	words := map[string]bool{}
	for _, t := range x.fa.Analyze(titles) {
		words[string(t.Term)] = true
	}
	for _, t := range x.en.Analyze([]byte(r.TitleEn)) {
		words[string(t.Term)] = true
	}
	glued := map[string]bool{}
	for _, t := range x.faJoin.Analyze(titles) {
		if !words[string(t.Term)] {
			glued[string(t.Term)] = true
		}
	}
	e := &entry{
		svc: svc,
		doc: map[string]any{
			fID:       svc.ID,
			fTitleFa:  r.TitleFa,
			fTitleEn:  r.TitleEn,
			fKeywords: r.Keywords,
			fAgencyFa: ag.NameFa,
			fAgencyEn: ag.NameEn,
			fBodyFa:   bodyFa,
			fBodyEn:   bodyEn,
		},
		level:   svc.Level.String(),
		permit:  permit,
		sortKey: sortKey(r.TitleFa),
	}
	e.words = slices.Collect(maps.Keys(words))
	e.glued = slices.Collect(maps.Keys(glued))
	return e
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

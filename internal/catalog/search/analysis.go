package search

import (
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fa"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/panjare/panjare/internal/persian"
)

// Names of our analysis components inside the index mapping.
const (
	foldType = "panjare_persian_fold" // the char filter type (registered once, see registerFold)
	foldName = "panjare_fold"         // its instance in the mapping

	joinName = "panjare_join" // token filter: adjacent pairs glued together

	// analyzerFa is our Persian analyzer: persian.Fold, then bleve's fa
	// pipeline (unicode tokenizer, lower case, Arabic and Persian
	// normalisers, Persian stop words).
	analyzerFa = "panjare_fa"
	// analyzerFaJoin is analyzerFa plus every adjacent pair of words glued
	// together, for titles and keywords: «گواهی‌نامه» folds to two words,
	// and the glued pair lets «گواهینامه» find it.
	analyzerFaJoin = "panjare_fa_join"
	// analyzerFaWords is analyzerFa without stop words. It is used only on
	// queries, to find synonym phrases such as «نقل و انتقال» word by word.
	analyzerFaWords = "panjare_fa_words"
)

// foldFilter is a bleve char filter that applies persian.Fold: ي/ی and ك/ک
// unified, Persian and Arabic-Indic digits to ASCII, ZWNJ to a space,
// diacritics and tatweel dropped, case folded.
type foldFilter struct{}

func (foldFilter) Filter(input []byte) []byte { return []byte(persian.Fold(string(input))) }

var registerOnce sync.Once

// registerFold makes the fold char filter known to bleve. bleve resolves
// every analysis component, even one named in an index mapping's custom
// analysis, through its package-level registry, so a char filter of our own
// needs one registration there. It is done once, lazily, under a name no one
// else uses; everything else (which analyzers exist and what they chain) lives
// in the mapping of each index.
func registerFold() {
	registerOnce.Do(func() {
		// The only possible error is a duplicate name, which would mean the
		// filter is already there.
		_ = registry.RegisterCharFilter(foldType, func(map[string]any, *registry.Cache) (analysis.CharFilter, error) {
			return foldFilter{}, nil
		})
	})
}

// Document field names. Only text is indexed: filters, facets and ordering
// are computed from the services themselves (see Search), which is much
// cheaper than bleve's doc values at this size.
const (
	fID       = "id"
	fTitleFa  = "title_fa"
	fTitleEn  = "title_en"
	fKeywords = "keywords"
	fAgencyFa = "agency_fa"
	fAgencyEn = "agency_en"
	fBodyFa   = "body_fa" // description, outputs, requirements, evidence, events
	fBodyEn   = "body_en"
)

// newMapping returns the index mapping: our analyzers and one static
// document mapping in which nothing is stored (the services themselves are
// kept in Index.svcs) and nothing keeps doc values.
func newMapping() (*mapping.IndexMappingImpl, error) {
	registerFold()
	m := bleve.NewIndexMapping()
	if err := m.AddCustomCharFilter(foldName, map[string]any{"type": foldType}); err != nil {
		return nil, err
	}
	if err := m.AddCustomTokenFilter(joinName, map[string]any{
		"type": shingle.Name, "min": 2.0, "max": 2.0,
		"output_original": true, "separator": "", "filler": "",
	}); err != nil {
		return nil, err
	}
	faFilters := []any{lowercase.Name, ar.NormalizeName, fa.NormalizeName}
	analyzers := map[string][]any{
		analyzerFa:      append(append([]any{}, faFilters...), fa.StopName),
		analyzerFaJoin:  append(append([]any{}, faFilters...), fa.StopName, joinName),
		analyzerFaWords: faFilters,
	}
	for name, filters := range analyzers {
		if err := m.AddCustomAnalyzer(name, map[string]any{
			"type":          custom.Name,
			"char_filters":  []any{foldName},
			"tokenizer":     unicode.Name,
			"token_filters": filters,
		}); err != nil {
			return nil, err
		}
	}
	m.DefaultAnalyzer = analyzerFa

	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	id := bleve.NewKeywordFieldMapping()
	id.Analyzer = keyword.Name
	id.Store = false
	id.IncludeTermVectors = false
	id.IncludeInAll = false
	id.DocValues = false
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fID, id)
	doc.AddFieldMappingsAt(fTitleFa, text(analyzerFaJoin))
	doc.AddFieldMappingsAt(fKeywords, text(analyzerFaJoin))
	doc.AddFieldMappingsAt(fAgencyFa, text(analyzerFaJoin))
	doc.AddFieldMappingsAt(fBodyFa, text(analyzerFa))
	doc.AddFieldMappingsAt(fTitleEn, text(en.AnalyzerName))
	doc.AddFieldMappingsAt(fAgencyEn, text(en.AnalyzerName))
	doc.AddFieldMappingsAt(fBodyEn, text(en.AnalyzerName))
	m.DefaultMapping = doc
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}

package search

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search/searchgen"
)

// benchServices is the size of the benchmark catalogue: the goal is
// p99 ≤ 5 ms over 10,000 services.
const benchServices = 10_000

var (
	benchOnce  sync.Once
	benchIndex *Index
	benchErr   error
	benchLoad  time.Duration // how long PutAll of the catalogue took
)

// generated returns an index of the generated catalogue, built once per
// process.
func generated(tb testing.TB) *Index {
	tb.Helper()
	benchOnce.Do(func() {
		benchIndex, benchErr = New()
		if benchErr != nil {
			return
		}
		if benchErr = benchIndex.SetAgencies(searchgen.Agencies()); benchErr != nil {
			return
		}
		svcs := searchgen.Services(benchServices, 1)
		t0 := time.Now()
		benchErr = benchIndex.PutAll(svcs)
		benchLoad = time.Since(t0)
	})
	if benchErr != nil {
		tb.Fatal(benchErr)
	}
	return benchIndex
}

// benchQueries is the mixed workload: what people type into the portal's
// search box and the filters they click.
var benchQueries = []struct {
	kind string
	q    catalog.Query
}{
	{"one word", catalog.Query{Text: "گذرنامه"}},
	{"one word", catalog.Query{Text: "یارانه"}},
	{"one word", catalog.Query{Text: "پروانه"}},
	{"two words", catalog.Query{Text: "تمدید گذرنامه"}},
	{"two words", catalog.Query{Text: "صدور پروانه"}},
	{"two words", catalog.Query{Text: "سند مالکیت"}},
	{"synonym", catalog.Query{Text: "پاسپورت"}},
	{"synonym", catalog.Query{Text: "سند ماشین"}},
	{"synonym", catalog.Query{Text: "لایسنس"}},
	{"synonym", catalog.Query{Text: "جواز کسب"}},
	{"text and filter", catalog.Query{Text: "صدور", Domain: "transport"}},
	{"text and filter", catalog.Query{Text: "تمدید", Agency: "SSO", Level: "L2"}},
	{"filters only", catalog.Query{}},
	{"filters only", catalog.Query{Level: "L2"}},
	{"filters only", catalog.Query{Event: "housing", Audience: "G2C", Page: 3}},
	{"typo", catalog.Query{Text: "گذرنانه"}},
	{"typo", catalog.Query{Text: "بازنشتگی"}},
	{"prefix", catalog.Query{Text: "صدور گذرنا"}},
	{"prefix", catalog.Query{Text: "بازن"}},
	{"english", catalog.Query{Text: "passport renewal"}},
	{"identifier", catalog.Query{Text: "۱۰۰۴۲۴۲"}},
	{"finglish", catalog.Query{Text: "sanad malekiat"}},
	{"finglish", catalog.Query{Text: "tamdid gozarname"}},
	{"partial", catalog.Query{Text: "گذرنامه زیارتی"}},
	{"partial", catalog.Query{Text: "مجوز کسب و کار خانگی"}},
}

// BenchmarkSearch measures the latency distribution of the mixed workload
// over 10,000 services. Each iteration also runs the baseline: bleve's own
// search of the same page size for one term («صدور», in a tenth of the
// titles) on the same main index, with no analysis, synonyms, typos,
// filters or facets. The ratio says what all of that costs on this machine
// at this moment.
//
//	go test -run xxx -bench Search -benchtime 3000x ./internal/catalog/search/
func BenchmarkSearch(b *testing.B) {
	x := generated(b)
	base := bleve.NewTermQuery(x.words("صدور")[0])
	base.SetField(fTitleFa)
	var ours, baseline []time.Duration
	perKind := map[string][]time.Duration{}
	i := 0
	for b.Loop() {
		c := benchQueries[i%len(benchQueries)]
		i++
		t0 := time.Now()
		_, err := x.Search(c.q)
		d := time.Since(t0)
		if err != nil {
			b.Fatalf("%s %+v: %v", c.kind, c.q, err)
		}
		ours = append(ours, d)
		perKind[c.kind] = append(perKind[c.kind], d)

		t0 = time.Now()
		x.mu.RLock()
		_, err = x.main.Search(bleve.NewSearchRequestOptions(base, DefaultPerPage, 0, false))
		x.mu.RUnlock()
		if err != nil {
			b.Fatal(err)
		}
		baseline = append(baseline, time.Since(t0))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	p50, p95, p99 := percentiles(ours)
	b50, _, b99 := percentiles(baseline)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p95), "p95-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(b50), "base-p50-ms")
	b.ReportMetric(ms(b99), "base-p99-ms")
	b.ReportMetric(ms(p99)/ms(b99), "p99/base")
	b.ReportMetric(benchLoad.Seconds(), "load-s")
	kinds := make([]string, 0, len(perKind))
	for k := range perKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		k50, _, k99 := percentiles(perKind[k])
		b.Logf("%-16s n=%-5d p50 %.2f ms  p99 %.2f ms", k, len(perKind[k]), ms(k50), ms(k99))
	}
}

// percentiles returns the 50th, 95th and 99th percentiles of ds (nearest
// rank). It sorts ds.
func percentiles(ds []time.Duration) (p50, p95, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return at(0.50), at(0.95), at(0.99)
}

// TestGeneratedCatalogue checks that the benchmark's queries find what they
// should in the generated catalogue, so the benchmark measures real work.
func TestGeneratedCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index of 10,000 services")
	}
	x := generated(t)
	r, err := x.Search(catalog.Query{})
	if err != nil || r.Total != benchServices {
		t.Fatalf("total %d, %v; want %d", r.Total, err, benchServices)
	}
	r, err = x.Search(catalog.Query{Text: "۱۰۰۴۲۴۲"})
	if err != nil || len(r.Items) == 0 || r.Items[0].ID != "1004242" {
		t.Errorf("identifier: %v, %v", ids(r)[:min(3, len(r.Items))], err)
	}
	r, err = x.Search(catalog.Query{Text: "پاسپورت"})
	if err != nil || len(r.Items) == 0 || !slices.ContainsFunc(r.Items[:1], func(s catalog.Service) bool {
		return s.Record.Agency == "POLICE_PASS"
	}) {
		t.Errorf("پاسپورت: first is %+v, %v", r.Items[:min(1, len(r.Items))], err)
	}
	for _, c := range benchQueries {
		r, err := x.Search(c.q)
		if err != nil || r.Total == 0 {
			t.Errorf("%s %+v: %d results, %v", c.kind, c.q, r.Total, err)
		}
	}
}

// BenchmarkLoad measures loading the 10,000 services into an empty index:
// in one PutAll, and one Put at a time as catalog.New does, each followed by
// a compaction so that the index is ready to search at full speed.
//
//	go test -run xxx -bench Load -benchtime 1x ./internal/catalog/search/
func BenchmarkLoad(b *testing.B) {
	svcs := searchgen.Services(benchServices, 1)
	for _, c := range []struct {
		name string
		load func(*Index) error
	}{
		{"PutAll", func(x *Index) error { return x.PutAll(svcs) }},
		{"Put", func(x *Index) error {
			for _, s := range svcs {
				if err := x.Put(s); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				x, err := New()
				if err != nil {
					b.Fatal(err)
				}
				if err := c.load(x); err != nil {
					b.Fatal(err)
				}
				if err := x.Compact(); err != nil {
					b.Fatal(err)
				}
				x.Close()
			}
		})
	}
}

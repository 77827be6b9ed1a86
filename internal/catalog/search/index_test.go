package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search/searchgen"
)

// TestChangesAgreeWithRebuild applies random Puts and Deletes (enough to
// set off several background compactions, with forced ones between) and
// checks after each round that every query answers exactly as an index
// built afresh from the same services does: main, delta and the mask of
// changed services must never disagree.
func TestChangesAgreeWithRebuild(t *testing.T) {
	pool := searchgen.Services(400, 3)
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.SetAgencies(searchgen.Agencies()); err != nil {
		t.Fatal(err)
	}
	if err := x.PutAll(pool[:150]); err != nil {
		t.Fatal(err)
	}
	live := map[string]catalog.Service{}
	for _, s := range pool[:150] {
		live[s.ID] = s
	}
	rnd := rand.New(rand.NewPCG(9, 9))
	queries := []catalog.Query{
		{}, {Text: "گذرنامه"}, {Text: "صدور پروانه"}, {Text: "سند ماشین"}, {Text: "بازنشتگی"},
		{Text: "تمدید", Level: "L2"}, {Domain: "transport"}, {Text: "passport"}, {Text: "بازن"},
	}
	sawDelta := false
	for round := range 8 {
		// Rounds of 40 stay in delta (fewer than compactAfter since the
		// last compaction); rounds of 90 set off a background one.
		n := []int{40, 90}[round%2]
		for range n {
			s := pool[rnd.IntN(len(pool))]
			switch rnd.IntN(4) {
			case 0:
				if err := x.Delete(s.ID); err != nil {
					t.Fatal(err)
				}
				delete(live, s.ID)
			default:
				// A new version: another title, so that a stale
				// main document would show.
				s.Version = round + 2
				s.Record.TitleFa = fmt.Sprintf("%s (نسخهٔ %d)", s.Record.TitleFa, round+2)
				if err := x.Put(s); err != nil {
					t.Fatal(err)
				}
				live[s.ID] = s
			}
		}
		if round%4 == 3 {
			if err := x.Compact(); err != nil {
				t.Fatal(err)
			}
		}
		x.mu.RLock()
		sawDelta = sawDelta || len(x.changed) > 0
		x.mu.RUnlock()
		fresh, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if err := fresh.SetAgencies(searchgen.Agencies()); err != nil {
			t.Fatal(err)
		}
		if err := fresh.PutAll(slices.Collect(mapValues(live))); err != nil {
			t.Fatal(err)
		}
		if x.Len() != len(live) {
			t.Fatalf("round %d: Len %d, want %d", round, x.Len(), len(live))
		}
		for _, q := range queries {
			q.PerPage = 100
			got, err := x.Search(q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Search(q)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || fmt.Sprint(got.Facets) != fmt.Sprint(want.Facets) {
				t.Errorf("round %d, %+v: total %d, want %d; facets\n%v\nwant\n%v", round, q, got.Total, want.Total, got.Facets, want.Facets)
			}
			g, w := ids(got), ids(want)
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Errorf("round %d, %+v: services differ from a fresh index", round, q)
			}
			for _, it := range got.Items {
				if it.Version != live[it.ID].Version {
					t.Errorf("round %d: %s version %d, want %d", round, it.ID, it.Version, live[it.ID].Version)
				}
			}
		}
		fresh.Close()
	}
	if !sawDelta {
		t.Error("every check ran with an empty delta: the test did not test it")
	}
}

func mapValues(m map[string]catalog.Service) func(func(catalog.Service) bool) {
	return func(yield func(catalog.Service) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// TestPutAll checks that PutAll adds and replaces, and keeps what was there.
func TestPutAll(t *testing.T) {
	x := MustFixture(t)
	s := fixture[0].service()
	s.Record.TitleFa = "صدور گذرنامهٔ زیارتی"
	s.Version = 2
	extra := svc{id: "2000001", titleFa: "ثبت نام آزمون گواهینامه", agency: "POLICE", domain: catalog.DomainTransport}.service()
	if err := x.PutAll([]catalog.Service{s, extra}); err != nil {
		t.Fatal(err)
	}
	if x.Len() != len(fixture)+1 {
		t.Errorf("Len %d, want %d", x.Len(), len(fixture)+1)
	}
	r, _ := x.Search(catalog.Query{Text: "زیارتی"})
	if len(r.Items) != 1 || r.Items[0].Version != 2 {
		t.Errorf("replaced service: %v", ids(r))
	}
	r, _ = x.Search(catalog.Query{Text: "مستمری"})
	if !slices.Equal(ids(r), []string{"1000009"}) {
		t.Errorf("a service PutAll did not name: %v", ids(r))
	}
	if err := x.PutAll([]catalog.Service{{}}); err == nil {
		t.Error("PutAll of a service without an identifier: no error")
	}
}

// TestClosed checks that a closed index refuses writes.
func TestClosed(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Put(fixture[0].service()); err == nil {
		t.Error("Put after Close: no error")
	}
}

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"گذرنامه", "گذرنامه", true},
		{"گذرنامه", "گذرنانه", true},    // replaced
		{"بازنشستگی", "بازنشتگی", true}, // deleted
		{"بازنشتگی", "بازنشستگی", true}, // inserted
		{"گذرنامه", "گذرانمه", false},   // swapped: two edits
		{"گذرنامه", "گذر", false},
		{"", "ا", true},
		{"passport", "pasport", true},
	} {
		if got := oneEdit(c.a, c.b); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestVocabulary(t *testing.T) {
	v := newVocabulary()
	v.add([]string{"گذرنامه", "گذرگاه", "صدور"}, nil)
	v.add([]string{"گذرنامه"}, []string{"صدورگذرنامه"})
	if got := v.similar("گذرنانه", 5); !slices.Equal(got, []string{"گذرنامه"}) {
		t.Errorf("similar = %v", got)
	}
	if got := v.withPrefix("گذر", 5); !slices.Equal(got, []string{"گذرنامه", "گذرگاه"}) {
		t.Errorf("withPrefix = %v, want the commoner first", got)
	}
	if !v.hasGlued("صدورگذرنامه") || v.has("صدورگذرنامه") {
		t.Error("glued pair counted as a word, or not at all")
	}
	v.remove([]string{"گذرنامه"}, []string{"صدورگذرنامه"})
	v.remove([]string{"گذرنامه", "گذرگاه", "صدور"}, nil)
	if len(v.count) != 0 || len(v.near) != 0 || len(v.sorted) != 0 || len(v.glued) != 0 {
		t.Errorf("not empty after removing everything: %d %d %d %d", len(v.count), len(v.near), len(v.sorted), len(v.glued))
	}
}

package search

import (
	"slices"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
)

// TestPartialMatches checks that a query some of whose words no service has
// still finds the services that have the others, after any that have them
// all, and says how many are partial.
func TestPartialMatches(t *testing.T) {
	x := MustFixture(t)
	for _, c := range []struct {
		q         string
		first     string
		wantFull  int
		wantTotal int // at least
	}{
		// No service is about pilgrimage passports: the passport services
		// are what the person wants.
		{"گذرنامه زیارتی", "1000001", 0, 1},
		// «اروپا» is in no service.
		{"ثبت شرکت در اروپا", "1000018", 0, 1},
		// One service has every word; the other issuing services
		// follow it.
		{"صدور کارت ملی", "1000006", 1, 2},
	} {
		r, err := x.Search(catalog.Query{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Items) == 0 || r.Items[0].ID != c.first {
			t.Errorf("Search(%q) = %v, want %s first", c.q, ids(r), c.first)
		}
		if got := r.Total - r.Partial; got != c.wantFull {
			t.Errorf("Search(%q): %d match every word, want %d", c.q, got, c.wantFull)
		}
		if r.Total < c.wantTotal || r.Partial == 0 {
			t.Errorf("Search(%q): total %d, partial %d; want partial matches", c.q, r.Total, r.Partial)
		}
	}

	// Enough services with every word: no partial matches are added.
	r, err := x.Search(catalog.Query{Text: "صدور گواهی"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total < fewMatches || r.Partial != 0 {
		t.Errorf("Search(صدور گواهی): total %d, partial %d; want %d or more, none partial", r.Total, r.Partial, fewMatches)
	}
	// One word: nothing to be partial about.
	r, err = x.Search(catalog.Query{Text: "زیارتی"})
	if err != nil || r.Total != 0 {
		t.Errorf("Search(زیارتی) = %v, %v; want nothing", ids(r), err)
	}
	// Filters hold for partial matches too.
	r, err = x.Search(catalog.Query{Text: "گذرنامه زیارتی", Domain: string(catalog.DomainTransport)})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids(r), "1000001") {
		t.Errorf("Search(گذرنامه زیارتی in transport) = %v; the passport service is not in transport", ids(r))
	}
}

// TestFinglish checks that Persian typed in Latin letters finds what the
// Persian would, in its usual spellings.
func TestFinglish(t *testing.T) {
	x := MustFixture(t)
	for _, c := range []struct{ q, want string }{
		{"sabt sherkat", "1000018"},
		{"sabte sherkat", "1000018"},
		{"gozarname", "1000001"},
		{"gozarnameh", "1000001"},
		{"kart melli", "1000006"},
		{"kart-e meli", "1000006"},
		{"ezdevaj", "1000011"},
		{"bazneshastegi", "1000009"},
		{"baznesastegi", "1000009"}, // «s» for «sh»
		{"mojavez kasb o kar", "1000008"},
		{"javaz kasb", "1000008"},
		{"pasport", "1000001"},      // the colloquial word, then its synonym
		{"sarbazi", "1000013"},      // a word only the synonym table has
		{"mafasa hesab", "1000010"}, // glued in the title: «مفاصاحساب»
		{"yaraneh", "1000017"},
	} {
		r, err := x.Search(catalog.Query{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Items) == 0 || r.Items[0].ID != c.want {
			t.Errorf("Search(%q) = %v, want %s first", c.q, ids(r), c.want)
		}
	}
	// English the index knows is not read as Finglish.
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, w := range []string{"passport", "pension", "license", "marriage"} {
		if got := x.finglish(w); got != nil {
			t.Errorf("finglish(%q) = %v, want nil: it is English", w, got)
		}
	}
}

// TestSkeleton checks that Latin and Persian spellings of the same word
// meet on one skeleton, and that distance prefers the nearer vowels.
func TestSkeleton(t *testing.T) {
	for _, c := range []struct{ latin, persian string }{
		{"sabt", "ثبت"},
		{"sherkat", "شرکت"},
		{"gozarname", "گذرنامه"},
		{"govahiname", "گواهینامه"},
		{"ghabz", "قبض"},
		{"qabz", "قبض"},
		{"khalafi", "خلافی"},
		{"xalafi", "خلافی"},
		{"chek", "چک"},
		{"melli", "ملی"},
		{"vezarat", "وزارت"},
		{"talagh", "طلاق"},
		{"shah", "شاه"},
		{"ta'id", "تایید"},
	} {
		l, p := skeleton(latinSounds(c.latin)), skeleton(romanise(c.persian))
		if l != p || l == "" {
			t.Errorf("skeleton(%q) = %q, skeleton(%q) = %q; want equal", c.latin, l, c.persian, p)
		}
	}
	if near, far := distance(latinSounds("melli"), romanise("ملی")), distance(latinSounds("melli"), romanise("مالی")); near >= far {
		t.Errorf("melli: distance to ملی %.1f, to مالی %.1f; want ملی nearer", near, far)
	}
	if romanise("ملي") != romanise("ملی") || romanise("كارت") != romanise("کارت") {
		t.Error("Arabic yeh or kaf, as the analyser writes them, are read differently from the Persian letters")
	}
	if romanise("card") != "" {
		t.Error("a Latin word is read as Persian")
	}
}

// TestFinglishFollowsChanges checks that the Persian words Finglish can be
// read as are those of the services indexed now (and of the synonym table):
// a word goes with the last service that has it, and a glued pair is a
// reading too.
func TestFinglishFollowsChanges(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	read := func(w string) []string {
		x.mu.RLock()
		defer x.mu.RUnlock()
		return x.finglish(w)
	}
	put := func(id, title string) {
		if err := x.Put(catalog.Service{ID: id, Status: catalog.Published, Record: catalog.Record{TitleFa: title}}); err != nil {
			t.Fatal(err)
		}
	}
	put("1", "تعاونی مسکن")
	put("2", "تعاونی تولید")
	if got := read("taavoni"); len(got) != 1 {
		t.Fatalf("finglish(taavoni) = %v, want تعاونی", got)
	}
	if got := read("taavonimaskan"); len(got) != 1 {
		t.Errorf("finglish(taavonimaskan) = %v, want the glued pair تعاونیمسکن", got)
	}
	if err := x.Delete("1"); err != nil {
		t.Fatal(err)
	}
	if got := read("taavoni"); len(got) != 1 {
		t.Errorf("after one of two services went: finglish(taavoni) = %v, want تعاونی still", got)
	}
	if got := read("taavonimaskan"); got != nil {
		t.Errorf("after its service went: finglish(taavonimaskan) = %v, want nothing", got)
	}
	if err := x.Delete("2"); err != nil {
		t.Fatal(err)
	}
	if got := read("taavoni"); got != nil {
		t.Errorf("after every service went: finglish(taavoni) = %v, want nothing", got)
	}
	// A word of the synonym table can always be read.
	if got := read("sherkat"); len(got) != 1 {
		t.Errorf("finglish(sherkat) = %v, want شرکت from the synonym table", got)
	}
}

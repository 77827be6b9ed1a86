package search

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
)

// TestFirst checks, for each query, which service comes first. The cases
// cover every spelling variant the normaliser unifies, each synonym
// direction, English, typos, prefixes and the identifier.
func TestFirst(t *testing.T) {
	x := MustFixture(t)
	for _, c := range []struct{ name, q, want string }{
		{"plain", "گذرنامه", "1000001"},
		{"two words", "صدور گذرنامه", "1000001"},
		{"prefix of the last word", "گذرنا", "1000001"},
		{"typo", "گذرنانه", "1000001"},
		{"tatweel", "گـذرنـامه", "1000001"},
		{"diacritics", "گُذَرنامه", "1000001"},
		{"synonym colloquial to official", "پاسپورت", "1000001"},
		{"english synonym", "passport", "1000001"},
		{"english title", "Passport issuance", "1000001"},
		{"english prefix", "passp", "1000001"},
		{"english typo", "pasport", "1000001"},
		{"arabic yeh and kaf in the title", "کارت ملی", "1000006"},
		{"arabic yeh and kaf in the query", "كارت ملي", "1000006"},
		{"arabic yeh and kaf in both", "كارت هوشمند ملي", "1000006"},
		{"national card synonym", "کارت هوشمند ملی", "1000006"},
		{"persian digits", "ماده ۱۶۹", "1000014"},
		{"arabic-indic digits", "ماده ١٦٩", "1000014"},
		{"ascii digits", "ماده 169", "1000014"},
		{"identifier", "1000013", "1000013"},
		{"identifier in persian digits", "۱۰۰۰۰۱۳", "1000013"},
		{"identifier in arabic-indic digits", "١٠٠٠٠١٣", "1000013"},
		{"zwnj in title, zwnj in query", "معرفی‌نامه", "1000015"},
		{"zwnj in title, space in query", "معرفی نامه", "1000015"},
		{"zwnj in title, joined in query", "معرفینامه", "1000015"},
		{"joined in title, zwnj in query", "وکالت‌نامه", "1000016"},
		{"joined in title, space in query", "وکالت نامه", "1000016"},
		{"joined in title, joined in query", "وکالتنامه", "1000016"},
		{"criminal record colloquial", "سوپیشینه", "1000005"},
		{"criminal record two words", "سوء پیشینه", "1000005"},
		{"criminal record official", "عدم سوء پیشینه", "1000005"},
		{"criminal record english", "criminal record", "1000005"},
		{"vehicle colloquial", "سند ماشین", "1000007"},
		{"vehicle official", "نقل و انتقال خودرو", "1000007"},
		{"business licence other name", "جواز کسب", "1000008"},
		{"business licence english", "business license", "1000008"},
		{"business licence colloquial", "مجوز کسب و کار", "1000008"},
		{"business licence permit word", "مجوز کسب", "1000008"},
		{"business licence shop", "جواز مغازه", "1000008"},
		{"pension", "مستمری", "1000009"},
		{"pension other word", "حقوق بازنشستگی", "1000009"},
		{"pension english", "pension", "1000009"},
		{"tax clearance", "مفاصا حساب", "1000010"},
		{"marriage colloquial", "عقد", "1000011"},
		{"marriage english", "marriage", "1000011"},
		{"degree other name", "دانشنامه", "1000012"},
		{"military colloquial", "سربازی", "1000013"},
		{"military official", "نظام وظیفه", "1000013"},
		{"subsidy", "یارانه", "1000017"},
		{"company", "ثبت شرکت", "1000018"},
		{"agency name", "تأمین اجتماعی", "1000009"},
		{"agency name english", "social security", "1000009"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := x.Search(catalog.Query{Text: c.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Items) == 0 || r.Items[0].ID != c.want {
				t.Errorf("Search(%q) = %v, want %s first", c.q, ids(r), c.want)
			}
		})
	}
}

// TestSpellings checks that every way of writing a word finds exactly the
// same services as its canonical spelling. (Services that match only some
// of the words, offered when few match them all, are left out: «معرفی‌نامه»
// is two words to the index and «معرفینامه» one.)
func TestSpellings(t *testing.T) {
	x := MustFixture(t)
	for _, group := range [][]string{
		{"گواهی‌نامه", "گواهی نامه", "گواهینامه", "گواهي‌نامه", "گـواهینامه"},
		{"معرفی‌نامه", "معرفی نامه", "معرفینامه", "معرفي‌نامه"},
		{"کارت ملی", "كارت ملي", "کارت ملي", "كارت ملی", "کارتِ ملّی"},
		{"۱۶۹", "169", "١٦٩"},
	} {
		want, err := x.Search(catalog.Query{Text: group[0]})
		if err != nil {
			t.Fatal(err)
		}
		if want.Total == 0 {
			t.Fatalf("Search(%q) found nothing", group[0])
		}
		for _, q := range group[1:] {
			got, err := x.Search(catalog.Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(full(got), full(want)) {
				t.Errorf("Search(%q) = %v, want %v as for %q", q, full(got), full(want), group[0])
			}
		}
	}
}

// TestSynonymTable checks that every phrase of the synonym table, typed as a
// query, is expanded to its group: the query finds at least what the group's
// first official phrase finds in a catalogue where only that phrase occurs.
func TestSynonymTable(t *testing.T) {
	if len(synonymTable) < 25 {
		t.Errorf("synonym table has %d groups, want at least 25", len(synonymTable))
	}
	for g, grp := range synonymTable {
		x, err := New()
		if err != nil {
			t.Fatal(err)
		}
		target := catalog.Service{ID: "1", Status: catalog.Published, Record: catalog.Record{TitleFa: "خدمت نمونه " + grp.Same[0]}}
		other := catalog.Service{ID: "2", Status: catalog.Published, Record: catalog.Record{TitleFa: "خدمت نمونهٔ دیگر"}}
		for _, s := range []catalog.Service{target, other} {
			if err := x.Put(s); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range append(slices.Clone(grp.Same), grp.From...) {
			r, err := x.Search(catalog.Query{Text: p})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Items) == 0 || r.Items[0].ID != "1" {
				t.Errorf("group %d: Search(%q) = %v, want the service titled %q first", g, p, ids(r), target.Record.TitleFa)
			}
		}
		x.Close()
	}
}

// TestSynonymTableOneGroupEach checks that no phrase of the synonym table,
// as analysed, stands in two groups: the later one would silently replace
// the earlier (a second «شکایت» group once cut it off from «دادخواست»).
func TestSynonymTableOneGroupEach(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	seen := map[string]int{}
	for g, grp := range synonymTable {
		for _, p := range append(slices.Clone(grp.Same), grp.From...) {
			key := strings.Join(x.words(p), "")
			if prev, ok := seen[key]; ok && prev != g {
				t.Errorf("%q is in group %d and in group %d", p, prev, g)
			}
			seen[key] = g
		}
	}
}

// TestOneWay checks that a colloquial word is not searched for when the
// official one is typed.
func TestOneWay(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Put(catalog.Service{ID: "1", Record: catalog.Record{TitleFa: "راهنمای پاسپورت"}}); err != nil {
		t.Fatal(err)
	}
	r, err := x.Search(catalog.Query{Text: "پاسپورت"})
	if err != nil || r.Total != 1 {
		t.Fatalf("Search(پاسپورت) = %v, %v; want the service", ids(r), err)
	}
	r, err = x.Search(catalog.Query{Text: "گذرنامه"})
	if err != nil || r.Total != 0 {
		t.Errorf("Search(گذرنامه) = %v, %v; want nothing: پاسپورت is a one-way synonym", ids(r), err)
	}
}

// TestEmptyText checks that an empty query lists everything by annual
// volume, then by title.
func TestEmptyText(t *testing.T) {
	x := MustFixture(t)
	extra := svc{id: "2000001", titleFa: "الف خدمت هم‌حجم", agency: "SSO", domain: catalog.DomainWelfare, volume: 250_000}
	if err := x.Put(extra.service()); err != nil {
		t.Fatal(err)
	}
	r, err := x.Search(catalog.Query{Text: "  ", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != len(fixture)+1 || len(r.Items) != r.Total {
		t.Fatalf("empty query: total %d, %d items; want %d", r.Total, len(r.Items), len(fixture)+1)
	}
	for i := 1; i < len(r.Items); i++ {
		a, b := r.Items[i-1], r.Items[i]
		if a.Record.AnnualVolume < b.Record.AnnualVolume {
			t.Errorf("%s (%d) before %s (%d): not by volume", a.ID, a.Record.AnnualVolume, b.ID, b.Record.AnnualVolume)
		}
	}
	// 1000009 «برقراری مستمری بازنشستگی» has the same volume as «الف ...»,
	// which comes first in the alphabet.
	i, j := slices.Index(ids(r), "2000001"), slices.Index(ids(r), "1000009")
	if i < 0 || j != i+1 {
		t.Errorf("equal volumes: order %v, want 2000001 just before 1000009", ids(r))
	}
}

// TestSortKey checks the Persian dictionary order of titles.
func TestSortKey(t *testing.T) {
	in := []string{"گذرنامه", "پروانه", "بیمه", "چک", "ژتون", "آب", "کارت", "یارانه", "تمدید"}
	slices.SortFunc(in, func(a, b string) int {
		switch ka, kb := sortKey(a), sortKey(b); {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	want := []string{"آب", "بیمه", "پروانه", "تمدید", "چک", "ژتون", "کارت", "گذرنامه", "یارانه"}
	if !slices.Equal(in, want) {
		t.Errorf("sorted %v, want %v", in, want)
	}
}

// count returns how many fixture services keep says yes to.
func count(keep func(svc) bool) int {
	n := 0
	for _, s := range fixture {
		if keep(s) {
			n++
		}
	}
	return n
}

// TestFilters checks each filter alone and two together against a count
// made directly from the fixture.
func TestFilters(t *testing.T) {
	x := MustFixture(t)
	for _, c := range []struct {
		q    catalog.Query
		keep func(svc) bool
	}{
		{catalog.Query{Agency: "POLICE"}, func(s svc) bool { return s.agency == "POLICE" }},
		{catalog.Query{Domain: "transport"}, func(s svc) bool { return s.domain == catalog.DomainTransport }},
		{catalog.Query{Event: "travel"}, func(s svc) bool { return slices.Contains(s.events, "travel") }},
		{catalog.Query{Event: "job"}, func(s svc) bool { return slices.Contains(s.events, "job") }},
		{catalog.Query{Level: "L2"}, func(s svc) bool { return s.level == catalog.L2 }},
		{catalog.Query{Audience: "G2B"}, func(s svc) bool { return s.audience == catalog.G2B }},
		{catalog.Query{Permit: "yes"}, func(s svc) bool { return s.permit }},
		{catalog.Query{Permit: "no"}, func(s svc) bool { return !s.permit }},
		{catalog.Query{Agency: "POLICE", Level: "L1"}, func(s svc) bool { return s.agency == "POLICE" && s.level == catalog.L1 }},
		{catalog.Query{Text: "صدور", Agency: "POLICE"}, func(s svc) bool {
			return s.agency == "POLICE" && slices.Contains([]string{"1000001", "1000003"}, s.id)
		}},
		{catalog.Query{Agency: "NOBODY"}, func(svc) bool { return false }},
	} {
		t.Run(fmt.Sprintf("%+v", c.q), func(t *testing.T) {
			c.q.PerPage = 100
			r, err := x.Search(c.q)
			if err != nil {
				t.Fatal(err)
			}
			if want := count(c.keep); r.Total != want || len(r.Items) != want {
				t.Errorf("total %d, %d items %v; want %d", r.Total, len(r.Items), ids(r), want)
			}
			for _, it := range r.Items {
				i := slices.IndexFunc(fixture, func(s svc) bool { return s.id == it.ID })
				if !c.keep(fixture[i]) {
					t.Errorf("%s does not pass the filter", it.ID)
				}
			}
		})
	}
	if _, err := x.Search(catalog.Query{Permit: "maybe"}); err == nil {
		t.Error("permit=maybe: no error")
	}
}

// TestFacets checks the facet counts against counts made from the fixture,
// for the whole catalogue and for a filtered search.
func TestFacets(t *testing.T) {
	x := MustFixture(t)
	for _, q := range []catalog.Query{{}, {Domain: "transport"}, {Text: "صدور"}} {
		r, err := x.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		// The matching services, from a search listing them all.
		all := q
		all.PerPage = 100
		ra, err := x.Search(all)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]map[string]int{}
		add := func(facet, code string) {
			if want[facet] == nil {
				want[facet] = map[string]int{}
			}
			want[facet][code]++
		}
		for _, it := range ra.Items {
			add(catalog.FacetAgency, it.Record.Agency)
			add(catalog.FacetDomain, string(it.Domain))
			add(catalog.FacetLevel, it.Level.String())
			add(catalog.FacetAudience, string(it.Record.Audience))
			for _, e := range it.Record.Events {
				add(catalog.FacetEvent, e)
			}
		}
		for _, f := range []string{catalog.FacetAgency, catalog.FacetDomain, catalog.FacetEvent, catalog.FacetLevel, catalog.FacetAudience} {
			got := map[string]int{}
			for i, v := range r.Facets[f] {
				got[v.Code] = v.Count
				if i > 0 && r.Facets[f][i-1].Count < v.Count {
					t.Errorf("%+v: facet %s not by count: %v", q, f, r.Facets[f])
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want[f]) && !(len(got) == 0 && len(want[f]) == 0) {
				t.Errorf("%+v: facet %s = %v, want %v", q, f, got, want[f])
			}
		}
	}
	// The whole catalogue: a spot check with numbers written out.
	r, _ := x.Search(catalog.Query{})
	if got := facetCount(r, catalog.FacetAgency, "POLICE"); got != 4 {
		t.Errorf("agency POLICE: %d, want 4", got)
	}
	if got := facetCount(r, catalog.FacetEvent, "travel"); got != 2 {
		t.Errorf("event travel: %d, want 2", got)
	}
}

func facetCount(r catalog.Results, facet, code string) int {
	for _, v := range r.Facets[facet] {
		if v.Code == code {
			return v.Count
		}
	}
	return 0
}

// TestPaging checks the page size bounds and that the pages cover the
// results exactly once.
func TestPaging(t *testing.T) {
	x := MustFixture(t)
	n := len(fixture)
	for _, c := range []struct {
		page, per         int
		wantItems, wantPP int
	}{
		{0, 0, min(n, DefaultPerPage), DefaultPerPage},
		{1, 5, 5, 5},
		{-3, 5, 5, 5},
		{4, 5, n - 15, 5},
		{5, 5, 0, 5},
		{99, 5, 0, 5},
		{1, 1000, n, MaxPerPage},
	} {
		r, err := x.Search(catalog.Query{Page: c.page, PerPage: c.per})
		if err != nil {
			t.Fatal(err)
		}
		wantPages := (n + c.wantPP - 1) / c.wantPP
		if len(r.Items) != c.wantItems || r.Total != n || r.Pages != wantPages || r.Page != max(c.page, 1) {
			t.Errorf("page %d per %d: %d items, total %d, page %d of %d; want %d items, total %d, page %d of %d",
				c.page, c.per, len(r.Items), r.Total, r.Page, r.Pages, c.wantItems, n, max(c.page, 1), wantPages)
		}
	}
	seen := map[string]bool{}
	for p := 1; p <= 4; p++ {
		r, err := x.Search(catalog.Query{Page: p, PerPage: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids(r) {
			if seen[id] {
				t.Errorf("%s on two pages", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != n {
		t.Errorf("pages covered %d services, want %d", len(seen), n)
	}
}

// TestPutDelete checks that Put replaces and Delete removes, in the index
// and in the results.
func TestPutDelete(t *testing.T) {
	x := MustFixture(t)
	find := func(q string) []string {
		t.Helper()
		r, err := x.Search(catalog.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		return ids(r)
	}
	if got := find("وکالتنامه"); !slices.Contains(got, "1000016") {
		t.Fatalf("before: %v", got)
	}
	s := fixture[15].service()
	s.Record.TitleFa = "ثبت اقرارنامه"
	s.Version = 2
	if err := x.Put(s); err != nil {
		t.Fatal(err)
	}
	if got := find("وکالتنامه"); slices.Contains(got, "1000016") {
		t.Errorf("old title still finds the replaced service: %v", got)
	}
	r, err := x.Search(catalog.Query{Text: "اقرارنامه"})
	if err != nil || len(r.Items) != 1 || r.Items[0].Version != 2 {
		t.Errorf("new title: %v %v, want version 2 of 1000016", ids(r), err)
	}
	if x.Len() != len(fixture) {
		t.Errorf("Len = %d after a replacement, want %d", x.Len(), len(fixture))
	}
	if err := x.Delete("1000016"); err != nil {
		t.Fatal(err)
	}
	if got := find("اقرارنامه"); len(got) != 0 {
		t.Errorf("deleted service still found: %v", got)
	}
	if r, _ := x.Search(catalog.Query{}); r.Total != len(fixture)-1 {
		t.Errorf("total after delete = %d, want %d", r.Total, len(fixture)-1)
	}
	if err := x.Delete("no-such-service"); err != nil {
		t.Errorf("Delete of an unknown id: %v", err)
	}
	if err := x.Put(catalog.Service{}); err == nil {
		t.Error("Put without an identifier: no error")
	}
}

// TestSetAgencies checks that renaming an agency re-indexes its services.
func TestSetAgencies(t *testing.T) {
	x := MustFixture(t)
	r, _ := x.Search(catalog.Query{Text: "سازمان بازنشستگی کشوری"})
	if len(full(r)) != 0 {
		t.Fatalf("found %v before the rename", full(r))
	}
	if err := x.SetAgencies([]catalog.Agency{{Code: "SSO", NameFa: "سازمان بازنشستگی کشوری"}}); err != nil {
		t.Fatal(err)
	}
	r, _ = x.Search(catalog.Query{Text: "سازمان بازنشستگی کشوری"})
	if !slices.Equal(full(r), []string{"1000009"}) {
		t.Errorf("after the rename: %v, want [1000009]", full(r))
	}
}

// TestConcurrent runs searches while services are put and deleted; run it
// with -race.
func TestConcurrent(t *testing.T) {
	x := MustFixture(t)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				s := fixture[(i+w)%len(fixture)].service()
				s.ID = fmt.Sprintf("3%d%05d", w, i)
				if err := x.Put(s); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if err := x.Delete(s.ID); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				q := catalog.Query{Text: []string{"گذرنامه", "", "سند ماشین", "passport"}[i%4], Agency: []string{"", "POLICE"}[i%2]}
				r, err := x.Search(q)
				if err != nil {
					t.Error(err)
					return
				}
				if len(r.Items) > r.Total {
					t.Errorf("%d items of %d", len(r.Items), r.Total)
				}
			}
		}()
	}
	wg.Wait()
	if want := len(fixture) + 2*(100-34); x.Len() != want {
		t.Errorf("Len = %d, want %d", x.Len(), want)
	}
	if r, _ := x.Search(catalog.Query{}); r.Total != x.Len() {
		t.Errorf("index has %d, map has %d", r.Total, x.Len())
	}
}

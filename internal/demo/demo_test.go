package demo

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestRecordsValid checks every record as Publish would, and reports every
// failing record with its fields.
func TestRecordsValid(t *testing.T) {
	for _, f := range Check(Agencies(), Records()) {
		t.Errorf("%s: %s", f.Field, f.En)
	}
}

func TestAgencies(t *testing.T) {
	agencies := Agencies()
	if len(agencies) < 30 {
		t.Errorf("%d agencies, want at least 30", len(agencies))
	}
	seen := map[string]bool{}
	domains := map[catalog.Domain]bool{}
	unconnected := 0
	for _, a := range agencies {
		if seen[a.Code] {
			t.Errorf("agency %s listed twice", a.Code)
		}
		if a.Parent != "" && !seen[a.Parent] {
			t.Errorf("agency %s: parent %s is not listed before it", a.Code, a.Parent)
		}
		seen[a.Code] = true
		domains[a.Domain] = true
		if !a.Connected {
			unconnected++
		}
		if a.NameFa == "" || a.NameEn == "" || a.Description == "" {
			t.Errorf("agency %s lacks a name or description", a.Code)
		}
	}
	for _, d := range catalog.Domains {
		if !domains[catalog.Domain(d.Code)] {
			t.Errorf("no agency in domain %s", d.Code)
		}
	}
	if unconnected == 0 || unconnected > len(agencies)/5 {
		t.Errorf("%d agencies not connected; want a few", unconnected)
	}
}

func TestRegions(t *testing.T) {
	var provinces, pilots int
	capitals := map[string]int{}
	cities := map[string]int{}
	for _, r := range Regions() {
		switch r.Kind {
		case catalog.Province:
			provinces++
		case catalog.City:
			cities[r.Province]++
			if r.Capital {
				capitals[r.Province]++
			}
			if r.Pilot {
				pilots++
			}
		}
		if r.NameFa == "" || r.NameEn == "" {
			t.Errorf("region %s lacks a name", r.Code)
		}
	}
	if provinces != 31 {
		t.Errorf("%d provinces, want 31", provinces)
	}
	if pilots != 2 {
		t.Errorf("%d pilot cities, want 2", pilots)
	}
	for _, p := range provinces0() {
		if capitals[p] != 1 {
			t.Errorf("province %s has %d capitals, want 1", p, capitals[p])
		}
		if n := cities[p]; n < 3 || n > 5 {
			t.Errorf("province %s has %d cities, want its capital and 2 to 4 others", p, n)
		}
	}
}

func provinces0() []string {
	var codes []string
	for _, p := range provinces() {
		codes = append(codes, p.code)
	}
	return codes
}

func TestServices(t *testing.T) {
	recs := Records()
	if len(recs) < 210 {
		t.Errorf("%d services, want at least 210", len(recs))
	}
	permits := 0
	audiences := map[catalog.Audience]int{}
	agencies := map[string]bool{}
	for _, r := range recs {
		audiences[r.Audience]++
		agencies[r.Agency] = true
		if r.Permit != nil {
			permits++
			if n := len(r.Permit.RefusalGrounds); n < 1 || n > 4 {
				t.Errorf("%q: %d refusal grounds, want 1 to 4", r.TitleEn, n)
			}
			for _, g := range r.Permit.RefusalGrounds {
				if g.LegalFa == "" {
					t.Errorf("%q: refusal ground %s cites no law", r.TitleEn, g.Code)
				}
			}
		}
		if r.TitleEn == "" || len(r.Keywords) == 0 || len(r.Requirements) == 0 && r.Stages.Request {
			t.Errorf("%q: an online service needs an English title, keywords and requirements", r.TitleFa)
		}
		for _, s := range persianText(r) {
			if strings.ContainsAny(s, "يك") {
				t.Errorf("%q: Arabic yeh or kaf in %q", r.TitleEn, s)
			}
		}
	}
	if permits < 65 {
		t.Errorf("%d permits, want at least 65", permits)
	}
	for _, a := range []catalog.Audience{catalog.G2C, catalog.G2B, catalog.G2G} {
		if audiences[a] == 0 {
			t.Errorf("no %s service", a)
		}
	}
	// Every agency offers a service, or is the ministry of one that does.
	for _, a := range Agencies() {
		if a.Parent != "" && agencies[a.Code] {
			agencies[a.Parent] = true
		}
	}
	for _, a := range Agencies() {
		if !agencies[a.Code] {
			t.Errorf("agency %s offers no service", a.Code)
		}
	}
	t.Logf("%d services, %d permits, audiences %v", len(recs), permits, audiences)
}

// persianText returns the Persian strings of a record.
func persianText(r catalog.Record) []string {
	s := []string{r.TitleFa, r.DescriptionFa}
	s = append(s, r.Keywords...)
	for _, q := range r.Requirements {
		s = append(s, q.NameFa)
		for _, e := range q.Evidence {
			s = append(s, e.NameFa)
		}
	}
	for _, o := range r.Outputs {
		s = append(s, o.NameFa)
	}
	for _, l := range r.LegalBasis {
		s = append(s, l.TitleFa, l.Article)
	}
	if r.Permit != nil {
		for _, g := range r.Permit.RefusalGrounds {
			s = append(s, g.TextFa, g.LegalFa)
		}
	}
	return s
}

// TestLevelSpread checks that the computed levels spread as a real catalogue
// on its way to smart services would: about 10% L0, 30% L1, 35% L2, 15% L3
// and 10% L4 and L5 together.
func TestLevelSpread(t *testing.T) {
	recs := Records()
	n := map[catalog.Level]int{}
	for _, r := range recs {
		l, _ := catalog.ComputeLevel(r)
		n[l]++
	}
	share := func(levels ...catalog.Level) float64 {
		c := 0
		for _, l := range levels {
			c += n[l]
		}
		return 100 * float64(c) / float64(len(recs))
	}
	for _, b := range []struct {
		name     string
		levels   []catalog.Level
		min, max float64
	}{
		{"L0", []catalog.Level{catalog.L0}, 5, 15},
		{"L1", []catalog.Level{catalog.L1}, 22, 38},
		{"L2", []catalog.Level{catalog.L2}, 27, 43},
		{"L3", []catalog.Level{catalog.L3}, 10, 20},
		{"L4+L5", []catalog.Level{catalog.L4, catalog.L5}, 7, 15},
	} {
		got := share(b.levels...)
		if got < b.min || got > b.max {
			t.Errorf("%s: %.1f%% of services, want %.0f%% to %.0f%%", b.name, got, b.min, b.max)
		}
	}
	if n[catalog.L4] == 0 || n[catalog.L5] == 0 {
		t.Errorf("want both L4 and L5 services; got %d and %d", n[catalog.L4], n[catalog.L5])
	}
	t.Logf("levels: L0 %d, L1 %d, L2 %d, L3 %d, L4 %d, L5 %d", n[0], n[1], n[2], n[3], n[4], n[5])
}

// required lists, by a phrase of their Persian title, the most used services
// that the demo must describe.
var required = []string{
	"صدور گذرنامهٔ عادی", "تمدید (تعویض) گذرنامه",
	"صدور گواهینامهٔ رانندگی", "تمدید گواهینامهٔ رانندگی", "المثنی گواهینامهٔ رانندگی", "گواهینامهٔ بین‌المللی رانندگی",
	"صدور شناسنامه", "المثنی شناسنامه", "کارت هوشمند ملی",
	"ثبت ازدواج", "ثبت طلاق", "عدم سوء پیشینه",
	"پروانهٔ کسب", "مفاصاحساب مالیاتی", "بیمهٔ سلامت",
	"نقل و انتقال خودرو", "پروانهٔ ساختمانی", "پایان کار",
	"تأیید مدرک تحصیلی دانشگاهی", "مستمری بازنشستگی", "یارانهٔ نقدی",
	"ثبت شرکت", "کارت پایان خدمت", "معافیت", "پایهٔ اول دبستان",
	"گواهی فوت", "انحصار وراثت", "سند مالکیت", "اظهارنامهٔ مالیات",
	"کد اقتصادی", "کارت بازرگانی", "ترخیص کالا", "مجوز واردات",
	"پروانهٔ بهره‌برداری", "پروانهٔ دائم پزشکی", "داروخانه", "نوبت‌دهی",
	"کنکور", "بیمهٔ بیکاری",
}

func TestRequiredServices(t *testing.T) {
	recs := Records()
	for _, phrase := range required {
		found := false
		for _, r := range recs {
			if strings.Contains(r.TitleFa, phrase) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no service titled with %q", phrase)
		}
	}
}

// mustLoad opens a catalog on s and loads the demo into it.
func mustLoad(t *testing.T, s *store.Store) (*catalog.Catalog, time.Duration) {
	t.Helper()
	ctx := context.Background()
	c, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	loaded, err := Load(ctx, c)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !loaded {
		t.Fatal("Load into an empty database reported nothing loaded")
	}
	return c, took
}

// ids returns the published services' identifiers by Persian title.
func ids(t *testing.T, c *catalog.Catalog) map[string]string {
	t.Helper()
	pub, err := c.Published(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, s := range pub {
		m[s.Record.TitleFa] = s.ID
	}
	return m
}

func TestLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c, took := mustLoad(t, s)
		t.Logf("loaded %d agencies, %d regions and %d services in %v", len(Agencies()), len(Regions()), len(Records()), took)

		agencies, err := c.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(agencies) != len(Agencies()) {
			t.Errorf("%d agencies registered, want %d", len(agencies), len(Agencies()))
		}
		regions, err := c.Regions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(regions) != len(Regions()) {
			t.Errorf("%d regions registered, want %d", len(regions), len(Regions()))
		}
		pub, err := c.Published(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub) != len(Records()) {
			t.Errorf("%d services published, want %d", len(pub), len(Records()))
		}
		want := map[string]catalog.Level{}
		for _, r := range Records() {
			want[r.TitleFa], _ = catalog.ComputeLevel(r)
		}
		for _, s := range pub {
			if s.ID == "" || s.Status != catalog.Published {
				t.Errorf("%q: id %q, status %s", s.Record.TitleFa, s.ID, s.Status)
			}
			// Declared as computed from the record; nothing is built by the
			// catalogue alone, so nothing is truly above L2.
			if s.Declared != want[s.Record.TitleFa] || s.Level != min(want[s.Record.TitleFa], catalog.L2) {
				t.Errorf("%q: published at %v declared %v, computed %v", s.Record.TitleFa, s.Level, s.Declared, want[s.Record.TitleFa])
			}
		}

		// A second load does nothing.
		loaded, err := Load(ctx, c)
		if err != nil || loaded {
			t.Fatalf("second Load = %v, %v; want false, nil", loaded, err)
		}
		again, err := c.Published(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(pub) {
			t.Errorf("after a second Load %d services, want %d", len(again), len(pub))
		}

		var pilots int
		for _, r := range regions {
			if r.Pilot {
				pilots++
			}
		}
		if pilots != 2 {
			t.Errorf("%d pilot cities registered, want 2", pilots)
		}

		// Loading into another empty database gives the same identifiers.
		c2, _ := mustLoad(t, storetest.MustOpen(t, s.Dialect(), catalog.Migrations()))
		first, second := ids(t, c), ids(t, c2)
		if len(first) != len(Records()) {
			t.Errorf("%d distinct titles published, want %d", len(first), len(Records()))
		}
		for title, id := range first {
			if second[title] != id {
				t.Errorf("%q: identifier %s in one load, %s in another", title, id, second[title])
			}
		}
	}, catalog.Migrations())
}

// TestLoadInvalid checks that data which cannot be published is reported
// record by record and that nothing is written.
func TestLoadInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c, err := catalog.New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		recs := Records()[:3]
		recs[1].Outputs = nil // a service must produce something
		recs[2].Agency = "NOSUCH"
		_, err = load(ctx, c, Agencies(), Regions(), recs)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid {
			t.Fatalf("load = %v, want an Invalid error", err)
		}
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
		joined := strings.Join(fields, " ")
		for _, want := range []string{"records[1]", "outputs", "records[2]", "agency"} {
			if !strings.Contains(joined, want) {
				t.Errorf("fields %q do not name %s", joined, want)
			}
		}
		if strings.Contains(joined, "records[0]") {
			t.Errorf("fields %q name the valid record 0", joined)
		}
		agencies, err := c.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(agencies) != 0 {
			t.Errorf("%d agencies written by a failed load, want none", len(agencies))
		}
	}, catalog.Migrations())
}

// TestDocumentsSayWhatTheyCertify checks that the demo's certificates and
// permits declare what their documents state, with Persian and English
// labels: the single-status certificate its status (from the civil
// registry's answer), the hunting-weapon licence (service 1000263) the
// weapon and the conditions of carriage.
func TestDocumentsSayWhatTheyCertify(t *testing.T) {
	want := map[string][]string{
		"Certificate of single status":      {"marital_status", "marriages"},
		"Hunting weapon licence":            {"weapon_type", "calibre", "serial", "conditions"},
		"Certificate of no criminal record": {"record"},
		"Business licence (guild licence)":  {"trade", "business_name", "premises"},
	}
	for i, rec := range Records() {
		codes, ok := want[rec.TitleEn]
		if !ok {
			continue
		}
		delete(want, rec.TitleEn)
		if rec.TitleEn == "Hunting weapon licence" && catalog.FormatID(catalog.FirstSerial+i) != "1000263" {
			t.Errorf("the hunting weapon licence is published as %s, not 1000263", catalog.FormatID(catalog.FirstSerial+i))
		}
		facts := rec.Certifies()
		if len(facts) != len(codes) {
			t.Errorf("%s certifies %d facts, want %v", rec.TitleEn, len(facts), codes)
			continue
		}
		for j, f := range facts {
			if f.Code != codes[j] || f.NameFa == "" || f.NameEn == "" {
				t.Errorf("%s: fact %d is %+v, want %s with both labels", rec.TitleEn, j, f, codes[j])
			}
		}
		if rec.TitleEn == "Certificate of single status" && (facts[0].From != catalog.FactFromEvidence || facts[0].Evidence != "marital_status" || facts[0].Key != "status_fa") {
			t.Errorf("the single-status certificate does not take the status from the civil registry: %+v", facts[0])
		}
	}
	for title := range want {
		t.Errorf("no demo service %q", title)
	}
}

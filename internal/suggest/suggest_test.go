package suggest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/panjare/panjare/internal/suggest"
)

// sets are the migrations the tests need, in app's order.
var sets = []store.MigrationSet{identity.Migrations(), catalog.Migrations(), permit.Migrations(), exchange.Migrations(),
	notify.Migrations(), apply.Migrations(), suggest.Migrations()}

// now is the tests' clock.
var now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// nationalCode returns the n-th valid national code of the tests.
func nationalCode(n int) string {
	base := fmt.Sprintf("%09d", 100000000+n*7919)
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(base[i]-'0') * (10 - i)
	}
	r := sum % 11
	if r >= 2 {
		r = 11 - r
	}
	return base + fmt.Sprint(r)
}

func citizen(n int) identity.Principal {
	return identity.Principal{Kind: "user", ID: int64(n), Name: "شهروند", NationalCode: nationalCode(n), Roles: []identity.Role{identity.RoleCitizen}}
}

// profiles is the tests' profile source: the civil registry's answers are
// the edge of the world here.
type profiles struct {
	mu    sync.Mutex
	by    map[string]suggest.Profile
	calls int
}

func (p *profiles) Profile(ctx context.Context, code string) (suggest.Profile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	pr, ok := p.by[code]
	if !ok {
		return suggest.Profile{}, errs.E("test.Profile", errs.NotFound, "no record of "+code, "سابقه‌ای نیست")
	}
	return pr, nil
}

var _ suggest.ProfileSource = (*profiles)(nil)

// world is one test's catalogue, cases and suggester.
type world struct {
	s     *store.Store
	cat   *catalog.Catalog
	x     *suggest.Suggester
	prof  *profiles
	logs  *bytes.Buffer
	ids   map[string]string // name -> service id
	cases int
}

func mustWorld(t *testing.T, s *store.Store, k int) *world {
	t.Helper()
	return newWorld(t, s, k)
}

// mustWorldTB is mustWorld for benchmarks, with k = 5.
func mustWorldTB(tb testing.TB, s *store.Store) *world { return newWorld(tb, s, 5) }

func newWorld(t testing.TB, s *store.Store, k int) *world {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []catalog.Agency{
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry", Domain: catalog.DomainIndustry, Connected: true},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{s: s, cat: cat, prof: &profiles{by: map[string]suggest.Profile{}}, logs: &bytes.Buffer{}, ids: map[string]string{}}
	for _, d := range []struct {
		name, fa, en string
		events       []string
		freq         catalog.Frequency
		aud          catalog.Audience
		vol          int64
	}{
		{"licence", "پروانهٔ کسب", "Business licence", []string{"run_business"}, catalog.AsNeeded, catalog.G2C, 100},
		{"insurance", "بیمهٔ کارفرما", "Employer insurance", []string{"hire"}, catalog.AsNeeded, catalog.G2C, 50},
		{"first_licence", "گواهینامهٔ پایهٔ سوم", "Driving licence", []string{"driving"}, catalog.Once, catalog.G2C, 900},
		{"renewal", "تمدید گواهینامه", "Licence renewal", []string{"driving"}, catalog.Periodic, catalog.G2C, 800},
		{"conscription", "برگ اعزام به خدمت", "Call-up papers", []string{"military_service"}, catalog.Once, catalog.G2C, 700},
		{"pension", "برقراری مستمری بازنشستگی", "Pension", []string{"retirement"}, catalog.Once, catalog.G2C, 600},
		{"birth_cert", "صدور شناسنامهٔ نوزاد", "Birth certificate", []string{"birth"}, catalog.Once, catalog.G2C, 500},
		{"child_allowance", "کمک‌هزینهٔ فرزند", "Child allowance", []string{"birth"}, catalog.Once, catalog.G2C, 400},
		{"g2g_birth", "تبادل آمار ولادت", "Birth statistics exchange", []string{"birth"}, catalog.AsNeeded, catalog.G2G, 1000},
		{"retired_birth", "خدمت بازنشسته‌شدهٔ تولد", "Retired birth service", []string{"birth"}, catalog.Once, catalog.G2C, 2000},
	} {
		rec := record(d.fa, d.en, d.events, d.freq, d.aud, d.vol)
		dr, err := cat.SaveDraft(ctx, identity.System, 0, rec)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := cat.Publish(ctx, identity.System, dr.Key)
		if err != nil {
			t.Fatalf("publish %s: %v %+v", d.name, err, fieldsOf(err))
		}
		w.ids[d.name] = svc.ID
	}
	if err := cat.Retire(ctx, identity.System, w.ids["retired_birth"], "replaced"); err != nil {
		t.Fatal(err)
	}
	w.x, err = suggest.New(suggest.Config{Store: s, Catalog: cat, Profiles: w.prof, K: k, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func fieldsOf(err error) []errs.FieldError {
	if e, ok := errs.As(err); ok {
		return e.Fields
	}
	return nil
}

func record(fa, en string, events []string, freq catalog.Frequency, aud catalog.Audience, vol int64) catalog.Record {
	return catalog.Record{
		TitleFa: fa, TitleEn: en,
		DescriptionFa: "متقاضی درخواست را برخط ثبت می‌کند و دستگاه پس از بررسی مدارک و استعلام‌ها نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
		Keywords:      []string{"آزمون"}, Agency: "MIMT", Audience: aud, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Events: events, Trigger: catalog.OnRequest, Decision: catalog.DecideManual, Frequency: freq, AnnualVolume: vol,
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}},
		Channels:   []catalog.Channel{catalog.ChannelWeb},
		Stages:     catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements: []catalog.Requirement{{Code: "facts", NameFa: "شرح", Evidence: []catalog.Evidence{
			{Code: "story", NameFa: "شرح ماجرا", NameEn: "What happened", Source: catalog.FromDeclaration}}}},
		Outputs:        []catalog.Output{{NameFa: "رأی", NameEn: "Decision", Kind: "decision"}},
		ProcessingTime: catalog.Duration{Days: 10},
	}
}

// mustCase files a case row as apply writes it: applicant, service, state
// and when it was submitted.
func (w *world) mustCase(t *testing.T, who identity.Principal, name, state string, at time.Time) {
	t.Helper()
	w.cases++
	err := w.s.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO apply_cases (tracking, service, agency, applicant, state, data, submitted_at, deadline, updated_at)
			VALUES ($1, $2, 'MIMT', $3, $4, '{}', $5, $6, $5)`, fmt.Sprintf("T%08d", w.cases), w.ids[name], who.NationalCode, state, at, at.Add(240*time.Hour))
		if err != nil {
			return err
		}
		return tx.Append(context.Background(), store.Event{Kind: "apply.case.submitted", Actor: who.Actor(), Service: w.ids[name]}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustLifeEvent records a published life event about who, as the
// exchange's Pub/Sub does.
func (w *world) mustLifeEvent(t *testing.T, who identity.Principal, typ string, at time.Time) {
	t.Helper()
	err := w.s.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.Append(context.Background(), store.Event{Kind: suggest.LifeEventKind, At: at, Actor: "exchange:IR/GOV/NOCR/population", Subject: who.NationalCode},
			map[string]any{"event_type": typ, "event_id": "e-" + typ, "sequence": 1, "publisher": "IR/GOV/NOCR/population"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) mustFor(t *testing.T, who identity.Principal) []suggest.Suggestion {
	t.Helper()
	got, err := w.x.For(context.Background(), who)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// find returns the suggestion of service name, if shown.
func (w *world) find(list []suggest.Suggestion, name string) (suggest.Suggestion, bool) {
	for _, sg := range list {
		if sg.Service == w.ids[name] {
			return sg, true
		}
	}
	return suggest.Suggestion{}, false
}

func TestCoUsageNeedsKPeople(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		const k = 5
		w := mustWorld(t, s, k)
		ctx := context.Background()
		// k-1 people used the licence and then insurance, one of them
		// twice: distinct people count, not cases.
		for i := 1; i < k; i++ {
			p := citizen(i)
			w.mustCase(t, p, "licence", "issued", now.AddDate(0, -6, 0))
			w.mustCase(t, p, "insurance", "issued", now.AddDate(0, -5, 0))
			if i == 1 {
				w.mustCase(t, p, "insurance", "rejected", now.AddDate(0, -4, 0))
			}
		}
		// Someone who used insurance more than a year after the licence,
		// and someone who used it before: neither is a pair.
		late, before := citizen(50), citizen(51)
		w.mustCase(t, late, "licence", "issued", now.AddDate(-3, 0, 0))
		w.mustCase(t, late, "insurance", "issued", now.AddDate(-1, -1, 0))
		w.mustCase(t, before, "insurance", "issued", now.AddDate(0, -8, 0))
		w.mustCase(t, before, "licence", "issued", now.AddDate(0, -7, 0))
		// A withdrawn case is not a use.
		quitter := citizen(52)
		w.mustCase(t, quitter, "licence", "issued", now.AddDate(0, -6, 0))
		w.mustCase(t, quitter, "insurance", "withdrawn", now.AddDate(0, -5, 0))

		me := citizen(99)
		w.mustCase(t, me, "licence", "issued", now.AddDate(0, -1, 0))
		n, err := w.x.Rebuild(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("pairs kept = %d with %d people, want 0", n, k-1)
		}
		if sg, ok := w.find(w.mustFor(t, me), "insurance"); ok {
			t.Fatalf("co-usage seen for %d < k people was shown: %+v", k-1, sg)
		}
		var stored int
		if err := s.Read().QueryRow(`SELECT COUNT(*) FROM suggest_pairs`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != 0 {
			t.Fatalf("%d pairs below k stored, want none", stored)
		}

		// The k-th person makes it appear.
		kth := citizen(k)
		w.mustCase(t, kth, "licence", "approved", now.AddDate(0, -3, 0))
		w.mustCase(t, kth, "insurance", "submitted", now.AddDate(0, -2, 0))
		if n, err = w.x.Rebuild(ctx); err != nil || n != 1 {
			t.Fatalf("Rebuild = %d, %v; want 1 pair", n, err)
		}
		sg, ok := w.find(w.mustFor(t, me), "insurance")
		if !ok {
			t.Fatal("co-usage seen for k people not shown")
		}
		if sg.Source != suggest.SourceCoUsage || sg.After != w.ids["licence"] || sg.People != k {
			t.Fatalf("suggestion = %+v, want co_usage after the licence by %d people", sg, k)
		}
		if !strings.Contains(sg.WhyFa, "۵ نفر") || !strings.Contains(sg.WhyFa, "پروانهٔ کسب") || !strings.Contains(sg.WhyEn, "At least 5 people") {
			t.Fatalf("why = %q / %q", sg.WhyFa, sg.WhyEn)
		}
		// Those who already used insurance are not told about it; the
		// k-th person, with an open insurance case, neither.
		if _, ok := w.find(w.mustFor(t, kth), "insurance"); ok {
			t.Fatal("a service with an open case was suggested")
		}
		// A second rebuild with the same cases changes nothing.
		before2, err := s.Events(ctx, store.EventFilter{KindPrefix: "suggest.pairs.rebuilt"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.x.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := s.Events(ctx, store.EventFilter{KindPrefix: "suggest.pairs.rebuilt"})
		if err != nil {
			t.Fatal(err)
		}
		if len(before2) != 1 || len(after) != 1 {
			t.Fatalf("rebuilt events: %d then %d, want 1 and 1", len(before2), len(after))
		}
	}, sets...)
}

func TestProfileByAgeBand(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, 5)
		young, old, child, woman := citizen(1), citizen(2), citizen(3), citizen(4)
		w.prof.by[young.NationalCode] = suggest.Profile{Age: 18, Sex: "male"}
		w.prof.by[old.NationalCode] = suggest.Profile{Age: 61, Sex: "male"}
		w.prof.by[child.NationalCode] = suggest.Profile{Age: 12, Sex: "male"}
		w.prof.by[woman.NationalCode] = suggest.Profile{Age: 18, Sex: "female"}

		got := w.mustFor(t, young)
		for _, name := range []string{"first_licence", "conscription"} {
			sg, ok := w.find(got, name)
			if !ok {
				t.Fatalf("an 18-year-old man was not suggested %s: %+v", name, got)
			}
			if sg.Source != suggest.SourceProfile || sg.WhyFa == "" || sg.WhyEn == "" {
				t.Fatalf("%s: %+v", name, sg)
			}
		}
		if sg, _ := w.find(got, "conscription"); sg.Rule != "conscription_age" || !strings.Contains(sg.WhyFa, "مشمولیت") {
			t.Fatalf("conscription why: %+v", sg)
		}
		for _, name := range []string{"renewal", "pension"} {
			if _, ok := w.find(got, name); ok {
				t.Fatalf("an 18-year-old was suggested %s", name)
			}
		}
		if _, ok := w.find(w.mustFor(t, woman), "conscription"); ok {
			t.Fatal("conscription was suggested to a woman")
		}
		if sg, ok := w.find(w.mustFor(t, old), "pension"); !ok || sg.Rule != "retirement_age_men" {
			t.Fatalf("a 61-year-old man was not suggested the pension: %+v", w.mustFor(t, old))
		}
		if got := w.mustFor(t, child); len(got) != 0 {
			t.Fatalf("a 12-year-old was suggested %+v", got)
		}
		// A first licence already issued is not suggested again.
		w.mustCase(t, young, "first_licence", "issued", now.AddDate(0, -1, 0))
		if _, ok := w.find(w.mustFor(t, young), "first_licence"); ok {
			t.Fatal("a once-in-a-life service already had was suggested")
		}
	}, sets...)
}

func TestLifeEventSuggestions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, 5)
		mother, oldNews, other := citizen(1), citizen(2), citizen(3)
		w.mustLifeEvent(t, mother, "birth", now.AddDate(0, 0, -10))
		w.mustLifeEvent(t, oldNews, "birth", now.AddDate(-1, -1, 0))

		got := w.mustFor(t, mother)
		for _, name := range []string{"birth_cert", "child_allowance"} {
			sg, ok := w.find(got, name)
			if !ok {
				t.Fatalf("birth did not suggest %s: %+v", name, got)
			}
			if sg.Source != suggest.SourceLifeEvent || sg.Event != "birth" || !strings.Contains(sg.WhyFa, "تولد") || !strings.Contains(sg.WhyEn, "a birth") {
				t.Fatalf("%s: %+v", name, sg)
			}
		}
		// Never a G2G service, never a retired one.
		for _, name := range []string{"g2g_birth", "retired_birth"} {
			if _, ok := w.find(got, name); ok {
				t.Fatalf("%s was suggested", name)
			}
		}
		// Life events first: ranked before the profile's suggestions.
		w.prof.by[mother.NationalCode] = suggest.Profile{Age: 20, Sex: "female"}
		got = w.mustFor(t, mother)
		if len(got) < 3 || got[0].Source != suggest.SourceLifeEvent || got[len(got)-1].Source != suggest.SourceProfile {
			t.Fatalf("ranking: %+v", got)
		}
		// The same answer twice: deterministic.
		again := w.mustFor(t, mother)
		if fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("not deterministic:\n%+v\n%+v", got, again)
		}
		// Older than twelve months, or about someone else: nothing.
		if got := w.mustFor(t, oldNews); len(got) != 0 {
			t.Fatalf("a 13-month-old event suggested %+v", got)
		}
		if got := w.mustFor(t, other); len(got) != 0 {
			t.Fatalf("someone else's event suggested %+v", got)
		}
		// A case filed for it since: not suggested any more.
		w.mustCase(t, mother, "birth_cert", "issued", now.AddDate(0, 0, -5))
		if _, ok := w.find(w.mustFor(t, mother), "birth_cert"); ok {
			t.Fatal("a service already asked for since the event was suggested")
		}
	}, sets...)
}

func TestDismissedStaysDismissed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, 5)
		ctx := context.Background()
		me := citizen(1)
		w.mustLifeEvent(t, me, "birth", now.AddDate(0, 0, -3))
		if _, ok := w.find(w.mustFor(t, me), "birth_cert"); !ok {
			t.Fatal("not suggested before dismissal")
		}
		if err := w.x.Dismiss(ctx, me, w.ids["birth_cert"]); err != nil {
			t.Fatal(err)
		}
		if err := w.x.Dismiss(ctx, me, w.ids["birth_cert"]); err != nil {
			t.Fatalf("dismissing twice: %v", err)
		}
		// A new event of the same kind does not bring it back.
		w.mustLifeEvent(t, me, "birth", now.AddDate(0, 0, -1))
		got := w.mustFor(t, me)
		if _, ok := w.find(got, "birth_cert"); ok {
			t.Fatal("a dismissed suggestion came back")
		}
		if _, ok := w.find(got, "child_allowance"); !ok {
			t.Fatal("dismissing one suggestion hid another")
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "suggest.dismissed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Subject != me.NationalCode || evs[0].Service != w.ids["birth_cert"] || evs[0].Actor != me.Actor() {
			t.Fatalf("events = %+v, want one suggest.dismissed", evs)
		}
		// Someone else still sees it.
		other := citizen(2)
		w.mustLifeEvent(t, other, "birth", now.AddDate(0, 0, -3))
		if _, ok := w.find(w.mustFor(t, other), "birth_cert"); !ok {
			t.Fatal("one person's dismissal hid it from another")
		}
		// Bad input.
		if err := w.x.Dismiss(ctx, me, "abc"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("dismissing a malformed id: %v, want Invalid", err)
		}
		if err := w.x.Dismiss(ctx, identity.Principal{Kind: "apikey", ID: 3}, w.ids["birth_cert"]); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an API client dismissing: %v, want Forbidden", err)
		}
	}, sets...)
}

func TestNoPersonalDataInLogs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, 5)
		me := citizen(7) // no profile: the source fails and that is logged
		w.mustLifeEvent(t, me, "marriage", now.AddDate(0, -2, 0))
		w.mustCase(t, me, "licence", "issued", now.AddDate(0, -1, 0))
		if _, err := w.x.For(context.Background(), me); err != nil {
			t.Fatal(err)
		}
		if _, err := w.x.Rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := w.x.Dismiss(context.Background(), me, w.ids["licence"]); err != nil {
			t.Fatal(err)
		}
		logs := w.logs.String()
		if !strings.Contains(logs, "suggestions without the profile") {
			t.Fatalf("the failing profile was not logged: %q", logs)
		}
		if strings.Contains(logs, me.NationalCode) {
			t.Fatalf("the national code is in the logs: %q", logs)
		}
	}, sets...)
}

func TestKBelowMinimumRefused(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, sets...)
	cat, err := catalog.New(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := suggest.New(suggest.Config{Store: s, Catalog: cat, K: 2}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("k=2: %v, want Invalid", err)
	}
}

// TestExchangeProfiles reads age and region from the registries' answers,
// asks them once per TTL, and keeps nothing but the profile.
func TestExchangeProfiles(t *testing.T) {
	clock := time.Date(2026, 3, 20, 23, 50, 0, 0, time.UTC)
	var asked []string
	evidence := func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error) {
		asked = append(asked, inquiry)
		if purpose == "" {
			t.Error("an inquiry without a purpose")
		}
		switch inquiry {
		case suggest.IdentityInquiry:
			return json.RawMessage(`{"national_code":"` + subject + `","sex":"male","birth_date":{"date":"2008-03-21","jalali":"۱۳۸۷/۰۱/۰۱"},"alive":true}`), nil
		case suggest.AddressInquiry:
			return json.RawMessage(`{"national_code":"` + subject + `","city_fa":"ارومیه","postcode":"1234567890"}`), nil
		}
		return nil, errors.New("unknown inquiry")
	}
	regions := func(ctx context.Context) ([]catalog.Region, error) {
		return []catalog.Region{{Code: "AZW", NameFa: "آذربایجان غربی", Kind: catalog.Province},
			{Code: "AZW-01", NameFa: "ارومیه", Kind: catalog.City, Province: "AZW"}}, nil
	}
	src := suggest.NewExchangeProfiles(evidence, regions, func() time.Time { return clock })
	code := nationalCode(1)
	p, err := src.Profile(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	// Born 21 March 2008: 17 the day before the birthday.
	if p != (suggest.Profile{Age: 17, Sex: "male", Province: "AZW", City: "AZW-01"}) {
		t.Fatalf("profile = %+v", p)
	}
	if _, err := src.Profile(context.Background(), code); err != nil || len(asked) != 2 {
		t.Fatalf("second read asked %v (err %v), want the cache", asked, err)
	}
	clock = clock.Add(suggest.ProfileTTL + time.Second)
	p, err = src.Profile(context.Background(), code)
	if err != nil || p.Age != 18 || len(asked) != 4 {
		t.Fatalf("after the TTL: %+v, %v, asked %v", p, err, asked)
	}
}

func TestAgeOn(t *testing.T) {
	born := time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		on   time.Time
		want int
	}{
		{time.Date(2018, 2, 28, 0, 0, 0, 0, time.UTC), 17},
		{time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC), 18},
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	} {
		if got := suggest.AgeOn(born, c.on); got != c.want {
			t.Errorf("AgeOn(%v) = %d, want %d", c.on, got, c.want)
		}
	}
}

// TestCoUsageFromApplications counts co-usage from cases filed through
// apply itself, so that what suggest reads of apply_cases is what apply
// writes.
func TestCoUsageFromApplications(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		const k = 3
		w := mustWorld(t, s, k)
		ctx := context.Background()
		clock := now.AddDate(0, -6, 0)
		pm, err := permit.New(ctx, s, w.cat, "https://panjare.example")
		if err != nil {
			t.Fatal(err)
		}
		app, err := apply.New(apply.Config{Store: s, Catalog: w.cat, Permits: pm, Notifier: notify.New(s, nil, nil),
			BaseURL: "https://panjare.example", Now: func() time.Time { return clock }})
		if err != nil {
			t.Fatal(err)
		}
		submit := func(p identity.Principal, name string) {
			t.Helper()
			if _, err := app.Submit(ctx, p, w.ids[name], map[string]string{"phone": "09121234567", "decl_story": "درخواست"}, nil); err != nil {
				t.Fatalf("submit %s: %v %+v", name, err, fieldsOf(err))
			}
			clock = clock.Add(24 * time.Hour)
		}
		for i := 1; i <= k; i++ {
			submit(citizen(i), "licence")
			submit(citizen(i), "insurance")
		}
		me := citizen(40)
		submit(me, "licence")
		if n, err := w.x.Rebuild(ctx); err != nil || n != 1 {
			t.Fatalf("Rebuild = %d, %v; want 1 pair", n, err)
		}
		sg, ok := w.find(w.mustFor(t, me), "insurance")
		if !ok || sg.Source != suggest.SourceCoUsage || sg.People != k {
			t.Fatalf("co-usage from applications: %+v (shown %v)", sg, ok)
		}
		// The open licence case of theirs is not suggested back to them.
		if _, ok := w.find(w.mustFor(t, citizen(1)), "licence"); ok {
			t.Fatal("a service with an open case was suggested")
		}
	}, sets...)
}

// TestOneSourceDoesNotFillEverything: with room for two, a birth with two
// services takes one place and the profile the other; with no profile, the
// birth takes both.
func TestOneSourceDoesNotFillEverything(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, 5)
		x, err := suggest.New(suggest.Config{Store: s, Catalog: w.cat, Profiles: w.prof, Max: 2, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		young, other := citizen(1), citizen(2)
		w.prof.by[young.NationalCode] = suggest.Profile{Age: 19, Sex: "male"}
		w.mustLifeEvent(t, young, "birth", now.AddDate(0, 0, -2))
		w.mustLifeEvent(t, other, "birth", now.AddDate(0, 0, -2))
		got, err := x.For(context.Background(), young)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Source != suggest.SourceLifeEvent || got[1].Source != suggest.SourceProfile {
			t.Fatalf("got %+v, want one life event then one profile suggestion", got)
		}
		got, err = x.For(context.Background(), other)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Source != suggest.SourceLifeEvent || got[1].Source != suggest.SourceLifeEvent {
			t.Fatalf("got %+v, want both places for the birth", got)
		}
	}, sets...)
}

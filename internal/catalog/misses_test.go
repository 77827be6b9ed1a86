package catalog_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// mustSearchable returns a catalog on s with a search index holding one
// published service, the criminal record certificate.
func mustSearchable(t *testing.T, s *store.Store) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	c, err := catalog.New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutAgency(ctx, identity.System, catalog.Agency{Code: "JUD", NameFa: "قوهٔ قضاییه", NameEn: "Judiciary",
		Domain: catalog.DomainJudicial, Connected: true}); err != nil {
		t.Fatal(err)
	}
	d, err := c.SaveDraft(ctx, identity.System, 0, criminalRecord())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, identity.System, d.Key); err != nil {
		t.Fatal(err)
	}
	return c
}

var platformAdmin = identity.Principal{Kind: "user", ID: 7, Name: "admin", Roles: []identity.Role{identity.RolePlatformAdmin}}

// TestMisses checks that searches by text that find nothing are counted by
// their normalised text, with no personal data, and only those.
func TestMisses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := mustSearchable(t, s)
		search := func(q catalog.Query) catalog.Results {
			t.Helper()
			r, err := c.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := search(catalog.Query{Text: "سوء پیشینه"}); r.Total == 0 {
			t.Fatal("the published service is not found")
		}
		for range 3 {
			search(catalog.Query{Text: "ویزای کانادا"})
		}
		search(catalog.Query{Text: "  ويزاي   کانادا "})           // Arabic yeh, extra spaces
		search(catalog.Query{Text: "پیگیری پلاک ۰۰۱۲۳۴۵۶۷۸"})      // a national code pasted in
		search(catalog.Query{Text: "ایمیل someone@example.com"})   // an address
		search(catalog.Query{Text: "۰۹۱۲۱۲۳۴۵۶۷"})                 // digits only: not counted
		search(catalog.Query{Text: "ویزای کانادا", Domain: "tax"}) // filtered: not counted
		search(catalog.Query{Text: "سوء پیشینه", Domain: "tax"})   // filtered: not counted
		search(catalog.Query{Text: "ویزای کانادا", Page: 2})       // a later page: not counted
		search(catalog.Query{Text: "سوء پیشینه"})                  // found: not counted
		if err := c.FlushMisses(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := c.TopMisses(ctx, platformAdmin, 7, 10)
		if err != nil {
			t.Fatal(err)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		want := []catalog.Miss{
			{Text: "ویزای کانادا", Count: 4, Days: 1, Last: today},
			{Text: "ایمیل @", Count: 1, Days: 1, Last: today},
			{Text: "پیگیری پلاک #", Count: 1, Days: 1, Last: today},
		}
		if !slices.Equal(got, want) {
			t.Errorf("TopMisses = %+v\nwant %+v", got, want)
		}

		// A second flush adds to the same rows.
		search(catalog.Query{Text: "ویزای کانادا"})
		if err := c.FlushMisses(ctx); err != nil {
			t.Fatal(err)
		}
		got, err = c.TopMisses(ctx, platformAdmin, 7, 1)
		if err != nil || len(got) != 1 || got[0].Count != 5 {
			t.Errorf("after another search and flush: %+v, %v; want ویزای کانادا 5 times", got, err)
		}

		// Nothing stored or in an event carries a long run of digits or
		// an address.
		personal := regexp.MustCompile(`[0-9۰-۹]{4,}|@\w`)
		rows, err := s.Read().QueryContext(ctx, `SELECT query FROM catalog_search_misses`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var q string
			if err := rows.Scan(&q); err != nil {
				t.Fatal(err)
			}
			if personal.MatchString(q) {
				t.Errorf("stored search text %q holds personal data", q)
			}
		}
		rows.Close()
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "catalog.search.misses_counted"})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Errorf("%d events for two flushes, want 2", len(evs))
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Payload), "کانادا") || ev.Subject != "" {
				t.Errorf("event %s carries a search text or a subject: %s", ev.Kind, ev.Payload)
			}
		}

		// Only platform administrators may read them.
		for _, p := range []identity.Principal{
			{Kind: "user", ID: 8, Name: "citizen"},
			{Kind: "user", ID: 9, Name: "agency admin", Agency: "JUD", Roles: []identity.Role{identity.RoleAgencyAdmin}},
		} {
			if _, err := c.TopMisses(ctx, p, 7, 10); !errs.Is(err, errs.Forbidden) {
				t.Errorf("TopMisses by %s: %v, want Forbidden", p.Name, err)
			}
		}
	}, catalog.Migrations())
}

// TestMissesBounded checks that the table keeps at most MissTextsPerDay texts
// a day, those searched most first, and forgets days older than MissDays.
func TestMissesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("searches a thousand texts")
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := mustSearchable(t, s)
		old := time.Now().UTC().AddDate(0, 0, -catalog.MissDays-1).Format(time.DateOnly)
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO catalog_search_misses (day, query, count) VALUES ($1, 'کهنه', 3)`, old)
			if err != nil {
				return err
			}
			return tx.Append(ctx, store.Event{Kind: "test.seeded", Actor: "system"}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		for i := range catalog.MissTextsPerDay + 20 {
			if _, err := c.Search(ctx, catalog.Query{Text: fmt.Sprintf("نایاب %s", strings.Repeat("ب", i%50+1)+strings.Repeat("پ", i/50+1))}); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := c.Search(ctx, catalog.Query{Text: "پرتکرار"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.FlushMisses(ctx); err != nil {
			t.Fatal(err)
		}
		var n, stale int
		if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_search_misses`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_search_misses WHERE day = $1`, old).Scan(&stale); err != nil {
			t.Fatal(err)
		}
		if n != catalog.MissTextsPerDay || stale != 0 {
			t.Errorf("%d rows, %d of them older than %d days; want %d and none", n, stale, catalog.MissDays, catalog.MissTextsPerDay)
		}
		top, err := c.TopMisses(ctx, platformAdmin, catalog.MissDays, 1)
		if err != nil || len(top) != 1 || top[0].Text != "پرتکرار" {
			t.Errorf("top miss %+v, %v; want the text searched twice, kept though the day was full", top, err)
		}
	}, catalog.Migrations())
}

// TestFollowFlushesMisses checks that the node's last counts are written
// when Follow stops, as at shutdown.
func TestFollowFlushesMisses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := mustSearchable(t, s)
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); c.Follow(fctx, time.Hour) }()
		if _, err := c.Search(ctx, catalog.Query{Text: "گذرنامهٔ مریخ"}); err != nil {
			t.Fatal(err)
		}
		stop()
		<-done
		top, err := c.TopMisses(ctx, platformAdmin, 1, 5)
		if err != nil || len(top) != 1 || top[0].Text != "گذرنامه مریخ" {
			t.Errorf("after Follow stopped: %+v, %v; want the search counted", top, err)
		}
	}, catalog.Migrations())
}

// TestNormaliseMiss checks what is kept of a search text.
func TestNormaliseMiss(t *testing.T) {
	for in, want := range map[string]string{
		"گذرنامهٔ زیارتی":          "گذرنامه زیارتی",
		"ويزاي\u200cکانادا":        "ویزای کانادا",
		"Passport  RENEWAL":        "passport renewal",
		"کد ۱۲۳ ملی ۱۲۳۴":          "کد 123 ملی #",
		"تماس 09121234567 فوری":    "تماس # فوری",
		"x@y.ir":                   "",
		"ماده ۱۶۹":                 "ماده 169",
		strings.Repeat("الف ", 60): strings.TrimSpace(strings.Repeat("الف ", 25)),
		"   ":                      "",
	} {
		if got := catalog.NormaliseMiss(in); got != want {
			t.Errorf("NormaliseMiss(%q) = %q, want %q", in, got, want)
		}
	}
}

// criminalRecord is a complete record that passes the registry's checks.
func criminalRecord() catalog.Record {
	return catalog.Record{
		TitleFa:       "صدور گواهی عدم سوء پیشینهٔ کیفری",
		TitleEn:       "Criminal record certificate",
		DescriptionFa: "متقاضی با ثبت درخواست برخط، گواهی عدم سوء پیشینه را بدون مراجعهٔ حضوری دریافت می‌کند. اطلاعات هویتی با استعلام از ثبت احوال گرفته می‌شود و گواهی به‌صورت الکترونیکی و با امضای دیجیتال صادر می‌شود تا در همهٔ دستگاه‌ها پذیرفته شود.",
		DescriptionEn: "Applicants request the certificate online and receive it signed, without a visit.",
		Keywords:      []string{"سوء پیشینه", "گواهی", "کیفری"},
		Agency:        "JUD",
		Audience:      catalog.G2C,
		Nature:        catalog.Sovereign,
		Scope:         catalog.ScopeNational,
		Events:        []string{"job"},
		Trigger:       catalog.OnRequest,
		Decision:      catalog.DecideRules,
		Requirements: []catalog.Requirement{{
			Code:   "identity",
			NameFa: "احراز هویت متقاضی",
			Evidence: []catalog.Evidence{{
				Code: "id_card", NameFa: "اطلاعات کارت ملی", Source: catalog.FromInquiry,
				HeldBy: "JUD", Inquiry: "JUD/person-identity",
			}},
		}},
		Outputs:        []catalog.Output{{NameFa: "گواهی عدم سوء پیشینه", NameEn: "Certificate", Kind: "document"}},
		CostRials:      500000,
		ProcessingTime: catalog.Duration{Days: 2},
		Frequency:      catalog.AsNeeded,
		AnnualVolume:   1200000,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون آیین دادرسی کیفری", Article: "ماده ۸۸"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	}
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"golang.org/x/net/html"
)

// TestCaseShowsAwaitedEvidence: the applicant's case page says what
// evidence is still awaited, from which agency, since when and when it is
// asked again, in Persian and English; once the window has stopped asking
// it says that the agency's staff were told.
func TestCaseShowsAwaitedEvidence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSite(t, s) // no exchange: the civil registry never answers
		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی سنگک", "action": "submit"}, casePNG(t))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		page := strings.TrimSuffix(res.header.Get("Location"), "?new=1")
		item := func(doc *html.Node) *html.Node {
			t.Helper()
			if len(byID(doc, "awaited")) != 1 {
				t.Fatal("no awaited section")
			}
			items := all(doc, func(n *html.Node) bool { return n.Data == "li" && attr(n, "data-code") == "identity" })
			if len(items) != 1 {
				t.Fatalf("%d awaited items for identity", len(items))
			}
			return items[0]
		}
		got := cs.as(t, caseAli, "GET", page, nil)
		noMissingKey(t, got)
		li := item(got.doc)
		text := textOf(li)
		if attr(li, "data-gave-up") != "false" {
			t.Errorf("gave up at once: %q", text)
		}
		for _, want := range []string{"اطلاعات هویتی", "از سازمان ثبت احوال کشور", "در انتظار از", "۱ بار استعلام شده", "استعلام دوباره:", "۱۴۰۵"} {
			if !strings.Contains(text, want) {
				t.Errorf("the awaited item lacks %q: %q", want, text)
			}
		}
		en := cs.send(t, caseAli, "GET", page, nil, true)
		noMissingKey(t, en)
		if text := textOf(item(en.doc)); !strings.Contains(text, "National Organization for Civil Registration") || !strings.Contains(text, "asked 1 times") ||
			!strings.Contains(text, "Asked again:") {
			t.Errorf("English item: %q", text)
		}

		// The window stopped asking (as the sweep does after the last attempt).
		if _, err := s.DB().ExecContext(context.Background(), `UPDATE apply_evidence SET attempts = 12, next_at = NULL WHERE code = 'identity'`); err != nil {
			t.Fatal(err)
		}
		got = cs.as(t, caseAli, "GET", page, nil)
		li = item(got.doc)
		if text := textOf(li); attr(li, "data-gave-up") != "true" || !strings.Contains(text, "۱۲ بار") || !strings.Contains(text, "دیگر استعلام نمی‌کند") ||
			strings.Contains(text, "استعلام دوباره") {
			t.Errorf("after giving up: %q", text)
		}
		// The agency's page is another engineer's view: it does not carry
		// the applicant's section.
		if agency := cs.as(t, caseOfficer, "GET", strings.Replace(page, "/me/", "/agency/", 1), nil); len(byID(agency.doc, "awaited")) != 0 {
			t.Error("the agency's page shows the applicant's awaited section")
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestAdminExchangeCountsEvidenceNotArriving: evidence whose inquiry the
// exchange cannot even resolve never reaches the message log, so the
// exchange page showed no error while applications waited. The page now
// counts the once-only evidence of open cases that has not arrived, by
// inquiry: awaited while the window still asks, given up after the last
// attempt.
func TestAdminExchangeCountsEvidenceNotArriving(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat, err := catalog.New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []catalog.Agency{
			{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", Domain: catalog.DomainIndustry, Connected: true},
			{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", Domain: catalog.DomainCivil, Connected: true},
			{Code: "JUDICIARY_IT", NameFa: "مرکز آمار و فناوری اطلاعات قوهٔ قضاییه", Domain: catalog.DomainJudicial, Connected: true},
		} {
			if err := cat.PutAgency(ctx, identity.System, a); err != nil {
				t.Fatal(err)
			}
		}
		inq := func(code, agency, inquiry string) catalog.Evidence {
			return catalog.Evidence{Code: code, NameFa: code, Source: catalog.FromInquiry, HeldBy: agency, Inquiry: inquiry}
		}
		d, err := cat.SaveDraft(ctx, identity.System, 0, catalog.Record{TitleFa: "مجوز آزمایشی", TitleEn: "Test permit",
			DescriptionFa: "متقاضی درخواست را برخط ثبت می‌کند و دستگاه پس از بررسی مدارک و استعلام‌ها نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
			Agency:        "MIMT", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational, Trigger: catalog.OnRequest,
			Decision: catalog.DecideManual, Frequency: catalog.AsNeeded, ProcessingTime: catalog.Duration{Days: 5},
			LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی"}}, Channels: []catalog.Channel{catalog.ChannelWeb},
			Stages:  catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
			Outputs: []catalog.Output{{NameFa: "تصمیم", Kind: "decision"}},
			Requirements: []catalog.Requirement{{Code: "checks", NameFa: "استعلام‌ها", Evidence: []catalog.Evidence{
				inq("identity", "NOCR", "NOCR/person-identity"), inq("exit_ban", "JUDICIARY_IT", "JUDICIARY_IT/exit-ban")}}}})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := cat.Publish(ctx, identity.System, d.Key)
		if err != nil {
			t.Fatal(err)
		}
		// An exchange with no data services: every inquiry fails to resolve.
		x := exchange.New(s, "IR")
		g, err := exchange.NewGateway(ctx, x, exchange.GatewayConfig{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close(context.Background()) })
		var shift atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
		ap, err := apply.New(apply.Config{Store: s, Catalog: cat, Gateway: g, Notifier: notify.New(s, nil, nil), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		w, err := New(Config{Catalog: cat, Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError})),
			Version: "test", Apply: ap, Exchange: x, Gateway: g})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		w.Register(mux)
		site := &caseSite{}
		site.handler = mux
		for _, p := range []*identity.Principal{caseAli, caseMaryam} {
			if _, err := ap.Submit(ctx, *p, svc.ID, map[string]string{"phone": "09121234567"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		admin := &identity.Principal{Kind: "user", ID: 7, Roles: []identity.Role{identity.RolePlatformAdmin}}
		check := func(awaited, givenUp string) {
			t.Helper()
			res := site.as(t, admin, http.MethodGet, "/admin/exchange", nil)
			if res.status != 200 {
				t.Fatalf("admin page: %d", res.status)
			}
			noMissingKey(t, res)
			if a, g := byID(res.doc, "evidence-awaited"), byID(res.doc, "evidence-givenup"); len(a) != 1 || len(g) != 1 ||
				textOf(a[0]) != awaited || textOf(g[0]) != givenUp {
				t.Errorf("totals: want awaited %s given up %s\n%s", awaited, givenUp, res.body)
			}
			for _, inquiry := range []string{"NOCR/person-identity", "JUDICIARY_IT/exit-ban"} {
				if rows := all(res.doc, func(n *html.Node) bool { return attr(n, "data-inquiry") == inquiry }); len(rows) != 1 {
					t.Errorf("no row for %s", inquiry)
				}
			}
		}
		check("۴", "۰")
		for range 12 {
			shift.Add(int64(2 * time.Hour))
			if _, err := ap.RetryDueEvidence(ctx); err != nil {
				t.Fatal(err)
			}
		}
		check("۰", "۴")
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"
)

// consoleSite is the portal with the console: a plain MIMT service, two
// MIMT staff and one of NOCR.
type consoleSite struct {
	xsite
	ap             *apply.Applications
	bo             *apply.Backoffice
	service        string
	officer, admin *identity.Principal
	outsider       *identity.Principal
}

func newConsoleSite(t *testing.T, s *store.Store) *consoleSite {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []catalog.Agency{
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade", Domain: catalog.DomainIndustry, Connected: true},
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			t.Fatal(err)
		}
	}
	rec := catalog.Record{
		TitleFa: "ثبت شکایت صنفی", TitleEn: "Trade complaint",
		DescriptionFa: "متقاضی شکایت را برخط ثبت می‌کند و دستگاه پس از بررسی، نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
		Agency:        "MIMT", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational, Trigger: catalog.OnRequest,
		Decision: catalog.DecideManual, Frequency: catalog.AsNeeded,
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}}, Channels: []catalog.Channel{catalog.ChannelWeb},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements:   []catalog.Requirement{{Code: "facts", NameFa: "شرح ماجرا", Evidence: []catalog.Evidence{{Code: "story", NameFa: "شرح ماجرا", NameEn: "What happened", Source: catalog.FromDeclaration}}}},
		Outputs:        []catalog.Output{{NameFa: "رأی", NameEn: "Decision", Kind: "decision"}},
		ProcessingTime: catalog.Duration{Days: 10},
	}
	d, err := cat.SaveDraft(ctx, identity.System, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := apply.New(apply.Config{Store: s, Catalog: cat, Notifier: notify.New(s, nil, nil), BaseURL: "https://panjare.example"})
	if err != nil {
		t.Fatal(err)
	}
	bo := apply.NewBackoffice(ap, apply.BackofficeOptions{AllowLoopbackHTTP: true, Settle: time.Nanosecond})
	id := identity.New(s)
	staff := map[string]identity.Staff{}
	for _, x := range []struct {
		code, agency string
		role         identity.Role
	}{{"1234567891", "MIMT", identity.RoleOperator}, {"2345678917", "MIMT", identity.RoleAgencyAdmin}, {"3456789122", "NOCR", identity.RoleOperator}} {
		st, err := id.AddStaff(ctx, identity.System, x.code, x.agency, x.role)
		if err != nil {
			t.Fatal(err)
		}
		staff[x.code] = st
	}
	principal := func(code string) *identity.Principal {
		st := staff[code]
		return &identity.Principal{Kind: "user", ID: st.PersonID, Name: "کارشناس", Agency: st.Agency, Roles: []identity.Role{st.Role}}
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Apply: ap, Backoffice: bo, Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	cs := &consoleSite{ap: ap, bo: bo, service: svc.ID, officer: principal("1234567891"), admin: principal("2345678917"), outsider: principal("3456789122")}
	cs.handler = httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)), httpx.NewMetrics(prometheus.NewRegistry()), log)
	return cs
}

func (cs *consoleSite) submit(t *testing.T, p *identity.Principal) apply.Case {
	t.Helper()
	c, err := cs.ap.Submit(context.Background(), *p, cs.service, map[string]string{"phone": "09121234567", "decl_story": "فروشنده کالای معیوب داد"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func noConsoleKey(t *testing.T, res response) {
	t.Helper()
	for _, p := range []string{"[console.", "[webhooks.", "[case.", "[cases.", "[agencycases."} {
		if strings.Contains(res.body, p) {
			t.Errorf("a translation is missing: %s…", p)
		}
	}
}

// queueRows returns the tracking codes of the console's queue, in order.
func queueRows(doc *html.Node) []string {
	var out []string
	for _, tr := range all(doc, func(e *html.Node) bool { return e.Data == "tr" && attr(e, "data-tracking") != "" }) {
		out = append(out, attr(tr, "data-tracking"))
	}
	return out
}

func count(doc *html.Node, name string) string {
	for _, n := range all(doc, func(e *html.Node) bool { return attr(e, "data-count") == name }) {
		return textOf(n)
	}
	return ""
}

func TestConsole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newConsoleSite(t, s)
		c1 := cs.submit(t, caseAli)
		c2 := cs.submit(t, caseMaryam)

		// The queue, in Persian and English, with its counts.
		for _, en := range []bool{false, true} {
			res := cs.send(t, cs.officer, "GET", "/agency/console", nil, en)
			if res.status != 200 {
				t.Fatalf("console: %d", res.status)
			}
			noConsoleKey(t, res)
			if rows := queueRows(res.doc); len(rows) != 2 || rows[0] != c1.Tracking {
				t.Fatalf("queue = %v", rows)
			}
		}
		res := cs.as(t, cs.officer, "GET", "/agency/console", nil)
		if got := count(res.doc, "open"); got != "۲" {
			t.Errorf("open count = %q", got)
		}
		if rows := queueRows(cs.as(t, cs.officer, "GET", "/agency/console?sort=latest", nil).doc); len(rows) != 2 || rows[0] != c2.Tracking {
			t.Errorf("latest first = %v", rows)
		}
		if rows := queueRows(cs.as(t, cs.officer, "GET", "/agency/console?service="+cs.service+"&state=submitted", nil).doc); len(rows) != 2 {
			t.Errorf("by service = %v", rows)
		}
		if rows := queueRows(cs.as(t, cs.officer, "GET", "/agency/console?overdue=1", nil).doc); len(rows) != 0 {
			t.Errorf("overdue = %v", rows)
		}
		if res := cs.as(t, cs.officer, "GET", "/agency/console?state=nonsense", nil); res.status != 400 {
			t.Errorf("bad state: %d", res.status)
		}
		// Another agency's staff see none of it, and its cases do not exist.
		if rows := queueRows(cs.as(t, cs.outsider, "GET", "/agency/console", nil).doc); len(rows) != 0 {
			t.Errorf("NOCR sees %v", rows)
		}
		if res := cs.as(t, cs.outsider, "GET", "/agency/cases/"+c1.Tracking+"/assign", nil); res.status != 404 {
			t.Errorf("NOCR's assign page: %d", res.status)
		}
		if res := cs.as(t, cs.outsider, "POST", "/agency/cases/"+c1.Tracking+"/assign", url.Values{"assignee": {strconv.FormatInt(cs.outsider.ID, 10)}}); res.status != 400 && res.status != 404 {
			t.Errorf("NOCR assigned: %d", res.status)
		}
		// Citizens and strangers have no console.
		if res := cs.as(t, caseAli, "GET", "/agency/console", nil); res.status != 403 {
			t.Errorf("a citizen: %d", res.status)
		}
		if res := cs.as(t, nil, "GET", "/agency/console", nil); res.status != http.StatusSeeOther {
			t.Errorf("nobody: %d", res.status)
		}

		// The case page and the minimal queue lead to the console.
		if res := cs.as(t, cs.officer, "GET", "/agency/cases/"+c1.Tracking, nil); res.status != 200 || len(byID(res.doc, "assign-link")) != 1 {
			t.Fatalf("case page: %d, assign link missing", res.status)
		}
		if res := cs.as(t, cs.officer, "GET", "/agency/cases", nil); len(byID(res.doc, "console-link")) != 1 {
			t.Fatal("the queue does not link to the console")
		}

		// Assigning to a colleague, then "assigned to me".
		page := cs.as(t, cs.officer, "GET", "/agency/cases/"+c1.Tracking+"/assign", nil)
		if page.status != 200 || len(byID(page.doc, "assign-form")) != 1 {
			t.Fatalf("assign page: %d", page.status)
		}
		noConsoleKey(t, page)
		if res := cs.as(t, cs.officer, "POST", "/agency/cases/"+c1.Tracking+"/assign", url.Values{"assignee": {strconv.FormatInt(cs.outsider.ID, 10)}}); res.status != 400 || len(byID(res.doc, "assign-error")) != 1 {
			t.Fatalf("assigning to another agency's staff: %d", res.status)
		}
		res = cs.as(t, cs.officer, "POST", "/agency/cases/"+c1.Tracking+"/assign", url.Values{"assignee": {strconv.FormatInt(cs.admin.ID, 10)}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", res.status, res.body)
		}
		mine := cs.as(t, cs.admin, "GET", "/agency/console?mine=1", nil)
		if rows := queueRows(mine.doc); len(rows) != 1 || rows[0] != c1.Tracking || count(mine.doc, "mine") != "۱" {
			t.Fatalf("mine = %v, count %q", rows, count(mine.doc, "mine"))
		}
		if rows := queueRows(cs.as(t, cs.officer, "GET", "/agency/console?mine=1", nil).doc); len(rows) != 0 {
			t.Fatalf("the officer's = %v", rows)
		}
	}, identity.Migrations(), catalog.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

func TestWebhooksPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newConsoleSite(t, s)
		hook := "https://backoffice.mimt.example/hooks"
		// Operators see the page but cannot register.
		res := cs.as(t, cs.officer, "GET", "/agency/webhooks", nil)
		if res.status != 200 || len(byID(res.doc, "register")) != 0 {
			t.Fatalf("operator's page: %d", res.status)
		}
		noConsoleKey(t, res)
		if res := cs.as(t, cs.officer, "POST", "/agency/webhooks", url.Values{"url": {hook}}); res.status != 403 {
			t.Fatalf("operator registered: %d", res.status)
		}
		// A bad URL shows the form again with the message and what was typed.
		res = cs.as(t, cs.admin, "POST", "/agency/webhooks", url.Values{"url": {"http://10.0.0.1/x"}})
		if res.status != 400 || len(byID(res.doc, "webhook-error")) != 1 || !strings.Contains(res.body, "10.0.0.1") {
			t.Fatalf("bad URL: %d", res.status)
		}
		res = cs.as(t, cs.admin, "POST", "/agency/webhooks", url.Values{"url": {hook}, "kind": {apply.FeedSubmitted}})
		if res.status != 200 || len(byID(res.doc, "new-secret-value")) != 1 || !strings.HasPrefix(textOf(byID(res.doc, "new-secret-value")[0]), "whsec_") {
			t.Fatalf("register: %d", res.status)
		}
		secret := textOf(byID(res.doc, "new-secret-value")[0])
		// The secret is never shown again.
		again := cs.as(t, cs.admin, "GET", "/agency/webhooks", nil)
		if strings.Contains(again.body, secret) || len(byID(again.doc, "hooks")) != 1 {
			t.Fatal("the secret is shown again, or the endpoint is missing")
		}
		// A delivery appears with its state.
		cs.submit(t, caseAli)
		time.Sleep(time.Millisecond) // past the feeder's settle window on PostgreSQL
		if _, err := cs.bo.Feed(context.Background()); err != nil {
			t.Fatal(err)
		}
		res = cs.as(t, cs.officer, "GET", "/agency/webhooks", nil)
		rows := all(res.doc, func(e *html.Node) bool { return attr(e, "data-delivery") != "" })
		if len(rows) != 1 || attr(rows[0], "data-state") != apply.DeliveryPending {
			t.Fatalf("deliveries = %d", len(rows))
		}
		// Another agency sees nothing of it and cannot disable it.
		other := cs.as(t, cs.outsider, "GET", "/agency/webhooks", nil)
		if strings.Contains(other.body, hook) || len(all(other.doc, func(e *html.Node) bool { return attr(e, "data-delivery") != "" })) != 0 {
			t.Fatal("NOCR sees MIMT's webhooks")
		}
		hooks, _ := cs.bo.Webhooks(context.Background(), *cs.admin)
		path := "/agency/webhooks/" + strconv.FormatInt(hooks[0].ID, 10) + "/disable"
		nocrAdmin := *cs.outsider
		nocrAdmin.Roles = []identity.Role{identity.RoleAgencyAdmin}
		if res := cs.as(t, &nocrAdmin, "POST", path, url.Values{}); res.status != 404 {
			t.Fatalf("NOCR disabled MIMT's webhook: %d", res.status)
		}
		if res := cs.as(t, cs.admin, "POST", path, url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", res.status)
		}
	}, identity.Migrations(), catalog.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"golang.org/x/net/html"
)

// walk follows the pages' next links from first to the end and returns
// the values of attribute key on the rows of every page, in order.
func walk(t *testing.T, xs *xsite, p *identity.Principal, first, key string) (rows []string, pages int) {
	t.Helper()
	for next := first; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("the pages never end")
		}
		res := xs.as(t, p, "GET", next, nil)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d", next, res.status)
		}
		for _, n := range all(res.doc, func(n *html.Node) bool { return attr(n, key) != "" }) {
			rows = append(rows, attr(n, key))
		}
		next = ""
		if l := byID(res.doc, "next-page"); len(l) == 1 {
			next = attr(l[0], "href")
		}
	}
	return rows, pages
}

func once(t *testing.T, what string, rows []string, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r] {
			t.Errorf("%s: %s listed twice", what, r)
		}
		seen[r] = true
	}
	if len(seen) != want {
		t.Errorf("%s: %d listed, want %d", what, len(seen), want)
	}
}

// TestMyCasesAndInboxPages: the citizen's cases and inbox, longer than a
// page, are walked to the end through the next-page link, each row once.
func TestMyCasesAndInboxPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cs := newCaseSite(t, s)
		n := apply.DefaultPage + 3
		for i := 0; i < n; i++ {
			if _, err := cs.ap.Submit(ctx, *caseAli, cs.service, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی"},
				map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: casePNG(t)}}); err != nil {
				t.Fatal(err)
			}
		}
		rows, pages := walk(t, &cs.xsite, caseAli, "/me/cases", "data-tracking")
		once(t, "cases", rows, n)
		if pages != 2 {
			t.Errorf("cases in %d pages, want 2", pages)
		}

		nt := notify.New(s, nil, nil)
		for i := 0; i < inboxPage+2; i++ {
			notice(t, s, nt, notify.Notice{To: inboxA, Template: "case.submitted", Data: map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب"}})
		}
		xs := newInboxSite(t, s, nt, false)
		rows, pages = walk(t, xs, person(1, inboxA), "/me/inbox", "data-unread")
		if len(rows) != inboxPage+2 || pages != 2 {
			t.Errorf("%d messages in %d pages, want %d in 2", len(rows), pages, inboxPage+2)
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestConsolePages: the agency console's queue, longer than a page, is
// walked to the end through the next-page link, in both orders, each case
// once and the filters kept.
func TestConsolePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newConsoleSite(t, s)
		ctx := context.Background()
		if _, _, err := cs.bo.RegisterWebhook(ctx, *cs.admin, "http://127.0.0.1:9/hook", []string{apply.FeedSubmitted}); err != nil {
			t.Fatal(err)
		}
		n := consolePage + 4
		for i := 0; i < n; i++ {
			cs.submit(t, caseAli)
		}
		time.Sleep(time.Millisecond)
		if _, err := cs.bo.Feed(ctx); err != nil {
			t.Fatal(err)
		}
		rows, pages := walk(t, &cs.xsite, cs.officer, "/agency/webhooks", "data-delivery")
		once(t, "deliveries", rows, n)
		if pages != 2 {
			t.Errorf("deliveries in %d pages, want 2", pages)
		}
		for _, first := range []string{"/agency/console", "/agency/console?sort=latest", "/agency/console?state=submitted", "/agency/cases"} {
			rows, pages := walk(t, &cs.xsite, cs.officer, first, "data-tracking")
			once(t, first, rows, n)
			if want := 1 + n/min(consolePage, apply.DefaultPage); (first == "/agency/cases" && pages != want) || (first != "/agency/cases" && pages != 2) {
				t.Errorf("%s: %d pages", first, pages)
			}
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestWalletPage: a wallet longer than a page is walked to the end through
// the next-page link, each document once (the wallet once stopped at 1000).
func TestWalletPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ds := newDocSite(t, s)
		n := permit.WalletPage + 2
		for i := 1; i < n; i++ { // the site issued the first
			if _, err := ds.p.Issue(context.Background(), identity.System, permit.IssueRequest{Service: ds.doc.Service, Holder: codeA,
				HolderName: "زهرا کریمی", Fields: map[string]string{"نام واحد صنفی": "نانوایی برکت"}}); err != nil {
				t.Fatal(err)
			}
		}
		holder := &identity.Principal{Kind: "user", ID: 1, NationalCode: codeA, Roles: []identity.Role{identity.RoleCitizen}}
		ids, pages := walk(t, &ds.xsite, holder, "/me/documents", "id")
		ids = slices.DeleteFunc(ids, func(id string) bool { return !strings.HasPrefix(id, "doc-") })
		once(t, "documents", ids, n)
		if pages != 2 {
			t.Errorf("documents in %d pages, want 2", pages)
		}
		if res := ds.as(t, holder, "GET", "/me/documents?cursor=forged", nil); res.status != http.StatusBadRequest {
			t.Errorf("a forged cursor: %d, want 400", res.status)
		}
	}, identity.Migrations(), catalog.Migrations(), permit.Migrations())
}

// walkID is walk on the portal with real sessions, as the holder of token.
func walkID(t *testing.T, x *idsite, token, first, key string) (rows []string, pages int) {
	t.Helper()
	for next := first; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("the pages never end")
		}
		res := x.send(t, token, "GET", next, nil, false)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d", next, res.status)
		}
		for _, n := range all(res.doc, func(n *html.Node) bool { return attr(n, key) != "" }) {
			rows = append(rows, attr(n, key))
		}
		next = ""
		if l := byID(res.doc, "next-page"); len(l) == 1 {
			next = attr(l[0], "href")
		}
	}
	return rows, pages
}

// TestRepresentativesAndSessionsPages: an agency's representations and a
// person's open sessions, longer than a page, are walked to the end through
// the next-page link, each once (they once stopped at 500 and 100).
func TestRepresentativesAndSessionsPages(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			x := newIDSite(t, d, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			ctx := context.Background()
			if _, err := x.id.AddStaff(ctx, identity.System, "4188558164", "NOCR", identity.RoleAgencyAdmin); err != nil {
				t.Fatal(err)
			}
			n := identity.DefaultPage + 2
			var token string
			for i := 0; i < n; i++ {
				token = x.signIn(t, "4188558164", "اکبر کریمی")
			}
			rows, pages := walkID(t, x, token, "/me", "data-session")
			once(t, "sessions", rows, n)
			if pages != 2 {
				t.Errorf("sessions in %d pages, want 2", pages)
			}

			admin := identity.Principal{Kind: "user", ID: 1, Agency: "NOCR", Roles: []identity.Role{identity.RoleAgencyAdmin}}
			for i := 0; i < n; i++ {
				ten := fmt.Sprintf("1038028%03d", i)
				if _, err := x.id.RegisterRepresentative(ctx, admin, "0067749828", ten+string(identity.LegalIDCheckDigit(ten)), "شرکت نمونه", time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			rows, pages = walkID(t, x, token, "/agency/representatives", "id")
			once(t, "representations", numbered(rows, "rep-"), n)
			if pages != 2 {
				t.Errorf("representations in %d pages, want 2", pages)
			}
			if res := x.send(t, token, "GET", "/agency/representatives?cursor=forged", nil, false); res.status != http.StatusBadRequest {
				t.Errorf("a forged cursor: %d, want 400", res.status)
			}
		})
	}
}

// TestAgencyExchangePages: the inquiries an agency answered, longer than a
// page, are walked to the end from the agency page's link, each once; the
// first page of both tables stays on /agency/exchange.
func TestAgencyExchangePages(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			xs := newXSite(t, d)
			ctx := context.Background()
			n := trackerPage + 2
			for i := 0; i < n; i++ {
				if _, _, err := xs.g.Evidence(ctx, backoffice.CitizenAli, "NOCR/person-identity", "درخواست گذرنامه"); err != nil {
					t.Fatal(err)
				}
			}
			staff := &identity.Principal{Kind: "user", ID: 9, Agency: "NOCR", Roles: []identity.Role{identity.RoleOperator}}
			res := xs.as(t, staff, http.MethodGet, "/agency/exchange", nil)
			more := byID(res.doc, "served-next")
			if res.status != http.StatusOK || len(more) != 1 || len(byID(res.doc, "made-next")) != 0 {
				t.Fatalf("agency page: %d, %d links to more answered", res.status, len(more))
			}
			first := all(res.doc, func(n *html.Node) bool { return attr(n, "data-inquiry") != "" })
			rows, pages := walk(t, xs, staff, attr(more[0], "href"), "data-inquiry")
			for _, n := range first {
				rows = append(rows, attr(n, "data-inquiry"))
			}
			once(t, "answered", rows, n)
			if pages != 1 || len(first) != trackerPage {
				t.Errorf("%d on the first page and %d pages after, want %d and 1", len(first), pages, trackerPage)
			}
			rows, pages = walk(t, xs, staff, "/agency/exchange?side=served", "data-inquiry")
			once(t, "answered", rows, n)
			if pages != 2 {
				t.Errorf("answered in %d pages, want 2", pages)
			}
			for _, bad := range []string{"/agency/exchange?side=other", "/agency/exchange?side=made&before=x"} {
				if res := xs.as(t, staff, http.MethodGet, bad, nil); res.status != http.StatusBadRequest {
					t.Errorf("%s: %d, want 400", bad, res.status)
				}
			}
		})
	}
}

// TestOutboxPages: the demo outbox, longer than a page, is walked to the
// end through the next-page link, each entry once (it once stopped at 200).
func TestOutboxPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		outbox := notify.NewOutbox(s)
		n := outboxPage + 3
		for i := 1; i <= n; i++ {
			if err := outbox.Send(ctx, notify.Outgoing{Channel: "sms", To: "09121234567", Body: "درخواست 1405-AB12 تأیید شد.", NoticeID: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		xs := newInboxSite(t, s, notify.New(s, outbox, outbox), true)
		rows, pages := walk(t, xs, nil, "/dev/outbox", "data-notice")
		once(t, "outbox", rows, n)
		if pages != 2 {
			t.Errorf("outbox in %d pages, want 2", pages)
		}
		if res := xs.as(t, nil, "GET", "/dev/outbox?cursor=forged", nil); res.status != http.StatusBadRequest {
			t.Errorf("a forged cursor: %d, want 400", res.status)
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}

// numbered keeps the ids of the form prefix<digits> among ids.
func numbered(ids []string, prefix string) []string {
	return slices.DeleteFunc(ids, func(id string) bool {
		n, ok := strings.CutPrefix(id, prefix)
		return !ok || n == "" || strings.Trim(n, "0123456789") != ""
	})
}

// nationalCodeOf completes nine digits with their check digit.
func nationalCodeOf(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	r := sum % 11
	if r >= 2 {
		r = 11 - r
	}
	return nine + string(rune('0'+r))
}

// TestAgencyKeysAndStaffPages: an agency's API clients and its staff, more
// than a page each, are walked to the end through the next-page link, each
// once.
func TestAgencyKeysAndStaffPages(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			x := newIDSite(t, d, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			ctx := context.Background()
			if _, err := x.id.AddStaff(ctx, identity.System, "4188558164", "NOCR", identity.RoleAgencyAdmin); err != nil {
				t.Fatal(err)
			}
			token := x.signIn(t, "4188558164", "اکبر کریمی")
			n := identity.DefaultPage + 2
			for i := 0; i < n; i++ {
				if _, _, err := x.id.IssueKey(ctx, identity.System, "NOCR", fmt.Sprintf("سامانهٔ %d", i)); err != nil {
					t.Fatal(err)
				}
			}
			rows, pages := walkID(t, x, token, "/agency/keys", "id")
			once(t, "keys", numbered(rows, "key-"), n)
			if pages != 2 {
				t.Errorf("keys in %d pages, want 2", pages)
			}

			for i := 1; i < n; i++ { // the admin is the first
				code := nationalCodeOf(fmt.Sprintf("1234560%02d", i))
				if _, err := x.id.AddStaff(ctx, identity.System, code, "NOCR", identity.RoleOperator); err != nil {
					t.Fatal(err)
				}
			}
			rows, pages = walkID(t, x, token, "/agency/staff", "data-staff")
			once(t, "staff", rows, n)
			if pages != 2 {
				t.Errorf("staff in %d pages, want 2", pages)
			}
			if res := x.send(t, token, "GET", "/agency/staff?cursor=forged", nil, false); res.status != http.StatusBadRequest {
				t.Errorf("a forged staff cursor: %d, want 400", res.status)
			}
			if res := x.send(t, token, "GET", "/agency/keys?cursor=forged", nil, false); res.status != http.StatusBadRequest {
				t.Errorf("a forged cursor: %d, want 400", res.status)
			}
		})
	}
}

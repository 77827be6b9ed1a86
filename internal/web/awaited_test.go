package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

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

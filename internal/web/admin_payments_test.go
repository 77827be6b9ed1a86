package web

import (
	"context"
	"net/http"
	"net/url"
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

var platformAdmin = &identity.Principal{Kind: "user", ID: 9, Name: "مدیر سامانه", Roles: []identity.Role{identity.RolePlatformAdmin}}

// TestAdminPayments: the platform admin sees on /admin/payments each
// difference reconciliation found (here a payment whose callback was lost,
// settled from the bank's record), and may run it by hand; nobody else may.
func TestAdminPayments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cs := newCaseSite(t, s)
		if r := cs.as(t, nil, "GET", "/admin/payments", nil); r.status != http.StatusSeeOther {
			t.Errorf("anonymous: %d", r.status)
		}
		for _, p := range []*identity.Principal{caseOfficer, caseAli} {
			if r := cs.as(t, p, "GET", "/admin/payments", nil); r.status != http.StatusForbidden {
				t.Errorf("%s reads the page: %d", p.Name, r.status)
			}
			if r := cs.as(t, p, "POST", "/admin/payments/reconcile", url.Values{}); r.status != http.StatusForbidden {
				t.Errorf("%s runs reconciliation: %d", p.Name, r.status)
			}
		}
		empty := cs.as(t, platformAdmin, "GET", "/admin/payments", nil)
		if empty.status != 200 || len(byID(empty.doc, "no-mismatches")) != 1 {
			t.Fatalf("empty page: %d", empty.status)
		}

		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی", "action": "submit"}, casePNG(t))
		loc, _ := url.Parse(res.header.Get("Location"))
		pay := cs.as(t, caseAli, "POST", loc.Path+"/pay", url.Values{})
		id := pay.header.Get("Location")[strings.LastIndex(pay.header.Get("Location"), "/")+1:]
		if _, err := cs.sb.Settle(ctx, id, apply.PayPaid); err != nil { // the callback never arrives
			t.Fatal(err)
		}
		if r := cs.as(t, platformAdmin, "POST", "/admin/payments/reconcile", url.Values{}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/payments?ran=1" {
			t.Fatalf("run: %d %s", r.status, r.header.Get("Location"))
		}
		for _, en := range []bool{false, true} {
			page := cs.send(t, platformAdmin, "GET", "/admin/payments?ran=1", nil, en)
			if page.status != 200 || strings.Contains(page.body, "[adminpay.") {
				t.Fatalf("page: %d, or a translation is missing", page.status)
			}
			rows := all(page.doc, func(n *html.Node) bool { return attr(n, "data-payment") == id })
			if len(rows) != 1 || attr(rows[0], "data-fixed") != "true" {
				t.Errorf("the settled payment is not listed once: %d rows", len(rows))
			}
		}
		if c, _ := cs.ap.Case(ctx, *caseAli, strings.TrimPrefix(loc.Path, "/me/cases/")); !c.Paid {
			t.Error("reconciliation did not settle the payment")
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

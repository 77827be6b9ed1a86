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

var caseAdmin = &identity.Principal{Kind: "user", ID: 5, Name: "مدیر", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}

// TestAgencyCaseChecks: the agency's case page lists the open checks (here
// the identity inquiry, pending because no gateway answers); approving
// from the page is refused with 409 and the page says why, in Persian or
// English; a visit is recorded from the page; the override form is for
// agency admins only, and approves with the reason on the page.
func TestAgencyCaseChecks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cs := newCaseSite(t, s)
		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی", "action": "submit"}, casePNG(t))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		loc, _ := url.Parse(res.header.Get("Location"))
		tracking := strings.TrimPrefix(loc.Path, "/me/cases/")
		page := "/agency/cases/" + tracking
		if r := cs.as(t, caseOfficer, "POST", page+"/decide", url.Values{"to": {"in_review"}}); r.status != http.StatusSeeOther {
			t.Fatalf("review: %d", r.status)
		}
		pay := cs.as(t, caseAli, "POST", "/me/cases/"+tracking+"/pay", url.Values{})
		id := pay.header.Get("Location")[strings.LastIndex(pay.header.Get("Location"), "/")+1:]
		body, err := cs.sb.Settle(ctx, id, apply.PayPaid)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(apply.SandboxSignature, cs.sb.Sign(body))
		if err := cs.ap.PaymentCallback(ctx, h, body); err != nil {
			t.Fatal(err)
		}

		for _, en := range []bool{false, true} {
			p := cs.send(t, caseOfficer, "GET", page, nil, en)
			noMissingKey(t, p)
			if strings.Contains(p.body, "[checks.") {
				t.Errorf("a checks translation is missing")
			}
			open := byID(p.doc, "open-checks")
			if p.status != 200 || len(open) != 1 || !strings.Contains(textOf(open[0]), "اطلاعات هویتی") {
				t.Fatalf("open checks on the page: %d", p.status)
			}
			if len(byID(p.doc, "override-form")) != 0 {
				t.Error("an operator is offered the override")
			}
			if len(byID(p.doc, "visit-form")) != 1 {
				t.Error("no form to record the visit")
			}
		}
		refused := cs.as(t, caseOfficer, "POST", page+"/decide", url.Values{"to": {"approved"}})
		if refused.status != http.StatusConflict || len(byID(refused.doc, "checks-error")) != 1 ||
			!strings.Contains(refused.body, "استعلام «اطلاعات هویتی» هنوز پاسخ نگرفته است") {
			t.Fatalf("approve with the inquiry pending: %d", refused.status)
		}
		if c, _ := cs.ap.Case(ctx, *caseOfficer, tracking); c.State != apply.InReview {
			t.Fatalf("the refused approval moved the case to %s", c.State)
		}
		refusedEn := cs.send(t, caseOfficer, "POST", page+"/decide", url.Values{"to": {"approved"}}, true)
		if refusedEn.status != http.StatusConflict || !strings.Contains(refusedEn.body, "is still pending") {
			t.Errorf("the English refusal: %d", refusedEn.status)
		}

		// The visit, from the page.
		if r := cs.as(t, caseOfficer, "POST", page+"/visit", url.Values{"note": {""}}); r.status != http.StatusBadRequest {
			t.Errorf("a visit without a note: %d", r.status)
		}
		if r := cs.as(t, caseOther, "POST", page+"/visit", url.Values{"note": {"x"}}); r.status != http.StatusNotFound {
			t.Errorf("another agency records a visit: %d", r.status)
		}
		if r := cs.as(t, caseOfficer, "POST", page+"/visit", url.Values{"note": {"کارت ملی اصل دیده شد"}}); r.status != http.StatusSeeOther ||
			!strings.HasSuffix(r.header.Get("Location"), "?done=visited") {
			t.Fatalf("record the visit: %d", r.status)
		}
		if p := cs.as(t, caseOfficer, "GET", page+"?done=visited", nil); !strings.Contains(textOf(byID(p.doc, "visits")[0]), "کارت ملی اصل دیده شد") {
			t.Error("the visit is not on the page")
		}

		// The override: refused to an operator, offered to the admin.
		if r := cs.as(t, caseOfficer, "POST", page+"/override", url.Values{"to": {"approved"}, "override": {"x"}}); r.status != http.StatusForbidden {
			t.Errorf("an operator overrides: %d", r.status)
		}
		adm := cs.as(t, caseAdmin, "GET", page, nil)
		form := byID(adm.doc, "override-form")
		if len(form) != 1 {
			t.Fatal("the admin is not offered the override")
		}
		if r := cs.as(t, caseAdmin, "POST", page+"/override", url.Values{"to": {"approved"}, "override": {" "}}); r.status != http.StatusBadRequest {
			t.Errorf("an override without a reason: %d", r.status)
		}
		if r := cs.as(t, caseAdmin, "POST", page+"/override", url.Values{"to": {"approved"}, "override": {"ثبت احوال پاسخ نمی‌دهد؛ کارت ملی دیده شد"}}); r.status != http.StatusSeeOther {
			t.Fatalf("override: %d %s", r.status, r.body)
		}
		done := cs.as(t, caseAdmin, "GET", page+"?done=decided", nil)
		if st := all(done.doc, func(n *html.Node) bool { return attr(n, "id") == "state" }); len(st) != 1 || attr(st[0], "data-state") != "issued" {
			t.Errorf("after the override the case is not issued")
		}
		if o := byID(done.doc, "overrides"); len(o) != 1 || !strings.Contains(textOf(o[0]), "ثبت احوال پاسخ نمی‌دهد") {
			t.Error("the override's reason is not on the page")
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

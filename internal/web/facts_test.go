package web

import (
	"context"
	"encoding/base64"
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

// TestDecisionFacts checks the facts part of the approval form: the
// official sees each fact the document certifies with the value its source
// proposes, a fact left empty sends the form back with a 400, and what the
// official confirms is signed into the document.
func TestDecisionFacts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSiteWith(t, s, func(r *catalog.Record) {
			r.CostRials = 0
			// No inquiry: this site has no exchange to answer one, and
			// the guard (checks.go) rightly refuses to approve while it
			// is pending. The facts are what this test is about.
			r.Requirements = r.Requirements[1:]
			r.Outputs[0].Certifies = []catalog.Fact{
				{Code: "shop", NameFa: "نام واحد صنفی", NameEn: "Business name", From: catalog.FactFromForm, Evidence: "shop_name"},
				{Code: "trade", NameFa: "رستهٔ صنفی", NameEn: "Trade", From: catalog.FactFromDecision},
				{Code: "conditions", NameFa: "شرایط", NameEn: "Conditions", From: catalog.FactFromDecision, DefaultFa: "فعالیت فقط در نشانی ثبت‌شده"},
			}
		})
		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی برکت", "action": "submit"}, casePNG(t))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		loc, _ := url.Parse(res.header.Get("Location"))
		tracking := strings.TrimPrefix(loc.Path, "/me/cases/")
		page := "/agency/cases/" + tracking
		if res := cs.as(t, caseOfficer, "POST", page+"/decide", url.Values{"to": {"in_review"}}); res.status != http.StatusSeeOther {
			t.Fatalf("in review: %d", res.status)
		}

		// The approval form lists the facts with their proposals, in both
		// languages; the other forms have none.
		for _, en := range []bool{false, true} {
			view := cs.send(t, caseOfficer, "GET", page, nil, en)
			form := elemByID(view.doc, "to-approved")
			if form == nil || elemByID(form, "decision-facts") == nil {
				t.Fatalf("the approval form has no facts part (en %v)", en)
			}
			if elemByID(view.doc, "to-needs_info") != nil && elemByID(elemByID(view.doc, "to-needs_info"), "decision-facts") != nil {
				t.Errorf("the request for information asks for the document's facts")
			}
			label := "رستهٔ صنفی"
			if en {
				label = "Trade"
			}
			if !strings.Contains(textOf(form), label) {
				t.Errorf("the approval form lacks the label %q", label)
			}
			for id, want := range map[string]string{"fact-shop": "نانوایی برکت", "fact-trade": "", "fact-conditions": "فعالیت فقط در نشانی ثبت‌شده"} {
				in := elemByID(form, id)
				if in == nil || attr(in, "value") != want || attr(in, "name") != "fact_"+strings.TrimPrefix(id, "fact-") {
					t.Errorf("input %s: %v, want the value %q", id, in != nil, want)
				}
			}
		}

		// Without the trade the approval is refused and nothing is issued.
		if res := cs.as(t, caseOfficer, "POST", page+"/decide", url.Values{"to": {"approved"}, "fact_shop": {"نانوایی برکت"}, "fact_trade": {" "}}); res.status != http.StatusBadRequest {
			t.Fatalf("approval without the trade: %d", res.status)
		}
		var n int
		if err := s.Read().QueryRow(`SELECT COUNT(*) FROM permit_documents`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d documents after a refused approval (%v)", n, err)
		}
		res = cs.as(t, caseOfficer, "POST", page+"/decide", url.Values{"to": {"approved"}, "fact_shop": {"نانوایی سنگک برکت"},
			"fact_trade": {"نانوایی"}, "fact_conditions": {"فعالیت فقط در نشانی ثبت‌شده"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("approve: %d", res.status)
		}
		var jws string
		if err := s.Read().QueryRow(`SELECT jws FROM permit_documents`).Scan(&jws); err != nil {
			t.Fatal(err)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
		for _, want := range []string{`{"k":"shop","fa":"نام واحد صنفی","en":"Business name","v":"نانوایی سنگک برکت"}`,
			`{"k":"trade","fa":"رستهٔ صنفی","en":"Trade","v":"نانوایی"}`} {
			if !strings.Contains(string(payload), want) {
				t.Errorf("the signed document lacks %s: %s", want, payload)
			}
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestDocumentShowsFacts checks that the document page, the wallet's
// document and the public verify page say what the document certifies,
// in the order signed, with the label in the page's language.
func TestDocumentShowsFacts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ds := newDocSite(t, s)
		doc, err := ds.p.Issue(context.Background(), identity.System, permit.IssueRequest{Service: ds.doc.Service, Holder: codeA, HolderName: "زهرا کریمی",
			Facts: []permit.Fact{
				{Code: "weapon_type", LabelFa: "نوع سلاح", LabelEn: "Weapon type", Value: "تفنگ ساچمه‌ای دولول"},
				{Code: "calibre", LabelFa: "کالیبر", LabelEn: "Calibre", Value: "۱۲"},
				{Code: "serial", LabelFa: "شمارهٔ سلاح", LabelEn: "Serial number", Value: "BRT-2291-A"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		holder := person(1, codeA)
		for _, c := range []struct {
			name string
			p    *identity.Principal
			path string
			en   bool
		}{
			{"document page", holder, "/documents/" + doc.ID, false},
			{"document page in English", holder, "/documents/" + doc.ID, true},
			{"verify page", nil, "/verify?document=" + doc.ID, false},
		} {
			res := ds.send(t, c.p, "GET", c.path, nil, c.en)
			if res.status != 200 {
				t.Fatalf("%s: %d", c.name, res.status)
			}
			var rows []string
			var walk func(n *html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode && attr(n, "data-fact") != "" {
					rows = append(rows, attr(n, "data-fact")+"="+textOf(n))
				}
				for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
					walk(ch)
				}
			}
			walk(res.doc)
			label := map[string]string{"weapon_type": "نوع سلاح", "calibre": "کالیبر", "serial": "شمارهٔ سلاح"}
			if c.en {
				label = map[string]string{"weapon_type": "Weapon type", "calibre": "Calibre", "serial": "Serial number"}
			}
			want := []string{"weapon_type", "calibre", "serial"}
			values := map[string]string{"weapon_type": "تفنگ ساچمه‌ای دولول", "calibre": "۱۲", "serial": "BRT-2291-A"}
			if len(rows) != len(want) {
				t.Fatalf("%s shows facts %q", c.name, rows)
			}
			for i, code := range want {
				if !strings.HasPrefix(rows[i], code+"=") || !strings.Contains(rows[i], label[code]) || !strings.Contains(rows[i], values[code]) {
					t.Errorf("%s: fact %d is %q, want %s (%s: %s)", c.name, i, rows[i], code, label[code], values[code])
				}
			}
		}
	}, permitSets()...)
}

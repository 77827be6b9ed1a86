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

// TestApplyRegion: the form offers the catalogue's cities grouped by
// province; an unknown city is refused by the field with nothing stored; the
// chosen city is the case's and is preselected on the applicant's next form.
func TestApplyRegion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cs := newCaseSite(t, s)
		cat, err := catalog.New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		admin := identity.Principal{Kind: "user", ID: 9, Roles: []identity.Role{identity.RolePlatformAdmin}}
		for _, r := range []catalog.Region{
			{Code: "YZD", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.Province},
			{Code: "YZD-01", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.City, Province: "YZD", Capital: true},
			{Code: "YZD-02", NameFa: "میبد", NameEn: "Meybod", Kind: catalog.City, Province: "YZD"},
		} {
			if err := cat.PutRegion(ctx, admin, r); err != nil {
				t.Fatal(err)
			}
		}
		options := func(doc *html.Node) (values []string, selected string) {
			for _, o := range all(doc, func(n *html.Node) bool { return n.Data == "option" && n.Parent != nil && n.Parent.Data == "optgroup" }) {
				values = append(values, attr(o, "value"))
				for _, a := range o.Attr {
					if a.Key == "selected" {
						selected = attr(o, "value")
					}
				}
			}
			return values, selected
		}
		form := cs.as(t, caseAli, "GET", "/apply/"+cs.service, nil)
		if vals, sel := options(form.doc); strings.Join(vals, " ") != "YZD-01 YZD-02" || sel != "" {
			t.Fatalf("cities offered %v (selected %q), want YZD-01 YZD-02 and none selected", vals, sel)
		}
		if groups := all(form.doc, func(n *html.Node) bool { return n.Data == "optgroup" && attr(n, "label") == "یزد" }); len(groups) != 1 {
			t.Fatalf("%d province groups labelled یزد, want 1", len(groups))
		}

		good := map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی سنگک", "action": "submit"}
		bad := map[string]string{"region": "YZD-77"}
		for k, v := range good {
			bad[k] = v
		}
		res := cs.submit(t, caseAli, bad, casePNG(t))
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "شهری از فهرست انتخاب کنید") ||
			len(all(res.doc, func(n *html.Node) bool { return attr(n, "id") == "region-error" })) != 1 {
			t.Fatalf("unknown city: %d, want 400 with the message by the field", res.status)
		}
		if n := cs.cases(t); n != 0 {
			t.Fatalf("%d cases stored with an unknown city", n)
		}

		good["region"] = "YZD-02"
		if res := cs.submit(t, caseAli, good, casePNG(t)); res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d %s", res.status, res.body)
		}
		var region string
		if err := s.Read().QueryRowContext(ctx, `SELECT region FROM apply_cases`).Scan(&region); err != nil || region != "YZD-02" {
			t.Fatalf("the case's region %q, %v; want YZD-02", region, err)
		}
		again := cs.as(t, caseAli, "GET", "/apply/"+cs.service, nil)
		if _, sel := options(again.doc); sel != "YZD-02" {
			t.Fatalf("the next form preselects %q, want the last case's YZD-02", sel)
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

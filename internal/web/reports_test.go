package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

var reportsOverseer = &identity.Principal{Kind: "user", ID: 11, Name: "ناظر", Roles: []identity.Role{identity.RoleOverseer}}

// TestReports: the archive is public; an overseer builds a past month,
// which is then served exactly as archived, with its PDF, figures and a
// signature that verifies; a month not built is 404, a month not ended
// 400, and only overseers and platform admins may build.
func TestReports(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		st := newSite(t, s, func(testing.TB, context.Context, *catalog.Catalog, *site) {})
		led, err := ledger.New(ctx, ledger.Config{Store: s})
		if err != nil {
			t.Fatal(err)
		}
		k, err := kpi.New(kpi.Config{Store: s, Catalog: st.cat, Ledger: led})
		if err != nil {
			t.Fatal(err)
		}
		o, err := oversight.New(oversight.Options{Store: s, KPI: k, Signer: led, Catalog: st.cat, Config: oversight.Default()})
		if err != nil {
			t.Fatal(err)
		}
		st.web.ov = o
		send := func(p *identity.Principal, method, path string, form url.Values, en bool) response {
			t.Helper()
			req := httptest.NewRequest(method, path, nil)
			if form != nil {
				req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if p != nil {
				req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
			}
			if en {
				req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
			}
			rec := httptest.NewRecorder()
			st.handler.ServeHTTP(rec, req)
			return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
		}

		empty := getPage(t, st.handler, "/reports", false, http.StatusOK)
		if len(byID(empty.doc, "no-reports")) != 1 || len(byID(empty.doc, "build-report")) != 0 {
			t.Errorf("the empty archive, to a visitor")
		}
		for _, p := range []*identity.Principal{nil, {Kind: "user", ID: 3, Name: "شهروند", Roles: []identity.Role{identity.RoleCitizen}}} {
			r := send(p, "POST", "/reports", url.Values{"month": {"1404-01"}}, false)
			if (p == nil && r.status != http.StatusSeeOther) || (p != nil && r.status != http.StatusForbidden) {
				t.Errorf("building as %v: %d", p, r.status)
			}
		}
		if r := send(reportsOverseer, "POST", "/reports", url.Values{"month": {"1499-01"}}, false); r.status != http.StatusBadRequest ||
			!strings.Contains(r.body, "پیش از پایان آن ماه ساخته نمی‌شود") {
			t.Errorf("building a month not ended: %d", r.status)
		}
		if list, _ := o.Reports(ctx); len(list) != 0 {
			t.Fatalf("refused builds archived %v", list)
		}
		r := send(reportsOverseer, "POST", "/reports", url.Values{"month": {"۱۴۰۴-۰۱"}}, false) // Persian digits, as typed
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/reports/1404-01" {
			t.Fatalf("build: %d %s", r.status, r.header.Get("Location"))
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "oversight.report.published"})
		if err != nil || len(evs) != 1 || evs[0].Actor != "user:11" {
			t.Fatalf("events: %+v %v", evs, err)
		}
		rep, err := o.Report(ctx, "1404-01")
		if err != nil {
			t.Fatal(err)
		}

		for _, en := range []bool{false, true} {
			list := getPage(t, st.handler, "/reports", en, http.StatusOK)
			rows := all(list.doc, func(n *html.Node) bool { return attr(n, "data-month") == "1404-01" })
			name := "فروردین ۱۴۰۴"
			if en {
				name = "Farvardin 1404"
			}
			if len(rows) != 1 || !strings.Contains(textOf(rows[0]), name) || !hasLink(rows[0], "/reports/1404-01.pdf") ||
				strings.Contains(list.body, "[reports.") {
				t.Errorf("the archive (en %v) does not list the month as %q", en, name)
			}
		}
		if list := send(reportsOverseer, "GET", "/reports", nil, false); !strings.Contains(list.body, `id="build-report"`) {
			t.Error("the overseer is not offered the form")
		}

		page := send(nil, "GET", "/reports/1404-01", nil, false)
		if page.status != 200 || page.body != string(rep.HTML) || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(page.header.Get("Content-Security-Policy"), "style-src 'sha256-") ||
			strings.Contains(page.header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("the page: %d %q", page.status, page.header.Get("Content-Security-Policy"))
		}
		if pdf := send(nil, "GET", "/reports/1404-01.pdf", nil, false); pdf.status != 200 || pdf.body != string(rep.PDF) || pdf.header.Get("Content-Type") != "application/pdf" {
			t.Errorf("the PDF: %d %s", pdf.status, pdf.header.Get("Content-Type"))
		}
		var doc kpi.Document
		if js := send(nil, "GET", "/reports/1404-01.json", nil, false); js.status != 200 || json.Unmarshal([]byte(js.body), &doc) != nil || doc.Version != 1 {
			t.Errorf("the figures: %d", js.status)
		}
		sig := send(nil, "GET", "/reports/1404-01.sig", nil, false)
		if n, err := note.Open([]byte(sig.body), note.VerifierList(led.Verifier())); err != nil || !strings.HasPrefix(n.Text, "panjare report 1404-01\nsha256 html "+rep.HTMLSHA256) {
			t.Errorf("the signature: %d %v", sig.status, err)
		}

		for path, want := range map[string]int{
			"/reports/1404-02": http.StatusNotFound, "/reports/1404-01.txt": http.StatusNotFound,
			"/reports/1499-01": http.StatusBadRequest, "/reports/1499-01.pdf": http.StatusBadRequest, "/reports/abc": http.StatusBadRequest,
		} {
			for _, en := range []bool{false, true} {
				r := send(nil, "GET", path, nil, en)
				if r.status != want {
					t.Errorf("GET %s: %d, want %d", path, r.status, want)
				}
				if want == http.StatusBadRequest && path == "/reports/1499-01" &&
					!strings.Contains(r.body, map[bool]string{false: "پس از پایان ماه ساخته می‌شود", true: "is made after the month ends"}[en]) {
					t.Errorf("GET %s (en %v) does not say why", path, en)
				}
			}
		}
	}, identity.Migrations(), catalog.Migrations(), ledger.Migrations(), kpi.Migrations(), oversight.Migrations())
}

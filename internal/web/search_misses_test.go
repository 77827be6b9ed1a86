package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// fetchAs gets path as p (nil: nobody signed in), with p in the request's
// context as the session middleware puts it.
func fetchAs(t *testing.T, h http.Handler, p *identity.Principal, path string, en bool) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if p != nil {
		req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
	}
	if en {
		req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		res.doc = doc
	}
	return res
}

// TestSearchPartial checks that a search some of whose words no service has
// lists the services that have the others, and says so.
func TestSearchPartial(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		res := getPage(t, st.handler, "/services?q="+url.QueryEscape("گذرنامه زیارتی"), false, http.StatusOK)
		if !hasLink(res.doc, "/services/"+st.passport) {
			t.Errorf("«گذرنامه زیارتی» does not list the passport service")
		}
		note := byID(res.doc, "partial-note")
		if len(note) != 1 || !strings.Contains(textOf(note[0]), "هیچ خدمتی همهٔ واژه‌های شما را ندارد") {
			t.Errorf("no note that the results match only some of the words")
		}
		res = getPage(t, st.handler, "/services?q="+url.QueryEscape("گذرنامه زیارتی"), true, http.StatusOK)
		if note := byID(res.doc, "partial-note"); len(note) != 1 || !strings.Contains(textOf(note[0]), "No service has all the words") {
			t.Errorf("no English note")
		}
		// A search whose every word matches has no note.
		res = getPage(t, st.handler, "/services?q="+url.QueryEscape("گذرنامه"), false, http.StatusOK)
		if len(byID(res.doc, "partial-note")) != 0 {
			t.Errorf("a note on a search that matches every word")
		}
	}, catalogMigrations()...)
}

// TestSearchMissesPage checks that searches that found nothing reach the
// platform admins' page, counted and without personal data, and no one
// else's.
func TestSearchMissesPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		st := mustSite(t, s)
		for _, q := range []string{"ماهواره مریخ", "ماهواره  مريخ", "پیگیری ۰۰۱۲۳۴۵۶۷۸ ماهواره"} {
			res := getPage(t, st.handler, "/services?q="+url.QueryEscape(q), false, http.StatusOK)
			if !strings.Contains(textOf(res.doc), "خدمتی پیدا نشد") {
				t.Fatalf("%q found something", q)
			}
		}
		if err := st.cat.FlushMisses(ctx); err != nil {
			t.Fatal(err)
		}
		const path = "/admin/search-misses"
		if res := fetchAs(t, st.handler, nil, path, false); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/signin") {
			t.Errorf("anonymous: %d %s, want a redirect to sign in", res.status, res.header.Get("Location"))
		}
		citizen := &identity.Principal{Kind: "user", ID: 3, Name: "شهروند", Roles: []identity.Role{identity.RoleCitizen}}
		agencyAdmin := &identity.Principal{Kind: "user", ID: 4, Name: "مدیر دستگاه", Agency: "NOCR", Roles: []identity.Role{identity.RoleAgencyAdmin}}
		for _, p := range []*identity.Principal{citizen, agencyAdmin} {
			if res := fetchAs(t, st.handler, p, path, false); res.status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", p.Name, res.status)
			}
		}
		admin := &identity.Principal{Kind: "user", ID: 7, Name: "مدیر سامانه", Roles: []identity.Role{identity.RolePlatformAdmin}}
		res := fetchAs(t, st.handler, admin, path, false)
		if res.status != http.StatusOK {
			t.Fatalf("platform admin: %d\n%s", res.status, res.body)
		}
		checkPage(t, path, res.doc, "fa", "rtl")
		rows := tableRows(res.doc, "misses")
		if len(rows) != 2 || !strings.Contains(rows[0], "ماهواره مریخ") || !strings.Contains(rows[0], "۲") ||
			!strings.Contains(rows[1], "پیگیری # ماهواره") {
			t.Errorf("rows %q, want «ماهواره مریخ» twice, then the masked one", rows)
		}
		if strings.Contains(res.body, "۰۰۱۲۳۴۵۶۷۸") || strings.Contains(res.body, "0012345678") {
			t.Error("the page shows the national code that was searched for")
		}
		if !hasLink(res.doc, "/services?q="+url.QueryEscape("ماهواره مریخ")) {
			t.Error("a text does not link to its search")
		}
		if res.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", res.header.Get("Cache-Control"))
		}
		res = fetchAs(t, st.handler, admin, path+"?days=30", true)
		if res.status != http.StatusOK || !strings.Contains(textOf(res.doc), "Searches that found nothing") {
			t.Errorf("in English: %d", res.status)
		}
		checkPage(t, path, res.doc, "en", "ltr")
		for _, bad := range []string{"abc", "0", "91"} {
			if res := fetchAs(t, st.handler, admin, path+"?days="+bad, false); res.status != http.StatusBadRequest {
				t.Errorf("days=%s: %d, want 400", bad, res.status)
			}
		}
	}, catalogMigrations()...)
}

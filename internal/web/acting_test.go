package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// idsite is the portal with real sessions: the identity middleware reads
// the session cookie, behind the same cross-origin protection as the app,
// over a store whose clock the test sets.
type idsite struct {
	handler http.Handler
	id      *identity.Identity
	s       *store.Store
	mu      sync.Mutex
	now     time.Time
}

func (x *idsite) clock() time.Time {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.now
}

func (x *idsite) advance(d time.Duration) {
	x.mu.Lock()
	x.now = x.now.Add(d)
	x.mu.Unlock()
}

func newIDSite(t *testing.T, d store.Dialect, start time.Time) *idsite {
	t.Helper()
	ctx := context.Background()
	x := &idsite{now: start}
	s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{Now: x.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, nil, identity.Migrations(), catalog.Migrations()); err != nil {
		t.Fatal(err)
	}
	x.s = s
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cat, err := catalog.New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []catalog.Agency{
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil},
		{Code: "INTA", NameFa: "سازمان امور مالیاتی کشور", NameEn: "Iran National Tax Administration", Domain: catalog.DomainCivil},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			t.Fatal(err)
		}
	}
	x.id = identity.New(s)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Identity: x.id})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	sessions := x.id.Middleware(identity.Cookies{}, log)
	x.handler = httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(sessions(mux))),
		httpx.NewMetrics(prometheus.NewRegistry()), log)
	return x
}

// signIn opens a session for the person with the code, with staff roles
// given by the platform first, and returns its cookie value.
func (x *idsite) signIn(t *testing.T, code, name string) string {
	t.Helper()
	p, err := x.id.EnsurePerson(context.Background(), code, name)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := x.id.StartSession(context.Background(), p, "Firefox")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// send makes a request with the session cookie (none when token is ""); a
// cross-site request carries the header browsers send on one.
func (x *idsite) send(t *testing.T, token, method, path string, form url.Values, crossSite bool) response {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
	}
	if crossSite {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
	} else if method == http.MethodPost {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	rec := httptest.NewRecorder()
	x.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		res.doc = doc
		if res.status < 300 || res.status >= 400 {
			checkPage(t, path, doc, "fa", "rtl")
		}
		for _, prefix := range []string{"[acting.", "[agencyadmin.", "[role.", "[me."} {
			if strings.Contains(res.body, prefix) {
				t.Errorf("%s: a translation is missing: %s…", path, prefix)
			}
		}
	}
	return res
}

// actingHeader returns the header's «acting for» text, or "".
func actingHeader(doc *html.Node) string {
	if n := byID(doc, "header-acting"); len(n) == 1 {
		return strings.TrimSpace(textOf(n[0]))
	}
	return ""
}

func TestActingInThePortal(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			// Half an hour before the child's eighteenth birthday begins in
			// Tehran (23:30 there).
			x := newIDSite(t, d, time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC))
			ctx := context.Background()
			x.id.UseFamilyRegistry(identity.FamilyFromEvidence(func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error) {
				return json.RawMessage(`{"national_code": "0499370899", "relatives": [
					{"relation": "child", "national_code": "1873116721", "first_name": "هانیه", "last_name": "کریمی", "birth_date": {"date": "2008-11-24"}, "alive": true}]}`), nil
			}))
			token := x.signIn(t, "0499370899", "مریم احمدی")

			if res := x.send(t, "", "GET", "/me/acting", nil, false); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/signin") {
				t.Fatalf("a visitor: %d %s", res.status, res.header.Get("Location"))
			}
			res := x.send(t, token, "GET", "/me/acting", nil, false)
			if res.status != 200 || actingHeader(res.doc) != "" || len(byID(res.doc, "party-self")) != 1 {
				t.Fatalf("acting page: %d, header %q", res.status, actingHeader(res.doc))
			}
			// A forged cross-site POST is refused by the global protection,
			// and nothing is recorded.
			if res := x.send(t, token, "POST", "/me/acting/children", url.Values{}, true); res.status != http.StatusForbidden {
				t.Fatalf("cross-site POST: %d", res.status)
			}
			if rels, _ := x.id.Relations(ctx, 1); len(rels) != 0 {
				t.Fatalf("a forged request recorded relations: %+v", rels)
			}
			if res := x.send(t, token, "POST", "/me/acting/children", url.Values{}, false); res.status != http.StatusSeeOther {
				t.Fatalf("find children: %d %s", res.status, res.body)
			}
			rels, err := x.id.Relations(ctx, 1)
			if err != nil || len(rels) != 1 {
				t.Fatalf("relations = %+v, %v", rels, err)
			}
			party := url.Values{"party": {"1"}}
			if res := x.send(t, token, "POST", "/me/acting", party, true); res.status != http.StatusForbidden {
				t.Fatalf("cross-site choice: %d", res.status)
			}
			if res := x.send(t, token, "GET", "/me", nil, false); actingHeader(res.doc) != "" {
				t.Fatalf("a forged choice took effect: %q", actingHeader(res.doc))
			}
			for _, bad := range []string{"x", "-3", "99"} {
				if res := x.send(t, token, "POST", "/me/acting", url.Values{"party": {bad}}, false); res.status != 400 && res.status != 404 {
					t.Errorf("party=%s: %d", bad, res.status)
				}
			}
			if res := x.send(t, token, "POST", "/me/acting", party, false); res.status != http.StatusSeeOther {
				t.Fatalf("choose: %d %s", res.status, res.body)
			}
			// Every page's header says whom she acts for.
			for _, path := range []string{"/me", "/me/acting", "/services"} {
				res := x.send(t, token, "GET", path, nil, false)
				if h := actingHeader(res.doc); h != "در حال اقدام برای: هانیه کریمی" {
					t.Errorf("%s: header %q", path, h)
				}
			}
			// While acting for her child she cannot look up "her" children.
			if res := x.send(t, token, "POST", "/me/acting/children", url.Values{}, false); res.status != http.StatusConflict {
				t.Errorf("looking up children while acting: %d", res.status)
			}
			// At midnight the child is eighteen: the next page acts for the
			// mother herself, and the child is no longer offered.
			x.advance(30 * time.Minute)
			res = x.send(t, token, "GET", "/me/acting", nil, false)
			if actingHeader(res.doc) != "" || len(byID(res.doc, "party-1")) != 0 {
				t.Fatalf("after the eighteenth birthday: header %q", actingHeader(res.doc))
			}
			evs, _ := x.s.Events(ctx, store.EventFilter{KindPrefix: "identity.acting."})
			if len(evs) != 2 || evs[1].Subject != "1873116721" || evs[1].Actor != "user:1" {
				t.Fatalf("acting events = %+v", evs)
			}
			if res := x.send(t, token, "POST", "/me/acting", party, false); res.status != http.StatusForbidden {
				t.Fatalf("choosing an adult child: %d", res.status)
			}
		})
	}
}

func TestAgencyAdminPages(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			x := newIDSite(t, d, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			ctx := context.Background()
			for _, s := range []struct {
				code, agency string
				role         identity.Role
			}{
				{"4188558164", "NOCR", identity.RoleAgencyAdmin},
				{"0067749828", "NOCR", identity.RoleOperator},
				{"0033005877", "INTA", identity.RoleAgencyAdmin},
			} {
				if _, err := x.id.AddStaff(ctx, identity.System, s.code, s.agency, s.role); err != nil {
					t.Fatal(err)
				}
			}
			admin := x.signIn(t, "4188558164", "اکبر کریمی")
			operator := x.signIn(t, "0067749828", "علی رضایی")
			intaAdmin := x.signIn(t, "0033005877", "آرش رضایی")
			citizen := x.signIn(t, "0499370899", "مریم احمدی")

			// Who may open the pages.
			for _, path := range []string{"/agency/staff", "/agency/keys"} {
				if res := x.send(t, "", "GET", path, nil, false); res.status != http.StatusSeeOther {
					t.Errorf("%s, visitor: %d", path, res.status)
				}
				for who, tok := range map[string]string{"operator": operator, "citizen": citizen} {
					if res := x.send(t, tok, "GET", path, nil, false); res.status != http.StatusForbidden {
						t.Errorf("%s, %s: %d", path, who, res.status)
					}
				}
				if res := x.send(t, admin, "GET", path, nil, false); res.status != 200 {
					t.Errorf("%s, admin: %d", path, res.status)
				}
			}
			res := x.send(t, admin, "GET", "/agency/staff", nil, false)
			if n := len(tableRows(res.doc, "table")); n < 2 {
				t.Fatalf("staff rows = %d", n)
			}
			if strings.Contains(res.body, "0033005877") {
				t.Fatal("the staff page shows another agency's staff")
			}

			count := func(agency string) int {
				list, err := x.id.StaffList(ctx, agency)
				if err != nil {
					t.Fatal(err)
				}
				return len(list)
			}
			add := url.Values{"agency": {"NOCR"}, "national_code": {"۰۶۸۴۱۵۹۴۱۴"}, "role": {"agency_operator"}}
			// Forged from another site: refused, nothing stored.
			if res := x.send(t, admin, "POST", "/agency/staff", add, true); res.status != http.StatusForbidden || count("NOCR") != 2 {
				t.Fatalf("cross-site add: %d, %d staff", res.status, count("NOCR"))
			}
			// An operator may not add; an admin of another agency gets 404
			// both for this agency's form and when naming it.
			if res := x.send(t, operator, "POST", "/agency/staff", add, false); res.status != http.StatusForbidden {
				t.Fatalf("operator add: %d", res.status)
			}
			if res := x.send(t, intaAdmin, "POST", "/agency/staff", add, false); res.status != http.StatusNotFound || count("NOCR") != 2 {
				t.Fatalf("INTA admin adding to NOCR: %d, %d staff", res.status, count("NOCR"))
			}
			// Bad input: a clear 400 on the same page, with what was typed.
			bad := url.Values{"agency": {"NOCR"}, "national_code": {"0684159415"}, "role": {"agency_operator"}}
			res = x.send(t, admin, "POST", "/agency/staff", bad, false)
			if res.status != http.StatusBadRequest || len(byID(res.doc, "staff-error")) != 1 || !strings.Contains(res.body, `value="0684159415"`) {
				t.Fatalf("bad code: %d", res.status)
			}
			if res := x.send(t, admin, "POST", "/agency/staff", url.Values{"agency": {"NOCR"}, "national_code": {"0684159414"}, "role": {"platform_admin"}}, false); res.status != http.StatusBadRequest {
				t.Fatalf("platform role: %d", res.status)
			}
			if res := x.send(t, admin, "POST", "/agency/staff", add, false); res.status != http.StatusSeeOther || count("NOCR") != 3 {
				t.Fatalf("add: %d, %d staff", res.status, count("NOCR"))
			}
			if res := x.send(t, admin, "POST", "/agency/staff", add, false); res.status != http.StatusConflict {
				t.Fatalf("add twice: %d", res.status)
			}
			remove := url.Values{"agency": {"NOCR"}, "national_code": {"0684159414"}, "role": {"agency_operator"}}
			if res := x.send(t, intaAdmin, "POST", "/agency/staff/remove", remove, false); res.status != http.StatusNotFound || count("NOCR") != 3 {
				t.Fatalf("INTA admin removing: %d", res.status)
			}
			if res := x.send(t, admin, "POST", "/agency/staff/remove", remove, false); res.status != http.StatusSeeOther || count("NOCR") != 2 {
				t.Fatalf("remove: %d, %d staff", res.status, count("NOCR"))
			}
			evs, _ := x.s.Events(ctx, store.EventFilter{KindPrefix: "identity.staff.", Agency: "NOCR"})
			if len(evs) != 4 || evs[2].Actor != "user:1" || evs[3].Kind != "identity.staff.removed" {
				t.Fatalf("staff events = %+v", evs)
			}

			// Keys: issue, shown once.
			res = x.send(t, admin, "POST", "/agency/keys", url.Values{"agency": {"NOCR"}, "name": {"سامانهٔ جمعیت"}}, false)
			nk := byID(res.doc, "new-key-value")
			if res.status != 200 || len(nk) != 1 || res.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("issue: %d", res.status)
			}
			oldKey := textOf(nk[0])
			if _, err := x.id.Authenticate(ctx, oldKey); err != nil {
				t.Fatalf("issued key: %v", err)
			}
			if res := x.send(t, admin, "GET", "/agency/keys", nil, false); strings.Contains(res.body, oldKey) || keyState(res.doc, 1) != "active" {
				t.Fatalf("the key is shown again, or not listed")
			}
			if res := x.send(t, admin, "POST", "/agency/keys", url.Values{"agency": {"NOCR"}, "name": {"x"}}, true); res.status != http.StatusForbidden {
				t.Fatalf("cross-site issue: %d", res.status)
			}
			if res := x.send(t, admin, "POST", "/agency/keys", url.Values{"agency": {"NOCR"}, "name": {" "}}, false); res.status != http.StatusBadRequest {
				t.Fatalf("nameless key: %d", res.status)
			}
			// Another agency's admin cannot rotate or revoke it.
			for _, path := range []string{"/agency/keys/1/rotate", "/agency/keys/1/revoke"} {
				if res := x.send(t, intaAdmin, "POST", path, url.Values{"agency": {"INTA"}}, false); res.status != http.StatusNotFound {
					t.Errorf("INTA admin %s: %d", path, res.status)
				}
				if res := x.send(t, operator, "POST", path, url.Values{"agency": {"NOCR"}}, false); res.status != http.StatusForbidden {
					t.Errorf("operator %s: %d", path, res.status)
				}
			}
			if res := x.send(t, admin, "POST", "/agency/keys/1/rotate", url.Values{"agency": {"NOCR"}, "overlap_hours": {"دو"}}, false); res.status != http.StatusBadRequest {
				t.Fatalf("bad overlap: %d", res.status)
			}
			// Rotate with a two-hour overlap.
			res = x.send(t, admin, "POST", "/agency/keys/1/rotate", url.Values{"agency": {"NOCR"}, "overlap_hours": {"۲"}}, false)
			nk = byID(res.doc, "new-key-value")
			if res.status != 200 || len(nk) != 1 || len(byID(res.doc, "old-until")) != 1 {
				t.Fatalf("rotate: %d", res.status)
			}
			newKey := textOf(nk[0])
			if keyState(res.doc, 1) != "overlap" || keyState(res.doc, 2) != "active" {
				t.Fatalf("states after rotation: %q, %q", keyState(res.doc, 1), keyState(res.doc, 2))
			}
			x.advance(2*time.Hour - time.Minute)
			admin = x.signIn(t, "4188558164", "") // the first session has gone idle
			if _, err := x.id.Authenticate(ctx, oldKey); err != nil {
				t.Fatalf("old key during the overlap: %v", err)
			}
			x.advance(time.Minute)
			if _, err := x.id.Authenticate(ctx, oldKey); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("old key after the overlap: %v", err)
			}
			if _, err := x.id.Authenticate(ctx, newKey); err != nil {
				t.Fatalf("new key: %v", err)
			}
			if res := x.send(t, admin, "POST", "/agency/keys/2/revoke", url.Values{"agency": {"NOCR"}}, false); res.status != http.StatusSeeOther {
				t.Fatalf("revoke: %d", res.status)
			}
			if _, err := x.id.Authenticate(ctx, newKey); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("revoked key: %v", err)
			}
			if res := x.send(t, admin, "POST", "/agency/keys/2/revoke", url.Values{"agency": {"NOCR"}}, false); res.status != http.StatusConflict {
				t.Fatalf("revoke twice: %d", res.status)
			}
			evs, _ = x.s.Events(ctx, store.EventFilter{KindPrefix: "identity.apikey.", Agency: "NOCR"})
			if len(evs) != 3 {
				t.Fatalf("key events = %d", len(evs))
			}
		})
	}
}

// keyState returns the data-state of the keys page's row for the key id.
func keyState(doc *html.Node, id int64) string {
	for _, n := range byID(doc, "key-"+itoa(id)) {
		return attr(n, "data-state")
	}
	return ""
}

func TestAgencyRepresentatives(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			x := newIDSite(t, d, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			ctx := context.Background()
			if _, err := x.id.AddStaff(ctx, identity.System, "4188558164", "NOCR", identity.RoleAgencyAdmin); err != nil {
				t.Fatal(err)
			}
			if _, err := x.id.AddStaff(ctx, identity.System, "0033005877", "INTA", identity.RoleAgencyAdmin); err != nil {
				t.Fatal(err)
			}
			admin := x.signIn(t, "4188558164", "اکبر کریمی")
			inta := x.signIn(t, "0033005877", "آرش رضایی")
			ali := x.signIn(t, "0067749828", "علی رضایی")
			if res := x.send(t, ali, "GET", "/agency/representatives", nil, false); res.status != http.StatusForbidden {
				t.Fatalf("citizen: %d", res.status)
			}
			reps := func() int {
				list, _, err := x.id.RepresentationsBy(ctx, "NOCR", "", 0)
				if err != nil {
					t.Fatal(err)
				}
				return len(list)
			}
			form := url.Values{"agency": {"NOCR"}, "national_code": {"0067749828"}, "company_id": {"۱۰۳۸۰۲۸۴۷۹۰"},
				"company_name": {"شرکت فناوری اطلاعات پارس‌داده"}, "valid_until": {"1406/01/31"}}
			if res := x.send(t, admin, "POST", "/agency/representatives", form, true); res.status != http.StatusForbidden || reps() != 0 {
				t.Fatalf("cross-site: %d", res.status)
			}
			if res := x.send(t, inta, "POST", "/agency/representatives", form, false); res.status != http.StatusNotFound || reps() != 0 {
				t.Fatalf("INTA admin: %d", res.status)
			}
			for field, bad := range map[string]string{"company_id": "10380284791", "national_code": "0067749829", "valid_until": "1406/13/01", "company_name": " "} {
				f := url.Values{}
				for k, v := range form {
					f[k] = v
				}
				f.Set(field, bad)
				res := x.send(t, admin, "POST", "/agency/representatives", f, false)
				if res.status != http.StatusBadRequest || len(byID(res.doc, "reps-error")) != 1 || reps() != 0 {
					t.Errorf("bad %s: %d", field, res.status)
				}
			}
			if res := x.send(t, admin, "POST", "/agency/representatives", form, false); res.status != http.StatusSeeOther || reps() != 1 {
				t.Fatalf("register: %d %s", res.status, res.body)
			}
			res := x.send(t, admin, "GET", "/agency/representatives", nil, false)
			if len(byID(res.doc, "rep-1")) != 1 || attr(byID(res.doc, "rep-1")[0], "data-state") != "active" {
				t.Fatalf("list: %d", res.status)
			}
			// Ali acts for the company; the header names it.
			if res := x.send(t, ali, "POST", "/me/acting", url.Values{"party": {"1"}}, false); res.status != http.StatusSeeOther {
				t.Fatalf("choose: %d", res.status)
			}
			if h := actingHeader(x.send(t, ali, "GET", "/me", nil, false).doc); h != "در حال اقدام برای: شرکت فناوری اطلاعات پارس‌داده" {
				t.Fatalf("header %q", h)
			}
			if res := x.send(t, inta, "POST", "/agency/representatives/1/revoke", url.Values{"agency": {"INTA"}}, false); res.status != http.StatusNotFound {
				t.Fatalf("INTA revoking: %d", res.status)
			}
			if res := x.send(t, admin, "POST", "/agency/representatives/1/revoke", url.Values{"agency": {"NOCR"}}, false); res.status != http.StatusSeeOther {
				t.Fatalf("revoke: %d", res.status)
			}
			// The revocation applies at Ali's next request.
			if h := actingHeader(x.send(t, ali, "GET", "/me", nil, false).doc); h != "" {
				t.Fatalf("still acting after revocation: %q", h)
			}
		})
	}
}

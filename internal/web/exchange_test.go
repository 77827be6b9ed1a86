package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// xsite is the portal with the demo exchange: the six back offices running,
// registered, and a gateway over them. Its store's clock runs shift behind
// the real one, so that a test can record something "in the past".
type xsite struct {
	handler http.Handler
	x       *exchange.Exchange
	g       *exchange.Gateway
	set     *backoffice.Set
	shift   atomic.Int64 // nanoseconds the store's clock is behind time.Now
}

func newXSite(t *testing.T, d store.Dialect) *xsite {
	t.Helper()
	ctx := context.Background()
	xs := &xsite{}
	s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{Now: func() time.Time {
		return time.Now().Add(-time.Duration(xs.shift.Load()))
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, nil, identity.Migrations(), catalog.Migrations(), exchange.Migrations()); err != nil {
		t.Fatal(err)
	}
	if xs.set, err = backoffice.Start(0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xs.set.Close(context.Background()) })
	xs.x = exchange.New(s, "IR")
	if err := demo.LoadExchange(ctx, xs.x, xs.set); err != nil {
		t.Fatal(err)
	}
	if xs.g, err = exchange.NewGateway(ctx, xs.x, exchange.GatewayConfig{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xs.g.Close(context.Background()) })
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cat, err := catalog.New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Exchange: xs.x, Gateway: xs.g})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	xs.handler = httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)),
		httpx.NewMetrics(prometheus.NewRegistry()), log)
	return xs
}

// person returns a signed-in citizen.
func person(id int64, code string) *identity.Principal {
	return &identity.Principal{Kind: "user", ID: id, Name: "شهروند", NationalCode: code, Roles: []identity.Role{identity.RoleCitizen}}
}

// as sends a request as p (nil: nobody signed in), with a form body when
// form is not nil. The principal is put in the request's context, as the
// session middleware does.
func (xs *xsite) as(t *testing.T, p *identity.Principal, method, path string, form url.Values) response {
	t.Helper()
	return xs.send(t, p, method, path, form, false)
}

// send is as, in English when en is true. Every page it gets must be
// complete: no translation key is missing.
func (xs *xsite) send(t *testing.T, p *identity.Principal, method, path string, form url.Values, en bool) response {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if p != nil {
		req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
	}
	if en {
		req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	}
	rec := httptest.NewRecorder()
	xs.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		res.doc = doc
		if res.status < 300 || res.status >= 400 {
			if en {
				checkPage(t, path, doc, "en", "ltr")
			} else {
				checkPage(t, path, doc, "fa", "rtl")
			}
		}
		for _, prefix := range []string{"[tracker.", "[consent.", "[agencyx.", "[adminx."} {
			if strings.Contains(res.body, prefix) {
				t.Errorf("%s: a translation is missing: %s…", path, prefix)
			}
		}
	}
	return res
}

// rows returns the text of each body row of the tables with class c.
func tableRows(doc *html.Node, c string) []string {
	var out []string
	for _, tb := range withClass(doc, c) {
		for _, tr := range tags(tb, "tr") {
			if len(tags(tr, "td")) > 0 {
				out = append(out, textOf(tr))
			}
		}
	}
	return out
}

func TestTrackerShowsExactlyTheirOwn(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			xs := newXSite(t, d)
			ctx := context.Background()
			ali, maryam := backoffice.CitizenAli, backoffice.CitizenMaryam
			for _, inq := range []string{"NOCR/person-identity", "FARAJA/criminal-record"} {
				if _, _, err := xs.g.Evidence(ctx, ali, inq, "درخواست گذرنامه"); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := xs.g.Evidence(ctx, maryam, "MSRT/degrees", "درخواست کارت پایان خدمت"); err != nil {
				t.Fatal(err)
			}
			// The bank asks about Maryam's tax clearance without her consent:
			// refused, and she sees that it was tried.
			tax, err := xs.x.ResolveInquiry(ctx, "INTA/tax-clearance")
			if err != nil {
				t.Fatal(err)
			}
			bank := exchange.SubsystemID{Instance: "IR", Class: "COM", Member: "BANK_MELLI", Subsystem: "loans"}
			if _, err := xs.g.Inquire(ctx, exchange.Inquiry{Client: bank, Service: tax.ID, Path: "/persons/" + maryam,
				Subject: maryam, Purpose: "بررسی وام"}); err == nil {
				t.Fatal("the bank asked without consent")
			}
			// An inquiry about a company names no citizen: nobody's tracker
			// shows it.
			company, err := xs.x.ResolveInquiry(ctx, "INTA/company-tax-clearance")
			if err != nil {
				t.Fatal(err)
			}
			reply, err := xs.g.Inquire(ctx, exchange.Inquiry{Client: xs.x.OnceOnlyClient(), Service: company.ID,
				Path: "/companies/" + xs.set.People.Companies()[0].NationalID, Purpose: "مجوز واردات"})
			if err != nil || reply.Status != 200 {
				t.Fatalf("company inquiry: %v %+v", err, reply)
			}

			res := xs.as(t, person(1, ali), http.MethodGet, "/me/data", nil)
			if res.status != 200 {
				t.Fatalf("Ali's tracker: %d", res.status)
			}
			got := tableRows(res.doc, "inquiries")
			if len(got) != 2 {
				t.Fatalf("Ali sees %d inquiries: %q", len(got), got)
			}
			for _, want := range []string{"پنجره ملی خدمات دولت هوشمند", "سوء پیشینه", "فرماندهی انتظامی", "درخواست گذرنامه", "دستگاه‌ها اطلاعات موجود", "پاسخ داده شد"} {
				if !strings.Contains(strings.Join(got, "\n"), want) {
					t.Errorf("Ali's tracker lacks %q:\n%s", want, strings.Join(got, "\n"))
				}
			}
			if strings.Contains(res.body, maryam) || strings.Contains(res.body, "مدارک تحصیلی") || strings.Contains(res.body, "حقوقی") {
				t.Error("Ali's tracker shows someone else's inquiries")
			}
			if res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", res.header.Get("Cache-Control"))
			}

			res = xs.as(t, person(2, maryam), http.MethodGet, "/me/data", nil)
			got = tableRows(res.doc, "inquiries")
			if len(got) != 2 || !strings.Contains(got[0], "بانک ملی ایران") || !strings.Contains(got[0], "رد شد") ||
				!strings.Contains(got[1], "مدارک تحصیلی") {
				t.Errorf("Maryam sees %q", got)
			}
			if strings.Contains(res.body, ali) {
				t.Error("Maryam's tracker shows Ali")
			}

			// Someone with no inquiries sees none, and nobody sees the
			// company's.
			other := xs.set.People.All()[10].NationalCode
			res = xs.as(t, person(3, other), http.MethodGet, "/me/data", nil)
			if len(tableRows(res.doc, "inquiries")) != 0 || len(all(res.doc, func(n *html.Node) bool { return attr(n, "id") == "no-inquiries" })) != 1 {
				t.Errorf("a citizen without inquiries: %s", res.body)
			}
			if _, err := xs.g.InquiriesAbout(ctx, "", 100, 0); err == nil {
				t.Error("an empty subject lists inquiries")
			}

			// Not signed in: sent to sign in and back.
			res = xs.as(t, nil, http.MethodGet, "/me/data", nil)
			if res.status != http.StatusSeeOther || res.header.Get("Location") != "/signin?next=%2Fme%2Fdata" {
				t.Errorf("anonymous: %d %q", res.status, res.header.Get("Location"))
			}
			// Signed in without a national code (an API client, say): a 403
			// page, not a loop through sign-in.
			nobody := &identity.Principal{Kind: "user", ID: 8, Roles: []identity.Role{identity.RoleOperator}, Agency: "NOCR"}
			for _, path := range []string{"/me/data", "/me/consents"} {
				if res := xs.as(t, nobody, http.MethodGet, path, nil); res.status != 403 {
					t.Errorf("%s without a national code: %d", path, res.status)
				}
			}
			// A malformed page reference is a 400 page, not a 500.
			if res := xs.as(t, person(1, ali), http.MethodGet, "/me/data?before=abc", nil); res.status != 400 {
				t.Errorf("bad before: %d", res.status)
			}

			// Agency staff: the platform's once-only client is PANJARE; NOCR
			// sees the inquiry it served, masked.
			staff := &identity.Principal{Kind: "user", ID: 9, Agency: "NOCR", Roles: []identity.Role{identity.RoleOperator}}
			res = xs.as(t, staff, http.MethodGet, "/agency/exchange", nil)
			if res.status != 200 {
				t.Fatalf("agency page: %d", res.status)
			}
			served := tableRows(res.doc, "inquiries")
			if len(served) != 1 || !strings.Contains(served[0], "******۹۸۲۸") || strings.Contains(res.body, ali) {
				t.Errorf("NOCR's page: %q", served)
			}
			if res := xs.as(t, person(1, ali), http.MethodGet, "/agency/exchange", nil); res.status != 403 {
				t.Errorf("a citizen on the agency page: %d", res.status)
			}
			if res := xs.as(t, person(1, ali), http.MethodGet, "/admin/exchange", nil); res.status != 403 {
				t.Errorf("a citizen on the admin page: %d", res.status)
			}
			admin := &identity.Principal{Kind: "user", ID: 7, Roles: []identity.Role{identity.RolePlatformAdmin}}
			res = xs.as(t, admin, http.MethodGet, "/admin/exchange", nil)
			if res.status != 200 {
				t.Fatalf("admin page: %d", res.status)
			}
			totals := withClass(res.doc, "count-total")
			if len(totals) != 2 || textOf(totals[0]) != "۵" {
				t.Errorf("admin totals: %v", res.body)
			}
			// The English pages are complete too.
			for _, path := range []string{"/admin/exchange"} {
				if res := xs.send(t, admin, http.MethodGet, path, nil, true); res.status != 200 || !strings.Contains(res.body, "By provider") {
					t.Errorf("%s in English: %d", path, res.status)
				}
			}
			if res := xs.send(t, person(1, ali), http.MethodGet, "/me/data", nil, true); res.status != 200 || !strings.Contains(res.body, "Answered") ||
				!strings.Contains(res.body, "Criminal record") {
				t.Errorf("tracker in English: %d", res.status)
			}
			if res := xs.send(t, staff, http.MethodGet, "/agency/exchange", nil, true); res.status != 200 || !strings.Contains(res.body, "Inquiries answered") {
				t.Errorf("agency page in English: %d", res.status)
			}
			for _, want := range []string{"IR/GOV/PANJARE/once-only", "IR/GOV/NOCR/population/person-identity", "IR/COM/BANK_MELLI/loans", "با رضایت شهروند", "بانک ملی ایران"} {
				if !strings.Contains(res.body, want) {
					t.Errorf("admin page lacks %q", want)
				}
			}
		})
	}
}

func TestConsentPage(t *testing.T) {
	xs := newXSite(t, store.SQLite)
	maryam := person(2, backoffice.CitizenMaryam)
	res := xs.as(t, maryam, http.MethodGet, "/me/consents", nil)
	if res.status != 200 || len(all(res.doc, func(n *html.Node) bool { return attr(n, "id") == "no-consents" })) != 1 {
		t.Fatalf("empty consents page: %d", res.status)
	}
	// The options are exactly the rights that need consent: the bank's, to
	// tax clearance and vehicle ownership.
	opts := tags(res.doc, "option")
	if len(opts) != 2 {
		t.Fatalf("%d options", len(opts))
	}
	var taxRight string
	for _, o := range opts {
		if strings.Contains(textOf(o), "مفاصاحساب") {
			taxRight = attr(o, "value")
		}
	}
	if taxRight == "" {
		t.Fatal("no option for tax clearance")
	}

	// Bad input: a clear 400 with the form kept, nothing stored.
	for _, form := range []url.Values{
		{"right": {taxRight}, "purpose": {"وام مسکن"}, "until": {"فردا"}},
		{"right": {"999999"}, "purpose": {"وام مسکن"}, "until": {"1405/03/31"}},
		{"right": {taxRight}, "purpose": {""}, "until": {"1405/03/31"}},
		{"right": {taxRight}, "purpose": {"وام"}, "until": {"1390/01/01"}},
		{"right": {taxRight}, "purpose": {"وام"}, "until": {"1404/12/31"}}, // not a day of 1404
	} {
		res := xs.as(t, maryam, http.MethodPost, "/me/consents", form)
		if res.status != 400 || len(all(res.doc, func(n *html.Node) bool { return attr(n, "id") == "consent-error" })) != 1 {
			t.Errorf("%v: %d", form, res.status)
		}
	}
	if list, _ := xs.x.Consents(context.Background(), backoffice.CitizenMaryam); len(list) != 0 {
		t.Fatalf("bad forms stored %d consents", len(list))
	}

	// Grant (Jalali date in Persian digits), see it in force.
	until := time.Now().In(time.UTC).AddDate(0, 2, 0).Format("2006-01-02")
	res = xs.as(t, maryam, http.MethodPost, "/me/consents", url.Values{"right": {taxRight}, "purpose": {"وام مسکن"}, "until": {until}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/me/consents?done=granted" {
		t.Fatalf("grant: %d %s", res.status, res.body)
	}
	res = xs.as(t, maryam, http.MethodPost, "/me/consents", url.Values{"right": {taxRight}, "purpose": {"وام خودرو"}, "until": {"۱۴۰۹/۰۱/۱۵"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("grant in Jalali: %d %s", res.status, res.body)
	}
	if res := xs.send(t, maryam, http.MethodGet, "/me/consents?done=granted", nil, true); res.status != 200 || !strings.Contains(res.body, "In force") {
		t.Errorf("consents in English: %d", res.status)
	}
	res = xs.as(t, maryam, http.MethodGet, "/me/consents?done=granted", nil)
	states := all(res.doc, func(n *html.Node) bool { return attr(n, "data-state") != "" })
	if len(states) != 2 || attr(states[0], "data-state") != "active" || attr(states[1], "data-state") != "active" {
		t.Fatalf("after granting: %q", tableRows(res.doc, "consents"))
	}
	if !strings.Contains(res.body, "رضایت شما ثبت شد") || !strings.Contains(res.body, "۱۴۰۹") {
		t.Error("no notice, or the Jalali date was not kept")
	}
	list, err := xs.x.Consents(context.Background(), backoffice.CitizenMaryam)
	if err != nil || len(list) != 2 {
		t.Fatal(list, err)
	}

	// Someone else cannot withdraw it.
	other := person(3, backoffice.CitizenAli)
	if res := xs.as(t, other, http.MethodPost, "/me/consents/"+itoa(list[0].ID)+"/withdraw", url.Values{}); res.status != 404 {
		t.Errorf("another citizen withdrawing: %d", res.status)
	}
	// Withdraw the newest.
	res = xs.as(t, maryam, http.MethodPost, "/me/consents/"+itoa(list[0].ID)+"/withdraw", url.Values{})
	if res.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", res.status, res.body)
	}
	res = xs.as(t, maryam, http.MethodGet, "/me/consents", nil)
	if st := rowState(res.doc, list[0].ID); st != "withdrawn" {
		t.Errorf("withdrawn consent shows %q", st)
	}
	if st := rowState(res.doc, list[1].ID); st != "active" {
		t.Errorf("the other consent shows %q", st)
	}
	if res := xs.as(t, maryam, http.MethodPost, "/me/consents/"+itoa(list[0].ID)+"/withdraw", url.Values{}); res.status != 409 {
		t.Errorf("withdrawing twice: %d", res.status)
	}

	// A consent given in the past for one day has expired.
	xs.shift.Store(int64(72 * time.Hour))
	past := time.Now().Add(-48 * time.Hour).In(time.UTC).Format("2006-01-02")
	res = xs.as(t, maryam, http.MethodPost, "/me/consents", url.Values{"right": {taxRight}, "purpose": {"وام قدیمی"}, "until": {past}})
	xs.shift.Store(0)
	if res.status != http.StatusSeeOther {
		t.Fatalf("grant in the past: %d %s", res.status, res.body)
	}
	list, _ = xs.x.Consents(context.Background(), backoffice.CitizenMaryam)
	res = xs.as(t, maryam, http.MethodGet, "/me/consents", nil)
	if st := rowState(res.doc, list[0].ID); st != "expired" {
		t.Errorf("expired consent shows %q", st)
	}
	if !strings.Contains(res.body, "منقضی‌شده") {
		t.Error("no «منقضی‌شده» on the page")
	}
	// Not signed in: to sign-in, and a POST stores nothing.
	if res := xs.as(t, nil, http.MethodPost, "/me/consents", url.Values{"right": {taxRight}, "purpose": {"x"}, "until": {until}}); res.status != http.StatusSeeOther ||
		!strings.HasPrefix(res.header.Get("Location"), "/signin") {
		t.Errorf("anonymous grant: %d", res.status)
	}
}

func rowState(doc *html.Node, id int64) string {
	for _, n := range all(doc, func(n *html.Node) bool { return attr(n, "id") == "consent-"+itoa(id) }) {
		return attr(n, "data-state")
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"1405/01/01":  "2026-03-21",
		"۱۴۰۵/۰۱/۰۱":  "2026-03-21",
		"1403/12/30":  "2025-03-20", // 1403 is a leap year
		"2026-06-21":  "2026-06-21",
		" 2026/6/21 ": "2026-06-21",
	} {
		got, ok := parseDate(in)
		if !ok || got.In(persian.Location()).Format(time.DateOnly) != want {
			t.Errorf("parseDate(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "1405/13/01", "1404/12/30", "2026-02-30", "26-06-21", "1405/1", "abc", "1405/01/01/01", "-1405/01/01"} {
		if _, ok := parseDate(in); ok {
			t.Errorf("parseDate(%q) accepted", in)
		}
	}
}

package identity_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/identity/idp"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// harness is a relying party and the demo provider on one real HTTP server,
// with a browser-like client (a cookie jar) that follows redirects by hand.
type harness struct {
	t   *testing.T
	s   *store.Store
	id  *identity.Identity
	rp  *identity.RelyingParty
	srv *httptest.Server
	jar *cookiejar.Jar
	c   *http.Client
}

func newHarness(t *testing.T, s *store.Store) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, s: s, id: identity.New(s)}
	var handler http.Handler
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.srv.Close)
	cookies := identity.CookiesFor(h.srv.URL)
	if !cookies.Secure {
		t.Fatal("cookies on a loopback address should be Secure")
	}
	prov, err := idp.New(ctx, idp.Config{
		Store: s, Identity: h.id, Issuer: h.srv.URL + "/idp", Stylesheet: "/static/css/panjare.css",
		Clients: []idp.Client{{ID: "portal", Secret: "s3cret", RedirectURIs: []string{h.srv.URL + "/auth/callback"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.rp, err = h.id.NewRelyingParty(ctx, identity.RPConfig{
		Issuer: h.srv.URL + "/idp", ClientID: "portal", ClientSecret: "s3cret", RedirectURL: h.srv.URL + "/auth/callback", Cookies: cookies,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/idp/", prov.Handler())
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		if err := h.rp.Begin(w, r, r.URL.Query().Get("next"), r.URL.Query().Get("lang")); err != nil {
			http.Error(w, err.Error(), errs.StatusOf(errs.KindOf(err)))
		}
	})
	mux.HandleFunc("GET /auth/callback", func(w http.ResponseWriter, r *http.Request) {
		next, err := h.rp.Callback(w, r)
		if err != nil {
			fa, en := errs.Messages(err)
			w.WriteHeader(errs.StatusOf(errs.KindOf(err)))
			fmt.Fprintln(w, en)
			fmt.Fprintln(w, fa)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
	mux.HandleFunc("POST /signout", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(identity.SessionCookie); err == nil {
			if err := h.id.EndSession(r.Context(), c.Value); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		cookies.ClearSession(w)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		p, ok := identity.FromContext(r.Context())
		if !ok {
			http.Error(w, "anonymous", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%s|%d|%s|%s|%s|%v", p.Kind, p.ID, p.NationalCode, p.Name, p.Agency, p.Roles)
	})
	handler = h.id.Middleware(cookies, nil)(mux)
	h.jar, _ = cookiejar.New(nil)
	h.c = &http.Client{Jar: h.jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

type page struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

// do sends one request and follows redirects until a page is reached, or
// until the next location's path is stopAt.
func (h *harness) do(req *http.Request, stopAt string) page {
	h.t.Helper()
	for range 20 {
		resp, err := h.c.Do(req)
		if err != nil {
			h.t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return page{resp.StatusCode, req.URL, string(b), resp.Header}
		}
		loc, err := req.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			h.t.Fatal(err)
		}
		if stopAt != "" && loc.Path == stopAt {
			return page{resp.StatusCode, loc, string(b), resp.Header}
		}
		req, _ = http.NewRequest(http.MethodGet, loc.String(), nil)
	}
	h.t.Fatal("too many redirects")
	return page{}
}

func (h *harness) get(path, stopAt string) page {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	return h.do(req, stopAt)
}

func (h *harness) post(path string, form url.Values, stopAt string) page {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req, stopAt)
}

// start goes from the portal's sign-in to the provider's login page and
// returns the authorization request's id.
func (h *harness) start(next string) string {
	h.t.Helper()
	p := h.get("/signin?next="+url.QueryEscape(next), "")
	if p.status != 200 || p.url.Path != "/idp/login" || !strings.Contains(p.body, `name="national_code"`) {
		h.t.Fatalf("login page: %d %s\n%s", p.status, p.url, p.body)
	}
	if !strings.Contains(p.body, `dir="rtl"`) || !strings.Contains(p.body, "کد ملی") {
		h.t.Fatal("the login page is not Persian and right to left")
	}
	return p.url.Query().Get("authRequestID")
}

var otpShown = regexp.MustCompile(`id="otp-shown"><bdi>([0-9۰-۹]{6})</bdi>`)

// code sends the national code and returns the one-time code shown.
func (h *harness) code(id, nationalCode string) string {
	h.t.Helper()
	p := h.post("/idp/login", url.Values{"authRequestID": {id}, "national_code": {nationalCode}}, "")
	m := otpShown.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil || !strings.Contains(p.body, "کد یکبارمصرف (به جای پیامک):") {
		h.t.Fatalf("one-time code page: %d\n%s", p.status, p.body)
	}
	return persian.ASCIIDigits(m[1])
}

// signIn walks the whole journey and returns the page it lands on.
func (h *harness) signIn(nationalCode, next string) page {
	h.t.Helper()
	id := h.start(next)
	otp := h.code(id, nationalCode)
	return h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {otp}}, "")
}

func TestSignIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		h := newHarness(t, s)
		ctx := context.Background()

		// The national code may be typed with Persian digits and dashes.
		p := h.signIn("۰۰۶-۷۷۴۹۸۲-۸", "/whoami")
		if p.status != 200 || p.url.Path != "/whoami" || !strings.HasPrefix(p.body, "user|") || !strings.Contains(p.body, "|0067749828|") ||
			!strings.Contains(p.body, "[citizen]") {
			t.Fatalf("after sign-in: %d %s %q", p.status, p.url, p.body)
		}
		person, err := h.id.PersonByNationalCode(ctx, "0067749828")
		if err != nil || person.Name == "" {
			t.Fatalf("person = %+v, %v", person, err)
		}
		sessions, _, err := h.id.Sessions(ctx, person.ID, "", 0)
		if err != nil || len(sessions) != 1 || sessions[0].UserAgent != "Go client" {
			t.Fatalf("sessions = %+v, %v", sessions, err)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.", Subject: "0067749828"})
		kinds := map[string]bool{}
		for _, e := range evs {
			kinds[e.Kind] = true
		}
		for _, k := range []string{"identity.person.created", "identity.session.started", "identity.idp.otp.issued", "identity.idp.login.completed"} {
			if !kinds[k] {
				t.Errorf("no %s event about the person; have %v", k, kinds)
			}
		}
		// Nothing the platform stores in its events holds a secret or the code.
		all, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity."})
		for _, e := range all {
			if strings.Contains(string(e.Payload), "0067749828") {
				t.Errorf("event %s carries the national code in its payload", e.Kind)
			}
		}

		// Signing in again is the same person, with a second session.
		h2 := &harness{t: t, s: s, id: h.id, rp: h.rp, srv: h.srv, c: &http.Client{CheckRedirect: h.c.CheckRedirect}}
		h2.jar, _ = cookiejar.New(nil)
		h2.c.Jar = h2.jar
		if p := h2.signIn("0067749828", "/whoami"); !strings.Contains(p.body, fmt.Sprintf("user|%d|", person.ID)) {
			t.Fatalf("second sign-in: %q", p.body)
		}
		if ss, _, _ := h.id.Sessions(ctx, person.ID, "", 0); len(ss) != 2 {
			t.Fatalf("sessions after a second sign-in = %d", len(ss))
		}

		// Signing out ends the session: the old cookie no longer works.
		u, _ := url.Parse(h.srv.URL)
		var old string
		for _, c := range h.jar.Cookies(u) {
			if c.Name == identity.SessionCookie {
				old = c.Value
			}
		}
		if old == "" {
			t.Fatal("no session cookie in the jar")
		}
		if p := h.post("/signout", nil, "/"); p.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", p.status)
		}
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/whoami", nil)
		req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: old})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("old session cookie after sign-out: %d, want 401", resp.StatusCode)
		}
		// "Sign out everywhere" ends the other browser's session too.
		n, err := h.id.RevokeSessions(ctx, identity.Principal{Kind: "user", ID: person.ID}, person.ID)
		if err != nil || n != 1 {
			t.Fatalf("RevokeSessions = %d, %v", n, err)
		}
		if p := h2.get("/whoami", ""); p.status != http.StatusUnauthorized {
			t.Fatalf("after sign-out everywhere: %d %q", p.status, p.body)
		}
		if _, err := h.id.RevokeSessions(ctx, identity.Principal{Kind: "user", ID: person.ID + 1}, person.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("someone else revoking: %v", err)
		}
	}, identity.Migrations())
}

func TestSignInCookies(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, identity.Migrations())
	h := newHarness(t, s)
	resp, err := h.c.Get(h.srv.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checkCookie(t, resp.Header, identity.FlowCookie)
	id := h.start("/")
	otp := h.code(id, "0499370899")
	p := h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {otp}}, "/auth/callback")
	req, _ := http.NewRequest(http.MethodGet, p.url.String(), nil)
	for _, c := range h.jar.Cookies(p.url) {
		req.AddCookie(c)
	}
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", resp.StatusCode)
	}
	checkCookie(t, resp.Header, identity.SessionCookie)
}

func checkCookie(t *testing.T, h http.Header, name string) {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") && !strings.HasPrefix(line, name+"=;") {
			for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Secure"} {
				if !strings.Contains(line, attr) {
					t.Errorf("cookie %s lacks %s: %s", name, attr, line)
				}
			}
			return
		}
	}
	t.Errorf("no %s cookie set; got %q", name, h.Values("Set-Cookie"))
}

func TestSignInRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		h := newHarness(t, s)
		ctx := context.Background()

		t.Run("invalid national codes", func(t *testing.T) {
			id := h.start("/")
			for code, want := range map[string]string{
				"0684159415": "check digit",
				"1111111111": "one digit repeated",
				"123":        "exactly 10 digits",
				"":           "enter your national code",
				"00677498x8": "exactly 10 digits",
			} {
				p := h.post("/idp/login", url.Values{"authRequestID": {id}, "national_code": {code}, "lang": {"en"}}, "")
				if p.status != http.StatusBadRequest || !strings.Contains(p.body, want) || otpShown.MatchString(p.body) {
					t.Errorf("national code %q: %d, want 400 with %q\n%s", code, p.status, want, p.body)
				}
			}
			p := h.post("/idp/login", url.Values{"authRequestID": {id}, "national_code": {"0684159415"}}, "")
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "رقم کنترل") {
				t.Errorf("Persian message for a bad check digit missing: %s", p.body)
			}
			if _, err := identity.ParseNationalCode("0684159415"); !errs.Is(err, errs.Invalid) {
				t.Errorf("ParseNationalCode: %v", err)
			}
		})

		t.Run("English when the portal asks for it", func(t *testing.T) {
			p := h.get("/signin?lang=en", "")
			if p.status != 200 || p.url.Path != "/idp/login" || !strings.Contains(p.body, `dir="ltr"`) || !strings.Contains(p.body, "National code") {
				t.Fatalf("English login page: %d %s\n%s", p.status, p.url, p.body)
			}
			// The switch on the page still offers Persian.
			if !strings.Contains(p.body, "lang=fa") {
				t.Error("no switch back to Persian")
			}
		})

		t.Run("wrong one-time code and too many tries", func(t *testing.T) {
			id := h.start("/")
			otp := h.code(id, "0067749828")
			wrong := fmt.Sprintf("%06d", (atoi(otp)+1)%1_000_000)
			for i := 1; i <= 4; i++ {
				p := h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {wrong}, "lang": {"en"}}, "")
				if p.status != http.StatusBadRequest || !strings.Contains(p.body, fmt.Sprintf("%d tries left", 5-i)) {
					t.Fatalf("wrong code, try %d: %d\n%s", i, p.status, p.body)
				}
			}
			p := h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {wrong}}, "")
			if p.status != http.StatusTooManyRequests {
				t.Fatalf("fifth wrong try: %d", p.status)
			}
			// Now even the right code is refused, and a new code is not given.
			if p := h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {otp}}, ""); p.status != http.StatusTooManyRequests {
				t.Fatalf("right code after too many tries: %d", p.status)
			}
			if p := h.post("/idp/login", url.Values{"authRequestID": {id}, "national_code": {"0067749828"}}, ""); p.status != http.StatusTooManyRequests {
				t.Fatalf("new code after too many tries: %d", p.status)
			}
		})

		t.Run("expired one-time code", func(t *testing.T) {
			id := h.start("/")
			otp := h.code(id, "0067749828")
			if _, err := s.DB().Exec(`UPDATE identity_idp_auth_requests SET otp_expires_at = $1 WHERE id = $2`, s.Now().Add(-time.Second), id); err != nil {
				t.Fatal(err)
			}
			p := h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {otp}, "lang": {"en"}}, "")
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "expired") {
				t.Fatalf("expired code: %d\n%s", p.status, p.body)
			}
		})

		t.Run("expired request", func(t *testing.T) {
			id := h.start("/")
			otp := h.code(id, "0067749828")
			if _, err := s.DB().Exec(`UPDATE identity_idp_auth_requests SET expires_at = $1 WHERE id = $2`, s.Now().Add(-time.Second), id); err != nil {
				t.Fatal(err)
			}
			for _, p := range []page{
				h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {otp}, "lang": {"en"}}, ""),
				h.get("/idp/login?lang=en&authRequestID="+id, ""),
				h.get("/idp/login?lang=en&authRequestID=nonsense", ""),
			} {
				if p.status != http.StatusBadRequest || !strings.Contains(p.body, "has expired or does not exist") {
					t.Fatalf("expired request: %d\n%s", p.status, p.body)
				}
			}
		})

		// complete runs a sign-in up to the redirect back to the portal.
		complete := func() *url.URL {
			id := h.start("/whoami")
			otp := h.code(id, "0067749828")
			p := h.post("/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {otp}}, "/auth/callback")
			if p.url.Path != "/auth/callback" || p.url.Query().Get("code") == "" {
				t.Fatalf("no redirect back with a code: %d %s", p.status, p.url)
			}
			return p.url
		}

		t.Run("tampered state", func(t *testing.T) {
			cb := complete()
			q := cb.Query()
			q.Set("state", q.Get("state")+"x")
			cb.RawQuery = q.Encode()
			p := h.get(cb.RequestURI(), "")
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "state mismatch") {
				t.Fatalf("tampered state: %d %q", p.status, p.body)
			}
		})

		t.Run("tampered nonce", func(t *testing.T) {
			cb := complete()
			u, _ := url.Parse(h.srv.URL + "/auth/")
			var f identity.Flow
			var ok bool
			for _, c := range h.jar.Cookies(u) {
				if c.Name == identity.FlowCookie {
					f, ok = h.rp.DecodeFlow(c.Value)
				}
			}
			if !ok {
				t.Fatal("no valid flow cookie")
			}
			f.Nonce = "another-nonce"
			h.jar.SetCookies(u, []*http.Cookie{{Name: identity.FlowCookie, Value: h.rp.EncodeFlow(f), Path: "/auth/"}})
			p := h.get(cb.RequestURI(), "")
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "nonce mismatch") {
				t.Fatalf("tampered nonce: %d %q", p.status, p.body)
			}
		})

		t.Run("forged flow cookie", func(t *testing.T) {
			cb := complete()
			u, _ := url.Parse(h.srv.URL + "/auth/")
			for _, c := range h.jar.Cookies(u) {
				if c.Name == identity.FlowCookie {
					body, mac, _ := strings.Cut(c.Value, ".")
					h.jar.SetCookies(u, []*http.Cookie{{Name: identity.FlowCookie, Value: body + "." + strings.Repeat("A", len(mac)), Path: "/auth/"}})
				}
			}
			if p := h.get(cb.RequestURI(), ""); p.status != http.StatusBadRequest || !strings.Contains(p.body, "altered") {
				t.Fatalf("forged cookie: %d %q", p.status, p.body)
			}
		})

		t.Run("code used twice", func(t *testing.T) {
			cb := complete()
			u, _ := url.Parse(h.srv.URL + "/auth/")
			var flowValue string
			for _, c := range h.jar.Cookies(u) {
				if c.Name == identity.FlowCookie {
					flowValue = c.Value
				}
			}
			if p := h.get(cb.RequestURI(), ""); p.status != 200 {
				t.Fatalf("first use: %d %q", p.status, p.body)
			}
			h.jar.SetCookies(u, []*http.Cookie{{Name: identity.FlowCookie, Value: flowValue, Path: "/auth/"}})
			if p := h.get(cb.RequestURI(), ""); p.status != http.StatusBadRequest || !strings.Contains(p.body, "refused the sign-in code") {
				t.Fatalf("second use: %d %q", p.status, p.body)
			}
		})

		t.Run("staff", func(t *testing.T) {
			if _, err := h.id.AddStaff(ctx, identity.System, "0499370899", "NOCR", identity.RoleOperator); err != nil {
				t.Fatal(err)
			}
			if _, err := h.id.AddStaff(ctx, identity.System, "0499370899", "NOCR", identity.RoleAgencyAdmin); err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			hs := &harness{t: t, s: s, id: h.id, rp: h.rp, srv: h.srv, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: h.c.CheckRedirect}}
			p := hs.signIn("0499370899", "/whoami")
			if !strings.Contains(p.body, "|NOCR|[citizen agency_admin agency_operator]") {
				t.Fatalf("staff principal: %q", p.body)
			}
		})
	}, identity.Migrations())
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

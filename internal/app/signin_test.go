package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// browser is a cookie-keeping HTTP client that follows redirects.
type browser struct {
	t    *testing.T
	base string
	jar  *cookiejar.Jar
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, jar: jar, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (b *browser) do(method, path string, form url.Values) (int, *url.URL, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL, string(out)
}

var otpOnScreen = regexp.MustCompile(`id="otp-shown"><bdi>([0-9۰-۹]{6})</bdi>`)

// signIn opens path, is sent to the demo provider, types the national code
// and the one-time code shown, and returns the page it lands on.
func (b *browser) signIn(path, nationalCode string) (int, *url.URL, string) {
	b.t.Helper()
	code, u, body := b.do("GET", path, nil)
	if code != 200 || u.Path != "/idp/login" || !strings.Contains(body, `dir="rtl"`) || !strings.Contains(body, `href="/static/css/panjare.css"`) {
		b.t.Fatalf("login page: %d %s\n%s", code, u, body)
	}
	id := u.Query().Get("authRequestID")
	code, _, body = b.do("POST", "/idp/login", url.Values{"authRequestID": {id}, "national_code": {nationalCode}})
	m := otpOnScreen.FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, "کد یکبارمصرف (به جای پیامک):") {
		b.t.Fatalf("one-time code page: %d\n%s", code, body)
	}
	return b.do("POST", "/idp/login/otp", url.Values{"authRequestID": {id}, "otp": {persian.ASCIIDigits(m[1])}})
}

// TestCitizenSignIn runs the assembled process with the built-in demo
// provider, on each engine, and signs a citizen and an agency operator in
// through real HTTP: portal → provider's login page → national code → code
// shown → code typed → callback → session cookie → profile.
func TestCitizenSignIn(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv := mustServe(t, d, nil, func(ctx context.Context, a *app.App) error {
				_, err := a.LoadDemo(ctx)
				return err
			})
			a, ctx, cfg := srv.App, srv.Ctx, srv.Config

			// Visitors see «ورود» in the header and are sent to sign in for /me.
			citizen := newBrowser(t, cfg.BaseURL)
			if code, _, body := citizen.do("GET", "/about", nil); code != 200 || !strings.Contains(body, `href="/signin"`) {
				t.Fatalf("anonymous header: %d", code)
			}
			code, u, body := citizen.signIn("/me", "0067749828")
			if code != 200 || u.Path != "/me" {
				t.Fatalf("after sign-in: %d %s\n%s", code, u, body)
			}
			for _, want := range []string{"******۹۸۲۸", "شهروند", `action="/signout"`, "خروج", "همین مرورگر", "خروج از همهٔ نشست‌ها"} {
				if !strings.Contains(body, want) {
					t.Errorf("profile lacks %q", want)
				}
			}
			for _, leak := range []string{"0067749828", "۰۰۶۷۷۴۹۸۲۸"} {
				if strings.Contains(body, leak) {
					t.Errorf("profile shows the whole national code")
				}
			}
			person, err := a.Identity.PersonByNationalCode(ctx, "0067749828")
			if err != nil || person.Name == "" || !strings.Contains(body, person.Name) {
				t.Fatalf("the header or profile lacks the person's name %q: %v", person.Name, err)
			}

			// A service page shows the signed-in name to its person only:
			// the page cache must not hand it to the next visitor.
			_, _, home := citizen.do("GET", "/services", nil)
			svc := regexp.MustCompile(`href="(/services/[0-9]+)"`).FindStringSubmatch(home)
			if svc == nil {
				t.Fatal("no service link on the services page")
			}
			if _, _, page := citizen.do("GET", svc[1], nil); !strings.Contains(page, person.Name) {
				t.Fatal("a service page lacks the signed-in name")
			}
			anon := newBrowser(t, cfg.BaseURL)
			for range 2 {
				if _, _, page := anon.do("GET", svc[1], nil); strings.Contains(page, person.Name) || strings.Contains(page, `action="/signout"`) {
					t.Fatal("a visitor sees another person's signed-in header")
				}
			}
			if _, _, page := citizen.do("GET", svc[1], nil); !strings.Contains(page, person.Name) {
				t.Fatal("a cached page replaced the signed-in header")
			}

			// Staff: an operator of NOCR gets their agency and role.
			if _, err := a.Identity.AddStaff(ctx, identity.System, "0499370899", "NOCR", identity.RoleOperator); err != nil {
				t.Fatal(err)
			}
			operator := newBrowser(t, cfg.BaseURL)
			_, _, body = operator.signIn("/me", "0499370899")
			nocr, err := a.Catalog.Agency(ctx, "NOCR")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(body, "کارشناس دستگاه") || !strings.Contains(body, nocr.NameFa) {
				t.Fatalf("operator profile lacks the role or the agency:\n%s", body)
			}

			// Sign-out revokes the session: the old cookie no longer works.
			base, _ := url.Parse(cfg.BaseURL)
			var old *http.Cookie
			for _, c := range citizen.jar.Cookies(base) {
				if c.Name == identity.SessionCookie {
					old = c
				}
			}
			if old == nil {
				t.Fatal("no session cookie")
			}
			if code, u, body := citizen.do("POST", "/signout", url.Values{}); code != 200 || u.Path != "/" || strings.Contains(body, `action="/signout"`) {
				t.Fatalf("sign-out: %d %s", code, u)
			}
			replay := newBrowser(t, cfg.BaseURL)
			replay.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			replay.jar.SetCookies(base, []*http.Cookie{{Name: old.Name, Value: old.Value}})
			if code, _, _ := replay.do("GET", "/me", nil); code != http.StatusSeeOther {
				t.Fatalf("/me with a signed-out cookie: %d, want a redirect to sign in", code)
			}

			// A forged cross-site sign-out is refused.
			req, _ := http.NewRequest("POST", cfg.BaseURL+"/me/sessions/revoke", nil)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			for _, c := range operator.jar.Cookies(base) {
				req.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site sign-out everywhere: %d", resp.StatusCode)
			}
			// The operator signs out everywhere from their profile.
			if code, u, _ := operator.do("POST", "/me/sessions/revoke", url.Values{}); code != 200 || u.Path != "/" {
				t.Fatalf("sign out everywhere: %d %s", code, u)
			}
			op, _ := a.Identity.PersonByNationalCode(ctx, "0499370899")
			if open, _, _ := a.Identity.Sessions(ctx, op.ID, "", 0); len(open) != 0 {
				t.Fatalf("sessions after signing out everywhere: %d", len(open))
			}

			logs := srv.Logs()
			for _, secret := range []string{"0067749828", "0499370899", old.Value} {
				if strings.Contains(logs, secret) {
					t.Fatalf("a national code or token reached the log")
				}
			}
			if strings.Contains(logs, `"route":"unmatched"`) && strings.Contains(logs, `"status":200`) {
				for _, line := range strings.Split(logs, "\n") {
					if strings.Contains(line, `"route":"unmatched"`) && strings.Contains(line, `"status":200`) {
						t.Fatalf("a served request was logged without its route: %s", line)
					}
				}
			}
		})
	}
}

func TestConfigOIDC(t *testing.T) {
	for _, c := range []struct {
		cfg  app.Config
		want string
	}{
		{app.Config{Addr: ":8080", LogLevel: "info", OIDCIssuer: "ftp://idp"}, "--oidc-issuer"},
		{app.Config{Addr: ":8080", LogLevel: "info", OIDCIssuer: "https://sso.example.ir"}, "--oidc-client-id"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %s", c.cfg, err, c.want)
		}
	}
	ok := app.Config{Addr: ":8080", LogLevel: "info", OIDCIssuer: "https://sso.example.ir", OIDCClientID: "p", OIDCClientSecret: "s"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestNoDemoProviderUnlessAsked checks that a node configured with neither a
// national identity provider nor --demo-idp offers no sign-in at all, rather
// than falling back to the demo provider where anyone can be anyone.
func TestNoDemoProviderUnlessAsked(t *testing.T) {
	cfg := app.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", ""
	cfg.DataDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, path := range []string{"/idp/login", "/idp/.well-known/openid-configuration"} {
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404: no demo provider", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/about", nil))
	if strings.Contains(rec.Body.String(), `href="/signin"`) {
		t.Error("the portal offers sign-in without an identity provider")
	}
	both := app.Defaults()
	both.DemoIdP, both.OIDCIssuer, both.OIDCClientID, both.OIDCClientSecret = true, "https://idp.example", "x", "y"
	if err := both.Validate(); err == nil || !strings.Contains(err.Error(), "--demo-idp") {
		t.Errorf("Validate with both providers = %v", err)
	}
}

package identity

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	sessionKey
)

// WithPrincipal returns ctx carrying p as the caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// FromContext returns the signed-in principal of a request, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey).(Principal)
	return p, ok
}

// SessionFromContext returns the session a request came with, if any.
func SessionFromContext(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey).(Session)
	return s, ok
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "panjare_session"

// Cookies says how Panjare's cookies are marked.
type Cookies struct {
	// Secure marks cookies Secure: set when the base URL is https, and on
	// localhost and loopback addresses, which browsers treat as secure.
	Secure bool
}

// CookiesFor returns the cookie settings for a portal served at baseURL.
func CookiesFor(baseURL string) Cookies {
	u, err := url.Parse(baseURL)
	if err != nil {
		return Cookies{Secure: true}
	}
	if u.Scheme == "https" {
		return Cookies{Secure: true}
	}
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return Cookies{Secure: true}
	}
	ip := net.ParseIP(host)
	return Cookies{Secure: ip != nil && ip.IsLoopback()}
}

// SetSession sets the session cookie: HttpOnly, SameSite=Lax, Secure as
// configured, for the session's absolute lifetime.
func (c Cookies) SetSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", MaxAge: int(SessionAbsolute.Seconds()),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// ClearSession removes the session cookie.
func (c Cookies) ClearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// Middleware loads the principal of the request's session cookie, if any,
// into the request context (FromContext). A cookie that names no open
// session is removed; the request goes on anonymously. It never logs the
// token.
func (id *Identity) Middleware(c Cookies, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ck, err := r.Cookie(SessionCookie)
			if err != nil || ck.Value == "" {
				next.ServeHTTP(w, r)
				return
			}
			p, s, err := id.SessionPrincipal(r.Context(), ck.Value)
			switch {
			case err == nil:
				ctx := context.WithValue(WithPrincipal(r.Context(), p), sessionKey, s)
				inner := r.WithContext(ctx)
				next.ServeHTTP(w, inner)
				// The mux records the route pattern on the request it
				// serves; hand it back to the middleware outside, which
				// labels logs and metrics with it.
				r.Pattern = inner.Pattern
				return
			case errs.Is(err, errs.Unauthorized):
				c.ClearSession(w)
			default:
				if log != nil {
					log.Error("session lookup failed", "err", err.Error())
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Require returns the request's principal when it holds at least one of
// roles (any signed-in principal when roles is empty); otherwise an
// Unauthorized error when nobody is signed in, or Forbidden.
func Require(ctx context.Context, roles ...Role) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, errs.E("identity.Require", errs.Unauthorized, "", "")
	}
	if len(roles) == 0 {
		return p, nil
	}
	for _, r := range roles {
		if p.Has(r) {
			return p, nil
		}
	}
	return Principal{}, errs.E("identity.Require", errs.Forbidden, "", "")
}

// SignInURL returns the path of the sign-in page that brings the visitor
// back to r's page afterwards.
func SignInURL(r *http.Request) string {
	next := r.URL.Path
	if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	return "/signin?next=" + url.QueryEscape(next)
}

// RequireRole wraps a page: visitors who are not signed in are sent to the
// sign-in page and brought back; signed-in people without one of roles get
// forbidden (for example the portal's error page).
func RequireRole(forbidden http.Handler, roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch _, err := Require(r.Context(), roles...); {
			case err == nil:
				next.ServeHTTP(w, r)
			case errs.Is(err, errs.Unauthorized):
				w.Header().Set("Cache-Control", "no-store")
				http.Redirect(w, r, SignInURL(r), http.StatusSeeOther)
			default:
				forbidden.ServeHTTP(w, r)
			}
		})
	}
}

// RequireRoleAPI wraps an API handler: 401 or 403 as problem+json.
func RequireRoleAPI(roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := Require(r.Context(), roles...); err != nil {
				httpx.WriteProblem(w, r, nil, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// SafeNext returns next if it is a path on this site, and "/" otherwise, so
// that sign-in never redirects to another host.
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") || len(next) > 1000 {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

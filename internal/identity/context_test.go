package identity_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/identity"
)

func TestRequireRole(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	forbidden := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	page := identity.RequireRole(forbidden, identity.RoleOperator, identity.RoleAgencyAdmin)(ok)
	api := identity.RequireRoleAPI(identity.RoleOperator)(ok)
	citizen := identity.Principal{Kind: "user", ID: 1, Roles: []identity.Role{identity.RoleCitizen}}
	operator := identity.Principal{Kind: "user", ID: 2, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleOperator}}
	for _, c := range []struct {
		h        http.Handler
		p        *identity.Principal
		status   int
		location string
	}{
		{page, nil, http.StatusSeeOther, "/signin?next=%2Fcases%3Fstatus%3Dopen"},
		{page, &citizen, http.StatusTeapot, ""},
		{page, &operator, http.StatusNoContent, ""},
		{api, nil, http.StatusUnauthorized, ""},
		{api, &citizen, http.StatusForbidden, ""},
		{api, &operator, http.StatusNoContent, ""},
	} {
		r := httptest.NewRequest("GET", "/cases?status=open", nil)
		if c.p != nil {
			r = r.WithContext(identity.WithPrincipal(r.Context(), *c.p))
		}
		w := httptest.NewRecorder()
		c.h.ServeHTTP(w, r)
		if w.Code != c.status || w.Header().Get("Location") != c.location {
			t.Errorf("principal %v: %d %q, want %d %q", c.p, w.Code, w.Header().Get("Location"), c.status, c.location)
		}
		if c.status == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("API refusal is not problem+json: %s", w.Header().Get("Content-Type"))
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/me": "/me", "/services?q=x": "/services?q=x", "": "/", "https://evil.example/": "/", "//evil.example": "/",
		"/\\evil.example": "/", "me": "/", "/a\r\nSet-Cookie: x": "/", "javascript:alert(1)": "/",
	} {
		if got := identity.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCookiesFor(t *testing.T) {
	for base, secure := range map[string]bool{
		"https://my.gov.ir": true, "http://localhost:8080": true, "http://127.0.0.1:8080": true, "http://[::1]:8080": true,
		"http://panjare.test": false, "http://10.0.0.5:8080": false,
	} {
		if got := identity.CookiesFor(base).Secure; got != secure {
			t.Errorf("CookiesFor(%q).Secure = %v, want %v", base, got, secure)
		}
	}
}

package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// errNoSignIn is shown when the portal runs without an identity provider.
var errNoSignIn = errs.E("web.signin", errs.Unavailable, "Signing in is not available on this server.", "ورود در این سامانه فعال نیست.")

// signin sends the visitor to the identity provider, to come back to the
// page named by ?next= (a path on this site).
func (w *Web) signin(rw http.ResponseWriter, r *http.Request) error {
	if w.rp == nil {
		return errNoSignIn
	}
	next := r.URL.Query().Get("next")
	if next == "" {
		next = backTo(r)
	}
	next = identity.SafeNext(next)
	if _, ok := identity.FromContext(r.Context()); ok {
		http.Redirect(rw, r, next, http.StatusSeeOther)
		return nil
	}
	return w.rp.Begin(rw, r, next, string(langOf(r)))
}

// backTo returns the path of the page that linked to sign-in (the header's
// «ورود» link), when that page is on this site, so that signing in brings
// the person back where they were.
func backTo(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || ref.Path == "/signin" || strings.HasPrefix(ref.Path, "/auth/") {
		return "/"
	}
	if ref.RawQuery != "" {
		return ref.Path + "?" + ref.RawQuery
	}
	return ref.Path
}

// callback is where the identity provider sends the browser back: the
// relying party checks everything and opens the session.
func (w *Web) callback(rw http.ResponseWriter, r *http.Request) error {
	if w.rp == nil {
		return errNoSignIn
	}
	next, err := w.rp.Callback(rw, r)
	if err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, next, http.StatusSeeOther)
	return nil
}

// signout ends this browser's session. It is a POST, so the global
// cross-origin protection refuses forged requests.
func (w *Web) signout(rw http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(identity.SessionCookie); err == nil && w.id != nil {
		if err := w.id.EndSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	w.cookies.ClearSession(rw)
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/", http.StatusSeeOther)
	return nil
}

// signoutAll ends every session of the signed-in person.
func (w *Web) signoutAll(rw http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil {
		http.Redirect(rw, r, "/signin?next=/me", http.StatusSeeOther)
		return nil
	}
	if _, err := w.id.RevokeSessions(r.Context(), p, p.ID); err != nil {
		return err
	}
	w.cookies.ClearSession(rw)
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/", http.StatusSeeOther)
	return nil
}

// meView is the data of the profile page.
type meView struct {
	Name         string
	NationalCode string // masked but for the last four digits
	Roles        []string
	Agency       string // the agency's name, or its code
	Sessions     []sessionView
	// Console and PlatformAdmin link the pages of the person's work: the
	// agency console for staff, the exchange admin for platform admins.
	Console       bool
	PlatformAdmin bool
	Notices       *noticesView // nil without a notifier (notifications.go)
	Next          string       // the next page of sessions, "" on the last
}

type sessionView struct {
	identity.Session
	Current bool
}

// me shows the signed-in person who they are to the portal: their name,
// their national code (masked), their roles and agency, how notices reach
// them, and their open sessions, with a button to sign out everywhere.
func (w *Web) me(rw http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil || w.id == nil {
		rw.Header().Set("Cache-Control", "no-store")
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	}
	v, err := w.meData(r, p)
	if err != nil {
		return err
	}
	return w.renderMe(rw, r, http.StatusOK, v)
}

// meData reads what the profile page shows of p.
func (w *Web) meData(r *http.Request, p identity.Principal) (meView, error) {
	ctx := r.Context()
	v := meView{Name: p.Name, NationalCode: identity.MaskNationalCode(p.NationalCode), Console: isStaff(p), PlatformAdmin: p.Has(identity.RolePlatformAdmin)}
	for _, role := range p.Roles {
		v.Roles = append(v.Roles, "role."+string(role))
	}
	if p.Agency != "" {
		v.Agency = p.Agency
		if ags, err := w.agencyC.get(ctx); err == nil {
			if a, ok := ags.byCode[p.Agency]; ok {
				v.Agency = pickText(langOf(r), a.NameFa, a.NameEn)
			}
		}
	}
	sessions, next, err := w.id.Sessions(ctx, p.ID, r.URL.Query().Get("cursor"), identity.DefaultPage)
	if err != nil {
		return v, err
	}
	v.Next = cursorLink("/me", next)
	cur, _ := identity.SessionFromContext(ctx)
	for _, s := range sessions {
		v.Sessions = append(v.Sessions, sessionView{Session: s, Current: s.ID == cur.ID})
	}
	if v.Notices, err = w.noticesData(r, p); err != nil {
		return v, err
	}
	return v, nil
}

// renderMe renders the profile page.
func (w *Web) renderMe(rw http.ResponseWriter, r *http.Request, status int, v meView) error {
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, status, "me", translate(langOf(r), "me.title"), "me", v)
}

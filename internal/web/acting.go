package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// actingLabel is how the header names whom the person acts for.
func actingLabel(p identity.Principal) string {
	switch {
	case p.ActingFor == "":
		return ""
	case p.ActingName != "":
		return p.ActingName
	}
	return identity.MaskNationalCode(p.ActingFor)
}

// actingChoice is one party the person may act for.
type actingChoice struct {
	Value   string // the form value: "self" or the relation's id
	Name    string
	Kind    string // translation key of the relation
	Detail  string // masked national code or company id
	Until   *time.Time
	Current bool
}

// actingView is the data of /me/acting.
type actingView struct {
	Choices  []actingChoice
	Registry bool // whether the civil registry can be asked for children
}

// requireSignedIn returns the signed-in person, or redirects a visitor to
// sign in (done reports that the response is written).
func requireSignedIn(rw http.ResponseWriter, r *http.Request) (p identity.Principal, done bool) {
	p, err := identity.Require(r.Context())
	if err != nil {
		rw.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		} else {
			http.Redirect(rw, r, "/signin?next=/me", http.StatusSeeOther)
		}
		return p, true
	}
	return p, false
}

// acting shows whom the person may act for: themselves, their minor
// children and the companies they represent, with the current choice
// marked, and a button to ask the civil registry for their children.
func (w *Web) acting(rw http.ResponseWriter, r *http.Request) error {
	p, done := requireSignedIn(rw, r)
	if done {
		return nil
	}
	if w.id == nil || p.Kind != "user" {
		return errs.E("web.acting", errs.Unavailable, "Acting for another is not available on this server.", "اقدام از طرف دیگران در این سامانه فعال نیست.")
	}
	rels, err := w.id.UsableRelations(r.Context(), p.ID)
	if err != nil {
		return err
	}
	name := p.Name
	if name == "" {
		name = translate(langOf(r), "acting.self.noname")
	}
	v := actingView{Registry: w.id.HasFamilyRegistry(), Choices: []actingChoice{{Value: "self", Name: name, Kind: "acting.kind.self",
		Detail: identity.MaskNationalCode(p.NationalCode), Current: p.ActingFor == ""}}}
	for _, rel := range rels {
		c := actingChoice{Value: strconv.FormatInt(rel.ID, 10), Name: rel.OtherName, Kind: "acting.kind." + rel.Kind,
			Detail: identity.MaskNationalCode(rel.Other), Until: rel.ValidUntil, Current: p.ActingFor == rel.Other && p.ActingKind == rel.Kind}
		v.Choices = append(v.Choices, c)
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "acting", translate(langOf(r), "acting.title"), "acting", v)
}

// chooseActing stores the person's choice in their session: "self", or the
// id of one of their usable relations.
func (w *Web) chooseActing(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.chooseActing"
	p, done := requireSignedIn(rw, r)
	if done {
		return nil
	}
	sess, ok := identity.SessionFromContext(r.Context())
	if w.id == nil || !ok {
		return errs.E(op, errs.Forbidden, "Choose whom to act for from a signed-in browser session.", "انتخاب کسی که از طرف او اقدام می‌کنید فقط در نشست مرورگر ممکن است.")
	}
	var rel int64
	if v := r.PostFormValue("party"); v != "self" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return badRequest(op, "acting.bad")
		}
		rel = n
	}
	if _, err := w.id.StartActing(r.Context(), p, sess.ID, rel); err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/me/acting", http.StatusSeeOther)
	return nil
}

// findChildren asks the civil registry, through the exchange, who the
// person's children are, and records a guardian relation for each minor.
func (w *Web) findChildren(rw http.ResponseWriter, r *http.Request) error {
	p, done := requireSignedIn(rw, r)
	if done {
		return nil
	}
	if w.id == nil {
		return errs.E("web.findChildren", errs.Unavailable, "Acting for another is not available on this server.", "اقدام از طرف دیگران در این سامانه فعال نیست.")
	}
	if p.ActingFor != "" {
		return errs.E("web.findChildren", errs.Conflict, "Act for yourself first: only you can ask about your own children.",
			"نخست به‌جای خودتان اقدام کنید: فقط خودتان می‌توانید دربارهٔ فرزندانتان استعلام کنید.")
	}
	if _, err := w.id.RecordChildren(r.Context(), p); err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/me/acting", http.StatusSeeOther)
	return nil
}

package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

// The agency admin's pages: their own agency's staff (/agency/staff) and
// API keys (/agency/keys). Every change goes through identity's verbs, which
// check the role again and record an event. The forms carry the agency
// they were shown for; a form naming another agency is not found, so an
// admin cannot reach another agency's staff or keys by editing it.

// agencyAdmin returns the signed-in agency admin, or redirects a visitor to
// sign in (done), or a Forbidden error for anyone else.
func (w *Web) agencyAdmin(rw http.ResponseWriter, r *http.Request) (p identity.Principal, done bool, err error) {
	p, done = requireSignedIn(rw, r)
	if done {
		return p, true, nil
	}
	if w.id == nil {
		return p, false, errs.E("web.agencyAdmin", errs.Unavailable, "Agency administration is not available on this server.", "مدیریت دستگاه در این سامانه فعال نیست.")
	}
	if !p.Has(identity.RoleAgencyAdmin) || p.Agency == "" {
		return p, false, errs.E("web.agencyAdmin", errs.Forbidden, "Only the agency's administrators may open this page.", "تنها مدیران دستگاه می‌توانند این صفحه را ببینند.")
	}
	if a := r.PostFormValue("agency"); r.Method == http.MethodPost && a != p.Agency {
		return p, false, errs.NotFoundf("web.agencyAdmin", "agency", "دستگاه")
	}
	return p, false, nil
}

// agencyName returns the agency's name in l, or its code.
func (w *Web) agencyName(r *http.Request, code string) string {
	if ags, err := w.agencyC.get(r.Context()); err == nil {
		if a, ok := ags.byCode[code]; ok {
			return pickText(langOf(r), a.NameFa, a.NameEn)
		}
	}
	return code
}

// staffRow is one staff role on /agency/staff.
type staffRow struct {
	Name         string
	NationalCode string // in full: the admin needs it to tell people apart and to remove them
	Role         string // translation key
	RoleValue    string
	Since        time.Time
	Self         bool
}

// agencyStaffView is the data of /agency/staff.
type agencyStaffView struct {
	Agency, AgencyName string
	Staff              []staffRow
	Error              string
	Code, Role         string // the form as sent, when it failed
	Done               string // translation key of what was just done
	Next               string // the next page of staff, "" on the last
}

func (w *Web) staffView(r *http.Request, p identity.Principal) (agencyStaffView, error) {
	v := agencyStaffView{Agency: p.Agency, AgencyName: w.agencyName(r, p.Agency), Role: string(identity.RoleOperator)}
	list, next, err := w.id.StaffPage(r.Context(), p.Agency, r.URL.Query().Get("cursor"), identity.DefaultPage)
	if err != nil {
		return v, err
	}
	v.Next = cursorLink("/agency/staff", next)
	for _, s := range list {
		v.Staff = append(v.Staff, staffRow{Name: s.Name, NationalCode: s.NationalCode, Role: "role." + string(s.Role), RoleValue: string(s.Role),
			Since: s.CreatedAt, Self: s.PersonID == p.ID})
	}
	return v, nil
}

// agencyStaff lists the agency's staff, with forms to add and remove them.
func (w *Web) agencyStaff(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	v, err := w.staffView(r, p)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "added":
		v.Done = "agencyadmin.staff.added"
	case "removed":
		v.Done = "agencyadmin.staff.removed"
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "agency_staff", translate(langOf(r), "agencyadmin.staff.title"), "agency", v)
}

// staffFormRole reads the role field: only agency roles are offered.
func staffFormRole(r *http.Request) (identity.Role, bool) {
	role := identity.Role(r.PostFormValue("role"))
	return role, role == identity.RoleOperator || role == identity.RoleAgencyAdmin
}

// addStaff gives a person an operator or admin role in the admin's agency.
// A mistake in the form shows the page again with the message and what was
// typed, with status 400.
func (w *Web) addStaff(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	code := strings.TrimSpace(r.PostFormValue("national_code"))
	role, ok := staffFormRole(r)
	if !ok {
		err = badRequest("web.addStaff", "agencyadmin.staff.badrole")
	} else {
		_, err = w.id.AddStaff(r.Context(), p, code, p.Agency, role)
	}
	if err != nil {
		return w.staffFormFailed(rw, r, p, err, code, string(role))
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/agency/staff?done=added", http.StatusSeeOther)
	return nil
}

// removeStaff takes a role away from one of the agency's staff.
func (w *Web) removeStaff(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	role, ok := staffFormRole(r)
	if !ok {
		return badRequest("web.removeStaff", "agencyadmin.staff.badrole")
	}
	if err := w.id.RemoveStaff(r.Context(), p, r.PostFormValue("national_code"), p.Agency, role); err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/agency/staff?done=removed", http.StatusSeeOther)
	return nil
}

// staffFormFailed shows the staff page again with the error of an invalid
// or conflicting form; other errors become the error page.
func (w *Web) staffFormFailed(rw http.ResponseWriter, r *http.Request, p identity.Principal, err error, code, role string) error {
	kind := errs.KindOf(err)
	if kind != errs.Invalid && kind != errs.Conflict {
		return err
	}
	v, verr := w.staffView(r, p)
	if verr != nil {
		return verr
	}
	fa, en := errs.Messages(err)
	v.Error, v.Code, v.Role = pickText(langOf(r), fa, en), code, role
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, errs.StatusOf(kind), "agency_staff", translate(langOf(r), "agencyadmin.staff.title"), "agency", v)
}

// keyRow is one API client on /agency/keys.
type keyRow struct {
	identity.APIClient
	State string // "active", "overlap" (being rotated, still valid) or "revoked"
}

// agencyKeysView is the data of /agency/keys.
type agencyKeysView struct {
	Agency, AgencyName string
	Keys               []keyRow
	NewKey             string // shown once, right after it was issued
	NewKeyName         string
	OldValidUntil      *time.Time // after a rotation: until when the old key still works
	Error              string
	Done               string
	DefaultOverlap     int    // hours
	Next               string // the next page of keys, "" on the last
}

func (w *Web) keysView(r *http.Request, p identity.Principal) (agencyKeysView, error) {
	v := agencyKeysView{Agency: p.Agency, AgencyName: w.agencyName(r, p.Agency), DefaultOverlap: int(identity.DefaultOverlap / time.Hour)}
	list, next, err := w.id.APIClientsPage(r.Context(), p.Agency, r.URL.Query().Get("cursor"), identity.DefaultPage)
	if err != nil {
		return v, err
	}
	v.Next = cursorLink("/agency/keys", next)
	now := w.id.Now()
	for _, c := range list { // newest first
		st := "active"
		switch {
		case c.RevokedAt != nil && c.RevokedAt.After(now):
			st = "overlap"
		case c.RevokedAt != nil:
			st = "revoked"
		}
		v.Keys = append(v.Keys, keyRow{APIClient: c, State: st})
	}
	return v, nil
}

// agencyKeys lists the agency's API keys, with forms to issue, rotate and
// revoke them.
func (w *Web) agencyKeys(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	v, err := w.keysView(r, p)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "revoked" {
		v.Done = "agencyadmin.keys.revoked"
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "agency_keys", translate(langOf(r), "agencyadmin.keys.title"), "agency", v)
}

// showNewKey renders the keys page with a key just issued: the only time it
// is ever shown. The response must not be stored anywhere.
func (w *Web) showNewKey(rw http.ResponseWriter, r *http.Request, p identity.Principal, c identity.APIClient, key string, oldUntil *time.Time) error {
	v, err := w.keysView(r, p)
	if err != nil {
		return err
	}
	v.NewKey, v.NewKeyName, v.OldValidUntil = key, c.Name, oldUntil
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "agency_keys", translate(langOf(r), "agencyadmin.keys.title"), "agency", v)
}

// keysFormFailed shows the keys page again with the error of an invalid or
// conflicting form.
func (w *Web) keysFormFailed(rw http.ResponseWriter, r *http.Request, p identity.Principal, err error) error {
	kind := errs.KindOf(err)
	if kind != errs.Invalid && kind != errs.Conflict {
		return err
	}
	v, verr := w.keysView(r, p)
	if verr != nil {
		return verr
	}
	fa, en := errs.Messages(err)
	v.Error = pickText(langOf(r), fa, en)
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, errs.StatusOf(kind), "agency_keys", translate(langOf(r), "agencyadmin.keys.title"), "agency", v)
}

// issueKey issues a new API key for the admin's agency.
func (w *Web) issueKey(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	c, key, err := w.id.IssueKey(r.Context(), p, p.Agency, r.PostFormValue("name"))
	if err != nil {
		return w.keysFormFailed(rw, r, p, err)
	}
	return w.showNewKey(rw, r, p, c, key, nil)
}

// keyID reads the {id} of a key route.
func keyID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("id")), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.NotFoundf("web.key", "API client", "کلاینت API")
	}
	return n, nil
}

// rotateKey replaces a key: the new one is shown once, and the old one
// keeps working for the overlap the admin chose (24 hours unless told).
func (w *Web) rotateKey(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	id, err := keyID(r)
	if err != nil {
		return err
	}
	overlap := identity.DefaultOverlap
	if v := strings.TrimSpace(r.PostFormValue("overlap_hours")); v != "" {
		h, err := strconv.Atoi(persian.ASCIIDigits(v))
		if err != nil {
			return w.keysFormFailed(rw, r, p, badRequest("web.rotateKey", "agencyadmin.keys.badoverlap"))
		}
		overlap = time.Duration(h) * time.Hour
	}
	c, key, err := w.id.RotateKey(r.Context(), p, id, overlap)
	if err != nil {
		return w.keysFormFailed(rw, r, p, err)
	}
	until := w.id.Now().Add(overlap)
	return w.showNewKey(rw, r, p, c, key, &until)
}

// revokeKey revokes a key at once.
func (w *Web) revokeKey(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	id, err := keyID(r)
	if err != nil {
		return err
	}
	if err := w.id.RevokeKey(r.Context(), p, id); err != nil {
		return w.keysFormFailed(rw, r, p, err)
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/agency/keys?done=revoked", http.StatusSeeOther)
	return nil
}

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

// /agency/representatives: an agency admin records who legally represents
// a company, from the company's official notice, so that person can act for
// the company. A real deployment asks the companies registry through the
// exchange instead (docs/decisions/006-acting-for-another.md).

// repRow is one representation on the page.
type repRow struct {
	ID                 int64
	Company, CompanyID string
	Person, Code       string
	Until              *time.Time
	State              string // "active", "ended" or "revoked"
}

// agencyRepsView is the data of /agency/representatives.
type agencyRepsView struct {
	Agency, AgencyName string
	Reps               []repRow
	Error              string
	Done               string
	Code, CompanyID    string // the form as sent, when it failed
	CompanyName, Until string
	Next               string // the next page of representations, "" on the last
}

func (w *Web) repsView(r *http.Request, p identity.Principal) (agencyRepsView, error) {
	v := agencyRepsView{Agency: p.Agency, AgencyName: w.agencyName(r, p.Agency)}
	list, next, err := w.id.RepresentationsBy(r.Context(), p.Agency, r.URL.Query().Get("cursor"), identity.DefaultPage)
	if err != nil {
		return v, err
	}
	v.Next = cursorLink("/agency/representatives", next)
	now := w.id.Now()
	for _, x := range list {
		st := "active"
		switch {
		case x.RevokedAt != nil:
			st = "revoked"
		case !x.Usable(now):
			st = "ended"
		}
		v.Reps = append(v.Reps, repRow{ID: x.ID, Company: x.OtherName, CompanyID: x.Other, Person: x.PersonName, Code: x.NationalCode,
			Until: x.ValidUntil, State: st})
	}
	return v, nil
}

// agencyReps lists the representations the agency registered, with a form
// to register one and buttons to revoke.
func (w *Web) agencyReps(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	v, err := w.repsView(r, p)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "added":
		v.Done = "agencyadmin.reps.added"
	case "revoked":
		v.Done = "agencyadmin.reps.revoked"
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "agency_reps", translate(langOf(r), "agencyadmin.reps.title"), "agency", v)
}

// addRep registers a company representative. A mistake in the form shows
// the page again with the message and what was typed, with status 400.
func (w *Web) addRep(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.addRep"
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	code, cid, name := r.PostFormValue("national_code"), r.PostFormValue("company_id"), r.PostFormValue("company_name")
	untilText := strings.TrimSpace(r.PostFormValue("valid_until"))
	var until time.Time
	if untilText != "" {
		t, ok := parseDate(untilText)
		if !ok {
			err = badRequest(op, "agencyadmin.reps.baduntil")
		}
		until = t
	}
	if err == nil {
		_, err = w.id.RegisterRepresentative(r.Context(), p, code, cid, name, until)
	}
	if err != nil {
		kind := errs.KindOf(err)
		if kind != errs.Invalid && kind != errs.Conflict {
			return err
		}
		v, verr := w.repsView(r, p)
		if verr != nil {
			return verr
		}
		fa, en := errs.Messages(err)
		v.Error, v.Code, v.CompanyID, v.CompanyName, v.Until = pickText(langOf(r), fa, en), code, cid, name, untilText
		rw.Header().Set("Cache-Control", "no-store")
		return w.render(rw, r, errs.StatusOf(kind), "agency_reps", translate(langOf(r), "agencyadmin.reps.title"), "agency", v)
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/agency/representatives?done=added", http.StatusSeeOther)
	return nil
}

// revokeRep revokes a representation the agency registered; whoever acts
// under it stops at their next request.
func (w *Web) revokeRep(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	id, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("id")), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotFoundf("web.revokeRep", "relation", "رابطه")
	}
	if err := w.id.RevokeRelation(r.Context(), p, id, r.PostFormValue("reason")); err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/agency/representatives?done=revoked", http.StatusSeeOther)
	return nil
}

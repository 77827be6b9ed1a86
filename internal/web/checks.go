package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// The clerk's guard on the agency's case page: the checks still open
// before a case may be approved or issued, recording the applicant's
// in-person visit with what was checked, and the agency admin's override
// with a written reason (apply/checks.go). The section is its own partial,
// "case-checks", so that the case page around it can change freely.

// checksView is the guard section's data, inside caseView.
type checksView struct {
	apply.Checks
	CanOverride bool   // an agency admin, and something is open
	Error       string // why the last action was refused, in the page's language
}

// fillChecks adds the guard section to the agency's view of a case.
func (w *Web) fillChecks(r *http.Request, p identity.Principal, v *caseView) error {
	ch, err := w.ap.CaseChecks(r.Context(), p, v.Case.Tracking)
	if err != nil {
		return err
	}
	admin := p.Kind == "user" && p.Has(identity.RoleAgencyAdmin)
	v.Checks = &checksView{Checks: ch, CanOverride: admin && !ch.Done() && (v.Case.Open() || v.Case.State == apply.Approved)}
	return nil
}

// renderAgencyCase shows the agency's case page with status and, when the
// last action was refused, its message beside the checks.
func (w *Web) renderAgencyCase(rw http.ResponseWriter, r *http.Request, p identity.Principal, status int, refused error) error {
	v, err := w.caseFor(r, p, r.PathValue("tracking"), true)
	if err != nil {
		return err
	}
	v.Done = doneKey(r.URL.Query().Get("done"))
	if err := w.fillChecks(r, p, &v); err != nil {
		return err
	}
	if refused != nil {
		fa, en := errs.Messages(refused)
		v.Checks.Error = pickText(langOf(r), fa, en)
	}
	return w.render(rw, r, status, "agency_case", translate(langOf(r), "case.title", codeText(langOf(r), v.Case.Tracking)), "agency", v)
}

// refusedHere reports whether err is one the case page shows in place (a
// decision refused over open checks, bad input) rather than as an error page.
func refusedHere(err error) bool {
	return errs.Is(err, errs.Conflict) || errs.Is(err, errs.Invalid)
}

// agencyCaseForm starts every form posted from the agency's case page:
// staff only, a bounded body, parsed.
func (w *Web) agencyCaseForm(rw http.ResponseWriter, r *http.Request, op string) (identity.Principal, error) {
	p, err := staff(r)
	if err != nil {
		return p, err
	}
	if w.ap == nil {
		return p, errNoApply
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return p, badRequest(op, "apply.bad.form")
	}
	return p, nil
}

// agencyCaseDone ends a form posted from the agency's case page: a refusal
// that shown reports as the page's own is shown on the page, beside the
// checks, with its status; any other error goes to the error page; success
// returns to the case with the message done.
func (w *Web) agencyCaseDone(rw http.ResponseWriter, r *http.Request, p identity.Principal, err error, shown func(error) bool, done string) error {
	if err != nil && shown(err) {
		return w.renderAgencyCase(rw, r, p, errs.StatusOf(errs.KindOf(err)), err)
	}
	if err != nil {
		return err
	}
	code, _ := apply.ParseTracking(r.PathValue("tracking"))
	http.Redirect(rw, r, "/agency/cases/"+code+"?done="+done, http.StatusSeeOther)
	return nil
}

// recordVisit records the applicant's in-person visit, with what was checked.
func (w *Web) recordVisit(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.agencyCaseForm(rw, r, "web.recordVisit")
	if err != nil {
		return err
	}
	_, err = w.ap.RecordVisit(r.Context(), p, r.PathValue("tracking"), r.PostForm.Get("note"), r.PostForm["checked"])
	return w.agencyCaseDone(rw, r, p, err, refusedHere, "visited")
}

// overrideChecks approves or issues over open checks (agency admins), with
// the reason written in the form.
func (w *Web) overrideChecks(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.agencyCaseForm(rw, r, "web.overrideChecks")
	if err != nil {
		return err
	}
	to, ok := apply.ParseState(r.PostForm.Get("to"))
	if !ok {
		return badRequest("web.overrideChecks", "cases.bad.state")
	}
	_, err = w.ap.Override(r.Context(), p, r.PathValue("tracking"), apply.Decision{To: to, Reason: r.PostForm.Get("reason"),
		Facts: decisionFacts(r.PostForm)}, r.PostForm.Get("override"))
	return w.agencyCaseDone(rw, r, p, err, refusedHere, "decided")
}

package web

import (
	"time"

	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

// casesView is the data of /me/cases and /agency/cases.
type casesView struct {
	Cases   []apply.Case
	Agency  string      // /agency/cases: the agency's code
	State   apply.State // the queue's filter
	Overdue bool
	States  []apply.State
	Next    string // the next page's address, "" on the last
}

// caseView is the data of /me/cases/{tracking} and /agency/cases/{tracking}.
type caseView struct {
	Case    apply.Case
	New     bool // just submitted
	Done    string
	Agency  bool // the agency's view
	Grounds []groundOption
	Sources map[string]string // evidence code → the holding agency's name
	Actions []apply.State     // the transitions the agency may take
	CanPay  bool
	CanRate bool
	Open    bool
	Ratings []string    // 1 to 5, for the feedback form
	Checks  *checksView // the agency's view only: the guard section (checks.go)
	// Facts are what the document issued on approval certifies, with the
	// values proposed, for the approval form (the agency's view only).
	Facts []apply.FactValue
	// EvidenceEn is the English name of each evidence code, from the
	// service's record.
	EvidenceEn map[string]string
	// The agency's view only: the form's answers under their labels and
	// what other agencies answered (case_content.go).
	Fields  []fieldRow
	Answers []answerView

	// AwaitedNext is, for evidence still awaited, when the window asks
	// again (the applicant's page).
	AwaitedNext map[string]string
	// CanObject: the applicant may still object to the automatic refusal
	// (case-decision.html).
	CanObject bool
	// Sealed: the timeline marks where each step is sealed in the
	// ledger, or that it is not yet (ledger.go); Receipts, where the
	// inquiry behind each evidence's receipt is (message id → index).
	Sealed   bool
	Receipts map[string]*uint64
}

type groundOption struct{ Code, Text string }

// myCases lists the signed-in citizen's cases.
func (w *Web) myCases(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	list, next, err := w.ap.MyCases(r.Context(), p, r.URL.Query().Get("cursor"), apply.DefaultPage)
	if err != nil {
		return err
	}
	v := casesView{Cases: list}
	v.Next = cursorLink("/me/cases", next)
	return w.render(rw, r, http.StatusOK, "cases", translate(langOf(r), "cases.title"), "me", v)
}

// caseFor fills the view of one case for p.
func (w *Web) caseFor(r *http.Request, p identity.Principal, tracking string, agency bool) (caseView, error) {
	c, err := w.ap.Case(r.Context(), p, tracking)
	if err != nil {
		return caseView{}, err
	}
	// The applicant's page is for the applicant, the agency's for the
	// agency: anyone else gets the same 404 as for a case that does not
	// exist.
	if (agency && (p.Agency == "" || p.Agency != c.Agency)) || (!agency && c.Applicant != p.Subject()) {
		return caseView{}, errs.E("web.case", errs.NotFound, "no case with this tracking code", "پرونده‌ای با این کد رهگیری پیدا نشد")
	}
	l := langOf(r)
	v := caseView{Case: c, Agency: agency, Sources: map[string]string{}, Open: c.Open(), Ratings: []string{"1", "2", "3", "4", "5"}}
	ags, err := w.agencyC.get(r.Context())
	if err == nil {
		for _, e := range c.Evidence {
			if e.HeldBy != "" {
				a := agencyOr(ags.byCode, e.HeldBy)
				v.Sources[e.Code] = pickText(l, a.NameFa, a.NameEn)
			}
		}
	}
	if svc, err := w.cat.Service(r.Context(), c.Service); err == nil {
		v.EvidenceEn = evidenceNames(svc.Record)
		if svc.Record.Permit != nil {
			for _, g := range svc.Record.Permit.RefusalGrounds {
				v.Grounds = append(v.Grounds, groundOption{Code: g.Code, Text: pickText(l, g.TextFa, g.TextEn)})
			}
		}
		if agency && c.Open() {
			v.Facts = apply.ProposeFacts(c, svc.Record)
		}
	}
	if agency {
		// A service no longer published has no form: its answers are then
		// shown under their keys.
		f, _ := w.ap.Form(r.Context(), c.Service, identity.Principal{})
		v.Fields = formRows(l, f, c.Data)
		v.Answers = answerViews(l, c, v.EvidenceEn, v.Sources)
	}
	for _, to := range apply.States {
		if apply.Legal(c.State, to) && to != apply.Withdrawn {
			v.Actions = append(v.Actions, to)
		}
	}
	v.CanPay = !agency && c.FeeRials > 0 && !c.Paid && c.Open()
	v.CanRate = !agency && c.State.Complete() && c.Feedback == nil
	v.CanObject = !agency && c.Decision.CanObject(time.Now())
	w.markSealed(r, &v.Case)
	v.Sealed = w.ledger != nil
	var receipts []string
	for _, e := range c.Evidence {
		if e.MessageID != "" {
			receipts = append(receipts, e.MessageID)
		}
	}
	v.Receipts = w.receiptSeals(r, c.Applicant, receipts)
	return v, nil
}

// myCase shows one of the citizen's cases: timeline, deadline, evidence,
// decision, documents, payment, feedback and complaints.
func (w *Web) myCase(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	v, err := w.caseFor(r, p, r.PathValue("tracking"), false)
	if err != nil {
		return err
	}
	v.New = r.URL.Query().Get("new") == "1"
	v.Done = doneKey(r.URL.Query().Get("done"))
	v.AwaitedNext = awaitedNext(langOf(r), v.Case.Awaited)
	return w.render(rw, r, http.StatusOK, "case", translate(langOf(r), "case.title", codeText(langOf(r), v.Case.Tracking)), "me", v)
}

// doneKey maps ?done= to the message shown after an action.
func doneKey(s string) string {
	switch s {
	case "withdrawn", "answered", "rated", "complained", "closed", "decided", "replied", "visited", "objected":
		return "case.done." + s
	}
	return ""
}

// caseAction runs one of the citizen's actions on their case and shows the
// case again.
func (w *Web) caseAction(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("web.case", "apply.bad.form")
	}
	tracking := r.PathValue("tracking")
	ctx := r.Context()
	var done string
	var err error
	switch r.PathValue("action") {
	case "withdraw":
		_, err = w.ap.Transition(ctx, p, tracking, apply.Withdrawn, r.PostForm.Get("reason"), "")
		done = "withdrawn"
	case "answer":
		_, err = w.ap.Transition(ctx, p, tracking, apply.InReview, r.PostForm.Get("answer"), "")
		done = "answered"
	case "feedback":
		rating, _ := strconv.Atoi(persian.ASCIIDigits(r.PostForm.Get("rating")))
		err = w.ap.GiveFeedback(ctx, p, tracking, rating, r.PostForm.Get("comment"))
		done = "rated"
	case "complain":
		_, err = w.ap.Complain(ctx, p, tracking, r.PostForm.Get("text"))
		done = "complained"
	case "close":
		err = w.ap.CloseComplaint(ctx, p, tracking, r.PostForm.Get("complaint"))
		done = "closed"
	case "object":
		_, err = w.ap.Object(ctx, p, tracking, r.PostForm.Get("reason"))
		done = "objected"
	case "pay":
		var to string
		to, err = w.ap.StartPayment(ctx, p, tracking)
		if err == nil {
			http.Redirect(rw, r, to, http.StatusSeeOther)
			return nil
		}
	default:
		return errs.E("web.case", errs.NotFound, "There is no page at this address.", "صفحه‌ای با این نشانی وجود ندارد.")
	}
	if err != nil {
		return err
	}
	code, _ := apply.ParseTracking(tracking)
	http.Redirect(rw, r, "/me/cases/"+code+"?done="+done, http.StatusSeeOther)
	return nil
}

// paymentView is the data of the page the bank sends the browser back to.
type paymentView struct {
	Payment apply.Payment
	Paid    bool
}

// paymentReturn shows where a payment stands. It changes nothing: only the
// provider's callback confirms a payment, never the browser coming back.
func (w *Web) paymentReturn(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	pay, err := w.ap.Payment(r.Context(), p, r.PathValue("tracking"), r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, "payment", translate(langOf(r), "payment.title"), "me", paymentView{Payment: pay, Paid: pay.State == apply.PayPaid})
}

// caseUpload serves an uploaded file to the applicant or the agency, as a
// download of its sniffed type.
func (w *Web) caseUpload(rw http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil {
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E("web.upload", errs.NotFound, "no such file", "پرونده پیدا نشد")
	}
	u, err := w.ap.Upload(r.Context(), p, r.PathValue("tracking"), id)
	if err != nil {
		return err
	}
	h := rw.Header()
	h.Set("Content-Type", u.ContentType)
	h.Set("Content-Disposition", "attachment; filename=\""+u.Code+extOf(u.ContentType)+"\"")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(u.Data)))
	_, err = rw.Write(u.Data)
	return err
}

func extOf(ct string) string {
	switch ct {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	}
	return ".jpg"
}

// agencyCases is the minimal decision queue of an agency's staff, filtered
// by state and overdue.
func (w *Web) agencyCases(rw http.ResponseWriter, r *http.Request) error {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := staff(r)
	if errs.Is(err, errs.Unauthorized) {
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if w.ap == nil {
		return errNoApply
	}
	q := r.URL.Query()
	f := apply.ConsoleFilter{Overdue: q.Get("overdue") == "1", Cursor: q.Get("cursor"), Limit: apply.DefaultPage}
	if s := q.Get("state"); s != "" {
		st, ok := apply.ParseState(s)
		if !ok {
			return badRequest("web.agencyCases", "cases.bad.state")
		}
		f.State = st
	}
	page, err := w.ap.AgencyQueue(r.Context(), p, f)
	if err != nil {
		return err
	}
	v := casesView{Agency: p.Agency, State: f.State, Overdue: f.Overdue, States: apply.States}
	for _, it := range page.Items {
		v.Cases = append(v.Cases, it.Case)
	}
	if page.Next != "" {
		q.Set("cursor", page.Next)
		v.Next = "/agency/cases?" + q.Encode()
	}
	return w.render(rw, r, http.StatusOK, "agency_cases", translate(langOf(r), "agencycases.title"), "agency", v)
}

// agencyCase is one case as its agency sees it, with the decision buttons.
func (w *Web) agencyCase(rw http.ResponseWriter, r *http.Request) error {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := staff(r)
	if errs.Is(err, errs.Unauthorized) {
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if w.ap == nil {
		return errNoApply
	}
	return w.renderAgencyCase(rw, r, p, http.StatusOK, nil)
}

// decisionFacts reads the facts part of the approval form: one input
// named fact_<code> per fact the document certifies.
func decisionFacts(form url.Values) map[string]string {
	var out map[string]string
	for name, vals := range form {
		if code, ok := strings.CutPrefix(name, "fact_"); ok && len(vals) > 0 {
			if out == nil {
				out = map[string]string{}
			}
			out[code] = vals[0]
		}
	}
	return out
}

// agencyDecide takes a transition, or answers a complaint, as the agency.
func (w *Web) agencyDecide(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.agencyCaseForm(rw, r, "web.agencyDecide")
	if err != nil {
		return err
	}
	tracking := r.PathValue("tracking")
	if code := r.PostForm.Get("complaint"); code != "" {
		err = w.ap.AnswerComplaint(r.Context(), p, tracking, code, r.PostForm.Get("answer"))
		return w.agencyCaseDone(rw, r, p, err, never, "replied")
	}
	to, ok := apply.ParseState(r.PostForm.Get("to"))
	if !ok {
		return badRequest("web.agencyDecide", "cases.bad.state")
	}
	_, err = w.ap.Decide(r.Context(), p, tracking, apply.Decision{To: to, Reason: r.PostForm.Get("reason"),
		Ground: r.PostForm.Get("ground"), Facts: decisionFacts(r.PostForm)})
	// Refused with checks open among the reasons: shown beside them.
	return w.agencyCaseDone(rw, r, p, err, isConflict, "decided")
}

func never(error) bool { return false }

func isConflict(err error) bool { return errs.Is(err, errs.Conflict) }

// awaitedNext says, for each piece of awaited evidence, when the window asks
// again: a date and time of day, since the first retries come minutes apart.
func awaitedNext(l lang, list []apply.Awaited) map[string]string {
	out := map[string]string{}
	for _, w := range list {
		if w.NextAt != nil {
			out[w.Code] = dateTimeIn(l, *w.NextAt)
		}
	}
	return out
}

package api

import (
	"io"
	"net/http"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
)

// The citizen's applications as JSON (with the portal's session cookie),
// and the payment provider's callback. The agency side of cases (queue,
// decisions, webhooks) is a later part of the API.

var errNoApply = errs.E("api.apply", errs.Unavailable, "applications are not available on this server", "ثبت درخواست در این سامانه فعال نیست")

// citizen returns the signed-in citizen of a session request.
func citizen(r *http.Request, op string) (identity.Principal, error) {
	p, err := identity.Require(r.Context())
	if err != nil {
		return p, errs.E(op, errs.Unauthorized, "sign in to the portal first: this endpoint reads the session cookie",
			"نخست در درگاه وارد شوید: این نشانی با کوکی نشست کار می‌کند")
	}
	if p.NationalCode == "" {
		return p, errs.E(op, errs.Forbidden, "only a citizen signed in with a national code has applications",
			"تنها شهروندی که با کد ملی وارد شده است درخواست دارد")
	}
	return p, nil
}

// applicationRequest is the body of POST /api/v1/services/{id}/applications.
type applicationRequest struct {
	Data map[string]string `json:"data"`
	// Region is the city the case belongs to (a catalogue region code),
	// optional; only a submission reads it.
	Region string `json:"region,omitempty"`
}

// caseList is a page of cases: next is the cursor of the next page and
// next_url its address, both absent on the last page.
type caseList struct {
	Items   []apply.Case `json:"items"`
	Next    string       `json:"next,omitempty"`
	NextURL string       `json:"next_url,omitempty"`
}

// pageParams are the query parameters of a list of cases.
var pageParams = []param{
	{name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 500 (default 50)."},
	{name: "cursor", in: "query", schema: "string", desc: "The next of the previous page; absent for the first page."},
}

// nextPage sets the next page's cursor and address on out, and the Link
// header of the answer.
func nextPage(w http.ResponseWriter, r *http.Request, out *caseList, next string) {
	out.Next, out.NextURL = next, nextURL(w, r, next)
}

// nextURL returns the address of the page after r's, whose cursor is next,
// and sets it as the answer's Link header; "" when next is "" (the last
// page).
func nextURL(w http.ResponseWriter, r *http.Request, next string) string {
	return nextURLBy(w, r, "cursor", next)
}

// nextURLBy is nextURL for a list whose page parameter is param.
func nextURLBy(w http.ResponseWriter, r *http.Request, param, next string) string {
	if next == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set(param, next)
	u := r.URL.Path + "?" + q.Encode()
	w.Header().Set("Link", "<"+u+`>; rel="next"`)
	return u
}

func (a *API) applyRoutes() []route {
	id := param{name: "id", in: "path", schema: "string", desc: "The 7-digit service identifier (Persian digits accepted).", required: true}
	tracking := param{name: "tracking", in: "path", schema: "string", desc: "The case's tracking code, such as 1405-0932-8471 (Persian digits and no dashes accepted).", required: true}
	return []route{
		{method: "GET", pattern: "/api/v1/services/{id}/form", op: "getApplicationForm", tag: "me", session: true,
			summary: "The application form of a service: its JSON Schema (draft 2020-12) with Persian titles, the uploads it asks, the evidence fetched from other agencies instead of asked, and the citizen's saved draft.",
			params:  []param{id}, responses: map[int]string{200: "ApplicationForm", 401: "Problem", 403: "Problem", 404: "Problem", 409: "Problem"},
			handler: a.applicationForm},
		{method: "PUT", pattern: "/api/v1/services/{id}/draft", op: "saveApplicationDraft", tag: "me", session: true,
			summary: "Save the citizen's unfinished form.", params: []param{id}, body: "ApplicationRequest",
			responses: map[int]string{204: "", 400: "Problem", 401: "Problem", 404: "Problem", 413: "Problem"}, handler: a.saveDraft},
		{method: "POST", pattern: "/api/v1/services/{id}/applications", op: "submitApplication", tag: "me", session: true,
			summary: "Submit an application. Forms that ask for uploads are submitted through the portal's multipart form. Every wrong field is named in the problem's fields, in Persian and English; nothing is stored then.",
			params:  []param{id}, body: "ApplicationRequest",
			responses: map[int]string{201: "Case", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 409: "Problem", 413: "Problem"},
			handler:   a.submitApplication},
		{method: "GET", pattern: "/api/v1/me/cases", op: "listMyCases", tag: "me", session: true,
			summary: "The signed-in citizen's applications, newest first, a page at a time: follow next_url (or the Link header) to the end.",
			params:  pageParams, responses: map[int]string{200: "CaseList", 400: "Problem", 401: "Problem", 403: "Problem"},
			handler: a.myCases},
		{method: "GET", pattern: "/api/v1/me/cases/{tracking}", op: "getMyCase", tag: "me", session: true,
			summary: "One of the citizen's applications with its evidence, timeline, payments, feedback and complaints. Another person's case is 404.",
			params:  []param{tracking}, responses: map[int]string{200: "Case", 401: "Problem", 404: "Problem"}, handler: a.myCase},
		{method: "POST", pattern: "/api/v1/cases/{tracking}/objection", op: "objectToDecision", tag: "me", session: true,
			summary: "Object, with a written reason, to the automatic refusal of the citizen's application by the service's rules, within the service's objection period (30 days unless its record says otherwise). The case becomes objected and a clerk who did not write the rules decides it finally. Objecting after the period, twice, or to a decision a clerk made is 409.",
			params:  []param{tracking}, body: "ObjectionRequest",
			responses: map[int]string{200: "Case", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 409: "Problem"},
			handler:   a.objectToDecision},
		{method: "POST", pattern: apply.SandboxCallbackPath, op: "sandboxPaymentCallback", tag: "payments",
			summary:   "The sandbox payment provider's server-to-server callback, authenticated by an HMAC-SHA256 of the body in X-Sandbox-Signature. Only this confirms a payment; a replay changes nothing.",
			responses: map[int]string{204: "", 400: "Problem", 403: "Problem", 404: "Problem", 503: "Problem"}, handler: a.paymentCallback},
	}
}

func (a *API) applicationForm(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.applicationForm")
	if err != nil {
		return err
	}
	if a.cfg.Apply == nil {
		return errNoApply
	}
	f, err := a.cfg.Apply.Form(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, f)
}

func (a *API) saveDraft(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.saveDraft")
	if err != nil {
		return err
	}
	if a.cfg.Apply == nil {
		return errNoApply
	}
	var req applicationRequest
	if err := httpx.DecodeJSON(w, r, &req, 256<<10); err != nil {
		return err
	}
	if err := a.cfg.Apply.SaveDraft(r.Context(), p, r.PathValue("id"), req.Data); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) submitApplication(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.submitApplication")
	if err != nil {
		return err
	}
	if a.cfg.Apply == nil {
		return errNoApply
	}
	var req applicationRequest
	if err := httpx.DecodeJSON(w, r, &req, 256<<10); err != nil {
		return err
	}
	c, err := a.cfg.Apply.SubmitIn(r.Context(), p, r.PathValue("id"), req.Region, req.Data, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/me/cases/"+c.Tracking)
	return httpx.WriteJSON(w, http.StatusCreated, c)
}

func (a *API) myCases(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.myCases")
	if err != nil {
		return err
	}
	if a.cfg.Apply == nil {
		return errNoApply
	}
	limit, err := queryInt(r, "limit", apply.DefaultPage, apply.MaxPage)
	if err != nil {
		return err
	}
	list, next, err := a.cfg.Apply.MyCases(r.Context(), p, r.URL.Query().Get("cursor"), int(limit))
	if err != nil {
		return err
	}
	out := caseList{Items: list}
	if out.Items == nil {
		out.Items = []apply.Case{}
	}
	nextPage(w, r, &out, next)
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) myCase(w http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil {
		return errs.E("api.myCase", errs.Unauthorized, "sign in to the portal first", "نخست در درگاه وارد شوید")
	}
	if a.cfg.Apply == nil {
		return errNoApply
	}
	c, err := a.cfg.Apply.Case(r.Context(), p, r.PathValue("tracking"))
	if err != nil {
		return err
	}
	if c.Applicant != p.Subject() {
		return errs.E("api.myCase", errs.NotFound, "no case with this tracking code", "پرونده‌ای با این کد رهگیری پیدا نشد")
	}
	if err := a.markSealed(r.Context(), &c); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, c)
}

// objectionRequest is the body of POST /api/v1/cases/{tracking}/objection.
type objectionRequest struct {
	Reason string `json:"reason"`
}

func (a *API) objectToDecision(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.objectToDecision")
	if err != nil {
		return err
	}
	if a.cfg.Apply == nil {
		return errNoApply
	}
	// Another's case does not exist for the caller, whatever the body.
	c, err := a.cfg.Apply.Case(r.Context(), p, r.PathValue("tracking"))
	if err != nil {
		return err
	}
	if c.Applicant != p.Subject() {
		return errs.E("api.objectToDecision", errs.NotFound, "no case with this tracking code", "پرونده‌ای با این کد رهگیری پیدا نشد")
	}
	var req objectionRequest
	if err := httpx.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	c, err = a.cfg.Apply.Object(r.Context(), p, c.Tracking, req.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, c)
}

// paymentCallback passes the provider's callback, unread, to apply, which
// has the provider authenticate it.
func (a *API) paymentCallback(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Apply == nil {
		return errNoApply
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<10))
	if err != nil {
		return errs.E("api.paymentCallback", errs.TooLarge, "the callback is too large", "پیام درگاه بیش از اندازه بزرگ است")
	}
	if err := a.cfg.Apply.PaymentCallback(r.Context(), r.Header, body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// applySchemas are the schemas of the application endpoints.
func applySchemas() map[string]any {
	dt := map[string]any{"type": "string", "format": "date-time"}
	state := enum("submitted", "in_review", "needs_info", "approved", "rejected", "objected", "issued", "withdrawn")
	outcome := enum("approve", "reject", "refer")
	return map[string]any{
		"ApplicationRequest": obj([]string{"data"}, map[string]any{"data": map[string]any{"type": "object",
			"additionalProperties": map[string]any{"type": "string"}, "description": "The form's text fields by name (see the form's schema)."},
			"region": str("Optional, on submission: the city the case belongs to, a city code of GET /api/v1/regions such as YZD-01; an unknown code is a field error on region.")}),
		"ApplicationForm": obj([]string{"service", "schema", "fields"}, map[string]any{
			"service": str("The service identifier."), "title_fa": str("The service's Persian title."), "agency": str("The competent agency's code."),
			"fee_rials": integer,
			"schema":    map[string]any{"type": "object", "description": "The JSON Schema (draft 2020-12) of the text fields, titled in Persian (x-title-en in English)."},
			"fields": arr(obj([]string{"name", "kind"}, map[string]any{"name": str("The field's key."), "kind": enum("text", "file"),
				"label_fa": str("Label."), "label_en": str("Label in English."), "required": boolean})),
			"fetched": arr(obj([]string{"code", "agency"}, map[string]any{"code": str("Evidence code."), "agency": str("The agency that holds it; the citizen need not bring it."),
				"inquiry": str("The exchange data service, MEMBER/SERVICE.")})),
			"draft": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		}),
		"Case": obj([]string{"tracking", "service", "state", "submitted_at", "deadline"}, map[string]any{
			"tracking": str("The tracking code, 12 digits in three groups with a check digit."), "service": str("Service identifier."),
			"title_fa": str("The service's title."), "agency": str("The competent agency."), "region": str("The city the case belongs to (a region code), when known."), "state": state,
			"fee_rials": integer, "paid": boolean, "submitted_at": dt, "deadline": dt, "overdue_at": dt, "decided_at": dt,
			"ground": str("The published refusal ground's code, when refused."), "ground_fa": str("Its text."), "reason": str("The reason given."),
			"document": str("The issued document's id."),
			"evidence": arr(obj([]string{"code", "source", "state"}, map[string]any{"code": str("Evidence code."),
				"source": enum("inquiry", "upload", "declaration", "paper"), "held_by": str("The agency that holds it."),
				"state":      enum("fetched", "pending", "missing", "uploaded", "declared", "to_bring"),
				"message_id": str("The exchange's message id of the inquiry."), "digest": str("SHA-256 of the answer or upload."),
				"ledger_index": map[string]any{"type": "integer", "description": "Where the inquiry's exchange.inquiry event is sealed in the ledger; absent while it is not yet."}})),
			"awaited": arr(obj([]string{"code", "held_by", "since", "attempts"}, map[string]any{"code": str("Evidence code."),
				"name_fa": str("The evidence's name."), "held_by": str("The agency asked for it."), "inquiry": str("The exchange data service, MEMBER/SERVICE."),
				"since": dt, "attempts": integer, "next_at": map[string]any{"type": "string", "format": "date-time",
					"description": "When it is asked again; absent once the platform has stopped asking and the agency's staff were told."}})),
			"timeline": arr(obj([]string{"at", "kind", "actor"}, map[string]any{"at": dt, "kind": str("Event kind."), "actor": str("Who."),
				"from": state, "to": state, "reason": str("Why."), "event_id": integer,
				"ledger_index": map[string]any{"type": "integer", "description": "The step's event's index in the ledger (GET /api/v1/ledger/proof/inclusion?index=); absent while it is not sealed yet, which takes about a second."}})),
			"origin": obj([]string{"kind", "event"}, map[string]any{"kind": enum("offer", "nostop"), "event": str("The life event's id."),
				"subscription": integer, "note": str("In Persian, why the window started the case for the citizen.")}),
			"decision": obj([]string{"version", "outcome", "explain_fa", "decided_at"}, map[string]any{
				"service": str("Service identifier."), "version": integer, "outcome": outcome,
				"ground": str("The published refusal ground's code."), "ground_fa": str(""), "ground_en": str(""),
				"explain_fa": str("The decision explained in Persian."), "explain_en": str("In English."),
				"fired": arr(obj([]string{"rule", "outcome"}, map[string]any{"rule": str("The rule's code."), "outcome": outcome, "ground": str(""),
					"explain_fa": str(""), "explain_en": str(""), "reads": arr(str("An input path the rule read."))})),
				"inputs": arr(obj([]string{"path", "source"}, map[string]any{"path": str("Such as evidence.identity.alive or applicant.age."),
					"value": map[string]any{"description": "The value read."},
					"source": obj([]string{"kind"}, map[string]any{"kind": enum("form", "inquiry", "profile", "clock", "event"),
						"inquiry": str("MEMBER/SERVICE of the inquiry that answered."), "receipt": str("The exchange's message id of that answer.")})})),
				"referred":        str("Why the case went to a clerk although the rules did not refer it (the engine failed, a check was open)."),
				"actor":           str("rules:<service>@v<version>"),
				"decided_at":      dt,
				"rules_url":       str("The public page of the service's rules."),
				"objection_until": map[string]any{"type": "string", "format": "date-time", "description": "A refusal: the end of the period to object."},
				"objection": obj([]string{"reason", "objected_at", "overturned"}, map[string]any{"reason": str(""), "objected_at": dt, "decided_at": dt,
					"decided_by": str("The clerk's actor."), "outcome": state, "overturned": boolean}),
			}),
			"facts": arr(obj([]string{"code", "name_fa", "from", "value"}, map[string]any{"code": str("The fact's code, to use in a decision's facts."),
				"name_fa": str(""), "name_en": str(""), "from": enum("form", "evidence", "decision"),
				"value": str("The value its source proposes; empty when the official must enter it.")})),
		}),
		"ObjectionRequest": obj([]string{"reason"}, map[string]any{"reason": str("Why the citizen objects, at most 2,000 characters.")}),
		"CaseList": obj([]string{"items"}, map[string]any{"items": arr(ref("Case")),
			"next":     str("The cursor of the next page; absent on the last page."),
			"next_url": str("The address of the next page; absent on the last page.")}),
	}
}

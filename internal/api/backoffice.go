package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
)

// The back-office API: what an agency's own systems use, with an agency API
// key. The pull queue (feed items since the client's last acknowledgement),
// the agency's cases, decisions with idempotency keys, and webhooks. The
// verbs live in apply (queue.go, webhooks.go, idempotency.go); here they are
// only parsed and rendered.

var errNoBackoffice = errs.E("api.backoffice", errs.Unavailable, "the back-office API is not available on this server", "API پشتیبان دستگاه‌ها در این سامانه فعال نیست")

// IdempotencyKeyHeader carries a decision's idempotency key.
const IdempotencyKeyHeader = "Idempotency-Key"

// maxTransitionBytes bounds a decision's body: a reason of a few thousand
// characters is far below it.
const maxTransitionBytes = 32 << 10

// queueList is one pull of the queue.
type queueList struct {
	Items []apply.FeedItem `json:"items"`
}

// ackRequest acknowledges the queue up to a cursor.
type ackRequest struct {
	Cursor string `json:"cursor"`
}

// transitionRequest is a decision on a case.
type transitionRequest struct {
	To     apply.State `json:"to"`
	Reason string      `json:"reason,omitempty"`
	Ground string      `json:"ground,omitempty"`
	// Facts are the values of what the issued document certifies, by the
	// record's fact codes; with an approval only.
	Facts map[string]string `json:"facts,omitempty"`
}

// webhookRequest registers an endpoint.
type webhookRequest struct {
	URL   string   `json:"url"`
	Kinds []string `json:"kinds,omitempty"`
}

// webhookCreated is a registered endpoint with its secret, shown once.
type webhookCreated struct {
	apply.Webhook
	Secret string `json:"secret"`
}

type webhookList struct {
	Items []apply.Webhook `json:"items"`
}

type deliveryList struct {
	Items   []apply.Delivery `json:"items"`
	Next    string           `json:"next,omitempty"`
	NextURL string           `json:"next_url,omitempty"`
}

func (a *API) backofficeRoutes() []route {
	tracking := param{name: "tracking", in: "path", schema: "string", desc: "The case's tracking code (Persian digits and no dashes accepted).", required: true}
	std := func(extra map[int]string) map[int]string {
		m := map[int]string{401: "Problem", 403: "Problem", 429: "Problem", 503: "Problem"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	return []route{
		{method: "GET", pattern: "/api/v1/agency/queue", op: "pullQueue", tag: "back office", agency: true,
			summary:   "The agency's new case events since this API client's last acknowledgement, oldest first, each with a cursor. Items come back until acknowledged (at least once).",
			params:    []param{{name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 500 (default 50)."}},
			responses: std(map[int]string{200: "QueueItems", 400: "Problem"}), agencyHandler: a.pullQueue},
		{method: "POST", pattern: "/api/v1/agency/queue/ack", op: "ackQueue", tag: "back office", agency: true, body: "AckRequest",
			summary:   "Acknowledge every queue item up to and including the cursor; an older cursor changes nothing.",
			responses: std(map[int]string{204: "", 400: "Problem", 413: "Problem"}), agencyHandler: a.ackQueue},
		{method: "GET", pattern: "/api/v1/agency/cases", op: "listAgencyCases", tag: "back office", agency: true,
			summary: "The agency's cases, earliest deadline first, a page at a time: follow next_url (or the Link header) to the end.",
			params: append([]param{
				{name: "state", in: "query", schema: "string", desc: "One state; default every open case."},
				{name: "service", in: "query", schema: "string", desc: "One service's identifier."},
				{name: "overdue", in: "query", schema: "boolean", desc: "true for overdue cases only."},
			}, pageParams...),
			responses: std(map[int]string{200: "CaseList", 400: "Problem"}), agencyHandler: a.agencyCases},
		{method: "GET", pattern: "/api/v1/agency/cases/{tracking}", op: "getAgencyCase", tag: "back office", agency: true,
			summary: "One of the agency's cases with its form data, evidence (with the exchange's receipts), timeline and, while open, the facts its document will certify with the values proposed. Another agency's case is 404.",
			params:  []param{tracking}, responses: std(map[int]string{200: "Case", 404: "Problem"}), agencyHandler: a.agencyCase},
		{method: "POST", pattern: "/api/v1/agency/cases/{tracking}/transitions", op: "transitionCase", tag: "back office", agency: true,
			summary: "Move a case: in_review, needs_info (with a reason), approved, rejected (a permit needs a published refusal ground) or issued. " +
				"The Idempotency-Key header is required: the same key with the same body gives the first answer again (Idempotent-Replayed: true) without doing it twice; " +
				"with another body, or while the first is still running, it is 409. Keys are kept 24 hours. " +
				"Approving or issuing is 409 while checks are open (see getCaseChecks); the problem's errors name each one.",
			params: []param{tracking, {name: "Idempotency-Key", in: "header", schema: "string", required: true,
				desc: "A unique key per decision, 1 to 255 visible ASCII characters, such as a UUID."}},
			body:      "TransitionRequest",
			responses: std(map[int]string{200: "Case", 400: "Problem", 404: "Problem", 409: "Problem", 413: "Problem"}), agencyHandler: a.transitionCase},
		{method: "GET", pattern: "/api/v1/agency/cases/{tracking}/checks", op: "getCaseChecks", tag: "back office", agency: true,
			summary: "What must be done before the case may be approved or issued: evidence still pending, paper originals or unfound evidence not yet seen, " +
				"a visit the service asks for; with the visits recorded and any decision an agency admin took over open checks.",
			params: []param{tracking}, responses: std(map[int]string{200: "Checks", 404: "Problem"}), agencyHandler: a.caseChecks},
		{method: "POST", pattern: "/api/v1/agency/cases/{tracking}/visits", op: "recordVisit", tag: "back office", agency: true, body: "VisitRequest",
			summary: "Record the applicant's in-person visit: what was checked, and the codes of the evidence seen. Answers the checks as they now stand.",
			params:  []param{tracking}, responses: std(map[int]string{201: "Checks", 400: "Problem", 404: "Problem", 409: "Problem", 413: "Problem"}),
			agencyHandler: a.recordVisit},
		{method: "GET", pattern: "/api/v1/agency/webhooks", op: "listWebhooks", tag: "back office", agency: true,
			summary:   "The agency's webhook endpoints (without their secrets).",
			responses: std(map[int]string{200: "WebhookList"}), agencyHandler: a.listWebhooks},
		{method: "POST", pattern: "/api/v1/agency/webhooks", op: "registerWebhook", tag: "back office", agency: true, body: "WebhookRequest",
			summary:   "Register a webhook endpoint (https only) for some queue item kinds (none: all). The answer holds the signing secret, shown only this once.",
			responses: std(map[int]string{201: "WebhookCreated", 400: "Problem", 409: "Problem", 413: "Problem"}), agencyHandler: a.registerWebhook},
		{method: "DELETE", pattern: "/api/v1/agency/webhooks/{hook}", op: "disableWebhook", tag: "back office", agency: true,
			summary:   "Disable a webhook endpoint; deliveries not yet made end failed.",
			params:    []param{{name: "hook", in: "path", schema: "integer", desc: "The endpoint's id.", required: true}},
			responses: std(map[int]string{204: "", 400: "Problem", 404: "Problem"}), agencyHandler: a.disableWebhook},
		{method: "GET", pattern: "/api/v1/agency/webhooks/deliveries", op: "listWebhookDeliveries", tag: "back office", agency: true,
			summary: "The webhook deliveries, newest first, a page at a time (follow next_url to the end): state, attempts, last error and next retry.",
			params: []param{{name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 500 (default 100)."},
				{name: "cursor", in: "query", schema: "string", desc: "The next of the previous page; absent for the first page."}},
			responses: std(map[int]string{200: "DeliveryList"}), agencyHandler: a.listDeliveries},
	}
}

func (a *API) pullQueue(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	limit := 0
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errs.E("api.pullQueue", errs.Invalid, "limit must be a whole number from 1 to 500", "limit باید عددی صحیح از ۱ تا ۵۰۰ باشد")
		}
		limit = n
	}
	items, err := a.cfg.Backoffice.Pull(r.Context(), p, limit)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, queueList{Items: items})
}

func (a *API) ackQueue(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	var req ackRequest
	if err := httpx.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	if err := a.cfg.Backoffice.Ack(r.Context(), p, req.Cursor); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) agencyCases(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	q := r.URL.Query()
	f := apply.ConsoleFilter{State: apply.State(q.Get("state")), Service: q.Get("service")}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return errs.E("api.agencyCases", errs.Invalid, "overdue must be true or false", "overdue باید true یا false باشد")
	}
	limit, err := queryInt(r, "limit", apply.DefaultPage, apply.MaxPage)
	if err != nil {
		return err
	}
	f.Cursor, f.Limit = q.Get("cursor"), int(limit)
	page, err := a.cfg.Backoffice.Applications().AgencyQueue(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := caseList{Items: []apply.Case{}}
	for _, it := range page.Items {
		out.Items = append(out.Items, it.Case)
	}
	nextPage(w, r, &out, page.Next)
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) agencyCase(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	c, err := a.cfg.Backoffice.Applications().Case(r.Context(), p, r.PathValue("tracking"))
	if err != nil {
		return err
	}
	if err := a.markSealed(r.Context(), &c); err != nil {
		return err
	}
	out := agencyCaseView{Case: c}
	if a.cfg.Catalog != nil && c.Open() {
		if svc, err := a.cfg.Catalog.Service(r.Context(), c.Service); err == nil {
			out.Facts = apply.ProposeFacts(c, svc.Record)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// agencyCaseView is a case as its agency reads it: with, while it is open,
// what the document issued on approval will certify and the value each
// fact's source proposes, so that the back office can confirm or correct
// them in its decision's facts.
type agencyCaseView struct {
	apply.Case
	Facts []apply.FactValue `json:"facts,omitempty"`
}

// transitionCase decides on a case once per idempotency key: the answer,
// a problem included, is kept and given again for the same key and body.
func (a *API) transitionCase(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	const op = "api.transitionCase"
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	key := r.Header.Get(IdempotencyKeyHeader)
	if key == "" {
		return errs.E(op, errs.Invalid, "send an Idempotency-Key header with every decision", "با هر تصمیم سرآیند Idempotency-Key را بفرستید")
	}
	if err := apply.CheckIdempotencyKey(key); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTransitionBytes))
	if err != nil {
		return errs.E(op, errs.TooLarge, "the body is larger than the limit", "حجم بدنهٔ درخواست بیش از حد مجاز است")
	}
	var req transitionRequest
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := httpx.DecodeJSON(w, r, &req, maxTransitionBytes); err != nil {
		return err
	}
	tracking := r.PathValue("tracking")
	// The request is the path and the decoded decision, so that the same
	// decision sent with other spacing is the same request.
	canon, _ := json.Marshal(req)
	request := []byte(r.Method + " " + strings.TrimSpace(tracking) + "\n" + string(canon))
	ans, replayed, err := a.cfg.Backoffice.Idempotent(r.Context(), p, key, request, func() apply.Answer {
		c, err := a.cfg.Backoffice.Decide(r.Context(), p, tracking, apply.Decision{To: req.To, Reason: req.Reason, Ground: req.Ground, Facts: req.Facts})
		if err != nil {
			prob := httpx.ProblemOf(err)
			if prob.Status >= 500 {
				a.cfg.Log.Error("a decision failed", "route", r.Pattern, "err", err.Error())
			}
			b, _ := json.Marshal(prob)
			return apply.Answer{Status: prob.Status, Body: b}
		}
		b, _ := json.Marshal(c)
		return apply.Answer{Status: http.StatusOK, Body: b}
	})
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if ans.Status >= 400 {
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.Header().Set("Content-Language", "fa, en")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(ans.Status)
	_, err = w.Write(append(ans.Body, '\n'))
	return err
}

func (a *API) caseChecks(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	ch, err := a.cfg.Backoffice.Applications().CaseChecks(r.Context(), p, r.PathValue("tracking"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, ch)
}

type visitRequest struct {
	Note    string   `json:"note"`
	Checked []string `json:"checked"`
}

func (a *API) recordVisit(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	var req visitRequest
	if err := httpx.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	ch, err := a.cfg.Backoffice.Applications().RecordVisit(r.Context(), p, r.PathValue("tracking"), req.Note, req.Checked)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusCreated, ch)
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	hooks, err := a.cfg.Backoffice.Webhooks(r.Context(), p)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, webhookList{Items: hooks})
}

func (a *API) registerWebhook(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	var req webhookRequest
	if err := httpx.DecodeJSON(w, r, &req, 8<<10); err != nil {
		return err
	}
	h, secret, err := a.cfg.Backoffice.RegisterWebhook(r.Context(), p, req.URL, req.Kinds)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "/api/v1/agency/webhooks")
	return httpx.WriteJSON(w, http.StatusCreated, webhookCreated{Webhook: h, Secret: secret})
}

func (a *API) disableWebhook(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	id, err := strconv.ParseInt(r.PathValue("hook"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E("api.disableWebhook", errs.Invalid, "the webhook id must be a positive whole number", "شناسهٔ وب‌هوک باید عددی صحیح و مثبت باشد")
	}
	if err := a.cfg.Backoffice.DisableWebhook(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Backoffice == nil {
		return errNoBackoffice
	}
	limit := 0
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return errs.E("api.listDeliveries", errs.Invalid, "limit must be a whole number from 1 to 500", "limit باید عددی صحیح از ۱ تا ۵۰۰ باشد")
		}
		limit = n
	}
	if limit == 0 {
		limit = 100
	}
	ds, next, err := a.cfg.Backoffice.DeliveriesPage(r.Context(), p, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	out := deliveryList{Items: ds, Next: next, NextURL: nextURL(w, r, next)}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// backofficeSchemas are the schemas of the back-office endpoints.
func backofficeSchemas() map[string]any {
	dt := map[string]any{"type": "string", "format": "date-time"}
	integer := map[string]any{"type": "integer"}
	state := enum("submitted", "in_review", "needs_info", "approved", "rejected", "issued", "withdrawn")
	return map[string]any{
		"QueueItem": obj([]string{"cursor", "kind", "tracking", "service", "actor", "at"}, map[string]any{
			"cursor": str("Acknowledge up to here."), "kind": enum(apply.FeedKinds...),
			"tracking": str("The case's tracking code."), "service": str("Service identifier."),
			"state": state, "from": state, "actor": str("Who: user:ID, apikey:ID or system."), "at": dt,
		}),
		"QueueItems": obj([]string{"items"}, map[string]any{"items": arr(ref("QueueItem"))}),
		"AckRequest": obj([]string{"cursor"}, map[string]any{"cursor": str("The cursor of the last item handled.")}),
		"TransitionRequest": obj([]string{"to"}, map[string]any{"to": state, "reason": str("Why; required for needs_info and for rejecting a service that is not a permit."),
			"ground": str("Rejecting a permit: the code of one of its published refusal grounds."),
			"facts":  map[string]any{"type": "object", "additionalProperties": str(""), "description": "Approving a service that issues a document: the values of what the document certifies, by the record's fact codes (its outputs' certifies). A fact not given takes the value its source proposes (the applicant's form, an inquiry's answer, the record's default); one left empty is a 400 naming it."}}),
		"Check": obj([]string{"kind", "name_fa", "name_en"}, map[string]any{"kind": enum(apply.CheckPending, apply.CheckSee, apply.CheckVisit),
			"code": str("The evidence's code."), "name_fa": str("What, in Persian."), "name_en": str("What, in English."), "state": str("The evidence's state.")}),
		"Visit": obj([]string{"at", "actor", "note"}, map[string]any{"at": dt, "kind": str("apply.case.visit"), "actor": str("Who recorded it."),
			"note": str("What was checked."), "checked": arr(str("An evidence code."))}),
		"Checks": obj([]string{"open", "visits", "overrides"}, map[string]any{"open": arr(ref("Check")), "visits": arr(ref("Visit")),
			"overrides": arr(obj([]string{"at", "actor", "to", "reason"}, map[string]any{"at": dt, "kind": str("apply.case.override"),
				"actor": str("The agency admin."), "to": state, "reason": str("Why the open checks were passed over.")}))}),
		"VisitRequest": obj([]string{"note"}, map[string]any{"note": str("What was checked at the visit (at most 2,000 characters)."),
			"checked": arr(str("The code of a piece of evidence seen at the visit."))}),
		"WebhookRequest": obj([]string{"url"}, map[string]any{"url": str("https:// endpoint."), "kinds": arr(enum(apply.FeedKinds...))}),
		"Webhook": obj([]string{"id", "agency", "url", "kinds", "created_at"}, map[string]any{"id": integer, "agency": str("Agency code."),
			"url": str("Endpoint."), "kinds": arr(enum(apply.FeedKinds...)), "created_at": dt, "disabled_at": dt}),
		"WebhookCreated": obj([]string{"id", "url", "secret"}, map[string]any{"id": integer, "agency": str("Agency code."), "url": str("Endpoint."),
			"kinds": arr(enum(apply.FeedKinds...)), "created_at": dt,
			"secret": str("The signing secret, shown only this once: HMAC-SHA256 over timestamp + '.' + body.")}),
		"WebhookList": obj([]string{"items"}, map[string]any{"items": arr(ref("Webhook"))}),
		"Delivery": obj([]string{"id", "webhook", "kind", "state", "attempts"}, map[string]any{"id": str("The Panjare-Webhook-Id."), "webhook": integer,
			"url": str("Endpoint."), "kind": enum(apply.FeedKinds...), "cursor": str("The queue item's cursor."),
			"state": enum(apply.DeliveryPending, apply.DeliveryRetrying, apply.DeliveryDelivered, apply.DeliveryFailed), "attempts": integer,
			"last_status": integer, "last_error": str("Why the last attempt failed."), "next_retry": dt, "created_at": dt, "delivered_at": dt}),
		"DeliveryList": obj([]string{"items"}, map[string]any{"items": arr(ref("Delivery")),
			"next":     str("The cursor of the next page; absent on the last page."),
			"next_url": str("The address of the next page; absent on the last page.")}),
	}
}

package api

import (
	"net/http"
	"strconv"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/proactive"
)

// The agency admins' subscriptions of their services to life events
// (proactive), with the portal's session: one admin writes a draft, another
// activates it. An invalid draft is answered 400 with each problem named
// by its field.

var errNoProactive = errs.E("api.proactive", errs.Unavailable, "proactive services are not available on this server",
	"خدمات پیش‌دستانه در این سامانه فعال نیست")

// subscriptionAdmin returns the signed-in agency admin.
func (a *API) subscriptionAdmin(r *http.Request) (identity.Principal, error) {
	const op = "api.subscriptions"
	if a.cfg.Proactive == nil {
		return identity.Principal{}, errNoProactive
	}
	p, err := identity.Require(r.Context())
	if err != nil {
		return p, errs.E(op, errs.Unauthorized, "sign in to the portal first: this endpoint reads the session cookie",
			"نخست در درگاه وارد شوید: این نشانی با کوکی نشست کار می‌کند")
	}
	if !p.Has(identity.RoleAgencyAdmin) || p.Agency == "" {
		return p, errs.E(op, errs.Forbidden, "only the agency's administrators manage its subscriptions to life events",
			"تنها مدیران دستگاه اشتراک‌های رویداد زندگی آن را مدیریت می‌کنند")
	}
	return p, nil
}

// subscriptionsOf lists a service's subscriptions.
func (a *API) subscriptionsOf(w http.ResponseWriter, r *http.Request) error {
	p, err := a.subscriptionAdmin(r)
	if err != nil {
		return err
	}
	svc, err := a.cfg.Catalog.Service(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if svc.Record.Agency != p.Agency {
		return errs.NotFoundf("api.subscriptions", "service", "خدمت")
	}
	list, err := a.cfg.Proactive.Subscriptions(r.Context(), svc.ID)
	if err != nil {
		return err
	}
	if list == nil {
		list = []proactive.Subscription{}
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusOK, struct {
		Items []proactive.Subscription `json:"items"`
	}{list})
}

// subscribe writes a draft subscription.
func (a *API) subscribe(w http.ResponseWriter, r *http.Request) error {
	p, err := a.subscriptionAdmin(r)
	if err != nil {
		return err
	}
	var d proactive.SubscriptionDraft
	if err := httpx.DecodeJSON(w, r, &d, 16<<10); err != nil {
		return err
	}
	// A refused draft is a 400 problem with one entry of its fields per
	// problem (condition, applicant, event_type, mode, data.<field>).
	s, err := a.cfg.Proactive.Subscribe(r.Context(), p, r.PathValue("id"), d)
	if err != nil {
		return err
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusCreated, s)
}

// moveSubscription activates or retires a subscription.
func (a *API) moveSubscription(w http.ResponseWriter, r *http.Request) error {
	p, err := a.subscriptionAdmin(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("sub")), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotFoundf("api.subscription", "subscription", "اشتراک")
	}
	var s proactive.Subscription
	if r.PathValue("action") == "retire" {
		s, err = a.cfg.Proactive.Retire(r.Context(), p, id)
	} else {
		s, err = a.cfg.Proactive.Activate(r.Context(), p, id)
	}
	if err != nil {
		return err
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusOK, s)
}

func (a *API) proactiveRoutes() []route {
	id := param{name: "id", in: "path", schema: "string", desc: "The service identifier.", required: true}
	sub := param{name: "sub", in: "path", schema: "integer", desc: "The subscription's id.", required: true}
	deny := map[int]string{401: "Problem", 403: "Problem", 404: "Problem", 503: "Problem"}
	with := func(m map[int]string) map[int]string {
		for k, v := range deny {
			m[k] = v
		}
		return m
	}
	return []route{
		{method: "GET", pattern: "/api/v1/agency/services/{id}/subscriptions", op: "listSubscriptions", tag: "proactive", session: true,
			summary: "The service's subscriptions to life events, newest first: drafts, active and retired.", params: []param{id},
			responses: with(map[int]string{200: "SubscriptionList"}), handler: a.subscriptionsOf},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/subscriptions", op: "createSubscription", tag: "proactive", session: true,
			summary: "Write a draft subscription of the service to a life event: a CEL condition over event, offer or nostop, and whom it is for. A condition that does not compile or reads an unknown field is answered 400 with its problems.",
			params:  []param{id}, body: "SubscriptionDraft",
			responses: with(map[int]string{201: "Subscription", 400: "Problem"}), handler: a.subscribe},
		{method: "POST", pattern: "/api/v1/agency/subscriptions/{sub}/activate", op: "activateSubscription", tag: "proactive", session: true,
			summary: "Activate a draft: by a second admin of the agency (the author gets 403), while the service has an active ruleset (409 otherwise).",
			params:  []param{sub}, responses: with(map[int]string{200: "Subscription", 409: "Problem"}), handler: a.moveSubscription},
		{method: "POST", pattern: "/api/v1/agency/subscriptions/{sub}/retire", op: "retireSubscription", tag: "proactive", session: true,
			summary: "Retire a subscription: the service stops starting on its events.",
			params:  []param{sub}, responses: with(map[int]string{200: "Subscription", 409: "Problem"}), handler: a.moveSubscription},
	}
}

// proactiveSchemas are the schemas of the subscription endpoints.
func proactiveSchemas() map[string]any {
	dt := map[string]any{"type": "string", "format": "date-time"}
	mode := map[string]any{"type": "string", "enum": []any{"offer", "nostop"}}
	data := map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
		"description": "Form field name -> event.<field>: the form values taken from the event."}
	draft := obj([]string{"event_type", "mode"}, map[string]any{
		"event_type": str("A life event type of the room: birth, death, marriage, divorce, retirement, graduation, company_registered."),
		"condition":  str(`A CEL boolean over event, typed by the event type's schema, e.g. event.fund == "SSO"; empty means true.`),
		"mode":       mode,
		"applicant":  str("Whom the service is for: event.national_code (default), another event field, or heirs(event.national_code)."),
		"data":       data,
	})
	sub := obj([]string{"id", "service", "agency", "event_type", "condition", "mode", "applicant", "status", "created_by", "created_at"}, map[string]any{
		"id": map[string]any{"type": "integer"}, "service": str("The service identifier."), "agency": str("Agency code."),
		"event_type": str("The life event type."), "condition": str("The CEL condition."), "mode": mode, "applicant": str("Whom it is for."),
		"data": data, "status": map[string]any{"type": "string", "enum": []any{"draft", "active", "retired"}},
		"created_by": str("Who wrote it (an actor, never personal data)."), "approved_by": str("Who activated it."),
		"created_at": dt, "activated_at": dt, "retired_at": dt,
	})
	return map[string]any{
		"SubscriptionDraft": draft,
		"Subscription":      sub,
		"SubscriptionList":  obj([]string{"items"}, map[string]any{"items": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Subscription"}}}),
	}
}

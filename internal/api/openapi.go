package api

import (
	"regexp"
	"strconv"
)

// document returns the OpenAPI 3.1 document of the API, built from the same
// route table that registers the handlers.
func (a *API) document() map[string]any {
	paths := map[string]any{}
	for _, rt := range a.routes() {
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		item[methodKey(rt.method)] = operation(rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Panjare API",
			"version": a.cfg.Version,
			"description": "The public catalogue of government services (CPSV-AP 3.2 and the Iranian service card) " +
				"and the endpoints agencies use to publish their service records. Errors are " +
				"application/problem+json (RFC 9457) with messages in Persian (title_fa, detail_fa) and English.",
		},
		"servers": []any{map[string]any{"url": a.cfg.BaseURL}},
		"tags": []any{
			map[string]any{"name": "catalogue", "description": "The published services, agencies and regions."},
			map[string]any{"name": "open data", "description": "Exports for reuse."},
			map[string]any{"name": "agency", "description": "Publishing service records; needs an agency API key."},
			map[string]any{"name": "meta", "description": "About the API itself."},
			map[string]any{"name": "me", "description": "The signed-in citizen's own data; needs the portal's session cookie."},
			map[string]any{"name": "documents", "description": "Signed documents: the agencies' public keys and verification; open to anyone."},
			map[string]any{"name": "back office", "description": "Agency back-office systems: the pull queue, cases, decisions with idempotency keys, webhooks; needs an agency API key."},
			map[string]any{"name": "payments", "description": "Payment providers' callbacks, authenticated by the provider's signature."},
			map[string]any{"name": "rules", "description": "Services' active eligibility rules and the anonymous eligibility check; open to anyone."},
			map[string]any{"name": "oversight", "description": "The oversight figures, counted only from the sealed events of the ledger, and the rankings with their method; open to anyone."},
			map[string]any{"name": "ledger", "description": "The tamper-evident ledger of every event: signed checkpoints, leaves and proofs; open to anyone, whole events to platform admins only."},
			map[string]any{"name": "rules authoring", "description": "Writing, testing, simulating and activating a service's rules: the agency's staff with the session cookie, or the agency's API key (which cannot activate)."},
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"agencyKey": map[string]any{"type": "http", "scheme": "bearer",
					"description": "An agency API key issued by a platform admin (panjare apikey issue)."},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "panjare_session",
					"description": "The portal's session cookie, set when a person signs in."},
			},
			"schemas": mergeSchemas(mergeSchemas(mergeSchemas(mergeSchemas(mergeSchemas(schemas(), agencyAdminSchemas()), applySchemas()), permitSchemas()), backofficeSchemas()), mergeSchemas(mergeSchemas(mergeSchemas(rulesSchemas(), proactiveSchemas()), suggestionSchemas()), mergeSchemas(kpiSchemas(), ledgerSchemas()))),
		},
	}
}

func methodKey(m string) string {
	switch m {
	case "GET":
		return "get"
	case "POST":
		return "post"
	case "PUT":
		return "put"
	case "DELETE":
		return "delete"
	case "PATCH":
		return "patch"
	}
	return m
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func operation(rt route) map[string]any {
	op := map[string]any{"operationId": rt.op, "summary": rt.summary, "tags": []any{rt.tag}}
	var params []any
	for _, p := range rt.params {
		params = append(params, map[string]any{
			"name": p.name, "in": p.in, "required": p.required, "description": p.desc,
			"schema": map[string]any{"type": p.schema},
		})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.body != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": ref(rt.body)}}}
	}
	if rt.agency {
		op["security"] = []any{map[string]any{"agencyKey": []any{}}}
	}
	if rt.session {
		op["security"] = []any{map[string]any{"session": []any{}}}
	}
	if rt.session && rt.keyToo {
		op["security"] = []any{map[string]any{"session": []any{}}, map[string]any{"agencyKey": []any{}}}
	}
	resp := map[string]any{}
	for code, schema := range rt.responses {
		r := map[string]any{"description": statusText(code)}
		switch schema {
		case "":
		case "Problem":
			r["content"] = map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}
		case "JSONLD":
			r["content"] = map[string]any{"application/ld+json": map[string]any{"schema": map[string]any{"type": "object"}}}
		case "OpenAPI":
			r["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
		default:
			r["content"] = map[string]any{"application/json": map[string]any{"schema": ref(schema)}}
		}
		resp[strconv.Itoa(code)] = r
	}
	op["responses"] = resp
	return op
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 204:
		return "Done; no content"
	case 400:
		return "The request is invalid; errors lists each problem"
	case 401:
		return "No valid agency API key"
	case 403:
		return "The key's agency may not do this"
	case 404:
		return "Not found"
	case 409:
		return "Not possible in the current state"
	case 413:
		return "The body is too large"
	case 429:
		return "Too many requests"
	}
	return "Status " + strconv.Itoa(code)
}

// pathParams returns the {names} in an OpenAPI path template.
func pathParams(p string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(p, -1) {
		out = append(out, m[1])
	}
	return out
}

func str(desc string) map[string]any     { return map[string]any{"type": "string", "description": desc} }
func enum(vals ...string) map[string]any { return map[string]any{"type": "string", "enum": vals} }
func arr(items any) map[string]any       { return map[string]any{"type": "array", "items": items} }
func obj(required []string, props map[string]any) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if required != nil {
		o["required"] = required
	}
	return o
}

var (
	integer = map[string]any{"type": "integer"}
	boolean = map[string]any{"type": "boolean"}
)

func schemas() map[string]any {
	label := obj([]string{"code", "fa", "en"}, map[string]any{"code": str(""), "fa": str(""), "en": str("")})
	return map[string]any{
		"Problem": obj([]string{"type", "title", "status", "title_fa", "kind"}, map[string]any{
			"type": str("A URN naming the kind of problem."), "title": str("English title."), "status": integer,
			"detail": str("English detail."), "title_fa": str("Persian title."), "detail_fa": str("Persian detail."),
			"kind":   enum("invalid", "not_found", "conflict", "forbidden", "unauthorized", "unavailable", "too_large", "rate_limited", "internal"),
			"errors": arr(obj([]string{"field", "fa", "en"}, map[string]any{"field": str("Path of the field, e.g. requirements[0].evidence[1].held_by."), "fa": str(""), "en": str("")})),
		}),
		"Evidence": obj([]string{"code", "name_fa", "source"}, map[string]any{
			"code": str(""), "name_fa": str(""), "name_en": str(""),
			"source":  enum("inquiry", "upload", "declaration", "paper"),
			"held_by": str("Code of the agency that holds it."), "inquiry": str("MEMBER/SERVICE of the data service that replaces it."),
		}),
		"Record": obj([]string{"title_fa", "description_fa", "agency", "audience", "nature", "scope", "trigger", "decision", "outputs", "processing_time", "frequency", "legal_basis", "channels", "stages"}, map[string]any{
			"title_fa": str(""), "title_en": str(""), "description_fa": str(""), "description_en": str(""),
			"keywords": arr(str("")), "agency": str("Competent agency code; defaults to the key's agency."),
			"audience": enum("G2C", "G2B", "G2G"), "nature": enum("sovereign", "enterprise"),
			"scope":  enum("national", "provincial", "city", "village"),
			"events": arr(str("Life or business event code.")), "trigger": enum("request", "date", "event", "detection"),
			"decision": enum("manual", "rules"),
			"requirements": arr(obj([]string{"code", "name_fa"}, map[string]any{
				"code": str(""), "name_fa": str(""), "name_en": str(""), "evidence": arr(ref("Evidence"))})),
			"outputs": arr(obj([]string{"name_fa", "kind"}, map[string]any{"name_fa": str(""), "name_en": str(""),
				"kind": enum("document", "decision", "payment", "registration", "information"),
				"certifies": arr(obj([]string{"code", "name_fa", "from"}, map[string]any{"code": str("[a-z0-9_], unique in the record."),
					"name_fa": str("The label printed on the document."), "name_en": str(""), "from": enum("form", "evidence", "decision"),
					"evidence": str("form, evidence: the code of the evidence the value comes from."), "key": str("evidence: the field of the inquiry's JSON answer."),
					"default_fa": str("The value proposed to the official when no other source gives one.")}))})),
			"permit": obj([]string{"refusal_grounds"}, map[string]any{"validity_days": integer,
				"refusal_grounds": arr(obj([]string{"code", "text_fa"}, map[string]any{"code": str(""), "text_fa": str(""), "text_en": str(""), "legal_fa": str("")}))}),
			"cost_rials":      integer,
			"processing_time": str("ISO 8601 duration of days and hours, e.g. P10D; it is also the SLA."),
			"visits":          integer, "frequency": enum("once", "periodic", "as_needed"), "annual_volume": integer, "objection_days": integer,
			"legal_basis": arr(obj([]string{"title_fa"}, map[string]any{"title_fa": str(""), "title_en": str(""), "article": str(""), "url": str("")})),
			"channels":    arr(enum("web", "mobile", "counter", "kiosk", "phone", "post", "api")),
			"stages":      obj(nil, map[string]any{"information": boolean, "request": boolean, "processing": boolean, "delivery": boolean}),
			"url":         str(""),
		}),
		"Service": obj([]string{"version", "status", "record", "level", "quality"}, map[string]any{
			"id": str("The service identifier: 7 digits, the last a Damm check digit."), "version": integer,
			"status": enum("draft", "published", "superseded", "retired"), "record": ref("Record"),
			"level": map[string]any{"type": "integer", "minimum": 0, "maximum": 5,
				"description": "True level L0–L5: what is built (inquiries in the exchange, an active ruleset, an active life-event subscription). Only true levels count in shares."},
			"declared": map[string]any{"type": "integer", "minimum": 0, "maximum": 5, "description": "The level the record declares; above level, the service is planned at it."},
			"planned":  arr(obj(nil, map[string]any{"fa": str(""), "en": str("")})),
			"quality":  obj(nil, map[string]any{"score": integer, "suggestions": arr(obj(nil, map[string]any{"field": str(""), "fa": str(""), "en": str(""), "points": integer}))}),
			"domain":   str(""), "created_at": str(""), "updated_at": str(""), "published_at": str(""), "retired_at": str(""),
		}),
		"Draft": map[string]any{"allOf": []any{ref("Service"), obj([]string{"draft"}, map[string]any{"draft": integer})}},
		"Results": obj([]string{"items", "total"}, map[string]any{
			"items": arr(ref("Service")), "total": integer, "page": integer, "pages": integer,
			"facets":  map[string]any{"type": "object", "additionalProperties": arr(obj(nil, map[string]any{"code": str(""), "count": integer}))},
			"partial": map[string]any{"type": "integer", "description": "How many of total match only some of the words (offered when few match them all); they come last."},
		}),
		"Version":     obj(nil, map[string]any{"version": integer, "status": str(""), "actor": str(""), "created_at": str(""), "published_at": str(""), "note": str("")}),
		"VersionList": obj([]string{"items"}, map[string]any{"items": arr(ref("Version"))}),
		"Agency": obj([]string{"code", "name_fa", "domain", "connected"}, map[string]any{
			"code": str(""), "name_fa": str(""), "name_en": str(""), "parent": str(""), "domain": str(""),
			"connected": boolean, "website": str(""), "description_fa": str("")}),
		"AgencyList":   obj([]string{"items", "total"}, map[string]any{"items": arr(ref("Agency")), "total": integer}),
		"AgencyDetail": obj([]string{"agency", "stats"}, map[string]any{"agency": ref("Agency"), "stats": ref("Stats")}),
		"Stats": obj([]string{"services", "per_level", "electronic", "smart", "planned"}, map[string]any{
			"agency": str("The agency's code; empty for the whole catalogue."), "services": integer, "permits": integer,
			"per_level":  map[string]any{"type": "array", "items": integer, "description": "Published services at each true level L0…L5."},
			"electronic": map[string]any{"type": "number", "description": "Share at true level L2 or above, 0..1."},
			"smart":      map[string]any{"type": "number", "description": "Share at true level L3 or above, 0..1."},
			"planned":    map[string]any{"type": "integer", "description": "Services declared above their true level; counted in no share."},
			"planned_at": map[string]any{"type": "array", "items": integer, "description": "Planned services by declared level L0…L5."},
			"quality":    integer, "needs_review": integer, "retired": integer}),
		"Region": obj([]string{"code", "name_fa", "kind"}, map[string]any{"code": str(""), "name_fa": str(""), "name_en": str(""),
			"kind": enum("province", "city"), "province": str(""), "capital": boolean, "pilot": boolean}),
		"RegionList":    obj([]string{"items", "total"}, map[string]any{"items": arr(ref("Region")), "total": integer}),
		"RetireRequest": obj([]string{"reason"}, map[string]any{"reason": str("Why the service is retired.")}),
		"Label":         label,
		"Inquiry": obj([]string{"id", "message_id", "at", "client", "service", "outcome", "status"}, map[string]any{
			"id": integer, "message_id": str("The gateway's message id."), "at": str("When, RFC 3339."),
			"client": str("The asking subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM."), "client_member_fa": str("The asking organisation."),
			"client_member_en": str(""), "client_system_fa": str("The asking information system."),
			"service": str("The data service, INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE."), "service_fa": str(""), "service_en": str(""),
			"provider_fa": str("The agency that holds the data."), "provider_en": str(""),
			"purpose": str("Why, as the client stated it."), "issue": str("The case or tracking reference."),
			"legal_basis": str("The legal basis of the access right that allowed it."),
			"consent_id":  integer, "consent_purpose": str("The citizen's consent that allowed it."),
			"outcome": enum("answered", "no_record", "refused", "failed"), "status": integer,
			"error": str("The gateway's error code when it refused or failed."), "ledger_index": map[string]any{"type": "integer", "description": "Where the inquiry's exchange.inquiry event is sealed in the ledger; absent while it is not yet."},
		}),
		"Message": obj([]string{"id", "template", "title_fa", "body_fa", "title_en", "body_en", "created_at", "deliveries"}, map[string]any{
			"id": integer, "template": str("The notice's template, e.g. case.approved."),
			"title_fa": str(""), "body_fa": str(""), "title_en": str(""), "body_en": str(""),
			"link":       str("A path on the portal or an https URL about the notice."),
			"created_at": str("When, RFC 3339."), "read_at": str("When it was marked as read, RFC 3339; absent while unread."),
			"deliveries": arr(ref("NoticeDelivery")),
		}),
		"NoticeDelivery": obj([]string{"channel", "status", "attempts", "provider", "updated_at"}, map[string]any{
			"channel":     enum("sms", "email"),
			"status":      enum("queued", "retrying", "sent", "delivered", "failed"),
			"attempts":    integer,
			"error_class": enum("timeout", "unreachable", "refused", "rejected", "malformed", "auth", "undelivered", "other"),
			"provider":    str("kavenegar, smtp, or outbox: the demo outbox, which sends nothing."),
			"updated_at":  str("When the status last changed, RFC 3339."),
			"sent_at":     str("When the provider took it, RFC 3339; absent until then."),
		}),
		"NotificationChoice": obj([]string{"chosen", "sms", "email"}, map[string]any{
			"chosen":             boolean,
			"sms":                boolean,
			"email":              boolean,
			"address":            str("The confirmed email address; absent when none."),
			"pending_address":    str("An address waiting for its confirmation link to be opened."),
			"pending_expires_at": str("When that link stops working, RFC 3339."),
		}),
		"NotificationChoiceRequest": obj([]string{"sms", "email"}, map[string]any{
			"sms":     boolean,
			"email":   boolean,
			"address": str("The email address; the confirmed one keeps it, another is sent a confirmation link, empty removes it."),
		}),
		"MessageList": obj([]string{"items", "unread"}, map[string]any{"items": arr(ref("Message")), "unread": integer,
			"next_before": map[string]any{"type": "integer", "description": "The before of the next page; absent on the last page."},
			"next_url":    str("The address of the next page; absent on the last page.")}),
		"InquiryList": obj([]string{"items"}, map[string]any{"items": arr(ref("Inquiry")),
			"next_before": map[string]any{"type": "integer", "description": "Pass as before= for older inquiries; absent on the last page."}}),
	}
}

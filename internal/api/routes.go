package api

import "github.com/panjare/panjare/internal/httpx"

// route is one API endpoint: the table both registers the handler and feeds
// the OpenAPI document.
type route struct {
	method, pattern string
	op              string // OpenAPI operationId
	summary         string
	tag             string
	params          []param
	body            string // schema name of the JSON body, if any
	responses       map[int]string
	agency          bool // needs an agency API key
	session         bool // needs a signed-in person's session cookie
	keyToo          bool // with session: or an agency API key, which the handler checks
	handler         httpx.Handler
	agencyHandler   agencyHandler
}

type param struct {
	name, in, schema, desc string
	required               bool
}

// routes lists every API endpoint. Keep it in the order the OpenAPI
// document should show them.
func (a *API) routes() []route {
	id := param{name: "id", in: "path", schema: "string", desc: "The 7-digit service identifier (Persian digits accepted).", required: true}
	draft := param{name: "draft", in: "path", schema: "integer", desc: "The draft number returned when the draft was created.", required: true}
	return append(append([]route{
		{method: "GET", pattern: "/api/v1/services", op: "searchServices", tag: "catalogue",
			summary: "Search the published services, with facets.",
			params: []param{
				{name: "q", in: "query", schema: "string", desc: "Free text in Persian or English; spelling variants are folded."},
				{name: "agency", in: "query", schema: "string", desc: "Agency code."},
				{name: "domain", in: "query", schema: "string", desc: "Domain code."},
				{name: "event", in: "query", schema: "string", desc: "Life or business event code."},
				{name: "level", in: "query", schema: "string", desc: "Level, L0 to L5."},
				{name: "audience", in: "query", schema: "string", desc: "G2C, G2B or G2G."},
				{name: "permit", in: "query", schema: "string", desc: "yes for permits only, no for other services."},
				{name: "page", in: "query", schema: "integer", desc: "Page number, from 1."},
				{name: "per_page", in: "query", schema: "integer", desc: "Results per page, 1 to 100 (default 20)."},
			},
			responses: map[int]string{200: "Results", 400: "Problem", 429: "Problem"},
			handler:   a.searchServices},
		{method: "GET", pattern: "/api/v1/services/{id}", op: "getService", tag: "catalogue",
			summary: "One service's current record, level and quality.", params: []param{id},
			responses: map[int]string{200: "Service", 400: "Problem", 404: "Problem"}, handler: a.getService},
		{method: "GET", pattern: "/api/v1/services/{id}/history", op: "getServiceHistory", tag: "catalogue",
			summary: "Every version of a service's record.", params: []param{id},
			responses: map[int]string{200: "VersionList", 400: "Problem", 404: "Problem"}, handler: a.getHistory},
		{method: "GET", pattern: "/api/v1/agencies", op: "listAgencies", tag: "catalogue",
			summary:   "Every agency, in one answer: the list is the government's organisation chart (a few hundred agencies), so it is not paged.",
			responses: map[int]string{200: "AgencyList"}, handler: a.listAgencies},
		{method: "GET", pattern: "/api/v1/agencies/{code}", op: "getAgency", tag: "catalogue",
			summary:   "One agency with its service figures.",
			params:    []param{{name: "code", in: "path", schema: "string", desc: "Agency code, e.g. NOCR.", required: true}},
			responses: map[int]string{200: "AgencyDetail", 404: "Problem"}, handler: a.getAgency},
		{method: "GET", pattern: "/api/v1/stats", op: "getStats", tag: "catalogue",
			summary:   "The whole catalogue's figures: published services at each true level and the shares, with planned levels apart.",
			responses: map[int]string{200: "Stats"}, handler: a.getStats},
		{method: "GET", pattern: "/api/v1/regions", op: "listRegions", tag: "catalogue",
			summary:   "The provinces and their main cities, with pilot cities flagged.",
			responses: map[int]string{200: "RegionList"}, handler: a.listRegions},
		{method: "GET", pattern: "/api/v1/catalog.jsonld", op: "exportCatalogue", tag: "open data",
			summary:   "The published catalogue as CPSV-AP 3.2 JSON-LD.",
			responses: map[int]string{200: "JSONLD"}, handler: a.exportJSONLD},
		{method: "GET", pattern: "/api/v1/openapi.json", op: "openapi", tag: "meta",
			summary:   "This document.",
			responses: map[int]string{200: "OpenAPI"}, handler: a.openapi},

		{method: "GET", pattern: "/api/v1/me/inquiries", op: "listMyInquiries", tag: "me", session: true,
			summary: "The data tracker: every inquiry any agency made about the signed-in citizen through the exchange, newest first.",
			params: []param{
				{name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 200 (default 50)."},
				{name: "before", in: "query", schema: "integer", desc: "Only inquiries older than this id (the next_before of the previous page)."},
			},
			responses: map[int]string{200: "InquiryList", 400: "Problem", 401: "Problem", 403: "Problem", 503: "Problem"},
			handler:   a.myInquiries},
		{method: "GET", pattern: "/api/v1/me/inbox", op: "listMyInbox", tag: "me", session: true,
			summary: "The signed-in citizen's inbox: the notices about their applications, payments and documents, newest first, a page at a time (follow next_url to the end), with the unread count of them all.",
			params: []param{
				{name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 200 (default 50)."},
				{name: "before", in: "query", schema: "integer", desc: "Only messages older than this id (the next_before of the previous page)."},
			},
			responses: map[int]string{200: "MessageList", 400: "Problem", 401: "Problem", 403: "Problem", 503: "Problem"},
			handler:   a.myInbox},
		{method: "GET", pattern: "/api/v1/me/notifications", op: "getMyNotifications", tag: "me", session: true,
			summary:   "How notices reach the signed-in citizen besides the inbox: SMS, email, and their confirmed or pending email address. chosen is false for someone who never chose: their notices go by SMS to each application's number.",
			responses: map[int]string{200: "NotificationChoice", 401: "Problem", 403: "Problem", 503: "Problem"},
			handler:   a.myNotifications},
		{method: "PUT", pattern: "/api/v1/me/notifications", op: "setMyNotifications", tag: "me", session: true,
			summary:   "Choose the channels and the email address. A new address is sent a link, valid for 24 hours, and is used only once it is opened in the portal; until then the confirmed one stays. An empty address removes it. A malformed address is refused on the field email, and another address within two minutes of a link is 429; nothing is stored then.",
			body:      "NotificationChoiceRequest",
			responses: map[int]string{200: "NotificationChoice", 400: "Problem", 401: "Problem", 403: "Problem", 413: "Problem", 429: "Problem", 503: "Problem"},
			handler:   a.setMyNotifications},

		{method: "POST", pattern: "/api/v1/agency/drafts", op: "createDraft", tag: "agency",
			summary: "Create a new service as a draft record.", body: "Record", agency: true,
			responses:     map[int]string{201: "Draft", 400: "Problem", 401: "Problem", 403: "Problem", 413: "Problem"},
			agencyHandler: a.createDraft},
		{method: "GET", pattern: "/api/v1/agency/drafts/{draft}", op: "getDraft", tag: "agency",
			summary: "Read an open draft.", params: []param{draft}, agency: true,
			responses:     map[int]string{200: "Draft", 401: "Problem", 403: "Problem", 404: "Problem"},
			agencyHandler: a.getDraft},
		{method: "PUT", pattern: "/api/v1/agency/drafts/{draft}", op: "updateDraft", tag: "agency",
			summary: "Replace the record of a draft (or open a new draft version of a published service).",
			params:  []param{draft}, body: "Record", agency: true,
			responses:     map[int]string{200: "Draft", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 413: "Problem"},
			agencyHandler: a.updateDraft},
		{method: "POST", pattern: "/api/v1/agency/drafts/{draft}/publish", op: "publishDraft", tag: "agency",
			summary: "Validate and publish a draft; the first publication assigns the service identifier.",
			params:  []param{draft}, agency: true,
			responses:     map[int]string{200: "Service", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem"},
			agencyHandler: a.publishDraft},
		{method: "GET", pattern: "/api/v1/agency/services/{id}/draft", op: "getServiceDraft", tag: "agency",
			summary: "The draft number and editable record of a published service.",
			params:  []param{id}, agency: true,
			responses:     map[int]string{200: "Draft", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem"},
			agencyHandler: a.getServiceDraft},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/retire", op: "retireService", tag: "agency",
			summary: "Retire a published service.", params: []param{id}, body: "RetireRequest", agency: true,
			responses:     map[int]string{204: "", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 409: "Problem"},
			agencyHandler: a.retireService},
	}, append(append(append(a.agencyAdminRoutes(), a.applyRoutes()...), a.permitRoutes()...), append(append(append(a.backofficeRoutes(), a.rulesRoutes()...), a.proactiveRoutes()...), append(a.suggestionRoutes(), a.kpiRoutes()...)...)...)...), a.ledgerRoutes()...)
}

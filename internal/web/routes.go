package web

import "net/http"

// Register adds every page of the portal to mux. This is the one list of
// the portal's routes.
func (w *Web) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", w.handle(w.home))
	mux.Handle("GET /services", w.handle(w.search))
	mux.Handle("GET /services/{id}", w.handle(w.service))
	mux.Handle("GET /agencies", w.handle(w.agencies))
	mux.Handle("GET /agencies/{code}", w.handle(w.agency))
	mux.Handle("GET /about", w.handle(w.about))
	mux.Handle("GET /static/{path...}", w.handle(w.serveStatic))
	mux.Handle("GET /favicon.ico", w.handle(w.favicon))
	// Signing in and the person's own pages (account.go).
	mux.Handle("GET /signin", w.handle(w.signin))
	mux.Handle("GET /auth/callback", w.handle(w.callback))
	mux.Handle("POST /signout", w.handle(w.signout))
	mux.Handle("GET /me", w.handle(w.me))
	mux.Handle("POST /me/sessions/revoke", w.handle(w.signoutAll))
	// How notices reach the citizen, and the page an email confirmation
	// link opens (notifications.go).
	mux.Handle("POST /me/notifications", w.handle(w.saveNotices))
	mux.Handle("GET /me/notifications/confirm", w.handle(w.confirmEmailPage))
	mux.Handle("POST /me/notifications/confirm", w.handle(w.confirmEmailPost))
	// The citizen's data tracker and consents, and the exchange pages for
	// agency staff and the platform admin (tracker.go, consent.go,
	// exchange_admin.go).
	mux.Handle("GET /me/data", w.handle(w.tracker))
	mux.Handle("GET /me/consents", w.handle(w.consents))
	mux.Handle("POST /me/consents", w.handle(w.grantConsent))
	mux.Handle("POST /me/consents/{id}/withdraw", w.handle(w.withdrawConsent))
	mux.Handle("GET /agency/exchange", w.handle(w.agencyExchange))
	mux.Handle("GET /admin/exchange", w.handle(w.adminExchange))
	// Payment reconciliation, for the platform admin (admin_payments.go).
	mux.Handle("GET /admin/payments", w.handle(w.adminPayments))
	mux.Handle("POST /admin/payments/reconcile", w.handle(w.reconcilePayments))
	mux.Handle("GET /admin/search-misses", w.handle(w.adminMisses))
	// The citizen's inbox, and the demo outbox of SMS and email that were
	// not really sent (inbox.go, outbox.go).
	mux.Handle("GET /me/inbox", w.handle(w.inbox))
	mux.Handle("POST /me/inbox/{id}/read", w.handle(w.markRead))
	mux.Handle("GET /dev/outbox", w.handle(w.outbox))
	// Acting for a child or a company, and the agency admin's staff and
	// keys (acting.go, agency_admin.go).
	mux.Handle("GET /me/acting", w.handle(w.acting))
	mux.Handle("POST /me/acting", w.handle(w.chooseActing))
	mux.Handle("POST /me/acting/children", w.handle(w.findChildren))
	mux.Handle("GET /agency/staff", w.handle(w.agencyStaff))
	mux.Handle("POST /agency/staff", w.handle(w.addStaff))
	mux.Handle("POST /agency/staff/remove", w.handle(w.removeStaff))
	mux.Handle("GET /agency/keys", w.handle(w.agencyKeys))
	mux.Handle("POST /agency/keys", w.handle(w.issueKey))
	mux.Handle("POST /agency/keys/{id}/rotate", w.handle(w.rotateKey))
	mux.Handle("POST /agency/keys/{id}/revoke", w.handle(w.revokeKey))
	mux.Handle("GET /agency/representatives", w.handle(w.agencyReps))
	mux.Handle("POST /agency/representatives", w.handle(w.addRep))
	mux.Handle("POST /agency/representatives/{id}/revoke", w.handle(w.revokeRep))
	// Applications: the form, the citizen's cases and payment, and the
	// agency's decision pages (apply.go, cases.go).
	mux.Handle("GET /apply/{id}", w.handle(w.applyForm))
	mux.Handle("POST /apply/{id}", w.handle(w.submitApplication))
	mux.Handle("GET /me/cases", w.handle(w.myCases))
	mux.Handle("GET /me/cases/{tracking}", w.handle(w.myCase))
	mux.Handle("GET /me/cases/{tracking}/payment", w.handle(w.paymentReturn))
	mux.Handle("GET /me/cases/{tracking}/uploads/{id}", w.handle(w.caseUpload))
	mux.Handle("POST /me/cases/{tracking}/{action}", w.handle(w.caseAction))
	mux.Handle("GET /agency/cases", w.handle(w.agencyCases))
	mux.Handle("GET /agency/cases/{tracking}", w.handle(w.agencyCase))
	mux.Handle("GET /agency/cases/{tracking}/uploads/{id}", w.handle(w.caseUpload))
	mux.Handle("POST /agency/cases/{tracking}/decide", w.handle(w.agencyDecide))
	mux.Handle("POST /agency/cases/{tracking}/visit", w.handle(w.recordVisit))
	mux.Handle("POST /agency/cases/{tracking}/override", w.handle(w.overrideChecks))
	// The agency console: the fuller queue, assigning to a colleague, and
	// webhooks with their deliveries (console.go).
	mux.Handle("GET /agency/console", w.handle(w.console))
	mux.Handle("GET /agency/cases/{tracking}/assign", w.handle(w.assignPage))
	mux.Handle("POST /agency/cases/{tracking}/assign", w.handle(w.assign))
	mux.Handle("GET /agency/webhooks", w.handle(w.webhooks))
	mux.Handle("POST /agency/webhooks", w.handle(w.registerWebhook))
	mux.Handle("POST /agency/webhooks/{id}/disable", w.handle(w.disableWebhook))
	// Signed documents: the public verify page, the printable document with
	// its QR code and PDF (/documents/{id}.pdf), revocation by the issuing
	// agency's staff, and the citizen's wallet (permit.go).
	mux.Handle("GET /verify", w.handle(w.verify))
	mux.Handle("POST /verify", w.handle(w.verify))
	mux.Handle("GET /documents/{id}", w.handle(w.document))
	mux.Handle("GET /documents/{id}/qr.png", w.handle(w.documentQR))
	mux.Handle("POST /documents/{id}/revoke", w.handle(w.revokeDocument))
	mux.Handle("GET /me/documents", w.handle(w.myDocuments))
	// A service's decision rules: the agency admins' versions, editor,
	// tests, simulation and activation, and the public eligibility check
	// (rules_console.go, rules_public.go).
	mux.Handle("GET /agency/rules", w.handle(w.rulesIndex))
	mux.Handle("GET /agency/services/{id}/rules", w.handle(w.rulesVersions))
	mux.Handle("POST /agency/services/{id}/rules", w.handle(w.rulesSave))
	mux.Handle("GET /agency/services/{id}/rules/new", w.handle(w.rulesNew))
	mux.Handle("POST /agency/services/{id}/rules/deactivate", w.handle(w.rulesDeactivate))
	mux.Handle("GET /agency/services/{id}/rules/{version}", w.handle(w.rulesVersion))
	mux.Handle("POST /agency/services/{id}/rules/{version}/{action}", w.handle(w.rulesAction))
	mux.Handle("GET /services/{id}/eligibility", w.handle(w.eligibility))
	mux.Handle("POST /services/{id}/eligibility", w.handle(w.eligibility))
	// Proactive services: offers, the citizen's no-stop services and
	// opt-outs, the agency's subscriptions to life events, and the demo
	// page that publishes a life event (offers.go).
	mux.Handle("GET /offers/{id}", w.handle(w.offerPage))
	mux.Handle("POST /offers/{id}/{answer}", w.handle(w.offerAnswer))
	mux.Handle("GET /me/proactive", w.handle(w.myProactive))
	mux.Handle("POST /me/proactive/optout", w.handle(w.setOptOut))
	mux.Handle("GET /agency/services/{id}/subscriptions", w.handle(w.agencySubscriptions))
	mux.Handle("POST /agency/services/{id}/subscriptions", w.handle(w.saveSubscription))
	mux.Handle("POST /agency/subscriptions/{sub}/{action}", w.handle(w.moveSubscription))
	mux.Handle("GET /demo/life-events", w.handle(w.demoEvents))
	mux.Handle("POST /demo/life-events", w.handle(w.demoEvents))
	// Dismissing a suggestion on the home page (suggestions.go).
	mux.Handle("POST /me/suggestions/{id}/dismiss", w.handle(w.dismissSuggestion))
	// The monthly oversight reports: the public archive, each report as
	// archived, and building a past month by hand (reports.go).
	mux.Handle("GET /reports", w.handle(w.reports))
	mux.Handle("POST /reports", w.handle(w.buildReport))
	mux.Handle("GET /reports/{month}", w.handle(w.report))
	// The dashboards: the overseer's, the agency's own, the public
	// transparency pages and the open data (oversight.go,
	// agency_dashboard.go, transparency.go, opendata.go).
	mux.Handle("GET /oversight", w.handle(w.oversight))
	mux.Handle("GET /agency/dashboard", w.handle(w.agencyDashboard))
	mux.Handle("GET /transparency", w.handle(w.transparency))
	mux.Handle("GET /transparency/agency/{code}", w.handle(w.transparencyAgency))
	mux.Handle("GET /transparency/province/{code}", w.handle(w.transparencyProvince))
	mux.Handle("GET /transparency/city/{code}", w.handle(w.transparencyCity))
	mux.Handle("GET /opendata/{$}", w.handle(w.openDataIndex))
	mux.Handle("GET /opendata/{file}", w.handle(w.openDataFile))
	// The ledger: its public page with the look-up of an event's inclusion
	// proof, and its latest signed checkpoint and verifier key as text
	// (ledger.go).
	mux.Handle("GET /ledger", w.handle(w.ledgerPage))
	mux.Handle("GET /ledger/checkpoint", w.handle(w.ledgerCheckpoint))
	mux.Handle("GET /ledger/key", w.handle(w.ledgerKey))
	// Everything else, in the page's language.
	mux.Handle("/", w.handle(w.notFound))
}

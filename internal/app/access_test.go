package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The roles of the access matrix, in the order of the letters of each
// expectation below.
var matrixRoles = []string{"anonymous", "citizen A", "citizen B", "operator X", "admin X", "operator Y", "overseer", "platform admin", "key X", "key Y"}

// Outcomes, one letter per role:
//
//	a  allowed: the handler ran for this caller (2xx, 3xx other than to
//	   sign-in, or a 4xx about the request's near-empty body, such as 400
//	   or 409)
//	s  sign in first: 401, or a redirect to sign in
//	f  403
//	n  404: the thing is not there for this caller (another's case)
//
// The fixtures: citizen A's case at agency X (its upload, payment and
// issued document), A's inbox message, X's spare API key and webhook.
// Citizen B, staff (who are also people) and agency Y see none of it.
//
// Reading the columns: staff and overseers are people too, so /me pages
// are theirs as much as anyone's; the portal ignores API keys, so keys see
// it as anonymous, and the API's agency routes ignore cookies. Only the
// competent agency's staff open its cases (agency Y: 404), and only its
// admin manages its staff, keys and webhooks. The /me routes of a case
// answer the applicant and the competent agency, whom apply lets read it;
// the case page itself is the applicant's alone. A document's page is its
// holder's and the issuing agency's; revoking it through the API as another
// agency is 403 (a document's existence is public through verify). Draft
// routes use number 1, a published service of another agency with no open
// draft: reading it is 404 for both keys, publishing it 403 for X (catalog
// refuses another agency's service before it looks for a draft) and 409
// for its own agency. Retiring is answered 400 for the empty body before
// the agency is checked (catalog's own tests cover retiring another
// agency's service). Rules and life-event subscriptions are authored by the
// agency's admin (and, for rules, its API key); approving an activation or a
// rollback needs a second person, so keys get 403 there, and a version,
// subscription or offer that is not there is 404. A service without an
// active ruleset has no public rules and no eligibility page (404), while
// the eligibility API answers anyone.
var accessMatrix = map[string]string{
	"DELETE /api/v1/agency/webhooks/{hook}":                      "ssssssssan",
	"GET /.well-known/jwks.json":                                 "aaaaaaaaaa",
	"GET /about":                                                 "aaaaaaaaaa",
	"GET /oversight":                                             "sfffffaass",
	"GET /agency/dashboard":                                      "sffaaaffss",
	"GET /transparency":                                          "aaaaaaaaaa",
	"GET /transparency/agency/{code}":                            "aaaaaaaaaa",
	"GET /transparency/province/{code}":                          "aaaaaaaaaa",
	"GET /transparency/city/{code}":                              "aaaaaaaaaa",
	"GET /opendata/{$}":                                          "aaaaaaaaaa",
	"GET /opendata/{file}":                                       "aaaaaaaaaa",
	"GET /api/v1/kpi":                                            "aaaaaaaaaa",
	"GET /api/v1/kpi/rankings":                                   "aaaaaaaaaa",
	"GET /reports":                                               "aaaaaaaaaa",
	"GET /reports/{month}":                                       "aaaaaaaaaa",
	"POST /reports":                                              "sfffffaass",
	"GET /favicon.ico":                                           "aaaaaaaaaa",
	"GET /admin/exchange":                                        "sffffffass",
	"GET /admin/payments":                                        "sffffffass",
	"GET /admin/search-misses":                                   "sffffffass",
	"GET /agencies":                                              "aaaaaaaaaa",
	"GET /agencies/{code}":                                       "aaaaaaaaaa",
	"GET /agency/cases":                                          "sffaaaffss",
	"GET /agency/cases/{tracking}":                               "sffaanffss",
	"GET /agency/cases/{tracking}/assign":                        "sffaanffss",
	"GET /agency/cases/{tracking}/uploads/{id}":                  "sanaannnss",
	"GET /agency/console":                                        "sffaaaffss",
	"GET /agency/exchange":                                       "sffaaaffss",
	"GET /agency/keys":                                           "sfffafffss",
	"GET /agency/representatives":                                "sfffafffss",
	"GET /agency/staff":                                          "sfffafffss",
	"GET /agency/webhooks":                                       "sffaaaffss",
	"GET /api/v1/admin/agencies/{code}/keys":                     "sfffaffass",
	"GET /api/v1/admin/agencies/{code}/staff":                    "sfffaffass",
	"GET /api/v1/agencies":                                       "aaaaaaaaaa",
	"GET /api/v1/agencies/{code}":                                "aaaaaaaaaa",
	"GET /api/v1/agency/cases":                                   "ssssssssaa",
	"GET /api/v1/agency/cases/{tracking}":                        "ssssssssan",
	"GET /api/v1/agency/cases/{tracking}/checks":                 "ssssssssan",
	"POST /api/v1/agency/cases/{tracking}/visits":                "ssssssssan",
	"GET /api/v1/agency/drafts/{draft}":                          "ssssssssnn",
	"GET /api/v1/agency/queue":                                   "ssssssssaa",
	"GET /api/v1/agency/services/{id}/draft":                     "ssssssssan",
	"GET /api/v1/agency/webhooks":                                "ssssssssaa",
	"GET /api/v1/agency/webhooks/deliveries":                     "ssssssssaa",
	"GET /api/v1/catalog.jsonld":                                 "aaaaaaaaaa",
	"GET /api/v1/me/cases":                                       "saaaaaaass",
	"GET /api/v1/me/cases/{tracking}":                            "sannnnnnss",
	"GET /api/v1/me/documents":                                   "saaaaaaass",
	"GET /api/v1/me/inbox":                                       "saaaaaaass",
	"GET /api/v1/me/notifications":                               "saaaaaaass",
	"GET /api/v1/me/suggestions":                                 "saaaaaaass",
	"GET /api/v1/me/inquiries":                                   "saaaaaaass",
	"GET /api/v1/openapi.json":                                   "aaaaaaaaaa",
	"GET /api/v1/regions":                                        "aaaaaaaaaa",
	"GET /api/v1/services":                                       "aaaaaaaaaa",
	"GET /api/v1/services/{id}":                                  "aaaaaaaaaa",
	"GET /api/v1/services/{id}/form":                             "saaaaaaass",
	"GET /api/v1/services/{id}/history":                          "aaaaaaaaaa",
	"GET /apply/{id}":                                            "saaaaaaass",
	"GET /auth/callback":                                         "aaaaaaaaaa",
	"GET /dev/outbox":                                            "aaaaaaaaaa",
	"GET /documents/{id}":                                        "sanaannnss",
	"GET /documents/{id}/qr.png":                                 "sanaannnss",
	"GET /me":                                                    "saaaaaaass",
	"GET /me/acting":                                             "saaaaaaass",
	"GET /me/cases":                                              "saaaaaaass",
	"GET /me/cases/{tracking}":                                   "sannnnnnss",
	"GET /me/cases/{tracking}/payment":                           "sanaannnss",
	"GET /me/cases/{tracking}/uploads/{id}":                      "sanaannnss",
	"GET /me/consents":                                           "saaaaaaass",
	"GET /me/data":                                               "saaaaaaass",
	"GET /me/documents":                                          "saaaaaaass",
	"GET /me/inbox":                                              "saaaaaaass",
	"GET /me/notifications/confirm":                              "aaaaaaaaaa",
	"GET /services":                                              "aaaaaaaaaa",
	"GET /services/{id}":                                         "aaaaaaaaaa",
	"GET /signin":                                                "saaaaaaass",
	"GET /static/{path...}":                                      "aaaaaaaaaa",
	"GET /verify":                                                "aaaaaaaaaa",
	"GET /{$}":                                                   "aaaaaaaaaa",
	"POST /agency/cases/{tracking}/assign":                       "sffaanffss",
	"POST /admin/payments/reconcile":                             "sffffffass",
	"POST /agency/cases/{tracking}/decide":                       "sffaaaffss",
	"POST /agency/cases/{tracking}/override":                     "sffaaaffss",
	"POST /agency/cases/{tracking}/visit":                        "sffaanffss",
	"POST /agency/keys":                                          "sfffafffss",
	"POST /agency/keys/{id}/revoke":                              "sfffafffss",
	"POST /agency/keys/{id}/rotate":                              "sfffafffss",
	"POST /agency/representatives":                               "sfffafffss",
	"POST /agency/representatives/{id}/revoke":                   "sfffnfffss",
	"POST /agency/staff":                                         "sfffafffss",
	"POST /agency/staff/remove":                                  "sfffafffss",
	"POST /agency/webhooks":                                      "sfffafffss",
	"POST /agency/webhooks/{id}/disable":                         "sfffafffss",
	"POST /api/v1/admin/agencies/{code}/keys":                    "sfffaffass",
	"POST /api/v1/admin/agencies/{code}/keys/{id}/revoke":        "sfffaffass",
	"POST /api/v1/admin/agencies/{code}/keys/{id}/rotate":        "sfffaffass",
	"POST /api/v1/admin/agencies/{code}/staff":                   "sfffaffass",
	"POST /api/v1/admin/agencies/{code}/staff/remove":            "sfffaffass",
	"POST /api/v1/agency/cases/{tracking}/transitions":           "ssssssssan",
	"POST /api/v1/agency/documents/{id}/revoke":                  "ssssssssaf",
	"POST /api/v1/agency/drafts":                                 "ssssssssaa",
	"POST /api/v1/agency/drafts/{draft}/publish":                 "ssssssssfa",
	"POST /api/v1/agency/queue/ack":                              "ssssssssaa",
	"POST /api/v1/agency/services/{id}/retire":                   "ssssssssaa",
	"POST /api/v1/agency/signing-key/rotate":                     "ssssssssaa",
	"POST /api/v1/agency/webhooks":                               "ssssssssaa",
	"POST /api/v1/services/{id}/applications":                    "saaaaaaass",
	"POST /api/v1/cases/{tracking}/objection":                    "sannnnnnss",
	"POST /api/v1/payments/sandbox/callback":                     "ffffffffff", // only the bank's signed callback
	"POST /api/v1/verify":                                        "aaaaaaaaaa",
	"POST /apply/{id}":                                           "saaaaaaass",
	"POST /documents/{id}/revoke":                                "sfnaannnss",
	"POST /me/acting":                                            "saaaaaaass",
	"POST /me/acting/children":                                   "saaaaaaass",
	"POST /me/cases/{tracking}/{action}":                         "sanaannnss",
	"POST /me/consents":                                          "saaaaaaass",
	"POST /me/consents/{id}/withdraw":                            "snnnnnnnss",
	"POST /me/inbox/{id}/read":                                   "sannnnnnss",
	"POST /me/notifications":                                     "saaaaaaass",
	"POST /me/notifications/confirm":                             "aaaaaaaaaa",
	"POST /me/sessions/revoke":                                   "saaaaaaass",
	"POST /me/suggestions/{id}/dismiss":                          "saaaaaaass",
	"POST /api/v1/me/suggestions/{id}/dismiss":                   "saaaaaaass",
	"POST /signout":                                              "aaaaaaaaaa",
	"POST /verify":                                               "aaaaaaaaaa",
	"PUT /api/v1/agency/drafts/{draft}":                          "ssssssssaa",
	"PUT /api/v1/me/notifications":                               "saaaaaaass",
	"GET /agency/rules":                                          "sfffafffss",
	"GET /agency/services/{id}/rules":                            "sfffafffss",
	"GET /agency/services/{id}/rules/new":                        "sfffafffss",
	"GET /agency/services/{id}/rules/{version}":                  "sfffnfffss",
	"GET /agency/services/{id}/subscriptions":                    "sfffafffss",
	"GET /api/v1/agency/services/{id}/rules":                     "sfffaffaaf",
	"GET /api/v1/agency/services/{id}/rules/{version}":           "sfffnffnnf",
	"GET /api/v1/agency/services/{id}/subscriptions":             "sfffafffss",
	"GET /api/v1/services/{id}/rules":                            "nnnnnnnnnn",
	"GET /api/v1/stats":                                          "aaaaaaaaaa",
	"GET /demo/life-events":                                      "saaaaaaass",
	"GET /me/proactive":                                          "saaaaaaass",
	"GET /offers/{id}":                                           "snnnnnnnss",
	"GET /services/{id}/eligibility":                             "nnnnnnnnnn",
	"POST /agency/services/{id}/rules":                           "sfffafffss",
	"POST /agency/services/{id}/rules/deactivate":                "sfffafffss",
	"POST /agency/services/{id}/rules/{version}/{action}":        "sfffnfffss",
	"POST /agency/services/{id}/subscriptions":                   "sfffafffss",
	"POST /agency/subscriptions/{sub}/{action}":                  "sfffnfffss",
	"POST /api/v1/agency/services/{id}/rules":                    "sfffaffaaf",
	"POST /api/v1/agency/services/{id}/rules/deactivate":         "sfffaffaaf",
	"POST /api/v1/agency/services/{id}/rules/{version}/approve":  "sfffnffnff",
	"POST /api/v1/agency/services/{id}/rules/{version}/request":  "sfffnffnnf",
	"POST /api/v1/agency/services/{id}/rules/{version}/rollback": "sfffnffnff",
	"POST /api/v1/agency/services/{id}/rules/{version}/simulate": "sfffnffnnf",
	"POST /api/v1/agency/services/{id}/rules/{version}/test":     "sfffnffnnf",
	"POST /api/v1/agency/services/{id}/subscriptions":            "sfffafffss",
	"POST /api/v1/agency/subscriptions/{sub}/activate":           "sfffnfffss",
	"POST /api/v1/agency/subscriptions/{sub}/retire":             "sfffnfffss",
	"POST /api/v1/services/{id}/eligibility":                     "aaaaaaaaaa",
	"POST /demo/life-events":                                     "saaaaaaass",
	"POST /me/proactive/optout":                                  "saaaaaaass",
	"POST /offers/{id}/{answer}":                                 "snnnnnnnss",
	"POST /services/{id}/eligibility":                            "nnnnnnnnnn",
	"PUT /api/v1/services/{id}/draft":                            "saaaaaaass",
}

// routeConstants are the constants the API's route table names patterns by.
var routeConstants = map[string]string{"apply.SandboxCallbackPath": apply.SandboxCallbackPath}

// matrixRoutes reads every route from the route tables of the portal
// (internal/web/routes.go) and the API (internal/api: method and pattern of
// each route), so that a new route without an entry here fails the test.
func matrixRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	b, err := os.ReadFile(filepath.Join("..", "web", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`mux\.Handle\("([A-Z]+ /[^"]*)"`).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	files, err := filepath.Glob(filepath.Join("..", "api", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`method:\s*"([A-Z]+)",\s*pattern:\s*("[^"]+"|[A-Za-z_.]+)`).FindAllStringSubmatch(string(b), -1) {
			pattern, ok := strings.CutPrefix(strings.TrimSuffix(m[2], `"`), `"`)
			if !ok {
				// A pattern named by a constant.
				if pattern, ok = routeConstants[m[2]]; !ok {
					t.Fatalf("%s: the route pattern %s is a constant the matrix does not know", f, m[2])
				}
			}
			out = append(out, m[1]+" "+pattern)
		}
	}
	if len(out) < 80 {
		t.Fatalf("found only %d routes in the route tables: has their form changed?", len(out))
	}
	sort.Strings(out)
	return out
}

// TestAccessMatrix runs every route of the portal and the API against every
// role, on each engine, and compares the outcome with accessMatrix. It also
// refuses a forged cross-site POST that carries a valid session cookie, and
// sends the issue's bad input (badInput) to the same assembled app.
func TestAccessMatrix(t *testing.T) {
	routes := matrixRoutes(t)
	for _, r := range routes {
		if _, ok := accessMatrix[r]; !ok {
			t.Errorf("route %q has no entry in the access matrix", r)
		}
	}
	for r := range accessMatrix {
		if !containsRoute(routes, r) {
			t.Errorf("the access matrix names %q, which no route table has", r)
		}
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { accessMatrixOn(t, d, routes) })
	}
}

func containsRoute(routes []string, r string) bool {
	for _, x := range routes {
		if x == r {
			return true
		}
	}
	return false
}

func accessMatrixOn(t *testing.T, d store.Dialect, routes []string) {
	srv, set := mustServeDemo(t, d)
	ctx, a := srv.Ctx, srv.App

	svc := journeyService(t, ctx, a, set)
	agencyX := svc.Record.Agency
	agencyY := "NOCR"
	if agencyX == agencyY {
		agencyY = "SSAA"
	}
	person := func(code string) identity.Principal {
		t.Helper()
		p, err := a.Identity.EnsurePerson(ctx, code, "")
		if err != nil {
			t.Fatal(err)
		}
		pr, err := a.Identity.PrincipalOf(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	staff := func(code, agency string, role identity.Role) string {
		t.Helper()
		if _, err := a.Identity.AddStaff(ctx, identity.System, code, agency, role); err != nil {
			t.Fatal(err)
		}
		return code
	}
	codes := map[string]string{
		"citizen A":      backoffice.CitizenAli,
		"citizen B":      backoffice.CitizenMaryam,
		"operator X":     staff("1234567806", agencyX, identity.RoleOperator),
		"admin X":        staff("2345678909", agencyX, identity.RoleAgencyAdmin),
		"operator Y":     staff("3456789017", agencyY, identity.RoleOperator),
		"overseer":       staff("4567890124", "", identity.RoleOverseer),
		"platform admin": staff("5678901230", "", identity.RolePlatformAdmin),
	}
	_, keyX, err := a.Identity.IssueKey(ctx, identity.System, agencyX, "matrix")
	if err != nil {
		t.Fatal(err)
	}
	_, keyY, err := a.Identity.IssueKey(ctx, identity.System, agencyY, "matrix")
	if err != nil {
		t.Fatal(err)
	}
	spare, _, err := a.Identity.IssueKey(ctx, identity.System, agencyX, "spare")
	if err != nil {
		t.Fatal(err)
	}

	var addr atomic.Int64
	// serve sends one request through the assembled handler, from its own
	// client address so the API's rate limits do not mix the rows up.
	serve := func(role, method, path string, hdr http.Header, body string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(method, srv.Base+path, strings.NewReader(body))
		n := addr.Add(1)
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
		for k, v := range hdr {
			req.Header[k] = v
		}
		if body != "" && req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		switch role {
		case "anonymous":
		case "key X":
			req.Header.Set("Authorization", "Bearer "+keyX)
		case "key Y":
			req.Header.Set("Authorization", "Bearer "+keyY)
		default:
			p, err := a.Identity.EnsurePerson(ctx, codes[role], "")
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := a.Identity.StartSession(ctx, p, "matrix")
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: tok})
		}
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, req)
		res := w.Result()
		res.Request = req
		return res
	}

	// Citizen A applies for the service of agency X, with an upload, pays in
	// the sandbox bank, and X's operator approves, which issues the document.
	ali := person(codes["citizen A"])
	form, err := a.Apply.Form(ctx, svc.ID, ali)
	if err != nil {
		t.Fatal(err)
	}
	data, files := map[string]string{}, map[string]apply.Upload{}
	for _, f := range form.Fields {
		switch {
		case f.Kind == apply.FieldFile:
			var b bytes.Buffer
			png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)))
			files[f.Name] = apply.Upload{Name: "scan.png", Data: b.Bytes()}
		case f.Name == "phone":
			data[f.Name] = "09121234567"
		default:
			data[f.Name] = "اعلام می‌کنم درست است"
		}
	}
	c, err := a.Apply.Submit(ctx, ali, svc.ID, data, files)
	if err != nil {
		t.Fatal(err)
	}
	tracking := c.Tracking
	var uploadID int64
	for _, ev := range c.Evidence {
		if ev.UploadID != 0 {
			uploadID = ev.UploadID
		}
	}
	resp := serve("citizen A", "POST", "/me/cases/"+tracking+"/pay", nil, "x=1")
	bank := strings.TrimPrefix(resp.Header.Get("Location"), srv.Base)
	payID := strings.TrimPrefix(bank, "/sandbox/pay/")
	if resp.StatusCode != http.StatusSeeOther || payID == bank {
		t.Fatalf("pay: %d %q", resp.StatusCode, bank)
	}
	if resp := serve("anonymous", "POST", bank, nil, url.Values{"action": {"pay"}}.Encode()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bank: %d", resp.StatusCode)
	}
	opX := person(codes["operator X"])
	for _, to := range []apply.State{"in_review", "approved"} {
		if c, err = a.Apply.Transition(ctx, opX, tracking, to, "", ""); err != nil {
			t.Fatalf("%s: %v", to, err)
		}
	}
	if c, err = a.Apply.Case(ctx, ali, tracking); err != nil || c.Document == "" {
		t.Fatalf("no document issued: %v", err)
	}
	docID := c.Document
	inbox, err := a.Notifier.Inbox(ctx, codes["citizen A"])
	if err != nil || len(inbox) == 0 {
		t.Fatalf("citizen A's inbox: %d (%v)", len(inbox), err)
	}
	// Two webhooks of X: the API deletes one, the console disables the other.
	hook, _, err := a.Backoffice.RegisterWebhook(ctx, principalOfKey(t, ctx, a, keyX), "http://127.0.0.1:9/hook", nil)
	if err != nil {
		t.Fatal(err)
	}
	hook2, _, err := a.Backoffice.RegisterWebhook(ctx, principalOfKey(t, ctx, a, keyX), "http://127.0.0.1:9/other", nil)
	if err != nil {
		t.Fatal(err)
	}

	params := map[string]string{
		"id": svc.ID, "code": agencyX, "tracking": tracking, "path": "css/panjare.css", "action": "answer", "hook": fmt.Sprint(hook.ID),
		"draft": "1", "version": "1", "sub": "999999", "answer": "accept",
		"month": "1404-01",
	}
	// A past month's report, public once built.
	if _, err := a.Oversight.Build(ctx, params["month"]); err != nil {
		t.Fatal(err)
	}
	// The month's figures, sealed and counted, for the open data's file.
	if _, err := a.Ledger.SealNow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.KPI.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	y, m := persian.JalaliMonth(time.Now())
	params["file"] = fmt.Sprintf("kpi-%04d-%02d.csv", y, m)
	// Path values that depend on the route.
	fill := func(route string) string {
		_, pattern, _ := strings.Cut(route, " ")
		switch {
		case strings.HasPrefix(pattern, "/transparency/province/"):
			pattern = strings.Replace(pattern, "{code}", "YZD", 1)
		case strings.HasPrefix(pattern, "/transparency/city/"):
			pattern = strings.Replace(pattern, "{code}", demo.PilotYazd, 1)
		case strings.HasPrefix(pattern, "/documents/"), strings.HasPrefix(pattern, "/api/v1/agency/documents/"):
			pattern = strings.Replace(pattern, "{id}", docID, 1)
		case strings.Contains(pattern, "/uploads/{id}"):
			pattern = strings.Replace(pattern, "{id}", fmt.Sprint(uploadID), 1)
		case strings.HasPrefix(pattern, "/me/inbox/"):
			pattern = strings.Replace(pattern, "{id}", fmt.Sprint(inbox[0].ID), 1)
		case strings.Contains(pattern, "/keys/{id}"):
			pattern = strings.Replace(pattern, "{id}", fmt.Sprint(spare.ID), 1)
		case strings.HasPrefix(pattern, "/agency/webhooks/{id}"):
			pattern = strings.Replace(pattern, "{id}", fmt.Sprint(hook2.ID), 1)
		case strings.HasPrefix(pattern, "/me/consents/{id}"), strings.HasPrefix(pattern, "/agency/representatives/{id}"), strings.HasPrefix(pattern, "/offers/{id}"):
			pattern = strings.Replace(pattern, "{id}", "999999", 1)
		}
		pattern = regexp.MustCompile(`\{([a-z]+)(\.\.\.)?\}`).ReplaceAllStringFunc(pattern, func(m string) string {
			k := strings.Trim(m, "{}.")
			if v, ok := params[k]; ok {
				return v
			}
			t.Fatalf("route %s: no value for %s", route, m)
			return ""
		})
		pattern = strings.TrimSuffix(pattern, "{$}")
		if strings.HasSuffix(pattern, "/payment") {
			pattern += "?id=" + payID
		}
		return pattern
	}

	var table strings.Builder
	missing := false
	for _, route := range routes {
		method, _, _ := strings.Cut(route, " ")
		path := fill(route)
		var got []byte
		for _, role := range matrixRoles {
			// A state-changing request carries only what the portal's forms
			// put in every one, the agency, so the handler refuses the rest.
			body, hdr := "", http.Header{}
			if method != "GET" {
				body = url.Values{"agency": {agencyX}}.Encode()
			}
			// API decisions on a case or a document are sent whole, so
			// that the agency check, not the body's, answers.
			switch route {
			case "POST /api/v1/agency/cases/{tracking}/transitions":
				body = `{"to":"in_review"}`
				hdr.Set("Idempotency-Key", fmt.Sprintf("matrix-%d", addr.Load()))
			case "POST /api/v1/agency/cases/{tracking}/visits":
				body = `{"note":"آزمون دسترسی"}`
			case "POST /api/v1/agency/documents/{id}/revoke":
				body = `{"reason":"آزمون دسترسی"}`
			}
			if strings.HasPrefix(body, "{") {
				hdr.Set("Content-Type", "application/json")
			}
			resp := serve(role, method, path, hdr, body)
			got = append(got, outcome(resp, srv.Base))
			if resp.StatusCode >= 500 {
				t.Errorf("%s as %s: %d", route, role, resp.StatusCode)
			}
		}
		fmt.Fprintf(&table, "\t%q: %q,\n", route, string(got))
		want, ok := accessMatrix[route]
		missing = missing || !ok
		if ok && want != string(got) {
			t.Errorf("%s (%s): got %s, want %s", route, path, got, want)
		}
	}
	if t.Failed() || missing {
		t.Logf("observed:\n%s", table.String())
	}

	// A forged cross-site POST carrying citizen A's valid session cookie is
	// refused, and the case is unchanged; so is one to the API.
	before, err := a.Apply.Case(ctx, ali, tracking)
	if err != nil {
		t.Fatal(err)
	}
	for _, forged := range []struct{ path, body, ctype string }{
		{"/me/cases/" + tracking + "/complain", url.Values{"text": {"شکایت جعلی"}}.Encode(), "application/x-www-form-urlencoded"},
		{"/me/sessions/revoke", "", "application/x-www-form-urlencoded"},
		{"/me/notifications", url.Values{"email": {"on"}, "address": {"forged@example.ir"}}.Encode(), "application/x-www-form-urlencoded"},
		{"/api/v1/services/" + svc.ID + "/applications", `{"data":{"phone":"09121234567"}}`, "application/json"},
	} {
		hdr := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Content-Type": {forged.ctype}}
		if resp := serve("citizen A", "POST", forged.path, hdr, forged.body); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged cross-site POST %s: %d, want 403", forged.path, resp.StatusCode)
		}
		// Without the Sec-Fetch-Site header, the Origin alone gives it away.
		hdr.Del("Sec-Fetch-Site")
		if resp := serve("citizen A", "POST", forged.path, hdr, forged.body); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged cross-origin POST %s (Origin only): %d, want 403", forged.path, resp.StatusCode)
		}
	}
	after, err := a.Apply.Case(ctx, ali, tracking)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Complaints) != len(before.Complaints) || after.State != before.State {
		t.Errorf("a forged request changed the case: %d complaints, %s (was %d, %s)", len(after.Complaints), after.State, len(before.Complaints), before.State)
	}
	mine, _, err := a.Apply.MyCases(ctx, ali, "", 0)
	if err != nil || len(mine) != 1 {
		t.Errorf("a forged request filed an application: %d cases (%v)", len(mine), err)
	}
	// The same request from the portal's own origin goes through.
	same := http.Header{"Origin": {srv.Base}, "Sec-Fetch-Site": {"same-origin"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	if resp := serve("citizen A", "POST", "/me/cases/"+tracking+"/complain", same, url.Values{"text": {"شکایت واقعی"}}.Encode()); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST: %d, want 303", resp.StatusCode)
	}

	t.Run("bad input", func(t *testing.T) {
		badInput(t, badInputEnv{a: a, serve: serve, svc: svc.ID, agency: agencyX, ali: ali, tracking: tracking, maryam: person(codes["citizen B"]), keyX: keyX, staffX: codes["operator X"]})
	})
}

type badInputEnv struct {
	a                           *app.App
	serve                       func(role, method, path string, hdr http.Header, body string) *http.Response
	svc, agency, tracking, keyX string
	staffX                      string
	ali, maryam                 identity.Principal
}

// badInput sends what the issue lists as bad input through the assembled
// handler: each is a clear 4xx, and nothing stored changes.
func badInput(t *testing.T, e badInputEnv) {
	ctx := context.Background()
	snapshot := func() string {
		t.Helper()
		c, err := e.a.Apply.Case(ctx, e.ali, e.tracking)
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := e.a.Apply.MyCases(ctx, e.ali, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		staff, err := e.a.Identity.StaffList(ctx, e.agency)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(struct {
			Case  apply.Case
			Cases int
			Staff int
		}{c, len(mine), len(staff)})
		return string(b)
	}
	before := snapshot()
	json4xx := func(name string, resp *http.Response, want ...int) {
		t.Helper()
		if !slices.Contains(want, resp.StatusCode) {
			t.Errorf("%s: %d, want one of %v", name, resp.StatusCode, want)
		}
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(resp.Request.URL.Path, "/api/") && !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s: %s, want a problem+json", name, ct)
		}
	}
	jsonHdr := http.Header{"Content-Type": {"application/json"}}

	// Invalid national codes: at the demo provider's login, and as a new
	// staff member (a wrong check digit, too short, letters).
	resp := e.serve("anonymous", "GET", "/signin", nil, "")
	login := resp.Header.Get("Location")
	resp = e.serve("anonymous", "GET", strings.TrimPrefix(login, "http://"+resp.Request.Host), nil, "")
	if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
		login = resp.Header.Get("Location")
	}
	u, _ := url.Parse(login)
	for _, bad := range []string{"0067749827", "12345", "abcdefghij", "۰۰۶۷۷۴۹۸۲۷"} {
		if id := u.Query().Get("authRequestID"); id != "" {
			resp := e.serve("anonymous", "POST", "/idp/login", nil, url.Values{"authRequestID": {id}, "national_code": {bad}}.Encode())
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("demo provider login with national code %q: %d, want 400", bad, resp.StatusCode)
			}
		} else {
			t.Errorf("no authorization request to sign in with (%s)", login)
		}
		body, _ := json.Marshal(map[string]string{"national_code": bad, "role": "agency_operator"})
		json4xx("new staff "+bad, e.serve("admin X", "POST", "/api/v1/admin/agencies/"+e.agency+"/staff", jsonHdr, string(body)), 400)
	}

	// A form that fails its schema: every wrong field named, nothing filed.
	resp = e.serve("citizen A", "POST", "/api/v1/services/"+e.svc+"/applications", jsonHdr, `{"data":{"phone":"not a phone"}}`)
	json4xx("form failing its schema", resp, 400)
	var prob struct {
		Errors []errs.FieldError `json:"errors"`
	}
	if json.NewDecoder(resp.Body).Decode(&prob); len(prob.Errors) == 0 || prob.Errors[0].Field == "" || prob.Errors[0].Fa == "" {
		t.Error("the schema failure names no field, in Persian")
	}
	json4xx("a body that is not JSON", e.serve("citizen A", "POST", "/api/v1/services/"+e.svc+"/applications", jsonHdr, `{"data":`), 400)
	json4xx("data of the wrong JSON type", e.serve("citizen A", "POST", "/api/v1/services/"+e.svc+"/applications", jsonHdr, `{"data":["x"]}`), 400)

	// Uploads through the portal's form: too large, and not what it says.
	form, err := e.a.Apply.Form(ctx, e.svc, e.ali)
	if err != nil {
		t.Fatal(err)
	}
	multipartForm := func(file []byte, name string) (string, http.Header) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, f := range form.Fields {
			switch {
			case f.Kind == apply.FieldFile:
				fw, _ := mw.CreateFormFile(f.Name, name)
				fw.Write(file)
			case f.Name == "phone":
				mw.WriteField(f.Name, "09121234567")
			default:
				mw.WriteField(f.Name, "اعلام می‌کنم درست است")
			}
		}
		mw.WriteField("action", "submit")
		mw.Close()
		return b.String(), http.Header{"Content-Type": {mw.FormDataContentType()}}
	}
	var pngFile bytes.Buffer
	png.Encode(&pngFile, image.NewGray(image.Rect(0, 0, 2, 2)))
	hasFile := slices.ContainsFunc(form.Fields, func(f apply.Field) bool { return f.Kind == apply.FieldFile })
	if !hasFile {
		t.Fatal("the journey's service asks no upload: pick one that does")
	}
	big := append(pngFile.Bytes(), make([]byte, apply.MaxUpload)...)
	body, hdr := multipartForm(big, "scan.png")
	if resp := e.serve("citizen A", "POST", "/apply/"+e.svc, hdr, body); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d, want 413", resp.StatusCode)
	}
	body, hdr = multipartForm([]byte("#!/bin/sh\necho this is not an image\n"), "scan.png")
	if resp := e.serve("citizen A", "POST", "/apply/"+e.svc, hdr, body); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("upload of the wrong type: %d, want 400 or 422", resp.StatusCode)
	}

	// An unknown tracking code, well formed or not, for the citizen and for
	// the agency.
	for _, code := range []string{"1405-0000-0001", "hello", strings.Repeat("9", 200)} {
		json4xx("unknown tracking code "+code, e.serve("citizen A", "GET", "/api/v1/me/cases/"+url.PathEscape(code), nil, ""), 404)
		if resp := e.serve("citizen A", "GET", "/me/cases/"+url.PathEscape(code), nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("case page of unknown tracking code %q: %d, want 404", code, resp.StatusCode)
		}
		h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"unknown-" + code[:4]}}
		json4xx("agency decision on unknown tracking code "+code, e.serve("key X", "POST", "/api/v1/agency/cases/"+url.PathEscape(code)+"/transitions", h, `{"to":"in_review"}`), 404)
	}

	if after := snapshot(); after != before {
		t.Errorf("bad input changed what was stored:\nbefore %s\nafter  %s", before, after)
	}

	// A replayed idempotency key with a different body is refused, and the
	// first decision stands; the same body again is the first answer.
	c, err := e.a.Apply.Submit(ctx, e.maryam, e.svc, map[string]string{"phone": "09121234567"}, nil)
	if err != nil && !errs.Is(err, errs.Invalid) {
		t.Fatal(err)
	}
	if err != nil {
		files := map[string]apply.Upload{}
		data := map[string]string{}
		for _, f := range form.Fields {
			switch {
			case f.Kind == apply.FieldFile:
				files[f.Name] = apply.Upload{Name: "scan.png", Data: pngFile.Bytes()}
			case f.Name == "phone":
				data[f.Name] = "09121234567"
			default:
				data[f.Name] = "اعلام می‌کنم درست است"
			}
		}
		if c, err = e.a.Apply.Submit(ctx, e.maryam, e.svc, data, files); err != nil {
			t.Fatal(err)
		}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"decision-1"}}
	path := "/api/v1/agency/cases/" + c.Tracking + "/transitions"
	if resp := e.serve("key X", "POST", path, h, `{"to":"in_review"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("first decision: %d", resp.StatusCode)
	}
	json4xx("the same key with another body", e.serve("key X", "POST", path, h, `{"to":"needs_info","reason":"سند دیگری لازم است"}`), 409, 422)
	if resp := e.serve("key X", "POST", path, h, `{"to": "in_review"}`); resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same key and body again: %d, replayed %q", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
	}
	if got, err := e.a.Apply.Case(ctx, e.maryam, c.Tracking); err != nil || got.State != apply.InReview {
		t.Errorf("after the replays the case is %s (%v), want in_review", got.State, err)
	}
}

// outcome classifies a response for the matrix.
func outcome(resp *http.Response, base string) byte {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return 's'
	case http.StatusForbidden:
		return 'f'
	case http.StatusNotFound:
		return 'n'
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc := strings.TrimPrefix(resp.Header.Get("Location"), base)
		if strings.HasPrefix(loc, "/signin") || strings.HasPrefix(loc, "/idp/") {
			return 's'
		}
	}
	if resp.StatusCode >= 500 {
		return 'E'
	}
	return 'a'
}

// principalOfKey is the principal an API key authenticates as.
func principalOfKey(t *testing.T, ctx context.Context, a *app.App, key string) identity.Principal {
	t.Helper()
	p, err := a.Identity.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

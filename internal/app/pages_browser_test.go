package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// axePath is where `make assets` puts axe-core (git-ignored).
var axePath = filepath.Join("..", "..", "test", "vendor", "axe-core", "axe.min.js")

// phoneWidth is the narrowest screen the portal is laid out for.
const phoneWidth = 390

// TestBrowserPagesAccessible opens every page template of the portal in
// Chromium on a 390 px wide screen, as a visitor, a citizen with a case
// that went all the way (paid, issued, complained about), the competent
// agency's operator and admin, and a platform admin; and the error pages
// (404, 403, a form sent back with mistakes) and the sandbox bank's page.
// On each page: axe-core finds no serious or critical violation, and the
// page does not scroll sideways. It runs on both engines: the pages show
// what each engine stored.
func TestBrowserPagesAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Skipf("accessibility test skipped: axe-core is not installed at %s (run `make assets`; `make test` does)", axePath)
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserPagesAccessible(t, d, axe) })
	}
}

func browserPagesAccessible(t *testing.T, d store.Dialect, axe []byte) {
	ctx := mustChromium(t, phoneWidth, 844, 6*time.Minute)
	// A headless window is never narrower than 500 px: the phone's width
	// is emulated.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 844)); err != nil {
		t.Fatal(err)
	}
	srv, set := mustServeDemo(t, d)
	ctx0, a := srv.Ctx, srv.App
	svc := journeyService(t, ctx0, a, set)
	agency := svc.Record.Agency

	// The people, each with a session the browser will carry.
	session := func(code string) string {
		t.Helper()
		p, err := a.Identity.EnsurePerson(ctx0, code, "")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Identity.StartSession(ctx0, p, "pages test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	principal := func(code string) identity.Principal {
		t.Helper()
		p, err := a.Identity.EnsurePerson(ctx0, code, "")
		if err != nil {
			t.Fatal(err)
		}
		pr, err := a.Identity.PrincipalOf(ctx0, p)
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	staff := func(code, agency string, role identity.Role) string {
		t.Helper()
		if _, err := a.Identity.AddStaff(ctx0, identity.System, code, agency, role); err != nil {
			t.Fatal(err)
		}
		return code
	}
	operator := staff("1234567806", agency, identity.RoleOperator)
	admin := staff("2345678909", agency, identity.RoleAgencyAdmin)
	root := staff("5678901230", "", identity.RolePlatformAdmin)

	// A case that went all the way: submitted, paid, approved and issued,
	// then complained about.
	citizen := principal(backoffice.CitizenAli)
	form, err := a.Apply.Form(ctx0, svc.ID, citizen)
	if err != nil {
		t.Fatal(err)
	}
	data, files := map[string]string{}, map[string]apply.Upload{}
	var scan bytes.Buffer
	png.Encode(&scan, image.NewGray(image.Rect(0, 0, 8, 8)))
	for _, f := range form.Fields {
		switch {
		case f.Name == "phone":
			data[f.Name] = "09121234567"
		case f.Kind == apply.FieldFile:
			files[f.Name] = apply.Upload{Name: "scan.png", Data: scan.Bytes()}
		default:
			data[f.Name] = "اعلام می‌کنم درست است"
		}
	}
	c, err := a.Apply.Submit(ctx0, citizen, svc.ID, data, files)
	if err != nil {
		t.Fatal(err)
	}
	payURL, err := a.Apply.StartPayment(ctx0, citizen, c.Tracking)
	if err != nil {
		t.Fatal(err)
	}
	payID := payURL[strings.LastIndex(payURL, "/")+1:]
	body, err := a.Sandbox.Settle(ctx0, payID, apply.PayPaid)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply.PaymentCallback(ctx0, http.Header{apply.SandboxSignature: {a.Sandbox.Sign(body)}}, body); err != nil {
		t.Fatal(err)
	}
	op := principal(operator)
	for _, to := range []apply.State{apply.InReview, apply.Approved} {
		if _, err := a.Apply.Transition(ctx0, op, c.Tracking, to, "", ""); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	if c, err = a.Apply.Case(ctx0, citizen, c.Tracking); err != nil || c.Document == "" {
		t.Fatalf("no document issued: %v", err)
	}
	if _, err := a.Apply.Complain(ctx0, citizen, c.Tracking, "مدرک دیر صادر شد"); err != nil {
		t.Fatal(err)
	}
	// A second payment left pending, so the bank's page still offers to pay.
	other, err := a.Apply.Submit(ctx0, citizen, svc.ID, data, files)
	if err != nil {
		t.Fatal(err)
	}
	pendingURL, err := a.Apply.StartPayment(ctx0, citizen, other.Tracking)
	if err != nil {
		t.Fatal(err)
	}
	bank := pendingURL[strings.Index(pendingURL, "/sandbox/"):]

	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%.60s: %v", js, err)
		}
		return s
	}
	// as makes the browser someone: their session cookie, or none.
	as := func(token string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.Base+"/about")); err != nil {
			t.Fatal(err)
		}
		if token == "" {
			eval(`document.cookie = "` + identity.SessionCookie + `=; path=/; max-age=0"; ""`)
			return
		}
		eval(`document.cookie = "` + identity.SessionCookie + `=` + token + `; path=/; secure; samesite=lax"; ""`)
	}
	type pageCase struct {
		name, path string
		status     int    // 0: 200
		check      string // extra JavaScript that returns "" when all is well
	}
	n := 0
	visit := func(who string, pc pageCase) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(srv.Base+pc.path), chromedp.WaitReady(chromedp.CSS("body")))
		if err != nil {
			t.Errorf("%s %s: %v", who, pc.path, err)
			return
		}
		want := pc.status
		if want == 0 {
			want = http.StatusOK
		}
		if resp == nil || int(resp.Status) != want {
			got := 0
			if resp != nil {
				got = int(resp.Status)
			}
			t.Errorf("%s %s: status %d, want %d (at %s)", who, pc.name, got, want, eval("location.pathname"))
			return
		}
		n++
		shootApp(t, ctx, fmt.Sprintf("pages-%02d-%s.png", n, pc.name))
		if w := eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(phoneWidth) {
			wide := eval(`Array.from(document.querySelectorAll("body *")).filter(e => !e.parentElement.closest(".table-wrap") && (e.getBoundingClientRect().right > innerWidth + 1 || e.getBoundingClientRect().left < -1)).slice(0, 4).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().width) + "px").join(", ")`)
			t.Errorf("%s %s: the page is %s px wide at %d px and scrolls sideways (%s)", who, pc.name, w, phoneWidth, wide)
		}
		if pc.check != "" {
			if msg := eval(pc.check); msg != "" {
				t.Errorf("%s %s: %s", who, pc.name, msg)
			}
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("loading axe-core: %v", err)
		}
		out := eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`)
		var violations []struct {
			ID, Impact, Help string
			Nodes            []string
		}
		if err := json.Unmarshal([]byte(out), &violations); err != nil {
			t.Fatalf("axe result %q: %v", out, err)
		}
		for _, v := range violations {
			t.Errorf("%s %s: axe %s (%s): %s at %v", who, pc.name, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}

	const persianMarkers = `getComputedStyle(document.querySelector("#timeline li")).listStyleType === "persian" ? "" : "timeline markers are " + getComputedStyle(document.querySelector("#timeline li")).listStyleType`
	// The tracker's table fits the phone (its rows become cards), and the
	// purpose's tracking code is in Persian digits, isolated, on one line.
	const trackerFits = `(() => {
		const t = document.querySelector("table.inquiries");
		if (!t) return "no inquiry on the tracker";
		if (t.getBoundingClientRect().width > innerWidth || t.scrollWidth > t.clientWidth + 1) return "the tracker's table is " + t.scrollWidth + " px wide";
		const code = t.querySelector("bdi.code");
		if (!code || !/^[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{4}$/.test(code.textContent)) return "the purpose's tracking code is " + (code ? code.textContent : "not isolated");
		if (code.getClientRects().length !== 1) return "the purpose's tracking code breaks across " + code.getClientRects().length + " lines";
		return "";
	})()`
	// The clerk reads what the agencies answered, the applicant's code and
	// the issued document.
	const clerkReads = `(() => {
		if (!document.querySelector("[id^=answer-] .summary__row dd")) return "no answer content";
		if (!document.querySelector("#applicant-code")) return "no national code";
		if (!document.querySelector("#document a[href^='/documents/']")) return "no link to the document";
		return "";
	})()`
	pages := []struct {
		who   string
		token string
		pages []pageCase
	}{
		{"visitor", "", []pageCase{
			{name: "home", path: "/"},
			{name: "home-en", path: "/?lang=en"},
			{name: "search", path: "/services?q=" + "گذرنامه"},
			{name: "service", path: "/services/" + svc.ID},
			{name: "agencies", path: "/agencies"},
			{name: "agency", path: "/agencies/" + agency},
			{name: "about", path: "/about"},
			{name: "verify", path: "/verify"},
			{name: "verify-document", path: "/verify?id=" + c.Document},
			{name: "outbox", path: "/dev/outbox"},
			{name: "not-found", path: "/no/such/page", status: http.StatusNotFound},
			{name: "fa-again", path: "/?lang=fa"},
		}},
		{"citizen", session(backoffice.CitizenAli), []pageCase{
			{name: "me", path: "/me"},
			{name: "cases", path: "/me/cases"},
			{name: "case", path: "/me/cases/" + c.Tracking + "?new=1", check: persianMarkers},
			{name: "payment", path: "/me/cases/" + c.Tracking + "/payment?id=" + payID},
			{name: "bank", path: bank},
			{name: "apply", path: "/apply/" + svc.ID},
			{name: "inbox", path: "/me/inbox"},
			{name: "tracker", path: "/me/data", check: trackerFits},
			{name: "consents", path: "/me/consents"},
			{name: "acting", path: "/me/acting"},
			{name: "documents", path: "/me/documents"},
			{name: "document", path: "/documents/" + c.Document},
			{name: "forbidden", path: "/agency/console", status: http.StatusForbidden},
		}},
		{"operator", session(operator), []pageCase{
			{name: "console", path: "/agency/console", check: `document.querySelector("#header-console") ? "" : "no console link in the header"`},
			{name: "console-complaints", path: "/agency/console?complaints=1"},
			{name: "agency-cases", path: "/agency/cases"},
			{name: "agency-case", path: "/agency/cases/" + c.Tracking, check: clerkReads},
			{name: "agency-case-en", path: "/agency/cases/" + c.Tracking + "?lang=en"},
			{name: "assign", path: "/agency/cases/" + c.Tracking + "/assign"},
			{name: "agency-exchange", path: "/agency/exchange?lang=fa"},
			{name: "webhooks", path: "/agency/webhooks"},
		}},
		{"agency admin", session(admin), []pageCase{
			{name: "staff", path: "/agency/staff"},
			{name: "keys", path: "/agency/keys"},
			{name: "representatives", path: "/agency/representatives"},
		}},
		{"platform admin", session(root), []pageCase{
			{name: "admin-exchange", path: "/admin/exchange"},
		}},
	}
	for _, group := range pages {
		as(group.token)
		for _, pc := range group.pages {
			visit(group.who, pc)
		}
	}

	// A form sent back with mistakes: the browser's own checks are off so
	// that the server's summary shows.
	as(session(backoffice.CitizenAli))
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.Base+"/apply/"+svc.ID), chromedp.WaitVisible(chromedp.CSS("#submit"))); err != nil {
		t.Fatal(err)
	}
	eval(`document.querySelectorAll("form").forEach(f => f.noValidate = true); document.querySelectorAll("input[type=text], textarea").forEach(e => e.value = ""); ""`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#form-errors"))); err != nil {
		t.Fatalf("a form with mistakes: %v", err)
	}
	if title := eval("document.title"); !strings.HasPrefix(title, "خطا: ") {
		t.Errorf("the title of a form with mistakes is %q", title)
	}
	if got := eval(`String(document.querySelectorAll("#error-list a[href^='#']").length)`); got == "0" {
		t.Error("the error summary links to no field")
	}
	shootApp(t, ctx, "pages-form-errors.png")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
		t.Fatal(err)
	}
	out := eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id + ": " + v.help)))`)
	if out != "[]" {
		t.Errorf("the form with mistakes: axe %s", out)
	}
	if w := eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(phoneWidth) {
		t.Errorf("the form with mistakes is %s px wide at %d px", w, phoneWidth)
	}
}

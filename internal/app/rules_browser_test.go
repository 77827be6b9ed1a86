package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserRules walks the authoring of a ruleset in Chromium against the
// assembled demo, on each engine: an agency admin writes a rule, sees its
// type error next to the condition, fixes it, adds a test, runs the tests,
// simulates over recent cases and requests activation; a second admin of
// the agency approves; the public service page then explains the rules,
// and its eligibility check decides typed facts. The editor and the
// service page pass axe-core's checks when axe-core is installed.
func TestBrowserRules(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing", chromiumPath)
	}
	axe, _ := os.ReadFile(axePath) // the accessibility checks run when it is installed
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserRules(t, d, axe) })
	}
}

func browserRules(t *testing.T, d store.Dialect, axe []byte) {
	srv, set := mustServeDemo(t, d)
	ctx0, a := srv.Ctx, srv.App
	svc := journeyService(t, ctx0, a, set)
	agency := svc.Record.Agency
	if a, ok, err := a.Rules.Active(ctx0, svc.ID); err != nil || ok {
		// The demo may ship rules for it: the test writes the next version.
		t.Logf("service %s has active rules v%d already (%v)", svc.ID, a.Version, err)
	}

	session := func(code, name string, role identity.Role) string {
		t.Helper()
		p, err := a.Identity.EnsurePerson(ctx0, code, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.AddStaff(ctx0, identity.System, code, agency, role); err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Identity.StartSession(ctx0, p, "rules test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	first := session("3456789009", "مدیر نخست", identity.RoleAgencyAdmin)
	second := session("3456789017", "مدیر دوم", identity.RoleAgencyAdmin)

	ctx := mustChromium(t, 1280, 1000, 4*time.Minute)
	n := 0
	shot := func(name string, at ...string) {
		n++
		for _, sel := range at { // what the step shows, scrolled into view
			chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector("`+sel+`"); if (e) e.scrollIntoView({block: "center"}); return true })()`))
		}
		shootApp(t, ctx, fmt.Sprintf("rules-%s-%02d-%s.png", d, n, name))
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			shot(name + "-failed")
			t.Fatalf("%s: %v (at %s)", name, err, loc)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	as := func(token string) {
		t.Helper()
		step("home", chromedp.Navigate(srv.Base+"/about"))
		eval(`document.cookie = "` + identity.SessionCookie + `=` + token + `; path=/; samesite=lax"; ""`)
	}
	// checkAxe reports serious and critical accessibility violations of the
	// page shown.
	checkAxe := func(page string) {
		t.Helper()
		if len(axe) == 0 {
			return
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
			t.Errorf("%s: axe %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	// setValue types into a field the way a person replaces its text.
	setValue := func(sel, text string) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS(sel), text)
	}
	base := "/agency/services/" + svc.ID + "/rules"

	// 1. The first admin writes a rule whose condition compares a number
	// with text, and saves: the type error is shown next to the condition.
	as(first)
	step("editor", chromedp.Navigate(srv.Base+base+"/new"), chromedp.WaitVisible(chromedp.CSS("#rule-0-when")))
	if eval(`document.querySelector('[data-input="applicant.age"]') ? "yes" : ""`) != "yes" {
		t.Fatal("the editor does not list applicant.age among the inputs")
	}
	checkAxe("editor")
	step("type a rule", setValue("#rule-0-code", "adult"), setValue("#rule-0-when", `applicant.age >= "18"`),
		chromedp.SetValue(chromedp.CSS("#rule-0-outcome"), "approve"),
		setValue("#rule-0-explain_fa", "متقاضی {{applicant.age}} ساله و بزرگسال است."),
		setValue("#rule-0-explain_en", "The applicant is {{applicant.age}}, an adult."),
		chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#rule-0-when-error")))
	shot("type-error", "#rule-0-when-error")
	if got := eval(`document.querySelector("#rule-0-when").value`); got != `applicant.age >= "18"` {
		t.Errorf("the condition typed was lost: %q", got)
	}
	if got := eval(`document.querySelector("#rule-0-when-error").textContent`); !strings.Contains(got, "ستون") {
		t.Errorf("the type error does not say where: %q", got)
	}

	// 2. Fix it, add a test, save.
	step("fix", setValue("#rule-0-when", "applicant.age >= 18"),
		chromedp.Click(chromedp.CSS("#add-test")), chromedp.WaitVisible(chromedp.CSS("#test-0-input")))
	step("test", setValue("#test-0-name", "بزرگسال"),
		setValue("#test-0-input", `{"form": {}, "evidence": {}, "applicant": {"age": 30, "sex": "female", "alive": true}, "today": "2026-03-01T00:00:00Z"}`),
		chromedp.SetValue(chromedp.CSS("#test-0-want"), "approve"),
		chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#rules-done")))
	shot("saved")
	version := eval(`location.pathname.split("/").pop()`)

	// 3. Run the tests, simulate, request activation.
	step("run tests", chromedp.Click(chromedp.CSS("#run-tests")), chromedp.WaitVisible(chromedp.CSS("#tests-summary")))
	if eval(`document.querySelector('[data-test-result]').dataset.testResult`) != "pass" {
		t.Fatalf("the test did not pass: %s", eval(`document.querySelector("#rules-actions").textContent`))
	}
	shot("tests", "#tests-summary")
	step("simulate", chromedp.Click(chromedp.CSS("#simulate")), chromedp.WaitVisible(chromedp.CSS("#sim-summary")))
	shot("simulation", "#simulation")
	step("request", chromedp.Click(chromedp.CSS("#request")), chromedp.WaitVisible(chromedp.CSS("#pending-note")))
	shot("requested", "#pending-note")
	// The same admin cannot approve their own request.
	step("self-approve", chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#approve-error")))
	if _, ok, _ := a.Rules.Active(ctx0, svc.ID); ok {
		if act, _, _ := a.Rules.Active(ctx0, svc.ID); fmt.Sprint(act.Version) == version {
			t.Fatal("the requesting admin activated the rules alone")
		}
	}

	// 4. The second admin approves.
	as(second)
	step("second admin", chromedp.Navigate(srv.Base+base+"/"+version), chromedp.WaitVisible(chromedp.CSS("#pending-note")))
	if got := eval(`document.querySelector("#pending-note").textContent`); !strings.Contains(got, "مدیر نخست") {
		t.Errorf("the page does not say who requested: %q", got)
	}
	step("approve", chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#rules-done")))
	shot("active")
	if act, ok, err := a.Rules.Active(ctx0, svc.ID); err != nil || !ok || fmt.Sprint(act.Version) != version || act.Status != rules.Active {
		t.Fatalf("after approval: %v %v %+v", ok, err, act)
	}

	// 5. The public service page explains the rules; the check decides.
	step("service page", chromedp.Navigate(srv.Base+"/services/"+svc.ID), chromedp.WaitVisible(chromedp.CSS("#rules")))
	if got := eval(`document.querySelector("#rules").textContent`); !strings.Contains(got, "بزرگسال است") || strings.Contains(got, "applicant.age") {
		t.Errorf("the rules section: %q", got)
	}
	shot("service", "#rules")
	checkAxe("service page")
	step("eligibility", chromedp.Click(chromedp.CSS("#eligibility-link")), chromedp.WaitVisible(chromedp.CSS("#in-applicant__age")),
		setValue("#in-applicant__age", "۴۰"), chromedp.Click(chromedp.CSS("#check")), chromedp.WaitVisible(chromedp.CSS("#decision")))
	shot("eligibility", "#decision")
	if got := eval(`(document.querySelector('#decision [data-outcome]')||{dataset:{}}).dataset.outcome||""`); got != "approve" {
		t.Errorf("a forty-year-old's check: %q, want approve", got)
	}
	checkAxe("eligibility")

	// 6. A signed-in citizen checks with their own data, fetched through
	// the exchange; nothing is stored.
	p, err := a.Identity.EnsurePerson(ctx0, backoffice.CitizenAli, "")
	if err != nil {
		t.Fatal(err)
	}
	citizen, _, err := a.Identity.StartSession(ctx0, p, "rules test")
	if err != nil {
		t.Fatal(err)
	}
	as(citizen)
	step("check mine", chromedp.Navigate(srv.Base+"/services/"+svc.ID+"/eligibility"), chromedp.WaitVisible(chromedp.CSS("#check-mine")),
		chromedp.Click(chromedp.CSS("#check-mine")), chromedp.WaitVisible(chromedp.CSS("#decision, #mine-error")))
	shot("eligibility-mine", "#decision")
	if msg := eval(`(document.querySelector("#mine-error")||{textContent:""}).textContent`); msg != "" {
		t.Fatalf("check with my own data: %s", msg)
	}
	if got := eval(`document.querySelector("#decision-h").textContent`); !strings.Contains(got, "خودتان") {
		t.Errorf("the result does not say it used the citizen's own data: %q", got)
	}
}

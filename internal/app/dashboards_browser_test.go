package app_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// echartsPath is where `make assets` puts Apache ECharts (git-ignored).
var echartsPath = filepath.Join("..", "web", "static", "vendor", "echarts", "echarts.min.js")

// TestBrowserDashboards: on a phone-wide screen, the demo's overseer signs
// in through the demo provider and reads the rankings and the targets on
// /oversight; the public transparency page draws its charts (when ECharts
// is installed) above tables of the same numbers; an agency admin reads
// their own agency's dashboard. No page scrolls sideways.
func TestBrowserDashboards(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserDashboards(t, d) })
	}
}

func browserDashboards(t *testing.T, d store.Dialect) {
	ctx := mustChromium(t, phoneWidth, 844, 4*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 844)); err != nil {
		t.Fatal(err)
	}
	srv, set := mustServeDemo(t, d)
	ctx0, a := srv.Ctx, srv.App
	svc := journeyService(t, ctx0, a, set)

	// One application, so that the month has figures beyond the
	// catalogue's; then everything is sealed and counted.
	ali, err := a.Identity.EnsurePerson(ctx0, backoffice.CitizenAli, "")
	if err != nil {
		t.Fatal(err)
	}
	citizen, err := a.Identity.PrincipalOf(ctx0, ali)
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := a.Apply.Submit(ctx0, citizen, svc.ID, data, files); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Ledger.SealNow(ctx0); err != nil {
		t.Fatal(err)
	}
	if err := a.KPI.CatchUp(ctx0); err != nil {
		t.Fatal(err)
	}
	y, m := persian.JalaliMonth(time.Now())
	month := fmt.Sprintf("%04d-%02d", y, m)
	national, err := a.KPI.Get(ctx0, kpi.Key{Month: month})
	if err != nil || national.Submitted == 0 {
		t.Fatalf("the month's figures: %+v (%v)", national, err)
	}

	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%.60s: %v", js, err)
		}
		return s
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	axe, _ := os.ReadFile(axePath) // without it (no `make assets`) only the layout is checked
	fits := func(name string) {
		t.Helper()
		if axe != nil {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
				t.Fatalf("loading axe-core: %v", err)
			}
			out := eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations
				.filter(v => v.impact === "serious" || v.impact === "critical")
				.map(v => v.id + ": " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))`)
			if out != "[]" {
				t.Errorf("%s: axe %s", name, out)
			}
		}
		if w := eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(phoneWidth) {
			wide := eval(`Array.from(document.querySelectorAll("body *")).filter(e => !e.parentElement.closest(".table-wrap") && (e.getBoundingClientRect().right > innerWidth + 1 || e.getBoundingClientRect().left < -1)).slice(0, 4).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().width) + "px").join(", ")`)
			t.Errorf("%s: the page is %s px wide at %d px and scrolls sideways (%s)", name, w, phoneWidth, wide)
		}
		shootApp(t, ctx, "dashboards-"+string(d)+"-"+name+".png")
	}
	cell := func(id string) string {
		return eval(`(document.querySelector('#figures tr[data-kpi="` + id + `"] td') || {textContent: ""}).textContent.trim()`)
	}

	// The overseer signs in on the way to /oversight and lands on it.
	_, overseer := demo.PlatformStaff(set.People)
	if overseer == "" {
		t.Fatal("the demo has no overseer")
	}
	step("to sign in", chromedp.Navigate(srv.Base+"/oversight"), chromedp.WaitVisible(chromedp.CSS("#national_code")))
	step("national code", chromedp.SendKeys(chromedp.CSS("#national_code"), persian.Digits(overseer)),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil {
		t.Fatal(err)
	}
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#ranking-agencies")))
	if p := eval(`location.pathname`); p != "/oversight" {
		t.Errorf("after signing in the overseer is at %s", p)
	}
	if got, want := cell("submitted"), persian.Digits(fmt.Sprint(national.Submitted)); got != want {
		t.Errorf("/oversight: submitted %q, the figures say %q", got, want)
	}
	if n := eval(`String(document.querySelectorAll("#ranking-agencies tbody tr[data-code]").length)`); n == "0" {
		t.Error("/oversight: no agency is ranked")
	}
	if n := eval(`String(document.querySelectorAll("#targets tbody tr[data-progress]").length)`); n == "0" {
		t.Error("/oversight: no targets")
	}
	if eval(`document.querySelector("#method-agencies") ? document.querySelector("#method-agencies").textContent : ""`) == "" {
		t.Error("/oversight: the ranking's method is not published")
	}
	fits("oversight")

	// The public page: a chart drawn above each table when ECharts is
	// there, the tables alone when it is not.
	step("transparency", chromedp.Navigate(srv.Base+"/transparency"), chromedp.WaitVisible(chromedp.CSS("#figures")))
	if _, err := os.Stat(echartsPath); err == nil {
		step("charts drawn", chromedp.WaitVisible(chromedp.CSS(`[data-chart-of="transparency-volumes"] canvas`)))
		tables := eval(`String(document.querySelectorAll("table[data-chart]").length)`)
		drawn := eval(`String(document.querySelectorAll("[data-chart-of] canvas").length)`)
		if drawn == "0" || drawn > tables {
			t.Errorf("/transparency: %s charts drawn for %s tables", drawn, tables)
		}
		eval(`document.querySelector('[data-chart-of="transparency-shares"]').scrollIntoView(); ""`)
		shootApp(t, ctx, "dashboards-"+string(d)+"-chart.png")
		if h := eval(`document.querySelector("[data-chart-of]").getAttribute("aria-hidden")`); h != "true" {
			t.Errorf("/transparency: the chart is not hidden from screen readers, who read the table (%q)", h)
		}
	} else {
		t.Logf("ECharts is not installed at %s (run `make assets`): only the tables are checked", echartsPath)
		if n := eval(`String(document.querySelectorAll("script[src*=echarts]").length)`); n != "0" {
			t.Error("/transparency loads ECharts, which is not installed")
		}
	}
	if got, want := cell("submitted"), persian.Digits(fmt.Sprint(national.Submitted)); got != want {
		t.Errorf("/transparency: submitted %q, the figures say %q", got, want)
	}
	fits("transparency")
	// In English, left to right with ASCII digits; then back to Persian.
	step("transparency in English", chromedp.Navigate(srv.Base+"/transparency?lang=en"), chromedp.WaitVisible(chromedp.CSS("#figures")))
	if dir := eval(`document.documentElement.dir`); dir != "ltr" {
		t.Errorf("/transparency in English: dir %q", dir)
	}
	if got, want := cell("submitted"), fmt.Sprint(national.Submitted); got != want {
		t.Errorf("/transparency in English: submitted %q, the figures say %q", got, want)
	}
	if _, err := os.Stat(echartsPath); err == nil {
		step("charts drawn in English", chromedp.WaitVisible(chromedp.CSS(`[data-chart-of="transparency-volumes"] canvas`)))
	}
	fits("transparency-en")
	step("back to Persian", chromedp.Navigate(srv.Base+"/transparency?lang=fa"), chromedp.WaitVisible(chromedp.CSS("#figures")))

	// The competent agency's admin reads their own dashboard.
	admin := "2345678909"
	if _, err := a.Identity.AddStaff(ctx0, identity.System, admin, svc.Record.Agency, identity.RoleAgencyAdmin); err != nil {
		t.Fatal(err)
	}
	p, err := a.Identity.EnsurePerson(ctx0, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Identity.StartSession(ctx0, p, "dashboards test")
	if err != nil {
		t.Fatal(err)
	}
	// The overseer's session cookie is HttpOnly: they sign out first.
	step("sign out", chromedp.Click(chromedp.CSS(".header__signout button")), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
	eval(`document.cookie = "` + identity.SessionCookie + `=` + tok + `; path=/; secure; samesite=lax"; ""`)
	step("agency dashboard", chromedp.Navigate(srv.Base+"/agency/dashboard"), chromedp.WaitVisible(chromedp.CSS("#figures")))
	own, err := a.KPI.Get(ctx0, kpi.Key{Month: month, Agency: svc.Record.Agency})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cell("submitted"), persian.Digits(fmt.Sprint(own.Submitted)); got != want || own.Submitted == 0 {
		t.Errorf("/agency/dashboard: submitted %q, the agency's figures say %q", got, want)
	}
	if n := eval(`String(document.querySelectorAll('#services tr[data-service="` + svc.ID + `"]').length)`); n != "1" {
		t.Errorf("/agency/dashboard: the service applied for is not in the table (%s rows)", n)
	}
	fits("agency")
}

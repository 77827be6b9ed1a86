package app_test

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserJourney walks the citizen journey of the issue in Chromium
// against the assembled demo (demo data, the simulated back offices behind
// the exchange, jobs running), on each engine:
//
//  1. a citizen signs in with the demo identity provider, reading the
//     one-time code off the page;
//  2. applies for a permit whose identity evidence is fetched once-only
//     through the exchange, fills the form and pays in the sandbox bank,
//     whose server-to-server callback (not the browser) confirms the payment;
//  3. an operator of the competent agency signs in and approves in the
//     console;
//  4. the citizen finds the permit in «مدارک من»;
//  5. the verify page says valid;
//  6. the agency revokes it, and the verify page says revoked.
//
// Each step leaves a screenshot in test/artifacts (git-ignored).
func TestBrowserJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing", chromiumPath)
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserJourney(t, d) })
	}
}

func browserJourney(t *testing.T, d store.Dialect) {
	srv, set := mustServeDemo(t, d)
	ctx0, a := srv.Ctx, srv.App

	svc := journeyService(t, ctx0, a, set)
	// The operator: the demo's own where the competent agency is NOCR,
	// otherwise a staff member made with identity's staff verb.
	operator := "0013542419"
	if svc.Record.Agency == "NOCR" {
		_, operator = demo.NOCRStaff(set.People)
	} else {
		if _, err := a.Identity.EnsurePerson(ctx0, operator, "کارشناس آزمون"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.AddStaff(ctx0, identity.System, operator, svc.Record.Agency, identity.RoleOperator); err != nil {
			t.Fatal(err)
		}
	}
	scan := filepath.Join(t.TempDir(), "scan.png")
	f, err := os.Create(scan)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, image.NewGray(image.Rect(0, 0, 8, 8)))
	f.Close()

	ctx := mustChromium(t, 1280, 1000, 3*time.Minute)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			shootApp(t, ctx, fmt.Sprintf("journey-%s-failed.png", d))
			t.Fatalf("%s: %v (at %s)", name, err, loc)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	n := 0
	shot := func(name string) {
		n++
		shootApp(t, ctx, fmt.Sprintf("journey-%s-%02d-%s.png", d, n, name))
	}
	// signIn opens path, which sends the visitor to the demo provider, and
	// signs in with the code read off the screen; it waits for wait.
	signIn := func(path, code, wait string) {
		t.Helper()
		step("sign-in page for "+path, chromedp.Navigate(srv.Base+path), chromedp.WaitVisible(chromedp.CSS("#national_code")),
			chromedp.SendKeys(chromedp.CSS("#national_code"), code),
			chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
		otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
		if err != nil || len([]rune(strings.TrimSpace(otp))) != 6 {
			t.Fatalf("one-time code on screen = %q (%v)", otp, err)
		}
		shot("otp")
		step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
			chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	// reloadUntil reloads the page until js says want: what the page shows
	// may be settled by the server a moment later (a callback, a job).
	reloadUntil := func(js, want string) {
		t.Helper()
		var got string
		for i := 0; i < 40; i++ {
			if got = eval(`(() => { try { return ` + js + ` } catch (e) { return "" } })()`); got == want {
				return
			}
			time.Sleep(500 * time.Millisecond)
			step("reload", chromedp.Reload())
		}
		t.Fatalf("%s = %q, want %q", js, got, want)
	}
	signOut := func() {
		t.Helper()
		step("sign out", chromedp.Click(chromedp.CSS(".header__signout button")), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
	}

	// 1. The citizen signs in on the way to the form.
	signIn("/apply/"+svc.ID, backoffice.CitizenAli, "#submit")
	shot("form")
	// The demo provider names the citizen as the demo civil registry does.
	if name := eval(`document.querySelector(".header__account").textContent`); !strings.Contains(name, set.People.Get(backoffice.CitizenAli).FullName()) {
		t.Errorf("signed in as %q, want the registry's name %q", name, set.People.Get(backoffice.CitizenAli).FullName())
	}
	// 2. The form says which evidence another agency provides, and asks the rest.
	if fetched := eval(`(document.querySelector("#fetched")||{}).textContent||""`); strings.TrimSpace(fetched) == "" {
		t.Fatal("the form does not list the evidence other agencies provide")
	}
	fields := eval(`Array.from(document.querySelectorAll("form.form input[name], form.form textarea[name]")).filter(e => e.type !== "submit" && e.type !== "hidden").map(e => e.type + ":" + e.name).join("\n")`)
	for _, fld := range strings.Split(fields, "\n") {
		typ, name, _ := strings.Cut(fld, ":")
		sel := chromedp.CSS(`[name="` + name + `"]`)
		switch {
		case typ == "file":
			step("upload "+name, chromedp.SetUploadFiles(sel, []string{scan}))
		case name == "phone":
			step("phone", chromedp.SendKeys(sel, "۰۹۱۲۱۲۳۴۵۶۷"))
		case typ == "text" || typ == "textarea":
			step("field "+name, chromedp.SendKeys(sel, "اعلام می‌کنم درست است"))
		}
	}
	step("submit", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#submitted")))
	tracking := eval(`location.pathname.split("/").pop()`)
	if got := eval(`(document.querySelector('[data-code="identity"]')||{dataset:{}}).dataset.state||""`); got != "fetched" {
		t.Errorf("identity evidence state %q, want fetched through the exchange", got)
	}
	if eval(`document.querySelector("#state").dataset.state`) != "submitted" {
		t.Error("the new case is not submitted")
	}
	shot("submitted")
	// The bank's page is the one with a cancel button (the case page has
	// a #pay of its own).
	step("pay", chromedp.Click(chromedp.CSS("#pay")), chromedp.WaitVisible(chromedp.CSS("#cancel")))
	if loc := eval("location.pathname"); !strings.HasPrefix(loc, "/sandbox/pay/") {
		t.Fatalf("pay went to %s, not the sandbox bank", loc)
	}
	shot("bank")
	step("bank", chromedp.Click(chromedp.CSS("#pay")), chromedp.WaitVisible(chromedp.CSS("#payment-state")))
	// The return page reads the payment the bank's callback confirmed.
	reloadUntil(`document.querySelector("#payment-state").dataset.state`, "paid")
	shot("paid")
	step("case paid", chromedp.Navigate(srv.Base+"/me/cases/"+tracking), chromedp.WaitVisible(chromedp.CSS("#paid")))
	signOut()

	// 3. The operator of the competent agency approves from the console.
	signIn("/agency/cases", operator, "#queue")
	shot("queue")
	step("case in the queue", chromedp.Click(chromedp.CSS(`a[href="/agency/cases/`+tracking+`"]`)), chromedp.WaitVisible(chromedp.CSS("#to-in_review")))
	shot("agency-case")
	step("in review", chromedp.Click(chromedp.CSS("#to-in_review button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`#state[data-state="in_review"]`)))
	step("approve", chromedp.Click(chromedp.CSS("#to-approved button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="approved"], #state[data-state="issued"]`)))
	shot("approved")
	reloadUntil(`document.querySelector("#state").dataset.state`, "issued")
	signOut()

	// 4. The citizen finds the permit in «مدارک من».
	signIn("/me/documents", backoffice.CitizenAli, "table.documents")
	docID := strings.TrimPrefix(eval(`(document.querySelector("tr[id^=doc-]")||{id:""}).id`), "doc-")
	if docID == "" || eval(`document.querySelector("tr[id^=doc-]").dataset.status`) != "valid" {
		t.Fatalf("my documents: no valid document (%q)", docID)
	}
	shot("documents")
	signOut()

	// 5. Anyone can verify it.
	verify := func(want string) {
		t.Helper()
		step("verify "+want, chromedp.Navigate(srv.Base+"/verify"), chromedp.WaitVisible(chromedp.CSS("textarea#document")),
			chromedp.SendKeys(chromedp.CSS("textarea#document"), docID),
			chromedp.Click(chromedp.CSS("form.verify-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#verdict")))
		if got := eval(`document.querySelector("#verdict").dataset.status`); got != want {
			t.Errorf("verify page says %q, want %q", got, want)
		}
		shot("verify-" + want)
	}
	verify("valid")

	// 6. The agency revokes it, with a reason, and verify says so: when,
	// in the Jalali calendar, but not why, which is the holder's business.
	signIn("/documents/"+docID, operator, "#reason")
	step("revoke", chromedp.SendKeys(chromedp.CSS("#reason"), "صدور بر پایهٔ اطلاعات نادرست"),
		chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#revoked-banner")))
	shot("revoked")
	signOut()
	verify("revoked")
	if r := eval(`(document.querySelector("#revoked-on")||{}).textContent||""`); !strings.ContainsAny(r, "۰۱۲۳۴۵۶۷۸۹") {
		t.Errorf("the verify page does not say when the document was revoked: %q", r)
	}
	if r := eval(`document.body.textContent`); strings.Contains(r, "اطلاعات نادرست") {
		t.Errorf("the public verify page gives the revocation reason")
	}
}

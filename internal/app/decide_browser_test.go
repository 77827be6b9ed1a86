package app_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserObjection walks an automatic refusal in Chromium against the
// assembled demo, on each engine: a citizen applies for a permit whose
// rules refuse a gambling hall; the case page says it was refused, under
// which published ground, why, by which version of the rules, with what
// the civil registry said; the citizen objects in writing; a clerk of the
// agency who did not write the rules reads the objection and approves,
// which issues the document. An author of the rules could not have.
func TestBrowserObjection(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing", chromiumPath)
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserObjection(t, d) })
	}
}

// rulesService publishes a MIMT permit without fee decided by rules, and
// activates its ruleset written by one agency admin and approved by
// another; it returns the service id.
func rulesService(t *testing.T, ctx context.Context, a *app.App) string {
	t.Helper()
	rec := catalog.Record{
		TitleFa: "پروانهٔ کسب خودکار آزمون", TitleEn: "Automatic test business licence",
		DescriptionFa: "متقاضی درخواست را برخط ثبت می‌کند و قواعد منتشرشدهٔ خدمت بی‌درنگ دربارهٔ آن تصمیم می‌گیرند.",
		Keywords:      []string{"آزمون"}, Agency: "MIMT", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Trigger: catalog.OnRequest, Decision: catalog.DecideRules, Frequency: catalog.AsNeeded,
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}},
		Channels:   []catalog.Channel{catalog.ChannelWeb},
		Stages:     catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements: []catalog.Requirement{
			{Code: "identity", NameFa: "هویت متقاضی", Evidence: []catalog.Evidence{{Code: "identity", NameFa: "اطلاعات هویتی از ثبت احوال",
				NameEn: "Identity data", Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}}},
			{Code: "shop", NameFa: "محل کسب", Evidence: []catalog.Evidence{
				{Code: "shop_name", NameFa: "نوع واحد صنفی", NameEn: "Kind of shop", Source: catalog.FromDeclaration}}},
		},
		Outputs: []catalog.Output{{NameFa: "پروانهٔ کسب", NameEn: "Business licence", Kind: "document"}},
		Permit: &catalog.Permit{ValidityDays: 365, RefusalGrounds: []catalog.RefusalGround{
			{Code: "zoning", TextFa: "محل کسب در طرح تفصیلی شهر برای این صنف مجاز نیست", TextEn: "The place is not zoned for this trade"}}},
		ProcessingTime: catalog.Duration{Days: 5},
	}
	d, err := a.Catalog.SaveDraft(ctx, identity.System, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := a.Catalog.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	admin := func(code, name string) identity.Principal {
		t.Helper()
		p, err := a.Identity.EnsurePerson(ctx, code, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.AddStaff(ctx, identity.System, code, "MIMT", identity.RoleAgencyAdmin); err != nil {
			t.Fatal(err)
		}
		return identity.Principal{Kind: "user", ID: p.ID, Name: name, Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	}
	writer, approver := admin("0084575948", "نویسندهٔ قواعد"), admin("0013542419", "تأییدکنندهٔ قواعد")
	in := func(shop string) rules.Input {
		return rules.Input{Form: map[string]any{"phone": "09121234567", "decl_shop_name": shop},
			Evidence:  map[string]any{"identity": map[string]any{"alive": true}},
			Applicant: rules.Applicant{Age: 40, Alive: true, Sex: "male", BirthDate: "1985-01-01"}, Today: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	rs, err := a.Rules.SaveDraft(ctx, writer, svc.ID, []rules.Rule{
		{Code: "no_gambling", When: `form.decl_shop_name == "قمارخانه"`, Outcome: rules.Reject, Ground: "zoning",
			ExplainFa: "فعالیت «{{form.decl_shop_name}}» در طرح تفصیلی مجاز نیست", ExplainEn: "“{{form.decl_shop_name}}” is not zoned here"},
		{Code: "adult", When: `applicant.age >= 18 && evidence.identity.alive`, Outcome: rules.Approve,
			ExplainFa: "متقاضی {{applicant.age}} ساله و در قید حیات است", ExplainEn: "the applicant is {{applicant.age}} and alive"},
	}, []rules.TestCase{{Name: "gambling", Input: in("قمارخانه"), Want: rules.Reject, WantGround: "zoning"}, {Name: "bakery", Input: in("نانوایی"), Want: rules.Approve}})
	if err != nil {
		t.Fatalf("rules: %v %+v", err, rules.ProblemsOf(err))
	}
	if _, err := a.Rules.RequestActivation(ctx, writer, svc.ID, rs.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Rules.ApproveActivation(ctx, approver, svc.ID, rs.Version); err != nil {
		t.Fatal(err)
	}
	return svc.ID
}

func browserObjection(t *testing.T, d store.Dialect) {
	srv, _ := mustServeDemo(t, d)
	ctx0, a := srv.Ctx, srv.App
	service := rulesService(t, ctx0, a)
	clerk := "0099012340"
	if _, err := a.Identity.EnsurePerson(ctx0, clerk, "کارشناس رسیدگی به اعتراض"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Identity.AddStaff(ctx0, identity.System, clerk, "MIMT", identity.RoleOperator); err != nil {
		t.Fatal(err)
	}

	ctx := mustChromium(t, 1280, 1000, 3*time.Minute)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			shootApp(t, ctx, fmt.Sprintf("objection-%s-failed.png", d))
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
		shootApp(t, ctx, fmt.Sprintf("objection-%s-%02d-%s.png", d, n, name))
	}
	signIn := func(path, code, wait string) {
		t.Helper()
		step("sign-in page for "+path, chromedp.Navigate(srv.Base+path), chromedp.WaitVisible(chromedp.CSS("#national_code")),
			chromedp.SendKeys(chromedp.CSS("#national_code"), code),
			chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
		otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
		if err != nil {
			t.Fatal(err)
		}
		step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
			chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	signOut := func() {
		t.Helper()
		step("sign out", chromedp.Click(chromedp.CSS(".header__signout button")), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
	}

	// 1. The citizen applies; the rules refuse at once.
	signIn("/apply/"+service, backoffice.CitizenAli, "#submit")
	step("fill", chromedp.SendKeys(chromedp.CSS(`[name="phone"]`), "۰۹۱۲۱۲۳۴۵۶۷"),
		chromedp.SendKeys(chromedp.CSS(`[name="decl_shop_name"]`), "قمارخانه"),
		chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#decision")))
	tracking := eval(`location.pathname.split("/").pop()`)
	if got := eval(`document.querySelector("#state").dataset.state`); got != "rejected" {
		t.Fatalf("state %q, want rejected by the rules", got)
	}
	// 2. The page explains: refused, under which ground, because of what,
	// by which version, with what the civil registry said, and the rules.
	if got := eval(`document.querySelector("#decision").dataset.outcome`); got != "reject" {
		t.Errorf("decision outcome %q", got)
	}
	summary := eval(`document.querySelector("#decision-summary").textContent`)
	if !strings.Contains(summary, "رد خودکار") || !strings.Contains(summary, "قمارخانه") {
		t.Errorf("summary %q", summary)
	}
	if g := eval(`document.querySelector("#decision-ground").textContent`); !strings.Contains(g, "طرح تفصیلی") {
		t.Errorf("ground %q", g)
	}
	if v := eval(`document.querySelector("#decision-rules").textContent`); !strings.Contains(v, "نسخهٔ ۱") {
		t.Errorf("version %q", v)
	}
	if href := eval(`document.querySelector("#decision-rules a").getAttribute("href")`); href != "/services/"+service+"/rules" {
		t.Errorf("rules link %q", href)
	}
	if in := eval(`document.querySelector('#decision-inputs [data-path="form.decl_shop_name"]') ? "yes" : "no"`); in != "yes" {
		t.Error("the inputs the rule read are not shown")
	}
	step("scroll to the decision", chromedp.ScrollIntoView(chromedp.CSS("#decision")))
	shot("refused")

	// 3. The citizen objects in writing.
	step("object", chromedp.SendKeys(chromedp.CSS("#objection-reason"), "«قمارخانه» نام تجاری یک کافه است، نه فعالیت آن"),
		chromedp.Click(chromedp.CSS("#object")), chromedp.WaitVisible(chromedp.CSS("#done")))
	if got := eval(`document.querySelector("#state").dataset.state`); got != "objected" {
		t.Fatalf("after the objection the case is %q", got)
	}
	if eval(`document.querySelector("#objection").dataset.decided`) != "no" || eval(`document.querySelector("#object-form") ? "yes" : "no"`) != "no" {
		t.Error("the objection is not shown as waiting, or the form is still there")
	}
	shot("objected")
	signOut()

	// 4. A clerk who did not write the rules reads it and overturns it.
	signIn("/agency/cases/"+tracking, clerk, "#objection")
	if r := eval(`document.querySelector("#objection").textContent`); !strings.Contains(r, "نام تجاری یک کافه") {
		t.Errorf("the clerk does not see the objection: %q", r)
	}
	if s := eval(`document.querySelector('#decision-inputs [data-path="form.decl_shop_name"]').textContent`); !strings.Contains(s, "قمارخانه") {
		t.Errorf("the clerk's inputs %q", s)
	}
	step("scroll to the decision", chromedp.ScrollIntoView(chromedp.CSS("#decision")))
	shot("clerk")
	step("approve", chromedp.SendKeys(chromedp.CSS("#reason-approved"), "نام تجاری است؛ فعالیت کافه مجاز است"),
		chromedp.Click(chromedp.CSS("#to-approved button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="issued"]`)))
	if eval(`document.querySelector("#objection").dataset.overturned`) != "true" || eval(`document.querySelector("#document") ? "yes" : "no"`) != "yes" {
		t.Error("the overturned objection or the document is not shown")
	}
	shot("overturned")
	signOut()

	// 5. The citizen reads that the objection was accepted, with the document.
	signIn("/me/cases/"+tracking, backoffice.CitizenAli, "#objection-outcome")
	if got := eval(`document.querySelector("#state").dataset.state`); got != "issued" {
		t.Errorf("the citizen sees %q", got)
	}
	shot("citizen-after")
}

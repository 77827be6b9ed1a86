package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// rulesSite is the portal with the rules service: a MIMT permit with one
// published refusal ground, two MIMT admins, a MIMT operator, an admin of
// another agency and a citizen.
type rulesSite struct {
	xsite
	rl                 *rules.Rules
	service            string
	admin1, admin2     *identity.Principal
	operator, outsider *identity.Principal
	citizen            *identity.Principal
	past               []rules.Past
}

// staticEnv is the types of the fixture service's inputs, as the app
// builds them from the form and the exchange's response schemas.
type staticEnv rules.Env

func (e staticEnv) Env(ctx context.Context, service string) (rules.Env, error) {
	return rules.Env(e), nil
}

// pastCases is the recent decisions the simulation compares against, as
// apply keeps them.
type pastCases struct{ rs *rulesSite }

func (h pastCases) Recent(ctx context.Context, service string, limit int) ([]rules.Past, error) {
	if len(h.rs.past) > limit {
		return h.rs.past[:limit], nil
	}
	return h.rs.past, nil
}

var fixtureEnv = rules.Env{
	Form: json.RawMessage(`{"type":"object","properties":{"shop_area":{"type":"string","title":"مساحت واحد","x-title-en":"Shop area"}}}`),
	Evidence: map[string]json.RawMessage{
		"criminal_record": json.RawMessage(`{"type":"object","properties":{"clean":{"type":"boolean","title":"بی‌پیشینه","x-title-en":"Clean record"}}}`),
	},
	Grounds: []string{"zoning"},
	Permit:  true,
}

func newRulesSite(t *testing.T, s *store.Store) *rulesSite {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []catalog.Agency{
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade", Domain: catalog.DomainIndustry, Connected: true},
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			t.Fatal(err)
		}
	}
	rec := catalog.Record{
		TitleFa: "صدور پروانهٔ کسب", TitleEn: "Business licence",
		DescriptionFa: "صاحبان کسب‌وکار برای آغاز فعالیت در یک واحد صنفی پروانهٔ کسب دریافت می‌کنند؛ درخواست و رسیدگی به‌طور کامل برخط است.",
		Agency:        "MIMT", Audience: catalog.G2B, Nature: catalog.Sovereign, Scope: catalog.ScopeCity, Trigger: catalog.OnRequest,
		Decision: catalog.DecideRules, Frequency: catalog.Once,
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی کشور"}}, Channels: []catalog.Channel{catalog.ChannelWeb},
		Stages:       catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements: []catalog.Requirement{{Code: "area", NameFa: "مساحت واحد", Evidence: []catalog.Evidence{{Code: "shop_area", NameFa: "مساحت واحد", NameEn: "Shop area", Source: catalog.FromDeclaration}}}},
		Outputs:      []catalog.Output{{NameFa: "پروانهٔ کسب", NameEn: "Licence", Kind: "document"}},
		Permit: &catalog.Permit{ValidityDays: 1825, RefusalGrounds: []catalog.RefusalGround{
			{Code: "zoning", TextFa: "محل کسب با کاربری مجاز منطقه سازگار نیست.", TextEn: "The premises are not zoned for this trade.", LegalFa: "قانون نظام صنفی، ماده ۱۲"},
		}},
		ProcessingTime: catalog.Duration{Hours: 4},
	}
	d, err := cat.SaveDraft(ctx, identity.System, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	rs := &rulesSite{service: svc.ID}
	rl, err := rules.New(rules.Config{Store: s, Catalog: cat, Envs: staticEnv(fixtureEnv), History: pastCases{rs}})
	if err != nil {
		t.Fatal(err)
	}
	rs.rl = rl
	id := identity.New(s)
	principal := func(code, agency, name string, role identity.Role) *identity.Principal {
		if _, err := id.EnsurePerson(ctx, code, name); err != nil {
			t.Fatal(err)
		}
		st, err := id.AddStaff(ctx, identity.System, code, agency, role)
		if err != nil {
			t.Fatal(err)
		}
		return &identity.Principal{Kind: "user", ID: st.PersonID, Name: name, Agency: agency, Roles: []identity.Role{role}}
	}
	rs.admin1 = principal("2345678917", "MIMT", "مدیر نخست", identity.RoleAgencyAdmin)
	rs.admin2 = principal("1234567891", "MIMT", "مدیر دوم", identity.RoleAgencyAdmin)
	rs.operator = principal("3456789122", "MIMT", "کارشناس", identity.RoleOperator)
	rs.outsider = principal("0013542419", "NOCR", "مدیر دیگر", identity.RoleAgencyAdmin)
	rs.citizen = person(99, "0499370899")
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Identity: id, Rules: rl, RuleEnvs: staticEnv(fixtureEnv)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	rs.handler = httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)), httpx.NewMetrics(prometheus.NewRegistry()), log)
	return rs
}

func rulesSets() []store.MigrationSet {
	return []store.MigrationSet{identity.Migrations(), catalog.Migrations(), rules.Migrations()}
}

// post sends the form as p and checks that no rules text is missing.
func (rs *rulesSite) post(t *testing.T, p *identity.Principal, path string, form url.Values) response {
	t.Helper()
	res := rs.as(t, p, "POST", path, form)
	noRulesKey(t, path, res)
	return res
}

func (rs *rulesSite) get(t *testing.T, p *identity.Principal, path string) response {
	t.Helper()
	res := rs.as(t, p, "GET", path, nil)
	noRulesKey(t, path, res)
	return res
}

// noFragment is a redirect's location as the browser asks for it: without
// the fragment, which only scrolls the page.
func noFragment(loc string) string {
	before, _, _ := strings.Cut(loc, "#")
	return before
}

func noRulesKey(t *testing.T, path string, res response) {
	t.Helper()
	for _, p := range []string{"[rules.", "[eligibility."} {
		if strings.Contains(res.body, p) {
			t.Errorf("%s: a translation is missing: %s…", path, p)
		}
	}
}

// editor is the editor's form with the given rules and tests.
func editor(agency string, rs []rules.Rule, tests []rules.TestCase, action string) url.Values {
	f := url.Values{"agency": {agency}, "action": {action}}
	for i, r := range rs {
		k := "rule." + strconv.Itoa(i) + "."
		f.Set(k+"code", r.Code)
		f.Set(k+"when", r.When)
		f.Set(k+"outcome", string(r.Outcome))
		f.Set(k+"ground", r.Ground)
		f.Set(k+"explain_fa", r.ExplainFa)
		f.Set(k+"explain_en", r.ExplainEn)
	}
	for i, tc := range tests {
		k := "test." + strconv.Itoa(i) + "."
		b, _ := json.Marshal(tc.Input)
		f.Set(k+"name", tc.Name)
		f.Set(k+"input", string(b))
		f.Set(k+"want", string(tc.Want))
		f.Set(k+"want_ground", tc.WantGround)
	}
	return f
}

// valueOf is the value of a field of the page: an input's value or a
// textarea's text.
func valueOf(doc *html.Node, id string) string {
	n := elemByID(doc, id)
	if n == nil {
		return ""
	}
	if n.Data == "textarea" {
		return textOf(n)
	}
	return attr(n, "value")
}

var (
	ruleAge = rules.Rule{Code: "adult", When: "applicant.age >= 18 && evidence.criminal_record.clean", Outcome: rules.Approve,
		ExplainFa: "متقاضی {{applicant.age}} ساله است و سوء پیشینه ندارد.", ExplainEn: "The applicant is {{applicant.age}} and has a clean record."}
	ruleMinor = rules.Rule{Code: "minor", When: "applicant.age < 18", Outcome: rules.Reject, Ground: "zoning",
		ExplainFa: "متقاضی کمتر از هجده سال دارد.", ExplainEn: "The applicant is under eighteen."}
	today      = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	adultInput = rules.Input{Form: map[string]any{"shop_area": "40"}, Evidence: map[string]any{"criminal_record": map[string]any{"clean": true}},
		Applicant: rules.Applicant{Age: 30, Sex: "female", Alive: true}, Today: today}
	minorInput = rules.Input{Form: map[string]any{"shop_area": "40"}, Evidence: map[string]any{"criminal_record": map[string]any{"clean": true}},
		Applicant: rules.Applicant{Age: 16, Sex: "male", Alive: true}, Today: today}
)

// TestRulesAccess checks who may open the rules pages.
func TestRulesAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		rs := newRulesSite(t, s)
		page := "/agency/services/" + rs.service + "/rules"
		if res := rs.get(t, nil, page); res.status != http.StatusSeeOther {
			t.Errorf("a visitor: %d, want a redirect to sign in", res.status)
		}
		if res := rs.get(t, rs.operator, page); res.status != http.StatusForbidden {
			t.Errorf("an operator: %d, want 403", res.status)
		}
		if res := rs.get(t, rs.outsider, page); res.status != http.StatusNotFound {
			t.Errorf("another agency's admin: %d, want 404", res.status)
		}
		res := rs.get(t, rs.admin1, "/agency/rules")
		if res.status != 200 || !hasLink(res.doc, page) {
			t.Fatalf("the admin's index: %d, no link to %s", res.status, page)
		}
		if res := rs.get(t, rs.admin1, page); res.status != 200 || elemByID(res.doc, "no-versions") == nil {
			t.Errorf("the versions page: %d", res.status)
		}
		// A form naming another agency is not found.
		f := editor("NOCR", []rules.Rule{ruleAge}, nil, "save")
		if res := rs.post(t, rs.admin1, page, f); res.status != http.StatusNotFound {
			t.Errorf("a form for another agency: %d, want 404", res.status)
		}
		// A cross-origin form post is refused (CSRF).
		if code := rs.crossSite(t, rs.admin1, page, editor("MIMT", []rules.Rule{ruleAge}, nil, "save")); code != http.StatusForbidden {
			t.Errorf("cross-origin save: %d, want 403", code)
		}
		if list, err := rs.rl.Versions(context.Background(), rs.service); err != nil || len(list) != 0 {
			t.Fatalf("refused saves stored versions: %v %v", list, err)
		}
	}, rulesSets()...)
}

// TestRulesEditor checks the editor: the inputs listed, adding and
// removing rows without saving, and every kind of bad input shown next to
// its field, with what was typed kept and nothing stored.
func TestRulesEditor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		rs := newRulesSite(t, s)
		page := "/agency/services/" + rs.service + "/rules"
		res := rs.get(t, rs.admin1, page+"/new")
		if res.status != 200 {
			t.Fatalf("new draft: %d", res.status)
		}
		for _, in := range []string{"form.shop_area", "evidence.criminal_record.clean", "applicant.age", "applicant.sex", "today"} {
			if len(all(res.doc, func(e *html.Node) bool { return attr(e, "data-input") == in })) == 0 {
				t.Errorf("the inputs list lacks %s", in)
			}
		}
		when := elemByID(res.doc, "rule-0-when")
		if when == nil || attr(when, "dir") != "ltr" || !strings.Contains(attr(when, "class"), "code-input") {
			t.Fatalf("the condition box is not left-to-right code")
		}
		if elemByID(res.doc, "rule-0-ground") == nil {
			t.Errorf("a permit's rule offers no refusal ground")
		}

		// Adding a rule keeps the first as typed.
		f := editor("MIMT", []rules.Rule{ruleAge}, nil, "add_rule")
		res = rs.post(t, rs.admin1, page, f)
		if res.status != 200 || elemByID(res.doc, "rule-1") == nil || valueOf(res.doc, "rule-0-when") != ruleAge.When {
			t.Fatalf("add a rule: %d, second rule %v, first kept %q", res.status, elemByID(res.doc, "rule-1") != nil, valueOf(res.doc, "rule-0-when"))
		}
		// Removing it leaves only the other.
		f = editor("MIMT", []rules.Rule{ruleAge, ruleMinor}, nil, "remove_rule:0")
		res = rs.post(t, rs.admin1, page, f)
		if res.status != 200 || elemByID(res.doc, "rule-0") != nil || valueOf(res.doc, "rule-1-code") != "minor" {
			t.Fatalf("remove a rule: %d", res.status)
		}
		f = editor("MIMT", []rules.Rule{ruleAge}, nil, "add_test")
		if res = rs.post(t, rs.admin1, page, f); res.status != 200 || elemByID(res.doc, "test-0-input") == nil {
			t.Fatalf("add a test: %d", res.status)
		}

		// A condition that does not parse: the error is next to it, with
		// its line and column, and what was typed is still there.
		bad := ruleAge
		bad.When = "(applicant.age >= 18"
		res = rs.post(t, rs.admin1, page, editor("MIMT", []rules.Rule{bad}, nil, "save"))
		if res.status != http.StatusBadRequest || elemByID(res.doc, "rule-0-when-error") == nil {
			t.Fatalf("syntax error: %d, error in place %v\n%s", res.status, elemByID(res.doc, "rule-0-when-error") != nil, res.body)
		}
		if got := textOf(elemByID(res.doc, "rule-0-when-error")); !strings.Contains(got, "سطر") {
			t.Errorf("the syntax error has no line: %q", got)
		}
		if got := valueOf(res.doc, "rule-0-when"); got != bad.When {
			t.Errorf("the condition typed is lost: %q", got)
		}
		if got := valueOf(res.doc, "rule-0-explain_fa"); got != bad.ExplainFa {
			t.Errorf("the explanation typed is lost: %q", got)
		}
		// An unknown field is a type error, in English too.
		bad.When = "applicant.salary > 3"
		res = rs.send(t, rs.admin1, "POST", page, editor("MIMT", []rules.Rule{bad}, nil, "save"), true)
		if res.status != http.StatusBadRequest || elemByID(res.doc, "rule-0-when-error") == nil {
			t.Fatalf("unknown field: %d", res.status)
		}
		// A reject rule without a ground, a test whose input is not JSON.
		noGround := ruleMinor
		noGround.Ground = ""
		f = editor("MIMT", []rules.Rule{ruleAge, noGround}, nil, "save")
		f.Set("test.0.name", "شکسته")
		f.Set("test.0.input", "{\n  \"applicant\": {\"age\": }\n}")
		f.Set("test.0.want", "approve")
		res = rs.post(t, rs.admin1, page, f)
		if res.status != http.StatusBadRequest || elemByID(res.doc, "test-0-error") == nil {
			t.Fatalf("bad JSON: %d", res.status)
		}
		if got := textOf(elemByID(res.doc, "test-0-error")); !strings.Contains(got, "سطر ۲") {
			t.Errorf("the JSON error does not say its line: %q", got)
		}
		f.Del("test.0.name")
		f.Del("test.0.input")
		f.Del("test.0.want")
		res = rs.post(t, rs.admin1, page, f)
		if res.status != http.StatusBadRequest || elemByID(res.doc, "rule-1-ground-error") == nil {
			t.Errorf("a reject rule without a ground: %d, error in place %v", res.status, elemByID(res.doc, "rule-1-ground-error") != nil)
		}
		if list, err := rs.rl.Versions(context.Background(), rs.service); err != nil || len(list) != 0 {
			t.Fatalf("refused saves stored versions: %v %v", list, err)
		}
	}, rulesSets()...)
}

// TestRulesActivation walks a ruleset from draft to active: failing tests
// block the request, the same admin cannot approve, a second admin does,
// and the service page and the eligibility check then show the rules.
// Deactivation and rollback follow.
func TestRulesActivation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		rs := newRulesSite(t, s)
		ctx := context.Background()
		page := "/agency/services/" + rs.service + "/rules"

		// Version 1: a test expects the minor to be approved, which fails.
		wrong := []rules.TestCase{{Name: "بزرگسال", Input: adultInput, Want: rules.Approve}, {Name: "نوجوان", Input: minorInput, Want: rules.Approve}}
		res := rs.post(t, rs.admin1, page, editor("MIMT", []rules.Rule{ruleAge, ruleMinor}, wrong, "save"))
		if res.status != http.StatusSeeOther || res.header.Get("Location") != page+"/1?done=saved" {
			t.Fatalf("save: %d %s\n%s", res.status, res.header.Get("Location"), res.body)
		}
		res = rs.get(t, rs.admin1, page+"/1?done=saved")
		if res.status != 200 || elemByID(res.doc, "rules-done") == nil || valueOf(res.doc, "rule-0-code") != "adult" {
			t.Fatalf("the saved draft: %d", res.status)
		}
		res = rs.post(t, rs.admin1, page+"/1/tests", url.Values{"agency": {"MIMT"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("run tests: %d", res.status)
		}
		res = rs.get(t, rs.admin1, noFragment(res.header.Get("Location")))
		results := all(res.doc, func(e *html.Node) bool { return attr(e, "data-test-result") != "" })
		if len(results) != 2 || attr(results[0], "data-test-result") != "pass" || attr(results[1], "data-test-result") != "fail" {
			t.Fatalf("test results: %d shown", len(results))
		}
		// Requesting activation with a failing test is refused in place.
		res = rs.post(t, rs.admin1, page+"/1/request", url.Values{"agency": {"MIMT"}})
		if res.status < 400 || res.status >= 500 || elemByID(res.doc, "request-error") == nil {
			t.Fatalf("request with failing tests: %d", res.status)
		}
		if v, _ := rs.rl.Version(ctx, rs.service, 1); v.Status != rules.Draft {
			t.Fatalf("a refused request moved the version to %s", v.Status)
		}

		// A draft from version 1, with the test fixed.
		res = rs.get(t, rs.admin1, page+"/new?from=1")
		if res.status != 200 || valueOf(res.doc, "rule-1-code") != "minor" || valueOf(res.doc, "test-1-name") != "نوجوان" {
			t.Fatalf("a draft from version 1: %d", res.status)
		}
		right := []rules.TestCase{wrong[0], {Name: "نوجوان", Input: minorInput, Want: rules.Reject, WantGround: "zoning"}}
		res = rs.post(t, rs.admin1, page, editor("MIMT", []rules.Rule{ruleAge, ruleMinor}, right, "save"))
		// The author's own draft is replaced, not multiplied.
		if res.status != http.StatusSeeOther || res.header.Get("Location") != page+"/1?done=saved" {
			t.Fatalf("save the draft again: %d %s", res.status, res.header.Get("Location"))
		}
		// Simulation over recent cases: one decided differently.
		rs.past = []rules.Past{
			{Tracking: "MIMT-0001", Input: adultInput, Outcome: rules.Approve, By: "clerk", DecidedAt: today},
			{Tracking: "MIMT-0002", Input: minorInput, Outcome: rules.Approve, By: "clerk", DecidedAt: today},
		}
		res = rs.post(t, rs.admin1, page+"/1/simulate", url.Values{"agency": {"MIMT"}, "last": {"100"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("simulate: %d", res.status)
		}
		res = rs.get(t, rs.admin1, noFragment(res.header.Get("Location")))
		if got := textOf(elemByID(res.doc, "sim-summary")); !strings.Contains(got, "از ۲ پروندهٔ اخیر، ۱ پرونده") {
			t.Errorf("simulation summary %q", got)
		}
		if rows := all(res.doc, func(e *html.Node) bool { return attr(e, "data-tracking") != "" }); len(rows) != 1 || attr(rows[0], "data-tracking") != "MIMT-0002" {
			t.Errorf("simulation list: %d rows", len(rows))
		}

		res = rs.post(t, rs.admin1, page+"/1/request", url.Values{"agency": {"MIMT"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("request: %d\n%s", res.status, res.body)
		}
		res = rs.get(t, rs.admin1, page+"/1?done=requested")
		if elemByID(res.doc, "pending-note") == nil || !strings.Contains(textOf(elemByID(res.doc, "pending-note")), "نمی‌توانید") {
			t.Errorf("the pending page does not say another admin must approve")
		}
		// The same admin cannot approve.
		res = rs.post(t, rs.admin1, page+"/1/approve", url.Values{"agency": {"MIMT"}})
		if res.status < 400 || res.status >= 500 || elemByID(res.doc, "approve-error") == nil {
			t.Fatalf("self-approval: %d", res.status)
		}
		if _, ok, _ := rs.rl.Active(ctx, rs.service); ok {
			t.Fatal("self-approval activated the rules")
		}
		res = rs.get(t, rs.admin2, page+"/1")
		if got := textOf(elemByID(res.doc, "pending-note")); !strings.Contains(got, "مدیر نخست") {
			t.Errorf("the second admin is not told who requested: %q", got)
		}
		res = rs.post(t, rs.admin2, page+"/1/approve", url.Values{"agency": {"MIMT"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", res.status, res.body)
		}
		if a, ok, _ := rs.rl.Active(ctx, rs.service); !ok || a.Version != 1 {
			t.Fatalf("active after approval: %v %d", ok, a.Version)
		}
		res = rs.get(t, rs.admin1, page)
		rows := all(res.doc, func(e *html.Node) bool { return attr(e, "data-version") != "" })
		if len(rows) != 1 {
			t.Fatalf("versions listed: %d", len(rows))
		}

		// The public service page explains the rules, in plain words.
		pub := getPage(t, rs.handler, "/services/"+rs.service, false, 200)
		sec := elemByID(pub.doc, "rules")
		if sec == nil {
			t.Fatal("the service page has no rules section")
		}
		txt := textOf(sec)
		if !strings.Contains(txt, "سوء پیشینه ندارد") || strings.Contains(txt, "applicant.age") || !jalaliRE.MatchString(txt) {
			t.Errorf("rules section: %q", txt)
		}
		if !hasLink(pub.doc, "/api/v1/services/"+rs.service+"/rules") || !hasLink(pub.doc, "/services/"+rs.service+"/eligibility") {
			t.Errorf("the section does not link the JSON and the eligibility check")
		}
		pubEn := getPage(t, rs.handler, "/services/"+rs.service, true, 200)
		if !strings.Contains(textOf(elemByID(pubEn.doc, "rules")), "has a clean record") {
			t.Errorf("the English section lacks the English explanation")
		}

		// Anyone checks eligibility with typed facts; nothing is stored.
		elig := "/services/" + rs.service + "/eligibility"
		res = rs.get(t, nil, elig)
		if res.status != 200 || elemByID(res.doc, "in-applicant__age") == nil || elemByID(res.doc, "in-evidence__criminal_record__clean") == nil {
			t.Fatalf("eligibility form: %d", res.status)
		}
		facts := url.Values{"applicant__age": {"۱۶"}, "evidence__criminal_record__clean": {"true"}, "form__shop_area": {"40"}}
		res = rs.post(t, nil, elig, facts)
		if res.status != 200 || elemByID(res.doc, "decision") == nil {
			t.Fatalf("eligibility check: %d\n%s", res.status, res.body)
		}
		if o := all(elemByID(res.doc, "decision"), func(e *html.Node) bool { return attr(e, "data-outcome") == "reject" }); len(o) == 0 {
			t.Errorf("a sixteen-year-old is not refused: %s", textOf(elemByID(res.doc, "decision")))
		}
		if !strings.Contains(textOf(elemByID(res.doc, "decision")), "کاربری مجاز") {
			t.Errorf("the refusal does not name its ground")
		}
		facts.Set("applicant__age", "سی")
		res = rs.post(t, nil, elig, facts)
		if res.status != http.StatusBadRequest || elemByID(res.doc, "in-applicant__age-error") == nil || valueOf(res.doc, "in-applicant__age") != "سی" {
			t.Errorf("a bad age: %d", res.status)
		}
		// A citizen's own data: this server cannot gather it, and says so.
		res = rs.get(t, rs.citizen, elig)
		if elemByID(res.doc, "mine-unavailable") == nil {
			t.Errorf("the citizen is not told that checking with their data is unavailable")
		}
		res = rs.post(t, rs.citizen, elig, url.Values{"mine": {"1"}})
		if res.status != http.StatusServiceUnavailable || elemByID(res.doc, "mine-error") == nil {
			t.Errorf("check with my own data without the service: %d", res.status)
		}

		// Deactivation needs a reason; then the public section is gone.
		res = rs.post(t, rs.admin2, page+"/deactivate", url.Values{"agency": {"MIMT"}, "reason": {" "}})
		if res.status != http.StatusBadRequest || elemByID(res.doc, "rules-error") == nil {
			t.Fatalf("deactivate without a reason: %d", res.status)
		}
		res = rs.post(t, rs.admin2, page+"/deactivate", url.Values{"agency": {"MIMT"}, "reason": {"بازنگری قانون"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", res.status)
		}
		if pub := getPage(t, rs.handler, "/services/"+rs.service, false, 200); elemByID(pub.doc, "rules") != nil {
			t.Error("the service page still shows deactivated rules")
		}
		if res := rs.get(t, nil, elig); res.status != http.StatusNotFound {
			t.Errorf("eligibility without active rules: %d", res.status)
		}
		// Rolling back to version 1 makes it active again.
		res = rs.get(t, rs.admin1, page)
		if elemByID(res.doc, "rollback-1") == nil {
			t.Fatal("no rollback to version 1")
		}
		res = rs.post(t, rs.admin1, page+"/1/rollback", url.Values{"agency": {"MIMT"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("rollback: %d\n%s", res.status, res.body)
		}
		if a, ok, _ := rs.rl.Active(ctx, rs.service); !ok || a.Version != 1 {
			t.Fatalf("active after rollback: %v %d", ok, a.Version)
		}
		if pub := getPage(t, rs.handler, "/services/"+rs.service, false, 200); elemByID(pub.doc, "rules") == nil {
			t.Error("the service page does not show the rolled-back rules")
		}
	}, rulesSets()...)
}

// TestRulesInputs checks the flattening of the inputs' schemas and the
// reading of typed facts.
func TestRulesInputs(t *testing.T) {
	env := rules.Env{
		Form: json.RawMessage(`{"type":"object","properties":{"phone":{"type":"string","title":"تلفن"}}}`),
		Evidence: map[string]json.RawMessage{
			"person": json.RawMessage(`{"type":"object","properties":{"name":{"type":["string","null"]},"address":{"type":"object","properties":{"province":{"type":"string","enum":["01","02"]}}},"children":{"type":"array"},"income":{"type":"number"}}}`),
		},
	}
	got := map[string]string{}
	for _, in := range inputsOf(env) {
		got[in.Path] = in.Type
	}
	want := map[string]string{"form.phone": "string", "evidence.person.name": "string", "evidence.person.address.province": "string",
		"evidence.person.children": "list", "evidence.person.income": "double", "applicant.age": "int", "applicant.alive": "bool", "today": "timestamp"}
	for p, ty := range want {
		if got[p] != ty {
			t.Errorf("%s: type %q, want %q", p, got[p], ty)
		}
	}
	in, inputs, ok := factsFrom(env, url.Values{"evidence__person__address__province": {"02"}, "evidence__person__income": {"۱۲٫۵"}, "applicant__age": {"۴۰"}}, today)
	if !ok {
		t.Fatalf("good facts refused: %+v", inputs)
	}
	if in.Applicant.Age != 40 || !in.Applicant.Alive || in.Evidence["person"].(map[string]any)["address"].(map[string]any)["province"] != "02" ||
		in.Evidence["person"].(map[string]any)["income"] != 12.5 || !in.Today.Equal(today) {
		t.Errorf("facts read as %+v", in)
	}
	if _, _, ok := factsFrom(env, url.Values{"evidence__person__address__province": {"99"}}, today); ok {
		t.Error("a value outside the enum was accepted")
	}
}

// TestRulesTemplates renders the version page in each status, with
// problems in place, test results and a simulation, and the eligibility
// page with a decision, in both languages: every page is complete and
// well formed.
func TestRulesTemplates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		rs := rules.Ruleset{Service: st.permit, Version: 3, Rules: []rules.Rule{ruleAge, ruleMinor},
			Tests: []rules.TestCase{{Name: "بزرگسال", Input: adultInput, Want: rules.Approve}}, CreatedBy: "user:1", RequestedBy: "user:1", CreatedAt: now, ActivatedAt: &now}
		for _, status := range []rules.Status{rules.Draft, rules.Pending, rules.Active, rules.Retired} {
			for _, en := range []bool{false, true} {
				l := fa
				if en {
					l = "en"
				}
				v := rulesVersionView{Service: st.permit, Title: "پروانه", Agency: "MIMT", Outcomes: outcomes, SimSizes: simSizes, SimLast: 100,
					Inputs: inputsOf(fixtureEnv), Grounds: []groundOption{{Code: "zoning", Text: "کاربری"}}, Permit: true}
				r := rs
				r.Status = status
				v.RS, v.Editable, v.MineRequest = &r, status == rules.Draft, status == rules.Pending
				v.fillFrom(r)
				v.place(l, []rules.Problem{{Rule: "adult", Field: "when", Line: 1, Column: 5, En: "undeclared reference", Fa: "نام ناشناخته"}, {Field: "rules", En: "no rules", Fa: "قاعده‌ای نیست"}})
				res := rules.TestResult{Name: "بزرگسال", Pass: false, Want: rules.Approve, Got: rules.Refer, ExplainFa: "ارجاع", ExplainEn: "referred"}
				v.Tests[0].Result, v.Tested = &res, true
				v.Sim = &simView{Simulation: rules.Simulation{Version: 3, Compared: 12, Differ: 1, Cases: []rules.SimCase{{Tracking: "1234-5678-9012", Was: rules.Approve, Would: rules.Reject, WouldGround: "zoning", ExplainFa: "رد", ExplainEn: "rejected"}}}, Last: 100}
				v.Error, v.ErrorFor = "خطا", "approve"
				req := httptest.NewRequest("GET", "/agency/services/x/rules/3", nil)
				if en {
					req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
				}
				buf, err := st.web.execute(req, "rules_version", "t", "agency", v)
				if err != nil {
					t.Fatalf("%s: %v", status, err)
				}
				body := buf.String()
				st.web.release(buf)
				doc, err := html.Parse(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				checkPage(t, "rules_version "+string(status), doc, string(l), l.dir())
				noRulesKey(t, string(status), response{body: body})
				if status == rules.Draft && elemByID(doc, "rule-0-when-error") == nil {
					t.Errorf("draft: the problem is not next to the condition")
				}
				if status != rules.Draft && len(all(doc, func(e *html.Node) bool { return attr(e, "data-rule") == "adult" })) == 0 {
					t.Errorf("%s: the rules are not listed", status)
				}
				if elemByID(doc, "sim-cases") == nil || elemByID(doc, "rules-problems") == nil {
					t.Errorf("%s: no simulation or general problems", status)
				}
				if (status == rules.Pending) != (elemByID(doc, "approve-error") != nil) {
					t.Errorf("%s: the approval's error shown wrongly", status)
				}
			}
		}
		ev := eligibilityView{Service: st.permit, Title: "پروانه", Version: 3, Inputs: inputsOf(fixtureEnv), SignedIn: true,
			Decision: decisionOf(fa, &catalog.Record{}, rules.Decision{Outcome: rules.Reject, Ground: "zoning", ExplainFa: "رد شد", ExplainEn: "rejected",
				Fired: []rules.Fired{{Rule: "minor", Outcome: rules.Reject, Ground: "zoning", ExplainFa: "کم‌سال", ExplainEn: "minor"}}})}
		for _, en := range []bool{false, true} {
			req := httptest.NewRequest("GET", "/services/x/eligibility", nil)
			l := fa
			if en {
				l = "en"
				req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
			}
			buf, err := st.web.execute(req, "rules_eligibility", "t", "services", ev)
			if err != nil {
				t.Fatal(err)
			}
			body := buf.String()
			st.web.release(buf)
			doc, _ := html.Parse(strings.NewReader(body))
			checkPage(t, "rules_eligibility", doc, string(l), l.dir())
			noRulesKey(t, "eligibility", response{body: body})
			if elemByID(doc, "mine-unavailable") == nil || elemByID(doc, "decision") == nil {
				t.Errorf("eligibility page incomplete")
			}
		}
	}, catalogMigrations()...)
}

package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testEnv is a realistic service: a form with an integer, a date and a
// string; a criminal record answer with a boolean and a list; a permit with
// two published refusal grounds.
func testEnv() Env {
	return Env{
		Form: json.RawMessage(`{"type":"object","properties":{
			"capital":{"type":"integer"},
			"start":{"type":"string","format":"date"},
			"activity":{"type":"string"},
			"area":{"type":"number"}}}`),
		Evidence: map[string]json.RawMessage{
			"criminal_record": json.RawMessage(`{"type":"object","properties":{
				"clean":{"type":"boolean"},
				"offences":{"type":"array","items":{"type":"object","properties":{"code":{"type":"string"},"year":{"type":"integer"}}}}}}`),
			"degree": json.RawMessage(`{"type":"object","properties":{"level":{"type":"string"},"graduated":{"type":"string","format":"date"}}}`),
		},
		Grounds: []string{"criminal_record", "underage", "capital"},
		Permit:  true,
	}
}

func testRules() []Rule {
	return []Rule{
		{Code: "underage", When: "applicant.age < 18", Outcome: Reject, Ground: "underage",
			ExplainFa: "سن متقاضی {{applicant.age}} سال است و کمتر از ۱۸ است", ExplainEn: "the applicant is {{applicant.age}}, under 18"},
		{Code: "record", When: "has(evidence.criminal_record.clean) && !evidence.criminal_record.clean", Outcome: Reject, Ground: "criminal_record",
			ExplainFa: "سابقهٔ کیفری دارد", ExplainEn: "the applicant has a criminal record"},
		{Code: "big", When: "form.capital > 1000000000", Outcome: Refer,
			ExplainFa: "سرمایهٔ {{form.capital}} ریال بررسی کارشناس می‌خواهد", ExplainEn: "a capital of {{form.capital}} rials needs a clerk"},
		{Code: "ok", When: "applicant.age >= 18 && evidence.criminal_record.clean && form.capital >= 1000000", Outcome: Approve,
			ExplainFa: "متقاضی بزرگسال است و سابقهٔ کیفری ندارد", ExplainEn: "the applicant is an adult with a clean record"},
	}
}

func adult() Input {
	return Input{
		Form:      map[string]any{"capital": "۵۰۰۰۰۰۰", "start": "2026-01-01", "activity": "bakery"},
		Evidence:  map[string]any{"criminal_record": map[string]any{"clean": true, "offences": []any{}}},
		Applicant: Applicant{Age: 30, BirthDate: "1996-05-01", Sex: "female", Province: "23", Alive: true},
		Today:     time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
	}
}

func mustCompile(t *testing.T, rules []Rule) *Program {
	t.Helper()
	p, probs := Compile(Ruleset{Service: "svc", Version: 3, Rules: rules}, testEnv())
	if len(probs) > 0 {
		t.Fatalf("Compile: %+v", probs)
	}
	return p
}

func TestEvaluateSemantics(t *testing.T) {
	p := mustCompile(t, testRules())
	ctx := context.Background()

	d, err := p.Evaluate(ctx, adult())
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != Approve || d.Service != "svc" || d.Version != 3 {
		t.Fatalf("adult: %+v", d)
	}
	if d.ExplainFa != "تأیید شد، زیرا متقاضی بزرگسال است و سابقهٔ کیفری ندارد." || d.ExplainEn != "Approved because the applicant is an adult with a clean record." {
		t.Fatalf("explanation: %q / %q", d.ExplainFa, d.ExplainEn)
	}
	if len(d.Fired) != 1 || !reflect.DeepEqual(d.Fired[0].Reads, []string{"applicant.age", "evidence.criminal_record.clean", "form.capital"}) {
		t.Fatalf("fired: %+v", d.Fired)
	}

	// A reject beats a refer and an approve; the first reject's ground wins.
	in := adult()
	in.Applicant.Age = 16
	in.Evidence["criminal_record"] = map[string]any{"clean": false}
	in.Form["capital"] = "2000000000"
	d, _ = p.Evaluate(ctx, in)
	if d.Outcome != Reject || d.Ground != "underage" {
		t.Fatalf("reject: %+v", d)
	}
	if !strings.HasPrefix(d.ExplainFa, "رد شد بر پایهٔ شرط «underage»") || !strings.Contains(d.ExplainFa, "سن متقاضی ۱۶ سال است") {
		t.Fatalf("reject explanation fa: %q", d.ExplainFa)
	}
	if !strings.Contains(d.ExplainEn, "the applicant is 16, under 18") {
		t.Fatalf("reject explanation en: %q", d.ExplainEn)
	}

	// A refer beats an approve.
	in = adult()
	in.Form["capital"] = 2000000000.0
	d, _ = p.Evaluate(ctx, in)
	if d.Outcome != Refer || !strings.Contains(d.ExplainFa, "سرمایهٔ ۲۰۰۰۰۰۰۰۰۰ ریال") || !strings.Contains(d.ExplainEn, "a capital of 2000000000 rials") {
		t.Fatalf("refer: %+v", d)
	}

	// Nothing approves: refer.
	in = adult()
	in.Form["capital"] = "10"
	d, _ = p.Evaluate(ctx, in)
	if d.Outcome != Refer || d.ExplainEn != "Referred to a clerk because no rule approved the application." || len(d.Fired) != 0 {
		t.Fatalf("none: %+v", d)
	}

	// A missing answer makes the approve rule error: refer naming the rule,
	// never approve.
	in = adult()
	delete(in.Evidence, "criminal_record")
	d, _ = p.Evaluate(ctx, in)
	if d.Outcome != Refer || !strings.Contains(d.ExplainEn, "rule “ok” could not be evaluated") || !strings.Contains(d.ExplainFa, "شرط «ok» ارزیابی نشد") {
		t.Fatalf("missing evidence: %+v", d)
	}
	// A value of the wrong type is left out, so it errors the same way.
	in = adult()
	in.Form["capital"] = "a lot"
	d, _ = p.Evaluate(ctx, in)
	if d.Outcome != Refer || !strings.Contains(d.ExplainEn, "could not be evaluated") {
		t.Fatalf("bad value: %+v", d)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name  string
		rule  Rule
		field string
		line  int
		col   int
		want  string
	}{
		{"syntax", Rule{When: "applicant.age >"}, "when", 1, 16, "Syntax error"},
		{"unknown field", Rule{When: "applicant.age > 18 &&\n  form.capitol > 5"}, "when", 2, 7, `no input field "capitol"`},
		{"unknown evidence field", Rule{When: "evidence.criminal_record.dirty"}, "when", 1, 25, `no input field "dirty"`},
		{"unknown evidence", Rule{When: "evidence.passport.valid"}, "when", 1, 9, `no input field "passport"`},
		{"unknown name", Rule{When: "income > 5"}, "when", 1, 1, `Unknown name "income"`},
		{"wrong type", Rule{When: "form.activity > 5"}, "when", 1, 15, "types do not fit"},
		{"not boolean", Rule{When: "applicant.age + 1"}, "when", 1, 1, "must be true or false"},
		{"unknown ground", Rule{When: "true", Outcome: Reject, Ground: "nope"}, "ground", 0, 0, "not a published refusal ground"},
		{"reject without ground on a permit", Rule{When: "true", Outcome: Reject}, "ground", 0, 0, "must name one of"},
		{"ground on approve", Rule{When: "true", Ground: "underage"}, "ground", 0, 0, "Only a reject rule"},
		{"bad outcome", Rule{When: "true", Outcome: "maybe"}, "outcome", 0, 0, "approve, reject or refer"},
		{"bad code", Rule{Code: "Bad Code", When: "true"}, "code", 0, 0, "lowercase"},
		{"cost", Rule{When: "evidence.criminal_record.offences.all(a, evidence.criminal_record.offences.all(b, evidence.criminal_record.offences.all(c, a.year <= b.year + c.year)))"}, "when", 1, 1, "over the limit"},
		{"template", Rule{When: "true", ExplainEn: "age {{ applicant.agee }}"}, "explain_en", 1, 17, `no input field "agee"`},
		{"template open", Rule{When: "true", ExplainFa: "سن {{ applicant.age"}, "explain_fa", 1, 4, "without its closing"},
		{"empty explanation", Rule{When: "true", ExplainFa: " "}, "explain_fa", 0, 0, "explanation is required"},
		{"event in a ruleset", Rule{When: "event.x == 1"}, "when", 1, 1, `Unknown name "event"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.rule
			if r.Code == "" {
				r.Code = "r1"
			}
			if r.Outcome == "" {
				r.Outcome = Approve
			}
			if r.ExplainFa == "" {
				r.ExplainFa = "چون"
			}
			if r.ExplainEn == "" {
				r.ExplainEn = "because"
			}
			p, probs := Compile(Ruleset{Rules: []Rule{r}}, testEnv())
			if p != nil {
				t.Fatal("compiled a bad ruleset")
			}
			var found *Problem
			for i := range probs {
				if probs[i].Field == c.field && strings.Contains(probs[i].En, c.want) {
					found = &probs[i]
				}
			}
			if found == nil {
				t.Fatalf("want a %s problem with %q, got %+v", c.field, c.want, probs)
			}
			if found.Fa == "" || found.Rule == "" {
				t.Fatalf("problem lacks Persian or rule: %+v", found)
			}
			if c.line != 0 && (found.Line != c.line || found.Column != c.col) {
				t.Fatalf("at %d:%d, want %d:%d (%s)", found.Line, found.Column, c.line, c.col, found.En)
			}
		})
	}
}

func TestCompileRulesetErrors(t *testing.T) {
	rules := testRules()
	rules[1].Code = rules[0].Code
	_, probs := Compile(Ruleset{Rules: rules, Tests: []TestCase{
		{Name: "a", Want: Approve, Input: Input{Form: map[string]any{"capitol": 5}}},
		{Name: "a", Want: "yes"},
		{Name: "b", Want: Reject, WantGround: "nope", Input: Input{Evidence: map[string]any{"criminal_record": map[string]any{"clean": "maybe"}}}},
	}}, testEnv())
	want := map[string]string{
		"code":   "same code",
		"test:a": "form.capitol: no such field",
		"test:b": "evidence.criminal_record.clean: not true or false",
	}
	for field, msg := range want {
		ok := false
		for _, p := range probs {
			ok = ok || (p.Field == field && strings.Contains(p.En, msg))
		}
		if !ok {
			t.Errorf("no %s problem %q in %+v", field, msg, probs)
		}
	}
	if _, probs := Compile(Ruleset{}, testEnv()); len(probs) != 1 || probs[0].Field != "rules" {
		t.Fatalf("empty ruleset: %+v", probs)
	}
}

func TestNonPermitRejectWithoutGround(t *testing.T) {
	env := testEnv()
	env.Permit, env.Grounds = false, nil
	p, probs := Compile(Ruleset{Rules: []Rule{{Code: "old", When: "applicant.age > 120", Outcome: Reject, ExplainFa: "سن {{applicant.age}}", ExplainEn: "age {{applicant.age}}"}}}, env)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	in := adult()
	in.Applicant.Age = 121
	d, _ := p.Evaluate(context.Background(), in)
	if d.Outcome != Reject || d.Ground != "" || d.ExplainEn != "Rejected under rule “old” because age 121." {
		t.Fatalf("%+v", d)
	}
}

func TestHelpersAndDates(t *testing.T) {
	p := mustCompile(t, []Rule{
		{Code: "age", When: `years_between(applicant.birth_date, today) == 30 && days_between(date("2026-11-30"), today) == 2 && form.start < today && has(form.area) == false`,
			Outcome: Approve, ExplainFa: "از {{form.start}} تا {{today}}", ExplainEn: "from {{form.start}} to {{today}}, {{[1, 2]}} {{form.activity == 'bakery'}}"},
	})
	d, _ := p.Evaluate(context.Background(), adult())
	if d.Outcome != Approve {
		t.Fatalf("%+v", d)
	}
	if d.Fired[0].ExplainEn != "from 2026-01-01 to 2026-12-02, 1, 2 yes" {
		t.Fatalf("en: %q", d.Fired[0].ExplainEn)
	}
	if d.Fired[0].ExplainFa != "از ۱۴۰۴/۱۰/۱۱ تا ۱۴۰۵/۰۹/۱۱" {
		t.Logf("fa: %q", d.Fired[0].ExplainFa)
	}
	if !strings.Contains(d.Fired[0].ExplainFa, "۱۴۰۵") {
		t.Fatalf("fa date not Jalali: %q", d.Fired[0].ExplainFa)
	}
	if got := yearsBetween(time.Date(2008, 12, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)); got != 17 {
		t.Fatalf("yearsBetween the day before the birthday = %d", got)
	}
}

func TestRuntimeCostLimit(t *testing.T) {
	p := mustCompile(t, []Rule{{Code: "scan", When: `evidence.criminal_record.offences.exists(o, o.code == "x" && o.year > 1300)`, Outcome: Approve, ExplainFa: "x", ExplainEn: "x"}})
	in := adult()
	var many []any
	for i := 0; i < 30000; i++ {
		many = append(many, map[string]any{"code": fmt.Sprint(i), "year": 1400})
	}
	in.Evidence["criminal_record"] = map[string]any{"clean": true, "offences": many}
	d, _ := p.Evaluate(context.Background(), in)
	if d.Outcome != Refer || !strings.Contains(d.ExplainEn, "cost too much") {
		t.Fatalf("%+v", d)
	}
	in.Evidence["criminal_record"] = map[string]any{"clean": true, "offences": []any{map[string]any{"code": "x", "year": 1401}}}
	if d, _ = p.Evaluate(context.Background(), in); d.Outcome != Approve {
		t.Fatalf("%+v", d)
	}
}

func TestEvaluateCancelled(t *testing.T) {
	p := mustCompile(t, testRules())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Evaluate(ctx, adult()); err == nil {
		t.Fatal("evaluated with a cancelled context")
	}
}

func TestCondition(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"national_code":{"type":"string"},"child_birth_date":{"type":"string","format":"date"},"order":{"type":"integer"}},"additionalProperties":false}`)
	if _, probs := CompileCondition(`event.orderr > 1`, schema); len(probs) != 1 || probs[0].Field != "condition" || probs[0].Line != 1 {
		t.Fatalf("unknown field: %+v", probs)
	}
	if _, probs := CompileCondition(`form.capital > 1`, schema); len(probs) == 0 {
		t.Fatal("form is not an input of a condition")
	}
	c, probs := CompileCondition(`event.order >= 1 && applicant.alive && days_between(event.child_birth_date, today) < 60`, schema)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if !reflect.DeepEqual(c.Reads(), []string{"applicant.alive", "event.child_birth_date", "event.order", "today"}) {
		t.Fatalf("reads %v", c.Reads())
	}
	in := Input{Event: map[string]any{"national_code": "x", "child_birth_date": "2026-11-01", "order": 2.0}, Applicant: Applicant{Alive: true}, Today: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	if ok, err := c.Match(context.Background(), in); err != nil || !ok {
		t.Fatalf("match: %v %v", ok, err)
	}
	in.Today = in.Today.AddDate(0, 3, 0)
	if ok, err := c.Match(context.Background(), in); err != nil || ok {
		t.Fatalf("late: %v %v", ok, err)
	}
	in.Today = in.Today.AddDate(0, -3, 0)
	delete(in.Event, "order")
	if ok, err := c.Match(context.Background(), in); err == nil || ok {
		t.Fatalf("missing key: %v %v", ok, err)
	}
}

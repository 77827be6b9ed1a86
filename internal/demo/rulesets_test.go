package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/rules"
)

// demoEnv builds the inputs of rec's rules as the platform does: each
// inquiry evidence typed by the JSON Schema of the answer its demo back
// office serves (the schema the exchange registers).
func demoEnv(t *testing.T, ps *backoffice.People, rec catalog.Record) rules.Env {
	t.Helper()
	schemas := map[string]json.RawMessage{}
	for _, o := range backoffice.Offices(ps) {
		for _, s := range o.Services {
			b, err := json.Marshal(s.Schema)
			if err != nil {
				t.Fatal(err)
			}
			schemas[o.Member+"/"+s.Code] = b
		}
	}
	env := rules.Env{Evidence: map[string]json.RawMessage{}, Form: json.RawMessage(`{"type":"object","properties":{}}`)}
	for _, rq := range rec.Requirements {
		for _, e := range rq.Evidence {
			if e.Source != catalog.FromInquiry {
				continue
			}
			s, ok := schemas[e.Inquiry]
			if !ok {
				t.Fatalf("%s: no back office answers %s", rec.TitleEn, e.Inquiry)
			}
			env.Evidence[e.Code] = s
		}
	}
	return env
}

// answersOf asks the demo back offices, as the gateway would, for every
// inquiry evidence of rec about the person code.
func answersOf(t *testing.T, offices map[string]http.Handler, rec catalog.Record, code string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, rq := range rec.Requirements {
		for _, e := range rq.Evidence {
			if e.Source != catalog.FromInquiry {
				continue
			}
			member, service, _ := strings.Cut(e.Inquiry, "/")
			req := httptest.NewRequest(http.MethodGet, "/"+service+"/persons/"+code, nil)
			req.Header.Set("Panjare-Id", "test")
			req.Header.Set("Panjare-Client", "IR/GOV/PANJARE/portal")
			req.Header.Set("Panjare-Subject", code)
			rw := httptest.NewRecorder()
			offices[member].ServeHTTP(rw, req)
			if rw.Code != http.StatusOK {
				t.Fatalf("%s about %s: %d %s", e.Inquiry, code, rw.Code, rw.Body)
			}
			var v any
			if err := json.Unmarshal(rw.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			out[e.Code] = v
		}
	}
	return out
}

// TestRulesetsCompileAndPass: every demo ruleset is for a published demo
// service that declares L3 (decided by rules, started on request) and is not
// one of the chains' services; it type-checks against the inputs its record
// names, every test case passes, each ruleset has at least one case of
// each outcome it can give, and rejections of a permit carry a published
// ground. There are at least ten.
func TestRulesetsCompileAndPass(t *testing.T) {
	ps := backoffice.NewPeople()
	byTitle := map[string]catalog.Record{}
	for _, rec := range Records() {
		byTitle[rec.TitleEn] = rec
	}
	var chained []string
	for _, l := range chains() {
		chained = append(chained, l.titleEn)
	}
	defs := ruleDefs()
	if len(defs) < 10 {
		t.Fatalf("%d demo rulesets, want at least 10", len(defs))
	}
	seen := map[string]bool{}
	for _, d := range defs {
		t.Run(d.titleEn, func(t *testing.T) {
			if seen[d.titleEn] {
				t.Fatal("two rulesets for one service")
			}
			seen[d.titleEn] = true
			if slices.Contains(chained, d.titleEn) {
				t.Fatal("a chain service: its ruleset is the chain's")
			}
			rec, ok := byTitle[d.titleEn]
			if !ok {
				t.Fatal("no such demo service")
			}
			if lv, _ := catalog.ComputeLevel(rec); lv != catalog.L3 || rec.Trigger != catalog.OnRequest {
				t.Fatalf("declared %s, trigger %s; want L3 on request", lv, rec.Trigger)
			}
			if !slices.Contains(ruleAgencies, rec.Agency) {
				t.Fatalf("agency %s has no rules admins", rec.Agency)
			}
			env := demoEnv(t, ps, rec)
			if rec.Permit != nil {
				env.Permit = true
				for _, g := range rec.Permit.RefusalGrounds {
					env.Grounds = append(env.Grounds, g.Code)
				}
			}
			prog, probs := rules.Compile(rules.Ruleset{Service: "1000000", Version: 1, Rules: d.rules, Tests: d.tests}, env)
			if len(probs) > 0 {
				t.Fatalf("does not compile: %+v", probs)
			}
			outcomes := map[rules.Outcome]bool{}
			for _, r := range d.rules {
				outcomes[r.Outcome] = true
				if r.ExplainFa == "" || r.ExplainEn == "" {
					t.Errorf("rule %s lacks an explanation", r.Code)
				}
			}
			tested := map[rules.Outcome]bool{}
			for _, tc := range d.tests {
				got, err := prog.Evaluate(context.Background(), tc.Input)
				if err != nil {
					t.Fatal(err)
				}
				if got.Outcome != tc.Want {
					t.Errorf("test %q: %s (%s), want %s", tc.Name, got.Outcome, got.ExplainEn, tc.Want)
				}
				for _, f := range got.Fired {
					if strings.Contains(f.ExplainEn, "could not be evaluated") {
						t.Errorf("test %q: %s", tc.Name, f.ExplainEn)
					}
				}
				if strings.Contains(got.ExplainFa, "{{") {
					t.Errorf("test %q: unrendered explanation %q", tc.Name, got.ExplainFa)
				}
				tested[tc.Want] = true
			}
			for o := range outcomes {
				if !tested[o] {
					t.Errorf("no test case expects %s", o)
				}
			}
		})
	}
}

// TestRulesetsDecideTheDemoPeople: on the answers the demo back offices
// give about every adult of the population, each ruleset decides without
// any rule failing to evaluate (a missing field, a wrong type), so that the
// rules read the data the exchange really serves.
func TestRulesetsDecideTheDemoPeople(t *testing.T) {
	ps := backoffice.NewPeople()
	byTitle := map[string]catalog.Record{}
	for _, rec := range Records() {
		byTitle[rec.TitleEn] = rec
	}
	at := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	offices := map[string]http.Handler{}
	for _, o := range backoffice.Offices(ps) {
		offices[o.Member] = o.Handler()
	}
	for _, d := range ruleDefs() {
		rec := byTitle[d.titleEn]
		prog, probs := rules.Compile(rules.Ruleset{Service: "1000000", Version: 1, Rules: d.rules}, demoEnv(t, ps, rec))
		if len(probs) > 0 {
			t.Fatalf("%s: %+v", d.titleEn, probs)
		}
		outcomes := map[rules.Outcome]int{}
		for _, p := range ps.All() {
			if !p.Alive() || p.Age(at) < 18 {
				continue
			}
			in := rules.Input{Form: map[string]any{}, Evidence: answersOf(t, offices, rec, p.NationalCode), Today: at,
				Applicant: rules.Applicant{Age: p.Age(at), BirthDate: p.BirthDate.Format("2006-01-02"), Sex: p.Sex, Alive: true}}
			got, err := prog.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range got.Fired {
				if strings.Contains(f.ExplainEn, "could not be evaluated") || strings.Contains(got.ExplainEn, "no rule approved") {
					t.Errorf("%s about %s: %s", d.titleEn, p.NationalCode, got.ExplainEn)
				}
			}
			outcomes[got.Outcome]++
		}
		t.Logf("%s: %v", d.titleEn, outcomes)
	}
}

// TestRulesAdmins: every agency with a demo ruleset has two different
// admins who are none of the other demo people, and no one is admin of
// two agencies.
func TestRulesAdmins(t *testing.T) {
	ps := backoffice.NewPeople()
	admins := RulesAdmins(ps)
	chain := ChainAdmins(ps)
	owner := map[string]string{}
	for ag, pair := range chain {
		for _, c := range pair {
			owner[c] = ag
		}
	}
	nocrAdmin, nocrOperator := NOCRStaff(ps)
	platformAdmin, overseer := PlatformStaff(ps)
	others := []string{backoffice.CitizenAli, backoffice.CitizenMaryam, nocrOperator, platformAdmin, overseer}
	for _, ag := range ruleAgencies {
		pair := admins[ag]
		if pair[0] == "" || pair[1] == "" || pair[0] == pair[1] {
			t.Fatalf("%s: admins %v", ag, pair)
		}
		for _, c := range pair {
			if slices.Contains(others, c) || (c == nocrAdmin && ag != "NOCR") {
				t.Errorf("%s: admin %s is another demo person", ag, c)
			}
			if o, ok := owner[c]; ok && o != ag {
				t.Errorf("%s is admin of %s and %s", c, o, ag)
			}
			owner[c] = ag
		}
	}
}

package rules_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// staticEnvs gives every service the same inputs.
type staticEnvs struct{ env rules.Env }

func (s staticEnvs) Env(ctx context.Context, service string) (rules.Env, error) { return s.env, nil }

// memHistory is an in-memory History: the decided cases of each service,
// newest last.
type memHistory struct {
	mu    sync.Mutex
	cases map[string][]rules.Past
}

func (h *memHistory) add(service string, p rules.Past) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cases == nil {
		h.cases = map[string][]rules.Past{}
	}
	h.cases[service] = append(h.cases[service], p)
}

func (h *memHistory) Recent(ctx context.Context, service string, limit int) ([]rules.Past, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	all := h.cases[service]
	var out []rules.Past
	for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, all[i])
	}
	return out, nil
}

var (
	ali    = identity.Principal{Kind: "user", ID: 1, Name: "Ali", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	sara   = identity.Principal{Kind: "user", ID: 2, Name: "Sara", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	other  = identity.Principal{Kind: "user", ID: 3, Name: "Reza", Agency: "NOCR", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	clerk  = identity.Principal{Kind: "user", ID: 4, Name: "Mina", Agency: "MIMT", Roles: []identity.Role{identity.RoleOperator}}
	apikey = identity.Principal{Kind: "apikey", ID: 5, Name: "mimt-portal", Agency: "MIMT"}
)

type fixture struct {
	s       *store.Store
	r       *rules.Rules
	hist    *memHistory
	svc     string
	changes []string
}

func env() rules.Env {
	return rules.Env{
		Form: json.RawMessage(`{"type":"object","properties":{"capital":{"type":"integer"},"activity":{"type":"string"}}}`),
		Evidence: map[string]json.RawMessage{
			"criminal_record": json.RawMessage(`{"type":"object","properties":{"clean":{"type":"boolean"}}}`),
		},
		Grounds: []string{"record", "zoning"},
		Permit:  true,
	}
}

func newFixture(t *testing.T, s *store.Store) *fixture {
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
	d, err := cat.SaveDraft(ctx, identity.System, 0, permitRecord())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	f := &fixture{s: s, hist: &memHistory{}, svc: svc.ID}
	f.r, err = rules.New(rules.Config{Store: s, Catalog: cat, Envs: staticEnvs{env()}, History: f.hist,
		Now: func() time.Time { return time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	f.r.OnChange(func(ctx context.Context, service string) { f.changes = append(f.changes, service) })
	return f
}

func permitRecord() catalog.Record {
	return catalog.Record{
		TitleFa:       "پروانهٔ کسب",
		TitleEn:       "Business licence",
		DescriptionFa: "متقاضی درخواست را برخط ثبت می‌کند و دستگاه پس از بررسی مدارک و استعلام‌ها نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
		Keywords:      []string{"آزمون"},
		Agency:        "MIMT",
		Audience:      catalog.G2C,
		Nature:        catalog.Sovereign,
		Scope:         catalog.ScopeNational,
		Trigger:       catalog.OnRequest,
		Decision:      catalog.DecideManual,
		Frequency:     catalog.AsNeeded,
		LegalBasis:    []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}},
		Channels:      []catalog.Channel{catalog.ChannelWeb},
		Stages:        catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements: []catalog.Requirement{{Code: "shop", NameFa: "محل کسب", Evidence: []catalog.Evidence{
			{Code: "shop_name", NameFa: "نام واحد صنفی", NameEn: "Name of the shop", Source: catalog.FromDeclaration}}}},
		Outputs: []catalog.Output{{NameFa: "پروانهٔ کسب", NameEn: "Business licence", Kind: "document"}},
		Permit: &catalog.Permit{ValidityDays: 365, RefusalGrounds: []catalog.RefusalGround{
			{Code: "zoning", TextFa: "محل کسب در طرح تفصیلی شهر برای این صنف مجاز نیست", TextEn: "The place is not zoned for this trade"},
			{Code: "record", TextFa: "متقاضی محکومیت مؤثر کیفری دارد", TextEn: "The applicant has a relevant criminal conviction"}}},
		CostRials:      1_500_000,
		ProcessingTime: catalog.Duration{Days: 5},
	}
}

func ruleset() []rules.Rule {
	return []rules.Rule{
		{Code: "record", When: "!evidence.criminal_record.clean", Outcome: rules.Reject, Ground: "record", ExplainFa: "سابقهٔ کیفری دارد", ExplainEn: "the applicant has a criminal record"},
		{Code: "adult", When: "applicant.age >= 18 && evidence.criminal_record.clean && form.capital >= 1000", Outcome: rules.Approve,
			ExplainFa: "متقاضی {{applicant.age}} ساله است و سابقهٔ کیفری ندارد", ExplainEn: "the applicant is {{applicant.age}} with a clean record"},
	}
}

func input(age int, clean bool) rules.Input {
	return rules.Input{Form: map[string]any{"capital": "5000"}, Evidence: map[string]any{"criminal_record": map[string]any{"clean": clean}},
		Applicant: rules.Applicant{Age: age, Alive: true}, Today: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
}

func tests() []rules.TestCase {
	return []rules.TestCase{
		{Name: "adult clean", Input: input(30, true), Want: rules.Approve},
		{Name: "record", Input: input(30, false), Want: rules.Reject, WantGround: "record"},
		{Name: "minor", Input: input(15, true), Want: rules.Refer},
	}
}

func kind(t *testing.T, err error, k errs.Kind) *errs.Error {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("want %s, got %v", k, err)
	}
	e, _ := errs.As(err)
	if e.Fa == "" || e.En == "" {
		t.Fatalf("error lacks a message: %+v", e)
	}
	return e
}

func events(t *testing.T, s *store.Store, kind string) []store.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), store.EventFilter{KindPrefix: kind})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAuthoringFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)

		if _, ok, err := f.r.Decide(ctx, f.svc, input(30, true)); err != nil || ok {
			t.Fatalf("decided without active rules: %v %v", ok, err)
		}
		// Only the agency's administrators author.
		_, err := f.r.SaveDraft(ctx, other, f.svc, ruleset(), tests())
		kind(t, err, errs.Forbidden)
		_, err = f.r.SaveDraft(ctx, clerk, f.svc, ruleset(), tests())
		kind(t, err, errs.Forbidden)

		// A draft with an unknown field is refused, in place.
		bad := ruleset()
		bad[1].When = "applicant.age >= 18 && form.capitl > 5"
		_, err = f.r.SaveDraft(ctx, ali, f.svc, bad, tests())
		e := kind(t, err, errs.Invalid)
		probs := rules.ProblemsOf(err)
		if len(probs) != 1 || probs[0].Rule != "adult" || probs[0].Field != "when" || probs[0].Column != 28 {
			t.Fatalf("problems: %+v", probs)
		}
		if len(e.Fields) != 1 || e.Fields[0].Field != "rules.adult.when" {
			t.Fatalf("fields: %+v", e.Fields)
		}
		// Tests must refer to real inputs too.
		badTests := tests()
		badTests[0].Input.Evidence["passport"] = map[string]any{}
		_, err = f.r.SaveDraft(ctx, ali, f.svc, ruleset(), badTests)
		if e := kind(t, err, errs.Invalid); e.Fields[0].Field != "tests.adult clean" {
			t.Fatalf("fields: %+v", e.Fields)
		}

		// A failing test blocks the request, naming the test.
		failing := tests()
		failing[2].Want = rules.Approve
		v1, err := f.r.SaveDraft(ctx, ali, f.svc, ruleset(), failing)
		if err != nil || v1.Version != 1 || v1.Status != rules.Draft {
			t.Fatalf("save: %+v %v", v1, err)
		}
		res, err := f.r.RunTests(ctx, f.svc, 1)
		if err != nil || len(res) != 3 || !res[0].Pass || !res[1].Pass || res[2].Pass || res[2].Got != rules.Refer {
			t.Fatalf("run tests: %+v %v", res, err)
		}
		_, err = f.r.RequestActivation(ctx, ali, f.svc, 1)
		kind(t, err, errs.Invalid)
		if p := rules.ProblemsOf(err); len(p) != 1 || p[0].Field != "test:minor" {
			t.Fatalf("problems: %+v", p)
		}
		// Ali fixes his own draft: the same version.
		v1, err = f.r.SaveDraft(ctx, ali, f.svc, ruleset(), tests())
		if err != nil || v1.Version != 1 {
			t.Fatalf("resave: %+v %v", v1, err)
		}
		if _, err := f.r.ApproveActivation(ctx, sara, f.svc, 1); !errs.Is(err, errs.Conflict) {
			t.Fatalf("approved a draft: %v", err)
		}
		if _, err := f.r.RequestActivation(ctx, ali, f.svc, 1); err != nil {
			t.Fatal(err)
		}
		// The same person cannot approve; nor an API key, nor another agency.
		e = kind(t, func() error { _, err := f.r.ApproveActivation(ctx, ali, f.svc, 1); return err }(), errs.Forbidden)
		if !strings.Contains(e.En, "another administrator") || !strings.Contains(e.Fa, "مدیر دیگری") {
			t.Fatalf("message: %+v", e)
		}
		kind(t, func() error { _, err := f.r.ApproveActivation(ctx, apikey, f.svc, 1); return err }(), errs.Forbidden)
		kind(t, func() error { _, err := f.r.ApproveActivation(ctx, other, f.svc, 1); return err }(), errs.Forbidden)
		if len(f.changes) != 0 {
			t.Fatal("changed before activation")
		}
		act, err := f.r.ApproveActivation(ctx, sara, f.svc, 1)
		if err != nil || act.Status != rules.Active || act.ApprovedBy != sara.Actor() || act.ActivatedAt == nil {
			t.Fatalf("approve: %+v %v", act, err)
		}
		if len(f.changes) != 1 || f.changes[0] != f.svc {
			t.Fatalf("OnChange: %v", f.changes)
		}

		d, ok, err := f.r.Decide(ctx, f.svc, input(40, true))
		if err != nil || !ok || d.Outcome != rules.Approve || d.Version != 1 || d.ExplainFa != "تأیید شد، زیرا متقاضی ۴۰ ساله است و سابقهٔ کیفری ندارد." {
			t.Fatalf("decide: %+v %v %v", d, ok, err)
		}
		if d, _, _ := f.r.Decide(ctx, f.svc, input(40, false)); d.Outcome != rules.Reject || d.Ground != "record" {
			t.Fatalf("decide reject: %+v", d)
		}
		active, err := f.r.ActiveServices(ctx)
		if err != nil || active[f.svc] != 1 || len(active) != 1 {
			t.Fatalf("active services: %v %v", active, err)
		}
		authors, err := f.r.Authors(ctx, f.svc, 1)
		if err != nil || strings.Join(authors, ",") != ali.Actor()+","+sara.Actor() {
			t.Fatalf("authors: %v %v", authors, err)
		}

		// Version 2 by Sara, approved by Ali, replaces version 1.
		stricter := ruleset()
		stricter[1].When = "applicant.age >= 21 && evidence.criminal_record.clean && form.capital >= 1000"
		v2, err := f.r.SaveDraft(ctx, sara, f.svc, stricter, tests())
		if err != nil || v2.Version != 2 {
			t.Fatalf("v2: %+v %v", v2, err)
		}
		if _, err := f.r.RequestActivation(ctx, sara, f.svc, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.ApproveActivation(ctx, ali, f.svc, 2); err != nil {
			t.Fatal(err)
		}
		if d, _, _ := f.r.Decide(ctx, f.svc, input(19, true)); d.Outcome != rules.Refer || d.Version != 2 {
			t.Fatalf("v2 decide: %+v", d)
		}
		if v, _ := f.r.Version(ctx, f.svc, 1); v.Status != rules.Retired {
			t.Fatalf("v1 after v2: %+v", v)
		}

		// Rollback to 1; not to a version that was never active.
		v3, err := f.r.SaveDraft(ctx, ali, f.svc, ruleset(), tests())
		if err != nil || v3.Version != 3 {
			t.Fatalf("v3: %+v %v", v3, err)
		}
		kind(t, func() error { _, err := f.r.Rollback(ctx, ali, f.svc, 3); return err }(), errs.Conflict)
		kind(t, func() error { _, err := f.r.Rollback(ctx, ali, f.svc, 2); return err }(), errs.Conflict)
		kind(t, func() error { _, err := f.r.Rollback(ctx, apikey, f.svc, 1); return err }(), errs.Forbidden)
		rb, err := f.r.Rollback(ctx, ali, f.svc, 1)
		if err != nil || rb.Status != rules.Active {
			t.Fatalf("rollback: %+v %v", rb, err)
		}
		if d, _, _ := f.r.Decide(ctx, f.svc, input(19, true)); d.Outcome != rules.Approve || d.Version != 1 {
			t.Fatalf("after rollback: %+v", d)
		}
		vs, err := f.r.Versions(ctx, f.svc)
		if err != nil || len(vs) != 3 || vs[0].Version != 3 || vs[1].Status != rules.Retired || vs[2].Status != rules.Active {
			t.Fatalf("versions: %+v %v", vs, err)
		}

		// Deactivation needs a reason; then nothing decides.
		kind(t, f.r.Deactivate(ctx, ali, f.svc, ""), errs.Invalid)
		if err := f.r.Deactivate(ctx, ali, f.svc, "قانون تغییر کرد"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := f.r.Decide(ctx, f.svc, input(40, true)); ok {
			t.Fatal("decided after deactivation")
		}
		kind(t, f.r.Deactivate(ctx, ali, f.svc, "again"), errs.NotFound)
		if len(f.changes) != 4 {
			t.Fatalf("OnChange calls: %v", f.changes)
		}

		for kind, n := range map[string]int{rules.EventSaved: 4, rules.EventRequested: 2, rules.EventActivated: 2, rules.EventRolledBack: 1, rules.EventDeactivated: 1} {
			evs := events(t, s, kind)
			if len(evs) != n {
				t.Errorf("%s: %d events, want %d", kind, len(evs), n)
			}
			for _, ev := range evs {
				if ev.Service != f.svc || ev.Agency != "MIMT" {
					t.Errorf("%s: %+v", kind, ev)
				}
			}
		}
	}, catalog.Migrations(), rules.Migrations())
}

// TestActiveAcrossNodes checks that a second node (another Rules on the same
// database) sees an activation made on the first without being told.
func TestActiveAcrossNodes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		cat, err := catalog.New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		node2, err := rules.New(rules.Config{Store: s, Catalog: cat, Envs: staticEnvs{env()}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := node2.Active(ctx, f.svc); ok {
			t.Fatal("active before activation")
		}
		f.r.SaveDraft(ctx, ali, f.svc, ruleset(), tests())
		f.r.RequestActivation(ctx, ali, f.svc, 1)
		if _, err := f.r.ApproveActivation(ctx, sara, f.svc, 1); err != nil {
			t.Fatal(err)
		}
		rs, ok, err := node2.Active(ctx, f.svc)
		if err != nil || !ok || rs.Version != 1 {
			t.Fatalf("node 2: %+v %v %v", rs, ok, err)
		}
		if err := f.r.Deactivate(ctx, sara, f.svc, "پایان آزمایش"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := node2.Decide(ctx, f.svc, input(30, true)); ok {
			t.Fatal("node 2 still decides after deactivation")
		}
	}, catalog.Migrations(), rules.Migrations())
}

func TestSimulate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		// Five past cases decided by clerks; the rules would decide two of
		// them differently: the 19-year-old (referred by the stricter rules,
		// approved by the clerk) and the minor the clerk approved.
		f.hist.add(f.svc, rules.Past{Tracking: "T1", Input: input(30, true), Outcome: rules.Approve, By: "clerk"})
		f.hist.add(f.svc, rules.Past{Tracking: "T2", Input: input(30, false), Outcome: rules.Reject, Ground: "record", By: "clerk"})
		f.hist.add(f.svc, rules.Past{Tracking: "T3", Input: input(19, true), Outcome: rules.Approve, By: "clerk"})
		f.hist.add(f.svc, rules.Past{Tracking: "T4", Input: input(15, true), Outcome: rules.Approve, By: "clerk"})
		f.hist.add(f.svc, rules.Past{Tracking: "T5", Input: input(40, false), Outcome: rules.Reject, Ground: "zoning", By: "clerk"})
		stricter := ruleset()
		stricter[1].When = "applicant.age >= 21 && evidence.criminal_record.clean && form.capital >= 1000"
		if _, err := f.r.SaveDraft(ctx, ali, f.svc, stricter, tests()); err != nil {
			t.Fatal(err)
		}
		_, err := f.r.Simulate(ctx, other, f.svc, 1, 10)
		kind(t, err, errs.Forbidden)
		sim, err := f.r.Simulate(ctx, ali, f.svc, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if sim.Compared != 5 || sim.Differ != 3 || len(sim.Cases) != 3 {
			t.Fatalf("simulation: %+v", sim)
		}
		got := map[string]rules.SimCase{}
		for _, c := range sim.Cases {
			got[c.Tracking] = c
		}
		if c := got["T5"]; c.Would != rules.Reject || c.WouldGround != "record" || c.WasGround != "zoning" {
			t.Fatalf("T5: %+v", c)
		}
		if c := got["T3"]; c.Would != rules.Refer || c.Was != rules.Approve || c.ExplainEn == "" {
			t.Fatalf("T3: %+v", c)
		}
		// Only the last M.
		if sim, _ = f.r.Simulate(ctx, ali, f.svc, 1, 2); sim.Compared != 2 || sim.Differ != 2 {
			t.Fatalf("last 2: %+v", sim)
		}
		kind(t, func() error { _, err := f.r.Simulate(ctx, ali, f.svc, 1, 5000); return err }(), errs.Invalid)
	}, catalog.Migrations(), rules.Migrations())
}

package apply_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// decideSets are the migrations of the automatic decision tests.
var decideSets = append(append([]store.MigrationSet{}, sets...), rules.Migrations())

// The agency admins who write and approve MIMT's rules.
var (
	writer   = identity.Principal{Kind: "user", ID: 5, Name: "نویسندهٔ قواعد", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	approver = identity.Principal{Kind: "user", ID: 6, Name: "تأییدکنندهٔ قواعد", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}
)

// switchRules is the real rules engine, which a test can make fail or hang.
type switchRules struct {
	*rules.Rules
	mu   sync.Mutex
	fail error
	hang bool
}

func (r *switchRules) set(fail error, hang bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail, r.hang = fail, hang
}

func (r *switchRules) Decide(ctx context.Context, service string, in rules.Input) (rules.Decision, bool, error) {
	r.mu.Lock()
	fail, hang := r.fail, r.hang
	r.mu.Unlock()
	if hang {
		<-ctx.Done()
		return rules.Decision{}, true, ctx.Err()
	}
	if fail != nil {
		return rules.Decision{}, true, fail
	}
	return r.Rules.Decide(ctx, service, in)
}

// identitySchema is the schema of the civil registry's person-identity answer.
const identitySchema = `{"type":"object","properties":{"national_code":{"type":"string"},"first_name":{"type":"string"},
	"last_name":{"type":"string"},"father_name":{"type":"string"},"sex":{"type":"string"},
	"birth_date":{"type":"object","properties":{"date":{"type":"string"},"jalali":{"type":"string"}}},
	"birth_place":{"type":"string"},"alive":{"type":"boolean"},
	"death_date":{"type":"object","properties":{"date":{"type":"string"},"jalali":{"type":"string"}}}}}`

// envs gives the rules each service's inputs: the form's schema and the
// identity answer's.
type envs struct{ f *fixture }

func (e envs) Env(ctx context.Context, service string) (rules.Env, error) {
	form, err := e.f.app.Form(ctx, service, identity.Principal{})
	if err != nil {
		return rules.Env{}, err
	}
	svc, err := e.f.cat.Service(ctx, service)
	if err != nil {
		return rules.Env{}, err
	}
	env := rules.Env{Form: form.Schema, Evidence: map[string]json.RawMessage{"identity": json.RawMessage(identitySchema)}, Permit: svc.Record.IsPermit()}
	if svc.Record.Permit != nil {
		for _, g := range svc.Record.Permit.RefusalGrounds {
			env.Grounds = append(env.Grounds, g.Code)
		}
	}
	return env, nil
}

// decideFixture is a fixture whose apply has the rules, with a published
// permit without fee (f.auto) decided by an active ruleset.
type decideFixture struct {
	*fixture
	rules *switchRules
	auto  string
}

// autoRecord is a permit without fee whose rules decide: identity from the
// civil registry, the shop's name declared, a document, a 10-day objection
// period.
func autoRecord() catalog.Record {
	r := baseRecord()
	r.TitleFa, r.TitleEn = "پروانهٔ کسب خودکار", "Automatic business licence"
	r.Decision = catalog.DecideRules
	r.Requirements = []catalog.Requirement{
		{Code: "identity", NameFa: "هویت متقاضی", Evidence: []catalog.Evidence{{Code: "identity", NameFa: "اطلاعات هویتی از ثبت احوال",
			NameEn: "Identity data", Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}}},
		{Code: "shop", NameFa: "محل کسب", Evidence: []catalog.Evidence{
			{Code: "shop_name", NameFa: "نام واحد صنفی", NameEn: "Name of the shop", Source: catalog.FromDeclaration}}},
	}
	r.Outputs = []catalog.Output{{NameFa: "پروانهٔ کسب", NameEn: "Business licence", Kind: "document"}}
	r.Permit = &catalog.Permit{ValidityDays: 365, RefusalGrounds: []catalog.RefusalGround{
		{Code: "zoning", TextFa: "محل کسب در طرح تفصیلی شهر برای این صنف مجاز نیست", TextEn: "The place is not zoned for this trade"}}}
	r.ProcessingTime = catalog.Duration{Days: 5}
	r.ObjectionDays = 10
	return r
}

// The ruleset: a gambling hall is refused on the zoning ground, a name to
// check goes to a clerk, an adult alive in the civil registry is approved.
var autoRules = []rules.Rule{
	{Code: "no_gambling", When: `form.decl_shop_name == "قمارخانه"`, Outcome: rules.Reject, Ground: "zoning",
		ExplainFa: "فعالیت «{{form.decl_shop_name}}» در طرح تفصیلی مجاز نیست", ExplainEn: "“{{form.decl_shop_name}}” is not zoned here"},
	{Code: "check_name", When: `form.decl_shop_name == "بررسی"`, Outcome: rules.Refer,
		ExplainFa: "نام واحد باید بررسی شود", ExplainEn: "the shop's name needs a clerk's check"},
	{Code: "adult", When: `applicant.age >= 18 && evidence.identity.alive`, Outcome: rules.Approve,
		ExplainFa: "متقاضی {{applicant.age}} ساله و در قید حیات است", ExplainEn: "the applicant is {{applicant.age}} and alive"},
}

func autoTests() []rules.TestCase {
	in := func(name string, age int) rules.Input {
		return rules.Input{Form: map[string]any{"phone": "09121234567", "decl_shop_name": name},
			Evidence:  map[string]any{"identity": map[string]any{"alive": true}},
			Applicant: rules.Applicant{Age: age, Alive: true, Sex: "male", BirthDate: "1981-03-30"}, Today: time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)}
	}
	return []rules.TestCase{
		{Name: "adult", Input: in("نانوایی", 44), Want: rules.Approve},
		{Name: "gambling", Input: in("قمارخانه", 44), Want: rules.Reject, WantGround: "zoning"},
		{Name: "check", Input: in("بررسی", 44), Want: rules.Refer},
		{Name: "minor", Input: in("نانوایی", 12), Want: rules.Refer},
	}
}

func mustDecideFixture(t *testing.T, s *store.Store) *decideFixture {
	t.Helper()
	ctx := context.Background()
	d := &decideFixture{}
	d.fixture = mustFixture(t, s, fixtureOpts{gateway: true, rules: func(f *fixture) apply.Rules {
		r, err := rules.New(rules.Config{Store: s, Catalog: f.cat, Envs: envs{f}, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		d.rules = &switchRules{Rules: r}
		return d.rules
	}})
	if err := d.cat.PutAgency(ctx, identity.System, catalog.Agency{Code: "POST", NameFa: "شرکت ملی پست", NameEn: "Iran Post",
		Domain: catalog.DomainCivil, Connected: true}); err != nil {
		t.Fatal(err)
	}
	d.auto = mustPublish(t, d.cat, autoRecord())
	rs, err := d.rules.SaveDraft(ctx, writer, d.auto, autoRules, autoTests())
	if err != nil {
		t.Fatalf("save the rules: %v %+v", err, rules.ProblemsOf(err))
	}
	if _, err := d.rules.RequestActivation(ctx, writer, d.auto, rs.Version); err != nil {
		t.Fatalf("request: %v", err)
	}
	if _, err := d.rules.ApproveActivation(ctx, approver, d.auto, rs.Version); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return d
}

func (d *decideFixture) submit(t *testing.T, who identity.Principal, shop string) apply.Case {
	t.Helper()
	c, err := d.app.Submit(context.Background(), who, d.auto, map[string]string{"phone": "09121234567", "decl_shop_name": shop}, nil)
	if err != nil {
		t.Fatalf("submit: %v %+v", err, fieldsOf(err))
	}
	return c
}

func events(t *testing.T, s *store.Store, kind string) []store.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), store.EventFilter{KindPrefix: kind, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// TestAutoApproveIssues: an adult's application is approved by the rules as
// soon as it is submitted, and the document issued at once; the decision
// names the ruleset version, explains itself, and keeps each input it read
// with the exchange's receipt. It is decided once.
func TestAutoApproveIssues(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		c := d.submit(t, ali, "نانوایی")
		if c.State != apply.Issued || c.Document == "" {
			t.Fatalf("case %s, document %q", c.State, c.Document)
		}
		dec := c.Decision
		actor := "rules:" + d.auto + "@v1"
		if dec == nil || dec.Outcome != rules.Approve || dec.Version != 1 || dec.Actor != actor || !strings.Contains(dec.ExplainFa, "۴۴") && !strings.Contains(dec.ExplainFa, "44") {
			t.Fatalf("decision %+v", dec)
		}
		if dec.ObjectionUntil != nil || dec.RulesURL != "/services/"+d.auto+"/rules" {
			t.Errorf("approval: objection until %v, rules at %q", dec.ObjectionUntil, dec.RulesURL)
		}
		var receipt string
		for _, e := range c.Evidence {
			if e.Code == "identity" {
				receipt = e.MessageID
			}
		}
		var age, alive bool
		for _, in := range dec.Inputs {
			switch in.Path {
			case "applicant.age":
				age = in.Source.Kind == "profile" && in.Source.Inquiry == "NOCR/person-identity" && in.Source.Receipt == receipt && receipt != ""
				if n, ok := in.Value.(float64); !ok || n != 44 {
					t.Errorf("age read %v", in.Value)
				}
			case "evidence.identity.alive":
				alive = in.Source.Kind == "inquiry" && in.Source.Receipt == receipt && in.Value == true
			}
		}
		if !age || !alive {
			t.Errorf("inputs with sources %+v (receipt %s)", dec.Inputs, receipt)
		}
		var steps []string
		for _, st := range c.Timeline {
			steps = append(steps, string(st.To)+"/"+st.Actor)
		}
		if got := strings.Join(steps, " "); got != "submitted/user:1 in_review/"+actor+" approved/"+actor+" issued/"+actor {
			t.Errorf("timeline %s", got)
		}
		if evs := events(t, s, "apply.case.decided_by_rules"); len(evs) != 1 || evs[0].Actor != actor || !strings.Contains(string(evs[0].Payload), `"outcome":"approve"`) {
			t.Errorf("decided_by_rules events %+v", evs)
		}
		// Decided once: the sweep and a second look change nothing.
		if _, err := d.app.DecideDue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM apply_decisions`); n != 1 {
			t.Errorf("%d decisions", n)
		}
		// Ali cannot object to an approval.
		if _, err := d.app.Object(ctx, ali, c.Tracking, "چرا؟"); !errs.Is(err, errs.Conflict) {
			t.Errorf("objection to an approval: %v", err)
		}
		// A stranger still does not see the case, decision or not.
		if _, err := d.app.Case(ctx, maryam, c.Tracking); !errs.Is(err, errs.NotFound) {
			t.Errorf("Maryam reads Ali's case: %v", err)
		}
	}, decideSets...)
}

// TestAutoRejectWithGround: a rule refuses with the permit's published
// ground, and the reason is the rule's explanation.
func TestAutoRejectWithGround(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		d := mustDecideFixture(t, s)
		c := d.submit(t, ali, "قمارخانه")
		if c.State != apply.Rejected || c.Ground != "zoning" || !strings.Contains(c.Reason, "قمارخانه") || c.Document != "" {
			t.Fatalf("case %s ground %q reason %q", c.State, c.Ground, c.Reason)
		}
		dec := c.Decision
		if dec == nil || dec.Outcome != rules.Reject || dec.Ground != "zoning" || dec.GroundFa == "" || len(dec.Fired) == 0 || dec.Fired[0].Rule != "no_gambling" {
			t.Fatalf("decision %+v", dec)
		}
		if dec.ObjectionUntil == nil || !dec.ObjectionUntil.Equal(dec.DecidedAt.AddDate(0, 0, 10)) || !dec.CanObject(d.clock.Now()) {
			t.Errorf("objection until %v (decided %v)", dec.ObjectionUntil, dec.DecidedAt)
		}
		var form bool
		for _, in := range dec.Inputs {
			form = form || (in.Path == "form.decl_shop_name" && in.Value == "قمارخانه" && in.Source.Kind == "form")
		}
		if !form {
			t.Errorf("inputs %+v", dec.Inputs)
		}
	}, decideSets...)
}

// TestReferGoesToClerk: a refer rule leaves the case in review with its
// reason, for a clerk, who decides as usual.
func TestReferGoesToClerk(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		c := d.submit(t, ali, "بررسی")
		if c.State != apply.InReview || !strings.Contains(c.Reason, "نام واحد باید بررسی شود") || c.Decision == nil || c.Decision.Outcome != rules.Refer {
			t.Fatalf("case %s reason %q decision %+v", c.State, c.Reason, c.Decision)
		}
		q, err := d.app.Queue(ctx, officer, apply.QueueFilter{State: apply.InReview})
		if err != nil || len(q) != 1 || q[0].Tracking != c.Tracking {
			t.Fatalf("queue %v %v", q, err)
		}
		got, err := d.app.Transition(ctx, officer, c.Tracking, apply.Approved, "", "")
		if err != nil || got.State != apply.Issued {
			t.Fatalf("the clerk approves: %v %v", got.State, err)
		}
		if _, err := d.app.Object(ctx, ali, c.Tracking, "اعتراض دارم"); !errs.Is(err, errs.Conflict) {
			t.Errorf("objection to a referred case: %v", err)
		}
	}, decideSets...)
}

// TestEngineErrorRefers: an engine that fails or takes too long refers the
// case to a clerk, saying so; it is never lost, never approved.
func TestEngineErrorRefers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		d := mustDecideFixture(t, s)
		d.rules.set(errors.New("cel: boom"), false)
		c := d.submit(t, ali, "نانوایی")
		if c.State != apply.InReview || c.Decision == nil || c.Decision.Outcome != rules.Refer ||
			!strings.Contains(c.Decision.Referred, "could not decide") || c.Reason == "" {
			t.Fatalf("failing engine: %s %+v", c.State, c.Decision)
		}
		apply.DecideTimeoutForTest(t, 50*time.Millisecond)
		d.rules.set(nil, true)
		c = d.submit(t, maryam, "نانوایی")
		if c.State != apply.InReview || c.Decision == nil || c.Decision.Outcome != rules.Refer || !strings.Contains(c.Decision.Referred, "too long") {
			t.Fatalf("hanging engine: %s %+v", c.State, c.Decision)
		}
	}, decideSets...)
}

// TestAwaitedEvidenceThenDecided: a case whose evidence is awaited is not
// decided; when the evidence arrives, the rules decide it.
func TestAwaitedEvidenceThenDecided(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		if err := d.offices.Close(ctx); err != nil {
			t.Fatal(err)
		}
		c := d.submit(t, ali, "نانوایی")
		if c.State != apply.Submitted || c.Decision != nil || len(c.Awaited) != 1 {
			t.Fatalf("with the registry down: %s %+v %+v", c.State, c.Decision, c.Awaited)
		}
		moved, err := backoffice.Start(0)
		if err != nil {
			t.Fatal(err)
		}
		defer moved.Close(ctx)
		if err := demo.LoadExchange(ctx, d.x, moved); err != nil {
			t.Fatal(err)
		}
		d.clock.Add(61 * time.Second)
		if n, err := d.app.RetryDueEvidence(ctx); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		got, err := d.app.Case(ctx, ali, c.Tracking)
		if err != nil || got.State != apply.Issued || got.Decision == nil || got.Decision.Outcome != rules.Approve {
			t.Fatalf("after the evidence arrived: %s %+v %v", got.State, got.Decision, err)
		}
	}, decideSets...)
}

// TestObjection: within the period the applicant objects to an automatic
// refusal; the agency is told; an author of the rules may not decide it;
// another clerk overturns it, issuing the document, and the event says so.
// After the period, an objection is refused.
func TestObjection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		c := d.submit(t, ali, "قمارخانه")
		if _, err := d.app.Object(ctx, ali, c.Tracking, " "); !errs.Is(err, errs.Invalid) {
			t.Errorf("empty objection: %v", err)
		}
		if _, err := d.app.Object(ctx, officer, c.Tracking, "اعتراض"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the clerk objects: %v", err)
		}
		if _, err := d.app.Object(ctx, maryam, c.Tracking, "اعتراض"); !errs.Is(err, errs.NotFound) {
			t.Errorf("a stranger objects: %v", err)
		}
		d.clock.Add(9 * 24 * time.Hour)
		o, err := d.app.Object(ctx, ali, c.Tracking, "اینجا قمارخانه نیست؛ نام واحد «قمارخانه» نام یک کافه است")
		if err != nil {
			t.Fatal(err)
		}
		if o.State != apply.Objected || o.Decision == nil || o.Decision.Objection == nil || o.Decision.Objection.Reason == "" || o.Decision.CanObject(d.clock.Now()) {
			t.Fatalf("objected: %s %+v", o.State, o.Decision)
		}
		if _, err := d.app.Object(ctx, ali, c.Tracking, "دوباره"); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second objection: %v", err)
		}
		inbox, err := d.notes.Inbox(ctx, "agency:MIMT")
		if err != nil {
			t.Fatal(err)
		}
		var told bool
		for _, m := range inbox {
			told = told || (m.Template == "case.objected" && strings.Contains(m.BodyFa, c.Tracking))
		}
		if !told {
			t.Error("the agency was not told of the objection")
		}
		q, err := d.app.Queue(ctx, officer, apply.QueueFilter{})
		if err != nil || len(q) != 1 || q[0].State != apply.Objected {
			t.Errorf("queue %+v %v", q, err)
		}
		// The rules' author may not decide it; nor an API client.
		_, err = d.app.Transition(ctx, writer, c.Tracking, apply.Approved, "", "")
		if e, ok := errs.As(err); !ok || e.Kind != errs.Forbidden || !strings.Contains(e.En, "another clerk") {
			t.Fatalf("the author decides: %v", err)
		}
		if _, err := d.app.Transition(ctx, approver, c.Tracking, apply.Rejected, "", "zoning"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the approver decides: %v", err)
		}
		api := identity.Principal{Kind: "apikey", ID: 9, Agency: "MIMT"}
		if _, err := d.app.Transition(ctx, api, c.Tracking, apply.Approved, "", ""); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an API client decides: %v", err)
		}
		got, err := d.app.Transition(ctx, officer, c.Tracking, apply.Approved, "نام تجاری است، نه فعالیت", "")
		if err != nil || got.State != apply.Issued || got.Document == "" {
			t.Fatalf("another clerk overturns: %s %v", got.State, err)
		}
		if ob := got.Decision.Objection; ob == nil || !ob.Overturned || ob.DecidedBy != officer.Actor() || ob.Outcome != apply.Approved || ob.DecidedAt == nil {
			t.Errorf("objection after the decision %+v", ob)
		}
		evs := events(t, s, "apply.objection.decided")
		if len(evs) != 1 || !strings.Contains(string(evs[0].Payload), `"overturned":true`) || !strings.Contains(string(evs[0].Payload), c.Tracking) {
			t.Errorf("events %+v", evs)
		}
		if n, over, err := d.app.OverturnedShare(ctx, "MIMT"); err != nil || n != 1 || over != 1 {
			t.Errorf("overturned share %d/%d %v", over, n, err)
		}

		// After the period: refused, saying when it ended.
		late := d.submit(t, maryam, "قمارخانه")
		d.clock.Add(10*24*time.Hour + time.Second)
		_, err = d.app.Object(ctx, maryam, late.Tracking, "دیر است؟")
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || !strings.Contains(e.En, "ended") || !strings.Contains(e.Fa, "مهلت اعتراض") {
			t.Errorf("objection after the period: %v", err)
		}
		// A clerk's own refusal is not objected to here.
		byClerk := d.fixture.mustSubmitPlain(t, ali)
		if _, err := d.app.Transition(ctx, officer, byClerk.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := d.app.Transition(ctx, officer, byClerk.Tracking, apply.Rejected, "در صلاحیت نیست", ""); err != nil {
			t.Fatal(err)
		}
		_, err = d.app.Object(ctx, ali, byClerk.Tracking, "اعتراض")
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || !strings.Contains(e.En, "automatically") {
			t.Errorf("objection to a clerk's decision: %v", err)
		}
	}, decideSets...)
}

// TestObjectionUpheld: a clerk who upholds the refusal records it, not
// overturned.
func TestObjectionUpheld(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		c := d.submit(t, ali, "قمارخانه")
		if _, err := d.app.Object(ctx, ali, c.Tracking, "اعتراض دارم"); err != nil {
			t.Fatal(err)
		}
		got, err := d.app.Transition(ctx, officer, c.Tracking, apply.Rejected, "بازدید شد", "zoning")
		if err != nil || got.State != apply.Rejected || got.Decision.Objection == nil || got.Decision.Objection.Overturned {
			t.Fatalf("upheld: %s %+v %v", got.State, got.Decision, err)
		}
		if evs := events(t, s, "apply.objection.decided"); len(evs) != 1 || !strings.Contains(string(evs[0].Payload), `"overturned":false`) {
			t.Errorf("events %+v", evs)
		}
		if n, over, _ := d.app.OverturnedShare(ctx, "MIMT"); n != 1 || over != 0 {
			t.Errorf("share %d/%d", over, n)
		}
	}, decideSets...)
}

// TestStartFor: the platform starts a case for a citizen after a life
// event, the rules decide it, and starting it again returns the same case.
func TestStartFor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		origin := apply.Origin{Kind: apply.OriginNoStop, Event: "9b2f6a1c-0d7e-4c55-9a43-1f0c2e8d7b61", Subscription: 3,
			Note: "ثبت تولد فرزند شما در ثبت احوال"}
		data := map[string]string{"decl_shop_name": "نانوایی"}
		c, err := d.app.StartFor(ctx, identity.System, d.auto, ali.NationalCode, data, origin)
		if err != nil {
			t.Fatalf("start: %v %+v", err, fieldsOf(err))
		}
		if c.State != apply.Issued || c.Origin == nil || c.Origin.Kind != "nostop" || c.Origin.Event != origin.Event || c.Applicant != ali.NationalCode || c.ApplicantName == "" {
			t.Fatalf("started %s %+v %q", c.State, c.Origin, c.ApplicantName)
		}
		again, err := d.app.StartFor(ctx, identity.System, d.auto, ali.NationalCode, data, origin)
		if err != nil || again.Tracking != c.Tracking {
			t.Fatalf("again: %v %v", again.Tracking, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM apply_cases WHERE origin_event = $1`, origin.Event); n != 1 {
			t.Errorf("%d cases for one event", n)
		}
		if evs := events(t, s, "apply.case.started"); len(evs) != 1 {
			t.Errorf("%d started events", len(evs))
		}
		// Ali sees it among his cases, with its origin.
		mine, err := d.app.Case(ctx, ali, c.Tracking)
		if err != nil || mine.Origin == nil || mine.Origin.Note != origin.Note {
			t.Errorf("Ali's view %+v %v", mine.Origin, err)
		}
		// Only the platform or the applicant starts a case.
		if _, err := d.app.StartFor(ctx, maryam, d.auto, ali.NationalCode, data, apply.Origin{Kind: "offer", Event: "x"}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("Maryam starts Ali's case: %v", err)
		}
		if _, err := d.app.StartFor(ctx, identity.System, d.auto, ali.NationalCode, data, apply.Origin{Kind: "later", Event: "x"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown origin: %v", err)
		}
		if _, err := d.app.StartFor(ctx, identity.System, d.auto, "1234567890", data, origin); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad national code: %v", err)
		}
	}, decideSets...)
}

// TestInputForAndRecent: a citizen's own input is gathered through the
// exchange (typed form, evidence, profile with sources), and decided cases
// come back as history with who decided them.
func TestInputForAndRecent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDecideFixture(t, s)
		in, srcs, err := d.app.InputFor(ctx, ali, d.auto, map[string]string{"decl_shop_name": "نانوایی", "unknown": "x"})
		if err != nil {
			t.Fatal(err)
		}
		if in.Applicant.Age != 44 || in.Applicant.Sex != "male" || !in.Applicant.Alive || in.Applicant.BirthDate != "1981-03-30" {
			t.Errorf("applicant %+v", in.Applicant)
		}
		if in.Applicant.Province == "" || in.Applicant.City == "" {
			t.Errorf("residence unknown: %+v", in.Applicant)
		}
		if in.Form["decl_shop_name"] != "نانوایی" || in.Form["unknown"] != nil || in.Evidence["identity"] == nil || !in.Today.Equal(time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("input %+v", in)
		}
		kinds := map[string]rules.Source{}
		for _, s := range srcs {
			kinds[s.Path] = s
		}
		if s := kinds["evidence.identity"]; s.Kind != "inquiry" || s.Receipt == "" || s.Inquiry != "NOCR/person-identity" {
			t.Errorf("evidence source %+v", s)
		}
		if s := kinds["applicant.province"]; s.Inquiry != "POST/postcode" || s.Receipt == "" {
			t.Errorf("province source %+v", s)
		}
		if _, _, err := d.app.InputFor(ctx, officer, d.auto, nil); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a clerk's own input: %v", err)
		}

		d.submit(t, ali, "نانوایی")
		refused := d.submit(t, maryam, "قمارخانه")
		referred := d.submit(t, ali, "بررسی")
		if _, err := d.app.Transition(ctx, officer, referred.Tracking, apply.Rejected, "", "zoning"); err != nil {
			t.Fatal(err)
		}
		past, err := d.app.Recent(ctx, d.auto, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(past) != 3 {
			t.Fatalf("%d past cases", len(past))
		}
		by := map[string]rules.Past{}
		for _, p := range past {
			by[p.Tracking] = p
		}
		if p := by[refused.Tracking]; p.Outcome != rules.Reject || p.Ground != "zoning" || p.By != "rules" || p.Input.Form["decl_shop_name"] != "قمارخانه" || p.Input.Applicant.Age != 38 {
			t.Errorf("refused %+v", p)
		}
		if p := by[referred.Tracking]; p.Outcome != rules.Reject || p.By != "clerk" {
			t.Errorf("referred then refused by a clerk %+v", p)
		}
	}, decideSets...)
}

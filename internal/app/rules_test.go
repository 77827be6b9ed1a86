package app_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
)

// TestDemoRulesTypedFromTheExchange checks that the app types a service's
// rules from the real inputs: a rule may read a field of the civil
// registry's answer as the exchange registry describes it, and a field the
// answer does not have is refused at save.
func TestDemoRulesTypedFromTheExchange(t *testing.T) {
	srv, _ := mustServeDemo(t, store.SQLite)
	ctx, a := srv.Ctx, srv.App
	all, err := a.Catalog.Published(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var svc catalog.Service
	var code, field string
	for _, s := range all {
		for _, rq := range s.Record.Requirements {
			for _, ev := range rq.Evidence {
				if ev.Source == catalog.FromInquiry && ev.Inquiry == "NOCR/person-identity" && svc.ID == "" && s.Record.Stages.Request {
					svc, code = s, ev.Code
				}
			}
		}
	}
	if svc.ID == "" {
		t.Fatal("no demo service fetches NOCR/person-identity")
	}
	// The demo may already hold rulesets of this service (a life-event
	// chain's): the probes below add one draft of the system's.
	before, err := a.Rules.Versions(ctx, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Find a string field of the answer through the public decision path:
	// save a rule over each candidate until one compiles.
	for _, f := range []string{"first_name", "name", "last_name", "father_name", "national_code", "sex", "gender"} {
		_, err := a.Rules.SaveDraft(ctx, identity.System, svc.ID, []rules.Rule{{Code: "probe", When: fmt.Sprintf(`evidence.%s.%s != ""`, code, f),
			Outcome: rules.Refer, ExplainFa: "آزمایش", ExplainEn: "probe"}}, nil)
		if err == nil {
			field = f
			break
		}
	}
	if field == "" {
		t.Fatal("no string field of the civil registry's answer is typed")
	}
	_, err = a.Rules.SaveDraft(ctx, identity.System, svc.ID, []rules.Rule{{Code: "probe", When: fmt.Sprintf(`evidence.%s.no_such_field == 1`, code),
		Outcome: rules.Refer, ExplainFa: "آزمایش", ExplainEn: "probe"}}, nil)
	if !errs.Is(err, errs.Invalid) || len(rules.ProblemsOf(err)) != 1 {
		t.Fatalf("unknown field saved: %v", err)
	}
	// Comparing the string field with a number is a type error.
	_, err = a.Rules.SaveDraft(ctx, identity.System, svc.ID, []rules.Rule{{Code: "probe", When: fmt.Sprintf(`evidence.%s.%s > 3`, code, field),
		Outcome: rules.Refer, ExplainFa: "آزمایش", ExplainEn: "probe"}}, nil)
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("type error saved: %v", err)
	}
	// The form's phone is a string field too.
	if _, err := a.Rules.SaveDraft(ctx, identity.System, svc.ID, []rules.Rule{{Code: "probe", When: `has(form.phone) && form.phone.startsWith("09")`,
		Outcome: rules.Refer, ExplainFa: "آزمایش", ExplainEn: "probe"}}, nil); err != nil {
		b, _ := json.Marshal(rules.ProblemsOf(err))
		t.Fatalf("form field: %v %s", err, b)
	}
	vs, err := a.Rules.Versions(ctx, svc.ID)
	if err != nil || len(vs) != len(before)+1 {
		t.Fatalf("versions: %v %v", vs, err)
	}
}

package apply_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// factsRecord is the permit of permitRecord with a document that certifies
// four facts, one from each source: the father's name from the civil
// registry's answer, the shop's name from the form, the trade entered by
// the official, and the conditions the record proposes.
func factsRecord() catalog.Record {
	r := permitRecord()
	r.TitleFa, r.TitleEn = "پروانهٔ کسب نانوایی", "Bakery licence"
	r.Outputs = []catalog.Output{{NameFa: "پروانهٔ کسب", NameEn: "Business licence", Kind: "document", Certifies: []catalog.Fact{
		{Code: "father", NameFa: "نام پدر", NameEn: "Father's name", From: catalog.FactFromEvidence, Evidence: "identity", Key: "father_name"},
		{Code: "shop", NameFa: "نام واحد صنفی", NameEn: "Business name", From: catalog.FactFromForm, Evidence: "shop_name"},
		{Code: "trade", NameFa: "رستهٔ صنفی", NameEn: "Trade", From: catalog.FactFromDecision},
		{Code: "conditions", NameFa: "شرایط", NameEn: "Conditions", From: catalog.FactFromDecision, DefaultFa: "فعالیت فقط در نشانی ثبت‌شده"},
	}}}
	return r
}

// TestApprovalCertifiesFacts checks that the document issued on approval
// carries, in its signed payload, what the record says it certifies: each
// fact proposed by its source, or as the official confirmed it; that an
// approval with a fact left empty is refused naming the fact, and leaves
// the case open; and that facts are refused with anything but an approval.
func TestApprovalCertifiesFacts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{gateway: true})
		svc := mustPublish(t, f.cat, factsRecord())
		c, err := f.app.Submit(ctx, ali, svc, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی سنگک برکت"},
			map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: pngBytes(t)}})
		if err != nil {
			t.Fatalf("submit: %v %+v", err, fieldsOf(err))
		}
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		f.mustPay(t, c.Tracking)

		// What the official is shown to confirm.
		full, err := f.app.Case(ctx, officer, c.Tracking)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := f.cat.Service(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		proposed := map[string]string{}
		for _, v := range apply.ProposeFacts(full, rec.Record) {
			proposed[v.Code] = v.Value
		}
		var identity map[string]any
		for _, e := range full.Evidence {
			if e.Code == "identity" {
				_ = json.Unmarshal(e.Answer, &identity)
			}
		}
		father, _ := identity["father_name"].(string)
		if father == "" || proposed["father"] != father || proposed["shop"] != "نانوایی سنگک برکت" || proposed["trade"] != "" ||
			proposed["conditions"] != "فعالیت فقط در نشانی ثبت‌شده" {
			t.Fatalf("proposed facts %v (father in the registry: %q)", proposed, father)
		}

		// The trade has no source: approving without it is refused, and
		// the case stays in review with no document.
		_, err = f.app.Decide(ctx, officer, c.Tracking, apply.Decision{To: apply.Approved})
		if !errs.Is(err, errs.Invalid) || len(fieldsOf(err)) != 1 || fieldsOf(err)[0].Field != "fact_trade" {
			t.Fatalf("approval without the trade: %v %+v", err, fieldsOf(err))
		}
		if got, _ := f.app.Case(ctx, officer, c.Tracking); got.State != apply.InReview || got.Document != "" {
			t.Fatalf("after a refused approval the case is %s with document %q", got.State, got.Document)
		}
		if _, err := f.app.Decide(ctx, officer, c.Tracking, apply.Decision{To: apply.Approved, Facts: map[string]string{"trade": "نانوایی", "colour": "سبز"}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a fact the record does not declare: %v", err)
		}
		if _, err := f.app.Decide(ctx, officer, c.Tracking, apply.Decision{To: apply.NeedsInfo, Reason: "x", Facts: map[string]string{"trade": "نانوایی"}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("facts with a request for information: %v", err)
		}

		// The official enters the trade and corrects the shop's name.
		got, err := f.app.Decide(ctx, officer, c.Tracking, apply.Decision{To: apply.Approved,
			Facts: map[string]string{"trade": " نانوایی سنگکی ", "shop": "نانوایی برکت"}})
		if err != nil {
			t.Fatalf("approve: %v %+v", err, fieldsOf(err))
		}
		var jws string
		if err := s.Read().QueryRow(`SELECT jws FROM permit_documents WHERE case_ref = $1`, got.Tracking).Scan(&jws); err != nil {
			t.Fatal(err)
		}
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Facts []struct {
				K, Fa, En, V string
			} `json:"facts"`
			Fields map[string]string `json:"fields"`
		}
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		want := [][4]string{
			{"father", "نام پدر", "Father's name", father},
			{"shop", "نام واحد صنفی", "Business name", "نانوایی برکت"},
			{"trade", "رستهٔ صنفی", "Trade", "نانوایی سنگکی"},
			{"conditions", "شرایط", "Conditions", "فعالیت فقط در نشانی ثبت‌شده"},
		}
		if len(claims.Facts) != len(want) {
			t.Fatalf("the signed payload certifies %+v", claims.Facts)
		}
		for i, w := range want {
			if g := claims.Facts[i]; [4]string{g.K, g.Fa, g.En, g.V} != w {
				t.Errorf("fact %d signed as %+v, want %v", i, g, w)
			}
		}
		if _, dup := claims.Fields["نام واحد صنفی"]; dup {
			t.Errorf("the shop's name is printed twice, as a fact and as a field")
		}
	}, sets...)
}

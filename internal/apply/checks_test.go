package apply_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// mimtAdmin is an agency admin of MIMT, who may decide over open checks.
var mimtAdmin = identity.Principal{Kind: "user", ID: 5, Name: "مدیر", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}

// visitRecord is the test permit with one in-person visit and a paper
// original (the title deed) to be seen at it.
func visitRecord() catalog.Record {
	r := permitRecord()
	r.TitleFa, r.TitleEn = "پروانهٔ کسب با مراجعه", "Trade licence with a visit"
	r.Visits = 1
	r.Channels = append(r.Channels, catalog.ChannelCounter)
	r.Stages.Processing = false
	r.Requirements = append(r.Requirements, catalog.Requirement{Code: "deed", NameFa: "سند مالکیت", Evidence: []catalog.Evidence{
		{Code: "deed", NameFa: "اصل سند مالکیت", NameEn: "Original title deed", Source: catalog.FromPaper}}})
	return r
}

func fieldNames(err error) []string {
	var out []string
	for _, f := range fieldsOf(err) {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// TestClerkGuard: a permit whose identity inquiry is pending, whose paper
// original was not seen and whose visit was not recorded cannot be
// approved (the defect of the hunting-weapon permit 1000263); a recorded
// visit ticks off the visit and the paper; the pending inquiry stays open
// until an agency admin overrides with a reason, which is kept as an event.
func TestClerkGuard(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{}) // no gateway: the identity inquiry stays pending
		svc := mustPublish(t, f.cat, visitRecord())
		c, err := f.app.Submit(ctx, ali, svc, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی"},
			map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: pngBytes(t)}})
		if err != nil {
			t.Fatalf("submit: %v %+v", err, fieldsOf(err))
		}
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		f.mustPay(t, c.Tracking)

		_, err = f.app.Transition(ctx, officer, c.Tracking, apply.Approved, "", "")
		want := []string{"checks.evidence.pending.identity", "checks.evidence.see.deed", "checks.visit"}
		if !errs.Is(err, errs.Conflict) || !slices.Equal(fieldNames(err), want) {
			t.Fatalf("approve with open checks: %v %v", err, fieldNames(err))
		}
		if fa, en := errs.Messages(err); !strings.Contains(fa, "اطلاعات هویتی از ثبت احوال") || !strings.Contains(fa, "مراجعهٔ حضوری") ||
			!strings.Contains(en, "Identity data is still pending") || !strings.Contains(en, "Original title deed") {
			t.Errorf("the message does not name the checks: %q / %q", fa, en)
		}
		if got, _ := f.app.Case(ctx, officer, c.Tracking); got.State != apply.InReview || got.Document != "" {
			t.Fatalf("a refused approval changed the case: %s %q", got.State, got.Document)
		}
		ch, err := f.app.CaseChecks(ctx, officer, c.Tracking)
		if err != nil || len(ch.Open) != 3 || ch.Done() {
			t.Fatalf("checks %+v %v", ch, err)
		}
		if _, err := f.app.CaseChecks(ctx, stranger, c.Tracking); !errs.Is(err, errs.NotFound) {
			t.Errorf("another agency's checks: %v", err)
		}
		if _, err := f.app.CaseChecks(ctx, ali, c.Tracking); !errs.Is(err, errs.NotFound) {
			t.Errorf("the applicant reads the agency's checks: %v", err)
		}

		// Recording the visit: what was checked is required, the codes must be the case's.
		if _, err := f.app.RecordVisit(ctx, officer, c.Tracking, "  ", nil); !errs.Is(err, errs.Invalid) {
			t.Errorf("a visit without a note: %v", err)
		}
		if _, err := f.app.RecordVisit(ctx, officer, c.Tracking, "دیده شد", []string{"passport"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a visit ticking unknown evidence: %v", err)
		}
		if _, err := f.app.RecordVisit(ctx, stranger, c.Tracking, "دیده شد", nil); !errs.Is(err, errs.NotFound) {
			t.Errorf("another agency records a visit: %v", err)
		}
		ch, err = f.app.RecordVisit(ctx, officer, c.Tracking, "اصل سند و کارت ملی دیده شد", []string{"deed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Visits) != 1 || ch.Visits[0].Note != "اصل سند و کارت ملی دیده شد" || len(ch.Open) != 1 || ch.Open[0].Kind != apply.CheckPending {
			t.Fatalf("after the visit: %+v", ch)
		}
		_, err = f.app.Transition(ctx, officer, c.Tracking, apply.Approved, "", "")
		if !errs.Is(err, errs.Conflict) || !slices.Equal(fieldNames(err), []string{"checks.evidence.pending.identity"}) {
			t.Fatalf("approve with the inquiry pending: %v %v", err, fieldNames(err))
		}

		// The override: an admin only, with a reason.
		if _, err := f.app.Override(ctx, officer, c.Tracking, apply.Decision{To: apply.Approved}, "ثبت احوال در دسترس نیست"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an operator overrides: %v", err)
		}
		if _, err := f.app.Override(ctx, mimtAdmin, c.Tracking, apply.Decision{To: apply.Approved}, " "); !errs.Is(err, errs.Invalid) {
			t.Errorf("an override without a reason: %v", err)
		}
		nocrAdmin := mimtAdmin
		nocrAdmin.Agency = "NOCR"
		if _, err := f.app.Override(ctx, nocrAdmin, c.Tracking, apply.Decision{To: apply.Approved}, "دلیل"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another agency's admin overrides: %v", err)
		}
		got, err := f.app.Override(ctx, mimtAdmin, c.Tracking, apply.Decision{To: apply.Approved}, "کارت ملی اصل در مراجعه دیده شد؛ ثبت احوال پاسخ نمی‌دهد")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != apply.Issued || got.Document == "" {
			t.Fatalf("overridden approval: %s %q", got.State, got.Document)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.override"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("override events %d %v", len(evs), err)
		}
		var pl struct {
			Reason string   `json:"reason"`
			Open   []string `json:"open"`
			To     string   `json:"to"`
		}
		if json.Unmarshal(evs[0].Payload, &pl) != nil || !strings.Contains(pl.Reason, "ثبت احوال پاسخ نمی‌دهد") ||
			!slices.Equal(pl.Open, []string{"evidence.pending:identity"}) || pl.To != "approved" || evs[0].Actor != "user:5" {
			t.Errorf("override event %+v %s", pl, evs[0].Actor)
		}
		if evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.visit"}); len(evs) != 1 || evs[0].Actor != "user:3" {
			t.Errorf("visit events %+v", evs)
		}
		if _, err := f.app.RecordVisit(ctx, officer, c.Tracking, "دوباره", nil); !errs.Is(err, errs.Conflict) {
			t.Errorf("a visit on an issued case: %v", err)
		}
	}, sets...)
}

// TestClerkGuardNoChecks: with every piece of evidence in and no visit
// asked for, Override is simply the decision and records no override.
func TestClerkGuardNoChecks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		c := f.mustSubmitPlain(t, ali)
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		ch, err := f.app.CaseChecks(ctx, officer, c.Tracking)
		if err != nil || !ch.Done() {
			t.Fatalf("checks %+v %v", ch, err)
		}
		if got, err := f.app.Override(ctx, mimtAdmin, c.Tracking, apply.Decision{To: apply.Approved}, "بی‌دلیل"); err != nil || got.State != apply.Approved {
			t.Fatalf("approve: %v", err)
		}
		if evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.override"}); len(evs) != 0 {
			t.Errorf("an override was recorded with nothing open: %d", len(evs))
		}
	}, sets...)
}

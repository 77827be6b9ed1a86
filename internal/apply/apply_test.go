package apply_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestTrackingCodes(t *testing.T) {
	good := "1405-0932-8471"
	digits := strings.ReplaceAll(good, "-", "")
	// Find the right check digit for the first eleven digits.
	var valid string
	for d := 0; d <= 9; d++ {
		cand := digits[:11] + fmt.Sprint(d)
		if got, ok := apply.ParseTracking(cand); ok {
			if valid != "" {
				t.Fatalf("two check digits fit: %s and %s", valid, got)
			}
			valid = got
		}
	}
	if valid == "" {
		t.Fatal("no check digit fits")
	}
	if got, ok := apply.ParseTracking("۱۴۰۵ ۰۹۳۲ ۸۴۷" + string([]rune(valid)[13])); !ok || got != valid {
		t.Errorf("Persian digits with spaces: %q %v", got, ok)
	}
	// Every single wrong digit and every swap of neighbours is caught.
	plain := strings.ReplaceAll(valid, "-", "")
	for i := range plain {
		for d := byte('0'); d <= '9'; d++ {
			if d == plain[i] {
				continue
			}
			bad := plain[:i] + string(d) + plain[i+1:]
			if _, ok := apply.ParseTracking(bad); ok {
				t.Errorf("%s accepted (one digit wrong in %s)", bad, plain)
			}
		}
		if i+1 < len(plain) && plain[i] != plain[i+1] {
			sw := plain[:i] + string(plain[i+1]) + string(plain[i]) + plain[i+2:]
			if _, ok := apply.ParseTracking(sw); ok {
				t.Errorf("%s accepted (neighbours swapped in %s)", sw, plain)
			}
		}
	}
	for _, bad := range []string{"", "1405-0932", "1405-0932-84711", "abcd-efgh-ijkl", "1405/0932/8471"} {
		if _, ok := apply.ParseTracking(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStateMachineTable(t *testing.T) {
	legal := map[[2]apply.State]bool{
		{apply.Submitted, apply.InReview}: true, {apply.Submitted, apply.Withdrawn}: true,
		{apply.InReview, apply.NeedsInfo}: true, {apply.InReview, apply.Approved}: true, {apply.InReview, apply.Rejected}: true,
		{apply.InReview, apply.Withdrawn}: true, {apply.NeedsInfo, apply.InReview}: true, {apply.NeedsInfo, apply.Withdrawn}: true,
		{apply.Approved, apply.Issued}: true,
		{apply.Objected, apply.Approved}: true, {apply.Objected, apply.Rejected}: true,
	}
	for _, from := range apply.States {
		for _, to := range apply.States {
			if got := apply.Legal(from, to); got != legal[[2]apply.State{from, to}] {
				t.Errorf("Legal(%s, %s) = %v", from, to, got)
			}
		}
	}
}

// path drives a fresh plain case to state st and returns its tracking code.
func (f *fixture) path(t *testing.T, st apply.State) string {
	t.Helper()
	ctx := context.Background()
	c := f.mustSubmitPlain(t, ali)
	step := func(p identity.Principal, to apply.State, reason string) {
		t.Helper()
		if _, err := f.app.Transition(ctx, p, c.Tracking, to, reason, ""); err != nil {
			t.Fatalf("%s → %s: %v", c.State, to, err)
		}
	}
	switch st {
	case apply.Submitted:
	case apply.InReview:
		step(officer, apply.InReview, "")
	case apply.NeedsInfo:
		step(officer, apply.InReview, "")
		step(officer, apply.NeedsInfo, "رسید خرید را هم بفرستید")
	case apply.Approved:
		step(officer, apply.InReview, "")
		step(officer, apply.Approved, "")
	case apply.Rejected:
		step(officer, apply.InReview, "")
		step(officer, apply.Rejected, "شکایت در صلاحیت این اتحادیه نیست")
	case apply.Issued:
		step(officer, apply.InReview, "")
		step(officer, apply.Approved, "")
		step(officer, apply.Issued, "")
	case apply.Withdrawn:
		step(ali, apply.Withdrawn, "")
	}
	return c.Tracking
}

// TestTransitions takes every legal transition, each on its own case, and
// tries every illegal one, which is refused with errs.Conflict and changes
// nothing.
func TestTransitions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		for _, from := range apply.States {
			if from == apply.Objected {
				continue // only an automatic refusal is objected to: decide_test.go
			}
			for _, to := range apply.States {
				tracking := f.path(t, from)
				who, reason := officer, "بررسی شد"
				if to == apply.Withdrawn || (from == apply.NeedsInfo && to == apply.InReview) {
					who = ali
				}
				before := count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.case.transition'`)
				c, err := f.app.Transition(ctx, who, tracking, to, reason, "")
				after := count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.case.transition'`)
				if !apply.Legal(from, to) {
					if !errs.Is(err, errs.Conflict) {
						t.Errorf("%s → %s: %v, want a conflict", from, to, err)
					} else if e, _ := errs.As(err); !strings.Contains(e.Fa, from.NameFa()) || !strings.Contains(e.En, to.NameEn()) {
						t.Errorf("%s → %s: unclear message %q / %q", from, to, e.Fa, e.En)
					}
					if after != before {
						t.Errorf("%s → %s: refused, but %d events appended", from, to, after-before)
					}
					got, _ := f.app.Case(ctx, ali, tracking)
					if got.State != from {
						t.Errorf("%s → %s: refused, but the case is %s", from, to, got.State)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s → %s: %v", from, to, err)
					continue
				}
				if c.State != to || after != before+1 {
					t.Errorf("%s → %s: case %s, %d events", from, to, c.State, after-before)
				}
				last := c.Timeline[len(c.Timeline)-1]
				if last.From != from || last.To != to || last.Actor != who.Actor() || last.Reason != reason {
					t.Errorf("%s → %s: timeline step %+v", from, to, last)
				}
			}
		}
		// Each event carries the agency, the service and the applicant.
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.transition", Limit: 1})
		if err != nil || len(evs) != 1 || evs[0].Agency != "MIMT" || evs[0].Service != f.plain || evs[0].Subject != ali.NationalCode {
			t.Errorf("event %+v %v", evs, err)
		}
	}, sets...)
}

// TestTransitionActors: only the agency decides, only the applicant
// withdraws, and to everyone else the case does not exist.
func TestTransitionActors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		tracking := f.path(t, apply.Submitted)
		if _, err := f.app.Transition(ctx, ali, tracking, apply.InReview, "", ""); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the applicant reviewing: %v", err)
		}
		if _, err := f.app.Transition(ctx, officer, tracking, apply.Withdrawn, "", ""); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the agency withdrawing: %v", err)
		}
		for _, p := range []identity.Principal{maryam, stranger, {Kind: "apikey", ID: 9, Agency: "NOCR"}} {
			if _, err := f.app.Transition(ctx, p, tracking, apply.InReview, "", ""); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s: %v", p.Actor(), err)
			}
			if _, err := f.app.Case(ctx, p, tracking); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s reads: %v", p.Actor(), err)
			}
		}
		// The agency's API client may decide.
		if _, err := f.app.Transition(ctx, identity.Principal{Kind: "apikey", ID: 8, Agency: "MIMT"}, tracking, apply.InReview, "", ""); err != nil {
			t.Errorf("API client: %v", err)
		}
		// Unknown and malformed tracking codes are not found.
		for _, code := range []string{"1405-0000-0000", "nonsense", ""} {
			if _, err := f.app.Case(ctx, ali, code); !errs.Is(err, errs.NotFound) {
				t.Errorf("%q: %v", code, err)
			}
		}
		// Asking for information needs a reason; so does the applicant's answer.
		if _, err := f.app.Transition(ctx, officer, tracking, apply.NeedsInfo, " ", ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("needs_info without reason: %v", err)
		}
		if _, err := f.app.Transition(ctx, officer, tracking, apply.NeedsInfo, "تصویر فاکتور", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Transition(ctx, ali, tracking, apply.InReview, "", ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("answer without text: %v", err)
		}
		c, err := f.app.Transition(ctx, ali, tracking, apply.InReview, "فاکتور پیوست شد", "")
		if err != nil || c.State != apply.InReview {
			t.Fatalf("answer: %v", err)
		}
		// A non-permit is not rejected on a ground, but with a reason.
		if _, err := f.app.Transition(ctx, officer, tracking, apply.Rejected, "", ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("reject without reason: %v", err)
		}
		if _, err := f.app.Transition(ctx, officer, tracking, "closed", "", ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown state: %v", err)
		}
		// The notices went to Ali's inbox.
		inbox, err := f.notes.Inbox(ctx, ali.NationalCode)
		if err != nil || len(inbox) < 3 {
			t.Fatalf("inbox %d %v", len(inbox), err)
		}
	}, sets...)
}

// TestPermitRejectionNeedsGround: a permit is refused only on a published
// ground, which the applicant sees.
func TestPermitRejectionNeedsGround(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		c := f.mustSubmitPermit(t, ali)
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		for _, ground := range []string{"", "nope"} {
			_, err := f.app.Transition(ctx, officer, c.Tracking, apply.Rejected, "رد", ground)
			if e, ok := errs.As(err); !errs.Is(err, errs.Invalid) || !ok || len(e.Fields) != 1 || e.Fields[0].Field != "ground" {
				t.Errorf("ground %q: %v", ground, err)
			}
		}
		got, err := f.app.Transition(ctx, officer, c.Tracking, apply.Rejected, "", "zoning")
		if err != nil {
			t.Fatal(err)
		}
		mine, err := f.app.Case(ctx, ali, c.Tracking)
		if err != nil || mine.State != apply.Rejected || mine.Ground != "zoning" || !strings.Contains(mine.GroundFa, "طرح تفصیلی") || got.DecidedAt == nil {
			t.Errorf("rejected case %+v %v", mine, err)
		}
		inbox, _ := f.notes.Inbox(ctx, ali.NationalCode)
		if len(inbox) == 0 || inbox[0].Template != "case.rejected" || !strings.Contains(inbox[0].BodyFa, "طرح تفصیلی") {
			t.Errorf("the applicant was not told the ground: %+v", inbox)
		}
	}, sets...)
}

// TestApprovalIssuesDocument: approving a permit needs its fee paid, and
// issues the document in the same transaction; the case ends issued. The
// identity evidence is fetched through the gateway, so no check is open.
func TestApprovalIssuesDocument(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{gateway: true})
		c := f.mustSubmitPermit(t, ali)
		if c.FeeRials != 1_500_000 || c.Paid {
			t.Fatalf("fee %d paid %v", c.FeeRials, c.Paid)
		}
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.Approved, "", ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("approved unpaid: %v", err)
		}
		f.mustPay(t, c.Tracking)
		got, err := f.app.Transition(ctx, officer, c.Tracking, apply.Approved, "مدارک کامل است", "")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != apply.Issued || got.Document == "" {
			t.Fatalf("case %s document %q", got.State, got.Document)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM permit_documents WHERE case_ref = $1`, c.Tracking); n != 1 {
			t.Errorf("%d documents", n)
		}
		steps := got.Timeline
		if len(steps) < 3 || steps[len(steps)-2].To != apply.Approved || steps[len(steps)-1].To != apply.Issued {
			t.Errorf("timeline %+v", steps)
		}
	}, sets...)
}

// TestSubmitBadInput: wrong form data is refused with a Persian message
// per field, and nothing is stored; a draft keeps what was typed.
func TestSubmitBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		before := count(t, s, `SELECT COUNT(*) FROM events`)
		_, err := f.app.Submit(ctx, ali, f.permit, map[string]string{"phone": "۰۲۱۸۸۸۸", "surprise": "x"}, nil)
		e, ok := errs.As(err)
		if !errs.Is(err, errs.Invalid) || !ok {
			t.Fatalf("bad form: %v", err)
		}
		want := map[string]bool{"phone": true, "decl_shop_name": true, "file_lease": true, "surprise": true}
		for _, fe := range e.Fields {
			if !want[fe.Field] || fe.Fa == "" || fe.En == "" {
				t.Errorf("field error %+v", fe)
			}
			delete(want, fe.Field)
		}
		if len(want) > 0 {
			t.Errorf("no message for %v in %+v", want, e.Fields)
		}
		// Too large: 413, nothing stored.
		big := append(pngBytes(t), make([]byte, apply.MaxUpload)...)
		_, err = f.app.Submit(ctx, ali, f.permit, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی"},
			map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: big}})
		if !errs.Is(err, errs.TooLarge) || errs.StatusOf(errs.KindOf(err)) != 413 {
			t.Errorf("too large: %v", err)
		}
		// Wrong type, whatever the name says: 400.
		_, err = f.app.Submit(ctx, ali, f.permit, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی"},
			map[string]apply.Upload{"file_lease": {Name: "lease.pdf", Data: []byte("#!/bin/sh\nrm -rf /\n")}})
		if e, _ := errs.As(err); !errs.Is(err, errs.Invalid) || len(e.Fields) != 1 || e.Fields[0].Field != "file_lease" {
			t.Errorf("wrong type: %v", err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events`); n != before {
			t.Errorf("%d events after refused submissions", n-before)
		}
		for _, table := range []string{"apply_cases", "apply_uploads", "apply_evidence"} {
			if n := count(t, s, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("%s has %d rows", table, n)
			}
		}
		// Drafts keep half-filled forms, but not fields the form lacks.
		if err := f.app.SaveDraft(ctx, ali, f.permit, map[string]string{"decl_shop_name": "نانوايي"}); err != nil {
			t.Fatal(err)
		}
		if err := f.app.SaveDraft(ctx, ali, f.permit, map[string]string{"hack": "x"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("draft with an unknown field: %v", err)
		}
		form, err := f.app.Form(ctx, f.permit, ali)
		if err != nil || form.Draft["decl_shop_name"] != "نانوایی" {
			t.Errorf("draft %v %v", form.Draft, err)
		}
		if other, _ := f.app.Form(ctx, f.permit, maryam); other.Draft != nil {
			t.Errorf("Maryam sees Ali's draft")
		}
		// Submitting clears the draft.
		f.mustSubmitPermit(t, ali)
		if form, _ := f.app.Form(ctx, f.permit, ali); form.Draft != nil {
			t.Errorf("draft kept after submission")
		}
		// Unknown services are not found.
		if _, err := f.app.Form(ctx, "9999999", ali); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown service: %v", err)
		}
	}, sets...)
}

// TestForm: the schema is draft 2020-12 with Persian titles; once-only
// evidence is not asked but named with its agency.
func TestForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := mustFixture(t, s, fixtureOpts{})
		form, err := f.app.Form(context.Background(), f.permit, ali)
		if err != nil {
			t.Fatal(err)
		}
		var schema struct {
			Schema     string                    `json:"$schema"`
			Required   []string                  `json:"required"`
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(form.Schema, &schema); err != nil {
			t.Fatal(err)
		}
		if schema.Schema != "https://json-schema.org/draft/2020-12/schema" || schema.Properties["decl_shop_name"]["title"] != "نام واحد صنفی" ||
			schema.Properties["phone"]["pattern"] != "^09[0-9]{9}$" || len(schema.Required) != 2 {
			t.Errorf("schema %s", form.Schema)
		}
		if _, asked := schema.Properties["decl_identity"]; asked {
			t.Error("the form asks for identity, which the civil registry holds")
		}
		if len(form.Fetched) != 1 || form.Fetched[0].NoteFa() != "این مدرک را لازم نیست بیاورید؛ از سازمان ثبت احوال کشور استعلام می‌شود" {
			t.Errorf("fetched %+v", form.Fetched)
		}
	}, sets...)
}

// TestOnceOnlyEvidence fetches identity through the real gateway from the
// demo civil registry at submission, and keeps the receipt.
func TestOnceOnlyEvidence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{gateway: true})
		c := f.mustSubmitPermit(t, ali)
		var id apply.Evidence
		for _, e := range c.Evidence {
			if e.Code == "identity" {
				id = e
			}
		}
		if id.State != apply.EvFetched || id.MessageID == "" || len(id.Digest) != 64 || id.HeldBy != "NOCR" {
			t.Fatalf("identity evidence %+v", id)
		}
		var answer map[string]any
		if err := json.Unmarshal(id.Answer, &answer); err != nil || answer["national_code"] != ali.NationalCode {
			t.Errorf("answer %s", id.Answer)
		}
		// The agency sees the answer; another agency does not see the case.
		if agency, err := f.app.Case(ctx, officer, c.Tracking); err != nil || len(agency.Evidence) != len(c.Evidence) {
			t.Errorf("agency view: %v", err)
		}
		if _, err := f.app.Case(ctx, stranger, c.Tracking); !errs.Is(err, errs.NotFound) {
			t.Errorf("another agency: %v", err)
		}
		// The upload is stored with its digest, served to Ali and the agency only.
		var up apply.Evidence
		for _, e := range c.Evidence {
			if e.Code == "lease" {
				up = e
			}
		}
		u, err := f.app.Upload(ctx, officer, c.Tracking, up.UploadID)
		if err != nil || u.ContentType != "image/png" || u.SHA256 != up.Digest || len(u.Data) == 0 {
			t.Errorf("upload %v %v", u.ContentType, err)
		}
		if _, err := f.app.Upload(ctx, maryam, c.Tracking, up.UploadID); !errs.Is(err, errs.NotFound) {
			t.Errorf("Maryam reads Ali's upload: %v", err)
		}

		// When the registry is down, the evidence is pending and a job
		// fetches it later.
		if err := f.offices.Close(ctx); err != nil {
			t.Fatal(err)
		}
		c2 := f.mustSubmitPermit(t, ali)
		for _, e := range c2.Evidence {
			if e.Code == "identity" && e.State != apply.EvPending {
				t.Errorf("with the registry down: %+v", e)
			}
		}
		// No job per case: the evidence sweep finds it by next_at, a
		// minute on.
		if n := count(t, s, `SELECT COUNT(*) FROM river_job WHERE kind LIKE 'apply.%'`); n != 0 {
			t.Errorf("%d jobs enqueued by a submission", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM apply_evidence WHERE state = 'pending' AND next_at IS NOT NULL`); n != 1 {
			t.Errorf("%d pending evidence due for the sweep, want 1", n)
		}
		moved, err := backoffice.Start(0)
		if err != nil {
			t.Fatal(err)
		}
		defer moved.Close(ctx)
		if err := demo.LoadExchange(ctx, f.x, moved); err != nil {
			t.Fatal(err)
		}
		var caseID int64
		if err := s.Read().QueryRowContext(ctx, `SELECT id FROM apply_cases WHERE tracking = $1`, c2.Tracking).Scan(&caseID); err != nil {
			t.Fatal(err)
		}
		// Not yet due: the sweep leaves it.
		if n, err := f.app.RetryDueEvidence(ctx); err != nil || n != 0 {
			t.Errorf("sweep before the evidence is due: %d %v", n, err)
		}
		f.clock.Add(61 * time.Second)
		if n, err := f.app.RetryDueEvidence(ctx); err != nil || n != 1 {
			t.Errorf("sweep once it is due: %d %v", n, err)
		}
		c2, _ = f.app.Case(ctx, ali, c2.Tracking)
		for _, e := range c2.Evidence {
			if e.Code == "identity" && (e.State != apply.EvFetched || e.MessageID == "") {
				t.Errorf("after the retry: %+v", e)
			}
		}
		// Retrying again changes nothing.
		before := count(t, s, `SELECT COUNT(*) FROM events`)
		if err := f.app.RetryEvidence(ctx, caseID, "identity"); err != nil || count(t, s, `SELECT COUNT(*) FROM events`) != before {
			t.Errorf("second retry: %v", err)
		}
	}, sets...)
}

// TestDeadlines: overdue cases are flagged once, with a notice to the agency.
func TestDeadlines(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		c := f.mustSubmitPlain(t, ali)
		done := f.mustSubmitPlain(t, ali)
		if !c.Deadline.Equal(c.SubmittedAt.Add(10 * 24 * time.Hour)) {
			t.Errorf("deadline %v for submission %v", c.Deadline, c.SubmittedAt)
		}
		if _, err := f.app.Transition(ctx, ali, done.Tracking, apply.Withdrawn, "", ""); err != nil {
			t.Fatal(err)
		}
		if n, err := f.app.FlagOverdue(ctx); err != nil || n != 0 {
			t.Errorf("before the deadline: %d %v", n, err)
		}
		f.clock.Add(10*24*time.Hour + time.Minute)
		if n, err := f.app.FlagOverdue(ctx); err != nil || n != 1 {
			t.Errorf("after the deadline: %d %v", n, err)
		}
		if n, err := f.app.FlagOverdue(ctx); err != nil || n != 0 {
			t.Errorf("again: %d %v", n, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.case.overdue'`); n != 1 {
			t.Errorf("%d overdue events", n)
		}
		inbox, err := f.notes.Inbox(ctx, "agency:MIMT")
		if err != nil || len(inbox) != 1 || inbox[0].Template != "case.overdue" {
			t.Errorf("agency inbox %+v %v", inbox, err)
		}
		q, err := f.app.Queue(ctx, officer, apply.QueueFilter{Overdue: true})
		if err != nil || len(q) != 1 || q[0].Tracking != c.Tracking || !q[0].Overdue() {
			t.Errorf("overdue queue %+v %v", q, err)
		}
		if _, err := f.app.Queue(ctx, ali, apply.QueueFilter{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a citizen's queue: %v", err)
		}
		if q, _ := f.app.Queue(ctx, stranger, apply.QueueFilter{}); len(q) != 0 {
			t.Errorf("another agency's queue has %d cases", len(q))
		}
		// The periodic sweep flags a case past its deadline without anyone
		// calling FlagOverdue: it runs when the jobs start.
		late := f.mustSubmitPlain(t, ali)
		f.clock.Add(10*24*time.Hour + time.Minute)
		f.app.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		deadline := time.Now().Add(20 * time.Second)
		for count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.case.overdue'`) < 2 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if c, err := f.app.Case(ctx, ali, late.Tracking); err != nil || c.OverdueAt == nil {
			t.Errorf("the sweep did not flag the late case: %+v %v", c.OverdueAt, err)
		}
	}, sets...)
}

// TestFeedbackAndComplaints: feedback once after completion; complaints
// go received → answered → closed.
func TestFeedbackAndComplaints(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		open := f.path(t, apply.InReview)
		if err := f.app.GiveFeedback(ctx, ali, open, 5, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("feedback on an open case: %v", err)
		}
		done := f.path(t, apply.Rejected)
		for _, r := range []int{0, 6} {
			if err := f.app.GiveFeedback(ctx, ali, done, r, ""); !errs.Is(err, errs.Invalid) {
				t.Errorf("rating %d: %v", r, err)
			}
		}
		if err := f.app.GiveFeedback(ctx, maryam, done, 4, ""); !errs.Is(err, errs.NotFound) {
			t.Errorf("Maryam rates Ali's case: %v", err)
		}
		if err := f.app.GiveFeedback(ctx, ali, done, 2, "دیر پاسخ دادند"); err != nil {
			t.Fatal(err)
		}
		if err := f.app.GiveFeedback(ctx, ali, done, 5, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("second feedback: %v", err)
		}
		c, _ := f.app.Case(ctx, ali, done)
		if c.Feedback == nil || c.Feedback.Rating != 2 {
			t.Errorf("feedback %+v", c.Feedback)
		}

		if _, err := f.app.Complain(ctx, ali, done, " "); !errs.Is(err, errs.Invalid) {
			t.Errorf("empty complaint: %v", err)
		}
		cp, err := f.app.Complain(ctx, ali, done, "کارشناس پاسخ تلفن را نداد")
		if err != nil || cp.State != apply.ComplaintReceived || !strings.HasPrefix(cp.Code, "C") {
			t.Fatalf("complaint %+v %v", cp, err)
		}
		if err := f.app.CloseComplaint(ctx, ali, done, cp.Code); !errs.Is(err, errs.Conflict) {
			t.Errorf("closing an unanswered complaint: %v", err)
		}
		if err := f.app.AnswerComplaint(ctx, ali, done, cp.Code, "خودم جواب می‌دهم"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the applicant answering: %v", err)
		}
		if err := f.app.AnswerComplaint(ctx, stranger, done, cp.Code, "پاسخ"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another agency answering: %v", err)
		}
		if err := f.app.AnswerComplaint(ctx, officer, done, cp.Code, "با کارشناس گفت‌وگو شد"); err != nil {
			t.Fatal(err)
		}
		if err := f.app.CloseComplaint(ctx, ali, done, cp.Code); err != nil {
			t.Fatal(err)
		}
		c, _ = f.app.Case(ctx, ali, done)
		if len(c.Complaints) != 1 || c.Complaints[0].State != apply.ComplaintClosed || c.Complaints[0].Answer == "" {
			t.Errorf("complaints %+v", c.Complaints)
		}
		// The comment and complaint text stay out of the events.
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "apply.", Limit: 10000})
		for _, ev := range evs {
			if strings.Contains(string(ev.Payload), "دیر پاسخ") || strings.Contains(string(ev.Payload), "تلفن") {
				t.Errorf("event %s holds the citizen's words", ev.Kind)
			}
		}
	}, sets...)
}

// TestActingFor checks that a person acting for a child or a company
// applies in their name: the case is theirs, the acting person sees it only
// while acting for them, and notices reach the represented party's inbox,
// a company's included.
func TestActingFor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		const company = "10380284790"
		forCompany := ali
		forCompany.ActingFor, forCompany.ActingKind, forCompany.ActingName = company, "company", "شرکت پارس‌داده"
		c := f.mustSubmitPlain(t, forCompany)
		if c.Applicant != company || c.ApplicantName != "شرکت پارس‌داده" {
			t.Fatalf("applicant = %q %q, want the company", c.Applicant, c.ApplicantName)
		}
		// While acting for the company Ali sees the case; as himself he does not.
		if _, err := f.app.Case(ctx, forCompany, c.Tracking); err != nil {
			t.Fatalf("acting for the company: %v", err)
		}
		if _, err := f.app.Case(ctx, ali, c.Tracking); !errs.Is(err, errs.NotFound) {
			t.Fatalf("Ali as himself: %v, want not found", err)
		}
		mine, _, err := f.app.MyCases(ctx, ali, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mine {
			if m.Tracking == c.Tracking {
				t.Fatal("the company's case is listed among Ali's own")
			}
		}
		theirs, _, err := f.app.MyCases(ctx, forCompany, "", 0)
		if err != nil || len(theirs) != 1 {
			t.Fatalf("the company's cases = %d, %v", len(theirs), err)
		}
		// The agency's decision notifies the company's inbox.
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		inbox, err := f.notes.Inbox(ctx, company)
		if err != nil || len(inbox) < 2 {
			t.Fatalf("the company's inbox holds %d notices, %v", len(inbox), err)
		}
		// A principal acting for nobody but carrying no national code cannot apply.
		if _, err := f.app.Submit(ctx, identity.Principal{Kind: "user", ID: 9, ActingFor: company}, f.plain,
			map[string]string{"phone": "09121234567", "decl_story": "x"}, nil); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("no national code: %v", err)
		}
	}, sets...)
}

// TestEvidenceRetriesBackOff: evidence an agency cannot give is asked for
// again a minute later, then after twice as long each time up to an hour,
// twelve times in all; then it stays pending and the sweep leaves it.
func TestEvidenceRetriesBackOff(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Without the exchange, no agency answers.
		f := mustFixture(t, s, fixtureOpts{})
		c := f.mustSubmitPermit(t, ali)
		due := func() (next sql.NullTime, attempts int) {
			t.Helper()
			err := s.Read().QueryRowContext(ctx, `SELECT e.next_at, e.attempts FROM apply_evidence e JOIN apply_cases c ON c.id = e.case_id
				WHERE c.tracking = $1 AND e.code = 'identity'`, c.Tracking).Scan(&next, &attempts)
			if err != nil {
				t.Fatal(err)
			}
			return next, attempts
		}
		var waits []time.Duration
		for {
			next, attempts := due()
			if !next.Valid {
				if attempts != 12 {
					t.Errorf("gave up after %d attempts, want 12", attempts)
				}
				break
			}
			if len(waits) > 20 {
				t.Fatal("the retries never end")
			}
			waits = append(waits, next.Time.Sub(f.clock.Now()))
			f.clock.Add(next.Time.Sub(f.clock.Now()) - time.Second)
			if n, err := f.app.RetryDueEvidence(ctx); err != nil || n != 0 {
				t.Fatalf("a second early: %d %v", n, err)
			}
			if _, again := due(); again != attempts {
				t.Fatalf("asked a second before it was due")
			}
			f.clock.Add(time.Second)
			if n, err := f.app.RetryDueEvidence(ctx); err != nil || n != 0 {
				t.Fatalf("with no agency answering: %d %v", n, err)
			}
			if _, again := due(); again != attempts+1 {
				t.Fatalf("attempts %d after the sweep, want %d", again, attempts+1)
			}
		}
		want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute,
			time.Hour, time.Hour, time.Hour, time.Hour, time.Hour}
		if fmt.Sprint(waits) != fmt.Sprint(want) {
			t.Errorf("waits %v, want %v", waits, want)
		}
		f.clock.Add(24 * time.Hour)
		if n, err := f.app.RetryDueEvidence(ctx); err != nil || n != 0 {
			t.Errorf("after giving up: %d %v", n, err)
		}
		if _, attempts := due(); attempts != 12 {
			t.Errorf("asked again after giving up: %d attempts", attempts)
		}
	}, sets...)
}

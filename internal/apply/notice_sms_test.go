package apply_test

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestApplicantNoticesGoBySMS: the form asks for a mobile number "for
// tracking text messages", so every notice to the applicant is also sent
// by SMS to that number, normalised, from submission to decision; notices
// to the agency are not.
func TestApplicantNoticesGoBySMS(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{sms: true})
		c := f.mustSubmitPermit(t, ali) // the phone typed in Persian digits
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		inbox, err := f.notes.Inbox(ctx, ali.NationalCode)
		if err != nil || len(inbox) != 2 {
			t.Fatalf("inbox %d %v", len(inbox), err)
		}
		for _, m := range inbox {
			if len(m.Deliveries) != 1 || m.Deliveries[0].Channel != "sms" || m.Deliveries[0].Status != "queued" {
				t.Errorf("%s: deliveries %+v, want one queued SMS", m.Template, m.Deliveries)
			}
		}
		f.notes.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		outbox := f.notes.Outbox()
		var sent []notify.OutboxEntry
		for deadline := time.Now().Add(20 * time.Second); len(sent) < 2; time.Sleep(20 * time.Millisecond) {
			if sent, _, err = outbox.List(ctx, "", 0); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("SMS sent: %+v", sent)
			}
		}
		for _, e := range sent {
			if e.Channel != "sms" || e.To != "09121234567" {
				t.Errorf("SMS %+v, want to 09121234567", e)
			}
		}
	}, sets...)
}

// TestPhoneIsNormalised: the mobile number is taken in the forms people
// write it and kept as 09xxxxxxxxx; anything else is refused on the field.
func TestPhoneIsNormalised(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{sms: true})
		for _, in := range []string{"+98 912 123 4567", "۰۰۹۸۹۱۲۱۲۳۴۵۶۷", "0912-123-4567"} {
			c, err := f.app.Submit(ctx, ali, f.plain, map[string]string{"phone": in, "decl_story": "کالای معیوب"}, nil)
			if err != nil {
				t.Fatalf("%q: %v %+v", in, err, fieldsOf(err))
			}
			if c.Data["phone"] != "09121234567" {
				t.Errorf("%q kept as %q", in, c.Data["phone"])
			}
		}
		_, err := f.app.Submit(ctx, ali, f.plain, map[string]string{"phone": "021 8877 6655", "decl_story": "کالای معیوب"}, nil)
		if fe := fieldsOf(err); len(fe) != 1 || fe[0].Field != "phone" {
			t.Errorf("a landline: %v %+v", err, fe)
		}
	}, sets...)
}

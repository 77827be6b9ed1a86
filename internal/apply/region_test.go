package apply_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestSubmitRegion: a case belongs to the city its applicant chose, every
// event of the case carries it, the submission says it came online, an
// unknown city is a field error that stores nothing, and without a choice
// the case has no region.
func TestSubmitRegion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		admin := identity.Principal{Kind: "user", ID: 9, Roles: []identity.Role{identity.RolePlatformAdmin}}
		for _, r := range []catalog.Region{
			{Code: "YZD", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.Province},
			{Code: "YZD-01", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.City, Province: "YZD", Capital: true},
		} {
			if err := f.cat.PutRegion(ctx, admin, r); err != nil {
				t.Fatal(err)
			}
		}
		data := map[string]string{"phone": "09121234567", "decl_story": "کالای معیوب"}

		before := count(t, s, `SELECT COUNT(*) FROM apply_cases`)
		_, err := f.app.SubmitIn(ctx, ali, f.plain, "YZD-99", data, nil)
		if !errs.Is(err, errs.Invalid) || len(fieldsOf(err)) != 1 || fieldsOf(err)[0].Field != "region" ||
			fieldsOf(err)[0].Fa == "" || fieldsOf(err)[0].En == "" {
			t.Fatalf("unknown city: %v %+v, want one field error on region in both languages", err, fieldsOf(err))
		}
		if got := count(t, s, `SELECT COUNT(*) FROM apply_cases`); got != before {
			t.Fatalf("an unknown city stored a case: %d cases, want %d", got, before)
		}
		// A province is not a city.
		if _, err := f.app.SubmitIn(ctx, ali, f.plain, "YZD", data, nil); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a province as the region: %v, want invalid", err)
		}

		c, err := f.app.SubmitIn(ctx, ali, f.plain, "yzd-01", data, nil)
		if err != nil {
			t.Fatalf("submit: %v %+v", err, fieldsOf(err))
		}
		if c.Region != "YZD-01" {
			t.Fatalf("returned case region %q, want YZD-01", c.Region)
		}
		read, err := f.app.Case(ctx, ali, c.Tracking)
		if err != nil || read.Region != "YZD-01" {
			t.Fatalf("read back: region %q, %v", read.Region, err)
		}
		if last, err := f.app.LastRegion(ctx, ali.Subject()); err != nil || last != "YZD-01" {
			t.Fatalf("LastRegion = %q, %v; want YZD-01", last, err)
		}
		for _, to := range []apply.State{apply.InReview, apply.Approved} {
			if _, err := f.app.Transition(ctx, officer, c.Tracking, to, "بررسی شد", ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.app.GiveFeedback(ctx, ali, c.Tracking, 4, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Complain(ctx, ali, c.Tracking, "دیر پاسخ دادند"); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "apply.", Subject: ali.Subject(), Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, ev := range evs {
			if ev.Kind == "apply.draft.saved" {
				continue
			}
			kinds[ev.Kind] = true
			if ev.Region != "YZD-01" {
				t.Errorf("%s has region %q, want YZD-01", ev.Kind, ev.Region)
			}
			if ev.Kind == "apply.case.submitted" {
				var p struct{ Channel string }
				if err := json.Unmarshal(ev.Payload, &p); err != nil || p.Channel != apply.ChannelOnline {
					t.Errorf("submitted channel %q, want online", p.Channel)
				}
			}
		}
		for _, k := range []string{"apply.case.submitted", "apply.case.transition", "apply.feedback.given", "apply.complaint.received"} {
			if !kinds[k] {
				t.Errorf("no %s event with the case's region", k)
			}
		}

		// Without a choice, and with no address the rules fetched, a case
		// has no region.
		c2, err := f.app.Submit(ctx, maryam, f.plain, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Region != "" {
			t.Fatalf("region %q without a choice, want none", c2.Region)
		}
	}, sets...)
}

package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/proactive"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// waitActions waits until the subscriptions have done n things for event,
// and every case they started is decided.
func waitActions(t *testing.T, s *served, event string, n int) []proactive.Action {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		as, err := s.Proactive.EventActions(s.Ctx, event)
		if err != nil {
			t.Fatal(err)
		}
		open := false
		for _, a := range as {
			if a.Tracking == "" {
				continue
			}
			c, err := s.Apply.Case(s.Ctx, identity.System, a.Tracking)
			if err != nil {
				t.Fatal(err)
			}
			open = open || c.State == apply.Submitted
		}
		if len(as) >= n && !open {
			return as
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute the event has %d actions (want %d), open cases: %v; logs:\n%s", len(as), n, open, s.Logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBirthChain publishes a birth through the exchange's Pub/Sub and
// follows the demo chain: the birth registration and the newborn's health
// insurance are started and decided without the mother acting, the
// registration's certificate is issued, the newborn subsidy is offered;
// delivering the event again changes nothing; and a mother who opted out of
// a no-stop service does not get it.
func TestBirthChain(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.DSN(t, d) // skips without PostgreSQL
			}
			s, set := mustServeDemo(t, d)
			ctx := s.Ctx
			ev, err := s.PublishDemoEvent(ctx, "birth", backoffice.CitizenMaryam)
			if err != nil {
				t.Fatal(err)
			}
			as := waitActions(t, s, ev.ID, 3)
			byMode := map[proactive.Mode]int{}
			issued := 0
			for _, a := range as {
				if a.Person != backoffice.CitizenMaryam {
					t.Errorf("%s was for another person", a.TitleEn)
				}
				byMode[a.Mode]++
				switch a.Mode {
				case proactive.NoStop:
					if a.State != proactive.Started || a.Tracking == "" {
						t.Errorf("%s: state %s, tracking %q (%s)", a.TitleEn, a.State, a.Tracking, a.Reason)
						continue
					}
					c, err := s.Apply.Case(ctx, identity.System, a.Tracking)
					if err != nil {
						t.Fatal(err)
					}
					// Approved is final for a service without a document;
					// one with a document is issued.
					if !c.State.Complete() || (c.State == apply.Approved && a.TitleEn == "Birth registration, birth certificate and national code for a newborn") {
						t.Errorf("%s: case %s is %s, want decided and done", a.TitleEn, c.Tracking, c.State)
					}
					if c.Document != "" {
						issued++
					}
				case proactive.Offer:
					if a.State != proactive.Offered {
						t.Errorf("offer %s is %s", a.TitleEn, a.State)
					}
				}
			}
			if byMode[proactive.NoStop] != 2 || byMode[proactive.Offer] != 1 || issued != 1 {
				t.Errorf("modes %v, documents %d: want 2 no-stop, 1 offer and the birth certificate", byMode, issued)
			}
			// The mother's inbox says what was done and what is offered.
			msgs, err := s.Notifier.Inbox(ctx, backoffice.CitizenMaryam)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, m := range msgs {
				kinds[m.Template]++
			}
			if kinds["proactive.nostop"] != 2 || kinds["proactive.offer"] != 1 {
				t.Errorf("inbox templates %v", kinds)
			}

			// Delivered again (at least once means maybe twice): nothing new.
			le, err := s.PubSub.Event(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Proactive.Handle(ctx, proactive.Event{ID: le.ID, Type: le.Type, Person: le.Person, Facts: le.Facts}); err != nil {
				t.Fatal(err)
			}
			again, _ := s.Proactive.EventActions(ctx, ev.ID)
			if len(again) != len(as) {
				t.Errorf("redelivery made %d actions, had %d", len(again), len(as))
			}
			for i := range again {
				if again[i].Tracking != as[i].Tracking || again[i].State != as[i].State {
					t.Errorf("redelivery changed %s", again[i].TitleEn)
				}
			}
			// The same birth published again is a replay, refused.
			if _, err := s.PublishDemoEvent(ctx, "birth", backoffice.CitizenMaryam); !errs.Is(err, errs.Conflict) {
				t.Errorf("republishing = %v, want Conflict", err)
			}

			// Another mother opts out of the newborn's health insurance
			// first: only the registration is started for her.
			var other string
			for _, p := range demo.LifeEventPeople(set.People) {
				if p.NationalCode != backoffice.CitizenMaryam && p.Kinds[0] == "birth" {
					other = p.NationalCode
					break
				}
			}
			mother, err := s.Identity.EnsurePerson(ctx, other, "")
			if err != nil {
				t.Fatal(err)
			}
			mp, err := s.Identity.PrincipalOf(ctx, mother)
			if err != nil {
				t.Fatal(err)
			}
			var insurance string
			for _, a := range as {
				if a.TitleEn == "Health insurance for a newborn" {
					insurance = a.Service
				}
			}
			if err := s.Proactive.SetOptOut(ctx, mp, insurance, true); err != nil {
				t.Fatal(err)
			}
			ev2, err := s.PublishDemoEvent(ctx, "birth", other)
			if err != nil {
				t.Fatal(err)
			}
			as2 := waitActions(t, s, ev2.ID, 3)
			for _, a := range as2 {
				if a.Service == insurance && a.State != proactive.OptedOut {
					t.Errorf("opted-out service is %s (tracking %q)", a.State, a.Tracking)
				}
			}
			_ = json.Valid
			_ = context.Background
		})
	}
}

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

			// The mother accepts the newborn subsidy offer: not without
			// consent, not as someone else; with consent the case is started
			// with its evidence fetched and the rules decide it.
			mp, err := s.Identity.PrincipalOf(ctx, mustPerson(t, s, backoffice.CitizenMaryam))
			if err != nil {
				t.Fatal(err)
			}
			var offer proactive.Action
			for _, a := range as {
				if a.Mode == proactive.Offer {
					offer = a
				}
			}
			view, err := s.Proactive.Offer(ctx, mp, offer.ID)
			if err != nil || len(view.Form.Fetched) == 0 {
				t.Fatalf("offer view: %v, fetched %v", err, view.Form.Fetched)
			}
			if _, err := s.Proactive.Accept(ctx, mp, offer.ID, false); !errs.Is(err, errs.Invalid) {
				t.Errorf("accepting without consent: %v, want Invalid", err)
			}
			stranger, err := s.Identity.PrincipalOf(ctx, mustPerson(t, s, backoffice.CitizenAli))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Proactive.Accept(ctx, stranger, offer.ID, true); !errs.Is(err, errs.NotFound) {
				t.Errorf("someone else accepting: %v, want NotFound", err)
			}
			acc, err := s.Proactive.Accept(ctx, mp, offer.ID, true)
			if err != nil || acc.State != proactive.Accepted || acc.Tracking == "" {
				t.Fatalf("accept = %+v, %v", acc, err)
			}
			c, err := s.Apply.Case(ctx, mp, acc.Tracking)
			if err != nil {
				t.Fatal(err)
			}
			if !c.State.Complete() {
				t.Errorf("the accepted offer's case is %s, want decided by the rules", c.State)
			}
			if again, err := s.Proactive.Accept(ctx, mp, offer.ID, true); err != nil || again.Tracking != acc.Tracking {
				t.Errorf("accepting twice = %v, %v", again.Tracking, err)
			}
			if _, err := s.Proactive.Decline(ctx, mp, offer.ID); !errs.Is(err, errs.Conflict) {
				t.Errorf("declining an accepted offer: %v, want Conflict", err)
			}
			as, _ = s.Proactive.EventActions(ctx, ev.ID)

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
			mp, err = s.Identity.PrincipalOf(ctx, mustPerson(t, s, other))
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

// TestSubscriptionBadInput: a condition that does not compile or reads a
// field the event does not have is refused in place and saves nothing; a
// subscription is activated only by a second admin of the agency, and only
// while the service has an active ruleset.
func TestSubscriptionBadInput(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.DSN(t, d)
			}
			s, set := mustServeDemo(t, d)
			ctx := s.Ctx
			admins := demo.ChainAdmins(set.People)["SSO"]
			var pr [2]identity.Principal
			for i, code := range admins {
				p, err := s.Identity.EnsurePerson(ctx, code, "")
				if err != nil {
					t.Fatal(err)
				}
				if pr[i], err = s.Identity.PrincipalOf(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			services, err := s.Catalog.Published(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var pension, plain string
			for _, svc := range services {
				switch svc.Record.TitleEn {
				case "Social security retirement pension":
					pension = svc.ID
				case "Sickness benefit":
					plain = svc.ID
				}
			}
			before, _ := s.Proactive.Subscriptions(ctx, pension)
			for _, c := range []struct {
				name  string
				draft proactive.SubscriptionDraft
				field string
			}{
				{"syntax", proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.Offer, Condition: `event.fund == `}, "condition"},
				{"unknown field", proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.Offer, Condition: `event.salary > 10`}, "condition"},
				{"not a boolean", proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.Offer, Condition: `event.fund`}, "condition"},
				{"unknown event type", proactive.SubscriptionDraft{EventType: "baptism", Mode: proactive.Offer, Condition: `true`}, "event_type"},
				{"unknown applicant field", proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.Offer, Applicant: "event.spouse_national_code"}, "applicant"},
				{"bad mode", proactive.SubscriptionDraft{EventType: "retirement", Mode: "maybe"}, "mode"},
			} {
				_, err := s.Proactive.Subscribe(ctx, pr[0], pension, c.draft)
				if !errs.Is(err, errs.Invalid) {
					t.Errorf("%s: %v, want Invalid", c.name, err)
					continue
				}
				ps := proactive.ProblemsOf(err)
				if len(ps) == 0 || ps[0].Field != c.field || ps[0].En == "" || ps[0].Fa == "" {
					t.Errorf("%s: problems %+v, want one on %s in both languages", c.name, ps, c.field)
				}
			}
			if after, _ := s.Proactive.Subscriptions(ctx, pension); len(after) != len(before) {
				t.Errorf("refused drafts were saved: %d subscriptions, had %d", len(after), len(before))
			}
			// Not an admin of the agency.
			if _, err := s.Proactive.Subscribe(ctx, identity.Principal{Kind: "user", ID: 999, Agency: "NOCR", Roles: []identity.Role{identity.RoleAgencyAdmin}},
				pension, proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.Offer}); !errs.Is(err, errs.Forbidden) {
				t.Errorf("another agency's admin: %v, want Forbidden", err)
			}
			// Same admin approving.
			sub, err := s.Proactive.Subscribe(ctx, pr[0], pension, proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.NoStop, Condition: `event.fund == "SSO"`})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Proactive.Activate(ctx, pr[0], sub.ID); !errs.Is(err, errs.Forbidden) {
				t.Errorf("the author activating: %v, want Forbidden", err)
			}
			// No active ruleset: the rules must decide a proactive service.
			sub2, err := s.Proactive.Subscribe(ctx, pr[0], plain, proactive.SubscriptionDraft{EventType: "retirement", Mode: proactive.Offer})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Proactive.Activate(ctx, pr[1], sub2.ID); !errs.Is(err, errs.Conflict) {
				t.Errorf("activating without an active ruleset: %v, want Conflict", err)
			}
			got, err := s.Proactive.Subscription(ctx, sub2.ID)
			if err != nil || got.Status != proactive.Draft {
				t.Errorf("after the refusals the subscription is %v (%v), want a draft", got.Status, err)
			}
			if m, _ := s.Proactive.ActiveSubscriptions(ctx); m[plain] != "" || m[pension] != "offer" {
				t.Errorf("active subscriptions %v", m)
			}
			// The second admin activates; then it can be retired.
			if _, err := s.Proactive.Activate(ctx, pr[1], sub.ID); err != nil {
				t.Fatal(err)
			}
			if m, _ := s.Proactive.ActiveSubscriptions(ctx); m[pension] != "nostop" {
				t.Errorf("after activating a no-stop subscription: %v", m)
			}
			if _, err := s.Proactive.Retire(ctx, pr[1], sub.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// mustPerson returns the person with national code code, made if new.
func mustPerson(t *testing.T, s *served, code string) identity.Person {
	t.Helper()
	p, err := s.Identity.EnsurePerson(s.Ctx, code, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

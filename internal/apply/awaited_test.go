package apply_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestAwaitedEvidenceGoesToTheAgency: evidence no agency answers is
// visible to the applicant (what, from whom, since when, the next attempt);
// after the last attempt the platform stops asking, and the case goes to
// the agency's staff with the reason: one apply.evidence.gave_up event and
// one notice in the agency's inbox, never repeated.
func TestAwaitedEvidenceGoesToTheAgency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{}) // without the exchange, no agency answers
		c := f.mustSubmitPermit(t, ali)
		gaveUp := func() []store.Event {
			t.Helper()
			evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "apply.evidence.gave_up", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}
		read, err := f.app.Case(ctx, ali, c.Tracking)
		if err != nil {
			t.Fatal(err)
		}
		if len(read.Awaited) != 1 {
			t.Fatalf("awaited %+v", read.Awaited)
		}
		w := read.Awaited[0]
		if w.Code != "identity" || w.HeldBy != "NOCR" || w.Inquiry != "NOCR/person-identity" || !w.Since.Equal(c.SubmittedAt) ||
			w.Attempts != 1 || w.NextAt == nil || !w.NextAt.Equal(c.SubmittedAt.Add(time.Minute)) || w.GaveUp() {
			t.Fatalf("awaited after submission: %+v", w)
		}
		for attempts := 1; attempts < 12; attempts++ {
			if len(gaveUp()) != 0 {
				t.Fatalf("gave up after %d attempts", attempts)
			}
			read, err := f.app.Case(ctx, ali, c.Tracking)
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Add(read.Awaited[0].NextAt.Sub(f.clock.Now()))
			if _, err := f.app.RetryDueEvidence(ctx); err != nil {
				t.Fatal(err)
			}
		}
		read, err = f.app.Case(ctx, ali, c.Tracking)
		if err != nil {
			t.Fatal(err)
		}
		if w := read.Awaited[0]; w.Attempts != 12 || !w.GaveUp() || !w.Since.Equal(c.SubmittedAt) {
			t.Fatalf("awaited after the last attempt: %+v", w)
		}
		evs := gaveUp()
		if len(evs) != 1 {
			t.Fatalf("%d gave_up events", len(evs))
		}
		var pl struct {
			Tracking, Code, Inquiry, Reason string
			Attempts                        int
		}
		if err := json.Unmarshal(evs[0].Payload, &pl); err != nil || pl.Tracking != c.Tracking || pl.Code != "identity" || pl.Attempts != 12 ||
			!strings.Contains(pl.Reason, "NOCR/person-identity") || evs[0].Agency != "MIMT" || evs[0].Subject != ali.NationalCode {
			t.Errorf("event %+v %+v %v", evs[0], pl, err)
		}
		inbox, err := f.notes.Inbox(ctx, "agency:MIMT")
		if err != nil {
			t.Fatal(err)
		}
		var notices int
		for _, m := range inbox {
			if m.Template == "case.evidence_failed" {
				notices++
				if !strings.Contains(m.BodyFa, c.Tracking) || !strings.Contains(m.BodyFa, "اطلاعات هویتی از ثبت احوال") ||
					!strings.Contains(m.BodyFa, "سازمان ثبت احوال کشور") || m.Link != "/agency/cases/"+c.Tracking {
					t.Errorf("notice %+v", m)
				}
			}
		}
		if notices != 1 {
			t.Errorf("%d case.evidence_failed notices", notices)
		}
		// Later sweeps change nothing.
		f.clock.Add(48 * time.Hour)
		if _, err := f.app.RetryDueEvidence(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(gaveUp()); n != 1 {
			t.Errorf("%d gave_up events after more sweeps", n)
		}
	}, sets...)
}

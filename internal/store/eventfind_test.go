package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestEventIDsBy finds events by a payload field among one subject's
// events of one kind, on both engines, and on SQLite through the subject
// index rather than the kind's, which holds every citizen's events.
func TestEventIDsBy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for _, ev := range []struct {
				kind, subject, doc string
			}{
				{"permit.document.issued", "a", "D1"},
				{"permit.document.revoked", "a", "D1"},
				{"permit.document.issued", "b", "D2"},
				{"permit.document.issued", "a", "D3"},
				{"permit.document.issued", "a", "D1"}, // a second event naming D1: the newest wins
			} {
				if err := tx.Append(ctx, store.Event{Kind: ev.kind, Actor: "t", Subject: ev.subject}, map[string]any{"document": ev.doc, "n": 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Events(ctx, store.EventFilter{KindPrefix: "permit."})
		if err != nil || len(all) != 5 {
			t.Fatalf("events: %d (%v)", len(all), err)
		}
		got, err := s.EventIDsBy(ctx, "permit.document.issued", "a", "document", []string{"D1", "D2", "D3", "D9"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["D1"] != all[4].ID || got["D3"] != all[3].ID {
			t.Errorf("EventIDsBy = %v, want D1 %d and D3 %d only (D2 is b's)", got, all[4].ID, all[3].ID)
		}
		// Stopping once all are found: D1 alone is its newest event.
		if got, err := s.EventIDsBy(ctx, "permit.document.issued", "a", "document", []string{"D1"}); err != nil || len(got) != 1 || got["D1"] != all[4].ID {
			t.Errorf("EventIDsBy(D1) = %v (%v)", got, err)
		}
		if got, err := s.EventIDsBy(ctx, "permit.document.issued", "", "document", []string{"D2"}); err != nil || len(got) != 0 {
			t.Errorf("an empty subject found %v (%v)", got, err)
		}
		if s.Dialect() != store.SQLite {
			return
		}
		rows, err := s.Read().QueryContext(ctx, "EXPLAIN QUERY PLAN "+store.EventIDsByQuery, "a", "permit.document.issued")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		if !strings.Contains(plan.String(), "events_subject") {
			t.Errorf("plan %q does not use events_subject", plan.String())
		}
	})
}

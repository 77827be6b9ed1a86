package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestEventsUseTheirIndexes checks on SQLite that reading events by
// subject, service or agency searches the partial index instead of
// scanning the whole event log, which grows with everything the platform
// does: the filter must repeat the index's condition, since the planner
// cannot tell that a bound parameter is not ”.
func TestEventsUseTheirIndexes(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite)
	ctx := context.Background()
	for col, want := range map[string]string{"subject": "events_subject", "service": "events_service", "agency": "events_agency"} {
		rows, err := s.Read().QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT id FROM events WHERE kind LIKE $1 ESCAPE '\' AND `+
			col+` = $2 AND `+col+` <> '' ORDER BY id LIMIT 100`, "apply.%", "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		rows.Close()
		if !strings.Contains(plan.String(), want) {
			t.Errorf("events by %s: plan %q does not use %s", col, plan.String(), want)
		}
	}
	// And Events itself filters that way: what it returns is unchanged.
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for _, sub := range []string{"a", "b", ""} {
			if err := tx.Append(ctx, store.Event{Kind: "test.plan", Actor: "t", Subject: sub, Service: "1000001", Agency: "NOCR"}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "test.", Subject: "a", Service: "1000001", Agency: "NOCR"})
	if err != nil || len(evs) != 1 || evs[0].Subject != "a" {
		t.Fatalf("events of subject a: %v (%v)", evs, err)
	}
}

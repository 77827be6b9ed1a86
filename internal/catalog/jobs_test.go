package catalog

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

func TestReviewJob(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		svc := mustPublish(t, ctx, c, jud, smartRecord())
		old := mustPublish(t, ctx, c, nocr, nocrRecord())
		if _, err := c.SaveDraft(ctx, nocr, old.Key, nocrRecord()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, nocr, old.Key); err != nil {
			t.Fatal(err)
		}
		// Each publication scheduled its review a year ahead.
		rows, err := s.Read().QueryContext(ctx, `SELECT scheduled_at FROM river_job
			WHERE kind = 'catalog.review' AND state = 'scheduled'`)
		if err != nil {
			t.Fatal(err)
		}
		scheduled := 0
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&at); err != nil {
				t.Fatal(err)
			}
			if d := time.Until(at); d < ReviewAfter-time.Hour || d > ReviewAfter+time.Hour {
				t.Fatalf("review scheduled in %v, want a year", d)
			}
			scheduled++
		}
		rows.Close()
		if scheduled != 3 {
			t.Fatalf("%d scheduled reviews, want 3", scheduled)
		}

		// Jobs due now: one for the current version of svc, one for the
		// superseded first version of old. Only the first marks anything.
		c.RegisterWorkers()
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for _, a := range []reviewArgs{{ServiceKey: svc.Key, Version: 1}, {ServiceKey: old.Key, Version: 1}} {
				if err := tx.Enqueue(ctx, a, &river.InsertOpts{ScheduledAt: time.Now()}); err != nil {
					return err
				}
			}
			err := tx.Append(ctx, store.Event{Kind: "test.review_enqueued", Actor: "system"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		deadline := time.Now().Add(15 * time.Second)
		var due []store.Event
		for time.Now().Before(deadline) {
			var done int
			_ = s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'catalog.review' AND state = 'completed'`).Scan(&done)
			if done == 2 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		due = events(t, ctx, s, evReviewDue)
		if len(due) != 1 || due[0].Service != svc.ID || due[0].Agency != "JUD" {
			t.Fatalf("review_due events = %+v", due)
		}
		if st, _ := c.AgencyStats(ctx, "JUD"); st.NeedsReview != 1 {
			t.Fatalf("JUD needs review = %d, want 1", st.NeedsReview)
		}
		if st, _ := c.AgencyStats(ctx, "NOCR"); st.NeedsReview != 0 {
			t.Fatalf("NOCR needs review = %d, want 0 (republished since)", st.NeedsReview)
		}

		// Idempotent: working the same job again changes nothing.
		if err := c.markReviewDue(ctx, svc.Key, 1); err != nil {
			t.Fatal(err)
		}
		if n := len(events(t, ctx, s, evReviewDue)); n != 1 {
			t.Fatalf("%d review_due events after a second run, want 1", n)
		}
		// Publishing again clears the mark.
		if _, err := c.SaveDraft(ctx, jud, svc.Key, smartRecord()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, jud, svc.Key); err != nil {
			t.Fatal(err)
		}
		if st, _ := c.AgencyStats(ctx, "JUD"); st.NeedsReview != 0 {
			t.Fatalf("needs review after republishing = %d", st.NeedsReview)
		}
	})
}

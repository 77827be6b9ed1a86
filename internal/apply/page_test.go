package apply_test

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestMyCasesPages: a citizen's cases are walked to the end a page at a
// time, newest first, each once, across cases filed at the same instant
// and at different ones (the list once stopped at 500).
func TestMyCasesPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		const n = 23
		want := map[string]bool{}
		for i := 0; i < n; i++ {
			if i%4 == 0 {
				f.clock.Add(time.Minute) // some share their submission time, some do not
			}
			want[f.mustSubmitPlain(t, ali).Tracking] = true
		}
		f.mustSubmitPlain(t, maryam) // someone else's: never listed
		var got []apply.Case
		cursor, pages := "", 0
		for {
			page, next, err := f.app.MyCases(ctx, ali, cursor, 5)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			got = append(got, page...)
			if next == "" {
				break
			}
			if len(page) != 5 || pages > n {
				t.Fatalf("page %d has %d cases and a next cursor", pages, len(page))
			}
			cursor = next
		}
		if len(got) != n || pages != 5 {
			t.Fatalf("%d cases in %d pages, want %d in 5", len(got), pages, n)
		}
		for i, c := range got {
			if !want[c.Tracking] {
				t.Errorf("case %s listed twice or not Ali's", c.Tracking)
			}
			delete(want, c.Tracking)
			if i > 0 && c.SubmittedAt.After(got[i-1].SubmittedAt) {
				t.Errorf("not newest first at %d", i)
			}
		}
		if _, _, err := f.app.MyCases(ctx, ali, "not-a-cursor", 5); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}
	}, sets...)
}

// TestAgencyQueuePages: the agency's queue, in either order, is walked to
// the end a page at a time, each case once (it once stopped at 500).
func TestAgencyQueuePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		const n = 17
		for i := 0; i < n; i++ {
			if i%3 == 0 {
				f.clock.Add(time.Hour) // deadlines some shared, some not
			}
			f.mustSubmitPlain(t, ali)
		}
		for _, latest := range []bool{false, true} {
			seen := map[string]bool{}
			var prev apply.Case
			cursor, pages := "", 0
			for {
				page, err := f.app.AgencyQueue(ctx, officer, apply.ConsoleFilter{Latest: latest, Cursor: cursor, Limit: 4})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, it := range page.Items {
					if seen[it.Tracking] {
						t.Errorf("latest=%v: %s twice", latest, it.Tracking)
					}
					seen[it.Tracking] = true
					if prev.ID != 0 && (!latest && it.Deadline.Before(prev.Deadline) || latest && it.Deadline.After(prev.Deadline)) {
						t.Errorf("latest=%v: out of order", latest)
					}
					prev = it.Case
				}
				if page.Counts.Open != n {
					t.Errorf("counts %+v", page.Counts)
				}
				if page.Next == "" {
					break
				}
				if pages > n {
					t.Fatal("the pages never end")
				}
				cursor = page.Next
			}
			if len(seen) != n || pages != 5 {
				t.Errorf("latest=%v: %d cases in %d pages, want %d in 5", latest, len(seen), pages, n)
			}
		}
		if _, err := f.app.AgencyQueue(ctx, officer, apply.ConsoleFilter{Cursor: "x"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}
	}, sets...)
}

// TestDeliveriesPages: the agency's webhook deliveries are walked to the
// end a page at a time, newest first, each once (the list once stopped at
// its limit).
func TestDeliveriesPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		b := mustBackoffice(t, f, apply.BackofficeOptions{AllowLoopbackHTTP: true})
		for _, url := range []string{"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"} { // nobody listens; the jobs do not run
			if _, _, err := b.RegisterWebhook(ctx, mimtKey, url, nil); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 4; i++ {
			f.mustSubmitPlain(t, ali)
		}
		time.Sleep(time.Millisecond)
		if _, err := b.Feed(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := b.Deliveries(ctx, officer, 500)
		if err != nil || len(all) != 8 { // each case to each endpoint
			t.Fatalf("%d deliveries (%v)", len(all), err)
		}
		var walked []apply.Delivery
		cursor, pages := "", 0
		for {
			page, next, err := b.DeliveriesPage(ctx, officer, cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			walked, pages = append(walked, page...), pages+1
			if next == "" || pages > 10 {
				break
			}
			cursor = next
		}
		if len(walked) != len(all) || pages != 3 {
			t.Fatalf("%d deliveries in %d pages, want %d in 3", len(walked), pages, len(all))
		}
		for i := range all {
			if walked[i].ID != all[i].ID {
				t.Errorf("delivery %d: %s walked, %s at once", i, walked[i].ID, all[i].ID)
			}
		}
		if _, _, err := b.DeliveriesPage(ctx, officer, "x", 3); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}
	}, sets...)
}

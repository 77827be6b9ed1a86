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

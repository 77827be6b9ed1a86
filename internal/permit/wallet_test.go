package permit_test

import (
	"context"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestWalletPages: a wallet longer than a page is walked to the end, newest
// first, each document once and only the holder's (the wallet once stopped
// at 1000).
func TestWalletPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		const n = 11
		want := map[string]bool{}
		for i := 0; i < n; i++ { // several in one second: the claims' times tie
			want[f.mustIssue(t, mimtOperator, f.licenceRequest(holderA)).ID] = true
		}
		f.mustIssue(t, mimtOperator, f.licenceRequest(holderB)) // another holder's: never listed
		cursor, pages, count := "", 0, 0
		for {
			page, next, err := f.p.Wallet(ctx, holderA, cursor, 4)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, d := range page {
				if !want[d.ID] {
					t.Errorf("document %s listed twice or not the holder's", d.ID)
				}
				delete(want, d.ID)
				count++
			}
			if next == "" || pages > n {
				break
			}
			if len(page) != 4 {
				t.Fatalf("page %d has %d documents and a next cursor", pages, len(page))
			}
			cursor = next
		}
		if count != n || pages != 3 {
			t.Errorf("%d documents in %d pages, want %d in 3", count, pages, n)
		}
		if _, _, err := f.p.Wallet(ctx, holderA, "not-a-cursor", 4); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}
	}, sets()...)
}

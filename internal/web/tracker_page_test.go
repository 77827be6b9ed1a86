package web

import (
	"testing"

	"github.com/panjare/panjare/internal/exchange"
)

// TestTrackerNextPage: the tracker reads one inquiry more than a page, so a
// last page of exactly a page's length links nowhere (it once linked to an
// empty page of "older" inquiries), and a longer list is cut to a page that
// links on from its oldest inquiry.
func TestTrackerNextPage(t *testing.T) {
	rows := func(n int) []exchange.TrackedInquiry {
		out := make([]exchange.TrackedInquiry, n)
		for i := range out {
			out[i].ID = int64(1000 - i) // newest first
		}
		return out
	}
	if got, next := nextPage("/me/data", rows(trackerPage)); len(got) != trackerPage || next != "" {
		t.Errorf("exactly a page: %d rows, next %q; want %d rows and no link", len(got), next, trackerPage)
	}
	got, next := nextPage("/me/data", rows(trackerPage+1))
	if len(got) != trackerPage || next != "/me/data?before=951" {
		t.Errorf("a page and one: %d rows, next %q; want %d rows and /me/data?before=951", len(got), next, trackerPage)
	}
	if got, next := nextPage("/me/data", nil); len(got) != 0 || next != "" {
		t.Errorf("no inquiries: %d rows, next %q", len(got), next)
	}
}

package apply

import (
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/store"
)

// Lists of cases come a page at a time, with an opaque cursor to the next
// page (store.Cursor): the sort key of the page's last case. A cursor,
// unlike an offset, neither skips nor repeats a case when new ones arrive
// between pages.

// MaxPage is the most cases one page holds; DefaultPage is a page's size
// when none is asked.
const (
	MaxPage     = store.MaxPage
	DefaultPage = store.DefaultPage
)

func pageLimit(n int) int { return store.PageLimit(n) }

// caseCursor encodes a case's time and id.
func caseCursor(at time.Time, id int64) string {
	return store.Cursor(at, strconv.FormatInt(id, 10))
}

func parseCaseCursor(op, s string) (time.Time, int64, error) {
	at, ids, err := store.ParseCursor(op, s)
	if err != nil {
		return time.Time{}, 0, err
	}
	id, err := strconv.ParseInt(ids, 10, 64)
	if err != nil || id <= 0 {
		return time.Time{}, 0, store.BadCursor(op)
	}
	return at, id, nil
}

// deliveryCursor encodes a webhook delivery's time, feed cursor and id.
func deliveryCursor(at time.Time, seq, id string) string {
	return store.Cursor(at, seq+","+id)
}

func parseDeliveryCursor(op, s string) (time.Time, int64, string, error) {
	at, rest, err := store.ParseCursor(op, s)
	if err != nil {
		return time.Time{}, 0, "", err
	}
	seqs, id, ok := strings.Cut(rest, ",")
	seq, err := strconv.ParseInt(seqs, 10, 64)
	if !ok || id == "" || err != nil {
		return time.Time{}, 0, "", store.BadCursor(op)
	}
	return at, seq, id, nil
}

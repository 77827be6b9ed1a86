package apply

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// Lists of cases come a page at a time, with an opaque cursor to the next
// page: the sort key of the page's last case. A cursor, unlike an offset,
// neither skips nor repeats a case when new ones arrive between pages.

// MaxPage is the most cases one page holds; DefaultPage is a page's size
// when none is asked.
const (
	MaxPage     = 500
	DefaultPage = 50
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPage
	case n > MaxPage:
		return MaxPage
	}
	return n
}

// caseCursor encodes a case's time and id.
func caseCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "," + strconv.FormatInt(id, 10)))
}

func parseCaseCursor(op, s string) (time.Time, int64, error) {
	bad := errs.E(op, errs.Invalid, "the cursor is not one this list gave", "نشانگر صفحه (cursor) از این فهرست نیست")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, bad
	}
	ts, ids, ok := strings.Cut(string(b), ",")
	if !ok {
		return time.Time{}, 0, bad
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, 0, bad
	}
	id, err := strconv.ParseInt(ids, 10, 64)
	if err != nil || id <= 0 {
		return time.Time{}, 0, bad
	}
	return at.UTC(), id, nil
}

// deliveryCursor encodes a webhook delivery's time, feed cursor and id.
func deliveryCursor(at time.Time, seq, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "," + seq + "," + id))
}

func parseDeliveryCursor(op, s string) (time.Time, int64, string, error) {
	bad := errs.E(op, errs.Invalid, "the cursor is not one this list gave", "نشانگر صفحه (cursor) از این فهرست نیست")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, "", bad
	}
	parts := strings.SplitN(string(b), ",", 3)
	if len(parts) != 3 || parts[2] == "" {
		return time.Time{}, 0, "", bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return time.Time{}, 0, "", bad
	}
	seq, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return time.Time{}, 0, "", bad
	}
	return at.UTC(), seq, parts[2], nil
}

package store

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// A list read a page at a time hands out an opaque cursor to the next
// page: the sort key of the page's last row, a time and an id. The next
// page starts strictly after that key, so a row added between two reads is
// neither skipped nor repeated, as it would be with an offset. The cursor
// only says where to start: the list's own WHERE still decides whose rows
// are read, so a cursor cannot show anything its bearer could not see.

// MaxPage is the most rows one page of a list holds; DefaultPage is a
// page's size when none is asked.
const (
	MaxPage     = 500
	DefaultPage = 50
)

// PageLimit is the page size for n asked: DefaultPage for none, at most
// MaxPage.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPage
	case n > MaxPage:
		return MaxPage
	}
	return n
}

// BadCursor is the error for a cursor that no list of this kind gave.
func BadCursor(op string) error {
	return errs.E(op, errs.Invalid, "the cursor is not one this list gave", "نشانگر صفحه (cursor) از این فهرست نیست")
}

// Cursor encodes the sort key of a page's last row.
func Cursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "," + id))
}

// ParseCursor reads a cursor Cursor made; anything else is errs.Invalid,
// with op as the operation.
func ParseCursor(op, s string) (time.Time, string, error) {
	bad := BadCursor(op)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(b), ",")
	if !ok || id == "" {
		return time.Time{}, "", bad
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", bad
	}
	return at.UTC(), id, nil
}

// IDCursor encodes the id of a page's last row, for lists sorted by id.
func IDCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id," + strconv.FormatInt(id, 10)))
}

// ParseIDCursor reads a cursor IDCursor made; anything else is
// errs.Invalid, with op as the operation.
func ParseIDCursor(op, s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if ids, ok := strings.CutPrefix(string(b), "id,"); ok {
			if id, err := strconv.ParseInt(ids, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, BadCursor(op)
}

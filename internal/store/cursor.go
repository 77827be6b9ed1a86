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

// Cursor encodes the sort key of a page's last row.
func Cursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "," + id))
}

// ParseCursor reads a cursor Cursor made; anything else is errs.Invalid,
// with op as the operation.
func ParseCursor(op, s string) (time.Time, string, error) {
	bad := errs.E(op, errs.Invalid, "the cursor is not one this list gave", "نشانگر صفحه (cursor) از این فهرست نیست")
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
	return 0, errs.E(op, errs.Invalid, "the cursor is not one this list gave", "نشانگر صفحه (cursor) از این فهرست نیست")
}

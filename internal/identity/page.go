package identity

import (
	"encoding/base64"
	"strings"

	"github.com/panjare/panjare/internal/errs"
)

// Lists that can grow without bound (an agency's representations, a
// person's sessions) come a page at a time, with an opaque cursor to the
// next page (store.Cursor).

// MaxPage is the most rows one page of an identity list holds;
// DefaultPage is a page's size when none is asked.
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

// staffCursor encodes the sort key of a staff role: the national code and
// the role.
func staffCursor(code string, role Role) string {
	return base64.RawURLEncoding.EncodeToString([]byte(code + "," + string(role)))
}

func parseStaffCursor(op, s string) (string, string, error) {
	bad := errs.E(op, errs.Invalid, "the cursor is not one this list gave", "نشانگر صفحه (cursor) از این فهرست نیست")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", bad
	}
	code, role, ok := strings.Cut(string(b), ",")
	if !ok || len(code) != 10 || strings.Trim(code, "0123456789") != "" || role == "" {
		return "", "", bad
	}
	return code, role, nil
}

package identity

import (
	"encoding/base64"
	"strings"

	"github.com/panjare/panjare/internal/store"
)

// Lists that can grow without bound (an agency's representations, a
// person's sessions) come a page at a time, with an opaque cursor to the
// next page (store.Cursor).

// MaxPage is the most rows one page of an identity list holds;
// DefaultPage is a page's size when none is asked.
const (
	MaxPage     = store.MaxPage
	DefaultPage = store.DefaultPage
)

func pageLimit(n int) int { return store.PageLimit(n) }

// staffCursor encodes the sort key of a staff role: the national code and
// the role.
func staffCursor(code string, role Role) string {
	return base64.RawURLEncoding.EncodeToString([]byte(code + "," + string(role)))
}

func parseStaffCursor(op, s string) (string, string, error) {
	bad := store.BadCursor(op)
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

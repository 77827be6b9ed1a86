package store_test

import (
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// TestCursors: a cursor reads back as the key it was made of, to the
// nanosecond; anything else a client could send is errs.Invalid with a
// message in both languages.
func TestCursors(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 30, 0, 123456789, time.FixedZone("IRST", 3*3600+1800))
	if got, id, err := store.ParseCursor("t", store.Cursor(at, "D7K3-9QXM-4RA")); err != nil || !got.Equal(at) || id != "D7K3-9QXM-4RA" {
		t.Errorf("ParseCursor(Cursor) = %v, %q, %v", got, id, err)
	}
	if id, err := store.ParseIDCursor("t", store.IDCursor(42)); err != nil || id != 42 {
		t.Errorf("ParseIDCursor(IDCursor(42)) = %d, %v", id, err)
	}
	for _, bad := range []string{"x", "!!!", store.IDCursor(42), "MjAyNg", "aWQsLTE" /* id,-1 */} {
		_, _, err := store.ParseCursor("t", bad)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseCursor(%q) = %v, want invalid", bad, err)
		}
		if fa, en := errs.Messages(err); fa == "" || en == "" {
			t.Errorf("ParseCursor(%q): messages %q, %q", bad, fa, en)
		}
	}
	for _, bad := range []string{"x", store.Cursor(at, "7"), "aWQsLTE" /* id,-1 */, "aWQsMA" /* id,0 */} {
		if _, err := store.ParseIDCursor("t", bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseIDCursor(%q) = %v, want invalid", bad, err)
		}
	}
}

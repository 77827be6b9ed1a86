package permit

import (
	"testing"

	"github.com/panjare/panjare/internal/errs"
)

// TestNoFont checks that a server without any font with Persian letters
// says so with a 503-kind error instead of making an unreadable PDF.
func TestNoFont(t *testing.T) {
	saved := systemFonts
	t.Cleanup(func() { systemFonts = saved })
	systemFonts = []string{"/nonexistent/font.ttf"}
	_, err := LoadFonts([]byte("not a font"))
	if err != ErrNoFont || !errs.Is(err, errs.Unavailable) {
		t.Fatalf("LoadFonts without fonts = %v, want ErrNoFont (unavailable)", err)
	}
	if _, err := PDFBytes(Document{ID: "X"}, nil, ""); err != ErrNoFont {
		t.Fatalf("PDFBytes without fonts = %v", err)
	}
	lazy := NewLazyFonts(func() []byte { return nil })
	if _, err := lazy.Get(); err != ErrNoFont {
		t.Fatalf("LazyFonts.Get = %v", err)
	}
}

// FuzzParseDocumentID checks that any input parses without panicking, and
// that whatever parses is canonical and formats back to itself.
func FuzzParseDocumentID(f *testing.F) {
	for _, s := range []string{"M4NS-SSPY-0Q8", "m4ns sspy 0q8", "۰۰۰۰-۰۰۰۰-۰۰۰", "", "----", "OOOO-IIII-LLL", "\u200c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		canon, ok := ParseDocumentID(s)
		if !ok {
			return
		}
		if len(canon) != idLen || checkSymbol(canon[:idSymbols]) != canon[idSymbols] {
			t.Fatalf("ParseDocumentID(%q) = %q, not canonical", s, canon)
		}
		if again, ok := ParseDocumentID(FormatDocumentID(canon)); !ok || again != canon {
			t.Fatalf("round trip of %q gave %q", canon, again)
		}
	})
}

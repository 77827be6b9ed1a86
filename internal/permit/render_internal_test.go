package permit

import (
	"os"
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

// TestFontsNeedLatin checks that a font without Latin letters is never
// used, even when it has every Persian one: Debian's Noto Sans Arabic (in
// fonts-noto-core) is such a font, and with it a document's id printed as
// empty boxes.
func TestFontsNeedLatin(t *testing.T) {
	const arabicOnly = "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"
	const both = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	for _, f := range []string{arabicOnly, both} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is not installed (apt-get install fonts-noto-core fonts-dejavu-core)", f)
		}
	}
	saved := systemFonts
	t.Cleanup(func() { systemFonts = saved })

	systemFonts = []string{arabicOnly}
	if f, err := LoadFonts(nil); err != ErrNoFont {
		t.Fatalf("LoadFonts with Noto Sans Arabic alone = %v, %v; want ErrNoFont, since it has no Latin letters", f, err)
	}
	systemFonts = []string{arabicOnly, both}
	f, err := LoadFonts(nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "DejaVuSans.ttf" || len(f.fonts) != 1 {
		t.Fatalf("LoadFonts chose %s (%d fonts), want DejaVuSans.ttf alone", f.Name, len(f.fonts))
	}
	d := Document{ID: "M4NS-SSPY-0Q8", ServiceTitleFa: "گواهی تجرد", HolderName: "زهرا کریمی", Holder: "0067749828",
		Fields: map[string]string{"وضعیت تأهل": "مجرد", "Serial": "BRT-2291"}}
	if got := f.forText(documentText(d, "https://panjare.example/verify")); !covers(got.font, documentText(d, "https://panjare.example/verify")) {
		t.Errorf("the font chosen for a document lacks some of its letters")
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

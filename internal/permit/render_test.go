package permit_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// vazirmatn returns the embedded font the portal serves, if the Makefile
// has copied it there; tests then also try the system fallback.
func vazirmatn(tb testing.TB) []byte {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "web", "static", "vendor", "vazirmatn", "Vazirmatn-Variable.woff2"))
	if err != nil {
		tb.Logf("Vazirmatn is not in the static vendor folder (run make assets); testing the system font fallback only")
		return nil
	}
	return b
}

func TestPDF(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, sets()...)
	f := mustFixture(t, s)
	doc := f.mustIssue(t, mimtOperator, f.licenceRequest(holderA))

	for _, font := range []struct {
		name string
		b    []byte
	}{{"vazirmatn", vazirmatn(t)}, {"system", nil}} {
		t.Run(font.name, func(t *testing.T) {
			if font.name == "vazirmatn" && font.b == nil {
				t.Skip("no Vazirmatn")
			}
			fonts, err := permit.LoadFonts(font.b)
			if err == permit.ErrNoFont {
				t.Skip("no font with Persian letters on this machine")
			}
			if err != nil {
				t.Fatal(err)
			}
			if font.name == "vazirmatn" && fonts.Name != "Vazirmatn" {
				t.Fatalf("loaded %s, want the embedded Vazirmatn", fonts.Name)
			}
			out, err := permit.PDFBytes(doc, fonts, "https://panjare.example/verify")
			if err != nil {
				t.Fatal(err)
			}
			checkPDF(t, out, doc)
		})
	}
	// Bytes that are no font fall back to the system fonts or fail cleanly.
	if _, err := permit.LoadFonts([]byte("not a font")); err != nil && err != permit.ErrNoFont {
		t.Errorf("LoadFonts(garbage) = %v", err)
	}
}

// checkPDF checks that out is a one-page PDF with an embedded font, and,
// where poppler-utils is installed, that its text holds the holder's name
// and the id in the right order, and that it renders to an image.
func checkPDF(t *testing.T, out []byte, doc permit.Document) {
	t.Helper()
	if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.Contains(out[len(out)-64:], []byte("%%EOF")) {
		t.Fatalf("not a PDF: %q", out[:min(len(out), 16)])
	}
	if !bytes.Contains(out, []byte("/FontFile2")) && !bytes.Contains(out, []byte("/FontFile3")) {
		t.Error("the PDF embeds no font")
	}
	if pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(out, -1)); pages != 1 {
		t.Errorf("the PDF has %d pages, want 1", pages)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PANJARE_KEEP_PDF") != "" {
		_ = os.WriteFile(os.Getenv("PANJARE_KEEP_PDF"), out, 0o600)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext is not installed (apt-get install poppler-utils): the PDF's text is not checked")
	} else {
		txt, err := exec.Command("pdftotext", "-q", file, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		// pdftotext gives presentation forms, drops or adds spaces and
		// wraps lines in bidi marks; compare letters in logical order.
		text := flat(string(txt))
		// Lines that mix directions come out of pdftotext in its own
		// order, so for those only each part is looked for.
		for _, want := range []string{"دارنده: " + doc.HolderName, "صدور پروانهٔ کسب", "نام واحد صنفی: نانوایی سنگک برکت",
			"نشانی: تهران، خیابان ولیعصر، پلاک ۱۲", "شناسهٔ سند", doc.ID, "کد ملی / شناسهٔ ملی", "۰۰۶۷۷۴۹۸۲۸",
			"رستهٔ صنفی: نانوایی سنگک", "شمارهٔ پروانه", "BK-1405-7731"} {
			if !strings.Contains(text, flat(want)) {
				t.Errorf("the PDF's text lacks %q in this order:\n%s", want, txt)
			}
		}
	}
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Log("pdftoppm is not installed (apt-get install poppler-utils): the PDF is not rendered")
		return
	}
	if err := exec.Command("pdftoppm", "-png", "-r", "60", "-singlefile", file, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the rendered page is not a PNG: %v", err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 450 || w > 550 || h < 650 || h > 750 {
		t.Errorf("the page renders at %d×%d at 60 dpi, want A4 (496×702)", w, h)
	}
	// The printed QR code reads back as the JWS, so paper verifies offline.
	if err := exec.Command("pdftoppm", "-png", "-r", "200", "-singlefile", file, filepath.Join(dir, "print")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	if got, ok := scanQR(t, filepath.Join(dir, "print.png")); ok && got != doc.JWS {
		t.Errorf("the printed QR code reads %.40q…, want the document's JWS", got)
	}
}

// scanQR decodes the QR code in a PNG file with zbarimg, when installed.
func scanQR(t *testing.T, file string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Log("zbarimg is not installed (apt-get install zbar-tools): the QR code is not read back")
		return "", false
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sbinary", file).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in %s: %v", filepath.Base(file), err)
	}
	return strings.TrimRight(string(out), "\n"), true
}

// flat folds text for comparison: compatibility forms to letters (NFKC),
// without spaces, ZWNJ or bidi controls.
func flat(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\n' || r == '\u200c' || r == '\u00a0' || r == '\u200e' || r == '\u200f',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, norm.NFKC.String(s))
}

func TestQR(t *testing.T) {
	ctx := context.Background()
	s := storetest.MustOpen(t, store.SQLite, sets()...)
	f := mustFixture(t, s)
	doc := f.mustIssue(t, mimtOperator, f.licenceRequest(holderA))
	b, err := permit.QRPNG(doc.JWS, 4)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("QR is not a PNG: %v", err)
	}
	if img.Bounds().Dx() < 100 {
		t.Errorf("QR is %d px wide", img.Bounds().Dx())
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok := scanQR(t, file); ok && got != doc.JWS {
		t.Errorf("the QR code reads %.40q…, want the document's JWS", got)
	}
	// A document too large for a QR code is refused; the largest one
	// accepted still fits.
	big := f.licenceRequest(holderA)
	big.Fields = map[string]string{}
	for i := range 20 {
		big.Fields[strings.Repeat("ع", 70)+string(rune('a'+i))] = strings.Repeat("م", 300)
	}
	if _, err := f.p.Issue(ctx, mimtOperator, big); !errs.Is(err, errs.Invalid) {
		t.Fatalf("Issue of a document too large for a QR code = %v, want invalid", err)
	}
	var largest permit.Document
	for n := 1; n <= 20; n++ {
		r := f.licenceRequest(holderA)
		r.Fields = map[string]string{}
		for i := range n {
			r.Fields[strings.Repeat("ع", 20)+string(rune('a'+i))] = strings.Repeat("م", 120)
		}
		d, err := f.p.Issue(ctx, mimtOperator, r)
		if errs.Is(err, errs.Invalid) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		largest = d
	}
	if len(largest.JWS) < permit.MaxJWSBytes-600 {
		t.Fatalf("the largest document issued has %d bytes of JWS; the test did not reach the limit", len(largest.JWS))
	}
	if _, err := permit.QRPNG(largest.JWS, 1); err != nil {
		t.Errorf("the largest document (%d bytes of JWS) does not fit a QR code: %v", len(largest.JWS), err)
	}
}

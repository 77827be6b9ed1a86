package permit_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestPDFTrackingCodeDigits issues a document whose case tracking code came
// with ASCII digits, as apply writes it, and reads the PDF's text back: the
// code is in Persian digits, its groups in order.
func TestPDFTrackingCodeDigits(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is not installed (apt-get install poppler-utils)")
	}
	s := storetest.MustOpen(t, store.SQLite, sets()...)
	f := mustFixture(t, s)
	req := f.licenceRequest(holderA)
	req.CaseRef = "1405-0932-8471"
	doc := f.mustIssue(t, mimtOperator, req)
	fonts, err := permit.LoadFonts(vazirmatn(t))
	if err == permit.ErrNoFont {
		t.Skip("no font with Persian letters on this machine")
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := permit.PDFBytes(doc, fonts, "https://panjare.example/verify")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command("pdftotext", "-q", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := flat(string(txt))
	if !strings.Contains(text, flat("۱۴۰۵-۰۹۳۲-۸۴۷۱")) || strings.Contains(text, "0932") {
		t.Errorf("the PDF's tracking code is not ۱۴۰۵-۰۹۳۲-۸۴۷۱ in Persian digits:\n%s", txt)
	}
}

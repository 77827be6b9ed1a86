package permit

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/pdf"
	"rsc.io/qr"
)

// QRPNG returns a PNG of the document's QR code. Its payload is the compact
// JWS itself, not a link, so that a verifier with the published keys needs
// nothing else: the QR plus the JWKS suffice (VerifyOffline). We use
// rsc.io/qr (DESIGN.md allows it or skip2/go-qrcode): it is small, has no
// dependencies and encodes up to version 40, which the longest documents
// (about 2 KB of JWS) need. Level L: the code is printed and shown on
// screens, not worn, and L keeps the modules large enough to scan.
func QRPNG(jws string, scale int) ([]byte, error) {
	code, err := qrCode(jws)
	if err != nil {
		return nil, err
	}
	// image/png rather than the package's own PNG writer, which panics
	// on some sizes at scale 1.
	var buf bytes.Buffer
	if err := png.Encode(&buf, qrImage(code, max(scale, 1))); err != nil {
		return nil, errs.Wrap("permit.QR", err)
	}
	return buf.Bytes(), nil
}

func qrCode(jws string) (*qr.Code, error) {
	code, err := qr.Encode(jws, qr.L)
	if err != nil {
		return nil, errs.Wrap("permit.QR", err)
	}
	return code, nil
}

// Fonts are the faces a PDF is set in. Persian needs a font with Arabic
// script and OpenType shaping tables; canvas shapes the text (joining
// forms, ligatures) with HarfBuzz's Go port and orders it with the Unicode
// bidi algorithm, which fpdf and gopdf cannot (DESIGN.md).
//
// Every document mixes Persian with Latin text (its id, its case's tracking
// code, the verify address), and a text box is set in one font, so a font
// is used only if it has glyphs for both: Noto Sans Arabic, for one, has no
// Latin letters, and with it the id would print as empty boxes.
type Fonts struct {
	fonts []loadedFont // the usable fonts, in order of preference
	Name  string       // which font is preferred, for the logs
}

// loadedFont is one usable font.
type loadedFont struct {
	name   string
	font   *canvas.Font
	family *canvas.FontFamily
}

// systemFonts are the fonts tried when the embedded Vazirmatn is missing
// (a build without npm). Each must still pass covers(baseText).
var systemFonts = []string{
	"/usr/share/fonts/truetype/vazirmatn/Vazirmatn-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
	"/usr/share/fonts/opentype/noto/NotoSansArabic-Regular.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/TTF/DejaVuSans.ttf",
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",
}

// ErrNoFont means no font with both Persian and Latin letters could be
// loaded: PDFs cannot be made on this server.
var ErrNoFont = errs.E("permit.Fonts", errs.Unavailable,
	"no font with Persian and Latin letters is installed on this server, so the PDF cannot be made; the printable page still works",
	"قلمی با حروف فارسی و لاتین روی این سرور نصب نیست و نسخهٔ PDF ساخته نمی‌شود؛ صفحهٔ چاپی همچنان در دسترس است")

// baseText is what every document prints whatever it says: its labels,
// Persian and ASCII digits, and the Latin letters and signs of its id, its
// tracking code and the verify address. A font must cover all of it.
var baseText = func() string {
	var b strings.Builder
	b.WriteString("پچژگیکآأؤإئءةٔ،؛«»۰۱۲۳۴۵۶۷۸۹")
	for r := rune(0x21); r < 0x7f; r++ {
		b.WriteRune(r)
	}
	v := reflect.ValueOf(pdfLabels)
	for i := range v.NumField() {
		b.WriteString(v.Field(i).String())
	}
	return b.String()
}()

// covers reports whether f has a glyph for every letter, digit, mark and
// sign of s; spaces, joiners and bidi controls need none.
func covers(f *canvas.Font, s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if f.SFNT.GlyphIndex(r) == 0 {
			return false
		}
	}
	return true
}

// LoadFonts loads the fonts for PDFs: primary (the embedded Vazirmatn, in
// any format canvas reads: TTF, OTF, WOFF, WOFF2) when it is given, and
// the system fonts in systemFonts, keeping those with glyphs for every
// Persian and Latin letter a document prints (baseText); ErrNoFont when
// none has.
func LoadFonts(primary []byte) (*Fonts, error) {
	try := func(name string, b []byte) (loadedFont, bool) {
		f, err := canvas.LoadFont(b, 0, canvas.FontRegular)
		if err != nil || !covers(f, baseText) {
			return loadedFont{}, false
		}
		fam := canvas.NewFontFamily("document")
		if err := fam.LoadFont(b, 0, canvas.FontRegular); err != nil {
			return loadedFont{}, false
		}
		// Joining forms (init, medi, fina) and the required lam-alef
		// ligature stay; optional ligatures and contextual alternates go,
		// because the PDF maps glyphs back to text through the font's cmap
		// only, and those glyphs have no code point: with them, copying
		// text out of the PDF (and pdftotext) loses letters.
		fam.SetFeatures("liga=0,dlig=0,calt=0")
		return loadedFont{name: name, font: f, family: fam}, true
	}
	out := &Fonts{}
	if len(primary) > 0 {
		if f, ok := try("Vazirmatn", primary); ok {
			out.fonts = append(out.fonts, f)
		}
	}
	for _, path := range systemFonts {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if f, ok := try(path[strings.LastIndexByte(path, '/')+1:], b); ok {
			out.fonts = append(out.fonts, f)
		}
	}
	if len(out.fonts) == 0 {
		return nil, ErrNoFont
	}
	out.Name = out.fonts[0].name
	return out, nil
}

// forText returns the first font with a glyph for every letter of text
// (a document's whole text), or the preferred one when none has: the
// letters every document prints are covered by all of them.
func (fs *Fonts) forText(text string) loadedFont {
	for _, f := range fs.fonts {
		if covers(f.font, text) {
			return f
		}
	}
	return fs.fonts[0]
}

// LazyFonts loads fonts on first use and remembers the outcome.
type LazyFonts struct {
	once    sync.Once
	primary func() []byte
	fonts   *Fonts
	err     error
}

// NewLazyFonts returns fonts that LoadFonts(primary()) loads when first
// needed, so that servers that never print a PDF never parse a font.
func NewLazyFonts(primary func() []byte) *LazyFonts { return &LazyFonts{primary: primary} }

// Get returns the loaded fonts or the error of loading them.
func (l *LazyFonts) Get() (*Fonts, error) {
	l.once.Do(func() {
		var b []byte
		if l.primary != nil {
			b = l.primary()
		}
		l.fonts, l.err = LoadFonts(b)
	})
	return l.fonts, l.err
}

// Labels are the words of the PDF that are not data, in the document's
// language (Persian).
var pdfLabels = struct {
	Title, Holder, HolderCode, Service, Issuer, IssuedAt, ValidFrom, ValidUntil, NoExpiry, CaseRef, ID, Verify, Revoked, Expired string
}{
	Title: "سند الکترونیکی", Holder: "دارنده", HolderCode: "کد ملی / شناسهٔ ملی", Service: "خدمت",
	Issuer: "صادرکننده", IssuedAt: "تاریخ صدور", ValidFrom: "معتبر از", ValidUntil: "معتبر تا", NoExpiry: "بدون تاریخ انقضا",
	CaseRef: "کد رهگیری پرونده", ID: "شناسهٔ سند",
	Verify:  "برای استعلام اصالت، رمزینه را با برنامهٔ استعلام بخوانید یا شناسهٔ سند را در نشانی زیر وارد کنید:",
	Revoked: "این سند باطل شده است", Expired: "اعتبار این سند به پایان رسیده است",
}

// SortedFields returns a document's fields in a stable order (by label).
func SortedFields(fields map[string]string) [][2]string {
	out := make([][2]string, 0, len(fields))
	for k, v := range fields {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// documentText is every piece of data a document's PDF prints, for
// choosing a font that has all its letters.
func documentText(d Document, verifyURL string) string {
	parts := []string{d.ServiceTitleFa, d.AgencyNameFa, d.HolderName, d.Holder, d.RevokeReason, d.CaseRef, d.ID, verifyURL,
		persian.JalaliDate(d.IssuedAt), persian.JalaliDate(d.ValidFrom)}
	if d.ValidUntil != nil {
		parts = append(parts, persian.JalaliDate(*d.ValidUntil))
	}
	for _, f := range d.Facts {
		parts = append(parts, f.LabelFa, f.Value)
	}
	for k, v := range d.Fields {
		parts = append(parts, k, v)
	}
	return strings.Join(parts, " ")
}

// WritePDF writes the document as a one-page A4 PDF: every field, the
// issuer, the validity in the Jalali calendar, the id, and the QR code.
// Each paragraph is one text box, so that canvas shapes and orders it as a
// whole (DESIGN.md).
func WritePDF(w io.Writer, d Document, fonts *Fonts, verifyURL string) error {
	if fonts == nil || len(fonts.fonts) == 0 {
		return ErrNoFont
	}
	font := fonts.forText(documentText(d, verifyURL))
	const pageW, pageH, margin = 210.0, 297.0, 18.0
	width := pageW - 2*margin
	c := canvas.New(pageW, pageH)
	ctx := canvas.NewContext(c)
	ctx.SetFillColor(canvas.White)
	ctx.DrawPath(0, 0, canvas.Rectangle(pageW, pageH))

	ink := color.RGBA{0x1b, 0x1f, 0x24, 0xff}
	muted := color.RGBA{0x55, 0x5d, 0x66, 0xff}
	accent := color.RGBA{0x0b, 0x5c, 0x4a, 0xff}
	alert := color.RGBA{0xb0, 0x1e, 0x1e, 0xff}
	title := font.family.Face(20, accent, canvas.FontBold)
	heading := font.family.Face(14, ink, canvas.FontBold)
	body := font.family.Face(11, ink, canvas.FontRegular)
	label := font.family.Face(9.5, muted, canvas.FontRegular)
	small := font.family.Face(8.5, muted, canvas.FontRegular)

	y := pageH - margin
	put := func(face *canvas.FontFace, s string, gap float64) {
		for _, line := range breakLines(face, s, width) {
			t := canvas.NewTextBox(face, line, width, 0, canvas.Right, canvas.Top, nil)
			ctx.DrawText(margin, y, t)
			y -= t.Bounds().H() + 0.8
		}
		y -= gap
	}
	// row prints "label: value" as one paragraph, right-aligned.
	row := func(l, v string) { put(body, l+": "+v, 2.5) }

	put(title, pdfLabels.Title, 2)
	put(heading, d.ServiceTitleFa, 2)
	put(label, d.AgencyNameFa, 6)
	ctx.SetFillColor(accent)
	ctx.DrawPath(margin, y, canvas.Rectangle(width, 0.6))
	y -= 6

	switch d.Status {
	case StatusRevoked:
		put(font.family.Face(14, alert, canvas.FontBold), pdfLabels.Revoked+"؛ "+d.RevokeReason, 4)
	case StatusExpired:
		put(font.family.Face(14, alert, canvas.FontBold), pdfLabels.Expired, 4)
	}
	row(pdfLabels.Holder, d.HolderName)
	row(pdfLabels.HolderCode, persian.Digits(d.Holder))
	row(pdfLabels.Service, d.ServiceTitleFa)
	for _, f := range d.Facts {
		row(f.LabelFa, isolateLatin(f.Value))
	}
	for _, f := range SortedFields(d.Fields) {
		row(f[0], f[1])
	}
	row(pdfLabels.Issuer, d.AgencyNameFa)
	row(pdfLabels.IssuedAt, persian.JalaliDate(d.IssuedAt))
	row(pdfLabels.ValidFrom, persian.JalaliDate(d.ValidFrom))
	if d.ValidUntil != nil {
		row(pdfLabels.ValidUntil, persian.JalaliDate(*d.ValidUntil))
	} else {
		row(pdfLabels.ValidUntil, pdfLabels.NoExpiry)
	}
	if d.CaseRef != "" {
		// A tracking code is digits in Persian text: Persian digits,
		// isolated so that its groups keep their order. A reference with
		// Latin letters stays as it is typed.
		ref := d.CaseRef
		if strings.Trim(ref, "0123456789۰۱۲۳۴۵۶۷۸۹- ") == "" {
			ref = persian.Digits(ref)
		}
		row(pdfLabels.CaseRef, "\u2068"+ref+"\u2069")
	}
	// The id is Latin letters and digits inside Persian text: isolate it
	// (FSI … PDI) so that bidi does not reorder its groups.
	row(pdfLabels.ID, "\u2068"+d.ID+"\u2069")

	// The QR code, at the bottom, large enough to scan from paper: one
	// module at least 0.5 mm.
	code, err := qrCode(d.JWS)
	if err != nil {
		return err
	}
	side := 80.0
	if mm := float64(code.Size+8) * 0.5; mm > side {
		side = mm
	}
	qrY := margin + 16
	if y-side-4 < qrY {
		side = max(y-4-qrY, 40)
	}
	ctx.SetFillColor(canvas.Black)
	ctx.DrawPath((pageW-side)/2, qrY, qrPath(code, side))
	y = qrY - 3
	put(small, pdfLabels.Verify, 1)
	put(small, "\u2068"+verifyURL+"\u2069", 0)

	r := pdf.New(w, pageW, pageH, nil)
	r.SetInfo(d.ServiceTitleFa, pdfLabels.Title+" "+d.ID, d.ID, d.AgencyNameFa, "Panjare")
	c.RenderTo(r)
	return r.Close()
}

// isolateLatin wraps a value with no Persian letter (a serial number, a
// calibre like "12 gauge") in FSI … PDI, as the id is, so that bidi keeps
// its parts in order inside the Persian line.
func isolateLatin(v string) string {
	for _, r := range v {
		if unicode.Is(unicode.Arabic, r) {
			return v
		}
	}
	return "\u2068" + v + "\u2069"
}

// breakLines breaks a paragraph into lines no wider than width and joins
// the words of each line with no-break spaces. canvas (at the pinned
// version) breaks a line at its spaces into segments and puts each segment
// of a right-to-left run in visual order separately, which leaves the words
// of a Persian line in left-to-right order; a line without break
// opportunities is one segment, which it orders correctly (shaping and the
// bidi algorithm still see the whole line). So we find the line breaks
// ourselves, greedily, measuring with the same face.
func breakLines(face *canvas.FontFace, s string, width float64) []string {
	const nbsp = "\u00a0"
	words := strings.Fields(s)
	var lines []string
	var cur []string
	for _, w := range words {
		try := strings.Join(append(cur, w), nbsp)
		if len(cur) > 0 && face.TextWidth(try) > width {
			lines = append(lines, strings.Join(cur, nbsp))
			cur = cur[:0]
		}
		cur = append(cur, w)
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, nbsp))
	}
	return lines
}

// qrPath draws the code as vector squares (one rectangle per run of dark
// modules in a row) in a square of side mm, quiet zone included, so that it
// prints sharp at any resolution.
func qrPath(code *qr.Code, side float64) *canvas.Path {
	const quiet = 4
	m := side / float64(code.Size+2*quiet)
	p := &canvas.Path{}
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < code.Size && code.Black(x, y) {
				x++
			}
			// PDF's y axis points up: row 0 is at the top.
			r := canvas.Rectangle(float64(x-start)*m, m).Translate(float64(start+quiet)*m, float64(code.Size-1-y+quiet)*m)
			p = p.Append(r)
		}
	}
	return p
}

// qrImage draws the code with scale pixels per module and the quiet zone
// of four modules that scanners need.
func qrImage(code *qr.Code, scale int) *image.Gray {
	const quiet = 4
	n := (code.Size + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.Black(x/scale-quiet, y/scale-quiet) {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return img
}

// PDFBytes renders the document's PDF into memory.
func PDFBytes(d Document, fonts *Fonts, verifyURL string) ([]byte, error) {
	var buf bytes.Buffer
	if err := WritePDF(&buf, d, fonts, verifyURL); err != nil {
		if errors.Is(err, ErrNoFont) {
			return nil, err
		}
		return nil, errs.Wrap("permit.PDF", err)
	}
	return buf.Bytes(), nil
}

// Family returns the font family of the first usable font with a glyph for
// every letter of text (another document's whole text), for other
// capabilities' PDFs (the monthly oversight report) to set their text in.
func (fs *Fonts) Family(text string) *canvas.FontFamily { return fs.forText(text).family }

// BreakLines breaks a right-to-left paragraph into lines no wider than
// width, as the documents' PDFs do (see breakLines), for other PDFs set
// with canvas.
func BreakLines(face *canvas.FontFace, s string, width float64) []string {
	return breakLines(face, s, width)
}

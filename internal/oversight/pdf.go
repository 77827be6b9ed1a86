package oversight

import (
	"bytes"
	"image/color"
	"strings"

	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/pdf"

	"github.com/panjare/panjare/internal/permit"
)

// The PDF's page: A4 landscape, so that the ranking tables fit across.
const pageW, pageH, pageMargin = 297.0, 210.0, 14.0

// renderPDF writes the report as a PDF, set with the documents' fonts and
// line breaking (internal/permit), so that Persian is shaped and ordered as
// in the signed documents. Each line is its own text box (see
// permit.BreakLines).
func renderPDF(d reportData, fonts *permit.Fonts) ([]byte, error) {
	doc := d.layout()
	fam := fonts.Family(doc.text())
	ink := color.RGBA{0x1b, 0x1f, 0x24, 0xff}
	muted := color.RGBA{0x55, 0x5d, 0x66, 0xff}
	accent := color.RGBA{0x0b, 0x5c, 0x4a, 0xff}
	rule := color.RGBA{0xcf, 0xd6, 0xdd, 0xff}
	title := fam.Face(18, accent, canvas.FontBold)
	heading := fam.Face(13, ink, canvas.FontBold)
	body := fam.Face(9.5, ink, canvas.FontRegular)
	small := fam.Face(8.5, muted, canvas.FontRegular)
	cell := fam.Face(7.5, ink, canvas.FontRegular)
	head := fam.Face(7.5, accent, canvas.FontBold)
	width := pageW - 2*pageMargin

	var buf bytes.Buffer
	r := pdf.New(&buf, pageW, pageH, nil)
	r.SetInfo(doc.Title, doc.Subtitle, "", "Panjare", "Panjare")
	var c *canvas.Canvas
	var ctx *canvas.Context
	var y float64
	newPage := func() {
		if c != nil {
			c.RenderTo(r)
			r.NewPage(pageW, pageH)
		}
		c = canvas.New(pageW, pageH)
		ctx = canvas.NewContext(c)
		ctx.SetFillColor(canvas.White)
		ctx.DrawPath(0, 0, canvas.Rectangle(pageW, pageH))
		y = pageH - pageMargin
	}
	newPage()
	// line draws one line right-aligned in the column [x, x+w] at y.
	line := func(face *canvas.FontFace, s string, x, w float64) float64 {
		t := canvas.NewTextBox(face, s, w, 0, canvas.Right, canvas.Top, nil)
		ctx.DrawText(x, y, t)
		return t.Bounds().H()
	}
	lineH := func(face *canvas.FontFace) float64 {
		return canvas.NewTextBox(face, "آزمون", 100, 0, canvas.Right, canvas.Top, nil).Bounds().H() + 0.6
	}
	put := func(face *canvas.FontFace, s string, gap float64) {
		for _, l := range permit.BreakLines(face, s, width) {
			if y-lineH(face) < pageMargin {
				newPage()
			}
			y -= line(face, l, pageMargin, width) + 0.8
		}
		y -= gap
	}
	// row draws one table row, cells from the right; it returns false,
	// drawing nothing, when the row does not fit on the page.
	row := func(t *table, cells []string, face *canvas.FontFace) bool {
		total := 0.0
		for _, w := range t.Widths {
			total += w
		}
		lh := lineH(face)
		var lines [][]string
		most := 1
		for i, s := range cells {
			cw := width * t.Widths[i] / total
			ls := permit.BreakLines(face, s, cw-2)
			lines = append(lines, ls)
			most = max(most, len(ls))
		}
		h := float64(most)*lh + 1.6
		if y-h < pageMargin {
			return false
		}
		x := pageMargin + width
		top := y
		for i, ls := range lines {
			cw := width * t.Widths[i] / total
			x -= cw
			y = top - 0.8
			for _, l := range ls {
				line(face, l, x+1, cw-2)
				y -= lh
			}
		}
		y = top - h
		ctx.SetFillColor(rule)
		ctx.DrawPath(pageMargin, y, canvas.Rectangle(width, 0.2))
		return true
	}

	put(title, doc.Title, 1)
	put(small, doc.Subtitle, 1)
	for _, m := range doc.Meta {
		put(small, m, 0.5)
	}
	ctx.SetFillColor(accent)
	ctx.DrawPath(pageMargin, y, canvas.Rectangle(width, 0.5))
	y -= 4
	for _, s := range doc.Sections {
		if y-30 < pageMargin {
			newPage()
		}
		put(heading, s.Title, 2)
		for _, p := range s.Paras {
			put(body, p, 2)
		}
		if t := s.Table; t != nil {
			row(t, t.Head, head)
			for _, cells := range t.Rows {
				if !row(t, cells, cell) {
					newPage()
					row(t, t.Head, head)
					row(t, cells, cell)
				}
			}
			y -= 4
		}
	}
	c.RenderTo(r)
	if err := r.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// text is every word of the document, for choosing a font that has all
// its letters.
func (doc document) text() string {
	parts := []string{doc.Title, doc.Subtitle}
	parts = append(parts, doc.Meta...)
	for _, s := range doc.Sections {
		parts = append(parts, s.Title)
		parts = append(parts, s.Paras...)
		if s.Table != nil {
			parts = append(parts, s.Table.Head...)
			for _, r := range s.Table.Rows {
				parts = append(parts, r...)
			}
		}
	}
	return strings.Join(parts, " ")
}

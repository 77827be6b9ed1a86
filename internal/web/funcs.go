package web

import (
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/persian"
)

// funcs returns the template functions for language l. Each template set is
// parsed once per language with these bound, so a page never has to pass its
// language around.
func (w *Web) funcs(l lang) template.FuncMap {
	return template.FuncMap{
		"t":      func(key string, args ...any) string { return translate(l, key, stringify(l, args)...) },
		"digits": func(v any) string { return digitsIn(l, v) },
		"jdate":  func(v any) string { return dateIn(l, v) },
		"money":  func(rials int64) string { return moneyIn(l, rials) },
		"num":    func(n int64) string { return numIn(l, n) },
		"dur":    func(d catalog.Duration) string { return durIn(l, d) },
		"label":  func(lb catalog.Label) string { return labelIn(l, lb) },
		"pct":    func(share float64) string { return pctIn(l, share) },
		"pick":   func(faText, enText string) template.HTML { return pickIn(l, faText, enText) },
		"bdi":    bdi,
		"levelName": func(lv catalog.Level) string {
			lb, _ := catalog.LabelOf(catalog.Levels, lv.String())
			return labelIn(l, lb)
		},
		"period":  func(days int) string { return periodIn(l, days) },
		"levelNo": func(lv catalog.Level) int { return int(lv) },
		"levelOf": func(code string) string { return levelText(l, code) },
		"box":     func(text string, big bool) searchBox { return searchBox{Text: text, Big: big} },
		"static":  w.staticURL,
		"code":    func(v any) template.HTML { return codeHTML(l, v) },
		"tcode":   func(key string, v any) template.HTML { return translateCode(l, key, v) },
		"text":    func(s string) template.HTML { return textIn(l, s) },
		"lang":    func() string { return string(l) },
		// datetime is a date with the time of day, in Tehran.
		"datetime": func(t time.Time) string { return dateTimeIn(l, t) },
	}
}

// searchBox is the data of the search-form partial.
type searchBox struct {
	Text string
	Big  bool
}

// stringify turns template arguments into text: numbers get the digits of l.
func stringify(l lang, args []any) []string {
	if len(args) == 0 {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = v
		case template.HTML:
			out[i] = string(v)
		default:
			out[i] = digitsIn(l, v)
		}
	}
	return out
}

// digitsIn formats a number or a string of digits with Persian digits in
// Persian and ASCII digits in English.
func digitsIn(l lang, v any) string {
	var s string
	switch n := v.(type) {
	case int:
		s = strconv.Itoa(n)
	case int64:
		s = strconv.FormatInt(n, 10)
	case int32:
		s = strconv.FormatInt(int64(n), 10)
	case uint:
		s = strconv.FormatUint(uint64(n), 10)
	case uint64:
		s = strconv.FormatUint(n, 10)
	case *uint64: // a ledger index, nil while not sealed
		if n != nil {
			s = strconv.FormatUint(*n, 10)
		}
	case string:
		s = n
	case fmt.Stringer:
		s = n.String()
	default:
		s = fmt.Sprint(v)
	}
	if l == fa {
		return persian.Digits(s)
	}
	return persian.ASCIIDigits(s)
}

// dateIn formats a date: Jalali with Persian digits in Persian ("۲ آذر
// ۱۴۰۵"), Gregorian in English ("23 November 2026"), both in Tehran time.
func dateIn(l lang, v any) string {
	var t time.Time
	switch d := v.(type) {
	case time.Time:
		t = d
	case *time.Time:
		if d == nil {
			return ""
		}
		t = *d
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	if l == fa {
		return persian.JalaliDate(t)
	}
	return t.In(persian.Location()).Format("2 January 2006")
}

// group writes n with a separator between each group of three digits.
func group(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// numIn formats a whole number with thousands separators: «۳٬۰۰۰٬۰۰۰»,
// "3,000,000".
func numIn(l lang, n int64) string {
	if l == fa {
		return persian.Digits(group(n, "٬"))
	}
	return group(n, ",")
}

// moneyIn formats an amount in rials, as the record states it: «۱٬۲۰۰٬۰۰۰
// ریال» (with the Arabic thousands separator) or "1,200,000 rials". Zero is
// «رایگان», "Free".
func moneyIn(l lang, rials int64) string {
	if rials == 0 {
		return translate(l, "money.free")
	}
	return translate(l, "money.rials", numIn(l, rials))
}

// durIn formats a processing time: «۱۰ روز», «۴ ساعت», «۱ روز و ۱۲ ساعت»;
// "10 days", "4 hours", "1 day and 12 hours".
func durIn(l lang, d catalog.Duration) string {
	if d.IsZero() {
		return translate(l, "dur.none")
	}
	var days, hours string
	if d.Days > 0 {
		key := "dur.days"
		if d.Days == 1 {
			key = "dur.day"
		}
		days = translate(l, key, digitsIn(l, d.Days))
	}
	if d.Hours > 0 {
		key := "dur.hours"
		if d.Hours == 1 {
			key = "dur.hour"
		}
		hours = translate(l, key, digitsIn(l, d.Hours))
	}
	switch {
	case days == "":
		return hours
	case hours == "":
		return days
	}
	return translate(l, "dur.and", days, hours)
}

// periodIn formats a validity in days, in years or months when it is a
// whole number of them: «۵ سال», «۶ ماه», «۴۵ روز»; "5 years".
func periodIn(l lang, days int) string {
	unit, n := "dur.days", days
	switch {
	case days >= 365 && days%365 == 0:
		unit, n = "period.years", days/365
	case days >= 30 && days%30 == 0:
		unit, n = "period.months", days/30
	}
	if n == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return translate(l, unit, digitsIn(l, n))
}

// labelIn returns the name of a label in l.
func labelIn(l lang, lb catalog.Label) string {
	if l == en && lb.En != "" {
		return lb.En
	}
	return lb.Fa
}

// levelText names a level by its code ("L2") in l: «سطح ۲: تمام‌الکترونیک»,
// "Level 2: Fully electronic".
func levelText(l lang, code string) string {
	lb, _ := catalog.LabelOf(catalog.Levels, code)
	return translate(l, "level.of", translate(l, "level.code", digitsIn(l, strings.TrimPrefix(code, "L"))), labelIn(l, lb))
}

// pctIn formats a share between 0 and 1 as a whole percentage: «۴۲٪», "42%".
func pctIn(l lang, share float64) string {
	if math.IsNaN(share) || share < 0 {
		share = 0
	}
	n := int(math.Round(share * 100))
	if l == fa {
		return persian.Digits(strconv.Itoa(n)) + "٪"
	}
	return strconv.Itoa(n) + "%"
}

// pickIn returns the text of a record in l. When an English page has only
// the Persian text, the Persian is shown, marked as Persian and right to
// left so that screen readers and the layout treat it right.
func pickIn(l lang, faText, enText string) template.HTML {
	if l == en {
		if enText != "" {
			return template.HTML(template.HTMLEscapeString(enText))
		}
		if faText == "" {
			return ""
		}
		return template.HTML(`<span lang="fa" dir="rtl">` + template.HTMLEscapeString(faText) + `</span>`)
	}
	if faText == "" && enText != "" {
		return template.HTML(`<span lang="en" dir="ltr">` + template.HTMLEscapeString(enText) + `</span>`)
	}
	return template.HTML(template.HTMLEscapeString(faText))
}

// pickText is pickIn for places that take plain text (a page title).
func pickText(l lang, faText, enText string) string {
	if l == en && enText != "" {
		return enText
	}
	if faText == "" {
		return enText
	}
	return faText
}

// bdi isolates an identifier, a code or a number from the text around it, so
// that "1234567" or "NOCR" is not reordered inside right-to-left text.
func bdi(v any) template.HTML {
	return template.HTML("<bdi>" + template.HTMLEscapeString(fmt.Sprint(v)) + "</bdi>")
}

// Codes people read out (a tracking code 1405-0932-8471, a complaint code
// C1234-5678) are groups of digits joined by hyphens. In right-to-left text
// the bidirectional algorithm lays such groups out right to left, so an
// unisolated «1405-0932-8471» shows as «8471-0932-1405»; and a browser may
// break the line at a hyphen. So every code is isolated left to right, with
// the digits of the page's language: in markup as <bdi dir="ltr"
// class="code"> (which the stylesheet keeps on one line), in plain text
// (a page title, a notice) between the Unicode isolates LRI and PDI.
const (
	lri = "\u2066" // LEFT-TO-RIGHT ISOLATE
	pdi = "\u2069" // POP DIRECTIONAL ISOLATE
)

// codeRE finds tracking and complaint codes in running text.
var codeRE = regexp.MustCompile(`\bC?[0-9]{4}-[0-9]{4}(?:-[0-9]{4})?\b`)

// codeHTML shows a code isolated, on one line, in codeDigits.
func codeHTML(l lang, v any) template.HTML {
	return template.HTML(`<bdi dir="ltr" class="code">` + template.HTMLEscapeString(codeDigits(l, v)) + `</bdi>`)
}

// codeText is a code for plain text: isolated by LRI and PDI, in
// codeDigits.
func codeText(l lang, v any) string {
	return lri + codeDigits(l, v) + pdi
}

// codeDigits writes a code of digits alone (a tracking code) in l's
// digits; a code with Latin letters in it (a document id, a complaint code,
// an agency's own reference) is kept as it is typed, since «D۷K۳» would be
// neither Persian nor what people copy into a search box.
func codeDigits(l lang, v any) string {
	s := fmt.Sprint(v)
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) >= 0 {
		return s
	}
	return digitsIn(l, s)
}

// translateCode is the text of key in l with the code v in place of {1},
// isolated as codeHTML does.
func translateCode(l lang, key string, v any) template.HTML {
	s := template.HTMLEscapeString(translate(l, key))
	return template.HTML(strings.Replace(s, "{1}", string(codeHTML(l, v)), 1))
}

// textIn shows running text written elsewhere (a notice, the purpose an
// agency gave for an inquiry) in l: its digits in l's digits and each code
// in it isolated on one line.
func textIn(l lang, s string) template.HTML {
	var b strings.Builder
	s = persian.ASCIIDigits(s)
	last := 0
	for _, m := range codeRE.FindAllStringIndex(s, -1) {
		b.WriteString(template.HTMLEscapeString(digitsIn(l, s[last:m[0]])))
		b.WriteString(string(codeHTML(l, s[m[0]:m[1]])))
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(digitsIn(l, s[last:])))
	return template.HTML(b.String())
}

package web

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sort"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
)

// What a clerk reads on a case: the form's answers under their labels, and
// the content of each piece of evidence another agency sent, not only that
// it arrived.

// fieldRow is one answer of the application form, under its label.
type fieldRow struct {
	Label string
	Raw   bool // the label is the form's key: no field of the current form has it
	Value string
}

// formRows returns the case's form data in the order of the form's fields,
// each under its label in l; keys the current form no longer has follow,
// under the key itself.
func formRows(l lang, f apply.Form, data map[string]string) []fieldRow {
	out := make([]fieldRow, 0, len(data))
	seen := map[string]bool{}
	for _, fd := range f.Fields {
		v, ok := data[fd.Name]
		if !ok {
			continue
		}
		seen[fd.Name] = true
		out = append(out, fieldRow{Label: pickText(l, fd.LabelFa, fd.LabelEn), Value: v})
	}
	rest := make([]string, 0, len(data))
	for k := range data {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, fieldRow{Label: k, Raw: true, Value: data[k]})
	}
	return out
}

// evidenceNames returns the English name of each evidence code of rec: a
// case stores only the Persian name, which an English page must not show
// when the record has the English one.
func evidenceNames(rec catalog.Record) map[string]string {
	out := map[string]string{}
	for _, rq := range rec.Requirements {
		for _, e := range rq.Evidence {
			if e.NameEn != "" {
				out[e.Code] = e.NameEn
			}
		}
	}
	return out
}

// answerView is what another agency answered about the applicant.
type answerView struct {
	Code    string
	NameFa  string
	NameEn  string
	Source  string // the holding agency's name
	Receipt string // the exchange's message id
	Rows    []answerRow
}

// answerRow is one fact of an answer; nested facts are indented by Depth.
type answerRow struct {
	Label string
	Raw   bool // no translation: the label is the answer's own key
	Value string
	Depth int
}

// answerViews reads the answers of the case's fetched evidence.
func answerViews(l lang, c apply.Case, names map[string]string, sources map[string]string) []answerView {
	var out []answerView
	for _, e := range c.Evidence {
		if len(e.Answer) == 0 {
			continue
		}
		a := answerView{Code: e.Code, NameFa: e.NameFa, NameEn: names[e.Code], Source: sources[e.Code], Receipt: e.MessageID}
		var v any
		dec := json.NewDecoder(bytes.NewReader(e.Answer))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			a.Rows = []answerRow{{Label: translate(l, "answer.unreadable"), Value: string(e.Answer)}}
		} else {
			a.Rows = answerFacts(l, "", false, v, 0, nil)
		}
		out = append(out, a)
	}
	return out
}

// answerFacts flattens a JSON answer into rows labelled label (raw: the
// answer's own key). A {date, jalali} pair is one date; a list numbers its
// items; nested objects are indented.
func answerFacts(l lang, label string, raw bool, v any, depth int, out []answerRow) []answerRow {
	row := answerRow{Label: label, Raw: raw, Depth: depth}
	switch x := v.(type) {
	case map[string]any:
		if d, ok := x["date"].(string); ok && len(x) <= 2 {
			j, _ := x["jalali"].(string)
			row.Value = answerDate(l, d, j)
			return append(out, row)
		}
		if label != "" {
			out = append(out, row)
			depth++
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			kl, kraw := answerLabel(l, k)
			out = answerFacts(l, kl, kraw, x[k], depth, out)
		}
		return out
	case []any:
		if len(x) == 0 {
			row.Value = translate(l, "answer.none")
			return append(out, row)
		}
		out = append(out, row)
		for i, item := range x {
			out = answerFacts(l, translate(l, "answer.item", digitsIn(l, i+1)), false, item, depth+1, out)
		}
		return out
	case bool:
		row.Value = translate(l, "answer.no")
		if x {
			row.Value = translate(l, "answer.yes")
		}
	case nil:
		row.Value = "—"
	case json.Number:
		if n, err := x.Int64(); err == nil {
			row.Value = numIn(l, n)
		} else {
			row.Value = digitsIn(l, x.String())
		}
	case string:
		row.Value = digitsIn(l, x)
	}
	return append(out, row)
}

// answerLabel names a key of an answer in l: from the translation table
// when it has "answer.field.KEY", else the key itself (raw is then true).
func answerLabel(l lang, key string) (string, bool) {
	if _, ok := texts["answer.field."+key]; ok {
		return translate(l, "answer.field."+key), false
	}
	return key, true
}

// answerDate shows a date of an answer: the Jalali text the agency sent in
// Persian, the ISO date in English.
func answerDate(l lang, iso, jalali string) string {
	if l == fa && jalali != "" {
		return digitsIn(l, jalali)
	}
	return digitsIn(l, iso)
}

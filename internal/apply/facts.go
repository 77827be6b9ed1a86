package apply

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

// What an issued document certifies. The record declares its facts
// (catalog.Record.Certifies), each with a source: the applicant's form, a
// field of an inquiry's answer, or the official's entry on approval. The
// official approving the case sees every fact with the value its source
// proposes (ProposeFacts) and may correct it; the back office passes the
// same values as "facts" with its decision. What is confirmed is signed
// into the document. A document cannot be issued with a fact left empty.

// FactValue is one fact of a case's document with its value.
type FactValue struct {
	catalog.Fact
	Value string `json:"value"` // proposed by the fact's source, or as entered
}

// ProposeFacts returns the facts the document of case c (of record rec)
// certifies, each with the value its source gives: the applicant's answer,
// the inquiry's answer (c.Evidence must be loaded, as Case does), or the
// record's default. A value that is not there yet is empty.
func ProposeFacts(c Case, rec catalog.Record) []FactValue {
	answers := map[string]json.RawMessage{}
	for _, e := range c.Evidence {
		if len(e.Answer) > 0 {
			answers[e.Code] = e.Answer
		}
	}
	return proposeFacts(c, rec, answers)
}

func proposeFacts(c Case, rec catalog.Record, answers map[string]json.RawMessage) []FactValue {
	var out []FactValue
	for _, f := range rec.Certifies() {
		v := FactValue{Fact: f}
		switch f.From {
		case catalog.FactFromForm:
			v.Value = c.Data[fieldName(FieldText, f.Evidence)]
		case catalog.FactFromEvidence:
			v.Value = answerField(answers[f.Evidence], f.Key)
		}
		if strings.TrimSpace(v.Value) == "" {
			v.Value = f.DefaultFa
		}
		out = append(out, v)
	}
	return out
}

// answerField returns the top-level field key of an inquiry's JSON answer
// as text: a string as it is, a number or a boolean as written; anything
// else (absent, an object, a list) is empty.
func answerField(answer json.RawMessage, key string) string {
	var fields map[string]json.RawMessage
	if len(answer) == 0 || json.Unmarshal(answer, &fields) != nil {
		return ""
	}
	raw := fields[key]
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "true"
		}
		return "false"
	}
	return ""
}

// maxFactRunes bounds one fact's value, as permit does.
const maxFactRunes = 300

// decidedFacts returns the facts case c's document certifies: the values
// entered (by code) over those proposed. A fact left empty, or a value
// given for a fact the record does not declare, is errs.Invalid naming the
// field ("fact_<code>"), so that the form can show it beside the input.
func (a *Applications) decidedFacts(ctx context.Context, tx *store.Tx, op string, c Case, rec catalog.Record, entered map[string]string) ([]permit.Fact, error) {
	declared := rec.Certifies()
	known := map[string]bool{}
	for _, f := range declared {
		known[f.Code] = true
	}
	var fe []errs.FieldError
	for code := range entered {
		if !known[code] {
			fe = append(fe, errs.FieldError{Field: "fact_" + code, En: "this document certifies no fact " + code, Fa: "این سند چنین موردی را گواهی نمی‌کند"})
		}
	}
	answers := map[string]json.RawMessage{}
	if len(declared) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT code, answer FROM apply_evidence WHERE case_id = $1`, c.ID)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var code, answer string
			if err := rows.Scan(&code, &answer); err != nil {
				return nil, errs.Wrap(op, err)
			}
			if answer != "" {
				answers[code] = json.RawMessage(answer)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(op, err)
		}
	}
	var out []permit.Fact
	for _, f := range proposeFacts(c, rec, answers) {
		v := f.Value
		if e, ok := entered[f.Code]; ok && strings.TrimSpace(e) != "" {
			v = e
		}
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			fe = append(fe, errs.FieldError{Field: "fact_" + f.Code, En: nameEn(f.Fact) + " is required: the document certifies it", Fa: f.NameFa + " لازم است: سند آن را گواهی می‌کند"})
		case len([]rune(v)) > maxFactRunes:
			fe = append(fe, errs.FieldError{Field: "fact_" + f.Code, En: nameEn(f.Fact) + " is at most 300 characters", Fa: f.NameFa + " حداکثر ۳۰۰ نویسه است"})
		}
		out = append(out, permit.Fact{Code: f.Code, LabelFa: f.NameFa, LabelEn: f.NameEn, Value: v})
	}
	if len(fe) > 0 {
		return nil, &errs.Error{Op: op, Kind: errs.Invalid, Fields: fe,
			En: "the document cannot be issued without what it certifies", Fa: "سند بدون مواردی که گواهی می‌کند صادر نمی‌شود"}
	}
	return out, nil
}

func nameEn(f catalog.Fact) string {
	if f.NameEn != "" {
		return f.NameEn
	}
	return f.Code
}

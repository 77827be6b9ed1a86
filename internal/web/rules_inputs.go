package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/rules"
)

// The inputs a service's rules may read, as the rules editor lists them for
// reference and the eligibility page asks for them: the form's text fields,
// each evidence answer's fields, the applicant's profile and today. They are
// read from the service's rules.Env (JSON Schemas), the same types the
// ruleset is checked against when it is saved.

// ruleInput is one input path with its CEL type.
type ruleInput struct {
	Path    string // e.g. "form.phone", "evidence.criminal_record.clean", "applicant.age"
	Kind    string // "form", "evidence", "applicant", "today"
	Type    string // the CEL type: string, int, double, bool, timestamp, list, map
	LabelFa string
	LabelEn string
	Enum    []string // the allowed values of a string, if the schema lists them
	Field   string   // the name of the eligibility form's field: Path with "." as "__"
	Value   string   // the value typed, when the eligibility form is shown again
	Error   string   // what is wrong with Value
}

// applicantInputs are the profile fields every ruleset may read.
var applicantInputs = []ruleInput{
	{Path: "applicant.age", Kind: "applicant", Type: "int", LabelFa: "سن متقاضی (سال)", LabelEn: "The applicant's age (years)"},
	{Path: "applicant.sex", Kind: "applicant", Type: "string", LabelFa: "جنس متقاضی", LabelEn: "The applicant's sex", Enum: []string{"male", "female"}},
	{Path: "applicant.province", Kind: "applicant", Type: "string", LabelFa: "کد استان محل سکونت", LabelEn: "Province code of residence"},
	{Path: "applicant.city", Kind: "applicant", Type: "string", LabelFa: "شهر محل سکونت", LabelEn: "City of residence"},
	{Path: "applicant.birth_date", Kind: "applicant", Type: "timestamp", LabelFa: "تاریخ تولد (میلادی، YYYY-MM-DD)", LabelEn: "Date of birth (YYYY-MM-DD)"},
	{Path: "applicant.alive", Kind: "applicant", Type: "bool", LabelFa: "در قید حیات", LabelEn: "Alive"},
}

// todayInput is the date of the decision.
var todayInput = ruleInput{Path: "today", Kind: "today", Type: "timestamp", LabelFa: "تاریخ امروز", LabelEn: "Today's date"}

// inputsOf lists every input of env: the form's fields, then each evidence
// answer's fields (codes in order), then the applicant and today.
func inputsOf(env rules.Env) []ruleInput {
	var out []ruleInput
	out = append(out, schemaInputs(env.Form, "form", "form")...)
	codes := make([]string, 0, len(env.Evidence))
	for c := range env.Evidence {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		out = append(out, schemaInputs(env.Evidence[c], "evidence."+c, "evidence")...)
	}
	out = append(out, applicantInputs...)
	out = append(out, todayInput)
	for i := range out {
		out[i].Field = strings.ReplaceAll(out[i].Path, ".", "__")
	}
	return out
}

// jsonSchema is the part of a JSON Schema the inputs need.
type jsonSchema struct {
	Type       json.RawMessage        `json:"type"`
	Title      string                 `json:"title"`
	TitleEn    string                 `json:"x-title-en"`
	Properties map[string]*jsonSchema `json:"properties"`
	Enum       []any                  `json:"enum"`
	Format     string                 `json:"format"`
}

// typeName returns the schema's type, the first that is not "null" when
// it lists several.
func (s *jsonSchema) typeName() string {
	var one string
	if json.Unmarshal(s.Type, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(s.Type, &many) == nil {
		for _, t := range many {
			if t != "null" {
				return t
			}
		}
	}
	if len(s.Properties) > 0 {
		return "object"
	}
	return ""
}

// schemaInputs flattens a JSON Schema into the leaf inputs under prefix; an
// object with properties is entered, one without becomes a map.
func schemaInputs(raw json.RawMessage, prefix, kind string) []ruleInput {
	if len(raw) == 0 {
		return nil
	}
	var s jsonSchema
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	var out []ruleInput
	var walk func(s *jsonSchema, path string, top bool)
	walk = func(s *jsonSchema, path string, top bool) {
		t := s.typeName()
		if t == "object" && len(s.Properties) > 0 {
			names := make([]string, 0, len(s.Properties))
			for n := range s.Properties {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				if p := s.Properties[n]; p != nil {
					walk(p, path+"."+n, false)
				}
			}
			return
		}
		if top {
			return // a schema that is not an object has no fields to read
		}
		in := ruleInput{Path: path, Kind: kind, LabelFa: s.Title, LabelEn: s.TitleEn}
		switch t {
		case "string":
			in.Type = "string"
			if s.Format == "date" || s.Format == "date-time" {
				in.Type = "timestamp"
			}
		case "integer":
			in.Type = "int"
		case "number":
			in.Type = "double"
		case "boolean":
			in.Type = "bool"
		case "array":
			in.Type = "list"
		default:
			in.Type = "map"
		}
		for _, e := range s.Enum {
			if str, ok := e.(string); ok {
				in.Enum = append(in.Enum, str)
			}
		}
		out = append(out, in)
	}
	walk(&s, prefix, true)
	return out
}

// factsFrom reads the eligibility form: each input's typed value, converted
// to its type. It returns the inputs with what was typed (and what is wrong
// with it) and whether every value could be read. An empty value is left
// out: the rule that reads it then refers the case, as a missing answer
// would.
func factsFrom(env rules.Env, form url.Values, now time.Time) (rules.Input, []ruleInput, bool) {
	inputs := inputsOf(env)
	in := rules.Input{Form: map[string]any{}, Evidence: map[string]any{}, Applicant: rules.Applicant{Alive: true},
		Today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	ok := true
	for i := range inputs {
		x := &inputs[i]
		if x.Kind == "today" {
			continue
		}
		raw := strings.TrimSpace(form.Get(x.Field))
		x.Value = raw
		if x.Type == "bool" && x.Kind == "applicant" && raw == "" {
			x.Value = "true" // the living apply for themselves
			continue
		}
		if raw == "" {
			continue
		}
		v, good := typedValue(x.Type, raw, x.Enum)
		if !good {
			x.Error = "eligibility.bad." + x.Type
			ok = false
			continue
		}
		switch x.Kind {
		case "form":
			in.Form[strings.TrimPrefix(x.Path, "form.")] = v
		case "evidence":
			setPath(in.Evidence, strings.Split(strings.TrimPrefix(x.Path, "evidence."), "."), v)
		case "applicant":
			switch x.Path {
			case "applicant.age":
				in.Applicant.Age = int(v.(int64))
			case "applicant.sex":
				in.Applicant.Sex = v.(string)
			case "applicant.province":
				in.Applicant.Province = v.(string)
			case "applicant.city":
				in.Applicant.City = v.(string)
			case "applicant.birth_date":
				in.Applicant.BirthDate = v.(string)
			case "applicant.alive":
				in.Applicant.Alive = v.(bool)
			}
		}
	}
	return in, inputs, ok
}

// typedValue converts raw (as typed, with Persian or ASCII digits) to a
// value of the CEL type t.
func typedValue(t, raw string, enum []string) (any, bool) {
	ascii := persian.ASCIIDigits(raw)
	switch t {
	case "string":
		if len(enum) > 0 && !slices.Contains(enum, raw) {
			return nil, false
		}
		return raw, true
	case "int":
		n, err := strconv.ParseInt(ascii, 10, 64)
		return n, err == nil
	case "double":
		f, err := strconv.ParseFloat(strings.ReplaceAll(ascii, "٫", "."), 64)
		return f, err == nil
	case "bool":
		switch raw {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return nil, false
	case "timestamp":
		// A date as YYYY-MM-DD; the rules read it as a timestamp.
		d := strings.TrimSpace(ascii)
		_, err := time.Parse("2006-01-02", d)
		return d, err == nil
	case "list":
		var v []any
		return v, json.Unmarshal([]byte(ascii), &v) == nil
	default:
		var v map[string]any
		return v, json.Unmarshal([]byte(ascii), &v) == nil
	}
}

// setPath sets m[a][b]…[z] = v, making the maps on the way.
func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

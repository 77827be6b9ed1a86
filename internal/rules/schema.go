package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"github.com/panjare/panjare/internal/persian"
)

// schema is the part of a JSON Schema the rules need: the shape and the
// scalar types of an input, so that CEL can type-check expressions over it
// and the engine can bring run-time values to those types.
type schema struct {
	kind     string             // "object", "map", "string", "date", "integer", "number", "boolean", "array", "any"
	props    map[string]*schema // for "object"
	items    *schema            // for "array"
	typeName string             // the CEL struct type's name, for "object"
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseSchema reads a JSON Schema. An empty schema is an object without
// fields: nothing in it can be read.
func parseSchema(raw json.RawMessage, typeName string) (*schema, error) {
	if len(strings.TrimSpace(string(raw))) == 0 || string(raw) == "null" {
		return &schema{kind: "object", props: map[string]*schema{}, typeName: typeName}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("the schema is not a JSON object: %w", err)
	}
	return schemaOf(m, typeName), nil
}

func schemaOf(m map[string]any, typeName string) *schema {
	kind := ""
	switch t := m["type"].(type) {
	case string:
		kind = t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				kind = s
				break
			}
		}
	}
	props, hasProps := m["properties"].(map[string]any)
	if kind == "" && hasProps {
		kind = "object"
	}
	switch kind {
	case "object":
		if !hasProps {
			return &schema{kind: "map"}
		}
		s := &schema{kind: "object", props: map[string]*schema{}, typeName: typeName}
		for name, p := range props {
			pm, ok := p.(map[string]any)
			if !ok || !identRe.MatchString(name) {
				continue
			}
			s.props[name] = schemaOf(pm, typeName+"."+name)
		}
		return s
	case "string":
		if f, _ := m["format"].(string); f == "date" || f == "date-time" {
			return &schema{kind: "date"}
		}
		return &schema{kind: "string"}
	case "integer", "number", "boolean":
		return &schema{kind: kind}
	case "array":
		s := &schema{kind: "array", items: &schema{kind: "any"}}
		if im, ok := m["items"].(map[string]any); ok {
			s.items = schemaOf(im, typeName+".item")
		}
		return s
	}
	return &schema{kind: "any"}
}

// celType returns the CEL type of s, registering its object types in structs.
func (s *schema) celType(structs map[string]*schema) *types.Type {
	switch s.kind {
	case "object":
		structs[s.typeName] = s
		for _, p := range s.props {
			p.celType(structs)
		}
		return types.NewObjectType(s.typeName)
	case "map":
		return types.NewMapType(types.StringType, types.DynType)
	case "string":
		return types.StringType
	case "date":
		return types.TimestampType
	case "integer":
		return types.IntType
	case "number":
		return types.DoubleType
	case "boolean":
		return types.BoolType
	case "array":
		return types.NewListType(s.items.celType(structs))
	}
	return types.DynType
}

// normalize brings a decoded JSON value (or a form's text) to the types of s:
// integers become int64, numbers float64, dates time.Time, and fields the
// schema does not know are dropped. Each value that does not fit is left out
// and, when bad is not nil, reported there by its path; a rule that reads a
// left-out value errors, so the decision is referred, never approved.
func (s *schema) normalize(v any, path string, bad *[]string) (any, bool) {
	fail := func(why string) (any, bool) {
		if bad != nil {
			*bad = append(*bad, path+": "+why)
		}
		return nil, false
	}
	if v == nil {
		return fail("no value")
	}
	switch s.kind {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			if sm, ok2 := v.(map[string]string); ok2 {
				m = make(map[string]any, len(sm))
				for k, x := range sm {
					m[k] = x
				}
			} else {
				return fail("not an object")
			}
		}
		out := make(map[string]any, len(m))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := s.props[k]
			if p == nil {
				if bad != nil {
					*bad = append(*bad, path+"."+k+": no such field")
				}
				continue
			}
			if x, ok := p.normalize(m[k], path+"."+k, bad); ok {
				out[k] = x
			}
		}
		return out, true
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return fail("not an object")
		}
		return m, true
	case "string":
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		}
		return fail("not a string")
	case "date":
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), true
		case string:
			if t, ok := parseDate(x); ok {
				return t, true
			}
		}
		return fail("not a date (YYYY-MM-DD)")
	case "integer":
		switch x := v.(type) {
		case int:
			return int64(x), true
		case int64:
			return x, true
		case int32:
			return int64(x), true
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), true
			}
		case json.Number:
			if n, err := x.Int64(); err == nil {
				return n, true
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(persian.ASCIIDigits(x)), 10, 64); err == nil {
				return n, true
			}
		}
		return fail("not an integer")
	case "number":
		switch x := v.(type) {
		case int:
			return float64(x), true
		case int64:
			return float64(x), true
		case float64:
			return x, true
		case json.Number:
			if n, err := x.Float64(); err == nil {
				return n, true
			}
		case string:
			if n, err := strconv.ParseFloat(strings.TrimSpace(persian.ASCIIDigits(x)), 64); err == nil {
				return n, true
			}
		}
		return fail("not a number")
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, true
			}
		}
		return fail("not true or false")
	case "array":
		var list []any
		switch x := v.(type) {
		case []any:
			list = x
		case []string:
			for _, e := range x {
				list = append(list, e)
			}
		case []map[string]any:
			for _, e := range x {
				list = append(list, e)
			}
		default:
			return fail("not a list")
		}
		out := make([]any, 0, len(list))
		for i, e := range list {
			x, ok := s.items.normalize(e, fmt.Sprintf("%s[%d]", path, i), bad)
			if !ok {
				// A list with a hole would change what all() and exists()
				// say: the whole list is left out instead.
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	}
	return v, true
}

// parseDate reads YYYY-MM-DD (Persian digits allowed) or RFC 3339.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(persian.ASCIIDigits(s))
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

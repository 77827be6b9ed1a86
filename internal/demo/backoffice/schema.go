package backoffice

import (
	"encoding/json"
	"maps"
)

// m is one JSON object of an answer, written as a literal.
type m = map[string]any

// inferSchema returns the JSON Schema of the answers a service gives the
// whole population: the union of the properties every answer has, so that
// an array empty for one person is described by another's items. The demo
// services are many and their answers small, and a schema written by hand
// beside each would drift from what the service really returns.
func inferSchema(answers []any) map[string]any {
	var s map[string]any
	for _, a := range answers {
		b, err := json.Marshal(a)
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			s = mergeSchema(s, schemaOfValue(v))
		}
	}
	if s == nil {
		s = obj(map[string]any{})
	}
	return s
}

// schemaOfValue describes one decoded JSON value.
func schemaOfValue(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		props := map[string]any{}
		for k, x := range v {
			props[k] = schemaOfValue(x)
		}
		return obj(props)
	case []any:
		var item map[string]any
		for _, x := range v {
			item = mergeSchema(item, schemaOfValue(x))
		}
		if item == nil {
			item = map[string]any{}
		}
		return arr(item)
	case string:
		return str
	case bool:
		return boolean
	case float64:
		if v == float64(int64(v)) {
			return integer
		}
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

// mergeSchema returns the union of two object or array schemas; for
// anything else the first known one wins.
func mergeSchema(a, b map[string]any) map[string]any {
	switch {
	case a == nil || len(a) == 0:
		return b
	case b == nil || len(b) == 0:
		return a
	case a["type"] == "object" && b["type"] == "object":
		props := maps.Clone(a["properties"].(map[string]any))
		for k, v := range b["properties"].(map[string]any) {
			x, _ := props[k].(map[string]any)
			props[k] = mergeSchema(x, v.(map[string]any))
		}
		return obj(props)
	case a["type"] == "array" && b["type"] == "array":
		x, _ := a["items"].(map[string]any)
		y, _ := b["items"].(map[string]any)
		return arr(mergeSchema(x, y))
	case a["type"] == "integer" && b["type"] == "number":
		return b
	}
	return a
}

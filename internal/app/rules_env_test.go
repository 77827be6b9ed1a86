package app

import (
	"encoding/json"
	"testing"
)

func TestResponseSchema(t *testing.T) {
	direct := `{"openapi":"3.0.3","paths":{"/persons/{nationalCode}":{"parameters":[{"name":"nationalCode","in":"path"}],"get":{"responses":{"200":{"content":{"application/json":{"schema":{"type":"object","properties":{"alive":{"type":"boolean"}}}}}}}}}}}`
	if got := string(responseSchema(direct)); got != `{"type":"object","properties":{"alive":{"type":"boolean"}}}` {
		t.Fatalf("direct: %s", got)
	}
	viaRef := `{"paths":{"/a":{"post":{}},"/b":{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Person"}}}}}}}},
		"components":{"schemas":{"Person":{"type":"object","properties":{"age":{"type":"integer"}}}}}}`
	var s map[string]any
	if err := json.Unmarshal(responseSchema(viaRef), &s); err != nil || s["properties"] == nil {
		t.Fatalf("ref: %v %v", s, err)
	}
	for _, bad := range []string{"", "not json", `{"paths":{"/a":{"get":{"responses":{"404":{}}}}}}`} {
		if got := string(responseSchema(bad)); got != `{"type":"object"}` {
			t.Fatalf("%q: %s", bad, got)
		}
	}
}

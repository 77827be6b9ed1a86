package searchgen

import (
	"reflect"
	"testing"
)

func TestServicesDeterministic(t *testing.T) {
	a, b := Services(500, 7), Services(500, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different services")
	}
	titles := map[string]bool{}
	for _, s := range a {
		titles[s.Record.TitleFa] = true
		if s.Domain == "" || s.Record.Agency == "" || len(s.ID) != 7 {
			t.Fatalf("incomplete service %+v", s)
		}
	}
	if len(titles) < 300 {
		t.Errorf("only %d distinct titles in 500 services", len(titles))
	}
}

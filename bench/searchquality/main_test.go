package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// qualityFloor is the share of labelled queries whose expected service must
// be among the first three results. A change to the search that drops below
// it fails here.
const qualityFloor = 0.97

// TestQualityFloor runs the labelled set against the demo catalogue, as
// `go run ./bench/searchquality` does, and fails below the floor.
func TestQualityFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo catalogue")
	}
	ctx := context.Background()
	cat, closeFn, err := demoCatalog(ctx, "sqlite:"+filepath.Join(t.TempDir(), "panjare.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	f, err := os.Open(filepath.Join("testdata", "queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 150 {
		t.Errorf("%d labelled queries, want at least 150", len(qs))
	}
	rep, err := measure(ctx, cat, qs)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range rep.unknown {
		t.Errorf("expected service not in the demo catalogue: %s", u)
	}
	share, byKind := rep.share()
	for _, k := range []string{"colloquial", "misspelt", "finglish", "english", "partial"} {
		if byKind[k][1] == 0 {
			t.Errorf("no %s queries in the labelled set", k)
		}
	}
	for _, r := range rep.results {
		if !r.found {
			t.Logf("not in the first %d: %q (want %v)", topN, r.q.text, r.q.want)
		}
	}
	t.Logf("found in the first %d: %.1f%% of %d queries", topN, 100*share, len(rep.results))
	if share < qualityFloor {
		t.Errorf("%.1f%% of the labelled queries found in the first %d, want at least %.0f%%", 100*share, topN, 100*qualityFloor)
	}
}

// TestParse checks that a malformed line of the labelled set is reported
// with its number.
func TestParse(t *testing.T) {
	qs, err := parse(strings.NewReader("# comment\n\nپاسپورت\t1000165\tcolloquial\nkart melli\t1000053,1000066\tfinglish\n"))
	if err != nil || len(qs) != 2 || len(qs[1].want) != 2 || qs[0].line != 3 {
		t.Fatalf("parse = %+v, %v", qs, err)
	}
	if _, err := parse(strings.NewReader("پاسپورت 1000165\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("parse of a line without tabs: %v, want an error naming line 1", err)
	}
}

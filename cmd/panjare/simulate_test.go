package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSimulateCommand: a tiny year writes its truth and says how to check
// it; a second year on the same database is refused and leaves no truth
// file; missing flags are usage errors.
func TestSimulateCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "year.db")
	truth := filepath.Join(dir, "truth.json")
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"simulate", "--year", "1404"}, env(nil), &out, &errb); code != 2 || !strings.Contains(errb.String(), "--truth") {
		t.Fatalf("without --truth: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"simulate", "--year", "1404", "--seed", "3", "--scale", "0.02", "--db", db, "--truth", truth}, env(nil), &out, &errb); code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"1404-01", "1404-12", "applications", "sealed: tree size", "panjare kpi verify"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(truth)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int `json:"version"`
		Figures []struct {
			Month     string `json:"month"`
			Submitted *int   `json:"submitted"`
		} `json:"figures"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Version != 1 || len(doc.Figures) == 0 || doc.Figures[0].Submitted == nil {
		t.Fatalf("truth file: %v, version %d, %d rows", err, doc.Version, len(doc.Figures))
	}

	// The independent verifier finds every figure of the truth, and names
	// the one figure of a changed truth.
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"kpi", "verify", "--db", db, "--truth", truth}, env(nil), &out, &errb); code != 0 ||
		!strings.Contains(out.String(), " 0 discrepancies") {
		t.Fatalf("kpi verify --truth: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	i := strings.Index(string(b), `"submitted": `)
	if i < 0 {
		t.Fatalf("no submitted figure in the truth file")
	}
	i += len(`"submitted": `)
	j := i + strings.IndexAny(string(b[i:]), ",\n")
	n, err := strconv.Atoi(string(b[i:j]))
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, "changed.json")
	if err := os.WriteFile(changed, []byte(string(b[:i])+strconv.Itoa(n+1)+string(b[j:])), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"kpi", "verify", "--db", db, "--truth", changed}, env(nil), &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "truth ") || !strings.Contains(out.String(), " 1 discrepancies") {
		t.Fatalf("kpi verify with a changed truth: exit %d\n%s\n%s", code, out.String(), errb.String())
	}

	again := filepath.Join(dir, "again.json")
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"simulate", "--year", "1404", "--scale", "0.02", "--db", db, "--truth", again}, env(nil), &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "fresh database") {
		t.Fatalf("a used database: exit %d, %q", code, errb.String())
	}
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Fatalf("a refused year left its truth file: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCommands(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"version"}, env(nil), &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "panjare ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"help"}, env(nil), &out, &errb); code != 0 || !strings.Contains(out.String(), "panjare demo") {
		t.Fatalf("help: %d", code)
	}
	if code := run(ctx, []string{"frobnicate"}, env(nil), &out, &errb); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
	if code := run(ctx, nil, env(nil), &out, &errb); code != 2 {
		t.Fatalf("no command: exit %d, want 2", code)
	}
	errb.Reset()
	if code := run(ctx, []string{"serve", "--addr", "nonsense"}, env(nil), &out, &errb); code != 2 || !strings.Contains(errb.String(), "--addr") {
		t.Fatalf("bad --addr: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"serve"}, env(map[string]string{"PANJARE_DB": "oracle://x"}), &out, &errb); code != 2 || !strings.Contains(errb.String(), "--db") {
		t.Fatalf("bad PANJARE_DB: exit %d, %q", code, errb.String())
	}
}

func TestMigrateAndAPIKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// The data directory comes from the environment: flags fall back to PANJARE_*.
	e := env(map[string]string{"PANJARE_DATA": dir})
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"migrate"}, e, &out, &errb); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), filepath.Join(dir, "panjare.db")) {
		t.Fatalf("migrate did not use PANJARE_DATA: %q", out.String())
	}
	// Migrating again is a no-op.
	if code := run(ctx, []string{"migrate"}, e, &out, &errb); code != 0 {
		t.Fatalf("second migrate: %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"apikey", "issue", "--agency", "NOCR", "--name", "x"}, e, &out, &errb); code != 1 || !strings.Contains(errb.String(), "not found") {
		t.Fatalf("issuing for an unknown agency: %d %q", code, errb.String())
	}
	if code := run(ctx, []string{"apikey", "issue"}, e, &out, &errb); code != 2 {
		t.Fatalf("issue without flags: %d", code)
	}
	if code := run(ctx, []string{"apikey", "list"}, e, &out, &errb); code != 0 {
		t.Fatalf("list: %d %s", code, errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"suggest", "rebuild", "--suggest-k", "7"}, e, &out, &errb); code != 0 || !strings.Contains(out.String(), "0 pairs of services seen for at least 7 people") {
		t.Fatalf("suggest rebuild: %d %q %s", code, out.String(), errb.String())
	}
	if code := run(ctx, []string{"suggest", "rebuild", "--suggest-k", "2"}, e, &out, &errb); code != 1 {
		t.Fatalf("suggest rebuild with k=2: %d", code)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOversightCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 100, "ranking": {"weights": {"smart": 1}}}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"base_year": 1403, "smart_step_pp": 0, "electronic_target": 100, "ranking": {"weights": {"smart": -1}}}`), 0o600)
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"oversight", "check", good}, env(nil), &out, &errb); code != 0 || !strings.Contains(out.String(), "ok") {
		t.Fatalf("check good: %d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"oversight", "check", bad}, env(nil), &out, &errb); code != 2 ||
		!strings.Contains(out.String(), "smart_step_pp 0") || !strings.Contains(out.String(), "گام سالانه") ||
		!strings.Contains(out.String(), "cannot be negative") || !strings.Contains(out.String(), "add up to 0") ||
		!strings.Contains(errb.String(), "3 problems") {
		t.Fatalf("check bad: %d\n%s\n%s", code, out.String(), errb.String())
	}
	if code := run(ctx, []string{"oversight", "check", filepath.Join(dir, "missing.json")}, env(nil), &out, &errb); code != 2 {
		t.Fatalf("check a missing file: %d", code)
	}
	// The process refuses to start with a bad file, and says why.
	errb.Reset()
	if code := run(ctx, []string{"serve", "--data", dir}, env(map[string]string{"PANJARE_OVERSIGHT": bad}), &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "--oversight") || !strings.Contains(errb.String(), "smart_step_pp") {
		t.Fatalf("serve with a bad file: %d %q", code, errb.String())
	}
}

func TestOversightBuild(t *testing.T) {
	ctx := context.Background()
	e := env(map[string]string{"PANJARE_DATA": t.TempDir()})
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"oversight", "build", "--month", "1404-01"}, e, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "report 1404-01\nsha256 html ") {
		t.Fatalf("build: %d %q %s", code, out.String(), errb.String())
	}
	first := out.String()
	out.Reset()
	if code := run(ctx, []string{"oversight", "build", "--month", "1404-01"}, e, &out, &errb); code != 0 || out.String() != first {
		t.Fatalf("building again: %d %q, want %q", code, out.String(), first)
	}
	errb.Reset()
	if code := run(ctx, []string{"oversight", "build", "--month", "1499-01"}, e, &out, &errb); code != 2 || !strings.Contains(errb.String(), "before the month has ended") {
		t.Fatalf("a future month: %d %q", code, errb.String())
	}
	if code := run(ctx, []string{"oversight", "build"}, e, &out, &errb); code != 2 {
		t.Fatalf("no month: %d", code)
	}
}

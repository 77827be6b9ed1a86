package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestStaffCommands(t *testing.T) {
	ctx := context.Background()
	e := env(map[string]string{"PANJARE_DATA": t.TempDir()})
	var out, errb bytes.Buffer
	run1 := func(want int, args ...string) (string, string) {
		t.Helper()
		out.Reset()
		errb.Reset()
		if code := run(ctx, args, e, &out, &errb); code != want {
			t.Fatalf("%v: exit %d, want %d; %s", args, code, want, errb.String())
		}
		return out.String(), errb.String()
	}
	run1(2, "staff")
	run1(2, "staff", "promote")
	run1(2, "staff", "add", "--role", "overseer")
	if _, msg := run1(1, "staff", "add", "--national-code", "0684159415", "--role", "overseer"); !strings.Contains(msg, "check digit") {
		t.Fatalf("bad national code: %q", msg)
	}
	if _, msg := run1(1, "staff", "add", "--national-code", "0067749828", "--agency", "NOCR", "--role", "agency_operator"); !strings.Contains(msg, "not found") {
		t.Fatalf("unknown agency: %q", msg)
	}
	if _, msg := run1(1, "staff", "add", "--national-code", "0067749828", "--role", "king"); !strings.Contains(msg, "role") {
		t.Fatalf("unknown role: %q", msg)
	}
	if o, _ := run1(0, "staff", "add", "--national-code", "۰۰۶۷۷۴۹۸۲۸", "--role", "overseer"); !strings.Contains(o, "******9828 is now overseer") || strings.Contains(o, "0067749828") {
		t.Fatalf("add: %q", o)
	}
	if o, _ := run1(0, "staff", "list"); !strings.Contains(o, "0067749828") || !strings.Contains(o, "overseer") {
		t.Fatalf("list: %q", o)
	}
	run1(0, "staff", "remove", "--national-code", "0067749828", "--role", "overseer")
	if o, _ := run1(0, "staff", "list"); strings.Contains(o, "overseer") {
		t.Fatalf("list after remove: %q", o)
	}
	run1(1, "staff", "remove", "--national-code", "0067749828", "--role", "overseer")
}

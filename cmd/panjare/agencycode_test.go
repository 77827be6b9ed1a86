package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// withCheckDigit completes nine digits into a valid national code.
func withCheckDigit(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	r := sum % 11
	if r >= 2 {
		r = 11 - r
	}
	return nine + string(rune('0'+r))
}

// TestEveryDemoAgencyHasStaffAndKeys loads the catalogue with `catalog
// load` on each engine and checks that every demo agency, FARAJA_PASS and
// the other codes with an underscore included, can be given staff and an
// API key: through the CLI for the agencies whose codes the identity rule
// once refused, and through identity's verbs for all of them.
func TestEveryDemoAgencyHasStaffAndKeys(t *testing.T) {
	ctx := context.Background()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			e := env(map[string]string{"PANJARE_DB": dsn, "PANJARE_DATA": t.TempDir()})
			var out, errb bytes.Buffer
			run1 := func(args ...string) string {
				t.Helper()
				out.Reset()
				errb.Reset()
				if code := run(ctx, args, e, &out, &errb); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, errb.String())
				}
				return out.String()
			}
			if o := run1("catalog", "load"); !strings.Contains(o, "loaded the catalogue") {
				t.Fatalf("catalog load: %q", o)
			}
			if o := run1("catalog", "load"); !strings.Contains(o, "nothing loaded") {
				t.Fatalf("second catalog load: %q", o)
			}
			for i, ag := range []string{"FARAJA_PASS", "FARAJA_NV", "FARAJA_RAHVAR", "JUDICIARY_IT", "TEHRAN_MUN"} {
				code := withCheckDigit(fmt.Sprintf("1%08d", 1000+i))
				if o := run1("staff", "add", "--national-code", code, "--agency", ag, "--role", "agency_admin"); !strings.Contains(o, "agency_admin at "+ag) {
					t.Errorf("staff add %s: %q", ag, o)
				}
				if o := run1("apikey", "issue", "--agency", ag, "--name", "back office"); !strings.HasPrefix(o, "pjk_") {
					t.Errorf("apikey issue %s: %q", ag, o)
				}
			}

			cfg := app.Defaults()
			cfg.DB, cfg.DataDir, cfg.Jobs = dsn, t.TempDir(), false
			a, err := app.New(ctx, cfg, newLogger(&errb, "error"))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			agencies := demo.Agencies()
			for i, ag := range agencies {
				code := withCheckDigit(fmt.Sprintf("2%08d", 1000+i))
				if _, err := a.Identity.AddStaff(ctx, identity.System, code, ag.Code, identity.RoleOperator); err != nil {
					t.Errorf("staff of %s: %v", ag.Code, err)
				}
				if _, _, err := a.Identity.IssueKey(ctx, identity.System, ag.Code, "back office"); err != nil {
					t.Errorf("API key of %s: %v", ag.Code, err)
				}
			}
			keys, err := a.Identity.APIClients(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if want := len(agencies) + 5; len(keys) != want {
				t.Errorf("%d API clients, want %d", len(keys), want)
			}
		})
	}
}

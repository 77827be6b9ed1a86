package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestLedgerVerify runs "panjare ledger checkpoint" and "panjare ledger
// verify" on a sealed database, then on one changed behind the
// application's back, on both engines.
func TestLedgerVerify(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			s, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(ctx, nil, ledger.Migrations()); err != nil {
				t.Fatal(err)
			}
			led, err := ledger.New(ctx, ledger.Config{Store: s})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				if err := s.InTx(ctx, func(tx *store.Tx) error {
					return tx.Append(ctx, store.Event{Kind: "apply.case.transition", Actor: "user:7", Agency: "NOCR"}, map[string]any{"to": "approved", "n": i})
				}); err != nil {
					t.Fatal(err)
				}
			}
			cp, err := led.SealNow(ctx)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ledgerCLI := func(args ...string) (int, string, string) {
				var out, errb bytes.Buffer
				code := run(ctx, append(append([]string{"ledger"}, args...), "--db", dsn), env(nil), &out, &errb)
				return code, out.String(), errb.String()
			}
			lastLine := func(out string) string {
				lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
				return lines[len(lines)-1]
			}
			wantLast := fmt.Sprintf("tree size %d root %s", cp.Size, cpRoot(cp))

			code, note, errs := ledgerCLI("checkpoint")
			if code != 0 || note != string(cp.Note) {
				t.Fatalf("ledger checkpoint: exit %d, %q %s; want the latest note %q", code, note, errs, cp.Note)
			}
			kept := filepath.Join(dir, "checkpoint.txt")
			if err := os.WriteFile(kept, []byte(note), 0o600); err != nil {
				t.Fatal(err)
			}
			keyFile := filepath.Join(dir, "ledger.key")
			if err := os.WriteFile(keyFile, []byte(led.VerifierKey()+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errs := ledgerCLI("verify", "--checkpoint", kept, "--key", keyFile)
			if code != 0 || lastLine(out) != wantLast || !strings.Contains(out, "0 findings") {
				t.Fatalf("verify a clean ledger: exit %d\n%s%s\nwant last line %q", code, out, errs, wantLast)
			}

			// Bad input: exit 2, with a clear message.
			forged := strings.Replace(note, "\n"+fmt.Sprint(cp.Size)+"\n", "\n"+fmt.Sprint(cp.Size-1)+"\n", 1)
			forgedFile := filepath.Join(dir, "forged.txt")
			if err := os.WriteFile(forgedFile, []byte(forged), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"verify", "--checkpoint", forgedFile}, "not signed by this ledger's key"},
				{[]string{"verify", "--checkpoint", filepath.Join(dir, "missing.txt")}, "--checkpoint"},
				{[]string{"verify", "--key", "not a key"}, "--key"},
				{[]string{"frobnicate"}, "unknown verb"},
			} {
				if code, _, errs := ledgerCLI(c.args...); code != 2 || !strings.Contains(errs, c.want) {
					t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errs, c.want)
				}
			}
			if d == store.SQLite {
				var out, errb bytes.Buffer
				missing := "sqlite:" + filepath.Join(dir, "nothing-here.db")
				if code := run(ctx, []string{"ledger", "verify", "--db", missing}, env(nil), &out, &errb); code != 2 || !strings.Contains(errb.String(), "no database") {
					t.Errorf("verify a database that is not there: exit %d %q", code, errb.String())
				}
				if _, err := os.Stat(strings.TrimPrefix(missing, "sqlite:")); err == nil {
					t.Error("verify created the database it was asked to check")
				}
				// A database without the ledger's tables.
				bare := "sqlite:" + filepath.Join(dir, "bare.db")
				bs, err := store.Open(ctx, bare, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := bs.Migrate(ctx, nil); err != nil {
					t.Fatal(err)
				}
				bs.Close()
				out.Reset()
				errb.Reset()
				if code := run(ctx, []string{"ledger", "verify", "--db", bare}, env(nil), &out, &errb); code != 1 || !strings.Contains(errb.String(), "no ledger to verify") {
					t.Errorf("verify a database without a ledger: exit %d %q", code, errb.String())
				}
			}

			// Behind the application's back: the fourth event's actor.
			conn, err := s.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stmts := []string{`DROP TRIGGER events_no_update`, `UPDATE events SET actor = 'user:forged' WHERE id = 4`}
			if d == store.Postgres {
				stmts = []string{`ALTER TABLE events DISABLE TRIGGER USER`, `UPDATE events SET actor = 'user:forged' WHERE id = 4`, `ALTER TABLE events ENABLE TRIGGER USER`}
			}
			for _, q := range stmts {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			conn.Close()
			code, out, errs = ledgerCLI("verify", "--checkpoint", kept)
			if code != 1 || !strings.Contains(out, "edited index 3 event 4:") || !strings.Contains(out, "auditor's checkpoint") ||
				!strings.HasPrefix(lastLine(out), fmt.Sprintf("tree size %d root ", cp.Size)) || lastLine(out) == wantLast || !strings.Contains(errs, "findings") {
				t.Errorf("verify an edited ledger: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}

func cpRoot(cp ledger.Checkpoint) string {
	return strings.Split(string(cp.Note), "\n")[2]
}

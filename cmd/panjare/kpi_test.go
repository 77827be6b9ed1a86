package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
)

// TestKPIVerifyBadInput: a truth file that is missing, unreadable or not a
// figures document is bad input (exit 2), refused before the database is
// touched.
func TestKPIVerifyBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := env(map[string]string{"PANJARE_DATA": dir})
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"kpi"}, "want verify"},
		{[]string{"kpi", "verify", "--truth", filepath.Join(dir, "missing.json")}, "cannot read the truth file"},
		{[]string{"kpi", "verify", "--truth", write("broken.json", `{"version":1,"figures":[`)}, "not a figures document"},
		{[]string{"kpi", "verify", "--truth", write("v2.json", `{"version":2,"figures":[]}`)}, "version 2"},
		{[]string{"kpi", "verify", "--truth", write("nomonth.json", `{"version":1,"figures":[{"submitted":3}]}`)}, "without a month"},
		{[]string{"kpi", "verify", "--truth", write("text.json", `{"version":1,"figures":[{"month":"1404-06","submitted":"three"}]}`)}, "submitted"},
	} {
		var out, errb bytes.Buffer
		if code := run(ctx, c.args, e, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "panjare.db")); !os.IsNotExist(err) {
		t.Errorf("bad input opened the database: %v", err)
	}
}

// TestKPIVerifyTruth: on a database with one sealed submission, a truth
// file with one wrong number is named and fails the command; the right
// number passes.
func TestKPIVerifyTruth(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := env(map[string]string{"PANJARE_DATA": dir})
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "panjare.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx, nil, app.Migrations()...); err != nil {
		t.Fatal(err)
	}
	// 10:00 on 5 Shahrivar 1404 in Tehran.
	at := time.Date(2025, 8, 27, 6, 30, 0, 0, time.UTC)
	err = s.InTx(ctx, func(tx *store.Tx) error {
		return tx.Append(ctx, store.Event{At: at, Kind: "apply.case.submitted", Actor: "user:1", Agency: "A1", Service: "S1", Subject: "P1"},
			map[string]any{"tracking": "T1", "deadline": at.Add(48 * time.Hour), "channel": "counter"})
	})
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.New(ctx, ledger.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.SealNow(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	truth := func(submitted string) string {
		p := filepath.Join(dir, "truth-"+submitted+".json")
		body := `{"version":1,"source":{"through":0},"figures":[{"month":"1404-06","agency":"A1","submitted":` + submitted +
			`,"counter":1,"online":0,"started":1,"completed":1,"funnel":true}],"providers":[]}`
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"kpi", "verify", "--truth", truth("2")}, e, &out, &errb); code != 1 {
		t.Fatalf("a wrong truth: exit %d, want 1\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "truth 1404-06/agency:A1 submitted: expected 1, got 2\n") ||
		!strings.Contains(out.String(), " figures checked, 1 discrepancies\n") {
		t.Fatalf("a wrong truth:\n%s\n%s", out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	recomputed := filepath.Join(dir, "recomputed.json")
	if code := run(ctx, []string{"kpi", "verify", "--truth", truth("1"), "--out", recomputed}, e, &out, &errb); code != 0 {
		t.Fatalf("the right truth: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, " figures checked, 0 discrepancies") || strings.HasPrefix(last, "0 ") {
		t.Fatalf("the right truth:\n%s", out.String())
	}
	// A checkpoint that is not the ledger's is bad input.
	forged := filepath.Join(dir, "forged-checkpoint")
	if err := os.WriteFile(forged, []byte("panjare.ledger\n1\nAAAA\n\n— someone c2lnbmF0dXJl\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(ctx, []string{"kpi", "verify", "--checkpoint", forged}, e, &out, &errb); code != 2 || !strings.Contains(errb.String(), "kpi verify: ") {
		t.Fatalf("a forged checkpoint: exit %d, %q", code, errb.String())
	}
	b, err := os.ReadFile(recomputed)
	if err != nil || !bytes.Contains(b, []byte(`"submitted": 1`)) {
		t.Fatalf("--out: %v\n%s", err, b)
	}

	// A second submission, committed but not sealed: not counted until
	// it is sealed.
	s, err = store.Open(ctx, "sqlite:"+filepath.Join(dir, "panjare.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		return tx.Append(ctx, store.Event{At: at.Add(time.Hour), Kind: "apply.case.submitted", Actor: "user:2", Agency: "A1", Service: "S1", Subject: "P2"},
			map[string]any{"tracking": "T2", "deadline": at.Add(48 * time.Hour), "channel": "counter"})
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(ctx, []string{"kpi", "verify", "--truth", truth("1")}, e, &out, &errb); code != 0 {
		t.Fatalf("an unsealed event counted: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"kpi", "verify", "--seal", "--truth", truth("1")}, e, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "truth 1404-06/agency:A1 submitted: expected 2, got 1\n") {
		t.Fatalf("--seal: exit %d\n%s", code, out.String())
	}

	// The submission's channel edited behind the application's back: the
	// ledger names the event, and nothing is computed.
	s, err = store.Open(ctx, "sqlite:"+filepath.Join(dir, "panjare.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := s.DB().QueryRowContext(ctx, `SELECT MIN(id) FROM events WHERE kind = 'apply.case.submitted'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER events_no_update`, `UPDATE events SET payload = replace(payload, 'counter', 'online') WHERE id = ` + fmt.Sprint(id)} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"kpi", "verify", "--truth", truth("1")}, e, &out, &errb); code != 1 {
		t.Fatalf("an edited event: exit %d, want 1\n%s\n%s", code, out.String(), errb.String())
	}
	if want := fmt.Sprintf(" event %d", id); !strings.Contains(out.String(), "ledger edited index ") || !strings.Contains(out.String(), want) ||
		strings.Contains(out.String(), "figures checked") || !strings.Contains(errb.String(), "no figure was computed") {
		t.Fatalf("an edited event: want %q and nothing computed:\n%s\n%s", want, out.String(), errb.String())
	}
}

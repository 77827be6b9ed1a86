package kpiverify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// sets are the migration sets a verification reads.
func sets() []store.MigrationSet {
	return []store.MigrationSet{catalog.Migrations(), ledger.Migrations(), kpi.Migrations(), oversight.Migrations()}
}

// fixture is a store holding mustHistory, sealed, with the dashboards'
// figures beside it.
type fixture struct {
	s   *store.Store
	led *ledger.Ledger
	kpi *kpi.KPI
	cat *catalog.Catalog
}

func mustFixture(t *testing.T, s *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	mustHistory(t, s)
	led, err := ledger.New(ctx, ledger.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.SealNow(ctx); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := kpi.New(kpi.Config{Store: s, Catalog: cat, Ledger: led})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, led: led, kpi: k, cat: cat}
}

func (f fixture) verify(t *testing.T, truth []byte) Result {
	t.Helper()
	return f.verifyWith(t, Options{Store: f.s, KPI: f.kpi, Truth: truth, Verifier: f.led.Verifier(), Attempts: 3})
}

func (f fixture) verifyWith(t *testing.T, opt Options) Result {
	t.Helper()
	res, err := Verify(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func lines(ds []Discrepancy) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("\n  " + d.String())
	}
	return b.String()
}

// TestDashboardsAgree: on the hand-built history the dashboards' figures
// equal the recomputation, key for key, and the recomputation equals the
// figures worked out by hand.
func TestDashboardsAgree(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := mustFixture(t, s)
		res := f.verify(t, nil)
		if len(res.Discrepancies) > 0 {
			t.Fatalf("%d discrepancies on an untouched history:%s", len(res.Discrepancies), lines(res.Discrepancies))
		}
		if res.Checked < 500 {
			t.Fatalf("only %d figures checked", res.Checked)
		}
		last, err := s.LastEventID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Source.Through == 0 || res.Source.Through > last || res.Source.LedgerSize == 0 || res.Source.LedgerRoot == "" {
			t.Fatalf("source %+v (last event %d)", res.Source, last)
		}
		byKey := map[string]Figures{}
		for _, fig := range res.Document.Figures {
			byKey[fig.Key.String()] = fig
		}
		for _, want := range handFigures() {
			got, ok := byKey[want.Key.String()]
			if !ok {
				if want.Agency == "A2" { // A2 has no live service and no case after 1404-05
					continue
				}
				t.Errorf("%s: not in the recomputed document", want.Key)
				continue
			}
			if got != want {
				t.Errorf("%s: recomputed%s", want.Key, lines(mustDiff(t, want, got, false)))
			}
		}
	}, sets()...)
}

// has reports whether ds names the discrepancy want, written as String
// writes it.
func has(ds []Discrepancy, want string) bool {
	for _, d := range ds {
		if d.String() == want {
			return true
		}
	}
	return false
}

// TestTamperedAggregate: one aggregate row of the dashboards changed
// behind their back is named, field and key.
func TestTamperedAggregate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		if err := f.kpi.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := s.DB().ExecContext(ctx, `UPDATE kpi_groups SET submitted = submitted + 1
			WHERE month = '1404-06' AND agency = '' AND service = '' AND province = '' AND city = ''`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%d national rows of 1404-06 changed, want 1", n)
		}
		got := f.verify(t, nil)
		want := "dashboard 1404-06 submitted: expected 3, got 4"
		if !has(got.Discrepancies, want) {
			t.Fatalf("want %q among:%s", want, lines(got.Discrepancies))
		}
		for _, d := range got.Discrepancies {
			if d.Field != "submitted" || !strings.HasPrefix(d.Key, "1404-06") {
				t.Errorf("a discrepancy the change does not explain: %s", d)
			}
		}

		// A city's rows gone: its figures read as zeros, and the open
		// data no longer has it.
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM kpi_groups WHERE month = '1404-06' AND city = 'THR-01'`); err != nil {
			t.Fatal(err)
		}
		got = f.verify(t, nil)
		for _, want := range []string{"dashboard 1404-06/city:THR-01 decided_auto: expected 1, got 0",
			"export 1404-06/city:THR-01 row: expected present, got absent"} {
			if !has(got.Discrepancies, want) {
				t.Errorf("want %q among:%s", want, lines(got.Discrepancies))
			}
		}

		// A month no event is in, made up in the aggregates: the export
		// shows it, and it is compared with what the events say.
		for _, q := range []string{`INSERT INTO kpi_months (month) VALUES ('1404-09')`,
			`INSERT INTO kpi_groups (gkey, month, agency, service, province, city, submitted) VALUES ('1404-09' || $1 || $1 || $1 || $1, '1404-09', '', '', '', '', 5)`} {
			var args []any
			if strings.Contains(q, "$1") {
				args = []any{"\x1f"}
			}
			if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		got = f.verify(t, nil)
		if want := "export 1404-09 submitted: expected 0, got 5"; !has(got.Discrepancies, want) {
			t.Errorf("want %q among:%s", want, lines(got.Discrepancies))
		}
	}, sets()...)
}

// TestEditedEventRefused: an event edited behind the application's back
// (its trigger dropped or disabled) makes the ledger's verification find
// it, and then nothing is computed.
func TestEditedEventRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		var id int64
		if err := s.DB().QueryRowContext(ctx, `SELECT id FROM events WHERE kind = 'apply.feedback.given' ORDER BY id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		edit := `UPDATE events SET payload = '{"tracking":"T1","rating":5}' WHERE id = $1`
		var stmts []string
		if s.Dialect() == store.SQLite {
			stmts = []string{`DROP TRIGGER events_no_update`, edit}
		} else {
			stmts = []string{`ALTER TABLE events DISABLE TRIGGER events_no_change`, edit, `ALTER TABLE events ENABLE TRIGGER events_no_change`}
		}
		for _, q := range stmts {
			var args []any
			if q == edit {
				args = []any{id}
			}
			if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_, err := Verify(ctx, Options{Store: s, KPI: f.kpi, Verifier: f.led.Verifier(), Attempts: 3})
		var le *LedgerError
		if !errors.As(err, &le) {
			t.Fatalf("verify of an edited history: %v, want a LedgerError", err)
		}
		found := false
		for _, fd := range le.Findings {
			found = found || (fd.EventID == id && fd.Kind == "edited")
		}
		if !found {
			t.Fatalf("the ledger's findings do not name event %d as edited: %v", id, err)
		}
	}, sets()...)
}

// TestTruthFile: every figure a truth file lists is compared; one wrong
// number is named, and the rest agree. The dashboards are left out: the
// truth is checked against the recomputation alone.
func TestTruthFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := mustFixture(t, s)
		verify := func(truth []byte) Result {
			return f.verifyWith(t, Options{Store: s, Truth: truth, Verifier: f.led.Verifier()})
		}
		truth := Document{Version: 1, Figures: handFigures(), Providers: handProviders()}
		b, err := json.Marshal(truth)
		if err != nil {
			t.Fatal(err)
		}
		if res := verify(b); len(res.Discrepancies) > 0 {
			t.Fatalf("the hand-worked truth disagrees:%s", lines(res.Discrepancies))
		}

		truth.Figures[2].HoursP90 = 79 // 1404-06 national: 80
		truth.Providers[1].Succeeded = 2
		if b, err = json.Marshal(truth); err != nil {
			t.Fatal(err)
		}
		res := verify(b)
		want := []string{"truth 1404-06 hours_p90: expected 80, got 79", "truth 1404-06/provider:IR/GOV/NOCR succeeded: expected 1, got 2"}
		if len(res.Discrepancies) != len(want) || !has(res.Discrepancies, want[0]) || !has(res.Discrepancies, want[1]) {
			t.Fatalf("got:%s\nwant %q", lines(res.Discrepancies), want)
		}

		// A truth file may list only the figures it knows.
		partial := `{"version":1,"figures":[{"month":"1404-06","province":"YZD","submitted":2,"complaints":7}]}`
		res = verify([]byte(partial))
		if len(res.Discrepancies) != 1 || res.Discrepancies[0].String() != "truth 1404-06/province:YZD complaints: expected 1, got 7" {
			t.Fatalf("partial truth:%s", lines(res.Discrepancies))
		}
	}, sets()...)
}

// TestReports: an archived report agrees with the recomputation from the
// events it was built from, its digests are those sealed in the ledger and
// its signature verifies; a figure changed in the archive is named, and so
// is the digest it no longer matches.
func TestReports(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		if err := f.kpi.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		o, err := oversight.New(oversight.Options{Store: s, KPI: f.kpi, Signer: f.led, Catalog: f.cat, Config: oversight.Default()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Build(ctx, "1404-06"); err != nil {
			t.Fatal(err)
		}
		// An objection decided after the report was built changes the
		// month's overturned; the report, about the events before it,
		// stays true.
		mustAppend(t, s, event{store.Event{At: at(t, "2025-10-05T08:00:00Z"), Kind: kindObjection, Actor: "user:7", Agency: "A1", Service: "S1",
			Region: "YZD-02", Subject: "P3"}, map[string]any{"tracking": "T2", "overturned": true}})
		if _, err := f.led.SealNow(ctx); err != nil {
			t.Fatal(err)
		}
		res := f.verify(t, nil)
		if len(res.Discrepancies) > 0 {
			t.Fatalf("an honest report:%s", lines(res.Discrepancies))
		}
		reportChecked := res.Checked

		// Change the national submitted of the archived figures.
		var figures []byte
		if err := s.DB().QueryRowContext(ctx, `SELECT figures FROM oversight_reports WHERE month = '1404-06'`).Scan(&figures); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(figures, &doc); err != nil {
			t.Fatal(err)
		}
		changed := false
		for _, row := range doc["figures"].([]any) {
			r := row.(map[string]any)
			if r["month"] == "1404-06" && r["agency"] == nil && r["service"] == nil && r["province"] == nil && r["city"] == nil {
				if r["submitted"] != float64(3) {
					t.Fatalf("the report's national submitted is %v, want 3", r["submitted"])
				}
				r["submitted"], changed = 4, true
			}
		}
		if !changed {
			t.Fatalf("no national row in the report's figures: %s", figures)
		}
		forged, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `UPDATE oversight_reports SET figures = $1 WHERE month = '1404-06'`, forged); err != nil {
			t.Fatal(err)
		}
		res = f.verify(t, nil)
		want := "report:1404-06 1404-06 submitted: expected 3, got 4"
		if !has(res.Discrepancies, want) {
			t.Fatalf("want %q among:%s", want, lines(res.Discrepancies))
		}
		fields := map[string]bool{}
		for _, d := range res.Discrepancies {
			fields[d.Field] = true
			if d.Source != "report:1404-06" {
				t.Errorf("a discrepancy the change does not explain: %s", d)
			}
		}
		if !fields["figures_sha256"] || !fields["signature"] || len(res.Discrepancies) != 3 {
			t.Fatalf("want submitted, figures_sha256 and signature named:%s", lines(res.Discrepancies))
		}
		if res.Checked != reportChecked {
			t.Fatalf("%d figures checked after the change, %d before", res.Checked, reportChecked)
		}

		// The report taken out of the archive: the ledger still names it.
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM oversight_reports WHERE month = '1404-06'`); err != nil {
			t.Fatal(err)
		}
		res = f.verify(t, nil)
		want = "report:1404-06 1404-06 archive: expected the report whose digests the ledger seals, got absent"
		if len(res.Discrepancies) != 1 || res.Discrepancies[0].String() != want {
			t.Fatalf("want only %q:%s", want, lines(res.Discrepancies))
		}
	}, sets()...)
}

// TestDashboardsBehind: when the dashboards have counted fewer events than
// the verified tree holds (their checkpoint is older), they are compared
// with the recomputation from the same events as theirs.
func TestDashboardsBehind(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		first, err := f.led.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// One more submission in 1404-07, sealed, whose checkpoint the
		// dashboards do not see: the newest checkpoint row is removed, so
		// the latest they find is the first.
		mustAppend(t, s, event{store.Event{At: at(t, "2025-10-03T08:00:00Z"), Kind: kindSubmitted, Actor: "user:1", Agency: "A1", Service: "S1",
			Region: "YZD-01", Subject: "P7"}, map[string]any{"tracking": "T9", "deadline": at(t, "2025-10-05T08:00:00Z")}})
		cp, err := f.led.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size <= first.Size {
			t.Fatalf("no new checkpoint: %d after %d", cp.Size, first.Size)
		}
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM ledger_checkpoints WHERE size > $1`, int64(first.Size)); err != nil {
			t.Fatal(err)
		}
		res, err := Verify(ctx, Options{Store: s, KPI: f.kpi, Verifier: f.led.Verifier(), Attempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Discrepancies) > 0 {
			t.Fatalf("dashboards behind the tree:%s", lines(res.Discrepancies))
		}
		if res.DashboardThrough >= res.Source.Through || res.DashboardThrough == 0 {
			t.Fatalf("compared the dashboards through %d, the tree holds %d", res.DashboardThrough, res.Source.Through)
		}
		var national Figures
		for _, fig := range res.Document.Figures {
			if fig.Key == (Key{Month: "1404-07"}) {
				national = fig
			}
		}
		if national.Submitted != 2 {
			t.Fatalf("the recomputation counts %d submissions in 1404-07, want 2 (the new one is sealed)", national.Submitted)
		}
	}, sets()...)
}

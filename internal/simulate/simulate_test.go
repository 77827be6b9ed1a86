package simulate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/kpiverify"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/simulate"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// smallYear is a year of about 25 cases a month: enough for every kind of
// step, small enough for a test.
const smallYear = 0.06

// TestSyntheticYear runs a small year on each engine, seals it, folds the
// figures, and finds every figure of the truth in them; a truth with one
// figure changed is caught; and a second run on the same database is
// refused.
func TestSyntheticYear(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			res, err := simulate.Run(ctx, simulate.Options{DB: dsn, Year: 1404, Seed: 11, Scale: smallYear})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d cases (%d started by %d life events), %d events, %d truth rows in %s; refused: %v",
				d, res.Cases, res.Started, res.LifeEvents, res.Events, len(res.Truth.Figures), res.Took.Round(time.Millisecond), res.Failures)
			if len(res.Truth.Providers) == 0 {
				t.Errorf("the truth vouches for no provider's inquiries")
			}
			if res.LifeEvents == 0 || res.Started == 0 {
				t.Errorf("%d life events started %d cases, want some of each", res.LifeEvents, res.Started)
			}
			if len(res.MonthsRun) != 12 || res.MonthsRun[0] != "1404-01" || res.MonthsRun[11] != "1404-12" {
				t.Fatalf("months %v, want 1404-01 … 1404-12", res.MonthsRun)
			}
			national := map[string]simulate.Row{}
			for _, r := range res.Truth.Figures {
				if r.Key() == (kpi.Key{Month: r.Month}) {
					national[r.Month] = r
				}
			}
			var submitted, auto, clerk, overturned, ratings, complaints, regional int
			for _, r := range national {
				submitted += r.Submitted
				auto += r.DecidedAuto
				clerk += r.Decided - r.DecidedAuto
				overturned += r.Overturned
				ratings += r.Ratings
				complaints += r.Complaints
			}
			for _, r := range res.Truth.Figures {
				if r.Province != "" {
					regional += r.Submitted
				}
			}
			if len(national) != 12 || submitted != res.Cases || auto == 0 || clerk == 0 || ratings == 0 || complaints == 0 || regional == 0 {
				t.Fatalf("the year lacks some traffic: %d months, %d submitted (%d filed), %d decided by rules, %d by clerks, %d overturned, %d ratings, %d complaints, %d in provinces",
					len(national), submitted, res.Cases, auto, clerk, overturned, ratings, complaints, regional)
			}

			// The independent verifier finds the truth in the sealed events,
			// and the dashboards' figures agree with both.
			st, k, led := mustFigures(t, dsn)
			truth, err := json.Marshal(res.Truth)
			if err != nil {
				t.Fatal(err)
			}
			v, err := kpiverify.Verify(ctx, kpiverify.Options{Store: st, KPI: k, Truth: truth, Verifier: led.Verifier()})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range v.Discrepancies[:min(len(v.Discrepancies), 20)] {
				t.Error(d)
			}
			if len(v.Discrepancies) > 0 || v.Checked == 0 {
				t.Fatalf("%d discrepancies among %d figures checked", len(v.Discrepancies), v.Checked)
			}
			t.Logf("kpi verify: %d figures checked, 0 discrepancies", v.Checked)

			// One figure wrong in the truth is one discrepancy, named.
			wrong := res.Truth
			wrong.Figures = append([]simulate.Row(nil), res.Truth.Figures...)
			changed := &wrong.Figures[len(wrong.Figures)/2]
			changed.Submitted++
			if truth, err = json.Marshal(wrong); err != nil {
				t.Fatal(err)
			}
			v, err = kpiverify.Verify(ctx, kpiverify.Options{Store: st, KPI: k, Truth: truth, Verifier: led.Verifier()})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Discrepancies) != 1 || v.Discrepancies[0].Source != "truth" || v.Discrepancies[0].Field != "submitted" ||
				v.Discrepancies[0].Got != fmt.Sprint(changed.Submitted) {
				t.Fatalf("a truth with %+v changed gave %v, want the one discrepancy", changed.Key(), v.Discrepancies)
			}

			_, err = simulate.Run(ctx, simulate.Options{DB: dsn, Year: 1404, Seed: 11, Scale: smallYear})
			if !errs.Is(err, errs.Conflict) {
				t.Fatalf("a second year on the same database: %v, want a conflict", err)
			}
		})
	}
}

// mustFigures opens the simulated database with its ledger and the
// dashboards' figures.
func mustFigures(t *testing.T, dsn string) (*store.Store, *kpi.KPI, *ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, nil, kpi.Migrations(), oversight.Migrations()); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.New(ctx, ledger.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kpi.New(kpi.Config{Store: st, Catalog: cat, Ledger: led})
	if err != nil {
		t.Fatal(err)
	}
	return st, k, led
}

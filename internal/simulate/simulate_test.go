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
	"github.com/panjare/panjare/internal/ledger"
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
			t.Logf("%s: %d cases, %d events, %d truth rows in %s; refused: %v", d, res.Cases, res.Events, len(res.Truth.Figures), res.Took.Round(time.Millisecond), res.Failures)
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

			k := mustFigures(t, dsn)
			if bad := compare(t, k, res.Truth); len(bad) > 0 {
				for _, b := range bad[:min(len(bad), 20)] {
					t.Error(b)
				}
				t.Fatalf("%d discrepancies between the truth and the figures", len(bad))
			}

			// One figure wrong in the truth is one discrepancy, named.
			wrong := res.Truth
			wrong.Figures = append([]simulate.Row(nil), res.Truth.Figures...)
			wrong.Figures[len(wrong.Figures)/2].Submitted++
			if bad := compare(t, k, wrong); len(bad) != 1 {
				t.Fatalf("a changed truth gave %d discrepancies, want 1: %v", len(bad), bad)
			}

			_, err = simulate.Run(ctx, simulate.Options{DB: dsn, Year: 1404, Seed: 11, Scale: smallYear})
			if !errs.Is(err, errs.Conflict) {
				t.Fatalf("a second year on the same database: %v, want a conflict", err)
			}
		})
	}
}

// mustFigures opens the simulated database and folds every sealed event
// into the figures.
func mustFigures(t *testing.T, dsn string) *kpi.KPI {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, nil, kpi.Migrations()); err != nil {
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
	if _, err := led.SealNow(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := kpi.New(kpi.Config{Store: st, Catalog: cat, Ledger: led})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return k
}

// compare returns every field of every truth row that the figures show
// differently.
func compare(t *testing.T, k *kpi.KPI, truth simulate.Truth) []string {
	t.Helper()
	var out []string
	for _, r := range truth.Figures {
		got, err := k.Get(context.Background(), r.Key())
		if err != nil {
			t.Fatal(err)
		}
		want, have := fields(t, r), fields(t, got)
		for name, w := range want {
			if g, ok := have[name]; !ok || fmt.Sprint(g) != fmt.Sprint(w) {
				out = append(out, fmt.Sprintf("%+v %s: truth %v, figures %v", r.Key(), name, w, g))
			}
		}
	}
	return out
}

// fields reads v's JSON object, without the key's fields.
func fields(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"month", "agency", "service", "province", "city"} {
		delete(m, k)
	}
	return m
}

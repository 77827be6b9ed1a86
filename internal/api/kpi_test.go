package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestKPI: GET /api/v1/kpi answers a group's figures as kpi counted them
// (two applications for NOCR's duplicate birth certificate in the city of
// Yazd), narrowed by agency, service, province or city; an unknown code or
// a month that is not a Jalali month is a 400 problem. GET
// /api/v1/kpi/rankings answers oversight's rankings with the method.
func TestKPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		if err := e.cat.PutRegion(ctx, identity.System, catalog.Region{Code: "YZD-01", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.City, Province: "YZD", Pilot: true}); err != nil {
			t.Fatal(err)
		}
		d, err := e.cat.SaveDraft(ctx, identity.System, 0, passportRecord())
		if err != nil {
			t.Fatal(err)
		}
		svc, err := e.cat.Publish(ctx, identity.System, d.Key)
		if err != nil {
			t.Fatal(err)
		}
		now := s.Now()
		for i, subject := range []string{"0067749828", "0012345679"} {
			ev := store.Event{At: now, Kind: "apply.case.submitted", Actor: "user:1", Agency: "NOCR", Service: svc.ID, Region: "YZD-01", Subject: subject}
			pl := map[string]any{"tracking": fmt.Sprintf("1405-0000-000%d", i), "deadline": now.Add(72 * time.Hour)}
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.Append(ctx, ev, pl) }); err != nil {
				t.Fatal(err)
			}
		}
		k, err := kpi.New(kpi.Config{Store: s, Catalog: e.cat})
		if err != nil {
			t.Fatal(err)
		}
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		led, err := ledger.New(ctx, ledger.Config{Store: s, Origin: "panjare.ledger"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := oversight.New(oversight.Options{Store: s, KPI: k, Signer: led, Catalog: e.cat, Config: oversight.Default()})
		if err != nil {
			t.Fatal(err)
		}
		e.mux = http.NewServeMux()
		api.New(api.Config{Catalog: e.cat, Log: slog.New(slog.DiscardHandler), KPI: k, Oversight: o}).Register(e.mux)
		y, m := persian.JalaliMonth(now)
		month := fmt.Sprintf("%04d-%02d", y, m)

		for path, want := range map[string]float64{
			"/api/v1/kpi":                                             2,
			"/api/v1/kpi?month=" + month:                              2,
			"/api/v1/kpi?month=" + persian.Digits(month):              2,
			"/api/v1/kpi?month=" + month + "&agency=NOCR&city=YZD-01": 2,
			"/api/v1/kpi?month=" + month + "&service=" + svc.ID:       2,
			"/api/v1/kpi?month=" + month + "&province=YZD":            2,
			"/api/v1/kpi?month=" + month + "&agency=INTA":             0,
		} {
			code, ct, out := e.do("GET", path, "", nil)
			if code != http.StatusOK || ct != "application/json; charset=utf-8" {
				t.Fatalf("%s: %d %s %v", path, code, ct, out)
			}
			figs, _ := out["figures"].(map[string]any)
			if figs["submitted"] != want || figs["month"] != month {
				t.Errorf("%s: figures %v, want %v submitted in %s", path, figs, want, month)
			}
			if src, _ := out["source"].(map[string]any); src["through"] == float64(0) {
				t.Errorf("%s: the source names no event", path)
			}
		}
		_, _, out := e.do("GET", "/api/v1/kpi?agency=NOCR", "", nil)
		if figs := out["figures"].(map[string]any); figs["services"] != float64(1) || figs["funnel"] != true {
			t.Errorf("NOCR's figures: %v", figs)
		}
		for _, bad := range []string{"month=1405-13", "month=14051", "month=hello", "agency=NOPE", "service=1234567", "province=YZD-01", "city=YZD", "city=THR-01"} {
			e.problem("GET", "/api/v1/kpi?"+bad, "", nil, http.StatusBadRequest)
		}

		code, _, out := e.do("GET", "/api/v1/kpi/rankings?month="+month, "", nil)
		if code != http.StatusOK {
			t.Fatalf("rankings: %d %v", code, out)
		}
		agencies, _, err := o.Rankings(ctx, month)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := out["agencies"].([]any)
		if len(got) != len(agencies) || len(got) == 0 {
			t.Fatalf("rankings: %d agencies, oversight ranks %d", len(got), len(agencies))
		}
		for i, a := range agencies {
			g := got[i].(map[string]any)
			if g["agency"] != a.Agency || g["rank"] != float64(a.Rank) || g["score"] != a.Score {
				t.Errorf("rank %d: %v, oversight says %+v", i, g, a)
			}
		}
		if method, _ := out["method"].(map[string]any); method["fa"] != o.Method(oversight.ByAgency).Fa || len(method["weights"].(map[string]any)) == 0 {
			t.Errorf("the method: %v", method)
		}
		e.problem("GET", "/api/v1/kpi/rankings?month=1405-00", "", nil, http.StatusBadRequest)
	}, catalog.Migrations(), identity.Migrations(), kpi.Migrations(), ledger.Migrations(), oversight.Migrations())
}

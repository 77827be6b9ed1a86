package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

// TestDemoJWKSFromTheStart checks that a fresh demo publishes the signing
// key of every agency whose services issue a permit or a certificate
// before any document is issued, so that an offline verifier can fetch
// the keys ahead of time; agencies that issue nothing have none.
func TestDemoJWKSFromTheStart(t *testing.T) {
	want := map[string]bool{}
	for _, rec := range demo.Records() {
		issues := rec.IsPermit()
		for _, o := range rec.Outputs {
			issues = issues || o.Kind == "document"
		}
		if issues {
			want[rec.Agency] = true
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d demo agencies issue documents; the test expects many", len(want))
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv := mustServe(t, d, nil, func(ctx context.Context, a *app.App) error {
				_, err := a.LoadDemo(ctx)
				return err
			})
			resp, err := http.Get(srv.Base + "/.well-known/jwks.json")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var set permit.JWKS
			if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != 200 {
				t.Fatalf("jwks: %d %v", resp.StatusCode, err)
			}
			active := map[string]int{}
			for _, k := range set.Keys {
				if !want[k.Agency] {
					t.Errorf("agency %s issues nothing but has key %s", k.Agency, k.Kid)
				}
				if k.Retired == nil {
					active[k.Agency]++
				}
			}
			for a := range want {
				if active[a] != 1 {
					t.Errorf("agency %s issues documents and has %d active keys in the fresh demo's JWKS, want 1", a, active[a])
				}
			}
			var docs int
			if err := srv.App.Store.Read().QueryRow(`SELECT COUNT(*) FROM permit_documents`).Scan(&docs); err != nil || docs != 0 {
				t.Fatalf("the fresh demo holds %d documents (%v); the keys must come before any", docs, err)
			}
		})
	}
}

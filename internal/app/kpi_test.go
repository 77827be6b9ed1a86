package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestFiguresFollowTheLedger runs the assembled process over the demo: the
// figures follow the sealed events, and this month's catalogue figures
// count the demo's published services.
func TestFiguresFollowTheLedger(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			cfg := app.Defaults()
			cfg.Addr = "127.0.0.1:0"
			cfg.DataDir = t.TempDir()
			cfg.DB = storetest.DSN(t, d)
			cfg.Version = "test"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if loaded, err := a.LoadDemo(ctx); err != nil || !loaded {
				t.Fatalf("LoadDemo = %v, %v", loaded, err)
			}
			published, err := a.Catalog.Published(ctx)
			if err != nil {
				t.Fatal(err)
			}
			last, err := a.Store.LastEventID(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := a.Listen()
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, ln) }()
			var src kpi.Source
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				if src, err = a.KPI.Source(ctx); err != nil {
					t.Fatal(err)
				}
				if src.Through >= last {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the figures count events up to %d of %d", src.Through, last)
				}
			}
			cp, err := a.Ledger.Checkpoint(ctx)
			if err != nil || src.LedgerSize == 0 || src.LedgerSize > cp.Size {
				t.Errorf("source %+v, latest checkpoint %d: %v", src, cp.Size, err)
			}
			y, m := persian.JalaliMonth(time.Now())
			f, err := a.KPI.Get(ctx, kpi.Key{Month: fmt.Sprintf("%04d-%02d", y, m)})
			if err != nil || f.Services != len(published) || f.Services == 0 {
				t.Errorf("this month's figures %+v (%v); the demo publishes %d services", f, err, len(published))
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after shutdown")
			}
		})
	}
}

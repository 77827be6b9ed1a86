package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestServeAndShutDown starts the whole assembled process on a free port,
// on each engine, and checks the operations endpoints, a portal page and an
// API call, then stops it the way SIGTERM does and checks that Run returns
// cleanly.
func TestServeAndShutDown(t *testing.T) {
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
			ln, err := a.Listen()
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, ln) }()
			base := "http://" + ln.Addr().String()

			get := func(path string) (int, string, string) {
				t.Helper()
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
			}
			if code, _, body := get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
				t.Fatalf("healthz: %d %q", code, body)
			}
			if code, _, _ := get("/readyz"); code != 200 {
				t.Fatalf("readyz: %d", code)
			}
			if code, ct, body := get("/"); code != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, `dir="rtl"`) {
				t.Fatalf("home: %d %s", code, ct)
			}
			if code, _, body := get("/api/v1/services?q=%D9%BE%D8%A7%D8%B3%D9%BE%D9%88%D8%B1%D8%AA"); code != 200 || !strings.Contains(body, "گذرنامه") {
				t.Fatalf("API search for passport: %d", code)
			}
			code, _, metrics := get("/metrics")
			if code != 200 || !strings.Contains(metrics, `panjare_http_requests_total{code="200",method="GET",route="GET /api/v1/services"}`) {
				t.Fatalf("metrics lack the route-pattern counter: %d", code)
			}
			if strings.Contains(metrics, "%D9") || strings.Contains(metrics, "q=") {
				t.Fatal("metrics carry a raw query")
			}
			// A cross-origin POST from a browser is refused (CSRF).
			req, _ := http.NewRequest("POST", base+"/api/v1/agency/drafts", strings.NewReader("{}"))
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-origin POST: %d, want 403", resp.StatusCode)
			}

			// The ledger's sealer runs in Run: the demo's events get sealed
			// and a checkpoint signed over them.
			var last int64
			var events uint64
			if err := a.Store.Read().QueryRowContext(ctx, `SELECT MAX(id), COUNT(*) FROM events`).Scan(&last, &events); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				through, err := a.Ledger.SealedThrough(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if through >= last {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the ledger is sealed through event %d of %d", through, last)
				}
			}
			if cp, err := a.Ledger.Checkpoint(ctx); err != nil || cp.Size < events {
				t.Fatalf("the latest checkpoint covers %d leaves of %d events: %v", cp.Size, events, err)
			}

			cancel() // what SIGTERM does through signal.NotifyContext
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after shutdown")
			}
			if _, err := http.Get(base + "/healthz"); err == nil {
				t.Fatal("server still answers after shutdown")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  app.Config
		want string
	}{
		{app.Config{Addr: "nonsense", LogLevel: "info"}, "--addr"},
		{app.Config{Addr: ":8080", DB: "mysql://x", LogLevel: "info"}, "--db"},
		{app.Config{Addr: ":8080", LogLevel: "loud"}, "--log-level"},
		{app.Config{Addr: ":8080", LogLevel: "info", DBLanes: -2}, "--db-lanes"},
		{app.Config{Addr: ":8080", LogLevel: "info", DBLanes: 65}, "--db-lanes"},
		{app.Config{Addr: ":8080", LogLevel: "info", SuggestK: 2}, "--suggest-k"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %s", c.cfg, err, c.want)
		}
	}
	cfg := app.Config{Addr: "0.0.0.0:9000", DataDir: "/srv/p", LogLevel: "info"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "sqlite:/srv/p/panjare.db" || cfg.BaseURL != "http://localhost:9000" {
		t.Fatalf("derived config = %+v", cfg)
	}
}

// TestMigrationsFromEmpty migrates an empty database on each engine, then
// again (a no-op), and checks that every capability's tables exist.
func TestMigrationsFromEmpty(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < 2; i++ {
				if err := s.Migrate(ctx, nil, app.Migrations()...); err != nil {
					t.Fatalf("migrate #%d: %v", i+1, err)
				}
			}
			for _, table := range []string{"events", "river_job", "identity_api_clients", "catalog_agencies", "catalog_regions", "catalog_services", "catalog_service_versions", "rules_rulesets", "rules_stamps", "suggest_pairs", "suggest_dismissed"} {
				var n int
				if err := s.Read().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
		})
	}
}

// TestLogsHoldNoPersonalData sends requests that carry a national code in
// the query and the path and checks that the request log holds neither.
func TestLogsHoldNoPersonalData(t *testing.T) {
	srv := mustServe(t, store.SQLite, nil, nil)
	for _, p := range []string{"/services?q=0067749828", "/api/v1/services?q=0067749828", "/services/0067749828", "/api/v1/agencies/0067749828"} {
		resp, err := http.Get(srv.Base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	logs := srv.Logs()
	if !strings.Contains(logs, `"route"`) {
		t.Fatalf("no request log lines at all: %s", logs)
	}
	if strings.Contains(logs, "0067749828") {
		t.Fatalf("a national code reached the log:\n%s", logs)
	}
}

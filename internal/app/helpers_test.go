package app_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// served is an assembled process serving on a free loopback port for one
// test, with everything it logs kept for inspection.
type served struct {
	*app.App
	Base string // the portal's base URL
	Ctx  context.Context

	mu   sync.Mutex
	logs strings.Builder
}

// Logs returns everything logged so far.
func (s *served) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

func (s *served) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

// mustServe assembles the process on engine d with the demo identity
// provider, lets adjust change the configuration, calls before (to load
// data, say) and starts serving; the process stops when the test ends.
func mustServe(t *testing.T, d store.Dialect, adjust func(*app.Config), before func(context.Context, *app.App) error) *served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults()
	cfg.DemoIdP, cfg.Demo = true, true
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.DB = storetest.DSN(t, d)
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", ""
	if adjust != nil {
		adjust(&cfg)
	}
	s := &served{Base: cfg.BaseURL}
	log := slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	s.Ctx = ctx
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatal(err)
	}
	s.App = a
	if before != nil {
		if err := before(ctx, a); err != nil {
			cancel()
			ln.Close()
			a.Close()
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

// mustServeDemo serves the assembled process on engine d with the demo's
// data loaded and its simulated back offices running behind the exchange,
// as `panjare demo` does; both stop when the test ends.
func mustServeDemo(t *testing.T, d store.Dialect) (*served, *backoffice.Set) {
	t.Helper()
	var set *backoffice.Set
	srv := mustServe(t, d, nil, func(ctx context.Context, a *app.App) error {
		if _, err := a.LoadDemo(ctx); err != nil {
			return err
		}
		var err error
		set, err = a.StartDemoExchange(ctx, 0)
		return err
	})
	return srv, set
}

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// mustChromium starts a headless Chromium with a fresh profile and a window
// of w×h, and returns a browser context that expires after timeout. It skips
// the test when Chromium is missing. The browser closes when the test ends.
func mustChromium(t *testing.T, w, h int, timeout time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTime(); cancel(); cancelAlloc() })
	return ctx
}

package app_test

import (
	"context"
	"crypto/tls"
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

// TestExchangeListeners starts the process with both exchange listeners on
// free ports: the loopback one answers the directory by header, the mTLS
// one refuses a client without a certificate, and shutting down flushes the
// message log before the database closes.
func TestExchangeListeners(t *testing.T) {
	cfg := app.Defaults()
	cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.DB = storetest.DSN(t, store.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	mtls, local, err := a.ListenExchange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()

	resp, err := http.Get("http://" + local.Addr().String() + "/listClients")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), `{"member":[`) {
		t.Fatalf("loopback listClients: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + local.Addr().String() + "/r1/IR/GOV/NOCR/population/status/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("inquiry without a client: %d", resp.StatusCode)
	}

	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if resp, err := insecure.Get("https://" + mtls.Addr().String() + "/listClients"); err == nil {
		resp.Body.Close()
		t.Fatalf("the mTLS listener answered a client without a certificate: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	if _, err := http.Get("http://" + local.Addr().String() + "/listClients"); err == nil {
		t.Fatal("the loopback listener still answers after shutdown")
	}
}

func TestExchangeLocalAddrOnlyLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:3366", ":3366", "10.1.2.3:3366"} {
		cfg := app.Defaults()
		cfg.ExchangeLocalAddr = addr
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--exchange-local-addr") {
			t.Errorf("Validate with --exchange-local-addr %s = %v", addr, err)
		}
	}
	cfg := app.Defaults()
	cfg.ExchangeAddr = "nonsense"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--exchange-addr") {
		t.Errorf("Validate with a bad --exchange-addr = %v", err)
	}
}

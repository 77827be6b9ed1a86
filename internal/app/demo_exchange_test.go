package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestDemoExchangeEndToEnd assembles the demo as `panjare demo` does (demo
// data, back offices, the exchange registered, the loopback listener),
// makes one inquiry with curl's request through the loopback listener, and
// finds it in the citizen's data tracker behind a real session cookie.
// Shutting down stops the back offices.
func TestDemoExchangeEndToEnd(t *testing.T) {
	cfg := app.Defaults()
	cfg.DemoIdP, cfg.Demo = true, true
	cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "127.0.0.1:0", "", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.DB = storetest.DSN(t, store.SQLite)
	cfg.Version = "test"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	set, err := a.StartDemoExchange(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	_, local, err := a.ListenExchange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()

	// The request the demo prints as a curl command.
	ali := backoffice.CitizenAli
	req, _ := http.NewRequest(http.MethodGet, "http://"+local.Addr().String()+"/r1/IR/GOV/NOCR/population/person-identity/persons/"+ali, nil)
	req.Header.Set(exchange.HeaderIMClient, "IR/GOV/INTA/tax")
	req.Header.Set(exchange.HeaderSubject, ali)
	req.Header.Set(exchange.HeaderPurpose, "رسیدگی به پروندهٔ مالیاتی")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var person map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(body, &person) != nil || person["first_name"] != "علی" || resp.Header.Get(exchange.HeaderSignature) == "" {
		t.Fatalf("inquiry: %d %s", resp.StatusCode, body)
	}

	// Ali signs in and sees it.
	p, err := a.Identity.EnsurePerson(ctx, ali, "علی رضایی")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Identity.StartSession(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+path, nil)
		req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, js := get("/api/v1/me/inquiries")
	if code != 200 || !strings.Contains(js, `"client":"IR/GOV/INTA/tax"`) || !strings.Contains(js, "رسیدگی به پروندهٔ مالیاتی") ||
		strings.Count(js, `"message_id"`) != 1 {
		t.Fatalf("tracker API: %d %s", code, js)
	}
	if code, page := get("/me/data"); code != 200 || !strings.Contains(page, "سازمان امور مالیاتی کشور") || !strings.Contains(page, "مالیات‌های مستقیم") {
		t.Fatalf("tracker page: %d", code)
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
	if _, err := http.Get(set.Office("NOCR").URL + "/"); err == nil {
		t.Error("a back office still answers after shutdown")
	}
}

package exchange_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestBreakerOpensAndCloses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{BreakerFailures: 3, BreakerOpen: 400 * time.Millisecond, Retries: -1})
		var down atomic.Bool
		down.Store(true)
		f.backend.set(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("pong"))
		})
		ping := "/r1/IR/GOV/NOCR/population/status/ping"
		// The provider's own failures are passed on while the breaker is closed.
		for i := range 3 {
			resp, body := f.call(t, "GET", ping, nil, nil)
			if resp.StatusCode != 503 || string(body) != "maintenance\n" {
				t.Fatalf("call %d: %d %q", i, resp.StatusCode, body)
			}
		}
		if st := f.g.BreakerState(gwProvider); st != "open" {
			t.Fatalf("breaker %s after 3 failures, want open", st)
		}
		// Now calls fail fast without reaching the provider.
		hits := f.backend.hits.Load()
		for range 5 {
			resp, body := f.call(t, "GET", ping, nil, nil)
			wantProblem(t, resp, body, 503, exchange.CodeProviderUnavailable)
		}
		if f.backend.hits.Load() != hits {
			t.Fatalf("the open breaker let %d calls through", f.backend.hits.Load()-hits)
		}
		// In-process inquiries share the breaker.
		if _, err := f.g.Inquire(context.Background(), exchange.Inquiry{Client: gwClient, Service: gwStatus, Path: "/ping"}); err == nil {
			t.Fatal("Inquire went through an open breaker")
		} else if code, _ := errsAs(err); code != exchange.CodeProviderUnavailable {
			t.Fatalf("Inquire: %v", err)
		}
		// The provider recovers; after the open period a trial call closes it.
		down.Store(false)
		time.Sleep(450 * time.Millisecond)
		resp, body := f.call(t, "GET", ping, nil, nil)
		if resp.StatusCode != 200 || string(body) != "pong" {
			t.Fatalf("after recovery: %d %s", resp.StatusCode, body)
		}
		if st := f.g.BreakerState(gwProvider); st != "closed" {
			t.Fatalf("breaker %s after a good trial, want closed", st)
		}
	}, gwSets...)
}

func TestRetriesOnlyIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{Retries: 2, RetryWait: 5 * time.Millisecond, BreakerFailures: 100})
		var n atomic.Int64
		f.backend.set(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.Write([]byte("pong"))
		})
		resp, body := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
		if resp.StatusCode != 200 || string(body) != "pong" || n.Load() != 3 {
			t.Fatalf("GET: %d %q after %d attempts, want 200 after 3", resp.StatusCode, body, n.Load())
		}
		// A POST is never repeated: the provider's failure is passed on.
		n.Store(0)
		resp, _ = f.call(t, "POST", "/r1/IR/GOV/NOCR/population/status/ping", []byte("once"), nil)
		if resp.StatusCode != http.StatusBadGateway || n.Load() != 1 {
			t.Fatalf("POST: %d after %d attempts, want 502 after 1", resp.StatusCode, n.Load())
		}
		// A GET that keeps failing ends with the provider's last answer.
		n.Store(-100)
		resp, _ = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
		if resp.StatusCode != http.StatusBadGateway || n.Load() != -97 {
			t.Fatalf("GET that keeps failing: %d after %d attempts", resp.StatusCode, n.Load()+100)
		}
		// Four hundreds are answers, not failures: no retry.
		n.Store(0)
		f.backend.set(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			http.NotFound(w, r)
		})
		resp, _ = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
		if resp.StatusCode != 404 || n.Load() != 1 {
			t.Fatalf("404: %d after %d attempts", resp.StatusCode, n.Load())
		}
	}, gwSets...)
}

package exchange_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestAsyncDeliveryAfterOutage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{AsyncRetryBase: 100 * time.Millisecond, BreakerOpen: 200 * time.Millisecond,
			AsyncKeep: 2 * time.Second, Retries: -1})
		ctx := context.Background()
		f.g.RegisterWorkers()

		var down atomic.Bool
		down.Store(true)
		var delivered sync.Map // message id → deliveries
		f.backend.set(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			b, _ := io.ReadAll(r.Body)
			n, _ := delivered.LoadOrStore(r.Header.Get(exchange.HeaderID), new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Provider", "nocr")
			w.Write(append([]byte(`{"echo":`), append(b, '}')...))
		})
		type cb struct {
			id, status string
			body       []byte
		}
		callbacks := make(chan cb, 4)
		cbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			callbacks <- cb{r.Header.Get(exchange.HeaderID), r.Header.Get(exchange.HeaderStatus), b}
		}))
		defer cbSrv.Close()
		// Callbacks go only under the base the client registered.
		if err := f.x.SetCallback(ctx, exchange.OperatorFor("INTA"), gwClient, cbSrv.URL+"/hook"); err != nil {
			t.Fatal(err)
		}

		payload := []byte(`{"request":"گواهی عدم سوء پیشینه"}`)
		async := map[string]string{"Prefer": "respond-async", exchange.HeaderSubject: gwCitizen,
			exchange.HeaderCallback: cbSrv.URL + "/hook", "Content-Type": "application/json"}
		resp, body := f.call(t, "POST", "/r1/IR/GOV/NOCR/population/person-identity/echo", payload, async)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d %s, want 202", resp.StatusCode, body)
		}
		var acc struct {
			MessageID string `json:"message_id"`
			State     string `json:"state"`
			Location  string `json:"location"`
		}
		if err := json.Unmarshal(body, &acc); err != nil || acc.State != "queued" || resp.Header.Get("Location") != acc.Location ||
			acc.Location != "/r1/async/"+resp.Header.Get(exchange.HeaderID) {
			t.Fatalf("202 body %s, location %q (%v)", body, resp.Header.Get("Location"), err)
		}
		// A second inquiry, polled, and a third nobody fetches: it must expire.
		var ids []string
		for range 2 {
			resp, _ := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/person-identity/persons/"+gwCitizen, nil,
				map[string]string{"Prefer": "respond-async", exchange.HeaderSubject: gwCitizen})
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("queued GET: %d", resp.StatusCode)
			}
			ids = append(ids, resp.Header.Get(exchange.HeaderID))
		}
		polled, unfetched := ids[0], ids[1]

		pollID := func(id, client string) (*http.Response, []byte) {
			return f.call(t, "GET", "/r1/async/"+id, nil, map[string]string{exchange.HeaderIMClient: client})
		}
		poll := func(client string) (*http.Response, []byte) { return pollID(acc.MessageID, client) }
		if resp, body := poll(gwClient.String()); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("poll while queued: %d %s", resp.StatusCode, body)
		}
		if resp, body := poll(gwOther.String()); resp.StatusCode != 404 {
			t.Fatalf("another client polls: %d %s", resp.StatusCode, body)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.inquiry.queued"})
		if len(evs) != 3 || evs[0].Subject != gwCitizen || evs[0].Agency != "INTA" {
			t.Fatalf("queued events %+v", evs)
		}

		// Workers run while the provider is still down, then stop: the
		// inquiry stays queued.
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(700 * time.Millisecond)
		if err := s.StopJobs(ctx); err != nil {
			t.Fatal(err)
		}
		if resp, _ := poll(gwClient.String()); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("poll after a failed attempt: %d", resp.StatusCode)
		}

		// The provider comes back and the workers restart.
		down.Store(false)
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		// The callback gets the answer first.
		var got cb
		select {
		case got = <-callbacks:
		case <-time.After(45 * time.Second):
			t.Fatal("no callback")
		}
		body = []byte(`{"echo":` + string(payload) + `}`)
		if got.id != acc.MessageID || got.status != "200" || string(got.body) != string(body) {
			t.Fatalf("callback %+v", got)
		}
		n, _ := delivered.Load(acc.MessageID)
		if n == nil || n.(*atomic.Int64).Load() != 1 {
			t.Fatalf("the provider got the inquiry %v times, want once", n)
		}
		// Delivered by callback, so it is no longer held.
		var state string
		var held []byte
		deadline := time.Now().Add(10 * time.Second)
		for {
			s.DB().QueryRow(`SELECT state, body FROM exchange_async WHERE message_id = $1`, acc.MessageID).Scan(&state, &held)
			if state == "fetched" || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if state != "fetched" || held != nil {
			t.Fatalf("after the callback: state %s, %d body bytes kept", state, len(held))
		}
		if resp, _ := poll(gwClient.String()); resp.StatusCode != 404 {
			t.Fatalf("poll after the callback: %d, want 404", resp.StatusCode)
		}

		// The polled one.
		deadline = time.Now().Add(45 * time.Second)
		for {
			resp, body = pollID(polled, gwClient.String())
			if resp.StatusCode != http.StatusAccepted || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if resp.StatusCode != 200 || string(body) != `{"echo":}` || resp.Header.Get("X-Provider") != "nocr" {
			t.Fatalf("polled answer: %d %s", resp.StatusCode, body)
		}
		st, _ := strconv.Atoi(resp.Header.Get(exchange.HeaderStatus))
		rc, err := exchange.ReceiptFromResponse(resp.Header, gwClient.String(), gwPerson.String(), "GET", "/persons/"+gwCitizen, st)
		if err != nil {
			t.Fatal(err)
		}
		if rc.RequestDigest != gwSHA(nil) || rc.ResponseDigest != gwSHA(body) {
			t.Fatalf("digests %+v", rc)
		}
		if err := exchange.VerifyReceipt(f.g.PublicKey(), rc); err != nil {
			t.Fatal(err)
		}
		// Fetched once, then gone.
		if resp, _ := pollID(polled, gwClient.String()); resp.StatusCode != 404 {
			t.Fatalf("second fetch: %d, want 404", resp.StatusCode)
		}
		s.DB().QueryRow(`SELECT state, body FROM exchange_async WHERE message_id = $1`, polled).Scan(&state, &held)
		if state != "fetched" || held != nil {
			t.Fatalf("after fetch: state %s, %d body bytes kept", state, len(held))
		}
		msgs, _ := f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen})
		var logged bool
		for _, m := range msgs {
			if m.MessageID == acc.MessageID && m.Async && m.Status == 200 && m.RequestDigest == gwSHA(payload) {
				logged = true
			}
		}
		if !logged {
			t.Fatalf("the delivery is not in the message log: %+v", msgs)
		}

		// The answer nobody fetched is deleted after AsyncKeep.
		deadline = time.Now().Add(45 * time.Second)
		for {
			s.DB().QueryRow(`SELECT state, body FROM exchange_async WHERE message_id = $1`, unfetched).Scan(&state, &held)
			if state == "expired" || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if state != "expired" || held != nil {
			t.Fatalf("unfetched answer: state %s, %d bytes", state, len(held))
		}
	}, gwSets...)
}

func TestAsyncAnswersAtOnceWhenProviderIsUp(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{})
	resp, body := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{"Prefer": "respond-async"})
	if resp.StatusCode != 200 || string(body) != "pong" || resp.Header.Get(exchange.HeaderSignature) == "" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// A refusal is not queued.
	resp, body = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil,
		map[string]string{"Prefer": "respond-async", exchange.HeaderIMClient: gwOther.String()})
	wantProblem(t, resp, body, 403, exchange.CodeAccessDenied)
	// A bad callback is refused before anything happens.
	resp, body = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil,
		map[string]string{"Prefer": "respond-async", exchange.HeaderCallback: "ftp://example.org/x"})
	wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM exchange_async`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d inquiries queued, want none", n)
	}
}

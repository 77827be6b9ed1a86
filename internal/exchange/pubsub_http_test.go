package exchange_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

const psRoom = "/r1/IR/GOV/PANJARE/life-events/"

// psCall sends one Pub/Sub request to the loopback listener as client.
func (f *psFixture) psCall(t *testing.T, client exchange.SubsystemID, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.local.URL+psRoom+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if !client.IsZero() {
		req.Header.Set(exchange.HeaderGovStackClient, client.String())
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// want checks a status and, for an error, the problem's code.
func psWant(t *testing.T, what string, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: %d %s, want %d", what, resp.StatusCode, body, status)
	}
	if code == "" {
		return
	}
	var p exchange.ExchangeProblem
	if err := json.Unmarshal(body, &p); err != nil || p.Code != code || p.DetailFa == "" || p.Detail == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: problem %s (%v), want code %s", what, body, err, code)
	}
}

func deathBody(nc, date string) string {
	return `{"eventType":"death","event":{"national_code":"` + nc + `","death_date":"` + date + `"}}`
}

// TestPubSubAPI walks every endpoint of the GovStack Pub/Sub API with its
// status codes and shapes, over real HTTP.
func TestPubSubAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()

		// The caller must name itself.
		resp, body := f.psCall(t, exchange.SubsystemID{}, "GET", "api/v1/eventType", "")
		psWant(t, "no client header", resp, body, 401, exchange.CodeUnknownClient)
		resp, body = f.psCall(t, exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "NOBODY", Subsystem: "x"}, "GET", "api/v1/eventType", "")
		psWant(t, "unregistered client", resp, body, 401, exchange.CodeUnknownClient)

		// Event types.
		resp, body = f.psCall(t, psTax, "GET", "api/v1/eventType", "")
		psWant(t, "list types", resp, body, 200, "")
		var names []string
		if err := json.Unmarshal(body, &names); err != nil || len(names) != 7 || names[0] != "birth" {
			t.Fatalf("types %s", body)
		}
		resp, body = f.psCall(t, psTax, "GET", "api/v1/eventType/birth", "")
		psWant(t, "get type", resp, body, 200, "")
		var et struct {
			EventType  string         `json:"eventType"`
			Schema     map[string]any `json:"schema"`
			Publishers []string       `json:"publishers"`
		}
		if err := json.Unmarshal(body, &et); err != nil || et.EventType != "birth" || et.Schema["type"] != "object" || len(et.Publishers) != 1 {
			t.Fatalf("type %s", body)
		}
		resp, _ = f.psCall(t, psTax, "GET", "api/v1/eventType/baptism", "")
		if resp.StatusCode != 204 {
			t.Fatalf("undefined type: %d, want 204", resp.StatusCode)
		}
		newType := `{"eventType":"address_changed","schema":{"type":"object","additionalProperties":false,
			"properties":{"national_code":{"type":"string"},"postcode":{"type":"string"}},"required":["national_code","postcode"]},
			"publishers":["IR/GOV/NOCR/population"]}`
		resp, body = f.psCall(t, psTax, "POST", "api/v1/eventType", newType)
		psWant(t, "type by a non-manager", resp, body, 403, exchange.CodeNotRoomManager)
		resp, body = f.psCall(t, psManager, "POST", "api/v1/eventType", `{"eventType":"x","schema":{"type":"object","properties":{"a":{}}}}`)
		psWant(t, "type without national_code", resp, body, 400, exchange.CodeEventTypeInvalid)
		resp, body = f.psCall(t, psManager, "POST", "api/v1/eventType", `{"eventType":"x y","schema":{}}`)
		psWant(t, "bad type name", resp, body, 400, exchange.CodeEventTypeInvalid)
		resp, body = f.psCall(t, psManager, "POST", "api/v1/eventType", newType)
		psWant(t, "create type", resp, body, 200, "")
		resp, body = f.psCall(t, psManager, "POST", "api/v1/eventType", newType)
		psWant(t, "create type twice", resp, body, 409, exchange.CodeEventTypeExists)
		resp, body = f.psCall(t, psTax, "DELETE", "api/v1/eventType/address_changed", "")
		psWant(t, "delete by a non-manager", resp, body, 403, exchange.CodeNotRoomManager)
		resp, body = f.psCall(t, psManager, "DELETE", "api/v1/eventType/address_changed", "")
		psWant(t, "delete type", resp, body, 204, "")
		resp, body = f.psCall(t, psManager, "DELETE", "api/v1/eventType/address_changed", "")
		psWant(t, "delete type twice", resp, body, 404, exchange.CodeUnknownEventType)

		// Subscriptions.
		resp, body = f.psCall(t, psTax, "GET", "api/v1/subs", "")
		psWant(t, "no subscriptions", resp, body, 404, exchange.CodeSubscription)
		resp, body = f.psCall(t, psTax, "POST", "api/v1/subs/baptism", `{"eventType":"baptism","delivery":"PULL"}`)
		psWant(t, "subscribe to an unknown type", resp, body, 404, exchange.CodeUnknownEventType)
		resp, body = f.psCall(t, psTax, "POST", "api/v1/subs/death", `{"eventType":"death","delivery":"PUSH"}`)
		psWant(t, "PUSH without a callback", resp, body, 400, exchange.CodeSubscription)
		resp, body = f.psCall(t, psTax, "POST", "api/v1/subs/death", `{"eventType":"death","delivery":"PULL",
			"subscriberId":{"instanceId":"IR","memberClass":"GOV","memberCode":"INTA","applicationCode":"audit"}}`)
		psWant(t, "subscribe another", resp, body, 403, "")
		resp, body = f.psCall(t, psTax, "POST", "api/v1/subs/death", `{"eventType":"death","delivery":"PULL"}`)
		psWant(t, "subscribe", resp, body, 200, "")
		var item exchange.SubscriptionItem
		if err := json.Unmarshal(body, &item); err != nil || item.ID == "" || item.Delivery != "PULL" || item.SubscriberID.MemberCode != "INTA" ||
			item.SubscriberID.ApplicationCode != "tax" || *item.Options.TTL != 0 || *item.Options.FIFO {
			t.Fatalf("subscription %s", body)
		}
		resp, body = f.psCall(t, psTax, "POST", "api/v1/subs/death", `{"eventType":"death","delivery":"PULL"}`)
		psWant(t, "subscribe twice", resp, body, 409, exchange.CodeSubscription)
		resp, body = f.psCall(t, psTax, "GET", "api/v1/subs", "")
		psWant(t, "list subscriptions", resp, body, 200, "")
		var items []exchange.SubscriptionItem
		if err := json.Unmarshal(body, &items); err != nil || len(items) != 1 || items[0].ID != item.ID {
			t.Fatalf("subscriptions %s", body)
		}
		resp, body = f.psCall(t, psTax, "GET", "api/v1/subs/death", "")
		psWant(t, "get subscription", resp, body, 200, "")
		resp, body = f.psCall(t, psTax, "GET", "api/v1/subs/birth", "")
		psWant(t, "get missing subscription", resp, body, 404, exchange.CodeSubscription)
		resp, body = f.psCall(t, psTax, "PATCH", "api/v1/subs/death", `{"eventType":"death","options":{"FIFO":true}}`)
		psWant(t, "patch subscription", resp, body, 201, "")
		if err := json.Unmarshal(body, &item); err != nil || !*item.Options.FIFO || item.Delivery != "PULL" {
			t.Fatalf("patched %s", body)
		}
		resp, body = f.psCall(t, psTax, "PATCH", "api/v1/subs/death", `{"delivery":"CARRIER_PIGEON"}`)
		psWant(t, "patch with a bad delivery", resp, body, 400, exchange.CodeSubscription)
		resp, body = f.psCall(t, psTax, "PATCH", "api/v1/subs/birth", `{"delivery":"PULL"}`)
		psWant(t, "patch a missing subscription", resp, body, 404, exchange.CodeSubscription)

		// Pull before anything is published.
		resp, body = f.psCall(t, psTax, "GET", "pull/v1/death", "")
		psWant(t, "pull nothing", resp, body, 404, exchange.CodeNoEvent)

		// Publishing.
		events := countEvents(t, s, "")
		for _, c := range []struct {
			what, client, typ, body string
			status                  int
			code                    string
		}{
			{"not allowed", psTax.String(), "death", deathBody(psMother, "2026-10-01"), 403, exchange.CodePublisherDenied},
			{"unknown type", psNOCR.String(), "baptism", `{"eventType":"baptism","event":{"national_code":"` + psMother + `"}}`, 404, exchange.CodeUnknownEventType},
			{"schema", psNOCR.String(), "death", `{"eventType":"death","event":{"national_code":"` + psMother + `","death_date":"yesterday","age":80}}`, 400, exchange.CodeEventInvalid},
			{"unknown person", psNOCR.String(), "death", deathBody(psStranger, "2026-10-01"), 400, exchange.CodeUnknownPerson},
			{"type mismatch", psNOCR.String(), "birth", deathBody(psMother, "2026-10-01"), 400, exchange.CodeEventInvalid},
			{"no event", psNOCR.String(), "death", `{"eventType":"death"}`, 400, exchange.CodeEventInvalid},
			{"not JSON", psNOCR.String(), "death", `{"eventType":`, 400, exchange.CodeBadRequest},
		} {
			id, _ := exchange.ParseSubsystemID(c.client)
			resp, body := f.psCall(t, id, "POST", "pub/v1/"+c.typ, c.body)
			psWant(t, c.what, resp, body, c.status, c.code)
			if c.what == "schema" {
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				json.Unmarshal(body, &p)
				fields := map[string]bool{}
				for _, e := range p.Errors {
					fields[e.Field] = true
				}
				if !fields["death_date"] || !fields["age"] {
					t.Fatalf("schema problem lists %s", body)
				}
			}
		}
		if n := countEvents(t, s, ""); n != events {
			t.Fatalf("refused publications appended %d events", n-events)
		}
		var ids []string
		for _, b := range []string{deathBody(psMother, "2026-10-01"), deathBody(psFather, "2026-10-02")} {
			resp, body := f.psCall(t, psNOCR, "POST", "pub/v1/death", b)
			psWant(t, "publish", resp, body, 201, "")
			var res struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(body, &res); err != nil || len(res.ID) != 36 || resp.Header.Get("Location") != psRoom+"pub/v1/death/"+res.ID {
				t.Fatalf("publish result %s, location %q", body, resp.Header.Get("Location"))
			}
			ids = append(ids, res.ID)
		}
		resp, body = f.psCall(t, psNOCR, "POST", "pub/v1/death", deathBody(psMother, "2026-10-01"))
		psWant(t, "replay", resp, body, 409, exchange.CodeReplayed)

		// Publication status, for the publisher only.
		resp, body = f.psCall(t, psNOCR, "GET", "pub/v1/death/"+ids[0], "")
		psWant(t, "status", resp, body, 200, "")
		var ev exchange.EventItem
		if err := json.Unmarshal(body, &ev); err != nil || ev.ID != ids[0] || ev.EventType != "death" || ev.PublisherID.MemberCode != "NOCR" ||
			ev.PublisherID.ApplicationCode != "population" || ev.Status == nil || ev.Status.Pending != 1 || ev.Sequence == 0 {
			t.Fatalf("status %s", body)
		}
		resp, body = f.psCall(t, psTax, "GET", "pub/v1/death/"+ids[0], "")
		psWant(t, "status for another", resp, body, 404, exchange.CodeNoEvent)

		// Pull and confirm, in order.
		resp, body = f.psCall(t, psTax, "GET", "pull/v1/death", "")
		psWant(t, "pull", resp, body, 200, "")
		if err := json.Unmarshal(body, &ev); err != nil || ev.ID != ids[0] || !bytes.Contains(ev.Event, []byte(psMother)) {
			t.Fatalf("pulled %s", body)
		}
		resp, body = f.psCall(t, psTax, "GET", "pull/v1/death", "")
		if json.Unmarshal(body, &ev); ev.ID != ids[0] {
			t.Fatalf("a second pull before confirming gave %s", body)
		}
		resp, body = f.psCall(t, psTax, "DELETE", "pull/v1/death/"+ids[0], "")
		psWant(t, "confirm", resp, body, 204, "")
		resp, body = f.psCall(t, psTax, "DELETE", "pull/v1/death/"+ids[0], "")
		psWant(t, "confirm twice", resp, body, 409, exchange.CodeNoEvent)
		resp, body = f.psCall(t, psTax, "DELETE", "pull/v1/death/00000000-0000-4000-8000-000000000000", "")
		psWant(t, "confirm unknown", resp, body, 404, exchange.CodeNoEvent)
		resp, body = f.psCall(t, psTax, "GET", "pull/v1/death", "")
		if json.Unmarshal(body, &ev); resp.StatusCode != 200 || ev.ID != ids[1] {
			t.Fatalf("second pull %d %s", resp.StatusCode, body)
		}
		resp, body = f.psCall(t, psTax, "DELETE", "pull/v1/death/"+ids[1], "")
		psWant(t, "confirm second", resp, body, 204, "")
		resp, body = f.psCall(t, psTax, "GET", "pull/v1/death", "")
		psWant(t, "pull drained", resp, body, 404, exchange.CodeNoEvent)
		resp, body = f.psCall(t, psNOCR, "GET", "pub/v1/death/"+ids[0], "")
		if json.Unmarshal(body, &ev); ev.Status == nil || ev.Status.Delivered != 1 || ev.Status.Pending != 0 {
			t.Fatalf("status after confirm %s", body)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.pubsub.delivered", Subject: psMother})
		if err != nil || len(evs) != 1 {
			t.Fatalf("delivered events about the mother: %v %v", evs, err)
		}

		// PULL on a PUSH subscription is refused.
		if err := f.x.SetCallback(ctx, exchange.OperatorFor("INTA"), psAudit, "http://127.0.0.1:1/hook"); err != nil {
			t.Fatal(err)
		}
		resp, body = f.psCall(t, psAudit, "POST", "api/v1/subs/death", `{"eventType":"death"}`)
		psWant(t, "subscribe PUSH by default", resp, body, 200, "")
		if json.Unmarshal(body, &item); item.Delivery != "PUSH" {
			t.Fatalf("default delivery %s", body)
		}
		resp, body = f.psCall(t, psAudit, "GET", "pull/v1/death", "")
		psWant(t, "pull on PUSH", resp, body, 409, exchange.CodeSubscription)

		// Stopping a publication stops its pending deliveries.
		resp, body = f.psCall(t, psNOCR, "POST", "pub/v1/death", deathBody(psChild, "2026-10-03"))
		psWant(t, "publish third", resp, body, 201, "")
		var third struct{ ID string }
		json.Unmarshal(body, &third)
		resp, body = f.psCall(t, psTax, "DELETE", "pub/v1/death/"+third.ID, "")
		psWant(t, "stop by another", resp, body, 404, exchange.CodeNoEvent)
		resp, body = f.psCall(t, psNOCR, "DELETE", "pub/v1/death/"+third.ID, "")
		psWant(t, "stop", resp, body, 204, "")
		resp, body = f.psCall(t, psTax, "GET", "pull/v1/death", "")
		psWant(t, "pull after stop", resp, body, 404, exchange.CodeNoEvent)

		// Cancelling.
		resp, body = f.psCall(t, psTax, "DELETE", "api/v1/subs/death", "")
		psWant(t, "cancel", resp, body, 204, "")
		resp, body = f.psCall(t, psTax, "DELETE", "api/v1/subs/death", "")
		psWant(t, "cancel twice", resp, body, 404, exchange.CodeSubscription)
		resp, body = f.psCall(t, psTax, "GET", "nothing/here", "")
		psWant(t, "unknown endpoint", resp, body, 404, "")
	}, gwSets...)
}

// TestPubSubMutualTLS checks that on the mTLS listener the caller is the
// subsystem of its client certificate, and X-GovStack-Client must name it.
func TestPubSubMutualTLS(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()
		_, nocrPEM, nocrKey, err := f.x.IssueCertificate(ctx, identity.System, psNOCR, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, taxPEM, taxKey, err := f.x.IssueCertificate(ctx, identity.System, psTax, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := f.g.ListenTLS(ctx, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := f.g.Server(exchange.ByCertificate, nil)
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		base := "https://" + ln.Addr().String() + psRoom
		do := func(c *http.Client, header, body string) (*http.Response, []byte) {
			req, _ := http.NewRequest("POST", base+"pub/v1/death", strings.NewReader(body))
			if header != "" {
				req.Header.Set(exchange.HeaderGovStackClient, header)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}
		nocr := gwTLSClient(t, f.gwFixture, nocrPEM, nocrKey, 0)
		tax := gwTLSClient(t, f.gwFixture, taxPEM, taxKey, 0)
		resp, body := do(nocr, psNOCR.String(), deathBody(psMother, "2026-09-01"))
		psWant(t, "NOCR by certificate", resp, body, 201, "")
		resp, body = do(tax, psNOCR.String(), deathBody(psFather, "2026-09-01"))
		psWant(t, "tax naming NOCR", resp, body, 403, exchange.CodeUnknownClient)
		resp, body = do(tax, psTax.String(), deathBody(psFather, "2026-09-01"))
		psWant(t, "tax as itself", resp, body, 403, exchange.CodePublisherDenied)
		resp, body = do(nocr, "", deathBody(psFather, "2026-09-01"))
		psWant(t, "no header", resp, body, 401, exchange.CodeUnknownClient)
		if n := countEvents(t, s, "exchange.pubsub.published"); n != 1 {
			t.Fatalf("%d published, want 1", n)
		}
	}, gwSets...)
}

// TestPushSubscriberDownThenUp publishes while the subscriber's callback
// fails, then lets it answer: every event arrives, each person's in order.
func TestPushSubscriberDownThenUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{RetryBase: time.Millisecond, MaxWait: 20 * time.Millisecond})
		ctx := context.Background()
		var up atomic.Bool
		var mu sync.Mutex
		var got []exchange.EventItem
		var hits atomic.Int64
		cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			if !up.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			if r.Header.Get(exchange.HeaderGovStackClient) != "IR/GOV/PANJARE/life-events" || r.URL.Path != "/events" {
				http.Error(w, "who?", http.StatusBadRequest)
				return
			}
			var ev exchange.EventItem
			if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		defer cb.Close()
		if err := f.x.SetCallback(ctx, exchange.OperatorFor("INTA"), psAudit, cb.URL+"/events"); err != nil {
			t.Fatal(err)
		}
		resp, body := f.psCall(t, psAudit, "POST", "api/v1/subs/death", `{"eventType":"death","delivery":"PUSH"}`)
		psWant(t, "subscribe", resp, body, 200, "")
		people := []string{psMother, psFather, psMother, psFather, psMother}
		var want []string
		for i, nc := range people {
			ev, err := f.ps.Publish(ctx, psNOCR.String(), "death", json.RawMessage(`{"national_code":"`+nc+`","death_date":"2026-10-0`+string(rune('1'+i))+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, ev.ID)
		}
		for range 5 {
			if _, err := f.ps.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if hits.Load() == 0 || len(got) != 0 {
			t.Fatalf("while down: %d hits, %d delivered", hits.Load(), len(got))
		}
		up.Store(true)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := f.ps.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= len(want) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		seen := map[string]bool{}
		last := map[string]int64{}
		for _, ev := range got {
			seen[ev.ID] = true
			var facts struct {
				NC string `json:"national_code"`
			}
			json.Unmarshal(ev.Event, &facts)
			if ev.Sequence < last[facts.NC] {
				t.Errorf("out of order for a person: %d after %d", ev.Sequence, last[facts.NC])
			}
			last[facts.NC] = ev.Sequence
		}
		for _, id := range want {
			if !seen[id] {
				t.Errorf("event %s lost", id)
			}
		}
		var pending int
		s.DB().QueryRow(`SELECT count(*) FROM exchange_pubsub_deliveries WHERE state = 'pending'`).Scan(&pending)
		if pending != 0 {
			t.Errorf("%d deliveries still pending", pending)
		}
	}, gwSets...)
}

// TestDeliveryResumesAfterRestart publishes while no handler runs, then
// starts a new gateway and room over the same store: the events are
// delivered, once each, in order.
func TestDeliveryResumesAfterRestart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()
		if err := f.ps.SubscribeLocal(ctx, "proactive", "death"); err != nil {
			t.Fatal(err)
		}
		failing := 0
		f.ps.HandleLocal("proactive", func(ctx context.Context, ev exchange.LifeEvent) error {
			failing++
			return io.ErrUnexpectedEOF
		})
		var want []string
		for i, nc := range []string{psMother, psMother, psFather} {
			ev, err := f.ps.Publish(ctx, psNOCR.String(), "death", json.RawMessage(`{"national_code":"`+nc+`","death_date":"2026-08-0`+string(rune('1'+i))+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, ev.ID)
		}
		if _, err := f.ps.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if failing == 0 {
			t.Fatal("the first handler was never called")
		}
		// The process stops; a new one starts over the same database.
		g2, err := exchange.NewGateway(ctx, exchange.New(s, "IR"), exchange.GatewayConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer g2.Close(ctx)
		ps2 := exchange.NewPubSub(g2, exchange.PubSubConfig{RetryBase: time.Millisecond, PersonCheck: f.known})
		var got []string
		ps2.HandleLocal("proactive", func(ctx context.Context, ev exchange.LifeEvent) error {
			got = append(got, ev.ID)
			return nil
		})
		deadline := time.Now().Add(5 * time.Second)
		for len(got) < 3 && time.Now().Before(deadline) {
			if _, err := ps2.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		pos := map[string]int{}
		for i, id := range got {
			pos[id] = i
		}
		if len(got) != 3 || len(pos) != 3 {
			t.Fatalf("after restart delivered %v, want %v", got, want)
		}
		// The mother's two events stay in order.
		if pos[want[0]] > pos[want[1]] {
			t.Fatalf("mother's events out of order: %v", got)
		}
		if n := countEvents(t, s, "exchange.pubsub.delivered"); n != 3 {
			t.Fatalf("%d delivered events, want 3", n)
		}
	}, gwSets...)
}

// TestDeliveryByRiver checks the production path: the job enqueued by
// Publish delivers to a local handler without anyone calling DeliverDue.
func TestDeliveryByRiver(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()
		f.ps.RegisterWorkers()
		if err := f.ps.SubscribeLocal(ctx, "proactive", "birth"); err != nil {
			t.Fatal(err)
		}
		got := make(chan exchange.LifeEvent, 4)
		f.ps.HandleLocal("proactive", func(ctx context.Context, ev exchange.LifeEvent) error {
			got <- ev
			return nil
		})
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.StopJobs(context.Background()) })
		pub, err := f.ps.Publish(ctx, psNOCR.String(), "birth", birth(psChild))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-got:
			if ev.ID != pub.ID || ev.Person != psChild || ev.Type != "birth" {
				t.Fatalf("delivered %+v", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the job did not deliver")
		}
	}, gwSets...)
}

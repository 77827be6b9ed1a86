package exchange_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// A callback is accepted only under the base URL the calling subsystem
// registered: not when it registered none, not under another subsystem's
// base, not on another port or scheme, not on a path that merely starts
// with the same letters.
func TestCallbackMustBeUnderRegisteredBase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		ctx := context.Background()
		var hits atomic.Int64
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
		defer hook.Close()
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
		defer other.Close()

		ask := func(callback string) (*http.Response, []byte) {
			return f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil,
				map[string]string{"Prefer": "respond-async", exchange.HeaderCallback: callback})
		}
		// Nothing registered: refused, with a message saying so.
		resp, body := ask(hook.URL + "/hooks/a")
		wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
		if !strings.Contains(string(body), "registered no callback") || !strings.Contains(string(body), "ثبت نکرده") {
			t.Fatalf("no clear message: %s", body)
		}

		// Who may set it: the member's agency or a platform admin, no one else.
		wantErr(t, "another agency", f.x.SetCallback(ctx, agency("NOCR"), gwClient, hook.URL+"/hooks"), errs.Forbidden, "")
		wantErr(t, "a citizen", f.x.SetCallback(ctx, identity.Principal{Kind: "user", NationalCode: gwCitizen,
			Roles: []identity.Role{identity.RoleCitizen}}, gwClient, hook.URL+"/hooks"), errs.Forbidden, "")
		for _, bad := range []string{"ftp://example.org/x", "http://user:pw@127.0.0.1/x", "http://127.0.0.1/x?a=1",
			"http://127.0.0.1/x#f", "/relative", "http:///nohost", "http://127.0.0.1/a/../b", "http://127.0.0.1/a%2fb"} {
			wantErr(t, "bad base "+bad, f.x.SetCallback(ctx, exchange.OperatorFor("INTA"), gwClient, bad), errs.Invalid, "")
		}
		wantErr(t, "unknown subsystem", f.x.SetCallback(ctx, identity.System,
			sub(t, "IR/GOV/INTA/nothing"), hook.URL+"/hooks"), errs.NotFound, "")

		if err := f.x.SetCallback(ctx, exchange.OperatorFor("INTA"), gwClient, hook.URL+"/hooks/"); err != nil {
			t.Fatal(err)
		}
		// The other subsystem registers its base; the client may not use it.
		if err := f.x.SetCallback(ctx, identity.System, gwOther, other.URL+"/audit"); err != nil {
			t.Fatal(err)
		}
		resp, body = ask(other.URL + "/audit/x")
		wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
		if !strings.Contains(string(body), "not under the callback address") {
			t.Fatalf("no clear message: %s", body)
		}

		sub, err := f.x.Subsystem(ctx, gwClient)
		if err != nil || sub.CallbackURL != hook.URL+"/hooks" {
			t.Fatalf("registered %q (%v)", sub.CallbackURL, err)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.subsystem.callback"})
		if len(evs) != 2 || evs[0].Agency != "INTA" || !strings.Contains(string(evs[0].Payload), hook.URL+"/hooks") {
			t.Fatalf("events %+v", evs)
		}
		port := hook.URL[strings.LastIndex(hook.URL, ":")+1:]
		for _, bad := range []string{
			hook.URL + "/hooksx",             // a longer segment, not a sub-path
			hook.URL + "/hook",               // a shorter one
			hook.URL + "/",                   // above the base
			hook.URL + "/hooks/../admin",     // dot segments
			hook.URL + "/hooks/%2e%2e/admin", // encoded dots
			strings.Replace(hook.URL, "http:", "https:", 1) + "/hooks/a", // another scheme
			"http://localhost:" + port + "/hooks/a",                      // another host name for the same place
			"http://127.0.0.1:1/hooks/a",                                 // another port
			"http://169.254.169.254/latest/meta-data/",                   // the classic target
		} {
			resp, body := ask(bad)
			wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
		}
		var n int
		s.DB().QueryRow(`SELECT count(*) FROM exchange_async`).Scan(&n)
		if n != 0 || hits.Load() != 0 {
			t.Fatalf("%d queued, %d callbacks made after refusals", n, hits.Load())
		}
		// Under the base: accepted (the provider answers at once here).
		for _, good := range []string{hook.URL + "/hooks", hook.URL + "/hooks/a/b?ticket=7", strings.ToUpper(hook.URL[:4]) + hook.URL[4:] + "/hooks/x"} {
			resp, body := ask(good)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", good, resp.StatusCode, body)
			}
		}
		// Clearing it refuses callbacks again.
		if err := f.x.SetCallback(ctx, exchange.OperatorFor("INTA"), gwClient, ""); err != nil {
			t.Fatal(err)
		}
		resp, body = ask(hook.URL + "/hooks/a")
		wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
	}, gwSets...)
}

// The message log records what allowed each inquiry, and the tracker shows
// it even after the right behind it was revoked.
func TestTrackerShowsBasisInForceAtTheTime(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		ctx := context.Background()
		nocr := exchange.OperatorFor("NOCR")
		rights, err := f.x.Rights(ctx, gwProvider)
		if err != nil {
			t.Fatal(err)
		}
		var personRight, aliveRight exchange.AccessRight
		for _, r := range rights {
			switch r.Service {
			case gwPerson:
				personRight = r
			case gwAlive:
				aliveRight = r
			}
		}
		// One inquiry on the legal basis, one on the citizen's consent.
		resp, body := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/person-identity/persons/"+gwCitizen, nil,
			map[string]string{exchange.HeaderSubject: gwCitizen, exchange.HeaderPurpose: "رسیدگی به پرونده"})
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		consent, err := f.x.GiveConsent(ctx, citizen(gwCitizen), exchange.Consent{Client: gwClient, Service: gwAlive,
			Purpose: "بررسی وضعیت حیات برای بازپرداخت", Until: time.Now().Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		resp, body = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/alive/alive/"+gwCitizen, nil,
			map[string]string{exchange.HeaderSubject: gwCitizen})
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}

		// The log and the events hold the right, the consent and the basis.
		msgs, err := f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen})
		if err != nil || len(msgs) != 2 {
			t.Fatalf("%d messages (%v)", len(msgs), err)
		}
		if m := msgs[1]; m.RightID != personRight.ID || m.ConsentID != 0 || m.Basis != personRight.LegalBasis {
			t.Fatalf("legal-basis message %+v", m)
		}
		if m := msgs[0]; m.RightID != aliveRight.ID || m.ConsentID != consent.ID || m.Basis != exchange.BasisConsent {
			t.Fatalf("consent message %+v", m)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: exchange.EventInquiry, Subject: gwCitizen})
		if len(evs) != 2 {
			t.Fatalf("%d events", len(evs))
		}
		var p struct {
			Right, Consent int64
			Basis          string
		}
		if err := json.Unmarshal(evs[1].Payload, &p); err != nil || p.Right != aliveRight.ID || p.Consent != consent.ID || p.Basis != "consent" {
			t.Fatalf("event payload %s", evs[1].Payload)
		}

		// The provider revokes both rights, the citizen withdraws consent.
		for _, id := range []int64{personRight.ID, aliveRight.ID} {
			if err := f.x.RevokeRight(ctx, nocr, id); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.x.WithdrawConsent(ctx, citizen(gwCitizen), consent.ID); err != nil {
			t.Fatal(err)
		}
		list, err := f.g.InquiriesAbout(ctx, gwCitizen, 10, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("%d tracked (%v)", len(list), err)
		}
		alive, person := list[0], list[1]
		if person.LegalBasis != personRight.LegalBasis || person.RightID != personRight.ID || person.ConsentID != 0 {
			t.Fatalf("legal basis after revocation: %+v", person)
		}
		if alive.ConsentID != consent.ID || alive.ConsentPurpose != consent.Purpose || alive.LegalBasis != "" || alive.RightID != aliveRight.ID {
			t.Fatalf("consent after withdrawal: %+v", alive)
		}

		// A refused inquiry records no basis.
		resp, _ = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/person-identity/persons/"+gwCitizen, nil,
			map[string]string{exchange.HeaderSubject: gwCitizen})
		if resp.StatusCode != 403 {
			t.Fatalf("after revocation: %d, want 403", resp.StatusCode)
		}
		msgs, _ = f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen, Limit: 1})
		if m := msgs[0]; m.Error != exchange.CodeAccessDenied || m.RightID != 0 || m.Basis != "" {
			t.Fatalf("refused message %+v", m)
		}
	}, gwSets...)
}

// A right revoked on one node is refused at once on that node, and on
// another node (another Exchange and Gateway on the same database) within
// its follow interval, although both had it cached.
func TestRevocationReachesCachesOnEveryNode(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{FollowInterval: 50 * time.Millisecond})
		ctx := context.Background()
		x2 := exchange.New(s, "IR")
		g2, err := exchange.NewGateway(ctx, x2, exchange.GatewayConfig{FollowInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer g2.Close(ctx)
		node2 := httptest.NewServer(g2.Handler(exchange.ByHeader))
		defer node2.Close()
		call := func(base string) int {
			req, _ := http.NewRequest("GET", base+"/r1/IR/GOV/NOCR/population/status/ping", nil)
			req.Header.Set(exchange.HeaderIMClient, gwClient.String())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		// Both nodes have the right cached.
		for range 3 {
			if a, b := call(f.local.URL), call(node2.URL); a != 200 || b != 200 {
				t.Fatalf("before: %d %d", a, b)
			}
		}
		rights, _ := f.x.Rights(ctx, gwProvider)
		var id int64
		for _, r := range rights {
			if r.Service == gwStatus {
				id = r.ID
			}
		}
		if err := f.x.RevokeRight(ctx, exchange.OperatorFor("NOCR"), id); err != nil {
			t.Fatal(err)
		}
		if st := call(f.local.URL); st != 403 {
			t.Fatalf("on the revoking node: %d, want 403 at once", st)
		}
		deadline := time.Now().Add(5 * time.Second)
		for call(node2.URL) != 403 {
			if time.Now().After(deadline) {
				t.Fatal("the other node still honours the revoked right")
			}
			time.Sleep(20 * time.Millisecond)
		}
		// A grant made on the other node reaches this one too.
		if _, err := x2.Grant(ctx, exchange.OperatorFor("NOCR"), exchange.AccessRight{Service: gwStatus, Client: gwClient,
			LegalBasis: "قانون مالیات‌های مستقیم"}); err != nil {
			t.Fatal(err)
		}
		if st := call(node2.URL); st != 200 {
			t.Fatalf("on the granting node: %d", st)
		}
		deadline = time.Now().Add(5 * time.Second)
		for call(f.local.URL) != 200 {
			if time.Now().After(deadline) {
				t.Fatal("the new grant never reached the first node")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}, gwSets...)
}

// Under concurrent load the message log's commits are shared: fewer
// transactions than records, and every answered call already committed.
func TestMessageLogBatchesUnderLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{RatePerClient: 1e6, Burst: 1 << 20})
		b0, r0 := f.g.LogStats()
		const n = 200
		done := make(chan int, n)
		for range n {
			go func() {
				req, _ := http.NewRequest("GET", f.local.URL+"/r1/IR/GOV/NOCR/population/status/ping", nil)
				req.Header.Set(exchange.HeaderIMClient, gwClient.String())
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					done <- 0
					return
				}
				resp.Body.Close()
				done <- resp.StatusCode
			}()
		}
		for range n {
			if st := <-done; st != 200 {
				t.Fatalf("a call answered %d", st)
			}
		}
		b1, r1 := f.g.LogStats()
		if r1-r0 != n || b1-b0 >= n {
			t.Fatalf("%d records in %d commits, want %d records in fewer commits", r1-r0, b1-b0, n)
		}
		t.Logf("%d records in %d commits", r1-r0, b1-b0)
	}, gwSets...)
}

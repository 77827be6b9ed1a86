package exchange

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

func TestUnderBase(t *testing.T) {
	for _, c := range []struct {
		base, callback string
		ok             bool
	}{
		{"https://tax.example.ir/cb", "https://tax.example.ir/cb", true},
		{"https://tax.example.ir/cb", "https://tax.example.ir/cb/", true},
		{"https://tax.example.ir/cb", "https://tax.example.ir/cb/42?t=1", true},
		{"https://tax.example.ir/cb", "https://TAX.example.ir:443/cb/42", true},
		{"http://tax.example.ir", "http://tax.example.ir:80/anything", true},
		{"https://tax.example.ir/cb", "https://tax.example.ir/cbx", false},
		{"https://tax.example.ir/cb", "https://tax.example.ir/c", false},
		{"https://tax.example.ir/cb", "http://tax.example.ir/cb", false},
		{"https://tax.example.ir/cb", "https://tax.example.ir:8443/cb", false},
		{"https://tax.example.ir/cb", "https://tax.example.ir.evil.example/cb", false},
		{"https://tax.example.ir/cb", "https://evil.example/cb", false},
	} {
		base, err := parseCallbackBase(c.base)
		if err != nil {
			t.Fatalf("base %s: %v", c.base, err)
		}
		u, err := parseCallbackURL(c.callback)
		if err != nil {
			t.Fatalf("callback %s: %v", c.callback, err)
		}
		if got := underBase(u, base); got != c.ok {
			t.Errorf("%s under %s: %v, want %v", c.callback, c.base, got, c.ok)
		}
	}
	for _, bad := range []string{"https://tax.example.ir/cb/../admin", "https://tax.example.ir/cb/%2e%2e/admin",
		"https://tax.example.ir/cb%2fx", "https://tax.example.ir//cb", "https://u@tax.example.ir/cb", "https://tax.example.ir/cb#f",
		"gopher://tax.example.ir/cb", "https:///cb", "mailto:a@tax.example.ir"} {
		if _, err := parseCallbackURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// The delivery job checks the callback again against the base registered
// when it runs: a base changed meanwhile stops the callback, and the answer
// stays for polling.
func TestCallbackCheckedAgainAtDelivery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := New(s, "IR")
		client := SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "tax"}
		if err := x.RegisterMember(ctx, identity.System, Member{Class: "GOV", Code: "INTA", NameFa: "سازمان امور مالیاتی"}); err != nil {
			t.Fatal(err)
		}
		if err := x.RegisterSubsystem(ctx, identity.System, Subsystem{ID: client, NameFa: "مالیات"}); err != nil {
			t.Fatal(err)
		}
		g, err := NewGateway(ctx, x, GatewayConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close(ctx)
		var hits atomic.Int64
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
		defer hook.Close()
		if err := x.SetCallback(ctx, OperatorFor("INTA"), client, hook.URL+"/cb"); err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_async (message_id, client, service, state, callback, status, body, created_at, done_at)
				VALUES ('m1', $1, 'IR/GOV/NOCR/population/status', 'done', $2, 200, $3, $4, $4)`,
				client.String(), hook.URL+"/cb/m1", []byte("answer"), s.Now()); err != nil {
				return err
			}
			err := tx.Append(ctx, store.Event{Kind: "test.setup", Actor: "system"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		job := &river.Job[callbackArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: callbackArgs{MessageID: "m1"}}
		w := &callbackWorker{g: g}

		// The agency moves its base elsewhere: the queued callback is not made.
		if err := x.SetCallback(ctx, OperatorFor("INTA"), client, "https://tax.example.ir/cb"); err != nil {
			t.Fatal(err)
		}
		err = w.Work(ctx, job)
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) || hits.Load() != 0 {
			t.Fatalf("work with a changed base: %v, %d calls", err, hits.Load())
		}
		var state string
		s.DB().QueryRow(`SELECT state FROM exchange_async WHERE message_id = 'm1'`).Scan(&state)
		if state != "done" {
			t.Fatalf("state %s: the answer must stay for polling", state)
		}
		// Back under the base: delivered, and no longer kept.
		if err := x.SetCallback(ctx, OperatorFor("INTA"), client, hook.URL+"/cb"); err != nil {
			t.Fatal(err)
		}
		if err := w.Work(ctx, job); err != nil || hits.Load() != 1 {
			t.Fatalf("work: %v, %d calls", err, hits.Load())
		}
		s.DB().QueryRow(`SELECT state FROM exchange_async WHERE message_id = 'm1'`).Scan(&state)
		if state != "fetched" {
			t.Fatalf("state %s after the callback", state)
		}
	}, identity.Migrations(), Migrations())
}

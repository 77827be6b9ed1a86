package exchange

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestRedactPath(t *testing.T) {
	for _, c := range []struct{ path, subject, want string }{
		{"/persons/0067749828", "0067749828", "/persons/{subject}"},
		{"/persons/0067749828/family/0499370899", "0067749828", "/persons/{subject}/family/{subject}"},
		{"/persons/0499370899", "", "/persons/{subject}"},
		{"/orders/1234567890", "", "/orders/1234567890"},         // not a valid national code
		{"/orders/00677498281", "", "/orders/00677498281"},       // eleven digits: not a national code
		{"/a/0067749828b", "", "/a/{subject}b"},                  // still ten digits on their own
		{"/plates/12ب345-67", "0067749828", "/plates/12ب345-67"}, // nothing to hide
	} {
		if got := redactPath(c.path, c.subject); got != c.want {
			t.Errorf("redactPath(%q, %q) = %q, want %q", c.path, c.subject, got, c.want)
		}
	}
}

func TestMessageLogCloseWritesEverything(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, identity.Migrations(), Migrations())
	l := newMessageLog(s, time.Millisecond, 16)
	client := SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "tax"}
	svc := ServiceID{Provider: SubsystemID{Instance: "IR", Class: "GOV", Member: "NOCR", Subsystem: "population"}, Code: "status"}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- l.submit(context.Background(), &record{Message: Message{MessageID: newMessageID(), At: time.Now(),
				Client: client, Service: svc, Method: "GET", Path: "/ping", Status: 200 + i%2}})
		}()
	}
	wg.Wait()
	l.close()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM exchange_messages`).Scan(&n)
	if n != 100 {
		t.Fatalf("%d records written, want 100", n)
	}
	if err := l.submit(context.Background(), &record{}); err != errLogClosed {
		t.Fatalf("submit after close: %v", err)
	}
}

func TestSweepAnswers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		g, err := NewGateway(ctx, New(s, "IR"), GatewayConfig{AsyncKeep: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close(ctx)
		now := s.Now()
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for id, done := range map[string]time.Time{"old": now.Add(-2 * time.Hour), "new": now.Add(-time.Minute)} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_async (message_id, client, service, state, status, body, created_at, done_at)
					VALUES ($1, 'IR/GOV/INTA/tax', 'IR/GOV/NOCR/population/status', 'done', 200, $2, $3, $3)`, id, []byte("answer"), done); err != nil {
					return err
				}
			}
			err := tx.Append(ctx, store.Event{Kind: "test.setup", Actor: "system"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.sweepAnswers(ctx); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{"old": "expired", "new": "done"} {
			var state string
			var body []byte
			s.DB().QueryRow(`SELECT state, body FROM exchange_async WHERE message_id = $1`, id).Scan(&state, &body)
			if state != want || (want == "expired") != (body == nil) {
				t.Errorf("%s: state %s, %d bytes", id, state, len(body))
			}
		}
		if err := ignoreDone(g.sweepAnswers(ctx)); err != nil {
			t.Fatalf("a sweep with nothing to do: %v", err)
		}
	}, identity.Migrations(), Migrations())
}

func TestMessageLogCloseWaitsForExchangesInFlight(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, identity.Migrations(), Migrations())
	l := newMessageLog(s, 0, 16)
	if !l.begin() {
		t.Fatal("begin refused before close")
	}
	closed := make(chan struct{})
	go func() { l.close(); close(closed) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case <-closed:
		t.Fatal("close returned while an exchange was in flight")
	default:
	}
	if l.begin() {
		t.Fatal("a new exchange was admitted while closing")
	}
	client := SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "tax"}
	if err := l.submit(context.Background(), &record{Message: Message{MessageID: "in-flight", At: time.Now(), Client: client,
		Service: ServiceID{Provider: client, Code: "x"}, Method: "GET", Path: "/", Status: 200}}); err != nil {
		t.Fatalf("the exchange in flight could not log: %v", err)
	}
	l.end()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not return")
	}
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM exchange_messages WHERE message_id = 'in-flight'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d records, want 1", n)
	}
}

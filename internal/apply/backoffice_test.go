package apply_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// The back offices of the tests: two API clients of MIMT, one of NOCR.
var (
	mimtKey  = identity.Principal{Kind: "apikey", ID: 21, Name: "MIMT back office", Agency: "MIMT"}
	mimtKey2 = identity.Principal{Kind: "apikey", ID: 22, Name: "MIMT archive", Agency: "MIMT"}
	nocrKey  = identity.Principal{Kind: "apikey", ID: 23, Name: "NOCR back office", Agency: "NOCR"}
	mimtBoss = identity.Principal{Kind: "user", ID: 5, Name: "مدیر", Agency: "MIMT", Roles: []identity.Role{identity.RoleAgencyAdmin}}
)

func mustBackoffice(t *testing.T, f *fixture, o apply.BackofficeOptions) *apply.Backoffice {
	t.Helper()
	o.Settle = time.Nanosecond
	return apply.NewBackoffice(f.app, o)
}

func kinds(items []apply.FeedItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Kind)
	}
	return out
}

func mustPull(t *testing.T, b *apply.Backoffice, p identity.Principal, limit int) []apply.FeedItem {
	t.Helper()
	time.Sleep(time.Millisecond) // past the settle window
	items, err := b.Pull(context.Background(), p, limit)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPullQueue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		b := mustBackoffice(t, f, apply.BackofficeOptions{})
		c1 := f.mustSubmitPlain(t, ali)
		c2 := f.mustSubmitPlain(t, maryam)
		for _, step := range []struct {
			who    identity.Principal
			to     apply.State
			reason string
		}{{officer, apply.InReview, ""}, {officer, apply.NeedsInfo, "رسید خرید را بفرستید"}, {ali, apply.InReview, "رسید پیوست شد"}} {
			if _, err := f.app.Transition(ctx, step.who, c1.Tracking, step.to, step.reason, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.app.Transition(ctx, ali, c1.Tracking, apply.Withdrawn, "", ""); err != nil {
			t.Fatal(err)
		}

		items := mustPull(t, b, mimtKey, 0)
		want := []string{apply.FeedSubmitted, apply.FeedSubmitted, apply.FeedInReview, apply.FeedNeedsInfo, apply.FeedAnswered, apply.FeedWithdrawn}
		if !equal(kinds(items), want) {
			t.Fatalf("kinds = %v, want %v", kinds(items), want)
		}
		if items[0].Tracking != c1.Tracking || items[1].Tracking != c2.Tracking || items[4].From != apply.NeedsInfo || items[4].State != apply.InReview {
			t.Fatalf("items = %+v", items)
		}
		// Pulling again without an ack gives the same items (at least once).
		if again := mustPull(t, b, mimtKey, 2); len(again) != 2 || again[0].Cursor != items[0].Cursor {
			t.Fatalf("redelivery = %+v", again)
		}
		if err := b.Ack(ctx, mimtKey, items[2].Cursor); err != nil {
			t.Fatal(err)
		}
		rest := mustPull(t, b, mimtKey, 0)
		if !equal(kinds(rest), want[3:]) || rest[0].Cursor != items[3].Cursor {
			t.Fatalf("after ack: %v", kinds(rest))
		}
		// An older cursor changes nothing.
		if err := b.Ack(ctx, mimtKey, items[0].Cursor); err != nil {
			t.Fatal(err)
		}
		if got := mustPull(t, b, mimtKey, 0); len(got) != 3 {
			t.Fatalf("an older ack moved the position back: %v", kinds(got))
		}
		// Each client has its own position.
		if got := mustPull(t, b, mimtKey2, 0); len(got) != len(want) {
			t.Fatalf("second client: %v", kinds(got))
		}
		// Another agency sees none of it and cannot ack it.
		if got := mustPull(t, b, nocrKey, 0); len(got) != 0 {
			t.Fatalf("NOCR sees MIMT's feed: %v", kinds(got))
		}
		if err := b.Ack(ctx, nocrKey, items[5].Cursor); !errs.Is(err, errs.Invalid) {
			t.Fatalf("NOCR acked MIMT's cursor: %v", err)
		}
		for _, bad := range []string{"", "abc", "-1", "999999"} {
			if err := b.Ack(ctx, mimtKey, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("ack %q: %v", bad, err)
			}
		}
		if _, err := b.Pull(ctx, mimtKey, 501); !errs.Is(err, errs.Invalid) {
			t.Errorf("limit 501: %v", err)
		}
		if _, err := b.Pull(ctx, officer, 10); !errs.Is(err, errs.Forbidden) {
			t.Errorf("staff pulled: %v", err)
		}
		// The feeder is idempotent: running it again copies nothing twice.
		if n, err := b.Feed(ctx); err != nil || n != 0 {
			t.Fatalf("feed again = %d, %v", n, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM apply_feed`); n != len(want) {
			t.Fatalf("feed rows = %d", n)
		}
	}, sets...)
}

func TestAssignAndConsoleQueue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		b := mustBackoffice(t, f, apply.BackofficeOptions{})
		c1 := f.mustSubmitPlain(t, ali)
		f.mustSubmitPlain(t, maryam)
		colleague := apply.Colleague{ID: mimtBoss.ID, Name: "مدیر", Agency: "MIMT"}
		if _, err := f.app.Assign(ctx, officer, c1.Tracking, colleague); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Assign(ctx, officer, c1.Tracking, apply.Colleague{ID: 9, Agency: "NOCR"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("assigned to another agency: %v", err)
		}
		if _, err := f.app.Assign(ctx, stranger, c1.Tracking, apply.Colleague{ID: 4, Agency: "NOCR"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another agency assigned: %v", err)
		}
		if _, err := f.app.Assign(ctx, ali, c1.Tracking, colleague); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the applicant assigned: %v", err)
		}
		minePage, err := f.app.AgencyQueue(ctx, mimtBoss, apply.ConsoleFilter{Mine: true})
		mine, counts := minePage.Items, minePage.Counts
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) != 1 || mine[0].Tracking != c1.Tracking || mine[0].AssigneeName != "مدیر" {
			t.Fatalf("mine = %+v", mine)
		}
		if counts.Open != 2 || counts.Mine != 1 || counts.ByState[apply.Submitted] != 2 || counts.Overdue != 0 {
			t.Fatalf("counts = %+v", counts)
		}
		allPage, err := f.app.AgencyQueue(ctx, officer, apply.ConsoleFilter{State: apply.Submitted, Service: f.plain, Latest: true})
		all := allPage.Items
		if err != nil || len(all) != 2 || !all[0].Deadline.After(all[1].Deadline) && !all[0].Deadline.Equal(all[1].Deadline) {
			t.Fatalf("queue = %d %v", len(all), err)
		}
		if _, err := f.app.AgencyQueue(ctx, stranger, apply.ConsoleFilter{}); err != nil {
			t.Fatal(err)
		} else if got, _ := f.app.AgencyQueue(ctx, stranger, apply.ConsoleFilter{}); len(got.Items) != 0 {
			t.Fatalf("NOCR sees MIMT's cases: %d", len(got.Items))
		}
		if _, err := f.app.AgencyQueue(ctx, ali, apply.ConsoleFilter{}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a citizen has a queue: %v", err)
		}
		if _, err := f.app.AgencyQueue(ctx, officer, apply.ConsoleFilter{State: "nonsense"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad state: %v", err)
		}
		items := mustPull(t, b, mimtKey, 0)
		if k := kinds(items); len(k) != 3 || k[2] != apply.FeedAssigned {
			t.Fatalf("feed = %v", k)
		}
	}, sets...)
}

func TestWebhookURLs(t *testing.T) {
	for _, c := range []struct {
		url      string
		demo, ok bool
	}{
		{"https://backoffice.example.ir/hooks", false, true},
		{"http://backoffice.example.ir/hooks", false, false},
		{"http://127.0.0.1:8080/hooks", false, false},
		{"http://127.0.0.1:8080/hooks", true, true},
		{"http://localhost:8080/hooks", true, true},
		{"http://10.0.0.5/hooks", true, false},
		{"https://127.0.0.1/hooks", false, false},
		{"https://10.1.2.3/hooks", false, false},
		{"https://192.168.1.1/hooks", true, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://[::1]/hooks", false, false},
		{"https://user:pw@backoffice.example.ir/", false, false},
		{"ftp://backoffice.example.ir/", false, false},
		{"backoffice.example.ir/hooks", false, false},
		{"", false, false},
	} {
		err := apply.CheckWebhookURL(c.url, c.demo)
		if (err == nil) != c.ok {
			t.Errorf("CheckWebhookURL(%q, demo=%v) = %v", c.url, c.demo, err)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("%q: kind %v", c.url, errs.KindOf(err))
		}
	}
}

func TestWebhookDelivery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		var (
			mu       sync.Mutex
			calls    int
			ids      []string
			bodies   []apply.FeedItem
			secret   string
			verified = make(chan struct{}, 10)
		)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			calls++
			ts, _ := strconv.ParseInt(r.Header.Get(apply.HeaderWebhookTimestamp), 10, 64)
			sig := r.Header.Get(apply.HeaderWebhookSignature)
			if !hmac.Equal([]byte(sig), []byte(apply.Sign(secret, ts, body))) || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
				t.Errorf("bad signature or timestamp")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if hmac.Equal([]byte(sig), []byte(apply.Sign("whsec_wrong", ts, body))) {
				t.Errorf("a wrong secret verifies")
			}
			ids = append(ids, r.Header.Get(apply.HeaderWebhookID))
			if calls <= 2 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			var it apply.FeedItem
			if err := json.Unmarshal(body, &it); err != nil {
				t.Errorf("body: %v", err)
			}
			bodies = append(bodies, it)
			verified <- struct{}{}
		}))
		defer rcv.Close()

		b := mustBackoffice(t, f, apply.BackofficeOptions{AllowLoopbackHTTP: true, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
		b.RegisterWorkers()
		// Without the demo flag, a loopback http endpoint is refused.
		strict := mustBackoffice(t, f, apply.BackofficeOptions{})
		if _, _, err := strict.RegisterWebhook(ctx, mimtKey, rcv.URL, nil); !errs.Is(err, errs.Invalid) {
			t.Fatalf("loopback http accepted: %v", err)
		}
		if _, _, err := b.RegisterWebhook(ctx, officer, rcv.URL, nil); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an operator registered a webhook: %v", err)
		}
		if _, _, err := b.RegisterWebhook(ctx, mimtKey, rcv.URL, []string{"case.exploded"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown kind: %v", err)
		}
		h, sec, err := b.RegisterWebhook(ctx, mimtBoss, rcv.URL, []string{apply.FeedSubmitted})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		secret = sec
		mu.Unlock()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)

		c := f.mustSubmitPlain(t, ali)
		if _, err := f.app.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err) // not subscribed: no delivery
		}
		time.Sleep(time.Millisecond)
		if n, err := b.Feed(ctx); err != nil || n != 2 {
			t.Fatalf("feed = %d, %v", n, err)
		}
		select {
		case <-verified:
		case <-time.After(60 * time.Second):
			t.Fatal("the webhook was never delivered")
		}
		mu.Lock()
		if calls != 3 || len(ids) != 3 || ids[0] != ids[2] || bodies[0].Kind != apply.FeedSubmitted || bodies[0].Tracking != c.Tracking {
			t.Fatalf("calls = %d, ids = %v, bodies = %+v", calls, ids, bodies)
		}
		mu.Unlock()
		var ds []apply.Delivery
		for range 100 { // the outcome is recorded just after the answer
			if ds, err = b.Deliveries(ctx, officer, 10); err != nil {
				t.Fatal(err)
			}
			if len(ds) == 1 && ds[0].State == apply.DeliveryDelivered {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(ds) != 1 || ds[0].State != apply.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].Webhook != h.ID || ds[0].LastStatus != 200 || ds[0].DeliveredAt == nil {
			t.Fatalf("deliveries = %+v", ds)
		}
		if got, err := b.Deliveries(ctx, stranger, 10); err != nil || len(got) != 0 {
			t.Fatalf("NOCR sees MIMT's deliveries: %v %v", got, err)
		}
		hooks, err := b.Webhooks(ctx, officer)
		if err != nil || len(hooks) != 1 {
			t.Fatalf("webhooks = %v %v", hooks, err)
		}
		if err := b.DisableWebhook(ctx, nocrKey, h.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("NOCR disabled MIMT's webhook: %v", err)
		}
		if err := b.DisableWebhook(ctx, mimtKey, h.ID); err != nil {
			t.Fatal(err)
		}
	}, sets...)
}

// TestWebhookNoPrivateAddresses checks that the sender itself refuses a
// private address, whatever the URL check let through.
func TestWebhookSenderRefusesLoopback(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		var hit atomic.Int32
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Add(1) }))
		defer rcv.Close()
		// Registered in demo mode, sent by a sender without it.
		demo := mustBackoffice(t, f, apply.BackofficeOptions{AllowLoopbackHTTP: true})
		if _, _, err := demo.RegisterWebhook(ctx, mimtKey, rcv.URL, nil); err != nil {
			t.Fatal(err)
		}
		f.mustSubmitPlain(t, ali)
		time.Sleep(time.Millisecond)
		if _, err := demo.Feed(ctx); err != nil {
			t.Fatal(err)
		}
		strict := mustBackoffice(t, f, apply.BackofficeOptions{})
		ds, err := strict.Deliveries(ctx, officer, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %v %v", ds, err)
		}
		if err := apply.DeliverForTest(ctx, strict, ds[0].ID); err == nil {
			t.Fatal("delivered to loopback without the demo flag")
		}
		if hit.Load() != 0 {
			t.Fatal("the receiver was reached")
		}
		ds, _ = strict.Deliveries(ctx, officer, 10)
		if ds[0].State != apply.DeliveryFailed || ds[0].LastError == "" {
			t.Fatalf("delivery = %+v", ds[0])
		}
	}, sets...)
}

func TestIdempotency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		b := mustBackoffice(t, f, apply.BackofficeOptions{})
		var runs atomic.Int32
		do := func() apply.Answer {
			n := runs.Add(1)
			return apply.Answer{Status: 200, Body: []byte(`{"run":` + strconv.Itoa(int(n)) + `}`)}
		}
		first, replayed, err := b.Idempotent(ctx, mimtKey, "key-1", []byte("POST /x {a}"), do)
		if err != nil || replayed || first.Status != 200 {
			t.Fatalf("first = %+v %v %v", first, replayed, err)
		}
		again, replayed, err := b.Idempotent(ctx, mimtKey, "key-1", []byte("POST /x {a}"), do)
		if err != nil || !replayed || string(again.Body) != string(first.Body) || again.Status != 200 || runs.Load() != 1 {
			t.Fatalf("replay = %+v %v %v runs=%d", again, replayed, err, runs.Load())
		}
		if _, _, err := b.Idempotent(ctx, mimtKey, "key-1", []byte("POST /x {b}"), do); !errs.Is(err, errs.Conflict) {
			t.Fatalf("different body: %v", err)
		}
		// Keys are per client.
		if _, replayed, err := b.Idempotent(ctx, mimtKey2, "key-1", []byte("POST /x {a}"), do); err != nil || replayed || runs.Load() != 2 {
			t.Fatalf("another client's key: %v %v", replayed, err)
		}
		for _, bad := range []string{"", "کلید", "a b", string(make([]byte, 256))} {
			if _, _, err := b.Idempotent(ctx, mimtKey, bad, nil, do); !errs.Is(err, errs.Invalid) {
				t.Errorf("key %q: %v", bad, err)
			}
		}
		// A 5xx is not kept: the same key may be retried.
		if a, _, _ := b.Idempotent(ctx, mimtKey, "key-5xx", []byte("r"), func() apply.Answer { return apply.Answer{Status: 503} }); a.Status != 503 {
			t.Fatal(a)
		}
		if _, replayed, err := b.Idempotent(ctx, mimtKey, "key-5xx", []byte("r"), do); err != nil || replayed {
			t.Fatalf("retry after 5xx: %v %v", replayed, err)
		}
		// An expired key is forgotten.
		if _, err := s.DB().ExecContext(ctx, `UPDATE apply_idempotency SET expires_at = $1 WHERE key = 'key-1'`, time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		before := runs.Load()
		if _, replayed, err := b.Idempotent(ctx, mimtKey, "key-1", []byte("POST /x {b}"), do); err != nil || replayed || runs.Load() != before+1 {
			t.Fatalf("expired key: %v %v", replayed, err)
		}

		// Two requests with one key at once: one runs, the other waits
		// for nothing and is told it is in progress, or gets the answer.
		release := make(chan struct{})
		started := make(chan struct{})
		slow := func() apply.Answer {
			close(started)
			<-release
			runs.Add(1)
			return apply.Answer{Status: 201, Body: []byte(`{"ok":true}`)}
		}
		before = runs.Load()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a, _, err := b.Idempotent(ctx, mimtKey, "key-race", []byte("same"), slow); err != nil || a.Status != 201 {
				t.Errorf("first of the race: %+v %v", a, err)
			}
		}()
		<-started
		_, _, err = b.Idempotent(ctx, mimtKey, "key-race", []byte("same"), do)
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("second of the race: %v", err)
		}
		close(release)
		wg.Wait()
		a, replayed, err := b.Idempotent(ctx, mimtKey, "key-race", []byte("same"), do)
		if err != nil || !replayed || a.Status != 201 || runs.Load() != before+1 {
			t.Fatalf("after the race: %+v %v %v runs=%d", a, replayed, err, runs.Load()-before)
		}
	}, sets...)
}

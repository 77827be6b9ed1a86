package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/client"
	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// citizen applies through the capability; the agency side is driven only
// through the client, over HTTP, against the real assembled server.
var citizen = identity.Principal{Kind: "user", ID: 1, Name: "علی رضایی", NationalCode: "0067749828", Roles: []identity.Role{identity.RoleCitizen}}

func complaintRecord() catalog.Record {
	return catalog.Record{
		TitleFa: "ثبت شکایت صنفی", TitleEn: "Trade complaint",
		DescriptionFa: "متقاضی شکایت را برخط ثبت می‌کند و دستگاه پس از بررسی، نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
		Keywords:      []string{"شکایت"},
		Agency:        "MIMT", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Trigger: catalog.OnRequest, Decision: catalog.DecideManual, Frequency: catalog.AsNeeded,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements:   []catalog.Requirement{{Code: "facts", NameFa: "شرح ماجرا", Evidence: []catalog.Evidence{{Code: "story", NameFa: "شرح ماجرا", NameEn: "What happened", Source: catalog.FromDeclaration}}}},
		Outputs:        []catalog.Output{{NameFa: "رأی", NameEn: "Decision", Kind: "decision"}},
		ProcessingTime: catalog.Duration{Days: 10},
	}
}

type world struct {
	app     *app.App
	base    string
	key     string // MIMT's API key
	other   string // NOCR's API key
	service string
}

func startApp(t *testing.T, d store.Dialect) *world {
	t.Helper()
	cfg := app.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.DB = storetest.DSN(t, d)
	cfg.Version = "test"
	cfg.DemoIdP, cfg.Demo = true, true // webhooks may go to http:// on loopback, where the test's receiver listens
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	w := &world{app: a, base: "http://" + ln.Addr().String()}
	for _, ag := range []catalog.Agency{
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade", Domain: catalog.DomainIndustry, Connected: true},
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
	} {
		if err := a.Catalog.PutAgency(ctx, identity.System, ag); err != nil {
			t.Fatal(err)
		}
	}
	dr, err := a.Catalog.SaveDraft(ctx, identity.System, 0, complaintRecord())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := a.Catalog.Publish(ctx, identity.System, dr.Key)
	if err != nil {
		t.Fatal(err)
	}
	w.service = svc.ID
	if _, w.key, err = a.Identity.IssueKey(ctx, identity.System, "MIMT", "MIMT back office"); err != nil {
		t.Fatal(err)
	}
	if _, w.other, err = a.Identity.IssueKey(ctx, identity.System, "NOCR", "NOCR back office"); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) submit(t *testing.T) apply.Case {
	t.Helper()
	c, err := w.app.Apply.Submit(context.Background(), citizen, w.service, map[string]string{"phone": "09121234567", "decl_story": "فروشنده کالای معیوب داد"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitQueue pulls until the queue holds n items (the feeder runs every
// second, and on PostgreSQL takes events once they are two seconds old).
func waitQueue(t *testing.T, c *client.Client, n int) []client.QueueItem {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		items, err := c.Queue(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) >= n || time.Now().After(deadline) {
			return items
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBackOfficeJourney drives a case through the back-office API with the
// client, against the real server on each engine: a webhook, the pull
// queue with redelivery and acknowledgement, reading the case, decisions
// with idempotency keys, and the problems of bad requests.
func TestBackOfficeJourney(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			w := startApp(t, d)
			ctx := context.Background()
			c := client.New(w.base, w.key, client.WithUserAgent("mimt-backoffice-test"))
			nocr := client.New(w.base, w.other)

			// A webhook receiver that checks every signature.
			var mu sync.Mutex
			var secret string
			got := make(chan client.QueueItem, 16)
			rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				sec := secret
				mu.Unlock()
				if err := client.VerifyWebhook(sec, r.Header, body, time.Now()); err != nil {
					t.Errorf("verify: %v", err)
					rw.WriteHeader(http.StatusUnauthorized)
					return
				}
				if err := client.VerifyWebhook("whsec_wrong", r.Header, body, time.Now()); err != client.ErrBadSignature {
					t.Errorf("a wrong secret: %v", err)
				}
				if err := client.VerifyWebhook(sec, r.Header, body, time.Now().Add(10*time.Minute)); err != client.ErrStale {
					t.Errorf("a stale delivery: %v", err)
				}
				got <- client.QueueItem{Kind: r.Header.Get(client.HeaderWebhookID)}
			}))
			defer rcv.Close()
			hook, err := c.RegisterWebhook(ctx, rcv.URL, "case.submitted")
			if err != nil {
				t.Fatal(err)
			}
			if hook.Secret == "" {
				t.Fatal("no secret")
			}
			mu.Lock()
			secret = hook.Secret
			mu.Unlock()
			if hooks, err := c.Webhooks(ctx); err != nil || len(hooks) != 1 || hooks[0].Secret != "" {
				t.Fatalf("webhooks = %+v, %v", hooks, err)
			}
			if _, err := c.RegisterWebhook(ctx, "http://10.0.0.1/hook"); !client.IsProblem(err, 400) {
				t.Fatalf("a private endpoint: %v", err)
			}

			cs := w.submit(t)
			items := waitQueue(t, c, 1)
			if len(items) != 1 || items[0].Kind != "case.submitted" || items[0].Tracking != cs.Tracking {
				t.Fatalf("queue = %+v", items)
			}
			select {
			case <-got:
			case <-time.After(30 * time.Second):
				t.Fatal("no webhook")
			}
			if ds, err := c.Deliveries(ctx); err != nil || len(ds) != 1 {
				t.Fatalf("deliveries = %+v %v", ds, err)
			}
			// Not acknowledged: it comes back.
			if again := waitQueue(t, c, 1); len(again) != 1 || again[0].Cursor != items[0].Cursor {
				t.Fatalf("redelivery = %+v", again)
			}
			if err := c.Ack(ctx, items[0].Cursor); err != nil {
				t.Fatal(err)
			}
			if after, err := c.Queue(ctx, 10); err != nil || len(after) != 0 {
				t.Fatalf("after ack = %+v %v", after, err)
			}

			// Reading the case; another agency cannot.
			got1, err := c.Case(ctx, cs.Tracking)
			if err != nil || got1.State != client.Submitted || got1.Data["decl_story"] == "" || len(got1.Timeline) == 0 {
				t.Fatalf("case = %+v %v", got1, err)
			}
			if _, err := nocr.Case(ctx, cs.Tracking); !client.IsProblem(err, 404) {
				t.Fatalf("NOCR read MIMT's case: %v", err)
			}
			if list, err := c.Cases(ctx, client.CaseFilter{State: client.Submitted}); err != nil || len(list) != 1 {
				t.Fatalf("cases = %d %v", len(list), err)
			}
			if list, err := nocr.Cases(ctx, client.CaseFilter{}); err != nil || len(list) != 0 {
				t.Fatalf("NOCR's cases = %d %v", len(list), err)
			}

			// Decisions with idempotency keys.
			moved, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.InReview}, "review-1")
			if err != nil || moved.State != client.InReview || moved.Replayed {
				t.Fatalf("review = %+v %v", moved, err)
			}
			replay, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.InReview}, "review-1")
			if err != nil || !replay.Replayed || replay.State != client.InReview {
				t.Fatalf("replay = %+v %v", replay, err)
			}
			_, err = c.Decide(ctx, cs.Tracking, client.Transition{To: client.Approved}, "review-1")
			var p *client.Problem
			if !client.IsProblem(err, 409) || !asProblem(err, &p) || p.MessageFa() == "" || p.MessageEn() == "" {
				t.Fatalf("another body with the same key: %v", err)
			}
			if _, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.NeedsInfo}, ""); !client.IsProblem(err, 400) {
				t.Fatalf("needs_info without a reason: %v", err)
			}
			// A refused decision is an answer too: replayed as it was.
			for range 2 {
				if _, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.Issued}, "issue-too-early"); !client.IsProblem(err, 409) {
					t.Fatalf("illegal move: %v", err)
				}
			}
			if _, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.NeedsInfo, Reason: "رسید خرید را بفرستید"}, "ask-1"); err != nil {
				t.Fatal(err)
			}
			if _, err := w.app.Apply.Transition(ctx, citizen, cs.Tracking, apply.InReview, "رسید پیوست شد", ""); err != nil {
				t.Fatal(err)
			}
			items = waitQueue(t, c, 3)
			var kinds []string
			for _, it := range items {
				kinds = append(kinds, it.Kind)
			}
			if len(kinds) != 3 || kinds[0] != "case.in_review" || kinds[1] != "case.needs_info" || kinds[2] != "case.answered" {
				t.Fatalf("kinds = %v", kinds)
			}
			final, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.Approved}, "approve-"+strconv.Itoa(int(time.Now().UnixNano())))
			if err != nil || final.State != client.Approved || final.DecidedAt == nil {
				t.Fatalf("approve = %+v %v", final, err)
			}
			if _, err := c.Decide(ctx, "0000-0000-0000", client.Transition{To: client.Approved}, "x-1"); !client.IsProblem(err, 404) {
				t.Fatalf("unknown case: %v", err)
			}
			// Two requests with one key at once: one decides, the other
			// gets the same answer or 409 (in progress); the case moves once.
			second := w.submit(t)
			var wg sync.WaitGroup
			results := make([]error, 2)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, results[i] = c.Decide(ctx, second.Tracking, client.Transition{To: client.InReview}, "race-1")
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range results {
				switch {
				case err == nil:
					ok++
				case !client.IsProblem(err, 409):
					t.Fatalf("race: %v", err)
				}
			}
			if ok == 0 {
				t.Fatal("race: neither request decided")
			}
			raced, err := c.Case(ctx, second.Tracking)
			if err != nil {
				t.Fatal(err)
			}
			moves := 0
			for _, st := range raced.Timeline {
				if st.To == client.InReview {
					moves++
				}
			}
			if raced.State != client.InReview || moves != 1 {
				t.Fatalf("race: state %s, %d moves", raced.State, moves)
			}
			bad := client.New(w.base, "pjk_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
			if _, err := bad.Queue(ctx, 1); !client.IsProblem(err, 401) {
				t.Fatalf("a wrong key: %v", err)
			}

			// The list of cases, longer than a page, is read to the end.
			for i := 0; i < 4; i++ {
				w.submit(t)
			}
			whole, err := c.Cases(ctx, client.CaseFilter{})
			if err != nil || len(whole) < 5 {
				t.Fatalf("cases = %d %v", len(whole), err)
			}
			paged, err := c.Cases(ctx, client.CaseFilter{PageSize: 2})
			if err != nil || len(paged) != len(whole) {
				t.Fatalf("%d cases two at a time, %d at once (%v)", len(paged), len(whole), err)
			}
			for i := range whole {
				if paged[i].Tracking != whole[i].Tracking {
					t.Errorf("case %d: %s paged, %s at once", i, paged[i].Tracking, whole[i].Tracking)
				}
			}
		})
	}
}

func asProblem(err error, p **client.Problem) bool {
	q, ok := err.(*client.Problem)
	*p = q
	return ok
}

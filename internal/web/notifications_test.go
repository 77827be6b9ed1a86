package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// newNoticesSite is the portal with accounts and a notifier over the demo
// outbox.
func newNoticesSite(t *testing.T, s *store.Store, n *notify.Notifier) *xsite {
	t.Helper()
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cat, err := catalog.New(context.Background(), s, idx)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Notifier: n, Identity: identity.New(s)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	return &xsite{handler: httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)),
		httpx.NewMetrics(prometheus.NewRegistry()), log)}
}

// oneByID returns the element with id, or nil.
func oneByID(doc *html.Node, id string) *html.Node {
	if got := all(doc, func(n *html.Node) bool { return attr(n, "id") == id }); len(got) == 1 {
		return got[0]
	}
	return nil
}

// TestNoticesSection: the citizen chooses channels and an address on /me;
// a bad address is refused in Persian and English beside the field,
// keeping what was typed; the link sent to a good one opens a page that
// only asks, and its button confirms; a forged or used link is a 400 page.
func TestNoticesSection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		outbox := notify.NewOutbox(s)
		n := notify.New(s, outbox, outbox)
		n.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.StopJobs(ctx) })
		site := newNoticesSite(t, s, n)
		citizen := person(1, inboxA)

		for _, en := range []bool{false, true} {
			me := site.send(t, citizen, "GET", "/me", nil, en)
			if me.status != 200 || oneByID(me.doc, "notice-address") == nil || oneByID(me.doc, "notice-sms") == nil {
				t.Fatalf("/me %d without the notices section", me.status)
			}
			if attr(oneByID(me.doc, "notice-sms"), "checked") == "" && !strings.Contains(me.body, "checked") {
				t.Error("SMS is not checked by default")
			}
		}
		for _, c := range []struct {
			en   bool
			want string
		}{{false, "نشانی رایانامه درست نیست"}, {true, "the email address is not valid"}} {
			bad := site.send(t, citizen, "POST", "/me/notifications", url.Values{"email": {"on"}, "address": {"sara@@example"}}, c.en)
			if bad.status != http.StatusBadRequest || !strings.Contains(textOf(oneByID(bad.doc, "notice-address-error")), c.want) ||
				attr(oneByID(bad.doc, "notice-address"), "value") != "sara@@example" {
				t.Errorf("bad address (en %v): %d %q", c.en, bad.status, textOf(oneByID(bad.doc, "notice-address-error")))
			}
		}
		if c, _ := n.Choice(ctx, *citizen); c.Chosen {
			t.Fatalf("a refused form was stored: %+v", c)
		}

		res := site.as(t, citizen, "POST", "/me/notifications", url.Values{"email": {"on"}, "address": {"sara@example.ir"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/me?saved=1#notifications" {
			t.Fatalf("save: %d %s", res.status, res.header.Get("Location"))
		}
		me := site.as(t, citizen, "GET", "/me?saved=1", nil)
		if oneByID(me.doc, "notices-saved") == nil || !strings.Contains(textOf(oneByID(me.doc, "notice-pending")), "sara@example.ir") ||
			oneByID(me.doc, "notice-email-waiting") == nil {
			t.Errorf("after saving: %s", textOf(oneByID(me.doc, "notifications")))
		}
		if strings.Contains(me.body, `id="notice-sms" name="sms" value="on" checked`) {
			t.Error("SMS is still checked after choosing email only")
		}

		var token string
		re := regexp.MustCompile(regexp.QuoteMeta(notify.ConfirmPath) + `\?token=([A-Za-z0-9_-]+)`)
		for deadline := time.Now().Add(20 * time.Second); token == ""; time.Sleep(20 * time.Millisecond) {
			es, _, _ := outbox.List(ctx, "", 0)
			for _, e := range es {
				if m := re.FindStringSubmatch(e.Body); m != nil && e.To == "sara@example.ir" {
					token = m[1]
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("no confirmation email")
			}
		}
		// Opening the link (as a mail scanner would) changes nothing.
		for _, en := range []bool{false, true} {
			page := site.send(t, nil, "GET", notify.ConfirmPath+"?token="+token, nil, en)
			if page.status != 200 || textOf(oneByID(page.doc, "confirm-address")) != "s***@example.ir" || oneByID(page.doc, "confirm-button") == nil ||
				page.header.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("confirm page: %d %q", page.status, page.body)
			}
		}
		if c, _ := n.Choice(ctx, *citizen); c.Address != "" {
			t.Fatalf("GET confirmed the address: %+v", c)
		}
		for _, c := range []struct {
			en   bool
			want string
		}{{false, "این پیوند تأیید درست نیست"}, {true, "This confirmation link is not valid"}} {
			forged := site.send(t, nil, "POST", notify.ConfirmPath, url.Values{"token": {strings.Repeat("A", len(token))}}, c.en)
			if forged.status != http.StatusBadRequest || !strings.Contains(forged.body, c.want) {
				t.Errorf("forged link (en %v): %d", c.en, forged.status)
			}
		}
		done := site.as(t, nil, "POST", notify.ConfirmPath, url.Values{"token": {token}})
		if done.status != 200 || oneByID(done.doc, "confirm-done") == nil {
			t.Fatalf("confirm: %d", done.status)
		}
		if c, _ := n.Choice(ctx, *citizen); c.Address != "sara@example.ir" {
			t.Errorf("after confirming: %+v", c)
		}
		if again := site.as(t, nil, "GET", notify.ConfirmPath+"?token="+token, nil); again.status != http.StatusBadRequest {
			t.Errorf("a used link: %d", again.status)
		}
		me = site.as(t, citizen, "GET", "/me", nil)
		if !strings.Contains(textOf(oneByID(me.doc, "notice-confirmed")), "sara@example.ir") {
			t.Errorf("the confirmed address is not shown")
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

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

// Two citizens with valid national codes.
const (
	inboxA = "0013542419"
	inboxB = "0067749828"
)

// newInboxSite is the portal with a notifier over the demo outbox; open
// says whether /dev/outbox is open to everyone (the demo).
func newInboxSite(t *testing.T, s *store.Store, n *notify.Notifier, open bool) *xsite {
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
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Notifier: n, OutboxOpen: open})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	return &xsite{handler: httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)),
		httpx.NewMetrics(prometheus.NewRegistry()), log)}
}

// notice sends one notice in its own transaction.
func notice(t *testing.T, s *store.Store, n *notify.Notifier, nt notify.Notice) {
	t.Helper()
	ctx := context.Background()
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
			return err
		}
		return n.SendTx(ctx, tx, nt)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// noMissing fails when the page shows a translation key of the inbox or
// outbox instead of its text.
func noMissing(t *testing.T, res response) {
	t.Helper()
	for _, prefix := range []string{"[inbox.", "[outbox."} {
		if strings.Contains(res.body, prefix) {
			t.Errorf("a translation is missing: %s…", prefix)
		}
	}
}

// messageIDs returns the ids of the inbox items on the page, in order,
// and which of them are unread.
func messageIDs(res response) (ids []string, unread map[string]bool) {
	unread = map[string]bool{}
	for _, li := range withClass(res.doc, "inbox__item") {
		id := attr(li, "id")
		ids = append(ids, id)
		unread[id] = attr(li, "data-unread") == "true"
	}
	return ids, unread
}

func TestInboxPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n := notify.New(s, notify.NewOutbox(s), notify.NewOutbox(s))
		xs := newInboxSite(t, s, n, false)
		a, b := person(1, inboxA), person(2, inboxB)

		res := xs.as(t, a, "GET", "/me/inbox", nil)
		if res.status != 200 || len(byID(res.doc, "no-messages")) != 1 {
			t.Fatalf("empty inbox: %d %s", res.status, res.body)
		}
		notice(t, s, n, notify.Notice{To: inboxA, Template: "case.submitted",
			Data: map[string]string{"tracking": "1405-AB12", "service": "صدور پروانهٔ کسب", "link": "/me/cases/1405-AB12"}})
		notice(t, s, n, notify.Notice{To: inboxA, Template: "case.rejected",
			Data: map[string]string{"tracking": "1405-AB12", "service": "صدور پروانهٔ کسب", "reason": "اجاره‌نامه خوانا نیست"}})
		notice(t, s, n, notify.Notice{To: inboxB, Template: "complaint.received", Data: map[string]string{"complaint": "C-SECRET-B"}})

		res = xs.as(t, a, "GET", "/me/inbox", nil)
		ids, unread := messageIDs(res)
		noMissing(t, res)
		if res.status != 200 || len(ids) != 2 {
			t.Fatalf("A's inbox: %d, %v", res.status, ids)
		}
		msgs, _ := n.Inbox(ctx, inboxA)
		newest, older := "msg-"+itoa(msgs[0].ID), "msg-"+itoa(msgs[1].ID)
		if ids[0] != newest || ids[1] != older || !unread[newest] || !unread[older] {
			t.Fatalf("order or unread marks: %v %v", ids, unread)
		}
		if !strings.Contains(res.body, "اجاره‌نامه خوانا نیست") || strings.Contains(res.body, "C-SECRET-B") {
			t.Errorf("A's inbox shows the wrong messages")
		}
		if h := byID(res.doc, "header-inbox"); len(h) != 1 || textOf(h[0]) != "صندوق پیام (۲)" {
			t.Errorf("header inbox link: %v", h)
		}
		if !strings.Contains(res.body, "۱۴۰۵") { // a Jalali year
			t.Errorf("no Jalali time on the page")
		}
		if !strings.Contains(res.body, `href="/me/cases/1405-AB12"`) {
			t.Errorf("no link to the case")
		}

		// B sees only B's message and cannot mark A's.
		res = xs.as(t, b, "GET", "/me/inbox", nil)
		if ids, _ := messageIDs(res); len(ids) != 1 || strings.Contains(res.body, "اجاره‌نامه") || !strings.Contains(res.body, "C-SECRET-B") {
			t.Errorf("B's inbox: %v", ids)
		}
		res = xs.as(t, b, "POST", "/me/inbox/"+itoa(msgs[0].ID)+"/read", url.Values{})
		if res.status != http.StatusNotFound {
			t.Errorf("B marking A's message: %d", res.status)
		}
		for _, bad := range []string{"abc", "0", "-1", "99999999999999999999"} {
			if res := xs.as(t, a, "POST", "/me/inbox/"+bad+"/read", url.Values{}); res.status != http.StatusNotFound {
				t.Errorf("mark %q: %d", bad, res.status)
			}
		}
		if u, _ := n.Unread(ctx, inboxA); u != 2 {
			t.Errorf("A unread %d after B's attempt", u)
		}

		// A marks the newest as read with a plain form.
		res = xs.as(t, a, "POST", "/me/inbox/"+itoa(msgs[0].ID)+"/read", url.Values{})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/me/inbox?done=read") {
			t.Fatalf("mark read: %d %s", res.status, res.header.Get("Location"))
		}
		res = xs.as(t, a, "GET", "/me/inbox?done=read", nil)
		noMissing(t, res)
		_, unread = messageIDs(res)
		if unread[newest] || !unread[older] {
			t.Errorf("after marking: %v", unread)
		}
		if h := byID(res.doc, "header-inbox"); len(h) != 1 || textOf(h[0]) != "صندوق پیام (۱)" {
			t.Errorf("header after marking: %v", h)
		}

		// English: the English texts.
		res = xs.send(t, a, "GET", "/me/inbox", nil, true)
		noMissing(t, res)
		if !strings.Contains(res.body, "Your application was rejected") || !strings.Contains(res.body, "Inbox (1)") {
			t.Errorf("English inbox: %s", res.body)
		}
		// Visitors are sent to sign in; someone without a national code is refused.
		if res := xs.as(t, nil, "GET", "/me/inbox", nil); res.status != http.StatusSeeOther {
			t.Errorf("visitor: %d", res.status)
		}
		staff := &identity.Principal{Kind: "user", ID: 9, Name: "کارمند", Roles: []identity.Role{identity.RoleOperator}, Agency: "NOCR"}
		if res := xs.as(t, staff, "GET", "/me/inbox", nil); res.status != http.StatusForbidden {
			t.Errorf("staff without a national code: %d", res.status)
		}
		if res := xs.as(t, staff, "GET", "/", nil); len(byID(res.doc, "header-inbox")) != 0 {
			t.Errorf("inbox link for someone without an inbox")
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}

func TestOutboxPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		outbox := notify.NewOutbox(s)
		n := notify.New(s, outbox, outbox)
		if err := outbox.Send(ctx, notify.Outgoing{Channel: "sms", To: "09121234567", Body: "درخواست 1405-AB12 تأیید شد.", NoticeID: 7}); err != nil {
			t.Fatal(err)
		}
		if err := outbox.Send(ctx, notify.Outgoing{Channel: "email", To: "a@example.ir", Subject: "تأیید درخواست", Body: "خط یک\nخط دو", NoticeID: 7}); err != nil {
			t.Fatal(err)
		}
		citizen := person(1, inboxA)
		admin := &identity.Principal{Kind: "user", ID: 3, Name: "مدیر", Roles: []identity.Role{identity.RolePlatformAdmin}}

		demo := newInboxSite(t, s, n, true)
		res := demo.as(t, nil, "GET", "/dev/outbox", nil)
		noMissing(t, res)
		if res.status != 200 || len(byID(res.doc, "outbox-warning")) != 1 || len(tableRows(res.doc, "outbox")) != 2 ||
			!strings.Contains(res.body, "09121234567") || !strings.Contains(res.body, "خط یک<br>خط دو") {
			t.Fatalf("demo outbox: %d %s", res.status, res.body)
		}
		if res := demo.send(t, nil, "GET", "/dev/outbox", nil, true); !strings.Contains(res.body, "no SMS or email was really sent") {
			t.Errorf("English outbox warning missing")
		}

		// Outside the demo: platform admins only; others get a 404.
		closed := newInboxSite(t, s, n, false)
		for _, p := range []*identity.Principal{nil, citizen} {
			if res := closed.as(t, p, "GET", "/dev/outbox", nil); res.status != http.StatusNotFound {
				t.Errorf("closed outbox for %v: %d", p, res.status)
			}
		}
		if res := closed.as(t, admin, "GET", "/dev/outbox", nil); res.status != 200 || len(tableRows(res.doc, "outbox")) != 2 {
			t.Errorf("closed outbox for an admin: %d", res.status)
		}

		// With a real provider there is no outbox page at all.
		real := &smsGateway{SendFn: func(context.Context, notify.Outgoing) error { return nil }}
		prod := newInboxSite(t, s, notify.New(s, real, real), false)
		if res := prod.as(t, admin, "GET", "/dev/outbox", nil); res.status != http.StatusNotFound {
			t.Errorf("outbox with a real provider: %d", res.status)
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}

// smsGateway stands for a real SMS provider at the edge of the world.
type smsGateway struct {
	SendFn func(context.Context, notify.Outgoing) error
}

var _ notify.Provider = (*smsGateway)(nil)

func (g *smsGateway) Name() string { return "gateway" }

func (g *smsGateway) Send(ctx context.Context, m notify.Outgoing) error { return g.SendFn(ctx, m) }

// byID returns the elements with the given id.
func byID(doc *html.Node, id string) []*html.Node {
	return all(doc, func(e *html.Node) bool { return attr(e, "id") == id })
}

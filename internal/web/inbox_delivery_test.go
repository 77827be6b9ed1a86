package web

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestInboxShowsDeliveryStatus: each message says what became of its SMS
// and email, in the page's language: sent, failed after how many tries and
// why, and, from the demo outbox, that nothing was really sent.
func TestInboxShowsDeliveryStatus(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// The gateway refuses the first number for good and takes the second.
		gw := &smsGateway{SendFn: func(_ context.Context, m notify.Outgoing) error {
			if m.To == "09121234567" {
				return notify.Permanent(notify.Fail(notify.ClassRejected, errors.New("status 411")))
			}
			return nil
		}}
		n := notify.New(s, gw, notify.NewOutbox(s))
		n.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.StopJobs(ctx) })
		data := map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب"}
		notice(t, s, n, notify.Notice{To: inboxA, Template: "case.submitted", Data: data, SMS: true, Phone: "09121234567",
			Email: true, Address: "a@example.ir"})
		notice(t, s, n, notify.Notice{To: inboxA, Template: "case.approved", Data: data, SMS: true, Phone: "09351234567"})
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			msgs, err := n.Inbox(ctx, inboxA)
			if err != nil {
				t.Fatal(err)
			}
			done := true
			for _, m := range msgs {
				for _, d := range m.Deliveries {
					done = done && d.Status != "queued" && d.Status != "retrying"
				}
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries still queued: %+v", msgs)
			}
		}

		site := newInboxSite(t, s, n, true)
		citizen := person(1, inboxA)
		statuses := func(en bool) map[string]string {
			res := site.send(t, citizen, "GET", "/me/inbox", nil, en)
			noMissing(t, res)
			if res.status != 200 {
				t.Fatalf("inbox: %d", res.status)
			}
			got := map[string]string{}
			for _, li := range all(res.doc, func(e *html.Node) bool { return attr(e, "data-status") != "" }) {
				got[attr(li, "data-channel")+"/"+attr(li, "data-status")] = textOf(li)
			}
			return got
		}
		fa := statuses(false)
		want := map[string]string{
			"sms/failed": "پیامک: پس از ۱ تلاش فرستاده نشد (سامانهٔ ارسال شماره یا نشانی یا پیام را نپذیرفت)",
			"email/sent": "رایانامه: در این نسخهٔ نمایشی واقعاً فرستاده نمی‌شود",
			"sms/sent":   "پیامک: فرستاده شد",
		}
		for k, v := range want {
			if strings.TrimSpace(fa[k]) != v {
				t.Errorf("%s: %q, want %q", k, fa[k], v)
			}
		}
		if len(fa) != 3 {
			t.Errorf("delivery lines %v", fa)
		}
		en := statuses(true)
		if got := en["sms/failed"]; got != "SMS: not sent (the provider refused the number, address or message; tries: 1)" {
			t.Errorf("English failed line %q", got)
		}
		if got := en["email/sent"]; got != "Email: not really sent in this demo" {
			t.Errorf("English outbox line %q", got)
		}
		// The page never shows the destination.
		res := site.as(t, citizen, "GET", "/me/inbox", nil)
		for _, leak := range []string{"09121234567", "09351234567", "a@example.ir"} {
			if strings.Contains(res.body, leak) {
				t.Errorf("the inbox shows %s", leak)
			}
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}

package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

const (
	phoneInput = "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷" // what a citizen may type
	phone      = "09121234567"
	address    = "sara.ahmadi@example.ir"
)

// startJobs starts River on s and stops it when the test ends.
func startJobs(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.StartJobs(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.StopJobs(ctx) })
}

// waitDeliveries waits until no delivery of notice id is queued.
func waitDeliveries(t *testing.T, n *notify.Notifier, id int64) []notify.Delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ds, err := n.Deliveries(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		done := len(ds) > 0
		for _, d := range ds {
			done = done && d.Status != "queued"
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still queued: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func latest(t *testing.T, n *notify.Notifier, to string) notify.Message {
	t.Helper()
	msgs, err := n.Inbox(context.Background(), to)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("inbox of a citizen: %d messages, %v", len(msgs), err)
	}
	return msgs[0]
}

func TestSendTxWritesInboxEventAndDeliveries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		outbox := notify.NewOutbox(s)
		n := notify.New(s, outbox, outbox).WithBaseURL("https://panjare.example.ir/")
		notice := notify.Notice{To: "۰۰۱۳۵۴۲۴۱۹", Template: "case.rejected", Data: dataFor("case.rejected"),
			SMS: true, Phone: phoneInput, Email: true, Address: address}
		notice.Data["link"] = "/me/cases/1405-7K3M-9Q"
		mustSend(t, s, n, notice)

		m := latest(t, n, citizenA)
		if m.Template != "case.rejected" || !m.Unread() || m.Link != "/me/cases/1405-7K3M-9Q" ||
			!strings.Contains(m.BodyFa, sample["reason"]) || !strings.Contains(m.BodyEn, sample["reason"]) || m.TitleEn == "" {
			t.Fatalf("message %+v", m)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "notify.notice.sent"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %v %v", evs, err)
		}
		if evs[0].Subject != citizenA {
			t.Errorf("event subject %q", evs[0].Subject)
		}
		payload := string(evs[0].Payload)
		for _, secret := range []string{phone, "9121234567", address, "sara", sample["reason"], sample["service"], m.TitleFa} {
			if strings.Contains(payload, secret) {
				t.Errorf("event payload %s carries %q", payload, secret)
			}
		}
		var body struct {
			Template string `json:"template"`
			NoticeID int64  `json:"notice_id"`
		}
		if err := json.Unmarshal(evs[0].Payload, &body); err != nil || body.Template != "case.rejected" || body.NoticeID != m.ID {
			t.Errorf("event payload %s", payload)
		}

		n.RegisterWorkers()
		startJobs(t, s)
		ds := waitDeliveries(t, n, m.ID)
		if len(ds) != 2 || ds[0].Status != "sent" || ds[1].Status != "sent" || ds[0].Channel != "sms" || ds[1].Channel != "email" {
			t.Fatalf("deliveries %+v", ds)
		}
		got, _, err := outbox.List(ctx, "", 0)
		if err != nil || len(got) != 2 {
			t.Fatalf("outbox %+v %v", got, err)
		}
		bySMS := map[string]notify.OutboxEntry{got[0].Channel: got[0], got[1].Channel: got[1]}
		if e := bySMS["sms"]; e.To != phone || e.NoticeID != m.ID || !strings.Contains(e.Body, "پذیرفته نشد") {
			t.Errorf("sms in the outbox %+v", e)
		}
		if e := bySMS["email"]; e.To != address || !strings.Contains(e.Body, "https://panjare.example.ir/me/cases/1405-7K3M-9Q") ||
			!strings.Contains(e.Body, sample["reason"]) || e.Subject == "" {
			t.Errorf("email in the outbox %+v", e)
		}
		// The outbox is idempotent per notice and channel: a repeated send
		// after a lost answer shows once.
		if err := outbox.Send(ctx, notify.Outgoing{Channel: "sms", To: phone, Body: "x", NoticeID: m.ID}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := outbox.List(ctx, "", 0); len(got) != 2 {
			t.Errorf("outbox after a repeated send: %d entries", len(got))
		}
		// No notify event anywhere carries the destination.
		all, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify."})
		for _, ev := range all {
			if strings.Contains(string(ev.Payload), "912") || strings.Contains(string(ev.Payload), "@") {
				t.Errorf("event %s payload %s", ev.Kind, ev.Payload)
			}
		}
	}, notify.Migrations())
}

func TestRollbackSendsNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var calls atomic.Int64
		p := &ProviderFunc{NameStr: "sms-test", SendFn: func(context.Context, notify.Outgoing) error {
			calls.Add(1)
			return nil
		}}
		n := notify.New(s, p, p)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.RegisterWorkers()
		startJobs(t, s)
		boom := errors.New("the caller changed its mind")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
				return err
			}
			notice := notify.Notice{To: citizenA, Template: "case.approved", Data: dataFor("case.approved"),
				SMS: true, Phone: phone, Email: true, Address: address}
			if err := n.SendTx(ctx, tx, notice); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// A notice that commits afterwards is delivered: once it is, the
		// rolled-back one would have been worked too, had it been queued.
		mustSend(t, s, n, notify.Notice{To: citizenB, Template: "case.approved", Data: dataFor("case.approved"), SMS: true, Phone: "09351234567"})
		waitDeliveries(t, n, latest(t, n, citizenB).ID)
		if msgs, _ := n.Inbox(ctx, citizenA); len(msgs) != 0 {
			t.Errorf("rolled back notice in the inbox: %+v", msgs)
		}
		if c := calls.Load(); c != 1 {
			t.Errorf("%d sends, want 1 (only the committed notice)", c)
		}
		for _, m := range p.Sent() {
			if m.To != "09351234567" {
				t.Errorf("sent to the rolled back notice's destination")
			}
		}
	}, notify.Migrations())
}

func TestDeliveryRetriesTransientFailures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var calls atomic.Int64
		p := &ProviderFunc{NameStr: "sms-test", SendFn: func(context.Context, notify.Outgoing) error {
			if calls.Add(1) <= 2 {
				return errors.New("gateway timeout while sending to 09121234567")
			}
			return nil
		}}
		n := notify.New(s, p, nil)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.RegisterWorkers()
		startJobs(t, s)
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.submitted", Data: dataFor("case.submitted"), SMS: true, Phone: phone})
		ds := waitDeliveries(t, n, latest(t, n, citizenA).ID)
		if len(ds) != 1 || ds[0].Status != "sent" || ds[0].Attempts != 3 || ds[0].Provider != "sms-test" {
			t.Fatalf("delivery %+v, want sent on the third attempt", ds)
		}
		if strings.Contains(ds[0].LastError, "912") {
			t.Errorf("last error keeps the number: %q", ds[0].LastError)
		}
		if c := calls.Load(); c != 3 {
			t.Errorf("%d calls, want 3", c)
		}
		retries, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify.delivery.retrying"})
		sent, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify.delivery.sent"})
		if len(retries) != 2 || len(sent) != 1 {
			t.Errorf("%d retrying and %d sent events", len(retries), len(sent))
		}
		for _, ev := range append(retries, sent...) {
			if strings.Contains(string(ev.Payload), "912") {
				t.Errorf("event payload %s keeps the number", ev.Payload)
			}
		}
	}, notify.Migrations())
}

func TestDeliveryStopsOnPermanentFailure(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		var calls atomic.Int64
		p := &ProviderFunc{NameStr: "sms-test", SendFn: func(context.Context, notify.Outgoing) error {
			calls.Add(1)
			return notify.Permanent(errors.New("number 09121234567 is not in service"))
		}}
		n := notify.New(s, p, nil)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.RegisterWorkers()
		startJobs(t, s)
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.submitted", Data: dataFor("case.submitted"), SMS: true, Phone: phone})
		ds := waitDeliveries(t, n, latest(t, n, citizenA).ID)
		if len(ds) != 1 || ds[0].Status != "failed" || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "not in service") {
			t.Fatalf("delivery %+v, want failed after one attempt", ds)
		}
		if strings.Contains(ds[0].LastError, "912") {
			t.Errorf("last error keeps the number: %q", ds[0].LastError)
		}
		time.Sleep(200 * time.Millisecond) // twenty retry periods
		if c := calls.Load(); c != 1 {
			t.Errorf("%d calls after a permanent failure, want 1", c)
		}
	}, notify.Migrations())
}

func TestDeliveryGivesUpAfterMaxAttempts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		var calls atomic.Int64
		p := &ProviderFunc{NameStr: "mail-test", SendFn: func(context.Context, notify.Outgoing) error {
			calls.Add(1)
			return errors.New("relay unavailable")
		}}
		n := notify.New(s, nil, p)
		n.SetRetryForTest(5*time.Millisecond, 3)
		n.RegisterWorkers()
		startJobs(t, s)
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.submitted", Data: dataFor("case.submitted"), Email: true, Address: address})
		ds := waitDeliveries(t, n, latest(t, n, citizenA).ID)
		if len(ds) != 1 || ds[0].Status != "failed" || ds[0].Attempts != 3 || ds[0].LastError != "relay unavailable" {
			t.Fatalf("delivery %+v, want failed after three attempts", ds)
		}
		time.Sleep(100 * time.Millisecond)
		if c := calls.Load(); c != 3 {
			t.Errorf("%d calls, want 3", c)
		}
	}, notify.Migrations())
}

func TestInboxIsPrivate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n := notify.New(s, nil, nil)
		for _, key := range []string{"case.submitted", "case.in_review", "case.approved"} {
			mustSend(t, s, n, notify.Notice{To: citizenA, Template: key, Data: dataFor(key)})
		}
		mustSend(t, s, n, notify.Notice{To: citizenB, Template: "complaint.received", Data: dataFor("complaint.received")})
		mustSend(t, s, n, notify.Notice{To: "agency:NOCR", Template: "case.overdue", Data: dataFor("case.overdue")})

		a, _ := n.Inbox(ctx, citizenA)
		b, _ := n.Inbox(ctx, citizenB)
		if len(a) != 3 || len(b) != 1 || a[0].Template != "case.approved" || a[2].Template != "case.submitted" || b[0].Template != "complaint.received" {
			t.Fatalf("inboxes: A %d (newest %s), B %d", len(a), a[0].Template, len(b))
		}
		if u, _ := n.Unread(ctx, citizenA); u != 3 {
			t.Errorf("A unread %d", u)
		}
		// B cannot mark A's message: it is not found, and stays unread.
		if err := n.MarkRead(ctx, citizenB, a[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("B marking A's message: %v, want not found", err)
		}
		if err := n.MarkRead(ctx, citizenA, 1<<40); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown message: %v", err)
		}
		if u, _ := n.Unread(ctx, citizenA); u != 3 {
			t.Errorf("A unread %d after B's attempt", u)
		}
		if err := n.MarkRead(ctx, citizenA, a[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := n.MarkRead(ctx, citizenA, a[0].ID); err != nil {
			t.Fatalf("marking again: %v", err)
		}
		if u, _ := n.Unread(ctx, citizenA); u != 2 {
			t.Errorf("A unread %d, want 2", u)
		}
		if read, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify.notice.read"}); len(read) != 1 || read[0].Subject != citizenA {
			t.Errorf("read events %+v", read)
		}
		if a, _ = n.Inbox(ctx, citizenA); a[0].Unread() || !a[1].Unread() {
			t.Errorf("read marks: %+v", a)
		}
		if u, _ := n.Unread(ctx, citizenB); u != 1 {
			t.Errorf("B unread %d", u)
		}
		if ag, _ := n.Inbox(ctx, "agency:NOCR"); len(ag) != 1 || ag[0].Template != "case.overdue" {
			t.Errorf("agency inbox %+v", ag)
		}
		if _, err := n.Inbox(ctx, "12"); !errs.Is(err, errs.Invalid) {
			t.Errorf("inbox of a bad code: %v", err)
		}
	}, notify.Migrations())
}

func TestParseMobile(t *testing.T) {
	for _, in := range []string{"09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "+989121234567", "+98 912 123 4567",
		"00989121234567", "989121234567", "9121234567", "0912-123-4567", "(0912) 123 4567", phoneInput} {
		got, err := notify.ParseMobile(in)
		if err != nil || got != phone {
			t.Errorf("ParseMobile(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0912123456", "091212345678", "08121234567", "02188776655", "+19121234567",
		"0912123456a", "۰۹۱۲۱۲۳۴۵۶", "+98 21 8877 6655"} {
		_, err := notify.ParseMobile(in)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseMobile(%q) err = %v, want invalid", in, err)
			continue
		}
		// The message never depends on (and so never repeats) the number.
		fa, en := errs.Messages(err)
		if _, want := notify.ParseMobile("x"); err.Error() != want.Error() || !strings.Contains(fa, "همراه") {
			t.Errorf("ParseMobile(%q) message %q / %q", in, fa, en)
		}
	}
	for in, ok := range map[string]bool{"a@example.ir": true, "sara.ahmadi@mail.example.ir": true, "a@b": false,
		"Sara <a@example.ir>": false, "no-at.example.ir": false, "": false} {
		if _, err := notify.ParseEmail(in); (err == nil) != ok {
			t.Errorf("ParseEmail(%q) = %v", in, err)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"number 09121234567 is not in service":      "number [number] is not in service",
		"رد شد: ۰۹۱۲ ۱۲۳ ۴۵۶۷":                      "رد شد: [number]",
		"mailbox sara@example.ir full":              "mailbox [address] full",
		"national code 0013542419 blocked":          "national code [number] blocked",
		"HTTP 503 after 3 attempts":                 "HTTP 503 after 3 attempts",
		"rejected: +98 912 123 4567 is unreachable": "rejected: [number] is unreachable",
	} {
		if got := notify.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

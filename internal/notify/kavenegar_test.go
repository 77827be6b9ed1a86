package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/notify/notifytest"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func newKavenegar(t *testing.T, k *notifytest.Kavenegar, timeout time.Duration) *notify.Kavenegar {
	t.Helper()
	p, err := notify.NewKavenegar(notify.KavenegarConfig{APIKey: notifytest.KavenegarKey, Sender: notifytest.KavenegarSender, BaseURL: k.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKavenegarErrorReplies(t *testing.T) {
	k := notifytest.NewKavenegar(t)
	p := newKavenegar(t, k, 300*time.Millisecond)
	ctx := context.Background()
	sms := notify.Outgoing{Channel: "sms", To: phone, Body: "درخواست ۱۴۰۵-۷K۳M-۹Q ثبت شد.", NoticeID: 41}
	for _, c := range []struct {
		name      string
		fault     func(http.ResponseWriter)
		class     string
		permanent bool
	}{
		{"wrong key", notifytest.StatusReply(403, "کد شناسائی API-Key معتبر نمی‌باشد"), notify.ClassAuth, false},
		{"account disabled", notifytest.StatusReply(401, "حساب کاربری غیرفعال شده است"), notify.ClassAuth, false},
		{"no credit", notifytest.StatusReply(418, "اعتبار حساب شما کافی نیست"), notify.ClassRefused, false},
		{"server busy", notifytest.StatusReply(409, "سرور قادر به پاسخگوئی نیست لطفا بعدا تلاش کنید"), notify.ClassRefused, false},
		{"receptor refused", notifytest.StatusReply(411, "دریافت کننده نامعتبر است"), notify.ClassRejected, true},
		{"message too long", notifytest.StatusReply(413, "پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد"), notify.ClassRejected, true},
		{"proxy error page", notifytest.RawReply(502, "<html><body>Bad Gateway</body></html>"), notify.ClassRefused, false},
		{"not JSON", notifytest.RawReply(200, "<html>maintenance</html>"), notify.ClassMalformed, false},
		{"no return", notifytest.RawReply(200, `{"entries":[]}`), notify.ClassMalformed, false},
		{"no entries", notifytest.RawReply(200, `{"return":{"status":200,"message":"تایید شد"},"entries":[]}`), notify.ClassMalformed, false},
		{"blocked by the recipient", notifytest.RawReply(200, `{"return":{"status":200,"message":"تایید شد"},"entries":[{"messageid":8792343,"status":14,"statustext":"بلاک شده"}]}`),
			notify.ClassRejected, true},
		{"timeout", notifytest.SlowReply(time.Second), notify.ClassTimeout, false},
	} {
		k.Fail(c.fault)
		err := p.Send(ctx, sms)
		if err == nil || notify.ErrorClass(err) != c.class || notify.IsPermanent(err) != c.permanent {
			t.Errorf("%s: %v (class %q, permanent %v), want class %q, permanent %v", c.name, err, notify.ErrorClass(err), notify.IsPermanent(err), c.class, c.permanent)
			continue
		}
		if strings.Contains(err.Error(), notifytest.KavenegarKey) || strings.Contains(err.Error(), k.URL) {
			t.Errorf("%s: the error names the key or the URL: %v", c.name, err)
		}
	}
	// The real replies of the local gateway, not queued faults.
	for _, c := range []struct {
		name, key, sender, to string
		class                 string
	}{
		{"wrong key", "WRONG", notifytest.KavenegarSender, phone, notify.ClassAuth},
		{"wrong sender", notifytest.KavenegarKey, "3000", phone, notify.ClassAuth},
	} {
		q, err := notify.NewKavenegar(notify.KavenegarConfig{APIKey: c.key, Sender: c.sender, BaseURL: k.URL})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Send(ctx, sms); notify.ErrorClass(err) != c.class || strings.Contains(err.Error(), c.key) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if err := p.Send(ctx, notify.Outgoing{Channel: "sms", To: "02188776655", Body: "x", NoticeID: 42}); !notify.IsPermanent(err) ||
		notify.ErrorClass(err) != notify.ClassRejected || strings.Contains(err.Error(), "8877") {
		t.Errorf("a landline: %v", err)
	}
	// A gateway that cannot be reached at all.
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	q, _ := notify.NewKavenegar(notify.KavenegarConfig{APIKey: notifytest.KavenegarKey, BaseURL: url})
	if err := q.Send(ctx, sms); notify.ErrorClass(err) != notify.ClassUnreachable || strings.Contains(err.Error(), notifytest.KavenegarKey) {
		t.Errorf("a closed port: %v (%s)", err, notify.ErrorClass(err))
	}
	if len(k.Messages()) != 0 {
		t.Errorf("the gateway took %d messages through faults", len(k.Messages()))
	}
	// The one that goes through carries what the API asks for.
	if err := p.Send(ctx, notify.Outgoing{Channel: "sms", To: "+۹۸ ۹۳۵ ۱۲۳ ۴۵۶۷", Body: sms.Body, NoticeID: 43}); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, notify.Outgoing{Channel: "sms", To: "09351234567", Body: sms.Body, NoticeID: 43}); err != nil {
		t.Fatal(err)
	}
	got := k.Messages()
	if len(got) != 1 || got[0].Receptor != "09351234567" || got[0].Sender != notifytest.KavenegarSender || got[0].Message != sms.Body || got[0].LocalID != "43" {
		t.Errorf("the gateway has %+v, want one message (the localid is sent once)", got)
	}
}

func TestKavenegarConfig(t *testing.T) {
	for _, c := range []notify.KavenegarConfig{
		{},
		{APIKey: "a/b"},
		{APIKey: "k", Sender: "1000-43"},
		{APIKey: "k", BaseURL: "http://api.example.ir"},
		{APIKey: "k", BaseURL: "ftp://api.example.ir"},
	} {
		if _, err := notify.NewKavenegar(c); err == nil {
			t.Errorf("NewKavenegar(%+v) took it", c)
		} else if c.APIKey != "" && strings.Contains(err.Error(), c.APIKey) && c.APIKey != "k" {
			t.Errorf("the error repeats the key: %v", err)
		}
	}
	if _, err := notify.NewKavenegar(notify.KavenegarConfig{APIKey: "k", Sender: "10004346"}); err != nil {
		t.Error(err)
	}
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSMSThroughKavenegarIsRetriedAndReported(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := notifytest.NewKavenegar(t)
		n := notify.New(s, newKavenegar(t, k, 200*time.Millisecond), nil)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.SetReportForTest(10*time.Millisecond, time.Minute)
		n.RegisterWorkers()
		// A timeout, then a reply that is not JSON, then the gateway works.
		k.Fail(notifytest.SlowReply(time.Second), notifytest.RawReply(200, "<html>"))
		startJobs(t, s)
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.approved", Data: dataFor("case.approved"), SMS: true, Phone: phoneInput})
		m := latest(t, n, citizenA)
		ds := waitDeliveries(t, n, m.ID)
		if len(ds) != 1 || ds[0].Status != "sent" || ds[0].Attempts != 3 || ds[0].Provider != "kavenegar" || ds[0].ErrorClass != "" {
			t.Fatalf("delivery %+v, want sent on the third attempt", ds)
		}
		got := k.Messages()
		if len(got) != 1 || got[0].Receptor != phone || got[0].LocalID != strconv.FormatInt(m.ID, 10) || !strings.Contains(got[0].Message, "تأیید شد") {
			t.Fatalf("the gateway has %+v", got)
		}
		var classes []string
		retries, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify.delivery.retrying"})
		for _, ev := range retries {
			var p struct{ Class, Error string }
			json.Unmarshal(ev.Payload, &p)
			classes = append(classes, p.Class)
			if strings.Contains(string(ev.Payload), notifytest.KavenegarKey) || strings.Contains(string(ev.Payload), "912") {
				t.Errorf("event payload %s", ev.Payload)
			}
		}
		if strings.Join(classes, ",") != "timeout,malformed" {
			t.Errorf("retry classes %v", classes)
		}
		// The inbox says it was sent, not yet delivered; then the gateway
		// reports delivery and the inbox says so.
		if d := latest(t, n, citizenA).Deliveries; len(d) != 1 || d[0].Status != "sent" || d[0].Channel != "sms" {
			t.Errorf("inbox deliveries %+v", d)
		}
		// A status reply that cannot be read is asked again.
		k.Fail(notifytest.RawReply(200, "<html>"))
		k.SetStatus(10)
		waitFor(t, "the delivery report", func() bool {
			d := latest(t, n, citizenA).Deliveries
			return len(d) == 1 && d[0].Status == "delivered"
		})
		if ds, _ := n.Deliveries(ctx, m.ID); ds[0].DeliveredAt == nil || !strings.HasPrefix(ds[0].Report, "10 ") {
			t.Errorf("delivery after the report %+v", ds[0])
		}
		if evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify.delivery.delivered"}); len(evs) != 1 || evs[0].Subject != citizenA {
			t.Errorf("delivered events %+v", evs)
		}

		// A message the operator could not deliver fails, with its class.
		mustSend(t, s, n, notify.Notice{To: citizenB, Template: "case.approved", Data: dataFor("case.approved"), SMS: true, Phone: "09351234567"})
		mb := latest(t, n, citizenB)
		waitDeliveries(t, n, mb.ID)
		k.SetStatus(11)
		waitFor(t, "the undelivered report", func() bool {
			d := latest(t, n, citizenB).Deliveries
			return len(d) == 1 && d[0].Status == "failed" && d[0].ErrorClass == notify.ClassUndelivered
		})
	}, notify.Migrations())
}

func TestSMSRefusedByKavenegarFailsAtOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		k := notifytest.NewKavenegar(t)
		n := notify.New(s, newKavenegar(t, k, time.Second), nil)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.RegisterWorkers()
		k.Fail(notifytest.StatusReply(411, "دریافت کننده نامعتبر است"))
		startJobs(t, s)
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.submitted", Data: dataFor("case.submitted"), SMS: true, Phone: phone})
		m := latest(t, n, citizenA)
		ds := waitDeliveries(t, n, m.ID)
		if len(ds) != 1 || ds[0].Status != "failed" || ds[0].Attempts != 1 || ds[0].ErrorClass != notify.ClassRejected ||
			!strings.Contains(ds[0].LastError, "411") {
			t.Fatalf("delivery %+v, want failed after one attempt, rejected", ds)
		}
		if d := latest(t, n, citizenA).Deliveries; len(d) != 1 || d[0].Status != "failed" || d[0].Attempts != 1 || d[0].ErrorClass != "rejected" {
			t.Errorf("inbox deliveries %+v", d)
		}
	}, notify.Migrations())
}

package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

const (
	kavenegarKey    = "4F6B2D70-SECRET-KEY-7A"
	kavenegarSender = "10004346"
)

// kavenegarSMS is one message the local gateway accepted.
type kavenegarSMS struct {
	MessageID int64
	LocalID   string
	Receptor  string
	Sender    string
	Message   string
	Status    int
}

// kavenegarServer speaks Kavenegar's REST API (sms/send.json and
// sms/statuslocalmessageid.json) on a local port: the key in the path, the
// form fields, the return envelope with its statuses and error replies, and
// a localid that is never sent twice. Faults queued with fail answer the
// next calls instead.
type kavenegarServer struct {
	*httptest.Server

	mu     sync.Mutex
	sms    []*kavenegarSMS
	faults []func(http.ResponseWriter) // answer the next calls, in order
	calls  int
}

func newKavenegarServer(t *testing.T) *kavenegarServer {
	t.Helper()
	k := &kavenegarServer{}
	k.Server = httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(k.Close)
	return k
}

var receptorPattern = regexp.MustCompile(`^09[0-9]{9}$`)

func kavenegarReply(w http.ResponseWriter, status int, message string, entries any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status != 200 {
		w.WriteHeader(status)
	}
	json.NewEncoder(w).Encode(map[string]any{"return": map[string]any{"status": status, "message": message}, "entries": entries})
}

func (k *kavenegarServer) serve(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	if len(k.faults) > 0 {
		f := k.faults[0]
		k.faults = k.faults[1:]
		k.mu.Unlock()
		f(w)
		k.mu.Lock()
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "v1" || parts[2] != "sms" {
		kavenegarReply(w, 404, "متد مورد نظر پیدا نشد", nil)
		return
	}
	if parts[1] != kavenegarKey {
		kavenegarReply(w, 403, "کد شناسائی API-Key معتبر نمی‌باشد", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		kavenegarReply(w, 400, "پارامترها ناقص هستند", nil)
		return
	}
	switch parts[3] {
	case "send.json":
		receptor, message, sender, localID := r.Form.Get("receptor"), r.Form.Get("message"), r.Form.Get("sender"), r.Form.Get("localid")
		switch {
		case receptor == "":
			kavenegarReply(w, 400, "پارامترها ناقص هستند", nil)
			return
		case !receptorPattern.MatchString(receptor):
			kavenegarReply(w, 411, "دریافت کننده نامعتبر است", nil)
			return
		case message == "":
			kavenegarReply(w, 413, "پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد", nil)
			return
		case sender != "" && sender != kavenegarSender:
			kavenegarReply(w, 412, "ارسال کننده نامعتبر است", nil)
			return
		}
		var m *kavenegarSMS
		for _, s := range k.sms {
			if localID != "" && s.LocalID == localID {
				m = s // Kavenegar sends a localid once, and answers with the first message
			}
		}
		if m == nil {
			m = &kavenegarSMS{MessageID: int64(8792340 + len(k.sms)), LocalID: localID, Receptor: receptor, Sender: sender, Message: message, Status: 1}
			k.sms = append(k.sms, m)
		}
		kavenegarReply(w, 200, "تایید شد", []map[string]any{{"messageid": m.MessageID, "message": m.Message, "status": m.Status,
			"statustext": "در صف ارسال", "sender": m.Sender, "receptor": m.Receptor, "date": time.Now().Unix(), "cost": 120}})
	case "statuslocalmessageid.json":
		localID := r.Form.Get("localid")
		for _, s := range k.sms {
			if s.LocalID == localID {
				kavenegarReply(w, 200, "تایید شد", []map[string]any{{"messageid": s.MessageID, "localid": localID, "status": s.Status,
					"statustext": map[int]string{1: "در صف ارسال", 10: "رسیده به گیرنده", 11: "نرسیده به گیرنده"}[s.Status]}})
				return
			}
		}
		kavenegarReply(w, 200, "تایید شد", []map[string]any{{"messageid": 0, "localid": localID, "status": 100, "statustext": "شناسه نامعتبر"}})
	default:
		kavenegarReply(w, 404, "متد مورد نظر پیدا نشد", nil)
	}
}

// fail queues faults for the next calls.
func (k *kavenegarServer) fail(fs ...func(http.ResponseWriter)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = append(k.faults, fs...)
}

// setStatus sets the delivery status of every message the gateway holds.
func (k *kavenegarServer) setStatus(status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, s := range k.sms {
		s.Status = status
	}
}

func (k *kavenegarServer) messages() []kavenegarSMS {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []kavenegarSMS
	for _, s := range k.sms {
		out = append(out, *s)
	}
	return out
}

// Faults a gateway may answer with.
func statusReply(status int, message string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { kavenegarReply(w, status, message, nil) }
}

func slowReply(d time.Duration) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { time.Sleep(d); kavenegarReply(w, 200, "تایید شد", []any{}) }
}

func rawReply(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code); w.Write([]byte(body)) }
}

func newKavenegar(t *testing.T, k *kavenegarServer, timeout time.Duration) *notify.Kavenegar {
	t.Helper()
	p, err := notify.NewKavenegar(notify.KavenegarConfig{APIKey: kavenegarKey, Sender: kavenegarSender, BaseURL: k.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKavenegarErrorReplies(t *testing.T) {
	k := newKavenegarServer(t)
	p := newKavenegar(t, k, 300*time.Millisecond)
	ctx := context.Background()
	sms := notify.Outgoing{Channel: "sms", To: phone, Body: "درخواست ۱۴۰۵-۷K۳M-۹Q ثبت شد.", NoticeID: 41}
	for _, c := range []struct {
		name      string
		fault     func(http.ResponseWriter)
		class     string
		permanent bool
	}{
		{"wrong key", statusReply(403, "کد شناسائی API-Key معتبر نمی‌باشد"), notify.ClassAuth, false},
		{"account disabled", statusReply(401, "حساب کاربری غیرفعال شده است"), notify.ClassAuth, false},
		{"no credit", statusReply(418, "اعتبار حساب شما کافی نیست"), notify.ClassRefused, false},
		{"server busy", statusReply(409, "سرور قادر به پاسخگوئی نیست لطفا بعدا تلاش کنید"), notify.ClassRefused, false},
		{"receptor refused", statusReply(411, "دریافت کننده نامعتبر است"), notify.ClassRejected, true},
		{"message too long", statusReply(413, "پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد"), notify.ClassRejected, true},
		{"proxy error page", rawReply(502, "<html><body>Bad Gateway</body></html>"), notify.ClassRefused, false},
		{"not JSON", rawReply(200, "<html>maintenance</html>"), notify.ClassMalformed, false},
		{"no return", rawReply(200, `{"entries":[]}`), notify.ClassMalformed, false},
		{"no entries", rawReply(200, `{"return":{"status":200,"message":"تایید شد"},"entries":[]}`), notify.ClassMalformed, false},
		{"timeout", slowReply(time.Second), notify.ClassTimeout, false},
	} {
		k.fail(c.fault)
		err := p.Send(ctx, sms)
		if err == nil || notify.ErrorClass(err) != c.class || notify.IsPermanent(err) != c.permanent {
			t.Errorf("%s: %v (class %q, permanent %v), want class %q, permanent %v", c.name, err, notify.ErrorClass(err), notify.IsPermanent(err), c.class, c.permanent)
			continue
		}
		if strings.Contains(err.Error(), kavenegarKey) || strings.Contains(err.Error(), k.URL) {
			t.Errorf("%s: the error names the key or the URL: %v", c.name, err)
		}
	}
	// The real replies of the local gateway, not queued faults.
	for _, c := range []struct {
		name, key, sender, to string
		class                 string
	}{
		{"wrong key", "WRONG", kavenegarSender, phone, notify.ClassAuth},
		{"wrong sender", kavenegarKey, "3000", phone, notify.ClassAuth},
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
	q, _ := notify.NewKavenegar(notify.KavenegarConfig{APIKey: kavenegarKey, BaseURL: url})
	if err := q.Send(ctx, sms); notify.ErrorClass(err) != notify.ClassUnreachable || strings.Contains(err.Error(), kavenegarKey) {
		t.Errorf("a closed port: %v (%s)", err, notify.ErrorClass(err))
	}
	if len(k.messages()) != 0 {
		t.Errorf("the gateway took %d messages through faults", len(k.messages()))
	}
	// The one that goes through carries what the API asks for.
	if err := p.Send(ctx, notify.Outgoing{Channel: "sms", To: "+۹۸ ۹۳۵ ۱۲۳ ۴۵۶۷", Body: sms.Body, NoticeID: 43}); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, notify.Outgoing{Channel: "sms", To: "09351234567", Body: sms.Body, NoticeID: 43}); err != nil {
		t.Fatal(err)
	}
	got := k.messages()
	if len(got) != 1 || got[0].Receptor != "09351234567" || got[0].Sender != kavenegarSender || got[0].Message != sms.Body || got[0].LocalID != "43" {
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
		k := newKavenegarServer(t)
		n := notify.New(s, newKavenegar(t, k, 200*time.Millisecond), nil)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.SetReportForTest(10*time.Millisecond, time.Minute)
		n.RegisterWorkers()
		// A timeout, then a reply that is not JSON, then the gateway works.
		k.fail(slowReply(time.Second), rawReply(200, "<html>"))
		startJobs(t, s)
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.approved", Data: dataFor("case.approved"), SMS: true, Phone: phoneInput})
		m := latest(t, n, citizenA)
		ds := waitDeliveries(t, n, m.ID)
		if len(ds) != 1 || ds[0].Status != "sent" || ds[0].Attempts != 3 || ds[0].Provider != "kavenegar" || ds[0].ErrorClass != "" {
			t.Fatalf("delivery %+v, want sent on the third attempt", ds)
		}
		got := k.messages()
		if len(got) != 1 || got[0].Receptor != phone || got[0].LocalID != strconv.FormatInt(m.ID, 10) || !strings.Contains(got[0].Message, "تأیید شد") {
			t.Fatalf("the gateway has %+v", got)
		}
		var classes []string
		retries, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify.delivery.retrying"})
		for _, ev := range retries {
			var p struct{ Class, Error string }
			json.Unmarshal(ev.Payload, &p)
			classes = append(classes, p.Class)
			if strings.Contains(string(ev.Payload), kavenegarKey) || strings.Contains(string(ev.Payload), "912") {
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
		k.setStatus(10)
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
		k.setStatus(11)
		waitFor(t, "the undelivered report", func() bool {
			d := latest(t, n, citizenB).Deliveries
			return len(d) == 1 && d[0].Status == "failed" && d[0].ErrorClass == notify.ClassUndelivered
		})
	}, notify.Migrations())
}

func TestSMSRefusedByKavenegarFailsAtOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		k := newKavenegarServer(t)
		n := notify.New(s, newKavenegar(t, k, time.Second), nil)
		n.SetRetryForTest(10*time.Millisecond, 5)
		n.RegisterWorkers()
		k.fail(statusReply(411, "دریافت کننده نامعتبر است"))
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

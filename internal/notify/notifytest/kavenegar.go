package notifytest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The key and sender line the local gateway accepts.
const (
	KavenegarKey    = "4F6B2D70-SECRET-KEY-7A"
	KavenegarSender = "10004346"
)

// SMS is one message the local gateway accepted.
type SMS struct {
	MessageID int64
	LocalID   string
	Receptor  string
	Sender    string
	Message   string
	Status    int
}

// Kavenegar speaks Kavenegar's REST API (sms/send.json and
// sms/statuslocalmessageid.json) on a local port: the key in the path, the
// form fields, the return envelope with its statuses and error replies, and
// a localid that is never sent twice. Faults queued with Fail answer the
// next calls instead.
type Kavenegar struct {
	*httptest.Server

	mu     sync.Mutex
	sms    []*SMS
	faults []func(http.ResponseWriter) // answer the next calls, in order
	calls  int
}

// NewKavenegar starts the gateway for the test.
func NewKavenegar(t testing.TB) *Kavenegar {
	t.Helper()
	k := &Kavenegar{}
	k.Server = httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(k.Close)
	return k
}

var receptorPattern = regexp.MustCompile(`^09[0-9]{9}$`)

func reply(w http.ResponseWriter, status int, message string, entries any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status != 200 {
		w.WriteHeader(status)
	}
	json.NewEncoder(w).Encode(map[string]any{"return": map[string]any{"status": status, "message": message}, "entries": entries})
}

func (k *Kavenegar) serve(w http.ResponseWriter, r *http.Request) {
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
		reply(w, 404, "متد مورد نظر پیدا نشد", nil)
		return
	}
	if parts[1] != KavenegarKey {
		reply(w, 403, "کد شناسائی API-Key معتبر نمی‌باشد", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		reply(w, 400, "پارامترها ناقص هستند", nil)
		return
	}
	switch parts[3] {
	case "send.json":
		receptor, message, sender, localID := r.Form.Get("receptor"), r.Form.Get("message"), r.Form.Get("sender"), r.Form.Get("localid")
		switch {
		case receptor == "":
			reply(w, 400, "پارامترها ناقص هستند", nil)
			return
		case !receptorPattern.MatchString(receptor):
			reply(w, 411, "دریافت کننده نامعتبر است", nil)
			return
		case message == "":
			reply(w, 413, "پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد", nil)
			return
		case sender != "" && sender != KavenegarSender:
			reply(w, 412, "ارسال کننده نامعتبر است", nil)
			return
		}
		var m *SMS
		for _, s := range k.sms {
			if localID != "" && s.LocalID == localID {
				m = s // Kavenegar sends a localid once, and answers with the first message
			}
		}
		if m == nil {
			m = &SMS{MessageID: int64(8792340 + len(k.sms)), LocalID: localID, Receptor: receptor, Sender: sender, Message: message, Status: 1}
			k.sms = append(k.sms, m)
		}
		reply(w, 200, "تایید شد", []map[string]any{{"messageid": m.MessageID, "message": m.Message, "status": m.Status,
			"statustext": "در صف ارسال", "sender": m.Sender, "receptor": m.Receptor, "date": time.Now().Unix(), "cost": 120}})
	case "statuslocalmessageid.json":
		localID := r.Form.Get("localid")
		for _, s := range k.sms {
			if s.LocalID == localID {
				reply(w, 200, "تایید شد", []map[string]any{{"messageid": s.MessageID, "localid": localID, "status": s.Status,
					"statustext": map[int]string{1: "در صف ارسال", 10: "رسیده به گیرنده", 11: "نرسیده به گیرنده"}[s.Status]}})
				return
			}
		}
		reply(w, 200, "تایید شد", []map[string]any{{"messageid": 0, "localid": localID, "status": 100, "statustext": "شناسه نامعتبر"}})
	default:
		reply(w, 404, "متد مورد نظر پیدا نشد", nil)
	}
}

// Fail queues faults for the next calls.
func (k *Kavenegar) Fail(fs ...func(http.ResponseWriter)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = append(k.faults, fs...)
}

// SetStatus sets the delivery status of every message the gateway holds.
func (k *Kavenegar) SetStatus(status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, s := range k.sms {
		s.Status = status
	}
}

// Messages returns what the gateway accepted, oldest first.
func (k *Kavenegar) Messages() []SMS {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []SMS
	for _, s := range k.sms {
		out = append(out, *s)
	}
	return out
}

// StatusReply answers with Kavenegar's error envelope.
func StatusReply(status int, message string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { reply(w, status, message, nil) }
}

// SlowReply answers after d.
func SlowReply(d time.Duration) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { time.Sleep(d); reply(w, 200, "تایید شد", []any{}) }
}

// RawReply answers body as it is, with code.
func RawReply(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code); w.Write([]byte(body)) }
}

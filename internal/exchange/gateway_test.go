package exchange_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

// The test world: NOCR's population register provides two services, INTA's
// tax system is a client with rights, INTA's audit system is registered
// but has none.
const (
	gwCitizen  = "0067749828"
	gwCitizen2 = "0499370899"
)

var gwSets = []store.MigrationSet{identity.Migrations(), exchange.Migrations()}

var (
	gwProvider = exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "NOCR", Subsystem: "population"}
	gwClient   = exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "tax"}
	gwOther    = exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "audit"}
	gwPerson   = exchange.ServiceID{Provider: gwProvider, Code: "person-identity"}
	gwStatus   = exchange.ServiceID{Provider: gwProvider, Code: "status"}
	gwAlive    = exchange.ServiceID{Provider: gwProvider, Code: "alive"} // personal, granted with consent required
)

const gwPersonAPI = `{"openapi":"3.0.3","info":{"title":"person identity","version":"1"},
"paths":{"/persons/{code}":{"get":{"responses":{"200":{"description":"ok"}}}},"/echo":{"post":{"responses":{"200":{"description":"ok"}}}},
"/big":{"get":{"responses":{"200":{"description":"ok"}}}},"/slow":{"get":{"responses":{"200":{"description":"ok"}}}}}}`

const gwStatusAPI = `{"openapi":"3.0.3","info":{"title":"status","version":"1"},
"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}},"post":{"responses":{"200":{"description":"ok"}}}},"/flaky":{"get":{"responses":{"200":{"description":"ok"}}}}}}`

const gwAliveAPI = `{"openapi":"3.0.3","info":{"title":"alive","version":"1"},
"paths":{"/alive/{code}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`

// gwBackend is a provider back end whose behaviour a test can switch.
type gwBackend struct {
	srv      *httptest.Server
	hits     atomic.Int64
	mu       sync.Mutex
	handler  http.HandlerFunc
	last     *http.Request
	lastBody []byte
}

func (b *gwBackend) set(h http.HandlerFunc) {
	b.mu.Lock()
	b.handler = h
	b.mu.Unlock()
}

func (b *gwBackend) seen() (*http.Request, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.lastBody
}

func gwDefaultHandler(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/persons/"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":%q,"name":"مریم احمدی"}`, strings.TrimPrefix(r.URL.Path, "/api/persons/"))
	case r.URL.Path == "/api/echo":
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(append([]byte("echo:"), b...))
	case r.URL.Path == "/api/big":
		w.Header().Set("Content-Type", "application/octet-stream")
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for range 40 { // 2.5 MiB
			w.Write(chunk)
		}
	default:
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "pong")
	}
}

type gwFixture struct {
	s       *store.Store
	x       *exchange.Exchange
	g       *exchange.Gateway
	backend *gwBackend
	local   *httptest.Server // the loopback listener (ByHeader)
	reg     *prometheus.Registry
}

// gwSetup registers the test world, starts a back end and a loopback
// gateway listener.
func gwSetup(t testing.TB, s *store.Store, cfg exchange.GatewayConfig) *gwFixture {
	t.Helper()
	ctx := context.Background()
	f := &gwFixture{s: s, x: exchange.New(s, "IR"), backend: &gwBackend{handler: gwDefaultHandler}}
	f.backend.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.backend.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.backend.mu.Lock()
		f.backend.last, f.backend.lastBody = r.Clone(context.Background()), body
		h := f.backend.handler
		f.backend.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.backend.srv.Close)

	admin := identity.System
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.x.RegisterMember(ctx, admin, exchange.Member{Class: "GOV", Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration"}))
	must(f.x.RegisterMember(ctx, admin, exchange.Member{Class: "GOV", Code: "INTA", NameFa: "سازمان امور مالیاتی کشور", NameEn: "Iran National Tax Administration"}))
	must(f.x.RegisterSubsystem(ctx, admin, exchange.Subsystem{ID: gwProvider, NameFa: "ثبت جمعیت"}))
	must(f.x.RegisterSubsystem(ctx, admin, exchange.Subsystem{ID: gwClient, NameFa: "سامانهٔ مالیات"}))
	must(f.x.RegisterSubsystem(ctx, admin, exchange.Subsystem{ID: gwOther, NameFa: "سامانهٔ حسابرسی"}))
	nocr := exchange.OperatorFor("NOCR")
	base := f.backend.srv.URL + "/api"
	must(f.x.RegisterService(ctx, nocr, exchange.DataService{ID: gwPerson, Version: "1.0", TitleFa: "هویت اشخاص", OpenAPI: gwPersonAPI, BackendURL: base, Personal: true}))
	must(f.x.RegisterService(ctx, nocr, exchange.DataService{ID: gwStatus, Version: "2", TitleFa: "وضعیت", OpenAPI: gwStatusAPI, BackendURL: base}))
	must(f.x.RegisterService(ctx, nocr, exchange.DataService{ID: gwAlive, Version: "1", TitleFa: "در قید حیات", OpenAPI: gwAliveAPI, BackendURL: base, Personal: true}))
	for _, svc := range []exchange.ServiceID{gwPerson, gwStatus} {
		_, err := f.x.Grant(ctx, nocr, exchange.AccessRight{Service: svc, Client: gwClient, LegalBasis: "قانون مالیات‌های مستقیم، مادهٔ ۱۶۹"})
		must(err)
	}
	_, err := f.x.Grant(ctx, nocr, exchange.AccessRight{Service: gwAlive, Client: gwClient, RequiresConsent: true})
	must(err)

	f.reg = prometheus.NewRegistry()
	if cfg.Metrics == nil {
		cfg.Metrics = f.reg
	}
	f.g, err = exchange.NewGateway(ctx, f.x, cfg)
	must(err)
	t.Cleanup(func() { f.g.Close(context.Background()) })
	f.local = httptest.NewServer(f.g.Handler(exchange.ByHeader))
	t.Cleanup(f.local.Close)
	return f
}

// call sends one request to the loopback listener as client.
func (f *gwFixture) call(t *testing.T, method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, f.local.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(exchange.HeaderIMClient, gwClient.String())
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func gwSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// wantProblem checks a typed exchange error.
func wantProblem(t *testing.T, resp *http.Response, body []byte, status int, code string) exchange.ExchangeProblem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p exchange.ExchangeProblem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, body)
	}
	if p.Code != code || p.Type != "urn:panjare:exchange:"+strings.TrimPrefix(code, "exchange.") || p.Status != status {
		t.Fatalf("problem %+v, want code %s status %d", p, code, status)
	}
	if p.TitleFa == "" || p.Title == "" {
		t.Fatalf("problem without Persian and English titles: %s", body)
	}
	return p
}

func TestGatewayForwardsSignsAndLogs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		ctx := context.Background()
		path := "/r1/IR/GOV/NOCR/population/person-identity/persons/" + gwCitizen
		resp, body := f.call(t, "GET", path+"?fields=name", nil, map[string]string{
			exchange.HeaderSubject: gwCitizen, exchange.HeaderPurpose: "بررسی پروندهٔ مالیاتی", exchange.HeaderIssue: "CASE-42",
			"Connection": "X-Hop", "X-Hop": "secret-hop", "X-Custom": "kept",
		})
		if resp.StatusCode != 200 || !strings.Contains(string(body), gwCitizen) {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
		req, _ := f.backend.seen()
		if req.URL.Path != "/api/persons/"+gwCitizen || req.URL.RawQuery != "fields=name" {
			t.Fatalf("provider saw %s?%s", req.URL.Path, req.URL.RawQuery)
		}
		if req.Header.Get(exchange.HeaderClient) != gwClient.String() || req.Header.Get(exchange.HeaderSubject) != gwCitizen ||
			req.Header.Get(exchange.HeaderIssue) != "CASE-42" || req.Header.Get(exchange.HeaderID) != resp.Header.Get(exchange.HeaderID) ||
			req.Header.Get(exchange.HeaderPurpose) == "" {
			t.Fatalf("provider headers %v", req.Header)
		}
		if req.Header.Get(exchange.HeaderIMClient) != "" || req.Header.Get("X-Hop") != "" || req.Header.Get("X-Custom") != "kept" {
			t.Fatalf("provider headers not filtered: %v", req.Header)
		}
		if resp.Header.Get(exchange.HeaderResponseDigest) != gwSHA(body) || resp.Header.Get(exchange.HeaderRequestDigest) != gwSHA(nil) {
			t.Fatalf("digests %q %q", resp.Header.Get(exchange.HeaderRequestDigest), resp.Header.Get(exchange.HeaderResponseDigest))
		}
		rc, err := exchange.ReceiptFromResponse(resp.Header, gwClient.String(), gwPerson.String(), "GET", "/persons/"+gwCitizen+"?fields=name", 200)
		if err != nil {
			t.Fatal(err)
		}
		if err := exchange.VerifyReceipt(f.g.PublicKey(), rc); err != nil {
			t.Fatalf("receipt does not verify: %v", err)
		}

		// A POST with a body: the request digest covers what was sent.
		payload := []byte(`{"q":"درخواست"}`)
		resp, body = f.call(t, "POST", "/r1/IR/GOV/NOCR/population/person-identity/echo", payload, map[string]string{exchange.HeaderSubject: gwCitizen, "Content-Type": "application/json"})
		if resp.StatusCode != 200 || string(body) != "echo:"+string(payload) {
			t.Fatalf("echo: %d %s", resp.StatusCode, body)
		}
		if resp.Header.Get(exchange.HeaderRequestDigest) != gwSHA(payload) {
			t.Fatal("request digest does not match the body sent")
		}
		rc, _ = exchange.ReceiptFromResponse(resp.Header, gwClient.String(), gwPerson.String(), "POST", "/echo", 200)
		if err := exchange.VerifyReceipt(f.g.PublicKey(), rc); err != nil {
			t.Fatal(err)
		}

		msgs, err := f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 {
			t.Fatalf("%d messages about the citizen, want 2", len(msgs))
		}
		m := msgs[1] // newest first
		if m.Client != gwClient || m.Service != gwPerson || m.Method != "GET" || m.Path != "/persons/{subject}" ||
			m.Status != 200 || m.Issue != "CASE-42" || m.ResponseDigest != rcDigestOf(t, f, m.MessageID) || m.Error != "" {
			t.Fatalf("message %+v", m)
		}
		if got, _ := f.g.Messages(ctx, exchange.MessageFilter{ClientMember: "INTA"}); len(got) != 2 {
			t.Fatalf("client member filter: %d", len(got))
		}
		if got, _ := f.g.Messages(ctx, exchange.MessageFilter{ProviderMember: "INTA"}); len(got) != 0 {
			t.Fatalf("provider member filter: %d", len(got))
		}
		if got, _ := f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen, Limit: 1}); len(got) != 1 || got[0].Method != "POST" {
			t.Fatalf("limit: %+v", got)
		}
		if got, _ := f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen, BeforeID: msgs[0].ID}); len(got) != 1 || got[0].ID != m.ID {
			t.Fatalf("paging: %+v", got)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: exchange.EventInquiry, Subject: gwCitizen})
		if err != nil || len(evs) != 2 {
			t.Fatalf("events %d %v", len(evs), err)
		}
		if evs[0].Agency != "INTA" || evs[0].Service != gwPerson.String() || evs[0].Actor != "subsystem:"+gwClient.String() {
			t.Fatalf("event %+v", evs[0])
		}
		if strings.Contains(string(evs[0].Payload), gwCitizen) || !strings.Contains(string(evs[0].Payload), `"/persons/{subject}"`) {
			t.Fatalf("event payload carries the national code or lacks the template: %s", evs[0].Payload)
		}
	}, gwSets...)
}

// rcDigestOf reads the response digest the log holds for a message.
func rcDigestOf(t *testing.T, f *gwFixture, id string) string {
	t.Helper()
	var d string
	if err := f.s.DB().QueryRow(`SELECT response_digest FROM exchange_messages WHERE message_id = $1`, id).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReceiptTamperingIsCaught(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{})
	reply, err := f.g.Inquire(context.Background(), exchange.Inquiry{Client: gwClient, Service: gwStatus, Path: "/ping"})
	if err != nil {
		t.Fatal(err)
	}
	good := reply.Receipt
	if err := exchange.VerifyReceipt(f.g.PublicKey(), good); err != nil {
		t.Fatal(err)
	}
	tamper := map[string]func(r *exchange.Receipt){
		"message id":      func(r *exchange.Receipt) { r.MessageID += "x" },
		"client":          func(r *exchange.Receipt) { r.Client = gwOther.String() },
		"service":         func(r *exchange.Receipt) { r.Service = gwPerson.String() },
		"method":          func(r *exchange.Receipt) { r.Method = "POST" },
		"path":            func(r *exchange.Receipt) { r.Path = "/ping2" },
		"status":          func(r *exchange.Receipt) { r.Status = 500 },
		"time":            func(r *exchange.Receipt) { r.At = r.At.Add(time.Microsecond) },
		"request digest":  func(r *exchange.Receipt) { r.RequestDigest = gwSHA([]byte("x")) },
		"response digest": func(r *exchange.Receipt) { r.ResponseDigest = gwSHA([]byte("forged answer")) },
		"signature": func(r *exchange.Receipt) {
			b := []byte(r.Signature)
			if b[3] == 'A' {
				b[3] = 'B'
			} else {
				b[3] = 'A'
			}
			r.Signature = string(b)
		},
		"newline in path": func(r *exchange.Receipt) { r.Path += "\n" },
		"no signature":    func(r *exchange.Receipt) { r.Signature = "" },
	}
	for name, fn := range tamper {
		r := good
		fn(&r)
		if err := exchange.VerifyReceipt(f.g.PublicKey(), r); err == nil {
			t.Errorf("tampered %s: receipt still verifies", name)
		}
	}
	other, err := exchange.NewGateway(context.Background(), exchange.New(storetest.MustOpen(t, store.SQLite, gwSets...), "IR"), exchange.GatewayConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	if err := exchange.VerifyReceipt(other.PublicKey(), good); err == nil {
		t.Error("a receipt verifies with another platform's key")
	}
}

func TestMessageLogHoldsNoPayload(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		reqMark := "REQ-MARK-5f1c9d2e-request-body-secret"
		respMark := "RESP-MARK-a83b7c61-response-body-secret"
		f.backend.set(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"answer":"`+respMark+`","code":"`+gwCitizen2+`"}`)
		})
		resp, body := f.call(t, "POST", "/r1/IR/GOV/NOCR/population/person-identity/echo", []byte(`{"secret":"`+reqMark+`"}`),
			map[string]string{exchange.HeaderSubject: gwCitizen})
		if resp.StatusCode != 200 || !strings.Contains(string(body), respMark) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		// An inquiry from inside the platform too.
		if _, err := f.g.Inquire(context.Background(), exchange.Inquiry{Client: gwClient, Service: gwPerson, Method: "POST",
			Path: "/echo", Body: []byte(reqMark), Subject: gwCitizen}); err != nil {
			t.Fatal(err)
		}
		// The request path holds a national code other than the subject.
		resp, _ = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/person-identity/persons/"+gwCitizen2, nil,
			map[string]string{exchange.HeaderSubject: gwCitizen})
		if resp.StatusCode != 200 {
			t.Fatal(resp.StatusCode)
		}
		for _, table := range []string{"exchange_messages", "events"} {
			rows := gwDump(t, s, table)
			if len(rows) == 0 {
				t.Fatalf("%s is empty", table)
			}
			for _, row := range rows {
				for _, mark := range []string{reqMark, respMark, gwCitizen2, hex.EncodeToString([]byte(reqMark))} {
					if strings.Contains(row, mark) {
						t.Fatalf("%s holds payload bytes %q: %s", table, mark, row)
					}
				}
			}
		}
		var n int
		if err := s.DB().QueryRow(`SELECT count(*) FROM exchange_messages WHERE request_digest = $1`, gwSHA([]byte(`{"secret":"`+reqMark+`"}`))).Scan(&n); err != nil || n != 1 {
			t.Fatalf("the log lacks the request digest: %d %v", n, err)
		}
	}, gwSets...)
}

// gwDump renders every row of table as text, every column included.
func gwDump(t *testing.T, s *store.Store, table string) []string {
	t.Helper()
	rows, err := s.DB().Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	return out
}

func TestGatewayErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{Timeout: 300 * time.Millisecond, Burst: 1000, MaxBody: 1 << 10, Retries: -1})
		person := "/r1/IR/GOV/NOCR/population/person-identity/persons/" + gwCitizen
		subj := map[string]string{exchange.HeaderSubject: gwCitizen}
		cases := []struct {
			name   string
			method string
			path   string
			body   []byte
			hdr    map[string]string
			status int
			code   string
		}{
			{"no client header", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderIMClient: ""}, 401, exchange.CodeUnknownClient},
			{"malformed client", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderIMClient: "IR/GOV/inta/tax"}, 401, exchange.CodeUnknownClient},
			{"unregistered client", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderIMClient: "IR/GOV/INTA/ghost"}, 401, exchange.CodeUnknownClient},
			{"no right", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderIMClient: gwOther.String()}, 403, exchange.CodeAccessDenied},
			{"unknown service", "GET", "/r1/IR/GOV/NOCR/population/nothing/x", nil, nil, 404, exchange.CodeUnknownService},
			{"bad path", "GET", "/r1/IR/GOV/NOCR/population/status/a/../ping", nil, nil, 400, exchange.CodeBadRequest},
			{"encoded slash", "GET", "/r1/IR/GOV/NOCR/population/status/a%2fb", nil, nil, 400, exchange.CodeBadRequest},
			{"bad service id", "GET", "/r1/IR/GOV/nocr/population/status/ping", nil, nil, 400, exchange.CodeBadRequest},
			{"invalid subject", "GET", person, nil, map[string]string{exchange.HeaderSubject: "0684159415"}, 400, exchange.CodeBadRequest},
			{"bad message id", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderID: "has space"}, 400, exchange.CodeBadRequest},
			{"consent missing", "GET", "/r1/IR/GOV/NOCR/population/alive/alive/" + gwCitizen, nil, subj, 403, exchange.CodeConsentRequired},
			{"too large", "POST", "/r1/IR/GOV/NOCR/population/person-identity/echo", bytes.Repeat([]byte("x"), 2<<10), subj, 413, exchange.CodeBadRequest},
			{"not under /r1", "GET", "/other", nil, nil, 404, exchange.CodeBadRequest},
			{"through a proxy", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{"X-Forwarded-For": "203.0.113.9"}, 403, exchange.CodeUnknownClient},
			{"through a proxy (Forwarded)", "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{"Forwarded": "for=203.0.113.9"}, 403, exchange.CodeUnknownClient},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp, body := f.call(t, c.method, c.path, c.body, c.hdr)
				wantProblem(t, resp, body, c.status, c.code)
			})
		}

		// A body over the limit without a Content-Length is cut off while it
		// streams.
		pr, pw := io.Pipe()
		go func() {
			for range 8 {
				pw.Write(bytes.Repeat([]byte("y"), 512))
			}
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", f.local.URL+"/r1/IR/GOV/NOCR/population/person-identity/echo", pr)
		req.Header.Set(exchange.HeaderIMClient, gwClient.String())
		req.Header.Set(exchange.HeaderSubject, gwCitizen)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantProblem(t, resp, body, 413, exchange.CodeBadRequest)

		// The provider is too slow.
		f.backend.set(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		})
		resp, body = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
		wantProblem(t, resp, body, 504, exchange.CodeTimeout)

		// Nothing listens at the provider's address.
		f.backend.srv.Close()
		resp, body = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
		p := wantProblem(t, resp, body, 503, exchange.CodeProviderUnavailable)
		if p.MessageID == "" || resp.Header.Get(exchange.HeaderID) != p.MessageID {
			t.Fatalf("problem without the message id: %+v", p)
		}

		// Errors are logged, with their codes and without bodies.
		var n int
		if err := s.DB().QueryRow(`SELECT count(*) FROM exchange_messages WHERE error <> ''`).Scan(&n); err != nil || n < len(cases) {
			t.Fatalf("%d errors logged (%v), want at least %d", n, err, len(cases))
		}
		for _, code := range []string{exchange.CodeTimeout, exchange.CodeProviderUnavailable, exchange.CodeConsentRequired, exchange.CodeAccessDenied} {
			if err := s.DB().QueryRow(`SELECT count(*) FROM exchange_messages WHERE error = $1`, code).Scan(&n); err != nil || n == 0 {
				t.Errorf("no %s in the log", code)
			}
		}
	}, gwSets...)
}

func TestRateLimitPerClient(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{RatePerClient: 0.001, Burst: 2})
	for i := range 2 {
		if resp, body := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
	wantProblem(t, resp, body, 429, exchange.CodeRateLimited)
	// Another client has its own budget.
	resp, body = f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderIMClient: gwOther.String()})
	wantProblem(t, resp, body, 403, exchange.CodeAccessDenied)
}

func TestLargeResponseSignedInTrailers(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{})
	req, _ := http.NewRequest("GET", f.local.URL+"/r1/IR/GOV/NOCR/population/person-identity/big", nil)
	req.Header.Set(exchange.HeaderIMClient, gwClient.String())
	req.Header.Set(exchange.HeaderSubject, gwCitizen)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(body) != 40*16*4096 {
		t.Fatalf("%d, %d bytes, %v", resp.StatusCode, len(body), err)
	}
	if resp.Trailer.Get(exchange.HeaderResponseDigest) != gwSHA(body) {
		t.Fatalf("trailer digest %q", resp.Trailer.Get(exchange.HeaderResponseDigest))
	}
	h := resp.Header.Clone()
	for k, v := range resp.Trailer {
		h[k] = v
	}
	rc, err := exchange.ReceiptFromResponse(h, gwClient.String(), gwPerson.String(), "GET", "/big", 200)
	if err != nil {
		t.Fatal(err)
	}
	if err := exchange.VerifyReceipt(f.g.PublicKey(), rc); err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.g.Messages(context.Background(), exchange.MessageFilter{Subject: gwCitizen})
	if len(msgs) != 1 || msgs[0].ResponseDigest != gwSHA(body) {
		t.Fatalf("log %+v", msgs)
	}

	// A client that goes away mid-answer is logged as such.
	f.backend.set(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("z"), 64<<10)
		for range 4096 { // up to 256 MiB, until someone hangs up
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	tr := &http.Transport{}
	resp, err = (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 1024))
	resp.Body.Close()
	tr.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _ = f.g.Messages(context.Background(), exchange.MessageFilter{Subject: gwCitizen})
		if len(msgs) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(msgs) != 2 || msgs[0].Error != "exchange.aborted" || msgs[0].Status != 200 {
		t.Fatalf("aborted answer logged as %+v", msgs)
	}
}

func TestInquire(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		ctx := context.Background()
		reply, err := f.g.Inquire(ctx, exchange.Inquiry{Client: gwClient, Service: gwPerson, Path: "/persons/" + gwCitizen + "?full=1",
			Subject: gwCitizen, Purpose: "پیش‌پرکردن فرم", Issue: "APP-7"})
		if err != nil {
			t.Fatal(err)
		}
		if reply.Status != 200 || !strings.Contains(string(reply.Body), gwCitizen) || reply.MessageID == "" {
			t.Fatalf("reply %+v", reply)
		}
		if reply.Receipt.ResponseDigest != gwSHA(reply.Body) || reply.Receipt.Path != "/persons/"+gwCitizen+"?full=1" {
			t.Fatalf("receipt %+v", reply.Receipt)
		}
		if err := exchange.VerifyReceipt(f.g.PublicKey(), reply.Receipt); err != nil {
			t.Fatal(err)
		}
		req, _ := f.backend.seen()
		if req.Header.Get(exchange.HeaderID) != reply.MessageID || req.URL.RawQuery != "full=1" {
			t.Fatalf("provider saw %v %s", req.Header, req.URL)
		}
		msgs, _ := f.g.Messages(ctx, exchange.MessageFilter{Subject: gwCitizen})
		if len(msgs) != 1 || msgs[0].MessageID != reply.MessageID || msgs[0].Purpose != "پیش‌پرکردن فرم" {
			t.Fatalf("log %+v", msgs)
		}
		// Refusals carry the typed code and are logged too.
		for _, c := range []struct {
			q    exchange.Inquiry
			code string
		}{
			{exchange.Inquiry{Client: gwOther, Service: gwStatus, Path: "/ping"}, exchange.CodeAccessDenied},
			{exchange.Inquiry{Client: gwClient, Service: exchange.ServiceID{Provider: gwProvider, Code: "nothing"}, Path: "/"}, exchange.CodeUnknownService},
			{exchange.Inquiry{Client: gwClient, Service: gwAlive, Path: "/alive/" + gwCitizen, Subject: gwCitizen}, exchange.CodeConsentRequired},
			{exchange.Inquiry{Client: gwClient, Service: gwStatus, Path: "/../x"}, exchange.CodeBadRequest},
			{exchange.Inquiry{Client: exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "ghost"}, Service: gwStatus, Path: "/ping"}, exchange.CodeUnknownClient},
		} {
			_, err := f.g.Inquire(ctx, c.q)
			if e, ok := errsAs(err); !ok || e != c.code {
				t.Errorf("%+v: error %v, want %s", c.q, err, c.code)
			}
		}
		// With consent, the consent-bound service answers.
		citizen := identity.Principal{Kind: "user", ID: 1, NationalCode: gwCitizen, Roles: []identity.Role{identity.RoleCitizen}}
		if _, err := f.x.GiveConsent(ctx, citizen, exchange.Consent{Client: gwClient, Service: gwAlive, Purpose: "مستمری", Until: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if r, err := f.g.Inquire(ctx, exchange.Inquiry{Client: gwClient, Service: gwAlive, Path: "/alive/" + gwCitizen, Subject: gwCitizen}); err != nil || r.Status != 200 {
			t.Fatalf("with consent: %v %+v", err, r)
		}
	}, gwSets...)
}

func TestInquireAfterCloseReachesNoProvider(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{})
	ctx := context.Background()
	if err := f.g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	hits := f.backend.hits.Load()
	_, err := f.g.Inquire(ctx, exchange.Inquiry{Client: gwClient, Service: gwStatus, Path: "/ping"})
	if code, _ := errsAs(err); code != exchange.CodeProviderUnavailable {
		t.Fatalf("Inquire after Close: %v", err)
	}
	resp, body := f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
	wantProblem(t, resp, body, 503, exchange.CodeProviderUnavailable)
	if f.backend.hits.Load() != hits {
		t.Fatal("an inquiry reached the provider after Close")
	}
}

func TestGroupCommitUnderLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		const n = 120
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", f.local.URL+"/r1/IR/GOV/NOCR/population/status/ping", nil)
				req.Header.Set(exchange.HeaderIMClient, gwClient.String())
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			t.Fatalf("%d calls failed", failed.Load())
		}
		// Every answered call is already committed: no waiting here.
		var rows, events int
		s.DB().QueryRow(`SELECT count(*) FROM exchange_messages`).Scan(&rows)
		s.DB().QueryRow(`SELECT count(*) FROM events WHERE kind = $1`, exchange.EventInquiry).Scan(&events)
		if rows != n || events != n {
			t.Fatalf("%d rows and %d events, want %d", rows, events, n)
		}
	}, gwSets...)
}

func TestSigningKeyCreatedOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		x := exchange.New(s, "IR")
		ctx := context.Background()
		keys := make([]string, 6)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g, err := exchange.NewGateway(ctx, x, exchange.GatewayConfig{})
				if err != nil {
					t.Error(err)
					return
				}
				keys[i] = hex.EncodeToString(g.PublicKey())
				g.Close(ctx)
			}()
		}
		wg.Wait()
		for _, k := range keys {
			if k == "" || k != keys[0] {
				t.Fatalf("keys differ: %v", keys)
			}
		}
		var n int
		s.DB().QueryRow(`SELECT count(*) FROM exchange_keys`).Scan(&n)
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.key.created"})
		if n != 1 || len(evs) != 1 {
			t.Fatalf("%d keys, %d events", n, len(evs))
		}
	}, gwSets...)
}

func TestGatewayMetricsAndSummary(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{})
	ctx := context.Background()
	for range 3 {
		f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, nil)
	}
	f.call(t, "GET", "/r1/IR/GOV/NOCR/population/person-identity/persons/"+gwCitizen, nil, map[string]string{exchange.HeaderSubject: gwCitizen})
	f.call(t, "GET", "/r1/IR/GOV/NOCR/population/status/ping", nil, map[string]string{exchange.HeaderIMClient: gwOther.String()})

	sum, err := f.g.Summary(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count != 5 || sum.Errors != 1 || sum.P95MS <= 0 || sum.P50MS > sum.P95MS {
		t.Fatalf("summary %+v", sum)
	}
	byKey := func(ts []exchange.Traffic, key string) exchange.Traffic {
		for _, tr := range ts {
			if tr.Key == key {
				return tr
			}
		}
		t.Fatalf("no %s in %+v", key, ts)
		return exchange.Traffic{}
	}
	if tr := byKey(sum.ByClient, gwClient.String()); tr.Count != 4 || tr.Errors != 0 {
		t.Fatalf("client %+v", tr)
	}
	if tr := byKey(sum.ByClient, gwOther.String()); tr.Count != 1 || tr.Errors != 1 || tr.ByCode[exchange.CodeAccessDenied] != 1 {
		t.Fatalf("other client %+v", tr)
	}
	if tr := byKey(sum.ByService, gwStatus.String()); tr.Count != 4 {
		t.Fatalf("service %+v", tr)
	}
	if tr := byKey(sum.ByProvider, gwProvider.String()); tr.Count != 5 {
		t.Fatalf("provider %+v", tr)
	}
	if later, _ := f.g.Summary(ctx, time.Now().Add(time.Hour)); later.Count != 0 {
		t.Fatalf("the window is not applied: %+v", later)
	}

	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sawRequests, sawErrors bool
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), gwCitizen) {
					t.Fatalf("a metric label holds the national code: %s", mf.GetName())
				}
			}
		}
		switch mf.GetName() {
		case "panjare_exchange_requests_total":
			sawRequests = len(mf.GetMetric()) >= 3
		case "panjare_exchange_errors_total":
			sawErrors = len(mf.GetMetric()) == 1
		}
	}
	if !sawRequests || !sawErrors {
		t.Fatalf("metrics missing: requests %v errors %v", sawRequests, sawErrors)
	}
}

// errsAs returns the typed code of an exchange error.
func errsAs(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	p := exchange.ProblemOf(err, "")
	return p.Code, true
}

package ledger

import "testing"

// quickInquiryKey must agree with inquiryKey on the payloads the gateway
// writes, as SQLite keeps them (encoding/json) and as PostgreSQL returns
// them (JSONB's spacing and key order); elsewhere it may give up.
func TestQuickInquiryKey(t *testing.T) {
	for _, p := range []string{
		`{"message_id":"m-1","client":"IR/GOV/INTA/tax","status":200,"request_digest":"sha256:a","response_digest":"sha256:b"}`,
		`{"path": "/persons/{subject}", "client": "IR/GOV/INTA/tax", "status": 200, "message_id": "m-1", "latency_ms": 12.5, "request_digest": "sha256:a", "response_digest": "sha256:b"}`,
		`{"message_id":"m-2","request_digest":"","response_digest":""}`,
		`{"message_id":"m-3"}`,
		`{"message_id" : "m-4" , "response_digest":"x"}`,
	} {
		want, wok := inquiryKey([]byte(p))
		got, ok := quickInquiryKey([]byte(p))
		if !ok || !wok || got != want {
			t.Errorf("%s: quick %x %v, full %x %v", p, got, ok, want, wok)
		}
	}
	for _, p := range []string{`{"message_id":"m\"5"}`, `{"message_id":5}`, `{"client":"x"}`, `{"message_id":""}`, `not json`} {
		if _, ok := quickInquiryKey([]byte(p)); ok {
			t.Errorf("%s: the quick key should give up", p)
		}
	}
}

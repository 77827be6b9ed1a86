package client_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/panjare/panjare/client"
	"github.com/panjare/panjare/internal/apply"
)

// TestVerifyWebhook checks the client against the server's own signing.
func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"cursor":"7","kind":"case.submitted"}`)
	now := time.Unix(1_790_000_000, 0)
	sign := func(secret string, at time.Time, b []byte) http.Header {
		h := http.Header{}
		h.Set(client.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
		h.Set(client.HeaderWebhookSignature, apply.Sign(secret, at.Unix(), b))
		return h
	}
	if err := client.VerifyWebhook("whsec_1", sign("whsec_1", now, body), body, now.Add(time.Minute)); err != nil {
		t.Fatalf("a good delivery: %v", err)
	}
	for name, c := range map[string]struct {
		h    http.Header
		body []byte
		want error
	}{
		"wrong secret":    {sign("whsec_2", now, body), body, client.ErrBadSignature},
		"changed body":    {sign("whsec_1", now, body), []byte(`{"cursor":"8","kind":"case.submitted"}`), client.ErrBadSignature},
		"too old":         {sign("whsec_1", now.Add(-6*time.Minute), body), body, client.ErrStale},
		"from the future": {sign("whsec_1", now.Add(6*time.Minute), body), body, client.ErrStale},
		"no headers":      {http.Header{}, body, client.ErrNoSignature},
	} {
		if err := client.VerifyWebhook("whsec_1", c.h, c.body, now); err != c.want {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	// The timestamp is signed: moving it breaks the signature.
	h := sign("whsec_1", now, body)
	h.Set(client.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix()+1, 10))
	if err := client.VerifyWebhook("whsec_1", h, body, now); err != client.ErrBadSignature {
		t.Errorf("moved timestamp: %v", err)
	}
}

package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Problem is an error answer of the server (RFC 9457 problem+json), with
// its messages in Persian and English.
type Problem struct {
	Status   int          `json:"status"`
	Type     string       `json:"type"`
	Kind     string       `json:"kind"` // invalid, not_found, conflict, forbidden, unauthorized, unavailable, too_large, rate_limited, internal
	Title    string       `json:"title"`
	Detail   string       `json:"detail"`
	TitleFa  string       `json:"title_fa"`
	DetailFa string       `json:"detail_fa"`
	Errors   []FieldError `json:"errors"`
}

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field string `json:"field"`
	Fa    string `json:"fa"`
	En    string `json:"en"`
}

// Error returns the English message, then the Persian one.
func (p *Problem) Error() string {
	en := p.Detail
	if en == "" {
		en = p.Title
	}
	fa := p.DetailFa
	if fa == "" {
		fa = p.TitleFa
	}
	return "panjare: " + strconv.Itoa(p.Status) + " " + en + " (" + fa + ")"
}

// MessageFa returns the message for people in Persian.
func (p *Problem) MessageFa() string {
	if p.DetailFa != "" {
		return p.DetailFa
	}
	return p.TitleFa
}

// MessageEn returns the message for people in English.
func (p *Problem) MessageEn() string {
	if p.Detail != "" {
		return p.Detail
	}
	return p.Title
}

// IsProblem reports whether err is a *Problem of the given HTTP status.
func IsProblem(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}

func problemOf(status int, body []byte) *Problem {
	p := &Problem{}
	if json.Unmarshal(body, p) != nil || p.Status == 0 {
		p = &Problem{Kind: "internal", Title: http.StatusText(status), TitleFa: "پاسخ نامنتظر از سامانه"}
	}
	p.Status = status
	return p
}

// Webhook verification.

// The headers of a webhook.
const (
	HeaderWebhookID        = "Panjare-Webhook-Id"
	HeaderWebhookTimestamp = "Panjare-Webhook-Timestamp"
	HeaderWebhookSignature = "Panjare-Webhook-Signature"
)

// ReplayWindow is how far a webhook's timestamp may be from now for
// VerifyWebhook to accept it.
const ReplayWindow = 5 * time.Minute

// Errors of VerifyWebhook.
var (
	ErrNoSignature  = errors.New("panjare webhook: the signature or timestamp header is missing or malformed")
	ErrBadSignature = errors.New("panjare webhook: the signature does not match")
	ErrStale        = errors.New("panjare webhook: the timestamp is outside the replay window")
)

// VerifyWebhook checks a webhook Panjare sent: that the signature in header
// is the HMAC-SHA256 of the timestamp, ".", and body with secret, and that
// the timestamp lies within ReplayWindow of now. Pass the raw body, before
// any decoding. Keep the Panjare-Webhook-Id of the deliveries you handled:
// a retry carries the same id.
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time) error {
	tsText := header.Get(HeaderWebhookTimestamp)
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrNoSignature
	}
	var ok, seen bool
	// A header may carry several signatures (during a secret's rotation).
	for _, part := range strings.Split(header.Get(HeaderWebhookSignature), ",") {
		sig, found := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !found {
			continue
		}
		got, err := hex.DecodeString(sig)
		if err != nil {
			continue
		}
		seen = true
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(tsText))
		m.Write([]byte("."))
		m.Write(body)
		if hmac.Equal(got, m.Sum(nil)) {
			ok = true
		}
	}
	if !seen {
		return ErrNoSignature
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > ReplayWindow || d < -ReplayWindow {
		return ErrStale
	}
	return nil
}

// Package client is the Go client of Panjare's back-office API, for an
// agency's own systems: pull the queue of new case events and acknowledge
// it, read cases, decide on them with idempotency keys, manage webhooks and
// verify the webhooks Panjare sends.
//
//	c := client.New("https://panjare.example.ir", os.Getenv("PANJARE_API_KEY"))
//	items, err := c.Queue(ctx, 100)
//	for _, it := range items {
//		// handle it, then:
//		err = c.Ack(ctx, it.Cursor)
//	}
//	cs, err := c.Decide(ctx, tracking, client.Transition{To: client.Approved}, "")
//
// Errors from the server are *Problem, with the message in Persian and
// English. The package depends only on the standard library and never logs
// or stores the API key.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one Panjare server with one agency API key. It is safe
// for concurrent use.
type Client struct {
	base string
	key  string
	hc   *http.Client
	ua   string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of a client with a
// 30-second timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent names the calling system in the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// New returns a client of the server at baseURL (such as
// "https://panjare.example.ir") authenticating with apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), key: apiKey, hc: &http.Client{Timeout: 30 * time.Second}, ua: "panjare-go-client/1"}
	for _, o := range opts {
		o(c)
	}
	return c
}

// States of a case.
const (
	Submitted = "submitted"
	InReview  = "in_review"
	NeedsInfo = "needs_info"
	Approved  = "approved"
	Rejected  = "rejected"
	Issued    = "issued"
	Withdrawn = "withdrawn"
)

// QueueItem is one new event of the agency's queue.
type QueueItem struct {
	Cursor   string    `json:"cursor"` // pass to Ack once handled
	Kind     string    `json:"kind"`   // case.submitted, case.answered, payment.confirmed, ...
	Tracking string    `json:"tracking"`
	Service  string    `json:"service"`
	State    string    `json:"state,omitempty"`
	From     string    `json:"from,omitempty"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
}

// Evidence is a piece of a case's evidence and where it came from.
type Evidence struct {
	Code      string          `json:"code"`
	NameFa    string          `json:"name_fa"`
	Source    string          `json:"source"`  // inquiry, upload, declaration, paper
	HeldBy    string          `json:"held_by"` // the agency that provided it once-only
	Inquiry   string          `json:"inquiry"`
	State     string          `json:"state"`
	MessageID string          `json:"message_id"` // the exchange's receipt
	Digest    string          `json:"digest"`
	Answer    json.RawMessage `json:"answer,omitempty"`
}

// Step is one entry of a case's timeline.
type Step struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
}

// Case is an application as the competent agency sees it.
type Case struct {
	Tracking      string            `json:"tracking"`
	Service       string            `json:"service"`
	TitleFa       string            `json:"title_fa"`
	Agency        string            `json:"agency"`
	Applicant     string            `json:"applicant"` // national code: personal data
	ApplicantName string            `json:"applicant_name"`
	State         string            `json:"state"`
	Data          map[string]string `json:"data"`
	FeeRials      int64             `json:"fee_rials"`
	Paid          bool              `json:"paid"`
	SubmittedAt   time.Time         `json:"submitted_at"`
	Deadline      time.Time         `json:"deadline"`
	OverdueAt     *time.Time        `json:"overdue_at"`
	DecidedAt     *time.Time        `json:"decided_at"`
	Ground        string            `json:"ground"`
	Reason        string            `json:"reason"`
	Document      string            `json:"document"`
	Evidence      []Evidence        `json:"evidence"`
	Timeline      []Step            `json:"timeline"`
	// Facts are, while the case is open, what its document will certify,
	// each with the value its source proposes (Case only, not Cases).
	Facts []Fact `json:"facts"`

	// Replayed is set by Decide when the server answered from an earlier
	// request with the same idempotency key.
	Replayed bool `json:"-"`
}

// Fact is one thing a case's document will certify, with the value
// proposed for it; Transition.Facts confirms or corrects it by Code.
type Fact struct {
	Code   string `json:"code"`
	NameFa string `json:"name_fa"`
	NameEn string `json:"name_en"`
	From   string `json:"from"`  // form, evidence or decision
	Value  string `json:"value"` // empty when the official must enter it
}

// Transition is a decision on a case.
type Transition struct {
	To     string `json:"to"`               // one of the states
	Reason string `json:"reason,omitempty"` // required for needs_info, and for rejecting what is not a permit
	Ground string `json:"ground,omitempty"` // rejecting a permit: a published refusal ground's code
	// Facts are, when approving a service that issues a document, the
	// values of what it certifies by fact code; those not given take the
	// value their source proposes.
	Facts map[string]string `json:"facts,omitempty"`
}

// CaseFilter selects the agency's cases.
type CaseFilter struct {
	State   string // "": every open case
	Service string
	Overdue bool
	// PageSize is how many cases each request asks for (1 to 500; 0:
	// 500). Cases reads every page whatever it is.
	PageSize int
}

// Webhook is a registered webhook endpoint.
type Webhook struct {
	ID        int64      `json:"id"`
	URL       string     `json:"url"`
	Kinds     []string   `json:"kinds"`
	CreatedAt time.Time  `json:"created_at"`
	Disabled  *time.Time `json:"disabled_at"`
	// Secret is set only in the answer of RegisterWebhook: keep it, it is
	// never shown again.
	Secret string `json:"secret,omitempty"`
}

// Delivery is one webhook delivery and how it went.
type Delivery struct {
	ID          string     `json:"id"`
	Webhook     int64      `json:"webhook"`
	Kind        string     `json:"kind"`
	Cursor      string     `json:"cursor"`
	State       string     `json:"state"` // pending, retrying, delivered, failed
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status"`
	LastError   string     `json:"last_error"`
	NextRetry   *time.Time `json:"next_retry"`
	DeliveredAt *time.Time `json:"delivered_at"`
}

// Queue returns up to limit new items of the agency's queue (0: the
// server's default), oldest first. Items come back until acknowledged.
func (c *Client) Queue(ctx context.Context, limit int) ([]QueueItem, error) {
	path := "/api/v1/agency/queue"
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	var out struct {
		Items []QueueItem `json:"items"`
	}
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return out.Items, err
}

// Ack acknowledges every queue item up to and including cursor.
func (c *Client) Ack(ctx context.Context, cursor string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/agency/queue/ack", nil, map[string]string{"cursor": cursor}, nil)
	return err
}

// Case returns one of the agency's cases with its evidence and timeline.
func (c *Client) Case(ctx context.Context, tracking string) (*Case, error) {
	var out Case
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/agency/cases/"+url.PathEscape(tracking), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Cases returns every one of the agency's cases that match f, earliest
// deadline first, following the server's pages to the end.
func (c *Client) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	q := url.Values{}
	if f.State != "" {
		q.Set("state", f.State)
	}
	if f.Service != "" {
		q.Set("service", f.Service)
	}
	if f.Overdue {
		q.Set("overdue", "true")
	}
	size := 500
	if f.PageSize > 0 && f.PageSize < size {
		size = f.PageSize
	}
	q.Set("limit", strconv.Itoa(size))
	var all []Case
	for cursor := ""; ; {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items []Case `json:"items"`
			Next  string `json:"next"`
		}
		if _, err := c.do(ctx, http.MethodGet, "/api/v1/agency/cases?"+q.Encode(), nil, nil, &page); err != nil {
			return all, err
		}
		all = append(all, page.Items...)
		if page.Next == "" || page.Next == cursor {
			return all, nil
		}
		cursor = page.Next
	}
}

// NewIdempotencyKey returns a fresh random key for Decide.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Decide moves a case. Send the same idempotencyKey when retrying the same
// decision (after a timeout, say): the server does it once and answers the
// retry with the first answer (Case.Replayed). "" makes a fresh key, which
// is safe only when the request is not retried.
func (c *Client) Decide(ctx context.Context, tracking string, t Transition, idempotencyKey string) (*Case, error) {
	if idempotencyKey == "" {
		idempotencyKey = NewIdempotencyKey()
	}
	var out Case
	h, err := c.do(ctx, http.MethodPost, "/api/v1/agency/cases/"+url.PathEscape(tracking)+"/transitions",
		http.Header{"Idempotency-Key": {idempotencyKey}}, t, &out)
	if err != nil {
		return nil, err
	}
	out.Replayed = h.Get("Idempotent-Replayed") == "true"
	return &out, nil
}

// RegisterWebhook registers an endpoint for the queue item kinds given
// (none: all). The returned Webhook's Secret signs every delivery; it is
// shown only once.
func (c *Client) RegisterWebhook(ctx context.Context, endpoint string, kinds ...string) (*Webhook, error) {
	var out Webhook
	body := map[string]any{"url": endpoint}
	if len(kinds) > 0 {
		body["kinds"] = kinds
	}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/agency/webhooks", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Webhooks lists the agency's endpoints.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Items []Webhook `json:"items"`
	}
	_, err := c.do(ctx, http.MethodGet, "/api/v1/agency/webhooks", nil, nil, &out)
	return out.Items, err
}

// DisableWebhook stops deliveries to an endpoint.
func (c *Client) DisableWebhook(ctx context.Context, id int64) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/agency/webhooks/"+strconv.FormatInt(id, 10), nil, nil, nil)
	return err
}

// Deliveries lists the latest webhook deliveries, newest first.
func (c *Client) Deliveries(ctx context.Context) ([]Delivery, error) {
	var out struct {
		Items []Delivery `json:"items"`
	}
	_, err := c.do(ctx, http.MethodGet, "/api/v1/agency/webhooks/deliveries", nil, nil, &out)
	return out.Items, err
}

// maxAnswer bounds what the client reads of one answer.
const maxAnswer = 16 << 20

// do sends one request and decodes a 2xx answer into out, or returns the
// problem.
func (c *Client) do(ctx context.Context, method, path string, header http.Header, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.Header, problemOf(resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("client: %s %s: decoding the answer: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

package apply

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// Webhooks. An agency registers endpoints; each feed item of the agency
// whose kind an endpoint wants becomes one delivery, sent by a River job
// that retries with exponential backoff. A delivery is a POST of the feed
// item as JSON, signed with the endpoint's secret:
//
//	Panjare-Webhook-Id:        the delivery id (the same on every retry)
//	Panjare-Webhook-Timestamp: Unix seconds when this attempt was signed
//	Panjare-Webhook-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// Receivers check the signature in constant time and refuse timestamps
// outside a replay window (docs/backoffice-api.md; client.VerifyWebhook).
//
// Only https:// URLs are accepted, and the sender refuses to connect to
// loopback, private, link-local and other non-public addresses whatever a
// name resolves to, and follows no redirects, so an endpoint cannot turn
// the platform against its own network (SSRF). The demo may allow http://
// to loopback, where its simulated back offices listen.

// Webhook headers.
const (
	HeaderWebhookID        = "Panjare-Webhook-Id"
	HeaderWebhookTimestamp = "Panjare-Webhook-Timestamp"
	HeaderWebhookSignature = "Panjare-Webhook-Signature"
)

// Delivery states.
const (
	DeliveryPending   = "pending"   // not tried yet
	DeliveryRetrying  = "retrying"  // failed; River tries again at NextRetry
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed, or the endpoint was disabled
)

const (
	maxWebhooks        = 10 // per agency
	maxWebhookURL      = 2048
	webhookMaxAttempts = 15
)

// Webhook is an endpoint an agency registered.
type Webhook struct {
	ID        int64      `json:"id"`
	Agency    string     `json:"agency"`
	URL       string     `json:"url"`
	Kinds     []string   `json:"kinds"` // empty: every kind
	CreatedAt time.Time  `json:"created_at"`
	Disabled  *time.Time `json:"disabled_at,omitempty"`
}

// Delivery is one feed item sent, or being sent, to one endpoint.
type Delivery struct {
	ID          string     `json:"id"`
	Webhook     int64      `json:"webhook"`
	URL         string     `json:"url"`
	Kind        string     `json:"kind"`
	Cursor      string     `json:"cursor"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status,omitempty"` // the endpoint's last HTTP status, 0 if none
	LastError   string     `json:"last_error,omitempty"`
	NextRetry   *time.Time `json:"next_retry,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// webhook is an active endpoint with its secret, inside a transaction.
type webhook struct {
	id     int64
	url    string
	secret string
	kinds  []string
}

func (h webhook) wants(kind string) bool { return len(h.kinds) == 0 || slices.Contains(h.kinds, kind) }

func splitKinds(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func activeWebhooks(ctx context.Context, tx *store.Tx, agency string) ([]webhook, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, url, secret, kinds FROM apply_webhooks WHERE agency = $1 AND disabled_at IS NULL ORDER BY id`, agency)
	if err != nil {
		return nil, errs.Wrap("apply.Feed", err)
	}
	defer rows.Close()
	var out []webhook
	for rows.Next() {
		var h webhook
		var kinds string
		if err := rows.Scan(&h.id, &h.url, &h.secret, &kinds); err != nil {
			return nil, errs.Wrap("apply.Feed", err)
		}
		h.kinds = splitKinds(kinds)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Sign returns the Panjare-Webhook-Signature value of body signed at
// timestamp ts (Unix seconds) with secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mayManageHooks checks that p may manage its agency's webhooks: its
// admins and its API clients.
func mayManageHooks(op string, p identity.Principal) error {
	if p.Agency == "" || !(p.Kind == "apikey" || p.Has(identity.RoleAgencyAdmin)) {
		return errs.E(op, errs.Forbidden, "only the agency's admins and API clients manage its webhooks", "تنها مدیران و کارخواه‌های API دستگاه وب‌هوک‌های آن را مدیریت می‌کنند")
	}
	return nil
}

// mayReadHooks checks that p may see its agency's webhooks and deliveries:
// any of its staff or API clients.
func mayReadHooks(op string, p identity.Principal) error {
	if !isAgency(p, p.Agency) {
		return errs.E(op, errs.Forbidden, "only the agency's staff see its webhooks", "تنها کارکنان دستگاه وب‌هوک‌های آن را می‌بینند")
	}
	return nil
}

// CheckWebhookURL checks that raw is an endpoint deliveries may go to:
// https:// to a host that is not a loopback, private or link-local address
// literal, or, when allowLoopbackHTTP, http:// or https:// to loopback.
func CheckWebhookURL(raw string, allowLoopbackHTTP bool) error {
	const op = "apply.CheckWebhookURL"
	bad := func(en, fa string) error {
		return &errs.Error{Op: op, Kind: errs.Invalid, En: en, Fa: fa, Fields: []errs.FieldError{{Field: "url", En: en, Fa: fa}}}
	}
	if len(raw) > maxWebhookURL {
		return bad("the URL is too long", "نشانی بیش از اندازه بلند است")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("the URL is not a valid absolute URL", "نشانی درست و کامل نیست")
	}
	if u.User != nil {
		return bad("the URL must not carry a user name or password", "نشانی نباید نام کاربری یا گذرواژه داشته باشد")
	}
	host := u.Hostname()
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	ip := net.ParseIP(host)
	if ip != nil {
		loopback = ip.IsLoopback()
	}
	switch u.Scheme {
	case "https":
		if loopback && !allowLoopbackHTTP {
			return bad("webhooks cannot be sent to this server's own addresses", "وب‌هوک را نمی‌توان به نشانی‌های خود این سامانه فرستاد")
		}
		if ip != nil && !loopback && !publicIP(ip) {
			return bad("webhooks can be sent only to public addresses", "وب‌هوک تنها به نشانی‌های عمومی فرستاده می‌شود")
		}
	case "http":
		if !allowLoopbackHTTP || !loopback {
			return bad("webhook URLs must use https://", "نشانی وب‌هوک باید با https:// آغاز شود")
		}
	default:
		return bad("webhook URLs must use https://", "نشانی وب‌هوک باید با https:// آغاز شود")
	}
	return nil
}

// publicIP reports whether ip is a public unicast address.
func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		// 100.64.0.0/10 (carrier-grade NAT) and 0.0.0.0/8 are not public either.
		(ip.To4() != nil && (ip.To4()[0] == 100 && ip.To4()[1]&0xc0 == 64 || ip.To4()[0] == 0)))
}

// safeClient sends webhooks: it connects only to public addresses (and to
// loopback when allowLoopback), whatever the name resolved to, so that a DNS
// answer cannot point a delivery at the internal network; it follows no
// redirects.
func safeClient(allowLoopback bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil {
			return fmt.Errorf("webhook: refusing to connect to %s", address)
		}
		if ip.IsLoopback() && allowLoopback {
			return nil
		}
		if !publicIP(ip) {
			return fmt.Errorf("webhook: refusing to connect to the non-public address %s", ip)
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute,
		ResponseHeaderTimeout: 10 * time.Second}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// RegisterWebhook registers an endpoint of p's agency for the feed kinds
// kinds (none: every kind) and returns it with its signing secret, which is
// shown only this once. Only the agency's admins and API clients may
// (errs.Forbidden); a URL CheckWebhookURL refuses or an unknown kind is
// errs.Invalid; more than 10 active endpoints is errs.Conflict.
func (b *Backoffice) RegisterWebhook(ctx context.Context, p identity.Principal, rawURL string, kinds []string) (Webhook, string, error) {
	const op = "apply.RegisterWebhook"
	if err := mayManageHooks(op, p); err != nil {
		return Webhook{}, "", err
	}
	rawURL = strings.TrimSpace(rawURL)
	if err := CheckWebhookURL(rawURL, b.opt.AllowLoopbackHTTP); err != nil {
		return Webhook{}, "", err
	}
	var clean []string
	for _, k := range kinds {
		k = strings.TrimSpace(k)
		if k == "" || slices.Contains(clean, k) {
			continue
		}
		if !slices.Contains(FeedKinds, k) {
			return Webhook{}, "", &errs.Error{Op: op, Kind: errs.Invalid, En: "unknown event kind " + k, Fa: "نوع رویداد ناشناخته است",
				Fields: []errs.FieldError{{Field: "kinds", En: "Choose kinds from the list.", Fa: "نوع‌ها را از فهرست برگزینید."}}}
		}
		clean = append(clean, k)
	}
	secret := "whsec_" + randomHex(24)
	h := Webhook{Agency: p.Agency, URL: rawURL, Kinds: clean, CreatedAt: b.s.Now()}
	if h.Kinds == nil {
		h.Kinds = []string{}
	}
	err := b.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_webhooks WHERE agency = $1 AND disabled_at IS NULL`, p.Agency).Scan(&n); err != nil {
			return errs.Wrap(op, err)
		}
		if n >= maxWebhooks {
			return errs.E(op, errs.Conflict, fmt.Sprintf("an agency may have at most %d webhooks; disable one first", maxWebhooks),
				fmt.Sprintf("هر دستگاه حداکثر %d وب‌هوک دارد؛ نخست یکی را غیرفعال کنید", maxWebhooks))
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO apply_webhooks (agency, url, secret, kinds, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			p.Agency, rawURL, secret, strings.Join(clean, ","), p.Actor(), h.CreatedAt).Scan(&h.ID); err != nil {
			return errs.Wrap(op, err)
		}
		err := tx.Append(ctx, store.Event{Kind: evHook, Actor: p.Actor(), Agency: p.Agency}, map[string]any{"webhook": h.ID, "kinds": clean})
		return err
	})
	if err != nil {
		return Webhook{}, "", err
	}
	return h, secret, nil
}

// Webhooks lists the endpoints of p's agency, newest first.
func (b *Backoffice) Webhooks(ctx context.Context, p identity.Principal) ([]Webhook, error) {
	const op = "apply.Webhooks"
	if err := mayReadHooks(op, p); err != nil {
		return nil, err
	}
	rows, err := b.s.Read().QueryContext(ctx, `SELECT id, agency, url, kinds, created_at, disabled_at FROM apply_webhooks WHERE agency = $1 ORDER BY id DESC`, p.Agency)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var h Webhook
		var kinds string
		var off sql.NullTime
		if err := rows.Scan(&h.ID, &h.Agency, &h.URL, &kinds, &h.CreatedAt, &off); err != nil {
			return nil, errs.Wrap(op, err)
		}
		h.Kinds, h.CreatedAt = splitKinds(kinds), h.CreatedAt.UTC()
		if h.Kinds == nil {
			h.Kinds = []string{}
		}
		if off.Valid {
			t := off.Time.UTC()
			h.Disabled = &t
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// DisableWebhook stops deliveries to endpoint id of p's agency; deliveries
// not yet made end failed. An endpoint of another agency does not exist.
func (b *Backoffice) DisableWebhook(ctx context.Context, p identity.Principal, id int64) error {
	const op = "apply.DisableWebhook"
	if err := mayManageHooks(op, p); err != nil {
		return err
	}
	return b.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE apply_webhooks SET disabled_at = $1 WHERE id = $2 AND agency = $3 AND disabled_at IS NULL`, b.s.Now(), id, p.Agency)
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf(op, "webhook", "وب‌هوک")
		}
		err = tx.Append(ctx, store.Event{Kind: evHookOff, Actor: p.Actor(), Agency: p.Agency}, map[string]any{"webhook": id})
		return err
	})
}

// Deliveries lists the latest deliveries of p's agency (at most limit,
// default 100), newest first, for the console.
func (b *Backoffice) Deliveries(ctx context.Context, p identity.Principal, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	ds, _, err := b.DeliveriesPage(ctx, p, "", limit)
	return ds, err
}

// DeliveriesPage lists a page of the deliveries of p's agency, newest
// first: at most limit (1 to 500) after cursor ("" for the first page),
// and the cursor of the next page, "" on the last.
func (b *Backoffice) DeliveriesPage(ctx context.Context, p identity.Principal, cursor string, limit int) ([]Delivery, string, error) {
	const op = "apply.Deliveries"
	if err := mayReadHooks(op, p); err != nil {
		return nil, "", err
	}
	limit = min(max(limit, 1), 500)
	where, args := `WHERE d.agency = $1`, []any{p.Agency}
	if cursor != "" {
		at, seq, id, err := parseDeliveryCursor(op, cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (d.created_at < $2 OR (d.created_at = $2 AND (d.seq < $3 OR (d.seq = $3 AND d.id < $4))))`
		args = append(args, at, seq, id)
	}
	rows, err := b.s.Read().QueryContext(ctx, `SELECT d.id, d.webhook_id, w.url, d.kind, d.seq, d.state, d.attempts, d.last_status, d.last_error,
		d.next_retry, d.created_at, d.delivered_at FROM apply_webhook_deliveries d JOIN apply_webhooks w ON w.id = d.webhook_id
		`+where+` ORDER BY d.created_at DESC, d.seq DESC, d.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var seq int64
		var next, done sql.NullTime
		if err := rows.Scan(&d.ID, &d.Webhook, &d.URL, &d.Kind, &seq, &d.State, &d.Attempts, &d.LastStatus, &d.LastError, &next, &d.CreatedAt, &done); err != nil {
			return nil, "", errs.Wrap(op, err)
		}
		d.Cursor, d.CreatedAt = strconv.FormatInt(seq, 10), d.CreatedAt.UTC()
		if next.Valid {
			t := next.Time.UTC()
			d.NextRetry = &t
		}
		if done.Valid {
			t := done.Time.UTC()
			d.DeliveredAt = &t
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, deliveryCursor(last.CreatedAt, last.Cursor, last.ID), nil
}

// deliveryArgs is the apply.webhook job: send one delivery.
type deliveryArgs struct {
	ID string `json:"id"`
}

// Kind names the job.
func (deliveryArgs) Kind() string { return "apply.webhook" }

// enqueueDelivery writes a delivery of item to h and its job, in tx.
func (b *Backoffice) enqueueDelivery(ctx context.Context, tx *store.Tx, h webhook, seq int64, item FeedItem) error {
	body, err := json.Marshal(item)
	if err != nil {
		return errs.Wrap("apply.Feed", err)
	}
	id := "whd_" + randomHex(12)
	var agency string
	if err := tx.QueryRowContext(ctx, `SELECT agency FROM apply_webhooks WHERE id = $1`, h.id).Scan(&agency); err != nil {
		return errs.Wrap("apply.Feed", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO apply_webhook_deliveries (id, webhook_id, agency, seq, kind, body, state, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, h.id, agency, seq, item.Kind, string(body), DeliveryPending, b.s.Now()); err != nil {
		return errs.Wrap("apply.Feed", err)
	}
	return tx.Enqueue(ctx, deliveryArgs{ID: id}, &river.InsertOpts{MaxAttempts: webhookMaxAttempts})
}

type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	b *Backoffice
}

// NextRetry is River's own exponential backoff unless the options set one.
func (w *deliveryWorker) NextRetry(j *river.Job[deliveryArgs]) time.Time {
	if w.b.opt.Backoff != nil {
		return time.Now().Add(w.b.opt.Backoff(j.Attempt))
	}
	return (&river.DefaultClientRetryPolicy{}).NextRetry(j.JobRow)
}

// Timeout bounds one attempt.
func (w *deliveryWorker) Timeout(*river.Job[deliveryArgs]) time.Duration { return 30 * time.Second }

// Work sends the delivery once; an error makes River try again later.
func (w *deliveryWorker) Work(ctx context.Context, j *river.Job[deliveryArgs]) error {
	next := w.NextRetry(j)
	last := j.Attempt >= j.MaxAttempts
	return w.b.deliver(ctx, j.Args.ID, next, last)
}

// RegisterWorkers adds the webhook worker to the store. Call it once,
// before store.StartJobs.
func (b *Backoffice) RegisterWorkers() {
	river.AddWorker(b.s.Workers(), &deliveryWorker{b: b})
}

// errPermanent ends a delivery without retries.
var errPermanent = errors.New("permanent")

// deliver makes one attempt at delivery id. next is when River will retry
// if it fails, recorded for the console; last says no retry follows.
func (b *Backoffice) deliver(ctx context.Context, id string, next time.Time, last bool) error {
	const op = "apply.deliver"
	var (
		hookURL, secret, state, body, agency, kind string
		disabled                                   sql.NullTime
	)
	err := b.s.Read().QueryRowContext(ctx, `SELECT w.url, w.secret, w.disabled_at, d.state, d.body, d.agency, d.kind
		FROM apply_webhook_deliveries d JOIN apply_webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, id).
		Scan(&hookURL, &secret, &disabled, &state, &body, &agency, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("%s: delivery %s is gone", op, id))
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	if state == DeliveryDelivered || state == DeliveryFailed {
		return nil
	}
	if disabled.Valid {
		_ = b.record(ctx, id, agency, kind, 0, "the endpoint was disabled", nil, true)
		return river.JobCancel(fmt.Errorf("%s: endpoint disabled", op))
	}
	status, sendErr := b.send(ctx, hookURL, secret, id, []byte(body))
	if sendErr == nil {
		return b.record(ctx, id, agency, kind, status, "", nil, false)
	}
	final := last || errors.Is(sendErr, errPermanent)
	var nextAt *time.Time
	if !final {
		nextAt = &next
	}
	if err := b.record(ctx, id, agency, kind, status, sendErr.Error(), nextAt, final); err != nil {
		return err
	}
	if errors.Is(sendErr, errPermanent) {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// send POSTs body to hookURL, signed; it returns the HTTP status.
func (b *Backoffice) send(ctx context.Context, hookURL, secret, id string, body []byte) (int, error) {
	if err := CheckWebhookURL(hookURL, b.opt.AllowLoopbackHTTP); err != nil {
		return 0, fmt.Errorf("%w: the URL is no longer allowed", errPermanent)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errPermanent, err)
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Panjare-Webhook/1")
	req.Header.Set(HeaderWebhookID, id)
	req.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderWebhookSignature, Sign(secret, ts, body))
	resp, err := b.opt.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("sending failed: %s", shorten(err.Error()))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("the endpoint answered HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300]
	}
	return s
}

// record writes the outcome of one attempt and its event.
func (b *Backoffice) record(ctx context.Context, id, agency, kind string, status int, lastErr string, next *time.Time, final bool) error {
	return b.s.InTx(ctx, func(tx *store.Tx) error {
		now := b.s.Now()
		state, ev := DeliveryRetrying, evHookFail
		var delivered *time.Time
		switch {
		case lastErr == "":
			state, ev, delivered = DeliveryDelivered, evDelivered, &now
		case final:
			state = DeliveryFailed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE apply_webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3,
			next_retry = $4, delivered_at = $5 WHERE id = $6`, state, status, lastErr, next, delivered, id); err != nil {
			return errs.Wrap("apply.deliver", err)
		}
		err := tx.Append(ctx, store.Event{Kind: ev, Actor: "system", Agency: agency},
			map[string]any{"delivery": id, "kind": kind, "status": status, "state": state})
		return err
	})
}

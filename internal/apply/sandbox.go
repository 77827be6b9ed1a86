package apply

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Sandbox is the demo's payment provider: a simulated bank with its own
// pages under /sandbox/pay/{id}, where the citizen pays or cancels. It then
// calls the platform's callback endpoint server to server with a body
// signed by HMAC-SHA256 (header SandboxSignature), as a real gateway would,
// and only then sends the browser back. Its records live in
// apply_sandbox_payments, apart from the platform's own payments, so that
// reconciliation compares two separate books.
type Sandbox struct {
	s        *store.Store
	secret   []byte
	base     string // where its pages are served: BaseURL + "/sandbox/pay/"
	callback string // the platform's callback endpoint
	client   *http.Client
	page     *template.Template
	// MaxAge is how old a callback may be when it arrives; default 10 minutes.
	MaxAge time.Duration
}

// SandboxSignature is the header that carries a callback's HMAC, in hex.
const SandboxSignature = "X-Sandbox-Signature"

// SandboxCallbackPath is the platform's endpoint the sandbox calls.
const SandboxCallbackPath = "/api/v1/payments/sandbox/callback"

// NewSandbox returns the sandbox provider of a portal at baseURL, signing
// its callbacks with secret (at least 32 bytes).
func NewSandbox(s *store.Store, baseURL string, secret []byte) (*Sandbox, error) {
	if len(secret) < 32 {
		return nil, errs.E("apply.NewSandbox", errs.Internal, "the sandbox secret must be at least 32 bytes", "")
	}
	return &Sandbox{s: s, secret: secret, base: strings.TrimRight(baseURL, "/") + "/sandbox/pay/",
		callback: strings.TrimRight(baseURL, "/") + SandboxCallbackPath, client: &http.Client{Timeout: 10 * time.Second},
		page: template.Must(template.New("pay").Parse(sandboxPage)), MaxAge: 10 * time.Minute}, nil
}

// Name implements PaymentProvider.
func (sb *Sandbox) Name() string { return "sandbox" }

// Start implements PaymentProvider: it opens the sandbox's own record.
func (sb *Sandbox) Start(ctx context.Context, p Payment) (string, error) {
	err := sb.s.InTx(ctx, func(tx *store.Tx) error {
		now := sb.s.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_sandbox_payments (id, amount, return_url, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, p.ID, p.Amount, p.ReturnURL+"?id="+p.ID, PayPending, now); err != nil {
			return errs.Wrap("apply.Sandbox.Start", err)
		}
		err := tx.Append(ctx, store.Event{Kind: "apply.sandbox.started", Actor: "system"}, map[string]any{"payment": p.ID, "amount": p.Amount})
		return err
	})
	if err != nil {
		return "", err
	}
	return sb.base + p.ID, nil
}

// Sign returns the HMAC of body, in hex.
func (sb *Sandbox) Sign(body []byte) string {
	m := hmac.New(sha256.New, sb.secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify implements PaymentProvider: the HMAC must match and the callback
// must be recent.
func (sb *Sandbox) Verify(h http.Header, body []byte) (Callback, error) {
	const op = "apply.Sandbox.Verify"
	got, err := hex.DecodeString(h.Get(SandboxSignature))
	want, _ := hex.DecodeString(sb.Sign(body))
	if err != nil || !hmac.Equal(got, want) {
		return Callback{}, errs.E(op, errs.Forbidden, "the callback's signature is not valid", "امضای پیام درگاه معتبر نیست")
	}
	var cb Callback
	if err := json.Unmarshal(body, &cb); err != nil || cb.ID == "" || cb.Payment == "" {
		return Callback{}, errs.E(op, errs.Invalid, "the callback is malformed", "پیام درگاه نادرست است")
	}
	if age := sb.s.Now().Sub(cb.At); age > sb.MaxAge || age < -time.Minute {
		return Callback{}, errs.E(op, errs.Forbidden, "the callback is too old", "پیام درگاه کهنه است")
	}
	return cb, nil
}

// Records implements PaymentProvider.
func (sb *Sandbox) Records(ctx context.Context) ([]ProviderRecord, error) {
	rows, err := sb.s.Read().QueryContext(ctx, `SELECT id, amount, state FROM apply_sandbox_payments ORDER BY created_at`)
	if err != nil {
		return nil, errs.Wrap("apply.Sandbox.Records", err)
	}
	defer rows.Close()
	var out []ProviderRecord
	for rows.Next() {
		var r ProviderRecord
		if err := rows.Scan(&r.Payment, &r.Amount, &r.State); err != nil {
			return nil, errs.Wrap("apply.Sandbox.Records", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sandboxRecord is one of the sandbox's records.
type sandboxRecord struct {
	ID, State, ReturnURL string
	Amount               int64
}

func (sb *Sandbox) record(ctx context.Context, id string) (sandboxRecord, error) {
	r := sandboxRecord{ID: id}
	err := sb.s.Read().QueryRowContext(ctx, `SELECT amount, state, return_url FROM apply_sandbox_payments WHERE id = $1`, id).
		Scan(&r.Amount, &r.State, &r.ReturnURL)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("apply.Sandbox", "payment", "پرداخت")
	}
	return r, err
}

// Settle records the citizen's choice (paid or cancelled) in the sandbox's
// books and returns the signed callback to deliver. It is what the pay and
// cancel buttons do.
func (sb *Sandbox) Settle(ctx context.Context, id, state string) (body []byte, err error) {
	const op = "apply.Sandbox.Settle"
	if state != PayPaid && state != PayCancelled {
		return nil, errs.E(op, errs.Invalid, "pay or cancel", "پرداخت یا انصراف")
	}
	err = sb.s.InTx(ctx, func(tx *store.Tx) error {
		var amount int64
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT amount, state FROM apply_sandbox_payments WHERE id = $1`, id).Scan(&amount, &cur); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.NotFoundf(op, "payment", "پرداخت")
			}
			return errs.Wrap(op, err)
		}
		if cur != PayPending {
			return errs.E(op, errs.Conflict, "this payment is already settled", "این پرداخت پیش‌تر انجام شده است")
		}
		now := sb.s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE apply_sandbox_payments SET state = $1, updated_at = $2 WHERE id = $3`, state, now, id); err != nil {
			return errs.Wrap(op, err)
		}
		body, _ = json.Marshal(Callback{ID: randomID("cb_"), Payment: id, State: state, Amount: amount, At: now})
		err := tx.Append(ctx, store.Event{Kind: "apply.sandbox.settled", Actor: "system"}, map[string]any{"payment": id, "state": state})
		return err
	})
	return body, err
}

// Deliver posts a signed callback body to the platform's endpoint.
func (sb *Sandbox) Deliver(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sb.callback, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SandboxSignature, sb.Sign(body))
	resp, err := sb.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("callback answered %d", resp.StatusCode)
	}
	return nil
}

// Handler serves the sandbox's pages: GET and POST /sandbox/pay/{id}.
func (sb *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sandbox/pay/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec, err := sb.record(r.Context(), r.PathValue("id"))
		if err != nil {
			http.Error(w, "پرداخت پیدا نشد", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = sb.page.Execute(w, map[string]any{"ID": rec.ID, "Amount": persian.Digits(groupDigits(rec.Amount)), "Pending": rec.State == PayPending,
			"State": rec.State, "Return": rec.ReturnURL})
	})
	mux.HandleFunc("POST /sandbox/pay/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		rec, err := sb.record(r.Context(), id)
		if err != nil {
			http.Error(w, "پرداخت پیدا نشد", http.StatusNotFound)
			return
		}
		state := PayCancelled
		if r.PostFormValue("action") == "pay" {
			state = PayPaid
		}
		body, err := sb.Settle(r.Context(), id, state)
		if err != nil {
			http.Error(w, "این پرداخت پیش‌تر انجام شده است", errs.StatusOf(errs.KindOf(err)))
			return
		}
		// The bank tells the platform first, then sends the browser back.
		// A callback that fails is caught by reconciliation.
		_ = sb.Deliver(r.Context(), body)
		http.Redirect(w, r, rec.ReturnURL, http.StatusSeeOther)
	})
	return mux
}

// groupDigits writes n with the Persian thousands separator (٬).
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('٬')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sandboxPage is the bank's page. It is the portal's stylesheet with the
// bank's own frame, so that nobody mistakes it for the portal itself.
const sandboxPage = `<!DOCTYPE html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>درگاه پرداخت آزمایشی</title><link rel="stylesheet" href="/static/css/panjare.css"><link rel="icon" href="/favicon.ico"></head>
<body>
<header class="header header--bank"><div class="width-container header__inner"><span class="header__name">بانک آزمایشی · درگاه پرداخت</span></div></header>
<div class="width-container"><main class="main" id="main">
<h1 class="heading-xl">درگاه پرداخت آزمایشی</h1>
<p class="lead">این درگاه شبیه‌سازی یک بانک است و پول واقعی جابه‌جا نمی‌شود.</p>
<dl class="summary"><div class="summary__row"><dt>شناسهٔ پرداخت</dt><dd><bdi dir="ltr" class="code">{{.ID}}</bdi></dd></div><div class="summary__row"><dt>مبلغ</dt><dd id="amount">{{.Amount}} ریال</dd></div></dl>
{{if .Pending}}<div class="button-group">
<form method="post"><input type="hidden" name="action" value="pay"><button class="button" id="pay" type="submit">پرداخت</button></form>
<form method="post"><input type="hidden" name="action" value="cancel"><button class="button button--secondary" id="cancel" type="submit">انصراف</button></form>
</div>{{else}}<div class="notice notice--done" role="status"><p class="notice__text" id="settled">این پرداخت انجام شده است.</p></div><p><a href="{{.Return}}">بازگشت به پنجره ملی خدمات</a></p>{{end}}
</main></div>
<footer class="footer"><div class="width-container"><p class="footer__note">بانک آزمایشی پنجرهٔ ملی خدمات؛ برای نمایش و آزمون.</p></div></footer>
</body></html>`

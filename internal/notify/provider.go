package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/panjare/panjare/internal/store"
)

// Outgoing is one SMS or email handed to a provider.
type Outgoing struct {
	Channel  string // "sms" or "email"
	To       string // a normalised mobile number (09xxxxxxxxx) or an email address; personal data
	Subject  string // email only
	Body     string
	NoticeID int64 // the inbox message it belongs to; with Channel, an idempotency key for the provider
}

// Provider sends SMS or email: Kavenegar, SMTP, or the demo Outbox; another
// gateway implements it and is passed to New (see internal/app).
//
// Send is called by a River job and may be called again for the same
// NoticeID and Channel after a crash or a lost answer: providers that can
// should use them as an idempotency key. An error wrapped with Permanent
// (an invalid or unreachable number, a rejected address) stops the delivery;
// any other error is retried with backoff. Wrap errors with Fail to give
// their class, which the inbox shows. Errors are stored after redaction,
// but providers should still not put the destination, nor a secret, in them.
type Provider interface {
	Name() string
	Send(ctx context.Context, m Outgoing) error
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the delivery is not retried.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was wrapped with Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanentError)) }

// The classes of a failed send, which the inbox shows to the citizen in
// their words and operators filter on. They are stable keys: add, never
// rename.
const (
	ClassTimeout     = "timeout"     // the provider did not answer in time
	ClassUnreachable = "unreachable" // no connection to the provider
	ClassRefused     = "refused"     // the provider refused for now (busy, out of credit, rate limit)
	ClassRejected    = "rejected"    // the provider refused this message or destination for good
	ClassMalformed   = "malformed"   // the provider's reply could not be read
	ClassAuth        = "auth"        // the provider refused our credentials or sender line
	ClassUndelivered = "undelivered" // accepted, then reported as not delivered
	ClassOther       = "other"
)

// classError gives a provider's error its class.
type classError struct {
	class string
	err   error
}

func (e classError) Error() string { return e.err.Error() }
func (e classError) Unwrap() error { return e.err }

// Fail wraps err with its class (one of the Class constants). Wrap the
// result with Permanent when retrying cannot help.
func Fail(class string, err error) error { return classError{class, err} }

// ErrorClass returns the class of a send's error: the one given with Fail,
// else timeout for a deadline or a network timeout, unreachable for a
// failed dial, other for the rest.
func ErrorClass(err error) string {
	if err == nil {
		return ""
	}
	if ce := (classError{}); errors.As(err, &ce) {
		return ce.class
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	if oe := (*net.OpError)(nil); errors.As(err, &oe) && oe.Op == "dial" {
		return ClassUnreachable
	}
	return ClassOther
}

// RegisterWorkers adds the delivery worker to the store's River workers. Call
// it before store.StartJobs.
func (n *Notifier) RegisterWorkers() {
	river.AddWorker(n.s.Workers(), &deliverWorker{n: n})
	river.AddWorker(n.s.Workers(), &reportWorker{n: n})
}

// Delivery is the state of one SMS or email, for operators and tests. It
// holds no destination.
type Delivery struct {
	ID          int64
	NoticeID    int64
	Channel     string
	Provider    string
	Status      string // queued | sent | failed
	Attempts    int
	LastError   string // redacted
	ErrorClass  string // the class of LastError (see ErrorClass)
	Report      string // the provider's last delivery report
	DeliveredAt *time.Time
}

// Deliveries returns the deliveries of notice id, oldest first.
func (n *Notifier) Deliveries(ctx context.Context, noticeID int64) ([]Delivery, error) {
	rows, err := n.s.Read().QueryContext(ctx, `SELECT id, notice_id, channel, provider, status, attempts, last_error, error_class, report, delivered_at
		FROM notify_deliveries WHERE notice_id = $1 ORDER BY id`, noticeID)
	if err != nil {
		return nil, fmt.Errorf("notify.Deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var delivered sql.NullTime
		if err := rows.Scan(&d.ID, &d.NoticeID, &d.Channel, &d.Provider, &d.Status, &d.Attempts, &d.LastError, &d.ErrorClass, &d.Report, &delivered); err != nil {
			return nil, fmt.Errorf("notify.Deliveries: %w", err)
		}
		if delivered.Valid {
			t := delivered.Time.UTC()
			d.DeliveredAt = &t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// deliverWorker sends one SMS or email.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	n *Notifier
}

// maxRetryWait caps the backoff between attempts.
const maxRetryWait = time.Hour

// NextRetry backs off exponentially from the notifier's retry base.
func (w *deliverWorker) NextRetry(j *river.Job[deliverArgs]) time.Time {
	d := w.n.retryBase
	for i := 1; i < j.Attempt && d < maxRetryWait; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, maxRetryWait))
}

// Timeout bounds one call to a provider.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration { return time.Minute }

// Work sends the delivery once. It is idempotent: a delivery already sent or
// failed is left alone. Sending is at least once: if the provider accepted
// the message but recording it failed, the next attempt sends it again with
// the same NoticeID, which providers may use to drop the duplicate.
func (w *deliverWorker) Work(ctx context.Context, j *river.Job[deliverArgs]) error {
	n := w.n
	var m Outgoing
	var status, recipient string
	err := n.s.DB().QueryRowContext(ctx, `SELECT d.channel, d.destination, d.subject, d.body, d.notice_id, d.status, i.recipient
		FROM notify_deliveries d JOIN notify_inbox i ON i.id = d.notice_id WHERE d.id = $1`, j.Args.DeliveryID).
		Scan(&m.Channel, &m.To, &m.Subject, &m.Body, &m.NoticeID, &status, &recipient)
	if errors.Is(err, sql.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("notify.deliver %d: no such delivery", j.Args.DeliveryID))
	}
	if err != nil {
		return fmt.Errorf("notify.deliver %d: %w", j.Args.DeliveryID, err)
	}
	if status != "queued" {
		return nil
	}
	p := n.providerFor(m.Channel)
	if p == nil {
		return river.JobCancel(fmt.Errorf("notify.deliver %d: no provider for %s", j.Args.DeliveryID, m.Channel))
	}
	sendErr := p.Send(ctx, m)
	final := sendErr == nil || IsPermanent(sendErr) || j.Attempt >= j.MaxAttempts
	status, kind := "queued", "notify.delivery.retrying"
	switch {
	case sendErr == nil:
		status, kind = "sent", "notify.delivery.sent"
	case final:
		status, kind = "failed", "notify.delivery.failed"
	}
	lastErr, class := "", ErrorClass(sendErr)
	if sendErr != nil {
		lastErr = Redact(sendErr.Error())
	}
	err = n.s.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Store().Now()
		var sentAt any
		if status == "sent" {
			sentAt = now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notify_deliveries SET status = $1, attempts = $2, last_error = $3, error_class = $4, provider = $5,
			updated_at = $6, sent_at = $7 WHERE id = $8 AND status = 'queued'`,
			status, j.Attempt, lastErr, class, p.Name(), now, sentAt, j.Args.DeliveryID); err != nil {
			return err
		}
		// A provider that reports delivery is asked later whether the
		// message arrived.
		if _, ok := p.(Reporter); ok && status == "sent" {
			if err := tx.Enqueue(ctx, reportArgs{DeliveryID: j.Args.DeliveryID},
				&river.InsertOpts{ScheduledAt: time.Now().Add(n.reportAfter), MaxAttempts: 10}); err != nil {
				return err
			}
		}
		ev := store.Event{Kind: kind, Actor: "system"}
		if a, ok := strings.CutPrefix(recipient, AgencyPrefix); ok {
			ev.Agency = a
		} else {
			ev.Subject = recipient
		}
		payload := map[string]any{"delivery_id": j.Args.DeliveryID, "notice_id": m.NoticeID, "channel": m.Channel,
			"provider": p.Name(), "attempt": j.Attempt}
		if lastErr != "" {
			payload["error"], payload["class"] = lastErr, class
		}
		err := tx.Append(ctx, ev, payload)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify.deliver %d: record: %w", j.Args.DeliveryID, err)
	}
	switch {
	case sendErr == nil:
		return nil
	case final:
		return river.JobCancel(fmt.Errorf("notify.deliver %d: %s", j.Args.DeliveryID, lastErr))
	default:
		return fmt.Errorf("notify.deliver %d: %s", j.Args.DeliveryID, lastErr)
	}
}

var (
	redactDigits = regexp.MustCompile(`[+0-9۰-۹٠-٩][0-9۰-۹٠-٩ \-]{5,}[0-9۰-۹٠-٩]`)
	redactEmail  = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)
)

// Redact removes what may be personal data from a provider's error before it
// is stored or logged: runs of seven or more digits (phone numbers, national
// codes) and email addresses. It also bounds its length.
func Redact(s string) string {
	s = redactEmail.ReplaceAllString(s, "[address]")
	s = redactDigits.ReplaceAllString(s, "[number]")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

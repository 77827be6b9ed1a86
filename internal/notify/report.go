package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/panjare/panjare/internal/store"
)

// Reporter is a provider that can say whether a message it accepted reached
// its destination (an SMS gateway's delivery report). After a send succeeds,
// a River job asks Report until the answer is final or the report window
// has passed; the inbox then shows "delivered", or the delivery fails with
// the class undelivered.
type Reporter interface {
	Report(ctx context.Context, m Outgoing) (Report, error)
}

// Report is a provider's delivery report.
type Report struct {
	Final     bool   // nothing will change any more
	Delivered bool   // with Final: it reached the phone or mailbox
	Status    string // the provider's words, such as "delivered" or "in queue"; no personal data
}

// reportArgs is the River job that asks a provider for the delivery report
// of one sent SMS or email.
type reportArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job for River.
func (reportArgs) Kind() string { return "notify.report" }

// reportWorker asks for one delivery report.
type reportWorker struct {
	river.WorkerDefaults[reportArgs]
	n *Notifier
}

// Timeout bounds one call to a provider.
func (w *reportWorker) Timeout(*river.Job[reportArgs]) time.Duration { return time.Minute }

// Work asks the provider once. A report that is not final snoozes the job
// for as long as the message has been out (so polls thin out), at most an
// hour, until the report window has passed since it was sent. It is
// idempotent: a delivery that is not "sent" or already delivered is left
// alone.
func (w *reportWorker) Work(ctx context.Context, j *river.Job[reportArgs]) error {
	n := w.n
	var m Outgoing
	var status, recipient string
	var sentAt sql.NullTime
	var delivered sql.NullTime
	err := n.s.DB().QueryRowContext(ctx, `SELECT d.channel, d.destination, d.subject, d.body, d.notice_id, d.status, d.sent_at, d.delivered_at, i.recipient
		FROM notify_deliveries d JOIN notify_inbox i ON i.id = d.notice_id WHERE d.id = $1`, j.Args.DeliveryID).
		Scan(&m.Channel, &m.To, &m.Subject, &m.Body, &m.NoticeID, &status, &sentAt, &delivered, &recipient)
	if errors.Is(err, sql.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("notify.report %d: no such delivery", j.Args.DeliveryID))
	}
	if err != nil {
		return fmt.Errorf("notify.report %d: %w", j.Args.DeliveryID, err)
	}
	if status != "sent" || delivered.Valid {
		return nil
	}
	r, ok := n.providerFor(m.Channel).(Reporter)
	if !ok {
		return nil
	}
	rep, err := r.Report(ctx, m)
	if err != nil {
		return fmt.Errorf("notify.report %d: %s", j.Args.DeliveryID, Redact(err.Error()))
	}
	out := time.Since(sentAt.Time)
	if !rep.Final && out < n.reportWindow {
		// Record the provider's words now; ask again later.
		if _, err := n.s.DB().ExecContext(ctx, `UPDATE notify_deliveries SET report = $1 WHERE id = $2 AND status = 'sent'`,
			Redact(rep.Status), j.Args.DeliveryID); err != nil {
			return fmt.Errorf("notify.report %d: %w", j.Args.DeliveryID, err)
		}
		return river.JobSnooze(min(max(out, n.reportAfter), time.Hour))
	}
	kind := "notify.delivery.delivered"
	if !rep.Delivered {
		kind = "notify.delivery.undelivered"
	}
	if !rep.Final {
		kind = "notify.delivery.unreported"
	}
	err = n.s.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Store().Now()
		var q string
		switch {
		case !rep.Final:
			q = `UPDATE notify_deliveries SET report = $1, updated_at = $2 WHERE id = $3 AND status = 'sent'`
		case rep.Delivered:
			q = `UPDATE notify_deliveries SET report = $1, updated_at = $2, delivered_at = $2 WHERE id = $3 AND status = 'sent'`
		default:
			q = `UPDATE notify_deliveries SET report = $1, updated_at = $2, status = 'failed', error_class = '` + ClassUndelivered + `'
				WHERE id = $3 AND status = 'sent'`
		}
		if _, err := tx.ExecContext(ctx, q, Redact(rep.Status), now, j.Args.DeliveryID); err != nil {
			return err
		}
		ev := store.Event{Kind: kind, Actor: "system"}
		if a, ok := strings.CutPrefix(recipient, AgencyPrefix); ok {
			ev.Agency = a
		} else {
			ev.Subject = recipient
		}
		return tx.Append(ctx, ev, map[string]any{"delivery_id": j.Args.DeliveryID, "notice_id": m.NoticeID, "channel": m.Channel,
			"report": Redact(rep.Status)})
	})
	if err != nil {
		return fmt.Errorf("notify.report %d: record: %w", j.Args.DeliveryID, err)
	}
	return nil
}

// providerFor returns the provider of channel, or nil.
func (n *Notifier) providerFor(channel string) Provider {
	switch channel {
	case ChannelEmail:
		return n.email
	case ChannelSMS:
		return n.sms
	}
	return nil
}

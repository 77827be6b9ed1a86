package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Outbox is the demo provider: it sends nothing, and writes every SMS and
// email to the notify_outbox table instead, where /dev/outbox shows them. It
// must never be used where citizens expect real messages.
type Outbox struct {
	s *store.Store
}

var _ Provider = (*Outbox)(nil)

// NewOutbox returns the demo provider writing to s.
func NewOutbox(s *store.Store) *Outbox { return &Outbox{s: s} }

// Name names the provider in deliveries.
func (o *Outbox) Name() string { return "outbox" }

// Send writes m to the outbox. Sending the same notice and channel again
// writes nothing new. A destination that is not a valid mobile number or
// email address is a permanent failure, as a real gateway would answer.
func (o *Outbox) Send(ctx context.Context, m Outgoing) error {
	switch m.Channel {
	case ChannelSMS:
		if _, err := ParseMobile(m.To); err != nil {
			return Permanent(err)
		}
	case ChannelEmail:
		if _, err := ParseEmail(m.To); err != nil {
			return Permanent(err)
		}
	default:
		return Permanent(errs.E("notify.Outbox.Send", errs.Invalid, "unknown channel "+m.Channel, "کانال ارسال ناشناخته است"))
	}
	return o.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO notify_outbox (notice_id, channel, destination, subject, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notice_id, channel) DO NOTHING`,
			m.NoticeID, m.Channel, m.To, m.Subject, m.Body, tx.Store().Now())
		if err != nil {
			return fmt.Errorf("notify.Outbox.Send: %w", err)
		}
		n, _ := res.RowsAffected()
		err = tx.Append(ctx, store.Event{Kind: "notify.outbox.written", Actor: "system"},
			map[string]any{"notice_id": m.NoticeID, "channel": m.Channel, "duplicate": n == 0})
		return err
	})
}

// OutboxEntry is one message the demo provider pretended to send.
type OutboxEntry struct {
	ID        int64
	NoticeID  int64
	Channel   string
	To        string // personal data: shown only on the demo page
	Subject   string
	Body      string
	CreatedAt time.Time
}

// List returns the newest entries of the outbox, newest first (at most limit,
// default 100).
func (o *Outbox) List(ctx context.Context, limit int) ([]OutboxEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := o.s.Read().QueryContext(ctx, `SELECT id, notice_id, channel, destination, subject, body, created_at
		FROM notify_outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("notify.Outbox.List: %w", err)
	}
	defer rows.Close()
	out := []OutboxEntry{}
	for rows.Next() {
		var e OutboxEntry
		if err := rows.Scan(&e.ID, &e.NoticeID, &e.Channel, &e.To, &e.Subject, &e.Body, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("notify.Outbox.List: %w", err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

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

// List returns a page of the outbox, newest first: at most limit (1 to
// 1000; 0 for 100) after cursor ("" for the first page), and the cursor of
// the next page, "" on the last. A cursor that was not made here is
// errs.Invalid.
func (o *Outbox) List(ctx context.Context, cursor string, limit int) ([]OutboxEntry, string, error) {
	const op = "notify.Outbox.List"
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	before := int64(1<<63 - 1)
	if cursor != "" {
		var err error
		if before, err = store.ParseIDCursor(op, cursor); err != nil {
			return nil, "", err
		}
	}
	rows, err := o.s.Read().QueryContext(ctx, `SELECT id, notice_id, channel, destination, subject, body, created_at
		FROM notify_outbox WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	out := []OutboxEntry{}
	for rows.Next() {
		var e OutboxEntry
		if err := rows.Scan(&e.ID, &e.NoticeID, &e.Channel, &e.To, &e.Subject, &e.Body, &e.CreatedAt); err != nil {
			return nil, "", fmt.Errorf("%s: %w", op, err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	return out[:limit], store.IDCursor(out[limit-1].ID), nil
}

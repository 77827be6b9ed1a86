package notify

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns notify's migration set: the inbox, the deliveries and
// the demo outbox.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "notify", FS: sub}
}

// Channels of delivery besides the inbox.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// AgencyPrefix starts the recipient of a notice to an agency: "agency:NOCR".
const AgencyPrefix = "agency:"

// Notice is one thing to tell one recipient. The inbox message is always
// written; SMS and email are sent besides it when asked for.
type Notice struct {
	To       string            // national code of the person (citizens), or "agency:CODE"
	Template string            // a key of the templates, e.g. "case.submitted"
	Data     map[string]string // template fields: tracking, service, reason, document, link, ...
	SMS      bool              // also send an SMS to Phone
	Email    bool              // also send an email to Address
	Phone    string            // Iranian mobile number (personal data: never logged)
	Address  string            // email address (personal data: never logged)
	// AsChosen makes SMS and Email follow the person's choice (Choose)
	// when they have made one: SMS to Phone only if they chose SMS and a
	// Phone is given, email to their confirmed address only if they chose
	// email; a channel without a provider is then left out rather than
	// refused. Without a choice, SMS and Email are as set.
	AsChosen bool
}

// Message is one message of an inbox.
type Message struct {
	ID         int64            `json:"id"`
	Template   string           `json:"template"`
	TitleFa    string           `json:"title_fa"`
	BodyFa     string           `json:"body_fa"`
	TitleEn    string           `json:"title_en"`
	BodyEn     string           `json:"body_en"`
	Link       string           `json:"link,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	ReadAt     *time.Time       `json:"read_at,omitempty"`
	Deliveries []DeliveryStatus `json:"deliveries"` // the SMS and email sent besides, oldest first
}

// DeliveryStatus is what the recipient is shown of one SMS or email of a
// message: never the destination, nor the provider's own words.
type DeliveryStatus struct {
	Channel    string     `json:"channel"`               // sms | email
	Status     string     `json:"status"`                // queued | retrying | sent | delivered | failed
	Attempts   int        `json:"attempts"`              // sends tried so far
	ErrorClass string     `json:"error_class,omitempty"` // why the last try failed (see ErrorClass)
	Provider   string     `json:"provider"`              // "outbox" in the demo: nothing was sent
	UpdatedAt  time.Time  `json:"updated_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}

// Unread reports whether the message has not been read yet.
func (m Message) Unread() bool { return m.ReadAt == nil }

// Notifier writes inboxes and delivers SMS and email. It is safe for
// concurrent use.
type Notifier struct {
	s          *store.Store
	sms, email Provider

	baseURL     string        // makes links absolute in email
	retryBase   time.Duration // first retry delay; doubles each attempt
	maxAttempts int

	reportAfter  time.Duration // first ask for a delivery report this long after sending
	reportWindow time.Duration // stop asking this long after sending
}

// WithBaseURL sets the portal's public URL, which makes the links of notices
// absolute in email, and returns n.
func (n *Notifier) WithBaseURL(u string) *Notifier {
	n.baseURL = strings.TrimRight(u, "/")
	return n
}

// Outbox returns the demo outbox when it is one of n's providers, or nil:
// the /dev/outbox page exists only then.
func (n *Notifier) Outbox() *Outbox {
	if o, ok := n.sms.(*Outbox); ok {
		return o
	}
	if o, ok := n.email.(*Outbox); ok {
		return o
	}
	return nil
}

// Sends reports whether n has a provider for channel: a caller sets SMS
// or Email on a notice only then, since SendTx refuses a channel without one.
func (n *Notifier) Sends(channel string) bool {
	return n.providerFor(channel) != nil
}

// New returns a notifier that sends SMS through sms and email through email.
// Either may be nil: notices that ask for that channel are then refused
// (errs.Unavailable). The demo passes NewOutbox(s) for both.
func New(s *store.Store, sms, email Provider) *Notifier {
	return &Notifier{s: s, sms: sms, email: email, retryBase: 30 * time.Second, maxAttempts: 8,
		reportAfter: time.Minute, reportWindow: 24 * time.Hour}
}

// deliverArgs is the River job that sends one SMS or email. It carries only
// the delivery's id: the destination stays in notify_deliveries.
type deliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job for River.
func (deliverArgs) Kind() string { return "notify.deliver" }

// SendTx renders notice, writes it to the recipient's inbox, appends a
// notify.notice.sent event and enqueues its SMS and email deliveries, all in
// the caller's transaction tx. It returns errs.Invalid for an unknown
// template, a missing field, a bad recipient, phone number or address.
func (n *Notifier) SendTx(ctx context.Context, tx *store.Tx, notice Notice) error {
	const op = "notify.SendTx"
	to, err := parseRecipient(notice.To)
	if err != nil {
		return err
	}
	r, err := render(notice.Template, notice.Data, n.baseURL)
	if err != nil {
		return err
	}
	if isAgency := strings.HasPrefix(to, AgencyPrefix); isAgency != templates[notice.Template].audienceIsAgency {
		if isAgency {
			return errs.E(op, errs.Invalid, "notice "+notice.Template+" is for a person, not an agency", "پیام «"+notice.Template+"» برای شخص است، نه دستگاه")
		}
		return errs.E(op, errs.Invalid, "notice "+notice.Template+" is for an agency, not a person", "پیام «"+notice.Template+"» برای دستگاه است، نه شخص")
	}
	if notice.AsChosen && !strings.HasPrefix(to, AgencyPrefix) {
		if err := n.applyChoice(ctx, tx, to, &notice); err != nil {
			return err
		}
	}
	var phone, address string
	if notice.SMS {
		if n.sms == nil {
			return errs.E(op, errs.Unavailable, "no SMS provider is configured", "هیچ سرویس پیامکی پیکربندی نشده است")
		}
		if phone, err = ParseMobile(notice.Phone); err != nil {
			return err
		}
		if parts := SMSParts(r.SMS); parts > maxSMSParts {
			return errs.E(op, errs.Invalid, fmt.Sprintf("the SMS of %s is %d parts long, more than %d", notice.Template, parts, maxSMSParts),
				fmt.Sprintf("پیامک «%s» از %s بخش بلندتر می‌شود", notice.Template, persian.Digits(fmt.Sprint(maxSMSParts))))
		}
	}
	if notice.Email {
		if n.email == nil {
			return errs.E(op, errs.Unavailable, "no email provider is configured", "هیچ سرویس رایانامه‌ای پیکربندی نشده است")
		}
		if address, err = ParseEmail(notice.Address); err != nil {
			return err
		}
	}
	now := tx.Store().Now()
	// The notice and its deliveries are written with the rest of the
	// commit; their ids are reserved now, for the event and the jobs.
	id, err := tx.NextID(ctx, "notify_inbox")
	if err != nil {
		return fmt.Errorf("%s: inbox: %w", op, err)
	}
	tx.InsertLater("notify_inbox", inboxColumns, id, to, notice.Template, r.TitleFa, r.BodyFa, r.TitleEn, r.BodyEn, r.Link, now)
	var channels []string
	enqueue := func(channel, dest, subject, body string, p Provider) error {
		did, err := tx.NextID(ctx, "notify_deliveries")
		if err != nil {
			return fmt.Errorf("%s: delivery: %w", op, err)
		}
		tx.InsertLater("notify_deliveries", deliveryColumns, did, id, channel, dest, subject, body, p.Name(), now, now)
		channels = append(channels, channel)
		return tx.Enqueue(ctx, deliverArgs{DeliveryID: did}, &river.InsertOpts{MaxAttempts: n.maxAttempts})
	}
	if notice.SMS {
		if err := enqueue(ChannelSMS, phone, "", r.SMS, n.sms); err != nil {
			return err
		}
	}
	if notice.Email {
		if err := enqueue(ChannelEmail, address, r.Subject, r.Email, n.email); err != nil {
			return err
		}
	}
	ev := store.Event{Kind: "notify.notice.sent", Actor: "system"}
	if strings.HasPrefix(to, AgencyPrefix) {
		ev.Agency = strings.TrimPrefix(to, AgencyPrefix)
	} else {
		ev.Subject = to
	}
	if channels == nil {
		channels = []string{}
	}
	err = tx.Append(ctx, ev, map[string]any{"notice_id": id, "template": notice.Template, "channels": channels})
	return err
}

// The columns SendTx writes, in order.
var (
	inboxColumns    = []string{"id", "recipient", "template", "title_fa", "body_fa", "title_en", "body_en", "link", "created_at"}
	deliveryColumns = []string{"id", "notice_id", "channel", "destination", "subject", "body", "provider", "created_at", "updated_at"}
)

// Inbox returns the messages sent to to, newest first (at most 200).
func (n *Notifier) Inbox(ctx context.Context, to string) ([]Message, error) {
	list, _, err := n.InboxPage(ctx, to, 0, 200)
	return list, err
}

// InboxPage returns a page of the messages sent to to, newest first: at
// most limit (1 to 200) older than the message beforeID (0 for the first
// page), and the beforeID of the next page, 0 when this is the last.
func (n *Notifier) InboxPage(ctx context.Context, to string, beforeID int64, limit int) ([]Message, int64, error) {
	const op = "notify.Inbox"
	to, err := parseRecipient(to)
	if err != nil {
		return nil, 0, err
	}
	limit = min(max(limit, 1), 200)
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := n.s.Read().QueryContext(ctx, fmt.Sprintf(`SELECT id, template, title_fa, body_fa, title_en, body_en, link, created_at, read_at
		FROM notify_inbox WHERE recipient = $1 AND id < $2 ORDER BY id DESC LIMIT %d`, limit+1), to, beforeID)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var read sql.NullTime
		if err := rows.Scan(&m.ID, &m.Template, &m.TitleFa, &m.BodyFa, &m.TitleEn, &m.BodyEn, &m.Link, &m.CreatedAt, &read); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", op, err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		if read.Valid {
			t := read.Time.UTC()
			m.ReadAt = &t
		}
		m.Deliveries = []DeliveryStatus{}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	next := int64(0)
	if len(out) > limit {
		out, next = out[:limit], out[limit-1].ID
	}
	if err := n.addDeliveries(ctx, to, out); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	return out, next, nil
}

// addDeliveries fills the delivery status of msgs, the newest of to's inbox.
func (n *Notifier) addDeliveries(ctx context.Context, to string, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	byID := make(map[int64]*Message, len(msgs))
	for i := range msgs {
		byID[msgs[i].ID] = &msgs[i]
	}
	rows, err := n.s.Read().QueryContext(ctx, `SELECT d.notice_id, d.channel, d.status, d.attempts, d.error_class, d.provider,
		d.updated_at, d.sent_at, d.delivered_at
		FROM notify_deliveries d JOIN notify_inbox i ON i.id = d.notice_id
		WHERE i.recipient = $1 AND d.notice_id >= $2 ORDER BY d.id`, to, msgs[len(msgs)-1].ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d DeliveryStatus
		var sent, delivered sql.NullTime
		if err := rows.Scan(&id, &d.Channel, &d.Status, &d.Attempts, &d.ErrorClass, &d.Provider, &d.UpdatedAt, &sent, &delivered); err != nil {
			return err
		}
		d.UpdatedAt = d.UpdatedAt.UTC()
		if sent.Valid {
			t := sent.Time.UTC()
			d.SentAt = &t
		}
		switch {
		case delivered.Valid:
			d.Status = "delivered"
		case d.Status == "queued" && d.Attempts > 0:
			d.Status = "retrying"
		}
		if m := byID[id]; m != nil {
			m.Deliveries = append(m.Deliveries, d)
		}
	}
	return rows.Err()
}

// Unread returns how many of to's messages are unread.
func (n *Notifier) Unread(ctx context.Context, to string) (int, error) {
	to, err := parseRecipient(to)
	if err != nil {
		return 0, err
	}
	var c int
	err = n.s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_inbox WHERE recipient = $1 AND read_at IS NULL`, to).Scan(&c)
	if err != nil {
		return 0, fmt.Errorf("notify.Unread: %w", err)
	}
	return c, nil
}

// MarkRead marks message id of to's inbox as read. A message of someone
// else's inbox is errs.NotFound, as is one that does not exist. Marking a read
// message again changes nothing.
func (n *Notifier) MarkRead(ctx context.Context, to string, id int64) error {
	const op = "notify.MarkRead"
	to, err := parseRecipient(to)
	if err != nil {
		return err
	}
	notFound := errs.NotFoundf(op, "message", "پیام")
	err = n.s.InTx(ctx, func(tx *store.Tx) error {
		var read sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT read_at FROM notify_inbox WHERE id = $1 AND recipient = $2`, id, to).Scan(&read)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return err
		}
		if read.Valid {
			return errAlreadyRead
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notify_inbox SET read_at = $1 WHERE id = $2`, tx.Store().Now(), id); err != nil {
			return err
		}
		ev := store.Event{Kind: "notify.notice.read", Actor: "system"}
		if strings.HasPrefix(to, AgencyPrefix) {
			ev.Agency = strings.TrimPrefix(to, AgencyPrefix)
		} else {
			ev.Subject = to
		}
		err = tx.Append(ctx, ev, map[string]any{"notice_id": id})
		return err
	})
	if errors.Is(err, errAlreadyRead) {
		return nil
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return err
}

// errAlreadyRead rolls back MarkRead's transaction when there is nothing to do.
var errAlreadyRead = errors.New("already read")

// parseRecipient checks a notice's recipient: a valid national code (Persian
// digits accepted) or "agency:CODE".
func parseRecipient(to string) (string, error) {
	const op = "notify.recipient"
	to = strings.TrimSpace(to)
	if code, ok := strings.CutPrefix(to, AgencyPrefix); ok {
		if !agencycode.Valid(code) {
			return "", errs.E(op, errs.Invalid, "the agency code of the recipient is not valid", "کد دستگاه گیرنده درست نیست")
		}
		return to, nil
	}
	code := persian.NormalizeNationalCode(to)
	if persian.ValidNationalCode(code) {
		return code, nil
	}
	// A company applies through the person who represents it; its notices
	// go to its own inbox, which that person reads while acting for it.
	if id, err := identity.ParseLegalID(to); err == nil {
		return id, nil
	}
	return "", errs.E(op, errs.Invalid, "the recipient is not a valid national code or company national id",
		"گیرنده کد ملی یا شناسهٔ ملی درستی نیست")
}

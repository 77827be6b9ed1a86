package apply

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// The agency side for back-office systems (queue.go, webhooks.go,
// idempotency.go).
//
// The feed is the one list of what an agency's back office should hear
// about: each case event (submitted, moved, answered, overdue, paid,
// assigned) copied from the events table by the feeder, in order, with a
// sequence number that is the cursor. The pull queue reads it per API
// client from the client's acknowledged position, so items not acknowledged
// come back (at least once). Webhook deliveries are inserted and their River
// jobs enqueued in the same transaction that copies the item, so every item
// reaches every matching endpoint or stays visible as failed.
//
// The feeder reads the events table rather than hooking into each verb, so
// that every verb that appends a case event (today's and later ones) feeds
// the back office without knowing about it. Because the case event commits
// first, nothing is lost: the feeder's position advances only in the
// transaction that writes the feed. On PostgreSQL, event ids can commit out
// of order (a sequence is not a lock), so the feeder takes only events older
// than Settle, and stops at the first younger one; on SQLite writers are
// serialised and every committed event can be taken at once.

// Feed item kinds, as back offices see them.
const (
	FeedSubmitted = "case.submitted"
	FeedInReview  = "case.in_review"
	FeedAnswered  = "case.answered" // the applicant answered a request for information
	FeedNeedsInfo = "case.needs_info"
	FeedApproved  = "case.approved"
	FeedRejected  = "case.rejected"
	FeedIssued    = "case.issued"
	FeedWithdrawn = "case.withdrawn"
	FeedOverdue   = "case.overdue"
	FeedAssigned  = "case.assigned"
	FeedPaid      = "payment.confirmed"
)

// FeedKinds lists every feed item kind, for webhook subscriptions.
var FeedKinds = []string{FeedSubmitted, FeedInReview, FeedAnswered, FeedNeedsInfo, FeedApproved, FeedRejected,
	FeedIssued, FeedWithdrawn, FeedOverdue, FeedAssigned, FeedPaid}

// evAssigned is appended when a case is assigned to a colleague.
const (
	evAssigned  = "apply.case.assigned"
	evFeed      = "apply.feed.copied"
	evAcked     = "apply.queue.acked"
	evHook      = "apply.webhook.registered"
	evHookOff   = "apply.webhook.disabled"
	evDelivered = "apply.webhook.delivered"
	evHookFail  = "apply.webhook.failed"
)

// feedSources are the event kinds the feeder reads.
var feedSources = []string{evSubmitted, evTransition, evOverdue, evPayConfirmed, evPayReconciled, evAssigned}

// FeedItem is one item of an agency's feed: what happened to which case.
type FeedItem struct {
	Cursor   string    `json:"cursor"` // acknowledge up to here with Ack
	Kind     string    `json:"kind"`   // one of FeedKinds
	Tracking string    `json:"tracking"`
	Service  string    `json:"service"`
	State    State     `json:"state,omitempty"` // the case's state after it
	From     State     `json:"from,omitempty"`  // the state before, for moves
	Actor    string    `json:"actor"`           // "user:12", "apikey:3" or "system"
	At       time.Time `json:"at"`
}

// BackofficeOptions tune the back-office side.
type BackofficeOptions struct {
	// AllowLoopbackHTTP lets webhooks use http:// to a loopback address, for
	// the demo; otherwise only https:// to public addresses is accepted.
	AllowLoopbackHTTP bool
	// Client sends webhooks; default one that refuses private addresses
	// (see webhooks.go) with a 10-second timeout.
	Client *http.Client
	// Backoff is the wait before retry n (1, 2, ...) of a webhook delivery;
	// nil means River's own exponential backoff.
	Backoff func(attempt int) time.Duration
	// Settle is how old an event must be before the feeder takes it on
	// PostgreSQL; default 2 seconds. Ignored on SQLite.
	Settle time.Duration
	Log    *slog.Logger
}

// Backoffice is the agency side of apply for back-office systems: the feed,
// the pull queue, webhooks and idempotent decisions. It is safe for
// concurrent use.
type Backoffice struct {
	a   *Applications
	s   *store.Store
	opt BackofficeOptions
	log *slog.Logger
}

// NewBackoffice returns the back-office side of a.
func NewBackoffice(a *Applications, opt BackofficeOptions) *Backoffice {
	if opt.Settle <= 0 {
		opt.Settle = 2 * time.Second
	}
	if opt.Client == nil {
		opt.Client = safeClient(opt.AllowLoopbackHTTP)
	}
	log := opt.Log
	if log == nil {
		log = a.log
	}
	return &Backoffice{a: a, s: a.s, opt: opt, log: log}
}

// Applications returns the capability the back office works on.
func (b *Backoffice) Applications() *Applications { return b.a }

// Run copies new events into the feed every interval until ctx ends. Every
// node may run it: the feeder's position row serialises them.
func (b *Backoffice) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for { // a backlog is copied in batches without waiting for the tick
			_, more, err := b.feed(ctx)
			if err != nil && ctx.Err() == nil {
				b.log.Warn("the agency feed could not be copied; retrying", "err", err.Error())
			}
			if err != nil || !more {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type sourceEvent struct {
	id                    int64
	at                    time.Time
	kind, actor           string
	agency, service       string
	payload               string
	tracking, from, state string
}

// Feed copies the case events not yet copied into the agency feed, and
// enqueues their webhook deliveries in the same transaction. It returns how
// many items it wrote. It is idempotent; operators may run it by hand.
func (b *Backoffice) Feed(ctx context.Context) (int, error) {
	n, _, err := b.feed(ctx)
	return n, err
}

// kindIn is the condition "kind is a feed source", with placeholders
// numbered from first.
func kindIn(first int) string {
	marks := make([]string, len(feedSources))
	for i := range feedSources {
		marks[i] = "$" + strconv.Itoa(first+i)
	}
	return "kind IN (" + strings.Join(marks, ", ") + ")"
}

// feedBatch is how many events the feeder reads in one transaction.
const feedBatch = 500

// feed copies one batch; more reports that the batch was full.
func (b *Backoffice) feed(ctx context.Context) (written int, more bool, err error) {
	const op = "apply.Feed"
	kinds := make([]any, len(feedSources))
	for i, k := range feedSources {
		kinds[i] = k
	}
	// Look first on the read pool, so that an idle feeder never takes the
	// write lock (SQLite has one writer).
	var waiting int
	if err := b.s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM events
		WHERE id > (SELECT event_id FROM apply_feed_position WHERE id = 1) AND `+kindIn(1)+` LIMIT 1) w`, kinds...).Scan(&waiting); err != nil {
		return 0, false, errs.Wrap(op, err)
	}
	if waiting == 0 {
		return 0, false, nil
	}
	err = b.s.InTx(ctx, func(tx *store.Tx) error {
		written, more = 0, false
		q := `SELECT event_id FROM apply_feed_position WHERE id = 1`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE`
		}
		var pos int64
		if err := tx.QueryRowContext(ctx, q).Scan(&pos); err != nil {
			return errs.Wrap(op, err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, at, kind, actor, agency, service, payload FROM events
			WHERE id > $1 AND `+kindIn(2)+` ORDER BY id LIMIT `+strconv.Itoa(feedBatch), append([]any{pos}, kinds...)...)
		if err != nil {
			return errs.Wrap(op, err)
		}
		var evs []sourceEvent
		cutoff := b.s.Now().Add(-b.opt.Settle)
		for rows.Next() {
			var e sourceEvent
			if err := rows.Scan(&e.id, &e.at, &e.kind, &e.actor, &e.agency, &e.service, &e.payload); err != nil {
				rows.Close()
				return errs.Wrap(op, err)
			}
			if tx.Dialect() == store.Postgres && e.at.After(cutoff) {
				break // younger events wait, so none commits behind the position
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(op, err)
		}
		if len(evs) == 0 {
			return store.ErrNothingToDo
		}
		more = len(evs) == feedBatch
		hooks := map[string][]webhook{}
		for _, e := range evs {
			item, ok, err := b.itemOf(ctx, tx, e)
			if err != nil {
				return err
			}
			if !ok || e.agency == "" {
				continue
			}
			var seq int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO apply_feed (event_id, agency, kind, tracking, service, state, from_state, actor, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
				e.id, e.agency, item.Kind, item.Tracking, item.Service, item.State, item.From, item.Actor, item.At).Scan(&seq); err != nil {
				return errs.Wrap(op, err)
			}
			item.Cursor = strconv.FormatInt(seq, 10)
			written++
			hs, ok := hooks[e.agency]
			if !ok {
				if hs, err = activeWebhooks(ctx, tx, e.agency); err != nil {
					return err
				}
				hooks[e.agency] = hs
			}
			for _, h := range hs {
				if h.wants(item.Kind) {
					if err := b.enqueueDelivery(ctx, tx, h, seq, item); err != nil {
						return err
					}
				}
			}
		}
		last := evs[len(evs)-1].id
		if _, err := tx.ExecContext(ctx, `UPDATE apply_feed_position SET event_id = $1 WHERE id = 1`, last); err != nil {
			return errs.Wrap(op, err)
		}
		err = tx.Append(ctx, store.Event{Kind: evFeed, Actor: "system"}, map[string]any{"from": pos, "to": last, "items": written})
		return err
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return 0, false, nil
	}
	return written, more, err
}

// itemOf turns a case event into a feed item; ok is false for events that
// are no news to the agency (a payment that was cancelled).
func (b *Backoffice) itemOf(ctx context.Context, tx *store.Tx, e sourceEvent) (FeedItem, bool, error) {
	var pl struct {
		Tracking string `json:"tracking"`
		State    State  `json:"state"`
		From     State  `json:"from"`
		To       State  `json:"to"`
	}
	if err := json.Unmarshal([]byte(e.payload), &pl); err != nil || pl.Tracking == "" {
		return FeedItem{}, false, nil
	}
	it := FeedItem{Tracking: pl.Tracking, Service: e.service, State: pl.State, Actor: e.actor, At: e.at.UTC()}
	switch e.kind {
	case evSubmitted:
		it.Kind = FeedSubmitted
	case evOverdue:
		it.Kind = FeedOverdue
	case evAssigned:
		it.Kind = FeedAssigned
	case evPayConfirmed, evPayReconciled:
		if pl.State != PayPaid {
			return FeedItem{}, false, nil
		}
		it.Kind, it.State = FeedPaid, ""
	case evTransition:
		it.State, it.From, it.Kind = pl.To, pl.From, "case."+string(pl.To)
		if pl.From == NeedsInfo && pl.To == InReview {
			// The applicant's own answer, told apart from the agency
			// resuming by who submitted the case.
			var applicant string
			err := tx.QueryRowContext(ctx, `SELECT actor FROM apply_feed WHERE tracking = $1 AND kind = $2`, pl.Tracking, FeedSubmitted).Scan(&applicant)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return FeedItem{}, false, errs.Wrap("apply.Feed", err)
			}
			if applicant == e.actor {
				it.Kind = FeedAnswered
			}
		}
	default:
		return FeedItem{}, false, nil
	}
	return it, true, nil
}

// Pull limits.
const (
	defaultPull = 50
	maxPull     = 500
)

// apiClient checks that p is an agency's API client: only they have a
// position in the feed.
func apiClient(op string, p identity.Principal) error {
	if p.Kind != "apikey" || p.Agency == "" || p.ID == 0 {
		return errs.E(op, errs.Forbidden, "only an agency's API client has a queue position", "تنها کارخواه API دستگاه جایگاهی در صف دارد")
	}
	return nil
}

// Pull returns up to limit feed items of p's agency after p's acknowledged
// position, oldest first (0: the default of 50; at most 500). Items stay in
// the queue until acknowledged, so a client that fails before Ack gets them
// again. Only API clients pull (errs.Forbidden).
func (b *Backoffice) Pull(ctx context.Context, p identity.Principal, limit int) ([]FeedItem, error) {
	const op = "apply.Pull"
	if err := apiClient(op, p); err != nil {
		return nil, err
	}
	if limit < 0 || limit > maxPull {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("limit must be between 1 and %d", maxPull), fmt.Sprintf("limit باید میان ۱ و %d باشد", maxPull))
	}
	if limit == 0 {
		limit = defaultPull
	}
	if _, err := b.Feed(ctx); err != nil {
		b.log.Warn("the agency feed could not be copied before a pull", "err", err.Error())
	}
	acked, err := b.acked(ctx, p.ID)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	rows, err := b.s.Read().QueryContext(ctx, `SELECT seq, kind, tracking, service, state, from_state, actor, at FROM apply_feed
		WHERE agency = $1 AND seq > $2 ORDER BY seq LIMIT `+strconv.Itoa(limit), p.Agency, acked)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := []FeedItem{}
	for rows.Next() {
		var it FeedItem
		var seq int64
		if err := rows.Scan(&seq, &it.Kind, &it.Tracking, &it.Service, &it.State, &it.From, &it.Actor, &it.At); err != nil {
			return nil, errs.Wrap(op, err)
		}
		it.Cursor, it.At = strconv.FormatInt(seq, 10), it.At.UTC()
		out = append(out, it)
	}
	return out, rows.Err()
}

func (b *Backoffice) acked(ctx context.Context, client int64) (int64, error) {
	var seq int64
	err := b.s.Read().QueryRowContext(ctx, `SELECT seq FROM apply_feed_acks WHERE client_id = $1`, client).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// ParseCursor reads a cursor given by Pull.
func ParseCursor(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.E("apply.ParseCursor", errs.Invalid, "the cursor is not one the queue gave", "این نشانگر را صف نداده است")
	}
	return n, nil
}

// Ack acknowledges every item of p's queue up to and including cursor; they
// are not pulled again. Acknowledging an older cursor than before changes
// nothing. A cursor of another agency or one the feed has not reached is
// errs.Invalid.
func (b *Backoffice) Ack(ctx context.Context, p identity.Principal, cursor string) error {
	const op = "apply.Ack"
	if err := apiClient(op, p); err != nil {
		return err
	}
	seq, err := ParseCursor(cursor)
	if err != nil {
		return err
	}
	err = b.s.InTx(ctx, func(tx *store.Tx) error {
		var agency string
		err := tx.QueryRowContext(ctx, `SELECT agency FROM apply_feed WHERE seq = $1`, seq).Scan(&agency)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && agency != p.Agency) {
			return errs.E(op, errs.Invalid, "the cursor is not one the queue gave", "این نشانگر را صف نداده است")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		now := b.s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE apply_feed_acks SET seq = $1, updated_at = $2 WHERE client_id = $3 AND seq < $1`, seq, now, p.ID)
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			res, err = tx.ExecContext(ctx, `INSERT INTO apply_feed_acks (client_id, agency, seq, updated_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (client_id) DO NOTHING`, p.ID, p.Agency, seq, now)
			if err != nil {
				return errs.Wrap(op, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return store.ErrNothingToDo // already acknowledged further
			}
		}
		err = tx.Append(ctx, store.Event{Kind: evAcked, Actor: p.Actor(), Agency: p.Agency}, map[string]any{"cursor": seq})
		return err
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	return err
}

// Colleague is a member of an agency's staff a case can be assigned to, as
// identity lists them (apply never reads identity's tables).
type Colleague struct {
	ID     int64  // the person's user id
	Name   string // for display
	Agency string // the agency they work for
}

// Assign gives the case with tracking code tracking to a colleague of the
// same agency, as p (the agency's staff). A colleague of another agency is
// errs.Invalid; a case p's agency does not handle does not exist.
func (a *Applications) Assign(ctx context.Context, p identity.Principal, tracking string, to Colleague) (Case, error) {
	const op = "apply.Assign"
	var canon string
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		if !isAgency(p, c.Agency) {
			return caseNotFound(op)
		}
		if to.ID <= 0 || to.Agency != c.Agency {
			return &errs.Error{Op: op, Kind: errs.Invalid, En: "a case can be assigned only to a colleague of the same agency",
				Fa: "پرونده را تنها می‌توان به همکاری از همین دستگاه سپرد", Fields: []errs.FieldError{{Field: "assignee",
					En: "Choose a colleague of your agency.", Fa: "یکی از همکاران دستگاه خود را برگزینید."}}}
		}
		if c.State.Final() {
			return errs.E(op, errs.Conflict, "a closed case cannot be assigned", "پروندهٔ بسته‌شده را نمی‌توان سپرد")
		}
		canon = c.Tracking
		now := a.clock()
		res, err := tx.ExecContext(ctx, `UPDATE apply_assignments SET assignee = $1, assignee_name = $2, assigned_by = $3, at = $4 WHERE case_id = $5`,
			to.ID, to.Name, p.Actor(), now, c.ID)
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO apply_assignments (case_id, assignee, assignee_name, assigned_by, at) VALUES ($1, $2, $3, $4, $5)`,
				c.ID, to.ID, to.Name, p.Actor(), now); err != nil {
				return errs.Wrap(op, err)
			}
		}
		err = tx.Append(ctx, store.Event{Kind: evAssigned, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
			map[string]any{"tracking": c.Tracking, "state": c.State, "assignee": "user:" + strconv.FormatInt(to.ID, 10)})
		return err
	})
	if err != nil {
		return Case{}, err
	}
	return a.Case(ctx, p, canon)
}

// ConsoleFilter selects and orders an agency's cases for its console.
type ConsoleFilter struct {
	State   State  // "" for every open case (approved included: it awaits issuing)
	Overdue bool   // only cases flagged overdue
	Service string // one service's cases
	Mine    bool   // only cases assigned to the caller
	Latest  bool   // latest deadline first instead of earliest
	Cursor  string // the Next of the previous page; "" for the first
	Limit   int    // cases on a page, 1 to MaxPage (0: MaxPage)
	// Complaints selects the cases, in any state, with a complaint the
	// agency has not answered yet: an issued case can still have one.
	Complaints bool
}

// QueuePage is one page of an agency's queue.
type QueuePage struct {
	Items  []QueueItem
	Counts QueueCounts
	Next   string // the cursor of the next page; "" on the last
}

// QueueItem is one case of the console's queue with who handles it.
type QueueItem struct {
	Case
	Assignee     int64  // 0: nobody yet
	AssigneeName string // for display
	Complaints   int    // complaints the agency has not answered yet
}

// QueueCounts are the figures shown beside the console's filters, over the
// agency's cases regardless of the filter.
type QueueCounts struct {
	ByState map[State]int
	Open    int // submitted, in review, needs information
	Overdue int // open and flagged overdue
	Mine    int // open and assigned to the caller
	// Complaints counts the cases, in any state, with a complaint the
	// agency has not answered yet.
	Complaints int
}

// AgencyQueue returns a page of the cases of p's agency that match f, the
// cursor of the next page, and the counts beside the filters. Only the
// agency's staff and API clients have a queue (errs.Forbidden).
func (a *Applications) AgencyQueue(ctx context.Context, p identity.Principal, f ConsoleFilter) (QueuePage, error) {
	items, next, counts, err := a.agencyQueue(ctx, p, f)
	return QueuePage{Items: items, Counts: counts, Next: next}, err
}

func (a *Applications) agencyQueue(ctx context.Context, p identity.Principal, f ConsoleFilter) ([]QueueItem, string, QueueCounts, error) {
	const op = "apply.AgencyQueue"
	counts := QueueCounts{ByState: map[State]int{}}
	if !isAgency(p, p.Agency) {
		return nil, "", counts, errs.E(op, errs.Forbidden, "only agency staff have a queue of cases", "تنها کارکنان دستگاه صف پرونده دارند")
	}
	if f.State != "" {
		if _, ok := ParseState(string(f.State)); !ok {
			return nil, "", counts, errs.E(op, errs.Invalid, "unknown state "+string(f.State), "وضعیت ناشناخته است")
		}
	}
	limit := MaxPage
	if f.Limit > 0 {
		limit = pageLimit(f.Limit)
	}
	where := `WHERE c.agency = $1`
	args := []any{p.Agency}
	switch {
	case f.State != "":
		args = append(args, f.State)
		where += fmt.Sprintf(` AND c.state = $%d`, len(args))
	case !f.Complaints:
		where += ` AND c.state IN ('submitted', 'in_review', 'needs_info', 'approved', 'objected')`
	}
	if f.Complaints {
		where += ` AND ` + unansweredOf("c.id") + ` > 0`
	}
	if f.Overdue {
		where += ` AND c.overdue_at IS NOT NULL`
	}
	if f.Service != "" {
		args = append(args, f.Service)
		where += fmt.Sprintf(` AND c.service = $%d`, len(args))
	}
	if f.Mine {
		args = append(args, p.ID)
		where += fmt.Sprintf(` AND g.assignee = $%d`, len(args))
	}
	order, after := ` ORDER BY c.deadline, c.id`, `>`
	if f.Latest {
		order, after = ` ORDER BY c.deadline DESC, c.id DESC`, `<`
	}
	if f.Cursor != "" {
		at, id, err := parseCaseCursor(op, f.Cursor)
		if err != nil {
			return nil, "", counts, err
		}
		args = append(args, at, id)
		where += fmt.Sprintf(` AND (c.deadline %[1]s $%[2]d OR (c.deadline = $%[2]d AND c.id %[1]s $%[3]d))`, after, len(args)-1, len(args))
	}
	cols := "c." + strings.ReplaceAll(strings.Join(strings.Fields(caseColumns), " "), ", ", ", c.")
	rows, err := a.s.Read().QueryContext(ctx, `SELECT `+cols+`, COALESCE(g.assignee, 0), COALESCE(g.assignee_name, ''), `+unansweredOf("c.id")+`
		FROM apply_cases c LEFT JOIN apply_assignments g ON g.case_id = c.id `+where+order+fmt.Sprintf(` LIMIT %d`, limit+1), args...)
	if err != nil {
		return nil, "", counts, errs.Wrap(op, err)
	}
	var out []QueueItem
	for rows.Next() {
		var it QueueItem
		c, err := scanCase(withExtra{rows, []any{&it.Assignee, &it.AssigneeName, &it.Complaints}})
		if err != nil {
			rows.Close()
			return nil, "", counts, errs.Wrap(op, err)
		}
		it.Case = c
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", counts, errs.Wrap(op, err)
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = caseCursor(last.Deadline, last.ID)
	}
	for i := range out {
		a.titles(ctx, &out[i].Case)
	}
	crows, err := a.s.Read().QueryContext(ctx, `SELECT c.state, c.overdue_at IS NOT NULL, COALESCE(g.assignee, 0), COUNT(*)
		FROM apply_cases c LEFT JOIN apply_assignments g ON g.case_id = c.id WHERE c.agency = $1
		GROUP BY c.state, c.overdue_at IS NOT NULL, COALESCE(g.assignee, 0)`, p.Agency)
	if err != nil {
		return nil, "", counts, errs.Wrap(op, err)
	}
	defer crows.Close()
	for crows.Next() {
		var st State
		var overdue bool
		var assignee int64
		var n int
		if err := crows.Scan(&st, &overdue, &assignee, &n); err != nil {
			return nil, "", counts, errs.Wrap(op, err)
		}
		counts.ByState[st] += n
		if st == Submitted || st == InReview || st == NeedsInfo {
			counts.Open += n
			if overdue {
				counts.Overdue += n
			}
			if assignee == p.ID && p.Kind == "user" {
				counts.Mine += n
			}
		}
	}
	if err := crows.Err(); err != nil {
		return nil, "", counts, errs.Wrap(op, err)
	}
	err = a.s.Read().QueryRowContext(ctx, `SELECT COUNT(DISTINCT q.case_id) FROM apply_complaints q
		JOIN apply_cases c ON c.id = q.case_id WHERE c.agency = $1 AND q.state = '`+ComplaintReceived+`'`, p.Agency).Scan(&counts.Complaints)
	if err != nil {
		return nil, "", counts, errs.Wrap(op, err)
	}
	return out, next, counts, nil
}

// unansweredOf is the SQL count of the complaints of the case whose id is
// the column col that the agency has not answered yet.
func unansweredOf(col string) string {
	return `(SELECT COUNT(*) FROM apply_complaints q WHERE q.case_id = ` + col + ` AND q.state = '` + ComplaintReceived + `')`
}

// Assignee returns who handles the case with id caseID (0 for nobody).
func (a *Applications) assignee(ctx context.Context, caseID int64) (int64, string, error) {
	var id int64
	var name string
	err := a.s.Read().QueryRowContext(ctx, `SELECT assignee, assignee_name FROM apply_assignments WHERE case_id = $1`, caseID).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id, name, err
}

// AssigneeOf returns who of the agency handles case c, as p may see it: 0
// and "" for nobody.
func (a *Applications) AssigneeOf(ctx context.Context, p identity.Principal, c Case) (int64, string, error) {
	if !isAgency(p, c.Agency) {
		return 0, "", caseNotFound("apply.AssigneeOf")
	}
	id, name, err := a.assignee(ctx, c.ID)
	if err != nil {
		return 0, "", errs.Wrap("apply.AssigneeOf", err)
	}
	return id, name, nil
}

// withExtra scans a case's columns followed by extra ones.
type withExtra struct {
	r     scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra...)...) }

// Transition is Applications.Transition followed by a run of the feeder, so
// that back offices and webhooks hear of the move at once rather than at
// the feeder's next tick.
func (b *Backoffice) Transition(ctx context.Context, p identity.Principal, tracking string, to State, reason, ground string) (Case, error) {
	return b.Decide(ctx, p, tracking, Decision{To: to, Reason: reason, Ground: ground})
}

// Decide is Applications.Decide followed by a run of the feeder, as
// Transition is.
func (b *Backoffice) Decide(ctx context.Context, p identity.Principal, tracking string, d Decision) (Case, error) {
	c, err := b.a.Decide(ctx, p, tracking, d)
	if err == nil {
		if _, ferr := b.Feed(ctx); ferr != nil {
			b.log.Warn("the agency feed could not be copied after a decision; the feeder retries", "err", ferr.Error())
		}
	}
	return c, err
}

package exchange

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// Delivery. Publish writes one exchange_pubsub_deliveries row per live
// subscription of the event's type, in the same transaction as the event:
// from then on the row is the delivery's whole state (pending, delivered,
// expired, stopped; attempts; when to try next), so a subscriber that is
// down, or a platform that restarts, loses nothing.
//
// PUSH and local deliveries are made by the River job
// exchange.pubsub.deliver, enqueued by every publication and inserted every
// few seconds as a sweep. A delivery is due when its time has come and no
// earlier event of the same subscription about the same person (for a FIFO
// subscription: no earlier event at all) is still pending: a later event
// waits until the earlier one is acknowledged. A delivery that fails is
// tried again after a backoff that doubles from RetryBase up to MaxWait.
// PULL subscribers fetch the oldest pending event and acknowledge it.
//
// Delivery is at least once: a subscriber that answered but whose answer
// was lost is sent the event again, with the same event id.

const (
	deliverBatch    = 1000 // due deliveries read per pass
	deliverParallel = 8    // subscriptions served at once
	maxPasses       = 64   // passes per job, each unblocking the next events per person
	pubsubSweep     = 5 * time.Second
)

// deliverLifeEventsArgs is the exchange.pubsub.deliver job: deliver every
// due PUSH and local delivery.
type deliverLifeEventsArgs struct{}

// Kind names the job.
func (deliverLifeEventsArgs) Kind() string { return "exchange.pubsub.deliver" }

type deliverLifeEventsWorker struct {
	river.WorkerDefaults[deliverLifeEventsArgs]
	ps *PubSub
}

// Timeout bounds one job: a pass tries each subscription once.
func (w *deliverLifeEventsWorker) Timeout(*river.Job[deliverLifeEventsArgs]) time.Duration {
	return 5 * time.Minute
}

// Work delivers what is due. Failures are recorded on the deliveries and
// tried again by a later job; the job itself fails only when the database
// does.
func (w *deliverLifeEventsWorker) Work(ctx context.Context, _ *river.Job[deliverLifeEventsArgs]) error {
	_, err := w.ps.DeliverDue(ctx)
	return err
}

// RegisterWorkers adds the delivery job and its sweep to the store. Call it
// once, before store.StartJobs.
func (ps *PubSub) RegisterWorkers() {
	river.AddWorker(ps.s.Workers(), &deliverLifeEventsWorker{ps: ps})
	ps.s.Every(pubsubSweep, func() river.JobArgs { return deliverLifeEventsArgs{} })
}

// wake asks a delivery pass running in this process to look again.
func (ps *PubSub) wake() {
	select {
	case ps.again <- struct{}{}:
	default:
	}
}

// due is one delivery that may be made now.
type due struct {
	sub      Subscription
	ev       LifeEvent
	attempts int
}

// DeliverDue makes every PUSH and local delivery that is due, pass after
// pass while a pass delivers something (which may let the next event about
// the same person go), and returns how many it delivered. Only one call
// runs at a time in a process; a call made meanwhile returns at once and
// makes the running one look again.
func (ps *PubSub) DeliverDue(ctx context.Context) (int, error) {
	if !ps.pass.TryLock() {
		ps.wake()
		return 0, nil
	}
	defer ps.pass.Unlock()
	total := 0
passes:
	for range maxPasses {
		select {
		case <-ps.again:
		default:
		}
		if err := ps.expire(ctx); err != nil {
			return total, err
		}
		n, err := ps.deliverPass(ctx)
		total += n
		if err != nil {
			return total, err
		}
		if n == 0 {
			select {
			case <-ps.again:
				continue
			default:
			}
			break passes
		}
	}
	return total, nil
}

// expire ends the pending deliveries of subscriptions with a TTL that have
// waited longer than it.
func (ps *PubSub) expire(ctx context.Context) error {
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT d.sub_id, d.event_seq, d.person, d.created_at, s.ttl, s.subscriber, e.id, e.event_type
		FROM exchange_pubsub_deliveries d JOIN exchange_pubsub_subs s ON s.id = d.sub_id JOIN exchange_pubsub_events e ON e.seq = d.event_seq
		WHERE d.state = 'pending' AND s.ttl > 0 ORDER BY d.event_seq LIMIT 1000`)
	if err != nil {
		return errs.Wrap("exchange.expire", err)
	}
	type old struct {
		sub, person, subscriber, id, typ string
		seq                              int64
	}
	var list []old
	now := ps.s.Now()
	for rows.Next() {
		var o old
		var created time.Time
		var ttl int64
		if err := rows.Scan(&o.sub, &o.seq, &o.person, &created, &ttl, &o.subscriber, &o.id, &o.typ); err != nil {
			rows.Close()
			return errs.Wrap("exchange.expire", err)
		}
		if created.Add(time.Duration(ttl) * time.Second).Before(now) {
			list = append(list, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap("exchange.expire", err)
	}
	for _, o := range list {
		member := ""
		if id, err := ParseSubsystemID(o.subscriber); err == nil {
			member = id.Member
		}
		err := ps.s.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_deliveries SET state = 'expired', done_at = $1
				WHERE sub_id = $2 AND event_seq = $3 AND state = 'pending'`, now, o.sub, o.seq)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return store.ErrNothingToDo
			}
			return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.expired", Actor: "system", Agency: member, Subject: o.person},
				map[string]any{"event_id": o.id, "event_type": o.typ, "subscription": o.sub, "subscriber": o.subscriber})
		})
		if err != nil && !errors.Is(err, store.ErrNothingToDo) {
			return errs.Wrap("exchange.expire", err)
		}
	}
	return nil
}

// deliverPass makes the deliveries due now, each subscription's in order.
func (ps *PubSub) deliverPass(ctx context.Context) (int, error) {
	now := ps.s.Now()
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT d.sub_id, d.event_seq, d.attempts, s.subscriber, s.event_type, s.delivery, s.fifo,
			e.id, e.publisher, e.person, e.body, e.published_at
		FROM exchange_pubsub_deliveries d
		JOIN exchange_pubsub_subs s ON s.id = d.sub_id
		JOIN exchange_pubsub_events e ON e.seq = d.event_seq
		WHERE d.state = 'pending' AND d.next_at <= $1 AND s.delivery <> 'PULL' AND s.cancelled_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM exchange_pubsub_deliveries p
		      WHERE p.sub_id = d.sub_id AND p.state = 'pending' AND p.event_seq < d.event_seq AND (s.fifo = 1 OR p.person = d.person))
		ORDER BY d.event_seq LIMIT `+fmt.Sprint(deliverBatch), now)
	if err != nil {
		return 0, errs.Wrap("exchange.deliver", err)
	}
	bySub := map[string][]due{}
	var order []string
	for rows.Next() {
		var d due
		var subscriber, body string
		var fifo int
		if err := rows.Scan(&d.sub.ID, &d.ev.Sequence, &d.attempts, &subscriber, &d.sub.EventType, &d.sub.Delivery, &fifo,
			&d.ev.ID, &d.ev.Publisher, &d.ev.Person, &body, &d.ev.PublishedAt); err != nil {
			rows.Close()
			return 0, errs.Wrap("exchange.deliver", err)
		}
		d.sub.Subscriber, _ = ParseSubsystemID(subscriber)
		d.sub.FIFO = fifo != 0
		d.ev.Type, d.ev.Facts, d.ev.PublishedAt = d.sub.EventType, json.RawMessage(body), d.ev.PublishedAt.UTC()
		if _, ok := bySub[d.sub.ID]; !ok {
			order = append(order, d.sub.ID)
		}
		bySub[d.sub.ID] = append(bySub[d.sub.ID], d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap("exchange.deliver", err)
	}
	var (
		mu        sync.Mutex
		delivered int
		firstErr  error
		wg        sync.WaitGroup
		sem       = make(chan struct{}, deliverParallel)
	)
	for _, id := range order {
		list := bySub[id]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			n, err := ps.deliverSub(ctx, list)
			mu.Lock()
			delivered += n
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return delivered, firstErr
}

// deliverSub makes one subscription's due deliveries in order. After a
// failure the later events about the same person wait; after a PUSH
// subscriber could not be reached, the rest of its deliveries wait for the
// next pass.
func (ps *PubSub) deliverSub(ctx context.Context, list []due) (int, error) {
	blocked := map[string]bool{}
	n := 0
	for _, d := range list {
		if blocked[d.ev.Person] || blocked["*"] {
			continue
		}
		var h LocalHandler
		if d.sub.Delivery == DeliveryLocal {
			ps.mu.Lock()
			h = ps.handlers[d.sub.Subscriber.String()]
			ps.mu.Unlock()
			if h == nil {
				return n, nil // no handler in this process: the events wait
			}
		}
		var err error
		unreachable := false
		if ps.delivers != nil {
			ps.delivers(ctx, d.ev, d.sub)
		}
		switch d.sub.Delivery {
		case DeliveryLocal:
			err = callLocal(ctx, h, d.ev)
		case DeliveryPush:
			unreachable, err = ps.push(ctx, d.sub, d.ev)
		}
		if err != nil {
			if ferr := ps.failed(ctx, d, err); ferr != nil {
				return n, ferr
			}
			blocked[d.ev.Person] = true
			if unreachable || d.sub.FIFO {
				blocked["*"] = true
			}
			continue
		}
		ok, err := ps.delivered(ctx, d.sub, d.ev, d.attempts+1)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// callLocal runs a local handler, turning a panic into an error.
func callLocal(ctx context.Context, h LocalHandler, ev LifeEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the handler panicked: %v", p)
		}
	}()
	return h(ctx, ev)
}

// EventItem is the GovStack shape of an event, as PUSH sends it and PULL
// and the publication status return it.
type EventItem struct {
	ID          string          `json:"id"`
	Sequence    int64           `json:"sequence"`
	PublisherID MemberRef       `json:"publisherId"`
	EventType   string          `json:"eventType"`
	Event       json.RawMessage `json:"event"`
	PublishedAt time.Time       `json:"publishedAt"`
	Status      *EventStatus    `json:"status,omitempty"` // publication status, for the publisher (an extension)
}

// MemberRef is a subsystem in GovStack's shape.
type MemberRef struct {
	InstanceID      string `json:"instanceId"`
	MemberClass     string `json:"memberClass"`
	MemberCode      string `json:"memberCode"`
	ApplicationCode string `json:"applicationCode"`
}

func memberRef(id SubsystemID) MemberRef {
	return MemberRef{InstanceID: id.Instance, MemberClass: id.Class, MemberCode: id.Member, ApplicationCode: id.Subsystem}
}

// EventStatus is where an event's deliveries stand.
type EventStatus struct {
	Subscriptions int  `json:"subscriptions"`
	Pending       int  `json:"pending"`
	Delivered     int  `json:"delivered"`
	Expired       int  `json:"expired"`
	Stopped       int  `json:"stopped"`
	StoppedByPub  bool `json:"processingStopped"`
}

// Item returns ev in GovStack's EventItem shape.
func (ev LifeEvent) Item() EventItem {
	pub, _ := ParseSubsystemID(ev.Publisher)
	return EventItem{ID: ev.ID, Sequence: ev.Sequence, PublisherID: memberRef(pub), EventType: ev.Type, Event: ev.Facts, PublishedAt: ev.PublishedAt}
}

// push POSTs an event to the subscriber's registered callback address. It
// reports whether the subscriber could not be reached at all.
func (ps *PubSub) push(ctx context.Context, sub Subscription, ev LifeEvent) (bool, error) {
	s, err := ps.x.cachedSubsystem(ctx, sub.Subscriber)
	if err != nil {
		return true, err
	}
	if s.CallbackURL == "" {
		return true, errors.New("the subscriber has no registered callback address")
	}
	u, err := url.Parse(s.CallbackURL)
	if err != nil {
		return true, err
	}
	body, err := json.Marshal(ev.Item())
	if err != nil {
		return false, err
	}
	cctx, cancel := context.WithTimeout(ctx, ps.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return true, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderGovStackClient, ps.Room().String())
	req.Header.Set(HeaderID, ev.ID)
	req.Header.Set("Panjare-Subscription", sub.ID)
	resp, err := ps.cfg.Transport.RoundTrip(req)
	if err != nil {
		return true, err
	}
	drain(resp)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode >= 500, fmt.Errorf("the subscriber answered %d", resp.StatusCode)
	}
	return false, nil
}

// delivered records a delivery made (or acknowledged); false when another
// node recorded it first.
func (ps *PubSub) delivered(ctx context.Context, sub Subscription, ev LifeEvent, attempts int) (bool, error) {
	now := ps.s.Now()
	err := ps.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_deliveries SET state = 'delivered', attempts = $1, done_at = $2, last_error = ''
			WHERE sub_id = $3 AND event_seq = $4 AND state = 'pending'`, attempts, now, sub.ID, ev.Sequence)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNothingToDo
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.delivered", Actor: "system", Agency: sub.Subscriber.Member, Subject: ev.Person, At: now},
			map[string]any{"event_id": ev.ID, "event_type": ev.Type, "publisher": ev.Publisher, "subscription": sub.ID,
				"subscriber": sub.Subscriber.String(), "delivery": sub.Delivery, "attempts": attempts})
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap("exchange.delivered", err)
	}
	return true, nil
}

// failed records a failed attempt and when to try again.
func (ps *PubSub) failed(ctx context.Context, d due, cause error) error {
	wait := ps.cfg.RetryBase
	for i := 0; i < d.attempts && wait < ps.cfg.MaxWait; i++ {
		wait *= 2
	}
	wait = min(wait, ps.cfg.MaxWait)
	now := ps.s.Now()
	msg := cause.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	err := ps.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_deliveries SET attempts = attempts + 1, next_at = $1, last_error = $2
			WHERE sub_id = $3 AND event_seq = $4 AND state = 'pending'`, now.Add(wait), msg, d.sub.ID, d.ev.Sequence)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNothingToDo
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.delivery_failed", Actor: "system", Agency: d.sub.Subscriber.Member},
			map[string]any{"event_id": d.ev.ID, "event_type": d.ev.Type, "subscription": d.sub.ID, "subscriber": d.sub.Subscriber.String(),
				"delivery": d.sub.Delivery, "attempts": d.attempts + 1, "retry_in_ms": wait.Milliseconds()})
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return errs.Wrap("exchange.failed", err)
	}
	ps.log.Warn("life event delivery failed", "subscription", d.sub.ID, "event_id", d.ev.ID, "attempts", d.attempts+1)
	return nil
}

// Pull returns the oldest event not yet acknowledged of subscriber's PULL
// subscription to a type. errs.NotFound: no subscription, or no event
// waiting; errs.Conflict: the subscription is delivered by PUSH.
func (ps *PubSub) Pull(ctx context.Context, subscriber SubsystemID, eventType string) (LifeEvent, error) {
	sub, err := ps.Subscription(ctx, subscriber, eventType)
	if err != nil {
		return LifeEvent{}, err
	}
	if sub.Delivery != DeliveryPull {
		return LifeEvent{}, errs.E(CodeSubscription, errs.Conflict, "this subscription is delivered by "+sub.Delivery+", not pulled",
			"این اشتراک با "+sub.Delivery+" تحویل می‌شود، نه با PULL")
	}
	if err := ps.expire(ctx); err != nil {
		return LifeEvent{}, err
	}
	var ev LifeEvent
	var body string
	err = ps.s.Read().QueryRowContext(ctx, `SELECT e.seq, e.id, e.event_type, e.publisher, e.person, e.body, e.published_at
		FROM exchange_pubsub_deliveries d JOIN exchange_pubsub_events e ON e.seq = d.event_seq
		WHERE d.sub_id = $1 AND d.state = 'pending' ORDER BY d.event_seq LIMIT 1`, sub.ID).
		Scan(&ev.Sequence, &ev.ID, &ev.Type, &ev.Publisher, &ev.Person, &body, &ev.PublishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return LifeEvent{}, errs.E(CodeNoEvent, errs.NotFound, "no event is waiting", "رویدادی در انتظار نیست")
	}
	if err != nil {
		return LifeEvent{}, errs.Wrap("exchange.Pull", err)
	}
	ev.Facts, ev.PublishedAt = json.RawMessage(body), ev.PublishedAt.UTC()
	return ev, nil
}

// Ack confirms that subscriber received an event of its PULL
// subscription. errs.NotFound: no such event for it; errs.Conflict: already
// acknowledged, or the subscription is not PULL.
func (ps *PubSub) Ack(ctx context.Context, subscriber SubsystemID, eventType, eventID string) error {
	sub, err := ps.Subscription(ctx, subscriber, eventType)
	if err != nil {
		return err
	}
	if sub.Delivery != DeliveryPull {
		return errs.E(CodeSubscription, errs.Conflict, "this subscription is delivered by "+sub.Delivery+", not pulled",
			"این اشتراک با "+sub.Delivery+" تحویل می‌شود، نه با PULL")
	}
	var state string
	var attempts int
	ev, err := ps.Event(ctx, eventID)
	if err == nil && ev.Type == eventType {
		err = ps.s.Read().QueryRowContext(ctx, `SELECT state, attempts FROM exchange_pubsub_deliveries WHERE sub_id = $1 AND event_seq = $2`,
			sub.ID, ev.Sequence).Scan(&state, &attempts)
	}
	if errors.Is(err, sql.ErrNoRows) || errs.Is(err, errs.NotFound) || (err == nil && ev.Type != eventType) {
		return errs.E(CodeNoEvent, errs.NotFound, "no such event for this subscription", "چنین رویدادی برای این اشتراک نیست")
	}
	if err != nil {
		return errs.Wrap("exchange.Ack", err)
	}
	if state != "pending" {
		return errs.E(CodeNoEvent, errs.Conflict, "this event was already acknowledged (or expired)", "این رویداد پیش‌تر تأیید شده (یا منقضی شده) است")
	}
	ok, err := ps.delivered(ctx, sub, ev, attempts+1)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(CodeNoEvent, errs.Conflict, "this event was already acknowledged", "این رویداد پیش‌تر تأیید شده است")
	}
	return nil
}

// Status returns where the deliveries of an event stand.
func (ps *PubSub) Status(ctx context.Context, ev LifeEvent) (EventStatus, error) {
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT state, count(*) FROM exchange_pubsub_deliveries WHERE event_seq = $1 GROUP BY state`, ev.Sequence)
	if err != nil {
		return EventStatus{}, errs.Wrap("exchange.Status", err)
	}
	defer rows.Close()
	var st EventStatus
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return EventStatus{}, errs.Wrap("exchange.Status", err)
		}
		st.Subscriptions += n
		switch state {
		case "pending":
			st.Pending = n
		case "delivered":
			st.Delivered = n
		case "expired":
			st.Expired = n
		case "stopped":
			st.Stopped = n
		}
	}
	if err := rows.Err(); err != nil {
		return EventStatus{}, errs.Wrap("exchange.Status", err)
	}
	var stopped sql.NullTime
	if err := ps.s.Read().QueryRowContext(ctx, `SELECT stopped_at FROM exchange_pubsub_events WHERE seq = $1`, ev.Sequence).Scan(&stopped); err != nil {
		return EventStatus{}, errs.Wrap("exchange.Status", err)
	}
	st.StoppedByPub = stopped.Valid
	return st, nil
}

// StopEvent stops the processing of an event its publisher published: its
// pending deliveries are stopped (deleteEvent). Only the publisher may.
func (ps *PubSub) StopEvent(ctx context.Context, publisher SubsystemID, eventType, eventID string) error {
	ev, err := ps.Event(ctx, eventID)
	if err != nil || ev.Type != eventType || ev.Publisher != publisher.String() {
		return errs.E(CodeNoEvent, errs.NotFound, "no such event of this publisher", "چنین رویدادی از این ناشر نیست")
	}
	now := ps.s.Now()
	err = ps.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_events SET stopped_at = $1 WHERE seq = $2 AND stopped_at IS NULL`, now, ev.Sequence); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_deliveries SET state = 'stopped', done_at = $1 WHERE event_seq = $2 AND state = 'pending'`, now, ev.Sequence)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.stopped", Actor: "subsystem:" + publisher.String(), Agency: publisher.Member, Subject: ev.Person},
			map[string]any{"event_id": ev.ID, "event_type": ev.Type, "deliveries_stopped": n})
	})
	return errs.Wrap("exchange.StopEvent", err)
}

package exchange

import (
	"context"
	"database/sql"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// PubSub returns the life-events room the gateway serves, or nil.
func (g *Gateway) PubSub() *PubSub { return g.pubsub.Load() }

// TrackedLifeEvent is a life event about a citizen as their data tracker
// shows it: who published it and who received it.
type TrackedLifeEvent struct {
	ID          string            `json:"id"`
	Type        string            `json:"event_type"`
	TypeFa      string            `json:"event_type_fa"`
	TypeEn      string            `json:"event_type_en"`
	Publisher   string            `json:"publisher"`
	PublisherFa string            `json:"publisher_fa"`
	PublisherEn string            `json:"publisher_en,omitempty"`
	PublishedAt time.Time         `json:"published_at"`
	Deliveries  []TrackedDelivery `json:"deliveries"`
}

// TrackedDelivery is where one subscriber's copy of a life event stands.
type TrackedDelivery struct {
	Subscriber   string     `json:"subscriber"`
	SubscriberFa string     `json:"subscriber_fa"`
	SubscriberEn string     `json:"subscriber_en,omitempty"`
	State        string     `json:"state"` // pending, delivered, expired, stopped
	At           *time.Time `json:"at,omitempty"`
}

// names returns the names of members (CLASS/CODE) and subsystems.
func (x *Exchange) names(ctx context.Context) (map[string]Member, map[SubsystemID]string, error) {
	members, err := x.Members(ctx)
	if err != nil {
		return nil, nil, err
	}
	byCode := map[string]Member{}
	for _, m := range members {
		byCode[m.Class+"/"+m.Code] = m
	}
	subs, err := x.Subsystems(ctx)
	if err != nil {
		return nil, nil, err
	}
	subNames := map[SubsystemID]string{}
	for _, s := range subs {
		subNames[s.ID] = s.NameFa
	}
	return byCode, subNames, nil
}

// partyName names a subsystem for a person: its member's name, or the
// platform's own application.
func partyName(members map[string]Member, id string) (fa, en string) {
	sid, err := ParseSubsystemID(id)
	if err != nil {
		return id, id
	}
	m, ok := members[sid.Class+"/"+sid.Member]
	if !ok {
		return sid.Member, sid.Member
	}
	en = m.NameEn
	if en == "" {
		en = m.Code
	}
	return m.NameFa, en
}

// EventsAbout returns the life events about the citizen with the national
// code, newest first (at most limit, default 50), each with its
// deliveries.
func (ps *PubSub) EventsAbout(ctx context.Context, nationalCode string, limit int) ([]TrackedLifeEvent, error) {
	const op = "exchange.EventsAbout"
	if persian.CheckNationalCode(nationalCode) != nil {
		return nil, errs.E(op, errs.Invalid, "the national code is not valid", "کد ملی معتبر نیست")
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	evs, err := ps.queryEvents(ctx, `WHERE person = $1 ORDER BY seq DESC LIMIT $2`, nationalCode, limit)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	members, _, err := ps.x.names(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TrackedLifeEvent, 0, len(evs))
	idx := map[int64]int{}
	for _, ev := range evs {
		t := TrackedLifeEvent{ID: ev.ID, Type: ev.Type, Publisher: ev.Publisher, PublishedAt: ev.PublishedAt, Deliveries: []TrackedDelivery{}}
		t.TypeFa, t.TypeEn = LifeEventTitle(ev.Type)
		t.PublisherFa, t.PublisherEn = partyName(members, ev.Publisher)
		idx[ev.Sequence] = len(out)
		out = append(out, t)
	}
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT d.event_seq, s.subscriber, d.state, d.done_at
		FROM exchange_pubsub_deliveries d JOIN exchange_pubsub_subs s ON s.id = d.sub_id
		WHERE d.person = $1 AND d.event_seq >= $2 ORDER BY d.event_seq, s.subscriber`, nationalCode, evs[len(evs)-1].Sequence)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var d TrackedDelivery
		var at sql.NullTime
		if err := rows.Scan(&seq, &d.Subscriber, &d.State, &at); err != nil {
			return nil, errs.Wrap(op, err)
		}
		i, ok := idx[seq]
		if !ok {
			continue
		}
		if at.Valid {
			t := at.Time.UTC()
			d.At = &t
		}
		d.SubscriberFa, d.SubscriberEn = partyName(members, d.Subscriber)
		out[i].Deliveries = append(out[i].Deliveries, d)
	}
	return out, rows.Err()
}

// RoomOverview is what the platform admin sees of the room: the types with
// their publishers and counts, and every live subscription with its
// backlog.
type RoomOverview struct {
	Types         []TypeOverview
	Subscriptions []SubscriptionBacklog
}

// TypeOverview is one event type with its publishers and how many events
// were published.
type TypeOverview struct {
	Name          string
	TitleFa       string
	TitleEn       string
	Publishers    []string
	Published     int
	LastPublished *time.Time
	Subscriptions int
}

// SubscriptionBacklog is one live subscription with its backlog.
type SubscriptionBacklog struct {
	Subscription
	Pending   int        // events not yet delivered or acknowledged
	Failing   int        // of those, events tried at least once
	Delivered int        // events delivered or acknowledged
	Oldest    *time.Time // when the oldest pending event was published
	LastError string     // the last failure of a pending delivery
}

// Overview returns the room's types and subscriptions with their backlog.
func (ps *PubSub) Overview(ctx context.Context) (RoomOverview, error) {
	const op = "exchange.Overview"
	types, err := ps.EventTypes(ctx)
	if err != nil {
		return RoomOverview{}, err
	}
	subs, err := ps.AllSubscriptions(ctx)
	if err != nil {
		return RoomOverview{}, err
	}
	var v RoomOverview
	counts := map[string]TypeOverview{}
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT event_type, count(*) FROM exchange_pubsub_events GROUP BY event_type`)
	if err != nil {
		return RoomOverview{}, errs.Wrap(op, err)
	}
	for rows.Next() {
		var t TypeOverview
		var name string
		if err := rows.Scan(&name, &t.Published); err != nil {
			rows.Close()
			return RoomOverview{}, errs.Wrap(op, err)
		}
		counts[name] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return RoomOverview{}, errs.Wrap(op, err)
	}
	for name, t := range counts {
		var last time.Time
		if err := ps.s.Read().QueryRowContext(ctx, `SELECT published_at FROM exchange_pubsub_events WHERE event_type = $1 ORDER BY seq DESC LIMIT 1`,
			name).Scan(&last); err != nil {
			return RoomOverview{}, errs.Wrap(op, err)
		}
		last = last.UTC()
		t.LastPublished = &last
		counts[name] = t
	}
	perType := map[string]int{}
	for _, s := range subs {
		perType[s.EventType]++
	}
	for _, t := range types {
		c := counts[t.Name]
		c.Name, c.Publishers, c.Subscriptions = t.Name, t.Publishers, perType[t.Name]
		c.TitleFa, c.TitleEn = LifeEventTitle(t.Name)
		v.Types = append(v.Types, c)
	}
	for _, s := range subs {
		b := SubscriptionBacklog{Subscription: s}
		rows, err := ps.s.Read().QueryContext(ctx, `SELECT d.state, d.attempts, d.last_error, e.published_at
			FROM exchange_pubsub_deliveries d JOIN exchange_pubsub_events e ON e.seq = d.event_seq
			WHERE d.sub_id = $1 ORDER BY d.event_seq`, s.ID)
		if err != nil {
			return RoomOverview{}, errs.Wrap(op, err)
		}
		for rows.Next() {
			var state, lastErr string
			var attempts int
			var at time.Time
			if err := rows.Scan(&state, &attempts, &lastErr, &at); err != nil {
				rows.Close()
				return RoomOverview{}, errs.Wrap(op, err)
			}
			switch state {
			case "pending":
				b.Pending++
				if attempts > 0 {
					b.Failing++
					b.LastError = lastErr
				}
				if b.Oldest == nil {
					at = at.UTC()
					b.Oldest = &at
				}
			case "delivered":
				b.Delivered++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return RoomOverview{}, errs.Wrap(op, err)
		}
		v.Subscriptions = append(v.Subscriptions, b)
	}
	return v, nil
}

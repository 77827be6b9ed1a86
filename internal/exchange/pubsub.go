package exchange

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Life events: the GovStack Information Mediator Pub/Sub room
// IR/GOV/PANJARE/life-events. Agencies that record a life event (the civil
// registry a birth, a pension fund a retirement) publish it once; every
// subsystem that subscribed to its type receives it, at least once, in
// order per person, by PUSH to its registered callback address, by PULL,
// or, for the platform's own applications, by an in-process handler.
//
// The room manager (the platform, member PANJARE) defines the event types
// with their JSON Schemas and says which subsystems may publish each
// (exchange_pubsub_publishers). Every event is about one person, whose
// national code is the body's national_code, and the civil registry must
// know that person (PersonCheck). Each publication is an event
// exchange.pubsub.published whose Subject is that person, and each delivery
// an event exchange.pubsub.delivered, so the citizen's data tracker shows
// who published what about them and who received it.

// LifeEventsRoom is the application code of the life-events room under the
// platform's member.
const LifeEventsRoom = "life-events"

// The typed error codes of Pub/Sub, returned as the problem's code.
const (
	CodeUnknownEventType  = "exchange.pubsub.unknown_event_type" // errs.NotFound
	CodeEventInvalid      = "exchange.pubsub.invalid_event"      // errs.Invalid, with one field error per problem
	CodeUnknownPerson     = "exchange.pubsub.unknown_person"     // errs.Invalid
	CodeReplayed          = "exchange.pubsub.replayed"           // errs.Conflict
	CodePublisherDenied   = "exchange.pubsub.publisher_denied"   // errs.Forbidden
	CodeNotRoomManager    = "exchange.pubsub.not_room_manager"   // errs.Forbidden
	CodeSubscription      = "exchange.pubsub.subscription"       // errs.NotFound / Conflict / Invalid
	CodeNoEvent           = "exchange.pubsub.no_event"           // errs.NotFound
	CodeEventTypeExists   = "exchange.pubsub.event_type_exists"  // errs.Conflict
	CodeEventTypeInvalid  = "exchange.pubsub.invalid_event_type" // errs.Invalid
	CodePersonUnavailable = "exchange.pubsub.person_unavailable" // errs.Unavailable: the civil registry could not be asked
	maxEventBody          = 64 << 10                             // the largest event body
	maxSchema             = 64 << 10                             // the largest event type schema
	defaultPushTimeout    = 10 * time.Second
	defaultPubSubRetry    = 2 * time.Second
	maxPubSubWait         = 10 * time.Minute
)

// LifeEvent is one published event.
type LifeEvent struct {
	ID          string          `json:"id"` // uuid
	Sequence    int64           `json:"sequence"`
	Type        string          `json:"eventType"`
	Person      string          `json:"-"`         // national code (personal data: never logged)
	Facts       json.RawMessage `json:"event"`     // the validated body
	Publisher   string          `json:"publisher"` // e.g. "IR/GOV/NOCR/population"
	PublishedAt time.Time       `json:"published_at"`
}

// EventType is an event type of the room with its JSON Schema and, as an
// extension of the GovStack shape, the subsystems allowed to publish it.
type EventType struct {
	Name       string          `json:"eventType"`
	Schema     json.RawMessage `json:"schema"`
	Publishers []string        `json:"publishers,omitempty"`
	CreatedBy  string          `json:"created_by,omitempty"`
	CreatedAt  time.Time       `json:"created_at,omitzero"`
}

// Delivery modes of a subscription. Local subscriptions are the platform's
// own applications, served in process by HandleLocal.
const (
	DeliveryPush  = "PUSH"
	DeliveryPull  = "PULL"
	DeliveryLocal = "LOCAL"
)

// Subscription is one subscriber's subscription to one event type.
type Subscription struct {
	ID         string      `json:"id"`
	Subscriber SubsystemID `json:"-"`
	EventType  string      `json:"eventType"`
	Delivery   string      `json:"delivery"`
	TTL        int64       `json:"ttl"`  // seconds an undelivered event is kept; 0: until delivered
	FIFO       bool        `json:"fifo"` // strictly in publication order instead of in order per person
	CreatedAt  time.Time   `json:"created_at"`
}

// PersonCheck reports whether the civil registry knows the person with the
// national code. It errs (errs.Unavailable) when the registry cannot be
// asked; Publish then refuses the event, to be published again later.
type PersonCheck func(ctx context.Context, nationalCode string) (bool, error)

// LocalHandler handles one event delivered to a local subscriber. An error
// leaves the event pending, tried again with backoff, and holds the later
// events about the same person until it succeeds.
type LocalHandler func(ctx context.Context, ev LifeEvent) error

// PubSubConfig tunes Pub/Sub. Zero fields mean their defaults.
type PubSubConfig struct {
	// PersonCheck asks the civil registry whether a person exists. nil
	// accepts every valid national code (only for installations without a
	// civil registry; the app sets it).
	PersonCheck PersonCheck
	RetryBase   time.Duration     // first wait before a failed delivery is tried again (default 2s)
	MaxWait     time.Duration     // the longest wait between attempts (default 10m)
	Timeout     time.Duration     // per PUSH (default 10s)
	Transport   http.RoundTripper // reaches PUSH subscribers (default: the gateway's)
	Log         *slog.Logger
}

// PubSub is the life-events room. It is safe for concurrent use.
type PubSub struct {
	g   *Gateway
	x   *Exchange
	s   *store.Store
	cfg PubSubConfig
	log *slog.Logger

	mu       sync.Mutex
	handlers map[string]LocalHandler // local subscriber (application code) → handler
	schemas  map[string]*jsonschema.Schema

	pass     sync.Mutex // one delivery pass at a time in this process
	again    chan struct{}
	delivers func(ctx context.Context, ev LifeEvent, sub Subscription) // test hook, nil in production
}

// NewPubSub returns the life-events room on g's exchange and serves its
// GovStack Pub/Sub API on g's listeners (under
// /r1/INSTANCE/GOV/PANJARE/life-events/).
func NewPubSub(g *Gateway, cfg PubSubConfig) *PubSub {
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = defaultPubSubRetry
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = maxPubSubWait
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultPushTimeout
	}
	if cfg.Transport == nil {
		cfg.Transport = g.transport
	}
	if cfg.Log == nil {
		cfg.Log = g.log
	}
	ps := &PubSub{g: g, x: g.x, s: g.s, cfg: cfg, log: cfg.Log, handlers: map[string]LocalHandler{},
		schemas: map[string]*jsonschema.Schema{}, again: make(chan struct{}, 1)}
	g.pubsub.Store(ps)
	return ps
}

// Room returns the identifier of the life-events room, such as
// IR/GOV/PANJARE/life-events.
func (ps *PubSub) Room() SubsystemID {
	return SubsystemID{Instance: ps.x.instance, Class: platformClass, Member: PlatformMember, Subsystem: LifeEventsRoom}
}

// RoomManager reports whether sub may manage the room: a subsystem of the
// platform's own member.
func (ps *PubSub) RoomManager(sub SubsystemID) bool {
	return sub.Instance == ps.x.instance && sub.Class == platformClass && sub.Member == PlatformMember
}

// localSubscriber returns the subsystem of a platform application: a bare
// application code names IR/GOV/PANJARE/<code>.
func (ps *PubSub) localSubscriber(s string) (SubsystemID, error) {
	if !strings.Contains(s, "/") {
		s = ps.x.instance + "/" + platformClass + "/" + PlatformMember + "/" + s
	}
	id, err := ParseSubsystemID(s)
	if err != nil {
		return SubsystemID{}, err
	}
	if !ps.RoomManager(id) {
		return SubsystemID{}, errs.E(CodeSubscription, errs.Invalid, "a local subscriber is an application of the platform (IR/GOV/PANJARE/...)",
			"مشترک درون‌سامانه‌ای باید برنامه‌ای از خود پنجره باشد (IR/GOV/PANJARE/...)")
	}
	return id, nil
}

// newUUID returns a random UUID (version 4).
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

var eventTypeName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// checkTypeName accepts an event type name.
func checkTypeName(name string) error {
	if !eventTypeName.MatchString(name) {
		return errs.E(CodeEventTypeInvalid, errs.Invalid, "an event type is 1 to 64 letters, digits, _ or -, starting with a letter",
			"نوع رویداد ۱ تا ۶۴ نویسه از حروف لاتین، رقم، _ یا - است و با حرف شروع می‌شود")
	}
	return nil
}

// compileSchema compiles an event type's JSON Schema. Every event is about
// one person: the schema must describe an object that requires a
// national_code string.
func compileSchema(schema json.RawMessage) (*jsonschema.Schema, error) {
	bad := func(en, fa string) error { return errs.E(CodeEventTypeInvalid, errs.Invalid, en, fa) }
	if len(schema) == 0 || len(schema) > maxSchema {
		return nil, bad("the event type needs a JSON Schema of at most 64 KiB", "نوع رویداد به طرح JSON (JSON Schema) حداکثر ۶۴ کیلوبایتی نیاز دارد")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, bad("the schema is not valid JSON", "طرح، JSON معتبری نیست")
	}
	m, ok := doc.(map[string]any)
	if !ok || m["type"] != "object" {
		return nil, bad(`the schema must describe an object ("type": "object")`, `طرح باید یک شیء را وصف کند ("type": "object")`)
	}
	props, _ := m["properties"].(map[string]any)
	req, _ := m["required"].([]any)
	hasNC := false
	for _, r := range req {
		hasNC = hasNC || r == "national_code"
	}
	if _, ok := props["national_code"]; !ok || !hasNC {
		return nil, bad("every life event is about one person: the schema must require a national_code property",
			"هر رویداد زندگی دربارهٔ یک نفر است: طرح باید ویژگی national_code را الزامی کند")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("event.json", doc); err != nil {
		return nil, bad("the schema is not a valid JSON Schema", "طرح، JSON Schema معتبری نیست")
	}
	sch, err := c.Compile("event.json")
	if err != nil {
		return nil, &errs.Error{Op: CodeEventTypeInvalid, Kind: errs.Invalid, Err: err,
			En: "the schema is not a valid JSON Schema: " + err.Error(), Fa: "طرح، JSON Schema معتبری نیست"}
	}
	return sch, nil
}

// compiled returns the compiled schema of a type, cached by the schema's
// digest so that a type deleted and created again with another schema is
// compiled afresh.
func (ps *PubSub) compiled(schema json.RawMessage) (*jsonschema.Schema, error) {
	key := Digest(schema)
	ps.mu.Lock()
	sch, ok := ps.schemas[key]
	ps.mu.Unlock()
	if ok {
		return sch, nil
	}
	sch, err := compileSchema(schema)
	if err != nil {
		return nil, err
	}
	ps.mu.Lock()
	ps.schemas[key] = sch
	ps.mu.Unlock()
	return sch, nil
}

// EventTypes returns the room's event types with their publishers, by name.
func (ps *PubSub) EventTypes(ctx context.Context) ([]EventType, error) {
	const op = "exchange.EventTypes"
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT event_type, schema, created_by, created_at FROM exchange_pubsub_types ORDER BY event_type`)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	var out []EventType
	for rows.Next() {
		var t EventType
		var schema string
		if err := rows.Scan(&t.Name, &schema, &t.CreatedBy, &t.CreatedAt); err != nil {
			rows.Close()
			return nil, errs.Wrap(op, err)
		}
		t.Schema, t.CreatedAt = json.RawMessage(schema), t.CreatedAt.UTC()
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	pubs, err := ps.publishers(ctx, ps.s.Read(), "")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Publishers = pubs[out[i].Name]
	}
	return out, nil
}

// EventType returns one event type; errs.NotFound when the room has none of
// that name.
func (ps *PubSub) EventType(ctx context.Context, name string) (EventType, error) {
	return ps.eventType(ctx, ps.s.Read(), name)
}

func (ps *PubSub) eventType(ctx context.Context, q psQuerier, name string) (EventType, error) {
	const op = "exchange.EventType"
	t := EventType{Name: name}
	var schema string
	err := q.QueryRowContext(ctx, `SELECT schema, created_by, created_at FROM exchange_pubsub_types WHERE event_type = $1`, name).
		Scan(&schema, &t.CreatedBy, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return EventType{}, errs.E(CodeUnknownEventType, errs.NotFound, "the room has no event type "+name, "اتاق رویدادی از نوع "+name+" ندارد")
	}
	if err != nil {
		return EventType{}, errs.Wrap(op, err)
	}
	t.Schema, t.CreatedAt = json.RawMessage(schema), t.CreatedAt.UTC()
	pubs, err := ps.publishers(ctx, q, name)
	if err != nil {
		return EventType{}, err
	}
	t.Publishers = pubs[name]
	return t, nil
}

// publishers returns the allowed publishers by type (of one type when
// name is set).
func (ps *PubSub) publishers(ctx context.Context, q psQuerier, name string) (map[string][]string, error) {
	query, args := `SELECT event_type, publisher FROM exchange_pubsub_publishers ORDER BY event_type, publisher`, []any{}
	if name != "" {
		query, args = `SELECT event_type, publisher FROM exchange_pubsub_publishers WHERE event_type = $1 ORDER BY publisher`, []any{name}
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap("exchange.publishers", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, p string
		if err := rows.Scan(&t, &p); err != nil {
			return nil, errs.Wrap("exchange.publishers", err)
		}
		out[t] = append(out[t], p)
	}
	return out, rows.Err()
}

// CreateEventType adds an event type to the room with its schema and
// allowed publishers. Only the room manager (a subsystem of member
// PANJARE, or the platform itself as by "system") may. A type of that name
// already present is errs.Conflict.
func (ps *PubSub) CreateEventType(ctx context.Context, by SubsystemID, t EventType) (EventType, error) {
	if !ps.RoomManager(by) {
		return EventType{}, errs.E(CodeNotRoomManager, errs.Forbidden, "only the room manager (the platform, member PANJARE) defines event types",
			"تنها مدیر اتاق (خود پنجره، عضو PANJARE) نوع رویداد تعریف می‌کند")
	}
	return ps.createType(ctx, "subsystem:"+by.String(), t, false)
}

// checkPublishers parses the allowed publishers of a type.
func checkPublishers(list []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range list {
		id, err := ParseSubsystemID(p)
		if err != nil {
			return nil, errs.E(CodeEventTypeInvalid, errs.Invalid, "a publisher is a subsystem identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM: "+p,
				"ناشر باید شناسهٔ زیرسامانه به شکل INSTANCE/CLASS/MEMBER/SUBSYSTEM باشد: "+p)
		}
		if !seen[id.String()] {
			seen[id.String()] = true
			out = append(out, id.String())
		}
	}
	sort.Strings(out)
	return out, nil
}

// createType stores a type with its publishers. With ensure, a type
// already present is left as it is (the seed at start-up, which must not
// undo the room manager's later changes); without, it is errs.Conflict.
func (ps *PubSub) createType(ctx context.Context, actor string, t EventType, ensure bool) (EventType, error) {
	const op = "exchange.CreateEventType"
	if err := checkTypeName(t.Name); err != nil {
		return EventType{}, err
	}
	if _, err := ps.compiled(t.Schema); err != nil {
		return EventType{}, err
	}
	pubs, err := checkPublishers(t.Publishers)
	if err != nil {
		return EventType{}, err
	}
	var canon bytes.Buffer
	if err := json.Compact(&canon, t.Schema); err != nil {
		return EventType{}, errs.E(CodeEventTypeInvalid, errs.Invalid, "the schema is not valid JSON", "طرح، JSON معتبری نیست")
	}
	now := ps.s.Now()
	err = ps.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_pubsub_types WHERE event_type = $1`, t.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			if ensure {
				return store.ErrNothingToDo
			}
			return errs.E(CodeEventTypeExists, errs.Conflict, "the room already has the event type "+t.Name, "اتاق نوع رویداد "+t.Name+" را از پیش دارد")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_pubsub_types (event_type, schema, created_by, created_at) VALUES ($1, $2, $3, $4)`,
			t.Name, canon.String(), actor, now); err != nil {
			if isUniqueViolation(err) && ensure {
				return store.ErrNothingToDo // another node seeded it meanwhile
			}
			if isUniqueViolation(err) {
				return errs.E(CodeEventTypeExists, errs.Conflict, "the room already has the event type "+t.Name, "اتاق نوع رویداد "+t.Name+" را از پیش دارد")
			}
			return err
		}
		for _, p := range pubs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_pubsub_publishers (event_type, publisher, granted_by, granted_at) VALUES ($1, $2, $3, $4)`,
				t.Name, p, actor, now); err != nil {
				return err
			}
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.type_created", Actor: actor, Agency: PlatformMember},
			map[string]any{"event_type": t.Name, "publishers": pubs, "schema_digest": Digest(canon.Bytes())})
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return EventType{}, errs.Wrap(op, err)
	}
	return ps.EventType(ctx, t.Name)
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// AllowPublisher lets publisher publish events of a type; DisallowPublisher
// takes that back. Only the room manager may.
func (ps *PubSub) AllowPublisher(ctx context.Context, by SubsystemID, eventType, publisher string) error {
	if !ps.RoomManager(by) {
		return errs.E(CodeNotRoomManager, errs.Forbidden, "only the room manager allows publishers", "تنها مدیر اتاق ناشران را مجاز می‌کند")
	}
	pubs, err := checkPublishers([]string{publisher})
	if err != nil {
		return err
	}
	if _, err := ps.EventType(ctx, eventType); err != nil {
		return err
	}
	err = ps.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_pubsub_publishers WHERE event_type = $1 AND publisher = $2`, eventType, pubs[0]).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return store.ErrNothingToDo
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_pubsub_publishers (event_type, publisher, granted_by, granted_at) VALUES ($1, $2, $3, $4)`,
			eventType, pubs[0], "subsystem:"+by.String(), ps.s.Now()); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.publisher_allowed", Actor: "subsystem:" + by.String(), Agency: PlatformMember},
			map[string]any{"event_type": eventType, "publisher": pubs[0]})
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return errs.Wrap("exchange.AllowPublisher", err)
	}
	return nil
}

// DisallowPublisher removes publisher from a type's allowed publishers.
func (ps *PubSub) DisallowPublisher(ctx context.Context, by SubsystemID, eventType, publisher string) error {
	if !ps.RoomManager(by) {
		return errs.E(CodeNotRoomManager, errs.Forbidden, "only the room manager allows publishers", "تنها مدیر اتاق ناشران را مجاز می‌کند")
	}
	err := ps.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM exchange_pubsub_publishers WHERE event_type = $1 AND publisher = $2`, eventType, publisher)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(CodePublisherDenied, errs.NotFound, "this subsystem is not a publisher of the type", "این زیرسامانه ناشر این نوع رویداد نیست")
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.publisher_removed", Actor: "subsystem:" + by.String(), Agency: PlatformMember},
			map[string]any{"event_type": eventType, "publisher": publisher})
	})
	return errs.Wrap("exchange.DisallowPublisher", err)
}

// DeleteEventType removes a type and its publishers; its subscriptions are
// cancelled and its undelivered events stopped. Events already published
// stay, for the record and the data tracker.
func (ps *PubSub) DeleteEventType(ctx context.Context, by SubsystemID, name string) error {
	if !ps.RoomManager(by) {
		return errs.E(CodeNotRoomManager, errs.Forbidden, "only the room manager (the platform, member PANJARE) deletes event types",
			"تنها مدیر اتاق (خود پنجره، عضو PANJARE) نوع رویداد را حذف می‌کند")
	}
	now := ps.s.Now()
	err := ps.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM exchange_pubsub_types WHERE event_type = $1`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(CodeUnknownEventType, errs.NotFound, "the room has no event type "+name, "اتاق رویدادی از نوع "+name+" ندارد")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM exchange_pubsub_publishers WHERE event_type = $1`, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_deliveries SET state = 'stopped', done_at = $1
			WHERE state = 'pending' AND sub_id IN (SELECT id FROM exchange_pubsub_subs WHERE event_type = $2 AND cancelled_at IS NULL)`, now, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_subs SET cancelled_at = $1 WHERE event_type = $2 AND cancelled_at IS NULL`, now, name); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.type_deleted", Actor: "subsystem:" + by.String(), Agency: PlatformMember},
			map[string]any{"event_type": name})
	})
	return errs.Wrap("exchange.DeleteEventType", err)
}

// canonicalJSON decodes an event body into a value and writes it back with
// sorted keys and no insignificant space, so that the same facts give the
// same digest however they were spelled.
func canonicalJSON(body []byte) (map[string]any, []byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, errors.New("trailing data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, errors.New("not a JSON object")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, nil, err
	}
	return m, bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// isNationalCodeField reports whether a property holds a national code.
func isNationalCodeField(name string) bool {
	return name == "national_code" || strings.HasSuffix(name, "_national_code")
}

// validateEvent checks an event body against its type's schema and the
// national codes in it, and returns the person it is about and its
// canonical form. Problems are one errs.FieldError each.
func validateEvent(sch *jsonschema.Schema, body []byte) (string, []byte, error) {
	invalid := func(fields []errs.FieldError) error {
		return &errs.Error{Op: CodeEventInvalid, Kind: errs.Invalid, Fields: fields,
			En: "the event does not match its type's schema", Fa: "رویداد با طرح نوع خود نمی‌خواند"}
	}
	if len(body) > maxEventBody {
		return "", nil, errs.E(CodeEventInvalid, errs.TooLarge, "the event is larger than 64 KiB", "رویداد بزرگ‌تر از ۶۴ کیلوبایت است")
	}
	m, canon, err := canonicalJSON(body)
	if err != nil {
		return "", nil, invalid([]errs.FieldError{{Field: "event", En: "the event must be a JSON object", Fa: "رویداد باید یک شیء JSON باشد"}})
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(canon))
	if err != nil {
		return "", nil, invalid([]errs.FieldError{{Field: "event", En: "the event must be a JSON object", Fa: "رویداد باید یک شیء JSON باشد"}})
	}
	if err := sch.Validate(inst); err != nil {
		return "", nil, invalid(schemaFieldErrors(err))
	}
	var fields []errs.FieldError
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !isNationalCodeField(k) {
			continue
		}
		s, _ := m[k].(string)
		if persian.CheckNationalCode(s) != nil {
			fields = append(fields, errs.FieldError{Field: k, En: "“" + k + "” is not a valid national code", Fa: "«" + k + "» کد ملی معتبری نیست"})
		}
	}
	if len(fields) > 0 {
		return "", nil, invalid(fields)
	}
	person, _ := m["national_code"].(string)
	return person, canon, nil
}

// schemaFieldErrors turns a validation error into one field error per
// problem, named by the property's path (a.b for nested ones).
func schemaFieldErrors(err error) []errs.FieldError {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []errs.FieldError{{Field: "event", En: "the event is not valid", Fa: "رویداد معتبر نیست"}}
	}
	var out []errs.FieldError
	seen := map[string]bool{}
	add := func(field, en, fa string) {
		if field == "" {
			field = "event"
		}
		if !seen[field+en] {
			seen[field+en] = true
			out = append(out, errs.FieldError{Field: field, En: en, Fa: fa})
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		name := strings.Join(e.InstanceLocation, ".")
		prefix := ""
		if name != "" {
			prefix = name + "."
		}
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				add(prefix+m, "“"+m+"” is required", "«"+m+"» الزامی است")
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				add(prefix+p, "the event type has no property “"+p+"”", "این نوع رویداد ویژگی «"+p+"» ندارد")
			}
		case *kind.Format:
			add(name, fmt.Sprintf("“%s” must be a %s (such as 2024-03-20 for a date)", name, k.Want),
				fmt.Sprintf("«%s» باید به قالب %s باشد (برای تاریخ مانند 2024-03-20)", name, k.Want))
		case *kind.Enum:
			add(name, "“"+name+"” is not one of the allowed values", "مقدار «"+name+"» از مقدارهای مجاز نیست")
		case *kind.Type:
			add(name, fmt.Sprintf("“%s” must be of type %s", name, strings.Join(k.Want, " or ")),
				fmt.Sprintf("«%s» باید از نوع %s باشد", name, strings.Join(k.Want, " یا ")))
		default:
			add(name, "“"+name+"” is not valid", "مقدار «"+name+"» معتبر نیست")
		}
	}
	walk(ve)
	return out
}

// Publish validates and publishes an event of eventType by publisher (a
// subsystem identifier such as IR/GOV/NOCR/population): the event row, a
// delivery row for every live subscription of the type and the event
// exchange.pubsub.published (Subject: the person) in one transaction.
//
// Errors: errs.NotFound for an unknown type; errs.Forbidden when the room
// manager has not allowed the publisher for the type; errs.Invalid when the
// body does not match the schema (one field error per problem) or the civil
// registry does not know the person; errs.Conflict when the same publisher
// has already published the same facts for the type (a replay);
// errs.Unavailable when the civil registry could not be asked.
func (ps *PubSub) Publish(ctx context.Context, publisher string, eventType string, body json.RawMessage) (LifeEvent, error) {
	const op = "exchange.Publish"
	pub, err := ParseSubsystemID(publisher)
	if err != nil {
		return LifeEvent{}, errs.E(CodePublisherDenied, errs.Invalid, "the publisher is not a subsystem identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM",
			"ناشر شناسهٔ زیرسامانه به شکل INSTANCE/CLASS/MEMBER/SUBSYSTEM نیست")
	}
	t, err := ps.eventType(ctx, ps.s.Read(), eventType)
	if err != nil {
		return LifeEvent{}, err
	}
	if !slicesContains(t.Publishers, pub.String()) {
		return LifeEvent{}, errs.E(CodePublisherDenied, errs.Forbidden, "the room manager has not allowed "+pub.String()+" to publish "+eventType+" events",
			"مدیر اتاق به "+pub.String()+" اجازهٔ انتشار رویداد "+eventType+" نداده است")
	}
	sch, err := ps.compiled(t.Schema)
	if err != nil {
		return LifeEvent{}, errs.Wrap(op, err)
	}
	person, canon, err := validateEvent(sch, body)
	if err != nil {
		return LifeEvent{}, err
	}
	if ps.cfg.PersonCheck != nil {
		known, err := ps.cfg.PersonCheck(ctx, person)
		if err != nil {
			return LifeEvent{}, &errs.Error{Op: CodePersonUnavailable, Kind: errs.Unavailable, Err: err,
				En: "the civil registry could not be asked whether the person exists; publish the event again later",
				Fa: "از ثبت احوال دربارهٔ وجود این شخص پرسیده نشد؛ رویداد را کمی بعد دوباره منتشر کنید"}
		}
		if !known {
			return LifeEvent{}, &errs.Error{Op: CodeUnknownPerson, Kind: errs.Invalid,
				Fields: []errs.FieldError{{Field: "national_code", En: "the civil registry has no person with this national code", Fa: "ثبت احوال شخصی با این کد ملی ندارد"}},
				En:     "the civil registry has no person with this national code", Fa: "ثبت احوال شخصی با این کد ملی ندارد"}
		}
	}
	digest := Digest(canon)
	ev := LifeEvent{ID: newUUID(), Type: eventType, Person: person, Facts: json.RawMessage(canon), Publisher: pub.String(), PublishedAt: ps.s.Now()}
	err = ps.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_pubsub_events WHERE publisher = $1 AND event_type = $2 AND digest = $3`,
			ev.Publisher, eventType, digest).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(CodeReplayed, errs.Conflict, "this publisher has already published the same "+eventType+" event",
				"این ناشر همین رویداد "+eventType+" را پیش‌تر منتشر کرده است")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO exchange_pubsub_events (id, event_type, publisher, person, body, digest, published_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`, ev.ID, eventType, ev.Publisher, person, string(canon), digest, ev.PublishedAt).Scan(&ev.Sequence); err != nil {
			if isUniqueViolation(err) {
				return errs.E(CodeReplayed, errs.Conflict, "this publisher has already published the same "+eventType+" event",
					"این ناشر همین رویداد "+eventType+" را پیش‌تر منتشر کرده است")
			}
			return err
		}
		subs, err := ps.liveSubs(ctx, tx, eventType)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_pubsub_deliveries (sub_id, event_seq, person, state, attempts, next_at, created_at)
				VALUES ($1, $2, $3, 'pending', 0, $4, $4)`, s.ID, ev.Sequence, person, ev.PublishedAt); err != nil {
				return err
			}
		}
		if len(subs) > 0 {
			if err := tx.Enqueue(ctx, deliverLifeEventsArgs{}, nil); err != nil {
				return err
			}
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.published", Actor: "subsystem:" + ev.Publisher, Agency: pub.Member,
			Subject: person, At: ev.PublishedAt},
			map[string]any{"event_id": ev.ID, "sequence": ev.Sequence, "event_type": eventType, "publisher": ev.Publisher,
				"subscriptions": len(subs), "digest": digest})
	})
	if err != nil {
		return LifeEvent{}, errs.Wrap(op, err)
	}
	ps.wake()
	return ev, nil
}

// liveSubs returns the live subscriptions of a type.
func (ps *PubSub) liveSubs(ctx context.Context, q psQuerier, eventType string) ([]Subscription, error) {
	return ps.querySubs(ctx, q, `WHERE event_type = $1 AND cancelled_at IS NULL ORDER BY id`, eventType)
}

func (ps *PubSub) querySubs(ctx context.Context, q psQuerier, where string, args ...any) ([]Subscription, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, subscriber, event_type, delivery, ttl, fifo, created_at FROM exchange_pubsub_subs `+where, args...)
	if err != nil {
		return nil, errs.Wrap("exchange.subscriptions", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var s Subscription
		var sub string
		var fifo int
		if err := rows.Scan(&s.ID, &sub, &s.EventType, &s.Delivery, &s.TTL, &fifo, &s.CreatedAt); err != nil {
			return nil, errs.Wrap("exchange.subscriptions", err)
		}
		s.Subscriber, _ = ParseSubsystemID(sub)
		s.FIFO, s.CreatedAt = fifo != 0, s.CreatedAt.UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// Event returns a published event by id.
func (ps *PubSub) Event(ctx context.Context, id string) (LifeEvent, error) {
	evs, err := ps.queryEvents(ctx, `WHERE id = $1`, id)
	if err != nil {
		return LifeEvent{}, err
	}
	if len(evs) == 0 {
		return LifeEvent{}, errs.E(CodeNoEvent, errs.NotFound, "no such event", "چنین رویدادی نیست")
	}
	return evs[0], nil
}

func (ps *PubSub) queryEvents(ctx context.Context, where string, args ...any) ([]LifeEvent, error) {
	rows, err := ps.s.Read().QueryContext(ctx, `SELECT seq, id, event_type, publisher, person, body, published_at FROM exchange_pubsub_events `+where, args...)
	if err != nil {
		return nil, errs.Wrap("exchange.events", err)
	}
	defer rows.Close()
	var out []LifeEvent
	for rows.Next() {
		var ev LifeEvent
		var body string
		if err := rows.Scan(&ev.Sequence, &ev.ID, &ev.Type, &ev.Publisher, &ev.Person, &body, &ev.PublishedAt); err != nil {
			return nil, errs.Wrap("exchange.events", err)
		}
		ev.Facts, ev.PublishedAt = json.RawMessage(body), ev.PublishedAt.UTC()
		out = append(out, ev)
	}
	return out, rows.Err()
}

// SubscribeLocal subscribes a platform application (an application code
// under IR/GOV/PANJARE, such as "proactive") to a type, delivered in
// process to the handler HandleLocal registers. It is idempotent.
func (ps *PubSub) SubscribeLocal(ctx context.Context, subscriber, eventType string) error {
	id, err := ps.localSubscriber(subscriber)
	if err != nil {
		return err
	}
	_, err = ps.subscribe(ctx, id, Subscription{EventType: eventType, Delivery: DeliveryLocal})
	if errs.Is(err, errs.Conflict) {
		cur, cerr := ps.Subscription(ctx, id, eventType)
		if cerr == nil && cur.Delivery == DeliveryLocal {
			return nil
		}
	}
	return err
}

// HandleLocal sets the handler of a local subscriber's events in this
// process. Events wait, undelivered, while no handler is set.
func (ps *PubSub) HandleLocal(subscriber string, h LocalHandler) {
	id, err := ps.localSubscriber(subscriber)
	if err != nil {
		panic("exchange.HandleLocal: " + err.Error())
	}
	ps.mu.Lock()
	ps.handlers[id.String()] = h
	ps.mu.Unlock()
	ps.wake()
}

// Subscribe subscribes subscriber to a type (PUSH to its registered
// callback address, or PULL). A live subscription to the same type is
// errs.Conflict; an unknown type errs.NotFound; PUSH without a registered
// callback address errs.Invalid.
func (ps *PubSub) Subscribe(ctx context.Context, subscriber SubsystemID, s Subscription) (Subscription, error) {
	if s.Delivery == "" {
		s.Delivery = DeliveryPush
	}
	if s.Delivery != DeliveryPush && s.Delivery != DeliveryPull {
		return Subscription{}, errs.E(CodeSubscription, errs.Invalid, `delivery is "PUSH" or "PULL"`, `روش تحویل باید "PUSH" یا "PULL" باشد`)
	}
	return ps.subscribe(ctx, subscriber, s)
}

// checkPush refuses PUSH to a subscriber without a callback address.
func (ps *PubSub) checkPush(ctx context.Context, subscriber SubsystemID) error {
	sub, err := ps.x.cachedSubsystem(ctx, subscriber)
	if err != nil {
		return err
	}
	if sub.CallbackURL == "" {
		return errs.E(CodeSubscription, errs.Invalid,
			"PUSH delivery needs the callback address of the subscriber, which its agency registers (panjare exchange subsystem callback); or subscribe with PULL",
			"تحویل PUSH به نشانی بازخوان مشترک نیاز دارد که دستگاهش آن را ثبت می‌کند (panjare exchange subsystem callback)؛ یا با PULL مشترک شوید")
	}
	return nil
}

func (ps *PubSub) subscribe(ctx context.Context, subscriber SubsystemID, s Subscription) (Subscription, error) {
	const op = "exchange.Subscribe"
	if s.TTL < 0 {
		return Subscription{}, errs.E(CodeSubscription, errs.Invalid, "TTL is a number of seconds, 0 or more", "TTL باید تعداد ثانیه‌ها و صفر یا بیشتر باشد")
	}
	if _, err := ps.EventType(ctx, s.EventType); err != nil {
		return Subscription{}, err
	}
	if s.Delivery == DeliveryPush {
		if err := ps.checkPush(ctx, subscriber); err != nil {
			return Subscription{}, err
		}
	}
	s.ID, s.Subscriber, s.CreatedAt = newUUID(), subscriber, ps.s.Now()
	err := ps.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_pubsub_subs WHERE subscriber = $1 AND event_type = $2 AND cancelled_at IS NULL`,
			subscriber.String(), s.EventType).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(CodeSubscription, errs.Conflict, "this subscriber is already subscribed to "+s.EventType, "این مشترک پیش‌تر مشترک "+s.EventType+" شده است")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_pubsub_subs (id, subscriber, event_type, delivery, ttl, fifo, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, subscriber.String(), s.EventType, s.Delivery, s.TTL, boolInt(s.FIFO), s.CreatedAt); err != nil {
			if isUniqueViolation(err) {
				return errs.E(CodeSubscription, errs.Conflict, "this subscriber is already subscribed to "+s.EventType, "این مشترک پیش‌تر مشترک "+s.EventType+" شده است")
			}
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.subscribed", Actor: "subsystem:" + subscriber.String(), Agency: subscriber.Member},
			map[string]any{"subscription": s.ID, "subscriber": subscriber.String(), "event_type": s.EventType, "delivery": s.Delivery, "ttl": s.TTL, "fifo": s.FIFO})
	})
	if err != nil {
		return Subscription{}, errs.Wrap(op, err)
	}
	return s, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Subscriptions returns subscriber's live subscriptions.
func (ps *PubSub) Subscriptions(ctx context.Context, subscriber SubsystemID) ([]Subscription, error) {
	return ps.querySubs(ctx, ps.s.Read(), `WHERE subscriber = $1 AND cancelled_at IS NULL ORDER BY event_type`, subscriber.String())
}

// AllSubscriptions returns every live subscription, by type and subscriber.
func (ps *PubSub) AllSubscriptions(ctx context.Context) ([]Subscription, error) {
	return ps.querySubs(ctx, ps.s.Read(), `WHERE cancelled_at IS NULL ORDER BY event_type, subscriber`)
}

// Subscription returns subscriber's live subscription to a type.
func (ps *PubSub) Subscription(ctx context.Context, subscriber SubsystemID, eventType string) (Subscription, error) {
	subs, err := ps.querySubs(ctx, ps.s.Read(), `WHERE subscriber = $1 AND event_type = $2 AND cancelled_at IS NULL`, subscriber.String(), eventType)
	if err != nil {
		return Subscription{}, err
	}
	if len(subs) == 0 {
		return Subscription{}, errs.E(CodeSubscription, errs.NotFound, "no subscription to "+eventType, "اشتراکی در "+eventType+" نیست")
	}
	return subs[0], nil
}

// UpdateSubscription changes the delivery and options of subscriber's
// subscription to a type.
func (ps *PubSub) UpdateSubscription(ctx context.Context, subscriber SubsystemID, eventType string, s Subscription) (Subscription, error) {
	cur, err := ps.Subscription(ctx, subscriber, eventType)
	if err != nil {
		return Subscription{}, err
	}
	if cur.Delivery == DeliveryLocal {
		return Subscription{}, errs.E(CodeSubscription, errs.Conflict, "a local subscription is changed in the platform's code", "اشتراک درون‌سامانه‌ای از راه کد خود پنجره تغییر می‌کند")
	}
	if s.Delivery == "" {
		s.Delivery = cur.Delivery
	}
	if s.Delivery != DeliveryPush && s.Delivery != DeliveryPull {
		return Subscription{}, errs.E(CodeSubscription, errs.Invalid, `delivery is "PUSH" or "PULL"`, `روش تحویل باید "PUSH" یا "PULL" باشد`)
	}
	if s.TTL < 0 {
		return Subscription{}, errs.E(CodeSubscription, errs.Invalid, "TTL is a number of seconds, 0 or more", "TTL باید تعداد ثانیه‌ها و صفر یا بیشتر باشد")
	}
	if s.Delivery == DeliveryPush {
		if err := ps.checkPush(ctx, subscriber); err != nil {
			return Subscription{}, err
		}
	}
	cur.Delivery, cur.TTL, cur.FIFO = s.Delivery, s.TTL, s.FIFO
	err = ps.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_subs SET delivery = $1, ttl = $2, fifo = $3 WHERE id = $4 AND cancelled_at IS NULL`,
			cur.Delivery, cur.TTL, boolInt(cur.FIFO), cur.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(CodeSubscription, errs.NotFound, "no subscription to "+eventType, "اشتراکی در "+eventType+" نیست")
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.subscription_changed", Actor: "subsystem:" + subscriber.String(), Agency: subscriber.Member},
			map[string]any{"subscription": cur.ID, "event_type": eventType, "delivery": cur.Delivery, "ttl": cur.TTL, "fifo": cur.FIFO})
	})
	if err != nil {
		return Subscription{}, errs.Wrap("exchange.UpdateSubscription", err)
	}
	ps.wake()
	return cur, nil
}

// Unsubscribe cancels subscriber's subscription to a type; its undelivered
// events are stopped.
func (ps *PubSub) Unsubscribe(ctx context.Context, subscriber SubsystemID, eventType string) error {
	cur, err := ps.Subscription(ctx, subscriber, eventType)
	if err != nil {
		return err
	}
	now := ps.s.Now()
	err = ps.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_subs SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL`, now, cur.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(CodeSubscription, errs.NotFound, "no subscription to "+eventType, "اشتراکی در "+eventType+" نیست")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_pubsub_deliveries SET state = 'stopped', done_at = $1 WHERE sub_id = $2 AND state = 'pending'`, now, cur.ID); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.unsubscribed", Actor: "subsystem:" + subscriber.String(), Agency: subscriber.Member},
			map[string]any{"subscription": cur.ID, "event_type": eventType})
	})
	return errs.Wrap("exchange.Unsubscribe", err)
}

// psQuerier is what Pub/Sub reads through: the read pool or a transaction.
type psQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

package proactive

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns proactive's tables: subscriptions, actions and
// opt-outs. Run them after catalog's.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "proactive", FS: sub}
}

// Subscriber is the application code under IR/GOV/PANJARE that the platform
// subscribes to life events as.
const Subscriber = "proactive"

// Mode is how a subscription starts its service.
type Mode string

// The modes: level 4 and level 5 of DESIGN.md.
const (
	Offer  Mode = "offer"  // the person is offered the service and starts it with one click
	NoStop Mode = "nostop" // the service is started and decided without the person acting
)

// Status is a subscription's state.
type Status string

// The states of a subscription.
const (
	Draft   Status = "draft"   // written, waiting for a second admin
	Active  Status = "active"  // starts its service on matching events
	Retired Status = "retired" // no longer starts anything
)

// Subscription subscribes a service to one type of life event.
type Subscription struct {
	ID        int64  `json:"id"`
	Service   string `json:"service"`
	Agency    string `json:"agency"`
	EventType string `json:"event_type"`
	// Condition is a CEL boolean over event (the event's facts); "true"
	// starts the service on every event of the type.
	Condition string `json:"condition"`
	Mode      Mode   `json:"mode"`
	// Applicant is the event field holding the national code of whom the
	// service is for, as a CEL selection: "event.national_code" (the
	// default) or "event.mother_national_code"; or heirs(event.x), the
	// living spouse and children of the person in x, each of whom the
	// service is started for.
	Applicant string `json:"applicant"`
	// Data fills the application's form fields from the event's facts:
	// form field name -> "event.<field>".
	Data        map[string]string `json:"data,omitempty"`
	Status      Status            `json:"status"`
	CreatedBy   string            `json:"created_by"`
	ApprovedBy  string            `json:"approved_by,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	ActivatedAt *time.Time        `json:"activated_at,omitempty"`
	RetiredAt   *time.Time        `json:"retired_at,omitempty"`
}

// Event is one life event as proactive receives it from the exchange's
// Pub/Sub.
type Event struct {
	ID          string          // the event's id (uuid)
	Type        string          // birth, death, retirement, ...
	Person      string          // the national code it is about (personal data: never logged)
	Facts       json.RawMessage // the validated body
	Publisher   string
	PublishedAt time.Time
}

// Problem is one error of a subscription's condition, shown in place.
type Problem struct {
	Field  string `json:"field"` // "condition", "applicant", "data.<field>"
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	En     string `json:"en"`
	Fa     string `json:"fa"`
}

// Condition is a compiled subscription condition.
type Condition interface {
	Match(ctx context.Context, event map[string]any) (bool, error)
}

// Compiler compiles a CEL condition over event against the event type's
// JSON Schema (rules.CompileCondition, adapted by the app).
type Compiler func(expr string, schema json.RawMessage) (Condition, []Problem)

// Origin says why apply starts a case without its applicant filing it.
type Origin struct {
	Kind         string // "offer" or "nostop"
	Event        string // the life event's id
	Subscription int64
}

// Starter starts a case of service for applicant (apply.StartFor, adapted
// by the app). It is idempotent per (origin.Event, service, applicant).
type Starter func(ctx context.Context, by identity.Principal, service, applicant string, data map[string]string, origin Origin) (apply.Case, error)

// Config is what Proactive needs. Every field but Log and Phone is
// required.
type Config struct {
	Store    *store.Store
	Catalog  *catalog.Catalog
	Notifier *notify.Notifier
	// Compile compiles conditions (rules.CompileCondition).
	Compile Compiler
	// Schema returns the JSON Schema of an event type; errs.NotFound for
	// an unknown type (the exchange's Pub/Sub event types).
	Schema func(ctx context.Context, eventType string) (json.RawMessage, error)
	// Subscribe subscribes the platform locally to an event type
	// (PubSub.SubscribeLocal with Subscriber); idempotent.
	Subscribe func(ctx context.Context, eventType string) error
	// RulesActive reports whether the rules capability has an active
	// ruleset for the service.
	RulesActive func(ctx context.Context, service string) (bool, error)
	// Start starts cases (apply.StartFor).
	Start Starter
	// Form returns the application form of a service for a person, to show
	// on an offer what will be asked of whom (apply.Form).
	Form func(ctx context.Context, service string, p identity.Principal) (apply.Form, error)
	// Heirs returns the living spouse and children of a person from the
	// civil registry's family record, for subscriptions whose applicant is
	// heirs(event.national_code); nil refuses such subscriptions' events.
	Heirs func(ctx context.Context, person string) ([]string, error)
	// Phone returns a person's mobile number for SMS notices, "" if none is
	// known; nil sends notices by the person's choice of email only.
	Phone func(ctx context.Context, person string) string
	Log   *slog.Logger
}

// Proactive is the proactive-services capability. It is safe for
// concurrent use.
type Proactive struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	compiled  map[int64]Condition // subscriptions never change once written
	onChange  []func(ctx context.Context, service string)
	subscribe map[string]bool // event types subscribed to by this process
}

// New returns the capability.
func New(cfg Config) *Proactive {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Proactive{cfg: cfg, log: log, compiled: map[int64]Condition{}, subscribe: map[string]bool{}}
}

// OnChange registers f to be called after a subscription of service is
// activated or retired, once the change is committed (true levels).
func (p *Proactive) OnChange(f func(ctx context.Context, service string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onChange = append(p.onChange, f)
}

// changed calls the OnChange hooks for service.
func (p *Proactive) changed(ctx context.Context, service string) {
	p.mu.Lock()
	hooks := append([]func(context.Context, string){}, p.onChange...)
	p.mu.Unlock()
	for _, f := range hooks {
		f(ctx, service)
	}
}

// RulesChanged is the rules capability's OnChange hook: a proactive service
// is started only while its ruleset is active, so its level follows the
// ruleset too.
func (p *Proactive) RulesChanged(ctx context.Context, service string) {
	p.changed(ctx, service)
}

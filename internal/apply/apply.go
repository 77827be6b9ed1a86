package apply

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations returns apply's tables. Run them after permit's and notify's.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.MigrationSet{Name: "apply", FS: sub}
}

// Config is what Applications needs. Store and Catalog are required; the
// others may be nil in parts of the platform that do without them: without
// Gateway inquiry evidence stays pending, without Permits approving a
// document service is refused, without Notifier no notices are sent,
// without Payments fees cannot be paid.
type Config struct {
	Store    *store.Store
	Catalog  *catalog.Catalog
	Gateway  *exchange.Gateway
	Permits  *permit.Permits
	Notifier *notify.Notifier
	Payments PaymentProvider
	// Rules decides cases of services with an active ruleset (decide.go);
	// nil: every case waits for a clerk.
	Rules   Rules
	BaseURL string // the portal's public URL, for links in notices and payment returns
	Log     *slog.Logger
	// Now replaces the clock, for tests of deadlines; default the store's.
	Now func() time.Time
}

// Applications is the apply capability. It is safe for concurrent use.
type Applications struct {
	s   *store.Store
	cat *catalog.Catalog
	gw  *exchange.Gateway
	pm  *permit.Permits
	nt  *notify.Notifier
	pay PaymentProvider
	rl  Rules
	url string
	log *slog.Logger
	now func() time.Time
	// pick draws Submit's tracking code: freeTracking, except in a test
	// that hands Submit a code another submission has taken.
	pick func(a *Applications, ctx context.Context, now time.Time, applicant, service string) (string, bool, error)

	formsMu sync.Mutex
	forms   map[string]cachedForm // by service id and version
}

// cachedForm is a built form with its compiled schema. Forms are rebuilt
// when the service publishes a new version, and at least every formTTL so
// that agencies' renamed names show.
type cachedForm struct {
	form  Form
	built time.Time
}

const (
	formTTL  = time.Minute
	maxForms = 4096
)

// New returns the capability.
func New(cfg Config) (*Applications, error) {
	if cfg.Store == nil || cfg.Catalog == nil {
		return nil, errs.E("apply.New", errs.Internal, "apply needs a store and a catalog", "")
	}
	a := &Applications{s: cfg.Store, cat: cfg.Catalog, gw: cfg.Gateway, pm: cfg.Permits, nt: cfg.Notifier,
		pay: cfg.Payments, rl: cfg.Rules, url: cfg.BaseURL, log: cfg.Log, now: cfg.Now, forms: map[string]cachedForm{}}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = cfg.Store.Now
	}
	return a, nil
}

// clock returns the current time in UTC at the precision both engines keep.
func (a *Applications) clock() time.Time { return a.now().UTC().Truncate(time.Microsecond) }

// State is where a case is in its life.
type State string

// The states of a case.
const (
	Submitted State = "submitted"
	InReview  State = "in_review"
	NeedsInfo State = "needs_info"
	Approved  State = "approved"
	Rejected  State = "rejected"
	Issued    State = "issued"
	Withdrawn State = "withdrawn"
	// Objected is a case refused by a service's rules whose applicant
	// objected within the period (objection.go): a clerk who did not write
	// the rules decides it finally.
	Objected State = "objected"
)

// States lists every state, in the order of a case's life.
var States = []State{Submitted, InReview, NeedsInfo, Approved, Rejected, Objected, Issued, Withdrawn}

// Final reports whether no transition leaves s.
func (s State) Final() bool { return s == Rejected || s == Issued || s == Withdrawn }

// Complete reports whether the case is over, so that feedback is welcome.
func (s State) Complete() bool { return s.Final() || s == Approved }

// actorKind says who may take a transition.
type actorKind int

const (
	byAgency    actorKind = 1 << iota // the competent agency's staff or API client
	byApplicant                       // the applicant
)

// transitions is the state machine: for each legal (from, to), who may take
// it. Anything not listed is refused with errs.Conflict.
var transitions = map[State]map[State]actorKind{
	Submitted: {InReview: byAgency, Withdrawn: byApplicant},
	InReview:  {NeedsInfo: byAgency, Approved: byAgency, Rejected: byAgency, Withdrawn: byApplicant},
	NeedsInfo: {InReview: byAgency | byApplicant, Withdrawn: byApplicant},
	Approved:  {Issued: byAgency},
	// A rejected case becomes objected only through Object, within the
	// objection period of an automatic refusal.
	Objected: {Approved: byAgency, Rejected: byAgency},
}

// Legal reports whether the state machine has the transition from → to.
func Legal(from, to State) bool {
	_, ok := transitions[from][to]
	return ok
}

// Event kinds apply appends.
const (
	evSubmitted       = "apply.case.submitted"
	evTransition      = "apply.case.transition"
	evOverdue         = "apply.case.overdue"
	evVisit           = "apply.case.visit"    // a clerk recorded the applicant's in-person visit (checks.go)
	evOverride        = "apply.case.override" // an agency admin decided over open checks (checks.go)
	evEvidence        = "apply.evidence.fetched"
	evEvidencePending = "apply.evidence.pending"
	evEvidenceGaveUp  = "apply.evidence.gave_up"
	evDraft           = "apply.draft.saved"
	evPayStarted      = "apply.payment.started"
	evPayConfirmed    = "apply.payment.confirmed"
	evPayReconciled   = "apply.payment.reconciled"
	evFeedback        = "apply.feedback.given"
	evComplaint       = "apply.complaint.received"
	evComplaintAnswer = "apply.complaint.answered"
	evComplaintClosed = "apply.complaint.closed"
	evDecidedByRules  = "apply.case.decided_by_rules"
	evObjected        = "apply.case.objected"
	evObjectionDone   = "apply.objection.decided"
	evStarted         = "apply.case.started" // the platform started a case for a citizen (StartFor)
)

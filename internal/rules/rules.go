// Package rules keeps each service's machine-readable eligibility rules
// (CEL), compiles and type-checks them against the service's inputs, runs
// their tests, activates a version only with a second agency admin's
// approval, and decides applications with an explanation in Persian and
// English.
package rules

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the rules' migration set.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "rules", FS: sub}
}

// Config wires the rules service.
type Config struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Envs    EnvSource
	History History
	Now     func() time.Time
}

// Rules is the rules service.
type Rules struct {
	cfg      Config
	onChange []func(ctx context.Context, service string)
}

// New returns the rules service.
func New(cfg Config) (*Rules, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Envs == nil {
		return nil, errs.E("rules.New", errs.Internal, "rules needs a store, a catalog and an env source", "")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Rules{cfg: cfg}, nil
}

var errNotYet = errs.E("rules", errs.Unavailable, "rules are not available yet", "قواعد هنوز در دسترس نیست")

func (r *Rules) SaveDraft(ctx context.Context, p identity.Principal, service string, rules []Rule, tests []TestCase) (Ruleset, error) {
	return Ruleset{}, errNotYet
}
func (r *Rules) Versions(ctx context.Context, service string) ([]Ruleset, error) {
	return nil, errNotYet
}
func (r *Rules) Version(ctx context.Context, service string, version int) (Ruleset, error) {
	return Ruleset{}, errNotYet
}
func (r *Rules) RunTests(ctx context.Context, service string, version int) ([]TestResult, error) {
	return nil, errNotYet
}
func (r *Rules) Simulate(ctx context.Context, p identity.Principal, service string, version int, last int) (Simulation, error) {
	return Simulation{}, errNotYet
}
func (r *Rules) RequestActivation(ctx context.Context, p identity.Principal, service string, version int) (Ruleset, error) {
	return Ruleset{}, errNotYet
}
func (r *Rules) ApproveActivation(ctx context.Context, p identity.Principal, service string, version int) (Ruleset, error) {
	return Ruleset{}, errNotYet
}
func (r *Rules) Rollback(ctx context.Context, p identity.Principal, service string, version int) (Ruleset, error) {
	return Ruleset{}, errNotYet
}
func (r *Rules) Deactivate(ctx context.Context, p identity.Principal, service string, reason string) error {
	return errNotYet
}
func (r *Rules) Active(ctx context.Context, service string) (Ruleset, bool, error) {
	return Ruleset{}, false, nil
}
func (r *Rules) Decide(ctx context.Context, service string, in Input) (Decision, bool, error) {
	return Decision{}, false, nil
}
func (r *Rules) Authors(ctx context.Context, service string, version int) ([]string, error) {
	return nil, nil
}
func (r *Rules) ActiveServices(ctx context.Context) (map[string]int, error) {
	return map[string]int{}, nil
}

// OnChange registers f to be called after an activation, rollback or
// deactivation commits.
func (r *Rules) OnChange(f func(ctx context.Context, service string)) {
	r.onChange = append(r.onChange, f)
}

// ProblemsOf returns the problems carried by an error of SaveDraft or
// RequestActivation.
func ProblemsOf(err error) []Problem {
	return nil
}

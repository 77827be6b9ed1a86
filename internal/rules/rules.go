// Package rules keeps each service's machine-readable eligibility rules
// (CEL), compiles and type-checks them against the service's inputs, runs
// their tests, activates a version only with a second agency admin's
// approval, and decides applications with an explanation in Persian and
// English.
//
// rules owns the tables prefixed rules_; every change appends an event in
// the same transaction.
package rules

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the rules' migration set.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "rules", FS: sub}
}

// Config wires the rules service. History may be nil until apply provides
// it; Simulate is then Unavailable.
type Config struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Envs    EnvSource
	History History
	Now     func() time.Time
}

// Rules is the rules service. It is safe for concurrent use and for several
// nodes: the compiled active ruleset of a service is cached per node and
// re-read when the service's version stamp in the database changes.
type Rules struct {
	cfg Config

	mu       sync.Mutex
	cache    map[string]cached
	onChange []func(ctx context.Context, service string)
}

type cached struct {
	stamp  int64
	rs     Ruleset
	active bool
	prog   *Program
	probs  []Problem // the active ruleset no longer compiles against the inputs
}

// Event kinds.
const (
	EventSaved       = "rules.ruleset.saved"
	EventRequested   = "rules.ruleset.requested"
	EventActivated   = "rules.ruleset.activated"
	EventRolledBack  = "rules.ruleset.rolled_back"
	EventDeactivated = "rules.ruleset.deactivated"
)

// New returns the rules service.
func New(cfg Config) (*Rules, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Envs == nil {
		return nil, errors.New("rules.New: a store, a catalog and an env source are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Rules{cfg: cfg, cache: map[string]cached{}}, nil
}

// SetHistory gives the service the decided cases for simulation (apply is
// built after rules).
func (r *Rules) SetHistory(h History) { r.cfg.History = h }

// OnChange registers f to be called after an activation, rollback or
// deactivation commits (on this node).
func (r *Rules) OnChange(f func(ctx context.Context, service string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onChange = append(r.onChange, f)
}

func (r *Rules) changed(ctx context.Context, service string) {
	r.mu.Lock()
	delete(r.cache, service)
	hooks := append([]func(context.Context, string){}, r.onChange...)
	r.mu.Unlock()
	for _, h := range hooks {
		h(ctx, service)
	}
}

func (r *Rules) now() time.Time { return r.cfg.Now().UTC().Truncate(time.Microsecond) }

// problemsError carries a ruleset's problems inside an errs.Invalid.
type problemsError struct{ probs []Problem }

func (e *problemsError) Error() string { return fmt.Sprintf("%d problems", len(e.probs)) }

// ProblemsOf returns the problems carried by an error of SaveDraft,
// RequestActivation, ApproveActivation, Rollback or RunTests.
func ProblemsOf(err error) []Problem {
	var pe *problemsError
	if errors.As(err, &pe) {
		return pe.probs
	}
	return nil
}

func invalidProblems(op string, probs []Problem) error {
	e := errs.E(op, errs.Invalid, "The rules have problems; each is shown in place", "قواعد ایراد دارند؛ هر ایراد در جای خود نشان داده شده است.")
	for _, p := range probs {
		e.Fields = append(e.Fields, errs.FieldError{Field: problemField(p), En: p.En, Fa: p.Fa})
	}
	e.Err = &problemsError{probs: probs}
	return e
}

// problemField names a problem's place for errs.FieldError: "rules.<code>.when",
// "tests.<name>", "rules".
func problemField(p Problem) string {
	switch {
	case len(p.Field) > 5 && p.Field[:5] == "test:":
		return "tests." + p.Field[5:]
	case p.Rule != "":
		return "rules." + p.Rule + "." + p.Field
	}
	return p.Field
}

// service returns the published service and checks that p may author its
// rules.
func (r *Rules) service(ctx context.Context, op string, p identity.Principal, id string) (catalog.Service, error) {
	svc, err := r.cfg.Catalog.Service(ctx, id)
	if err != nil {
		return catalog.Service{}, err
	}
	if p.Kind == "" {
		return catalog.Service{}, errs.E(op, errs.Unauthorized, "Sign in to manage rules", "برای مدیریت قواعد وارد شوید.")
	}
	if !p.CanManageAgency(svc.Record.Agency) {
		return catalog.Service{}, errs.E(op, errs.Forbidden, "Only the service agency's administrators manage its rules", "فقط مدیران دستگاه ارائه‌دهندهٔ خدمت قواعد آن را مدیریت می‌کنند.")
	}
	return svc, nil
}

func (r *Rules) env(ctx context.Context, op, service string) (Env, error) {
	env, err := r.cfg.Envs.Env(ctx, service)
	if err != nil {
		return Env{}, errs.Wrap(op, err)
	}
	return env, nil
}

// bump raises the service's version stamp. Every changing transaction
// calls it first: on PostgreSQL the row lock also serialises the changes of
// one service.
func bump(ctx context.Context, tx *store.Tx, service string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO rules_stamps (service, stamp) VALUES ($1, 1)
		ON CONFLICT (service) DO UPDATE SET stamp = rules_stamps.stamp + 1`, service)
	return err
}

type body struct {
	Rules []Rule     `json:"rules"`
	Tests []TestCase `json:"tests"`
}

const rulesetColumns = `service, version, body, status, created_by, requested_by, approved_by, created_at, activated_at`

type rowScanner interface{ Scan(...any) error }

func scanRuleset(row rowScanner) (Ruleset, error) {
	var rs Ruleset
	var raw, status string
	var activated sql.NullTime
	if err := row.Scan(&rs.Service, &rs.Version, &raw, &status, &rs.CreatedBy, &rs.RequestedBy, &rs.ApprovedBy, &rs.CreatedAt, &activated); err != nil {
		return Ruleset{}, err
	}
	var b body
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return Ruleset{}, err
	}
	rs.Rules, rs.Tests, rs.Status = b.Rules, b.Tests, Status(status)
	if rs.Rules == nil {
		rs.Rules = []Rule{}
	}
	if rs.Tests == nil {
		rs.Tests = []TestCase{}
	}
	rs.CreatedAt = rs.CreatedAt.UTC()
	if activated.Valid {
		t := activated.Time.UTC()
		rs.ActivatedAt = &t
	}
	return rs, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func loadVersion(ctx context.Context, q querier, op, service string, version int) (Ruleset, error) {
	rs, err := scanRuleset(q.QueryRowContext(ctx, `SELECT `+rulesetColumns+` FROM rules_rulesets WHERE service = $1 AND version = $2`, service, version))
	if errors.Is(err, sql.ErrNoRows) {
		return Ruleset{}, errs.E(op, errs.NotFound, "No such version of the rules", "این نسخهٔ قواعد پیدا نشد.")
	}
	if err != nil {
		return Ruleset{}, errs.Wrap(op, err)
	}
	return rs, nil
}

// SaveDraft type-checks rules and tests against the service's inputs and
// saves them as a draft. The author's own latest draft is replaced; anyone
// else's draft, or a version that has left draft, is kept and a new version
// is made, so that each version has one writer.
// Errors: Invalid (with the problems, see ProblemsOf), Forbidden, NotFound.
func (r *Rules) SaveDraft(ctx context.Context, p identity.Principal, service string, rules []Rule, tests []TestCase) (Ruleset, error) {
	const op = "rules.SaveDraft"
	svc, err := r.service(ctx, op, p, service)
	if err != nil {
		return Ruleset{}, err
	}
	env, err := r.env(ctx, op, svc.ID)
	if err != nil {
		return Ruleset{}, err
	}
	if rules == nil {
		rules = []Rule{}
	}
	if tests == nil {
		tests = []TestCase{}
	}
	rs := Ruleset{Service: svc.ID, Rules: rules, Tests: tests, Status: Draft, CreatedBy: p.Actor(), CreatedAt: r.now()}
	if _, probs := Compile(rs, env); len(probs) > 0 {
		return Ruleset{}, invalidProblems(op, probs)
	}
	raw, err := json.Marshal(body{Rules: rules, Tests: tests})
	if err != nil {
		return Ruleset{}, errs.Wrap(op, err)
	}
	err = r.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := bump(ctx, tx, svc.ID); err != nil {
			return err
		}
		var last int
		var lastStatus, lastBy string
		err := tx.QueryRowContext(ctx, `SELECT version, status, created_by FROM rules_rulesets WHERE service = $1 ORDER BY version DESC LIMIT 1`, svc.ID).Scan(&last, &lastStatus, &lastBy)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if lastStatus == string(Draft) && lastBy == rs.CreatedBy {
			rs.Version = last
			if _, err := tx.ExecContext(ctx, `UPDATE rules_rulesets SET body = $1, created_at = $2 WHERE service = $3 AND version = $4`, string(raw), rs.CreatedAt, svc.ID, last); err != nil {
				return err
			}
		} else {
			rs.Version = last + 1
			if _, err := tx.ExecContext(ctx, `INSERT INTO rules_rulesets (service, version, body, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				svc.ID, rs.Version, string(raw), string(Draft), rs.CreatedBy, rs.CreatedAt); err != nil {
				return err
			}
		}
		return tx.Append(ctx, store.Event{Kind: EventSaved, Actor: p.Actor(), Agency: svc.Record.Agency, Service: svc.ID},
			map[string]any{"version": rs.Version, "rules": len(rules), "tests": len(tests)})
	})
	if err != nil {
		return Ruleset{}, errs.Wrap(op, err)
	}
	return rs, nil
}

// Versions returns every version of a service's rules, newest first.
func (r *Rules) Versions(ctx context.Context, service string) ([]Ruleset, error) {
	const op = "rules.Versions"
	id, err := catalog.ParseID(service)
	if err != nil {
		return nil, err
	}
	rows, err := r.cfg.Store.Read().QueryContext(ctx, `SELECT `+rulesetColumns+` FROM rules_rulesets WHERE service = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := []Ruleset{}
	for rows.Next() {
		rs, err := scanRuleset(rows)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, rs)
	}
	return out, errs.Wrap(op, rows.Err())
}

// Version returns one version. Errors: NotFound.
func (r *Rules) Version(ctx context.Context, service string, version int) (Ruleset, error) {
	id, err := catalog.ParseID(service)
	if err != nil {
		return Ruleset{}, err
	}
	return loadVersion(ctx, r.cfg.Store.Read(), "rules.Version", id, version)
}

// program compiles a stored version against the service's current inputs.
func (r *Rules) program(ctx context.Context, op string, rs Ruleset) (*Program, error) {
	env, err := r.env(ctx, op, rs.Service)
	if err != nil {
		return nil, err
	}
	prog, probs := Compile(rs, env)
	if len(probs) > 0 {
		return nil, invalidProblems(op, probs)
	}
	return prog, nil
}

// RunTests runs a version's tests against the service's current inputs.
// Errors: Invalid when the version no longer compiles, NotFound.
func (r *Rules) RunTests(ctx context.Context, service string, version int) ([]TestResult, error) {
	const op = "rules.RunTests"
	rs, err := r.Version(ctx, service, version)
	if err != nil {
		return nil, err
	}
	prog, err := r.program(ctx, op, rs)
	if err != nil {
		return nil, err
	}
	return prog.RunTests(ctx)
}

// RunTests evaluates each test case of the compiled ruleset.
func (p *Program) RunTests(ctx context.Context) ([]TestResult, error) {
	out := make([]TestResult, 0, len(p.rs.Tests))
	for _, tc := range p.rs.Tests {
		d, err := p.Evaluate(ctx, tc.Input)
		if err != nil {
			return nil, err
		}
		res := TestResult{Name: tc.Name, Want: tc.Want, WantGround: tc.WantGround, Got: d.Outcome, GotGround: d.Ground, ExplainFa: d.ExplainFa, ExplainEn: d.ExplainEn}
		res.Pass = d.Outcome == tc.Want && (tc.WantGround == "" || tc.WantGround == d.Ground)
		out = append(out, res)
	}
	return out, nil
}

// failing turns failed tests into problems.
func failing(results []TestResult) []Problem {
	var probs []Problem
	for _, t := range results {
		if t.Pass {
			continue
		}
		want, got := string(t.Want), string(t.Got)
		if t.WantGround != "" {
			want += " (" + t.WantGround + ")"
		}
		if t.GotGround != "" {
			got += " (" + t.GotGround + ")"
		}
		probs = append(probs, Problem{Field: "test:" + t.Name,
			En: fmt.Sprintf("The test expects %s but the rules give %s: %s", want, got, t.ExplainEn),
			Fa: fmt.Sprintf("آزمون %s را انتظار دارد ولی قواعد %s می‌دهند: %s", outcomeFa(t.Want)+groundFa(t.WantGround), outcomeFa(t.Got)+groundFa(t.GotGround), t.ExplainFa)})
	}
	return probs
}

func outcomeFa(o Outcome) string {
	switch o {
	case Approve:
		return "تأیید"
	case Reject:
		return "رد"
	case Refer:
		return "ارجاع به کارشناس"
	}
	return string(o)
}

func groundFa(g string) string {
	if g == "" {
		return ""
	}
	return " (" + g + ")"
}

// checkReady compiles a version and runs its tests: the version may become
// active only if it compiles against today's inputs and every test passes.
func (r *Rules) checkReady(ctx context.Context, op string, rs Ruleset) error {
	prog, err := r.program(ctx, op, rs)
	if err != nil {
		return err
	}
	if len(rs.Tests) == 0 {
		return invalidProblems(op, []Problem{{Field: "tests", En: "A ruleset needs at least one test before it can be activated", Fa: "مجموعهٔ قواعد پیش از فعال شدن دست‌کم یک آزمون لازم دارد."}})
	}
	results, err := prog.RunTests(ctx)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if probs := failing(results); len(probs) > 0 {
		return invalidProblems(op, probs)
	}
	return nil
}

// RequestActivation asks a second administrator to activate a draft. Every
// test must pass. Errors: Invalid (failing tests or problems), Forbidden,
// NotFound, Conflict when the version is not a draft.
func (r *Rules) RequestActivation(ctx context.Context, p identity.Principal, service string, version int) (Ruleset, error) {
	const op = "rules.RequestActivation"
	svc, err := r.service(ctx, op, p, service)
	if err != nil {
		return Ruleset{}, err
	}
	rs, err := r.Version(ctx, svc.ID, version)
	if err != nil {
		return Ruleset{}, err
	}
	if rs.Status != Draft {
		return Ruleset{}, errs.E(op, errs.Conflict, "Only a draft can be sent for activation", "فقط پیش‌نویس را می‌توان برای فعال‌سازی فرستاد.")
	}
	if err := r.checkReady(ctx, op, rs); err != nil {
		return Ruleset{}, err
	}
	err = r.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := bump(ctx, tx, svc.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE rules_rulesets SET status = $1, requested_by = $2 WHERE service = $3 AND version = $4 AND status = $5`,
			string(Pending), p.Actor(), svc.ID, version, string(Draft))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(op, errs.Conflict, "The version changed meanwhile; reload it", "این نسخه در این میان تغییر کرد؛ دوباره بارگذاری کنید.")
		}
		return tx.Append(ctx, store.Event{Kind: EventRequested, Actor: p.Actor(), Agency: svc.Record.Agency, Service: svc.ID}, map[string]any{"version": version})
	})
	if err != nil {
		return Ruleset{}, errs.Wrap(op, err)
	}
	rs.Status, rs.RequestedBy = Pending, p.Actor()
	return rs, nil
}

// canActivate checks that p is a person who may activate rules of the
// service's agency: an API client may not.
func canActivate(op string, p identity.Principal, svc catalog.Service) error {
	if p.Kind == "apikey" {
		return errs.E(op, errs.Forbidden, "An API key cannot activate rules; an administrator must, signed in", "کلید API نمی‌تواند قواعد را فعال کند؛ یک مدیر باید با ورود به سامانه این کار را بکند.")
	}
	if p.Kind != "user" && p.Kind != "system" {
		return errs.E(op, errs.Unauthorized, "Sign in to activate rules", "برای فعال‌سازی قواعد وارد شوید.")
	}
	if !p.Has(identity.RolePlatformAdmin) && !(p.Has(identity.RoleAgencyAdmin) && p.Agency == svc.Record.Agency) {
		return errs.E(op, errs.Forbidden, "Only an administrator of the service's agency activates its rules", "فقط مدیر دستگاه ارائه‌دهندهٔ خدمت قواعد آن را فعال می‌کند.")
	}
	return nil
}

// ApproveActivation activates a pending version: a second administrator of
// the service's agency (or a platform administrator), not the one who wrote
// or requested it. The previously active version is retired. Its tests are
// run again against today's inputs.
// Errors: Forbidden (same person, API key, another agency), Invalid, NotFound,
// Conflict when the version is not pending.
func (r *Rules) ApproveActivation(ctx context.Context, p identity.Principal, service string, version int) (Ruleset, error) {
	const op = "rules.ApproveActivation"
	svc, err := r.service(ctx, op, p, service)
	if err != nil {
		return Ruleset{}, err
	}
	if err := canActivate(op, p, svc); err != nil {
		return Ruleset{}, err
	}
	rs, err := r.Version(ctx, svc.ID, version)
	if err != nil {
		return Ruleset{}, err
	}
	if rs.Status != Pending {
		return Ruleset{}, errs.E(op, errs.Conflict, "Only a version awaiting approval can be approved", "فقط نسخه‌ای که در انتظار تأیید است تأییدشدنی است.")
	}
	if p.Actor() == rs.RequestedBy || p.Actor() == rs.CreatedBy {
		return Ruleset{}, errs.E(op, errs.Forbidden,
			"You wrote or requested this version: another administrator of the agency must approve it (four eyes)",
			"شما این نسخه را نوشته یا درخواست داده‌اید: مدیر دیگری از دستگاه باید آن را تأیید کند (اصل چهار چشم).")
	}
	if err := r.checkReady(ctx, op, rs); err != nil {
		return Ruleset{}, err
	}
	now := r.now()
	err = r.activate(ctx, op, svc, version, Pending, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE rules_rulesets SET approved_by = $1 WHERE service = $2 AND version = $3`, p.Actor(), svc.ID, version); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: EventActivated, Actor: p.Actor(), Agency: svc.Record.Agency, Service: svc.ID},
			map[string]any{"version": version, "requested_by": rs.RequestedBy})
	}, now)
	if err != nil {
		return Ruleset{}, err
	}
	rs.Status, rs.ApprovedBy, rs.ActivatedAt = Active, p.Actor(), &now
	r.changed(ctx, svc.ID)
	return rs, nil
}

// activate makes version the active one (it must have status from), retiring
// the active one, and runs more in the same transaction.
func (r *Rules) activate(ctx context.Context, op string, svc catalog.Service, version int, from Status, more func(tx *store.Tx) error, now time.Time) error {
	err := r.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := bump(ctx, tx, svc.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rules_rulesets SET status = $1 WHERE service = $2 AND status = $3`, string(Retired), svc.ID, string(Active)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE rules_rulesets SET status = $1, activated_at = $2, was_active = TRUE WHERE service = $3 AND version = $4 AND status = $5`,
			string(Active), now, svc.ID, version, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(op, errs.Conflict, "The version changed meanwhile; reload it", "این نسخه در این میان تغییر کرد؛ دوباره بارگذاری کنید.")
		}
		return more(tx)
	})
	return errs.Wrap(op, err)
}

// Rollback re-activates an earlier version that was once active, retiring
// the active one. It must still compile and pass its tests against today's
// inputs. Errors: Forbidden, NotFound, Invalid, Conflict when the version was
// never active or is active now.
func (r *Rules) Rollback(ctx context.Context, p identity.Principal, service string, version int) (Ruleset, error) {
	const op = "rules.Rollback"
	svc, err := r.service(ctx, op, p, service)
	if err != nil {
		return Ruleset{}, err
	}
	if err := canActivate(op, p, svc); err != nil {
		return Ruleset{}, err
	}
	rs, err := r.Version(ctx, svc.ID, version)
	if err != nil {
		return Ruleset{}, err
	}
	var was bool
	if err := r.cfg.Store.Read().QueryRowContext(ctx, `SELECT was_active FROM rules_rulesets WHERE service = $1 AND version = $2`, svc.ID, version).Scan(&was); err != nil {
		return Ruleset{}, errs.Wrap(op, err)
	}
	if rs.Status == Active {
		return Ruleset{}, errs.E(op, errs.Conflict, "This version is already active", "این نسخه هم‌اکنون فعال است.")
	}
	if !was || rs.Status != Retired {
		return Ruleset{}, errs.E(op, errs.Conflict, "Only a version that was active before can be rolled back to", "فقط به نسخه‌ای که پیش‌تر فعال بوده می‌توان بازگشت.")
	}
	if err := r.checkReady(ctx, op, rs); err != nil {
		return Ruleset{}, err
	}
	var from int
	_ = r.cfg.Store.Read().QueryRowContext(ctx, `SELECT version FROM rules_rulesets WHERE service = $1 AND status = $2`, svc.ID, string(Active)).Scan(&from)
	now := r.now()
	err = r.activate(ctx, op, svc, version, Retired, func(tx *store.Tx) error {
		return tx.Append(ctx, store.Event{Kind: EventRolledBack, Actor: p.Actor(), Agency: svc.Record.Agency, Service: svc.ID},
			map[string]any{"version": version, "from": from})
	}, now)
	if err != nil {
		return Ruleset{}, err
	}
	rs.Status, rs.ActivatedAt = Active, &now
	r.changed(ctx, svc.ID)
	return rs, nil
}

// Deactivate retires the active version: the service's applications go to
// clerks again. Errors: Invalid (no reason), Forbidden, NotFound when no
// version is active.
func (r *Rules) Deactivate(ctx context.Context, p identity.Principal, service string, reason string) error {
	const op = "rules.Deactivate"
	svc, err := r.service(ctx, op, p, service)
	if err != nil {
		return err
	}
	if len([]rune(reason)) < 3 || len(reason) > 1000 {
		e := errs.E(op, errs.Invalid, "Say why the rules are deactivated", "بگویید چرا قواعد غیرفعال می‌شوند.")
		e.Fields = []errs.FieldError{{Field: "reason", En: "A reason of 3 to 1000 characters is required", Fa: "دلیلی بین ۳ تا ۱۰۰۰ نویسه لازم است."}}
		return e
	}
	err = r.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := bump(ctx, tx, svc.ID); err != nil {
			return err
		}
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM rules_rulesets WHERE service = $1 AND status = $2`, svc.ID, string(Active)).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(op, errs.NotFound, "The service has no active rules", "این خدمت قواعد فعال ندارد.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rules_rulesets SET status = $1 WHERE service = $2 AND version = $3`, string(Retired), svc.ID, version); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: EventDeactivated, Actor: p.Actor(), Agency: svc.Record.Agency, Service: svc.ID},
			map[string]any{"version": version, "reason": reason})
	})
	if err != nil {
		return errs.Wrap(op, err)
	}
	r.changed(ctx, svc.ID)
	return nil
}

// current returns the service's active ruleset, compiled, from this node's
// cache while the version stamp in the database is unchanged.
func (r *Rules) current(ctx context.Context, op, service string) (cached, error) {
	var stamp int64
	err := r.cfg.Store.Read().QueryRowContext(ctx, `SELECT stamp FROM rules_stamps WHERE service = $1`, service).Scan(&stamp)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return cached{}, errs.Wrap(op, err)
	}
	r.mu.Lock()
	c, ok := r.cache[service]
	r.mu.Unlock()
	if ok && c.stamp == stamp {
		return c, nil
	}
	c = cached{stamp: stamp}
	rs, err := scanRuleset(r.cfg.Store.Read().QueryRowContext(ctx, `SELECT `+rulesetColumns+` FROM rules_rulesets WHERE service = $1 AND status = $2`, service, string(Active)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return cached{}, errs.Wrap(op, err)
	default:
		c.rs, c.active = rs, true
		env, err := r.env(ctx, op, service)
		if err != nil {
			return cached{}, err
		}
		c.prog, c.probs = Compile(rs, env)
	}
	r.mu.Lock()
	r.cache[service] = c
	r.mu.Unlock()
	return c, nil
}

// Active returns the service's active ruleset.
func (r *Rules) Active(ctx context.Context, service string) (Ruleset, bool, error) {
	id, err := catalog.ParseID(service)
	if err != nil {
		return Ruleset{}, false, err
	}
	c, err := r.current(ctx, "rules.Active", id)
	if err != nil {
		return Ruleset{}, false, err
	}
	return c.rs, c.active, nil
}

// Decide decides an input with the service's active ruleset; false when the
// service has none. An active ruleset that no longer fits the service's
// inputs (its form or an answer schema changed) refers every application.
func (r *Rules) Decide(ctx context.Context, service string, in Input) (Decision, bool, error) {
	const op = "rules.Decide"
	id, err := catalog.ParseID(service)
	if err != nil {
		return Decision{}, false, err
	}
	c, err := r.current(ctx, op, id)
	if err != nil || !c.active {
		return Decision{}, false, err
	}
	if c.prog == nil {
		return Decision{Service: id, Version: c.rs.Version, Outcome: Refer, Fired: []Fired{},
			ExplainFa: "برای بررسی به کارشناس ارجاع شد، زیرا قواعد این خدمت دیگر با ورودی‌های آن جور نیستند.",
			ExplainEn: "Referred to a clerk because the service's rules no longer fit its inputs."}, true, nil
	}
	d, err := c.prog.Evaluate(ctx, in)
	if err != nil {
		return Decision{}, true, errs.Wrap(op, err)
	}
	return d, true, nil
}

// Authors returns the actors who wrote, requested or approved a version:
// they may not decide an objection to its decisions.
func (r *Rules) Authors(ctx context.Context, service string, version int) ([]string, error) {
	rs, err := r.Version(ctx, service, version)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range []string{rs.CreatedBy, rs.RequestedBy, rs.ApprovedBy} {
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// ActiveServices returns service id -> active version.
func (r *Rules) ActiveServices(ctx context.Context) (map[string]int, error) {
	const op = "rules.ActiveServices"
	rows, err := r.cfg.Store.Read().QueryContext(ctx, `SELECT service, version FROM rules_rulesets WHERE status = $1`, string(Active))
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var v int
		if err := rows.Scan(&s, &v); err != nil {
			return nil, errs.Wrap(op, err)
		}
		out[s] = v
	}
	return out, errs.Wrap(op, rows.Err())
}

// MaxSimulate is the most past cases one simulation replays.
const MaxSimulate = 1000

// Simulate replays the last decided cases of the service with a version and
// lists those it would have decided differently.
// Errors: Forbidden, NotFound, Invalid, Unavailable without a history.
func (r *Rules) Simulate(ctx context.Context, p identity.Principal, service string, version int, last int) (Simulation, error) {
	const op = "rules.Simulate"
	svc, err := r.service(ctx, op, p, service)
	if err != nil {
		return Simulation{}, err
	}
	if last <= 0 {
		last = 100
	}
	if last > MaxSimulate {
		return Simulation{}, errs.E(op, errs.Invalid, fmt.Sprintf("At most %d cases can be replayed", MaxSimulate), "حداکثر "+persian.Digits(strconv.Itoa(MaxSimulate))+" پرونده را می‌توان بازآزمایی کرد.")
	}
	if r.cfg.History == nil {
		return Simulation{}, errs.E(op, errs.Unavailable, "Past decisions are not available for simulation", "تصمیم‌های گذشته برای شبیه‌سازی در دسترس نیست.")
	}
	rs, err := r.Version(ctx, svc.ID, version)
	if err != nil {
		return Simulation{}, err
	}
	prog, err := r.program(ctx, op, rs)
	if err != nil {
		return Simulation{}, err
	}
	past, err := r.cfg.History.Recent(ctx, svc.ID, last)
	if err != nil {
		return Simulation{}, errs.Wrap(op, err)
	}
	sim := Simulation{Version: version, Cases: []SimCase{}}
	for _, pc := range past {
		d, err := prog.Evaluate(ctx, pc.Input)
		if err != nil {
			return Simulation{}, errs.Wrap(op, err)
		}
		sim.Compared++
		if d.Outcome == pc.Outcome && d.Ground == pc.Ground {
			continue
		}
		sim.Differ++
		sim.Cases = append(sim.Cases, SimCase{Tracking: pc.Tracking, Was: pc.Outcome, WasGround: pc.Ground, Would: d.Outcome, WouldGround: d.Ground, ExplainFa: d.ExplainFa, ExplainEn: d.ExplainEn})
	}
	return sim, nil
}

package proactive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// Draft is what an admin writes to subscribe a service to a life event.
type SubscriptionDraft struct {
	EventType string            `json:"event_type"`
	Condition string            `json:"condition"`
	Mode      Mode              `json:"mode"`
	Applicant string            `json:"applicant"` // default "event.national_code"
	Data      map[string]string `json:"data,omitempty"`
}

// DefaultApplicant names the person an event is about.
const DefaultApplicant = "event.national_code"

var (
	eventPath = regexp.MustCompile(`^\s*event\.([a-z][a-z0-9_]{0,63})\s*$`)
	heirsOf   = regexp.MustCompile(`^\s*heirs\(\s*event\.([a-z][a-z0-9_]{0,63})\s*\)\s*$`)
	fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// problemsError is the Invalid error carrying the problems of a draft.
type problemsError struct {
	err      *errs.Error
	problems []Problem
}

func (e *problemsError) Error() string { return e.err.Error() }
func (e *problemsError) Unwrap() error { return e.err }

// ProblemsOf returns the problems of a draft that Subscribe refused, nil
// for any other error.
func ProblemsOf(err error) []Problem {
	var pe *problemsError
	if errors.As(err, &pe) {
		return pe.problems
	}
	return nil
}

func invalidDraft(op string, ps []Problem) error {
	e := errs.E(op, errs.Invalid, "the subscription has errors", "اشتراک خطا دارد")
	for _, p := range ps {
		e.Fields = append(e.Fields, errs.FieldError{Field: p.Field, En: p.En, Fa: p.Fa})
	}
	return &problemsError{err: e, problems: ps}
}

// schemaProps returns the properties of an object JSON Schema by name, with
// their JSON types ("" when the schema does not say).
func schemaProps(schema json.RawMessage) map[string]string {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(schema, &s)
	props := map[string]string{}
	for name, p := range s.Properties {
		t, _ := p.Type.(string)
		props[name] = t
	}
	return props
}

// checkPath checks that expr selects one field of the event that the
// schema has: the applicant expression and the data mapping are such
// selections ("event.mother_national_code").
func checkPath(field, expr string, props map[string]string) (string, *Problem) {
	m := eventPath.FindStringSubmatch(expr)
	if m == nil {
		return "", &Problem{Field: field, En: "must select one field of the event, such as event.national_code",
			Fa: "باید یکی از داده‌های رویداد را برگزیند، مانند event.national_code"}
	}
	t, ok := props[m[1]]
	if !ok {
		return "", &Problem{Field: field, En: fmt.Sprintf("the event has no field %q", m[1]),
			Fa: fmt.Sprintf("رویداد داده‌ای به نام %q ندارد", m[1])}
	}
	if t != "" && t != "string" && t != "integer" && t != "number" && t != "boolean" {
		return "", &Problem{Field: field, En: fmt.Sprintf("event field %q is not a single value", m[1]),
			Fa: fmt.Sprintf("داده‌ی %q رویداد یک مقدار ساده نیست", m[1])}
	}
	return m[1], nil
}

// compile checks a draft against the event type's schema and compiles its
// condition.
func (p *Proactive) compile(ctx context.Context, op string, d *SubscriptionDraft) (Condition, error) {
	var ps []Problem
	if d.Mode != Offer && d.Mode != NoStop {
		ps = append(ps, Problem{Field: "mode", En: "mode must be offer or nostop", Fa: "شیوه باید offer (پیشنهاد) یا nostop (بی‌توقف) باشد"})
	}
	schema, err := p.cfg.Schema(ctx, d.EventType)
	if errs.Is(err, errs.NotFound) || (err == nil && len(schema) == 0) {
		ps = append(ps, Problem{Field: "event_type", En: fmt.Sprintf("unknown event type %q", d.EventType),
			Fa: fmt.Sprintf("نوع رویداد %q شناخته نیست", d.EventType)})
		return nil, invalidDraft(op, ps)
	}
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	d.Condition = strings.TrimSpace(d.Condition)
	if d.Condition == "" {
		d.Condition = "true"
	}
	if len(d.Condition) > 2000 {
		ps = append(ps, Problem{Field: "condition", En: "the condition is longer than 2000 characters", Fa: "شرط بیش از ۲۰۰۰ نویسه است"})
		return nil, invalidDraft(op, ps)
	}
	cond, cps := p.cfg.Compile(d.Condition, schema)
	for _, cp := range cps {
		cp.Field = "condition"
		ps = append(ps, cp)
	}
	props := schemaProps(schema)
	if strings.TrimSpace(d.Applicant) == "" {
		d.Applicant = DefaultApplicant
	}
	d.Applicant = strings.TrimSpace(d.Applicant)
	applicant := d.Applicant
	if m := heirsOf.FindStringSubmatch(applicant); m != nil {
		applicant = "event." + m[1] // heirs(event.x): the living spouse and children of the person in x
	}
	if _, pr := checkPath("applicant", applicant, props); pr != nil {
		ps = append(ps, *pr)
	}
	for field, expr := range d.Data {
		if !fieldName.MatchString(field) {
			ps = append(ps, Problem{Field: "data." + field, En: "not a form field name", Fa: "نام خانهٔ فرم نیست"})
			continue
		}
		if _, pr := checkPath("data."+field, expr, props); pr != nil {
			ps = append(ps, *pr)
		}
	}
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Field < ps[j].Field })
		return nil, invalidDraft(op, ps)
	}
	return cond, nil
}

// service returns the published service id and its agency, or NotFound.
func (p *Proactive) service(ctx context.Context, op, id string) (catalog.Service, error) {
	svc, err := p.cfg.Catalog.Service(ctx, id)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return catalog.Service{}, errs.NotFoundf(op, "service", "خدمت")
		}
		return catalog.Service{}, errs.Wrap(op, err)
	}
	return svc, nil
}

// agencyAdmin checks that pr administers agency: its own agency admins
// write and activate its subscriptions.
func agencyAdmin(op string, pr identity.Principal, agency string) error {
	if pr.Kind == "user" && pr.Has(identity.RoleAgencyAdmin) && pr.Agency == agency {
		return nil
	}
	return errs.E(op, errs.Forbidden, "only an admin of the service's agency may do this",
		"تنها مدیر دستگاه ارائه‌دهندهٔ خدمت می‌تواند این کار را بکند")
}

// Subscribe writes a draft subscription of service to a life event.
//
// Errors: NotFound (no such service), Forbidden (not an admin of its
// agency), Invalid with the problems (ProblemsOf): an unknown event type,
// a condition that does not compile or reads a field the event does not
// have, an applicant or data that is not a field of the event.
func (p *Proactive) Subscribe(ctx context.Context, pr identity.Principal, service string, d SubscriptionDraft) (Subscription, error) {
	const op = "proactive.Subscribe"
	svc, err := p.service(ctx, op, service)
	if err != nil {
		return Subscription{}, err
	}
	if err := agencyAdmin(op, pr, svc.Record.Agency); err != nil {
		return Subscription{}, err
	}
	cond, err := p.compile(ctx, op, &d)
	if err != nil {
		return Subscription{}, err
	}
	data, _ := json.Marshal(d.Data)
	if d.Data == nil {
		data = []byte("{}")
	}
	s := Subscription{Service: svc.ID, Agency: svc.Record.Agency, EventType: d.EventType, Condition: d.Condition, Mode: d.Mode,
		Applicant: d.Applicant, Data: d.Data, Status: Draft, CreatedBy: pr.Actor(), CreatedAt: p.cfg.Store.Now()}
	err = p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO proactive_subscriptions
			(service, agency, event_type, condition, mode, applicant, data, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9) RETURNING id`,
			s.Service, s.Agency, s.EventType, s.Condition, s.Mode, s.Applicant, string(data), s.CreatedBy, s.CreatedAt).Scan(&s.ID); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "proactive.subscription.saved", Actor: pr.Actor(), Agency: s.Agency, Service: s.Service},
			map[string]any{"subscription": s.ID, "event_type": s.EventType, "mode": s.Mode})
	})
	if err != nil {
		return Subscription{}, errs.Wrap(op, err)
	}
	p.mu.Lock()
	p.compiled[s.ID] = cond
	p.mu.Unlock()
	return s, nil
}

// Activate activates a draft subscription. It must be a different admin of
// the same agency than the one who wrote it, and the service must have an
// active ruleset.
//
// Errors: NotFound, Forbidden (not an admin of the agency, or the author),
// Conflict (not a draft; no active ruleset).
func (p *Proactive) Activate(ctx context.Context, pr identity.Principal, id int64) (Subscription, error) {
	const op = "proactive.Activate"
	s, err := p.Subscription(ctx, id)
	if err != nil {
		return Subscription{}, err
	}
	if err := agencyAdmin(op, pr, s.Agency); err != nil {
		return Subscription{}, err
	}
	if pr.Actor() == s.CreatedBy {
		return Subscription{}, errs.E(op, errs.Forbidden, "a subscription is activated by a second admin, not by the one who wrote it",
			"اشتراک را مدیر دیگری جز نویسندهٔ آن فعال می‌کند")
	}
	if s.Status != Draft {
		return Subscription{}, errs.E(op, errs.Conflict, "only a draft subscription can be activated", "تنها اشتراک پیش‌نویس فعال‌شدنی است")
	}
	ok, err := p.cfg.RulesActive(ctx, s.Service)
	if err != nil {
		return Subscription{}, errs.Wrap(op, err)
	}
	if !ok {
		return Subscription{}, errs.E(op, errs.Conflict,
			"the service has no active ruleset: a proactive service must be decided by rules",
			"این خدمت قواعد فعال ندارد؛ خدمت پیش‌دستانه باید با قواعد تصمیم‌گیری شود")
	}
	now := p.cfg.Store.Now()
	err = p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE proactive_subscriptions SET status = 'active', approved_by = $1, activated_at = $2
			WHERE id = $3 AND status = 'draft'`, pr.Actor(), now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(op, errs.Conflict, "only a draft subscription can be activated", "تنها اشتراک پیش‌نویس فعال‌شدنی است")
		}
		return tx.Append(ctx, store.Event{Kind: "proactive.subscription.activated", Actor: pr.Actor(), Agency: s.Agency, Service: s.Service},
			map[string]any{"subscription": id, "event_type": s.EventType, "mode": s.Mode, "created_by": s.CreatedBy})
	})
	if err != nil {
		return Subscription{}, errs.Wrap(op, err)
	}
	s.Status, s.ApprovedBy, s.ActivatedAt = Active, pr.Actor(), &now
	if err := p.listen(ctx, s.EventType); err != nil {
		p.log.Warn("subscribing to life events", "event_type", s.EventType, "err", err.Error())
	}
	p.changed(ctx, s.Service)
	return s, nil
}

// Retire stops a subscription (a draft or an active one).
func (p *Proactive) Retire(ctx context.Context, pr identity.Principal, id int64) (Subscription, error) {
	const op = "proactive.Retire"
	s, err := p.Subscription(ctx, id)
	if err != nil {
		return Subscription{}, err
	}
	if err := agencyAdmin(op, pr, s.Agency); err != nil {
		return Subscription{}, err
	}
	if s.Status == Retired {
		return Subscription{}, errs.E(op, errs.Conflict, "the subscription is already retired", "اشتراک پیش‌تر کنار گذاشته شده است")
	}
	now := p.cfg.Store.Now()
	err = p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE proactive_subscriptions SET status = 'retired', retired_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "proactive.subscription.retired", Actor: pr.Actor(), Agency: s.Agency, Service: s.Service},
			map[string]any{"subscription": id})
	})
	if err != nil {
		return Subscription{}, errs.Wrap(op, err)
	}
	s.Status, s.RetiredAt = Retired, &now
	p.changed(ctx, s.Service)
	return s, nil
}

const subscriptionColumns = `id, service, agency, event_type, condition, mode, applicant, data, status, created_by, approved_by, created_at, activated_at, retired_at`

func scanSubscription(r interface{ Scan(...any) error }) (Subscription, error) {
	var s Subscription
	var data string
	var activated, retired sql.NullTime
	if err := r.Scan(&s.ID, &s.Service, &s.Agency, &s.EventType, &s.Condition, &s.Mode, &s.Applicant, &data, &s.Status,
		&s.CreatedBy, &s.ApprovedBy, &s.CreatedAt, &activated, &retired); err != nil {
		return Subscription{}, err
	}
	if data != "" && data != "{}" {
		_ = json.Unmarshal([]byte(data), &s.Data)
	}
	if activated.Valid {
		t := activated.Time.UTC()
		s.ActivatedAt = &t
	}
	if retired.Valid {
		t := retired.Time.UTC()
		s.RetiredAt = &t
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return s, nil
}

// Subscription returns one subscription.
func (p *Proactive) Subscription(ctx context.Context, id int64) (Subscription, error) {
	const op = "proactive.Subscription"
	s, err := scanSubscription(p.cfg.Store.Read().QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM proactive_subscriptions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, errs.NotFoundf(op, "subscription", "اشتراک")
	}
	if err != nil {
		return Subscription{}, errs.Wrap(op, err)
	}
	return s, nil
}

// Subscriptions returns the subscriptions of a service, newest first.
func (p *Proactive) Subscriptions(ctx context.Context, service string) ([]Subscription, error) {
	return p.list(ctx, "proactive.Subscriptions", `WHERE service = $1 ORDER BY id DESC`, service)
}

func (p *Proactive) list(ctx context.Context, op, where string, args ...any) ([]Subscription, error) {
	rows, err := p.cfg.Store.Read().QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM proactive_subscriptions `+where, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, s)
	}
	return out, errs.Wrap(op, rows.Err())
}

// ActiveSubscriptions returns, by service id, the mode of its active
// subscriptions that really start it: those of a service with an active
// ruleset ("nostop" wins over "offer" when a service has both).
func (p *Proactive) ActiveSubscriptions(ctx context.Context) (map[string]string, error) {
	const op = "proactive.ActiveSubscriptions"
	subs, err := p.list(ctx, op, `WHERE status = 'active' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	rulesOK := map[string]bool{}
	for _, s := range subs {
		ok, seen := rulesOK[s.Service]
		if !seen {
			if ok, err = p.cfg.RulesActive(ctx, s.Service); err != nil {
				return nil, errs.Wrap(op, err)
			}
			rulesOK[s.Service] = ok
		}
		if !ok {
			continue
		}
		if out[s.Service] != string(NoStop) {
			out[s.Service] = string(s.Mode)
		}
	}
	return out, nil
}

// activeFor returns the active subscriptions of an event type.
func (p *Proactive) activeFor(ctx context.Context, eventType string) ([]Subscription, error) {
	return p.list(ctx, "proactive.activeFor", `WHERE status = 'active' AND event_type = $1 ORDER BY id`, eventType)
}

// condition returns the compiled condition of s, compiling it once.
func (p *Proactive) condition(ctx context.Context, s Subscription) (Condition, error) {
	p.mu.Lock()
	c, ok := p.compiled[s.ID]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	schema, err := p.cfg.Schema(ctx, s.EventType)
	if err != nil {
		return nil, err
	}
	c, ps := p.cfg.Compile(s.Condition, schema)
	if len(ps) > 0 {
		return nil, fmt.Errorf("proactive: subscription %d no longer compiles: %s", s.ID, ps[0].En)
	}
	p.mu.Lock()
	p.compiled[s.ID] = c
	p.mu.Unlock()
	return c, nil
}

// listen subscribes the platform to eventType once per process.
func (p *Proactive) listen(ctx context.Context, eventType string) error {
	p.mu.Lock()
	done := p.subscribe[eventType]
	p.mu.Unlock()
	if done || p.cfg.Subscribe == nil {
		return nil
	}
	if err := p.cfg.Subscribe(ctx, eventType); err != nil {
		return err
	}
	p.mu.Lock()
	p.subscribe[eventType] = true
	p.mu.Unlock()
	return nil
}

// Listen subscribes the platform to every event type an active
// subscription needs. The app calls it at start-up; Activate does it for a
// new type.
func (p *Proactive) Listen(ctx context.Context) error {
	rows, err := p.cfg.Store.Read().QueryContext(ctx, `SELECT DISTINCT event_type FROM proactive_subscriptions WHERE status = 'active'`)
	if err != nil {
		return errs.Wrap("proactive.Listen", err)
	}
	var types []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return errs.Wrap("proactive.Listen", err)
		}
		types = append(types, t)
	}
	rows.Close()
	for _, t := range types {
		if err := p.listen(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

package apply

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
)

// Automatic decisions. A service whose agency activated a ruleset
// (internal/rules) has its cases decided by the rules as soon as the case
// has all its evidence: right after submission when nothing is awaited,
// when awaited evidence arrives, and when a pending fee is paid (an
// approval waits for the fee; a refusal does not make the applicant pay).
//
// The rules read the case's form, the answers of the inquiries made for it,
// the applicant's profile from the civil registry (age, sex, alive) and the
// postal address registry (residence), and today's date. Approve moves the
// case through Decide as the rules' principal, so the clerk's guard holds:
// with a check open (a paper original, a visit) the case is referred to a
// clerk instead, and a document is issued at once otherwise. Reject refuses
// it with the rule's published ground (permits) or its explanation. Refer
// leaves it in review with the reason shown to the clerks. An engine that
// errs or takes too long refers: a case is never lost, and never approved on
// an error. A case is decided by rules at most once (apply_decisions' key).
//
// What the rules read is kept with the decision: each input a fired rule
// read, with its value and where it came from (the exchange's message id
// of the inquiry that answered), so that the applicant, the agency and an
// auditor can see why.

// Rules is what apply needs of the rules engine; *rules.Rules has it.
type Rules interface {
	Active(ctx context.Context, service string) (rules.Ruleset, bool, error)
	Decide(ctx context.Context, service string, in rules.Input) (rules.Decision, bool, error)
	Authors(ctx context.Context, service string, version int) ([]string, error)
}

// The inquiries the applicant's profile comes from.
const (
	identityInquiry = "NOCR/person-identity"
	addressInquiry  = "POST/postcode"
)

// decideTimeout bounds one evaluation of a ruleset (a variable for tests).
var decideTimeout = 5 * time.Second

// RuleDecision is an automatic decision as the case shows it.
type RuleDecision struct {
	Service   string        `json:"service"`
	Version   int           `json:"version"`
	Outcome   rules.Outcome `json:"outcome"` // what happened to the case: approve, reject or refer
	Ground    string        `json:"ground,omitempty"`
	GroundFa  string        `json:"ground_fa,omitempty"`
	GroundEn  string        `json:"ground_en,omitempty"`
	ExplainFa string        `json:"explain_fa"`
	ExplainEn string        `json:"explain_en"`
	Fired     []rules.Fired `json:"fired"`
	Inputs    []UsedInput   `json:"inputs"`
	// Referred says, when the case went to a clerk although the rules did
	// not refer it, why: the engine failed, or a check was open.
	Referred  string    `json:"referred,omitempty"`
	Actor     string    `json:"actor"` // rules:<service>@v<version>
	DecidedAt time.Time `json:"decided_at"`
	RulesURL  string    `json:"rules_url"` // the public page of the service's rules
	// ObjectionUntil is the end of the period in which the applicant may
	// object to an automatic refusal; nil for other outcomes.
	ObjectionUntil *time.Time `json:"objection_until,omitempty"`
	Objection      *Objection `json:"objection,omitempty"`
}

// CanObject reports whether the applicant may still object at now.
func (d *RuleDecision) CanObject(now time.Time) bool {
	return d != nil && d.Objection == nil && d.ObjectionUntil != nil && now.Before(*d.ObjectionUntil)
}

// UsedInput is one input a decision read: its path, its value and its
// source.
type UsedInput struct {
	Path   string       `json:"path"`
	Value  any          `json:"value"`
	Source rules.Source `json:"source"`
}

// ValueText is the value as text, for pages.
func (u UsedInput) ValueText() string {
	switch v := u.Value.(type) {
	case nil:
		return "—"
	case string:
		return v
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// rulesPrincipal is the principal of version of service's rules acting for
// agency: its actor is "rules:<service>@v<version>".
func rulesPrincipal(service string, version int, agency string) identity.Principal {
	return identity.Principal{Kind: "rules", Name: service + "@v" + strconv.Itoa(version), Agency: agency,
		Roles: []identity.Role{identity.RoleOperator}}
}

// today is t's date at UTC midnight.
func today(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// InputFor returns what the rules of service would read for p applying now
// with the text fields form: the form typed by its schema, the answers of
// the form's once-only inquiries and the applicant's profile, all asked
// through the exchange now (the citizen's data tracker shows each inquiry,
// with the purpose "checking eligibility"), and today. Nothing is stored.
// Inquiries that fail leave their evidence out (a rule that reads it refers).
func (a *Applications) InputFor(ctx context.Context, p identity.Principal, service string, form map[string]string) (rules.Input, []rules.Source, error) {
	const op = "apply.InputFor"
	if p.NationalCode == "" {
		return rules.Input{}, nil, errs.E(op, errs.Forbidden, "only a citizen signed in with a national code has data to check",
			"تنها شهروندی که با کد ملی وارد شده است داده‌ای برای بررسی دارد")
	}
	if a.gw == nil {
		return rules.Input{}, nil, errs.E(op, errs.Unavailable, "inquiries are not available on this server", "استعلام در این سامانه فعال نیست")
	}
	f, err := a.form(ctx, service)
	if err != nil {
		return rules.Input{}, nil, err
	}
	data := map[string]string{}
	for k, v := range clean(form) {
		if fd, ok := f.field(k); ok && fd.Kind == FieldText && v != "" {
			data[k] = v
		}
	}
	purpose := "بررسی شرایط «" + f.TitleFa + "» به درخواست خود شهروند"
	got := make([]fetched, len(f.Fetched))
	for i, fe := range f.Fetched {
		got[i] = a.fetch(ctx, p.Subject(), purpose, fe)
	}
	var idAnswer json.RawMessage
	var idReceipt string
	for _, g := range got {
		if g.Inquiry == identityInquiry && g.state == EvFetched {
			idAnswer, idReceipt = g.answer, g.messageID
		}
	}
	now := today(a.clock())
	app, psrc, err := a.fetchProfile(ctx, p.Subject(), purpose, idAnswer, idReceipt)
	if err != nil {
		return rules.Input{}, nil, err
	}
	in := rules.Input{Form: typedForm(f, data), Evidence: map[string]any{}, Applicant: withAge(app, now), Today: now}
	var srcs []rules.Source
	for name := range in.Form {
		srcs = append(srcs, rules.Source{Path: "form." + name, Kind: "form"})
	}
	for _, g := range got {
		if g.state != EvFetched {
			continue
		}
		var v any
		if json.Unmarshal(g.answer, &v) == nil {
			in.Evidence[g.Code] = v
			srcs = append(srcs, rules.Source{Path: "evidence." + g.Code, Kind: "inquiry", Inquiry: g.Inquiry, Receipt: g.messageID})
		}
	}
	srcs = append(srcs, psrc...)
	srcs = append(srcs, rules.Source{Path: "today", Kind: "clock"})
	return in, srcs, nil
}

// typedForm returns the text fields of data typed as the form's schema
// says: integers and numbers as numbers, booleans as booleans, the rest as
// text. A value that does not parse as its type stays text (a rule reading
// it then fails and refers).
func typedForm(f Form, data map[string]string) map[string]any {
	var schema struct {
		Properties map[string]struct {
			Type string `json:"type"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(f.Schema, &schema)
	out := make(map[string]any, len(data))
	for k, v := range data {
		prop, ok := schema.Properties[k]
		if !ok || v == "" {
			continue
		}
		out[k] = v
		switch prop.Type {
		case "integer":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		case "number":
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = n
			}
		case "boolean":
			if b, err := strconv.ParseBool(v); err == nil {
				out[k] = b
			}
		}
	}
	return out
}

// withAge returns app with its age in whole years at day.
func withAge(app rules.Applicant, day time.Time) rules.Applicant {
	b, err := time.Parse(time.DateOnly, app.BirthDate)
	if err != nil {
		return app
	}
	age := day.Year() - b.Year()
	if day.Month() < b.Month() || (day.Month() == b.Month() && day.Day() < b.Day()) {
		age--
	}
	app.Age = max(age, 0)
	return app
}

// fetchProfile asks the civil registry who subject is (unless its answer
// idAnswer, with receipt idReceipt, is already at hand) and the postal
// address registry where they live. The civil registry must answer; the
// address is left unknown when its registry does not.
func (a *Applications) fetchProfile(ctx context.Context, subject, purpose string, idAnswer json.RawMessage, idReceipt string) (rules.Applicant, []rules.Source, error) {
	const op = "apply.profile"
	if a.gw == nil {
		return rules.Applicant{}, nil, errs.E(op, errs.Unavailable, "inquiries are not available on this server", "استعلام در این سامانه فعال نیست")
	}
	if len(idAnswer) == 0 {
		body, rc, err := a.gw.Evidence(ctx, subject, identityInquiry, purpose)
		if err != nil {
			return rules.Applicant{}, nil, errs.E(op, errs.Unavailable, "the civil registry did not answer who the applicant is",
				"ثبت احوال به استعلام هویت متقاضی پاسخ نداد")
		}
		idAnswer, idReceipt = body, rc.MessageID
	}
	var id struct {
		Sex       string          `json:"sex"`
		Alive     *bool           `json:"alive"`
		BirthDate json.RawMessage `json:"birth_date"`
	}
	if err := json.Unmarshal(idAnswer, &id); err != nil {
		return rules.Applicant{}, nil, errs.E(op, errs.Unavailable, "the civil registry's answer is not readable", "پاسخ ثبت احوال خوانا نیست")
	}
	app := rules.Applicant{Sex: id.Sex, Alive: id.Alive == nil || *id.Alive, BirthDate: dateOfJSON(id.BirthDate)}
	src := func(path, inquiry, receipt string) rules.Source {
		return rules.Source{Path: path, Kind: "profile", Inquiry: inquiry, Receipt: receipt}
	}
	srcs := []rules.Source{src("applicant.age", identityInquiry, idReceipt), src("applicant.birth_date", identityInquiry, idReceipt),
		src("applicant.sex", identityInquiry, idReceipt), src("applicant.alive", identityInquiry, idReceipt)}
	if body, rc, err := a.gw.Evidence(ctx, subject, addressInquiry, purpose); err == nil {
		var addr struct {
			City string `json:"city_fa"`
		}
		if json.Unmarshal(body, &addr) == nil && addr.City != "" {
			app.Province, app.City = a.regionOf(ctx, addr.City)
			srcs = append(srcs, src("applicant.province", addressInquiry, rc.MessageID), src("applicant.city", addressInquiry, rc.MessageID))
		}
	}
	return app, srcs, nil
}

// dateOfJSON reads a date as the back offices write it: "YYYY-MM-DD", or
// an object whose "date" is.
func dateOfJSON(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var d struct {
		Date string `json:"date"`
	}
	_ = json.Unmarshal(raw, &d)
	return d.Date
}

// regionOf returns the province and city codes of the city named cityFa in
// the catalogue's regions, or "" and "" when no city has that name.
func (a *Applications) regionOf(ctx context.Context, cityFa string) (province, city string) {
	regions, err := a.cat.Regions(ctx)
	if err != nil {
		return "", ""
	}
	for _, r := range regions {
		if r.Kind == catalog.City && r.NameFa == cityFa {
			return r.Province, r.Code
		}
	}
	return "", ""
}

// storedProfile reads the profile kept for case id; ok is false when none is.
func (a *Applications) storedProfile(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (rules.Applicant, []rules.Source, bool, error) {
	var app, srcs string
	err := q.QueryRowContext(ctx, `SELECT applicant, sources FROM apply_profiles WHERE case_id = $1`, id).Scan(&app, &srcs)
	if errors.Is(err, sql.ErrNoRows) {
		return rules.Applicant{}, nil, false, nil
	}
	if err != nil {
		return rules.Applicant{}, nil, false, errs.Wrap("apply.profile", err)
	}
	var out rules.Applicant
	var sources []rules.Source
	_ = json.Unmarshal([]byte(app), &out)
	_ = json.Unmarshal([]byte(srcs), &sources)
	return out, sources, true, nil
}

// caseProfile returns the profile of case c (its evidence loaded): the one
// kept for it, else asked now (reusing the civil registry's answer among
// its evidence); fresh says it was asked now, for applyDecision to keep.
func (a *Applications) caseProfile(ctx context.Context, c Case) (app rules.Applicant, srcs []rules.Source, fresh bool, err error) {
	app, srcs, ok, err := a.storedProfile(ctx, a.s.Read(), c.ID)
	if err != nil || ok {
		return app, srcs, false, err
	}
	var idAnswer json.RawMessage
	var idReceipt string
	for _, e := range c.Evidence {
		if e.Inquiry == identityInquiry && e.State == EvFetched {
			idAnswer, idReceipt = e.Answer, e.MessageID
		}
	}
	app, srcs, err = a.fetchProfile(ctx, c.Applicant, purposeOf(Form{TitleFa: c.TitleFa}, c.Tracking), idAnswer, idReceipt)
	return app, srcs, err == nil, err
}

// keepProfile stores a case's freshly asked profile in tx.
func keepProfile(ctx context.Context, tx *store.Tx, caseID int64, app rules.Applicant, srcs []rules.Source, now time.Time) error {
	appJSON, _ := json.Marshal(app)
	srcJSON, _ := json.Marshal(srcs)
	_, err := tx.ExecContext(ctx, `INSERT INTO apply_profiles (case_id, applicant, sources, fetched_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (case_id) DO NOTHING`, caseID, string(appJSON), string(srcJSON), now)
	return errs.Wrap("apply.profile", err)
}

// CaseInput builds the rules' input of case c from what is stored (its
// evidence loaded, as Case returns it; profile the applicant's stored
// profile) as of the day at: no inquiry is made.
func (a *Applications) caseInput(ctx context.Context, c Case, profile rules.Applicant, psrc []rules.Source, at time.Time) (rules.Input, []rules.Source) {
	day := today(at)
	in := rules.Input{Form: map[string]any{}, Evidence: map[string]any{}, Applicant: withAge(profile, day), Today: day}
	var srcs []rules.Source
	if f, err := a.formOf(ctx, c.Service); err == nil {
		data := map[string]string{}
		for k, v := range c.Data {
			if fd, ok := f.field(k); ok && fd.Kind == FieldText {
				data[k] = v
			}
		}
		in.Form = typedForm(f, data)
	} else {
		for k, v := range c.Data {
			if strings.HasPrefix(k, "file_") || v == "" {
				continue
			}
			in.Form[k] = v
		}
	}
	for name := range in.Form {
		srcs = append(srcs, rules.Source{Path: "form." + name, Kind: "form"})
	}
	for _, e := range c.Evidence {
		if e.State != EvFetched || len(e.Answer) == 0 {
			continue
		}
		var v any
		if json.Unmarshal(e.Answer, &v) == nil {
			in.Evidence[e.Code] = v
			srcs = append(srcs, rules.Source{Path: "evidence." + e.Code, Kind: "inquiry", Inquiry: e.Inquiry, Receipt: e.MessageID})
		}
	}
	srcs = append(srcs, psrc...)
	srcs = append(srcs, rules.Source{Path: "today", Kind: "clock"})
	return in, srcs
}

// formOf is the form of service as published, built even when the service
// no longer takes requests (its cases are still decided).
func (a *Applications) formOf(ctx context.Context, service string) (Form, error) {
	if f, err := a.form(ctx, service); err == nil {
		return f, nil
	}
	svc, err := a.cat.Service(ctx, service)
	if err != nil {
		return Form{}, err
	}
	return a.buildForm(ctx, svc)
}

// usedInputs are the inputs the decisive rules read (the fired rules whose
// outcome is the decision's), each with its value and source; with no such
// rule, every input.
func usedInputs(in rules.Input, srcs []rules.Source, fired []rules.Fired, outcome rules.Outcome) []UsedInput {
	var doc map[string]any
	b, _ := json.Marshal(in)
	_ = json.Unmarshal(b, &doc)
	var paths []string
	seen := map[string]bool{}
	for _, f := range fired {
		if f.Outcome != outcome {
			continue
		}
		for _, r := range f.Reads {
			if !seen[r] {
				seen[r] = true
				paths = append(paths, r)
			}
		}
	}
	if len(paths) == 0 {
		for _, s := range srcs {
			paths = append(paths, s.Path)
		}
	}
	out := make([]UsedInput, 0, len(paths))
	for _, p := range paths {
		u := UsedInput{Path: p, Value: lookup(doc, p)}
		best := -1
		for i, s := range srcs {
			if (p == s.Path || strings.HasPrefix(p, s.Path+".")) && (best < 0 || len(s.Path) > len(srcs[best].Path)) {
				best = i
			}
		}
		if best >= 0 {
			u.Source = srcs[best]
			u.Source.Path = p
		} else {
			u.Source = rules.Source{Path: p, Kind: strings.SplitN(p, ".", 2)[0]}
		}
		out = append(out, u)
	}
	return out
}

// lookup returns the value at the dotted path of doc, or nil.
func lookup(doc map[string]any, path string) any {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// autoDecide lets the rules decide the case with id caseID if its service
// has an active ruleset, the case awaits its first decision, all its
// evidence is in and (for an approval) its fee is paid. It never fails the
// caller's own work: what goes wrong is logged and the case stays with the
// clerks.
// It reports whether the rules decided the case.
func (a *Applications) autoDecide(ctx context.Context, caseID int64) bool {
	if a.rl == nil {
		return false
	}
	err := a.decideByRules(ctx, caseID)
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		a.log.Warn("automatic decision failed; the case stays with the clerks", "case", caseID, "kind", errs.KindOf(err).String())
	}
	return err == nil
}

func (a *Applications) decideByRules(ctx context.Context, caseID int64) error {
	const op = "apply.decideByRules"
	var tracking string
	var state State
	var decided int
	var service string
	err := a.s.Read().QueryRowContext(ctx, `SELECT c.tracking, c.state, c.service, (SELECT COUNT(*) FROM apply_decisions d WHERE d.case_id = c.id)
		FROM apply_cases c WHERE c.id = $1`, caseID).Scan(&tracking, &state, &service, &decided)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if state != Submitted || decided > 0 {
		return store.ErrNothingToDo
	}
	rs, ok, err := a.rl.Active(ctx, service)
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrNothingToDo
	}
	c, err := a.Case(ctx, identity.System, tracking)
	if err != nil {
		return err
	}
	if len(c.Awaited) > 0 {
		return store.ErrNothingToDo // the evidence retries call again when it arrives
	}
	svc, err := a.cat.Service(ctx, c.Service)
	if err != nil {
		return err
	}
	rec := svc.Record
	d, failure := a.evaluate(ctx, c, rs.Version)
	if d.Outcome == rules.Approve && c.FeeRials > 0 && !c.Paid {
		return store.ErrNothingToDo // decided when the fee is paid
	}
	err = a.applyDecision(ctx, c, rec, d, failure)
	if err == nil || errors.Is(err, store.ErrNothingToDo) {
		return err
	}
	// Applying it failed (the document could not be issued, say): the case
	// goes to a clerk with the reason, not lost.
	a.log.Warn("an automatic decision could not be applied; referring", "case", caseID, "kind", errs.KindOf(err).String())
	ref := refer(d, "the decision could not be applied: "+errText(err), "تصمیم خودکار اجرا نشد: "+errTextFa(err))
	return a.applyDecision(ctx, c, rec, ref, ref.failure)
}

// decided is a rules decision with what it read, as applyDecision records it.
type decided struct {
	rules.Decision
	in      rules.Input
	srcs    []rules.Source
	failure string
	// profile, when fresh, is the applicant's profile asked for this
	// decision, kept with it.
	profile *rules.Applicant
	psrc    []rules.Source
}

// refer returns d turned into a referral to a clerk for the reason en/fa.
func refer(d decided, en, fa string) decided {
	d.Outcome, d.Ground = rules.Refer, ""
	d.failure = en
	d.ExplainFa = strings.TrimSpace(fa + "؛ " + d.ExplainFa)
	d.ExplainEn = strings.TrimSpace(en + "; " + d.ExplainEn)
	d.ExplainFa, d.ExplainEn = strings.Trim(d.ExplainFa, "؛ "), strings.Trim(d.ExplainEn, "; ")
	return d
}

func errText(err error) string {
	if e, ok := errs.As(err); ok && e.En != "" {
		return e.En
	}
	return errs.KindOf(err).String()
}

func errTextFa(err error) string {
	if e, ok := errs.As(err); ok && e.Fa != "" {
		return e.Fa
	}
	return "خطای داخلی"
}

// evaluate runs the rules on case c. An engine that errs or takes longer
// than decideTimeout, or a profile that cannot be had, refers the case.
func (a *Applications) evaluate(ctx context.Context, c Case, version int) (decided, string) {
	out := decided{Decision: rules.Decision{Service: c.Service, Version: version}}
	app, psrc, fresh, err := a.caseProfile(ctx, c)
	if fresh {
		out.profile, out.psrc = &app, psrc
	}
	if err != nil {
		out.in, out.srcs = a.caseInput(ctx, c, rules.Applicant{}, nil, a.clock())
		out = refer(out, "the applicant's profile could not be had: "+errText(err), "مشخصات متقاضی به دست نیامد: "+errTextFa(err))
		return out, out.failure
	}
	out.in, out.srcs = a.caseInput(ctx, c, app, psrc, a.clock())
	dctx, cancel := context.WithTimeout(ctx, decideTimeout)
	defer cancel()
	d, ok, err := a.rl.Decide(dctx, c.Service, out.in)
	switch {
	case err == nil && !ok:
		out = refer(out, "the service's rules were deactivated", "قواعد خدمت غیرفعال شد")
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || dctx.Err() != nil):
		out = refer(out, "the rules took too long to decide", "قواعد در زمان مقرر تصمیم نگرفتند")
	case err != nil:
		out = refer(out, "the rules could not decide: "+errText(err), "قواعد نتوانستند تصمیم بگیرند: "+errTextFa(err))
	default:
		if d.Version == 0 {
			d.Version = version
		}
		out.Decision = d
	}
	return out, out.failure
}

// applyDecision records d on case c and takes its steps, in one
// transaction, as the rules' principal.
func (a *Applications) applyDecision(ctx context.Context, c Case, rec catalog.Record, d0 decided, failure0 string) error {
	const op = "apply.decideByRules"
	return a.s.InTx(ctx, func(tx *store.Tx) error {
		// The group commit may run this again: it starts from d0 each time.
		d, failure := d0, failure0
		cur, err := a.loadCase(ctx, tx, op, identity.System, c.Tracking, true)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_decisions WHERE case_id = $1`, cur.ID).Scan(&n); err != nil {
			return errs.Wrap(op, err)
		}
		if cur.State != Submitted || n > 0 {
			return store.ErrNothingToDo
		}
		// What would stop a clerk's approval stops the rules': the case
		// goes to a clerk, saying what is open.
		switch d.Outcome {
		case rules.Approve:
			ch, err := a.checks(ctx, tx, op, cur, rec)
			if err != nil {
				return err
			}
			switch {
			case !ch.Done():
				e, _ := errs.As(openChecksError(op, ch.Open))
				d = refer(d, "the rules approved, but "+e.En, "قواعد پذیرفتند، اما "+e.Fa)
			case cur.FeeRials > 0 && !cur.Paid:
				return store.ErrNothingToDo
			case hasDocument(rec) && a.pm == nil:
				d = refer(d, "the rules approved, but documents cannot be issued on this server", "قواعد پذیرفتند، اما صدور سند در این سامانه فعال نیست")
			case hasDocument(rec):
				if _, err := a.decidedFacts(ctx, tx, op, cur, rec, nil); err != nil {
					d = refer(d, "the rules approved, but "+errText(err), "قواعد پذیرفتند، اما "+errTextFa(err))
				}
			}
		case rules.Reject:
			if rec.IsPermit() && !knownGround(rec, d.Ground) {
				d = refer(d, "a rule refused on a ground the permit has not published: "+d.Ground, "قاعده‌ای با شرطی رد کرد که برای این مجوز منتشر نشده است")
			} else if !rec.IsPermit() {
				d.Ground = ""
			}
		case rules.Refer:
		default:
			d = refer(d, "the rules gave an unknown outcome", "قواعد نتیجهٔ ناشناخته‌ای دادند")
		}
		failure = cmpOr(d.failure, failure)
		now := a.clock()
		fired, _ := json.Marshal(nonNil(d.Fired))
		inputs, _ := json.Marshal(usedInputs(d.in, d.srcs, d.Fired, d.Outcome))
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_decisions (case_id, service, version, outcome, ground, fired, inputs, explain_fa, explain_en, failure, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, cur.ID, cur.Service, d.Version, string(d.Outcome), d.Ground,
			string(fired), string(inputs), d.ExplainFa, d.ExplainEn, failure, now); err != nil {
			return errs.Wrap(op, err)
		}
		if d.profile != nil {
			if err := keepProfile(ctx, tx, cur.ID, *d.profile, d.psrc, now); err != nil {
				return err
			}
		}
		rp := rulesPrincipal(cur.Service, d.Version, cur.Agency)
		reason := truncate(d.ExplainFa, maxText)
		if err := tx.Append(ctx, store.Event{Kind: evDecidedByRules, Actor: rp.Actor(), Agency: cur.Agency, Service: cur.Service, Region: cur.Region, Subject: cur.Applicant},
			map[string]any{"tracking": cur.Tracking, "version": d.Version, "outcome": d.Outcome, "ground": d.Ground}); err != nil {
			return err
		}
		var canon string
		switch d.Outcome {
		case rules.Approve:
			if err := a.move(ctx, tx, rp, cur, InReview, "", "", nil, now); err != nil {
				return err
			}
			return a.decideTx(ctx, tx, rp, cur.Tracking, Decision{To: Approved, Reason: reason}, &canon)
		case rules.Reject:
			if err := a.move(ctx, tx, rp, cur, InReview, "", "", nil, now); err != nil {
				return err
			}
			return a.decideTx(ctx, tx, rp, cur.Tracking, Decision{To: Rejected, Reason: reason, Ground: d.Ground}, &canon)
		default:
			if err := a.move(ctx, tx, rp, cur, InReview, reason, "", nil, now); err != nil {
				return err
			}
			return a.noticeTo(ctx, tx, cur.Applicant, cur.Data["phone"], "case.in_review", cur.Tracking, rec.TitleFa, nil)
		}
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func nonNil(f []rules.Fired) []rules.Fired {
	if f == nil {
		return []rules.Fired{}
	}
	return f
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ruleDecision reads the automatic decision of case c (of record rec), with
// any objection to it; nil when the rules did not decide it.
func (a *Applications) ruleDecision(ctx context.Context, c Case, rec catalog.Record) (*RuleDecision, error) {
	const op = "apply.Case"
	d := &RuleDecision{Service: c.Service}
	var outcome, fired, inputs string
	err := a.s.Read().QueryRowContext(ctx, `SELECT version, outcome, ground, fired, inputs, explain_fa, explain_en, failure, decided_at
		FROM apply_decisions WHERE case_id = $1`, c.ID).Scan(&d.Version, &outcome, &d.Ground, &fired, &inputs, &d.ExplainFa, &d.ExplainEn,
		&d.Referred, &d.DecidedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	d.Outcome = rules.Outcome(outcome)
	d.DecidedAt = d.DecidedAt.UTC()
	_ = json.Unmarshal([]byte(fired), &d.Fired)
	_ = json.Unmarshal([]byte(inputs), &d.Inputs)
	if g, ok := groundOf(rec, d.Ground); ok {
		d.GroundFa, d.GroundEn = g.TextFa, g.TextEn
	}
	d.Actor = rulesPrincipal(c.Service, d.Version, c.Agency).Actor()
	d.RulesURL = "/services/" + c.Service + "/rules"
	if d.Outcome == rules.Reject {
		until := d.DecidedAt.AddDate(0, 0, rec.ObjectionPeriod())
		d.ObjectionUntil = &until
	}
	if d.Objection, err = a.objection(ctx, c.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// DecideDue lets the rules decide the submitted cases that have all their
// evidence but were not decided (the engine or the database failed at the
// time), for each service with an active ruleset, among the cases submitted
// since it was activated (a backlog the clerks already hold stays theirs).
// It returns how many cases it looked at; the evidence sweep runs it.
func (a *Applications) DecideDue(ctx context.Context) (int, error) {
	if a.rl == nil {
		return 0, nil
	}
	const op = "apply.DecideDue"
	services, err := a.distinct(ctx, `SELECT DISTINCT c.service FROM apply_cases c
		WHERE c.state = 'submitted' AND NOT EXISTS (SELECT 1 FROM apply_decisions d WHERE d.case_id = c.id) LIMIT 1000`)
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	// One query for which services have rules, when the engine can say.
	var active map[string]int
	if as, ok := a.rl.(interface {
		ActiveServices(context.Context) (map[string]int, error)
	}); ok {
		if active, err = as.ActiveServices(ctx); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, svc := range services {
		if active != nil && active[svc] == 0 {
			continue
		}
		rs, ok, err := a.rl.Active(ctx, svc)
		if err != nil || !ok || rs.ActivatedAt == nil {
			continue
		}
		rows, err := a.s.Read().QueryContext(ctx, `SELECT c.id FROM apply_cases c
			WHERE c.service = $1 AND c.state = 'submitted' AND c.submitted_at >= $2
			AND NOT EXISTS (SELECT 1 FROM apply_decisions d WHERE d.case_id = c.id)
			AND NOT EXISTS (SELECT 1 FROM apply_evidence e WHERE e.case_id = c.id AND e.state = 'pending')
			ORDER BY c.id LIMIT 200`, svc, rs.ActivatedAt.UTC())
		if err != nil {
			return n, errs.Wrap(op, err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return n, errs.Wrap(op, err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, errs.Wrap(op, err)
		}
		for _, id := range ids {
			a.autoDecide(ctx, id)
			n++
		}
	}
	return n, nil
}

// distinct returns the one text column of query's rows.
func (a *Applications) distinct(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := a.s.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// describe is a short text of d for logs and tests.
func (d RuleDecision) String() string {
	return fmt.Sprintf("%s v%d %s %s", d.Service, d.Version, d.Outcome, d.Ground)
}

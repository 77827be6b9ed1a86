package apply

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/rules"
)

// Proactive services: a case the platform starts for a citizen after a
// life event (an offer the citizen accepted, or a service delivered with
// no stop), and the history of decided cases the rules' simulation reads.

// Origin says why the platform started a case for its applicant.
type Origin struct {
	Kind         string `json:"kind"`           // "offer" (the citizen accepted an offer) or "nostop" (delivered without asking)
	Event        string `json:"event"`          // the life event's id
	Subscription int64  `json:"subscription"`   // the proactive subscription that matched it
	Note         string `json:"note,omitempty"` // in Persian, what happened, e.g. "تولد فرزند شما در ثبت احوال ثبت شد"
}

// Origin kinds.
const (
	OriginOffer  = "offer"
	OriginNoStop = "nostop"
)

// errOriginTaken is what file returns when another call started the case
// for the same life event, service and applicant first.
var errOriginTaken = errors.New("apply: a case was already started for this event")

// originTaken reports whether err is the UNIQUE index on a case's origin.
func originTaken(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505" && strings.Contains(pg.ConstraintName, "origin")
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: apply_cases.origin_event")
}

// StartFor files a case of service for applicant (a national code) without
// the applicant acting, with the text fields data, because of origin: the
// once-only evidence is fetched as for any application and the service's
// rules decide when they can. It is idempotent per (origin.Event, service,
// applicant): a second call returns the first case. by is who starts it: the
// platform (identity.System) or the applicant themself accepting an offer.
// A service whose form asks for uploads cannot be started this way.
func (a *Applications) StartFor(ctx context.Context, by identity.Principal, service, applicant string, data map[string]string, origin Origin) (Case, error) {
	const op = "apply.StartFor"
	applicant = persian.NormalizeNationalCode(applicant)
	if persian.CheckNationalCode(applicant) != nil {
		return Case{}, errs.E(op, errs.Invalid, "the applicant's national code is not valid", "کد ملی متقاضی معتبر نیست")
	}
	self := by.Kind == "user" && by.ActingFor == "" && by.NationalCode == applicant
	if by.Kind != "system" && !self {
		return Case{}, errs.E(op, errs.Forbidden, "only the platform, or the applicant accepting an offer, starts a case for a citizen",
			"تنها سامانه، یا خود متقاضی با پذیرفتن پیشنهاد، می‌تواند برای شهروند درخواست آغاز کند")
	}
	origin.Event, origin.Note = strings.TrimSpace(origin.Event), strings.TrimSpace(origin.Note)
	if origin.Kind != OriginOffer && origin.Kind != OriginNoStop {
		return Case{}, errs.E(op, errs.Invalid, `the origin must be "offer" or "nostop"`, "منشأ درخواست باید «offer» یا «nostop» باشد")
	}
	if origin.Event == "" || len(origin.Event) > 100 || len([]rune(origin.Note)) > 500 {
		return Case{}, errs.E(op, errs.Invalid, "the origin needs the life event's id (at most 100 characters) and a note of at most 500",
			"منشأ درخواست به شناسهٔ رویداد زندگی (حداکثر ۱۰۰ نویسه) و توضیحی تا ۵۰۰ نویسه نیاز دارد")
	}
	f, err := a.form(ctx, service)
	if err != nil {
		return Case{}, err
	}
	if c, ok, err := a.startedFor(ctx, by, origin.Event, f.Service, applicant); err != nil || ok {
		return c, err
	}
	for _, fd := range f.Fields {
		if fd.Kind == FieldFile {
			return Case{}, errs.E(op, errs.Invalid, "this service asks the applicant for uploads, so it cannot be started for them",
				"این خدمت از متقاضی بارگذاری مدرک می‌خواهد و نمی‌توان آن را برای او آغاز کرد")
		}
	}
	data = clean(data)
	if fe := f.checkDraft(data); len(fe) > 0 {
		return Case{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "some fields do not fit the form", Fa: "چند خانه با فرم نمی‌خواند", Fields: fe}
	}
	// The applicant did not fill the form: what is given must be right, what
	// is not given stays empty (no phone: notices go to the inbox and email).
	given := map[string]string{}
	for k, v := range data {
		if v != "" {
			given[k] = v
		}
	}
	var bad []errs.FieldError
	for _, fe := range f.Validate(given) {
		if _, ok := given[fe.Field]; ok {
			bad = append(bad, fe)
		}
	}
	if len(bad) > 0 {
		return Case{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "some fields of the form need correcting", Fa: "چند خانهٔ فرم نیاز به اصلاح دارد", Fields: bad}
	}
	filer := by
	filer.NationalCode, filer.ActingFor, filer.ActingName, filer.ActingKind = applicant, "", "", ""
	if !self {
		filer.Name = ""
	}
	// The case belongs where the applicant's last case did, or where the
	// rules last found them living.
	region, err := a.LastRegion(ctx, applicant)
	if err != nil {
		return Case{}, err
	}
	now := a.clock()
	for range maxFilings {
		tracking, _, err := a.freeTracking(ctx, now, applicant, f.Service)
		if err != nil {
			return Case{}, err
		}
		got := a.fetchAll(ctx, filer, f, tracking)
		if filer.Name == "" {
			filer.Name = nameOf(got)
		}
		c, err := a.file(ctx, filer, f, tracking, false, region, given, nil, got, now, origin)
		switch {
		case errors.Is(err, errTrackingTaken):
			continue
		case errors.Is(err, errOriginTaken):
			c, _, err := a.startedFor(ctx, by, origin.Event, f.Service, applicant)
			return c, err
		case err != nil:
			return Case{}, err
		}
		a.autoDecide(ctx, c.ID)
		return a.Case(ctx, filer, c.Tracking)
	}
	return Case{}, noFreeTracking()
}

// startedFor returns the case started for applicant's service because of
// life event event, if there is one.
func (a *Applications) startedFor(ctx context.Context, by identity.Principal, event, service, applicant string) (Case, bool, error) {
	var tracking string
	err := a.s.Read().QueryRowContext(ctx, `SELECT tracking FROM apply_cases WHERE origin_event = $1 AND service = $2 AND applicant = $3`,
		event, service, applicant).Scan(&tracking)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, errs.Wrap("apply.StartFor", err)
	}
	p := by
	p.NationalCode, p.ActingFor = applicant, ""
	c, err := a.Case(ctx, p, tracking)
	return c, err == nil, err
}

// nameOf is the applicant's name from the civil registry's answer among got.
func nameOf(got []fetched) string {
	for _, g := range got {
		if g.Inquiry != identityInquiry || g.state != EvFetched {
			continue
		}
		var id struct {
			First string `json:"first_name"`
			Last  string `json:"last_name"`
		}
		if json.Unmarshal(g.answer, &id) == nil {
			return strings.TrimSpace(id.First + " " + id.Last)
		}
	}
	return ""
}

// Recent returns up to limit (1 to 1000) of service's decided cases, the
// latest first, each with the input the rules would have read when it was
// decided (from what is stored: no inquiry is made), how it ended and who
// decided it: "rules" when the rules' decision stands, "clerk" otherwise.
// It is the history rules.Simulate compares a new ruleset with.
func (a *Applications) Recent(ctx context.Context, service string, limit int) ([]rules.Past, error) {
	const op = "apply.Recent"
	limit = min(max(limit, 1), 1000)
	rows, err := a.s.Read().QueryContext(ctx, `SELECT `+caseColumns+` FROM apply_cases
		WHERE service = $1 AND decided_at IS NOT NULL AND state IN ('approved', 'issued', 'rejected')
		ORDER BY decided_at DESC, id DESC LIMIT `+strconv.Itoa(limit), service)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	var cases []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(op, err)
		}
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	out := make([]rules.Past, 0, len(cases))
	for _, c := range cases {
		if c.Evidence, err = a.evidenceOf(ctx, c.ID); err != nil {
			return nil, err
		}
		app, psrc, _, err := a.storedProfile(ctx, a.s.Read(), c.ID)
		if err != nil {
			return nil, err
		}
		in, _ := a.caseInput(ctx, c, app, psrc, *c.DecidedAt)
		past := rules.Past{Tracking: c.Tracking, Input: in, Outcome: rules.Approve, By: "clerk", DecidedAt: *c.DecidedAt}
		if c.State == Rejected {
			past.Outcome, past.Ground = rules.Reject, c.Ground
		}
		var outcome string
		var overturned int64
		err = a.s.Read().QueryRowContext(ctx, `SELECT d.outcome, COALESCE((SELECT COUNT(*) FROM apply_objections o WHERE o.case_id = d.case_id AND o.decided_at IS NOT NULL), 0)
			FROM apply_decisions d WHERE d.case_id = $1`, c.ID).Scan(&outcome, &overturned)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, errs.Wrap(op, err)
		case overturned == 0 && rules.Outcome(outcome) == past.Outcome:
			past.By = "rules"
		}
		out = append(out, past)
	}
	return out, nil
}

// evidenceOf reads case id's evidence rows.
func (a *Applications) evidenceOf(ctx context.Context, id int64) ([]Evidence, error) {
	rows, err := a.s.Read().QueryContext(ctx, `SELECT code, name_fa, source, held_by, inquiry, state, message_id, digest, answer, attempts
		FROM apply_evidence WHERE case_id = $1 ORDER BY source, code`, id)
	if err != nil {
		return nil, errs.Wrap("apply.evidence", err)
	}
	defer rows.Close()
	var out []Evidence
	for rows.Next() {
		var e Evidence
		var answer string
		if err := rows.Scan(&e.Code, &e.NameFa, &e.Source, &e.HeldBy, &e.Inquiry, &e.State, &e.MessageID, &e.Digest, &answer, &e.Attempts); err != nil {
			return nil, errs.Wrap("apply.evidence", err)
		}
		if answer != "" {
			e.Answer = json.RawMessage(answer)
		}
		out = append(out, e)
	}
	return out, errs.Wrap("apply.evidence", rows.Err())
}

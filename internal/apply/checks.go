package apply

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// The clerk's guard. A case may be approved or issued only when its checks
// are done: no evidence still waits for its holding agency's answer, every
// paper original and every piece the holding agency had no record of was
// seen at a visit, and as many in-person visits as the record asks for are
// recorded. Until then Transition refuses with errs.Conflict, naming what
// is open. An agency admin may go ahead anyway with a written reason
// (Override); the reason is kept as an event beside the decision.
//
// Visits and overrides are events only (evVisit, evOverride): they change
// no row, and the guard reads them back from the event log.

// Check kinds.
const (
	CheckPending = "evidence.pending" // an inquiry still waits for the holding agency
	CheckSee     = "evidence.see"     // evidence to be seen at a visit: a paper original, or no record found
	CheckVisit   = "visit"            // an in-person visit the record asks for
)

// Check is one open check of a case.
type Check struct {
	Kind   string `json:"kind"`
	Code   string `json:"code,omitempty"` // the evidence's code
	NameFa string `json:"name_fa"`
	NameEn string `json:"name_en"`
	State  string `json:"state,omitempty"` // the evidence's state
}

// Visit is an in-person visit a clerk recorded.
type Visit struct {
	Step
	Checked []string `json:"checked,omitempty"` // the codes of the evidence seen
	Note    string   `json:"note"`              // what was checked, in the clerk's words
}

// Checks is where a case's checks stand, for its agency.
type Checks struct {
	Open      []Check `json:"open"`
	Visits    []Visit `json:"visits"`
	Overrides []Step  `json:"overrides"` // decisions taken over open checks, with the admin's reason
	CanSee    []Check `json:"-"`         // the evidence a visit may tick off
}

// Done reports whether nothing is open.
func (c Checks) Done() bool { return len(c.Open) == 0 }

// CaseChecks returns the open checks, visits and overrides of a case. Only
// its agency sees them.
func (a *Applications) CaseChecks(ctx context.Context, p identity.Principal, tracking string) (Checks, error) {
	const op = "apply.CaseChecks"
	db := a.s.Read()
	c, err := a.loadCase(ctx, db, op, p, tracking, false)
	if err != nil {
		return Checks{}, err
	}
	if !isAgency(p, c.Agency) {
		return Checks{}, caseNotFound(op)
	}
	svc, err := a.cat.Service(ctx, c.Service)
	if err != nil {
		return Checks{}, errs.Wrap(op, err)
	}
	return a.checks(ctx, db, op, c, svc.Record)
}

// checks computes a case's checks from its evidence rows and its events.
func (a *Applications) checks(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, op string, c Case, rec catalog.Record) (Checks, error) {
	out := Checks{Open: []Check{}, Visits: []Visit{}, Overrides: []Step{}}
	evs, err := a.s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.", Subject: c.Applicant, Service: c.Service, Limit: 10000})
	if err != nil {
		return Checks{}, errs.Wrap(op, err)
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		if ev.Kind != evVisit && ev.Kind != evOverride {
			continue
		}
		var pl struct {
			Tracking string   `json:"tracking"`
			Checked  []string `json:"checked"`
			Note     string   `json:"note"`
			To       State    `json:"to"`
			Reason   string   `json:"reason"`
		}
		if json.Unmarshal(ev.Payload, &pl) != nil || pl.Tracking != c.Tracking {
			continue
		}
		if ev.Kind == evVisit {
			out.Visits = append(out.Visits, Visit{Step: Step{At: ev.At, Kind: ev.Kind, Actor: ev.Actor}, Checked: pl.Checked, Note: pl.Note})
			for _, code := range pl.Checked {
				seen[code] = true
			}
			continue
		}
		out.Overrides = append(out.Overrides, Step{At: ev.At, Kind: ev.Kind, Actor: ev.Actor, To: pl.To, Reason: pl.Reason})
	}
	rows, err := q.QueryContext(ctx, `SELECT code, name_fa, state FROM apply_evidence WHERE case_id = $1 ORDER BY source, code`, c.ID)
	if err != nil {
		return Checks{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch Check
		if err := rows.Scan(&ch.Code, &ch.NameFa, &ch.State); err != nil {
			return Checks{}, errs.Wrap(op, err)
		}
		ch.NameEn = evidenceNameEn(rec, ch.Code, ch.NameFa)
		switch ch.State {
		case EvFetched, EvUploaded, EvDeclared:
			continue
		case EvPending:
			ch.Kind = CheckPending
		default: // to_bring, missing, or an inquiry given up: the clerk sees it in person
			ch.Kind = CheckSee
			out.CanSee = append(out.CanSee, ch)
			if seen[ch.Code] {
				continue
			}
		}
		out.Open = append(out.Open, ch)
	}
	if err := rows.Err(); err != nil {
		return Checks{}, errs.Wrap(op, err)
	}
	if len(out.Visits) < rec.Visits {
		out.Open = append(out.Open, Check{Kind: CheckVisit, NameFa: "مراجعهٔ حضوری متقاضی", NameEn: "the applicant's in-person visit"})
	}
	return out, nil
}

// evidenceNameEn returns the English name the record gives the evidence.
func evidenceNameEn(rec catalog.Record, code, fa string) string {
	for _, rq := range rec.Requirements {
		for _, ev := range rq.Evidence {
			if ev.Code == code && ev.NameEn != "" {
				return ev.NameEn
			}
		}
	}
	return fa
}

// openChecksError is the Conflict that names every open check.
func openChecksError(op string, open []Check) error {
	var fa, en []string
	fields := make([]errs.FieldError, 0, len(open))
	for _, ch := range open {
		var f, e string
		switch ch.Kind {
		case CheckPending:
			f, e = "استعلام «"+ch.NameFa+"» هنوز پاسخ نگرفته است", "the inquiry for "+ch.NameEn+" is still pending"
		case CheckSee:
			f, e = "«"+ch.NameFa+"» هنوز در مراجعهٔ حضوری دیده نشده است", ch.NameEn+" has not been seen at a visit"
		default:
			f, e = "مراجعهٔ حضوری متقاضی ثبت نشده است", "the applicant's in-person visit is not recorded"
		}
		fa, en = append(fa, f), append(en, e)
		field := "checks." + ch.Kind
		if ch.Code != "" {
			field += "." + ch.Code
		}
		fields = append(fields, errs.FieldError{Field: field, Fa: f, En: e})
	}
	return &errs.Error{Op: op, Kind: errs.Conflict, Fields: fields,
		Fa: "پیش از پذیرش یا صدور، بررسی‌های باز را انجام دهید: " + strings.Join(fa, "؛ ") + ".",
		En: "finish the open checks before approving or issuing: " + strings.Join(en, "; ") + "."}
}

// RecordVisit records, as the case's agency, that the applicant came in
// person, with what the clerk checked: note in words, and checked, the
// codes of the evidence seen (paper originals, or evidence the holding
// agency had no record of). It changes no row: the visit is an event, which
// the guard reads back. A visit can be recorded until the case is final.
func (a *Applications) RecordVisit(ctx context.Context, p identity.Principal, tracking, note string, checked []string) (Checks, error) {
	const op = "apply.RecordVisit"
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > maxText {
		return Checks{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "write what was checked at the visit (at most 2,000 characters)",
			Fa: "بنویسید در مراجعهٔ حضوری چه چیزی بررسی شد (حداکثر ۲۰۰۰ نویسه)", Fields: []errs.FieldError{{Field: "note",
				En: "Write what was checked.", Fa: "بنویسید چه چیزی بررسی شد."}}}
	}
	var canon string
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		if !isAgency(p, c.Agency) {
			return caseNotFound(op)
		}
		if c.State.Final() {
			return errs.E(op, errs.Conflict, "the case is closed: a visit can no longer be recorded",
				"پرونده بسته شده است و دیگر نمی‌توان مراجعه‌ای ثبت کرد")
		}
		canon = c.Tracking
		known, err := a.evidenceCodes(ctx, tx, c.ID)
		if err != nil {
			return errs.Wrap(op, err)
		}
		var codes []string
		for _, code := range checked {
			code = strings.TrimSpace(code)
			if code == "" || slices.Contains(codes, code) {
				continue
			}
			if !slices.Contains(known, code) {
				return errs.E(op, errs.Invalid, "the case has no evidence with the code "+code, "این پرونده مدرکی با کد "+code+" ندارد")
			}
			codes = append(codes, code)
		}
		return tx.Append(ctx, store.Event{Kind: evVisit, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
			map[string]any{"tracking": c.Tracking, "checked": codes, "note": note})
	})
	if err != nil {
		return Checks{}, err
	}
	return a.CaseChecks(ctx, p, canon)
}

func (a *Applications) evidenceCodes(ctx context.Context, tx *store.Tx, caseID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT code FROM apply_evidence WHERE case_id = $1`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, rows.Err()
}

// Override is Transition to approved or issued over open checks, by an
// agency admin of the case's agency (a person, not an API key), who must
// write why. The reason and the checks that were open are appended as an
// apply.case.override event in the transition's transaction. With no check
// open it is Decide.
func (a *Applications) Override(ctx context.Context, p identity.Principal, tracking string, d Decision, why string) (Case, error) {
	to := d.To
	const op = "apply.Override"
	why = strings.TrimSpace(why)
	if p.Kind != "user" || !p.Has(identity.RoleAgencyAdmin) {
		return Case{}, errs.E(op, errs.Forbidden, "only an agency admin may decide over open checks",
			"تنها مدیر دستگاه می‌تواند با وجود بررسی‌های باز تصمیم بگیرد")
	}
	if to != Approved && to != Issued {
		return Case{}, errs.E(op, errs.Invalid, "only approving or issuing can be done over open checks",
			"تنها پذیرش یا صدور را می‌توان با وجود بررسی‌های باز انجام داد")
	}
	if why == "" || utf8.RuneCountInString(why) > maxText {
		return Case{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "write why the open checks may be passed over",
			Fa: "بنویسید چرا می‌توان از بررسی‌های باز گذشت", Fields: []errs.FieldError{{Field: "override",
				En: "Write the reason for the override.", Fa: "دلیل نادیده‌گرفتن بررسی‌ها را بنویسید."}}}
	}
	d.override = why
	return a.Decide(ctx, p, tracking, d)
}

// guard refuses to approve or issue c while checks are open, unless an
// override reason is given, which it records with the checks it passed over.
func (a *Applications) guard(ctx context.Context, tx *store.Tx, op string, p identity.Principal, c Case, rec catalog.Record, to State, override string) error {
	ch, err := a.checks(ctx, tx, op, c, rec)
	if err != nil {
		return err
	}
	// Issuing what an admin approved over open checks needs no second
	// override: the first one is on the record.
	if ch.Done() || (to == Issued && c.State == Approved && len(ch.Overrides) > 0) {
		return nil
	}
	if override == "" {
		return openChecksError(op, ch.Open)
	}
	open := make([]string, 0, len(ch.Open))
	for _, o := range ch.Open {
		open = append(open, strings.TrimSuffix(o.Kind+":"+o.Code, ":"))
	}
	return tx.Append(ctx, store.Event{Kind: evOverride, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
		map[string]any{"tracking": c.Tracking, "to": to, "reason": override, "open": open})
}

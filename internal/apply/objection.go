package apply

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
)

// Objections. An applicant whose application the service's rules refused
// may object, in writing, within the record's objection period
// (catalog.Record.ObjectionPeriod, 30 days by default) after the decision.
// The case becomes objected and the agency is told. A clerk of the agency
// who did not write, request or approve the ruleset version that refused
// decides finally, through Decide: approving issues the document as any
// approval does, refusing needs a published ground (permits) or a reason.
// The objection and its outcome are kept (apply_objections) and the
// apply.objection.decided event says whether the automatic refusal was
// overturned. A clerk's own decision is not objected to here: complaints
// (feedback.go) are the way to contest it.

// Objection is an applicant's objection to an automatic decision and the
// clerk's final decision on it.
type Objection struct {
	Reason     string     `json:"reason"`
	ObjectedAt time.Time  `json:"objected_at"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	Outcome    State      `json:"outcome,omitempty"` // approved or rejected
	Overturned bool       `json:"overturned"`
}

// Object records p's objection, for reason, to the automatic refusal of
// the case with tracking code tracking. Only the applicant objects; only
// an automatic refusal is objected to, once, within the period
// (errs.Conflict otherwise, saying why).
func (a *Applications) Object(ctx context.Context, p identity.Principal, tracking, reason string) (Case, error) {
	const op = "apply.Object"
	reason = strings.TrimSpace(reason)
	var canon string
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		canon = c.Tracking
		if !isApplicant(p, c) {
			return errs.E(op, errs.Forbidden, "only the applicant may object to the decision", "تنها خود متقاضی می‌تواند به تصمیم اعتراض کند")
		}
		// The reason is checked once the case is known to be the caller's:
		// to anyone else it does not exist, whatever they sent.
		if reason == "" || utf8.RuneCountInString(reason) > maxText {
			return &errs.Error{Op: op, Kind: errs.Invalid, En: "write why you object (at most 2,000 characters)",
				Fa: "بنویسید چرا اعتراض دارید (حداکثر ۲۰۰۰ نویسه)", Fields: []errs.FieldError{{Field: "reason",
					En: "Write the reason for your objection.", Fa: "دلیل اعتراض خود را بنویسید."}}}
		}
		var outcome string
		var decidedAt time.Time
		err = tx.QueryRowContext(ctx, `SELECT outcome, decided_at FROM apply_decisions WHERE case_id = $1`, c.ID).Scan(&outcome, &decidedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(op, errs.Conflict,
				"objections are for decisions the service's rules made automatically; this case is decided by the agency's staff — to contest their decision, file a complaint",
				"اعتراض برای تصمیم‌هایی است که قواعد خدمت به‌طور خودکار گرفته‌اند؛ این پرونده را کارکنان دستگاه بررسی می‌کنند — برای اعتراض به تصمیم آنان شکایت ثبت کنید")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_objections WHERE case_id = $1`, c.ID).Scan(&n); err != nil {
			return errs.Wrap(op, err)
		}
		switch {
		case n > 0:
			return errs.E(op, errs.Conflict, "you have already objected to this decision", "شما پیش‌تر به این تصمیم اعتراض کرده‌اید")
		case rules.Outcome(outcome) == rules.Approve:
			return errs.E(op, errs.Conflict, "your application was approved: there is nothing to object to", "درخواست شما پذیرفته شد و اعتراضی لازم نیست")
		case rules.Outcome(outcome) != rules.Reject || c.State != Rejected:
			return errs.E(op, errs.Conflict,
				"objections are for applications refused automatically; this case went to the agency's staff — to contest their decision, file a complaint",
				"اعتراض برای درخواستی است که به‌طور خودکار رد شده است؛ این پرونده به کارکنان دستگاه سپرده شد — برای اعتراض به تصمیم آنان شکایت ثبت کنید")
		}
		svc, err := a.cat.Service(ctx, c.Service)
		if err != nil {
			return err
		}
		days := svc.Record.ObjectionPeriod()
		until := decidedAt.UTC().AddDate(0, 0, days)
		now := a.clock()
		if !now.Before(until) {
			return errs.E(op, errs.Conflict,
				fmt.Sprintf("the period to object (%d days after the decision) ended on %s", days, until.Format(time.DateOnly)),
				fmt.Sprintf("مهلت اعتراض (%s روز پس از تصمیم) در %s به پایان رسیده است", persian.Digits(fmt.Sprint(days)), persian.JalaliDate(until)))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE apply_cases SET state = $1, updated_at = $2 WHERE id = $3`, Objected, now, c.ID); err != nil {
			return errs.Wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_objections (case_id, agency, reason, objected_at) VALUES ($1, $2, $3, $4)`,
			c.ID, c.Agency, reason, now); err != nil {
			return errs.Wrap(op, err)
		}
		ev := store.Event{Kind: evTransition, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant}
		if err := tx.Append(ctx, ev, map[string]any{"tracking": c.Tracking, "from": c.State, "to": Objected, "reason": reason}); err != nil {
			return err
		}
		ev.Kind = evObjected
		if err := tx.Append(ctx, ev, map[string]any{"tracking": c.Tracking}); err != nil {
			return err
		}
		return a.noticeTo(ctx, tx, notify.AgencyPrefix+c.Agency, "", "case.objected", c.Tracking, c.TitleFa, nil)
	})
	if err != nil {
		return Case{}, err
	}
	return a.Case(ctx, p, canon)
}

// mayDecideObjection refuses p the final decision on objected case c
// unless p is a clerk (a person) who did not write, request or approve the
// ruleset version that refused it.
func (a *Applications) mayDecideObjection(ctx context.Context, tx *store.Tx, op string, p identity.Principal, c Case) error {
	if p.Kind != "user" {
		return errs.E(op, errs.Forbidden, "an objection is decided by a clerk of the agency, signed in as a person",
			"به اعتراض باید کارشناسی از دستگاه که با حساب شخصی وارد شده است رسیدگی کند")
	}
	if a.rl == nil {
		return errs.E(op, errs.Unavailable, "the rules are not available on this server, so who wrote them cannot be checked",
			"قواعد در این سامانه در دسترس نیست و نمی‌توان نویسندگان آن را بررسی کرد")
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM apply_decisions WHERE case_id = $1`, c.ID).Scan(&version); err != nil {
		return errs.Wrap(op, err)
	}
	authors, err := a.rl.Authors(ctx, c.Service, version)
	if err != nil {
		return err
	}
	if slices.Contains(authors, p.Actor()) {
		return errs.E(op, errs.Forbidden,
			fmt.Sprintf("you wrote, requested or approved version %d of the rules that refused this application; another clerk must decide the objection", version),
			fmt.Sprintf("شما در نوشتن، درخواست یا تأیید نسخهٔ %s قواعدی که این درخواست را رد کرد نقش داشته‌اید؛ کارشناس دیگری باید به اعتراض رسیدگی کند", persian.Digits(fmt.Sprint(version))))
	}
	return nil
}

// objectionDecided records p's final decision to on objected case c.
func (a *Applications) objectionDecided(ctx context.Context, tx *store.Tx, p identity.Principal, c Case, to State, now time.Time) error {
	overturned := to == Approved
	flag := 0
	if overturned {
		flag = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE apply_objections SET decided_at = $1, decided_by = $2, outcome = $3, overturned = $4 WHERE case_id = $5`,
		now, p.Actor(), to, flag, c.ID); err != nil {
		return errs.Wrap("apply.Transition", err)
	}
	return tx.Append(ctx, store.Event{Kind: evObjectionDone, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
		map[string]any{"tracking": c.Tracking, "overturned": overturned, "outcome": to})
}

// objection reads the objection to case id; nil when there is none.
func (a *Applications) objection(ctx context.Context, id int64) (*Objection, error) {
	var o Objection
	var decided sql.NullTime
	var flag int64
	err := a.s.Read().QueryRowContext(ctx, `SELECT reason, objected_at, decided_at, decided_by, outcome, overturned FROM apply_objections WHERE case_id = $1`, id).
		Scan(&o.Reason, &o.ObjectedAt, &decided, &o.DecidedBy, &o.Outcome, &flag)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap("apply.objection", err)
	}
	o.ObjectedAt = o.ObjectedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		o.DecidedAt = &t
	}
	o.Overturned = flag != 0
	return &o, nil
}

// OverturnedShare returns how many objections agency's cases received and
// how many of them a clerk decided against the rules' refusal.
func (a *Applications) OverturnedShare(ctx context.Context, agency string) (objected, overturned int, err error) {
	err = a.s.Read().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(overturned), 0) FROM apply_objections WHERE agency = $1`, agency).
		Scan(&objected, &overturned)
	if err != nil {
		return 0, 0, errs.Wrap("apply.OverturnedShare", err)
	}
	return objected, overturned, nil
}

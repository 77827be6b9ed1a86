package apply

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// deadlineArgs is the apply.deadline job, scheduled at a case's deadline.
// Its worker sweeps every overdue case, not only its own, so a case whose
// job was lost is still flagged by the next one.
type deadlineArgs struct {
	CaseID int64 `json:"case_id"`
}

// Kind names the job.
func (deadlineArgs) Kind() string { return "apply.deadline" }

type deadlineWorker struct {
	river.WorkerDefaults[deadlineArgs]
	a *Applications
}

// Work flags overdue cases; it is idempotent.
func (w *deadlineWorker) Work(ctx context.Context, j *river.Job[deadlineArgs]) error {
	_, err := w.a.FlagOverdue(ctx)
	return err
}

// evidenceArgs is the apply.evidence job: fetch one pending piece of
// evidence again.
type evidenceArgs struct {
	CaseID int64  `json:"case_id"`
	Code   string `json:"code"`
}

// Kind names the job.
func (evidenceArgs) Kind() string { return "apply.evidence" }

type evidenceWorker struct {
	river.WorkerDefaults[evidenceArgs]
	a *Applications
}

// NextRetry backs off from a minute to an hour.
func (w *evidenceWorker) NextRetry(j *river.Job[evidenceArgs]) time.Time {
	d := time.Minute << min(j.Attempt, 6)
	return time.Now().Add(min(d, time.Hour))
}

// Work retries the inquiry; an error makes River try again later.
func (w *evidenceWorker) Work(ctx context.Context, j *river.Job[evidenceArgs]) error {
	return w.a.RetryEvidence(ctx, j.Args.CaseID, j.Args.Code)
}

// RegisterWorkers adds apply's job workers to the store. Call it once,
// before store.StartJobs.
func (a *Applications) RegisterWorkers() {
	river.AddWorker(a.s.Workers(), &deadlineWorker{a: a})
	river.AddWorker(a.s.Workers(), &evidenceWorker{a: a})
}

// FlagOverdue flags every open case past its deadline, once: each gets an
// apply.case.overdue event and a notice to its agency, and is never flagged
// again. It returns how many it flagged. Operators may run it by hand.
func (a *Applications) FlagOverdue(ctx context.Context) (int, error) {
	const op = "apply.FlagOverdue"
	now := a.clock()
	rows, err := a.s.Read().QueryContext(ctx, `SELECT tracking FROM apply_cases
		WHERE overdue_at IS NULL AND deadline < $1 AND state IN ('submitted', 'in_review', 'needs_info') ORDER BY deadline LIMIT 1000`, now)
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	var due []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, errs.Wrap(op, err)
		}
		due = append(due, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(op, err)
	}
	n := 0
	for _, tracking := range due {
		err := a.s.InTx(ctx, func(tx *store.Tx) error {
			c, err := a.loadCase(ctx, tx, op, identity.System, tracking, true)
			if err != nil {
				return err
			}
			if c.OverdueAt != nil || !c.Open() || !c.Deadline.Before(now) {
				return store.ErrNothingToDo
			}
			if _, err := tx.ExecContext(ctx, `UPDATE apply_cases SET overdue_at = $1 WHERE id = $2 AND overdue_at IS NULL`, now, c.ID); err != nil {
				return errs.Wrap(op, err)
			}
			if _, err := tx.Append(ctx, store.Event{Kind: evOverdue, Actor: "system", Agency: c.Agency, Service: c.Service, Subject: c.Applicant},
				map[string]any{"tracking": c.Tracking, "state": c.State, "deadline": c.Deadline}); err != nil {
				return err
			}
			return a.notice(ctx, tx, notify.AgencyPrefix+c.Agency, "case.overdue", c.Tracking, c.TitleFa, map[string]string{"deadline": c.Deadline.Format(time.RFC3339)})
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, store.ErrNothingToDo):
		default:
			return n, err
		}
	}
	return n, nil
}

// RetryEvidence fetches a pending piece of evidence again. It returns nil
// once the evidence is no longer pending (fetched, or the holding agency
// has no record), and an error while the inquiry still fails.
func (a *Applications) RetryEvidence(ctx context.Context, caseID int64, code string) error {
	const op = "apply.RetryEvidence"
	var f Fetched
	var tracking, applicant, service, state string
	err := a.s.Read().QueryRowContext(ctx, `SELECT c.tracking, c.applicant, c.service, e.name_fa, e.held_by, e.inquiry, e.state
		FROM apply_evidence e JOIN apply_cases c ON c.id = e.case_id WHERE e.case_id = $1 AND e.code = $2`, caseID, code).
		Scan(&tracking, &applicant, &service, &f.NameFa, &f.Agency, &f.Inquiry, &state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state != EvPending) {
		return nil
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	f.Code = code
	form := Form{Service: service}
	if svc, err := a.cat.Service(ctx, service); err == nil {
		form.TitleFa = svc.Record.TitleFa
	}
	got := a.fetch(ctx, applicant, purposeOf(form, tracking), f)
	err = a.s.InTx(ctx, func(tx *store.Tx) error {
		var agency string
		if err := tx.QueryRowContext(ctx, `SELECT agency FROM apply_cases WHERE id = $1`, caseID).Scan(&agency); err != nil {
			return errs.Wrap(op, err)
		}
		answer := ""
		if got.answer != nil {
			answer = string(got.answer)
		}
		res, err := tx.ExecContext(ctx, `UPDATE apply_evidence SET state = $1, message_id = $2, digest = $3, answer = $4, attempts = attempts + 1, updated_at = $5
			WHERE case_id = $6 AND code = $7 AND state = 'pending'`, got.state, got.messageID, got.digest, answer, a.clock(), caseID, code)
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNothingToDo
		}
		kind := evEvidence
		if got.state == EvPending {
			kind = evEvidencePending
		}
		_, err = tx.Append(ctx, store.Event{Kind: kind, Actor: "system", Agency: agency, Service: service, Subject: applicant},
			map[string]any{"tracking": tracking, "code": code, "state": got.state, "message_id": got.messageID})
		return err
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	if err != nil {
		return err
	}
	if got.state == EvPending {
		return errs.E(op, errs.Unavailable, "the inquiry "+f.Inquiry+" still fails", "استعلام هنوز پاسخ نمی‌گیرد")
	}
	return nil
}

package apply

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// How often the sweeps run. A case is flagged overdue, and pending evidence
// asked for again, at most this long after it is due.
const (
	deadlineSweep = time.Minute
	evidenceSweep = 30 * time.Second
)

// Evidence that an agency could not give is asked for again after a
// minute, then after twice as long each time, up to an hour, and at most
// maxEvidenceAttempts times in all. After the last attempt it stays
// pending and the case goes to the agency's staff: an
// apply.evidence.gave_up event says why, and a case.evidence_failed notice
// reaches the agency's inbox; the applicant's page says the same.
const maxEvidenceAttempts = 12

// evidenceBackoff is how long to wait after the attempts-th inquiry failed.
func evidenceBackoff(attempts int) time.Duration {
	return min(time.Minute<<min(max(attempts-1, 0), 6), time.Hour)
}

// deadlineArgs is the apply.deadline job, which River inserts every
// deadlineSweep: its worker flags every case past its deadline. (Older
// versions scheduled one per case, with CaseID; those still work.)
type deadlineArgs struct {
	CaseID int64 `json:"case_id,omitempty"`
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

// evidenceArgs is the apply.evidence job of older versions, one per piece
// of pending evidence; evidence is now found by the apply.evidence.due
// sweep. Jobs already queued still run.
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

// Work retries the inquiry; an error makes River try again later.
func (w *evidenceWorker) Work(ctx context.Context, j *river.Job[evidenceArgs]) error {
	return w.a.RetryEvidence(ctx, j.Args.CaseID, j.Args.Code)
}

// evidenceDueArgs is the apply.evidence.due job, which River inserts every
// evidenceSweep: its worker asks again for the pending evidence that is due.
type evidenceDueArgs struct{}

// Kind names the job.
func (evidenceDueArgs) Kind() string { return "apply.evidence.due" }

type evidenceDueWorker struct {
	river.WorkerDefaults[evidenceDueArgs]
	a *Applications
}

// Work retries the due evidence; one agency still failing is not the
// sweep's failure.
func (w *evidenceDueWorker) Work(ctx context.Context, j *river.Job[evidenceDueArgs]) error {
	_, err := w.a.RetryDueEvidence(ctx)
	if _, derr := w.a.DecideDue(ctx); err == nil {
		err = derr
	}
	return err
}

// RegisterWorkers adds apply's job workers and its periodic sweeps to the
// store. Call it once, before store.StartJobs.
func (a *Applications) RegisterWorkers() {
	river.AddWorker(a.s.Workers(), &deadlineWorker{a: a})
	river.AddWorker(a.s.Workers(), &evidenceWorker{a: a})
	river.AddWorker(a.s.Workers(), &evidenceDueWorker{a: a})
	a.s.Every(deadlineSweep, func() river.JobArgs { return deadlineArgs{} })
	a.s.Every(evidenceSweep, func() river.JobArgs { return evidenceDueArgs{} })
	if a.pay != nil {
		river.AddWorker(a.s.Workers(), &reconcileWorker{a: a})
		a.s.Every(reconcileEvery, func() river.JobArgs { return reconcileArgs{} })
	}
}

// RetryDueEvidence asks again for every piece of pending evidence whose
// next inquiry is due, oldest first, at most 500 in one call. It returns
// how many are no longer pending. Operators may run it by hand.
func (a *Applications) RetryDueEvidence(ctx context.Context) (int, error) {
	const op = "apply.RetryDueEvidence"
	rows, err := a.s.Read().QueryContext(ctx, `SELECT case_id, code FROM apply_evidence
		WHERE state = 'pending' AND next_at IS NOT NULL AND next_at <= $1 ORDER BY next_at LIMIT 500`, a.clock())
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	type due struct {
		caseID int64
		code   string
	}
	var all []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.caseID, &d.code); err != nil {
			rows.Close()
			return 0, errs.Wrap(op, err)
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(op, err)
	}
	n := 0
	for _, d := range all {
		switch err := a.RetryEvidence(ctx, d.caseID, d.code); {
		case err == nil:
			n++
		case errs.Is(err, errs.Unavailable):
			// still failing: its next_at has moved on
		default:
			return n, err
		}
	}
	return n, nil
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
			if err := tx.Append(ctx, store.Event{Kind: evOverdue, Actor: "system", Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
				map[string]any{"tracking": c.Tracking, "state": c.State, "deadline": c.Deadline}); err != nil {
				return err
			}
			return a.noticeTo(ctx, tx, notify.AgencyPrefix+c.Agency, "", "case.overdue", c.Tracking, c.TitleFa, map[string]string{"deadline": c.Deadline.Format(time.RFC3339)})
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
	var attempts int
	err := a.s.Read().QueryRowContext(ctx, `SELECT c.tracking, c.applicant, c.service, e.name_fa, e.held_by, e.inquiry, e.state, e.attempts
		FROM apply_evidence e JOIN apply_cases c ON c.id = e.case_id WHERE e.case_id = $1 AND e.code = $2`, caseID, code).
		Scan(&tracking, &applicant, &service, &f.NameFa, &f.Agency, &f.Inquiry, &state, &attempts)
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
	gaveUp := got.state == EvPending && attempts+1 >= maxEvidenceAttempts
	holder := f.Agency
	if gaveUp {
		if ag, err := a.cat.Agency(ctx, f.Agency); err == nil {
			holder = ag.NameFa
		}
	}
	err = a.s.InTx(ctx, func(tx *store.Tx) error {
		var agency, region string
		if err := tx.QueryRowContext(ctx, `SELECT agency, region FROM apply_cases WHERE id = $1`, caseID).Scan(&agency, &region); err != nil {
			return errs.Wrap(op, err)
		}
		answer := ""
		if got.answer != nil {
			answer = string(got.answer)
		}
		now := a.clock()
		// Still pending: the sweep asks again after the backoff, until the
		// attempts run out.
		var next sql.NullTime
		if got.state == EvPending && attempts+1 < maxEvidenceAttempts {
			next = sql.NullTime{Time: now.Add(evidenceBackoff(attempts + 1)), Valid: true}
		}
		res, err := tx.ExecContext(ctx, `UPDATE apply_evidence SET state = $1, message_id = $2, digest = $3, answer = $4, attempts = attempts + 1, updated_at = $5, next_at = $6
			WHERE case_id = $7 AND code = $8 AND state = 'pending' AND attempts = $9`, got.state, got.messageID, got.digest, answer, now, next, caseID, code, attempts)
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
		err = tx.Append(ctx, store.Event{Kind: kind, Actor: "system", Agency: agency, Service: service, Region: region, Subject: applicant},
			map[string]any{"tracking": tracking, "code": code, "state": got.state, "message_id": got.messageID})
		if err != nil || !gaveUp {
			return err
		}
		// The last attempt failed: the platform stops asking and hands the
		// case to the agency's staff, saying why.
		err = tx.Append(ctx, store.Event{Kind: evEvidenceGaveUp, Actor: "system", Agency: agency, Service: service, Region: region, Subject: applicant},
			map[string]any{"tracking": tracking, "code": code, "inquiry": f.Inquiry, "held_by": f.Agency, "attempts": attempts + 1,
				"reason": "the holding agency did not answer the inquiry " + f.Inquiry + " after " + strconv.Itoa(attempts+1) + " attempts"})
		if err != nil {
			return err
		}
		return a.noticeTo(ctx, tx, notify.AgencyPrefix+agency, "", "case.evidence_failed", tracking, form.TitleFa,
			map[string]string{"evidence": f.NameFa, "holder": holder})
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
	// The evidence arrived: with nothing else awaited, the service's rules
	// may decide now (decide.go).
	a.autoDecide(ctx, caseID)
	return nil
}

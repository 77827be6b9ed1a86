package apply

import (
	"context"
	"database/sql"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// Awaited is once-only evidence a case still waits for, as its applicant
// sees it: what, from which agency, since when, how often the platform has
// asked, and when it asks next. Evidence that does not come must be
// visible: a case whose evidence never arrives otherwise looks like one the
// agency is slow to decide.
type Awaited struct {
	Code     string     `json:"code"`
	NameFa   string     `json:"name_fa"`
	HeldBy   string     `json:"held_by"` // the holding agency's code
	Inquiry  string     `json:"inquiry"`
	Since    time.Time  `json:"since"` // first asked: at submission
	Attempts int        `json:"attempts"`
	NextAt   *time.Time `json:"next_at,omitempty"` // the next inquiry; nil once the platform stopped asking
}

// GaveUp reports whether the platform stopped asking after
// maxEvidenceAttempts and handed the case to the agency's staff.
func (w Awaited) GaveUp() bool { return w.NextAt == nil }

// awaitedOf is pending evidence e of case c as its applicant sees it; next
// is when the platform asks again (NULL once it stopped).
func awaitedOf(c Case, e Evidence, next sql.NullTime) Awaited {
	w := Awaited{Code: e.Code, NameFa: e.NameFa, HeldBy: e.HeldBy, Inquiry: e.Inquiry, Since: c.SubmittedAt, Attempts: e.Attempts}
	if next.Valid {
		t := next.Time.UTC()
		w.NextAt = &t
	}
	return w
}

// Backlog is, for one inquiry, how much once-only evidence of open cases
// has not arrived: still being asked for, and given up on (the agency's
// staff were told). It holds no personal data.
type Backlog struct {
	Inquiry  string `json:"inquiry"`
	HeldBy   string `json:"held_by"`
	Awaited  int    `json:"awaited"`
	GivenUp  int    `json:"given_up"`
	Attempts int    `json:"attempts"` // inquiries made for it so far, all failed
}

// EvidenceBacklog returns the once-only evidence of open cases that has not
// arrived, by inquiry, the most given up first: what the exchange's
// administrators must chase with the agencies. An inquiry that cannot even
// be resolved never reaches the exchange's message log, so this is where
// such failures are counted.
func (a *Applications) EvidenceBacklog(ctx context.Context) ([]Backlog, error) {
	const op = "apply.EvidenceBacklog"
	rows, err := a.s.Read().QueryContext(ctx, `SELECT e.inquiry, e.held_by,
		CAST(SUM(CASE WHEN e.next_at IS NULL THEN 0 ELSE 1 END) AS BIGINT), CAST(SUM(CASE WHEN e.next_at IS NULL THEN 1 ELSE 0 END) AS BIGINT),
		CAST(SUM(e.attempts) AS BIGINT)
		FROM apply_evidence e JOIN apply_cases c ON c.id = e.case_id
		WHERE e.state = 'pending' AND c.state IN ('submitted', 'in_review', 'needs_info')
		GROUP BY e.inquiry, e.held_by ORDER BY 4 DESC, 3 DESC, 1 LIMIT 500`)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Backlog
	for rows.Next() {
		var b Backlog
		if err := rows.Scan(&b.Inquiry, &b.HeldBy, &b.Awaited, &b.GivenUp, &b.Attempts); err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, b)
	}
	return out, errs.Wrap(op, rows.Err())
}

package apply

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// Feedback is the applicant's rating of a completed case.
type Feedback struct {
	Rating    int       `json:"rating"` // 1 to 5
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Complaint states: received → answered → closed.
const (
	ComplaintReceived = "received"
	ComplaintAnswered = "answered"
	ComplaintClosed   = "closed"
)

// Complaint is an applicant's complaint about a case, with its own code.
type Complaint struct {
	Code      string    `json:"code"` // "C" and eight digits, such as C4821-9137
	State     string    `json:"state"`
	Text      string    `json:"text"`
	Answer    string    `json:"answer,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// GiveFeedback records the applicant's rating (1–5) and comment of a
// completed case, once (errs.Conflict the second time, or before the case
// is complete).
func (a *Applications) GiveFeedback(ctx context.Context, p identity.Principal, tracking string, rating int, comment string) error {
	const op = "apply.GiveFeedback"
	comment = strings.TrimSpace(comment)
	if rating < 1 || rating > 5 {
		return &errs.Error{Op: op, Kind: errs.Invalid, En: "the rating must be from 1 to 5", Fa: "امتیاز باید از ۱ تا ۵ باشد",
			Fields: []errs.FieldError{{Field: "rating", En: "Choose from 1 to 5.", Fa: "از ۱ تا ۵ یکی را برگزینید."}}}
	}
	if utf8.RuneCountInString(comment) > maxText {
		return &errs.Error{Op: op, Kind: errs.Invalid, En: "the comment is too long", Fa: "نظر بیش از اندازه بلند است",
			Fields: []errs.FieldError{{Field: "comment", En: "At most 2000 characters.", Fa: "حداکثر ۲۰۰۰ نویسه."}}}
	}
	return a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		if !isApplicant(p, c) {
			return caseNotFound(op)
		}
		if !c.State.Complete() {
			return errs.E(op, errs.Conflict, "feedback is welcome once the case is complete", "پس از پایان کار پرونده می‌توانید نظر بدهید")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_feedback WHERE case_id = $1`, c.ID).Scan(&n); err != nil {
			return errs.Wrap(op, err)
		}
		if n > 0 {
			return errs.E(op, errs.Conflict, "you have already rated this case", "پیش‌تر به این پرونده امتیاز داده‌اید")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_feedback (case_id, rating, comment, created_at) VALUES ($1, $2, $3, $4)`,
			c.ID, rating, comment, a.clock()); err != nil {
			return errs.Wrap(op, err)
		}
		// The comment stays out of the event: it may hold personal data.
		err = tx.Append(ctx, store.Event{Kind: evFeedback, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
			map[string]any{"tracking": c.Tracking, "rating": rating, "commented": comment != ""})
		return err
	})
}

func (a *Applications) feedback(ctx context.Context, caseID int64) (*Feedback, error) {
	var f Feedback
	err := a.s.Read().QueryRowContext(ctx, `SELECT rating, comment, created_at FROM apply_feedback WHERE case_id = $1`, caseID).
		Scan(&f.Rating, &f.Comment, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap("apply.feedback", err)
	}
	return &f, nil
}

// newComplaintCode returns "C" and eight random digits, grouped.
func newComplaintCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	s := leftPad(n.String(), 8)
	return "C" + s[:4] + "-" + s[4:]
}

// Complain files the applicant's complaint about case tracking. The agency
// is told and answers it (AnswerComplaint); the applicant closes it.
func (a *Applications) Complain(ctx context.Context, p identity.Principal, tracking, text string) (Complaint, error) {
	const op = "apply.Complain"
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxText {
		return Complaint{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "write your complaint (at most 2000 characters)", Fa: "شکایت خود را بنویسید (حداکثر ۲۰۰۰ نویسه)",
			Fields: []errs.FieldError{{Field: "text", En: "Write your complaint.", Fa: "متن شکایت را بنویسید."}}}
	}
	var out Complaint
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		if !isApplicant(p, c) {
			return caseNotFound(op)
		}
		now := a.clock()
		out = Complaint{Code: newComplaintCode(), State: ComplaintReceived, Text: text, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_complaints (code, case_id, state, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			out.Code, c.ID, out.State, text, now); err != nil {
			return errs.Wrap(op, err)
		}
		if err := tx.Append(ctx, store.Event{Kind: evComplaint, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
			map[string]any{"tracking": c.Tracking, "complaint": out.Code}); err != nil {
			return err
		}
		return a.noticeTo(ctx, tx, c.Applicant, c.Data["phone"], "complaint.received", c.Tracking, c.TitleFa, map[string]string{"complaint": out.Code})
	})
	return out, err
}

// AnswerComplaint records the competent agency's answer to a received
// complaint and tells the applicant.
func (a *Applications) AnswerComplaint(ctx context.Context, p identity.Principal, tracking, code, answer string) error {
	return a.moveComplaint(ctx, "apply.AnswerComplaint", p, tracking, code, ComplaintReceived, ComplaintAnswered, strings.TrimSpace(answer))
}

// CloseComplaint closes an answered complaint; the applicant does it.
func (a *Applications) CloseComplaint(ctx context.Context, p identity.Principal, tracking, code string) error {
	return a.moveComplaint(ctx, "apply.CloseComplaint", p, tracking, code, ComplaintAnswered, ComplaintClosed, "")
}

func (a *Applications) moveComplaint(ctx context.Context, op string, p identity.Principal, tracking, code, from, to, answer string) error {
	if to == ComplaintAnswered && (answer == "" || utf8.RuneCountInString(answer) > maxText) {
		return &errs.Error{Op: op, Kind: errs.Invalid, En: "write the answer (at most 2000 characters)", Fa: "پاسخ را بنویسید (حداکثر ۲۰۰۰ نویسه)",
			Fields: []errs.FieldError{{Field: "answer", En: "Write the answer.", Fa: "متن پاسخ را بنویسید."}}}
	}
	return a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		if to == ComplaintAnswered && !isAgency(p, c.Agency) {
			return errs.E(op, errs.Forbidden, "only the competent agency answers complaints", "تنها دستگاه مسئول به شکایت پاسخ می‌دهد")
		}
		if to == ComplaintClosed && !isApplicant(p, c) {
			return errs.E(op, errs.Forbidden, "only the applicant closes a complaint", "تنها متقاضی شکایت را می‌بندد")
		}
		var state string
		err = tx.QueryRowContext(ctx, `SELECT state FROM apply_complaints WHERE code = $1 AND case_id = $2`, code, c.ID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf(op, "complaint "+code, "شکایت")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		if state != from {
			return errs.E(op, errs.Conflict, "the complaint is "+state, "شکایت در این وضعیت نیست")
		}
		now := a.clock()
		q := `UPDATE apply_complaints SET state = $1, updated_at = $2 WHERE code = $3`
		args := []any{to, now, code}
		if answer != "" {
			q = `UPDATE apply_complaints SET state = $1, updated_at = $2, answer = $4 WHERE code = $3`
			args = append(args, answer)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return errs.Wrap(op, err)
		}
		kind := evComplaintAnswer
		if to == ComplaintClosed {
			kind = evComplaintClosed
		}
		if err := tx.Append(ctx, store.Event{Kind: kind, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
			map[string]any{"tracking": c.Tracking, "complaint": code}); err != nil {
			return err
		}
		if to == ComplaintAnswered {
			return a.noticeTo(ctx, tx, c.Applicant, c.Data["phone"], "complaint.answered", c.Tracking, c.TitleFa, map[string]string{"complaint": code})
		}
		return nil
	})
}

func (a *Applications) complaints(ctx context.Context, caseID int64) ([]Complaint, error) {
	rows, err := a.s.Read().QueryContext(ctx, `SELECT code, state, text, answer, created_at, updated_at FROM apply_complaints
		WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, errs.Wrap("apply.complaints", err)
	}
	defer rows.Close()
	var out []Complaint
	for rows.Next() {
		var c Complaint
		if err := rows.Scan(&c.Code, &c.State, &c.Text, &c.Answer, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, errs.Wrap("apply.complaints", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

package apply

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// PaymentProvider is a payment service (a bank's gateway, or the sandbox).
// The platform starts a payment and sends the citizen's browser to the
// provider; the provider later tells the platform the outcome by calling
// the platform's callback endpoint server to server. Only that callback,
// authenticated by Verify, confirms a payment: the browser coming back
// proves nothing.
type PaymentProvider interface {
	// Name is the provider's stable name, stored with each payment.
	Name() string
	// Start registers payment p with the provider and returns the URL to
	// send the citizen's browser to.
	Start(ctx context.Context, p Payment) (redirect string, err error)
	// Verify authenticates a callback's header and body and reads it; a
	// forged or malformed callback is errs.Forbidden or errs.Invalid.
	Verify(h http.Header, body []byte) (Callback, error)
	// Records returns the provider's records of payments, for Reconcile.
	Records(ctx context.Context) ([]ProviderRecord, error)
}

// Payment states.
const (
	PayPending   = "pending"
	PayPaid      = "paid"
	PayCancelled = "cancelled"
)

// Payment is one attempt to pay a case's fee.
type Payment struct {
	ID        string    `json:"id"`
	Tracking  string    `json:"tracking"`
	Provider  string    `json:"provider"`
	Amount    int64     `json:"amount_rials"`
	State     string    `json:"state"`
	ReturnURL string    `json:"-"` // where the provider sends the browser back
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Callback is what a provider tells the platform about a payment.
type Callback struct {
	ID      string    `json:"callback_id"` // unique per callback: a replay carries the same id
	Payment string    `json:"payment"`
	State   string    `json:"state"` // paid or cancelled
	Amount  int64     `json:"amount"`
	At      time.Time `json:"at"`
}

// ProviderRecord is the provider's view of one payment.
type ProviderRecord struct {
	Payment string
	Amount  int64
	State   string
}

func randomID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// StartPayment starts paying the fee of p's case tracking and returns the
// URL of the provider's page. Only the applicant pays; a case with no fee,
// or one already paid or closed, is errs.Conflict.
func (a *Applications) StartPayment(ctx context.Context, p identity.Principal, tracking string) (string, error) {
	const op = "apply.StartPayment"
	if a.pay == nil {
		return "", errs.E(op, errs.Unavailable, "payments are not available on this server", "پرداخت در این سامانه فعال نیست")
	}
	var pay Payment
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		if !isApplicant(p, c) {
			return caseNotFound(op)
		}
		switch {
		case c.FeeRials <= 0:
			return errs.E(op, errs.Conflict, "this service has no fee", "این خدمت هزینه‌ای ندارد")
		case c.Paid:
			return errs.E(op, errs.Conflict, "the fee is already paid", "هزینه پیش‌تر پرداخت شده است")
		case !c.Open():
			return errs.E(op, errs.Conflict, "the case is closed", "پرونده بسته شده است")
		}
		now := a.clock()
		pay = Payment{ID: randomID("pay_"), Tracking: c.Tracking, Provider: a.pay.Name(), Amount: c.FeeRials, State: PayPending,
			ReturnURL: a.url + "/me/cases/" + c.Tracking + "/payment", CreatedAt: now, UpdatedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_payments (id, case_id, provider, amount, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, pay.ID, c.ID, pay.Provider, pay.Amount, pay.State, now); err != nil {
			return errs.Wrap(op, err)
		}
		err = tx.Append(ctx, store.Event{Kind: evPayStarted, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
			map[string]any{"tracking": c.Tracking, "payment": pay.ID, "amount": pay.Amount, "provider": pay.Provider})
		return err
	})
	if err != nil {
		return "", err
	}
	// The provider is called after our record commits: a provider that
	// answers slowly never holds the database.
	return a.pay.Start(ctx, pay)
}

// PaymentCallback handles a provider's callback: it authenticates it
// (errs.Forbidden when forged), and confirms or cancels the payment once.
// A replayed callback changes nothing and is not an error, so the provider
// stops retrying.
func (a *Applications) PaymentCallback(ctx context.Context, h http.Header, body []byte) error {
	const op = "apply.PaymentCallback"
	if a.pay == nil {
		return errs.E(op, errs.Unavailable, "payments are not available on this server", "پرداخت در این سامانه فعال نیست")
	}
	cb, err := a.pay.Verify(h, body)
	if err != nil {
		return err
	}
	if cb.State != PayPaid && cb.State != PayCancelled {
		return errs.E(op, errs.Invalid, "unknown payment state", "وضعیت پرداخت ناشناخته است")
	}
	err = a.s.InTx(ctx, func(tx *store.Tx) error {
		var seen int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_payment_callbacks WHERE provider = $1 AND callback_id = $2`,
			a.pay.Name(), cb.ID).Scan(&seen); err != nil {
			return errs.Wrap(op, err)
		}
		if seen > 0 {
			return store.ErrNothingToDo
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO apply_payment_callbacks (provider, callback_id, payment, at) VALUES ($1, $2, $3, $4)`,
			a.pay.Name(), cb.ID, cb.Payment, a.clock()); err != nil {
			return errs.Wrap(op, err)
		}
		return a.settle(ctx, tx, op, "system", cb.Payment, cb.State, cb.Amount, evPayConfirmed)
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	if err == nil && cb.State == PayPaid {
		a.afterPayment(ctx, cb.Payment)
	}
	return err
}

// afterPayment lets the rules decide the case whose fee payment id settled
// (decide.go): an automatic approval waits for the fee.
func (a *Applications) afterPayment(ctx context.Context, payment string) {
	if a.rl == nil {
		return
	}
	var caseID int64
	if err := a.s.Read().QueryRowContext(ctx, `SELECT case_id FROM apply_payments WHERE id = $1`, payment).Scan(&caseID); err == nil {
		a.autoDecide(ctx, caseID)
	}
}

// settle moves payment id from pending to state and, when paid, marks its
// case paid; it appends kind. A payment already settled is left alone
// (store.ErrNothingToDo); an amount that differs from ours is errs.Invalid.
func (a *Applications) settle(ctx context.Context, tx *store.Tx, op, actor, id, state string, amount int64, kind string) error {
	var caseID, want int64
	var cur string
	q := `SELECT case_id, amount, state FROM apply_payments WHERE id = $1`
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	err := tx.QueryRowContext(ctx, q, id).Scan(&caseID, &want, &cur)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundf(op, "payment "+id, "پرداخت")
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	if amount != want {
		return errs.E(op, errs.Invalid, "the amount paid differs from the fee", "مبلغ پرداخت‌شده با هزینهٔ خدمت یکی نیست")
	}
	if cur != PayPending {
		return store.ErrNothingToDo
	}
	now := a.clock()
	if _, err := tx.ExecContext(ctx, `UPDATE apply_payments SET state = $1, updated_at = $2 WHERE id = $3`, state, now, id); err != nil {
		return errs.Wrap(op, err)
	}
	c, err := a.caseByID(ctx, tx, caseID)
	if err != nil {
		return err
	}
	if state == PayPaid {
		if _, err := tx.ExecContext(ctx, `UPDATE apply_cases SET paid = 1, updated_at = $1 WHERE id = $2`, now, caseID); err != nil {
			return errs.Wrap(op, err)
		}
	}
	if err := tx.Append(ctx, store.Event{Kind: kind, Actor: actor, Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
		map[string]any{"tracking": c.Tracking, "payment": id, "state": state, "amount": amount}); err != nil {
		return err
	}
	if state == PayPaid {
		return a.noticeTo(ctx, tx, c.Applicant, c.Data["phone"], "payment.confirmed", c.Tracking, c.TitleFa, map[string]string{"amount": strconv.FormatInt(amount, 10)})
	}
	return nil
}

func (a *Applications) caseByID(ctx context.Context, tx *store.Tx, id int64) (Case, error) {
	c, err := scanCase(tx.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM apply_cases WHERE id = $1`, id))
	if err != nil {
		return Case{}, errs.Wrap("apply.case", err)
	}
	a.titles(ctx, &c)
	return c, nil
}

// Payment returns payment id of p's case tracking, as it stands: the page
// the browser returns to shows it, and changes nothing.
func (a *Applications) Payment(ctx context.Context, p identity.Principal, tracking, id string) (Payment, error) {
	const op = "apply.Payment"
	c, err := a.loadCase(ctx, a.s.Read(), op, p, tracking, false)
	if err != nil {
		return Payment{}, err
	}
	list, err := a.payments(ctx, c.ID)
	if err != nil {
		return Payment{}, err
	}
	for _, pay := range list {
		if pay.ID == id {
			pay.Tracking = c.Tracking
			return pay, nil
		}
	}
	return Payment{}, errs.NotFoundf(op, "payment", "پرداخت")
}

func (a *Applications) payments(ctx context.Context, caseID int64) ([]Payment, error) {
	rows, err := a.s.Read().QueryContext(ctx, `SELECT id, provider, amount, state, created_at, updated_at FROM apply_payments
		WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, errs.Wrap("apply.payments", err)
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var p Payment
		if err := rows.Scan(&p.ID, &p.Provider, &p.Amount, &p.State, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, errs.Wrap("apply.payments", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Difference is one disagreement Reconcile found between the provider's
// records and ours.
type Difference struct {
	Payment  string `json:"payment"`
	Ours     string `json:"ours"`    // our state, "" when we have no such payment
	Theirs   string `json:"theirs"`  // the provider's state, "" when it has none
	Amount   bool   `json:"amount"`  // the amounts differ
	Fixed    bool   `json:"fixed"`   // Reconcile settled it from the provider's record
	Problem  string `json:"problem"` // what is wrong, in English
	ProblemF string `json:"problem_fa"`
}

// Reconcile compares the provider's records with ours. A payment the
// provider settled while we still wait (its callback was lost) is settled
// from the provider's record, with an apply.payment.reconciled event; every
// other difference (unknown payments, differing amounts, a payment we
// think paid that the provider does not) is reported for people to look at.
func (a *Applications) Reconcile(ctx context.Context) ([]Difference, error) {
	const op = "apply.Reconcile"
	if a.pay == nil {
		return nil, errs.E(op, errs.Unavailable, "payments are not available on this server", "پرداخت در این سامانه فعال نیست")
	}
	theirs, err := a.pay.Records(ctx)
	if err != nil {
		return nil, err
	}
	type ours struct {
		state  string
		amount int64
	}
	mine := map[string]ours{}
	rows, err := a.s.Read().QueryContext(ctx, `SELECT id, state, amount FROM apply_payments WHERE provider = $1`, a.pay.Name())
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	for rows.Next() {
		var id string
		var o ours
		if err := rows.Scan(&id, &o.state, &o.amount); err != nil {
			rows.Close()
			return nil, errs.Wrap(op, err)
		}
		mine[id] = o
	}
	rows.Close()
	var diffs []Difference
	seen := map[string]bool{}
	for _, r := range theirs {
		seen[r.Payment] = true
		o, ok := mine[r.Payment]
		switch {
		case !ok:
			diffs = append(diffs, Difference{Payment: r.Payment, Theirs: r.State, Problem: "the provider has a payment we do not know",
				ProblemF: "درگاه پرداختی دارد که در سامانه نیست"})
		case o.amount != r.Amount:
			diffs = append(diffs, Difference{Payment: r.Payment, Ours: o.state, Theirs: r.State, Amount: true,
				Problem: "the amounts differ", ProblemF: "مبلغ‌ها یکی نیستند"})
		case o.state == r.State:
		case o.state == PayPending && (r.State == PayPaid || r.State == PayCancelled):
			err := a.s.InTx(ctx, func(tx *store.Tx) error {
				return a.settle(ctx, tx, op, "system", r.Payment, r.State, r.Amount, evPayReconciled)
			})
			if err != nil && !errors.Is(err, store.ErrNothingToDo) {
				return diffs, err
			}
			if err == nil && r.State == PayPaid {
				a.afterPayment(ctx, r.Payment)
			}
			diffs = append(diffs, Difference{Payment: r.Payment, Ours: o.state, Theirs: r.State, Fixed: true,
				Problem: "the provider's callback never came; settled from its record", ProblemF: "پاسخ درگاه نرسیده بود؛ از روی سابقهٔ درگاه تسویه شد"})
		default:
			diffs = append(diffs, Difference{Payment: r.Payment, Ours: o.state, Theirs: r.State,
				Problem: "the states disagree", ProblemF: "وضعیت‌ها با هم نمی‌خوانند"})
		}
	}
	for id, o := range mine {
		if !seen[id] {
			diffs = append(diffs, Difference{Payment: id, Ours: o.state, Problem: "the provider has no record of this payment",
				ProblemF: "درگاه سابقه‌ای از این پرداخت ندارد"})
		}
	}
	return diffs, nil
}

package apply

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// reconcileEvery is how often the payments are reconciled with the
// provider's records.
const reconcileEvery = 10 * time.Minute

// evPayMismatch records one difference between the provider's records and
// ours, once: the platform admin reads them on /admin/payments.
const evPayMismatch = "apply.payment.mismatch"

// reconcileArgs is the apply.payments.reconcile job, which River inserts
// every reconcileEvery when a payment provider is configured.
type reconcileArgs struct{}

// Kind names the job.
func (reconcileArgs) Kind() string { return "apply.payments.reconcile" }

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	a *Applications
}

// Work reconciles; it is idempotent.
func (w *reconcileWorker) Work(ctx context.Context, j *river.Job[reconcileArgs]) error {
	_, err := w.a.ReconcilePayments(ctx)
	return err
}

// Mismatch is a difference Reconcile found, as recorded.
type Mismatch struct {
	At time.Time `json:"at"`
	Difference
}

// mismatchKey is what makes two differences the same one.
func mismatchKey(d Difference) string {
	return d.Payment + "|" + d.Ours + "|" + d.Theirs + "|" + map[bool]string{true: "amount"}[d.Amount] + "|" + map[bool]string{true: "fixed"}[d.Fixed]
}

// ReconcilePayments runs Reconcile and records each difference it finds
// as an apply.payment.mismatch event, once: a difference already recorded
// is not recorded again. It returns the differences recorded now. The
// periodic job runs it; operators may run it by hand.
func (a *Applications) ReconcilePayments(ctx context.Context) ([]Difference, error) {
	const op = "apply.ReconcilePayments"
	diffs, err := a.Reconcile(ctx)
	if err != nil {
		return nil, err
	}
	if len(diffs) == 0 {
		return nil, nil
	}
	known, err := a.mismatches(ctx, op)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, m := range known {
		seen[mismatchKey(m.Difference)] = true
	}
	var fresh []Difference
	for _, d := range diffs {
		if !seen[mismatchKey(d)] {
			seen[mismatchKey(d)] = true
			fresh = append(fresh, d)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	err = a.s.InTx(ctx, func(tx *store.Tx) error {
		for _, d := range fresh {
			if err := tx.Append(ctx, store.Event{Kind: evPayMismatch, Actor: "system"}, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return fresh, nil
}

// mismatches reads the recorded differences, oldest first.
func (a *Applications) mismatches(ctx context.Context, op string) ([]Mismatch, error) {
	var out []Mismatch
	var after int64
	for {
		evs, err := a.s.Events(ctx, store.EventFilter{KindPrefix: evPayMismatch, AfterID: after, Limit: 10000})
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		for _, ev := range evs {
			m := Mismatch{At: ev.At}
			if json.Unmarshal(ev.Payload, &m.Difference) == nil {
				out = append(out, m)
			}
			after = ev.ID
		}
		if len(evs) < 10000 {
			return out, nil
		}
	}
}

// PaymentMismatches returns every difference reconciliation has recorded,
// newest first. Only platform admins see them.
func (a *Applications) PaymentMismatches(ctx context.Context, p identity.Principal) ([]Mismatch, error) {
	const op = "apply.PaymentMismatches"
	if !p.Has(identity.RolePlatformAdmin) {
		return nil, errs.E(op, errs.Forbidden, "only platform admins see the payments' reconciliation",
			"تنها مدیران سامانه مغایرت‌های پرداخت را می‌بینند")
	}
	out, err := a.mismatches(ctx, op)
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

// PaymentsReconciled reports whether a payment provider is configured, so
// that reconciliation runs at all.
func (a *Applications) PaymentsReconciled() bool { return a.pay != nil }

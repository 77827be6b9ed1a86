package apply_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// startPayment starts paying Ali's case and returns the payment id.
func (f *fixture) startPayment(t *testing.T, tracking string) string {
	t.Helper()
	u, err := f.app.StartPayment(context.Background(), ali, tracking)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(u, "/sandbox/pay/")
	if i < 0 {
		t.Fatalf("redirect %q", u)
	}
	return u[i+len("/sandbox/pay/"):]
}

// mustPay pays Ali's case through the sandbox and delivers the callback.
func (f *fixture) mustPay(t *testing.T, tracking string) {
	t.Helper()
	ctx := context.Background()
	id := f.startPayment(t, tracking)
	body, err := f.sandbox.Settle(ctx, id, apply.PayPaid)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{apply.SandboxSignature: {f.sandbox.Sign(body)}}
	if err := f.app.PaymentCallback(ctx, h, body); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) paid(t *testing.T, tracking string) bool {
	t.Helper()
	c, err := f.app.Case(context.Background(), ali, tracking)
	if err != nil {
		t.Fatal(err)
	}
	return c.Paid
}

// TestPayments: only the provider's signed callback confirms a payment; a
// forged one is refused, a replayed one changes nothing, and the browser
// coming back proves nothing.
func TestPayments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		c := f.mustSubmitPermit(t, ali)
		if _, err := f.app.StartPayment(ctx, maryam, c.Tracking); !errs.Is(err, errs.NotFound) {
			t.Errorf("Maryam pays Ali's fee: %v", err)
		}
		plain := f.mustSubmitPlain(t, ali)
		if _, err := f.app.StartPayment(ctx, ali, plain.Tracking); !errs.Is(err, errs.Conflict) {
			t.Errorf("paying a free service: %v", err)
		}
		id := f.startPayment(t, c.Tracking)

		// The browser returns without any callback: still unpaid.
		pay, err := f.app.Payment(ctx, ali, c.Tracking, id)
		if err != nil || pay.State != apply.PayPending || f.paid(t, c.Tracking) {
			t.Fatalf("after the browser's return: %+v %v", pay, err)
		}
		// A forged callback: a body the sandbox never signed.
		forged, _ := json.Marshal(apply.Callback{ID: "cb_forged", Payment: id, State: apply.PayPaid, Amount: c.FeeRials, At: s.Now()})
		for _, sig := range []string{"", "00", f.sandbox.Sign([]byte("something else"))} {
			err := f.app.PaymentCallback(ctx, http.Header{apply.SandboxSignature: {sig}}, forged)
			if !errs.Is(err, errs.Forbidden) {
				t.Errorf("forged callback (sig %q): %v", sig, err)
			}
		}
		if f.paid(t, c.Tracking) {
			t.Fatal("a forged callback confirmed the payment")
		}
		// A stale one, correctly signed, is refused too.
		stale, _ := json.Marshal(apply.Callback{ID: "cb_stale", Payment: id, State: apply.PayPaid, Amount: c.FeeRials, At: s.Now().Add(-time.Hour)})
		if err := f.app.PaymentCallback(ctx, http.Header{apply.SandboxSignature: {f.sandbox.Sign(stale)}}, stale); !errs.Is(err, errs.Forbidden) {
			t.Errorf("stale callback: %v", err)
		}
		// The real one, delivered over HTTP to an endpoint like the API's.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := f.app.PaymentCallback(r.Context(), r.Header, body); err != nil {
				http.Error(w, err.Error(), errs.StatusOf(errs.KindOf(err)))
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		body, err := f.sandbox.Settle(ctx, id, apply.PayPaid)
		if err != nil {
			t.Fatal(err)
		}
		post := func() int {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(string(body)))
			req.Header.Set(apply.SandboxSignature, f.sandbox.Sign(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := post(); code != http.StatusNoContent || !f.paid(t, c.Tracking) {
			t.Fatalf("callback: %d, paid %v", code, f.paid(t, c.Tracking))
		}
		events := count(t, s, `SELECT COUNT(*) FROM events WHERE kind LIKE 'apply.payment.%'`)
		// Replayed: accepted, but nothing changes.
		if code := post(); code != http.StatusNoContent {
			t.Errorf("replay answered %d", code)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events WHERE kind LIKE 'apply.payment.%'`); n != events {
			t.Errorf("a replay appended %d events", n-events)
		}
		// A paid case cannot be paid again; the applicant was told.
		if _, err := f.app.StartPayment(ctx, ali, c.Tracking); !errs.Is(err, errs.Conflict) {
			t.Errorf("paying twice: %v", err)
		}
		inbox, _ := f.notes.Inbox(ctx, ali.NationalCode)
		if len(inbox) == 0 || inbox[0].Template != "payment.confirmed" {
			t.Errorf("inbox %+v", inbox)
		}
	}, sets...)
}

// TestReconcile: a payment whose callback was lost is settled from the
// provider's records, and other differences are reported.
func TestReconcile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		lost := f.mustSubmitPermit(t, ali)
		id := f.startPayment(t, lost.Tracking)
		if _, err := f.sandbox.Settle(ctx, id, apply.PayPaid); err != nil { // the callback never arrives
			t.Fatal(err)
		}
		waiting := f.mustSubmitPermit(t, ali)
		f.startPayment(t, waiting.Tracking) // not paid at the bank either: no difference
		// A payment we think paid that the bank does not know.
		orphan := f.mustSubmitPermit(t, ali)
		f.mustPay(t, orphan.Tracking)
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM apply_sandbox_payments WHERE state = 'paid' AND id NOT IN (SELECT id FROM apply_payments WHERE state = 'pending')`); err != nil {
			t.Fatal(err)
		}
		if f.paid(t, lost.Tracking) {
			t.Fatal("paid before reconciliation")
		}
		diffs, err := f.app.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var fixed, reported int
		for _, d := range diffs {
			switch {
			case d.Fixed && d.Payment == id:
				fixed++
			case !d.Fixed && d.Ours == apply.PayPaid && d.Theirs == "":
				reported++
			default:
				t.Errorf("unexpected difference %+v", d)
			}
		}
		if fixed != 1 || reported != 1 {
			t.Errorf("differences %+v", diffs)
		}
		if !f.paid(t, lost.Tracking) {
			t.Error("reconciliation did not settle the lost callback")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.payment.reconciled'`); n != 1 {
			t.Errorf("%d reconciled events", n)
		}
		// Again: the fixed one is no longer a difference.
		diffs, _ = f.app.Reconcile(ctx)
		if len(diffs) != 1 {
			t.Errorf("second run %+v", diffs)
		}
	}, sets...)
}

// TestReconcileJob: reconciliation runs as River's periodic job, without
// anyone calling it (nothing did before); each difference it finds is
// recorded once as an apply.payment.mismatch event, which platform admins
// alone read back.
func TestReconcileJob(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		lost := f.mustSubmitPermit(t, ali)
		id := f.startPayment(t, lost.Tracking)
		if _, err := f.sandbox.Settle(ctx, id, apply.PayPaid); err != nil { // the callback never arrives
			t.Fatal(err)
		}
		orphan := f.mustSubmitPermit(t, ali)
		f.mustPay(t, orphan.Tracking)
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM apply_sandbox_payments WHERE state = 'paid' AND id NOT IN (SELECT id FROM apply_payments WHERE state = 'pending')`); err != nil {
			t.Fatal(err)
		}
		f.app.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		deadline := time.Now().Add(30 * time.Second)
		for count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.payment.mismatch'`) < 2 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if !f.paid(t, lost.Tracking) {
			t.Error("the periodic job did not settle the lost callback")
		}
		// By hand, again: nothing new is recorded.
		if fresh, err := f.app.ReconcilePayments(ctx); err != nil || len(fresh) != 0 {
			t.Errorf("a second run recorded %+v (%v)", fresh, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.payment.mismatch'`); n != 2 {
			t.Errorf("%d mismatch events, want 2", n)
		}
		if _, err := f.app.PaymentMismatches(ctx, officer); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an agency operator reads the mismatches: %v", err)
		}
		ms, err := f.app.PaymentMismatches(ctx, identity.System)
		if err != nil || len(ms) != 2 {
			t.Fatalf("mismatches %+v %v", ms, err)
		}
		var fixed, orphaned int
		for _, m := range ms {
			switch {
			case m.Fixed && m.Payment == id && m.Theirs == apply.PayPaid:
				fixed++
			case !m.Fixed && m.Ours == apply.PayPaid && m.Theirs == "" && m.ProblemF != "":
				orphaned++
			}
		}
		if fixed != 1 || orphaned != 1 {
			t.Errorf("mismatches %+v", ms)
		}
	}, sets...)
}

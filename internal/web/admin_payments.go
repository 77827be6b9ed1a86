package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// The platform admin's view of payment reconciliation: every difference
// the periodic job (apply.payments.reconcile) found between the payment
// provider's records and ours, newest first, and a button to run it now.

// adminPaymentsView is the data of /admin/payments.
type adminPaymentsView struct {
	Mismatches []apply.Mismatch
	Provider   bool // a payment provider is configured, so reconciliation runs
	Ran        bool // just run by hand
}

// platformAdminPage checks that a platform admin asks; it redirects to
// sign-in when nobody is signed in (done is then true).
func platformAdminPage(rw http.ResponseWriter, r *http.Request, op string) (identity.Principal, bool, error) {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := identity.Require(r.Context(), identity.RolePlatformAdmin)
	switch {
	case errs.Is(err, errs.Unauthorized):
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return p, true, nil
	case err != nil:
		return p, false, errs.E(op, errs.Forbidden, "This page is for the platform's administrators.", "این صفحه ویژهٔ مدیران سامانه است.")
	}
	return p, false, nil
}

// adminPayments lists the differences reconciliation found.
func (w *Web) adminPayments(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := platformAdminPage(rw, r, "web.adminPayments")
	if done || err != nil {
		return err
	}
	if w.ap == nil {
		return errNoApply
	}
	ms, err := w.ap.PaymentMismatches(r.Context(), p)
	if err != nil {
		return err
	}
	v := adminPaymentsView{Mismatches: ms, Provider: w.ap.PaymentsReconciled(), Ran: r.URL.Query().Get("ran") == "1"}
	return w.render(rw, r, http.StatusOK, "admin_payments", translate(langOf(r), "adminpay.title"), "", v)
}

// reconcilePayments runs reconciliation now, as the periodic job would.
func (w *Web) reconcilePayments(rw http.ResponseWriter, r *http.Request) error {
	_, done, err := platformAdminPage(rw, r, "web.reconcilePayments")
	if done || err != nil {
		return err
	}
	if w.ap == nil {
		return errNoApply
	}
	if _, err := w.ap.ReconcilePayments(r.Context()); err != nil {
		return err
	}
	http.Redirect(rw, r, "/admin/payments?ran=1", http.StatusSeeOther)
	return nil
}

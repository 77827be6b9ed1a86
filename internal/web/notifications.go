package web

import (
	"net/http"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
)

// The "how notices reach you" section of the profile page, and the page a
// link confirming an email address opens. That page only asks: the address
// is confirmed by its button's POST, so a mail scanner that follows the
// link confirms nothing, and the global cross-origin protection refuses a
// POST from another site.

// noticesView is the notifications section of the profile page.
type noticesView struct {
	Chosen       bool
	SMS, Email   bool
	Address      string // what the address field shows
	Confirmed    string // the confirmed address, or ""
	Pending      string // the address waiting for its link, or ""
	PendingUntil string // when that link stops working
	Saved        bool   // just saved (?saved=1)
	Error        string // why the address was refused
}

// noticesData reads p's choice, or returns nil without a notifier or for
// someone without a national code.
func (w *Web) noticesData(r *http.Request, p identity.Principal) (*noticesView, error) {
	if w.notes == nil || p.NationalCode == "" {
		return nil, nil
	}
	c, err := w.notes.Choice(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v := &noticesView{Chosen: c.Chosen, SMS: c.SMS, Email: c.Email, Confirmed: c.Address, Pending: c.Pending,
		Address: c.Address, Saved: r.URL.Query().Get("saved") == "1"}
	if c.Pending != "" {
		v.Address = c.Pending
		if c.PendingExpiresAt != nil {
			v.PendingUntil = dateTimeIn(langOf(r), *c.PendingExpiresAt)
		}
	}
	return v, nil
}

// saveNotices records the citizen's channels and address. An address that
// does not parse, or another address given just after one, shows the page
// again with what was typed and why, and changes nothing.
func (w *Web) saveNotices(rw http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil || w.id == nil {
		http.Redirect(rw, r, "/signin?next=/me", http.StatusSeeOther)
		return nil
	}
	if w.notes == nil {
		return errs.E("web.saveNotices", errs.Unavailable, "notices are not available on this server", "پیام‌ها در این سامانه فعال نیست")
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return errs.E("web.saveNotices", errs.Invalid, "the form could not be read", "فرم خوانده نشد")
	}
	req := notify.ChoiceRequest{SMS: r.PostForm.Get("sms") == "on", Email: r.PostForm.Get("email") == "on",
		Address: strings.TrimSpace(r.PostForm.Get("address"))}
	if _, err := w.notes.Choose(r.Context(), p, req); err != nil {
		if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.RateLimited) {
			return err
		}
		v, verr := w.meData(r, p)
		if verr != nil {
			return verr
		}
		v.Notices.SMS, v.Notices.Email, v.Notices.Address = req.SMS, req.Email, req.Address
		fa, en := errs.Messages(err)
		v.Notices.Error = pickText(langOf(r), fa, en)
		return w.renderMe(rw, r, errs.StatusOf(errs.KindOf(err)), v)
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/me?saved=1#notifications", http.StatusSeeOther)
	return nil
}

// confirmView is the data of the confirmation page.
type confirmView struct {
	Token   string
	Address string // masked
	Done    bool
}

// confirmEmailPage asks whether to confirm the address a link was sent
// to. A forged, used or expired link is a 400 page that says so.
func (w *Web) confirmEmailPage(rw http.ResponseWriter, r *http.Request) error {
	return w.confirmEmail(rw, r, r.URL.Query().Get("token"), false)
}

// confirmEmailPost confirms it.
func (w *Web) confirmEmailPost(rw http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(rw, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return errs.E("web.confirmEmail", errs.Invalid, "the form could not be read", "فرم خوانده نشد")
	}
	return w.confirmEmail(rw, r, r.PostForm.Get("token"), true)
}

func (w *Web) confirmEmail(rw http.ResponseWriter, r *http.Request, token string, confirm bool) error {
	// The token must not leave in a Referer, nor stay in a cache.
	rw.Header().Set("Referrer-Policy", "no-referrer")
	rw.Header().Set("Cache-Control", "no-store")
	if w.notes == nil {
		return errs.E("web.confirmEmail", errs.Unavailable, "notices are not available on this server", "پیام‌ها در این سامانه فعال نیست")
	}
	addr, err := w.notes.PendingAddress(r.Context(), token)
	if err != nil {
		return err
	}
	v := confirmView{Token: token, Address: addr}
	if confirm {
		if err := w.notes.ConfirmEmail(r.Context(), token); err != nil {
			return err
		}
		v.Done, v.Token = true, ""
	}
	return w.render(rw, r, http.StatusOK, "notify_confirm", translate(langOf(r), "confirm.title"), "me", v)
}

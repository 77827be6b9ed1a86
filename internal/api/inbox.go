package api

import (
	"net/http"
	"strconv"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
)

// messageList is the inbox's answer.
type messageList struct {
	Items      []notify.Message `json:"items"`
	Unread     int              `json:"unread"` // of all the messages, not only this page's
	NextBefore int64            `json:"next_before,omitempty"`
	NextURL    string           `json:"next_url,omitempty"`
}

// myInbox is the signed-in citizen's inbox as JSON, newest first: the
// messages notify wrote for their national code, read with the portal's
// session cookie.
func (a *API) myInbox(w http.ResponseWriter, r *http.Request) error {
	const op = "api.myInbox"
	p, err := identity.Require(r.Context())
	if err != nil {
		return errs.E(op, errs.Unauthorized, "sign in to the portal first: this endpoint reads the session cookie",
			"نخست در درگاه وارد شوید: این نشانی با کوکی نشست کار می‌کند")
	}
	if p.NationalCode == "" {
		return errs.E(op, errs.Forbidden, "only a citizen signed in with a national code has an inbox",
			"صندوق پیام تنها برای شهروندی است که با کد ملی وارد شده است")
	}
	if a.cfg.Notifier == nil {
		return errs.E(op, errs.Unavailable, "the inbox is not available on this server", "صندوق پیام در این سامانه فعال نیست")
	}
	limit, err := queryInt(r, "limit", 50, 200)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before", 0, 1<<62)
	if err != nil {
		return err
	}
	list, next, err := a.cfg.Notifier.InboxPage(r.Context(), p.Subject(), before, int(limit))
	if err != nil {
		return err
	}
	out := messageList{Items: list, NextBefore: next}
	if out.Unread, err = a.cfg.Notifier.Unread(r.Context(), p.Subject()); err != nil {
		return err
	}
	if next != 0 {
		out.NextURL = nextURLBy(w, r, "before", strconv.FormatInt(next, 10))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

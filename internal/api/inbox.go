package api

import (
	"net/http"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
)

// messageList is the inbox's answer.
type messageList struct {
	Items  []notify.Message `json:"items"`
	Unread int              `json:"unread"`
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
	list, err := a.cfg.Notifier.Inbox(r.Context(), p.Subject())
	if err != nil {
		return err
	}
	out := messageList{Items: list}
	for _, m := range list {
		if m.Unread() {
			out.Unread++
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

package api

import (
	"net/http"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/notify"
)

// How notices reach the signed-in citizen: their channels and email
// address (notify.Choice). A new address is used only once the link sent
// to it has been opened in the portal.

var errNoNotices = errs.E("api.notifications", errs.Unavailable, "notices are not available on this server", "پیام‌ها در این سامانه فعال نیست")

func (a *API) myNotifications(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.myNotifications")
	if err != nil {
		return err
	}
	if a.cfg.Notifier == nil {
		return errNoNotices
	}
	c, err := a.cfg.Notifier.Choice(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (a *API) setMyNotifications(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.setMyNotifications")
	if err != nil {
		return err
	}
	if a.cfg.Notifier == nil {
		return errNoNotices
	}
	var req notify.ChoiceRequest
	if err := httpx.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	c, err := a.cfg.Notifier.Choose(r.Context(), p, req)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, c)
}

package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/suggest"
)

// errNoSuggestions is shown when suggestions are switched off.
var errNoSuggestions = errs.E("web.suggestions", errs.Unavailable, "Suggestions are switched off on this server.", "پیشنهاد خدمت در این سامانه خاموش است.")

// suggestionsFor returns the suggestions the home page shows the signed-in
// citizen, or nil for a visitor, a member of staff without a national code,
// or when suggestions are off. They are a courtesy: a failure costs the
// section, never the page, and is logged without the person.
func (w *Web) suggestionsFor(r *http.Request) []suggest.Suggestion {
	if w.sug == nil {
		return nil
	}
	p, ok := identity.FromContext(r.Context())
	if !ok || p.Kind != "user" || p.NationalCode == "" {
		return nil
	}
	list, err := w.sug.For(r.Context(), p)
	if err != nil {
		w.log.Warn("suggestions failed", "route", r.Pattern, "kind", errs.KindOf(err).String(), "err", err.Error())
		return nil
	}
	return list
}

// dismissSuggestion records that the citizen does not want a service
// suggested again, and goes back to the home page's suggestions. It is a
// POST, so the cross-origin protection refuses forged requests.
func (w *Web) dismissSuggestion(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.sug == nil {
		return errNoSuggestions
	}
	if err := w.sug.Dismiss(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(rw, r, "/?done=dismissed#suggestions-h", http.StatusSeeOther)
	return nil
}

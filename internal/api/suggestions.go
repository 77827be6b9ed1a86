package api

import (
	"net/http"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/suggest"
)

// suggestionList is the answer of GET /api/v1/me/suggestions.
type suggestionList struct {
	Items []suggest.Suggestion `json:"items"`
	K     int                  `json:"k"` // the co-usage threshold: no count below it is ever stated
}

// suggestionRoutes are the signed-in citizen's suggestions.
func (a *API) suggestionRoutes() []route {
	id := param{name: "id", in: "path", schema: "string", desc: "The 7-digit service identifier (Persian digits accepted).", required: true}
	return []route{
		{method: "GET", pattern: "/api/v1/me/suggestions", op: "listMySuggestions", tag: "me", session: true,
			summary:   "Services suggested to the signed-in citizen, best first (at most six), each with why: a life event about them in the last twelve months, what at least k other people used after a service they used, or their age band and province (read from the civil and postal registries through the exchange; shown in their data tracker). Never a service they have an open application for, a retired one, a service for agencies, or one they dismissed.",
			responses: map[int]string{200: "SuggestionList", 401: "Problem", 403: "Problem", 503: "Problem"},
			handler:   a.mySuggestions},
		{method: "POST", pattern: "/api/v1/me/suggestions/{id}/dismiss", op: "dismissMySuggestion", tag: "me", session: true,
			summary:   "Never suggest this service to the signed-in citizen again. Dismissing twice is not an error.",
			params:    []param{id},
			responses: map[int]string{204: "", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 503: "Problem"},
			handler:   a.dismissSuggestion},
	}
}

// suggestionSchemas are the schemas of the suggestion endpoints.
func suggestionSchemas() map[string]any {
	return map[string]any{
		"Suggestion": obj([]string{"service", "title_fa", "source", "why_fa", "why_en"}, map[string]any{
			"service": str("The service identifier."), "title_fa": str("The service's title."), "title_en": str("Its English title."),
			"source": enum("life_event", "co_usage", "profile"),
			"why_fa": str("Why the citizen sees it, in Persian («چرا این را می‌بینید»)."), "why_en": str("The same in English."),
			"rule":   str("profile: the code of the profile rule that matched (age band, province)."),
			"event":  str("life_event: the life event's type, such as birth."),
			"after":  str("co_usage: the service the citizen used, after which others used this one."),
			"people": map[string]any{"type": "integer", "description": "co_usage: at least this many distinct people did so (rounded down, never below k)."},
		}),
		"SuggestionList": obj([]string{"items", "k"}, map[string]any{"items": arr(ref("Suggestion")),
			"k": map[string]any{"type": "integer", "description": "The co-usage threshold: a pair seen for fewer people is never stored or shown."}}),
	}
}

// errSuggestionsOff is the answer when suggestions are switched off.
var errSuggestionsOff = errs.E("api.suggestions", errs.Unavailable, "suggestions are switched off on this server", "پیشنهاد خدمت در این سامانه خاموش است")

func (a *API) mySuggestions(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.mySuggestions")
	if err != nil {
		return err
	}
	if a.cfg.Suggest == nil {
		return errSuggestionsOff
	}
	list, err := a.cfg.Suggest.For(r.Context(), p)
	if err != nil {
		return err
	}
	if list == nil {
		list = []suggest.Suggestion{}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
	return httpx.WriteJSON(w, http.StatusOK, suggestionList{Items: list, K: a.cfg.Suggest.K()})
}

func (a *API) dismissSuggestion(w http.ResponseWriter, r *http.Request) error {
	p, err := citizen(r, "api.dismissSuggestion")
	if err != nil {
		return err
	}
	if a.cfg.Suggest == nil {
		return errSuggestionsOff
	}
	if err := a.cfg.Suggest.Dismiss(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package api

import (
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
)

// parseQuery reads a catalogue search from URL parameters, refusing what
// cannot be meant: invalid UTF-8, over-long text, non-numeric pages.
func parseQuery(v url.Values) (catalog.Query, error) {
	const op = "api.parseQuery"
	q := catalog.Query{
		Text: v.Get("q"), Agency: v.Get("agency"), Domain: v.Get("domain"), Event: v.Get("event"),
		Level: v.Get("level"), Audience: v.Get("audience"), Permit: v.Get("permit"),
	}
	for name, val := range v {
		for _, s := range val {
			if !utf8.ValidString(s) {
				return q, errs.E(op, errs.Invalid, "parameter "+name+" is not valid UTF-8", "پارامتر "+name+" متن UTF-8 معتبر نیست")
			}
		}
	}
	if utf8.RuneCountInString(q.Text) > maxQueryRunes {
		return q, errs.E(op, errs.Invalid, "the search text is longer than 200 characters", "متن جست‌وجو بیش از ۲۰۰ نویسه است")
	}
	var err error
	if q.Page, err = intParam(v, "page", 1, 100000); err != nil {
		return q, err
	}
	if q.PerPage, err = intParam(v, "per_page", 1, 100); err != nil {
		return q, err
	}
	return q, nil
}

func intParam(v url.Values, name string, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errs.E("api.intParam", errs.Invalid,
			"parameter "+name+" must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi),
			"پارامتر "+name+" باید عددی صحیح از "+strconv.Itoa(lo)+" تا "+strconv.Itoa(hi)+" باشد")
	}
	return n, nil
}

func (a *API) searchServices(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := a.cfg.Catalog.Search(r.Context(), q)
	if err != nil {
		return err
	}
	if res.Items == nil {
		res.Items = []catalog.Service{}
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (a *API) getService(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.cfg.Catalog.Service(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, svc)
}

func (a *API) getHistory(w http.ResponseWriter, r *http.Request) error {
	h, err := a.cfg.Catalog.History(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": h})
}

// listAgencies answers every agency at once, unpaged: the list is the
// government's own organisation chart, a few hundred rows that only a
// catalogue edit changes, and clients use it whole (to name the agency of
// each service), so a cursor would only add round trips.
func (a *API) listAgencies(w http.ResponseWriter, r *http.Request) error {
	list, err := a.cfg.Catalog.Agencies(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Agency{}
	}
	return httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
}

func (a *API) getAgency(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ag, err := a.cfg.Catalog.Agency(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	stats, err := a.cfg.Catalog.AgencyStats(ctx, ag.Code)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, map[string]any{"agency": ag, "stats": stats})
}

// getStats answers the whole catalogue's figures, of true levels.
func (a *API) getStats(w http.ResponseWriter, r *http.Request) error {
	stats, err := a.cfg.Catalog.Stats(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, stats)
}

func (a *API) listRegions(w http.ResponseWriter, r *http.Request) error {
	list, err := a.cfg.Catalog.Regions(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Region{}
	}
	return httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
}

func (a *API) exportJSONLD(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="panjare-catalog.jsonld"`)
	return a.cfg.Catalog.WriteJSONLD(r.Context(), w, a.cfg.BaseURL)
}

func (a *API) openapi(w http.ResponseWriter, r *http.Request) error {
	return httpx.WriteJSON(w, http.StatusOK, a.document())
}

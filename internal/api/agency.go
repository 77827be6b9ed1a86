package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
)

// draftView is a draft as the agency API shows it: the draft number to edit
// and publish it with, and the service as it would be.
type draftView struct {
	Draft int64 `json:"draft"`
	catalog.Service
}

func draftKey(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("draft"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.E("api.draftKey", errs.Invalid, "the draft number must be a positive whole number", "شمارهٔ پیش‌نویس باید عددی صحیح و مثبت باشد")
	}
	return n, nil
}

// mayRead refuses a draft of another agency as if it did not exist, so that
// draft numbers reveal nothing about other agencies' work.
func mayRead(p identity.Principal, svc catalog.Service) error {
	if !p.CanManageAgency(svc.Record.Agency) {
		return errs.NotFoundf("api.draft", "draft", "پیش‌نویس")
	}
	return nil
}

func (a *API) createDraft(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	var rec catalog.Record
	if err := httpx.DecodeJSON(w, r, &rec, maxRecordBytes); err != nil {
		return err
	}
	if rec.Agency == "" {
		rec.Agency = p.Agency
	}
	svc, err := a.cfg.Catalog.SaveDraft(r.Context(), p, 0, rec)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/agency/drafts/"+strconv.FormatInt(svc.Key, 10))
	return httpx.WriteJSON(w, http.StatusCreated, draftView{svc.Key, svc})
}

func (a *API) getDraft(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	key, err := draftKey(r)
	if err != nil {
		return err
	}
	svc, err := a.cfg.Catalog.Draft(r.Context(), key)
	if err != nil {
		return err
	}
	if err := mayRead(p, svc); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, draftView{svc.Key, svc})
}

func (a *API) updateDraft(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	key, err := draftKey(r)
	if err != nil {
		return err
	}
	var rec catalog.Record
	if err := httpx.DecodeJSON(w, r, &rec, maxRecordBytes); err != nil {
		return err
	}
	if rec.Agency == "" {
		rec.Agency = p.Agency
	}
	svc, err := a.cfg.Catalog.SaveDraft(r.Context(), p, key, rec)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, draftView{svc.Key, svc})
}

func (a *API) publishDraft(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	key, err := draftKey(r)
	if err != nil {
		return err
	}
	svc, err := a.cfg.Catalog.Publish(r.Context(), p, key)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/services/"+svc.ID)
	return httpx.WriteJSON(w, http.StatusOK, svc)
}

func (a *API) getServiceDraft(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	svc, err := a.cfg.Catalog.DraftFor(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := mayRead(p, svc); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, draftView{svc.Key, svc})
}

// RetireRequest is the body of a retirement.
type RetireRequest struct {
	Reason string `json:"reason"`
}

func (a *API) retireService(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	var req RetireRequest
	if err := httpx.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return errs.E("api.retire", errs.Invalid, "a reason is required to retire a service", "برای بازنشسته کردن خدمت، دلیل لازم است")
	}
	if err := a.cfg.Catalog.Retire(r.Context(), p, r.PathValue("id"), req.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

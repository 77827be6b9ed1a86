package api

import (
	"net/http"
	"strconv"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

// inquiryList is the data tracker's answer.
type inquiryList struct {
	Items      []trackedInquiry `json:"items"`
	NextBefore int64            `json:"next_before,omitempty"`
}

// trackedInquiry is an inquiry of the data tracker with where its
// exchange.inquiry event is sealed in the ledger, absent while it is not
// yet (or without a ledger).
type trackedInquiry struct {
	exchange.TrackedInquiry
	LedgerIndex *uint64 `json:"ledger_index,omitempty"`
}

// queryInt reads an optional positive integer query parameter.
func queryInt(r *http.Request, name string, def, max int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(persian.ASCIIDigits(v), 10, 64)
	if err != nil || n <= 0 || n > max {
		return 0, errs.E("api."+name, errs.Invalid, name+" must be a whole number from 1 to "+strconv.FormatInt(max, 10),
			name+" باید عددی صحیح از ۱ تا "+persian.Digits(strconv.FormatInt(max, 10))+" باشد")
	}
	return n, nil
}

// myInquiries is the data tracker as JSON: every inquiry about the citizen
// signed in with the portal's session cookie, newest first.
func (a *API) myInquiries(w http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil {
		return errs.E("api.myInquiries", errs.Unauthorized, "sign in to the portal first: this endpoint reads the session cookie",
			"نخست در درگاه وارد شوید: این نشانی با کوکی نشست کار می‌کند")
	}
	if p.NationalCode == "" {
		return errs.E("api.myInquiries", errs.Forbidden, "only a citizen signed in with a national code has a data tracker",
			"ردپای داده‌ها تنها برای شهروندی است که با کد ملی وارد شده است")
	}
	if a.cfg.Gateway == nil {
		return errs.E("api.myInquiries", errs.Unavailable, "the exchange is not available on this server", "تبادل اطلاعات در این سامانه فعال نیست")
	}
	limit, err := queryInt(r, "limit", 50, 200)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before", 0, 1<<62)
	if err != nil {
		return err
	}
	list, err := a.cfg.Gateway.InquiriesAbout(r.Context(), p.NationalCode, int(limit), before)
	if err != nil {
		return err
	}
	out := inquiryList{Items: make([]trackedInquiry, len(list))}
	for i, t := range list {
		out.Items[i].TrackedInquiry = t
	}
	if err := a.inquirySeals(r.Context(), p.NationalCode, out.Items); err != nil {
		return err
	}
	if len(list) == int(limit) {
		out.NextBefore = list[len(list)-1].ID
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

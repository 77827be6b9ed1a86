package web

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

// errNoExchange is shown when the portal runs without the exchange gateway.
var errNoExchange = errs.E("web.exchange", errs.Unavailable, "The exchange is not available on this server.", "تبادل اطلاعات در این سامانه فعال نیست.")

// trackerPage is how many inquiries one page of the tracker shows.
const trackerPage = 50

// inquiryRow is one inquiry as the tracker and the agency page show it.
type inquiryRow struct {
	ID       int64  // the message log's id
	When     string // Jalali date and time in the page's language
	Client   string // the asking agency's name
	System   string // its information system
	Service  string
	Provider string
	Purpose  template.HTML // purposeIn
	Basis    string        // the legal basis, or the consent's purpose
	Consent  bool          // the basis is the citizen's consent
	Outcome  string        // translation key
	Status   string        // "green", "grey" or "" for the tag colour
	Subject  string        // masked; agency pages only
	// MessageID is the exchange's message id: the receipt's number.
	MessageID string
	// LedgerIndex is where the inquiry's event is sealed in the ledger;
	// nil while it is not (yet), and on agency pages.
	LedgerIndex *uint64
}

// inquiryTable is the data of the inquiry-table partial.
type inquiryTable struct {
	Rows   []inquiryRow
	Masked bool // show the masked subject column (agency pages)
	Sealed bool // show where each receipt is sealed in the ledger (the citizen's tracker)
}

// trackerView is the data of /me/data.
type trackerView struct {
	Table inquiryTable
	Next  string // the URL of older inquiries, if any

	// LifeEvents are the life events published about the citizen, on the
	// first page; HasRoom says whether the exchange carries life events.
	LifeEvents []lifeEventRow
	HasRoom    bool
}

// lifeEventRow is one life event about the citizen: who published it, who
// received it.
type lifeEventRow struct {
	ID         string
	When       string
	Type       string
	Publisher  string
	Deliveries []lifeDeliveryRow
}

// lifeDeliveryRow is one subscriber's copy of a life event.
type lifeDeliveryRow struct {
	Name  string
	State string // translation key
	When  string
}

// lifeEventRows turns tracked life events into rows in language l.
func lifeEventRows(l lang, list []exchange.TrackedLifeEvent) []lifeEventRow {
	rows := make([]lifeEventRow, 0, len(list))
	for _, e := range list {
		row := lifeEventRow{ID: e.ID, When: dateTimeIn(l, e.PublishedAt), Type: pickText(l, e.TypeFa, e.TypeEn),
			Publisher: pickText(l, e.PublisherFa, e.PublisherEn)}
		for _, d := range e.Deliveries {
			dr := lifeDeliveryRow{Name: pickText(l, d.SubscriberFa, d.SubscriberEn), State: "pubsub.state." + d.State}
			if d.At != nil {
				dr.When = dateTimeIn(l, *d.At)
			}
			row.Deliveries = append(row.Deliveries, dr)
		}
		rows = append(rows, row)
	}
	return rows
}

// dateTimeIn formats t as a date with the time of day in Tehran.
func dateTimeIn(l lang, t time.Time) string {
	if l == fa {
		return persian.JalaliDateTime(t)
	}
	return t.In(persian.Location()).Format("2 January 2006, 15:04")
}

// purposeSlug matches a purpose sent as a code, such as tax-file-review.
var purposeSlug = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$`)

// purposeIn shows the purpose an agency stated for an inquiry in l. A
// purpose the translation table knows by its code ("purpose.CODE") is
// shown by its name; another code is shown as words, marked as the code the
// agency sent; free text keeps its words, with l's digits and its tracking
// codes isolated (textIn).
func purposeIn(l lang, s string) template.HTML {
	if !purposeSlug.MatchString(s) {
		return textIn(l, s)
	}
	if _, ok := texts["purpose."+s]; ok {
		return template.HTML(template.HTMLEscapeString(translate(l, "purpose."+s)))
	}
	words := strings.NewReplacer("-", " ", "_", " ").Replace(s)
	return template.HTML(`<span lang="en" dir="ltr">` + template.HTMLEscapeString(words) + `</span> <span class="hint">` +
		template.HTMLEscapeString(translate(l, "purpose.unnamed")) + `</span>`)
}

// inquiryRows turns tracked inquiries into rows in language l.
func inquiryRows(l lang, list []exchange.TrackedInquiry, masked bool) []inquiryRow {
	rows := make([]inquiryRow, 0, len(list))
	for _, t := range list {
		row := inquiryRow{ID: t.ID, MessageID: t.MessageID, When: dateTimeIn(l, t.At), Client: pickText(l, t.ClientMemberFa, t.ClientMemberEn), System: t.ClientSystemFa,
			Service: pickText(l, t.ServiceFa, t.ServiceEn), Provider: pickText(l, t.ProviderFa, t.ProviderEn), Purpose: purposeIn(l, t.Purpose),
			Basis: t.LegalBasis, Outcome: "tracker.outcome." + t.Outcome}
		if t.ConsentID != 0 {
			row.Consent, row.Basis = true, t.ConsentPurpose
		}
		switch t.Outcome {
		case exchange.OutcomeAnswered:
			row.Status = "green"
		case exchange.OutcomeNoRecord:
			row.Status = "grey"
		}
		if masked && t.Subject != "" {
			row.Subject = identity.MaskNationalCode(t.Subject)
		}
		rows = append(rows, row)
	}
	return rows
}

// pageBefore reads ?before=, the id of the oldest inquiry already shown.
func pageBefore(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("before")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(persian.ASCIIDigits(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest("web.tracker", "tracker.bad.before")
	}
	return n, nil
}

// cursorLink is the link to the page of path after the one whose cursor is
// next; "" on the last page.
func cursorLink(path, next string) string {
	if next == "" {
		return ""
	}
	return path + "?cursor=" + url.QueryEscape(next)
}

// nextPage cuts list, read with one row more than a page, to a page, and
// returns it with the link to the inquiries older than its last: none when
// that extra row did not come, so the last page never links to an empty one.
func nextPage(path string, list []exchange.TrackedInquiry) ([]exchange.TrackedInquiry, string) {
	if len(list) <= trackerPage {
		return list, ""
	}
	list = list[:trackerPage]
	return list, path + "?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
}

// citizen returns the signed-in person with a national code. Otherwise it
// redirects a visitor to sign-in, or shows the forbidden page to someone
// signed in without a national code (sending them to sign in again would
// loop), and returns false.
func (w *Web) citizen(rw http.ResponseWriter, r *http.Request) (identity.Principal, bool) {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := identity.Require(r.Context())
	switch {
	case err != nil:
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return identity.Principal{}, false
	case p.NationalCode == "":
		w.fail(rw, r, errs.E("web.citizen", errs.Forbidden, "This page is for citizens signed in with their national code.",
			"این صفحه ویژهٔ شهروندانی است که با کد ملی خود وارد شده‌اند."))
		return identity.Principal{}, false
	}
	return p, true
}

// tracker is the citizen's data tracker, /me/data: every inquiry any
// agency made about them through the exchange, newest first.
func (w *Web) tracker(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.gw == nil {
		return errNoExchange
	}
	before, err := pageBefore(r)
	if err != nil {
		return err
	}
	list, err := w.gw.InquiriesAbout(r.Context(), p.NationalCode, trackerPage+1, before)
	if err != nil {
		return err
	}
	l := langOf(r)
	list, next := nextPage("/me/data", list)
	v := trackerView{Table: inquiryTable{Rows: inquiryRows(l, list, false), Sealed: w.ledger != nil}, Next: next}
	w.inquirySeals(r, p.NationalCode, v.Table.Rows)
	if ps := w.gw.PubSub(); ps != nil && before == 0 {
		events, err := ps.EventsAbout(r.Context(), p.NationalCode, 100)
		if err != nil {
			return err
		}
		v.HasRoom, v.LifeEvents = true, lifeEventRows(l, events)
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "tracker", translate(l, "tracker.title"), "me", v)
}

// agencyExchangeView is the data of /agency/exchange.
type agencyExchangeView struct {
	Agency string
	Side   string // "made" or "served" when one table is paged through; "" for both
	Made   inquiryTable
	Served inquiryTable
	// MadeNext and ServedNext link to each table's next page, "" on its
	// last; Next is the one table's next page when Side is set.
	MadeNext, ServedNext, Next string
}

// agencyInquiries reads a page of the inquiries the agency made or served,
// older than the inquiry before (0: the newest), and the link to the next
// page of that table, "" on its last.
func (w *Web) agencyInquiries(r *http.Request, agency string, served bool, before int64) ([]exchange.TrackedInquiry, string, error) {
	list, err := w.gw.AgencyInquiries(r.Context(), agency, served, trackerPage+1, before)
	if err != nil || len(list) <= trackerPage {
		return list, "", err
	}
	list = list[:trackerPage]
	side := "made"
	if served {
		side = "served"
	}
	return list, "/agency/exchange?side=" + side + "&before=" + strconv.FormatInt(list[trackerPage-1].ID, 10), nil
}

// agencyExchange shows agency staff the inquiries their agency made and
// the ones it answered, /agency/exchange. Citizens are shown masked but
// for the last four digits of their national code.
func (w *Web) agencyExchange(rw http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context(), identity.RoleOperator, identity.RoleAgencyAdmin)
	switch {
	case errs.Is(err, errs.Unauthorized):
		rw.Header().Set("Cache-Control", "no-store")
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	case err != nil:
		return errs.E("web.agencyExchange", errs.Forbidden, "This page is for agency staff.", "این صفحه ویژهٔ کارکنان دستگاه‌های اجرایی است.")
	case p.Agency == "":
		return errs.E("web.agencyExchange", errs.Forbidden, "Your account belongs to no agency.", "حساب شما به دستگاهی وابسته نیست.")
	}
	if w.gw == nil {
		return errNoExchange
	}
	ctx := r.Context()
	l := langOf(r)
	v := agencyExchangeView{Agency: p.Agency, Side: r.URL.Query().Get("side")}
	before, err := pageBefore(r)
	if err != nil {
		return err
	}
	switch v.Side {
	case "": // the first page of both
		made, next, err := w.agencyInquiries(r, p.Agency, false, 0)
		if err != nil {
			return err
		}
		v.Made, v.MadeNext = inquiryTable{Rows: inquiryRows(l, made, true), Masked: true}, next
		served, next, err := w.agencyInquiries(r, p.Agency, true, 0)
		if err != nil {
			return err
		}
		v.Served, v.ServedNext = inquiryTable{Rows: inquiryRows(l, served, true), Masked: true}, next
	case "made", "served":
		list, next, err := w.agencyInquiries(r, p.Agency, v.Side == "served", before)
		if err != nil {
			return err
		}
		v.Made, v.Next = inquiryTable{Rows: inquiryRows(l, list, true), Masked: true}, next
	default:
		return badRequest("web.agencyExchange", "tracker.bad.before")
	}
	if ags, err := w.agencyC.get(ctx); err == nil {
		if a, ok := ags.byCode[p.Agency]; ok {
			v.Agency = pickText(l, a.NameFa, a.NameEn)
		}
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "agency_exchange", translate(l, "agencyx.title"), "", v)
}

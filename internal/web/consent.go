package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	ptime "github.com/yaa110/go-persian-calendar"
)

// Consent states as the page shows them.
const (
	consentActive    = "active"
	consentExpired   = "expired"
	consentWithdrawn = "withdrawn"
)

// consentRow is one of the citizen's consents.
type consentRow struct {
	ID       int64
	Client   string
	System   string
	Service  string
	Provider string
	Purpose  string
	Given    string
	Until    string
	State    string // consentActive, consentExpired or consentWithdrawn
}

// consentOption is a client that may ask for the citizen's consent, for one
// service: one option of the grant form.
type consentOption struct {
	Value    string // the access right's id
	Label    string
	Selected bool
}

// consentsView is the data of /me/consents.
type consentsView struct {
	Consents []consentRow
	Options  []consentOption
	Purpose  string // the form's values, kept when it is shown again with an error
	Until    string
	Error    string // why the form was refused
	Done     string // translation key of what was just done
}

// consents lists the citizen's consents and offers the grant form,
// /me/consents.
func (w *Web) consents(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.gw == nil || w.x == nil {
		return errNoExchange
	}
	v := consentsView{}
	switch r.URL.Query().Get("done") {
	case "granted":
		v.Done = "consent.done.granted"
	case "withdrawn":
		v.Done = "consent.done.withdrawn"
	}
	return w.renderConsents(rw, r, p, http.StatusOK, v, "")
}

// renderConsents fills v with the citizen's consents and the options and
// renders the page.
func (w *Web) renderConsents(rw http.ResponseWriter, r *http.Request, p identity.Principal, status int, v consentsView, selected string) error {
	ctx := r.Context()
	l := langOf(r)
	now := time.Now()
	rights, err := w.x.ConsentableRights(ctx, now)
	if err != nil {
		return err
	}
	names, err := w.exchangeNames(r)
	if err != nil {
		return err
	}
	for _, rt := range rights {
		id := strconv.FormatInt(rt.ID, 10)
		v.Options = append(v.Options, consentOption{Value: id, Selected: id == selected,
			Label: translate(l, "consent.option", rt.ClientMemberFa, rt.ServiceFa, rt.ProviderFa)})
	}
	list, err := w.x.Consents(ctx, p.NationalCode)
	if err != nil {
		return err
	}
	for _, c := range list {
		row := consentRow{ID: c.ID, Client: names.member(l, c.Client), System: names.systems[c.Client],
			Service: names.service(r, c.Service), Provider: names.member(l, c.Service.Provider), Purpose: c.Purpose,
			Given: dateTimeIn(l, c.GivenAt), Until: dateIn(l, c.Until), State: consentActive}
		switch {
		case c.WithdrawnAt != nil:
			row.State = consentWithdrawn
		case !c.Until.After(now):
			row.State = consentExpired
		}
		v.Consents = append(v.Consents, row)
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, status, "consents", translate(l, "consent.title"), "me", v)
}

// names resolves exchange identifiers to names for one request.
type names struct {
	x        *exchange.Exchange
	members  map[string]exchange.Member
	systems  map[exchange.SubsystemID]string
	services map[exchange.ServiceID]exchange.DataService
}

func (w *Web) exchangeNames(r *http.Request) (*names, error) {
	ctx := r.Context()
	n := &names{x: w.x, members: map[string]exchange.Member{}, systems: map[exchange.SubsystemID]string{},
		services: map[exchange.ServiceID]exchange.DataService{}}
	ms, err := w.x.Members(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		n.members[m.Class+"/"+m.Code] = m
	}
	subs, err := w.x.Subsystems(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		n.systems[s.ID] = s.NameFa
	}
	return n, nil
}

// member returns the name of id's member in l, or its code.
func (n *names) member(l lang, id exchange.SubsystemID) string {
	if m, ok := n.members[id.Class+"/"+id.Member]; ok {
		return pickText(l, m.NameFa, m.NameEn)
	}
	return id.Member
}

// service returns the title of a service in r's language, or its code.
func (n *names) service(r *http.Request, id exchange.ServiceID) string {
	svc, ok := n.services[id]
	if !ok {
		svc, _ = n.x.Service(r.Context(), id)
		n.services[id] = svc
	}
	if t := pickText(langOf(r), svc.TitleFa, svc.TitleEn); t != "" {
		return t
	}
	return id.Code
}

// parseDate reads a date typed by a person: Jalali (1405/03/31) or
// Gregorian (2026-06-21), with Persian or Latin digits, as the end of that
// day in Tehran.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(persian.ASCIIDigits(s))
	parts := strings.Split(strings.NewReplacer("-", "/", ".", "/").Replace(s), "/")
	if len(parts) != 3 || len(parts[0]) != 4 {
		return time.Time{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v <= 0 {
			return time.Time{}, false
		}
		n[i] = v
	}
	y, m, d := n[0], n[1], n[2]
	if m > 12 || d > 31 {
		return time.Time{}, false
	}
	if y < 1700 {
		pt := ptime.Date(y, ptime.Month(m), d, 23, 59, 59, 0, persian.Location())
		if pt.Year() != y || int(pt.Month()) != m || pt.Day() != d {
			return time.Time{}, false
		}
		return pt.Time(), true
	}
	t := time.Date(y, time.Month(m), d, 23, 59, 59, 0, persian.Location())
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// grantConsent records a consent from the form on /me/consents.
func (w *Web) grantConsent(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.gw == nil || w.x == nil {
		return errNoExchange
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("web.grantConsent", "consent.bad.form")
	}
	l := langOf(r)
	v := consentsView{Purpose: r.PostForm.Get("purpose"), Until: r.PostForm.Get("until")}
	selected := r.PostForm.Get("right")
	refuse := func(msg string) error {
		v.Error = msg
		return w.renderConsents(rw, r, p, http.StatusBadRequest, v, selected)
	}
	id, err := strconv.ParseInt(persian.ASCIIDigits(selected), 10, 64)
	if err != nil {
		return refuse(translate(l, "consent.bad.right"))
	}
	rights, err := w.x.ConsentableRights(r.Context(), time.Now())
	if err != nil {
		return err
	}
	var right *exchange.ConsentableRight
	for i := range rights {
		if rights[i].ID == id {
			right = &rights[i]
		}
	}
	if right == nil {
		return refuse(translate(l, "consent.bad.right"))
	}
	until, ok := parseDate(v.Until)
	if !ok {
		return refuse(translate(l, "consent.bad.until"))
	}
	_, err = w.x.GiveConsent(r.Context(), p, exchange.Consent{Subject: p.NationalCode, Client: right.Client,
		Service: right.Service, Purpose: v.Purpose, Until: until})
	if err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Forbidden || k == errs.NotFound {
			fa, en := errs.Messages(err)
			return refuse(pickText(l, fa, en))
		}
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/me/consents?"+url.Values{"done": {"granted"}}.Encode(), http.StatusSeeOther)
	return nil
}

// withdrawConsent withdraws one of the citizen's consents at once.
func (w *Web) withdrawConsent(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.x == nil {
		return errNoExchange
	}
	id, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("id")), 10, 64)
	if err != nil || id <= 0 {
		return errs.E("web.withdrawConsent", errs.NotFound, "There is no such consent.", "چنین رضایتی وجود ندارد.")
	}
	if err := w.x.WithdrawConsent(r.Context(), p, id); err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, "/me/consents?done=withdrawn", http.StatusSeeOther)
	return nil
}

package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/proactive"
)

// Proactive services (proactive): the offer page a notice links to, the
// citizen's offers and no-stop services with their opt-outs (/me/proactive),
// the agency admins' subscriptions of a service to life events, and the
// demo page that publishes a life event and shows its chain run.

// offersPages are the page templates of this file.
var offersPages = []string{"offers_offer", "offers_mine", "offers_subscriptions", "offers_demo"}

// LifeEventDemo publishes demo life events (the demo only).
type LifeEventDemo interface {
	// People returns the demo people an event can be published for.
	People(ctx context.Context) ([]DemoPerson, error)
	// Publish publishes an event of kind ("birth", "death", "retirement")
	// for person through the exchange's Pub/Sub, as the publisher the
	// room allows for that kind, and returns the event's id.
	Publish(ctx context.Context, kind, person string) (string, error)
}

// DemoPerson is one person the demo page offers.
type DemoPerson struct {
	Code  string   // national code
	Name  string   // full name
	Note  string   // why they suit the event, in Persian
	Kinds []string // the events that can be published for them
}

var errNoProactive = errs.E("web.proactive", errs.Unavailable, "Proactive services are not available on this server.", "خدمات پیش‌دستانه در این سامانه فعال نیست.")

// offerView is the data of /offers/{id}.
type offerView struct {
	Offer   proactive.OfferView
	Title   string
	State   string // translation key
	Fetched []fetchedRow
	Fields  []string // what the form will hold, taken from the event
	Error   string
}

// fetchedRow is one piece of evidence an offer will fetch.
type fetchedRow struct{ Name, Agency string }

// offerPage shows one offer of the signed-in person: what will be done and
// which data will be fetched from whom, with accept (with consent) and
// decline.
func (w *Web) offerPage(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.pro == nil {
		return errNoProactive
	}
	v, err := w.offerData(r, p)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, "offers_offer", v.Title, "me", v)
}

func (w *Web) offerData(r *http.Request, p identity.Principal) (offerView, error) {
	o, err := w.pro.Offer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return offerView{}, err
	}
	l := langOf(r)
	v := offerView{Offer: o, Title: translate(l, "offer.title", pickText(l, o.TitleFa, o.TitleEn)), State: "offer.state." + o.State}
	for _, f := range o.Form.Fetched {
		v.Fetched = append(v.Fetched, fetchedRow{Name: pickText(l, f.NameFa, f.NameEn), Agency: pickText(l, f.AgencyNameFa, f.AgencyNameEn)})
	}
	for _, f := range o.Form.Fields {
		if val, ok := o.Data[f.Name]; ok {
			v.Fields = append(v.Fields, pickText(l, f.LabelFa, f.LabelEn)+": "+val)
		}
	}
	return v, nil
}

// offerAnswer accepts (with consent) or declines an offer, then shows the
// case it started or the offer again.
func (w *Web) offerAnswer(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.pro == nil {
		return errNoProactive
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 4<<10)
	id := r.PathValue("id")
	switch r.PathValue("answer") {
	case "accept":
		a, err := w.pro.Accept(r.Context(), p, id, r.PostFormValue("consent") == "yes")
		if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
			v, verr := w.offerData(r, p)
			if verr != nil {
				return verr
			}
			fa, en := errs.Messages(err)
			v.Error = pickText(langOf(r), fa, en)
			return w.render(rw, r, errs.StatusOf(errs.KindOf(err)), "offers_offer", v.Title, "me", v)
		}
		if err != nil {
			return err
		}
		http.Redirect(rw, r, "/me/cases/"+a.Tracking, http.StatusSeeOther)
	case "decline":
		if _, err := w.pro.Decline(r.Context(), p, id); err != nil {
			return err
		}
		http.Redirect(rw, r, "/me/proactive?done=declined", http.StatusSeeOther)
	default:
		return errs.NotFoundf("web.offerAnswer", "page", "صفحه")
	}
	return nil
}

// actionRow is one offer or no-stop start on /me/proactive and the demo
// page.
type actionRow struct {
	ID, Mode, Service, Title, State, Tracking, When, Reason string
	Person, PersonName                                      string // the demo page only
	CaseState, Document                                     string // the demo page only
}

func actionRows(l lang, as []proactive.Action) []actionRow {
	out := make([]actionRow, 0, len(as))
	for _, a := range as {
		out = append(out, actionRow{ID: a.ID, Mode: string(a.Mode), Service: a.Service, Title: pickText(l, a.TitleFa, a.TitleEn),
			State: "offer.state." + a.State, Tracking: a.Tracking, When: dateTimeIn(l, a.CreatedAt), Reason: a.Reason})
	}
	return out
}

// mineView is the data of /me/proactive.
type mineView struct {
	Actions []actionRow
	OptOuts []proactive.OptOut
	Done    string
}

// myProactive lists the person's offers and no-stop services and lets them
// opt out of each no-stop service.
func (w *Web) myProactive(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.pro == nil {
		return errNoProactive
	}
	l := langOf(r)
	as, err := w.pro.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	v := mineView{Actions: actionRows(l, as)}
	if v.OptOuts, err = w.pro.OptOuts(r.Context(), p); err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "declined", "optout", "optin":
		v.Done = "proactive.done." + r.URL.Query().Get("done")
	}
	return w.render(rw, r, http.StatusOK, "offers_mine", translate(l, "proactive.title"), "me", v)
}

// setOptOut records or withdraws an opt-out of a no-stop service.
func (w *Web) setOptOut(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.pro == nil {
		return errNoProactive
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 4<<10)
	out := r.PostFormValue("out") == "1"
	if err := w.pro.SetOptOut(r.Context(), p, r.PostFormValue("service"), out); err != nil {
		return err
	}
	done := "optin"
	if out {
		done = "optout"
	}
	http.Redirect(rw, r, "/me/proactive?done="+done, http.StatusSeeOther)
	return nil
}

// subscriptionsView is the data of /agency/services/{id}/subscriptions.
type subscriptionsView struct {
	Service, Title, Agency string
	Subs                   []subRow
	Draft                  proactive.SubscriptionDraft
	DataText               string // the draft's data mapping, one "field = event.x" a line
	Problems               []proactive.Problem
	Error                  string
	Done                   string
	EventTypes             []string
}

// lifeEventTypes are the event types of the life-events room.
var lifeEventTypes = []string{"birth", "death", "marriage", "divorce", "retirement", "graduation", "company_registered"}

// subRow is one subscription on the console page.
type subRow struct {
	proactive.Subscription
	DataText string
	Mine     bool // written by the viewer: a second admin must activate it
}

func dataText(d map[string]string) string {
	var b strings.Builder
	for k, v := range d {
		b.WriteString(k + " = " + v + "\n")
	}
	return b.String()
}

func (w *Web) subscriptionsData(r *http.Request, p identity.Principal, id string) (subscriptionsView, error) {
	svc, err := w.cat.Service(r.Context(), id)
	if err != nil {
		return subscriptionsView{}, err
	}
	if svc.Record.Agency != p.Agency {
		return subscriptionsView{}, errs.NotFoundf("web.subscriptions", "service", "خدمت")
	}
	l := langOf(r)
	v := subscriptionsView{Service: svc.ID, Title: pickText(l, svc.Record.TitleFa, svc.Record.TitleEn), Agency: p.Agency,
		Draft:      proactive.SubscriptionDraft{Mode: proactive.Offer, Applicant: proactive.DefaultApplicant, Condition: "true"},
		EventTypes: lifeEventTypes}
	subs, err := w.pro.Subscriptions(r.Context(), svc.ID)
	if err != nil {
		return v, err
	}
	for _, s := range subs {
		v.Subs = append(v.Subs, subRow{Subscription: s, DataText: dataText(s.Data), Mine: s.CreatedBy == p.Actor()})
	}
	return v, nil
}

// agencySubscriptions shows a service's subscriptions to life events and
// the form to write one, /agency/services/{id}/subscriptions.
func (w *Web) agencySubscriptions(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	if w.pro == nil {
		return errNoProactive
	}
	v, err := w.subscriptionsData(r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	switch d := r.URL.Query().Get("done"); d {
	case "saved", "activated", "retired":
		v.Done = "subs.done." + d
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "offers_subscriptions", translate(langOf(r), "subs.title", v.Title), "agency", v)
}

// parseData reads "field = event.x" lines.
func parseData(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if k, v = strings.TrimSpace(k), strings.TrimSpace(v); ok && k != "" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// saveSubscription writes a draft subscription; its errors are shown in
// place.
func (w *Web) saveSubscription(rw http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	if w.pro == nil {
		return errNoProactive
	}
	id := r.PathValue("id")
	d := proactive.SubscriptionDraft{EventType: strings.TrimSpace(r.PostFormValue("event_type")), Condition: r.PostFormValue("condition"),
		Mode: proactive.Mode(r.PostFormValue("mode")), Applicant: r.PostFormValue("applicant"), Data: parseData(r.PostFormValue("data"))}
	_, err = w.pro.Subscribe(r.Context(), p, id, d)
	if errs.Is(err, errs.Invalid) {
		v, verr := w.subscriptionsData(r, p, id)
		if verr != nil {
			return verr
		}
		fa, en := errs.Messages(err)
		v.Error, v.Problems, v.Draft, v.DataText = pickText(langOf(r), fa, en), proactive.ProblemsOf(err), d, r.PostFormValue("data")
		rw.Header().Set("Cache-Control", "no-store")
		return w.render(rw, r, http.StatusUnprocessableEntity, "offers_subscriptions", translate(langOf(r), "subs.title", v.Title), "agency", v)
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/agency/services/"+id+"/subscriptions?done=saved", http.StatusSeeOther)
	return nil
}

// moveSubscription activates or retires a subscription.
func (w *Web) moveSubscription(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	if w.pro == nil {
		return errNoProactive
	}
	id, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("sub")), 10, 64)
	if err != nil {
		return errs.NotFoundf("web.moveSubscription", "subscription", "اشتراک")
	}
	var s proactive.Subscription
	switch r.PathValue("action") {
	case "activate":
		s, err = w.pro.Activate(r.Context(), p, id)
	case "retire":
		s, err = w.pro.Retire(r.Context(), p, id)
	default:
		return errs.NotFoundf("web.moveSubscription", "page", "صفحه")
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/agency/services/"+s.Service+"/subscriptions?done="+r.PathValue("action")+"d", http.StatusSeeOther)
	return nil
}

// demoView is the data of /demo/life-events.
type demoView struct {
	Kinds   []string
	People  []DemoPerson
	Event   string
	Actions []actionRow
	Running bool // the chain may still be running: the page refreshes
	Error   string
}

// demoEvents is the demo page: publish a life event for a demo person and
// watch its chain run. Only in the demo, to anyone signed in there.
func (w *Web) demoEvents(rw http.ResponseWriter, r *http.Request) error {
	if w.lifeEvents == nil || w.pro == nil {
		return w.notFound(rw, r)
	}
	if _, done := requireSignedIn(rw, r); done {
		return nil
	}
	rw.Header().Set("Cache-Control", "no-store")
	l := langOf(r)
	v := demoView{Kinds: []string{"birth", "retirement", "death"}}
	var err error
	if v.People, err = w.lifeEvents.People(r.Context()); err != nil {
		return err
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(rw, r.Body, 4<<10)
		id, err := w.lifeEvents.Publish(r.Context(), r.PostFormValue("kind"), r.PostFormValue("person"))
		if err == nil {
			http.Redirect(rw, r, "/demo/life-events?event="+id, http.StatusSeeOther)
			return nil
		}
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict && k != errs.NotFound && k != errs.Forbidden {
			return err
		}
		fa, en := errs.Messages(err)
		v.Error, status = pickText(l, fa, en), errs.StatusOf(errs.KindOf(err))
	}
	if v.Event = r.URL.Query().Get("event"); v.Event != "" {
		as, err := w.pro.EventActions(r.Context(), v.Event)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, p := range v.People {
			names[p.Code] = p.Name
		}
		v.Actions = actionRows(l, as)
		v.Running = len(as) == 0
		for i, a := range as {
			v.Actions[i].Person, v.Actions[i].PersonName = a.Person, names[a.Person]
			if a.Tracking == "" || w.ap == nil {
				continue
			}
			c, err := w.ap.Case(r.Context(), identity.System, a.Tracking)
			if err != nil {
				continue
			}
			v.Actions[i].CaseState, v.Actions[i].Document = pickText(l, c.State.NameFa(), c.State.NameEn()), c.Document
			if c.Open() {
				v.Running = true
			}
		}
	}
	return w.render(rw, r, status, "offers_demo", translate(l, "demoevents.title"), "", v)
}

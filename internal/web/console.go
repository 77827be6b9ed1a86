package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// The agency console: the fuller queue (filters by service, state, overdue
// and "assigned to me", with counts, sortable by deadline), assigning a
// case to a colleague, and the agency's webhooks with every delivery. The
// case view itself and the decisions are the agency's case page
// (cases.go), which the queue links to. Staff of another agency never see
// a case of this one: to them it does not exist (404).

// consolePages are the console's page templates.
var consolePages = []string{"console", "console_assign", "webhooks"}

var errNoBackoffice = errs.E("web.console", errs.Unavailable, "The agency console is not available on this server.", "پیشخوان دستگاه در این سامانه فعال نیست.")

// serviceOption is one service of the agency, for the queue's filter.
type serviceOption struct{ ID, Title string }

// consoleView is the data of /agency/console.
type consoleView struct {
	Items    []apply.QueueItem
	Counts   apply.QueueCounts
	States   []apply.State
	Services []serviceOption
	Filter   apply.ConsoleFilter
	Me       int64
	Admin    bool   // an agency admin: the console links the rules pages
	Assigned string // the tracking code just assigned
	Next     string // the next page's address, "" on the last
}

// consolePage is how many cases the console shows at a time.
const consolePage = 100

// staffPage checks that the request comes from an agency's staff; it
// redirects to sign-in when nobody is signed in (done is then true).
func (w *Web) staffPage(rw http.ResponseWriter, r *http.Request) (identity.Principal, bool, error) {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := staff(r)
	if errs.Is(err, errs.Unauthorized) {
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return p, true, nil
	}
	if err != nil {
		return p, false, err
	}
	if w.bo == nil {
		return p, false, errNoBackoffice
	}
	return p, false, nil
}

// console is the agency's queue.
func (w *Web) console(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.staffPage(rw, r)
	if done || err != nil {
		return err
	}
	q := r.URL.Query()
	f := apply.ConsoleFilter{Overdue: q.Get("overdue") == "1", Mine: q.Get("mine") == "1", Latest: q.Get("sort") == "latest", Service: q.Get("service"),
		Cursor: q.Get("cursor"), Limit: consolePage, Complaints: q.Get("complaints") == "1"}
	if s := q.Get("state"); s != "" {
		st, ok := apply.ParseState(s)
		if !ok {
			return badRequest("web.console", "cases.bad.state")
		}
		f.State = st
	}
	page, err := w.bo.Applications().AgencyQueue(r.Context(), p, f)
	if err != nil {
		return err
	}
	v := consoleView{Items: page.Items, Counts: page.Counts, States: apply.States, Filter: f, Me: p.ID, Assigned: q.Get("assigned"),
		Admin: p.Has(identity.RoleAgencyAdmin) && w.rl != nil}
	if page.Next != "" {
		q.Set("cursor", page.Next)
		q.Del("assigned")
		v.Next = "/agency/console?" + q.Encode()
	}
	if all, err := w.cat.Published(r.Context()); err == nil {
		l := langOf(r)
		for _, s := range all {
			if s.Record.Agency == p.Agency {
				v.Services = append(v.Services, serviceOption{ID: s.ID, Title: pickText(l, s.Record.TitleFa, s.Record.TitleEn)})
			}
		}
	}
	return w.render(rw, r, http.StatusOK, "console", translate(langOf(r), "console.title"), "agency", v)
}

// assignView is the data of /agency/cases/{tracking}/assign.
type assignView struct {
	Case       apply.Case
	Assignee   int64
	Name       string
	Colleagues []apply.Colleague
	Error      string
}

// colleagues lists the people of p's agency a case can be given to.
func (w *Web) colleagues(r *http.Request, agency string) ([]apply.Colleague, error) {
	if w.id == nil {
		return nil, nil
	}
	list, err := w.id.StaffList(r.Context(), agency)
	if err != nil {
		return nil, err
	}
	var out []apply.Colleague
	for _, s := range list {
		if s.Agency != agency || slices.ContainsFunc(out, func(c apply.Colleague) bool { return c.ID == s.PersonID }) {
			continue
		}
		name := s.Name
		if name == "" { // staff added before they ever signed in
			name = translate(langOf(r), "console.colleague", strconv.FormatInt(s.PersonID, 10))
		}
		out = append(out, apply.Colleague{ID: s.PersonID, Name: name, Agency: s.Agency})
	}
	return out, nil
}

// assignPage shows who handles a case and the colleagues it can be given to.
func (w *Web) assignPage(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.staffPage(rw, r)
	if done || err != nil {
		return err
	}
	return w.renderAssign(rw, r, p, http.StatusOK, "")
}

func (w *Web) renderAssign(rw http.ResponseWriter, r *http.Request, p identity.Principal, status int, msg string) error {
	ap := w.bo.Applications()
	c, err := ap.Case(r.Context(), p, r.PathValue("tracking"))
	if err != nil {
		return err
	}
	id, name, err := ap.AssigneeOf(r.Context(), p, c)
	if err != nil {
		return err
	}
	cs, err := w.colleagues(r, c.Agency)
	if err != nil {
		return err
	}
	v := assignView{Case: c, Assignee: id, Name: name, Colleagues: cs, Error: msg}
	return w.render(rw, r, status, "console_assign", translate(langOf(r), "console.assign.title", codeText(langOf(r), c.Tracking)), "agency", v)
}

// assign gives a case to a colleague of the same agency.
func (w *Web) assign(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.staffPage(rw, r)
	if done || err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("web.assign", "apply.bad.form")
	}
	cs, err := w.colleagues(r, p.Agency)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PostForm.Get("assignee"), 10, 64)
	i := slices.IndexFunc(cs, func(c apply.Colleague) bool { return c.ID == id })
	if i < 0 {
		return w.renderAssign(rw, r, p, http.StatusBadRequest, translate(langOf(r), "console.assign.bad"))
	}
	c, err := w.bo.Applications().Assign(r.Context(), p, r.PathValue("tracking"), cs[i])
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
		fa, en := errs.Messages(err)
		return w.renderAssign(rw, r, p, errs.StatusOf(errs.KindOf(err)), pickText(langOf(r), fa, en))
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/agency/console?assigned="+c.Tracking, http.StatusSeeOther)
	return nil
}

// webhooksView is the data of /agency/webhooks.
type webhooksView struct {
	Agency     string
	Hooks      []apply.Webhook
	Deliveries []apply.Delivery
	Kinds      []string
	CanManage  bool
	NewSecret  string // shown once, right after registering
	NewURL     string
	Error      string
	URL        string // what was typed, when the form is shown again
	Next       string // the next page of deliveries, "" on the last
}

func (w *Web) renderWebhooks(rw http.ResponseWriter, r *http.Request, p identity.Principal, status int, v webhooksView) error {
	hooks, err := w.bo.Webhooks(r.Context(), p)
	if err != nil {
		return err
	}
	ds, next, err := w.bo.DeliveriesPage(r.Context(), p, r.URL.Query().Get("cursor"), 100)
	if err != nil {
		return err
	}
	v.Next = cursorLink("/agency/webhooks", next)
	v.Agency, v.Hooks, v.Deliveries, v.Kinds = p.Agency, hooks, ds, apply.FeedKinds
	v.CanManage = p.Has(identity.RoleAgencyAdmin)
	return w.render(rw, r, status, "webhooks", translate(langOf(r), "webhooks.title"), "agency", v)
}

// webhooks shows the agency's endpoints and every recent delivery: its
// state, attempts, last error and next retry.
func (w *Web) webhooks(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.staffPage(rw, r)
	if done || err != nil {
		return err
	}
	return w.renderWebhooks(rw, r, p, http.StatusOK, webhooksView{})
}

// registerWebhook registers an endpoint (agency admins) and shows its
// secret once.
func (w *Web) registerWebhook(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.staffPage(rw, r)
	if done || err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("web.registerWebhook", "apply.bad.form")
	}
	url := r.PostForm.Get("url")
	h, secret, err := w.bo.RegisterWebhook(r.Context(), p, url, r.PostForm["kind"])
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
		fa, en := errs.Messages(err)
		return w.renderWebhooks(rw, r, p, errs.StatusOf(errs.KindOf(err)), webhooksView{Error: pickText(langOf(r), fa, en), URL: url})
	}
	if err != nil {
		return err
	}
	return w.renderWebhooks(rw, r, p, http.StatusOK, webhooksView{NewSecret: secret, NewURL: h.URL})
}

// disableWebhook stops deliveries to an endpoint (agency admins).
func (w *Web) disableWebhook(rw http.ResponseWriter, r *http.Request) error {
	p, done, err := w.staffPage(rw, r)
	if done || err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("web.disableWebhook", "webhook", "وب‌هوک")
	}
	if err := w.bo.DisableWebhook(r.Context(), p, id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/agency/webhooks", http.StatusSeeOther)
	return nil
}

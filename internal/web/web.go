// Package web is the portal: the server-rendered pages where citizens and
// businesses find government services, read each service's record in plain
// language, and see how far each agency has gone (fully electronic, smart).
// It speaks Persian first, right to left, and English as the second
// language; every word it shows comes from one translation table (i18n.go).
//
// web owns its templates and static assets and nothing else: it reads the
// registry only through catalog's methods, and must never run SQL, change
// state, or make the browser load anything from another origin (the content
// security policy allows only 'self', so no inline styles or scripts either).
// Pages work without JavaScript.
//
// Speed: templates are parsed once per language and render into pooled
// buffers; agency names come from one query every 30 seconds; a rendered
// service page is kept and reused while its version, status and agency names
// are unchanged; the counts on the home page are shared for five seconds.
package web

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/proactive"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/suggest"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the portal needs.
type Config struct {
	Catalog *catalog.Catalog
	Log     *slog.Logger
	// Dev re-reads templates and static files from the source tree on every
	// request, so that designers can iterate without restarting.
	Dev bool
	// Version is the software version, shown in the footer.
	Version string
	// Identity and SignIn serve the account pages (sign-in, profile); when
	// SignIn is nil the portal offers no sign-in.
	Identity *identity.Identity
	SignIn   *identity.RelyingParty
	Cookies  identity.Cookies
	// Exchange and Gateway serve the data tracker, the consent page and the
	// exchange pages for agencies and the platform admin; when Gateway is
	// nil those pages answer 503.
	Exchange *exchange.Exchange
	Gateway  *exchange.Gateway
	// Apply serves the application form, the citizen's cases and the
	// agency's decision pages; when nil those pages answer 503.
	Apply *apply.Applications
	// Backoffice serves the agency console's queue, assignments and
	// webhooks (console.go); when nil those pages answer 503.
	Backoffice *apply.Backoffice
	// NoPageCache renders every service page afresh; benchmarks use it to
	// measure the rendering path that a signed-in visitor always takes.
	NoPageCache bool
	// Notifier serves the citizen's inbox and the unread count in the
	// header; when nil the inbox answers 503. When its provider is the demo
	// outbox, /dev/outbox shows what was "sent": to anyone when OutboxOpen
	// (the demo), otherwise to platform admins only.
	Notifier   *notify.Notifier
	OutboxOpen bool
	// Permits serves the verify page, the printable documents with their
	// QR codes and PDFs, and the citizen's wallet; when nil those pages
	// answer 503.
	Permits *permit.Permits
	// Rules serves the agency admins' rules pages, the rules section of
	// the service page and the eligibility check; RuleEnvs gives the types
	// of a service's inputs, and RuleFacts a signed-in citizen's own facts.
	// When Rules is nil those pages answer 503 and the section is left out;
	// when RuleFacts is nil the check with one's own data says it is not
	// available.
	Rules     *rules.Rules
	RuleEnvs  rules.EnvSource
	RuleFacts rules.Facts
	// Proactive serves offers, the citizen's no-stop services and
	// opt-outs, and the agency's subscriptions to life events (offers.go);
	// when nil those pages answer 503. LifeEvents, set in the demo only,
	// serves the demo page that publishes life events.
	Proactive  *proactive.Proactive
	LifeEvents LifeEventDemo
	// Suggest serves the suggestions on the signed-in citizen's home page;
	// nil: the section is left out and dismissing answers 503.
	Suggest *suggest.Suggester
	// Oversight serves the monthly reports (/reports), and gives the
	// dashboards the targets and the rankings (left out when nil).
	// KPI serves the dashboards (/oversight, /agency/dashboard), the
	// transparency pages and the open data; nil: those pages answer 503.
	KPI       *kpi.KPI
	Oversight *oversight.Oversight
}

// Web is the portal. It is safe for concurrent use.
type Web struct {
	cat     *catalog.Catalog
	log     *slog.Logger
	dev     bool
	version string

	tmpl     map[lang]map[string]*template.Template // page name → parsed set; read-only after New
	static   fs.FS                                  // the static/ folder
	srcDir   string                                 // Dev: the package's source folder
	hashes   map[string]string                      // static path → content fingerprint
	bufs     sync.Pool                              // *bytes.Buffer for rendering
	agencyC  refreshed[agencies]
	overview refreshed[overview]
	pages    *pageCache // rendered service pages; nil in Dev mode

	id      *identity.Identity
	rp      *identity.RelyingParty
	cookies identity.Cookies

	x  *exchange.Exchange
	gw *exchange.Gateway

	ap *apply.Applications
	bo *apply.Backoffice

	notes      *notify.Notifier
	outboxOpen bool

	docs documents // signed documents (permit.go)

	rl         *rules.Rules
	ruleEnvs   rules.EnvSource
	ruleFacts  rules.Facts
	pro        *proactive.Proactive
	lifeEvents LifeEventDemo
	sug        *suggest.Suggester // suggestions on the home page (suggestions.go)

	ov  *oversight.Oversight // the monthly reports (reports.go); targets and rankings (dash_oversight.go)
	kpi *kpi.KPI             // the dashboards' figures (dashboards.go)
}

// pageNames lists the page templates; each is parsed with the layout.
var pageNames = []string{"home", "search", "service", "agencies", "agency", "about", "error", "me", "tracker", "consents", "agency_exchange", "admin_exchange", "inbox", "outbox", "acting", "agency_staff", "agency_keys", "agency_reps", "verify", "document", "documents", "admin_search_misses", "notify_confirm", "reports",
	"oversight", "agency_dashboard", "transparency", "opendata"}

// New parses the templates and fingerprints the static files.
func New(cfg Config) (*Web, error) {
	if cfg.Catalog == nil {
		return nil, errs.E("web.New", errs.Internal, "web: a catalog is required", "")
	}
	w := &Web{cat: cfg.Catalog, log: cfg.Log, dev: cfg.Dev, version: cfg.Version, id: cfg.Identity, rp: cfg.SignIn, cookies: cfg.Cookies,
		x: cfg.Exchange, gw: cfg.Gateway, ap: cfg.Apply, bo: cfg.Backoffice, notes: cfg.Notifier, outboxOpen: cfg.OutboxOpen,
		rl: cfg.Rules, ruleEnvs: cfg.RuleEnvs, ruleFacts: cfg.RuleFacts, pro: cfg.Proactive, lifeEvents: cfg.LifeEvents, sug: cfg.Suggest,
		kpi: cfg.KPI}
	w.ov = cfg.Oversight
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.version == "" {
		w.version = "dev"
	}
	w.bufs.New = func() any { return new(bytes.Buffer) }
	w.agencyC.load, w.agencyC.ttl = loadAgencies(cfg.Catalog), 30*time.Second
	w.overview.load, w.overview.ttl = loadOverview(cfg.Catalog), 5*time.Second
	if cfg.Dev {
		w.overview.ttl = 0 // designers see every change at once
	} else if !cfg.NoPageCache {
		w.pages = newPageCache(32 << 20)
	}

	tfs, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, errs.Wrap("web.New", err)
	}
	sfs, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, errs.Wrap("web.New", err)
	}
	w.static = sfs
	w.docs = newDocuments(cfg.Permits, sfs)
	if cfg.Dev {
		if dir := sourceDir(); dir != "" {
			w.srcDir = dir
			w.static = os.DirFS(filepath.Join(dir, "static"))
		} else {
			w.log.Warn("web: dev mode without the source tree; serving the embedded templates")
		}
	}
	if w.hashes, err = fingerprints(w.static); err != nil {
		return nil, errs.Wrap("web.New", err)
	}
	if w.tmpl, err = w.parse(tfs); err != nil {
		return nil, errs.Wrap("web.New", err)
	}
	return w, nil
}

// sourceDir returns the folder of this package's source when it exists on
// this machine (go run, tests), or "".
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, "templates", "layout.html")); err != nil {
		return ""
	}
	return dir
}

// parse parses every page with the layout and partials, once per language.
func (w *Web) parse(tfs fs.FS) (map[lang]map[string]*template.Template, error) {
	out := map[lang]map[string]*template.Template{}
	for _, l := range []lang{fa, en} {
		base, err := template.New("layout.html").Funcs(w.funcs(l)).ParseFS(tfs, "layout.html", "partials/*.html")
		if err != nil {
			return nil, err
		}
		pages := map[string]*template.Template{}
		for _, name := range append(append(append(append(pageNames[:len(pageNames):len(pageNames)], applyPages...), consolePages...), rulesPages...), offersPages...) {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(tfs, "pages/"+name+".html"); err != nil {
				return nil, err
			}
			pages[name] = t
		}
		out[l] = pages
	}
	return out, nil
}

// templates returns the parsed pages: re-read from disk in Dev mode.
func (w *Web) templates() (map[lang]map[string]*template.Template, error) {
	if w.dev && w.srcDir != "" {
		return w.parse(os.DirFS(filepath.Join(w.srcDir, "templates")))
	}
	return w.tmpl, nil
}

// page is what every template receives: the frame of the page and its data.
type page struct {
	Lang      string
	Dir       string
	Title     string // the page's own title, without the site name
	Section   string // which header link is current
	SwitchURL string // the same page in the other language
	OtherLang string
	Version   string
	User      *pageUser // the signed-in person, shown in the header; nil for visitors
	SignIn    bool      // whether the portal offers signing in
	Data      any
}

// pageUser is what the header shows of the signed-in person.
type pageUser struct {
	Name   string
	Inbox  bool // whether to link the inbox: a citizen, with notices on
	Unread int  // unread messages in the inbox
	// ActingFor is the name of whom the person acts for (acting.go), shown
	// in the header on every page; "" when acting for themselves.
	ActingFor string
	// Console is whether to link the agency console: the person is an
	// agency's staff.
	Console bool
	// Oversight is whether to link the overseer's dashboard: the person is
	// an overseer or a platform admin.
	Oversight bool
}

// render writes the page name with data, in r's language, with status; a
// page with a 4xx or 5xx status gets «خطا:» ("Error:") before its title.
// The page is rendered into a pooled buffer first, so a template error
// becomes an error page, never half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name, title, section string, data any) error {
	if status >= 400 && name != "error" {
		// A page shown again because of what was sent says so first, in
		// the title that screen readers read on arrival.
		title = translate(langOf(r), "error.prefix", title)
	}
	buf, err := w.execute(r, name, title, section, data)
	if err != nil {
		return err
	}
	defer w.release(buf)
	w.write(rw, r, status, buf.Bytes())
	return nil
}

// execute renders the page name into a pooled buffer; the caller must
// release it.
func (w *Web) execute(r *http.Request, name, title, section string, data any) (*bytes.Buffer, error) {
	l := langOf(r)
	sets, err := w.templates()
	if err != nil {
		return nil, errs.Wrap("web.render", err)
	}
	t := sets[l][name]
	if t == nil {
		return nil, errs.E("web.render", errs.Internal, "no template "+name, "")
	}
	p := page{
		Lang: string(l), Dir: l.dir(), Title: title, Section: section,
		SwitchURL: switchURL(r, l.other()), OtherLang: string(l.other()), Version: w.version, Data: data,
		SignIn: w.rp != nil,
	}
	if pr, ok := identity.FromContext(r.Context()); ok && pr.Kind == "user" {
		p.User = &pageUser{Name: pr.Name, ActingFor: actingLabel(pr), Console: isStaff(pr),
			Oversight: pr.Has(identity.RoleOverseer) || pr.Has(identity.RolePlatformAdmin)}
		if w.notes != nil && pr.NationalCode != "" {
			p.User.Inbox = true
			// The count is a courtesy: a failure to read it must not cost
			// the page, so it is logged (without the person) and shown as 0.
			if n, err := w.notes.Unread(r.Context(), pr.Subject()); err == nil {
				p.User.Unread = n
			} else {
				w.log.Warn("unread count failed", "route", r.Pattern, "err", err.Error())
			}
		}
	}
	buf := w.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		w.release(buf)
		return nil, errs.Wrap("web.render "+name, err)
	}
	return buf, nil
}

// release returns a rendering buffer to the pool.
func (w *Web) release(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 { // don't keep giant buffers alive
		w.bufs.Put(buf)
	}
}

// write sends a rendered page.
func (w *Web) write(rw http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(langOf(r)))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Add("Vary", "Cookie") // beside Accept-Encoding, which compression adds
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	rw.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = rw.Write(body)
	}
}

// switchURL returns the current URL with ?lang=to, which sets the language
// and redirects back here.
func switchURL(r *http.Request, to lang) string {
	q := r.URL.Query()
	q.Set("lang", string(to))
	return r.URL.Path + "?" + q.Encode()
}

// handle adapts a page handler: it applies a ?lang= switch, runs h, and
// renders any error as an error page in the page's language.
func (w *Web) handle(h httpx.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if v, ok := r.URL.Query()["lang"]; ok {
			w.switchLang(rw, r, v)
			return
		}
		if err := h(rw, r); err != nil {
			w.fail(rw, r, err)
		}
	})
}

// switchLang remembers the language asked for in a cookie and redirects to
// the same page without the parameter.
func (w *Web) switchLang(rw http.ResponseWriter, r *http.Request, v []string) {
	if len(v) == 1 {
		if l, ok := parseLang(v[0]); ok {
			http.SetCookie(rw, &http.Cookie{
				Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
			})
		}
	}
	q := r.URL.Query()
	q.Del("lang")
	target := r.URL.Path
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		target = "/" // never a redirect to another host
	}
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// fail renders err as an HTML page: the status from its kind, the message
// in the page's language. Only internal errors are logged, by route and
// operation, never with the URL.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	kind := errs.KindOf(err)
	status := errs.StatusOf(kind)
	if status >= 500 {
		w.log.Error("page failed", "route", r.Pattern, "method", r.Method, "err", err.Error())
	}
	l := langOf(r)
	msgFa, msgEn := errs.Messages(err)
	msg := msgFa
	if l == en {
		msg = msgEn
	}
	heading := translate(l, "error.title")
	switch {
	case status == http.StatusNotFound:
		heading = translate(l, "error.title.404")
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		heading = translate(l, "error.title.403")
	case status == http.StatusServiceUnavailable:
		heading = translate(l, "error.title.503")
	case status >= 500:
		heading = translate(l, "error.title.500")
	case status >= 400:
		heading = translate(l, "error.title.400")
	}
	if status == http.StatusTooManyRequests {
		rw.Header().Set("Retry-After", "1")
	}
	rw.Header().Set("Cache-Control", "no-store")
	v := errorView{Status: status, Heading: heading, Message: msg}
	if rerr := w.render(rw, r, status, "error", heading, "", v); rerr != nil {
		w.log.Error("error page failed", "route", r.Pattern, "err", rerr.Error())
		http.Error(rw, msg, status)
	}
}

// badRequest is the Invalid error for a malformed parameter of a page, with
// its message in both languages from the translation table.
func badRequest(op, key string, args ...string) error {
	return errs.E(op, errs.Invalid, translate(en, key, args...), translate(fa, key, args...))
}

// notFound renders the 404 page for any path that no page matches.
func (w *Web) notFound(rw http.ResponseWriter, r *http.Request) error {
	return errs.E("web.notFound", errs.NotFound, "There is no page at this address.", "صفحه‌ای با این نشانی وجود ندارد.")
}

// agencies is one load of every agency, kept in memory for name look-ups
// (refreshed every ttl from one query) so that pages never ask the store
// once per service. It is never changed once built.
type agencies struct {
	byCode map[string]catalog.Agency
	list   []catalog.Agency // in the catalog's order
	gen    uint64           // increases whenever the list changes
}

// loadAgencies reads every agency; gen moves on only when the list changed.
func loadAgencies(cat *catalog.Catalog) func(context.Context, *agencies) (*agencies, error) {
	return func(ctx context.Context, old *agencies) (*agencies, error) {
		list, err := cat.Agencies(ctx)
		if err != nil {
			return nil, err
		}
		next := &agencies{byCode: make(map[string]catalog.Agency, len(list)), list: list}
		for _, a := range list {
			next.byCode[a.Code] = a
		}
		switch {
		case old == nil:
			next.gen = 1
		case slices.Equal(old.list, list):
			next.gen = old.gen
		default:
			next.gen = old.gen + 1
		}
		return next, nil
	}
}

// staticPath is the URL prefix of the static files.
const staticPath = "/static/"

// staticURL returns the URL of a static file with its fingerprint, so that
// it can be cached for a year and still change when the file does.
func (w *Web) staticURL(name string) string {
	if h, ok := w.hashes[name]; ok && !w.dev {
		return staticPath + name + "?v=" + h
	}
	return staticPath + name
}

// serveStatic serves the static folder. A request carrying the file's
// current fingerprint is cached for a year; others for an hour, and then
// revalidated by the fingerprint as the ETag.
func (w *Web) serveStatic(rw http.ResponseWriter, r *http.Request) error {
	return w.serveFile(rw, r, path.Clean(r.PathValue("path")))
}

// favicon answers the browsers that ask for /favicon.ico whatever the page
// says, with the emblem.
func (w *Web) favicon(rw http.ResponseWriter, r *http.Request) error {
	return w.serveFile(rw, r, faviconFile)
}

// faviconFile is the static file served as the site's icon.
const faviconFile = "img/emblem.svg"

// serveFile serves one file of the static folder with its caching headers.
func (w *Web) serveFile(rw http.ResponseWriter, r *http.Request, name string) error {
	f, err := w.static.Open(name)
	if err != nil {
		return w.notFound(rw, r)
	}
	st, err := f.Stat()
	f.Close()
	if err != nil || st.IsDir() || path.Base(name) == "README.md" {
		return w.notFound(rw, r)
	}
	switch {
	case w.dev:
		rw.Header().Set("Cache-Control", "no-cache")
	case r.URL.Query().Get("v") != "" && r.URL.Query().Get("v") == w.hashes[name]:
		rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		rw.Header().Set("Cache-Control", "public, max-age=3600")
	}
	if h, ok := w.hashes[name]; ok && !w.dev {
		rw.Header().Set("ETag", `"`+h+`"`)
	}
	http.ServeFileFS(rw, r, w.static, name)
	return nil
}

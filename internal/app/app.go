// Package app assembles Panjare: configuration → store → capabilities →
// front doors, in one readable function (New), and runs and stops them in a
// fixed order (Run). It is the only package that imports every capability.
package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/identity/idp"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/proactive"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/suggest"
	"github.com/panjare/panjare/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// App is one assembled Panjare process.
type App struct {
	Config   Config
	Log      *slog.Logger
	Store    *store.Store
	Identity *identity.Identity
	Catalog  *catalog.Catalog
	Exchange *exchange.Exchange
	Gateway  *exchange.Gateway // the exchange gateway, served by the exchange listeners
	PubSub   *exchange.PubSub  // the life-events room (GovStack Pub/Sub), served by the gateway
	Notifier *notify.Notifier  // the inbox, and SMS and email through their providers
	Permits  *permit.Permits   // signed documents: issuing, verification, revocation, the wallet
	Handler  http.Handler      // every HTTP route, wrapped in the shared middleware
	// Proactive starts services on life events (offers and no-stop).
	Proactive *proactive.Proactive

	// Apply is the citizens' applications; Sandbox is the demo's payment
	// provider, nil outside the demo.
	Apply   *apply.Applications
	Sandbox *apply.Sandbox
	// Backoffice is the agency back offices' side: the feed behind the pull
	// queue and webhooks, and decisions with idempotency keys.
	Backoffice *apply.Backoffice
	// Rules is the services' eligibility rules and automatic decisions.
	Rules *rules.Rules
	// Suggest suggests services to each signed-in citizen; nil when
	// switched off (--suggestions=false).
	Suggest *suggest.Suggester
	// Ledger seals every event into a signed Merkle tree (Run, in App.Run).
	Ledger *ledger.Ledger
	// KPI keeps the oversight figures, folded from the events (Run, in
	// App.Run on the nodes that work jobs), for the dashboards, the open
	// data and the API.
	KPI *kpi.KPI
	// Oversight builds targets, rankings and the monthly reports on the
	// KPIs.
	Oversight *oversight.Oversight

	server *http.Server

	exchangeTLS, exchangeLocal net.Listener    // opened by ListenExchange; nil when disabled
	backOffices                *backoffice.Set // the demo's simulated agency back offices; nil outside the demo
}

// Migrations lists every capability's migrations in dependency order.
func Migrations() []store.MigrationSet {
	return []store.MigrationSet{identity.Migrations(), catalog.Migrations(), permit.Migrations(), exchange.Migrations(), notify.Migrations(), apply.Migrations(), rules.Migrations(), proactive.Migrations(), suggest.Migrations(), ledger.Migrations(), kpi.Migrations(), oversight.Migrations()}
}

// New opens the database, migrates it if configured, and assembles the
// capabilities and the HTTP handler. It starts nothing; Run does.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DB, store.Options{PostgresLanes: cfg.DBLanes, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Store: st}
	fail := func(err error) (*App, error) {
		st.Close()
		return nil, err
	}
	if cfg.Migrate {
		if err := st.Migrate(ctx, log, Migrations()...); err != nil {
			return fail(err)
		}
	}
	if a.Ledger, err = ledger.New(ctx, ledger.Config{Store: st, Origin: ledger.OriginFor(cfg.BaseURL), Log: log}); err != nil {
		return fail(err)
	}
	a.Identity = identity.New(st)
	idx, err := search.New()
	if err != nil {
		return fail(err)
	}
	if a.Catalog, err = catalog.New(ctx, st, idx); err != nil {
		return fail(err)
	}
	a.Catalog.RegisterWorkers()
	if a.KPI, err = kpi.New(kpi.Config{Store: st, Catalog: a.Catalog, Ledger: a.Ledger, Log: log}); err != nil {
		return fail(err)
	}
	if a.Permits, err = permit.New(ctx, st, a.Catalog, cfg.BaseURL); err != nil {
		return fail(err)
	}
	// Every agency that can issue documents has its signing key in the
	// JWKS before its first document, so that verifiers can fetch the keys
	// ahead of time: publishing such a record creates its agency's key, and
	// start-up creates those a database published before lacks.
	a.Catalog.OnPublish(a.Permits.KeyOnPublish)
	if _, err := a.Permits.EnsureKeys(ctx); err != nil {
		return fail(err)
	}
	a.Exchange = exchange.New(st, cfg.Instance)
	a.checkInquiries()

	cookies := identity.CookiesFor(cfg.BaseURL)
	signIn, demoIdP, err := a.signIn(ctx, cookies)
	if err != nil {
		return fail(err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	a.Gateway, err = exchange.NewGateway(ctx, a.Exchange, exchange.GatewayConfig{Log: log, Metrics: reg})
	if err != nil {
		return fail(err)
	}
	a.Gateway.RegisterWorkers()
	// Life events: the room's types are seeded at start-up (idempotent), and
	// the person of every event is checked with the civil registry through
	// the gateway, remembering for a while the persons it knows.
	a.PubSub = exchange.NewPubSub(a.Gateway, exchange.PubSubConfig{Log: log,
		PersonCheck: exchange.CachedPersonCheck(exchange.RegistryPersonCheck(a.Gateway), 10*time.Minute, 10000)})
	a.PubSub.RegisterWorkers()
	if err := a.PubSub.SeedLifeEvents(ctx); err != nil {
		return fail(err)
	}
	// Guardians are established from the civil registry's family record,
	// asked through the exchange like any other once-only inquiry.
	a.Identity.UseFamilyRegistry(identity.FamilyFromEvidence(func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error) {
		body, _, err := a.Gateway.Evidence(ctx, subject, inquiry, purpose)
		return body, err
	}))
	if a.Notifier, err = a.notifier(); err != nil {
		return fail(err)
	}
	a.Notifier.RegisterWorkers()
	if err := a.applications(ctx); err != nil {
		return fail(err)
	}
	// Webhooks may go to http:// on loopback only in the demo, where the
	// simulated back offices listen.
	a.Backoffice = apply.NewBackoffice(a.Apply, apply.BackofficeOptions{AllowLoopbackHTTP: cfg.Demo, Log: log})
	a.Backoffice.RegisterWorkers()
	facts, err := a.rules()
	if err != nil {
		return fail(err)
	}
	a.Apply.UseRules(a.Rules)
	if err := a.proactive(ctx); err != nil {
		return fail(err)
	}
	// Levels are true: they follow the active rulesets and subscriptions.
	if err := a.TrueLevels(ctx, a.Rules, a.Proactive); err != nil {
		return fail(err)
	}
	if err := a.suggestions(); err != nil {
		return fail(err)
	}
	if err := a.oversight(); err != nil {
		return fail(err)
	}

	portal, err := web.New(web.Config{Apply: a.Apply, Backoffice: a.Backoffice, Catalog: a.Catalog, Log: log, Dev: cfg.Dev, Version: cfg.Version,
		Identity: a.Identity, SignIn: signIn, Cookies: cookies, Exchange: a.Exchange, Gateway: a.Gateway, NoPageCache: cfg.NoPageCache,
		Notifier: a.Notifier, OutboxOpen: cfg.Demo, Permits: a.Permits, Proactive: a.Proactive, LifeEvents: a.lifeEvents(),
		Rules: a.Rules, RuleEnvs: ruleEnvs{cat: a.Catalog, apply: a.Apply, x: a.Exchange}, RuleFacts: a.Apply, Suggest: a.Suggest,
		KPI: a.KPI, Oversight: a.Oversight, Ledger: a.Ledger})
	if err != nil {
		return fail(err)
	}

	mux := http.NewServeMux()
	portal.Register(mux)
	if a.Sandbox != nil {
		mux.Handle("/sandbox/pay/", a.Sandbox.Handler())
	}
	if demoIdP != nil {
		mux.Handle(demoIdP.Prefix()+"/", demoIdP.Handler())
	}
	api.New(api.Config{Apply: a.Apply, Backoffice: a.Backoffice, Catalog: a.Catalog, Identity: a.Identity, Gateway: a.Gateway, Notifier: a.Notifier, Permits: a.Permits, Rules: a.Rules, Facts: facts, Log: log, BaseURL: cfg.BaseURL, Version: cfg.Version, Proactive: a.Proactive, Suggest: a.Suggest,
		KPI: a.KPI, Oversight: a.Oversight, Ledger: a.Ledger}).Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /readyz", httpx.API(log, func(w http.ResponseWriter, r *http.Request) error {
		if err := st.Ping(r.Context()); err != nil {
			return errs.E("readyz", errs.Unavailable, "the database is not reachable", "پایگاه داده در دسترس نیست")
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := fmt.Fprintln(w, "ready")
		return err
	}))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	// CSRF: refuse cross-origin state-changing requests from browsers.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteProblem(w, r, log, errs.E("csrf", errs.Forbidden,
			"cross-origin request refused", "درخواست از مبدأ دیگر پذیرفته نشد"))
	}))
	sessions := a.Identity.Middleware(cookies, log)
	a.Handler = httpx.Observe(httpx.SecureHeaders(httpx.Compress(csrf.Handler(sessions(mux)))), httpx.NewMetrics(reg), log)
	return a, nil
}

// applications builds apply. Fees go through a payment provider; the demo
// uses the sandbox bank, whose callback secret is shared by every node
// through the database. Outside the demo no provider is configured yet, so
// fees cannot be paid online (apply answers 503).
func (a *App) applications(ctx context.Context) error {
	var payments apply.PaymentProvider
	if a.Config.Demo {
		secret, err := a.Identity.Secret(ctx, "sandbox_payment_secret")
		if err != nil {
			return err
		}
		if a.Sandbox, err = apply.NewSandbox(a.Store, a.Config.BaseURL, secret); err != nil {
			return err
		}
		payments = a.Sandbox
	}
	var err error
	a.Apply, err = apply.New(apply.Config{Store: a.Store, Catalog: a.Catalog, Gateway: a.Gateway, Permits: a.Permits,
		Notifier: a.Notifier, Payments: payments, BaseURL: a.Config.BaseURL, Log: a.Log})
	if err != nil {
		return err
	}
	a.Apply.RegisterWorkers()
	return nil
}

// suggestions builds the suggestions, unless switched off: the profile is
// read through the exchange like any once-only evidence (so the citizen sees
// the inquiries in their data tracker), and the co-usage pairs are recounted
// by a periodic job.
func (a *App) suggestions() error {
	if a.Config.NoSuggestions {
		a.Log.Info("suggestions are switched off")
		return nil
	}
	profiles := suggest.NewExchangeProfiles(func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error) {
		body, _, err := a.Gateway.Evidence(ctx, subject, inquiry, purpose)
		return body, err
	}, a.Catalog.Regions, nil)
	var err error
	a.Suggest, err = suggest.New(suggest.Config{Store: a.Store, Catalog: a.Catalog, Profiles: profiles, K: a.Config.SuggestK, Log: a.Log})
	if err != nil {
		return err
	}
	a.Suggest.RegisterWorkers()
	return nil
}

// demoClientID is the portal's client id at the built-in demo provider.
const demoClientID = "panjare-portal"

// signIn builds the relying party of citizen sign-in. With DemoIdP it also
// builds the demo identity provider, served by this process at BaseURL +
// "/idp", with the portal as its one client; the portal still talks to it
// over HTTP, exactly as to a national provider. With neither an issuer nor
// DemoIdP there is no sign-in: a production node never falls back to a
// provider that lets anyone be anyone.
func (a *App) signIn(ctx context.Context, cookies identity.Cookies) (*identity.RelyingParty, *idp.Provider, error) {
	cfg := a.Config
	if cfg.OIDCIssuer == "" && !cfg.DemoIdP {
		a.Log.Warn("citizen sign-in is off: set --oidc-issuer (or --demo-idp for a demo)")
		return nil, nil, nil
	}
	rp := identity.RPConfig{
		Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: cfg.BaseURL + "/auth/callback", NationalCodeClaim: cfg.OIDCNationalCodeClaim, Cookies: cookies,
	}
	var demo *idp.Provider
	if rp.Issuer == "" {
		secret, err := a.Identity.Secret(ctx, "idp_portal_client_secret")
		if err != nil {
			return nil, nil, err
		}
		rp.Issuer, rp.ClientID, rp.ClientSecret = cfg.BaseURL+"/idp", demoClientID, base64.RawURLEncoding.EncodeToString(secret)
		rp.NationalCodeClaim = "national_code"
		demo, err = idp.New(ctx, idp.Config{
			Store: a.Store, Identity: a.Identity, Issuer: rp.Issuer, Stylesheet: "/static/css/panjare.css", Log: a.Log,
			Clients: []idp.Client{{ID: rp.ClientID, Secret: rp.ClientSecret, RedirectURIs: []string{rp.RedirectURL}}},
		})
		if err != nil {
			return nil, nil, err
		}
		a.Log.Warn("citizen sign-in uses the built-in demo identity provider, where anyone can sign in as anyone; set --oidc-issuer for real use",
			"issuer", rp.Issuer)
	}
	r, err := a.Identity.NewRelyingParty(ctx, rp)
	return r, demo, err
}

// notifier builds the notifier. SMS goes through Kavenegar with
// --sms-provider kavenegar, email through the mail relay at --smtp-addr;
// a channel without one goes to the demo outbox, which sends nothing and
// shows the messages on /dev/outbox: to anyone in the demo, to platform
// admins only elsewhere. Outside the demo that is said loudly at start-up.
// Config.Validate has checked the settings.
func (a *App) notifier() (*notify.Notifier, error) {
	outbox := notify.NewOutbox(a.Store)
	var sms, email notify.Provider = outbox, outbox
	k, err := a.Config.SMS()
	if err != nil {
		return nil, err
	}
	if k != nil {
		sms = k
	}
	m, err := a.Config.Email()
	if err != nil {
		return nil, err
	}
	if m != nil {
		email = m
	}
	a.Log.Info("notices are delivered", "sms", sms.Name(), "email", email.Name())
	if !a.Config.Demo {
		for _, c := range []struct {
			channel string
			p       notify.Provider
		}{{"sms", sms}, {"email", email}} {
			if c.p == outbox {
				a.Log.Warn("no provider is configured for this channel: its messages go to the demo outbox (/dev/outbox, platform admins) without being sent",
					"channel", c.channel)
			}
		}
	}
	return notify.New(a.Store, sms, email).WithBaseURL(a.Config.BaseURL), nil
}

// checkInquiries makes the catalogue refuse to publish a record whose
// evidence names an inquiry the exchange does not have (one invariant across
// the two capabilities: evidence no agency can answer would leave every
// application waiting). In the demo the check starts once StartDemoExchange
// has registered the back offices.
func (a *App) checkInquiries() {
	if !a.Config.Demo || a.backOffices != nil {
		a.Catalog.CheckInquiries(a.Exchange)
	}
}

// LoadDemo loads the demo data once; it reports whether anything was loaded.
// The demo records name the inquiries of the demo back offices, which
// StartDemoExchange registers after the catalogue is loaded (and which a
// node loading the demo catalogue for a benchmark never starts), so they
// are published without asking the exchange; the demo's tests hold every
// one of them to existing in the demo exchange instead.
func (a *App) LoadDemo(ctx context.Context) (bool, error) {
	a.Catalog.CheckInquiries(nil)
	defer a.checkInquiries()
	return demo.Load(ctx, a.Catalog)
}

// StartDemoExchange starts the simulated agency back offices on
// loopback (office i on firstPort+i when free, else an ephemeral port; 0
// for ephemeral ports) and registers the demo exchange against them: the
// members, their data services and the rights each provider grants. Run and
// Close stop the back offices. It returns the running back offices.
func (a *App) StartDemoExchange(ctx context.Context, firstPort int) (*backoffice.Set, error) {
	set, err := backoffice.Start(firstPort)
	if err != nil {
		return nil, err
	}
	if err := demo.LoadExchange(ctx, a.Exchange, set); err != nil {
		set.Close(ctx)
		return nil, fmt.Errorf("registering the demo exchange: %w", err)
	}
	if err := demo.LoadLifeEvents(ctx, a.Exchange, a.PubSub); err != nil {
		set.Close(ctx)
		return nil, fmt.Errorf("subscribing the demo agencies to life events: %w", err)
	}
	// The demo people: NOCR's admin and operator, a company representative,
	// and a mother whose children are looked up through the exchange. A
	// failure here leaves the demo usable, so it is only logged.
	if err := demo.LoadPeople(ctx, a.Identity, set.People); err != nil {
		a.Log.Warn("demo people not loaded", "err", err.Error())
	}
	a.backOffices = set
	a.checkInquiries()
	// The life-event chains: rulesets and subscriptions written and
	// activated by two admins of each agency, once the inquiries their
	// rules read are registered.
	if err := a.loadChains(ctx, set.People); err != nil {
		a.Log.Warn("demo life-event chains not loaded", "err", err.Error())
	}
	// The request-started smart services' rulesets, likewise.
	if err := demo.LoadRulesets(ctx, demo.RulesConfig{Catalog: a.Catalog, Identity: a.Identity, Rules: a.Rules}, set.People); err != nil {
		a.Log.Warn("demo rulesets not loaded", "err", err.Error())
	}
	// The demo catalogue was published before its inquiries existed:
	// check them now.
	if err := a.Catalog.Recompute(ctx); err != nil {
		set.Close(ctx)
		a.backOffices = nil
		return nil, fmt.Errorf("recomputing true levels: %w", err)
	}
	return set, nil
}

// BackOffices returns the demo back offices StartDemoExchange started, or
// nil.
func (a *App) BackOffices() *backoffice.Set { return a.backOffices }

// stopBackOffices stops the demo back offices, if they run.
func (a *App) stopBackOffices(ctx context.Context) error {
	if a.backOffices == nil {
		return nil
	}
	err := a.backOffices.Close(ctx)
	a.backOffices = nil
	return err
}

// Listen opens the HTTP listener. Tests use it with Addr "127.0.0.1:0" and
// read the chosen address back.
func (a *App) Listen() (net.Listener, error) {
	return net.Listen("tcp", a.Config.Addr)
}

// ListenExchange opens the exchange's listeners that are configured: the
// mTLS listener on ExchangeAddr and the plain loopback one on
// ExchangeLocalAddr, which refuses any address but loopback. Run serves
// them. Tests use "127.0.0.1:0" and read the chosen addresses back.
func (a *App) ListenExchange(ctx context.Context) (mtls, local net.Listener, err error) {
	if a.Config.ExchangeAddr != "" {
		if mtls, err = a.Gateway.ListenTLS(ctx, a.Config.ExchangeAddr); err != nil {
			return nil, nil, err
		}
	}
	if a.Config.ExchangeLocalAddr != "" {
		if local, err = exchange.ListenLocal(a.Config.ExchangeLocalAddr); err != nil {
			if mtls != nil {
				mtls.Close()
			}
			return nil, nil, err
		}
	}
	a.exchangeTLS, a.exchangeLocal = mtls, local
	return mtls, local, nil
}

// Run serves on ln (and on the exchange listeners ListenExchange opened)
// until ctx is done, then stops in a fixed order: stop accepting requests
// and drain those in flight, flush the exchange's message log, stop
// following other nodes' changes, stop background jobs, close the database.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if a.Config.Jobs {
		if err := a.Store.StartJobs(ctx); err != nil {
			if ctx.Err() != nil {
				return nil // stopped (Ctrl-C, SIGTERM) while starting: a clean stop
			}
			return err
		}
		a.PubSub.Start(ctx) // life events are delivered by the nodes that work jobs
	}
	followCtx, stopFollow := context.WithCancel(context.WithoutCancel(ctx))
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		a.Catalog.Follow(followCtx, 2*time.Second)
	}()
	sealed := make(chan struct{})
	go func() {
		defer close(sealed)
		a.Ledger.Run(followCtx) // on every process: the ledger's state row lets one seal at a time
	}()
	folded := make(chan struct{})
	go func() {
		defer close(folded)
		if a.Config.Jobs {
			a.KPI.Run(followCtx) // the figures: one fold at a time across processes
		}
	}()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		if a.Config.Jobs {
			a.Backoffice.Run(followCtx, time.Second) // the agency feed: pull queue and webhooks
		}
	}()

	a.server = &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 3)
	go func() { served <- a.server.Serve(ln) }()
	a.Log.Info("serving", "addr", ln.Addr().String(), "db", a.Store.String())
	var exchangeServers []*http.Server
	for _, l := range []struct {
		ln   net.Listener
		mode exchange.ClientMode
		name string
	}{{a.exchangeTLS, exchange.ByCertificate, "mtls"}, {a.exchangeLocal, exchange.ByHeader, "loopback"}} {
		if l.ln == nil {
			continue
		}
		srv := a.Gateway.Server(l.mode, a.Log)
		exchangeServers = append(exchangeServers, srv)
		go func() { served <- srv.Serve(l.ln) }()
		a.Log.Info("serving the exchange", "listener", l.name, "addr", l.ln.Addr().String())
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a.Log.Info("shutting down")
	if e := a.server.Shutdown(shutdown); e != nil {
		err = errors.Join(err, e)
	}
	for _, srv := range exchangeServers {
		if e := srv.Shutdown(shutdown); e != nil {
			err = errors.Join(err, e)
		}
	}
	if e := a.stopBackOffices(shutdown); e != nil {
		err = errors.Join(err, e)
	}
	if e := a.Gateway.Close(shutdown); e != nil {
		err = errors.Join(err, e)
	}
	stopFollow()
	<-followed
	<-fed
	<-sealed
	<-folded
	if e := a.Store.StopJobs(shutdown); e != nil {
		err = errors.Join(err, e)
	}
	if e := a.Store.Close(); e != nil {
		err = errors.Join(err, e)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the database when Run was never called.
func (a *App) Close() error {
	for _, ln := range []net.Listener{a.exchangeTLS, a.exchangeLocal} {
		if ln != nil {
			ln.Close()
		}
	}
	if a.Gateway != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		a.stopBackOffices(ctx)
		a.Gateway.Close(ctx)
		cancel()
	}
	return a.Store.Close()
}

// Package api is Panjare's JSON API: the public catalogue (services,
// agencies, regions, the CPSV-AP export) and the agency endpoints that
// create, update, publish and retire service records. Its OpenAPI document
// is built from the same route table that registers the handlers, and a
// test holds the two together.
//
// api parses and checks input, calls one capability verb, and renders the
// result; it never touches SQL. Errors are application/problem+json with
// Persian and English messages.
package api

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/proactive"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/suggest"
)

// Config is what the API needs.
type Config struct {
	Catalog  *catalog.Catalog
	Identity *identity.Identity
	Gateway  *exchange.Gateway // the exchange, for the data tracker; nil: those endpoints answer 503
	Notifier *notify.Notifier  // the citizen's inbox; nil: that endpoint answers 503
	Log      *slog.Logger
	BaseURL  string // the portal's public URL, for links in the JSON-LD export
	Version  string

	// Apply serves the citizen's applications and the payment callback;
	// nil: those endpoints answer 503.
	Apply *apply.Applications

	// Backoffice serves the agency back offices: the pull queue, decisions
	// with idempotency keys and webhooks; nil: those endpoints answer 503.
	Backoffice *apply.Backoffice

	// Permits serves the public keys, verification, revocation and the
	// citizen's wallet; nil: those endpoints answer 503.
	Permits *permit.Permits

	// Proactive serves the agency admins' subscriptions of services to
	// life events; nil: those endpoints answer 503.
	Proactive *proactive.Proactive
	// Rules serves the services' eligibility rules and their authoring;
	// nil: those endpoints answer 503. Facts gives a signed-in citizen's
	// own facts for an eligibility check ("mine"); nil: that answers 503.
	Rules *rules.Rules
	Facts rules.Facts
	// Suggest serves the signed-in citizen's suggestions; nil: those
	// endpoints answer 503.
	Suggest *suggest.Suggester
	// KPI serves the oversight figures and Oversight the rankings; nil:
	// those endpoints answer 503.
	KPI       *kpi.KPI
	Oversight *oversight.Oversight
	// Ledger serves the ledger's checkpoint, entries and proofs, and the
	// ledger indexes of case steps, documents and receipts (ledger.go);
	// nil: those endpoints answer 503 and the indexes are left out.
	Ledger *ledger.Ledger
}

// API serves the JSON API.
type API struct {
	cfg     Config
	public  *httpx.RateLimiter // per client address, for the public catalogue
	writers *httpx.RateLimiter // per client address, for agency writes
}

// Limits on what clients may send.
const (
	maxRecordBytes = 256 << 10 // a service record with every field filled is far below this
	maxQueryRunes  = 200
)

// New returns the API.
func New(cfg Config) *API {
	return &API{
		cfg:     cfg,
		public:  httpx.NewRateLimiter(50, 200),
		writers: httpx.NewRateLimiter(5, 30),
	}
}

// Register adds every API route to mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.routes() {
		var h http.Handler
		if rt.agency {
			h = a.writers.Limit(httpx.API(a.cfg.Log, a.withAgency(rt.agencyHandler)))
		} else {
			h = a.public.Limit(httpx.API(a.cfg.Log, rt.handler))
		}
		mux.Handle(rt.method+" "+rt.pattern, h)
	}
	// Anything else under /api/ is a problem+json 404, not the portal's HTML page.
	mux.Handle("/api/", httpx.API(a.cfg.Log, func(w http.ResponseWriter, r *http.Request) error {
		return errs.E("api", errs.NotFound, "no such API endpoint", "چنین نشانی‌ای در API وجود ندارد")
	}))
}

// agencyHandler is a handler for an authenticated agency API client.
type agencyHandler func(w http.ResponseWriter, r *http.Request, p identity.Principal) error

// withAgency authenticates the request's bearer API key.
func (a *API) withAgency(h agencyHandler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth := r.Header.Get("Authorization")
		key, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="panjare"`)
			return errs.E("api.auth", errs.Unauthorized, "send the agency API key as Authorization: Bearer <key>",
				"کلید API دستگاه را در سرآیند Authorization: Bearer <key> بفرستید")
		}
		p, err := a.cfg.Identity.Authenticate(r.Context(), strings.TrimSpace(key))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="panjare", error="invalid_token"`)
			return err
		}
		return h(w, r, p)
	}
}

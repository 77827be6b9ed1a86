package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/persian"
)

// The oversight figures as JSON: one group's figures for a month, and a
// month's rankings with their method. Both are public, like the
// transparency pages: kpi holds counts only, never a person.

// kpiAnswer is the answer of GET /api/v1/kpi.
type kpiAnswer struct {
	Source    kpi.Source     `json:"source"`
	Figures   kpi.Figures    `json:"figures"`
	Providers []kpi.Provider `json:"providers,omitempty"` // the national group only: inquiries have no agency or region
	Months    []string       `json:"months"`              // every month with figures, ascending
}

// rankingsAnswer is the answer of GET /api/v1/kpi/rankings.
type rankingsAnswer struct {
	Month          string             `json:"month"`
	Method         oversight.Method   `json:"method"`
	ProvinceMethod oversight.Method   `json:"province_method"`
	Agencies       []oversight.Ranked `json:"agencies"`
	Provinces      []oversight.Ranked `json:"provinces"`
	Source         kpi.Source         `json:"source"`
}

// kpiRoutes are the figures' endpoints.
func (a *API) kpiRoutes() []route {
	month := param{name: "month", in: "query", schema: "string", desc: "A Jalali month, YYYY-MM (e.g. 1404-07; Persian digits accepted). Default: the latest month with figures."}
	return []route{
		{method: "GET", pattern: "/api/v1/kpi", op: "getKPI", tag: "oversight",
			summary: "One group's figures for a month, counted only from the sealed events of the ledger (docs/oversight.md defines each): the nation, or narrowed to an agency, a service, a province or a city. Unknown codes are 400, never a page of zeros.",
			params: []param{month,
				{name: "agency", in: "query", schema: "string", desc: "Agency code."},
				{name: "service", in: "query", schema: "string", desc: "Service identifier."},
				{name: "province", in: "query", schema: "string", desc: "Province code."},
				{name: "city", in: "query", schema: "string", desc: "City code."}},
			responses: map[int]string{200: "KPIAnswer", 400: "Problem", 429: "Problem", 503: "Problem"},
			handler:   a.getKPI},
		{method: "GET", pattern: "/api/v1/kpi/rankings", op: "getKPIRankings", tag: "oversight",
			summary:   "A month's rankings of agencies and of provinces, with the method and the weights that made them.",
			params:    []param{month},
			responses: map[int]string{200: "Rankings", 400: "Problem", 429: "Problem", 503: "Problem"},
			handler:   a.getRankings},
	}
}

// kpiSchemas are the schemas of the figures' endpoints.
func kpiSchemas() map[string]any {
	num := map[string]any{"type": "number"}
	figures := map[string]any{"month": str("Jalali month, YYYY-MM."), "agency": str(""), "service": str(""), "province": str(""), "city": str(""),
		"by_level": map[string]any{"type": "array", "items": integer, "minItems": 6, "maxItems": 6, "description": "Live services at true levels 0 to 5."},
		"funnel":   map[string]any{"type": "boolean", "description": "Whether started and completed are counted (false in groups narrowed by region)."}}
	for _, n := range []string{"services", "fully_electronic", "smart", "started", "completed", "submitted", "decided", "decided_auto", "overturned",
		"on_time", "hours_p50", "hours_p90", "promised_p50", "ratings", "rating_sum", "complaints", "online", "counter"} {
		figures[n] = integer
	}
	method := obj([]string{"fa", "en", "weights"}, map[string]any{"fa": str("The method in Persian."), "en": str("The method in English."),
		"weights": map[string]any{"type": "object", "additionalProperties": num}})
	ranked := obj([]string{"score", "rank", "parts"}, map[string]any{"agency": str(""), "province": str(""),
		"score": num, "rank": map[string]any{"type": "integer", "description": "1 is best; 0: not ranked (no data)."},
		"parts": map[string]any{"type": "object", "additionalProperties": num}, "missing": arr(str("")), "weight": num})
	source := obj([]string{"through", "ledger_size"}, map[string]any{"through": integer, "ledger_size": integer, "ledger_root": str("Base64 root of the ledger's tree.")})
	return map[string]any{
		"KPIFigures": obj([]string{"month", "services", "by_level", "funnel"}, figures),
		"KPIAnswer": obj([]string{"source", "figures", "months"}, map[string]any{"source": source, "figures": ref("KPIFigures"),
			"providers": arr(obj([]string{"month", "provider", "inquiries", "succeeded", "latency_p50_ms", "latency_p90_ms"}, map[string]any{
				"month": str(""), "provider": str("Member, e.g. IR/GOV/NOCR."), "inquiries": integer, "succeeded": integer, "latency_p50_ms": integer, "latency_p90_ms": integer})),
			"months": arr(str(""))}),
		"Rankings": obj([]string{"month", "method", "province_method", "agencies", "provinces", "source"}, map[string]any{
			"month": str(""), "method": method, "province_method": method, "agencies": arr(ranked), "provinces": arr(ranked), "source": source}),
	}
}

var errNoKPI = errs.E("api.kpi", errs.Unavailable, "the figures are not available on this server", "آمار عملکرد در این سامانه در دسترس نیست")

// kpiMonth reads ?month=, or picks the latest month with figures (this
// month's when there are none). It returns every month with figures too.
func (a *API) kpiMonth(r *http.Request) (string, []string, error) {
	const op = "api.kpiMonth"
	months, err := a.cfg.KPI.Months(r.Context())
	if err != nil {
		return "", nil, err
	}
	v := persian.ASCIIDigits(strings.TrimSpace(r.URL.Query().Get("month")))
	if v == "" {
		if len(months) == 0 {
			return persian.MonthKey(time.Now()), months, nil
		}
		return months[len(months)-1], months, nil
	}
	if !utf8.ValidString(v) || (kpi.Key{Month: v}).Validate() != nil {
		return "", nil, errs.E(op, errs.Invalid, "month must be a Jalali month written YYYY-MM, such as 1404-07",
			"ماه باید به شکل سال-ماه خورشیدی باشد، مانند ۱۴۰۴-۰۷")
	}
	return v, months, nil
}

func (a *API) getKPI(w http.ResponseWriter, r *http.Request) error {
	const op = "api.getKPI"
	if a.cfg.KPI == nil {
		return errNoKPI
	}
	ctx := r.Context()
	month, months, err := a.kpiMonth(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	key := kpi.Key{Month: month, Agency: strings.TrimSpace(q.Get("agency")), Service: persian.ASCIIDigits(strings.TrimSpace(q.Get("service"))),
		Province: strings.TrimSpace(q.Get("province")), City: strings.TrimSpace(q.Get("city"))}
	if err := a.checkKey(ctx, op, key); err != nil {
		return err
	}
	ans := kpiAnswer{Months: months}
	if ans.Months == nil {
		ans.Months = []string{}
	}
	if ans.Figures, err = a.cfg.KPI.Get(ctx, key); err != nil {
		return err
	}
	if key == (kpi.Key{Month: month}) {
		if ans.Providers, err = a.cfg.KPI.Providers(ctx, month); err != nil {
			return err
		}
	}
	if ans.Source, err = a.cfg.KPI.Source(ctx); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, ans)
}

// checkKey refuses codes the catalogue does not know, so that a typo is a
// 400 and not a group of zeros.
func (a *API) checkKey(ctx context.Context, op string, key kpi.Key) error {
	bad := func(name, fa string) error {
		return errs.E(op, errs.Invalid, "there is no such "+name, "چنین "+fa+"ی در فهرست نیست")
	}
	if key.Agency != "" {
		if _, err := a.cfg.Catalog.Agency(ctx, key.Agency); errs.Is(err, errs.NotFound) {
			return bad("agency", "دستگاه")
		} else if err != nil {
			return err
		}
	}
	if key.Service != "" {
		if _, err := a.cfg.Catalog.Service(ctx, key.Service); errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			return bad("service", "خدمت")
		} else if err != nil {
			return err
		}
	}
	if key.Province == "" && key.City == "" {
		return nil
	}
	regions, err := a.cfg.Catalog.Regions(ctx)
	if err != nil {
		return err
	}
	has := func(code string, kind catalog.RegionKind) bool {
		return slices.ContainsFunc(regions, func(r catalog.Region) bool { return r.Code == code && r.Kind == kind })
	}
	if key.Province != "" && !has(key.Province, catalog.Province) {
		return bad("province", "استان")
	}
	if key.City != "" && !has(key.City, catalog.City) {
		return bad("city", "شهر")
	}
	return nil
}

func (a *API) getRankings(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.KPI == nil || a.cfg.Oversight == nil {
		return errNoKPI
	}
	ctx := r.Context()
	month, _, err := a.kpiMonth(r)
	if err != nil {
		return err
	}
	ans := rankingsAnswer{Month: month, Method: a.cfg.Oversight.Method(oversight.ByAgency), ProvinceMethod: a.cfg.Oversight.Method(oversight.ByProvince)}
	if ans.Agencies, ans.Provinces, err = a.cfg.Oversight.Rankings(ctx, month); err != nil {
		return err
	}
	if ans.Agencies == nil {
		ans.Agencies = []oversight.Ranked{}
	}
	if ans.Provinces == nil {
		ans.Provinces = []oversight.Ranked{}
	}
	if ans.Source, err = a.cfg.KPI.Source(ctx); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, ans)
}

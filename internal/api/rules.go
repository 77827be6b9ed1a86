package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/rules"
)

// A service's eligibility rules: the public read of the active ruleset, the
// anonymous eligibility check (nothing stored), and the agency's authoring
// endpoints (drafts, tests, simulation, the two-person activation,
// rollback, deactivation). Authoring takes the portal's session cookie (a
// cross-site POST is refused by the global cross-origin protection) or an
// agency API key; only a signed-in administrator may activate.

var errNoRules = errs.E("api.rules", errs.Unavailable, "rules are not available on this server", "قواعد در این سامانه فعال نیست")

const maxRulesetBytes = 512 << 10

// publicRuleset is the active ruleset as everyone may read it: without the
// staff who wrote and approved it.
type publicRuleset struct {
	Service     string           `json:"service"`
	Version     int              `json:"version"`
	ActivatedAt *time.Time       `json:"activated_at,omitempty"`
	Rules       []rules.Rule     `json:"rules"`
	Tests       []rules.TestCase `json:"tests"`
}

// eligibilityRequest is the body of an eligibility check.
type eligibilityRequest struct {
	Form      map[string]any  `json:"form"`
	Evidence  map[string]any  `json:"evidence"`
	Applicant rules.Applicant `json:"applicant"`
	Mine      bool            `json:"mine"`
}

// eligibilityAnswer is the decision with, for "mine", where each input came
// from.
type eligibilityAnswer struct {
	rules.Decision
	Sources []rules.Source `json:"sources,omitempty"`
}

type saveRulesRequest struct {
	Rules []rules.Rule     `json:"rules"`
	Tests []rules.TestCase `json:"tests"`
}

type deactivateRequest struct {
	Reason string `json:"reason"`
}

type rulesetList struct {
	Items []rules.Ruleset `json:"items"`
}

type testResults struct {
	Pass  bool               `json:"pass"`
	Items []rules.TestResult `json:"items"`
}

func (a *API) rulesRoutes() []route {
	id := param{name: "id", in: "path", schema: "string", desc: "The 7-digit service identifier (Persian digits accepted).", required: true}
	version := param{name: "version", in: "path", schema: "integer", desc: "The ruleset version.", required: true}
	std := func(extra map[int]string) map[int]string {
		m := map[int]string{400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 503: "Problem"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	eligibilityLimit := httpx.NewRateLimiter(5, 50)
	return []route{
		{method: "GET", pattern: "/api/v1/services/{id}/rules", op: "getServiceRules", tag: "rules",
			summary: "The service's active eligibility rules: each rule's condition (CEL), outcome, refusal ground and plain-language explanation, with the tests they pass. 404 when the service has no active rules (a clerk decides).",
			params:  []param{id}, responses: map[int]string{200: "PublicRuleset", 400: "Problem", 404: "Problem", 503: "Problem"},
			handler: a.getServiceRules},
		{method: "POST", pattern: "/api/v1/services/{id}/eligibility", op: "checkEligibility", tag: "rules",
			summary: "Check eligibility against the active rules with facts you give (form, evidence answers, applicant); nothing is stored. With \"mine\": true and the portal's session cookie, the facts are the signed-in citizen's own, fetched through the exchange, and the answer says where each came from.",
			params:  []param{id}, body: "EligibilityRequest",
			responses: map[int]string{200: "EligibilityAnswer", 400: "Problem", 401: "Problem", 404: "Problem", 413: "Problem", 429: "Problem", 503: "Problem"},
			handler:   limited(eligibilityLimit, a.checkEligibility)},

		{method: "GET", pattern: "/api/v1/agency/services/{id}/rules", op: "listRulesets", tag: "rules authoring", session: true, keyToo: true,
			summary: "Every version of the service's rules, newest first (session cookie of the agency's staff, or the agency's API key).",
			params:  []param{id}, responses: std(map[int]string{200: "RulesetList"}), handler: a.listRulesets},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules", op: "saveRulesDraft", tag: "rules authoring", session: true, keyToo: true,
			summary: "Save rules and tests as a draft after type-checking them against the service's inputs. The author's own latest draft is replaced; otherwise a new version is made. Each problem is in problems, with the rule, field, line and column.",
			params:  []param{id}, body: "RulesDraft", responses: std(map[int]string{201: "Ruleset", 413: "Problem"}), handler: a.saveRulesDraft},
		{method: "GET", pattern: "/api/v1/agency/services/{id}/rules/{version}", op: "getRuleset", tag: "rules authoring", session: true, keyToo: true,
			summary: "One version of the service's rules.", params: []param{id, version},
			responses: std(map[int]string{200: "Ruleset"}), handler: a.getRuleset},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules/{version}/test", op: "runRulesTests", tag: "rules authoring", session: true, keyToo: true,
			summary: "Run a version's tests against the service's current inputs.", params: []param{id, version},
			responses: std(map[int]string{200: "TestResults"}), handler: a.runRulesTests},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules/{version}/simulate", op: "simulateRules", tag: "rules authoring", session: true, keyToo: true,
			summary:   "Replay the service's last decided cases with a version and list those it would decide differently.",
			params:    []param{id, version, {name: "last", in: "query", schema: "integer", desc: "How many of the latest decided cases, 1 to 1000 (default 100)."}},
			responses: std(map[int]string{200: "Simulation"}), handler: a.simulateRules},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules/{version}/request", op: "requestRulesActivation", tag: "rules authoring", session: true, keyToo: true,
			summary: "Ask a second administrator to activate a draft; every test must pass (failing tests are in problems).", params: []param{id, version},
			responses: std(map[int]string{200: "Ruleset", 409: "Problem"}), handler: a.rulesetVerb("api.requestRulesActivation", (*rules.Rules).RequestActivation)},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules/{version}/approve", op: "approveRulesActivation", tag: "rules authoring", session: true, keyToo: true,
			summary: "Activate a pending version: a signed-in administrator of the agency other than its writer and requester; not with an API key.", params: []param{id, version},
			responses: std(map[int]string{200: "Ruleset", 409: "Problem"}), handler: a.rulesetVerb("api.approveRulesActivation", (*rules.Rules).ApproveActivation)},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules/{version}/rollback", op: "rollbackRules", tag: "rules authoring", session: true, keyToo: true,
			summary: "Re-activate an earlier version that was active before (a signed-in administrator).", params: []param{id, version},
			responses: std(map[int]string{200: "Ruleset", 409: "Problem"}), handler: a.rulesetVerb("api.rollbackRules", (*rules.Rules).Rollback)},
		{method: "POST", pattern: "/api/v1/agency/services/{id}/rules/deactivate", op: "deactivateRules", tag: "rules authoring", session: true, keyToo: true,
			summary: "Retire the active rules, with a reason: clerks decide again.", params: []param{id}, body: "RetireRequest",
			responses: std(map[int]string{204: "", 413: "Problem"}), handler: a.deactivateRules},
	}
}

// writeRules answers err as a problem; an invalid ruleset's problems (rule,
// field, line, column) are added under "problems".
func writeRules(w http.ResponseWriter, err error) error {
	probs := rules.ProblemsOf(err)
	if len(probs) == 0 {
		return err
	}
	p := httpx.ProblemOf(err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	return json.NewEncoder(w).Encode(struct {
		httpx.Problem
		Problems []rules.Problem `json:"problems"`
	}{p, probs})
}

func (a *API) getServiceRules(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Rules == nil {
		return errNoRules
	}
	svc, err := a.cfg.Catalog.Service(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rs, ok, err := a.cfg.Rules.Active(r.Context(), svc.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E("api.getServiceRules", errs.NotFound, "this service has no active rules: a clerk decides its applications",
			"این خدمت قواعد فعال ندارد: درخواست‌های آن را کارشناس بررسی می‌کند")
	}
	return httpx.WriteJSON(w, http.StatusOK, publicRuleset{Service: rs.Service, Version: rs.Version, ActivatedAt: rs.ActivatedAt, Rules: rs.Rules, Tests: rs.Tests})
}

func (a *API) checkEligibility(w http.ResponseWriter, r *http.Request) error {
	const op = "api.checkEligibility"
	if a.cfg.Rules == nil {
		return errNoRules
	}
	var req eligibilityRequest
	if err := httpx.DecodeJSON(w, r, &req, 64<<10); err != nil {
		return err
	}
	svc, err := a.cfg.Catalog.Service(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, ok, err := a.cfg.Rules.Active(r.Context(), svc.ID); err != nil {
		return err
	} else if !ok {
		return errs.E(op, errs.NotFound, "this service has no active rules to check against",
			"این خدمت قواعد فعالی برای سنجش ندارد")
	}
	now := time.Now().UTC()
	in := rules.Input{Form: req.Form, Evidence: req.Evidence, Applicant: req.Applicant,
		Today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	var sources []rules.Source
	if req.Mine {
		p, err := citizen(r, op)
		if err != nil {
			return err
		}
		if a.cfg.Facts == nil {
			return errs.E(op, errs.Unavailable, "checking with your own data is not available on this server yet; send the facts instead",
				"سنجش با داده‌های خودتان هنوز در این سامانه فعال نیست؛ به‌جای آن داده‌ها را بفرستید")
		}
		form := map[string]string{}
		for k, v := range req.Form {
			form[k] = fmt.Sprint(v)
		}
		if in, sources, err = a.cfg.Facts.InputFor(r.Context(), p, svc.ID, form); err != nil {
			return err
		}
	}
	d, ok, err := a.cfg.Rules.Decide(r.Context(), svc.ID, in)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(op, errs.NotFound, "this service has no active rules to check against", "این خدمت قواعد فعالی برای سنجش ندارد")
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, eligibilityAnswer{Decision: d, Sources: sources})
}

// ruleAuthor returns the caller of an authoring endpoint: an agency API key
// (Authorization: Bearer) or the portal's session, allowed only for the
// staff of the service's agency.
func (a *API) ruleAuthor(r *http.Request, op string) (identity.Principal, string, error) {
	if a.cfg.Rules == nil {
		return identity.Principal{}, "", errNoRules
	}
	var p identity.Principal
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		var err error
		if p, err = a.cfg.Identity.Authenticate(r.Context(), strings.TrimSpace(key)); err != nil {
			return p, "", err
		}
	} else {
		var err error
		if p, err = identity.Require(r.Context()); err != nil {
			return p, "", errs.E(op, errs.Unauthorized, "sign in to the portal (session cookie) or send the agency API key as Authorization: Bearer <key>",
				"در درگاه وارد شوید (کوکی نشست) یا کلید API دستگاه را در سرآیند Authorization: Bearer <key> بفرستید")
		}
	}
	svc, err := a.cfg.Catalog.Service(r.Context(), r.PathValue("id"))
	if err != nil {
		return p, "", err
	}
	if !p.CanManageAgency(svc.Record.Agency) {
		return p, "", errs.E(op, errs.Forbidden, "only the service agency's administrators manage its rules",
			"فقط مدیران دستگاه ارائه‌دهندهٔ خدمت قواعد آن را مدیریت می‌کنند")
	}
	return p, svc.ID, nil
}

func pathVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(persian.ASCIIDigits(r.PathValue("version")))
	if err != nil || v < 1 {
		return 0, errs.E("api.rules", errs.Invalid, "the version must be a positive number", "نسخه باید عددی مثبت باشد")
	}
	return v, nil
}

func (a *API) listRulesets(w http.ResponseWriter, r *http.Request) error {
	_, id, err := a.ruleAuthor(r, "api.listRulesets")
	if err != nil {
		return err
	}
	list, err := a.cfg.Rules.Versions(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, rulesetList{Items: list})
}

func (a *API) saveRulesDraft(w http.ResponseWriter, r *http.Request) error {
	p, id, err := a.ruleAuthor(r, "api.saveRulesDraft")
	if err != nil {
		return err
	}
	var req saveRulesRequest
	if err := httpx.DecodeJSON(w, r, &req, maxRulesetBytes); err != nil {
		return err
	}
	rs, err := a.cfg.Rules.SaveDraft(r.Context(), p, id, req.Rules, req.Tests)
	if err != nil {
		return writeRules(w, err)
	}
	w.Header().Set("Location", "/api/v1/agency/services/"+id+"/rules/"+strconv.Itoa(rs.Version))
	return httpx.WriteJSON(w, http.StatusCreated, rs)
}

func (a *API) getRuleset(w http.ResponseWriter, r *http.Request) error {
	_, id, err := a.ruleAuthor(r, "api.getRuleset")
	if err != nil {
		return err
	}
	v, err := pathVersion(r)
	if err != nil {
		return err
	}
	rs, err := a.cfg.Rules.Version(r.Context(), id, v)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, rs)
}

func (a *API) runRulesTests(w http.ResponseWriter, r *http.Request) error {
	_, id, err := a.ruleAuthor(r, "api.runRulesTests")
	if err != nil {
		return err
	}
	v, err := pathVersion(r)
	if err != nil {
		return err
	}
	res, err := a.cfg.Rules.RunTests(r.Context(), id, v)
	if err != nil {
		return writeRules(w, err)
	}
	out := testResults{Pass: true, Items: res}
	for _, t := range res {
		out.Pass = out.Pass && t.Pass
	}
	return httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) simulateRules(w http.ResponseWriter, r *http.Request) error {
	p, id, err := a.ruleAuthor(r, "api.simulateRules")
	if err != nil {
		return err
	}
	v, err := pathVersion(r)
	if err != nil {
		return err
	}
	last, err := queryInt(r, "last", 100, rules.MaxSimulate)
	if err != nil {
		return err
	}
	sim, err := a.cfg.Rules.Simulate(r.Context(), p, id, v, int(last))
	if err != nil {
		return writeRules(w, err)
	}
	return httpx.WriteJSON(w, http.StatusOK, sim)
}

// rulesetVerb runs one of a version's state changes.
func (a *API) rulesetVerb(op string, verb func(x *rules.Rules, ctx context.Context, p identity.Principal, id string, v int) (rules.Ruleset, error)) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, id, err := a.ruleAuthor(r, op)
		if err != nil {
			return err
		}
		v, err := pathVersion(r)
		if err != nil {
			return err
		}
		rs, err := verb(a.cfg.Rules, r.Context(), p, id, v)
		if err != nil {
			return writeRules(w, err)
		}
		return httpx.WriteJSON(w, http.StatusOK, rs)
	}
}

func (a *API) deactivateRules(w http.ResponseWriter, r *http.Request) error {
	p, id, err := a.ruleAuthor(r, "api.deactivateRules")
	if err != nil {
		return err
	}
	var req deactivateRequest
	if err := httpx.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	if err := a.cfg.Rules.Deactivate(r.Context(), p, id, req.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rulesSchemas are the OpenAPI schemas of these endpoints.
func rulesSchemas() map[string]any {
	outcome := enum("approve", "reject", "refer")
	rule := obj([]string{"code", "when", "outcome", "explain_fa", "explain_en"}, map[string]any{
		"code":       str("[a-z0-9_]{1,40}, unique in the ruleset."),
		"when":       str("A CEL boolean over form, evidence, applicant and today."),
		"outcome":    outcome,
		"ground":     str("For reject on a permit: one of the record's published refusal ground codes."),
		"explain_fa": str("Plain Persian; {{ expr }} placeholders are filled in."),
		"explain_en": str("Plain English; {{ expr }} placeholders are filled in."),
	})
	applicant := obj(nil, map[string]any{
		"age": integer, "birth_date": str("YYYY-MM-DD."), "sex": enum("male", "female"),
		"province": str("Province code."), "city": str("City code."), "alive": boolean,
	})
	input := obj(nil, map[string]any{
		"form": map[string]any{"type": "object"}, "evidence": map[string]any{"type": "object", "description": "Evidence code -> the inquiry's answer."},
		"applicant": ref("Applicant"), "today": str("RFC 3339; tests only."),
	})
	test := obj([]string{"name", "input", "want"}, map[string]any{"name": str(""), "input": ref("RulesInput"), "want": outcome, "want_ground": str("")})
	problem := obj([]string{"field", "en", "fa"}, map[string]any{
		"rule": str("The rule's code; absent for the whole ruleset."), "field": str("when, explain_fa, explain_en, ground, outcome, code or test:<name>."),
		"line": integer, "column": integer, "en": str(""), "fa": str(""),
	})
	fired := obj([]string{"rule", "outcome", "explain_fa", "explain_en", "reads"}, map[string]any{
		"rule": str(""), "outcome": outcome, "ground": str(""), "explain_fa": str(""), "explain_en": str(""),
		"reads": arr(str("An input path the rule reads, e.g. evidence.criminal_record.clean.")),
	})
	return map[string]any{
		"Rule":        rule,
		"Applicant":   applicant,
		"RulesInput":  input,
		"RuleTest":    test,
		"RuleProblem": problem,
		"RulesDraft":  obj([]string{"rules", "tests"}, map[string]any{"rules": arr(ref("Rule")), "tests": arr(ref("RuleTest"))}),
		"RulesetList": obj([]string{"items"}, map[string]any{"items": arr(ref("Ruleset"))}),
		"PublicRuleset": obj([]string{"service", "version", "rules", "tests"}, map[string]any{
			"service": str(""), "version": integer, "activated_at": str("RFC 3339."), "rules": arr(ref("Rule")), "tests": arr(ref("RuleTest"))}),
		"Ruleset": obj([]string{"service", "version", "rules", "tests", "status", "created_by", "created_at"}, map[string]any{
			"service": str(""), "version": integer, "rules": arr(ref("Rule")), "tests": arr(ref("RuleTest")),
			"status": enum("draft", "pending", "active", "retired"), "created_by": str("Actor."), "requested_by": str("Actor."),
			"approved_by": str("Actor."), "created_at": str("RFC 3339."), "activated_at": str("RFC 3339.")}),
		"EligibilityRequest": obj(nil, map[string]any{
			"form": map[string]any{"type": "object"}, "evidence": map[string]any{"type": "object"}, "applicant": ref("Applicant"),
			"mine": map[string]any{"type": "boolean", "description": "Use the signed-in citizen's own data instead (session cookie)."}}),
		"EligibilityAnswer": obj([]string{"service", "version", "outcome", "fired", "explain_fa", "explain_en"}, map[string]any{
			"service": str(""), "version": integer, "outcome": outcome, "ground": str(""), "fired": arr(fired),
			"explain_fa": str("The whole decision in plain Persian."), "explain_en": str("The whole decision in plain English."),
			"sources": arr(obj([]string{"path", "kind"}, map[string]any{"path": str(""), "kind": enum("form", "inquiry", "profile", "clock", "event"), "inquiry": str(""), "receipt": str("")}))}),
		"TestResults": obj([]string{"pass", "items"}, map[string]any{"pass": boolean, "items": arr(obj([]string{"name", "pass", "want", "got"}, map[string]any{
			"name": str(""), "pass": boolean, "want": outcome, "want_ground": str(""), "got": outcome, "got_ground": str(""),
			"explain_fa": str(""), "explain_en": str(""), "error": str("")}))}),
		"Simulation": obj([]string{"version", "compared", "differ", "cases"}, map[string]any{
			"version": integer, "compared": integer, "differ": integer, "cases": arr(obj([]string{"tracking", "was", "would"}, map[string]any{
				"tracking": str(""), "was": outcome, "was_ground": str(""), "would": outcome, "would_ground": str(""), "explain_fa": str(""), "explain_en": str("")}))}),
		"RulesProblem": obj([]string{"type", "title", "status", "title_fa", "kind", "problems"}, map[string]any{
			"type": str(""), "title": str(""), "status": integer, "title_fa": str(""), "kind": str(""), "problems": arr(ref("RuleProblem"))}),
	}
}

package web

import (
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
)

// The public side of a service's rules: the service page says in plain
// language how the active rules decide (each rule's explanation, never its
// CEL, which the JSON at /api/v1/services/{id}/rules publishes), and the
// eligibility page lets anyone type the facts and see what the same rules
// would decide. Nothing typed there is stored. A signed-in citizen can
// instead have the facts fetched from their own records, when the server
// can gather them (rules.Facts).

// publicRule is one rule as the service page explains it.
type publicRule struct {
	Outcome              string
	ExplainFa, ExplainEn string
	Ground               string // the refusal ground's text, for a reject rule
}

// publicRules is the service page's section on the active rules.
type publicRules struct {
	Version     int
	ActivatedAt *time.Time
	Rules       []publicRule
}

// placeholderRE matches the {{ expr }} placeholders of an explanation.
var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// plainExplain is an explanation template for readers who have no facts
// yet: each placeholder becomes an ellipsis.
func plainExplain(s string) string {
	return strings.TrimSpace(placeholderRE.ReplaceAllString(s, "…"))
}

// groundText returns the published text of a refusal ground of rec, or
// the code.
func groundText(l lang, rec *catalog.Record, code string) string {
	if code == "" {
		return ""
	}
	if rec.Permit != nil {
		for _, g := range rec.Permit.RefusalGrounds {
			if g.Code == code {
				return pickText(l, g.TextFa, g.TextEn)
			}
		}
	}
	return code
}

// activeRules returns the service's active ruleset for the service page,
// or nil. A failure to read it costs only the section, and is logged.
func (w *Web) activeRules(r *http.Request, svc catalog.Service) *rules.Ruleset {
	if w.rl == nil {
		return nil
	}
	rs, ok, err := w.rl.Active(r.Context(), svc.ID)
	if err != nil {
		w.log.Warn("active rules failed", "route", r.Pattern, "err", err.Error())
		return nil
	}
	if !ok {
		return nil
	}
	return &rs
}

// publicRulesOf is the service page's section for rs.
func publicRulesOf(l lang, rec *catalog.Record, rs *rules.Ruleset) *publicRules {
	if rs == nil {
		return nil
	}
	pr := &publicRules{Version: rs.Version, ActivatedAt: rs.ActivatedAt}
	for _, ru := range rs.Rules {
		g := ""
		if ru.Outcome == rules.Reject {
			g = groundText(l, rec, ru.Ground)
		}
		pr.Rules = append(pr.Rules, publicRule{Outcome: string(ru.Outcome), ExplainFa: plainExplain(ru.ExplainFa), ExplainEn: plainExplain(ru.ExplainEn), Ground: g})
	}
	return pr
}

// eligibilityView is the data of /services/{id}/eligibility.
type eligibilityView struct {
	Service, Title string
	Version        int
	Inputs         []ruleInput
	SignedIn       bool // a citizen who may check with their own data
	MineAvailable  bool // the server can gather their data
	Decision       *decisionView
	Mine           bool // the decision was made on the citizen's own data
	Error          string
	ErrorMine      string
}

// decisionView is a decision as the eligibility page shows it.
type decisionView struct {
	rules.Decision
	GroundText string
	Fired      []firedView
}

// firedView is one rule that fired.
type firedView struct {
	rules.Fired
	GroundText string
}

func decisionOf(l lang, rec *catalog.Record, d rules.Decision) *decisionView {
	dv := &decisionView{Decision: d, GroundText: groundText(l, rec, d.Ground)}
	for _, f := range d.Fired {
		dv.Fired = append(dv.Fired, firedView{Fired: f, GroundText: groundText(l, rec, f.Ground)})
	}
	return dv
}

// eligibilityService reads the service of the path and its active rules;
// a service that no active ruleset decides has no eligibility page.
func (w *Web) eligibilityService(r *http.Request) (catalog.Service, rules.Ruleset, error) {
	const op = "web.eligibility"
	id := r.PathValue("id")
	if utf8.RuneCountInString(id) > 32 || !utf8.ValidString(id) {
		return catalog.Service{}, rules.Ruleset{}, badRequest(op, "bad.serviceid")
	}
	if w.rl == nil {
		return catalog.Service{}, rules.Ruleset{}, errNoRules
	}
	svc, err := w.cat.Service(r.Context(), id)
	if err != nil {
		return svc, rules.Ruleset{}, err
	}
	rs, ok, err := w.rl.Active(r.Context(), svc.ID)
	if err != nil {
		return svc, rs, err
	}
	if !ok {
		return svc, rs, errs.E(op, errs.NotFound, "No rules decide this service automatically.", "هیچ قاعده‌ای این خدمت را خودکار تصمیم‌گیری نمی‌کند.")
	}
	return svc, rs, nil
}

func (w *Web) eligibilityBase(r *http.Request, svc catalog.Service, rs rules.Ruleset) (eligibilityView, error) {
	v := eligibilityView{Service: svc.ID, Title: pickText(langOf(r), svc.Record.TitleFa, svc.Record.TitleEn), Version: rs.Version}
	env, err := w.ruleEnv(r, svc.ID)
	if err != nil {
		return v, err
	}
	v.Inputs = inputsOf(env)
	if p, ok := identity.FromContext(r.Context()); ok && p.Kind == "user" && p.NationalCode != "" {
		v.SignedIn, v.MineAvailable = true, w.ruleFacts != nil
	}
	return v, nil
}

// eligibility shows the form of facts (GET) and what the rules decide on
// them (POST). Nothing is stored; the answer is never cached.
func (w *Web) eligibility(rw http.ResponseWriter, r *http.Request) error {
	rw.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(rw, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return badRequest("web.eligibility", "apply.bad.form")
		}
	}
	svc, rs, err := w.eligibilityService(r)
	if err != nil {
		return err
	}
	v, err := w.eligibilityBase(r, svc, rs)
	if err != nil {
		return err
	}
	l := langOf(r)
	title := translate(l, "eligibility.title", v.Title)
	if r.Method != http.MethodPost {
		return w.render(rw, r, http.StatusOK, "rules_eligibility", title, "services", v)
	}
	var in rules.Input
	if r.PostFormValue("mine") == "1" {
		p, done := requireSignedIn(rw, r)
		if done {
			return nil
		}
		if w.ruleFacts == nil {
			v.ErrorMine = translate(l, "eligibility.mine.unavailable")
			return w.render(rw, r, http.StatusServiceUnavailable, "rules_eligibility", title, "services", v)
		}
		// The form's own fields are the applicant's to type even here; the
		// rest comes from their records.
		form := map[string]string{}
		for _, x := range v.Inputs {
			if val := strings.TrimSpace(r.PostFormValue(x.Field)); x.Kind == "form" && val != "" {
				form[strings.TrimPrefix(x.Path, "form.")] = val
			}
		}
		mine, _, err := w.ruleFacts.InputFor(r.Context(), p, svc.ID, form)
		if err != nil {
			if errs.KindOf(err) == errs.Internal {
				return err
			}
			v.ErrorMine = errText(l, err)
			return w.render(rw, r, errs.StatusOf(errs.KindOf(err)), "rules_eligibility", title, "services", v)
		}
		in, v.Mine = mine, true
	} else {
		env, err := w.ruleEnv(r, svc.ID)
		if err != nil {
			return err
		}
		var ok bool
		in, v.Inputs, ok = factsFrom(env, r.PostForm, time.Now())
		if !ok {
			v.Error = translate(l, "eligibility.bad")
			for i := range v.Inputs {
				if v.Inputs[i].Error != "" {
					v.Inputs[i].Error = translate(l, v.Inputs[i].Error)
				}
			}
			return w.render(rw, r, http.StatusBadRequest, "rules_eligibility", title, "services", v)
		}
	}
	d, ok, err := w.rl.Decide(r.Context(), svc.ID, in)
	if err != nil {
		return err
	}
	if !ok { // deactivated a moment ago
		return errs.E("web.eligibility", errs.NotFound, "No rules decide this service automatically.", "هیچ قاعده‌ای این خدمت را خودکار تصمیم‌گیری نمی‌کند.")
	}
	v.Decision = decisionOf(l, &svc.Record, d)
	return w.render(rw, r, http.StatusOK, "rules_eligibility", title, "services", v)
}

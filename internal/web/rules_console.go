package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
)

// The rules pages of the agency console, for the agency's admins: each of
// the agency's services has its versions of rules (/agency/services/{id}/rules),
// an editor for a draft, its tests and a simulation over recent cases, and
// the activation that a second admin approves. Every change is one of the
// rules service's verbs, which check the role and the agency again, record
// an event, and refuse what may not be done (a ruleset that does not
// compile, tests that fail, the same admin approving); the pages show the
// refusal where it belongs and keep what was typed. The forms work without
// JavaScript: adding or removing a rule or a test sends the editor back
// with one more or one fewer, unsaved.

// rulesPages are the page templates of the rules console and public pages.
var rulesPages = []string{"rules_index", "rules_versions", "rules_version", "rules_eligibility"}

var errNoRules = errs.E("web.rules", errs.Unavailable, "Decision rules are not available on this server.", "قواعد تصمیم‌گیری در این سامانه فعال نیست.")

// Bounds of the editor's form.
const (
	maxRulesForm = 512 << 10
	maxRuleRows  = 100
	maxTestRows  = 200
	defaultSim   = 100
)

// rulesAdmin checks that the request comes from an admin of the agency of
// service id and returns the service; done is true when the visitor was
// sent to sign in.
func (w *Web) rulesAdmin(rw http.ResponseWriter, r *http.Request) (p identity.Principal, svc catalog.Service, done bool, err error) {
	rw.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(rw, r.Body, maxRulesForm)
		if perr := r.ParseForm(); perr != nil {
			return p, svc, false, badRequest("web.rules", "apply.bad.form")
		}
	}
	p, done, err = w.agencyAdmin(rw, r)
	if done || err != nil {
		return p, svc, done, err
	}
	if w.rl == nil {
		return p, svc, false, errNoRules
	}
	svc, err = w.cat.Service(r.Context(), r.PathValue("id"))
	if err != nil {
		return p, svc, false, err
	}
	if svc.Record.Agency != p.Agency {
		return p, svc, false, errs.NotFoundf("web.rules", "service", "خدمت")
	}
	return p, svc, false, nil
}

// rulesIndexRow is one of the agency's services on /agency/rules.
type rulesIndexRow struct {
	ID, Title string
	Active    int // the active version, 0 when the rules do not decide it
}

// rulesIndex lists the agency's services with their active rules.
func (w *Web) rulesIndex(rw http.ResponseWriter, r *http.Request) error {
	rw.Header().Set("Cache-Control", "no-store")
	p, done, err := w.agencyAdmin(rw, r)
	if done || err != nil {
		return err
	}
	if w.rl == nil {
		return errNoRules
	}
	active, err := w.rl.ActiveServices(r.Context())
	if err != nil {
		return err
	}
	all, err := w.cat.Published(r.Context())
	if err != nil {
		return err
	}
	l := langOf(r)
	var rows []rulesIndexRow
	for _, s := range all {
		if s.Record.Agency == p.Agency {
			rows = append(rows, rulesIndexRow{ID: s.ID, Title: pickText(l, s.Record.TitleFa, s.Record.TitleEn), Active: active[s.ID]})
		}
	}
	v := struct {
		AgencyName string
		Services   []rulesIndexRow
	}{w.agencyName(r, p.Agency), rows}
	return w.render(rw, r, http.StatusOK, "rules_index", translate(l, "rules.index.title"), "agency", v)
}

// rulesVersionRow is one version on the versions page.
type rulesVersionRow struct {
	rules.Ruleset
	CreatedByName, RequestedByName, ApprovedByName string
	CanRollback                                    bool
}

// rulesVersionsView is the data of /agency/services/{id}/rules.
type rulesVersionsView struct {
	Service, Title, Agency string
	Versions               []rulesVersionRow
	Active                 *rules.Ruleset
	Done                   string
	Error                  string
	Reason                 string
}

// actorNames maps the agency's staff actors ("user:12") to their names.
func (w *Web) actorNames(r *http.Request, agency string, me identity.Principal) func(string) string {
	names := map[string]string{}
	if w.id != nil {
		if list, err := w.id.StaffList(r.Context(), agency); err == nil {
			for _, s := range list {
				if s.Name != "" {
					names["user:"+strconv.FormatInt(s.PersonID, 10)] = s.Name
				}
			}
		}
	}
	l := langOf(r)
	return func(actor string) string {
		switch {
		case actor == "":
			return ""
		case actor == me.Actor():
			return translate(l, "rules.you")
		case names[actor] != "":
			return names[actor]
		case strings.HasPrefix(actor, "user:"):
			return translate(l, "console.colleague", strings.TrimPrefix(actor, "user:"))
		}
		return actor
	}
}

func (w *Web) versionsView(r *http.Request, p identity.Principal, svc catalog.Service) (rulesVersionsView, error) {
	v := rulesVersionsView{Service: svc.ID, Title: pickText(langOf(r), svc.Record.TitleFa, svc.Record.TitleEn), Agency: p.Agency}
	list, err := w.rl.Versions(r.Context(), svc.ID)
	if err != nil {
		return v, err
	}
	name := w.actorNames(r, p.Agency, p)
	for _, rs := range list {
		row := rulesVersionRow{Ruleset: rs, CreatedByName: name(rs.CreatedBy), RequestedByName: name(rs.RequestedBy), ApprovedByName: name(rs.ApprovedBy),
			CanRollback: rs.Status == rules.Retired && rs.ActivatedAt != nil}
		if rs.Status == rules.Active {
			a := rs
			v.Active = &a
		}
		v.Versions = append(v.Versions, row)
	}
	return v, nil
}

// rulesDone maps the ?done= of the rules pages to what is said.
var rulesDone = map[string]string{
	"saved": "rules.done.saved", "requested": "rules.done.requested", "activated": "rules.done.activated",
	"rolledback": "rules.done.rolledback", "deactivated": "rules.done.deactivated",
}

// rulesVersions lists a service's versions of rules.
func (w *Web) rulesVersions(rw http.ResponseWriter, r *http.Request) error {
	p, svc, done, err := w.rulesAdmin(rw, r)
	if done || err != nil {
		return err
	}
	v, err := w.versionsView(r, p, svc)
	if err != nil {
		return err
	}
	v.Done = rulesDone[r.URL.Query().Get("done")]
	return w.render(rw, r, http.StatusOK, "rules_versions", translate(langOf(r), "rules.versions.title", v.Title), "agency", v)
}

// rulesDeactivate stops the rules deciding the service; its cases go to
// clerks again.
func (w *Web) rulesDeactivate(rw http.ResponseWriter, r *http.Request) error {
	p, svc, done, err := w.rulesAdmin(rw, r)
	if done || err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		err = badRequest("web.rulesDeactivate", "rules.deactivate.noreason")
	} else {
		err = w.rl.Deactivate(r.Context(), p, svc.ID, reason)
	}
	if err != nil {
		if !inPlace(err) {
			return err
		}
		v, verr := w.versionsView(r, p, svc)
		if verr != nil {
			return verr
		}
		fa, en := errs.Messages(err)
		v.Error, v.Reason = pickText(langOf(r), fa, en), reason
		return w.render(rw, r, errs.StatusOf(errs.KindOf(err)), "rules_versions", translate(langOf(r), "rules.versions.title", v.Title), "agency", v)
	}
	http.Redirect(rw, r, "/agency/services/"+url.PathEscape(svc.ID)+"/rules?done=deactivated", http.StatusSeeOther)
	return nil
}

// inPlace reports whether err is a refusal the page shows next to what was
// sent, rather than an error page.
func inPlace(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden:
		return true
	}
	return false
}

// editorRule is one rule in the editor, with the problems of each field.
type editorRule struct {
	N                                                 int // its index in the form
	Code, When, Outcome, Ground, ExplainFa, ExplainEn string
	Errors                                            map[string][]string // field -> messages
}

// editorTest is one test case in the editor.
type editorTest struct {
	N                             int
	Name, Input, Want, WantGround string
	Errors                        []string
	Result                        *rules.TestResult
}

// simView is the result of a simulation.
type simView struct {
	rules.Simulation
	Last int
}

// rulesVersionView is the data of the editor and of one version's page.
type rulesVersionView struct {
	Service, Title, Agency string
	RS                     *rules.Ruleset // nil for a new draft not yet saved
	Editable               bool
	From                   int // the version a new draft starts from
	Rules                  []editorRule
	Tests                  []editorTest
	General                []string // problems of the whole ruleset
	Inputs                 []ruleInput
	Grounds                []groundOption
	Permit                 bool
	Outcomes               []string

	CreatedByName, RequestedByName, ApprovedByName string
	MineRequest                                    bool // the viewer requested this activation

	Tested   bool // the tests were run: Tests carry their Result
	AllPass  bool
	Sim      *simView
	SimLast  int
	SimSizes []int
	Done     string
	Error    string // the refusal of an action, shown by its form
	ErrorFor string // which action: "request", "approve", "rollback", "tests", "simulate"
}

// simSizes are the numbers of recent cases a simulation may go over.
var simSizes = []int{20, 100, 500, 1000}

var outcomes = []string{string(rules.Approve), string(rules.Reject), string(rules.Refer)}

// baseVersionView fills what every rules page of one service shows: the
// inputs to refer to and the grounds to choose from.
func (w *Web) baseVersionView(r *http.Request, p identity.Principal, svc catalog.Service) rulesVersionView {
	l := langOf(r)
	v := rulesVersionView{Service: svc.ID, Title: pickText(l, svc.Record.TitleFa, svc.Record.TitleEn), Agency: p.Agency, Outcomes: outcomes, SimLast: defaultSim, SimSizes: simSizes}
	env, err := w.ruleEnv(r, svc.ID)
	if err != nil {
		v.General = append(v.General, errText(l, err))
	}
	v.Inputs = inputsOf(env)
	v.Permit = env.Permit || svc.Record.Permit != nil
	texts := map[string]string{}
	if svc.Record.Permit != nil {
		for _, g := range svc.Record.Permit.RefusalGrounds {
			texts[g.Code] = pickText(l, g.TextFa, g.TextEn)
			if !slices.Contains(env.Grounds, g.Code) {
				env.Grounds = append(env.Grounds, g.Code)
			}
		}
	}
	for _, g := range env.Grounds {
		v.Grounds = append(v.Grounds, groundOption{Code: g, Text: texts[g]})
	}
	return v
}

// ruleEnv returns the types of the service's inputs, or an empty Env.
func (w *Web) ruleEnv(r *http.Request, service string) (rules.Env, error) {
	if w.ruleEnvs == nil {
		return rules.Env{}, nil
	}
	return w.ruleEnvs.Env(r.Context(), service)
}

// errText is err's message in l.
func errText(l lang, err error) string {
	fa, en := errs.Messages(err)
	return pickText(l, fa, en)
}

// fillFrom puts a stored ruleset into the view's editor rows.
func (v *rulesVersionView) fillFrom(rs rules.Ruleset) {
	for i, ru := range rs.Rules {
		v.Rules = append(v.Rules, editorRule{N: i, Code: ru.Code, When: ru.When, Outcome: string(ru.Outcome), Ground: ru.Ground, ExplainFa: ru.ExplainFa, ExplainEn: ru.ExplainEn})
	}
	for i, tc := range rs.Tests {
		b, _ := json.MarshalIndent(tc.Input, "", "  ")
		v.Tests = append(v.Tests, editorTest{N: i, Name: tc.Name, Input: string(b), Want: string(tc.Want), WantGround: tc.WantGround})
	}
}

// blankTestInput is the input a new test case starts from.
func blankTestInput(now time.Time) string {
	in := rules.Input{Form: map[string]any{}, Evidence: map[string]any{}, Applicant: rules.Applicant{Age: 30, Alive: true},
		Today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	b, _ := json.MarshalIndent(in, "", "  ")
	return string(b)
}

// rulesNew shows the editor for a new draft, starting from ?from= (a
// version of this service) or from nothing.
func (w *Web) rulesNew(rw http.ResponseWriter, r *http.Request) error {
	p, svc, done, err := w.rulesAdmin(rw, r)
	if done || err != nil {
		return err
	}
	v := w.baseVersionView(r, p, svc)
	v.Editable = true
	if f := r.URL.Query().Get("from"); f != "" {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return badRequest("web.rulesNew", "rules.bad.version")
		}
		rs, err := w.rl.Version(r.Context(), svc.ID, n)
		if err != nil {
			return err
		}
		v.From = n
		v.fillFrom(rs)
	}
	if len(v.Rules) == 0 {
		v.Rules = []editorRule{{N: 0, Outcome: string(rules.Approve)}}
	}
	return w.render(rw, r, http.StatusOK, "rules_version", translate(langOf(r), "rules.new.title", v.Title), "agency", v)
}

// formIndexes returns the row numbers that the form's keys prefix.N.field
// name, in order, at most max of them.
func formIndexes(form url.Values, prefix string, max int) []int {
	seen := map[int]bool{}
	for k := range form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(num); err == nil && n >= 0 && n < 10000 {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// editorFrom reads the editor's rows as they were sent.
func editorFrom(form url.Values) ([]editorRule, []editorTest) {
	var rs []editorRule
	for _, n := range formIndexes(form, "rule.", maxRuleRows) {
		k := "rule." + strconv.Itoa(n) + "."
		rs = append(rs, editorRule{N: n, Code: strings.TrimSpace(form.Get(k + "code")), When: form.Get(k + "when"), Outcome: form.Get(k + "outcome"),
			Ground: form.Get(k + "ground"), ExplainFa: form.Get(k + "explain_fa"), ExplainEn: form.Get(k + "explain_en")})
	}
	var ts []editorTest
	for _, n := range formIndexes(form, "test.", maxTestRows) {
		k := "test." + strconv.Itoa(n) + "."
		ts = append(ts, editorTest{N: n, Name: strings.TrimSpace(form.Get(k + "name")), Input: form.Get(k + "input"), Want: form.Get(k + "want"),
			WantGround: form.Get(k + "want_ground")})
	}
	return rs, ts
}

// nextN is one more than the largest row number.
func nextN[T any](rows []T, n func(T) int) int {
	m := 0
	for _, x := range rows {
		if n(x)+1 > m {
			m = n(x) + 1
		}
	}
	return m
}

// rulesSave handles the editor: adding or removing a row shows the editor
// again; saving creates a draft version, or shows every problem next to
// its field with what was typed.
func (w *Web) rulesSave(rw http.ResponseWriter, r *http.Request) error {
	p, svc, done, err := w.rulesAdmin(rw, r)
	if done || err != nil {
		return err
	}
	l := langOf(r)
	v := w.baseVersionView(r, p, svc)
	v.Editable = true
	v.From, _ = strconv.Atoi(r.PostFormValue("from"))
	v.Rules, v.Tests = editorFrom(r.PostForm)
	action := r.PostFormValue("action")
	title := translate(l, "rules.new.title", v.Title)
	switch {
	case action == "add_rule":
		v.Rules = append(v.Rules, editorRule{N: nextN(v.Rules, func(e editorRule) int { return e.N }), Outcome: string(rules.Approve)})
		return w.render(rw, r, http.StatusOK, "rules_version", title, "agency", v)
	case action == "add_test":
		v.Tests = append(v.Tests, editorTest{N: nextN(v.Tests, func(e editorTest) int { return e.N }), Input: blankTestInput(time.Now()), Want: string(rules.Approve)})
		return w.render(rw, r, http.StatusOK, "rules_version", title, "agency", v)
	case strings.HasPrefix(action, "remove_rule:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(action, "remove_rule:"))
		v.Rules = slices.DeleteFunc(v.Rules, func(e editorRule) bool { return e.N == n })
		return w.render(rw, r, http.StatusOK, "rules_version", title, "agency", v)
	case strings.HasPrefix(action, "remove_test:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(action, "remove_test:"))
		v.Tests = slices.DeleteFunc(v.Tests, func(e editorTest) bool { return e.N == n })
		return w.render(rw, r, http.StatusOK, "rules_version", title, "agency", v)
	case action != "save":
		return badRequest("web.rulesSave", "rules.bad.action")
	}

	// The tests' inputs are JSON typed by hand: each is read here, and one
	// that is not valid JSON is shown next to its box.
	ruleset := make([]rules.Rule, 0, len(v.Rules))
	for _, e := range v.Rules {
		ruleset = append(ruleset, rules.Rule{Code: e.Code, When: e.When, Outcome: rules.Outcome(e.Outcome), Ground: e.Ground,
			ExplainFa: strings.TrimSpace(e.ExplainFa), ExplainEn: strings.TrimSpace(e.ExplainEn)})
	}
	tests := make([]rules.TestCase, 0, len(v.Tests))
	bad := false
	for i := range v.Tests {
		e := &v.Tests[i]
		var in rules.Input
		dec := json.NewDecoder(strings.NewReader(e.Input))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			e.Errors = append(e.Errors, jsonError(l, e.Input, err))
			bad = true
			continue
		}
		tests = append(tests, rules.TestCase{Name: e.Name, Input: in, Want: rules.Outcome(e.Want), WantGround: e.WantGround})
	}
	if bad {
		return w.render(rw, r, http.StatusBadRequest, "rules_version", title, "agency", v)
	}
	rs, err := w.rl.SaveDraft(r.Context(), p, svc.ID, ruleset, tests)
	if err != nil {
		if !inPlace(err) {
			return err
		}
		problems := rules.ProblemsOf(err)
		if len(problems) == 0 {
			v.General = append(v.General, errText(l, err))
		}
		v.place(l, problems)
		return w.render(rw, r, errs.StatusOf(errs.KindOf(err)), "rules_version", title, "agency", v)
	}
	http.Redirect(rw, r, versionURL(svc.ID, rs.Version)+"?done=saved", http.StatusSeeOther)
	return nil
}

// jsonError says in l where a test's JSON input is wrong: the line and
// column of a syntax or type error, with the decoder's own words.
func jsonError(l lang, text string, err error) string {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 {
		return translate(l, "rules.test.badjson", err.Error())
	}
	if off > int64(len(text)) {
		off = int64(len(text))
	}
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	col := len([]rune(before[strings.LastIndex(before, "\n")+1:]))
	return translate(l, "rules.problem.at", digitsIn(l, line), digitsIn(l, col), translate(l, "rules.test.badjson", err.Error()))
}

// problemText is one problem in l, with its line and column.
func problemText(l lang, pr rules.Problem) string {
	msg := pickText(l, pr.Fa, pr.En)
	if pr.Line > 0 {
		return translate(l, "rules.problem.at", digitsIn(l, pr.Line), digitsIn(l, pr.Column), msg)
	}
	return msg
}

// place puts each problem next to its field: a rule's by its code (or
// "#n", the n-th rule, when its code is not valid), a test's by its name
// (or "#n"), the rest at the top.
func (v *rulesVersionView) place(l lang, problems []rules.Problem) {
	for _, pr := range problems {
		text := problemText(l, pr)
		placed := false
		if name, ok := strings.CutPrefix(pr.Field, "test:"); ok {
			for i := range v.Tests {
				if v.Tests[i].Name == name || name == "#"+strconv.Itoa(i+1) {
					v.Tests[i].Errors = append(v.Tests[i].Errors, text)
					placed = true
				}
			}
		} else if pr.Rule != "" {
			for i := range v.Rules {
				e := &v.Rules[i]
				if e.Code != pr.Rule && pr.Rule != "#"+strconv.Itoa(i+1) {
					continue
				}
				field := pr.Field
				if !slices.Contains([]string{"code", "when", "outcome", "ground", "explain_fa", "explain_en"}, field) {
					field = "code"
				}
				if e.Errors == nil {
					e.Errors = map[string][]string{}
				}
				e.Errors[field] = append(e.Errors[field], text)
				placed = true
			}
		}
		if !placed {
			v.General = append(v.General, text)
		}
	}
}

// versionURL is the page of one version.
func versionURL(service string, version int) string {
	return "/agency/services/" + url.PathEscape(service) + "/rules/" + strconv.Itoa(version)
}

// rulesVersion shows one version: the editor for a draft, the rules and
// their tests otherwise, with the actions its status allows. ?tests=1 runs
// its tests and ?simulate=M simulates it over the last M cases.
func (w *Web) rulesVersion(rw http.ResponseWriter, r *http.Request) error {
	p, svc, done, err := w.rulesAdmin(rw, r)
	if done || err != nil {
		return err
	}
	q := r.URL.Query()
	v, err := w.versionView(r, p, svc)
	if err != nil {
		return err
	}
	v.Done = rulesDone[q.Get("done")]
	if q.Get("tests") == "1" {
		if err := w.runTests(r, &v); err != nil {
			return err
		}
	}
	if s := q.Get("simulate"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("web.rulesVersion", "rules.bad.simulate")
		}
		sim, err := w.rl.Simulate(r.Context(), p, svc.ID, v.RS.Version, n)
		if err != nil {
			if !inPlace(err) {
				return err
			}
			v.Error, v.ErrorFor = errText(langOf(r), err), "simulate"
		} else {
			v.Sim, v.SimLast = &simView{Simulation: sim, Last: n}, n
		}
	}
	return w.render(rw, r, http.StatusOK, "rules_version", translate(langOf(r), "rules.version.title", v.Title, strconv.Itoa(v.RS.Version)), "agency", v)
}

// versionView reads the version of the path with its people's names.
func (w *Web) versionView(r *http.Request, p identity.Principal, svc catalog.Service) (rulesVersionView, error) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return rulesVersionView{}, badRequest("web.rulesVersion", "rules.bad.version")
	}
	rs, err := w.rl.Version(r.Context(), svc.ID, n)
	if err != nil {
		return rulesVersionView{}, err
	}
	v := w.baseVersionView(r, p, svc)
	v.RS, v.Editable, v.From = &rs, rs.Status == rules.Draft, rs.Version
	v.fillFrom(rs)
	name := w.actorNames(r, p.Agency, p)
	v.CreatedByName, v.RequestedByName, v.ApprovedByName = name(rs.CreatedBy), name(rs.RequestedBy), name(rs.ApprovedBy)
	v.MineRequest = rs.RequestedBy != "" && rs.RequestedBy == p.Actor()
	return v, nil
}

// runTests runs the version's tests and puts each result by its test.
func (w *Web) runTests(r *http.Request, v *rulesVersionView) error {
	results, err := w.rl.RunTests(r.Context(), v.Service, v.RS.Version)
	if err != nil {
		if !inPlace(err) {
			return err
		}
		v.Error, v.ErrorFor = errText(langOf(r), err), "tests"
		return nil
	}
	v.Tested, v.AllPass = true, true
	for _, res := range results {
		res := res
		if !res.Pass {
			v.AllPass = false
		}
		for i := range v.Tests {
			if v.Tests[i].Name == res.Name && v.Tests[i].Result == nil {
				v.Tests[i].Result = &res
				break
			}
		}
	}
	return nil
}

// rulesAction runs one action on a version: its tests or a simulation
// (shown on the version's page), asking for activation, approving it, or
// rolling back to it. A refusal is shown by the action's form.
func (w *Web) rulesAction(rw http.ResponseWriter, r *http.Request) error {
	p, svc, done, err := w.rulesAdmin(rw, r)
	if done || err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return badRequest("web.rulesAction", "rules.bad.version")
	}
	ctx, page := r.Context(), versionURL(svc.ID, n)
	action := r.PathValue("action")
	switch action {
	case "tests":
		http.Redirect(rw, r, page+"?tests=1#rules-actions", http.StatusSeeOther)
		return nil
	case "simulate":
		last, err := strconv.Atoi(r.PostFormValue("last"))
		if err != nil || last < 1 || last > 1000 {
			return badRequest("web.rulesAction", "rules.bad.simulate")
		}
		http.Redirect(rw, r, page+"?simulate="+strconv.Itoa(last)+"#simulation", http.StatusSeeOther)
		return nil
	case "request":
		_, err = w.rl.RequestActivation(ctx, p, svc.ID, n)
		page += "?done=requested"
	case "approve":
		_, err = w.rl.ApproveActivation(ctx, p, svc.ID, n)
		page += "?done=activated"
	case "rollback":
		_, err = w.rl.Rollback(ctx, p, svc.ID, n)
		page = "/agency/services/" + url.PathEscape(svc.ID) + "/rules?done=rolledback"
	default:
		return errs.NotFoundf("web.rulesAction", "action", "کار")
	}
	if err != nil {
		if !inPlace(err) {
			return err
		}
		if action == "rollback" {
			v, verr := w.versionsView(r, p, svc)
			if verr != nil {
				return verr
			}
			v.Error = errText(langOf(r), err)
			return w.render(rw, r, errs.StatusOf(errs.KindOf(err)), "rules_versions", translate(langOf(r), "rules.versions.title", v.Title), "agency", v)
		}
		v, verr := w.versionView(r, p, svc)
		if verr != nil {
			return verr
		}
		v.Error, v.ErrorFor = errText(langOf(r), err), action
		v.place(langOf(r), rules.ProblemsOf(err))
		if action == "request" {
			// Which tests fail is what the admin needs to see next.
			if terr := w.runTests(r, &v); terr != nil {
				return terr
			}
		}
		return w.render(rw, r, errs.StatusOf(errs.KindOf(err)), "rules_version", translate(langOf(r), "rules.version.title", v.Title, strconv.Itoa(n)), "agency", v)
	}
	http.Redirect(rw, r, page, http.StatusSeeOther)
	return nil
}

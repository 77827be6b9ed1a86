package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/panjare/panjare/internal/persian"
)

// Limits of the rule language. They bound what one evaluation may cost, so
// that a ruleset cannot slow down the decisions of every service.
const (
	// CostLimit is the most one expression may cost in one evaluation, in
	// CEL's cost units (about one per operation; a comprehension costs its
	// body once per element). An expression whose estimated worst case is
	// over it does not compile; one that goes over it at run time errors.
	CostLimit = 100_000
	// EvalTimeout bounds one evaluation of a whole ruleset.
	EvalTimeout = 100 * time.Millisecond
	// MaxRules, MaxTests and MaxExprLen bound a ruleset's size.
	MaxRules   = 100
	MaxTests   = 200
	MaxExprLen = 2000
	// estimateListSize is what the cost estimate assumes as the largest list,
	// map or string in the inputs.
	estimateListSize = 100
	estimateStrSize  = 1000
	interruptEvery   = 100
)

var codeRe = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Program is a compiled ruleset, safe for concurrent use.
type Program struct {
	rs    Ruleset
	types *inputTypes
	rules []compiledRule
}

type compiledRule struct {
	Rule
	when      cel.Program
	reads     []string
	explainFa template
	explainEn template
}

// inputTypes is a service's input types: the schemas and the CEL environment
// built from them.
type inputTypes struct {
	form     *schema
	evidence map[string]*schema
	event    *schema
	env      *cel.Env
}

// provider answers the CEL checker's questions about the object types made
// from the JSON Schemas ("panjare.form", "panjare.evidence.<code>", ...),
// and passes the others to the standard registry. At run time the objects are
// plain maps, which CEL reads by key.
type provider struct {
	types.Provider
	structs map[string]*schema
}

func (p *provider) FindStructType(name string) (*types.Type, bool) {
	if _, ok := p.structs[name]; ok {
		return types.NewTypeTypeWithParam(types.NewObjectType(name)), true
	}
	return p.Provider.FindStructType(name)
}

func (p *provider) FindStructFieldNames(name string) ([]string, bool) {
	s, ok := p.structs[name]
	if !ok {
		return p.Provider.FindStructFieldNames(name)
	}
	names := make([]string, 0, len(s.props))
	for n := range s.props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, true
}

func (p *provider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	s, ok := p.structs[name]
	if !ok {
		return p.Provider.FindStructFieldType(name, field)
	}
	f, ok := s.props[field]
	if !ok {
		return nil, false
	}
	return &types.FieldType{Type: f.celType(map[string]*schema{})}, true
}

func (p *provider) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if _, ok := p.structs[name]; ok {
		return types.NewErr("%s cannot be constructed in a rule", name)
	}
	return p.Provider.NewValue(name, fields)
}

// applicantSchema is the applicant's fields as CEL sees them.
var applicantSchema = &schema{kind: "object", typeName: "panjare.applicant", props: map[string]*schema{
	"age":        {kind: "integer"},
	"birth_date": {kind: "date"},
	"sex":        {kind: "string"},
	"province":   {kind: "string"},
	"city":       {kind: "string"},
	"alive":      {kind: "boolean"},
}}

// newTypes builds the CEL environment for a service's inputs. With event set,
// it is a condition's environment (event, applicant, today); else a
// ruleset's (form, evidence, applicant, today).
func newTypes(env Env, event json.RawMessage, forEvent bool) (*inputTypes, []Problem) {
	it := &inputTypes{evidence: map[string]*schema{}}
	structs := map[string]*schema{}
	var vars []cel.EnvOption
	var probs []Problem
	if forEvent {
		s, err := parseSchema(event, "panjare.event")
		if err != nil {
			return nil, []Problem{{Field: "event", En: "The event's schema is not valid: " + err.Error(), Fa: "طرح‌وارهٔ رویداد معتبر نیست: " + err.Error()}}
		}
		it.event = s
		vars = append(vars, cel.Variable("event", s.celType(structs)))
	} else {
		s, err := parseSchema(env.Form, "panjare.form")
		if err != nil {
			probs = append(probs, Problem{Field: "form", En: "The form's schema is not valid: " + err.Error(), Fa: "طرح‌وارهٔ فرم معتبر نیست: " + err.Error()})
			s = &schema{kind: "object", props: map[string]*schema{}, typeName: "panjare.form"}
		}
		if s.kind != "object" {
			s = &schema{kind: "object", props: map[string]*schema{}, typeName: "panjare.form"}
		}
		it.form = s
		ev := &schema{kind: "object", props: map[string]*schema{}, typeName: "panjare.evidence"}
		for code, raw := range env.Evidence {
			if !identRe.MatchString(code) {
				continue
			}
			es, err := parseSchema(raw, "panjare.evidence."+code)
			if err != nil {
				probs = append(probs, Problem{Field: "evidence", En: fmt.Sprintf("The answer schema of evidence %q is not valid: %v", code, err), Fa: fmt.Sprintf("طرح‌وارهٔ پاسخ مدرک «%s» معتبر نیست: %v", code, err)})
				es = &schema{kind: "map"}
			}
			ev.props[code] = es
			it.evidence[code] = es
		}
		vars = append(vars, cel.Variable("form", s.celType(structs)), cel.Variable("evidence", ev.celType(structs)))
	}
	vars = append(vars, cel.Variable("applicant", applicantSchema.celType(structs)), cel.Variable("today", cel.TimestampType))
	base, err := types.NewRegistry()
	if err != nil {
		panic(err)
	}
	opts := append([]cel.EnvOption{
		cel.CustomTypeAdapter(base),
		cel.CustomTypeProvider(&provider{Provider: base, structs: structs}),
		cel.ClearMacros(),
		cel.Macros(cel.StandardMacros...),
	}, vars...)
	opts = append(opts, helpers...)
	e, err := cel.NewEnv(opts...)
	if err != nil {
		// The declarations are ours; failing here is a bug.
		panic(fmt.Sprintf("rules: CEL environment: %v", err))
	}
	it.env = e
	return it, probs
}

// helpers are the pure functions the rule language adds to CEL's standard
// library: dates and ages. There is no function that reads anything but its
// arguments.
var helpers = []cel.EnvOption{
	cel.Function("date",
		cel.Overload("date_string", []*cel.Type{cel.StringType}, cel.TimestampType,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				s, ok := v.Value().(string)
				if !ok {
					return types.NewErr("date: not a string")
				}
				t, ok := parseDate(s)
				if !ok {
					return types.NewErr("date: %q is not YYYY-MM-DD", s)
				}
				return types.Timestamp{Time: t}
			}))),
	cel.Function("years_between",
		cel.Overload("years_between_timestamp_timestamp", []*cel.Type{cel.TimestampType, cel.TimestampType}, cel.IntType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				x, ok1 := a.Value().(time.Time)
				y, ok2 := b.Value().(time.Time)
				if !ok1 || !ok2 {
					return types.NewErr("years_between: not timestamps")
				}
				return types.Int(yearsBetween(x, y))
			}))),
	cel.Function("days_between",
		cel.Overload("days_between_timestamp_timestamp", []*cel.Type{cel.TimestampType, cel.TimestampType}, cel.IntType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				x, ok1 := a.Value().(time.Time)
				y, ok2 := b.Value().(time.Time)
				if !ok1 || !ok2 {
					return types.NewErr("days_between: not timestamps")
				}
				dx := time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)
				dy := time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
				return types.Int(int64(dy.Sub(dx).Hours() / 24))
			}))),
}

// yearsBetween is the number of whole years from a to b (an age when a is a
// birth date and b today); negative when b is before a.
func yearsBetween(a, b time.Time) int64 {
	if b.Before(a) {
		return -yearsBetween(b, a)
	}
	n := b.Year() - a.Year()
	if b.Month() < a.Month() || (b.Month() == a.Month() && b.Day() < a.Day()) {
		n--
	}
	return int64(n)
}

// compileExpr compiles one expression and checks its estimated cost.
// wantBool asks for a boolean result.
func (it *inputTypes) compileExpr(src string, wantBool bool) (*cel.Ast, cel.Program, []exprError) {
	if len(src) > MaxExprLen {
		return nil, nil, []exprError{{en: fmt.Sprintf("The expression is longer than %d characters", MaxExprLen), fa: fmt.Sprintf("عبارت از %s نویسه بلندتر است", persian.Digits(strconv.Itoa(MaxExprLen)))}}
	}
	if strings.TrimSpace(src) == "" {
		return nil, nil, []exprError{{en: "The expression is empty", fa: "عبارت خالی است"}}
	}
	checked, iss := it.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		var out []exprError
		for _, e := range iss.Errors() {
			out = append(out, celError(e.Message, e.Location.Line(), e.Location.Column()+1))
		}
		return nil, nil, out
	}
	if wantBool && !checked.OutputType().IsExactType(types.BoolType) {
		return nil, nil, []exprError{{line: 1, column: 1, en: "The condition must be true or false, not " + checked.OutputType().String(), fa: "شرط باید درست یا نادرست باشد، نه " + checked.OutputType().String()}}
	}
	est, err := it.env.EstimateCost(checked, estimator{})
	if err != nil {
		return nil, nil, []exprError{{en: "The cost of the expression cannot be estimated: " + err.Error(), fa: "هزینهٔ عبارت را نمی‌توان برآورد کرد: " + err.Error()}}
	}
	if est.Max > CostLimit {
		return nil, nil, []exprError{{line: 1, column: 1,
			en: fmt.Sprintf("The expression may cost up to %d, over the limit of %d (with lists of %d items): nest fewer loops", est.Max, CostLimit, estimateListSize),
			fa: fmt.Sprintf("هزینهٔ عبارت ممکن است به %s برسد که از سقف %s بیشتر است (با فهرست‌های %s عضوی): حلقه‌های تودرتو را کم کنید", persian.Digits(strconv.FormatUint(est.Max, 10)), persian.Digits(strconv.Itoa(CostLimit)), persian.Digits(strconv.Itoa(estimateListSize)))}}
	}
	prg, err := it.env.Program(checked,
		cel.CostLimit(CostLimit),
		cel.InterruptCheckFrequency(interruptEvery),
		cel.EvalOptions(cel.OptOptimize),
	)
	if err != nil {
		return nil, nil, []exprError{{en: "The expression cannot be prepared: " + err.Error(), fa: "عبارت آماده نشد: " + err.Error()}}
	}
	return checked, prg, nil
}

type exprError struct {
	line, column int
	en, fa       string
}

var (
	reUndeclared = regexp.MustCompile(`undeclared reference to '([^']*)'`)
	reUndefField = regexp.MustCompile(`undefined field '([^']*)'`)
	reOverload   = regexp.MustCompile(`found no matching overload for '([^']*)' applied to '([^']*)'`)
)

// celError turns a CEL compiler message into one in both languages.
func celError(msg string, line, col int) exprError {
	e := exprError{line: line, column: col, en: msg}
	switch {
	case reUndefField.MatchString(msg):
		f := reUndefField.FindStringSubmatch(msg)[1]
		e.en = fmt.Sprintf("There is no input field %q here", f)
		e.fa = fmt.Sprintf("ورودی‌ای به نام «%s» اینجا وجود ندارد", f)
	case reUndeclared.MatchString(msg):
		n := reUndeclared.FindStringSubmatch(msg)[1]
		e.en = fmt.Sprintf("Unknown name %q (the inputs are form, evidence, applicant and today)", n)
		e.fa = fmt.Sprintf("نام ناشناختهٔ «%s» (ورودی‌ها form، evidence، applicant و today هستند)", n)
	case reOverload.MatchString(msg):
		m := reOverload.FindStringSubmatch(msg)
		e.en = fmt.Sprintf("The types do not fit: %s cannot be applied to %s", strings.Trim(m[1], "_"), m[2])
		e.fa = fmt.Sprintf("نوع‌ها با هم جور نیستند: %s را نمی‌توان روی %s به کار برد", strings.Trim(m[1], "_"), m[2])
	case strings.HasPrefix(msg, "Syntax error"):
		e.en = msg
		e.fa = "خطای نگارشی: " + strings.TrimPrefix(strings.TrimPrefix(msg, "Syntax error"), ": ")
	default:
		e.fa = "خطا در عبارت: " + msg
	}
	return e
}

// estimator bounds the sizes of the inputs for the compile-time cost
// estimate: every list, map or string read from the inputs is assumed to
// hold at most estimateListSize items (estimateStrSize characters).
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if len(n.Path()) == 0 {
		return nil
	}
	switch n.Type().Kind() {
	case types.ListKind, types.MapKind:
		return &cost.SizeEstimate{Min: 0, Max: estimateListSize}
	case types.StringKind, types.BytesKind:
		return &cost.SizeEstimate{Min: 0, Max: estimateStrSize}
	}
	return nil
}

func (estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return nil
}

// reads lists the input paths an expression reads, e.g.
// "evidence.criminal_record.clean", "applicant.age", "today".
func reads(a *cel.Ast) []string {
	seen := map[string]bool{}
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		switch e.Kind() {
		case ast.IdentKind:
			if inputVars[e.AsIdent()] {
				seen[e.AsIdent()] = true
			}
		case ast.SelectKind:
			if p, ok := selectPath(e); ok {
				seen[p] = true
				return
			}
			walk(e.AsSelect().Operand())
		case ast.CallKind:
			c := e.AsCall()
			if c.IsMemberFunction() {
				walk(c.Target())
			}
			for _, x := range c.Args() {
				walk(x)
			}
		case ast.ListKind:
			for _, x := range e.AsList().Elements() {
				walk(x)
			}
		case ast.MapKind:
			for _, x := range e.AsMap().Entries() {
				walk(x.AsMapEntry().Key())
				walk(x.AsMapEntry().Value())
			}
		case ast.StructKind:
			for _, x := range e.AsStruct().Fields() {
				walk(x.AsStructField().Value())
			}
		case ast.ComprehensionKind:
			c := e.AsComprehension()
			walk(c.IterRange())
			walk(c.AccuInit())
			walk(c.LoopCondition())
			walk(c.LoopStep())
			walk(c.Result())
		}
	}
	walk(a.NativeRep().Expr())
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

var inputVars = map[string]bool{"form": true, "evidence": true, "applicant": true, "today": true, "event": true}

// selectPath returns "a.b.c" for a chain of field selections on an input.
func selectPath(e ast.Expr) (string, bool) {
	var parts []string
	for e.Kind() == ast.SelectKind {
		parts = append(parts, e.AsSelect().FieldName())
		e = e.AsSelect().Operand()
	}
	if e.Kind() != ast.IdentKind || !inputVars[e.AsIdent()] {
		return "", false
	}
	parts = append(parts, e.AsIdent())
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "."), true
}

// template is an explanation with {{ expr }} placeholders.
type template struct {
	parts []templatePart
}

type templatePart struct {
	text string
	prg  cel.Program // nil for text
}

// compileTemplate compiles the placeholders of an explanation. Problems are
// placed at the placeholder's line and column in the text.
func (it *inputTypes) compileTemplate(src string) (template, []exprError) {
	var t template
	var probs []exprError
	rest := src
	offset := 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if j := strings.Index(rest, "}}"); j >= 0 {
				l, c := lineCol(src, offset+j)
				probs = append(probs, exprError{line: l, column: c, en: "A }} without its {{", fa: "«}}» بدون «{{» آمده است"})
			}
			t.parts = append(t.parts, templatePart{text: rest})
			break
		}
		t.parts = append(t.parts, templatePart{text: rest[:i]})
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			l, c := lineCol(src, offset+i)
			probs = append(probs, exprError{line: l, column: c, en: "A {{ without its closing }}", fa: "«{{» بدون «}}» پایانی آمده است"})
			break
		}
		expr := rest[i+2 : i+2+j]
		_, prg, errs := it.compileExpr(expr, false)
		for _, e := range errs {
			// Place the error in the explanation's text.
			l, c := lineCol(src, offset+i+2)
			if e.line > 1 {
				l += e.line - 1
				c = e.column
			} else if e.column > 0 {
				c += e.column - 1
			}
			e.line, e.column = l, c
			probs = append(probs, e)
		}
		t.parts = append(t.parts, templatePart{prg: prg})
		adv := i + 2 + j + 2
		rest = rest[adv:]
		offset += adv
	}
	return t, probs
}

// lineCol gives the 1-based line and column (in characters) of byte offset
// off in s.
func lineCol(s string, off int) (int, int) {
	line, col := 1, 1
	for _, r := range s[:off] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// render fills the placeholders; one that cannot be evaluated shows as "?".
func (t template) render(ctx context.Context, act interpreter.Activation, fa bool) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.prg == nil {
			b.WriteString(p.text)
			continue
		}
		v, _, err := p.prg.ContextEval(ctx, act)
		if err != nil {
			b.WriteString("?")
			continue
		}
		b.WriteString(formatValue(v, fa))
	}
	return b.String()
}

func formatValue(v ref.Val, fa bool) string {
	digits := func(s string) string {
		if fa {
			return persian.Digits(s)
		}
		return s
	}
	switch x := v.Value().(type) {
	case string:
		return x
	case int64:
		return digits(strconv.FormatInt(x, 10))
	case uint64:
		return digits(strconv.FormatUint(x, 10))
	case float64:
		return digits(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		switch {
		case fa && x:
			return "بله"
		case fa:
			return "خیر"
		case x:
			return "yes"
		}
		return "no"
	case time.Time:
		if fa {
			return persian.JalaliDate(x)
		}
		return x.UTC().Format("2006-01-02")
	}
	if l, ok := v.(interface {
		Size() ref.Val
		Get(ref.Val) ref.Val
	}); ok && v.Type() == types.ListType {
		n, _ := l.Size().Value().(int64)
		var parts []string
		for i := int64(0); i < n; i++ {
			parts = append(parts, formatValue(l.Get(types.Int(i)), fa))
		}
		if fa {
			return strings.Join(parts, "، ")
		}
		return strings.Join(parts, ", ")
	}
	return digits(fmt.Sprint(v.Value()))
}

// Compile type-checks a ruleset against the types of its service's inputs:
// every rule's condition and explanations, its outcome and ground, and every
// test's input. It returns the problems, each in place; the program is nil
// when there are any.
func Compile(rs Ruleset, env Env) (*Program, []Problem) {
	it, probs := newTypes(env, nil, false)
	p := &Program{rs: rs, types: it}
	if len(rs.Rules) == 0 {
		probs = append(probs, Problem{Field: "rules", En: "A ruleset needs at least one rule", Fa: "مجموعهٔ قواعد دست‌کم یک قاعده لازم دارد"})
	}
	if len(rs.Rules) > MaxRules {
		probs = append(probs, Problem{Field: "rules", En: fmt.Sprintf("A ruleset has at most %d rules", MaxRules), Fa: fmt.Sprintf("مجموعهٔ قواعد حداکثر %s قاعده دارد", persian.Digits(strconv.Itoa(MaxRules)))})
		return nil, probs
	}
	grounds := map[string]bool{}
	for _, g := range env.Grounds {
		grounds[g] = true
	}
	seen := map[string]bool{}
	for i, r := range rs.Rules {
		name := r.Code
		if !codeRe.MatchString(r.Code) {
			name = fmt.Sprintf("#%d", i+1)
			probs = append(probs, Problem{Rule: name, Field: "code", En: "The code must be 1 to 40 lowercase Latin letters, digits or _", Fa: "کد باید ۱ تا ۴۰ حرف کوچک لاتین، رقم یا _ باشد"})
		} else if seen[r.Code] {
			probs = append(probs, Problem{Rule: name, Field: "code", En: "Another rule has the same code", Fa: "قاعدهٔ دیگری همین کد را دارد"})
		}
		seen[r.Code] = true
		switch r.Outcome {
		case Approve, Refer:
			if r.Ground != "" {
				probs = append(probs, Problem{Rule: name, Field: "ground", En: "Only a reject rule names a refusal ground", Fa: "فقط قاعدهٔ رد، زمینهٔ رد دارد"})
			}
		case Reject:
			switch {
			case r.Ground == "" && env.Permit:
				probs = append(probs, Problem{Rule: name, Field: "ground", En: "A reject rule of a permit must name one of the record's published refusal grounds", Fa: "قاعدهٔ رد یک مجوز باید یکی از زمینه‌های ردِ منتشرشده در شناسنامهٔ خدمت را نام ببرد"})
			case r.Ground != "" && !grounds[r.Ground]:
				probs = append(probs, Problem{Rule: name, Field: "ground", En: fmt.Sprintf("%q is not a published refusal ground of this service", r.Ground), Fa: fmt.Sprintf("«%s» از زمینه‌های ردِ منتشرشدهٔ این خدمت نیست", r.Ground)})
			}
		default:
			probs = append(probs, Problem{Rule: name, Field: "outcome", En: "The outcome must be approve, reject or refer", Fa: "نتیجه باید approve (تأیید)، reject (رد) یا refer (ارجاع) باشد"})
		}
		cr := compiledRule{Rule: r}
		checked, prg, errs := it.compileExpr(r.When, true)
		for _, e := range errs {
			probs = append(probs, Problem{Rule: name, Field: "when", Line: e.line, Column: e.column, En: e.en, Fa: e.fa})
		}
		if checked != nil {
			cr.when = prg
			cr.reads = reads(checked)
		}
		for _, x := range []struct {
			field string
			src   string
			dst   *template
		}{{"explain_fa", r.ExplainFa, &cr.explainFa}, {"explain_en", r.ExplainEn, &cr.explainEn}} {
			if strings.TrimSpace(x.src) == "" {
				probs = append(probs, Problem{Rule: name, Field: x.field, En: "The explanation is required: say in plain words why", Fa: "توضیح لازم است: به زبان ساده بگویید چرا"})
				continue
			}
			t, errs := it.compileTemplate(x.src)
			for _, e := range errs {
				probs = append(probs, Problem{Rule: name, Field: x.field, Line: e.line, Column: e.column, En: e.en, Fa: e.fa})
			}
			*x.dst = t
		}
		p.rules = append(p.rules, cr)
	}
	if len(rs.Tests) > MaxTests {
		probs = append(probs, Problem{Field: "tests", En: fmt.Sprintf("A ruleset has at most %d tests", MaxTests), Fa: fmt.Sprintf("مجموعهٔ قواعد حداکثر %s آزمون دارد", persian.Digits(strconv.Itoa(MaxTests)))})
	}
	names := map[string]bool{}
	for i, tc := range rs.Tests {
		field := "test:" + tc.Name
		if strings.TrimSpace(tc.Name) == "" {
			field = fmt.Sprintf("test:#%d", i+1)
			probs = append(probs, Problem{Field: field, En: "The test needs a name", Fa: "آزمون نام لازم دارد"})
		} else if names[tc.Name] {
			probs = append(probs, Problem{Field: field, En: "Another test has the same name", Fa: "آزمون دیگری همین نام را دارد"})
		}
		names[tc.Name] = true
		switch tc.Want {
		case Approve, Refer, Reject:
		default:
			probs = append(probs, Problem{Field: field, En: "The expected outcome must be approve, reject or refer", Fa: "نتیجهٔ مورد انتظار باید approve، reject یا refer باشد"})
		}
		if tc.WantGround != "" && tc.Want != Reject {
			probs = append(probs, Problem{Field: field, En: "Only an expected rejection has a ground", Fa: "فقط ردِ مورد انتظار زمینه دارد"})
		}
		if tc.WantGround != "" && !grounds[tc.WantGround] {
			probs = append(probs, Problem{Field: field, En: fmt.Sprintf("%q is not a published refusal ground of this service", tc.WantGround), Fa: fmt.Sprintf("«%s» از زمینه‌های ردِ منتشرشدهٔ این خدمت نیست", tc.WantGround)})
		}
		var bad []string
		it.activation(tc.Input, &bad)
		for _, b := range bad {
			probs = append(probs, Problem{Field: field, En: "The test's input does not fit the service's inputs: " + b, Fa: "ورودی آزمون با ورودی‌های خدمت جور نیست: " + b})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return p, nil
}

// activation brings an input to the CEL types; bad, when not nil, receives
// the paths of the values that do not fit.
func (it *inputTypes) activation(in Input, bad *[]string) map[string]any {
	vars := map[string]any{"applicant": applicantValue(in.Applicant, bad)}
	today := in.Today
	if today.IsZero() {
		today = time.Now().UTC()
	}
	vars["today"] = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if it.event != nil {
		ev := in.Event
		if ev == nil {
			ev = map[string]any{}
		}
		v, ok := it.event.normalize(ev, "event", bad)
		if !ok {
			v = map[string]any{}
		}
		vars["event"] = v
		return vars
	}
	form := in.Form
	if form == nil {
		form = map[string]any{}
	}
	v, ok := it.form.normalize(form, "form", bad)
	if !ok {
		v = map[string]any{}
	}
	vars["form"] = v
	evidence := map[string]any{}
	codes := make([]string, 0, len(in.Evidence))
	for code := range in.Evidence {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		s := it.evidence[code]
		if s == nil {
			if bad != nil {
				*bad = append(*bad, "evidence."+code+": no such evidence")
			}
			continue
		}
		if x, ok := s.normalize(in.Evidence[code], "evidence."+code, bad); ok {
			evidence[code] = x
		}
	}
	vars["evidence"] = evidence
	return vars
}

func applicantValue(a Applicant, bad *[]string) map[string]any {
	m := map[string]any{
		"age":      int64(a.Age),
		"sex":      a.Sex,
		"province": a.Province,
		"city":     a.City,
		"alive":    a.Alive,
	}
	if a.BirthDate != "" {
		if t, ok := parseDate(a.BirthDate); ok {
			m["birth_date"] = t
		} else if bad != nil {
			*bad = append(*bad, "applicant.birth_date: not a date (YYYY-MM-DD)")
		}
	}
	return m
}

// Ruleset returns the ruleset the program was compiled from.
func (p *Program) Ruleset() Ruleset { return p.rs }

// Evaluate decides one input. Every rule is evaluated; see Decision for the
// semantics. The error is only for a cancelled context: a rule that cannot be
// evaluated refers the decision.
func (p *Program) Evaluate(ctx context.Context, in Input) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	act, err := interpreter.NewActivation(p.types.activation(in, nil))
	if err != nil {
		return Decision{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, EvalTimeout)
	defer cancel()
	d := Decision{Service: p.rs.Service, Version: p.rs.Version, Fired: []Fired{}}
	var rejects, refers, approves, failed []Fired
	for _, r := range p.rules {
		v, _, err := r.when.ContextEval(ctx, act)
		if err != nil {
			f := Fired{Rule: r.Code, Outcome: Refer, Reads: r.reads,
				ExplainFa: "شرط «" + r.Code + "» ارزیابی نشد (" + evalReason(err, true) + ")",
				ExplainEn: "rule “" + r.Code + "” could not be evaluated (" + evalReason(err, false) + ")"}
			failed = append(failed, f)
			continue
		}
		if b, ok := v.Value().(bool); !ok || !b {
			continue
		}
		f := Fired{Rule: r.Code, Outcome: r.Outcome, Ground: r.Ground, Reads: r.reads,
			ExplainFa: r.explainFa.render(ctx, act, true),
			ExplainEn: r.explainEn.render(ctx, act, false)}
		switch r.Outcome {
		case Reject:
			rejects = append(rejects, f)
		case Refer:
			refers = append(refers, f)
		default:
			approves = append(approves, f)
		}
	}
	d.Fired = append(append(append(append(d.Fired, rejects...), failed...), refers...), approves...)
	switch {
	case len(rejects) > 0:
		d.Outcome, d.Ground = Reject, rejects[0].Ground
		first := rejects[0]
		groundFa, groundEn := "", ""
		if first.Ground != "" {
			groundFa = " (زمینهٔ رد: " + first.Ground + ")"
			groundEn = " (ground " + first.Ground + ")"
		}
		d.ExplainFa = "رد شد بر پایهٔ شرط «" + first.Rule + "»" + groundFa + "، زیرا " + joinExplain(rejects, true) + "."
		d.ExplainEn = "Rejected under rule “" + first.Rule + "”" + groundEn + " because " + joinExplain(rejects, false) + "."
	case len(failed) > 0 || len(refers) > 0:
		d.Outcome = Refer
		all := append(append([]Fired{}, failed...), refers...)
		d.ExplainFa = "برای بررسی به کارشناس ارجاع شد، زیرا " + joinExplain(all, true) + "."
		d.ExplainEn = "Referred to a clerk because " + joinExplain(all, false) + "."
	case len(approves) > 0:
		d.Outcome = Approve
		d.ExplainFa = "تأیید شد، زیرا " + joinExplain(approves, true) + "."
		d.ExplainEn = "Approved because " + joinExplain(approves, false) + "."
	default:
		d.Outcome = Refer
		d.ExplainFa = "برای بررسی به کارشناس ارجاع شد، زیرا هیچ قاعده‌ای درخواست را تأیید نکرد."
		d.ExplainEn = "Referred to a clerk because no rule approved the application."
	}
	return d, nil
}

func joinExplain(fs []Fired, fa bool) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		s := f.ExplainEn
		if fa {
			s = f.ExplainFa
		}
		parts = append(parts, strings.TrimRight(strings.TrimSpace(s), ".۔"))
	}
	if fa {
		return strings.Join(parts, "؛ ")
	}
	return strings.Join(parts, "; ")
}

// evalReason says why an evaluation failed, in words for people.
func evalReason(err error, fa bool) string {
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, interpreter.InterruptError{}):
		if fa {
			return "زمان ارزیابی از سقف گذشت"
		}
		return "the evaluation took too long"
	case strings.Contains(msg, "cost limit exceeded"):
		if fa {
			return "هزینهٔ ارزیابی از سقف گذشت"
		}
		return "the evaluation cost too much"
	case strings.Contains(msg, "no such key"):
		key := strings.TrimSpace(strings.TrimPrefix(msg[strings.Index(msg, "no such key"):], "no such key:"))
		if fa {
			return "دادهٔ «" + key + "» در دست نیست"
		}
		return "the input " + key + " is missing"
	}
	if fa {
		return "خطا: " + msg
	}
	return "error: " + msg
}

// Condition is a compiled boolean expression over event, applicant and
// today, safe for concurrent use.
type Condition struct {
	types *inputTypes
	prg   cel.Program
	reads []string
}

// CompileCondition compiles a CEL boolean over `event` (typed by
// eventSchema), `applicant` and `today`.
func CompileCondition(expr string, eventSchema json.RawMessage) (*Condition, []Problem) {
	it, probs := newTypes(Env{}, eventSchema, true)
	if len(probs) > 0 {
		return nil, probs
	}
	checked, prg, errs := it.compileExpr(expr, true)
	for _, e := range errs {
		probs = append(probs, Problem{Field: "condition", Line: e.line, Column: e.column, En: e.en, Fa: e.fa})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return &Condition{types: it, prg: prg, reads: reads(checked)}, nil
}

// Reads lists the input paths the condition reads.
func (c *Condition) Reads() []string { return c.reads }

// Match evaluates the condition. An evaluation error (a missing key, the
// cost or time limit) is returned as an error, never as a match.
func (c *Condition) Match(ctx context.Context, in Input) (bool, error) {
	act := c.types.activation(in, nil)
	ctx, cancel := context.WithTimeout(ctx, EvalTimeout)
	defer cancel()
	v, _, err := c.prg.ContextEval(ctx, act)
	if err != nil {
		return false, fmt.Errorf("rules: condition: %s", evalReason(err, false))
	}
	b, _ := v.Value().(bool)
	return b, nil
}

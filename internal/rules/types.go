package rules

import (
	"context"
	"encoding/json"
	"time"

	"github.com/panjare/panjare/internal/identity"
)

// Outcome is what a rule, or a whole decision, says about an application.
type Outcome string

// The outcomes.
const (
	Approve Outcome = "approve"
	// Reject only with Ground = a published refusal ground code of the record
	// (permits); for other services a reject rule carries its own explanation
	// as the reason.
	Reject Outcome = "reject"
	Refer  Outcome = "refer" // to a clerk, with the reason (the explanation)
)

// Rule is one condition of a ruleset. When is a CEL boolean expression over
// the inputs; ExplainFa and ExplainEn are plain-language templates whose
// {{ expr }} placeholders are CEL expressions over the same inputs, rendered
// into the text (e.g. "سن متقاضی {{applicant.age}} سال است").
type Rule struct {
	Code      string  `json:"code"` // [a-z0-9_]{1,40}, unique in the ruleset
	When      string  `json:"when"`
	Outcome   Outcome `json:"outcome"`
	Ground    string  `json:"ground,omitempty"`
	ExplainFa string  `json:"explain_fa"`
	ExplainEn string  `json:"explain_en"`
}

// TestCase is an example input and the outcome the ruleset must give it.
type TestCase struct {
	Name       string  `json:"name"`
	Input      Input   `json:"input"`
	Want       Outcome `json:"want"`
	WantGround string  `json:"want_ground,omitempty"`
}

// Status is where a ruleset version is in its life.
type Status string

// The statuses.
const (
	Draft   Status = "draft"
	Pending Status = "pending" // awaiting a second admin
	Active  Status = "active"
	Retired Status = "retired"
)

// Ruleset is one version of a service's rules with their tests.
type Ruleset struct {
	Service     string     `json:"service"`
	Version     int        `json:"version"`
	Rules       []Rule     `json:"rules"`
	Tests       []TestCase `json:"tests"`
	Status      Status     `json:"status"`
	CreatedBy   string     `json:"created_by"` // actor strings (identity.Principal.Actor())
	RequestedBy string     `json:"requested_by,omitempty"`
	ApprovedBy  string     `json:"approved_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ActivatedAt *time.Time `json:"activated_at,omitempty"`
}

// Input is everything a rule may read. All keys are typed when the ruleset is
// saved.
type Input struct {
	Form      map[string]any `json:"form"`     // the form's text fields by field name
	Evidence  map[string]any `json:"evidence"` // evidence code -> the inquiry's decoded JSON answer
	Applicant Applicant      `json:"applicant"`
	Today     time.Time      `json:"today"`           // a date (UTC midnight); CEL sees a timestamp
	Event     map[string]any `json:"event,omitempty"` // a life event's facts, for subscription conditions
}

// Applicant is what the civil registry says about the applicant. CEL sees it
// as applicant.age, applicant.sex, ...
type Applicant struct {
	Age       int    `json:"age"`
	BirthDate string `json:"birth_date"` // YYYY-MM-DD (Gregorian)
	Sex       string `json:"sex"`        // "male" | "female" as the civil registry says
	Province  string `json:"province"`   // province code of residence, "" if unknown
	City      string `json:"city"`
	Alive     bool   `json:"alive"`
}

// Source says where one input came from, for the decision record.
type Source struct {
	Path    string `json:"path"`              // e.g. "evidence.criminal_record.clean", "form.phone", "applicant.age", "today"
	Kind    string `json:"kind"`              // "form", "inquiry", "profile", "clock", "event"
	Inquiry string `json:"inquiry,omitempty"` // the inquiry name
	Receipt string `json:"receipt,omitempty"` // the exchange message id / receipt of that answer
}

// Env describes the types of a service's inputs. Unknown fields are compile
// errors.
type Env struct {
	Form     json.RawMessage            // JSON Schema of the form's text fields
	Evidence map[string]json.RawMessage // evidence code -> JSON Schema of the inquiry's answer
	Grounds  []string                   // published refusal ground codes of the record (permits)
	Permit   bool
}

// EnvSource gives the Env of a service (implemented by the app).
type EnvSource interface {
	Env(ctx context.Context, service string) (Env, error)
}

// Facts gathers a signed-in citizen's own input for a service (implemented
// by apply).
type Facts interface {
	InputFor(ctx context.Context, p identity.Principal, service string, form map[string]string) (Input, []Source, error)
}

// Problem is one compile, type or test error, shown in place in the editor.
type Problem struct {
	Rule   string `json:"rule,omitempty"` // rule code ("" = whole ruleset)
	Field  string `json:"field"`          // "when", "explain_fa", "explain_en", "ground", "outcome", "code", "test:<name>"
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	En     string `json:"en"`
	Fa     string `json:"fa"`
}

// Fired is one rule whose condition held.
type Fired struct {
	Rule      string   `json:"rule"`
	Outcome   Outcome  `json:"outcome"`
	Ground    string   `json:"ground,omitempty"`
	ExplainFa string   `json:"explain_fa"` // rendered
	ExplainEn string   `json:"explain_en"`
	Reads     []string `json:"reads"` // input paths the rule's expression reads
}

// Decision is what a ruleset says about one input.
//
// Semantics: every rule is evaluated. If any reject rule fires -> Reject (the
// first such rule's ground); else if any refer rule fires -> Refer; else if
// any approve rule fires -> Approve; else Refer with "no rule approved the
// application". A rule whose evaluation errors makes the decision Refer
// naming the rule; never approve on an error.
type Decision struct {
	Service   string  `json:"service"`
	Version   int     `json:"version"`
	Outcome   Outcome `json:"outcome"`
	Ground    string  `json:"ground,omitempty"`
	Fired     []Fired `json:"fired"`
	ExplainFa string  `json:"explain_fa"` // the whole decision in plain Persian
	ExplainEn string  `json:"explain_en"`
}

// Past is one decided case, for simulation.
type Past struct {
	Tracking  string
	Input     Input
	Outcome   Outcome
	Ground    string
	By        string // "rules" | "clerk"
	DecidedAt time.Time
}

// History gives the recently decided cases of a service (implemented by
// apply).
type History interface {
	Recent(ctx context.Context, service string, limit int) ([]Past, error)
}

// Simulation says how a version would have decided recent cases.
type Simulation struct {
	Version  int       `json:"version"`
	Compared int       `json:"compared"`
	Differ   int       `json:"differ"`
	Cases    []SimCase `json:"cases"`
}

// SimCase is one past case the version would have decided differently.
type SimCase struct {
	Tracking    string  `json:"tracking"`
	Was         Outcome `json:"was"`
	WasGround   string  `json:"was_ground,omitempty"`
	Would       Outcome `json:"would"`
	WouldGround string  `json:"would_ground,omitempty"`
	ExplainFa   string  `json:"explain_fa"`
	ExplainEn   string  `json:"explain_en"`
}

// TestResult is the result of one test case of a version.
type TestResult struct {
	Name       string  `json:"name"`
	Pass       bool    `json:"pass"`
	Want       Outcome `json:"want"`
	WantGround string  `json:"want_ground,omitempty"`
	Got        Outcome `json:"got"`
	GotGround  string  `json:"got_ground,omitempty"`
	ExplainFa  string  `json:"explain_fa"`
	ExplainEn  string  `json:"explain_en"`
	Error      string  `json:"error,omitempty"`
}

package rules

import (
	"context"
	"encoding/json"
)

// Program is a compiled ruleset, safe for concurrent use.
type Program struct {
	rs Ruleset
}

// Compile type-checks a ruleset against the types of its service's inputs.
func Compile(rs Ruleset, env Env) (*Program, []Problem) {
	return &Program{rs: rs}, nil
}

// Evaluate decides one input.
func (p *Program) Evaluate(ctx context.Context, in Input) (Decision, error) {
	return Decision{Service: p.rs.Service, Version: p.rs.Version, Outcome: Refer}, nil
}

// Condition is a compiled boolean expression over event and applicant.
type Condition struct{}

// CompileCondition compiles a CEL boolean over `event` (typed by
// eventSchema) and `applicant`.
func CompileCondition(expr string, eventSchema json.RawMessage) (*Condition, []Problem) {
	return &Condition{}, nil
}

// Match evaluates the condition.
func (c *Condition) Match(ctx context.Context, in Input) (bool, error) { return false, nil }

package app

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
)

// ruleEnvs tells the rules what a service's inputs are: the JSON Schema of
// its application form (apply), the answer schema of each evidence fetched
// by inquiry (the data service's OpenAPI description in the exchange
// registry), and the published refusal grounds of a permit (catalogue).
type ruleEnvs struct {
	cat   *catalog.Catalog
	apply *apply.Applications
	x     *exchange.Exchange
}

func (e ruleEnvs) Env(ctx context.Context, service string) (rules.Env, error) {
	const op = "app.ruleEnvs"
	svc, err := e.cat.Service(ctx, service)
	if err != nil {
		return rules.Env{}, err
	}
	f, err := e.apply.Form(ctx, svc.ID, identity.Principal{})
	if err != nil {
		return rules.Env{}, errs.Wrap(op, err)
	}
	env := rules.Env{Form: f.Schema, Evidence: map[string]json.RawMessage{}}
	for _, fe := range f.Fetched {
		ds, err := e.x.ResolveInquiry(ctx, fe.Inquiry)
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
			// Not (or not yet) on the exchange: the evidence cannot be
			// fetched, so a rule cannot read it.
			continue
		}
		if err != nil {
			return rules.Env{}, errs.Wrap(op, err)
		}
		env.Evidence[fe.Code] = responseSchema(ds.OpenAPI)
	}
	if p := svc.Record.Permit; p != nil {
		env.Permit = true
		for _, g := range p.RefusalGrounds {
			env.Grounds = append(env.Grounds, g.Code)
		}
	}
	return env, nil
}

// responseSchema returns the JSON Schema of a data service's successful
// JSON answer from its OpenAPI description: the 200 answer of its GET
// operation (the first path, in order, that has one), with a reference to
// components/schemas resolved. An answer without a schema is an object of
// unknown fields ({"type":"object"}), which rules read without type checks.
func responseSchema(openapi string) json.RawMessage {
	unknown := json.RawMessage(`{"type":"object"}`)
	// A path item also holds parameters (a list): decode its GET alone.
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if json.Unmarshal([]byte(openapi), &doc) != nil {
		return unknown
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		var get struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		}
		if raw, ok := doc.Paths[p]["get"]; !ok || json.Unmarshal(raw, &get) != nil {
			continue
		}
		c, ok := get.Responses["200"].Content["application/json"]
		if !ok || len(c.Schema) == 0 {
			continue
		}
		var ref struct {
			Ref string `json:"$ref"`
		}
		if json.Unmarshal(c.Schema, &ref) == nil && ref.Ref != "" {
			const prefix = "#/components/schemas/"
			if len(ref.Ref) > len(prefix) && ref.Ref[:len(prefix)] == prefix {
				if s, ok := doc.Components.Schemas[ref.Ref[len(prefix):]]; ok {
					return s
				}
			}
			return unknown
		}
		return c.Schema
	}
	return unknown
}

// rules builds the rules service. apply supplies the decided cases for
// simulation and a citizen's own facts for an eligibility check once it
// implements rules.History and rules.Facts; until then those answer 503.
func (a *App) rules() (rules.Facts, error) {
	var err error
	a.Rules, err = rules.New(rules.Config{Store: a.Store, Catalog: a.Catalog, Envs: ruleEnvs{cat: a.Catalog, apply: a.Apply, x: a.Exchange}})
	if err != nil {
		return nil, err
	}
	if h, ok := any(a.Apply).(rules.History); ok {
		a.Rules.SetHistory(h)
	}
	facts, _ := any(a.Apply).(rules.Facts)
	return facts, nil
}

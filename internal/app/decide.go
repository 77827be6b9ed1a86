package app

import (
	"context"
	"encoding/json"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
)

// ruleEnvs gives the rules engine the types of a service's inputs: the
// JSON Schema of its application form (apply) and, for each piece of
// evidence an inquiry provides, the schema of the answer its data service
// declares in the exchange's registry (the 200 response of its OpenAPI
// description).
type ruleEnvs struct{ a *App }

func (e ruleEnvs) Env(ctx context.Context, service string) (rules.Env, error) {
	const op = "app.rulesEnv"
	svc, err := e.a.Catalog.Service(ctx, service)
	if err != nil {
		return rules.Env{}, err
	}
	rec := svc.Record
	env := rules.Env{Evidence: map[string]json.RawMessage{}, Permit: rec.IsPermit()}
	if e.a.Apply == nil {
		return rules.Env{}, errs.E(op, errs.Unavailable, "applications are not available on this server", "ثبت درخواست در این سامانه فعال نیست")
	}
	form, err := e.a.Apply.Form(ctx, svc.ID, identity.Principal{})
	if err != nil {
		return rules.Env{}, err
	}
	env.Form = form.Schema
	for _, rq := range rec.Requirements {
		for _, ev := range rq.Evidence {
			if ev.Source != catalog.FromInquiry || env.Evidence[ev.Code] != nil {
				continue
			}
			ds, err := e.a.Exchange.ResolveInquiry(ctx, ev.Inquiry)
			if err != nil {
				continue // an inquiry not (yet) in the registry: rules cannot read its answer
			}
			if s := answerSchema(ds.OpenAPI); s != nil {
				env.Evidence[ev.Code] = s
			}
		}
	}
	if rec.Permit != nil {
		for _, g := range rec.Permit.RefusalGrounds {
			env.Grounds = append(env.Grounds, g.Code)
		}
	}
	return env, nil
}

// answerSchema is the JSON Schema of the 200 answer to the first GET of an
// OpenAPI description, or nil.
func answerSchema(doc string) json.RawMessage {
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return nil
	}
	for _, item := range d.Paths {
		var get struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		}
		if raw, ok := item["get"]; !ok || json.Unmarshal(raw, &get) != nil {
			continue
		}
		if c, ok := get.Responses["200"].Content["application/json"]; ok && len(c.Schema) > 0 {
			return c.Schema
		}
	}
	return nil
}

// rulesEngine builds the rules service; apply gives it the decided cases
// for simulation once apply is built (SetHistory).
func (a *App) rulesEngine() error {
	r, err := rules.New(rules.Config{Store: a.Store, Catalog: a.Catalog, Envs: ruleEnvs{a}})
	if err != nil {
		return err
	}
	a.Rules = r
	return nil
}

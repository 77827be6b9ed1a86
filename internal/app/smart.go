package app

import (
	"context"
	"encoding/json"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/proactive"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/web"
)

// The smart services: rules that decide, and proactive services that start
// on life events. This file wires rules, apply and proactive to each other
// and to the exchange's Pub/Sub.

// ruleEnvs types a service's rules: the form's text fields from apply's
// JSON Schema of the form, and each evidence inquiry's answer from the
// response schema the provider published in the exchange's registry.
type ruleEnvs struct{ a *App }

func (e ruleEnvs) Env(ctx context.Context, service string) (rules.Env, error) {
	const op = "app.Env"
	svc, err := e.a.Catalog.Service(ctx, service)
	if err != nil {
		return rules.Env{}, err
	}
	env := rules.Env{Evidence: map[string]json.RawMessage{}, Permit: svc.Record.Permit != nil}
	if svc.Record.Permit != nil {
		for _, g := range svc.Record.Permit.RefusalGrounds {
			env.Grounds = append(env.Grounds, g.Code)
		}
	}
	if e.a.Apply != nil {
		f, err := e.a.Apply.Form(ctx, service, identity.System)
		if err != nil {
			return rules.Env{}, err
		}
		env.Form = f.Schema
	}
	for _, rq := range svc.Record.Requirements {
		for _, ev := range rq.Evidence {
			if ev.Source != catalog.FromInquiry || ev.Inquiry == "" {
				continue
			}
			if _, ok := env.Evidence[ev.Code]; ok {
				continue
			}
			ds, err := e.a.Exchange.ResolveInquiry(ctx, ev.Inquiry)
			if errs.Is(err, errs.NotFound) {
				continue // not in the exchange: its rules cannot read it
			}
			if err != nil {
				return rules.Env{}, errs.Wrap(op, err)
			}
			if s := answerSchema(ds.OpenAPI); s != nil {
				env.Evidence[ev.Code] = s
			}
		}
	}
	return env, nil
}

// answerSchema returns the JSON Schema of the 200 answer of the GET
// operation of an OpenAPI description, nil when it has none.
func answerSchema(openapi string) json.RawMessage {
	var doc struct {
		Paths map[string]struct {
			Get *struct {
				Responses map[string]struct {
					Content map[string]struct {
						Schema json.RawMessage `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			} `json:"get"`
		} `json:"paths"`
	}
	if json.Unmarshal([]byte(openapi), &doc) != nil {
		return nil
	}
	for _, p := range doc.Paths {
		if p.Get == nil {
			continue
		}
		if r, ok := p.Get.Responses["200"]; ok {
			if c, ok := r.Content["application/json"]; ok && len(c.Schema) > 0 {
				return c.Schema
			}
		}
	}
	return nil
}

// condition adapts a compiled rules condition to proactive.
type condition struct{ c *rules.Condition }

func (c condition) Match(ctx context.Context, event map[string]any) (bool, error) {
	return c.c.Match(ctx, rules.Input{Event: event})
}

func compileCondition(expr string, schema json.RawMessage) (proactive.Condition, []proactive.Problem) {
	c, ps := rules.CompileCondition(expr, schema)
	if len(ps) > 0 {
		out := make([]proactive.Problem, len(ps))
		for i, p := range ps {
			out[i] = proactive.Problem{Field: "condition", Line: p.Line, Column: p.Column, En: p.En, Fa: p.Fa}
		}
		return nil, out
	}
	return condition{c}, nil
}

// familyInquiry is the civil registry's family record, which names a
// deceased person's heirs.
const familyInquiry = "NOCR/family"

// history is apply's record of past decisions, for the rules' simulation;
// apply is built after rules, which decide its cases.
type history struct{ a *App }

func (h history) Recent(ctx context.Context, service string, limit int) ([]rules.Past, error) {
	return h.a.Apply.Recent(ctx, service, limit)
}

// rules builds the rules capability, before apply, which decides with it.
func (a *App) rules() error {
	var err error
	a.Rules, err = rules.New(rules.Config{Store: a.Store, Catalog: a.Catalog, Envs: ruleEnvs{a}, History: history{a}})
	return err
}

// proactive builds the proactive services and wires them to apply and the
// exchange's Pub/Sub: it subscribes to the life events its active
// subscriptions need and starts cases through apply.
func (a *App) proactive(ctx context.Context) error {
	a.Proactive = proactive.New(proactive.Config{
		Store: a.Store, Catalog: a.Catalog, Notifier: a.Notifier, Log: a.Log,
		Compile: compileCondition,
		Schema: func(ctx context.Context, eventType string) (json.RawMessage, error) {
			t, err := a.PubSub.EventType(ctx, eventType)
			return t.Schema, err
		},
		Subscribe: func(ctx context.Context, eventType string) error {
			return a.PubSub.SubscribeLocal(ctx, proactive.Subscriber, eventType)
		},
		RulesActive: func(ctx context.Context, service string) (bool, error) {
			_, ok, err := a.Rules.Active(ctx, service)
			return ok, err
		},
		Start: func(ctx context.Context, by identity.Principal, service, applicant string, data map[string]string, o proactive.Origin) (apply.Case, error) {
			return a.Apply.StartFor(ctx, by, service, applicant, data, apply.Origin{Kind: o.Kind, Event: o.Event, Subscription: o.Subscription})
		},
		Form: a.Apply.Form,
		Heirs: func(ctx context.Context, person string) ([]string, error) {
			body, _, err := a.Gateway.Evidence(ctx, person, familyInquiry, "یافتن وراث برای پیشنهاد گواهی انحصار وراثت")
			if err != nil {
				return nil, err
			}
			var fam struct {
				Relatives []struct {
					Relation     string `json:"relation"`
					NationalCode string `json:"national_code"`
					Alive        bool   `json:"alive"`
				} `json:"relatives"`
			}
			if err := json.Unmarshal(body, &fam); err != nil {
				return nil, errs.Wrap("app.Heirs", err)
			}
			var out []string
			for _, r := range fam.Relatives {
				if r.Alive && (r.Relation == "spouse" || r.Relation == "child") {
					out = append(out, r.NationalCode)
				}
			}
			return out, nil
		},
	})
	a.Rules.OnChange(a.Proactive.RulesChanged)
	a.PubSub.HandleLocal(proactive.Subscriber, func(ctx context.Context, ev exchange.LifeEvent) error {
		return a.Proactive.Handle(ctx, proactive.Event{ID: ev.ID, Type: ev.Type, Person: ev.Person, Facts: ev.Facts,
			Publisher: ev.Publisher, PublishedAt: ev.PublishedAt})
	})
	return a.Proactive.Listen(ctx)
}

// demoLifeEvents publishes the demo's life events (the demo page and the
// "panjare demo event" command), as the publisher the room allows for each.
type demoLifeEvents struct{ a *App }

// lifeEvents returns the demo's publisher of life events, nil outside the
// demo.
func (a *App) lifeEvents() web.LifeEventDemo {
	if !a.Config.Demo {
		return nil
	}
	return demoLifeEvents{a}
}

func (d demoLifeEvents) people() *backoffice.People {
	if d.a.backOffices != nil {
		return d.a.backOffices.People
	}
	return backoffice.NewPeople()
}

func (d demoLifeEvents) People(ctx context.Context) ([]web.DemoPerson, error) {
	var out []web.DemoPerson
	for _, p := range demo.LifeEventPeople(d.people()) {
		out = append(out, web.DemoPerson{Code: p.NationalCode, Name: p.Name, Note: p.NoteFa, Kinds: p.Kinds})
	}
	return out, nil
}

func (d demoLifeEvents) Publish(ctx context.Context, kind, person string) (string, error) {
	ev, err := d.a.PublishDemoEvent(ctx, kind, person)
	return ev.ID, err
}

// PublishDemoEvent publishes a demo life event of kind about (or, for a
// birth, by the parent) person through the exchange's Pub/Sub, as the
// publisher the room allows for kind.
func (a *App) PublishDemoEvent(ctx context.Context, kind, person string) (exchange.LifeEvent, error) {
	publisher, body, err := demo.LifeEvent(demoLifeEvents{a}.people(), a.Exchange.Instance(), kind, person)
	if err != nil {
		return exchange.LifeEvent{}, err
	}
	return a.PubSub.Publish(ctx, publisher, kind, body)
}

// loadChains loads the demo's life-event chains once the back offices are
// registered (their rules read the inquiries' answers).
func (a *App) loadChains(ctx context.Context, ps *backoffice.People) error {
	return demo.LoadChains(ctx, demo.ChainConfig{Catalog: a.Catalog, Identity: a.Identity, Rules: a.Rules, Proactive: a.Proactive}, ps)
}

package app

import (
	"context"

	"github.com/panjare/panjare/internal/catalog"
)

// ActiveRules is what true levels need of the rules engine
// (*rules.Rules): the services an active ruleset decides, and a hook called
// after an activation, rollback or deactivation commits.
type ActiveRules interface {
	ActiveServices(ctx context.Context) (map[string]int, error)
	OnChange(func(ctx context.Context, service string))
}

// ActiveSubscriptions is what true levels need of the proactive services
// (*proactive.Proactive): the mode of the active subscription that starts
// each service, and the same kind of hook.
type ActiveSubscriptions interface {
	ActiveSubscriptions(ctx context.Context) (map[string]string, error)
	OnChange(func(ctx context.Context, service string))
}

// machinery tells the catalogue what is built. The inquiries are left to
// the catalogue, which asks the exchange set with CheckInquiries about the
// ones each record names.
type machinery struct {
	rules ActiveRules
	subs  ActiveSubscriptions
}

func (m machinery) Built(ctx context.Context) (catalog.Built, error) {
	b := catalog.Built{Rules: map[string]bool{}, Triggers: map[string]string{}}
	if m.rules != nil {
		active, err := m.rules.ActiveServices(ctx)
		if err != nil {
			return catalog.Built{}, err
		}
		for id := range active {
			b.Rules[id] = true
		}
	}
	if m.subs != nil {
		active, err := m.subs.ActiveSubscriptions(ctx)
		if err != nil {
			return catalog.Built{}, err
		}
		for id, mode := range active {
			b.Triggers[id] = mode
		}
	}
	return b, nil
}

// TrueLevels makes the catalogue's levels follow what is built (one
// invariant across capabilities: a level is shown only while the machinery
// behind it exists): r and s say which services an active ruleset decides
// and an active subscription starts (nil: none), each activation, rollback
// or retirement recomputes its service, and every level is recomputed now.
// The catalogue's Follow recomputes them all every minute too, which is
// what catches a data service leaving the exchange's registry.
func (a *App) TrueLevels(ctx context.Context, r ActiveRules, s ActiveSubscriptions) error {
	a.Catalog.UseMachinery(machinery{rules: r, subs: s})
	recompute := func(ctx context.Context, service string) {
		if err := a.Catalog.Recompute(ctx, service); err != nil {
			a.Log.Warn("recomputing a service's true level", "service", service, "err", err)
		}
	}
	if r != nil {
		r.OnChange(recompute)
	}
	if s != nil {
		s.OnChange(recompute)
	}
	return a.Catalog.Recompute(ctx)
}

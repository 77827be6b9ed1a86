package exchange

import (
	"context"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// PersonInquiry is the civil registry's inquiry that Publish asks whether
// the person of an event exists.
const PersonInquiry = "NOCR/person-identity"

// RegistryPersonCheck returns a PersonCheck that asks the civil registry
// through the gateway, with the platform's once-only client and the same
// authorization, logging and signing as every inquiry: a known person is
// one the registry answers about, an unknown one a 404. When the registry's
// service is not registered, or does not answer, the check errs and the
// event is refused for now rather than accepted unchecked.
func RegistryPersonCheck(g *Gateway) PersonCheck {
	return func(ctx context.Context, nc string) (bool, error) {
		has, err := g.x.HasInquiry(ctx, PersonInquiry)
		if err != nil {
			return false, err
		}
		if !has {
			return false, errs.E("exchange.PersonCheck", errs.Unavailable, "the civil registry's "+PersonInquiry+" is not registered in the exchange",
				"سرویس "+PersonInquiry+" ثبت احوال در تبادل ثبت نشده است")
		}
		_, _, err = g.Evidence(ctx, nc, PersonInquiry, "بررسی وجود شخص پیش از انتشار رویداد زندگی")
		switch {
		case err == nil:
			return true, nil
		case errs.Is(err, errs.NotFound):
			return false, nil
		}
		return false, err
	}
}

// CachedPersonCheck remembers the persons check found, for ttl, in at most
// max entries: a person who exists goes on existing, and a burst of events
// about one family asks the registry once. A person not found is not
// remembered (a newborn may be registered a moment later), nor is an error.
func CachedPersonCheck(check PersonCheck, ttl time.Duration, max int) PersonCheck {
	var mu sync.Mutex
	known := map[string]time.Time{}
	return func(ctx context.Context, nc string) (bool, error) {
		now := time.Now()
		mu.Lock()
		until, ok := known[nc]
		mu.Unlock()
		if ok && now.Before(until) {
			return true, nil
		}
		found, err := check(ctx, nc)
		if err != nil || !found {
			return found, err
		}
		mu.Lock()
		if len(known) >= max {
			for k, u := range known {
				if now.After(u) || len(known) >= max {
					delete(known, k)
				}
			}
		}
		known[nc] = now.Add(ttl)
		mu.Unlock()
		return true, nil
	}
}

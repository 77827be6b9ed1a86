package suggest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/persian"
)

// Profile is what suggestions read of a person: their age and sex from the
// civil registry, and where they live when the postal registry knows. It is
// personal data: it is kept in memory for a short while and never logged or
// stored.
type Profile struct {
	Age      int
	Sex      string // "male" | "female"
	Province string // province code, "" if unknown
	City     string // city region code, "" if unknown
}

// ProfileSource answers a person's profile. Errors mean "unknown": the
// profile-based suggestions are then left out, the others still shown.
type ProfileSource interface {
	Profile(ctx context.Context, nationalCode string) (Profile, error)
}

// EvidenceFunc asks an inquiry about one citizen through the exchange (the
// shape of exchange.Gateway.Evidence without its receipt).
type EvidenceFunc func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error)

// The inquiries the profile reads, and the purpose the citizen sees for them
// in their data tracker.
const (
	IdentityInquiry = "NOCR/person-identity"
	AddressInquiry  = "POST/postcode"
	profilePurpose  = "پیشنهاد خدمت‌های متناسب با سن و محل اقامت شهروند در پیشخوان خود او"
)

// ProfileTTL is how long a profile is reused before the registries are
// asked again; failedTTL is how long a failure is, so that a registry that
// is down does not slow every page.
const (
	ProfileTTL = 15 * time.Minute
	failedTTL  = time.Minute
	maxCached  = 20000
)

// ExchangeProfiles reads profiles through the exchange: age and sex from the
// civil registry's person-identity answer, the city from the postal
// registry's address answer matched to the catalogue's regions by name. Each
// answer is kept for ProfileTTL, so a citizen moving between pages asks the
// registries once.
type ExchangeProfiles struct {
	evidence EvidenceFunc
	regions  func(ctx context.Context) ([]catalog.Region, error)
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]cachedProfile
}

type cachedProfile struct {
	p       Profile
	err     error
	expires time.Time
}

// NewExchangeProfiles returns a profile source over evidence; regions lists
// the catalogue's regions (catalog.Catalog.Regions); now is the clock (nil:
// time.Now).
func NewExchangeProfiles(evidence EvidenceFunc, regions func(ctx context.Context) ([]catalog.Region, error), now func() time.Time) *ExchangeProfiles {
	if now == nil {
		now = time.Now
	}
	return &ExchangeProfiles{evidence: evidence, regions: regions, now: now, cache: map[string]cachedProfile{}}
}

// Profile returns code's profile, from the cache while it is fresh.
func (e *ExchangeProfiles) Profile(ctx context.Context, code string) (Profile, error) {
	now := e.now()
	e.mu.Lock()
	c, ok := e.cache[code]
	e.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.p, c.err
	}
	p, err := e.fetch(ctx, code, now)
	ttl := ProfileTTL
	if err != nil {
		ttl = failedTTL
	}
	e.mu.Lock()
	if len(e.cache) >= maxCached {
		for k, v := range e.cache {
			if !now.Before(v.expires) {
				delete(e.cache, k)
			}
		}
		if len(e.cache) >= maxCached {
			e.cache = map[string]cachedProfile{}
		}
	}
	e.cache[code] = cachedProfile{p: p, err: err, expires: now.Add(ttl)}
	e.mu.Unlock()
	return p, err
}

// fetch asks the registries.
func (e *ExchangeProfiles) fetch(ctx context.Context, code string, now time.Time) (Profile, error) {
	body, err := e.evidence(ctx, code, IdentityInquiry, profilePurpose)
	if err != nil {
		return Profile{}, err
	}
	var id struct {
		Sex       string `json:"sex"`
		BirthDate struct {
			Date string `json:"date"`
		} `json:"birth_date"`
	}
	if err := json.Unmarshal(body, &id); err != nil {
		return Profile{}, err
	}
	born, err := time.Parse(time.DateOnly, id.BirthDate.Date)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Age: AgeOn(born, now), Sex: id.Sex}
	// Where the person lives is a refinement: without it, the rules that
	// need no region still apply.
	if e.regions != nil {
		if body, err := e.evidence(ctx, code, AddressInquiry, profilePurpose); err == nil {
			var addr struct {
				CityFa string `json:"city_fa"`
			}
			if json.Unmarshal(body, &addr) == nil && addr.CityFa != "" {
				p.Province, p.City = e.region(ctx, addr.CityFa)
			}
		}
	}
	return p, nil
}

// region finds the city named cityFa among the catalogue's cities.
func (e *ExchangeProfiles) region(ctx context.Context, cityFa string) (province, city string) {
	regions, err := e.regions(ctx)
	if err != nil {
		return "", ""
	}
	want := persian.Fold(cityFa)
	for _, r := range regions {
		if r.Kind == catalog.City && persian.Fold(r.NameFa) == want {
			return r.Province, r.Code
		}
	}
	for _, r := range regions { // a provincial capital's name may be written for the province
		if r.Kind == catalog.Province && persian.Fold(r.NameFa) == want {
			return r.Code, ""
		}
	}
	return "", ""
}

// AgeOn returns the age in whole years on day now of someone born on born.
func AgeOn(born, now time.Time) int {
	y1, m1, d1 := born.Date()
	y2, m2, d2 := now.Date()
	age := y2 - y1
	if m2 < m1 || (m2 == m1 && d2 < d1) {
		age--
	}
	return max(age, 0)
}

// isNationalCode reports whether s is a person's national code (ten digits)
// rather than a company's national id.
func isNationalCode(s string) bool {
	return len(s) == 10 && strings.Trim(s, "0123456789") == "" && persian.CheckNationalCode(s) == nil
}

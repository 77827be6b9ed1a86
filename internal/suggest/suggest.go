// Package suggest suggests services to each signed-in citizen, each with the
// reason they see it ("why you see this"), from three sources:
//
//   - their profile: age and sex from the civil registry and the province
//     they live in from the postal registry, both asked through the exchange
//     (so the citizen sees the inquiries in their data tracker), matched to
//     services by the small table ProfileRules;
//   - life events about them in the last twelve months (the exchange's
//     Pub/Sub events, read from the event log by kind), matched to the
//     services whose record names that event (LifeEventCodes);
//   - co-usage: "people who used X then used Y", counted over distinct
//     applicants by a periodic job from the cases, and kept only for pairs
//     seen for at least k people (k-anonymity).
//
// A suggestion is never a service the person has an open case for, a retired
// or unpublished service, or a service for agencies (G2G); a dismissed one
// never comes back. suggest owns the tables prefixed suggest_ and reads
// apply_cases only to count co-usage and to see what the person has already
// asked for; it never writes another capability's tables, and never logs or
// stores a profile (the dismissals are stored under the person's national
// code, like their cases).
package suggest

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns suggest's migration set. It comes after apply's, whose
// cases it reads.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return store.MigrationSet{Name: "suggest", FS: sub}
}

// DefaultK is the fewest distinct people a co-usage pair must be seen for
// before it is stored or shown; MinK is the smallest k accepted.
const (
	DefaultK = 5
	MinK     = 3
	// DefaultMax is how many suggestions a person sees at most.
	DefaultMax = 6
	// lifeEventWindow is how far back life events count.
	lifeEventWindow = 365 * 24 * time.Hour
	// LifeEventKind is the event the exchange's Pub/Sub appends when a
	// life event is published; its Subject is the person it is about.
	LifeEventKind = "exchange.pubsub.published"
)

// The sources of a suggestion.
const (
	SourceLifeEvent = "life_event"
	SourceCoUsage   = "co_usage"
	SourceProfile   = "profile"
)

// Events suggest appends.
const (
	evDismissed = "suggest.dismissed"
	evRebuilt   = "suggest.pairs.rebuilt"
)

// Config is what suggestions need.
type Config struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	// Profiles answers age, sex and region; nil leaves profile-based
	// suggestions out.
	Profiles ProfileSource
	// K is the co-usage threshold (DefaultK when 0; at least MinK).
	K int
	// Max is how many suggestions are shown (DefaultMax when 0).
	Max int
	// Every is how often the co-usage job runs (one hour when 0).
	Every time.Duration
	Now   func() time.Time
	Log   *slog.Logger
}

// Suggester computes the suggestions. It is safe for concurrent use.
type Suggester struct {
	s        *store.Store
	cat      *catalog.Catalog
	profiles ProfileSource
	k, max   int
	every    time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu       sync.Mutex
	services []catalog.Service // published services, refreshed every servicesTTL
	loaded   time.Time
}

const servicesTTL = time.Minute

// New returns a Suggester. Errors: Invalid for a k below MinK.
func New(cfg Config) (*Suggester, error) {
	if cfg.Store == nil || cfg.Catalog == nil {
		return nil, errs.E("suggest.New", errs.Internal, "suggest: a store and a catalog are required", "")
	}
	x := &Suggester{s: cfg.Store, cat: cfg.Catalog, profiles: cfg.Profiles, k: cfg.K, max: cfg.Max, every: cfg.Every, now: cfg.Now, log: cfg.Log}
	if x.k == 0 {
		x.k = DefaultK
	}
	if x.k < MinK {
		return nil, errs.E("suggest.New", errs.Invalid, "the co-usage threshold k must be at least "+strconv.Itoa(MinK),
			"آستانهٔ k هم‌استفاده دست‌کم باید "+persian.Digits(strconv.Itoa(MinK))+" باشد")
	}
	if x.max <= 0 {
		x.max = DefaultMax
	}
	if x.every <= 0 {
		x.every = time.Hour
	}
	if x.now == nil {
		x.now = cfg.Store.Now
	}
	if x.log == nil {
		x.log = slog.Default()
	}
	return x, nil
}

// K returns the co-usage threshold.
func (x *Suggester) K() int { return x.k }

// Suggestion is one service suggested to a person, with why.
type Suggestion struct {
	Service string `json:"service"`
	TitleFa string `json:"title_fa"`
	TitleEn string `json:"title_en,omitempty"`
	Source  string `json:"source"` // life_event, co_usage or profile
	// WhyFa and WhyEn say why the person sees it («چرا این را می‌بینید»).
	WhyFa string `json:"why_fa"`
	WhyEn string `json:"why_en"`
	// Rule is the profile rule's code (profile); Event the life event's
	// type (life_event); After the service used first and People how
	// many, at least, used this one after it (co_usage: never below k).
	Rule   string `json:"rule,omitempty"`
	Event  string `json:"event,omitempty"`
	After  string `json:"after,omitempty"`
	People int    `json:"people,omitempty"`

	rank   int   // the source's rank: life events first, then co-usage, then profile
	weight int64 // within a source: recency, people, or annual volume
}

// personCase is what suggestions read of one of the person's cases.
type personCase struct {
	service   string
	open      bool
	withdrawn bool
	at        time.Time
}

// For returns the suggestions for the signed-in person p, best first, at
// most Max. It reads the person p acts as (p.Subject()). A source that fails
// (a registry down) is left out and logged without the person; only a
// failure to read the database is an error. Errors: Forbidden for a
// principal without a national code.
func (x *Suggester) For(ctx context.Context, p identity.Principal) ([]Suggestion, error) {
	const op = "suggest.For"
	who := p.Subject()
	if p.Kind != "user" || who == "" {
		return nil, errs.E(op, errs.Forbidden, "suggestions are for citizens signed in with their national code",
			"پیشنهادها ویژهٔ شهروندانی است که با کد ملی خود وارد شده‌اند")
	}
	services, err := x.published(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	byID := make(map[string]catalog.Service, len(services))
	byEvent := map[string][]catalog.Service{}
	for _, s := range services {
		if s.Status != catalog.Published || s.Record.Audience == catalog.G2G {
			continue
		}
		byID[s.ID] = s
		for _, ev := range s.Record.Events {
			byEvent[ev] = append(byEvent[ev], s)
		}
	}
	cases, err := x.cases(ctx, who)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	dismissed, err := x.dismissed(ctx, who)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	open, used := map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		if c.open {
			open[c.service] = true
		}
		if !c.withdrawn {
			used[c.service] = true
		}
	}

	best := map[string]Suggestion{}
	offer := func(s catalog.Service, sg Suggestion) {
		if open[s.ID] || dismissed[s.ID] {
			return
		}
		sg.Service, sg.TitleFa, sg.TitleEn = s.ID, s.Record.TitleFa, s.Record.TitleEn
		if cur, ok := best[s.ID]; ok && (cur.rank > sg.rank || (cur.rank == sg.rank && cur.weight >= sg.weight)) {
			return
		}
		best[s.ID] = sg
	}

	// Life events about the person in the last twelve months.
	now := x.now()
	evs, err := x.s.Events(ctx, store.EventFilter{KindPrefix: LifeEventKind, Subject: who, Limit: 10000})
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	for _, ev := range evs {
		if ev.Kind != LifeEventKind || ev.At.Before(now.Add(-lifeEventWindow)) || ev.At.After(now) {
			continue
		}
		typ := eventType(ev.Payload)
		name, known := lifeEventNames[typ]
		if !known {
			continue
		}
		for _, code := range LifeEventCodes[typ] {
			for _, s := range byEvent[code] {
				if hasCaseSince(cases, s.ID, ev.At) {
					continue // they already asked for it since
				}
				offer(s, Suggestion{Source: SourceLifeEvent, Event: typ, rank: 3, weight: ev.At.Unix(),
					WhyFa: "رویداد «" + name[0] + "» در " + persian.JalaliDate(ev.At) + " دربارهٔ شما ثبت شد و این خدمت برای آن است.",
					WhyEn: "A life event about you, " + name[1] + ", was recorded on " + ev.At.Format("2 January 2006") + ", and this service is for it."})
			}
		}
	}

	// Co-usage: what others did after the services this person used.
	if len(used) > 0 {
		pairs, err := x.pairsAfter(ctx, used)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		for _, pr := range pairs {
			s, ok := byID[pr.next]
			if !ok || used[pr.next] {
				continue
			}
			first, err := x.cat.Service(ctx, pr.first)
			if err != nil {
				continue // the first service is gone from the catalogue: nothing to name
			}
			n := shownPeople(pr.people, x.k)
			offer(s, Suggestion{Source: SourceCoUsage, After: pr.first, People: n, rank: 2, weight: int64(pr.people),
				WhyFa: "دست‌کم " + persian.Digits(strconv.Itoa(n)) + " نفر پس از «" + first.Record.TitleFa + "» از این خدمت هم استفاده کرده‌اند.",
				WhyEn: "At least " + strconv.Itoa(n) + " people used this service after «" + titleEn(first) + "»."})
		}
	}

	// The profile: age band, sex and province.
	if x.profiles != nil && isNationalCode(who) {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		pr, err := x.profiles.Profile(pctx, who)
		cancel()
		if err != nil {
			// The registry is down or knows nothing: profile suggestions
			// are left out. The kind only: the person is never logged.
			x.log.Warn("suggestions without the profile", "op", op, "kind", errs.KindOf(err).String())
		} else {
			for _, rule := range ProfileRules {
				if !rule.matches(pr) {
					continue
				}
				for _, code := range rule.Events {
					for _, s := range byEvent[code] {
						if rule.Once && s.Record.Frequency != catalog.Once {
							continue
						}
						if s.Record.Frequency == catalog.Once && used[s.ID] {
							continue // a once-in-a-life service they have had
						}
						offer(s, Suggestion{Source: SourceProfile, Rule: rule.Code, rank: 1, weight: s.Record.AnnualVolume,
							WhyFa: rule.WhyFa, WhyEn: rule.WhyEn})
					}
				}
			}
		}
	}

	out := make([]Suggestion, 0, len(best))
	for _, sg := range best {
		out = append(out, sg)
	}
	slices.SortFunc(out, byRank)
	// The published list may be a minute old: check each shown service
	// against the catalogue's current state.
	current := func(sg Suggestion) bool {
		s, err := x.cat.Service(ctx, sg.Service)
		return err == nil && s.Status == catalog.Published && s.Record.Audience != catalog.G2G
	}
	// No source takes more than perSource places while another has more
	// to offer, so one birth does not hide everything else; the places
	// left are then filled in rank order.
	perSource := max(x.max*2/3, 1)
	taken, bySource := map[string]bool{}, map[string]int{}
	var shown []Suggestion
	for pass := 0; pass < 2 && len(shown) < x.max; pass++ {
		for _, sg := range out {
			if len(shown) == x.max {
				break
			}
			if taken[sg.Service] || (pass == 0 && bySource[sg.Source] == perSource) || !current(sg) {
				continue
			}
			taken[sg.Service] = true
			bySource[sg.Source]++
			shown = append(shown, sg)
		}
	}
	slices.SortStableFunc(shown, byRank)
	return shown, nil
}

// byRank orders suggestions: by source (life events, co-usage, profile),
// then by weight, then by service identifier.
func byRank(a, b Suggestion) int {
	switch {
	case a.rank != b.rank:
		return b.rank - a.rank
	case a.weight != b.weight:
		if a.weight > b.weight {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Service, b.Service)
}

// Dismiss records that the person p acts as does not want service suggested
// again. Dismissing twice is not an error. Errors: Forbidden without a
// national code, Invalid or NotFound for a service that does not exist.
func (x *Suggester) Dismiss(ctx context.Context, p identity.Principal, service string) error {
	const op = "suggest.Dismiss"
	who := p.Subject()
	if p.Kind != "user" || who == "" {
		return errs.E(op, errs.Forbidden, "suggestions are for citizens signed in with their national code",
			"پیشنهادها ویژهٔ شهروندانی است که با کد ملی خود وارد شده‌اند")
	}
	s, err := x.cat.Service(ctx, service)
	if err != nil {
		return err
	}
	err = x.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM suggest_dismissed WHERE person = $1 AND service = $2`, who, s.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return store.ErrNothingToDo
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO suggest_dismissed (person, service, at) VALUES ($1, $2, $3)`, who, s.ID, x.s.Now()); err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: evDismissed, Actor: p.Actor(), Agency: s.Record.Agency, Service: s.ID, Subject: who}, nil)
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	return errs.Wrap(op, err)
}

// published returns the published services, read at most once a minute.
func (x *Suggester) published(ctx context.Context) ([]catalog.Service, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.services != nil && time.Since(x.loaded) < servicesTTL {
		return x.services, nil
	}
	list, err := x.cat.Published(ctx)
	if err != nil {
		return nil, err
	}
	x.services, x.loaded = list, time.Now()
	return list, nil
}

// cases reads the person's cases.
func (x *Suggester) cases(ctx context.Context, who string) ([]personCase, error) {
	rows, err := x.s.Read().QueryContext(ctx, `SELECT service, state, submitted_at FROM apply_cases WHERE applicant = $1`, who)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []personCase
	for rows.Next() {
		var c personCase
		var state string
		if err := rows.Scan(&c.service, &state, &c.at); err != nil {
			return nil, err
		}
		c.open, c.withdrawn = openState(state), state == "withdrawn"
		out = append(out, c)
	}
	return out, rows.Err()
}

// openState reports whether a case in state is still open: not refused,
// issued or withdrawn (the final states of apply's state machine).
func openState(state string) bool {
	return state != "rejected" && state != "issued" && state != "withdrawn"
}

// hasCaseSince reports whether cases hold one for service, not withdrawn,
// filed since the day before at: a parent may apply for a birth
// certificate before the registry's event reaches the exchange.
func hasCaseSince(cases []personCase, service string, at time.Time) bool {
	for _, c := range cases {
		if c.service == service && !c.withdrawn && !c.at.Before(at.Add(-24*time.Hour)) {
			return true
		}
	}
	return false
}

// dismissed reads the services the person dismissed.
func (x *Suggester) dismissed(ctx context.Context, who string) (map[string]bool, error) {
	rows, err := x.s.Read().QueryContext(ctx, `SELECT service FROM suggest_dismissed WHERE person = $1`, who)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out[s] = true
	}
	return out, rows.Err()
}

// eventType reads a life event's type from its event payload: the
// GovStack name eventType, or event_type or type.
func eventType(payload json.RawMessage) string {
	var p struct {
		EventType  string `json:"eventType"`
		EventType2 string `json:"event_type"`
		Type       string `json:"type"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return ""
	}
	switch {
	case p.EventType != "":
		return p.EventType
	case p.EventType2 != "":
		return p.EventType2
	}
	return p.Type
}

// shownPeople is the count a co-usage suggestion states: n rounded down (to
// fives below 100, tens below 1000, hundreds above) but never below k, so
// "at least" is always true and never names fewer than k people.
func shownPeople(n, k int) int {
	step := 100
	switch {
	case n < 100:
		step = 5
	case n < 1000:
		step = 10
	}
	return max(n/step*step, k)
}

// titleEn returns a service's English title, or its Persian one.
func titleEn(s catalog.Service) string {
	if s.Record.TitleEn != "" {
		return s.Record.TitleEn
	}
	return s.Record.TitleFa
}

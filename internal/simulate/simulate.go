package simulate

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Options say which year to simulate, where, and how busy.
type Options struct {
	DB    string  // the database: "sqlite:PATH" or a postgres:// URL; it must have no events
	Year  int     // the Jalali year, such as 1404
	Seed  uint64  // the same seed drives the same year
	Scale float64 // 1 (the default when 0): about PerYear cases; 0.05 is a small year for tests
	Log   *slog.Logger
	// Progress, when set, is told each month as it ends.
	Progress func(month string, cases int)
}

// PerYear is about how many applications a year at scale 1 files.
const PerYear = 5000

// Result is what a simulated year did.
type Result struct {
	Truth Truth
	Cases int // applications filed, those the platform started included
	// LifeEvents is how many life events were published; Started how many
	// cases the chains' services started for them.
	LifeEvents, Started int
	Events              int64          // events in the database at the end, the demo's own included
	Failures            map[string]int // actions a verb refused, by action: the simulator counts nothing of them
	Took                time.Duration
	Ledger              ledger.Checkpoint // the checkpoint signed over the whole year
	FirstDay            time.Time         // 1 Farvardin of the year, 00:00 Tehran
	NextYear            time.Time         // 1 Farvardin of the next year
	MonthsRun           []string          // the months simulated, "1404-01" … "1404-12"
}

// Clock is the simulated time the store, and through it every capability,
// reads.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// monthStarts returns midnight in Tehran of the first day of each month
// of Jalali year y, and of the next year's first month (13 times).
func monthStarts(y int) []time.Time {
	tehran := persian.Location()
	// 1 Farvardin falls on 20 or 21 March: start a few days before and walk.
	d := time.Date(y+621, time.March, 15, 12, 0, 0, 0, tehran)
	var out []time.Time
	for len(out) < 13 {
		yy, mm := persian.JalaliMonth(d)
		want := y
		if len(out) == 12 {
			want = y + 1
		}
		if yy == want && mm == len(out)%12+1 {
			out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, tehran))
			d = d.AddDate(0, 0, 25)
			continue
		}
		d = d.AddDate(0, 0, 1)
	}
	return out
}

// season is how busy each Jalali month is against the average: Nowruz
// empties Farvardin, the autumn term and the year's end fill the offices.
var season = [12]float64{0.55, 0.95, 1.05, 1.0, 0.9, 1.0, 1.15, 1.1, 1.05, 1.0, 1.05, 1.2}

// Run simulates year o.Year on the fresh database o.DB and returns the
// truth. It refuses a database that already has events.
func Run(ctx context.Context, o Options) (Result, error) {
	began := time.Now()
	if o.Year < 1390 || o.Year > 1500 {
		return Result{}, errs.E("simulate.Run", errs.Invalid, fmt.Sprintf("year %d: want a Jalali year such as 1404", o.Year),
			fmt.Sprintf("سال %d: سالی شمسی مانند ۱۴۰۴ بدهید", o.Year))
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.Scale < 0 || o.Scale > 100 || math.IsNaN(o.Scale) {
		return Result{}, errs.E("simulate.Run", errs.Invalid, "the scale must be above 0 and at most 100", "مقیاس باید بیش از ۰ و حداکثر ۱۰۰ باشد")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := refuseUsed(ctx, o.DB); err != nil {
		return Result{}, err
	}
	starts := monthStarts(o.Year)
	clock := &Clock{t: starts[0].Add(8 * time.Hour).UTC()}

	cfg := app.Defaults()
	cfg.DB, cfg.Demo, cfg.Jobs, cfg.Migrate, cfg.NoSuggestions = o.DB, true, false, true, true
	cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "127.0.0.1:0", "", ""
	cfg.BaseURL = "http://simulate.invalid"
	cfg.Now = clock.Now
	a, err := app.New(ctx, cfg, o.Log)
	if err != nil {
		return Result{}, err
	}
	defer a.Close()
	if _, err := a.LoadDemo(ctx); err != nil {
		return Result{}, fmt.Errorf("simulate: loading the demo catalogue: %w", err)
	}
	if _, err := a.StartDemoExchange(ctx, 0); err != nil {
		return Result{}, fmt.Errorf("simulate: starting the demo back offices: %w", err)
	}

	s, err := newSim(ctx, a, clock, o, starts)
	if err != nil {
		return Result{}, err
	}
	if err := s.run(ctx); err != nil {
		return Result{}, err
	}
	truth := s.t.truth()
	truth.Providers = s.inq.rows()
	res := Result{Truth: truth, Cases: s.cases, LifeEvents: s.lifeEvents, Started: s.startedCases, Failures: s.failures,
		FirstDay: starts[0], NextYear: starts[12]}
	for _, st := range starts[:12] {
		res.MonthsRun = append(res.MonthsRun, persian.MonthKey(st))
	}
	// Seal the year, so that the figures (which count sealed events only)
	// and their verifier see all of it.
	if res.Ledger, err = a.Ledger.SealNow(ctx); err != nil {
		return Result{}, fmt.Errorf("simulate: sealing: %w", err)
	}
	if err := a.Store.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&res.Events); err != nil {
		return Result{}, errs.Wrap("simulate.Run", err)
	}
	res.Took = time.Since(began)
	return res, nil
}

// refuseUsed refuses a database whose events table has rows.
func refuseUsed(ctx context.Context, dsn string) error {
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	var n int64
	if err := st.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		return nil // no events table yet: a fresh database
	}
	if n > 0 {
		return errs.E("simulate.Run", errs.Conflict,
			fmt.Sprintf("the database %s already has %d events: a synthetic year runs only on a fresh database, so that it never mixes with real history", st.String(), n),
			fmt.Sprintf("پایگاه داده %s از پیش %s رویداد دارد: سال ساختگی تنها روی پایگاه دادهٔ تازه اجرا می‌شود تا با تاریخچهٔ واقعی درنیامیزد", st.String(), persian.Digits(fmt.Sprint(n))))
	}
	return nil
}

// action is one step at a simulated moment.
type action struct {
	at  time.Time
	seq int
	do  func(ctx context.Context) error
}

type queue []*action

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*action)) }
func (q *queue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// citizen is one person of the demo population who applies.
type citizen struct {
	p    identity.Principal
	home string // the city code they usually choose
}

// service is a service citizens apply for, with how popular it is.
type service struct {
	id, agency string
	weight     float64
	fee        int64
	ruled      bool // an active ruleset decides its cases
	permit     *catalog.Permit
	form       apply.Form
}

// kase is what the simulator remembers of a case it filed.
type kase struct {
	tracking    string
	who         *citizen
	svc         *service
	city        string
	province    string
	submittedAt time.Time
	deadline    time.Time
	paid        bool
	decidedAt   time.Time
	auto        bool
}

// sim is one simulated year in progress.
type sim struct {
	a      *app.App
	clock  *Clock
	o      Options
	rng    *rand.Rand
	starts []time.Time
	end    time.Time
	q      queue
	seq    int
	t      *tallies
	inq    *inquiries
	cases  int
	// lifeEvents published, and the cases the platform started for them
	lifeEvents, startedCases int
	failures                 map[string]int

	people    []*citizen
	byCode    map[string]*citizen
	started   map[string]*service // services only the platform starts (no-stop), by id
	services  []*service
	total     float64 // the services' weights, summed
	provinces map[string]string
	cities    []catalog.Region
	punctual  map[string]float64 // by agency: the share of its clerks' decisions in time
	clerks    map[string]identity.Principal
	upload    []byte
}

func newSim(ctx context.Context, a *app.App, clock *Clock, o Options, starts []time.Time) (*sim, error) {
	s := &sim{a: a, clock: clock, o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5ca1ab1e)), starts: starts, end: starts[12],
		t: newTallies(), inq: newInquiries(), failures: map[string]int{}, provinces: map[string]string{}, punctual: map[string]float64{},
		clerks: map[string]identity.Principal{}, byCode: map[string]*citizen{}, started: map[string]*service{}}
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		return nil, err
	}
	s.upload = b.Bytes()

	regions, err := a.Catalog.Regions(ctx)
	if err != nil {
		return nil, err
	}
	var weights []float64
	for _, r := range regions {
		if r.Kind != catalog.City {
			continue
		}
		s.provinces[r.Code] = r.Province
		s.cities = append(s.cities, r)
		w := 1.0
		if r.Capital {
			w = 3
		}
		if r.Province == "THR" {
			w *= 3
		}
		weights = append(weights, w)
	}
	if len(s.cities) == 0 {
		return nil, errors.New("simulate: the demo catalogue has no cities")
	}
	set := a.BackOffices()
	if set == nil {
		return nil, errors.New("simulate: the demo back offices are not running")
	}
	for i, p := range set.People.All() {
		if !p.Alive() || p.Age(starts[0]) < 18 {
			continue
		}
		home := s.cities[pick(s.rng, weights)].Code
		s.people = append(s.people, &citizen{home: home, p: identity.Principal{Kind: "user", ID: int64(500000 + i), Name: p.FullName(),
			NationalCode: p.NationalCode, Roles: []identity.Role{identity.RoleCitizen}}})
	}
	if len(s.people) == 0 {
		return nil, errors.New("simulate: the demo population has no adults")
	}
	for _, c := range s.people {
		s.byCode[c.p.NationalCode] = c
	}

	published, err := a.Catalog.Published(ctx)
	if err != nil {
		return nil, err
	}
	active, err := a.Rules.ActiveServices(ctx)
	if err != nil {
		return nil, err
	}
	probe := s.people[0].p
	for _, svc := range published {
		if svc.Record.Audience != catalog.G2C {
			continue
		}
		f, err := a.Apply.Form(ctx, svc.ID, probe)
		if err != nil {
			continue // not applied for online
		}
		s.services = append(s.services, &service{id: svc.ID, agency: svc.Record.Agency, fee: f.FeeRials, ruled: active[svc.ID] > 0,
			permit: svc.Record.Permit, form: f})
	}
	if len(s.services) == 0 {
		return nil, errors.New("simulate: no demo service takes applications")
	}
	// Popularity falls off with rank (Zipf-like) over a seeded order; the
	// services that decide by rules are among the popular ones, as the
	// agencies chose them for their volume.
	s.rng.Shuffle(len(s.services), func(i, j int) { s.services[i], s.services[j] = s.services[j], s.services[i] })
	slices.SortStableFunc(s.services, func(x, y *service) int {
		switch {
		case x.ruled && !y.ruled:
			return -1
		case !x.ruled && y.ruled:
			return 1
		}
		return 0
	})
	for i, svc := range s.services {
		svc.weight = 1 / math.Pow(float64(i+1), 0.8)
		s.total += svc.weight
		if _, ok := s.punctual[svc.agency]; !ok {
			s.punctual[svc.agency] = 0.6 + 0.37*s.rng.Float64()
			s.clerks[svc.agency] = identity.Principal{Kind: "user", ID: int64(900000 + len(s.clerks)), Name: "کارشناس " + svc.agency,
				Agency: svc.agency, Roles: []identity.Role{identity.RoleOperator}}
		}
	}
	return s, nil
}

// pick draws an index with probability proportional to its weight.
func pick(r *rand.Rand, weights []float64) int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// at schedules do at t; steps after the year's end never happen.
func (s *sim) at(t time.Time, do func(ctx context.Context) error) {
	if !t.Before(s.end) {
		return
	}
	s.seq++
	heap.Push(&s.q, &action{at: t.UTC().Truncate(time.Second), seq: s.seq, do: do})
}

// between returns a moment uniformly between from+lo and from+hi.
func (s *sim) between(from time.Time, lo, hi time.Duration) time.Time {
	return from.Add(lo + time.Duration(s.rng.Float64()*float64(hi-lo)))
}

// run schedules each month's arrivals and takes every step in time order.
func (s *sim) run(ctx context.Context) error {
	for m := range 12 {
		n := int(math.Round(PerYear / 12 * s.o.Scale * season[m]))
		days := int(s.starts[m+1].Sub(s.starts[m]).Hours()/24 + 0.5)
		for range n {
			// Offices and people work from 8 to 22, Tehran time.
			t := s.starts[m].AddDate(0, 0, s.rng.IntN(days)).Add(8*time.Hour + time.Duration(s.rng.IntN(14*3600))*time.Second)
			s.at(t, s.arrive)
		}
	}
	// The life events the demo chains answer: each demo person of a chain
	// has theirs at most once in the year, at a seeded moment.
	for _, lp := range demo.LifeEventPeople(s.a.BackOffices().People) {
		if len(lp.Kinds) == 0 || s.rng.Float64() < 0.4 {
			continue
		}
		t := s.between(s.starts[0], 24*time.Hour, s.end.Sub(s.starts[0])-24*time.Hour)
		kind, person := lp.Kinds[0], lp.NationalCode
		s.at(t, func(ctx context.Context) error { return s.lifeEvent(ctx, kind, person) })
	}
	// The deadline sweep the jobs would run flags overdue cases each night.
	for d := s.starts[0].Add(26 * time.Hour); d.Before(s.end); d = d.Add(24 * time.Hour) {
		s.at(d, s.sweep)
	}
	month, filedBefore := persian.MonthKey(s.starts[0]), 0
	for s.q.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		x := heap.Pop(&s.q).(*action)
		if m := persian.MonthKey(x.at); m != month {
			if s.o.Progress != nil {
				s.o.Progress(month, s.cases-filedBefore)
			}
			month, filedBefore = m, s.cases
		}
		s.clock.set(x.at)
		if err := x.do(ctx); err != nil {
			return err
		}
	}
	if s.o.Progress != nil {
		s.o.Progress(month, s.cases-filedBefore)
	}
	return nil
}

// lifeEvent publishes a demo life event through the exchange's Pub/Sub
// and delivers it at once, as the delivery job would: the chains' no-stop
// services start cases for the people it concerns, which the rules decide
// or refer to a clerk. The simulator finds those cases among the people's
// own (their origin names the event) and counts them like any other.
func (s *sim) lifeEvent(ctx context.Context, kind, person string) error {
	ev, err := s.a.PublishDemoEvent(ctx, kind, person)
	if err != nil {
		return s.failed("life event", err)
	}
	s.lifeEvents++
	s.inq.months[persian.MonthKey(s.clock.Now())] = true
	if _, err := s.a.PubSub.DeliverDue(ctx); err != nil {
		return fmt.Errorf("simulate: delivering life event %s: %w", kind, err)
	}
	now := s.clock.Now()
	for _, code := range s.concerned(person) {
		who := s.byCode[code]
		if who == nil {
			who = &citizen{p: identity.Principal{Kind: "user", ID: int64(800000 + len(s.byCode)), NationalCode: code, Roles: []identity.Role{identity.RoleCitizen}}}
			s.byCode[code] = who
		}
		list, _, err := s.a.Apply.MyCases(ctx, who.p, "", apply.MaxPage)
		if err != nil {
			return s.failed("cases", err)
		}
		for _, c := range list {
			if c.Origin == nil || c.Origin.Event != ev.ID {
				continue
			}
			svc := s.serviceOf(c)
			k := &kase{tracking: c.Tracking, who: who, svc: svc, city: c.Region, province: s.provinces[c.Region],
				submittedAt: c.SubmittedAt, deadline: c.Deadline, paid: c.Paid}
			s.cases++
			s.startedCases++
			pair := code + "|" + c.Service
			s.t.add(whereOf(k, c.SubmittedAt), func(t *tally) {
				t.submitted++
				t.online++
				t.started[pair] = true
				t.completed[pair] = true
			})
			full, err := s.a.Apply.Case(ctx, who.p, c.Tracking)
			if err != nil {
				return s.failed("case", err)
			}
			if !s.decidedNow(k, full, now) {
				s.pickUp(k, now)
			}
		}
	}
	return nil
}

// concerned lists the people a life event about person may start
// services for: the person, their spouse and children, and their
// youngest child's parents.
func (s *sim) concerned(person string) []string {
	ps := s.a.BackOffices().People
	p := ps.Get(person)
	if p == nil {
		return []string{person}
	}
	out := []string{person}
	add := func(code string) {
		if code != "" && !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	add(p.Spouse)
	for _, c := range p.Children {
		add(c)
	}
	if n := len(p.Children); n > 0 {
		if c := ps.Get(p.Children[n-1]); c != nil {
			add(c.Mother)
			add(c.Father)
		}
	}
	return out
}

// serviceOf is the service of a case the platform started, known or not
// among those citizens apply for.
func (s *sim) serviceOf(c apply.Case) *service {
	for _, svc := range s.services {
		if svc.id == c.Service {
			return svc
		}
	}
	if svc := s.started[c.Service]; svc != nil {
		return svc
	}
	svc := &service{id: c.Service, agency: c.Agency, fee: c.FeeRials}
	if rec, err := s.a.Catalog.Service(context.Background(), c.Service); err == nil {
		svc.permit = rec.Record.Permit
	}
	if _, ok := s.punctual[svc.agency]; !ok {
		s.punctual[svc.agency] = 0.8
		s.clerks[svc.agency] = identity.Principal{Kind: "user", ID: int64(900000 + len(s.clerks)), Name: "کارشناس " + svc.agency,
			Agency: svc.agency, Roles: []identity.Role{identity.RoleOperator}}
	}
	s.started[c.Service] = svc
	return svc
}

// countInquiries counts the once-only inquiries submission c made, one
// per piece of evidence an agency holds: answered (fetched), or answered
// that there is no record (missing). Evidence still pending failed in a way
// the case does not tell, so its provider's month is not vouched for; nor
// are the civil registry's and the postal registry's, which the rules and
// the life events also ask.
func (s *sim) countInquiries(c apply.Case) {
	month := persian.MonthKey(c.SubmittedAt)
	for _, e := range c.Evidence {
		if e.Source != string(catalog.FromInquiry) {
			continue
		}
		member, _, _ := strings.Cut(e.Inquiry, "/")
		provider := s.a.Exchange.Instance() + "/GOV/" + member
		switch {
		case member == "NOCR" || member == "POST" || e.State == apply.EvPending:
			s.inq.poisoned[[2]string{month, provider}] = true
		case e.State == apply.EvFetched:
			s.inq.add(month, provider, true)
		case e.State == apply.EvMissing:
			s.inq.add(month, provider, false)
		default:
			s.inq.poisoned[[2]string{month, provider}] = true
		}
	}
}

// sweep flags the cases past their deadline, as the nightly job does.
func (s *sim) sweep(ctx context.Context) error {
	if _, err := s.a.Apply.FlagOverdue(ctx); err != nil {
		return s.failed("sweep", err)
	}
	return nil
}

// failed counts an action a verb refused. Refusals the platform gives for
// the citizen's own mistakes or a conflict are part of realistic traffic;
// an internal error stops the year.
func (s *sim) failed(what string, err error) error {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden, errs.NotFound, errs.Unavailable:
		s.failures[what]++
		s.o.Log.Debug("simulate: refused", "action", what, "err", err.Error())
		return nil
	}
	return fmt.Errorf("simulate: %s at %s: %w", what, s.clock.Now().Format(time.RFC3339), err)
}

// data fills svc's form as an applicant would.
func (s *sim) data(svc *service) (map[string]string, map[string]apply.Upload) {
	text, files := map[string]string{}, map[string]apply.Upload{}
	for _, f := range svc.form.Fields {
		switch {
		case f.Kind == apply.FieldFile:
			files[f.Name] = apply.Upload{Name: "scan.png", Data: s.upload}
		case f.Name == "phone":
			text[f.Name] = fmt.Sprintf("0912%07d", s.rng.IntN(10_000_000))
		default:
			v := "همان‌گونه که در مدارک آمده است"
			if f.Max > 0 && len([]rune(v)) > f.Max {
				v = string([]rune(v)[:f.Max])
			}
			text[f.Name] = v
		}
	}
	return text, files
}

// whereOf is where a fact about c at t counts.
func whereOf(c *kase, t time.Time) where {
	return where{month: persian.MonthKey(t), agency: c.svc.agency, service: c.svc.id, province: c.province, city: c.city}
}

// arrive is a citizen coming to apply: some save a draft first (and some
// of those never come back), the others submit at once.
func (s *sim) arrive(ctx context.Context) error {
	who := s.people[s.rng.IntN(len(s.people))]
	svc := s.services[s.pickService()]
	if s.rng.Float64() < 0.3 {
		text, _ := s.data(svc)
		delete(text, "phone")
		if err := s.a.Apply.SaveDraft(ctx, who.p, svc.id, text); err != nil {
			return s.failed("draft", err)
		}
		now := s.clock.Now()
		s.t.add(where{month: persian.MonthKey(now), agency: svc.agency, service: svc.id}, func(t *tally) {
			t.started[who.p.NationalCode+"|"+svc.id] = true
		})
		if s.rng.Float64() < 0.2 {
			return nil // abandoned
		}
		s.at(s.between(now, 10*time.Minute, 48*time.Hour), func(ctx context.Context) error { return s.submit(ctx, who, svc) })
		return nil
	}
	return s.submit(ctx, who, svc)
}

func (s *sim) pickService() int {
	x := s.rng.Float64() * s.total
	for i, svc := range s.services {
		if x < svc.weight {
			return i
		}
		x -= svc.weight
	}
	return len(s.services) - 1
}

// submit files the application, choosing the usual city most of the time.
func (s *sim) submit(ctx context.Context, who *citizen, svc *service) error {
	region := ""
	if s.rng.Float64() < 0.85 {
		region = who.home
	}
	text, files := s.data(svc)
	c, err := s.a.Apply.SubmitIn(ctx, who.p, svc.id, region, text, files)
	if err != nil {
		return s.failed("submit", err)
	}
	s.cases++
	s.countInquiries(c)
	k := &kase{tracking: c.Tracking, who: who, svc: svc, city: c.Region, province: s.provinces[c.Region],
		submittedAt: c.SubmittedAt, deadline: c.Deadline, paid: c.Paid}
	now := c.SubmittedAt
	pair := who.p.NationalCode + "|" + svc.id
	s.t.add(whereOf(k, now), func(t *tally) {
		t.submitted++
		t.online++
		t.started[pair] = true
		t.completed[pair] = true
	})
	if s.decidedNow(k, c, now) {
		return nil
	}
	if svc.fee > 0 && s.rng.Float64() < 0.92 {
		s.at(s.between(now, 5*time.Minute, 30*time.Hour), func(ctx context.Context) error { return s.pay(ctx, k, true) })
		return nil
	}
	s.pickUp(k, now)
	return nil
}

// decidedNow looks at c as a step left it: when the rules decided it, the
// decision is counted at now and what follows it scheduled.
func (s *sim) decidedNow(k *kase, c apply.Case, now time.Time) bool {
	if !k.decidedAt.IsZero() {
		return true
	}
	switch c.State {
	case apply.Approved, apply.Issued, apply.Rejected:
	default:
		return false
	}
	k.auto = true
	s.decided(k, now)
	if c.State == apply.Rejected && c.Decision.CanObject(now.Add(time.Hour)) && s.rng.Float64() < 0.35 {
		s.at(s.between(now, time.Hour, 20*time.Hour), func(ctx context.Context) error { return s.object(ctx, k) })
		return true
	}
	s.after(k, c.State != apply.Rejected, now)
	return true
}

// decided counts the first decision of k at t.
func (s *sim) decided(k *kase, t time.Time) {
	k.decidedAt = t
	hours := int(t.Sub(k.submittedAt) / time.Hour)
	promised := int(k.deadline.Sub(k.submittedAt) / time.Hour)
	onTime := !t.After(k.deadline)
	s.t.add(whereOf(k, t), func(tl *tally) {
		tl.decided++
		if k.auto {
			tl.auto++
		}
		if onTime {
			tl.onTime++
		}
		tl.hours = append(tl.hours, hours)
		tl.promised = append(tl.promised, promised)
	})
}

// pay pays k's fee through the sandbox bank; then, unless the rules
// decided at once, a clerk takes the case up (when next is set).
func (s *sim) pay(ctx context.Context, k *kase, next bool) error {
	url, err := s.a.Apply.StartPayment(ctx, k.who.p, k.tracking)
	if err != nil {
		if next {
			s.pickUp(k, s.clock.Now())
		}
		return s.failed("payment", err)
	}
	id := path.Base(url)
	body, err := s.a.Sandbox.Settle(ctx, id, apply.PayPaid)
	if err != nil {
		return s.failed("payment", err)
	}
	if err := s.a.Apply.PaymentCallback(ctx, http.Header{apply.SandboxSignature: {s.a.Sandbox.Sign(body)}}, body); err != nil {
		return s.failed("payment", err)
	}
	k.paid = true
	if !next {
		return nil
	}
	now := s.clock.Now()
	if k.svc.ruled {
		c, err := s.a.Apply.Case(ctx, k.who.p, k.tracking)
		if err != nil {
			return s.failed("case", err)
		}
		if s.decidedNow(k, c, now) {
			return nil
		}
	}
	s.pickUp(k, now)
	return nil
}

// pickUp has a clerk of the agency take k up within days, and decide it in
// time or late, as the agency tends to.
func (s *sim) pickUp(k *kase, now time.Time) {
	up := s.between(now, 2*time.Hour, 72*time.Hour)
	promised := k.deadline.Sub(k.submittedAt)
	var decide time.Time
	if s.rng.Float64() < s.punctual[k.svc.agency] {
		decide = k.submittedAt.Add(time.Duration((0.15 + 0.83*s.rng.Float64()) * float64(promised)))
	} else {
		decide = k.submittedAt.Add(time.Duration((1.05 + 0.8*s.rng.Float64()) * float64(promised)))
	}
	if !decide.After(up) {
		decide = up.Add(time.Hour)
	}
	s.at(up, func(ctx context.Context) error {
		clerk := s.clerks[k.svc.agency]
		c, err := s.a.Apply.Case(ctx, clerk, k.tracking)
		if err != nil {
			return s.failed("case", err)
		}
		if c.State == apply.Submitted {
			if _, err := s.a.Apply.Transition(ctx, clerk, k.tracking, apply.InReview, "", ""); err != nil {
				return s.failed("review", err)
			}
		}
		s.at(decide, func(ctx context.Context) error { return s.clerkDecides(ctx, k) })
		return nil
	})
}

// clerkDecides approves most cases (seeing what must be seen at a visit
// first) and refuses the rest; a case whose fee was never paid is refused.
func (s *sim) clerkDecides(ctx context.Context, k *kase) error {
	clerk := s.clerks[k.svc.agency]
	approve := k.paid || k.svc.fee == 0
	approve = approve && s.rng.Float64() < 0.82
	c, ok, err := s.decide(ctx, clerk, k, approve, "")
	if err != nil || !ok {
		return err
	}
	now := s.clock.Now()
	s.decided(k, now)
	s.after(k, c.State != apply.Rejected, now)
	return nil
}

// decide has clerk approve k (falling back to refusing it when the
// approval cannot be given) or refuse it. ok says a decision was taken.
func (s *sim) decide(ctx context.Context, clerk identity.Principal, k *kase, approve bool, why string) (apply.Case, bool, error) {
	if approve {
		// A record may ask for more than one visit: the applicant comes
		// as often as it does, the originals seen at the first.
		for range 4 {
			ch, err := s.a.Apply.CaseChecks(ctx, clerk, k.tracking)
			if err != nil || len(ch.Open) == 0 {
				break
			}
			var seen []string
			for _, c := range ch.CanSee {
				seen = append(seen, c.Code)
			}
			if _, err := s.a.Apply.RecordVisit(ctx, clerk, k.tracking, "مدارک اصل در مراجعهٔ حضوری دیده شد", seen); err != nil {
				s.failures["visit"]++
				break
			}
		}
		d := apply.Decision{To: apply.Approved, Reason: cmpOr(why, "مدارک کامل و درست است")}
		c, err := s.a.Apply.Decide(ctx, clerk, k.tracking, d)
		if e, isErr := errs.As(err); isErr && e.Kind == errs.Invalid && len(e.Fields) > 0 {
			// Facts the document certifies that no source proposes: the
			// clerk types them.
			d.Facts = map[string]string{}
			for _, f := range e.Fields {
				if len(f.Field) > 5 && f.Field[:5] == "fact_" {
					d.Facts[f.Field[5:]] = "بررسی و تأیید شد"
				}
			}
			c, err = s.a.Apply.Decide(ctx, clerk, k.tracking, d)
		}
		if err == nil {
			return c, true, nil
		}
		s.failures["approve"]++
		s.o.Log.Debug("simulate: approval refused; refusing instead", "service", k.svc.id, "err", err.Error())
	}
	d := apply.Decision{To: apply.Rejected, Reason: cmpOr(why, "مدارک با شرایط خدمت هم‌خوان نیست")}
	if k.svc.permit != nil && len(k.svc.permit.RefusalGrounds) > 0 {
		d.Ground = k.svc.permit.RefusalGrounds[s.rng.IntN(len(k.svc.permit.RefusalGrounds))].Code
	}
	c, err := s.a.Apply.Decide(ctx, clerk, k.tracking, d)
	if err != nil {
		return apply.Case{}, false, s.failed("refuse", err)
	}
	return c, true, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// object is the applicant objecting to an automatic refusal; a clerk who
// did not write the rules decides it within days, overturning some.
func (s *sim) object(ctx context.Context, k *kase) error {
	if _, err := s.a.Apply.Object(ctx, k.who.p, k.tracking, "شرایط را دارم و مدارک آن موجود است"); err != nil {
		return s.failed("object", err)
	}
	s.at(s.between(s.clock.Now(), 24*time.Hour, 7*24*time.Hour), func(ctx context.Context) error {
		overturn := s.rng.Float64() < 0.3
		if overturn && k.svc.fee > 0 && !k.paid {
			if err := s.pay(ctx, k, false); err != nil || !k.paid {
				overturn = false
			}
		}
		clerk := s.clerks[k.svc.agency]
		c, ok, err := s.decide(ctx, clerk, k, overturn, "رسیدگی به اعتراض")
		if err != nil || !ok {
			return err
		}
		if c.State != apply.Rejected {
			// Overturned: counted in the month of the automatic decision.
			s.t.add(whereOf(k, k.decidedAt), func(t *tally) { t.overturned++ })
		}
		s.after(k, c.State != apply.Rejected, s.clock.Now())
		return nil
	})
	return nil
}

// after schedules what follows a final decision: a rating from some
// applicants, and a complaint from a few, more of them when the case was
// late or refused.
func (s *sim) after(k *kase, approved bool, now time.Time) {
	late := k.decidedAt.After(k.deadline)
	if s.rng.Float64() < 0.45 {
		rating := 4 + s.rng.IntN(2)
		switch {
		case !approved:
			rating = 1 + s.rng.IntN(3)
		case late:
			rating = 2 + s.rng.IntN(3)
		}
		s.at(s.between(now, time.Hour, 10*24*time.Hour), func(ctx context.Context) error {
			if err := s.a.Apply.GiveFeedback(ctx, k.who.p, k.tracking, rating, ""); err != nil {
				return s.failed("rate", err)
			}
			s.t.add(whereOf(k, s.clock.Now()), func(t *tally) {
				t.ratings++
				t.ratingSum += rating
			})
			return nil
		})
	}
	p := 0.02
	if late || !approved {
		p = 0.12
	}
	if s.rng.Float64() < p {
		s.at(s.between(now, time.Hour, 5*24*time.Hour), func(ctx context.Context) error {
			if _, err := s.a.Apply.Complain(ctx, k.who.p, k.tracking, "رسیدگی به درخواستم درست انجام نشد"); err != nil {
				return s.failed("complain", err)
			}
			s.t.add(whereOf(k, s.clock.Now()), func(t *tally) { t.complaints++ })
			return nil
		})
	}
}

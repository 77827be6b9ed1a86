// Command dashboard measures the oversight dashboards' queries with many
// events on PostgreSQL. It fills a fresh database with n realistic events
// over the twelve months of 1404 (about 100 agencies, 2000 services, 31
// provinces and 100 cities: drafts, submissions online and at counters,
// inquiries, decisions by rules and by clerks, objections, ratings,
// complaints, payments, catalogue changes), folds them into the KPI
// aggregates (events folded per second), and then times the queries a
// dashboard page makes, next to a baseline measured in the same run: a
// plain indexed count, the submissions of the last month,
//
//	SELECT count(*) FROM events WHERE kind = 'apply.case.submitted' AND id > $1
//
// ($1 the last event before the month; an index-only scan of events_kind).
//
//	go run ./bench/dashboard -postgres postgres://... [-n 10000000] [-iters 300] [-keep]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

func main() {
	dsn := flag.String("postgres", os.Getenv("PANJARE_TEST_POSTGRES"), "PostgreSQL URL of a server where a scratch database may be created")
	n := flag.Int("n", 1_000_000, "events to generate")
	iters := flag.Int("iters", 300, "timed runs of each query")
	keep := flag.Bool("keep", false, "keep the scratch database (and reuse it when it is already filled)")
	flag.Parse()
	if *dsn == "" {
		fmt.Fprintln(os.Stderr, "dashboard: -postgres URL is required")
		os.Exit(2)
	}
	if err := run(context.Background(), *dsn, *n, *iters, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

const scratch = "panjare_bench_dashboard"

func run(ctx context.Context, dsn string, n, iters int, keep bool) error {
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	u.Path = "/" + scratch
	reuse := false
	if keep {
		var exists bool
		if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, scratch).Scan(&exists); err != nil {
			return err
		}
		reuse = exists
	}
	if !reuse {
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+scratch); err != nil {
			return err
		}
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+scratch); err != nil {
			return err
		}
	}
	if !keep {
		defer admin.Exec(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+scratch+` WITH (FORCE)`)
	}
	st, err := store.Open(ctx, u.String(), store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx, nil, identity.Migrations(), catalog.Migrations(), kpi.Migrations()); err != nil {
		return err
	}
	cat, err := catalog.New(ctx, st, nil)
	if err != nil {
		return err
	}
	w := newWorld()
	var have int64
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&have); err != nil {
		return err
	}
	if have < int64(n) {
		if err := w.putRegions(ctx, cat); err != nil {
			return err
		}
		start := time.Now()
		wrote, err := w.fill(ctx, u.String(), n)
		if err != nil {
			return fmt.Errorf("filling: %w", err)
		}
		el := time.Since(start)
		fmt.Printf("filled %d events in %s (%.0f events/s, COPY)\n", wrote, el.Round(time.Millisecond), float64(wrote)/el.Seconds())
		if _, err := st.DB().ExecContext(ctx, `VACUUM (ANALYZE) events`); err != nil {
			return err
		}
	}
	var total int64
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&total); err != nil {
		return err
	}
	k, err := kpi.New(kpi.Config{Store: st, Catalog: cat, Batch: 10000})
	if err != nil {
		return err
	}
	src, err := k.Source(ctx)
	if err != nil {
		return err
	}
	if src.Through == 0 {
		start := time.Now()
		if err := k.CatchUp(ctx); err != nil {
			return fmt.Errorf("folding: %w", err)
		}
		el := time.Since(start)
		fmt.Printf("folded %d events in %s: %.0f events/s (batches of 10000, one transaction each)\n", total, el.Round(time.Millisecond), float64(total)/el.Seconds())
		if _, err := st.DB().ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
			return err
		}
	}
	var groups, cases, pairs int64
	st.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM kpi_groups), (SELECT count(*) FROM kpi_cases), (SELECT count(*) FROM kpi_pairs)`).Scan(&groups, &cases, &pairs)
	fmt.Printf("events: %d; aggregate rows: %d groups, %d cases, %d pairs\n", total, groups, cases, pairs)

	months, err := k.Months(ctx)
	if err != nil {
		return err
	}
	// The baseline counts the submissions of the last month that has any.
	var lastAt time.Time
	if err := st.DB().QueryRowContext(ctx, `SELECT at FROM events WHERE kind = 'apply.case.submitted' ORDER BY id DESC LIMIT 1`).Scan(&lastAt); err != nil {
		return err
	}
	y, mo := persian.JalaliMonth(lastAt)
	last := fmt.Sprintf("%04d-%02d", y, mo)
	var before, counted int64
	if err := st.DB().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events WHERE at < $1 AND kind = 'apply.case.submitted'`, monthStart(last)).Scan(&before); err != nil {
		return err
	}
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE kind = 'apply.case.submitted' AND id > $1`, before).Scan(&counted); err != nil {
		return err
	}
	fmt.Printf("baseline: the submissions of %s, %d index entries\n\n", last, counted)
	r := rand.New(rand.NewPCG(7, 11))
	month := func() string { return months[r.IntN(len(months))] }
	agency := func() string { return w.agencies[r.IntN(len(w.agencies))] }
	province := func() string { return w.provinces[r.IntN(len(w.provinces))] }
	city := func() string { return w.cities[r.IntN(len(w.cities))].code }
	type q struct {
		name string
		fn   func() error
	}
	get := func(key kpi.Key) error { _, err := k.Get(ctx, key); return err }
	by := func(key kpi.Key, dim string) error { _, err := k.By(ctx, key, dim); return err }
	queries := []q{
		{"baseline: count(*) of last month's submissions", func() error {
			var c int64
			return st.Read().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE kind = $1 AND id > $2`, "apply.case.submitted", before).Scan(&c)
		}},
		{"Get national month", func() error { return get(kpi.Key{Month: month()}) }},
		{"Get one agency", func() error { return get(kpi.Key{Month: month(), Agency: agency()}) }},
		{"Get one province", func() error { return get(kpi.Key{Month: month(), Province: province()}) }},
		{"Get one city", func() error { return get(kpi.Key{Month: month(), City: city()}) }},
		{"By agency (national)", func() error { return by(kpi.Key{Month: month()}, kpi.DimAgency) }},
		{"By province (national)", func() error { return by(kpi.Key{Month: month()}, kpi.DimProvince) }},
		{"By city in a province", func() error { return by(kpi.Key{Month: month(), Province: province()}, kpi.DimCity) }},
		{"By service of an agency", func() error { return by(kpi.Key{Month: month(), Agency: agency()}, kpi.DimService) }},
		{"Providers of a month", func() error { _, err := k.Providers(ctx, month()); return err }},
		{"By month of an agency (12 months)", func() error { return by(kpi.Key{Agency: agency()}, kpi.DimMonth) }},
		{"page: national (Get, By agency, By province, Providers)", func() error {
			m := month()
			return errorsJoin(get(kpi.Key{Month: m}), by(kpi.Key{Month: m}, kpi.DimAgency), by(kpi.Key{Month: m}, kpi.DimProvince),
				func() error { _, err := k.Providers(ctx, m); return err }())
		}},
		{"page: agency (Get, By service, By province)", func() error {
			m, a := month(), agency()
			return errorsJoin(get(kpi.Key{Month: m, Agency: a}), by(kpi.Key{Month: m, Agency: a}, kpi.DimService), by(kpi.Key{Month: m, Agency: a}, kpi.DimProvince))
		}},
		{"page: province (Get, By city, By agency)", func() error {
			m, p := month(), province()
			return errorsJoin(get(kpi.Key{Month: m, Province: p}), by(kpi.Key{Month: m, Province: p}, kpi.DimCity), by(kpi.Key{Month: m, Province: p}, kpi.DimAgency))
		}},
	}
	fmt.Printf("%-58s %9s %9s %9s %8s\n", "query", "p50 ms", "p99 ms", "max ms", "p99/base")
	var base float64
	for i, qq := range queries {
		// Warm up, then time.
		for range 10 {
			if err := qq.fn(); err != nil {
				return fmt.Errorf("%s: %w", qq.name, err)
			}
		}
		lat := make([]float64, 0, iters)
		for range iters {
			t := time.Now()
			if err := qq.fn(); err != nil {
				return fmt.Errorf("%s: %w", qq.name, err)
			}
			lat = append(lat, float64(time.Since(t).Microseconds())/1000)
		}
		slices.Sort(lat)
		p50, p99 := rank(lat, 50), rank(lat, 99)
		if i == 0 {
			base = p99
		}
		fmt.Printf("%-58s %9.2f %9.2f %9.2f %8.1f\n", qq.name, p50, p99, lat[len(lat)-1], p99/base)
	}
	return nil
}

// errorsJoin returns the first error of errs.
func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// rank is the nearest-rank percentile of sorted v.
func rank(v []float64, p int) float64 {
	i := int(math.Ceil(float64(p)/100*float64(len(v)))) - 1
	return v[max(i, 0)]
}

// monthStart returns the first instant of Jalali month m ("1404-07").
func monthStart(m string) time.Time {
	// Walk back from the middle of the month day by day: cheap and exact.
	t := time.Date(2025, 3, 21, 12, 0, 0, 0, time.UTC)
	for {
		y, mo := persian.JalaliMonth(t)
		if fmt.Sprintf("%04d-%02d", y, mo) == m {
			break
		}
		t = t.Add(24 * time.Hour)
	}
	loc := persian.Location()
	lt := t.In(loc)
	d := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	for {
		prev := d.Add(-24 * time.Hour)
		y, mo := persian.JalaliMonth(prev)
		if fmt.Sprintf("%04d-%02d", y, mo) != m {
			return d.UTC()
		}
		d = prev
	}
}

type city struct{ code, province string }

// world is the generated country: agencies, services, regions, people.
type world struct {
	agencies  []string
	provinces []string
	cities    []city
	services  []service
	providers []string
	people    []string
}

type service struct {
	id, agency string
	promised   time.Duration
	level      int
	rules      bool // decided by rules most of the time
}

func newWorld() *world {
	r := rand.New(rand.NewPCG(1, 2))
	w := &world{}
	for i := range 100 {
		w.agencies = append(w.agencies, fmt.Sprintf("AG%03d", i))
	}
	for i := range 31 {
		p := string(rune('A'+i/26)) + string(rune('A'+i%26)) + "P"
		w.provinces = append(w.provinces, p)
	}
	for i := range 100 {
		p := w.provinces[i%31]
		w.cities = append(w.cities, city{fmt.Sprintf("%s-%02d", p, i/31+1), p})
	}
	for i := range 2000 {
		w.services = append(w.services, service{id: fmt.Sprintf("IR-S-%05d", i), agency: w.agencies[i%100],
			promised: time.Duration(24*(1+r.IntN(30))) * time.Hour, level: r.IntN(4), rules: r.IntN(3) == 0})
	}
	for i := range 20 {
		w.providers = append(w.providers, fmt.Sprintf("IR/GOV/%s/svc%d", w.agencies[i*5], i%3))
	}
	for i := range 400000 {
		w.people = append(w.people, fmt.Sprintf("%010d", 1000000000+i*7919))
	}
	return w
}

func (w *world) putRegions(ctx context.Context, cat *catalog.Catalog) error {
	admin := identity.Principal{Kind: "user", ID: 1, Roles: []identity.Role{identity.RolePlatformAdmin}}
	for _, p := range w.provinces {
		if err := cat.PutRegion(ctx, admin, catalog.Region{Code: p, NameFa: "استان " + p, Kind: catalog.Province}); err != nil {
			return err
		}
	}
	for _, c := range w.cities {
		if err := cat.PutRegion(ctx, admin, catalog.Region{Code: c.code, NameFa: "شهر " + c.code, Kind: catalog.City, Province: c.province}); err != nil {
			return err
		}
	}
	return nil
}

// fill writes n events with COPY, straight into the events table.
func (w *world) fill(ctx context.Context, dsn string, n int) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	r := rand.New(rand.NewPCG(3, 4))
	year := time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC) // 1 Farvardin 1404, near enough
	span := 364 * 24 * time.Hour
	var rows [][]any
	add := func(at time.Time, kind, actor, agency, service, region, subject string, payload any) {
		b, _ := json.Marshal(payload)
		rows = append(rows, []any{at, kind, actor, agency, service, region, subject, string(b)})
	}
	// The catalogue: every service published at the start of the year;
	// some change level or retire during it.
	for _, s := range w.services {
		add(year.Add(time.Duration(r.IntN(3600))*time.Second), "catalog.service.published", "user:2", s.agency, s.id, "", "",
			map[string]any{"key": 1, "version": 1, "level": fmt.Sprintf("L%d", s.level), "declared": "L3", "quality": 70})
	}
	for range 300 {
		s := w.services[r.IntN(len(w.services))]
		add(year.Add(time.Duration(r.Int64N(int64(span)))), "catalog.service.level_changed", "system", s.agency, s.id, "", "",
			map[string]any{"level": fmt.Sprintf("L%d", min(s.level+1, 5)), "was": fmt.Sprintf("L%d", s.level)})
	}
	written := 0
	flush := func() error {
		// Events are written in time order, as they would be.
		slices.SortFunc(rows, func(a, b []any) int { return a[0].(time.Time).Compare(b[0].(time.Time)) })
		c, err := conn.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"at", "kind", "actor", "agency", "service", "region", "subject", "payload"},
			pgx.CopyFromRows(rows))
		written += int(c)
		rows = rows[:0]
		return err
	}
	if err := flush(); err != nil {
		return written, err
	}
	// Cases in time order, a day's worth at a time.
	day := 0
	seq := 0
	perDay := n / 364 / 7
	for written < n {
		dayStart := year.Add(time.Duration(day%364) * 24 * time.Hour)
		for range perDay {
			seq++
			s := w.services[int(math.Min(float64(len(w.services)-1), math.Abs(r.NormFloat64())*500))]
			subject := w.people[r.IntN(len(w.people))]
			at := dayStart.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
			region := ""
			if r.IntN(10) > 0 {
				region = w.cities[r.IntN(len(w.cities))].code
			}
			if r.IntN(6) == 0 { // a draft never submitted
				add(at, "apply.draft.saved", "user:1", s.agency, s.id, "", subject, nil)
				continue
			}
			if r.IntN(10) < 7 {
				add(at.Add(-time.Hour), "apply.draft.saved", "user:1", s.agency, s.id, "", subject, nil)
			}
			tracking := fmt.Sprintf("T%09d", seq)
			channel := "online"
			if r.IntN(7) == 0 {
				channel = "counter"
			}
			add(at, "apply.case.submitted", "user:1", s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "state": "submitted",
				"deadline": at.Add(s.promised), "channel": channel, "fee_rials": 0})
			for j := range 1 + r.IntN(2) {
				status, e := 200, ""
				if r.IntN(20) == 0 {
					status, e = 504, "provider_timeout"
				}
				add(at.Add(time.Duration(j+1)*time.Second), "exchange.inquiry", "subsystem:IR/GOV/PANJARE/apply", "", "", "", subject,
					map[string]any{"message_id": fmt.Sprintf("m%d-%d", seq, j), "provider": w.providers[r.IntN(len(w.providers))], "status": status,
						"error": e, "latency_ms": math.Exp(3 + r.NormFloat64())})
			}
			add(at.Add(2*time.Second), "apply.evidence.fetched", "system", s.agency, s.id, region, subject, map[string]any{"tracking": tracking})
			if r.IntN(3) == 0 {
				add(at.Add(5*time.Second), "apply.payment.started", "user:1", s.agency, s.id, region, subject, map[string]any{"tracking": tracking})
				add(at.Add(time.Minute), "apply.payment.confirmed", "system", s.agency, s.id, region, subject, map[string]any{"tracking": tracking})
			}
			add(at.Add(time.Minute), "apply.case.transition", "system", s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "from": "submitted", "to": "in_review"})
			if r.IntN(12) == 0 {
				continue // still open
			}
			actor, took := "user:7", time.Duration(r.Int64N(int64(s.promised)*13/10))
			if s.rules && r.IntN(5) > 0 {
				actor, took = "rules:"+s.id+"@v1", time.Duration(r.IntN(3600))*time.Second
			}
			to := "approved"
			if r.IntN(5) == 0 {
				to = "rejected"
			}
			dat := at.Add(time.Minute + took)
			add(dat, "apply.case.transition", actor, s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "from": "in_review", "to": to})
			if to == "rejected" && r.IntN(10) == 0 {
				add(dat.Add(24*time.Hour), "apply.case.transition", "user:1", s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "from": "rejected", "to": "objected"})
				add(dat.Add(72*time.Hour), "apply.objection.decided", "user:8", s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "overturned": r.IntN(2) == 0})
			}
			if r.IntN(10) < 3 {
				add(dat.Add(48*time.Hour), "apply.feedback.given", "user:1", s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "rating": 1 + r.IntN(5)})
			}
			if r.IntN(50) == 0 {
				add(dat.Add(50*time.Hour), "apply.complaint.received", "user:1", s.agency, s.id, region, subject, map[string]any{"tracking": tracking, "complaint": "C"})
			}
		}
		day++
		if len(rows) >= 200000 || written+len(rows) >= n {
			if written+len(rows) > n {
				rows = rows[:n-written]
			}
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

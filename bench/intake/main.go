// Command intake measures durable submissions per second through apply's
// Submit verb, the real transaction (the case row with its form data, its
// evidence rows, the submission event, the applicant's in-app notice, the
// deadline and evidence jobs), with N concurrent submitters, next to a
// baseline measured in the same run on the same database: one raw
// single-row INSERT per transaction into a scratch table, with the same
// concurrency. It prints both rates and their ratio.
//
// Durable means a submission is acknowledged only after its commit reached
// the disk: on SQLite the bench sets the writer connection to
// synchronous=FULL whatever the store's default, and checks it before and
// after; on PostgreSQL synchronous_commit must be on (checked).
//
// Transactions are group-committed by the store (one writer on SQLite,
// -lanes parallel groups on PostgreSQL): a submission's commit is shared
// with the others waiting at that moment, so the bench also prints each
// side's latency, which grouping trades for throughput.
//
// Once-only evidence is marked pending, not fetched: the exchange is left
// out (no gateway), so each submission also enqueues the evidence job that
// fetches it later. The figure is the intake's own, not the exchange's
// (bench/exchange measures that). Background jobs do not run.
//
//	go run ./bench/intake [-submitters 16] [-duration 10s] [-db postgres://...] [-cpuprofile FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

func main() {
	submitters := flag.Int("submitters", 16, "concurrent submitters")
	duration := flag.Duration("duration", 10*time.Second, "how long to measure each of the two")
	db := flag.String("db", "", "database (default: a fresh SQLite file)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the submissions to this file")
	lanes := flag.Int("lanes", 0, "PostgreSQL: group-commit in this many parallel lanes (0: the store's default, -1: each transaction alone)")
	flag.Parse()
	if err := run(*submitters, *duration, *db, *cpuprofile, *lanes); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

func run(submitters int, duration time.Duration, db, cpuprofile string, lanes int) error {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if db == "" {
		dir, err := os.MkdirTemp("", "panjare-intake-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		db = "sqlite:" + filepath.Join(dir, "panjare.db")
	}
	// Migrate and load the demo catalogue through the assembled app, then
	// build the capabilities apply needs on a store of our own.
	cfg := app.Defaults()
	cfg.DB, cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr, cfg.Jobs = db, "127.0.0.1:0", "", "", false
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if _, err := a.LoadDemo(ctx); err != nil {
		a.Close()
		return err
	}
	if err := a.Close(); err != nil {
		return err
	}

	st, err := store.Open(ctx, db, store.Options{PostgresLanes: lanes})
	if err != nil {
		return err
	}
	defer st.Close()
	durability, err := makeDurable(ctx, st)
	if err != nil {
		return err
	}
	idx, err := search.New()
	if err != nil {
		return err
	}
	cat, err := catalog.New(ctx, st, idx)
	if err != nil {
		return err
	}
	pm, err := permit.New(ctx, st, cat, cfg.BaseURL)
	if err != nil {
		return err
	}
	outbox := notify.NewOutbox(st)
	ap, err := apply.New(apply.Config{Store: st, Catalog: cat, Permits: pm, Notifier: notify.New(st, outbox, outbox).WithBaseURL(cfg.BaseURL),
		BaseURL: cfg.BaseURL, Log: log})
	if err != nil {
		return err
	}
	form, data, err := pickForm(ctx, cat, ap)
	if err != nil {
		return err
	}

	grouping := "group commit, one writer"
	if st.Dialect() == store.Postgres {
		switch {
		case lanes < 0:
			grouping = "each transaction commits alone"
		case lanes == 0:
			grouping = fmt.Sprintf("group commit in %d lanes", store.DefaultPostgresLanes)
		default:
			grouping = fmt.Sprintf("group commit in %d lanes", lanes)
		}
	}
	fmt.Printf("database: %s (%s; %s)\nservice: %s «%s», %d text fields, %d once-only evidence marked pending\nsubmitters: %d, %s each\n\n",
		st.Dialect(), durability, grouping, form.Service, form.TitleFa, len(data), len(form.Fetched), submitters, duration)

	// The baseline: one single-row INSERT per transaction.
	if _, err := st.DB().ExecContext(ctx, `CREATE TABLE bench_intake_raw (id `+serial(st.Dialect())+`, n INTEGER NOT NULL, at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("scratch table: %w", err)
	}
	defer st.DB().ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_intake_raw`)
	raw, rawRetries, err := measure(submitters, duration, func(i int) error {
		tx, err := st.DB().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_intake_raw (n, at) VALUES ($1, $2)`, i, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}

	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	codes := nationalCodes(submitters * 64)
	var next atomic.Int64
	subs, retries, err := measure(submitters, duration, func(i int) error {
		p := identity.Principal{Kind: "user", ID: int64(i%len(codes)) + 1, Name: "متقاضی آزمون",
			Roles: []identity.Role{identity.RoleCitizen}, NationalCode: codes[int(next.Add(1))%len(codes)]}
		_, err := ap.Submit(ctx, p, form.Service, data, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("submissions: %w", err)
	}
	again, err := makeDurable(ctx, st)
	if err != nil || again != durability {
		return fmt.Errorf("durability changed during the run: %q, then %q (%v)", durability, again, err)
	}
	var cases int64
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_cases`).Scan(&cases); err != nil {
		return err
	}
	if cases != subs.n {
		return fmt.Errorf("%d submissions acknowledged but %d cases stored", subs.n, cases)
	}

	fmt.Printf("%-34s %10s %10s %8s %9s %9s %12s\n", "", "commits", "per second", "retries", "p50 ms", "p99 ms", "CPU/commit")
	for _, row := range []struct {
		name    string
		r       result
		retries int64
	}{{"raw single-row INSERT (baseline)", raw, rawRetries}, {"apply.Submit", subs, retries}} {
		fmt.Printf("%-34s %10d %10.0f %8d %9.2f %9.2f %9.0f µs\n", row.name, row.r.n, row.r.rate(), row.retries,
			ms(row.r.pct(50)), ms(row.r.pct(99)), float64(row.r.perCommit())/float64(time.Microsecond))
	}
	if raw.perCommit() > 0 {
		fmt.Printf("\nCPU per commit (the whole machine, database server included): Submit / baseline %.2f×\n",
			float64(subs.perCommit())/float64(raw.perCommit()))
	}
	fmt.Printf("\nratio Submit / baseline: %.2f\n", subs.rate()/raw.rate())
	return nil
}

// makeDurable sets SQLite's writer connection (the store has exactly one)
// to synchronous=FULL and reads it back; on PostgreSQL it checks that
// commits wait for the disk. It says what it found.
func makeDurable(ctx context.Context, st *store.Store) (string, error) {
	if st.Dialect() == store.SQLite {
		if _, err := st.DB().ExecContext(ctx, `PRAGMA synchronous=FULL`); err != nil {
			return "", err
		}
		var level int
		if err := st.DB().QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&level); err != nil {
			return "", err
		}
		var mode string
		if err := st.DB().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			return "", err
		}
		if level != 2 {
			return "", fmt.Errorf("SQLite synchronous is %d, not FULL (2)", level)
		}
		return "journal_mode=" + mode + ", synchronous=FULL", nil
	}
	var sc, fsync string
	if err := st.DB().QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&sc); err != nil {
		return "", err
	}
	if err := st.DB().QueryRowContext(ctx, `SHOW fsync`).Scan(&fsync); err != nil {
		return "", err
	}
	if sc != "on" || fsync != "on" {
		return "", fmt.Errorf("PostgreSQL synchronous_commit=%s, fsync=%s: commits would not wait for the disk", sc, fsync)
	}
	return "synchronous_commit=on, fsync=on", nil
}

func serial(d store.Dialect) string {
	if d == store.Postgres {
		return "BIGSERIAL PRIMARY KEY"
	}
	return "INTEGER PRIMARY KEY"
}

// pickForm chooses a published permit of the demo catalogue that can be
// requested online, asks no uploads and fetches at least one piece of
// evidence once-only, and fills its form.
func pickForm(ctx context.Context, cat *catalog.Catalog, ap *apply.Applications) (apply.Form, map[string]string, error) {
	all, err := cat.Published(ctx)
	if err != nil {
		return apply.Form{}, nil, err
	}
	for _, svc := range all {
		if !svc.Record.IsPermit() || !svc.Record.Stages.Request {
			continue
		}
		f, err := ap.Form(ctx, svc.ID, identity.Principal{})
		if err != nil || len(f.Fetched) == 0 {
			continue
		}
		data, ok := map[string]string{}, true
		for _, fd := range f.Fields {
			switch {
			case fd.Kind == apply.FieldFile:
				ok = false
			case fd.Name == "phone":
				data[fd.Name] = "09121234567"
			default:
				data[fd.Name] = "اعلام می‌کنم که این اطلاعات درست است"
			}
		}
		if ok {
			return f, data, nil
		}
	}
	return apply.Form{}, nil, errors.New("the demo catalogue has no permit without uploads that fetches evidence")
}

// nationalCodes makes n distinct valid national codes.
func nationalCodes(n int) []string {
	out := make([]string, 0, n)
	for i := 100000001; len(out) < n; i += 7919 {
		d := fmt.Sprintf("%09d", i%1000000000)
		s := 0
		for k := 0; k < 9; k++ {
			s += int(d[k]-'0') * (10 - k)
		}
		c := s % 11
		if c >= 2 {
			c = 11 - c
		}
		out = append(out, d+fmt.Sprint(c))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type result struct {
	n       int64
	elapsed time.Duration
	lat     []time.Duration // of every success, sorted
	busy    time.Duration   // the machine's busy CPU time during the run (every process: the database server too); 0 if unknown
}

// perCommit is the machine's busy CPU time per success.
func (r result) perCommit() time.Duration {
	if r.n == 0 {
		return 0
	}
	return r.busy / time.Duration(r.n)
}

// machineBusy reads the machine's busy CPU time so far from /proc/stat
// (every CPU, all but idle, iowait and the time a hypervisor stole), or 0
// where there is none. It counts
// the database server's work, which the process's own CPU time would miss.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		if i != 3 && i != 4 && i != 7 { // idle, iowait, steal
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / 100 // USER_HZ
}

// pct returns the p-th percentile latency.
func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(int(p/100*float64(len(r.lat))), len(r.lat)-1)]
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// measure runs op from each of the submitters for d and counts the
// successes. A conflict (a tracking code drawn twice, a serialization
// failure) is retried and counted; any other error stops the run.
func measure(submitters int, d time.Duration, op func(i int) error) (result, int64, error) {
	var n, retries atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	lats := make([][]time.Duration, submitters)
	stop := make(chan struct{})
	busy0 := machineBusy()
	start := time.Now()
	for w := 0; w < submitters; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i += submitters {
				select {
				case <-stop:
					return
				default:
				}
				began := time.Now()
				if err := op(i); err != nil {
					if errs.Is(err, errs.Conflict) || strings.Contains(err.Error(), "could not serialize") {
						retries.Add(1)
						continue
					}
					once.Do(func() { first = err })
					return
				}
				lats[w] = append(lats[w], time.Since(began))
				n.Add(1)
			}
		}(w)
	}
	time.AfterFunc(d, func() { close(stop) })
	wg.Wait()
	r := result{n: n.Load(), elapsed: time.Since(start), busy: machineBusy() - busy0}
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	slices.Sort(r.lat)
	return r, retries.Load(), first
}

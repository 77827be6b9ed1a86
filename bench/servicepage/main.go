// Command servicepage measures the portal's service page under load next to
// a baseline measured in the same run: a static file (the stylesheet) served
// by the same server through the same middleware. It starts the real
// assembled process on SQLite (or on PostgreSQL with -db) with the demo data,
// drives it with 200 concurrent clients using vegeta, and prints throughput,
// client latency and server time (measured inside the process, around the
// whole handler chain) for both, with their ratios.
//
// The goal (foundation issue): p99 server time for the service page ≤ 10 ms
// at 200 concurrent clients.
//
// With -cold the portal's cache of rendered service pages is off, so every
// request reads the service and renders the page: the path a signed-in
// visitor always takes.
//
//	go run ./bench/servicepage [-clients 200] [-duration 10s] [-db postgres://...] [-cold]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/app"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	clients := flag.Int("clients", 200, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "how long to load each target")
	db := flag.String("db", "", "database (default: a fresh SQLite file)")
	cold := flag.Bool("cold", false, "render every service page afresh (no page cache)")
	flag.Parse()
	if err := run(*clients, *duration, *db, *cold); err != nil {
		fmt.Fprintln(os.Stderr, "servicepage:", err)
		os.Exit(1)
	}
}

// timings records server time per request class, measured around the
// whole handler chain.
type timings struct {
	mu sync.Mutex
	d  map[string][]time.Duration
}

func (t *timings) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		el := time.Since(start)
		class := "other"
		switch {
		case len(r.URL.Path) > 8 && r.URL.Path[:8] == "/static/":
			class = "static"
		case len(r.URL.Path) > 10 && r.URL.Path[:10] == "/services/":
			class = "service"
		}
		t.mu.Lock()
		t.d[class] = append(t.d[class], el)
		t.mu.Unlock()
	})
}

func (t *timings) take(class string) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.d[class]
	delete(t.d, class)
	slices.Sort(d)
	return d
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d)-1) * p)
	return d[i]
}

type result struct {
	name             string
	rps              float64
	clientP50, cP99  time.Duration
	serverP50, sP99  time.Duration
	errors, requests uint64
}

func run(clients int, duration time.Duration, db string, cold bool) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "panjare-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := app.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.DB = db
	cfg.Version = "bench"
	cfg.LogLevel = "error"
	cfg.NoPageCache = cold
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", ""
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if _, err := a.LoadDemo(ctx); err != nil {
		return err
	}
	services, err := a.Catalog.Published(ctx)
	if err != nil {
		return err
	}
	tm := &timings{d: map[string][]time.Duration{}}
	a.Handler = tm.wrap(a.Handler)
	ln, err := a.Listen()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	// The baseline: the stylesheet the home page links to.
	resp, err := http.Get(base + "/")
	if err != nil {
		return err
	}
	home, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<link[^>]+href="([^"]+\.css[^"]*)"`).FindSubmatch(home)
	if m == nil {
		return fmt.Errorf("no stylesheet link on the home page")
	}
	css := string(m[1])
	if css == "" {
		css = string(m[2])
	}

	var pages []vegeta.Target
	for _, s := range services {
		pages = append(pages, vegeta.Target{Method: "GET", URL: base + "/services/" + s.ID})
	}
	mode := "page cache on"
	if cold {
		mode = "page cache off: every page rendered"
	}
	fmt.Printf("servicepage: %d services on %s, %d concurrent clients, %s per target, GOMAXPROCS=%d, %s\n",
		len(services), a.Store.Dialect(), clients, duration, runtimeProcs(), mode)

	// Warm up both paths (templates, connection pools, page cache).
	load(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: base + css}), clients, 2*time.Second)
	load(vegeta.NewStaticTargeter(pages...), clients, 2*time.Second)
	tm.take("static")
	tm.take("service")

	static := load(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: base + css}), clients, duration)
	static.name = "static file (baseline)"
	sd := tm.take("static")
	static.serverP50, static.sP99 = pct(sd, .5), pct(sd, .99)

	page := load(vegeta.NewStaticTargeter(pages...), clients, duration)
	page.name = "service page"
	pd := tm.take("service")
	page.serverP50, page.sP99 = pct(pd, .5), pct(pd, .99)

	fmt.Printf("\n%-24s %10s %12s %12s %12s %12s %8s\n", "target", "req/s", "client p50", "client p99", "server p50", "server p99", "errors")
	for _, r := range []result{static, page} {
		fmt.Printf("%-24s %10.0f %12s %12s %12s %12s %8d\n", r.name, r.rps, ms(r.clientP50), ms(r.cP99), ms(r.serverP50), ms(r.sP99), r.errors)
	}
	fmt.Printf("\nratios (service page / static file): throughput %.2f×, server p99 %.2f×, client p99 %.2f×\n",
		page.rps/static.rps, float64(page.sP99)/float64(max(static.sP99, 1)), float64(page.cP99)/float64(max(static.cP99, 1)))
	verdict := "MET"
	if page.sP99 > 10*time.Millisecond || page.errors > 0 {
		verdict = "NOT MET"
	}
	fmt.Printf("goal: service page p99 server time ≤ 10 ms at %d clients: %s (%s)\n", clients, verdict, ms(page.sP99))

	cancel()
	return <-done
}

func load(tr vegeta.Targeter, clients int, d time.Duration) result {
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients), vegeta.MaxConnections(clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	var mt vegeta.Metrics
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0}, d, "load") {
		mt.Add(res)
	}
	mt.Close()
	return result{rps: mt.Throughput, clientP50: mt.Latencies.P50, cP99: mt.Latencies.P99,
		errors: mt.Requests - uint64(float64(mt.Requests)*mt.Success), requests: mt.Requests}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

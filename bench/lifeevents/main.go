// Command lifeevents measures life events from publication to the services
// they start: birth events published through the exchange's Pub/Sub API
// (the real Publish path: schema validation, the civil registry asked
// through the gateway whether the person exists, the event row, its
// deliveries and its event in one transaction), each delivered to the
// platform's proactive subscriber, which fans it out to the demo's birth
// chain: two no-stop cases started through apply (evidence fetched from
// the simulated back offices through the exchange, the rules deciding, the
// birth certificate signed) and one offer, each with its notice. It prints
// events per second from the first publication to the last action written,
// the p50 and p99 of one event's latency (its publication to its last
// action), and, in the same run, the intake baseline (bench/intake, started
// as a subprocess on its own fresh database) with the ratio between them.
//
// The demo's civil registry has 50 people; a birth must name a child it
// knows, and the same body published twice is a replay, so the bench
// publishes the births of the demo mothers' youngest children on
// successive dates. Delivery is in order per person, so at most one
// event per child is in flight at a time: the figure is that of a
// workload of about a dozen families, not of a national population.
//
//	go run ./bench/lifeevents [-events 1000] [-publishers 4] [-db postgres://...] [-intake=false]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo"
)

func main() {
	events := flag.Int("events", 1000, "birth events to publish")
	publishers := flag.Int("publishers", 4, "concurrent publishers")
	db := flag.String("db", "", "database (default: a fresh SQLite file)")
	intake := flag.Bool("intake", true, "run the intake baseline (bench/intake) in the same run")
	timeout := flag.Duration("timeout", 30*time.Minute, "give up waiting for the chains after this long")
	flag.Parse()
	if err := run(*events, *publishers, *db, *intake, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "lifeevents:", err)
		os.Exit(1)
	}
}

func run(n, publishers int, db string, intake bool, timeout time.Duration) error {
	if intake {
		// The baseline first, alone on the machine, as bench/intake runs.
		cmd := exec.Command("go", "run", "./bench/intake", "-duration", "5s")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("intake baseline: %v\n%s", err, out.String())
		}
		fmt.Print("intake baseline (bench/intake -duration 5s):\n" + indent(out.String()))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if db == "" {
		dir, err := os.MkdirTemp("", "panjare-lifeevents-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		db = "sqlite:" + filepath.Join(dir, "panjare.db")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg := app.Defaults()
	cfg.DB, cfg.Demo, cfg.DemoIdP = db, true, true
	cfg.Addr, cfg.BaseURL = ln.Addr().String(), "http://"+ln.Addr().String()
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", ""
	cfg.DataDir, _ = os.MkdirTemp("", "panjare-lifeevents-data-")
	defer os.RemoveAll(cfg.DataDir)
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if _, err := a.LoadDemo(ctx); err != nil {
		return err
	}
	set, err := a.StartDemoExchange(ctx, 0)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	defer func() { cancel(); <-done }()

	// The births: the demo mothers' youngest children, on successive days.
	var mothers []string
	for _, p := range set.People.All() {
		if p.Sex == "female" && p.Alive() && len(p.Children) > 0 {
			mothers = append(mothers, p.NationalCode)
		}
	}
	bodies := make([]json.RawMessage, n)
	var publisher string
	for i := range bodies {
		pub, body, err := demo.LifeEvent(set.People, a.Exchange.Instance(), "birth", mothers[i%len(mothers)])
		if err != nil {
			return err
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		d, _ := time.Parse(time.DateOnly, m["birth_date"].(string))
		m["birth_date"] = d.AddDate(0, 0, -(i / len(mothers))).Format(time.DateOnly)
		bodies[i], _ = json.Marshal(m)
		publisher = pub
	}
	fmt.Printf("life events: %d births of %d demo children, %d publishers, %s\n", n, len(mothers), publishers, a.Store.Dialect())

	published := make([]time.Time, n)
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var perr atomic.Value
	start := time.Now()
	for range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ev, err := a.PubSub.Publish(ctx, publisher, "birth", bodies[i])
				if err != nil {
					perr.Store(err)
					return
				}
				ids[i], published[i] = ev.ID, time.Now()
			}
		}()
	}
	wg.Wait()
	if err, _ := perr.Load().(error); err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	pubDone := time.Since(start)
	fmt.Printf("  published: %d events in %s (%.0f/s through Publish)\n", n, pubDone.Round(time.Millisecond), float64(n)/pubDone.Seconds())

	// Wait for every event's three actions (two no-stop cases, one offer).
	want := 3 * n
	deadline := time.Now().Add(timeout)
	for {
		var got int
		if err := a.Store.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM proactive_actions`).Scan(&got); err != nil {
			return err
		}
		if got >= want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s only %d of %d actions", timeout, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rows, err := a.Store.Read().QueryContext(ctx, `SELECT event_id, created_at, CASE WHEN mode = 'nostop' AND tracking <> '' THEN 1 ELSE 0 END
		FROM proactive_actions`)
	if err != nil {
		return err
	}
	last := map[string]time.Time{}
	cases := 0
	for rows.Next() {
		var id string
		var at time.Time
		var c int
		if err := rows.Scan(&id, &at, &c); err != nil {
			rows.Close()
			return err
		}
		if at.After(last[id]) {
			last[id] = at
		}
		cases += c
	}
	rows.Close()
	var lat []time.Duration
	end := start
	for i, id := range ids {
		t, ok := last[id]
		if !ok {
			return fmt.Errorf("event %d has no actions", i)
		}
		lat = append(lat, max(0, t.Sub(published[i])))
		if t.After(end) {
			end = t
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	total := end.Sub(start)
	fmt.Printf("  chains: %d events, %d no-stop cases and %d offers in %s: %.1f events/s from publication to the last action\n",
		n, cases, n, total.Round(time.Millisecond), float64(n)/total.Seconds())
	fmt.Printf("  latency of one event, publication to its last action: p50 %s, p99 %s, max %s\n",
		pct(0.50).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	return nil
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

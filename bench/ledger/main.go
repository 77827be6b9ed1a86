// Command ledger measures how fast the ledger seals: it fills the events
// table of a fresh database with n realistic events (inserted directly,
// not through the application), seals them all with SealNow (reading,
// canonical encoding, leaf hashing, the tree, and writing leaves, nodes,
// state and checkpoints), and prints events sealed per second next to a
// baseline measured in the same run: plain SHA-256 over the same
// canonical encodings, already in memory. The ratio says what reading,
// the tree and storage cost on top of hashing.
//
//	go run ./bench/ledger [-n 1000000] [-db postgres://...] [-cpuprofile FILE]
//
// Without -db it uses a SQLite database in a temporary directory. With a
// PostgreSQL URL it works in a fresh schema that it drops at the end.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the schema
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
)

func main() {
	n := flag.Int("n", 1_000_000, "events to seal")
	dsn := flag.String("db", "", "PostgreSQL URL (default: SQLite in a temporary directory)")
	cpu := flag.String("cpuprofile", "", "write a CPU profile of the sealing to this file")
	check := flag.Bool("check", true, "recompute the root from the events afterwards and compare")
	flag.Parse()
	if err := run(*n, *dsn, *cpu, *check); err != nil {
		fmt.Fprintln(os.Stderr, "ledger bench:", err)
		os.Exit(1)
	}
}

func run(n int, dsn, cpuProfile string, check bool) error {
	ctx := context.Background()
	if dsn == "" {
		dir, err := os.MkdirTemp("", "ledgerbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	} else {
		schemaDSN, drop, err := freshSchema(dsn)
		if err != nil {
			return err
		}
		defer drop()
		dsn = schemaDSN
	}
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx, nil, ledger.Migrations()); err != nil {
		return err
	}
	l, err := ledger.New(ctx, ledger.Config{Store: s, Origin: "bench.example/panjare/ledger", Log: slog.Default()})
	if err != nil {
		return err
	}
	fmt.Printf("engine %s, %d events, GOMAXPROCS %d\n", s.Dialect(), n, runtime.GOMAXPROCS(0))

	start := time.Now()
	if err := fill(ctx, s, n); err != nil {
		return err
	}
	fmt.Printf("inserted %d events in %.1fs (not measured)\n", n, time.Since(start).Seconds())

	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	load0 := loadAverage()
	cpu0 := cpuTime()
	start = time.Now()
	cp, err := l.SealNow(ctx)
	sealed := time.Since(start)
	cpuUsed := cpuTime() - cpu0
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	total, err := count(ctx, s)
	if err != nil {
		return err
	}
	if cp.Size != uint64(total) {
		return fmt.Errorf("checkpoint of %d leaves for %d events", cp.Size, total)
	}
	sealRate := float64(cp.Size) / sealed.Seconds()

	// The baseline: SHA-256 over the same canonical encodings, in memory,
	// on one core and on all of them as the sealer hashes.
	enc, err := encodings(ctx, s, min(total, 200_000))
	if err != nil {
		return err
	}
	oneCore := hashRate(enc, 1)
	allCores := hashRate(enc, runtime.GOMAXPROCS(0))
	// What the canonical encoding itself costs (JSON parsed and written
	// again), on one core.
	leafRate, err := leafHashRate(ctx, s, min(total, 200_000))
	if err != nil {
		return err
	}

	fmt.Printf("sealed %d events in %.2fs: %.0f events/s; checkpoint root %s\n", cp.Size, sealed.Seconds(), sealRate, hex.EncodeToString(cp.Root[:8]))
	fmt.Printf("sealing used %.2fs of CPU (%.0f events per CPU-second, %.2f cores busy); load average %s before, %s after\n",
		cpuUsed.Seconds(), float64(cp.Size)/cpuUsed.Seconds(), cpuUsed.Seconds()/sealed.Seconds(), load0, loadAverage())
	fmt.Printf("baseline: SHA-256 of the same encodings (avg %d bytes) in memory: %.0f/s on 1 core, %.0f/s on %d\n",
		avgLen(enc), oneCore, allCores, runtime.GOMAXPROCS(0))
	fmt.Printf("LeafHash (canonical JSON + SHA-256) from decoded events on 1 core: %.0f/s\n", leafRate)
	fmt.Printf("ratio sealed/baseline(all cores): %.3f; sealed/baseline(1 core): %.3f; goal 100000 events/s: %s\n",
		sealRate/allCores, sealRate/oneCore, map[bool]string{true: "met", false: "NOT met"}[sealRate >= 100_000])

	if check {
		root, err := recompute(ctx, s)
		if err != nil {
			return err
		}
		if root != cp.Root {
			return fmt.Errorf("root recomputed from the events %x differs from the checkpoint's %x", root, cp.Root)
		}
		fmt.Println("check: root recomputed from the events matches the checkpoint")
	}
	return nil
}

// freshSchema creates a schema in the PostgreSQL database at dsn and
// returns a URL that uses it and a function that drops it.
func freshSchema(dsn string) (string, func(), error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "ledgerbench_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}, nil
}

var (
	kinds    = []string{"apply.case.submitted", "apply.case.transition", "apply.draft.saved", "exchange.inquiry", "apply.feedback.given", "notify.notice.sent"}
	agencies = []string{"NOCR", "SSO", "MOI", "TAX", "MCLS", "MOH"}
	regions  = []string{"YZD-01", "THR-01", "ISF-02", "KHR-01", ""}
)

// payloadOf returns a payload like the platform's: a tracking code, times,
// Persian text, nested objects.
func payloadOf(i int, at time.Time) []byte {
	p := map[string]any{
		"tracking": fmt.Sprintf("PJ-%08d", i),
		"deadline": at.Add(7 * 24 * time.Hour).Format(time.RFC3339),
		"channel":  []string{"online", "counter"}[i%2],
		"title":    "درخواست صدور گواهی تولد المثنی",
		"form":     map[string]any{"province": "یزد", "reason": "مفقودی", "copies": i%3 + 1},
	}
	switch i % 6 {
	case 1:
		p["from"], p["to"] = "submitted", []string{"approved", "rejected"}[i%2]
	case 3:
		p = map[string]any{"provider": "IR/GOV/NOCR/inquiry", "status": 200, "error": "", "latency_ms": 12.5 + float64(i%40), "message_id": fmt.Sprintf("m-%d", i)}
	case 4:
		p["rating"] = i%5 + 1
	}
	b, _ := json.Marshal(p)
	return b
}

// fill inserts n events straight into the events table.
func fill(ctx context.Context, s *store.Store, n int) error {
	const rows = 2000
	base := time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC)
	for done := 0; done < n; done += rows {
		k := min(rows, n-done)
		args := make([]any, 0, 8*k)
		for i := done; i < done+k; i++ {
			at := base.Add(time.Duration(i) * 1237 * time.Millisecond).Truncate(time.Microsecond)
			args = append(args, at, kinds[i%len(kinds)], fmt.Sprintf("user:%d", i%5000), agencies[i%len(agencies)],
				fmt.Sprintf("%s.service-%d", strings.ToLower(agencies[i%len(agencies)]), i%40), regions[i%len(regions)],
				fmt.Sprintf("%010d", 1000000+i%90000), string(payloadOf(i, at)))
		}
		var q strings.Builder
		q.WriteString("INSERT INTO events (at, kind, actor, agency, service, region, subject, payload) VALUES ")
		for r := range k {
			if r > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for c := range 8 {
				if c > 0 {
					q.WriteString(", ")
				}
				if s.Dialect() == store.Postgres {
					fmt.Fprintf(&q, "$%d", r*8+c+1)
					if c == 7 {
						q.WriteString("::jsonb")
					}
				} else {
					q.WriteString("?")
				}
			}
			q.WriteString(")")
		}
		if _, err := s.DB().ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	return nil
}

func count(ctx context.Context, s *store.Store) (int, error) {
	var n int
	err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n)
	return n, err
}

// readEvents reads up to limit events in id order, after after.
func readEvents(ctx context.Context, s *store.Store, after int64, limit int) ([]store.Event, error) {
	var out []store.Event
	for len(out) < limit {
		evs, err := s.Events(ctx, store.EventFilter{AfterID: after, Limit: min(10000, limit-len(out))})
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			break
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].ID
	}
	return out, nil
}

// encodings returns the canonical encodings of the first n events.
func encodings(ctx context.Context, s *store.Store, n int) ([][]byte, error) {
	evs, err := readEvents(ctx, s, 0, n)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(evs))
	for i, ev := range evs {
		out[i] = append([]byte{0}, ledger.LeafData(ev)...)
	}
	return out, nil
}

func avgLen(enc [][]byte) int {
	var t int
	for _, e := range enc {
		t += len(e)
	}
	return t / max(len(enc), 1)
}

// hashRate hashes enc over and over for at least a second on procs
// goroutines and returns encodings hashed per second.
func hashRate(enc [][]byte, procs int) float64 {
	start := time.Now()
	hashed := 0
	for time.Since(start) < time.Second {
		done := make(chan int, procs)
		per := (len(enc) + procs - 1) / procs
		for lo := 0; lo < len(enc); lo += per {
			go func(part [][]byte) {
				var sink byte
				for _, e := range part {
					h := sha256.Sum256(e)
					sink ^= h[0]
				}
				done <- len(part) + int(sink&0)
			}(enc[lo:min(lo+per, len(enc))])
		}
		for lo := 0; lo < len(enc); lo += per {
			hashed += <-done
		}
	}
	return float64(hashed) / time.Since(start).Seconds()
}

// leafHashRate times ledger.LeafHash over events already read.
func leafHashRate(ctx context.Context, s *store.Store, n int) (float64, error) {
	evs, err := readEvents(ctx, s, 0, n)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var sink byte
	for _, ev := range evs {
		h := ledger.LeafHash(ev)
		sink ^= h[0]
	}
	_ = sink
	return float64(len(evs)) / time.Since(start).Seconds(), nil
}

// recompute rebuilds the root from the events, in the leaf order the
// ledger stored, with a compact range of its own.
func recompute(ctx context.Context, s *store.Store) ([32]byte, error) {
	r := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	rows, err := s.Read().QueryContext(ctx, `SELECT event_id FROM ledger_leaves ORDER BY idx`)
	if err != nil {
		return [32]byte{}, err
	}
	var order []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return [32]byte{}, err
		}
		order = append(order, id)
	}
	rows.Close()
	byID := map[int64]int{} // event id → position in order
	for i, id := range order {
		byID[id] = i
	}
	hashes := make([][32]byte, len(order))
	var after int64
	for {
		evs, err := s.Events(ctx, store.EventFilter{AfterID: after, Limit: 10000})
		if err != nil {
			return [32]byte{}, err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			i, ok := byID[ev.ID]
			if !ok {
				return [32]byte{}, fmt.Errorf("event %d is not sealed", ev.ID)
			}
			hashes[i] = ledger.LeafHash(ev)
		}
		after = evs[len(evs)-1].ID
	}
	for i := range hashes {
		if err := r.Append(hashes[i][:], nil); err != nil {
			return [32]byte{}, err
		}
	}
	root, err := r.GetRootHash(nil)
	var out [32]byte
	copy(out[:], root)
	return out, err
}

// cpuTime returns the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns the machine's one-minute load average, which says
// how much of the machine the run had.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

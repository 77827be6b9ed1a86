// Command ledgerverify measures "panjare ledger verify" over a large event
// log, next to two baselines measured in the same run on the same rows:
//
//   - scan: a plain SELECT of every event, in id order and in the same
//     batches, into the same Go values, with nothing else done;
//   - sha256: raw SHA-256 over the bytes of those rows, batch by batch, on
//     one core.
//
// It fills a fresh database with N realistic events (case submissions and
// transitions, drafts, ratings, notifications, and exchange inquiries with
// their message log rows) by multi-row INSERTs on SQLite and COPY on
// PostgreSQL, seals them with the ledger, and then times ledger.Verify,
// which must find nothing. The goal (the truthful-oversight issue): 10
// million events verified in at most 60 seconds.
//
//	go run ./bench/ledgerverify [-n 10000000] [-postgres postgres://...] [-db sqlite:PATH] [-keep]
package main

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
)

type options struct {
	n          int
	postgres   string
	db         string
	keep       bool
	batch      int
	cpuProfile string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 1_000_000, "events to fill the database with")
	flag.StringVar(&o.postgres, "postgres", "", "run on PostgreSQL at this URL, in a schema of its own that is dropped afterwards (default: SQLite)")
	flag.StringVar(&o.db, "db", "", "verify this existing, sealed database (sqlite:PATH or a postgres:// URL) instead of filling a new one")
	flag.BoolVar(&o.keep, "keep", false, "keep the filled SQLite file or PostgreSQL schema, and print its name")
	flag.IntVar(&o.batch, "batch", 0, "events per batch of Verify and of the scan (default: Verify's)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of Verify to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "ledgerverify bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx := context.Background()
	dsn, cleanup, err := database(o)
	if err != nil {
		return err
	}
	defer cleanup()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Printf("ledger verify bench: %s, GOMAXPROCS %d\n", s.Dialect(), runtime.GOMAXPROCS(0))
	if o.db == "" {
		if err := s.Migrate(ctx, nil, exchange.Migrations(), ledger.Migrations()); err != nil {
			return err
		}
		start := time.Now()
		if err := fill(ctx, s, o.n); err != nil {
			return fmt.Errorf("filling: %w", err)
		}
		d := time.Since(start)
		fmt.Printf("filled    %d events in %.1f s (%.0f events/s)\n", o.n, d.Seconds(), float64(o.n)/d.Seconds())
		led, err := ledger.New(ctx, ledger.Config{Store: s})
		if err != nil {
			return err
		}
		start = time.Now()
		cp, err := led.SealNow(ctx)
		if err != nil {
			return fmt.Errorf("sealing: %w", err)
		}
		d = time.Since(start)
		fmt.Printf("sealed    %d leaves in %.1f s (%.0f events/s)\n", cp.Size, d.Seconds(), float64(cp.Size)/d.Seconds())
	}

	batch := o.batch
	if batch <= 0 {
		batch = 20000
	}
	cpu0 := cpuTime()
	scan, hashing, rows, bytes, err := baseline(ctx, s, batch)
	baseCPU := cpuTime() - cpu0
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	start, cpu0 := time.Now(), cpuTime()
	rep, err := ledger.Verify(ctx, s, ledger.VerifyOptions{Batch: o.batch})
	took, cpu := time.Since(start), cpuTime()-cpu0
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if !rep.OK() {
		for _, f := range rep.Findings[:min(len(rep.Findings), 10)] {
			fmt.Println(f.String())
		}
		return fmt.Errorf("verify found %d findings in an untouched database", len(rep.Findings))
	}
	if rep.Events != rows {
		return fmt.Errorf("verify read %d events, the scan %d", rep.Events, rows)
	}
	fmt.Printf("scan      %d events, %.0f MB in %.1f s (%.0f events/s)   [baseline: SELECT in id order, same batches]\n",
		rows, float64(bytes)/1e6, scan.Seconds(), float64(rows)/scan.Seconds())
	fmt.Printf("sha256    %.0f MB in %.1f s on one core (%.0f MB/s)   [baseline: raw SHA-256 over the same bytes]\n",
		float64(bytes)/1e6, hashing.Seconds(), float64(bytes)/1e6/hashing.Seconds())
	fmt.Printf("verify    %d events in %.1f s (%.0f events/s), %.1f s of CPU; %d checkpoints, %d inquiries checked; 0 findings\n",
		rep.Events, took.Seconds(), float64(rep.Events)/took.Seconds(), cpu.Seconds(), rep.Checkpoints, rep.Messages)
	fmt.Printf("ratios    verify/scan %.2f   verify/(scan+sha256) %.2f   CPU verify/(scan+sha256) %.2f\n",
		took.Seconds()/scan.Seconds(), took.Seconds()/(scan+hashing).Seconds(), cpu.Seconds()/baseCPU.Seconds())
	fmt.Printf("cpus      verify kept %.2f of %d CPUs busy on average (less: the machine was shared, or it waited on the disk)\n",
		cpu.Seconds()/took.Seconds(), runtime.GOMAXPROCS(0))
	fmt.Printf("tree size %d root %s\n", rep.Size, rep.RootBase64())
	goal := "met"
	if per10M := took.Seconds() * 1e7 / float64(max(rep.Events, 1)); per10M > 60 {
		goal = fmt.Sprintf("NOT met (%.0f s per 10M at this rate)", per10M)
	}
	fmt.Printf("goal      10M events in at most 60 s: %s\n", goal)
	return nil
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// database returns the database to run on and a function that removes it.
func database(o options) (string, func(), error) {
	if o.db != "" {
		return o.db, func() {}, nil
	}
	if o.postgres == "" {
		dir, err := os.MkdirTemp("", "panjare-bench-ledgerverify-")
		if err != nil {
			return "", nil, err
		}
		path := filepath.Join(dir, "panjare.db")
		if o.keep {
			fmt.Println("database: sqlite:" + path)
			return "sqlite:" + path, func() {}, nil
		}
		return "sqlite:" + path, func() { os.RemoveAll(dir) }, nil
	}
	var b [4]byte
	_, _ = crand.Read(b[:])
	schema := "bench_ledgerverify_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", o.postgres)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(o.postgres)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	if o.keep {
		admin.Close()
		fmt.Println("database: " + store.Redact(u.String()))
		return u.String(), func() {}, nil
	}
	return u.String(), func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}, nil
}

// baseline scans every event as Verify does, with nothing else, and then
// hashes the bytes of each batch's rows with SHA-256, timing the two
// apart.
func baseline(ctx context.Context, s *store.Store, batch int) (scan, hashing time.Duration, rows, bytes int64, err error) {
	var after int64
	h := sha256.New()
	buf := make([]byte, 0, 1<<20)
	for {
		start := time.Now()
		evs, err := scanBatch(ctx, s, after, batch)
		scan += time.Since(start)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		start = time.Now()
		for i := range evs {
			ev := &evs[i]
			buf = ev.At.AppendFormat(buf[:0], time.RFC3339Nano)
			buf = append(append(append(append(append(append(append(buf, ev.Kind...), ev.Actor...), ev.Agency...), ev.Service...), ev.Region...), ev.Subject...), ev.Payload...)
			h.Reset()
			h.Write(buf)
			h.Sum(nil)
			bytes += int64(len(buf))
		}
		hashing += time.Since(start)
		rows += int64(len(evs))
		if len(evs) < batch {
			return scan, hashing, rows, bytes, nil
		}
		after = evs[len(evs)-1].ID
	}
}

// scanBatch reads a batch of events as Verify reads them.
func scanBatch(ctx context.Context, s *store.Store, after int64, n int) ([]store.Event, error) {
	r, err := s.Read().QueryContext(ctx, `SELECT id, at, kind, actor, agency, service, region, subject, payload
		FROM events WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]store.Event, 0, n)
	for r.Next() {
		var ev store.Event
		var payload string
		if err := r.Scan(&ev.ID, &ev.At, &ev.Kind, &ev.Actor, &ev.Agency, &ev.Service, &ev.Region, &ev.Subject, &payload); err != nil {
			return nil, err
		}
		ev.Payload = []byte(payload)
		out = append(out, ev)
	}
	return out, r.Err()
}

// row is one generated event and, for an inquiry, its message log row.
type row struct {
	ev  store.Event
	msg []any // exchange_messages columns, or nil
}

var (
	regions  = []string{"THR-01", "THR-03", "ISF-01", "YZD-01", "YZD-02", "KHR-05", "FRS-02", "AZS-01", ""}
	agencies = []string{"NOCR", "INTA", "SSO", "JUD", "MOH", "MIMT"}
	states   = []string{"submitted", "in_review", "needs_info", "approved", "rejected"}
	notes    = []string{"مدارک کامل است", "نیاز به تصویر شناسنامه", "تأیید شد", "", "ارجاع به کارشناس"}
)

// gen makes the i-th event: a realistic mix of what the platform appends.
func gen(r *rand.Rand, i int, at time.Time) row {
	agency := agencies[r.IntN(len(agencies))]
	service := fmt.Sprintf("IR-%s-%04d", agency, r.IntN(40))
	subject := fmt.Sprintf("%010d", r.Int64N(1e10))
	tracking := fmt.Sprintf("%s-%08d", agency, i/3)
	region := regions[r.IntN(len(regions))]
	ev := store.Event{At: at, Agency: agency, Service: service, Region: region, Subject: subject}
	var p string
	switch k := i % 20; {
	case k < 3:
		ev.Kind, ev.Actor, ev.Region = "apply.draft.saved", fmt.Sprintf("user:%d", r.IntN(5e6)), ""
		p = fmt.Sprintf(`{"draft":%d,"step":%d,"fields":{"first_name":"مریم","last_name":"احمدی","postal_code":"%010d","reason":"تمدید"}}`, i, r.IntN(4), r.Int64N(1e10))
	case k < 6:
		ev.Kind, ev.Actor = "apply.case.submitted", fmt.Sprintf("user:%d", r.IntN(5e6))
		channel := "online"
		if r.IntN(5) == 0 {
			channel = "counter"
		}
		p = fmt.Sprintf(`{"tracking":%q,"channel":%q,"deadline":%q,"fee":%d,"documents":%d}`, tracking, channel, at.Add(72*time.Hour).Format(time.RFC3339), 150000+r.IntN(20)*10000, r.IntN(4))
	case k < 11:
		ev.Kind = "apply.case.transition"
		ev.Actor = fmt.Sprintf("staff:%s/%d", agency, r.IntN(300))
		if r.IntN(3) == 0 {
			ev.Actor = "rules:" + service + "/v3"
		}
		from, to := states[r.IntN(3)], states[1+r.IntN(4)]
		p = fmt.Sprintf(`{"tracking":%q,"from":%q,"to":%q,"note":%q}`, tracking, from, to, notes[r.IntN(len(notes))])
	case k < 16:
		return inquiry(r, i, at, subject)
	case k == 16:
		ev.Kind, ev.Actor = "apply.feedback.given", fmt.Sprintf("user:%d", r.IntN(5e6))
		p = fmt.Sprintf(`{"tracking":%q,"rating":%d}`, tracking, 1+r.IntN(5))
	case k == 17:
		ev.Kind, ev.Actor, ev.Region = "notify.sent", "system", ""
		p = fmt.Sprintf(`{"channel":"sms","template":"case.%s","notice":%d}`, states[r.IntN(len(states))], i)
	case k == 18:
		ev.Kind, ev.Actor, ev.Service, ev.Region = "identity.session.started", fmt.Sprintf("user:%d", r.IntN(5e6)), "", ""
		p = `{"method":"oidc","acr":"loa2"}`
	default:
		ev.Kind, ev.Actor = "apply.complaint.received", fmt.Sprintf("user:%d", r.IntN(5e6))
		p = fmt.Sprintf(`{"tracking":%q,"text":"پاسخ درخواست پس از مهلت اعلام‌شده داده نشد","latency_hours":%.1f}`, tracking, r.Float64()*200)
	}
	ev.Payload = []byte(p)
	return row{ev: ev}
}

// inquiry makes an exchange.inquiry event and its message log row, with
// the payload the gateway writes.
func inquiry(r *rand.Rand, i int, at time.Time, subject string) row {
	clients := []string{"IR/GOV/INTA/tax", "IR/GOV/SSO/pensions", "IR/GOV/MOH/insurance"}
	client := clients[r.IntN(len(clients))]
	member := strings.Split(client, "/")[2]
	provider, service := "IR/GOV/NOCR/population", "IR/GOV/NOCR/population/person-identity"
	msgID := fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), 0x8000|r.IntN(1<<14), r.Int64N(1<<48))
	req := fmt.Sprintf("%064x", sha256.Sum256([]byte(msgID)))
	resp := fmt.Sprintf("%064x", sha256.Sum256([]byte(msgID+"r")))
	status, errCode := 200, ""
	if r.IntN(50) == 0 {
		status, errCode = 503, "provider_unavailable"
	}
	latency := 5 + r.Float64()*120
	p := fmt.Sprintf(`{"message_id":%q,"client":%q,"provider":%q,"service":%q,"method":"GET","path":"/persons/{subject}","purpose":"tax-file-review","status":%d,"error":%q,"latency_ms":%.3f,"request_digest":%q,"response_digest":%q,"right":%d,"basis":"قانون مالیات‌های مستقیم ماده ۱۸۱"}`,
		msgID, client, provider, service, status, errCode, latency, req, resp, 1+r.IntN(40))
	ev := store.Event{At: at, Kind: exchange.EventInquiry, Actor: "subsystem:" + client, Agency: member, Service: service, Subject: subject, Payload: []byte(p)}
	msg := []any{msgID, at, client, member, provider, "NOCR", service, "GET", "/persons/{subject}", "tax-file-review", subject, status, errCode, latency, req, resp}
	return row{ev: ev, msg: msg}
}

var (
	eventCols   = []string{"at", "kind", "actor", "agency", "service", "region", "subject", "payload"}
	messageCols = []string{"message_id", "at", "client", "client_member", "provider", "provider_member", "service", "method", "path", "purpose", "subject", "status", "error", "latency_ms", "request_digest", "response_digest"}
)

// fill appends n generated events (and the inquiries' message rows) in
// large transactions: multi-row INSERTs on SQLite, COPY on PostgreSQL.
func fill(ctx context.Context, s *store.Store, n int) (err error) {
	if s.Dialect() == store.SQLite {
		// Build the secondary indexes once at the end, as a bulk load
		// does, instead of row by row: the same indexes, read from the
		// schema, so the database is the one the platform would have.
		restore, err := dropIndexes(ctx, s, "events", "exchange_messages")
		if err != nil {
			return err
		}
		defer func() {
			if e := restore(); e != nil && err == nil {
				err = e
			}
		}()
	}
	r := rand.New(rand.NewPCG(11, 2026))
	at := time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)
	const chunk = 100_000
	for done := 0; done < n; done += chunk {
		rows := make([]row, min(chunk, n-done))
		for i := range rows {
			at = at.Add(time.Duration(1+r.IntN(3_000_000)) * time.Microsecond)
			rows[i] = gen(r, done+i, at)
		}
		var err error
		if s.Dialect() == store.Postgres {
			err = copyRows(ctx, s, rows)
		} else {
			err = insertRows(ctx, s, rows)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropIndexes drops the SQLite indexes of tables and returns a function
// that creates them again from their stored definitions.
func dropIndexes(ctx context.Context, s *store.Store, tables ...string) (func() error, error) {
	var defs []string
	for _, t := range tables {
		rows, err := s.DB().QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL`, t)
		if err != nil {
			return nil, err
		}
		var names []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
		for _, name := range names {
			if _, err := s.DB().ExecContext(ctx, `DROP INDEX `+name); err != nil {
				return nil, err
			}
		}
	}
	return func() error {
		for _, def := range defs {
			if _, err := s.DB().ExecContext(ctx, def); err != nil {
				return fmt.Errorf("%s: %w", def, err)
			}
		}
		return nil
	}, nil
}

func eventArgs(ev store.Event) []any {
	return []any{ev.At, ev.Kind, ev.Actor, ev.Agency, ev.Service, ev.Region, ev.Subject, string(ev.Payload)}
}

// insertRows writes rows in one SQLite transaction, 500 rows a statement.
func insertRows(ctx context.Context, s *store.Store, rows []row) error {
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var evs, msgs [][]any
	for _, rw := range rows {
		evs = append(evs, eventArgs(rw.ev))
		if rw.msg != nil {
			msgs = append(msgs, rw.msg)
		}
	}
	if err := insertMany(ctx, tx, "events", eventCols, evs); err != nil {
		return err
	}
	if err := insertMany(ctx, tx, "exchange_messages", messageCols, msgs); err != nil {
		return err
	}
	return tx.Commit()
}

func insertMany(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	const per = 500
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, per*len(cols))
	for lo := 0; lo < len(rows); lo += per {
		part := rows[lo:min(lo+per, len(rows))]
		st, ok := stmts[len(part)]
		if !ok {
			var b strings.Builder
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
			tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
			for i := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(tuple)
			}
			var err error
			if st, err = tx.PrepareContext(ctx, b.String()); err != nil {
				return err
			}
			stmts[len(part)] = st
		}
		args = args[:0]
		for _, rw := range part {
			args = append(args, rw...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// copyRows writes rows with PostgreSQL's COPY, in one transaction.
func copyRows(ctx context.Context, s *store.Store, rows []row) error {
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		tx, err := c.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		var evs, msgs [][]any
		for _, rw := range rows {
			evs = append(evs, eventArgs(rw.ev))
			if rw.msg != nil {
				msgs = append(msgs, rw.msg)
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventCols, pgx.CopyFromRows(evs)); err != nil {
			return fmt.Errorf("copy events: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"exchange_messages"}, messageCols, pgx.CopyFromRows(msgs)); err != nil {
			return fmt.Errorf("copy exchange_messages: %w", err)
		}
		return tx.Commit(ctx)
	})
}

package ledger_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// The tamper tests build a real history (events appended through InTx,
// exchange inquiries with their message rows, a gap of ids that rolled
// back, sealed in several rounds), then change the database behind the
// application's back as an attacker with the database's credentials
// could, and check that Verify names each change.

// clock is a store clock that tests move forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(1500 * time.Microsecond)
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// history is a sealed ledger to tamper with.
type history struct {
	s      *store.Store
	dsn    string
	led    *ledger.Ledger
	clock  *clock
	gap    int64           // an id the sealer passed as missing
	events []store.Event   // every event, by id
	index  map[int64]int64 // event id → leaf index
	inq    []int64         // ids of the exchange.inquiry events
	cps    [][]byte        // checkpoints signed along the way, oldest first
}

// forEngine runs fn on a fresh history on SQLite and on PostgreSQL. (A
// test that calls it twice names each call with t.Run: a repeated subtest
// name gets a "#01" suffix, and a "#" in a SQLite file name ends the path.)
func forEngine(t *testing.T, fn func(t *testing.T, h *history)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, mustHistory(t, d)) })
	}
}

// mustHistory appends about 700 events in rounds, sealing after some of
// them, so that the tree has stored nodes (level 8 and up) and several
// signed checkpoints, and leaves a gap of three ids before the last round.
func mustHistory(t *testing.T, d store.Dialect) *history {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC)}
	dsn := storetest.DSN(t, d)
	s, err := store.Open(ctx, dsn, store.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, nil, exchange.Migrations(), ledger.Migrations()); err != nil {
		t.Fatal(err)
	}
	led, err := ledger.New(ctx, ledger.Config{Store: s, Origin: "panjare.test/panjare/ledger"})
	if err != nil {
		t.Fatal(err)
	}
	h := &history{s: s, dsn: dsn, led: led, clock: c}
	n := 0
	for round := range 24 {
		if round == 22 {
			h.gap = makeGap(t, s, 3)
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := range 30 {
				n++
				if i%10 == 3 {
					if err := appendInquiry(ctx, tx, n); err != nil {
						return err
					}
					continue
				}
				ev := store.Event{Kind: "apply.case.transition", Actor: fmt.Sprintf("user:%d", 100+n%7), Agency: "NOCR",
					Service: "IR-NOCR-0001", Region: "YZD-01", Subject: fmt.Sprintf("%010d", 4000000000+n)}
				payload := map[string]any{"tracking": fmt.Sprintf("T-%05d", n), "from": "submitted", "to": "approved", "fee": 1250.50, "n": n}
				if i%3 == 0 {
					ev.Kind, payload = "apply.case.submitted", map[string]any{"tracking": fmt.Sprintf("T-%05d", n), "channel": "online", "note": "درخواست \"فوری\""}
				}
				if err := tx.Append(ctx, ev, payload); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if round%5 == 4 || round == 23 {
			cp, err := led.SealNow(ctx)
			if err != nil {
				t.Fatal(err)
			}
			h.cps = append(h.cps, cp.Note)
		}
	}
	h.reload(t)
	return h
}

// makeGap takes n ids of the events table as a transaction that rolls
// back would, leaving them missing, and returns the first.
func makeGap(t *testing.T, s *store.Store, n int) int64 {
	t.Helper()
	var last int64
	if err := s.DB().QueryRow(`SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.Dialect() == store.SQLite {
		_, err = s.DB().Exec(`UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = 'events'`, n)
	} else {
		_, err = s.DB().Exec(`SELECT setval(pg_get_serial_sequence('events', 'id'), $1)`, last+int64(n))
	}
	if err != nil {
		t.Fatal(err)
	}
	return last + 1
}

// appendInquiry writes a message log row and its exchange.inquiry event,
// as the gateway does, in tx.
func appendInquiry(ctx context.Context, tx *store.Tx, n int) error {
	msgID := fmt.Sprintf("m-%06d", n)
	req, resp := fmt.Sprintf("sha256:req%d", n), fmt.Sprintf("sha256:resp%d", n)
	at := tx.Store().Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_messages (message_id, at, client, client_member, provider, provider_member,
		service, method, path, purpose, subject, status, latency_ms, request_digest, response_digest)
		VALUES ($1, $2, 'IR/GOV/INTA/tax', 'INTA', 'IR/GOV/NOCR/population', 'NOCR', 'IR/GOV/NOCR/population/person-identity',
		'GET', '/persons/{subject}', 'tax-file-review', $3, 200, 12.5, $4, $5)`, msgID, at, fmt.Sprintf("%010d", 4000000000+n), req, resp); err != nil {
		return err
	}
	return tx.Append(ctx, store.Event{Kind: exchange.EventInquiry, At: at, Actor: "subsystem:IR/GOV/INTA/tax", Agency: "INTA",
		Service: "IR/GOV/NOCR/population/person-identity", Subject: fmt.Sprintf("%010d", 4000000000+n)},
		map[string]any{"message_id": msgID, "client": "IR/GOV/INTA/tax", "provider": "IR/GOV/NOCR/population", "status": 200,
			"latency_ms": 12.5, "request_digest": req, "response_digest": resp, "path": "/persons/{subject}", "purpose": "tax-file-review"})
}

// reload reads the events and the leaf index of each.
func (h *history) reload(t *testing.T) {
	t.Helper()
	evs, err := h.s.Events(context.Background(), store.EventFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	h.events, h.index, h.inq = evs, map[int64]int64{}, nil
	rows, err := h.s.Read().Query(`SELECT idx, event_id FROM ledger_leaves`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx, id int64
		if err := rows.Scan(&idx, &id); err != nil {
			t.Fatal(err)
		}
		h.index[id] = idx
	}
	for _, ev := range evs {
		if ev.Kind == exchange.EventInquiry {
			h.inq = append(h.inq, ev.ID)
		}
	}
}

// event returns the event with id.
func (h *history) event(t *testing.T, id int64) store.Event {
	t.Helper()
	for _, ev := range h.events {
		if ev.ID == id {
			return ev
		}
	}
	t.Fatalf("no event %d", id)
	return store.Event{}
}

// tamper runs statements behind the application's back: on SQLite after
// dropping the append-only triggers, on PostgreSQL with the triggers
// disabled (and re-enabled afterwards, leaving no trace) and the session
// in replica mode, as a superuser could.
func (h *history) tamper(t *testing.T, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := h.s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if h.s.Dialect() == store.SQLite {
		exec(`DROP TRIGGER IF EXISTS events_no_update`)
		exec(`DROP TRIGGER IF EXISTS events_no_delete`)
		for _, q := range stmts {
			exec(q)
		}
		return
	}
	exec(`ALTER TABLE events DISABLE TRIGGER USER`)
	exec(`SET session_replication_role = replica`)
	for _, q := range stmts {
		exec(q)
	}
	exec(`RESET session_replication_role`)
	exec(`ALTER TABLE events ENABLE TRIGGER USER`)
}

// swapSQL returns the statements that swap the contents of two events,
// keeping their ids.
func (h *history) swapSQL(t *testing.T, a, b int64) []string {
	ea, eb := h.event(t, a), h.event(t, b)
	set := func(id int64, ev store.Event) string {
		return fmt.Sprintf(`UPDATE events SET at = '%s', kind = '%s', actor = '%s', agency = '%s', service = '%s', region = '%s', subject = '%s', payload = '%s' WHERE id = %d`,
			ev.At.UTC().Format("2006-01-02 15:04:05.999999")+tz(h.s), ev.Kind, ev.Actor, ev.Agency, ev.Service, ev.Region, ev.Subject,
			strings.ReplaceAll(string(ev.Payload), "'", "''"), id)
	}
	return []string{set(a, eb), set(b, ea)}
}

func tz(s *store.Store) string {
	if s.Dialect() == store.Postgres {
		return "+00"
	}
	return "+00:00"
}

func verify(t *testing.T, s *store.Store, opt ledger.VerifyOptions) ledger.Report {
	t.Helper()
	rep, err := ledger.Verify(context.Background(), s, opt)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// want is a finding expected by kind, index and event.
type want struct {
	kind  ledger.FindingKind
	index int64
	event int64
}

// hasFindings checks that rep holds exactly one finding for each of ws
// and, beyond them, only findings of the kinds in also.
func hasFindings(t *testing.T, rep ledger.Report, ws []want, also ...ledger.FindingKind) {
	t.Helper()
	got := map[want]int{}
	for _, f := range rep.Findings {
		got[want{f.Kind, f.Index, f.EventID}]++
	}
	for _, w := range ws {
		if got[w] != 1 {
			t.Errorf("want one %s finding at index %d event %d, got %d", w.kind, w.index, w.event, got[w])
		}
		delete(got, w)
	}
	for w := range got {
		if !slices.Contains(also, w.kind) {
			t.Errorf("unexpected finding %+v", w)
		}
	}
	if t.Failed() {
		for _, f := range rep.Findings {
			t.Log(f.String())
		}
	}
}

func TestVerifyClean(t *testing.T) {
	forEngine(t, func(t *testing.T, h *history) {
		rep := verify(t, h.s, ledger.VerifyOptions{Checkpoint: h.cps[0]})
		if !rep.OK() {
			for _, f := range rep.Findings {
				t.Error(f.String())
			}
		}
		cp, err := h.led.Checkpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Size != cp.Size || rep.Root != cp.Root {
			t.Errorf("Verify: size %d root %s; the ledger's checkpoint: %d %x", rep.Size, rep.RootBase64(), cp.Size, cp.Root)
		}
		if rep.Reread != 0 {
			t.Errorf("%d events were read twice in a clean ledger: the first read should do", rep.Reread)
		}
		if rep.Size != uint64(len(h.events)) || rep.Events != int64(len(h.events)) {
			t.Errorf("Verify: size %d, %d events read; %d events", rep.Size, rep.Events, len(h.events))
		}
		if rep.Checkpoints != len(h.cps)+1 || rep.Messages != len(h.inq) || len(h.inq) == 0 {
			t.Errorf("Verify checked %d checkpoints and %d inquiries; want %d and %d", rep.Checkpoints, rep.Messages, len(h.cps)+1, len(h.inq))
		}
		// Batches of every size give the same answer: leaves are joined to
		// events across batch boundaries.
		for _, batch := range []int{1, 7, 256} {
			for _, readers := range []int{1, 3} {
				r := verify(t, h.s, ledger.VerifyOptions{Batch: batch, Workers: 3, Readers: readers})
				if !r.OK() || r.Root != rep.Root || r.Size != rep.Size || r.Events != rep.Events {
					t.Errorf("batch %d, %d readers: %d findings, size %d, %d events", batch, readers, len(r.Findings), r.Size, r.Events)
				}
			}
		}
	})
}

// TestVerifyTampered edits, deletes, inserts and reorders events and
// deletes a message row, all at once, and checks that each is named.
func TestVerifyTampered(t *testing.T) {
	forEngine(t, func(t *testing.T, h *history) {
		ctx := context.Background()
		edited, deleted, swapA, swapB := h.events[40].ID, h.events[77].ID, h.events[120].ID, h.events[121].ID
		inquiry := h.inq[len(h.inq)/2]
		// The gap's recheck window passes: an event with one of its ids is
		// no longer one the sealer would still take.
		h.clock.advance(11 * time.Minute)
		forged := h.event(t, h.events[10].ID)
		stmts := []string{
			fmt.Sprintf(`UPDATE events SET actor = 'user:forged' WHERE id = %d`, edited),
			fmt.Sprintf(`DELETE FROM events WHERE id = %d`, deleted),
			fmt.Sprintf(`INSERT INTO events (id, at, kind, actor, agency, service, region, subject, payload) VALUES (%d, '%s', 'apply.case.transition', 'user:forged', 'NOCR', '', '', '', '{"to":"approved"}')`,
				h.gap+1, forged.At.Format("2006-01-02 15:04:05")+tz(h.s)),
			fmt.Sprintf(`DELETE FROM exchange_messages WHERE message_id = (SELECT message_id FROM exchange_messages ORDER BY id LIMIT 1 OFFSET %d)`, slices.Index(h.inq, inquiry)),
		}
		h.tamper(t, append(stmts, h.swapSQL(t, swapA, swapB)...)...)
		rep := verify(t, h.s, ledger.VerifyOptions{Checkpoint: h.cps[len(h.cps)-1]})
		hasFindings(t, rep, []want{
			{ledger.FindEdited, h.index[edited], edited},
			{ledger.FindDeleted, h.index[deleted], deleted},
			{ledger.FindReordered, h.index[swapA], swapA},
			{ledger.FindReordered, h.index[swapB], swapB},
			{ledger.FindInserted, -1, h.gap + 1},
			{ledger.FindMessage, h.index[inquiry], inquiry},
		}, ledger.FindCheckpoint)
		var cps int
		for _, f := range rep.Findings {
			if f.Kind == ledger.FindCheckpoint {
				cps++
				if !strings.Contains(f.Detail, fmt.Sprint("indexes 0 to ")) && !strings.Contains(f.Detail, "auditor") {
					t.Errorf("the first signed checkpoint after the edit should bound it from index 0: %s", f.Detail)
				}
			}
		}
		if cps != 2 { // one for the run of stored checkpoints, one for the auditor's
			t.Errorf("%d checkpoint findings, want 2", cps)
		}
		_ = ctx
	})
}

// TestVerifyOneChange makes one change at a time, so that each kind of
// change is named alone.
func TestVerifyOneChange(t *testing.T) {
	t.Run("edited", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			ev := h.events[200]
			h.tamper(t, fmt.Sprintf(`UPDATE events SET payload = '{"to":"rejected"}' WHERE id = %d`, ev.ID))
			hasFindings(t, verify(t, h.s, ledger.VerifyOptions{}), []want{{ledger.FindEdited, h.index[ev.ID], ev.ID}}, ledger.FindCheckpoint)
		})
	})
	t.Run("leaf-row", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			// A stored leaf hash altered while its event is intact: the leaf
			// row, not the event, changed.
			ev := h.events[5]
			h.tamper(t, fmt.Sprintf(`UPDATE ledger_leaves SET hash = (SELECT hash FROM ledger_leaves WHERE idx = 6) WHERE idx = %d`, h.index[ev.ID]))
			rep := verify(t, h.s, ledger.VerifyOptions{})
			hasFindings(t, rep, []want{{ledger.FindTree, h.index[ev.ID], ev.ID}}, ledger.FindTree)
		})
	})
	t.Run("node", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			// A stored node altered.
			h.tamper(t, `UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_leaves WHERE idx = 0) WHERE level = 8 AND idx = 1`)
			rep := verify(t, h.s, ledger.VerifyOptions{})
			hasFindings(t, rep, nil, ledger.FindTree)
			if len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0].Detail, "level 8 index 1") {
				t.Errorf("findings %v, want the node at level 8 index 1", rep.Findings)
			}
		})
	})
	t.Run("renumbered", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			// An event renumbered into a gap: its leaf's content moved.
			ev := h.events[30]
			h.clock.advance(11 * time.Minute)
			h.tamper(t, fmt.Sprintf(`UPDATE events SET id = %d WHERE id = %d`, h.gap, ev.ID))
			hasFindings(t, verify(t, h.s, ledger.VerifyOptions{}), []want{{ledger.FindReordered, h.index[ev.ID], ev.ID}}, ledger.FindCheckpoint)
		})
	})
	t.Run("message-digest", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			// A message row's digest altered.
			h.tamper(t, `UPDATE exchange_messages SET response_digest = 'sha256:forged' WHERE id = (SELECT MIN(id) FROM exchange_messages)`)
			hasFindings(t, verify(t, h.s, ledger.VerifyOptions{}), []want{{ledger.FindMessage, h.index[h.inq[0]], h.inq[0]}})
		})
	})
	t.Run("id-zero", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			// Ids below the sequence's first are in the sealed range too.
			ev := h.events[3]
			h.tamper(t, fmt.Sprintf(`INSERT INTO events (id, at, kind, actor, payload) VALUES (0, '%s', 'apply.case.transition', 'system', '{}')`,
				ev.At.Format("2006-01-02 15:04:05")+tz(h.s)))
			for _, readers := range []int{1, 2} {
				hasFindings(t, verify(t, h.s, ledger.VerifyOptions{Batch: 100, Readers: readers}), []want{{ledger.FindInserted, -1, 0}})
			}
		})
	})
	t.Run("late-event", func(t *testing.T) {
		forEngine(t, func(t *testing.T, h *history) {
			// An event inserted in a gap the sealer passed a moment ago is not
			// a finding yet: the sealer seals it late, and it is then a leaf.
			ev := h.events[3]
			h.tamper(t, fmt.Sprintf(`INSERT INTO events (id, at, kind, actor, payload) VALUES (%d, '%s', 'apply.case.transition', 'system', '{}')`,
				h.gap, ev.At.Format("2006-01-02 15:04:05")+tz(h.s)))
			if rep := verify(t, h.s, ledger.VerifyOptions{}); !rep.OK() {
				t.Errorf("a late event within the window: %v", rep.Findings)
			}
			if _, err := h.led.SealNow(context.Background()); err != nil {
				t.Fatal(err)
			}
			rep := verify(t, h.s, ledger.VerifyOptions{})
			if !rep.OK() || rep.Size != uint64(len(h.events)+1) {
				t.Errorf("after the late event was sealed: size %d, findings %v", rep.Size, rep.Findings)
			}
		})
	})
}

// TestVerifyRewrittenTree rewrites the tree consistently after an edit,
// as an attacker who knows how the leaves are made would: every leaf,
// node and the state agree with the edited events. Only signatures catch
// it: the stored checkpoints, and the auditor's when those are gone too.
func TestVerifyRewrittenTree(t *testing.T) {
	forEngine(t, func(t *testing.T, h *history) {
		ctx := context.Background()
		auditor := h.cps[1]
		ev := h.events[100]
		h.tamper(t, fmt.Sprintf(`UPDATE events SET actor = 'user:forged' WHERE id = %d`, ev.ID))
		h.rewriteTree(t)
		rep := verify(t, h.s, ledger.VerifyOptions{})
		hasFindings(t, rep, nil, ledger.FindCheckpoint)
		first, err := ledger.ParseCheckpoint(h.cps[0], h.led.Verifier())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0].Detail, fmt.Sprintf("a leaf in indexes 0 to %d", first.Size-1)) {
			t.Errorf("want one checkpoint finding bounding the change to leaves 0 to %d, got %v", first.Size-1, rep.Findings)
		}
		// The attacker removes the stored checkpoints too; the auditor's
		// still catches it.
		h.tamper(t, `DELETE FROM ledger_checkpoints`)
		if rep := verify(t, h.s, ledger.VerifyOptions{}); !rep.OK() {
			t.Errorf("with no checkpoint nothing can tell: %v", rep.Findings)
		}
		rep = verify(t, h.s, ledger.VerifyOptions{Checkpoint: auditor, Verifier: h.led.Verifier()})
		if len(rep.Findings) != 1 || rep.Findings[0].Kind != ledger.FindCheckpoint || !strings.Contains(rep.Findings[0].Detail, "auditor") {
			t.Errorf("the auditor's checkpoint: %v", rep.Findings)
		}
		_ = ctx
	})
}

// rewriteTree recomputes every leaf hash from the events and the nodes
// and state from the leaves.
func (h *history) rewriteTree(t *testing.T) {
	t.Helper()
	h.reload(t)
	byIdx := make([]store.Event, len(h.index))
	for _, ev := range h.events {
		if idx, ok := h.index[ev.ID]; ok {
			byIdx[idx] = ev
		}
	}
	f := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := f.NewEmptyRange(0)
	var stmts []string
	hexOf := func(b []byte) string {
		if h.s.Dialect() == store.Postgres {
			return fmt.Sprintf(`'\x%x'::bytea`, b)
		}
		return fmt.Sprintf(`X'%x'`, b)
	}
	stmts = append(stmts, `DELETE FROM ledger_nodes`)
	for i, ev := range byIdx {
		lh := ledger.LeafHash(ev)
		stmts = append(stmts, fmt.Sprintf(`UPDATE ledger_leaves SET hash = %s WHERE idx = %d`, hexOf(lh[:]), i))
		if err := r.Append(lh[:], func(id compact.NodeID, hash []byte) {
			if id.Level >= 8 {
				stmts = append(stmts, fmt.Sprintf(`INSERT INTO ledger_nodes (level, idx, hash) VALUES (%d, %d, %s)`, id.Level, id.Index, hexOf(hash)))
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		t.Fatal(err)
	}
	var frontier []byte
	for _, x := range r.Hashes() {
		frontier = append(frontier, x...)
	}
	stmts = append(stmts, fmt.Sprintf(`UPDATE ledger_state SET root = %s, frontier = %s`, hexOf(root), hexOf(frontier)))
	h.tamper(t, stmts...)
}

// TestVerifyBadCheckpoint gives Verify checkpoints that are not genuine
// checkpoints of this ledger within its tree: each is a clear
// errs.Invalid error, and nothing is written.
func TestVerifyBadCheckpoint(t *testing.T) {
	forEngine(t, func(t *testing.T, h *history) {
		ctx := context.Background()
		good := h.cps[0]
		// Forged: the root changed under the signature.
		lines := strings.SplitN(string(good), "\n", 4)
		forged := []byte(lines[0] + "\n" + lines[1] + "\n" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" + "\n" + lines[3])
		// Another ledger's, under another key and origin.
		other := storetest.MustOpen(t, store.SQLite, ledger.Migrations())
		ol, err := ledger.New(ctx, ledger.Config{Store: other, Origin: "elsewhere.example/panjare/ledger"})
		if err != nil {
			t.Fatal(err)
		}
		ocp, err := ol.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// This ledger's key, but beyond its tree.
		big, err := h.led.Sign("panjare.test/panjare/ledger\n100000\n" + strings.Split(string(good), "\n")[2] + "\n")
		if err != nil {
			t.Fatal(err)
		}
		// This ledger's key, another origin.
		elsewhere, err := h.led.Sign("elsewhere.example/panjare/ledger\n1\n" + strings.Split(string(good), "\n")[2] + "\n")
		if err != nil {
			t.Fatal(err)
		}
		before := counts(t, h.s)
		for name, c := range map[string]struct {
			note []byte
			want string
		}{
			"forged":       {forged, "not signed by this ledger's key"},
			"other ledger": {ocp.Note, "not signed by this ledger's key"},
			"beyond":       {big, "for 100000 leaves but the tree has"},
			"origin":       {elsewhere, "is for the ledger"},
			"not a note":   {[]byte("hello\n"), "not signed"},
			"other's key":  {good, "not signed"}, // checked with another ledger's key
		} {
			opt := ledger.VerifyOptions{Checkpoint: c.note}
			if name == "other's key" {
				opt.Verifier = ol.Verifier()
			}
			_, err := ledger.Verify(ctx, h.s, opt)
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want an invalid error saying %q", name, err, c.want)
			}
			if fa, _ := errs.Messages(err); fa == "" {
				t.Errorf("%s: no Persian message", name)
			}
		}
		if after := counts(t, h.s); after != before {
			t.Errorf("Verify wrote: %s, then %s", before, after)
		}
	})
}

// counts sums up the rows of the tables Verify reads.
func counts(t *testing.T, s *store.Store) string {
	t.Helper()
	var out []string
	for _, table := range []string{"events", "ledger_leaves", "ledger_nodes", "ledger_checkpoints", "ledger_gaps", "ledger_keys", "exchange_messages"} {
		var n int
		if err := s.Read().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	var st string
	var size int64
	var root []byte
	if err := s.Read().QueryRow(`SELECT size, root FROM ledger_state`).Scan(&size, &root); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	st = fmt.Sprintf("state=%d/%x", size, root)
	b, _ := json.Marshal(append(out, st))
	return string(b)
}

package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// mustNew returns a ledger of s that signs as the test's origin.
func mustNew(tb testing.TB, s *store.Store) *Ledger {
	tb.Helper()
	l, err := New(context.Background(), Config{Store: s, Origin: "test.example/panjare/ledger"})
	if err != nil {
		tb.Fatalf("ledger.New: %v", err)
	}
	return l
}

// appendEvents appends n events in transactions of up to per events.
func appendEvents(tb testing.TB, s *store.Store, n, per int) {
	tb.Helper()
	ctx := context.Background()
	for done := 0; done < n; {
		k := min(per, n-done)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := range k {
				if err := tx.Append(ctx, store.Event{Kind: "test.thing.done", Actor: "user:1", Agency: "NOCR", Service: "nocr.گواهی-تولد", Region: "YZD-01", Subject: "0012345678"},
					map[string]any{"n": done + i, "عنوان": "رویداد آزمایشی"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		done += k
	}
}

// mth is RFC 6962's Merkle tree hash, written from the RFC and nothing
// else, to check the sealer's roots.
func mth(leaves [][32]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// sealedLeaves recomputes the leaves from the events table, in the order
// of ledger_leaves, checking that each event is sealed exactly once and
// that every stored hash is right.
func sealedLeaves(tb testing.TB, s *store.Store) [][32]byte {
	tb.Helper()
	ctx := context.Background()
	all, err := allEvents(ctx, s)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := s.Read().QueryContext(ctx, `SELECT idx, event_id, hash FROM ledger_leaves ORDER BY idx`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out [][32]byte
	seen := map[int64]bool{}
	for rows.Next() {
		var (
			idx, id int64
			hash    []byte
		)
		if err := rows.Scan(&idx, &id, &hash); err != nil {
			tb.Fatal(err)
		}
		if idx != int64(len(out)) {
			tb.Fatalf("leaf %d where %d was expected", idx, len(out))
		}
		if seen[id] {
			tb.Fatalf("event %d sealed twice", id)
		}
		seen[id] = true
		ev, ok := all[id]
		if !ok {
			tb.Fatalf("leaf %d seals event %d, which does not exist", idx, id)
		}
		h := LeafHash(ev)
		if string(h[:]) != string(hash) {
			tb.Fatalf("leaf %d: stored hash %x, recomputed %x", idx, hash, h)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	for id := range all {
		if !seen[id] {
			tb.Fatalf("event %d is not sealed", id)
		}
	}
	return out
}

func allEvents(ctx context.Context, s *store.Store) (map[int64]store.Event, error) {
	out := map[int64]store.Event{}
	var after int64
	for {
		evs, err := s.Events(ctx, store.EventFilter{AfterID: after, Limit: 10000})
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return out, nil
		}
		for _, ev := range evs {
			out[ev.ID] = ev
		}
		after = evs[len(evs)-1].ID
	}
}

// checkpointOf opens a checkpoint's note with the ledger's verifier.
func checkpointOf(tb testing.TB, l *Ledger, cp Checkpoint) Checkpoint {
	tb.Helper()
	got, err := ParseCheckpoint(cp.Note, l.Verifier())
	if err != nil {
		tb.Fatalf("checkpoint does not verify: %v\n%s", err, cp.Note)
	}
	if got.Size != cp.Size || got.Root != cp.Root || got.Origin != cp.Origin {
		tb.Fatalf("checkpoint note says %d %x %s, row says %d %x %s", got.Size, got.Root, got.Origin, cp.Size, cp.Root, cp.Origin)
	}
	return got
}

func TestSealAndProve(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		l := mustNew(t, s)
		l.batch = 97 // many rounds, ending anywhere
		var cps []Checkpoint
		// Sizes that are not powers of two, one that is, and enough
		// leaves for stored nodes (level 8 and up) to be needed.
		for _, n := range []int{2, 5, 120, 250, 368, 1100} {
			appendEvents(t, s, n, 37)
			cp, err := l.SealNow(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cps = append(cps, checkpointOf(t, l, cp))
		}
		leaves := sealedLeaves(t, s)
		last := cps[len(cps)-1]
		if last.Size != uint64(len(leaves)) {
			t.Fatalf("checkpoint of %d leaves; %d sealed", last.Size, len(leaves))
		}
		if want := mth(leaves); last.Root != want {
			t.Fatalf("root %x; recomputed %x", last.Root, want)
		}
		if last.Origin != "test.example/panjare/ledger" {
			t.Fatalf("origin %q", last.Origin)
		}
		// Inclusion of leaves at every checkpoint, and consistency between
		// every pair of checkpoints.
		for _, cp := range cps {
			if want := mth(leaves[:cp.Size]); cp.Root != want {
				t.Fatalf("checkpoint %d: root %x, recomputed %x", cp.Size, cp.Root, want)
			}
			for _, idx := range []uint64{0, 1, cp.Size / 3, cp.Size / 2, cp.Size - 2, cp.Size - 1} {
				if idx >= cp.Size {
					continue
				}
				p, err := l.InclusionProof(ctx, idx, cp.Size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyInclusion(hasher, idx, cp.Size, leaves[idx][:], asSlices(p), cp.Root[:]); err != nil {
					t.Fatalf("inclusion of %d in %d: %v", idx, cp.Size, err)
				}
				// A proof must not verify another leaf.
				other := leaves[(idx+1)%cp.Size]
				if cp.Size > 1 && proof.VerifyInclusion(hasher, idx, cp.Size, other[:], asSlices(p), cp.Root[:]) == nil {
					t.Fatalf("inclusion proof of %d in %d verifies leaf %d too", idx, cp.Size, (idx+1)%cp.Size)
				}
			}
		}
		for i, a := range cps {
			for _, b := range cps[i:] {
				p, err := l.ConsistencyProof(ctx, a.Size, b.Size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyConsistency(hasher, a.Size, b.Size, asSlices(p), a.Root[:], b.Root[:]); err != nil {
					t.Fatalf("consistency %d → %d: %v", a.Size, b.Size, err)
				}
			}
		}
		// Every checkpoint signed is kept, and the latest is the last.
		var kept int
		if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_checkpoints`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if kept < len(cps) {
			t.Fatalf("%d checkpoints kept, %d signed here alone", kept, len(cps))
		}
		got, err := l.Checkpoint(ctx)
		if err != nil || got.Size != last.Size || string(got.Note) != string(last.Note) {
			t.Fatalf("Checkpoint = %d, %v; want %d", got.Size, err, last.Size)
		}
		var sealedAt time.Time
		if err := s.Read().QueryRowContext(ctx, `SELECT sealed_at FROM ledger_leaves WHERE idx = 0`).Scan(&sealedAt); err != nil ||
			time.Since(sealedAt) < 0 || time.Since(sealedAt) > time.Hour {
			t.Fatalf("sealed_at %v, %v", sealedAt, err)
		}
		through, err := l.SealedThrough(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lastID, _ := s.LastEventID(ctx); through != lastID {
			t.Fatalf("SealedThrough = %d, last event %d", through, lastID)
		}
	}, Migrations())
}

func asSlices(p [][32]byte) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

func TestBeyondTree(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		l := mustNew(t, s)
		appendEvents(t, s, 9, 9)
		cp, err := l.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"inclusion size":    second(l.InclusionProof(ctx, 0, cp.Size+1)),
			"inclusion index":   second(l.InclusionProof(ctx, cp.Size, cp.Size)),
			"consistency":       second(l.ConsistencyProof(ctx, 1, cp.Size+1)),
			"entries":           second(l.Entries(ctx, cp.Size-1, cp.Size+1)),
			"entries far":       second(l.Entries(ctx, 1<<40, 1<<40+1)),
			"consistency order": second(l.ConsistencyProof(ctx, 3, 2)),
		} {
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v, want an Invalid error", name, err)
				continue
			}
			e, _ := errs.As(err)
			if e.Fa == "" || e.En == "" {
				t.Errorf("%s: message fa %q en %q", name, e.Fa, e.En)
			}
			if name != "consistency order" && !errors.Is(err, ErrBeyondTree) {
				t.Errorf("%s: %v is not ErrBeyondTree", name, err)
			}
		}
		// The whole tree is fine.
		if _, err := l.InclusionProof(ctx, cp.Size-1, cp.Size); err != nil {
			t.Fatal(err)
		}
		es, err := l.Entries(ctx, 0, cp.Size)
		if err != nil || uint64(len(es)) != cp.Size {
			t.Fatalf("entries: %d, %v", len(es), err)
		}
		for i, e := range es {
			if e.Index != uint64(i) || e.Event.ID != e.EventID || e.Hash != LeafHash(e.Event) {
				t.Fatalf("entry %d: %+v", i, e)
			}
			if idx, ok, err := l.IndexOf(ctx, e.EventID); err != nil || !ok || idx != e.Index {
				t.Fatalf("IndexOf(%d) = %d %v %v", e.EventID, idx, ok, err)
			}
		}
		if _, ok, err := l.IndexOf(ctx, 1<<50); ok || err != nil {
			t.Fatalf("IndexOf an unknown event: %v %v", ok, err)
		}
		// Together, in chunks, with an unknown event among them.
		ids := []int64{1 << 50}
		for _, e := range es {
			ids = append(ids, e.EventID)
		}
		for len(ids) < 1200 {
			ids = append(ids, ids[1:]...)
		}
		got, err := l.IndexesOf(ctx, ids)
		if err != nil || len(got) != len(es) {
			t.Fatalf("IndexesOf: %d of %d, %v", len(got), len(es), err)
		}
		for _, e := range es {
			if got[e.EventID] != e.Index {
				t.Fatalf("IndexesOf(%d) = %d, want %d", e.EventID, got[e.EventID], e.Index)
			}
		}
	}, Migrations())
}

func second[T any](_ T, err error) error { return err }

func TestKeyAndSignatures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		l := mustNew(t, s)
		again := mustNew(t, s) // another process, or a restart
		if l.VerifierKey() != again.VerifierKey() {
			t.Fatalf("a second New made another key: %s, %s", l.VerifierKey(), again.VerifierKey())
		}
		if !strings.HasPrefix(l.VerifierKey(), "test.example/panjare/ledger+") {
			t.Fatalf("verifier key %q", l.VerifierKey())
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "ledger.key.created"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("key events: %d %v", len(evs), err)
		}
		msg, err := l.Sign("report 1404-07\nsha256 abc\n")
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(l.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open(msg, note.VerifierList(v))
		if err != nil || n.Text != "report 1404-07\nsha256 abc\n" {
			t.Fatalf("open: %v %q", err, n.Text)
		}
		if _, err := l.Sign("no newline"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("Sign without a newline: %v", err)
		}
		// An empty ledger's checkpoint is of the key's event alone; a
		// forged one does not parse.
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkpointOf(t, l, cp)
		forged := strings.Replace(string(cp.Note), fmt.Sprintf("\n%d\n", cp.Size), fmt.Sprintf("\n%d\n", cp.Size+1), 1)
		if _, err := ParseCheckpoint([]byte(forged), l.Verifier()); !errs.Is(err, errs.Invalid) {
			t.Fatalf("forged checkpoint: %v", err)
		}
		body := checkpointBody(l.Origin(), cp.Size, cp.Root[:])
		if !strings.HasPrefix(string(cp.Note), body+"\n— ") {
			t.Fatalf("note %q does not start with %q", cp.Note, body)
		}
		if got := base64.StdEncoding.EncodeToString(cp.Root[:]); !strings.Contains(string(cp.Note), got) {
			t.Fatalf("root missing from note")
		}
	}, Migrations())
}

func TestOriginFor(t *testing.T) {
	for in, want := range map[string]string{
		"https://panjare.ir":            "panjare.ir/panjare/ledger",
		"http://localhost:8080/base":    "localhost:8080/panjare/ledger",
		"":                              DefaultOrigin,
		"not a url with spaces and ::/": DefaultOrigin,
	} {
		if got := OriginFor(in); got != want {
			t.Errorf("OriginFor(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGaps writes events with ids missing below them, as PostgreSQL's
// parallel lanes and rolled-back transactions leave them.
func TestGaps(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		l := mustNew(t, s)
		l.gapGrace = 300 * time.Millisecond
		insert := func(id int64) {
			t.Helper()
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO events (id, at, kind, actor, payload) VALUES ($1, $2, 'test.gap', 'system', '{}')`,
				id, s.Now()); err != nil {
				t.Fatal(err)
			}
		}
		first, _ := s.LastEventID(ctx) // the key's event
		insert(first + 1)
		insert(first + 3) // first+2 is missing
		if err := l.catchUp(ctx, l.gapGrace); err != nil {
			t.Fatal(err)
		}
		if through, _ := l.SealedThrough(ctx); through != first+1 {
			t.Fatalf("sealed through %d while %d is missing for less than the grace; want %d", through, first+2, first+1)
		}
		time.Sleep(l.gapGrace)
		if err := l.catchUp(ctx, l.gapGrace); err != nil {
			t.Fatal(err)
		}
		if through, _ := l.SealedThrough(ctx); through != first+3 {
			t.Fatalf("sealed through %d after the grace; want %d", through, first+3)
		}
		var gapFirst, gapLast int64
		if err := s.Read().QueryRowContext(ctx, `SELECT first_id, last_id FROM ledger_gaps`).Scan(&gapFirst, &gapLast); err != nil || gapFirst != first+2 || gapLast != first+2 {
			t.Fatalf("gap %d–%d, %v", gapFirst, gapLast, err)
		}
		// The late event commits: it is sealed as the next leaf.
		insert(first + 2)
		insert(first + 4)
		cp, err := l.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		late, ok, err := l.IndexOf(ctx, first+2)
		if err != nil || !ok {
			t.Fatalf("late event not sealed: %v", err)
		}
		after, _, _ := l.IndexOf(ctx, first+3)
		if late <= after {
			t.Fatalf("late event at %d, before the event sealed before it (%d)", late, after)
		}
		leaves := sealedLeaves(t, s)
		if cp.Size != uint64(len(leaves)) || cp.Root != mth(leaves) {
			t.Fatalf("checkpoint %d %x; recomputed %d %x", cp.Size, cp.Root, len(leaves), mth(leaves))
		}
		// Sealing again finds nothing new: the late event is not sealed twice.
		cp2, err := l.SealNow(ctx)
		if err != nil || cp2.Size != cp.Size {
			t.Fatalf("second SealNow: %d, %v", cp2.Size, err)
		}
	}, Migrations())
}

// TestKeepsUpWithGroupCommit appends from many goroutines through the
// group committer while two sealers (as two processes would) run, then
// checks that every event is sealed exactly once and the root is the one
// recomputed from the events.
func TestKeepsUpWithGroupCommit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		a, b := mustNew(t, s), mustNew(t, s)
		a.interval, b.interval = 5*time.Millisecond, 7*time.Millisecond
		a.batch, b.batch = 300, 500
		var sealers sync.WaitGroup
		for _, l := range []*Ledger{a, b} {
			sealers.Add(1)
			go func() {
				defer sealers.Done()
				l.Run(ctx)
			}()
		}
		var writers sync.WaitGroup
		for w := range 16 {
			writers.Add(1)
			go func() {
				defer writers.Done()
				for i := range 40 {
					err := s.InTx(ctx, func(tx *store.Tx) error {
						for j := range 1 + (w+i)%3 {
							if err := tx.Append(ctx, store.Event{Kind: "test.concurrent", Actor: fmt.Sprintf("user:%d", w)},
								map[string]int{"i": i, "j": j}); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		writers.Wait()
		cancel()
		sealers.Wait()
		cp, err := a.SealNow(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkpointOf(t, a, cp)
		leaves := sealedLeaves(t, s)
		if cp.Size != uint64(len(leaves)) || cp.Root != mth(leaves) {
			t.Fatalf("checkpoint %d %x; recomputed %d %x", cp.Size, cp.Root, len(leaves), mth(leaves))
		}
		// The other sealer agrees.
		cpb, err := b.SealNow(context.Background())
		if err != nil || cpb.Size != cp.Size || cpb.Root != cp.Root {
			t.Fatalf("second sealer: %d %x %v", cpb.Size, cpb.Root, err)
		}
	}, Migrations())
}

// TestSplitRead seals batches large enough to be read as two halves at
// once, and finds every event sealed once, in id order.
func TestSplitRead(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		l := mustNew(t, s)
		l.batch = 2000
		appendEvents(t, s, 4500, 500)
		cp, err := l.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		leaves := sealedLeaves(t, s)
		if cp.Size != 4501 || cp.Size != uint64(len(leaves)) || cp.Root != mth(leaves) {
			t.Fatalf("checkpoint %d %x; recomputed %d %x", cp.Size, cp.Root, len(leaves), mth(leaves))
		}
		es, err := l.Entries(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(es); i++ {
			if es[i].EventID <= es[i-1].EventID {
				t.Fatalf("leaf %d seals event %d after event %d", i, es[i].EventID, es[i-1].EventID)
			}
		}
	}, Migrations())
}

// TestRunSignsAtQuietPoints runs the sealer as the application does and
// finds a checkpoint over every event once the appends stop, and no new
// checkpoint while nothing happens.
func TestRunSignsAtQuietPoints(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		l := mustNew(t, s)
		l.interval = 10 * time.Millisecond
		done := make(chan struct{})
		go func() {
			defer close(done)
			l.Run(ctx)
		}()
		checkpoints := func() int {
			var n int
			if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_checkpoints`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for round := range 3 {
			appendEvents(t, s, 50+round, 7)
			var events uint64
			if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&events); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				cp, err := l.latest(ctx, s.Read())
				if err == nil && cp.Size == events {
					checkpointOf(t, l, cp)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("round %d: no checkpoint over %d events (latest %d, %v)", round, events, cp.Size, err)
				}
			}
			n := checkpoints()
			time.Sleep(10 * l.interval)
			if m := checkpoints(); m != n {
				t.Fatalf("round %d: %d checkpoints signed while nothing happened", round, m-n)
			}
		}
		cancel()
		<-done
	}, Migrations())
}

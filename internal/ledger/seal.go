package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// storedLevel is the lowest level of the nodes kept in ledger_nodes:
// nodes below it are recomputed from at most 1<<storedLevel leaves.
const storedLevel = 8

// state is the tree as stored in ledger_state.
type state struct {
	size     uint64
	root     []byte
	frontier [][]byte // the compact range of [0, size)
	through  int64    // every event id ≤ through is sealed or a recorded gap
}

// readState reads the state row; on PostgreSQL with lock it also locks
// the row until the transaction ends (on SQLite the writer's immediate
// transaction holds the only write lock already).
func (l *Ledger) readState(ctx context.Context, q queryer, lock bool) (state, error) {
	query := `SELECT size, root, frontier, sealed_through FROM ledger_state WHERE id = 1`
	if lock && l.s.Dialect() == store.Postgres {
		query += ` FOR UPDATE`
	}
	var (
		st       state
		size     int64
		frontier []byte
	)
	if err := q.QueryRowContext(ctx, query).Scan(&size, &st.root, &frontier, &st.through); err != nil {
		return state{}, fmt.Errorf("ledger state: %w", err)
	}
	if len(frontier)%32 != 0 {
		return state{}, fmt.Errorf("ledger state: frontier of %d bytes", len(frontier))
	}
	st.size = uint64(size)
	for i := 0; i < len(frontier); i += 32 {
		st.frontier = append(st.frontier, frontier[i:i+32:i+32])
	}
	return st, nil
}

// Run seals events until ctx ends: every Interval it seals what has
// committed since, in batches, and signs checkpoints. Every process may
// run it; the state row makes one of them seal each batch.
func (l *Ledger) Run(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	failing := false
	for {
		err := l.catchUp(ctx, l.gapGrace)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			l.log.Error("ledger: sealing failed", "err", err)
			failing = true
		case err == nil && failing:
			l.log.Info("ledger: sealing again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SealNow seals every committed event and returns a checkpoint signed
// over the whole tree. Ids missing now are recorded as gaps at once: an
// event that commits later with one of them is sealed after the others.
func (l *Ledger) SealNow(ctx context.Context) (Checkpoint, error) {
	if err := l.catchUp(ctx, 0); err != nil {
		return Checkpoint{}, errs.Wrap("ledger.SealNow", err)
	}
	cp, err := l.latest(ctx, l.s.Read())
	if err != nil {
		return Checkpoint{}, errs.Wrap("ledger.SealNow", err)
	}
	return cp, nil
}

// SealedThrough returns the highest event id below which every event is
// sealed, except ids recorded as gaps (missing when the sealer passed).
func (l *Ledger) SealedThrough(ctx context.Context) (int64, error) {
	var id int64
	if err := l.s.Read().QueryRowContext(ctx, `SELECT sealed_through FROM ledger_state WHERE id = 1`).Scan(&id); err != nil {
		return 0, errs.Wrap("ledger.SealedThrough", err)
	}
	return id, nil
}

// catchUp seals rounds until there is nothing more to seal now, then
// makes sure the tree's size has a checkpoint.
func (l *Ledger) catchUp(ctx context.Context, grace time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ctx.Err() == nil {
		caughtUp, err := l.round(ctx, grace)
		if err != nil {
			l.tree = nil // reload the state next time
			return err
		}
		if caughtUp {
			return l.signBehind(ctx)
		}
	}
	return ctx.Err()
}

// gap is a run of missing event ids.
type gap struct {
	first, last int64
	noticed     time.Time
}

// leafRow is a leaf about to be written.
type leafRow struct {
	idx     uint64
	eventID int64
	hash    [32]byte
}

// nodeRow is a stored node about to be written.
type nodeRow struct {
	level uint
	idx   uint64
	hash  []byte
}

// round seals one batch: the late events of recent gaps, then the events
// after through up to the first id that is missing for less than grace.
// It reports whether it caught up (nothing more can be sealed now).
func (l *Ledger) round(ctx context.Context, grace time.Duration) (caughtUp bool, err error) {
	if l.tree == nil {
		st, err := l.readState(ctx, l.s.Read(), false)
		if err != nil {
			return false, err
		}
		if l.tree, err = factory.NewRange(0, st.size, st.frontier); err != nil {
			return false, fmt.Errorf("ledger state: %w", err)
		}
		l.through = st.through
	}
	now := l.s.Now()
	late, err := l.readEvents(ctx, `SELECT e.id, e.at, e.kind, e.actor, e.agency, e.service, e.region, e.subject, e.payload
		FROM ledger_gaps g JOIN events e ON e.id >= g.first_id AND e.id <= g.last_id
		WHERE g.noticed_at > $1 AND NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.event_id = e.id)
		ORDER BY e.id LIMIT $2`, now.Add(-l.lateWindow), l.batch)
	if err != nil {
		return false, err
	}
	batch, err := l.readEvents(ctx, `SELECT id, at, kind, actor, agency, service, region, subject, payload
		FROM events WHERE id > $1 ORDER BY id LIMIT $2`, l.through, l.batch-len(late))
	if err != nil {
		return false, err
	}
	seal, next := late, l.through+1
	var gaps []gap
	stalled := false
	for _, ev := range batch {
		if ev.ID > next {
			noticed, ok := l.pending[next]
			if !ok {
				noticed = now
				l.pending[next] = now
			}
			if now.Sub(noticed) < grace {
				stalled = true
				break
			}
			gaps = append(gaps, gap{first: next, last: ev.ID - 1, noticed: noticed})
		}
		seal = append(seal, ev)
		next = ev.ID + 1
	}
	caughtUp = stalled || len(late)+len(batch) < l.batch
	if len(seal) == 0 {
		return caughtUp, nil
	}
	from := l.tree.End()
	leaves := hashLeaves(seal, from)
	tree, err := factory.NewRange(0, from, cloneHashes(l.tree.Hashes()))
	if err != nil {
		return false, err
	}
	var nodes []nodeRow
	visit := func(id compact.NodeID, hash []byte) {
		if id.Level >= storedLevel {
			nodes = append(nodes, nodeRow{level: id.Level, idx: id.Index, hash: hash})
		}
	}
	for i := range leaves {
		if err := tree.Append(leaves[i].hash[:], visit); err != nil {
			return false, err
		}
	}
	root, err := tree.GetRootHash(nil)
	if err != nil {
		return false, err
	}
	sign := caughtUp || time.Since(l.signed) >= time.Second
	moved, err := l.write(ctx, writeSet{
		before: from, beforeThrough: l.through, through: next - 1, tree: tree, root: root,
		leaves: leaves, nodes: nodes, gaps: gaps, sign: sign, at: now,
	})
	if err != nil {
		return false, err
	}
	if moved {
		// Another process sealed first: start again from its state.
		l.tree = nil
		return false, nil
	}
	l.tree, l.through = tree, next-1
	for id := range l.pending {
		if id < next {
			delete(l.pending, id)
		}
	}
	if sign {
		l.signed = time.Now()
	}
	return caughtUp, nil
}

// readEvents runs an events query with its arguments.
func (l *Ledger) readEvents(ctx context.Context, query string, args ...any) ([]store.Event, error) {
	rows, err := l.s.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var ev store.Event
		var payload []byte
		if err := rows.Scan(&ev.ID, &ev.At, &ev.Kind, &ev.Actor, &ev.Agency, &ev.Service, &ev.Region, &ev.Subject, &payload); err != nil {
			return nil, fmt.Errorf("ledger: read events: %w", err)
		}
		ev.At, ev.Payload = ev.At.UTC(), payload
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	return out, nil
}

// hashLeaves computes the leaves of evs, numbered from from, on every
// processor when there are many.
func hashLeaves(evs []store.Event, from uint64) []leafRow {
	leaves := make([]leafRow, len(evs))
	work := func(lo, hi int) {
		buf := make([]byte, 0, 1024)
		for i := lo; i < hi; i++ {
			buf = appendLeafData(append(buf[:0], 0), evs[i])
			leaves[i] = leafRow{idx: from + uint64(i), eventID: evs[i].ID, hash: sumLeaf(buf)}
		}
	}
	n := runtime.GOMAXPROCS(0)
	if n == 1 || len(evs) < 1024 {
		work(0, len(evs))
		return leaves
	}
	var wg sync.WaitGroup
	per := (len(evs) + n - 1) / n
	for lo := 0; lo < len(evs); lo += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			work(lo, hi)
		}(lo, min(lo+per, len(evs)))
	}
	wg.Wait()
	return leaves
}

func cloneHashes(hs [][]byte) [][]byte {
	out := make([][]byte, len(hs), len(hs)+1)
	copy(out, hs)
	return out
}

// writeSet is what one round writes.
type writeSet struct {
	before        uint64 // the tree size the round started from
	beforeThrough int64
	through       int64
	tree          *compact.Range
	root          []byte
	leaves        []leafRow
	nodes         []nodeRow
	gaps          []gap
	sign          bool
	at            time.Time
}

// write stores a round in one transaction, unless the stored state is no
// longer the one the round started from (moved).
func (l *Ledger) write(ctx context.Context, w writeSet) (moved bool, err error) {
	// A round once begun is finished even when ctx ends (shutdown): it is
	// bounded, and leaving it half-way would waste it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	tx, err := l.s.DB().BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("ledger: begin: %w", err)
	}
	defer func() {
		if err != nil || moved {
			_ = tx.Rollback()
		}
	}()
	st, err := l.readState(ctx, tx, true)
	if err != nil {
		return false, err
	}
	if st.size != w.before || st.through != w.beforeThrough {
		return true, nil
	}
	if err := l.insertLeaves(ctx, tx, w.leaves, w.at); err != nil {
		return false, err
	}
	if err := l.insertNodes(ctx, tx, w.nodes); err != nil {
		return false, err
	}
	for _, g := range w.gaps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_gaps (first_id, last_id, noticed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			g.first, g.last, g.noticed); err != nil {
			return false, fmt.Errorf("ledger: record gap: %w", err)
		}
	}
	var frontier []byte
	for _, h := range w.tree.Hashes() {
		frontier = append(frontier, h...)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ledger_state SET size = $1, root = $2, frontier = $3, sealed_through = $4 WHERE id = 1`,
		int64(w.tree.End()), w.root, frontier, w.through); err != nil {
		return false, fmt.Errorf("ledger: update state: %w", err)
	}
	if w.sign {
		if err := l.insertCheckpoint(ctx, tx, w.tree.End(), w.root, w.at); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("ledger: commit: %w", err)
	}
	return false, nil
}

// insertCheckpoint signs and stores a checkpoint for a tree.
func (l *Ledger) insertCheckpoint(ctx context.Context, tx *sql.Tx, size uint64, root []byte, at time.Time) error {
	msg, err := l.Sign(checkpointBody(l.origin, size, root))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING`,
		int64(size), root, string(msg), at); err != nil {
		return fmt.Errorf("ledger: store checkpoint: %w", err)
	}
	return nil
}

// signBehind signs a checkpoint for the stored tree when its latest
// checkpoint is of a smaller tree (a round that filled its batch exactly
// and then found nothing more, or an empty ledger).
func (l *Ledger) signBehind(ctx context.Context) error {
	if l.tree != nil {
		var size int64
		err := l.s.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(size), -1) FROM ledger_checkpoints`).Scan(&size)
		if err != nil {
			return fmt.Errorf("ledger: latest checkpoint: %w", err)
		}
		if size == int64(l.tree.End()) {
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	tx, err := l.s.DB().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ledger: begin: %w", err)
	}
	defer tx.Rollback()
	st, err := l.readState(ctx, tx, true)
	if err != nil {
		return err
	}
	if err := l.insertCheckpoint(ctx, tx, st.size, st.root, l.s.Now()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ledger: commit: %w", err)
	}
	l.signed = time.Now()
	return nil
}

// leafChunk is how many leaves one INSERT writes: 4 parameters each,
// well under SQLite's limit of bound parameters.
const leafChunk = 1000

// insertLeaves writes leaves: on SQLite with a multi-row INSERT prepared
// once per transaction, on PostgreSQL with one INSERT from arrays per
// chunk.
func (l *Ledger) insertLeaves(ctx context.Context, tx *sql.Tx, leaves []leafRow, at time.Time) error {
	if l.s.Dialect() == store.Postgres {
		for lo := 0; lo < len(leaves); lo += 20000 {
			part := leaves[lo:min(lo+20000, len(leaves))]
			idx, ids, hashes := make([]int64, len(part)), make([]int64, len(part)), make([][]byte, len(part))
			for i := range part {
				idx[i], ids[i], hashes[i] = int64(part[i].idx), part[i].eventID, part[i].hash[:]
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_leaves (idx, event_id, hash, sealed_at)
				SELECT i, e, h, $4 FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]) AS t(i, e, h)`, idx, ids, hashes, at); err != nil {
				return fmt.Errorf("ledger: insert leaves: %w", err)
			}
		}
		return nil
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, 4*leafChunk)
	for lo := 0; lo < len(leaves); lo += leafChunk {
		part := leaves[lo:min(lo+leafChunk, len(leaves))]
		args = args[:0]
		for i := range part {
			args = append(args, int64(part[i].idx), part[i].eventID, part[i].hash[:], at)
		}
		var err error
		if len(part) == leafChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, valuesSQL("INSERT INTO ledger_leaves (idx, event_id, hash, sealed_at)", 4, leafChunk)); err != nil {
					return fmt.Errorf("ledger: insert leaves: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, valuesSQL("INSERT INTO ledger_leaves (idx, event_id, hash, sealed_at)", 4, len(part)), args...)
		}
		if err != nil {
			return fmt.Errorf("ledger: insert leaves: %w", err)
		}
	}
	return nil
}

// insertNodes writes stored nodes, a few hundred at a time.
func (l *Ledger) insertNodes(ctx context.Context, tx *sql.Tx, nodes []nodeRow) error {
	for lo := 0; lo < len(nodes); lo += 500 {
		part := nodes[lo:min(lo+500, len(nodes))]
		args := make([]any, 0, 3*len(part))
		for _, n := range part {
			args = append(args, int(n.level), int64(n.idx), n.hash)
		}
		q := valuesSQL("INSERT INTO ledger_nodes (level, idx, hash)", 3, len(part))
		if l.s.Dialect() == store.Postgres {
			q = numbered(q)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("ledger: insert nodes: %w", err)
		}
	}
	return nil
}

// valuesSQL returns insert followed by rows tuples of width "?"s.
func valuesSQL(insert string, width, rows int) string {
	var b strings.Builder
	b.Grow(len(insert) + rows*(width*3+4))
	b.WriteString(insert)
	b.WriteString(" VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for c := range width {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
		}
		b.WriteString(")")
	}
	return b.String()
}

// numbered turns "?" placeholders into PostgreSQL's $1, $2, ...
func numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var errMissingNode = errors.New("ledger: a stored node is missing")

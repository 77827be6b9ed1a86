package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
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
	var ahead *fetch
	for ctx.Err() == nil {
		caughtUp, next, err := l.round(ctx, grace, ahead)
		ahead = next
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

// rawEvent is an event read for sealing: its columns as the database
// gave them, sliced from its batch's arena.
type rawEvent struct {
	id      int64
	at      time.Time
	fields  []byte // the text columns as the encoding writes them (leafFieldsSQL)
	payload []byte
}

// eventColumns are the columns readEvents expects, in order. On SQLite
// the time is read as its text (see parseSQLiteTime).
func (l *Ledger) eventColumns() string {
	at := "e.at"
	if l.s.Dialect() == store.SQLite {
		at = "CAST(e.at AS TEXT)"
	}
	return "e.id, " + at + ", " + leafFieldsSQL + ", e.payload"
}

// fetch is a batch of events being read ahead, while the round before it
// is written.
type fetch struct {
	after int64
	done  chan struct{}
	evs   []rawEvent
	err   error
}

// readAhead starts reading the batch after id after.
func (l *Ledger) readAhead(ctx context.Context, after int64) *fetch {
	f := &fetch{after: after, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.evs, f.err = l.readBatch(ctx, after)
	}()
	return f
}

// readBatch reads the l.batch events after id after. Reading is most of
// the sealer's work, so a large batch is read as two halves at once, the
// second with OFFSET (which steps over rows without decoding them). A
// lower id that commits between the two queries shifts the second half
// by a row, which then repeats the first half's last: it is dropped, and
// the new row is a gap to the sealer, as it would be in one query.
func (l *Ledger) readBatch(ctx context.Context, after int64) ([]rawEvent, error) {
	q := `SELECT ` + l.eventColumns() + ` FROM events e WHERE e.id > $1 ORDER BY e.id LIMIT $2`
	if l.batch < 2000 || runtime.GOMAXPROCS(0) < 2 {
		return l.readEvents(ctx, q, after, l.batch)
	}
	half := l.batch / 2
	var (
		second []rawEvent
		err2   error
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		second, err2 = l.readEvents(ctx, q+` OFFSET $3`, after, l.batch-half, half)
	}()
	first, err := l.readEvents(ctx, q, after, half)
	<-done
	if err != nil {
		return nil, err
	}
	if err2 != nil {
		return nil, err2
	}
	if len(first) < half {
		return first, nil // the second half can only repeat rows or start past a gap
	}
	last := first[len(first)-1].id
	for len(second) > 0 && second[0].id <= last {
		second = second[1:]
	}
	return append(first, second...), nil
}

// round seals one batch: the late events of recent gaps, then the events
// after through up to the first id that is missing for less than grace.
// It reports whether it caught up (nothing more can be sealed now) and,
// when it did not, the next batch being read ahead.
func (l *Ledger) round(ctx context.Context, grace time.Duration, ahead *fetch) (caughtUp bool, next *fetch, err error) {
	// Another process may have sealed since this one last did: start
	// from the stored state, not from a batch that would be thrown away.
	st, err := l.readState(ctx, l.s.Read(), false)
	if err != nil {
		return false, nil, err
	}
	if l.tree == nil || l.tree.End() != st.size || l.through != st.through {
		if l.tree, err = factory.NewRange(0, st.size, st.frontier); err != nil {
			return false, nil, fmt.Errorf("ledger state: %w", err)
		}
		l.through = st.through
		for id := range l.pending {
			if id <= st.through {
				delete(l.pending, id)
			}
		}
	}
	now := l.s.Now()
	late, err := l.lateEvents(ctx, now)
	if err != nil {
		return false, nil, err
	}
	if ahead == nil || ahead.after != l.through {
		ahead = l.readAhead(ctx, l.through)
	}
	<-ahead.done
	if ahead.err != nil {
		return false, nil, ahead.err
	}
	batch := ahead.evs
	seal, after := append(make([]rawEvent, 0, len(late)+len(batch)), late...), l.through+1
	var gaps []gap
	stalled := false
	for _, ev := range batch {
		if ev.id > after {
			// The grace is timed on this process's own clock: the store's
			// may be a test's, standing still.
			seen, ok := l.pending[after]
			if !ok {
				seen = time.Now()
				l.pending[after] = seen
			}
			if time.Since(seen) < grace {
				stalled = true
				break
			}
			gaps = append(gaps, gap{first: after, last: ev.id - 1, noticed: now})
		}
		seal = append(seal, ev)
		after = ev.id + 1
	}
	through := after - 1
	caughtUp = stalled || len(batch) < l.batch && len(late) < l.batch
	if len(seal) == 0 {
		return caughtUp, nil, nil
	}
	if !caughtUp {
		next = l.readAhead(ctx, through)
	}
	from := l.tree.End()
	leaves := hashLeaves(seal, from)
	tree, err := factory.NewRange(0, from, cloneHashes(l.tree.Hashes()))
	if err != nil {
		return false, nil, err
	}
	var nodes []nodeRow
	visit := func(id compact.NodeID, hash []byte) {
		if id.Level >= storedLevel {
			nodes = append(nodes, nodeRow{level: id.Level, idx: id.Index, hash: hash})
		}
	}
	for i := range leaves {
		if err := tree.Append(leaves[i].hash[:], visit); err != nil {
			return false, nil, err
		}
	}
	root, err := tree.GetRootHash(nil)
	if err != nil {
		return false, nil, err
	}
	sign := caughtUp || time.Since(l.signed) >= time.Second
	moved, err := l.write(ctx, writeSet{
		before: from, beforeThrough: l.through, through: through, tree: tree, root: root,
		leaves: leaves, nodes: nodes, gaps: gaps, sign: sign, at: now,
	})
	if err != nil {
		return false, nil, err
	}
	if moved {
		// Another process sealed first: start again from its state.
		l.tree = nil
		return false, nil, nil
	}
	l.tree, l.through = tree, through
	for id := range l.pending {
		if id <= through {
			delete(l.pending, id)
		}
	}
	if sign {
		l.signed, l.signedSize, l.signedKnown = time.Now(), tree.End(), true
	}
	return caughtUp, next, nil
}

// lateEvents returns the events that have appeared in gaps recorded
// within lateWindow and are not sealed yet. The gaps are read first, on
// their own: there are seldom any, and a join of the two tables let
// PostgreSQL's planner scan the events.
func (l *Ledger) lateEvents(ctx context.Context, now time.Time) ([]rawEvent, error) {
	rows, err := l.s.Read().QueryContext(ctx, `SELECT first_id, last_id FROM ledger_gaps WHERE noticed_at > $1 ORDER BY first_id`, now.Add(-l.lateWindow))
	if err != nil {
		return nil, fmt.Errorf("ledger: read gaps: %w", err)
	}
	var gaps []gap
	for rows.Next() {
		var g gap
		if err := rows.Scan(&g.first, &g.last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger: read gaps: %w", err)
		}
		gaps = append(gaps, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read gaps: %w", err)
	}
	var late []rawEvent
	for _, g := range gaps {
		if len(late) >= l.batch {
			break
		}
		evs, err := l.readEvents(ctx, `SELECT `+l.eventColumns()+` FROM events e
			WHERE e.id >= $1 AND e.id <= $2 AND NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.event_id = e.id)
			ORDER BY e.id LIMIT $3`, g.first, g.last, l.batch-len(late))
		if err != nil {
			return nil, err
		}
		late = append(late, evs...)
	}
	return late, nil
}

// readEvents runs an events query (selecting eventColumns) and copies
// the rows' columns into one arena, which spares an allocation per
// column.
func (l *Ledger) readEvents(ctx context.Context, query string, args ...any) ([]rawEvent, error) {
	rows, err := l.s.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	defer rows.Close()
	type offsets struct {
		id         int64
		at         time.Time
		start, mid int // the fields are arena[start:mid], the payload arena[mid:end]
		end        int
	}
	var (
		offs    = make([]offsets, 0, min(l.batch, 1024))
		arena   = make([]byte, 0, 512*cap(offs))
		fields  sql.RawBytes
		payload sql.RawBytes
		at      sql.RawBytes
		text    = l.s.Dialect() == store.SQLite
	)
	dest := []any{nil, nil, &fields, &payload}
	for rows.Next() {
		var o offsets
		dest[0], dest[1] = &o.id, &o.at
		if text {
			dest[1] = &at
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("ledger: read events: %w", err)
		}
		if text {
			t, err := parseSQLiteTime(at)
			if err != nil {
				return nil, fmt.Errorf("ledger: event %d: %w", o.id, err)
			}
			o.at = t
		}
		o.start = len(arena)
		arena = append(arena, fields...)
		o.mid = len(arena)
		arena = append(arena, payload...)
		o.end = len(arena)
		offs = append(offs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read events: %w", err)
	}
	out := make([]rawEvent, len(offs))
	for i, o := range offs {
		out[i] = rawEvent{id: o.id, at: o.at, fields: arena[o.start:o.mid:o.mid], payload: arena[o.mid:o.end:o.end]}
	}
	return out, nil
}

// hashLeaves computes the leaves of evs, numbered from from, on every
// processor when there are many.
func hashLeaves(evs []rawEvent, from uint64) []leafRow {
	leaves := make([]leafRow, len(evs))
	work := func(lo, hi int) {
		buf := make([]byte, 0, 1024)
		for i := lo; i < hi; i++ {
			ev := &evs[i]
			buf = appendLeafHead(append(buf[:0], 0), ev.id, ev.at)
			buf = appendLeafTail(append(buf, ev.fields...), ev.payload)
			leaves[i] = leafRow{idx: from + uint64(i), eventID: ev.id, hash: sumLeaf(buf)}
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
	if l.tree != nil && l.signedKnown && l.signedSize == l.tree.End() {
		return nil
	}
	if l.tree != nil {
		var size int64
		err := l.s.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(size), -1) FROM ledger_checkpoints`).Scan(&size)
		if err != nil {
			return fmt.Errorf("ledger: latest checkpoint: %w", err)
		}
		if size == int64(l.tree.End()) {
			l.signedSize, l.signedKnown = l.tree.End(), true
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
	l.signed, l.signedSize, l.signedKnown = time.Now(), st.size, true
	return nil
}

// leafChunk is how many leaves one INSERT writes on SQLite.
const leafChunk = 5000

// insertLeaves writes leaves, a chunk per statement: on SQLite an INSERT
// from json_each over the event ids and a blob of the hashes, on
// PostgreSQL an INSERT from arrays.
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
	// One statement per chunk with four values, whatever the number of
	// leaves: binding three values a leaf through database/sql was most of
	// the cost of writing. The event ids go as a JSON array, the hashes as
	// one blob, and SQLite spreads them over the rows.
	sealedAt := at.UTC().Format("2006-01-02 15:04:05.999999999-07:00") // as the driver writes times (_time_format=sqlite)
	for lo := 0; lo < len(leaves); lo += leafChunk {
		part := leaves[lo:min(lo+leafChunk, len(leaves))]
		ids := make([]byte, 0, 12*len(part)+2)
		hashes := make([]byte, 0, 32*len(part))
		ids = append(ids, '[')
		for i := range part {
			if i > 0 {
				ids = append(ids, ',')
			}
			ids = strconv.AppendInt(ids, part[i].eventID, 10)
			hashes = append(hashes, part[i].hash[:]...)
		}
		ids = append(ids, ']')
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_leaves (idx, event_id, hash, sealed_at)
			SELECT $1 + j.key, j.value, substr($2, j.key * 32 + 1, 32), $3 FROM json_each($4) AS j ORDER BY j.key`,
			int64(part[0].idx), hashes, sealedAt, string(ids)); err != nil {
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

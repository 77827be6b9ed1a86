package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/panjare/panjare/internal/store"
)

// How Verify reads the log.
//
// Reading rows costs about as much as hashing them, so several
// connections read side by side: the id range is cut into chunks of
// opt.Batch ids, reader k reads chunks k, k+R, k+2R, ..., each with its
// leaves, and the checker takes the chunks back in order. Each reader has
// its own transaction on the same snapshot as the main one: on
// PostgreSQL an exported snapshot, on SQLite a read transaction begun
// after the main one and checked to see the same log (the largest event
// id and the ledger's state; nothing is written without changing one of
// them). When the snapshots cannot be matched, or the ids are too sparse
// for fixed chunks to be cheap, one reader reads the main transaction in
// batches of opt.Batch events.

// noLimit marks a range without an upper end.
const noLimit = math.MaxInt64

// chunkReader reads chunks on one transaction.
type chunkReader struct {
	batch  int  // rows a chunk is expected to hold
	packed bool // read packed rows (SQLite)
	tx     *sql.Tx
	mu     *sync.Mutex // held around each query: the main transaction is shared with the checker
}

// readers returns the readers to use and whether they read fixed chunks
// of ids (ranged) or batches of events one after another.
func (v *verification) readers(ctx context.Context) (rs []chunkReader, ranged bool, closeAll func(), err error) {
	packed := v.dialect == store.SQLite
	main := []chunkReader{{batch: v.opt.Batch, packed: packed, tx: v.tx, mu: &v.txMu}}
	nothing := func() {}
	chunks := v.maxID/int64(v.opt.Batch) + 1
	// Fixed chunks suit ids that are dense, as sequences give them; a few
	// huge ids would make millions of empty chunks.
	dense := chunks <= 4*int64(v.state.size)/int64(v.opt.Batch)+64
	if v.opt.Readers < 2 || !dense {
		return main, false, nothing, nil
	}
	var snapshot string
	if v.dialect == store.Postgres {
		v.txMu.Lock()
		err := v.tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot)
		v.txMu.Unlock()
		if err != nil {
			return main, false, nothing, nil
		}
	}
	var txs []*sql.Tx
	closeAll = func() {
		for _, tx := range txs {
			_ = tx.Rollback()
		}
	}
	for range v.opt.Readers {
		tx, err := v.sameSnapshot(ctx, snapshot)
		if err != nil {
			closeAll()
			return nil, false, nil, err
		}
		if tx == nil { // the log moved on between the two: read on the main transaction
			closeAll()
			return main, false, nothing, nil
		}
		txs = append(txs, tx)
		rs = append(rs, chunkReader{batch: v.opt.Batch, packed: packed, tx: tx, mu: &sync.Mutex{}})
	}
	return rs, true, closeAll, nil
}

// sameSnapshot begins a read transaction that sees what the main one
// sees, or returns nil when it cannot.
func (v *verification) sameSnapshot(ctx context.Context, snapshot string) (*sql.Tx, error) {
	if v.dialect == store.Postgres {
		tx, err := v.s.Read().BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
			_ = tx.Rollback()
			return nil, nil
		}
		return tx, nil
	}
	for range 5 {
		tx, err := v.s.Read().BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		maxID, err := maxEventID(ctx, tx)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		st, err := readState(ctx, tx)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		if maxID == v.maxID && st.size == v.state.size && st.sealedThrough == v.state.sealedThrough {
			return tx, nil
		}
		_ = tx.Rollback()
	}
	return nil, nil
}

// read fills b with the events with ids in (lo, hi] (or, with limit, the
// next limit events after lo) and the leaves sealing them; a range with
// no upper end is the last.
func (r chunkReader) read(ctx context.Context, b *batch, lo, hi int64, limit int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	where, args := ` WHERE id > $1 AND id <= $2 ORDER BY id`, []any{lo, hi}
	switch {
	case limit > 0:
		where, args = ` WHERE id > $1 ORDER BY id LIMIT $2`, []any{lo, limit}
	case hi == noLimit:
		where, args = ` WHERE id > $1 ORDER BY id`, []any{lo}
	}
	var lastID int64
	n := 0
	if r.packed {
		b.packed, b.err = scanPacked(ctx, r.tx, r.batch, packedEvents+where, args...)
		if n = len(b.packed); n > 0 {
			lastID = b.packed[n-1].id
		}
	} else {
		b.events, b.err = scanEvents(ctx, r.tx, r.batch, `SELECT id, at, kind, actor, agency, service, region, subject, payload FROM events`+where, args...)
		if n = len(b.events); n > 0 {
			lastID = b.events[n-1].ID
		}
	}
	if b.err != nil {
		return
	}
	if limit > 0 {
		hi = noLimit // the last batch takes every leaf left
		if n == limit {
			hi = lastID
		}
	}
	b.leaves, b.err = scanLeaves(ctx, r.tx, lo, hi)
	b.last, b.lastID = hi == noLimit, hi
}

// stream reads the events and leaves chunk by chunk, hashes the events on
// opt.Workers goroutines, and checks the chunks in order.
func (v *verification) stream(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs, ranged, closeAll, err := v.readers(ctx)
	if err != nil {
		return err
	}
	defer closeAll()

	work := make(chan *batch, v.opt.Workers)
	var hashers sync.WaitGroup
	for range v.opt.Workers {
		hashers.Go(func() {
			h := &leafHasher{}
			for b := range work {
				b.hash(h)
				close(b.done)
			}
		})
	}
	defer hashers.Wait()
	var readers sync.WaitGroup
	defer func() {
		readers.Wait()
		close(work)
	}()

	// send hands a read batch to the hashers and to the checker; false
	// when Verify is giving up.
	send := func(out chan<- *batch, b *batch) bool {
		if b.err != nil {
			close(b.done)
		} else {
			select {
			case work <- b:
			case <-ctx.Done():
				return false
			}
		}
		select {
		case out <- b:
			return b.err == nil
		case <-ctx.Done():
			return false
		}
	}
	outs := make([]chan *batch, len(rs))
	chunk := int64(v.opt.Batch)
	last := max(v.maxID, 0) / chunk // the chunk holding the largest id
	for k, r := range rs {
		outs[k] = make(chan *batch, 2)
		readers.Go(func() {
			defer close(outs[k])
			if !ranged {
				after := int64(math.MinInt64)
				for {
					b := &batch{done: make(chan struct{})}
					r.read(ctx, b, after, 0, v.opt.Batch)
					if !send(outs[k], b) || b.last {
						return
					}
					after = b.lastID
				}
			}
			for j := int64(k); j <= last; j += int64(len(rs)) {
				lo, hi := j*chunk, (j+1)*chunk
				if j == 0 {
					lo = math.MinInt64 // ids below 1 are not the sequence's: still checked
				}
				if j == last {
					hi = noLimit
				}
				b := &batch{done: make(chan struct{})}
				r.read(ctx, b, lo, hi, 0)
				if !send(outs[k], b) {
					return
				}
			}
		})
	}
	drain := func() {
		cancel()
		for _, out := range outs {
			for range out {
			}
		}
	}
	for j := 0; ; j++ {
		b, ok := <-outs[j%len(outs)]
		if !ok {
			break
		}
		<-b.done
		if b.err != nil {
			drain()
			return b.err
		}
		if err := v.check(ctx, b); err != nil {
			drain()
			return err
		}
		if b.last {
			break
		}
	}
	return ctx.Err()
}

// Packed rows (SQLite).
//
// On SQLite each column a row returns costs a call through the driver and
// a string of its own, and parsing the time costs more: reading the event
// columns as one string, split apart by the hashers, halves what reading
// costs the one goroutine that reads. The split is only a fast path: an
// event whose packed row does not split cleanly (a separator inside a
// column, a time in another form), and every event whose hash differs from
// its leaf's, is read again as typed columns before anything is said
// about it.

// packSep separates the columns of a packed row.
const packSep = "\x1f"

// packedEvents is the packed form of the events query's columns.
const packedEvents = `SELECT id, CAST(at AS TEXT) || char(31) || kind || char(31) || actor || char(31) || agency || char(31) ||
	service || char(31) || region || char(31) || subject || char(31) || payload FROM events`

// packedEvent is an event's id and its other columns, packed.
type packedEvent struct {
	id   int64
	text sql.NullString
}

// scanPacked reads packed events.
func scanPacked(ctx context.Context, tx *sql.Tx, n int, query string, args ...any) ([]packedEvent, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	defer rows.Close()
	out := make([]packedEvent, 0, n)
	for rows.Next() {
		var p packedEvent
		if err := rows.Scan(&p.id, &p.text); err != nil {
			return nil, fmt.Errorf("reading events: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// unpack fills ev from p, reporting false when p must be read again.
func (p packedEvent) unpack(ev *store.Event) bool {
	ev.ID = p.id
	if !p.text.Valid {
		return false
	}
	// Seven separators; the payload, last, takes the rest. A separator
	// inside an earlier column shifts the fields, and the hash then
	// differs from the leaf's, which reads the event again.
	var f [7]string
	rest := p.text.String
	for i := range f {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, packSep); !ok {
			return false
		}
	}
	at, ok := fastSQLiteTime([]byte(f[0]))
	if !ok {
		return false // another form of time: the driver's layouts decide
	}
	ev.At, ev.Kind, ev.Actor, ev.Agency, ev.Service, ev.Region, ev.Subject = at, f[1], f[2], f[3], f[4], f[5], f[6]
	ev.Payload = []byte(rest)
	return true
}

// reloadEvents reads again, typed, the events of b whose packed rows did
// not unpack.
func (v *verification) reloadEvents(ctx context.Context, b *batch) error {
	for _, i := range b.reload {
		if err := v.reloadEvent(ctx, &b.events[i]); err != nil {
			return err
		}
		b.hashes[i] = LeafHash(b.events[i])
	}
	b.reload = nil
	return nil
}

// reloadEvent reads ev again by its id as typed columns.
func (v *verification) reloadEvent(ctx context.Context, ev *store.Event) error {
	v.report.Reread++
	v.txMu.Lock()
	defer v.txMu.Unlock()
	evs, err := scanEvents(ctx, v.tx, 1, `SELECT id, at, kind, actor, agency, service, region, subject, payload FROM events WHERE id = $1`, ev.ID)
	if err != nil {
		return err
	}
	if len(evs) != 1 {
		return fmt.Errorf("event %d vanished from the snapshot", ev.ID)
	}
	*ev = evs[0]
	return nil
}

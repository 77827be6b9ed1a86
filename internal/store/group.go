package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// Group commit.
//
// On SQLite one connection writes, and with synchronous=FULL every commit
// waits for the disk: one transaction per request caps the platform at the
// disk's sync rate, and every writer waits for every other's sync. The
// committer takes every transaction that is waiting, runs them one after the
// other inside one database transaction, each under its own savepoint, and
// commits once: the transactions share one sync, and their River jobs one
// insert. A transaction that fails rolls back to its savepoint and fails
// alone; the others commit. Each caller's InTx returns only after the shared
// commit has reached the disk, so "acknowledged" still means "durable".
//
// If the shared transaction itself is lost half-way (a caller's context was
// cancelled in the middle of a statement, which makes SQLite roll back the
// whole transaction, or the disk failed), the transactions that had
// succeeded are run again, each alone. That is why fn may run more than
// once, as it may in any system that retries transactions.
//
// On PostgreSQL, where commits already share WAL flushes but every
// statement is a network round trip, the committer runs several lanes in
// parallel, and a group's shared BEGIN, batched rows and COMMIT are what
// it saves (see commit for how it spares the savepoints too).

// maxGroup bounds how many transactions share one commit, so that a burst
// does not make the first of them wait for hundreds of others. A
// PostgreSQL group that runs again with savepoints makes each a
// subtransaction, and a transaction with more than 64 of them slows every
// other session's snapshots: groups there stay well under that.
func maxGroup(d Dialect) int {
	if d == Postgres {
		return 32
	}
	return 128
}

// ErrClosed is returned by InTx once the store is closing.
var ErrClosed = errors.New("store: closed")

type committer struct {
	s       *Store
	max     int // members per group
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*member
	closed  bool
	lanes   sync.WaitGroup
	stopped chan struct{}
}

// member is one caller's transaction waiting for, or in, a group.
type member struct {
	ctx   context.Context
	fn    func(*Tx) error
	err   error
	panic any
	done  chan struct{}
}

// newCommitter starts lanes goroutines that each commit one group at a
// time: SQLite has one writer, so one lane; on PostgreSQL groups commit in
// parallel.
func newCommitter(s *Store, lanes int) *committer {
	g := &committer{s: s, max: maxGroup(s.dialect), stopped: make(chan struct{})}
	g.cond = sync.NewCond(&g.mu)
	for range lanes {
		g.lanes.Add(1)
		go g.loop()
	}
	go func() {
		g.lanes.Wait()
		close(g.stopped)
	}()
	return g
}

// run queues fn and waits until its group has committed or it has failed.
func (g *committer) run(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := &member{ctx: ctx, fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	g.queue = append(g.queue, m)
	g.cond.Signal()
	g.mu.Unlock()
	// Once queued, fn may be running: wait for its answer even if ctx ends,
	// so that the caller never returns while its transaction is in flight.
	<-m.done
	if m.panic != nil {
		panic(m.panic)
	}
	return m.err
}

// close lets the transactions already queued finish, then stops.
func (g *committer) close() {
	g.mu.Lock()
	g.closed = true
	g.cond.Broadcast()
	g.mu.Unlock()
	<-g.stopped
}

func (g *committer) loop() {
	defer g.lanes.Done()
	for {
		g.mu.Lock()
		for len(g.queue) == 0 && !g.closed {
			g.cond.Wait()
		}
		if len(g.queue) == 0 {
			g.mu.Unlock()
			return
		}
		n := min(len(g.queue), g.max)
		batch := g.queue[:n:n]
		g.queue = append([]*member(nil), g.queue[n:]...)
		g.mu.Unlock()
		// SQLite's savepoints cost no round trip; PostgreSQL's do, and
		// there a group first runs without them (see commit).
		g.commit(batch, g.s.dialect == SQLite)
		for _, m := range batch {
			close(m.done)
		}
		g.s.stmts.prepareWanted(g.s.db)
	}
}

// commit runs batch in one transaction and sets every member's result.
//
// With savepoints, each member runs under its own, and one that fails rolls
// back alone. Without (PostgreSQL's first try, where a savepoint is a round
// trip per member), the first member that fails rolls back the whole
// group: its failure stands, and the others run again, with savepoints.
// Members rarely fail once their input is checked, so most groups pay for
// no savepoint at all.
func (g *committer) commit(batch []*member, savepoints bool) {
	ctx := context.Background()
	sqlTx, err := g.s.db.BeginTx(ctx, nil)
	if err != nil {
		for _, m := range batch {
			m.err = fmt.Errorf("store.InTx: begin: %w", err)
		}
		return
	}
	var (
		ok    []*member // members whose fn succeeded and whose work is in sqlTx
		rest  []*member // members to run again alone, if the shared transaction is lost
		jobs  []river.InsertManyParams
		later []laterRows
	)
	broken := false
	nextIDs := map[string]int64{} // NextID's counters, shared by the group on SQLite
	for i, m := range batch {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		tx := &Tx{Tx: sqlTx, s: g.s, nextIDs: nextIDs}
		if savepoints {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT member"); err != nil {
				broken, rest = true, batch[i:]
				break
			}
		}
		m.err, m.panic = call(m.fn, tx)
		if m.err == nil && m.panic == nil && tx.events == 0 {
			m.err = ErrNoEvent
		}
		failed := m.err != nil || m.panic != nil
		if failed && !savepoints {
			_ = sqlTx.Rollback()
			again := append([]*member(nil), ok...)
			if retryable(m.err) {
				// Chosen as a deadlock's victim, or a serialization
				// failure: a conflict with another group, not this
				// member's fault. It runs again with the others.
				again = append(again, m)
				m.err = nil
			}
			again = append(again, batch[i+1:]...)
			for _, o := range ok {
				o.err, o.panic = nil, nil
			}
			if len(again) > 0 {
				g.commit(again, true)
			}
			return
		}
		if failed {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO member"); err != nil {
				// The shared transaction went down with this member: its
				// own failure stands; the others run again.
				broken, rest = true, batch[i+1:]
				break
			}
		}
		// On SQLite the savepoint is released, which frees its journal;
		// PostgreSQL keeps a released subtransaction's id anyway, so the
		// round trip would buy nothing: the next member's savepoint nests,
		// and ROLLBACK TO finds the innermost of that name.
		if savepoints && g.s.dialect == SQLite {
			if _, err := tx.ExecContext(ctx, "RELEASE member"); err != nil {
				broken, rest = true, batch[i+1:]
				if !failed {
					rest = batch[i:]
				}
				break
			}
		}
		if !failed {
			ok = append(ok, m)
			jobs = append(jobs, tx.jobs...)
			later = merge(later, tx.later)
		}
	}
	if !broken && (g.s.flush(ctx, sqlTx, later) != nil || g.s.insertJobs(ctx, sqlTx, jobs) != nil) {
		// A row or a job that one member added breaks a constraint: run
		// each member alone, so that only that member fails.
		broken = true
	}
	if broken {
		// The connection must be free before anyone runs again.
		_ = sqlTx.Rollback()
		redo(g.s, ok)
		redo(g.s, rest)
		return
	}
	if err := sqlTx.Commit(); err != nil {
		for _, m := range ok {
			m.err = fmt.Errorf("store.InTx: commit: %w", err)
		}
	}
}

// retryable reports whether err is PostgreSQL's deadlock or serialization
// failure, which a transaction that runs again may not meet.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// redo runs each member again in a transaction of its own, after the shared
// transaction they were in was lost.
func redo(s *Store, ms []*member) {
	for _, m := range ms {
		if err := m.ctx.Err(); err != nil {
			m.err, m.panic = err, nil
			continue
		}
		m.err, m.panic = nil, nil
		func() {
			defer func() {
				if p := recover(); p != nil {
					m.panic = p
				}
			}()
			m.err = s.inTxAlone(m.ctx, m.fn)
		}()
	}
}

// call runs fn, turning a panic into a value to be re-raised in the
// caller's goroutine.
func call(fn func(*Tx) error, tx *Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}

// inTxAlone runs fn in a transaction of its own.
func (s *Store) inTxAlone(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store.InTx: begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, s: s}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if tx.events == 0 {
		return ErrNoEvent
	}
	if err = s.flush(ctx, sqlTx, tx.later); err != nil {
		return err
	}
	if err = s.insertJobs(ctx, sqlTx, tx.jobs); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("store.InTx: commit: %w", err)
	}
	return nil
}

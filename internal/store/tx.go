package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/riverqueue/river"
)

// ErrNoEvent is returned by InTx when a transaction would commit without
// appending an event: every state change must leave one (the event rule).
var ErrNoEvent = errors.New("store: a transaction must append at least one event before it commits")

// ErrNothingToDo is what fn returns from InTx when it finds that nothing
// needs to change (already done, done by another node): the transaction
// rolls back, and the caller, seeing this error, treats it as success. It
// exists because a transaction that commits must append an event, and a
// change that did not happen must not leave one.
var ErrNothingToDo = errors.New("store: nothing to do")

// Tx is a transaction in progress. Capabilities write their rows through the
// embedded *sql.Tx, then record what happened with Append and any follow-up
// work with Enqueue. Helpers that take a *Tx must not open another.
type Tx struct {
	*sql.Tx
	s      *Store
	events int
	jobs   []river.InsertManyParams // inserted together just before the commit
	later  []laterRows              // rows of InsertLater, inserted just before the jobs

	// nextIDs are SQLite's next ids by table, shared by a group's members
	// (see NextID).
	nextIDs map[string]int64
}

// InTx runs fn in a transaction and commits it if fn returns nil and at least
// one event was appended; otherwise it rolls back. It returns only once the
// commit has reached the disk.
//
// Transactions are group-committed (see committer): fn runs in a shared
// database transaction, beside the other transactions waiting at that
// moment (on SQLite on the store's one writer, on PostgreSQL in one of a
// few lanes, unless Options.PostgresLanes is negative). fn must therefore
// not wait for another transaction, and, because a group is run again when
// its transaction is lost or a member fails, it may run more than once: it
// must not have effects outside tx that a second run would repeat. InTx
// must not be called from inside fn.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	return s.inTxAlone(ctx, fn)
}

// Store returns the store the transaction belongs to.
func (tx *Tx) Store() *Store { return tx.s }

// Dialect reports the engine, for the rare query that must differ.
func (tx *Tx) Dialect() Dialect { return tx.s.dialect }

// ExecContext executes a statement in the transaction, through the store's
// statement cache where there is one.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.s.stmts.get(query); st != nil {
		return tx.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction, through the statement cache
// where there is one.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.s.stmts.get(query); st != nil {
		return tx.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query that returns at most one row, through the
// statement cache where there is one.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.s.stmts.get(query); st != nil {
		return tx.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// Enqueue adds a River job to the transaction: it is inserted just before
// the commit, with the transaction's other jobs (on SQLite, with its
// group's) in one statement, and becomes visible to workers only if the
// transaction commits.
func (tx *Tx) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	tx.jobs = append(tx.jobs, river.InsertManyParams{Args: args, InsertOpts: opts})
	return nil
}

// EnqueueMany adds several River jobs to the transaction, as Enqueue does.
func (tx *Tx) EnqueueMany(ctx context.Context, jobs []river.InsertManyParams) error {
	tx.jobs = append(tx.jobs, jobs...)
	return nil
}

// insertJobs inserts jobs in sqlTx with one statement, which on SQLite is
// parsed once instead of once per job. Identical unique jobs are inserted
// once: River would refuse to update the same row twice in one statement.
func (s *Store) insertJobs(ctx context.Context, sqlTx *sql.Tx, jobs []river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}
	jobs = dedupeUnique(jobs)
	if _, err := s.inserter.InsertManyTx(ctx, sqlTx, jobs); err != nil {
		return fmt.Errorf("store: insert %d jobs (%s, ...): %w", len(jobs), jobs[0].Args.Kind(), err)
	}
	return nil
}

// dedupeUnique drops a unique job that repeats an earlier one exactly: same
// kind, same arguments, same options.
func dedupeUnique(jobs []river.InsertManyParams) []river.InsertManyParams {
	var seen map[string]bool
	out := jobs[:0:0]
	for _, j := range jobs {
		if j.InsertOpts == nil || reflect.ValueOf(j.InsertOpts.UniqueOpts).IsZero() {
			out = append(out, j)
			continue
		}
		args, err := json.Marshal(j.Args)
		opts, err2 := json.Marshal(j.InsertOpts)
		if err != nil || err2 != nil {
			out = append(out, j)
			continue
		}
		key := j.Args.Kind() + "\x00" + string(args) + "\x00" + string(opts)
		if seen[key] {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[key] = true
		out = append(out, j)
	}
	return out
}

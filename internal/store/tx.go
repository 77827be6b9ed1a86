package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
}

// InTx runs fn in a transaction and commits it if fn returns nil and at least
// one event was appended; otherwise it rolls back. On SQLite the transaction
// takes the write lock at BEGIN, so concurrent writers queue instead of
// failing half-way. InTx must not be called from inside fn.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
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
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("store.InTx: commit: %w", err)
	}
	return nil
}

// Store returns the store the transaction belongs to.
func (tx *Tx) Store() *Store { return tx.s }

// Dialect reports the engine, for the rare query that must differ.
func (tx *Tx) Dialect() Dialect { return tx.s.dialect }

// Enqueue inserts a River job in this transaction: it becomes visible to
// workers only if the transaction commits.
func (tx *Tx) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := tx.s.inserter.InsertTx(ctx, tx.Tx, args, opts); err != nil {
		return fmt.Errorf("store.Enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueMany inserts several River jobs in this transaction with one
// statement, which on SQLite is parsed once instead of once per job; like
// Enqueue, they become visible to workers only if the transaction commits.
func (tx *Tx) EnqueueMany(ctx context.Context, jobs []river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}
	if _, err := tx.s.inserter.InsertManyTx(ctx, tx.Tx, jobs); err != nil {
		return fmt.Errorf("store.EnqueueMany %s: %w", jobs[0].Args.Kind(), err)
	}
	return nil
}

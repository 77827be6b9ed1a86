package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// The queries Verify runs, all inside its read-only snapshot.

// scanEvents reads the events of a query over the events table in id
// order.
func scanEvents(ctx context.Context, tx *sql.Tx, n int, query string, args ...any) ([]store.Event, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	defer rows.Close()
	out := make([]store.Event, 0, n)
	for rows.Next() {
		var ev store.Event
		var payload string
		if err := rows.Scan(&ev.ID, &ev.At, &ev.Kind, &ev.Actor, &ev.Agency, &ev.Service, &ev.Region, &ev.Subject, &payload); err != nil {
			return nil, fmt.Errorf("reading events: %w", err)
		}
		ev.At = ev.At.UTC()
		ev.Payload = json.RawMessage(payload)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// scanLeaves returns the leaves sealing event ids in (after, upTo], or
// above after when upTo is noLimit, by event id.
func scanLeaves(ctx context.Context, tx *sql.Tx, after, upTo int64) ([]leafRow, error) {
	q, args := `SELECT idx, event_id, hash FROM ledger_leaves WHERE event_id > $1 AND event_id <= $2 ORDER BY event_id`, []any{after, upTo}
	if upTo == noLimit {
		q, args = `SELECT idx, event_id, hash FROM ledger_leaves WHERE event_id > $1 ORDER BY event_id`, []any{after}
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading leaves after event %d: %w", after, err)
	}
	defer rows.Close()
	var out []leafRow
	var hash []byte
	for rows.Next() {
		var l leafRow
		var idx int64
		if err := rows.Scan(&idx, &l.eventID, &hash); err != nil {
			return nil, fmt.Errorf("reading leaves after event %d: %w", after, err)
		}
		l.idx = uint64(idx)
		copy(l.hash[:], hash) // a hash of the wrong length stays partly zero and mismatches
		out = append(out, l)
	}
	return out, rows.Err()
}

// maxEventID returns the largest event id, 0 when there is none.
func maxEventID(ctx context.Context, tx *sql.Tx) (int64, error) {
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("reading the largest event id: %w", err)
	}
	return id, nil
}

// countLeaves returns how many leaves the tree has: one past the largest
// index, so that a removed leaf row does not shrink it.
func countLeaves(ctx context.Context, tx *sql.Tx) (uint64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves`).Scan(&n)
	return uint64(n), err
}

// readState reads the ledger_state row, if there is one.
func readState(ctx context.Context, tx *sql.Tx) (storedState, error) {
	var st storedState
	var size int64
	err := tx.QueryRowContext(ctx, `SELECT size, root, frontier, sealed_through FROM ledger_state WHERE id = 1`).Scan(&size, &st.root, &st.frontier, &st.sealedThrough)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return st, nil
	case err != nil:
		return st, fmt.Errorf("reading the ledger state: %w", err)
	}
	st.size, st.found = uint64(size), true
	return st, nil
}

// readGaps returns the runs of event ids the sealer found missing and
// passed, by first id.
func readGaps(ctx context.Context, tx *sql.Tx) ([]gap, error) {
	rows, err := tx.QueryContext(ctx, `SELECT first_id, last_id, noticed_at FROM ledger_gaps ORDER BY first_id`)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger's gaps: %w", err)
	}
	defer rows.Close()
	var out []gap
	for rows.Next() {
		var g gap
		if err := rows.Scan(&g.first, &g.last, &g.noticed); err != nil {
			return nil, fmt.Errorf("reading the ledger's gaps: %w", err)
		}
		g.noticed = g.noticed.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// ledgerKey is a row of ledger_keys, without its secret.
type ledgerKey struct {
	name, vkey string
	active     bool
	verifier   note.Verifier
}

// readKeys returns the ledger's verifier keys, the retired ones too, so
// that old checkpoints keep verifying.
func readKeys(ctx context.Context, tx *sql.Tx) ([]ledgerKey, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, vkey, active FROM ledger_keys ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger's keys: %w", err)
	}
	defer rows.Close()
	var out []ledgerKey
	for rows.Next() {
		var k ledgerKey
		if err := rows.Scan(&k.name, &k.vkey, &k.active); err != nil {
			return nil, fmt.Errorf("reading the ledger's keys: %w", err)
		}
		if k.verifier, err = note.NewVerifier(k.vkey); err != nil {
			return nil, fmt.Errorf("the ledger's verifier key %q: %w", k.vkey, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// readCheckpoints returns every stored checkpoint.
func readCheckpoints(ctx context.Context, tx *sql.Tx) ([]storedCheckpoint, error) {
	rows, err := tx.QueryContext(ctx, `SELECT size, root, note FROM ledger_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoints: %w", err)
	}
	defer rows.Close()
	var out []storedCheckpoint
	for rows.Next() {
		var c storedCheckpoint
		var size int64
		var text string
		if err := rows.Scan(&size, &c.root, &text); err != nil {
			return nil, fmt.Errorf("reading checkpoints: %w", err)
		}
		c.size, c.note = uint64(size), []byte(text)
		out = append(out, c)
	}
	return out, rows.Err()
}

// readMessageKeys returns the key of every exchange message row.
func readMessageKeys(ctx context.Context, tx *sql.Tx) ([][16]byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT message_id, request_digest, response_digest FROM exchange_messages`)
	if err != nil {
		return nil, fmt.Errorf("reading the exchange message log: %w", err)
	}
	defer rows.Close()
	var out [][16]byte
	var id, req, resp string
	for rows.Next() {
		if err := rows.Scan(&id, &req, &resp); err != nil {
			return nil, fmt.Errorf("reading the exchange message log: %w", err)
		}
		out = append(out, messageKey(id, req, resp))
	}
	return out, rows.Err()
}

// payloadOf reads an event's payload.
func payloadOf(ctx context.Context, tx *sql.Tx, eventID int64) ([]byte, error) {
	var payload string
	if err := tx.QueryRowContext(ctx, `SELECT payload FROM events WHERE id = $1`, eventID).Scan(&payload); err != nil {
		return nil, fmt.Errorf("reading event %d: %w", eventID, err)
	}
	return []byte(payload), nil
}

// messageIDOf returns the message id in an inquiry event's payload.
func messageIDOf(payload []byte) string {
	var p struct {
		MessageID string `json:"message_id"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.MessageID
}

// checkNodes compares the perfect subtrees that the stored leaves built
// since the last call with the stored nodes: a node that is missing or
// differs means the nodes were written by something other than the
// sealer, or the leaves were changed after it.
func (v *verification) checkNodes(ctx context.Context) error {
	if len(v.visited) == 0 {
		return nil
	}
	byLevel := map[uint][]visitedNode{}
	for _, n := range v.visited {
		byLevel[n.id.Level] = append(byLevel[n.id.Level], n)
	}
	for level, nodes := range byLevel {
		lo, hi := nodes[0].id.Index, nodes[len(nodes)-1].id.Index
		stored, err := v.storedNodes(ctx, level, lo, hi)
		if err != nil {
			return fmt.Errorf("reading the tree's nodes: %w", err)
		}
		for _, n := range nodes {
			lo, hi := n.id.Coverage()
			h, ok := stored[n.id.Index]
			switch {
			case !ok:
				v.add(Finding{Kind: FindTree, Index: -1, Detail: fmt.Sprintf("the stored node at level %d index %d (leaves %d to %d) is missing", n.id.Level, n.id.Index, lo, hi-1)})
			case !bytes.Equal(h, n.hash):
				v.add(Finding{Kind: FindTree, Index: -1, Detail: fmt.Sprintf("the stored node at level %d index %d (leaves %d to %d) is not the hash of its leaves", n.id.Level, n.id.Index, lo, hi-1)})
			}
		}
	}
	v.visited = v.visited[:0]
	return nil
}

// storedNodes returns the stored nodes of a level with indexes in [lo, hi].
func (v *verification) storedNodes(ctx context.Context, level uint, lo, hi uint64) (map[uint64][]byte, error) {
	v.txMu.Lock()
	defer v.txMu.Unlock()
	rows, err := v.tx.QueryContext(ctx, `SELECT idx, hash FROM ledger_nodes WHERE level = $1 AND idx >= $2 AND idx <= $3`, int(level), int64(lo), int64(hi))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stored := map[uint64][]byte{}
	for rows.Next() {
		var idx int64
		var hash []byte
		if err := rows.Scan(&idx, &hash); err != nil {
			return nil, err
		}
		stored[uint64(idx)] = hash
	}
	return stored, rows.Err()
}

// LatestCheckpoint returns the note of the latest signed checkpoint, read
// from the database without opening the ledger (which may create a key):
// what "panjare ledger checkpoint" prints for an auditor to keep.
func LatestCheckpoint(ctx context.Context, s *store.Store) ([]byte, error) {
	const op = "ledger.LatestCheckpoint"
	var text string
	err := s.Read().QueryRowContext(ctx, `SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(op, errs.NotFound, "the ledger has signed no checkpoint yet", "دفتر رویدادها هنوز نقطهٔ بازبینی امضا نکرده است")
	}
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return []byte(text), nil
}

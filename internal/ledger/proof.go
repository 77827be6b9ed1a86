package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// treeSize returns the stored tree's size.
func (l *Ledger) treeSize(ctx context.Context) (uint64, error) {
	var size int64
	if err := l.s.Read().QueryRowContext(ctx, `SELECT size FROM ledger_state WHERE id = 1`).Scan(&size); err != nil {
		return 0, err
	}
	return uint64(size), nil
}

// InclusionProof returns the RFC 6962 inclusion proof of leaf idx in the
// tree of the given size, which must not exceed the stored tree's.
func (l *Ledger) InclusionProof(ctx context.Context, idx, size uint64) ([][32]byte, error) {
	const op = "ledger.InclusionProof"
	cur, err := l.treeSize(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if size > cur || idx >= size {
		return nil, fmt.Errorf("%s: leaf %d of %d in a tree of %d: %w", op, idx, size, cur, ErrBeyondTree)
	}
	nodes, err := proof.Inclusion(idx, size)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := l.rehash(ctx, nodes)
	return out, errs.Wrap(op, err)
}

// ConsistencyProof returns the RFC 6962 consistency proof between the
// trees of size1 and size2, size1 ≤ size2 ≤ the stored tree's size.
func (l *Ledger) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][32]byte, error) {
	const op = "ledger.ConsistencyProof"
	if size1 > size2 {
		return nil, errs.E(op, errs.Invalid, "the first tree size must not exceed the second",
			"اندازهٔ درخت نخست نباید از اندازهٔ درخت دوم بیشتر باشد")
	}
	cur, err := l.treeSize(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if size2 > cur {
		return nil, fmt.Errorf("%s: %d to %d in a tree of %d: %w", op, size1, size2, cur, ErrBeyondTree)
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := l.rehash(ctx, nodes)
	return out, errs.Wrap(op, err)
}

// rehash fetches the hashes of a proof's nodes and folds its ephemeral
// node.
func (l *Ledger) rehash(ctx context.Context, n proof.Nodes) ([][32]byte, error) {
	hashes, err := l.nodeHashes(ctx, n.IDs)
	if err != nil {
		return nil, err
	}
	hs, err := n.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, err
	}
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		copy(out[i][:], h)
	}
	return out, nil
}

// nodeHashes returns the hashes of perfect subtrees of the tree: those of
// storedLevel and above from ledger_nodes in one query, the others
// recomputed from the leaves of their 1<<storedLevel block, each block
// read once.
func (l *Ledger) nodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	var (
		conds []string
		args  []any
	)
	blocks := map[uint64][][]byte{} // block number → its leaf hashes
	for i, id := range ids {
		if id.Level >= storedLevel {
			args = append(args, int(id.Level), int64(id.Index))
			conds = append(conds, fmt.Sprintf("(level = $%d AND idx = $%d)", len(args)-1, len(args)))
			continue
		}
		begin, end := id.Coverage()
		blk := begin >> storedLevel
		leaves, ok := blocks[blk]
		if !ok {
			var err error
			if leaves, err = l.leafHashes(ctx, blk<<storedLevel, (blk+1)<<storedLevel); err != nil {
				return nil, err
			}
			blocks[blk] = leaves
		}
		lo, hi := begin-blk<<storedLevel, end-blk<<storedLevel
		if hi > uint64(len(leaves)) {
			return nil, fmt.Errorf("ledger: node %d/%d: %w", id.Level, id.Index, errMissingNode)
		}
		r := factory.NewEmptyRange(begin)
		for _, h := range leaves[lo:hi] {
			if err := r.Append(h, nil); err != nil {
				return nil, err
			}
		}
		if hs := r.Hashes(); len(hs) == 1 {
			out[i] = hs[0]
		} else {
			return nil, fmt.Errorf("ledger: node %d/%d is not a perfect subtree", id.Level, id.Index)
		}
	}
	if len(conds) == 0 {
		return out, nil
	}
	rows, err := l.s.Read().QueryContext(ctx, `SELECT level, idx, hash FROM ledger_nodes WHERE `+strings.Join(conds, " OR "), args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: read nodes: %w", err)
	}
	defer rows.Close()
	found := map[compact.NodeID][]byte{}
	for rows.Next() {
		var (
			level int
			idx   int64
			hash  []byte
		)
		if err := rows.Scan(&level, &idx, &hash); err != nil {
			return nil, fmt.Errorf("ledger: read nodes: %w", err)
		}
		found[compact.NewNodeID(uint(level), uint64(idx))] = hash
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read nodes: %w", err)
	}
	for i, id := range ids {
		if id.Level < storedLevel {
			continue
		}
		h, ok := found[id]
		if !ok {
			return nil, fmt.Errorf("ledger: node %d/%d: %w", id.Level, id.Index, errMissingNode)
		}
		out[i] = h
	}
	return out, nil
}

// leafHashes returns the hashes of the leaves [begin, end) that exist,
// in order.
func (l *Ledger) leafHashes(ctx context.Context, begin, end uint64) ([][]byte, error) {
	rows, err := l.s.Read().QueryContext(ctx, `SELECT idx, hash FROM ledger_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx`, int64(begin), int64(end))
	if err != nil {
		return nil, fmt.Errorf("ledger: read leaves: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var (
			idx  int64
			hash []byte
		)
		if err := rows.Scan(&idx, &hash); err != nil {
			return nil, fmt.Errorf("ledger: read leaves: %w", err)
		}
		if uint64(idx) != begin+uint64(len(out)) {
			return nil, fmt.Errorf("ledger: leaf %d: %w", begin+uint64(len(out)), errMissingNode)
		}
		out = append(out, hash)
	}
	return out, rows.Err()
}

// maxEntries bounds one Entries call.
const maxEntries = 1000

// Entries returns the leaves [start, end) with their events, at most
// 1000 of them; end must not exceed the tree's size.
func (l *Ledger) Entries(ctx context.Context, start, end uint64) ([]Entry, error) {
	const op = "ledger.Entries"
	if start > end {
		return nil, errs.E(op, errs.Invalid, "start must not exceed end", "آغاز بازه نباید از پایان آن بیشتر باشد")
	}
	if end-start > maxEntries {
		return nil, errs.E(op, errs.Invalid, "at most 1000 entries at a time", "در هر درخواست حداکثر ۱۰۰۰ ورودی")
	}
	cur, err := l.treeSize(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if end > cur {
		return nil, fmt.Errorf("%s: [%d, %d) in a tree of %d: %w", op, start, end, cur, ErrBeyondTree)
	}
	rows, err := l.s.Read().QueryContext(ctx, `SELECT l.idx, l.event_id, l.hash,
			e.id, e.at, e.kind, e.actor, e.agency, e.service, e.region, e.subject, e.payload
		FROM ledger_leaves l LEFT JOIN events e ON e.id = l.event_id
		WHERE l.idx >= $1 AND l.idx < $2 ORDER BY l.idx`, int64(start), int64(end))
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := make([]Entry, 0, end-start)
	for rows.Next() {
		var (
			e                                             Entry
			idx                                           int64
			hash, payload                                 []byte
			id                                            sql.NullInt64
			at                                            sql.NullTime
			kind, actor, agency, service, region, subject sql.NullString
		)
		if err := rows.Scan(&idx, &e.EventID, &hash, &id, &at, &kind, &actor, &agency, &service, &region, &subject, &payload); err != nil {
			return nil, errs.Wrap(op, err)
		}
		e.Index = uint64(idx)
		copy(e.Hash[:], hash)
		if id.Valid {
			e.Event = store.Event{ID: id.Int64, At: at.Time.UTC(), Kind: kind.String, Actor: actor.String, Agency: agency.String,
				Service: service.String, Region: region.String, Subject: subject.String, Payload: payload}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	return out, nil
}

// IndexOf returns the leaf index that seals event eventID; ok is false
// when it is not sealed (yet).
func (l *Ledger) IndexOf(ctx context.Context, eventID int64) (idx uint64, ok bool, err error) {
	var i int64
	err = l.s.Read().QueryRowContext(ctx, `SELECT idx FROM ledger_leaves WHERE event_id = $1`, eventID).Scan(&i)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, errs.Wrap("ledger.IndexOf", err)
	}
	return uint64(i), true, nil
}

// IndexesOf returns the leaf index of each of events that is sealed; an
// event not sealed (yet) is absent. One query per 500 events, so that a
// page marking every step of a case asks once.
func (l *Ledger) IndexesOf(ctx context.Context, events []int64) (map[int64]uint64, error) {
	out := make(map[int64]uint64, len(events))
	for len(events) > 0 {
		chunk := events[:min(len(events), 500)]
		events = events[len(chunk):]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i] = fmt.Sprintf("$%d", i+1)
			args[i] = id
		}
		rows, err := l.s.Read().QueryContext(ctx, `SELECT event_id, idx FROM ledger_leaves WHERE event_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, errs.Wrap("ledger.IndexesOf", err)
		}
		for rows.Next() {
			var id, idx int64
			if err := rows.Scan(&id, &idx); err != nil {
				rows.Close()
				return nil, errs.Wrap("ledger.IndexesOf", err)
			}
			out[id] = uint64(idx)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, errs.Wrap("ledger.IndexesOf", err)
		}
	}
	return out, nil
}

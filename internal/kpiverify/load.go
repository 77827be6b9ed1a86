package kpiverify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/panjare/panjare/internal/store"
)

// cityProvinces reads every city's province from the catalogue's regions
// with one plain query.
func cityProvinces(ctx context.Context, s *store.Store) (map[string]string, error) {
	rows, err := s.Read().QueryContext(ctx, `SELECT code, province FROM catalog_regions WHERE kind = 'city'`)
	if err != nil {
		return nil, fmt.Errorf("kpiverify: regions: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, province string
		if err := rows.Scan(&code, &province); err != nil {
			return nil, fmt.Errorf("kpiverify: regions: %w", err)
		}
		out[code] = province
	}
	return out, rows.Err()
}

// loadSealed adds to h, in id order, every counted event that is a leaf of
// the ledger's first size leaves and whose id is at most through (no limit
// when through is 0). It streams: one query, one row at a time.
func loadSealed(ctx context.Context, s *store.Store, h *History, size uint64, through int64) error {
	marks := make([]string, len(kinds))
	args := []any{int64(size)}
	for i, k := range kinds {
		args = append(args, k)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	q := `SELECT e.id, e.at, e.kind, e.actor, e.agency, e.service, e.region, e.subject, e.payload
		FROM events e JOIN ledger_leaves l ON l.event_id = e.id
		WHERE l.idx < $1 AND e.kind IN (` + strings.Join(marks, ", ") + `)`
	if through > 0 {
		args = append(args, through)
		q += fmt.Sprintf(" AND e.id <= $%d", len(args))
	}
	q += " ORDER BY e.id"
	rows, err := s.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("kpiverify: events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev store.Event
		var payload string
		if err := rows.Scan(&ev.ID, &ev.At, &ev.Kind, &ev.Actor, &ev.Agency, &ev.Service, &ev.Region, &ev.Subject, &payload); err != nil {
			return fmt.Errorf("kpiverify: events: %w", err)
		}
		ev.At = ev.At.UTC()
		ev.Payload = json.RawMessage(payload)
		if err := h.Add(ev); err != nil {
			return err
		}
	}
	return rows.Err()
}

// lastSealed returns the largest event id among the ledger's first size
// leaves, whatever its kind: the point the figures are computed through.
func lastSealed(ctx context.Context, s *store.Store, size uint64) (int64, error) {
	var id int64
	err := s.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(event_id), 0) FROM ledger_leaves WHERE idx < $1`, int64(size)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("kpiverify: ledger leaves: %w", err)
	}
	return id, nil
}

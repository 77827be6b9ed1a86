package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// eventIDsByQuery reads one subject's events of one kind, newest first.
// The filter repeats the partial index's condition (a subject not empty),
// as Events does, so that the planner reads the subject's events only.
const eventIDsByQuery = `SELECT id, payload FROM events WHERE subject = $1 AND subject <> '' AND kind = $2 ORDER BY id DESC`

// EventIDsBy returns the ids of the events of kind about subject whose
// payload names one of values under key: a map from each value found to
// the id of its newest such event. It is how a document or an exchange
// receipt finds its event (to name its place in the ledger) without a
// column of its own: the search reads the subject's events through the
// subject index, never the whole log, so subject must not be empty; it
// reads them newest first and stops once every value is found, so asking
// for recent ones (a page of the data tracker) reads little more than
// those.
func (s *Store) EventIDsBy(ctx context.Context, kind, subject, key string, values []string) (map[string]int64, error) {
	out := make(map[string]int64, len(values))
	if subject == "" || len(values) == 0 {
		return out, nil
	}
	want := make(map[string]bool, len(values))
	for _, v := range values {
		want[v] = true
	}
	rows, err := s.read.QueryContext(ctx, eventIDsByQuery, subject, kind)
	if err != nil {
		return nil, fmt.Errorf("store.EventIDsBy: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var payload string
		if err := rows.Scan(&id, &payload); err != nil {
			return nil, fmt.Errorf("store.EventIDsBy: %w", err)
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal([]byte(payload), &fields) != nil {
			continue
		}
		var v string
		if json.Unmarshal(fields[key], &v) != nil || !want[v] {
			continue
		}
		if _, seen := out[v]; !seen {
			out[v] = id
			if len(out) == len(want) {
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store.EventIDsBy: %w", err)
	}
	return out, nil
}

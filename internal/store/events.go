package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Event is one row of the append-only events table: a fact about a state
// change, written in the same transaction as the change. Later capabilities
// build on it: the ledger seals events into a Merkle tree, monitoring computes
// KPIs from them, and the data tracker shows a citizen the inquiry events
// whose Subject is them.
//
// The dimensions (Agency, Service, Region, Subject) are columns, not payload,
// so that reports and the tracker can filter on indexes.
type Event struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Kind    string          `json:"kind"`              // dotted, capability first: "catalog.service.published"
	Actor   string          `json:"actor"`             // who caused it: "agency:NOCR/key:3", "user:42", "system"
	Agency  string          `json:"agency,omitempty"`  // agency code the event belongs to
	Service string          `json:"service,omitempty"` // service identifier
	Region  string          `json:"region,omitempty"`  // region code
	Subject string          `json:"subject,omitempty"` // the person or business it is about (national or company id); personal data: never logged
	Payload json.RawMessage `json:"payload"`           // kind-specific details
}

// Append records ev in this transaction. payload is marshalled to JSON; nil
// becomes {}. At is set from the store's clock when zero. The row is
// written just before the commit, with the transaction's (on SQLite, its
// group's) other events in one statement, so the event's id is not known
// inside the transaction and the transaction cannot read its own events.
func (tx *Tx) Append(ctx context.Context, ev Event, payload any) error {
	if ev.Kind == "" || ev.Actor == "" {
		return fmt.Errorf("store.Append: event needs a kind and an actor")
	}
	body := []byte("{}")
	if payload != nil {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return fmt.Errorf("store.Append %s: %w", ev.Kind, err)
		}
	}
	if ev.At.IsZero() {
		ev.At = tx.s.Now()
	}
	tx.InsertLater("events", eventColumns, ev.At.UTC(), ev.Kind, ev.Actor, ev.Agency, ev.Service, ev.Region, ev.Subject, string(body))
	tx.events++
	return nil
}

var eventColumns = []string{"at", "kind", "actor", "agency", "service", "region", "subject", "payload"}

// EventFilter selects events. Zero fields match everything.
type EventFilter struct {
	KindPrefix string // e.g. "catalog." or "catalog.service.published"
	Agency     string
	Service    string
	Subject    string
	AfterID    int64 // only events with a larger id
	Limit      int   // default 100, at most 10000
}

// Events returns the events that match f, oldest first.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.KindPrefix != "" {
		add("kind LIKE $%d", strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.KindPrefix)+"%")
		where[len(where)-1] += ` ESCAPE '\'`
	}
	// The indexes on agency, service and subject are partial (WHERE col <>
	// ''). A planner cannot tell that a bound parameter is not '', so each
	// filter repeats the index's condition; without it SQLite scans the
	// whole event log.
	if f.Agency != "" {
		add("agency = $%d AND agency <> ''", f.Agency)
	}
	if f.Service != "" {
		add("service = $%d AND service <> ''", f.Service)
	}
	if f.Subject != "" {
		add("subject = $%d AND subject <> ''", f.Subject)
	}
	if f.AfterID > 0 {
		add("id > $%d", f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	q := "SELECT id, at, kind, actor, agency, service, region, subject, payload FROM events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id LIMIT %d", limit)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store.Events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var payload string
		if err := rows.Scan(&ev.ID, &ev.At, &ev.Kind, &ev.Actor, &ev.Agency, &ev.Service, &ev.Region, &ev.Subject, &payload); err != nil {
			return nil, fmt.Errorf("store.Events: %w", err)
		}
		ev.At = ev.At.UTC()
		ev.Payload = json.RawMessage(payload)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LastEventID returns the id of the newest event, or 0 when there is none.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&id)
	return id, err
}

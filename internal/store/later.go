package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// InsertLater adds a row to be inserted into table just before the
// transaction commits, with every other row of the same table and columns
// from this transaction, and from its whole group, in one statement. It is
// for rows the transaction does not read back and whose key it either does
// not need or has reserved with NextID (then "id" is the first column):
// events, evidence, cases, notices. table and columns must be constants of
// the calling code, never input. An error (a constraint the row breaks)
// fails the transaction at its commit.
func (tx *Tx) InsertLater(table string, columns []string, values ...any) {
	if len(values) != len(columns) {
		panic(fmt.Sprintf("store.InsertLater %s: %d values for %d columns", table, len(values), len(columns)))
	}
	key := table + "(" + strings.Join(columns, ", ") + ")"
	tx.later = merge(tx.later, []laterRows{{key: key, width: len(columns), values: values}})
}

// laterRows are the rows waiting for one table and column list.
type laterRows struct {
	key    string // "table(col, col)"
	width  int
	values []any // width values per row
}

// merge adds another transaction's waiting rows to rows, keeping the order
// in which tables first appeared.
func merge(rows []laterRows, more []laterRows) []laterRows {
next:
	for _, m := range more {
		for i := range rows {
			if rows[i].key == m.key {
				rows[i].values = append(rows[i].values, m.values...)
				continue next
			}
		}
		rows = append(rows, laterRows{key: m.key, width: m.width, values: append([]any(nil), m.values...)})
	}
	return rows
}

// maxParams keeps one statement under SQLite's limit of bound parameters
// (32,766) and PostgreSQL's (65,535).
const maxParams = 30000

// flush writes the waiting rows in tx: a multi-row INSERT per table and
// column list, in as few statements as the parameter limit allows. On
// PostgreSQL, where every statement is a round trip, the INSERTs of several
// tables go in one statement as data-modifying WITH clauses.
func (s *Store) flush(ctx context.Context, tx *sql.Tx, rows []laterRows) error {
	var (
		parts []string // INSERT statements that go together
		names []string
		args  []any
	)
	send := func() error {
		if len(parts) == 0 {
			return nil
		}
		var q strings.Builder
		for i, p := range parts[:len(parts)-1] {
			if i == 0 {
				q.WriteString("WITH ")
			} else {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "w%d AS (%s)", i, p)
		}
		if len(parts) > 1 {
			q.WriteString(" ")
		}
		q.WriteString(parts[len(parts)-1])
		_, err := tx.ExecContext(ctx, q.String(), args...)
		if err != nil {
			err = fmt.Errorf("store: insert into %s: %w", strings.Join(names, ", "), err)
		}
		parts, names, args = parts[:0], names[:0], args[:0]
		return err
	}
	for _, r := range rows {
		per := max(maxParams/r.width, 1) * r.width
		for start := 0; start < len(r.values); start += per {
			vals := r.values[start:min(start+per, len(r.values))]
			if s.dialect == SQLite || len(args)+len(vals) > maxParams {
				if err := send(); err != nil {
					return err
				}
			}
			var b strings.Builder
			s.insertSQL(&b, r, len(args), len(vals))
			parts, names, args = append(parts, b.String()), append(names, r.key), append(args, vals...)
		}
	}
	return send()
}

// insertSQL writes an INSERT of n values into r's table, its parameters
// numbered from after+1.
func (s *Store) insertSQL(b *strings.Builder, r laterRows, after, n int) {
	b.WriteString("INSERT INTO ")
	b.WriteString(r.key)
	// Rows with an id from NextID: PostgreSQL generates identity columns
	// itself unless told otherwise.
	if s.dialect == Postgres && strings.Contains(r.key, "(id, ") {
		b.WriteString(" OVERRIDING SYSTEM VALUE")
	}
	b.WriteString(" VALUES ")
	for i := range n {
		switch {
		case i == 0:
			b.WriteString("(")
		case i%r.width == 0:
			b.WriteString("), (")
		default:
			b.WriteString(", ")
		}
		// SQLite looks a numbered parameter up by name, in a list as long
		// as the statement's: with thousands of them that is quadratic. Its
		// anonymous ? costs nothing.
		if s.dialect == SQLite {
			b.WriteString("?")
		} else {
			b.WriteString("$")
			b.WriteString(strconv.Itoa(after + i + 1))
		}
	}
	b.WriteString(")")
}

package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/store"
)

// maxParams bounds the parameters of one statement (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 30000

// marks returns "($n, $n+1, ...), (...)" for rows of width columns,
// numbered from 1.
func marks(rows, width int) string {
	var sb strings.Builder
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := 0; c < width; c++ {
			if c > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
			n++
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// insertRows runs head + " VALUES " + rows + tail in statements of at most
// maxParams parameters. On PostgreSQL (pg) it sends each column as one
// array instead, unnested: one statement whatever the number of rows, and
// far less to parse.
func insertRows(ctx context.Context, tx *sql.Tx, pg bool, head, tail string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	table := strings.Fields(head)[2]
	width := len(rows[0])
	if pg {
		args := make([]any, width)
		casts := make([]string, width)
		for c := range width {
			var typ string
			switch rows[0][c].(type) {
			case string:
				col := make([]string, len(rows))
				for i, r := range rows {
					col[i] = r[c].(string)
				}
				args[c], typ = col, "text"
			case int64:
				col := make([]int64, len(rows))
				for i, r := range rows {
					col[i] = r[c].(int64)
				}
				args[c], typ = col, "bigint"
			case int:
				col := make([]int64, len(rows))
				for i, r := range rows {
					col[i] = int64(r[c].(int))
				}
				args[c], typ = col, "bigint"
			case bool:
				col := make([]bool, len(rows))
				for i, r := range rows {
					col[i] = r[c].(bool)
				}
				args[c], typ = col, "boolean"
			case []byte:
				col := make([][]byte, len(rows))
				for i, r := range rows {
					col[i] = r[c].([]byte)
				}
				args[c], typ = col, "bytea"
			case sql.NullInt64:
				col := make([]*int64, len(rows))
				for i, r := range rows {
					if v := r[c].(sql.NullInt64); v.Valid {
						col[i] = &v.Int64
					}
				}
				args[c], typ = col, "bigint"
			default:
				return fmt.Errorf("%s: no array type for %T", table, rows[0][c])
			}
			casts[c] = fmt.Sprintf("$%d::%s[]", c+1, typ)
		}
		if _, err := tx.ExecContext(ctx, head+" SELECT * FROM unnest("+strings.Join(casts, ", ")+") "+tail, args...); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		return nil
	}
	per := max(maxParams/width, 1)
	for len(rows) > 0 {
		n := min(per, len(rows))
		args := make([]any, 0, n*width)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, head+" VALUES "+marks(n, width)+" "+tail, args...); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// inList calls fn with keys in chunks, each with its "$1, $2, ..." list.
// On PostgreSQL (pg) it calls fn once, with "SELECT unnest($1::typ[])" and
// the keys as one array: one statement, whatever their number.
func inList[T any](pg bool, typ string, keys []T, fn func(list string, args []any) error) error {
	if pg {
		if len(keys) == 0 {
			return nil
		}
		return fn("SELECT unnest($1::"+typ+"[])", []any{keys})
	}
	const chunk = 1000
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		args := make([]any, n)
		ph := make([]string, n)
		for i, k := range keys[:n] {
			args[i] = k
			ph[i] = "$" + strconv.Itoa(i+1)
		}
		if err := fn(strings.Join(ph, ", "), args); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (b *batch) loadCases(ctx context.Context, tx *sql.Tx, trackings []string) error {
	return inList(b.pg(), "text", dedupe(trackings), func(list string, args []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT tracking, submitted_us, deadline_us, decided_us, month, agency, service, province, city, auto, overturned
			FROM kpi_cases WHERE tracking IN (`+list+`)`, args...)
		if err != nil {
			return fmt.Errorf("reading cases: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c := &kcase{}
			if err := rows.Scan(&c.tracking, &c.submitted, &c.deadline, &c.decided, &c.at.month, &c.at.agency, &c.at.service,
				&c.at.province, &c.at.city, &c.auto, &c.overturned); err != nil {
				return err
			}
			b.cases[c.tracking] = c
		}
		return rows.Err()
	})
}

func (b *batch) loadPairs(ctx context.Context, tx *sql.Tx, keys []string) error {
	bkeys := make([][]byte, 0, len(keys))
	for _, k := range dedupe(keys) {
		bkeys = append(bkeys, []byte(k))
	}
	return inList(b.pg(), "bytea", bkeys, func(list string, args []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT pair, month, service, completed FROM kpi_pairs WHERE pair IN (`+list+`)`, args...)
		if err != nil {
			return fmt.Errorf("reading pairs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k []byte
			p := &pair{}
			if err := rows.Scan(&k, &p.month, &p.service, &p.completed); err != nil {
				return err
			}
			b.pairs[string(k)] = p
		}
		return rows.Err()
	})
}

func (b *batch) pg() bool { return b.k.s.Dialect() == store.Postgres }

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// write stores what the batch folded: it adds the batch's counts to the
// rows already there.
func (b *batch) write(ctx context.Context, tx *sql.Tx) error {
	if err := b.writeGroups(ctx, tx); err != nil {
		return err
	}
	var rows [][]any
	for _, c := range b.cases {
		if c.dirty {
			rows = append(rows, []any{c.tracking, c.submitted, c.deadline, c.decided, c.at.month, c.at.agency, c.at.service,
				c.at.province, c.at.city, c.auto, c.overturned})
		}
	}
	if err := insertRows(ctx, tx, b.pg(), `INSERT INTO kpi_cases (tracking, submitted_us, deadline_us, decided_us, month, agency, service, province, city, auto, overturned)`,
		`ON CONFLICT (tracking) DO UPDATE SET submitted_us = excluded.submitted_us, deadline_us = excluded.deadline_us,
		decided_us = excluded.decided_us, month = excluded.month, agency = excluded.agency, service = excluded.service,
		province = excluded.province, city = excluded.city, auto = excluded.auto, overturned = excluded.overturned`, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, p := range b.pairs {
		if p.dirty {
			rows = append(rows, []any{[]byte(k), p.month, p.service, p.completed})
		}
	}
	if err := insertRows(ctx, tx, b.pg(), `INSERT INTO kpi_pairs (pair, month, service, completed)`,
		`ON CONFLICT (pair) DO UPDATE SET completed = excluded.completed`, rows); err != nil {
		return err
	}
	if err := b.writeProviders(ctx, tx); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, b.pg(), `INSERT INTO kpi_service_events (service, event_id, at_us, agency, kind, level)`,
		`ON CONFLICT (service, event_id) DO NOTHING`, b.svcRows); err != nil {
		return err
	}
	services := make([]string, 0, len(b.services))
	for s := range b.services {
		services = append(services, s)
	}
	sort.Strings(services)
	for _, s := range services {
		if err := recomputeService(ctx, tx, b.pg(), s); err != nil {
			return err
		}
	}
	rows = rows[:0]
	for m := range b.months {
		rows = append(rows, []any{m})
	}
	return insertRows(ctx, tx, b.pg(), `INSERT INTO kpi_months (month)`, `ON CONFLICT (month) DO NOTHING`, rows)
}

func (b *batch) writeGroups(ctx context.Context, tx *sql.Tx) error {
	keys := make([]string, 0, len(b.groups))
	for k := range b.groups {
		keys = append(keys, k)
	}
	// Add what is stored to the batch's counts.
	scan := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var k string
			var c [nCounters]int64
			var hours, promised []byte
			dest := []any{&k}
			for i := range c {
				dest = append(dest, &c[i])
			}
			dest = append(dest, &hours, &promised)
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			g := b.groups[k]
			for i := range c {
				g.c[i] += c[i]
			}
			decodeInto(g.hours, hours)
			decodeInto(g.promised, promised)
		}
		return rows.Err()
	}
	sel := `SELECT gkey, ` + strings.Join(counterColumns[:], ", ") + `, hours, promised FROM kpi_groups WHERE gkey IN (`
	err := inList(b.pg(), "text", keys, func(list string, args []any) error {
		rows, err := tx.QueryContext(ctx, sel+list+`)`, args...)
		if err != nil {
			return err
		}
		return scan(rows)
	})
	if err != nil {
		return fmt.Errorf("reading groups: %w", err)
	}
	set := make([]string, 0, nCounters+2)
	for _, c := range counterColumns {
		set = append(set, c+" = excluded."+c)
	}
	set = append(set, "hours = excluded.hours", "promised = excluded.promised")
	head := `INSERT INTO kpi_groups (gkey, month, agency, service, province, city, ` + strings.Join(counterColumns[:], ", ") + `, hours, promised)`
	tail := `ON CONFLICT (gkey) DO UPDATE SET ` + strings.Join(set, ", ")
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		g := b.groups[k]
		r := []any{k, g.month, g.agency, g.service, g.province, g.city}
		for _, v := range g.c {
			r = append(r, v)
		}
		rows = append(rows, append(r, g.hours.encode(), g.promised.encode()))
	}
	return insertRows(ctx, tx, b.pg(), head, tail, rows)
}

func (b *batch) writeProviders(ctx context.Context, tx *sql.Tx) error {
	keys := make([]string, 0, len(b.provs))
	for k := range b.provs {
		keys = append(keys, k)
	}
	err := inList(b.pg(), "text", keys, func(list string, args []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT pkey, inquiries, succeeded, latency FROM kpi_providers WHERE pkey IN (`+list+`)`, args...)
		if err != nil {
			return fmt.Errorf("reading providers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n, ok int64
			var lat []byte
			if err := rows.Scan(&k, &n, &ok, &lat); err != nil {
				return err
			}
			p := b.provs[k]
			p.inquiries += n
			p.succeeded += ok
			decodeInto(p.latency, lat)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		p := b.provs[k]
		rows = append(rows, []any{k, p.month, p.provider, p.inquiries, p.succeeded, p.latency.encode()})
	}
	return insertRows(ctx, tx, b.pg(), `INSERT INTO kpi_providers (pkey, month, provider, inquiries, succeeded, latency)`,
		`ON CONFLICT (pkey) DO UPDATE SET inquiries = excluded.inquiries, succeeded = excluded.succeeded, latency = excluded.latency`, rows)
}

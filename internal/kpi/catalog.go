package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/panjare/panjare/internal/persian"
)

// The catalogue figures are states at the end of a month, which carry over
// into months without events. Each service's contribution is kept as
// changes: +1 at (month, agency, level) when it becomes live at that level
// by the end of the month, −1 where it stops being so. Whenever a
// catalogue event of a service is folded, the service's changes are
// computed again from its whole timeline (so an event that arrives out of
// time order is still placed right), and the difference is added to the
// rows of its agency and of all.

type catKey struct {
	month, agency string
	level         int
}

// svcState is a service's state after some of its events.
type svcState struct {
	live      bool
	agency    string
	levelSet  bool // a level_changed event was seen
	level     int  // its level
	published int  // the level of the latest publication (0 when it had none)
}

// trueLevel is the level of §3: the latest level_changed, else the latest
// publication's level, else L0.
func (s svcState) trueLevel() int {
	if s.levelSet {
		return s.level
	}
	return s.published
}

// recomputeService computes service's changes again and stores the
// difference.
func recomputeService(ctx context.Context, tx *sql.Tx, pg bool, service string) error {
	rows, err := tx.QueryContext(ctx, `SELECT at_us, agency, kind, level FROM kpi_service_events WHERE service = $1 ORDER BY at_us, event_id`, service)
	if err != nil {
		return fmt.Errorf("reading the timeline of %s: %w", service, err)
	}
	type tev struct {
		at           int64
		agency, kind string
		level        int
	}
	var tl []tev
	for rows.Next() {
		var e tev
		if err := rows.Scan(&e.at, &e.agency, &e.kind, &e.level); err != nil {
			rows.Close()
			return err
		}
		tl = append(tl, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	want := map[catKey]int64{}
	var st svcState
	var prev *catKey
	for i, e := range tl {
		if e.agency != "" {
			st.agency = e.agency
		}
		switch e.kind {
		case "published":
			st.live = true
			st.published = max(e.level, 0)
		case "retired":
			st.live = false
		case "level":
			if e.level >= 0 {
				st.levelSet, st.level = true, e.level
			}
		}
		month := persian.MonthKey(time.UnixMicro(e.at))
		if i+1 < len(tl) && persian.MonthKey(time.UnixMicro(tl[i+1].at)) == month {
			continue // the state at the end of the month is what counts
		}
		var cur *catKey
		if st.live {
			cur = &catKey{month, st.agency, st.trueLevel()}
		}
		if prev != nil {
			want[catKey{month, prev.agency, prev.level}]--
		}
		if cur != nil {
			want[*cur]++
		}
		prev = cur
	}
	have := map[catKey]int64{}
	rows, err = tx.QueryContext(ctx, `SELECT month, agency, level, n FROM kpi_catalog WHERE service = $1`, service)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k catKey
		var n int64
		if err := rows.Scan(&k.month, &k.agency, &k.level, &n); err != nil {
			rows.Close()
			return err
		}
		have[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	diff := map[catKey]int64{}
	for k, n := range want {
		diff[k] += n
	}
	for k, n := range have {
		diff[k] -= n
	}
	var own, roll [][]any
	rollups := map[catKey]int64{}
	for k, d := range diff {
		if d == 0 {
			continue
		}
		own = append(own, []any{k.month, k.agency, service, k.level, want[k]})
		if k.agency != "" {
			rollups[k] += d
		}
		rollups[catKey{k.month, "", k.level}] += d
	}
	for k, d := range rollups {
		if d != 0 {
			roll = append(roll, []any{k.month, k.agency, "", k.level, d})
		}
	}
	if err := insertRows(ctx, tx, pg, `INSERT INTO kpi_catalog (month, agency, service, level, n)`,
		`ON CONFLICT (agency, service, month, level) DO UPDATE SET n = excluded.n`, own); err != nil {
		return err
	}
	return insertRows(ctx, tx, pg, `INSERT INTO kpi_catalog (month, agency, service, level, n)`,
		`ON CONFLICT (agency, service, month, level) DO UPDATE SET n = kpi_catalog.n + excluded.n`, roll)
}

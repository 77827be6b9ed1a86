package catalog

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Searches that find nothing are what the catalogue lacks, or the words it
// does not know. They are counted, and nothing else is kept: the query text,
// normalised (folded, with long runs of digits and anything with an @ masked,
// since people paste national codes, phone numbers and addresses into search
// boxes), and a count per day. No person, session, address or time of day.
//
// A search never writes: each node counts in memory (at most
// missBufferTexts texts between flushes; more are dropped) and FlushMisses
// adds the counts to catalog_search_misses, which Follow does every
// missFlushEvery. The table is bounded: at most MissTextsPerDay texts a day
// (the texts seen first keep their row and go on counting; later new texts
// are dropped) and MissDays days.
const (
	MissTextsPerDay = 1000
	MissDays        = 90
	missBufferTexts = 2000
	missMaxRunes    = 100
	missFlushEvery  = 30 * time.Second
)

// evMissesCounted records that a node added its counts of searches that
// found nothing; the payload has numbers only, never a query text.
const evMissesCounted = "catalog.search.misses_counted"

// missCounter counts, in memory, the searches that found nothing since the
// last flush, by UTC day and normalised text.
type missCounter struct {
	mu      sync.Mutex
	counts  map[missKey]int
	dropped int // searches not counted because the buffer was full
	flushed time.Time
}

type missKey struct{ day, text string }

// note counts one search for text that found nothing.
func (m *missCounter) note(now time.Time, text string) {
	text = NormaliseMiss(text)
	if text == "" {
		return
	}
	k := missKey{now.UTC().Format(time.DateOnly), text}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[missKey]int{}
	}
	if _, ok := m.counts[k]; !ok && len(m.counts) >= missBufferTexts {
		m.dropped++
		return
	}
	m.counts[k]++
}

// take empties the counter and returns what it held.
func (m *missCounter) take() map[missKey]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.counts
	m.counts = nil
	m.dropped = 0
	return out
}

// putBack returns counts that could not be written, as far as there is room.
func (m *missCounter) putBack(counts map[missKey]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[missKey]int{}
	}
	for k, n := range counts {
		if _, ok := m.counts[k]; ok || len(m.counts) < missBufferTexts {
			m.counts[k] += n
		}
	}
}

// NormaliseMiss returns the text of a search as it is counted: folded
// (letters, digits, spaces and case unified), every run of four digits or
// more replaced by #, every word with an @ by @, and cut to 100 characters.
// It returns "" for text with no letter left, which is not counted.
func NormaliseMiss(text string) string {
	words := strings.Fields(persian.Fold(text))
	letters := false
	for i, w := range words {
		switch {
		case strings.ContainsRune(w, '@'):
			words[i] = "@"
			continue
		}
		var b strings.Builder
		run := 0
		flushRun := func(src string, end int) {
			if run >= 4 {
				b.WriteByte('#')
			} else {
				b.WriteString(src[end-run : end])
			}
			run = 0
		}
		for j := 0; j < len(w); {
			r, size := utf8.DecodeRuneInString(w[j:])
			if r >= '0' && r <= '9' {
				run++
				j += size
				continue
			}
			flushRun(w, j)
			if unicode.IsLetter(r) {
				letters = true
			}
			b.WriteRune(r)
			j += size
		}
		flushRun(w, len(w))
		words[i] = b.String()
	}
	if !letters {
		return ""
	}
	out := strings.Join(words, " ")
	if utf8.RuneCountInString(out) > missMaxRunes {
		out = string([]rune(out)[:missMaxRunes])
	}
	return strings.TrimSpace(out)
}

// noteMiss counts q if it is a search by text alone that found nothing:
// with a filter, an empty result says more about the filter than about
// the catalogue.
func (c *Catalog) noteMiss(q Query, res Results) {
	if res.Total != 0 || q.Text == "" || q.Page > 1 ||
		q.Agency != "" || q.Domain != "" || q.Event != "" || q.Level != "" || q.Audience != "" || q.Permit != "" {
		return
	}
	c.misses.note(c.s.Now(), q.Text)
}

// FlushMisses adds this node's counts of searches that found nothing to the
// table, drops days older than MissDays, and appends one event with the
// numbers. Counts that cannot be written are kept for the next flush.
func (c *Catalog) FlushMisses(ctx context.Context) error {
	const op = "catalog.FlushMisses"
	counts := c.misses.take()
	if len(counts) == 0 {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b missKey) int {
		// The most searched first, so that they get the day's last rows.
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.day, b.day), strings.Compare(a.text, b.text))
	})
	err := c.s.InTx(ctx, func(tx *store.Tx) error {
		oldest := c.s.Now().AddDate(0, 0, -MissDays).Format(time.DateOnly)
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_search_misses WHERE day < $1`, oldest); err != nil {
			return err
		}
		rows := map[string]int{} // texts per day already in the table
		added, searches, dropped := 0, 0, 0
		for _, k := range keys {
			n := counts[k]
			res, err := tx.ExecContext(ctx, `UPDATE catalog_search_misses SET count = count + $1 WHERE day = $2 AND query = $3`, n, k.day, k.text)
			if err != nil {
				return err
			}
			if done, err := res.RowsAffected(); err != nil {
				return err
			} else if done > 0 {
				searches += n
				continue
			}
			have, ok := rows[k.day]
			if !ok {
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_search_misses WHERE day = $1`, k.day).Scan(&have); err != nil {
					return err
				}
			}
			if have >= MissTextsPerDay {
				rows[k.day] = have
				dropped += n
				continue
			}
			// Another node may have added the text since the UPDATE.
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_search_misses (day, query, count) VALUES ($1, $2, $3)
				ON CONFLICT (day, query) DO UPDATE SET count = catalog_search_misses.count + excluded.count`, k.day, k.text, n); err != nil {
				return err
			}
			rows[k.day] = have + 1
			added++
			searches += n
		}
		return tx.Append(ctx, store.Event{Kind: evMissesCounted, Actor: "system"},
			map[string]int{"searches": searches, "new_texts": added, "dropped": dropped})
	})
	if err != nil {
		c.misses.putBack(counts)
		return errs.Wrap(op, err)
	}
	return nil
}

// flushMissesEvery flushes if missFlushEvery has passed since the last
// flush; Follow calls it on every tick.
func (c *Catalog) flushMissesEvery(ctx context.Context) {
	now := time.Now()
	c.misses.mu.Lock()
	due := now.Sub(c.misses.flushed) >= missFlushEvery
	if due {
		c.misses.flushed = now
	}
	c.misses.mu.Unlock()
	if !due {
		return
	}
	if err := c.FlushMisses(ctx); err != nil && ctx.Err() == nil {
		c.log.Warn("catalog: counting searches that found nothing", "err", err)
	}
}

// Miss is a search text that found nothing, with how many times it was
// searched over the days asked for.
type Miss struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
	Days  int    `json:"days"` // on how many of those days
	Last  string `json:"last"` // the last day, YYYY-MM-DD (UTC)
}

// TopMisses returns the n texts searched most often without a result over
// the last days days (today included), most searched first. Only platform
// administrators may read them. Errors: Forbidden.
func (c *Catalog) TopMisses(ctx context.Context, p identity.Principal, days, n int) ([]Miss, error) {
	const op = "catalog.TopMisses"
	if !p.Has(identity.RolePlatformAdmin) {
		return nil, errs.E(op, errs.Forbidden, "only platform administrators may see what searches found nothing",
			"فقط مدیران سامانه می‌توانند جست‌وجوهای بی‌نتیجه را ببینند.")
	}
	days = min(max(days, 1), MissDays)
	n = min(max(n, 1), 500)
	from := c.s.Now().AddDate(0, 0, 1-days).Format(time.DateOnly)
	rows, err := c.s.Read().QueryContext(ctx, `SELECT query, SUM(count) AS total, COUNT(*), MAX(day)
		FROM catalog_search_misses WHERE day >= $1
		GROUP BY query ORDER BY total DESC, query LIMIT $2`, from, n)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := []Miss{}
	for rows.Next() {
		var m Miss
		if err := rows.Scan(&m.Text, &m.Count, &m.Days, &m.Last); err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, m)
	}
	return out, errs.Wrap(op, rows.Err())
}

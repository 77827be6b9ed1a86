package catalog

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// evLevelChanged is appended when Recompute changes a service's true level,
// declared level or reasons; Follow on other nodes reloads the service on it.
const evLevelChanged = "catalog.service.level_changed"

// recomputeEvery is how often Follow recomputes every true level, so that a
// change no hook reported (a data service removed from the exchange, a
// change on another node whose hook failed) shows within that time.
const recomputeEvery = time.Minute

// machinery holds the Machinery set with UseMachinery.
type machinery struct{ m Machinery }

// levels serialises Recompute on this node, so that an older answer of the
// machinery never overwrites a newer one.
type levels struct {
	mu     sync.Mutex
	last   time.Time // when Follow last recomputed everything
	lastMu sync.Mutex
}

// UseMachinery tells the catalogue what the platform has built, so that
// levels are true (TrueLevel). Without it nothing above L2 is built: no
// ruleset decides any service and no subscription starts one. It may be
// called while the catalogue is in use; call Recompute afterwards.
func (c *Catalog) UseMachinery(m Machinery) {
	if m == nil {
		c.mach.Store(nil)
		return
	}
	c.mach.Store(&machinery{m: m})
}

// built asks the machinery what is built, outside any transaction. When
// the machinery leaves Inquiries nil, the exchange set with CheckInquiries
// is asked about every inquiry recs name; without either, inquiries are not
// checked.
func (c *Catalog) built(ctx context.Context, recs ...Record) (Built, error) {
	var b Built
	if m := c.mach.Load(); m != nil {
		var err error
		if b, err = m.m.Built(ctx); err != nil {
			return Built{}, err
		}
	}
	if b.Inquiries != nil {
		return b, nil
	}
	inq := c.inq.Load()
	if inq == nil {
		return b, nil
	}
	b.Inquiries = map[string]bool{}
	for _, rec := range recs {
		names, _ := inquiriesOf(rec)
		for _, name := range names {
			if _, done := b.Inquiries[name]; done {
				continue
			}
			ok, err := inq.x.HasInquiry(ctx, name)
			if err != nil {
				return Built{}, err
			}
			b.Inquiries[name] = ok
		}
	}
	return b, nil
}

// setTrue sets svc's true level, declared level and reasons from b.
func setTrue(svc *Service, b Built) {
	svc.Level, svc.Declared, svc.Planned = TrueLevel(svc.ID, svc.Record, b)
}

// trueNow computes the true level of svc, a version whose level is not
// stored (an open draft of a published service), from what is built now.
func (c *Catalog) trueNow(ctx context.Context, svc *Service) error {
	if svc.stored {
		return nil
	}
	b, err := c.built(ctx, svc.Record)
	if err != nil {
		return err
	}
	setTrue(svc, b)
	return nil
}

// Recompute computes the true level of the published and retired services
// ids (identifiers; none means every one) from what the machinery says is
// built now, and stores those that changed, each with an event, then
// refreshes this node's copies and search index. It is called when a
// ruleset or subscription is activated, rolled back or retired, when the
// exchange's registry changes, at start-up, and by Follow every minute.
// Unknown or malformed ids are skipped: a hook may name a service that was
// never published.
func (c *Catalog) Recompute(ctx context.Context, ids ...string) error {
	const op = "catalog.Recompute"
	c.lv.mu.Lock()
	defer c.lv.mu.Unlock()
	q := serviceSelect + `s.published_version WHERE s.published_version > 0`
	var args []any
	if len(ids) > 0 {
		var marks []string
		for _, id := range ids {
			id, err := ParseID(id)
			if err != nil {
				continue
			}
			args = append(args, id)
			marks = append(marks, "$"+strconv.Itoa(len(args)))
		}
		if len(args) == 0 {
			return nil
		}
		q += ` AND s.identifier IN (` + strings.Join(marks, ", ") + `)`
	}
	list, err := queryServices(ctx, c.s.Read(), q, args...)
	if err != nil {
		return errs.Wrap(op, err)
	}
	recs := make([]Record, len(list))
	for i, svc := range list {
		recs[i] = svc.Record
	}
	b, err := c.built(ctx, recs...)
	if err != nil {
		return errs.Wrap(op, err)
	}
	type change struct {
		svc      Service
		was      Level
		why      string
		declared Level
	}
	var changes []change
	for _, svc := range list {
		was, wasDeclared, wasWhy := svc.Level, svc.Declared, svc.Planned
		setTrue(&svc, b)
		if svc.Level == was && svc.Declared == wasDeclared && reasonsEqual(svc.Planned, wasWhy) {
			continue
		}
		why, err := json.Marshal(reasonsOrEmpty(svc.Planned))
		if err != nil {
			return errs.Wrap(op, err)
		}
		changes = append(changes, change{svc: svc, was: was, why: string(why), declared: svc.Declared})
	}
	if len(changes) == 0 {
		return nil
	}
	var done []string
	err = c.s.InTx(ctx, func(tx *store.Tx) error {
		done = done[:0]
		for _, ch := range changes {
			// Only the version that was read: a publication in between
			// computed the level of its own version.
			res, err := tx.ExecContext(ctx, `UPDATE catalog_services SET level = $1, declared = $2, level_why = $3
				WHERE id = $4 AND published_version = $5`, int(ch.svc.Level), int(ch.declared), ch.why, ch.svc.Key, ch.svc.Version)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue
			}
			if err := tx.Append(ctx, store.Event{Kind: evLevelChanged, Actor: "system", Agency: ch.svc.Record.Agency, Service: ch.svc.ID},
				map[string]any{"level": ch.svc.Level.String(), "was": ch.was.String(), "declared": ch.declared.String()}); err != nil {
				return err
			}
			done = append(done, ch.svc.ID)
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(op, err)
	}
	for _, id := range done {
		c.indexed(ctx, id)
	}
	return nil
}

// recomputeEveryMinute is Follow's periodic Recompute.
func (c *Catalog) recomputeEveryMinute(ctx context.Context) {
	now := time.Now()
	c.lv.lastMu.Lock()
	due := now.Sub(c.lv.last) >= recomputeEvery
	if due {
		c.lv.last = now
	}
	c.lv.lastMu.Unlock()
	if !due || c.mach.Load() == nil {
		return
	}
	if err := c.Recompute(ctx); err != nil && ctx.Err() == nil {
		c.log.Warn("catalog: recomputing true levels", "err", err)
	}
}

func reasonsEqual(a, b []Reason) bool { return slices.Equal(a, b) }

func reasonsOrEmpty(r []Reason) []Reason {
	if r == nil {
		return []Reason{}
	}
	return r
}

package catalog

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns catalog's migration set: its tables for both engines.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "catalog", FS: sub}
}

// Index is the search index over published services (implemented in
// catalog/search). Catalog keeps it in step with the published records: it
// calls Put after a publication commits and Delete after a retirement, from
// several goroutines at once: implementations must be safe for concurrent use.
type Index interface {
	Put(svc Service) error  // add or replace a published service
	Delete(id string) error // remove a service that is no longer published
	Search(q Query) (Results, error)
}

// agencyIndex is an Index that also finds services by their agency's
// names (catalog/search is one): Catalog gives it the names at start-up and
// whenever an agency is saved on this node.
type agencyIndex interface {
	SetAgencies([]Agency) error
}

// Catalog is the service registry. Its methods are the only writers of the
// catalog_ tables; each write is one store transaction with its event. It is
// safe for concurrent use.
type Catalog struct {
	s   *store.Store
	idx Index
	log *slog.Logger

	mu        sync.Mutex     // guards lastEvent and handled
	lastEvent int64          // the newest event id this node has seen
	handled   map[int64]bool // catalog events within followWindow of lastEvent already handled

	// current holds the current version of every service this node has
	// read or loaded, by identifier. Published records change only through
	// Publish, Retire and the review job, after which this node refreshes
	// the entry (refresh); changes made on other nodes arrive through
	// Follow. So Service reads memory, not the database, which is what lets
	// the service page stay fast under load: readers never queue for a
	// database connection.
	curMu   sync.RWMutex
	current map[string]Service

	// onPublish runs inside every publication's transaction (OnPublish).
	onPublish []PublishHook
	inq       atomic.Pointer[inquiries] // the exchange Publish asks (CheckInquiries), or nil
	mach      atomic.Pointer[machinery] // what is built, for true levels (UseMachinery), or nil
	lv        levels                    // serialises Recompute (truelevels.go)
	misses    missCounter               // searches that found nothing, not yet flushed (misses.go)
}

// PublishHook is what another capability does when a record is published,
// in the publication's transaction: an error rolls the publication back.
// It must keep store's rules (it may run twice; it reads no row written
// for later). permit uses it to create the agency's signing key when a
// record that issues documents is published.
type PublishHook func(ctx context.Context, tx *store.Tx, p identity.Principal, rec Record) error

// OnPublish adds h to what every publication runs. Call it while
// assembling the process, before anything is published.
func (c *Catalog) OnPublish(h PublishHook) { c.onPublish = append(c.onPublish, h) }

// New returns the registry on s and loads every published service into idx.
// idx may be nil (then Search is unavailable).
func New(ctx context.Context, s *store.Store, idx Index) (*Catalog, error) {
	c := &Catalog{s: s, idx: idx, log: slog.Default(), handled: map[int64]bool{}, current: map[string]Service{}}
	// Remember the newest event before loading, so that Follow re-indexes
	// anything published while we load (indexing twice is harmless).
	last, err := s.LastEventID(ctx)
	if err != nil {
		return nil, errs.Wrap("catalog.New", err)
	}
	c.lastEvent = last
	if ai, ok := idx.(agencyIndex); ok {
		agencies, err := c.Agencies(ctx)
		if err != nil {
			return nil, errs.Wrap("catalog.New", err)
		}
		if err := ai.SetAgencies(agencies); err != nil {
			return nil, errs.Wrap("catalog.New", err)
		}
	}
	all, err := c.Published(ctx)
	if err != nil {
		return nil, errs.Wrap("catalog.New", err)
	}
	for _, svc := range all {
		c.remember(svc)
		if idx == nil {
			continue
		}
		if err := idx.Put(svc); err != nil {
			return nil, errs.Wrap("catalog.New index "+svc.ID, err)
		}
	}
	return c, nil
}

// Follow keeps this node's index in step with publications made on other
// nodes: every interval it reads the catalog events it has not
// seen and re-indexes the services they name. On the same ticks it writes
// this node's counts of searches that found nothing (every 30 s, and once
// more when it stops). It returns when ctx is done.
func (c *Catalog) Follow(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := c.catchUp(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("catalog: following events", "err", err)
		}
		c.flushMissesEvery(ctx)
		c.recomputeEveryMinute(ctx)
		select {
		case <-ctx.Done():
			// The last counts of searches that found nothing.
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := c.FlushMisses(last); err != nil {
				c.log.Warn("catalog: counting searches that found nothing", "err", err)
			}
			return
		case <-t.C:
		}
	}
}

// followWindow is how far back, in event ids, Follow looks again on every
// poll. On PostgreSQL ids are taken when a row is inserted, not when its
// transaction commits, so an event with a smaller id can become visible
// after a larger one; looking back over a window (and skipping events
// already handled) catches those late commits.
const followWindow = 1000

// catchUp re-indexes the services and agencies named by catalog events that
// this node has not handled yet.
func (c *Catalog) catchUp(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	const page = 500
	after := max(c.lastEvent-followWindow, 0)
	for {
		evs, err := c.s.Events(ctx, store.EventFilter{KindPrefix: "catalog.", AfterID: after, Limit: page})
		if err != nil {
			return err
		}
		done := map[string]bool{}
		for _, ev := range evs {
			after = ev.ID
			if c.handled[ev.ID] {
				continue
			}
			if ev.Kind == evAgencySaved && ev.Agency != "" {
				a, err := c.Agency(ctx, ev.Agency)
				if err != nil {
					return err
				}
				// Re-reading every service of the agency is cheap and
				// covers a domain change whether or not it happened.
				c.agencyChanged(ctx, a, true)
			}
			if ev.Service != "" && !done[ev.Service] && ev.Kind != evDrafted {
				if err := c.reindex(ctx, ev.Service); err != nil {
					return err
				}
				done[ev.Service] = true
			}
			c.handled[ev.ID] = true
			c.lastEvent = max(c.lastEvent, ev.ID)
		}
		if len(evs) < page {
			break
		}
	}
	for id := range c.handled {
		if id <= c.lastEvent-followWindow {
			delete(c.handled, id)
		}
	}
	return nil
}

// reindex re-reads the service with identifier id from the database,
// refreshes this node's copy of it, and puts it into the index if it is
// published, or removes it otherwise.
func (c *Catalog) reindex(ctx context.Context, id string) error {
	svc, err := c.loadService(ctx, id)
	switch {
	case errs.Is(err, errs.NotFound):
		c.forget(id)
		if c.idx == nil {
			return nil
		}
		return c.idx.Delete(id)
	case err != nil:
		return err
	}
	c.remember(svc)
	if c.idx == nil {
		return nil
	}
	if svc.Status == Published {
		return c.idx.Put(svc)
	}
	return c.idx.Delete(id)
}

func (c *Catalog) remember(svc Service) {
	c.curMu.Lock()
	c.current[svc.ID] = svc
	c.curMu.Unlock()
}

func (c *Catalog) forget(id string) {
	c.curMu.Lock()
	delete(c.current, id)
	c.curMu.Unlock()
}

func (c *Catalog) recall(id string) (Service, bool) {
	c.curMu.RLock()
	svc, ok := c.current[id]
	c.curMu.RUnlock()
	return svc, ok
}

// indexed is called after a publication or retirement commits. A failure
// leaves the index stale but the registry right; Follow repairs it from the
// event, so it is logged, not returned.
func (c *Catalog) indexed(ctx context.Context, id string) {
	if err := c.reindex(ctx, id); err != nil {
		c.log.Warn("catalog: updating the search index", "service", id, "err", err)
	}
}

// Event kinds appended by catalog.
const (
	evAgencySaved = "catalog.agency.saved"
	evRegionSaved = "catalog.region.saved"
	evDrafted     = "catalog.service.drafted"
	evPublished   = "catalog.service.published"
	evRetired     = "catalog.service.retired"
	evReviewDue   = "catalog.service.review_due"
	// evLevelChanged: see truelevels.go.
)

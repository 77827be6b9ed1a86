package web

import (
	"context"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/catalog"
)

// pageCache keeps rendered pages whose content is fully determined by their
// key: a service page is keyed by the service's version and status, the
// language, the exact path and the generation of the agency names, so a
// hit is always what rendering would give now, never a stale page. It saves
// the template execution, which is most of a page's cost; the record itself
// is still read on every request.
//
// It holds at most max bytes; when full, it forgets entries at random (Go's
// map order), which is enough for pages that are all about the same size.
type pageCache struct {
	mu    sync.RWMutex
	m     map[pageKey][]byte
	bytes int
	max   int
}

// pageKey identifies one rendering of a service page.
type pageKey struct {
	path     string // the request path, which the language switch link repeats
	lang     lang
	id       string
	version  int
	status   string
	levels   string // the true and declared levels and why they differ: they change without a new version
	agencies uint64 // generation of the agency names
	rules    int    // the active version of the service's rules, 0 for none
	rulesAt  int64  // when that version was activated (a rollback activates it again)
}

func newPageCache(max int) *pageCache {
	return &pageCache{m: map[pageKey][]byte{}, max: max}
}

// get returns the page for k, if cached. The bytes must not be changed.
func (c *pageCache) get(k pageKey) ([]byte, bool) {
	c.mu.RLock()
	b, ok := c.m[k]
	c.mu.RUnlock()
	return b, ok
}

// put stores a copy of page under k.
func (c *pageCache) put(k pageKey, page []byte) {
	if len(page) > c.max/16 {
		return // not worth crowding out the others
	}
	b := append([]byte(nil), page...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		c.bytes -= len(old)
	}
	for key, v := range c.m {
		if c.bytes+len(b) <= c.max {
			break
		}
		delete(c.m, key)
		c.bytes -= len(v)
	}
	c.m[k] = b
	c.bytes += len(b)
}

// overview is what the home and agencies pages show about the whole
// catalogue: the facet counts of every published service and the most used
// services for citizens and businesses. It is computed from a search over everything, which costs a few
// milliseconds, so it is shared for a few seconds: these are counts and a
// list of links, and a publication shows in them at most ttl later (the
// service's own page and search results show it at once).
type overview struct {
	all     catalog.Results // a search with no filter: totals and facets
	popular []catalog.Service
	stats   catalog.AgencyStats // the whole catalogue's (planned services)
}

// refreshed holds a value that load computes, recomputed by one request at a
// time once it is older than ttl while the others keep using the old one. If
// a refresh fails and there is an old value, the old one is kept: pages show
// slightly stale names and counts rather than an error.
type refreshed[T any] struct {
	ttl  time.Duration
	load func(ctx context.Context, old *T) (*T, error)

	mu      sync.RWMutex
	cur     *T
	loaded  time.Time
	refresh sync.Mutex // one refresh at a time
}

// get returns the value, computing it when it is older than ttl.
func (c *refreshed[T]) get(ctx context.Context) (*T, error) {
	fresh := func() (*T, bool) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return c.cur, c.cur != nil && time.Since(c.loaded) < c.ttl
	}
	cur, ok := fresh()
	if ok {
		return cur, nil
	}
	if cur != nil && !c.refresh.TryLock() {
		return cur, nil
	}
	if cur == nil {
		c.refresh.Lock()
	}
	defer c.refresh.Unlock()
	if cur, ok = fresh(); ok {
		return cur, nil
	}
	next, err := c.load(ctx, cur)
	if err != nil {
		if cur != nil {
			return cur, nil
		}
		return nil, err
	}
	c.mu.Lock()
	c.cur, c.loaded = next, time.Now()
	c.mu.Unlock()
	return next, nil
}

// expire makes the next get recompute the value, as if ttl had passed.
func (c *refreshed[T]) expire() {
	c.mu.Lock()
	c.loaded = time.Time{}
	c.mu.Unlock()
}

// loadOverview computes the overview of the catalogue.
func loadOverview(cat *catalog.Catalog) func(context.Context, *overview) (*overview, error) {
	return func(ctx context.Context, _ *overview) (*overview, error) {
		all, err := cat.Search(ctx, catalog.Query{PerPage: 1})
		if err != nil {
			return nil, err
		}
		// The home page is for citizens and businesses: services that
		// agencies offer one another are not among its most used, however
		// many requests they serve.
		most, err := cat.Popular(ctx, 5*popularCount)
		if err != nil {
			return nil, err
		}
		popular := make([]catalog.Service, 0, popularCount)
		for _, s := range most {
			if s.Record.Audience != catalog.G2G && len(popular) < popularCount {
				popular = append(popular, s)
			}
		}
		stats, err := cat.Stats(ctx)
		if err != nil {
			return nil, err
		}
		return &overview{all: all, popular: popular, stats: stats}, nil
	}
}

// popularCount is how many popular services the home page shows.
const popularCount = 6

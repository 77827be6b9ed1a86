package exchange

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// The registry cache. Authorize runs on every inquiry and reads the client
// subsystem, the service and the client's rights to it; these change rarely
// (a registration, a grant, a revocation) and are read thousands of times a
// second, so they are kept in memory.
//
// Staleness is bounded as follows:
//   - On the node that made a change, the cache is emptied right after the
//     change's transaction commits (invalidate), before the verb returns: a
//     revoked right is never honoured there after RevokeRight returns.
//   - Other nodes see the change through the events table: Follow polls a
//     fingerprint of the registry events (their count and largest id) every
//     interval (1 s by default) and empties the cache when it moves. A right
//     revoked on one node is refused on every other node within one interval
//     plus one poll.
//
// Only what is registered is cached, so an unknown client or service named
// by a caller never grows the maps. Consents are not cached: they are read
// for every call that needs one, so a withdrawal takes effect at once on
// every node. Expiry needs no invalidation: rights are checked against the
// time of each call.
type regCache struct {
	mu         sync.RWMutex
	gen        uint64 // bumped on every invalidation; a load started under an older one is not kept
	subsystems map[SubsystemID]Subsystem
	services   map[ServiceID]DataService
	rights     map[rightsKey][]AccessRight
}

type rightsKey struct {
	service ServiceID
	client  SubsystemID
}

func newRegCache() *regCache {
	return &regCache{subsystems: map[SubsystemID]Subsystem{}, services: map[ServiceID]DataService{},
		rights: map[rightsKey][]AccessRight{}}
}

// invalidate forgets everything; loads begun before it are not stored.
func (c *regCache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.subsystems)
	clear(c.services)
	clear(c.rights)
	c.mu.Unlock()
}

// registryEvents are the kinds of event that change what Authorize reads.
const registryEvents = `'exchange.subsystem.registered', 'exchange.subsystem.callback', 'exchange.service.registered',
	'exchange.right.granted', 'exchange.right.revoked'`

// invalidate empties the registry cache: call it after every committed
// registry change.
func (x *Exchange) invalidate() { x.cache.invalidate() }

// cachedSubsystem returns a registered subsystem from the cache, reading it
// on a miss. An unregistered one is errs.NotFound and is not remembered.
func (x *Exchange) cachedSubsystem(ctx context.Context, id SubsystemID) (Subsystem, error) {
	c := x.cache
	c.mu.RLock()
	s, ok := c.subsystems[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	s, err := x.Subsystem(ctx, id)
	if err != nil {
		return Subsystem{}, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.subsystems[id] = s
	}
	c.mu.Unlock()
	return s, nil
}

// cachedService returns the current version of a registered service.
func (x *Exchange) cachedService(ctx context.Context, id ServiceID) (DataService, error) {
	c := x.cache
	c.mu.RLock()
	s, ok := c.services[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	s, err := x.Service(ctx, id)
	if err != nil {
		return DataService{}, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.services[id] = s
	}
	c.mu.Unlock()
	return s, nil
}

// cachedRights returns every right, current and past, of client to service.
// Callers must have checked that both are registered, which bounds the map.
// The slice is shared: callers must not change it.
func (x *Exchange) cachedRights(ctx context.Context, service ServiceID, client SubsystemID) ([]AccessRight, error) {
	c := x.cache
	k := rightsKey{service, client}
	c.mu.RLock()
	rs, ok := c.rights[k]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return rs, nil
	}
	rs, err := queryRights(ctx, x.st.Read(), `WHERE service = $1 AND client = $2`, service.String(), client.String())
	if err != nil {
		return nil, errs.Wrap("exchange.Authorize", err)
	}
	rs = slices.Clip(rs)
	c.mu.Lock()
	if c.gen == gen {
		c.rights[k] = rs
	}
	c.mu.Unlock()
	return rs, nil
}

// registryMark is a fingerprint of the registry events: it moves whenever
// one commits, on any node. The count catches an event that commits late
// with a smaller id than one already seen (PostgreSQL takes ids at insert,
// not at commit).
type registryMark struct{ count, last int64 }

func (x *Exchange) registryMark(ctx context.Context) (registryMark, error) {
	var m registryMark
	err := x.st.Read().QueryRowContext(ctx, `SELECT count(*), coalesce(max(id), 0) FROM events WHERE kind IN (`+registryEvents+`)`).
		Scan(&m.count, &m.last)
	return m, err
}

// Follow keeps this node's registry cache in step with changes made on
// other nodes: every interval it reads the registry events' fingerprint and
// empties the cache when it has moved. It returns when ctx is done.
func (x *Exchange) Follow(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	seen, err := x.registryMark(ctx)
	if err != nil {
		// Without a starting mark, the first successful read empties the cache.
		seen = registryMark{count: -1}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, err := x.registryMark(ctx)
		if err != nil {
			// A failed poll cannot vouch for the cache: empty it, so calls
			// read the database (and fail if it is down) until polls work.
			x.invalidate()
			continue
		}
		if m != seen {
			x.invalidate()
			seen = m
		}
	}
}

package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the writer's statements prepared, on SQLite, where
// modernc's driver would otherwise parse every statement afresh each time:
// parsing was a third of a submission's time on the single writer. The
// cache is keyed by the statement's text, so a statement built at run time
// with a varying text would fill it: it stops growing at maxStmts.
//
// A statement is prepared only between transactions (a transaction holds
// the one writer connection, and preparing needs it): the first time a
// transaction runs a statement it is executed unprepared and noted, and the
// committer prepares what was noted once its group has committed.
type stmtCache struct {
	mu     sync.RWMutex
	on     bool
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

const maxStmts = 512

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.stmts[query]
	on := c.on
	c.mu.RUnlock()
	if ok || !on {
		return st
	}
	c.mu.Lock()
	if c.on && len(c.stmts)+len(c.wanted) < maxStmts {
		if c.wanted == nil {
			c.wanted = map[string]bool{}
		}
		c.wanted[query] = true
	}
	c.mu.Unlock()
	return nil
}

// prepareWanted prepares the statements noted since the last call. It must
// not be called while a transaction holds the writer.
func (c *stmtCache) prepareWanted(db *sql.DB) {
	c.mu.Lock()
	wanted := c.wanted
	c.wanted = nil
	c.mu.Unlock()
	for q := range wanted {
		st, err := db.PrepareContext(context.Background(), q)
		if err != nil {
			continue // it will run unprepared, as before; the error shows where it runs
		}
		c.mu.Lock()
		if !c.on {
			c.mu.Unlock()
			st.Close()
			return
		}
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		c.stmts[q] = st
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts, c.wanted, c.on = nil, nil, false
}

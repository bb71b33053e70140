package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedArgs bounds the statements a stmtCache keeps: one per count
// of arguments up to it (a question hydrates a few dozen passages at
// most); a longer list is prepared for its call alone.
const maxCachedArgs = 64

// stmtCache holds prepared statements of one query shape by the number of
// its arguments (an IN list). database/sql prepares a statement again on
// each pooled connection that first runs it, then reuses it there.
type stmtCache struct {
	mu sync.Mutex
	m  map[int]*sql.Stmt
}

// cachedStmt is a statement from a stmtCache; owned means the caller
// must close it (it was prepared for one call).
type cachedStmt struct {
	*sql.Stmt
	owned bool
}

// get returns the statement for n arguments, preparing query(n) on db the
// first time.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, n int, query func(n int) string) (cachedStmt, error) {
	if n > maxCachedArgs {
		st, err := db.PrepareContext(ctx, query(n))
		return cachedStmt{Stmt: st, owned: true}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[n]; ok {
		return cachedStmt{Stmt: st}, nil
	}
	st, err := db.PrepareContext(ctx, query(n))
	if err != nil {
		return cachedStmt{}, err
	}
	if c.m == nil {
		c.m = make(map[int]*sql.Stmt)
	}
	c.m[n] = st
	return cachedStmt{Stmt: st}, nil
}

// close closes every statement kept.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

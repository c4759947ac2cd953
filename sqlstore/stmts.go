package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// On SQLite, preparing a statement costs more than running most of the
// store's queries, so each statement is prepared once per connection and
// reused: the Store keeps one *sql.Stmt per SQL text, which database/sql
// prepares lazily on each connection of the pool, and transactions reuse
// through Tx.StmtContext on their own connection. pgx keeps a statement
// cache of its own per connection, so PostgreSQL statements go through the
// pool unprepared.
//
// A transaction never takes a second connection from the pool: that could
// deadlock a full pool (on an in-memory database, readers waiting for the
// writer's table locks hold the other connections). So a transaction only
// uses statements already prepared, and Update prepares them all, before
// it begins, the first time.

// stmtCache holds the prepared statements of a Store.
type stmtCache struct {
	db     *sql.DB
	all    []string // every statement of the dialect
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	closed bool

	warming sync.Mutex
	warm    atomic.Bool // every statement of all is prepared
}

// lookup returns the prepared form of query, or nil if it is not prepared
// yet. It never uses the pool.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// prepareAll prepares every statement, once; concurrent callers wait for
// the first. It is called outside any transaction. A failure (a schema not
// yet migrated) is not an error: statements that could not be prepared
// run unprepared, and the next call tries again.
func (c *stmtCache) prepareAll(ctx context.Context) {
	if c.warm.Load() {
		return
	}
	c.warming.Lock()
	defer c.warming.Unlock()
	if c.warm.Load() {
		return
	}
	for _, q := range c.all {
		if c.get(ctx, q) == nil {
			return
		}
	}
	c.warm.Store(true)
}

// get returns the prepared form of query, preparing it on first use (on
// a connection of the pool: never call it inside a transaction). It
// returns nil if the cache is closed or preparing fails: the caller then
// runs the query unprepared, which reports the error if there is one.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.m[query]; prev != nil || c.closed {
		_ = st.Close()
		return prev
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[query] = st
	return st
}

// close closes every prepared statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var first error
	for _, st := range c.m {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
	}
	c.m = nil
	return first
}

// poolStmts runs the Store's statements on its pool, prepared.
type poolStmts struct {
	db    *sql.DB
	stmts *stmtCache
}

func (p poolStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p poolStmts) QueryContext(ctx context.Context, query string, args ...any) (rows, error) {
	if st := p.stmts.get(ctx, query); st != nil {
		return sqlRows(st.QueryContext(ctx, args...))
	}
	return sqlRows(p.db.QueryContext(ctx, query, args...))
}

func (p poolStmts) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	if st := p.stmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// txStmts runs a transaction's statements, prepared if they are.
type txStmts struct {
	tx    *sql.Tx
	stmts *stmtCache
}

func (t txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmts.lookup(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t txStmts) QueryContext(ctx context.Context, query string, args ...any) (rows, error) {
	if st := t.stmts.lookup(query); st != nil {
		return sqlRows(t.tx.StmtContext(ctx, st).QueryContext(ctx, args...))
	}
	return sqlRows(t.tx.QueryContext(ctx, query, args...))
}

func (t txStmts) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	if st := t.stmts.lookup(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
)

// A database/sql driver wrapper that breaks connections in the middle of
// transactions. Every call a connection makes from BeginTx to Commit
// (BeginTx, each statement prepared or run inside the transaction, Commit)
// is numbered from 1 since the last arm; the armed call finds its
// connection broken, the way a crashed server, a killed backend or a
// network cut would leave it.

// connBreaker numbers the calls of transactions and breaks the armed one.
// It is safe for concurrent use.
type connBreaker struct {
	// cut breaks c's connection for its armed call, which runs next
	// unless cut returns an error (the call's error instead).
	cut func(ctx context.Context, c *breakableConn) error

	mu     sync.Mutex
	armed  int // the call to break; 0: none
	calls  int
	broken string // the name of the call broken since arm, "" if none
}

// arm numbers calls afresh and breaks the k-th; k <= 0 disarms.
func (b *connBreaker) arm(k int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed, b.calls, b.broken = k, 0, ""
}

// disarm stops breaking and returns the name of the call broken since
// arm ("" if none) and how many calls were made.
func (b *connBreaker) disarm() (broken string, calls int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	broken, calls = b.broken, b.calls
	b.armed = 0
	return broken, calls
}

// hit counts a call and reports whether it is the armed one.
func (b *connBreaker) hit(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if b.armed > 0 && b.calls == b.armed {
		b.broken = name
		return true
	}
	return false
}

// breakableConnector opens breakable connections through open.
type breakableConnector struct {
	open func(ctx context.Context) (driver.Conn, error)
	drv  driver.Driver
	b    *connBreaker
}

func (c breakableConnector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	return &breakableConn{inner: inner, b: c.b, stmts: map[*breakableStmt]bool{}}, nil
}

func (c breakableConnector) Driver() driver.Driver { return c.drv }

// breakableConn is a connection of the wrapped driver. database/sql uses
// a connection from one goroutine at a time; mu guards what Close of a
// statement may touch from another.
type breakableConn struct {
	inner driver.Conn
	b     *connBreaker

	mu    sync.Mutex
	inTx  bool
	dead  bool // killed by the test: every call fails with ErrBadConn
	stmts map[*breakableStmt]bool
}

var (
	_ driver.ConnBeginTx        = (*breakableConn)(nil)
	_ driver.ConnPrepareContext = (*breakableConn)(nil)
	_ driver.ExecerContext      = (*breakableConn)(nil)
	_ driver.QueryerContext     = (*breakableConn)(nil)
	_ driver.Pinger             = (*breakableConn)(nil)
	_ driver.SessionResetter    = (*breakableConn)(nil)
	_ driver.Validator          = (*breakableConn)(nil)
	_ driver.NamedValueChecker  = (*breakableConn)(nil)
)

// step counts a call of a transaction (BeginTx included) and breaks the
// connection if it is the armed one. Calls outside transactions are
// neither counted nor broken.
func (c *breakableConn) step(ctx context.Context, name string) error {
	c.mu.Lock()
	dead, inTx := c.dead, c.inTx
	c.mu.Unlock()
	if dead {
		return driver.ErrBadConn
	}
	if (!inTx && name != "BeginTx") || !c.b.hit(name) {
		return nil
	}
	return c.b.cut(ctx, c)
}

// kill finalizes the connection's statements and closes it, which rolls
// back its transaction, as the death of the process holding it would:
// every later call fails with driver.ErrBadConn.
func (c *breakableConn) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return
	}
	c.dead = true
	for st := range c.stmts {
		_ = st.inner.Close()
	}
	clear(c.stmts)
	_ = c.inner.Close()
}

func (c *breakableConn) isDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

func (c *breakableConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *breakableConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.step(ctx, "Prepare"); err != nil {
		return nil, err
	}
	var inner driver.Stmt
	var err error
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		inner, err = p.PrepareContext(ctx, query)
	} else {
		inner, err = c.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	st := &breakableStmt{inner: inner, c: c}
	c.mu.Lock()
	c.stmts[st] = true
	c.mu.Unlock()
	return st, nil
}

func (c *breakableConn) Close() error {
	c.kill()
	return nil
}

func (c *breakableConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *breakableConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.step(ctx, "BeginTx"); err != nil {
		return nil, err
	}
	inner, err := c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.inTx = true
	c.mu.Unlock()
	return &breakableTx{inner: inner, c: c}, nil
}

func (c *breakableConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.step(ctx, "Exec"); err != nil {
		return nil, err
	}
	e, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return e.ExecContext(ctx, query, args)
}

func (c *breakableConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.step(ctx, "Query"); err != nil {
		return nil, err
	}
	q, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return q.QueryContext(ctx, query, args)
}

func (c *breakableConn) Ping(ctx context.Context) error {
	if c.isDead() {
		return driver.ErrBadConn
	}
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *breakableConn) ResetSession(ctx context.Context) error {
	if c.isDead() {
		return driver.ErrBadConn
	}
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *breakableConn) IsValid() bool {
	if c.isDead() {
		return false
	}
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *breakableConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// breakableTx counts its commit as a call of the transaction.
type breakableTx struct {
	inner driver.Tx
	c     *breakableConn
}

func (t *breakableTx) end() {
	t.c.mu.Lock()
	t.c.inTx = false
	t.c.mu.Unlock()
}

func (t *breakableTx) Commit() error {
	defer t.end()
	if err := t.c.step(context.Background(), "Commit"); err != nil {
		return err
	}
	return t.inner.Commit()
}

func (t *breakableTx) Rollback() error {
	defer t.end()
	if t.c.isDead() {
		return driver.ErrBadConn
	}
	return t.inner.Rollback()
}

// breakableStmt is a statement prepared on a breakableConn: running it in
// a transaction is a call of the transaction.
type breakableStmt struct {
	inner driver.Stmt
	c     *breakableConn
}

func (s *breakableStmt) Close() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if !s.c.stmts[s] {
		return nil // finalized by kill
	}
	delete(s.c.stmts, s)
	return s.inner.Close()
}

func (s *breakableStmt) NumInput() int { return s.inner.NumInput() }

func (s *breakableStmt) Exec(args []driver.Value) (driver.Result, error) {
	return nil, fmt.Errorf("breakableStmt: Exec without context is not supported")
}

func (s *breakableStmt) Query(args []driver.Value) (driver.Rows, error) {
	return nil, fmt.Errorf("breakableStmt: Query without context is not supported")
}

func (s *breakableStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.c.step(ctx, "Exec"); err != nil {
		return nil, err
	}
	return s.inner.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *breakableStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.c.step(ctx, "Query"); err != nil {
		return nil, err
	}
	return s.inner.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// terminateBackend terminates the PostgreSQL backend pid from the admin
// connection and waits until it has exited. (pg_terminate_backend's own
// wait polls every 100 ms; this one polls every millisecond.)
func terminateBackend(t *testing.T, pid uint32) {
	t.Helper()
	ctx := context.Background()
	var ok bool
	require.NoError(t, pgAdmin.QueryRowContext(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&ok))
	require.True(t, ok, "pg_terminate_backend(%d)", pid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		require.NoError(t, pgAdmin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n))
		if n == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "backend %d still running 5 s after pg_terminate_backend", pid)
		time.Sleep(time.Millisecond)
	}
}

// breakableStore is a Store over a pool of breakable connections.
type breakableStore struct {
	*Store
	b *connBreaker
}

// newBreakableStore migrates the database of connector c and returns a
// Store over it, closed when the test ends.
func newBreakableStore(t *testing.T, c breakableConnector, d Dialect, maxConns int) breakableStore {
	t.Helper()
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	require.NoError(t, Migrate(t.Context(), db, d))
	s, err := New(db, d)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return breakableStore{Store: s, b: c.b}
}

// openBreakableSQLite opens a Store on a new SQLite file whose connections
// break by dying: the armed call finalizes its connection's statements
// and closes it (SQLite rolls the transaction back) and fails with
// driver.ErrBadConn, as every later call on that connection does.
func openBreakableSQLite(t *testing.T) breakableStore {
	t.Helper()
	probe, err := sql.Open("sqlite", "")
	require.NoError(t, err)
	drv := probe.Driver()
	require.NoError(t, probe.Close())
	dsn := sqliteDSN(sqlitePath(t))
	b := &connBreaker{cut: func(_ context.Context, c *breakableConn) error {
		c.kill()
		return driver.ErrBadConn
	}}
	return newBreakableStore(t, breakableConnector{
		open: func(context.Context) (driver.Conn, error) { return drv.Open(dsn) },
		drv:  drv, b: b,
	}, SQLite, 4)
}

// openBreakablePostgres opens a Store on a fresh schema whose connections
// break on the server's side: the armed call first has the connection's
// backend terminated (pg_terminate_backend, waiting until it has exited)
// from the admin connection, then runs, and meets the closed connection.
func openBreakablePostgres(t *testing.T) breakableStore {
	t.Helper()
	cfg, err := pgx.ParseConfig(postgresSchemaURL(t))
	require.NoError(t, err)
	inner := stdlib.GetConnector(*cfg)
	b := &connBreaker{cut: func(ctx context.Context, c *breakableConn) error {
		terminateBackend(t, c.inner.(interface{ Conn() *pgx.Conn }).Conn().PgConn().PID())
		return nil
	}}
	return newBreakableStore(t, breakableConnector{open: inner.Connect, drv: inner.Driver(), b: b}, Postgres, 8)
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"sync"
	"time"

	"github.com/tenancykit/tenancy"
)

// Store is a tenancy.Store over a database/sql pool. It is safe for
// concurrent use, and any number of Stores (in one process or many) may
// share one PostgreSQL database.
type Store struct {
	reader
	db *sql.DB
	// owned is true when Open created db: Close then closes it.
	owned bool
	// pin holds one connection of a shared in-memory SQLite database
	// open, so that the database outlives idle pool connections.
	pin *sql.Conn
	// writers, on SQLite, lets one write transaction of this Store run at
	// a time: writers queue here instead of polling SQLite's lock.
	writers chan struct{}
	// stmts, on SQLite, are the prepared statements (see stmtCache).
	stmts *stmtCache
	// pipe, when the Driver's Pool has one, pipelines the statements of
	// each transaction (see Pipeliner).
	pipe      Pipeliner
	closeOnce sync.Once
	closeErr  error
}

var _ tenancy.Store = (*Store)(nil)

// Open opens the database that url names through the Driver registered
// for its scheme, and migrates it to the latest schema (see Migrate). Each
// driver is a package of its own, which registers its schemes when
// imported, so that a host links only the database it uses:
//
//	import _ "github.com/tenancykit/tenancy/sqlstore/sqlite"   // sqlite:
//	import _ "github.com/tenancykit/tenancy/sqlstore/postgres" // postgres:, postgresql:
//
// The forms of url are then:
//
//	sqlite:///abs/path/tenancy.db   SQLite file at an absolute path
//	sqlite://rel/path/tenancy.db    SQLite file relative to the working directory
//	sqlite::memory:                 private in-memory SQLite database, shared by the pool
//	postgres://user:pw@host:5432/db?sslmode=disable
//	postgresql://…                  PostgreSQL, any URL pgx accepts
//
// The driver packages document how they configure the database and its
// pool. Open returns an error matching tenancy.ErrInvalidInput for a
// malformed url, or one whose scheme has no driver (naming the package
// to import when this module has one), and the database's error if it
// cannot connect or migrate. Close the Store to close the pool.
func Open(ctx context.Context, url string) (*Store, error) {
	drv, err := drivers.lookup(url)
	if err != nil {
		return nil, err
	}
	p, err := drv.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return openPool(ctx, p, fmt.Sprintf("the driver (%T)", drv))
}

// OpenPool is Open on a pool the host configured itself, such as one from
// the postgres driver's NewPool over a pgx configuration of its own (TLS,
// a tracer, a dial function): the Store owns the pool (Close closes it),
// migrates the database, and pipelines its transactions if the pool has a
// Pipeliner. It returns an error matching tenancy.ErrInvalidInput, and
// closes p.DB, if p has no DB or the zero Dialect, or a Pipeliner for
// SQLite.
func OpenPool(ctx context.Context, p Pool) (*Store, error) {
	return openPool(ctx, p, "the pool")
}

func openPool(ctx context.Context, p Pool, from string) (*Store, error) {
	if p.DB == nil || p.Dialect.d == nil {
		if p.DB != nil {
			_ = p.DB.Close()
		}
		return nil, fmt.Errorf("%w: sqlstore: open: %s has no pool or the zero Dialect", tenancy.ErrInvalidInput, from)
	}
	if p.Pipeliner != nil && !p.Dialect.d.postgres {
		_ = p.DB.Close()
		return nil, fmt.Errorf("%w: sqlstore: open: %s has a Pipeliner for the %s dialect, which cannot pipeline", tenancy.ErrInvalidInput, from, p.Dialect)
	}
	var err error
	s := newStore(p.DB, p.Dialect.d)
	s.owned = true
	s.pipe = p.Pipeliner
	s.byteUUIDs = p.ByteUUIDs
	if p.Pin {
		if s.pin, err = p.DB.Conn(ctx); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("sqlstore: open: %w", s.d.translate(err))
		}
	}
	if err := Migrate(ctx, p.DB, p.Dialect); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// New returns a Store over a pool the host opened and owns. It does not
// migrate: run Migrate first (at start-up, or on the host's own schedule),
// and do not Close the db before the Store is done with it. Close on this
// Store closes nothing.
//
// New needs no driver package of sqlstore: the host's pool brings its
// own database/sql driver. For SQLite, open the pool with
// modernc.org/sqlite and these DSN parameters, which the sqlstore/sqlite
// driver sets for Open:
//
//	_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=mmap_size(1073741824)&_txlock=immediate
//
// (mmap_size(0) reads the file without a memory map; see package
// sqlstore/sqlite.)
//
// Without _txlock=immediate, transactions of other processes may fail
// with SQLITE_BUSY instead of waiting (Update retries them a few times).
// For PostgreSQL, use github.com/jackc/pgx/v5/stdlib (stdlib.OpenDBFromPool
// over a pgxpool.Pool works). Its connections plan with the server's
// random_page_cost, which Open sets to 1.1 (package sqlstore/postgres
// says why): set it in the pool's RuntimeParams, or for the role. A Store
// from New does not pipeline its transactions as one from Open does (see
// Pipeliner): each statement, BEGIN and COMMIT included, is a round trip
// of its own. New does not check the schema. It returns an error matching tenancy.ErrInvalidInput if db
// is nil or d is the zero Dialect.
func New(db *sql.DB, d Dialect) (*Store, error) {
	switch {
	case db == nil:
		return nil, fmt.Errorf("%w: sqlstore: nil *sql.DB", tenancy.ErrInvalidInput)
	case d.d == nil:
		return nil, fmt.Errorf("%w: sqlstore: zero Dialect: use sqlstore.SQLite or sqlstore.Postgres", tenancy.ErrInvalidInput)
	}
	return newStore(db, d.d), nil
}

func newStore(db *sql.DB, d *dialect) *Store {
	s := &Store{db: db, reader: reader{d: d, q: dbQuerier{db}, cache: &policyCache{}}}
	if !d.postgres {
		s.writers = make(chan struct{}, 1)
		s.stmts = &stmtCache{db: db, all: d.q.all}
		s.q = poolStmts{db: db, stmts: s.stmts}
	}
	return s
}

// DB returns the Store's pool, for example to tune its limits
// (SetMaxOpenConns) or to run the host's own queries.
func (s *Store) DB() *sql.DB { return s.db }

// Close releases what the Store owns: for a Store from Open, its pool
// (and with it an in-memory database); for one from New, nothing, since
// the host owns the pool. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.stmts != nil {
			s.closeErr = s.stmts.close()
		}
		if s.pin != nil {
			s.closeErr = errors.Join(s.closeErr, s.pin.Close())
		}
		if s.owned {
			s.closeErr = errors.Join(s.closeErr, s.db.Close())
		}
	})
	return s.closeErr
}

// maxAttempts bounds how many times Update runs a transaction that fails
// with a transient error (serialization failure, deadlock, busy database).
const maxAttempts = 5

// Update runs fn in a read-write transaction and commits it if fn returns
// nil. If fn returns an error, the transaction is rolled back and Update
// returns the error unchanged. A transaction that fails with a transient
// database error (PostgreSQL serialization failure or deadlock, SQLite
// busy) is rolled back and run again, up to 5 times in all with a short
// jittered backoff, so fn may run more than once.
//
// On PostgreSQL the transaction runs at READ COMMITTED; checks that span
// several rows lock the organization first (LockOrganization). With a
// Pipeliner (a Store from Open), its statements go out in batches (see
// Pipeliner), and an error of a deferred write is returned by the call
// that sent it or by Update. On SQLite it is an immediate transaction: one
// writer at a time.
//
// fn must read through tx, not through the Store: a read through the Store
// runs on another connection, does not see the transaction's writes, and
// on an in-memory SQLite database waits for the transaction to end.
func (s *Store) Update(ctx context.Context, fn func(tx tenancy.Tx) error) error {
	for attempt := 1; ; attempt++ {
		retry, err := s.attempt(ctx, fn)
		if err == nil || !retry || attempt == maxAttempts {
			return err
		}
		// Backoff: 2, 4, 8, 16 ms on average, jittered by ±50%.
		d := time.Duration(1<<attempt) * time.Millisecond
		d = d/2 + mathrand.N(d)
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
	}
}

// attempt runs fn in one transaction. retry reports whether the failure
// was transient.
func (s *Store) attempt(ctx context.Context, fn func(tx tenancy.Tx) error) (retry bool, err error) {
	if s.pipe != nil {
		return s.attemptPipelined(ctx, fn)
	}
	if s.stmts != nil {
		s.stmts.prepareAll(ctx)
	}
	if s.writers != nil {
		select {
		case s.writers <- struct{}{}:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		defer func() { <-s.writers }()
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		err = s.d.translate(err)
		return retryable(err), err
	}
	state := &txState{}
	t := &tx{reader: reader{d: s.d, q: txQuerier{sqlTx}, cache: s.cache, state: state, byteUUIDs: s.byteUUIDs}}
	if s.stmts != nil {
		t.q = txStmts{tx: sqlTx, stmts: s.stmts}
	}
	// The deferred rollback also runs if fn panics or calls
	// runtime.Goexit (as a failing test assertion does).
	finished := false
	defer func() {
		if !finished {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return state.retry || retryable(err), err
	}
	finished = true
	if err := sqlTx.Commit(); err != nil {
		err = s.d.translate(err)
		return state.retry || retryable(err), err
	}
	return false, nil
}

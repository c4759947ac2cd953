package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tenancykit/tenancy"
)

func TestTranslateSQLite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sql.Open("sqlite", "file:"+sqlitePath(t)+"?_pragma=foreign_keys(1)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, `
CREATE TABLE p (id TEXT PRIMARY KEY, u TEXT NOT NULL UNIQUE);
CREATE TABLE c (id TEXT PRIMARY KEY, p TEXT NOT NULL REFERENCES p (id));
INSERT INTO p VALUES ('a', 'x');`)
	require.NoError(t, err)

	// Real driver errors, as the database raises them.
	cases := []struct {
		name, stmt string
		code       int
		want       error
	}{
		{"primary key", `INSERT INTO p VALUES ('a', 'y')`, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, tenancy.ErrAlreadyExists},
		{"unique", `INSERT INTO p VALUES ('b', 'x')`, sqlite3.SQLITE_CONSTRAINT_UNIQUE, tenancy.ErrAlreadyExists},
		{"foreign key", `INSERT INTO c VALUES ('c', 'missing')`, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, tenancy.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, raw := db.ExecContext(ctx, tc.stmt)
			var se *sqlite.Error
			require.ErrorAs(t, raw, &se)
			require.Equal(t, tc.code, se.Code())
			err := translateSQLite(raw)
			require.ErrorIs(t, err, tc.want)
			require.ErrorAs(t, err, &se, "the driver error stays reachable")
			require.False(t, retryable(err))
		})
	}

	t.Run("busy", func(t *testing.T) {
		path := sqlitePath(t)
		holder, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
		require.NoError(t, err)
		defer holder.Close()
		waiter, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(0)")
		require.NoError(t, err)
		defer waiter.Close()
		tx, err := holder.BeginTx(ctx, nil)
		require.NoError(t, err)
		defer tx.Rollback()
		_, raw := waiter.BeginTx(ctx, nil)
		var se *sqlite.Error
		require.ErrorAs(t, raw, &se)
		require.Equal(t, sqlite3.SQLITE_BUSY, se.Code()&0xff)
		err = translateSQLite(raw)
		require.True(t, retryable(err))
		require.NotErrorIs(t, err, tenancy.ErrAlreadyExists)
	})

	t.Run("other errors keep their identity", func(t *testing.T) {
		_, raw := db.ExecContext(ctx, `SELECT * FROM missing_table`)
		err := translateSQLite(raw)
		require.Error(t, err)
		require.False(t, retryable(err))
		require.NotErrorIs(t, err, tenancy.ErrNotFound)
		for _, e := range []error{nil, sql.ErrNoRows, context.Canceled, errors.New("x")} {
			require.Equal(t, e, translateSQLite(e))
		}
	})
}

func TestTranslatePostgres(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code  string
		want  error
		retry bool
	}{
		{"23505", tenancy.ErrAlreadyExists, false}, // unique_violation
		{"23503", tenancy.ErrNotFound, false},      // foreign_key_violation
		{"40001", nil, true},                       // serialization_failure
		{"40P01", nil, true},                       // deadlock_detected
		{"42P01", nil, false},                      // undefined_table
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			raw := fmt.Errorf("exec: %w", &pgconn.PgError{Code: tc.code, Message: "whatever the server says"})
			err := translatePostgres(raw)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			} else {
				require.NotErrorIs(t, err, tenancy.ErrAlreadyExists)
				require.NotErrorIs(t, err, tenancy.ErrNotFound)
			}
			require.Equal(t, tc.retry, retryable(err))
			var pe *pgconn.PgError
			require.ErrorAs(t, err, &pe)
		})
	}
	for _, e := range []error{nil, sql.ErrNoRows, context.Canceled, errors.New("x")} {
		require.Equal(t, e, translatePostgres(e))
	}

	t.Run("real errors", func(t *testing.T) {
		ctx := t.Context()
		db, err := sql.Open("pgx", postgresSchemaURL(t))
		require.NoError(t, err)
		defer db.Close()
		_, err = db.ExecContext(ctx, `
CREATE TABLE p (id text PRIMARY KEY);
CREATE TABLE c (id text PRIMARY KEY, p text NOT NULL REFERENCES p (id));
INSERT INTO p VALUES ('a')`)
		require.NoError(t, err)
		_, raw := db.ExecContext(ctx, `INSERT INTO p VALUES ('a')`)
		require.ErrorIs(t, translatePostgres(raw), tenancy.ErrAlreadyExists)
		_, raw = db.ExecContext(ctx, `INSERT INTO c VALUES ('c', 'missing')`)
		require.ErrorIs(t, translatePostgres(raw), tenancy.ErrNotFound)
	})
}

func TestUpdateRetries(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	transient := &dbError{retry: true, err: errors.New("deadlock")}

	t.Run("a transient failure runs the transaction again", func(t *testing.T) {
		s := openSQLite(t)
		u := tenancy.User{ID: uuid.New(), Email: "ann@example.com", CreatedAt: testTime}
		calls := 0
		err := s.Update(ctx, func(tx tenancy.Tx) error {
			calls++
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			if calls < 3 {
				return fmt.Errorf("wrapped: %w", transient)
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, 3, calls)
		_, err = s.User(ctx, u.ID)
		require.NoError(t, err, "the last run committed; the earlier ones left nothing behind")
	})

	t.Run("retries are bounded and return the last error", func(t *testing.T) {
		s := openSQLite(t)
		calls := 0
		err := s.Update(ctx, func(tenancy.Tx) error { calls++; return transient })
		require.Same(t, transient, err)
		require.Equal(t, maxAttempts, calls)
	})

	t.Run("other errors are returned unchanged at once", func(t *testing.T) {
		s := openSQLite(t)
		boom := errors.New("boom")
		calls := 0
		err := s.Update(ctx, func(tenancy.Tx) error { calls++; return boom })
		require.Same(t, boom, err)
		require.Equal(t, 1, calls)
		calls = 0
		err = s.Update(ctx, func(tx tenancy.Tx) error {
			calls++
			return tx.CreateUser(ctx, tenancy.User{ID: uuid.New(), Email: "x@example.com", CreatedAt: testTime})
		})
		require.NoError(t, err)
		err = s.Update(ctx, func(tx tenancy.Tx) error {
			calls++
			return tx.CreateUser(ctx, tenancy.User{ID: uuid.New(), Email: "x@example.com", CreatedAt: testTime})
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		require.Equal(t, 2, calls)
	})

	t.Run("a cancelled context stops the retries", func(t *testing.T) {
		s := openSQLite(t)
		ctx, cancel := context.WithCancel(ctx)
		calls := 0
		err := s.Update(ctx, func(tenancy.Tx) error { calls++; cancel(); return transient })
		require.Error(t, err)
		require.Equal(t, 1, calls)
	})

	t.Run("a panic rolls back and releases the writer", func(t *testing.T) {
		s := openSQLite(t)
		u := tenancy.User{ID: uuid.New(), Email: "ann@example.com", CreatedAt: testTime}
		require.PanicsWithValue(t, "boom", func() {
			_ = s.Update(ctx, func(tx tenancy.Tx) error {
				require.NoError(t, tx.CreateUser(ctx, u))
				panic("boom")
			})
		})
		_, err := s.User(ctx, u.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) }))
	})

	t.Run("SQLite: a writer waits for another process's transaction", func(t *testing.T) {
		// Two pools on one file stand for two processes. The second one's
		// busy timeout is short, so it fails with SQLITE_BUSY while the
		// first holds the write lock, and Update tries again.
		path := sqlitePath(t)
		a, err := Open(ctx, "sqlite://"+path)
		require.NoError(t, err)
		defer a.Close()
		db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(20)&_pragma=foreign_keys(1)")
		require.NoError(t, err)
		defer db.Close()
		b, err := New(db, SQLite)
		require.NoError(t, err)

		locked, release := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			assert.NoError(t, a.Update(ctx, func(tx tenancy.Tx) error {
				close(locked)
				<-release
				return tx.CreateUser(ctx, tenancy.User{ID: uuid.New(), Email: "a@example.com", CreatedAt: testTime})
			}))
		})
		<-locked
		time.AfterFunc(60*time.Millisecond, func() { close(release) })
		var calls atomic.Int32
		err = b.Update(ctx, func(tx tenancy.Tx) error {
			calls.Add(1)
			return tx.CreateUser(ctx, tenancy.User{ID: uuid.New(), Email: "b@example.com", CreatedAt: testTime})
		})
		wg.Wait()
		require.NoError(t, err)
		require.EqualValues(t, 1, calls.Load(), "BEGIN IMMEDIATE failed before fn ran")
	})

	t.Run("Postgres: a deadlock is retried", func(t *testing.T) {
		// Two stores lock two organizations in opposite orders; PostgreSQL
		// aborts one transaction with 40P01, and its Update runs it again.
		url := postgresSchemaURL(t)
		a, err := Open(ctx, url)
		require.NoError(t, err)
		defer a.Close()
		b, err := Open(ctx, url)
		require.NoError(t, err)
		defer b.Close()
		o1 := tenancy.Organization{ID: uuid.New(), Name: "One", CreatedAt: testTime}
		o2 := tenancy.Organization{ID: uuid.New(), Name: "Two", CreatedAt: testTime}
		require.NoError(t, a.Update(ctx, func(tx tenancy.Tx) error {
			return errors.Join(tx.CreateOrganization(ctx, o1), tx.CreateOrganization(ctx, o2))
		}))
		var (
			first    sync.WaitGroup
			attempts atomic.Int32
			wg       sync.WaitGroup
		)
		first.Add(2)
		lockBoth := func(s *Store, x, y uuid.UUID) error {
			var once sync.Once
			return s.Update(ctx, func(tx tenancy.Tx) error {
				attempts.Add(1)
				if err := tx.LockOrganization(ctx, x); err != nil {
					return err
				}
				once.Do(func() { first.Done(); first.Wait() }) // both hold their first lock
				return tx.LockOrganization(ctx, y)
			})
		}
		wg.Go(func() { assert.NoError(t, lockBoth(a, o1.ID, o2.ID)) })
		wg.Go(func() { assert.NoError(t, lockBoth(b, o2.ID, o1.ID)) })
		wg.Wait()
		// At least one of the two ran again. A CI run on a loaded machine
		// counted 4 attempts: what matters is that both Updates succeed,
		// asserted above.
		require.GreaterOrEqual(t, attempts.Load(), int32(3), "one of the two ran twice")
	})
}

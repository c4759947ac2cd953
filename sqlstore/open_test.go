package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// TestOpenRelativePath changes the working directory, so it cannot run in
// parallel.
func TestOpenRelativePath(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	t.Chdir(dir)
	_, err := Open(ctx, "sqlite://sub/tenancy.db")
	require.Error(t, err, "the directory does not exist")
	require.NoError(t, os.Mkdir("sub", 0o755))
	s, err := Open(ctx, "sqlite://sub/tenancy.db")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.FileExists(t, filepath.Join(dir, "sub", "tenancy.db"))
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("a SQLite file is configured for a server", func(t *testing.T) {
		s := openSQLite(t)
		conn, err := s.DB().Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		pragma := func(name string) string {
			var v string
			require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v))
			return v
		}
		assert.Equal(t, "wal", pragma("journal_mode"))
		assert.Equal(t, "1", pragma("foreign_keys"))
		assert.Equal(t, "10000", pragma("busy_timeout"))
		assert.Equal(t, "1", pragma("synchronous"), "NORMAL")
		assert.Equal(t, "-32000", pragma("cache_size"), "32 MB")
	})

	t.Run("a SQLite file keeps its data across Opens", func(t *testing.T) {
		path := sqlitePath(t)
		s, err := Open(ctx, "sqlite://"+path)
		require.NoError(t, err)
		u := tenancy.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", CreatedAt: testTime}
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) }))
		require.NoError(t, s.Close())
		s, err = Open(ctx, "sqlite://"+path)
		require.NoError(t, err)
		defer s.Close()
		got, err := s.User(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)
	})

	t.Run("an in-memory database is shared by the pool and private to the Store", func(t *testing.T) {
		a, b := openMemory(t), openMemory(t)
		u := tenancy.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", CreatedAt: testTime}
		require.NoError(t, a.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) }))
		// Every connection of the pool sees the write: hold three at once,
		// so that they are distinct, and read through each.
		for range 3 {
			conn, err := a.DB().Conn(ctx)
			require.NoError(t, err)
			defer conn.Close()
			var n int
			require.NoError(t, conn.QueryRowContext(ctx, `SELECT count(*) FROM tenancy_users WHERE id = ?`, u.ID.String()).Scan(&n))
			require.Equal(t, 1, n)
		}
		// And many readers at once through the Store.
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				got, err := a.User(ctx, u.ID)
				if assert.NoError(t, err) {
					assert.Equal(t, u, got)
				}
			})
		}
		wg.Wait()
		_, err := b.User(ctx, u.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	})

	t.Run("an in-memory database outlives idle connections", func(t *testing.T) {
		s := openMemory(t)
		u := tenancy.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", CreatedAt: testTime}
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) }))
		s.DB().SetMaxIdleConns(0) // closes every idle connection
		s.DB().SetConnMaxLifetime(time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		got, err := s.User(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)
	})

	t.Run("Open rejects an unreachable PostgreSQL server", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
		require.Error(t, err)
	})

	t.Run("Open rejects a bad URL", func(t *testing.T) {
		_, err := Open(ctx, "mysql://localhost/app")
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	})
}

func TestNew(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("rejects a nil pool and the zero Dialect", func(t *testing.T) {
		_, err := New(nil, SQLite)
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		db, err := sql.Open("sqlite", "file::memory:")
		require.NoError(t, err)
		defer db.Close()
		_, err = New(db, Dialect{})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		require.ErrorIs(t, Migrate(ctx, db, Dialect{}), tenancy.ErrInvalidInput)
	})

	t.Run("Close leaves a host-owned pool open", func(t *testing.T) {
		db, err := sql.Open("sqlite", "file:"+sqlitePath(t))
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, Migrate(ctx, db, SQLite))
		s, err := New(db, SQLite)
		require.NoError(t, err)
		require.Same(t, db, s.DB())
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close is idempotent")
		require.NoError(t, db.PingContext(ctx))
		_, err = s.User(ctx, uuid.New())
		require.ErrorIs(t, err, tenancy.ErrNotFound, "the store still works on the host's pool")
	})

	t.Run("Close closes a pool Open created", func(t *testing.T) {
		s, err := Open(ctx, "sqlite://"+sqlitePath(t))
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.Error(t, s.DB().PingContext(ctx))
	})

	t.Run("a pool without foreign keys still deletes a workspace's rows", func(t *testing.T) {
		// No DSN parameters at all: the host forgot them.
		db, err := sql.Open("sqlite", "file:"+sqlitePath(t))
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, Migrate(ctx, db, SQLite))
		s, err := New(db, SQLite)
		require.NoError(t, err)
		w := seed(t, s)
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.DeleteWorkspace(ctx, w.ws.ID) }))
		var n int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM tenancy_members) + (SELECT count(*) FROM tenancy_invitations)`).Scan(&n))
		require.Zero(t, n)
		_, err = s.Member(ctx, w.ws.ID, w.bob.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	})
}

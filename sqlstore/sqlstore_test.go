package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"github.com/google/uuid"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/storetest"
)

// postgresEnv names the variable holding the URL of a PostgreSQL database
// the tests may create schemas in.
const postgresEnv = "TENANCY_TEST_POSTGRES_URL"

func TestMain(m *testing.M) {
	code := m.Run()
	if pgAdmin != nil {
		_ = pgAdmin.Close()
	}
	os.Exit(code)
}

// The tests Open URLs of both schemes: drivers_test.go links both drivers
// into the test binary, which registers them (these tests, of package
// sqlstore, cannot import the drivers: the drivers import sqlstore).

// openSQLite opens a Store on a new SQLite file in a temporary directory.
func openSQLite(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.Context(), "sqlite://"+sqlitePath(t))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// sqlitePath returns the path of a new SQLite file in a temporary
// directory.
func sqlitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "tenancy.db")
}

// hostSQLiteParams are the DSN parameters that New asks of a host's own
// SQLite pool; the sqlstore/sqlite driver sets the same.
const hostSQLiteParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=mmap_size(1073741824)&_txlock=immediate"

// sqliteDSN returns the modernc.org/sqlite DSN of a host-owned pool on
// the SQLite file at path.
func sqliteDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + hostSQLiteParams
}

// openMemory opens a Store on sqlite::memory:.
func openMemory(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.Context(), "sqlite::memory:")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// postgresURL returns the URL of the test database. Without one the test
// is skipped, except under CI=true, where the PostgreSQL tests must run.
func postgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(postgresEnv)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests (scripts/postgres-test.sh starts a throwaway cluster and sets it)", postgresEnv)
		}
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://user@host:port/db (a database where tests may create schemas), "+
			"or run scripts/postgres-test.sh, which starts a throwaway cluster and runs the tests against it", postgresEnv)
	}
	return u
}

var (
	pgAdminOnce sync.Once
	pgAdmin     *sql.DB
	pgAdminErr  error
)

// postgresSchemaURL creates a schema of its own for the test and returns
// a URL whose connections use it (search_path), so that tests running in
// parallel never see each other's tables. The schema is dropped when the
// test ends.
func postgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := postgresURL(t)
	pgAdminOnce.Do(func() {
		cfg, err := pgx.ParseConfig(base)
		if err != nil {
			pgAdminErr = err
			return
		}
		pgAdmin = stdlib.OpenDB(*cfg)
	})
	require.NoError(t, pgAdminErr)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tenancy_test_" + hex.EncodeToString(b[:])
	_, err := pgAdmin.ExecContext(context.Background(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := pgAdmin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(t, err)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgres opens a Store on a fresh schema of the test database.
func openPostgres(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.Context(), postgresSchemaURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// openPostgresHostPool opens a Store on a fresh schema of the test
// database the way a host with its own pool does: stdlib.OpenDB, Migrate,
// New. Its transactions are not pipelined.
func openPostgresHostPool(t testing.TB) *Store {
	t.Helper()
	cfg, err := pgx.ParseConfig(postgresSchemaURL(t))
	require.NoError(t, err)
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	require.NoError(t, Migrate(t.Context(), db, Postgres))
	s, err := New(db, Postgres)
	require.NoError(t, err)
	return s
}

// TestByteUUIDs checks that only a pool from the postgres driver gets
// UUID arguments as [16]byte, and that a host's pool reads the same facts
// with uuid.UUID arguments.
func TestByteUUIDs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	require.False(t, openSQLite(t).byteUUIDs)
	s := openPostgres(t)
	require.True(t, s.byteUUIDs)
	w := seed(t, s)
	host, err := New(s.DB(), Postgres)
	require.NoError(t, err)
	require.False(t, host.byteUUIDs)
	for _, sc := range []tenancy.Scope{tenancy.InWorkspace(w.ws.ID), tenancy.InOrganization(w.org.ID)} {
		want, err := host.AccessFacts(ctx, w.bob.ID, sc)
		require.NoError(t, err)
		require.NotEqual(t, uuid.Nil, want.OrgID)
		got, err := s.AccessFacts(ctx, w.bob.ID, sc)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

// backends are the databases every cross-dialect test runs on.
var backends = []struct {
	name string
	open func(testing.TB) *Store
}{
	{"SQLite", openSQLite},
	{"SQLiteMemory", openMemory},
	{"Postgres", openPostgres},
}

func TestConformanceSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tenancy.Store { return openSQLite(t) })
}

func TestConformanceSQLiteMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tenancy.Store { return openMemory(t) })
}

// TestConformanceSQLiteHostPool runs the suite on a pool the test opens
// itself, through Migrate and New.
func TestConformanceSQLiteHostPool(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tenancy.Store {
		db, err := sql.Open("sqlite", sqliteDSN(sqlitePath(t)))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, db.Close()) })
		require.NoError(t, Migrate(t.Context(), db, SQLite))
		s, err := New(db, SQLite)
		require.NoError(t, err)
		return s
	})
}

// TestConformancePostgres runs the suite on a Store from Open, whose
// transactions are pipelined.
func TestConformancePostgres(t *testing.T) {
	postgresURL(t)
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tenancy.Store { return openPostgres(t) })
}

// TestConformancePostgresHostPool runs it on a Store from New over a
// host's pgx pool, whose transactions go through database/sql's Tx.
func TestConformancePostgresHostPool(t *testing.T) {
	postgresURL(t)
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tenancy.Store { return openPostgresHostPool(t) })
}

package sqlstore

import (
	"context"
	"database/sql"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// fakeDriver is a Driver that returns a fixed Pool.
type fakeDriver struct{ pool Pool }

func (d fakeDriver) Open(context.Context, string) (Pool, error) { return d.pool, nil }

func TestRegistry(t *testing.T) {
	t.Parallel()

	t.Run("finds a driver by the scheme before the first colon", func(t *testing.T) {
		var r registry
		lite, pg := fakeDriver{Pool{Dialect: SQLite}}, fakeDriver{Pool{Dialect: Postgres}}
		r.register("sqlite", lite)
		r.register("postgres", pg)
		for url, want := range map[string]Driver{
			"sqlite::memory:":      lite,
			"sqlite:///tmp/x.db":   lite,
			"sqlite:anything":      lite,
			"postgres://app@db/db": pg,
		} {
			d, err := r.lookup(url)
			require.NoError(t, err, url)
			require.Equal(t, want, d, url)
		}
	})

	t.Run("names the package to import for a scheme of this module", func(t *testing.T) {
		var r registry
		r.register("sqlite", fakeDriver{})
		for url, pkg := range map[string]string{
			"postgres://app:hunter2@db:5432/app": "github.com/tenancykit/tenancy/sqlstore/postgres",
			"postgresql://app@db/app":            "github.com/tenancykit/tenancy/sqlstore/postgres",
		} {
			_, err := r.lookup(url)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
			require.ErrorContains(t, err, `import _ "`+pkg+`"`)
			require.NotContains(t, err.Error(), "hunter2")
		}
		var empty registry
		_, err := empty.lookup("sqlite::memory:")
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		require.EqualError(t, err, `tenancy: invalid input: sqlstore: no driver for scheme "sqlite": import _ "github.com/tenancykit/tenancy/sqlstore/sqlite"`)
	})

	t.Run("rejects other schemes", func(t *testing.T) {
		var r registry
		r.register("sqlite", fakeDriver{})
		r.register("postgres", fakeDriver{})
		for _, url := range []string{"", "/var/lib/tenancy.db", "mysql://app:hunter2@localhost/app", "SQLITE::memory:"} {
			_, err := r.lookup(url)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput, url)
			require.ErrorContains(t, err, `the registered schemes are "postgres", "sqlite"`)
			require.NotContains(t, err.Error(), "hunter2")
		}
		var empty registry
		_, err := empty.lookup("mysql://localhost/app")
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		require.ErrorContains(t, err, "no driver is registered")
	})

	t.Run("Register panics on a mistake at init", func(t *testing.T) {
		var r registry
		r.register("sqlite", fakeDriver{})
		require.PanicsWithValue(t, `sqlstore: Register called twice for scheme "sqlite"`, func() { r.register("sqlite", fakeDriver{}) })
		require.Panics(t, func() { r.register("", fakeDriver{}) })
		require.Panics(t, func() { r.register("sqlite:", fakeDriver{}) })
		require.Panics(t, func() { r.register("other", nil) })
	})
}

// driverFunc is a Driver made of a function.
type driverFunc func(ctx context.Context, url string) (Pool, error)

func (f driverFunc) Open(ctx context.Context, url string) (Pool, error) { return f(ctx, url) }

// registerBrokenDrivers registers, once per test binary, drivers whose
// pools Open must refuse. The second returns a pool without a dialect
// and sends it on noDialectPools.
var (
	noDialectPools        = make(chan *sql.DB, 1)
	registerBrokenDrivers = sync.OnceFunc(func() {
		Register("tenancy-test-no-pool", fakeDriver{})
		Register("tenancy-test-no-dialect", driverFunc(func(context.Context, string) (Pool, error) {
			db, err := sql.Open("sqlite", "file::memory:")
			if err == nil {
				noDialectPools <- db
			}
			return Pool{DB: db}, err
		}))
		Register("tenancy-test-sqlite-pipeliner", driverFunc(func(context.Context, string) (Pool, error) {
			db, err := sql.Open("sqlite", "file::memory:")
			if err == nil {
				noDialectPools <- db
			}
			return Pool{DB: db, Dialect: SQLite, Pipeliner: countingPipeliner{}}, err
		}))
	})
)

func TestOpenChecksTheDriversPool(t *testing.T) {
	registerBrokenDrivers()
	_, err := Open(t.Context(), "tenancy-test-no-pool:x")
	require.ErrorContains(t, err, "no pool")

	_, err = Open(t.Context(), "tenancy-test-no-dialect:x")
	require.ErrorContains(t, err, "zero Dialect")
	db := <-noDialectPools
	require.ErrorContains(t, db.PingContext(t.Context()), "closed", "Open closes the pool it refuses")

	_, err = Open(t.Context(), "tenancy-test-sqlite-pipeliner:x")
	require.ErrorContains(t, err, "cannot pipeline")
	db = <-noDialectPools
	require.ErrorContains(t, db.PingContext(t.Context()), "closed", "Open closes the pool it refuses")
}

// TestOpenPoolChecksThePool checks that OpenPool refuses, as invalid
// input, what Open refuses of a driver, closing the pool, and opens and
// migrates a good one.
func TestOpenPoolChecksThePool(t *testing.T) {
	ctx := t.Context()
	_, err := OpenPool(ctx, Pool{Dialect: SQLite})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	for _, p := range []Pool{{Dialect: Dialect{}}, {Dialect: SQLite, Pipeliner: countingPipeliner{}}} {
		db, err := sql.Open("sqlite", "file::memory:")
		require.NoError(t, err)
		p.DB = db
		_, err = OpenPool(ctx, p)
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		require.ErrorContains(t, db.PingContext(ctx), "closed", "OpenPool closes the pool it refuses")
	}
	db, err := sql.Open("sqlite", sqliteDSN(sqlitePath(t)))
	require.NoError(t, err)
	s, err := OpenPool(ctx, Pool{DB: db, Dialect: SQLite})
	require.NoError(t, err)
	_, err = s.User(ctx, uuid.New())
	require.ErrorIs(t, err, tenancy.ErrNotFound, "the schema is there")
	require.NoError(t, s.Close())
	require.ErrorContains(t, db.PingContext(ctx), "closed", "the Store owns the pool")
}

// TestLinksNoDriver checks that the package imports no database driver,
// even indirectly: each lives in a package of its own, so that a host
// links only the database it uses.
func TestLinksNoDriver(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		require.False(t, strings.HasPrefix(dep, "modernc.org/") || strings.HasPrefix(dep, "github.com/jackc/"),
			"package sqlstore depends on %s", dep)
	}
}

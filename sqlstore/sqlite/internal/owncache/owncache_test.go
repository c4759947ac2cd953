package owncache_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	"modernc.org/sqlite/pcache"

	"github.com/tenancykit/tenancy/sqlstore"
	"github.com/tenancykit/tenancy/sqlstore/sqlite/internal/cachetest"
)

// ownCaches says whether TestMain registered the per-connection page
// cache; OWNCACHE_DEFAULT=1 runs the tests on SQLite's shared page cache
// budget instead, where TestOlderDatabaseKeepsItsCache fails.
var ownCaches = os.Getenv("OWNCACHE_DEFAULT") == ""

func TestMain(m *testing.M) {
	if ownCaches {
		sqlite.MustRegisterPageCache(pcache.New())
	}
	os.Exit(m.Run())
}

// open opens a Store on the SQLite file at path over a pool of its own,
// without memory-mapped reads, so that every page read goes through the
// page cache.
func open(t *testing.T, ctx context.Context, path string) *sqlstore.Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(0)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, sqlstore.Migrate(ctx, db, sqlstore.SQLite))
	s, err := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, err)
	cachetest.Shrink(t, ctx, s)
	return s
}

// TestOlderDatabaseKeepsItsCache opens a database, then a second one
// that fills its own cache, and checks that the first still reads its
// checks from its cache: with the per-connection page cache registered,
// the newer database cannot take the older one's pages.
func TestOlderDatabaseKeepsItsCache(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	alone, beside := cachetest.OlderBesideNewer(t, ctx, func(name string) *sqlstore.Store {
		return open(t, ctx, filepath.Join(dir, name+".db"))
	})
	t.Logf("page cache misses per check of the older database: %.2f alone, %.2f beside the newer (own caches: %v)", alone, beside, ownCaches)
	require.Less(t, alone, 1.0, "the checks' pages fit the older database's cache")
	require.Less(t, beside, 1.0, "the newer database took the older one's cached pages")
}

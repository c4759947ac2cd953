package sqlite

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy/sqlstore"
	"github.com/tenancykit/tenancy/sqlstore/sqlite/internal/cachetest"
)

// TestOlderDatabaseReadsBesideANewer opens two databases through the
// driver, one after the other, in a process with SQLite's shared page
// cache budget (this test binary registers no page cache of its own), and
// checks that the older one's checks do not go back to its file once the
// newer one has filled its cache: memory-mapped reads do not depend on the
// page cache. Without them (the control), they do. It runs alone, not in
// parallel, since every open connection takes part in the shared budget.
func TestOlderDatabaseReadsBesideANewer(t *testing.T) {
	for _, tc := range []struct {
		name string
		mmap bool
	}{{"memory-mapped", true}, {"control: read calls", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			alone, beside := cachetest.OlderBesideNewer(t, ctx, func(name string) *sqlstore.Store {
				s, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(dir, name+".db"))
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				cachetest.Shrink(t, ctx, s)
				if !tc.mmap {
					_, err := s.DB().ExecContext(ctx, "PRAGMA mmap_size = 0")
					require.NoError(t, err)
				}
				return s
			})
			t.Logf("page cache misses per check of the older database: %.2f alone, %.2f beside the newer", alone, beside)
			require.Less(t, alone, 1.0, "the checks' pages fit the older database's cache")
			if tc.mmap {
				require.Less(t, beside, 1.0, "the older database's checks went back to its file")
			} else {
				require.Greater(t, beside, 1.0, "without memory-mapped reads the newer database takes the older one's pages (the package documentation says so)")
			}
		})
	}
}

// TestEveryConnectionMapsTheFile checks that each connection of a file
// Store's pool, not only the first, has mmap_size set.
func TestEveryConnectionMapsTheFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := sqlstore.Open(ctx, "sqlite://"+t.TempDir()+"/tenancy.db")
	require.NoError(t, err)
	defer s.Close()
	n := s.DB().Stats().MaxOpenConnections
	for range n {
		// Hold every connection at once, so that each is a different one.
		conn, err := s.DB().Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		var got int64
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&got))
		require.Equal(t, mmapSize, strconv.FormatInt(got, 10))
	}
	require.Equal(t, n, s.DB().Stats().OpenConnections)
}

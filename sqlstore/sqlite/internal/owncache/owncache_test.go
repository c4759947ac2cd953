package owncache_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	"modernc.org/sqlite/pcache"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
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

// cachePages is each connection's page cache, small so that a few
// thousand memberships fill it.
const cachePages = 64

// world is a populated Store and the checks measured on it.
type world struct {
	s      *sqlstore.Store
	checks []check
}

type check struct{ user, ws uuid.UUID }

// open populates a Store on the SQLite file at path, over a pool of one
// connection with a cache of cachePages pages.
func open(t *testing.T, ctx context.Context, path string) *world {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"+fmt.Sprintf("&_pragma=cache_size(%d)", cachePages))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	require.NoError(t, sqlstore.Migrate(ctx, db, sqlstore.SQLite))
	s, err := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, err)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := &world{s: s}
	require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
		org := tenancy.Organization{ID: uuid.New(), Name: "Acme", CreatedAt: at}
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		var wss []uuid.UUID
		for i := range 50 {
			ws := tenancy.Workspace{ID: uuid.New(), OrgID: org.ID, Name: fmt.Sprintf("W%d", i), CreatedAt: at}
			if err := tx.CreateWorkspace(ctx, ws); err != nil {
				return err
			}
			wss = append(wss, ws.ID)
		}
		for i := range 1500 {
			u := tenancy.User{ID: uuid.New(), Email: fmt.Sprintf("u%d@acme.com", i), Name: "U", CreatedAt: at}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			for k := range 3 {
				m := tenancy.Member{WorkspaceID: wss[(i+k)%len(wss)], UserID: u.ID, Role: tenancy.RoleMember, CreatedAt: at}
				if err := tx.AddMember(ctx, m); err != nil {
					return err
				}
			}
			if i%150 == 0 {
				w.checks = append(w.checks, check{u.ID, wss[i%len(wss)]})
			}
		}
		return nil
	}))
	return w
}

// missesPerCheck runs the checks of w n times over and returns the page
// cache misses of its connection per check.
func (w *world) missesPerCheck(t *testing.T, ctx context.Context, n int) float64 {
	t.Helper()
	conn, err := w.s.DB().Conn(ctx)
	require.NoError(t, err)
	status := func() (miss int) {
		require.NoError(t, conn.Raw(func(dc any) error {
			m, _, err := dc.(interface {
				Status(sqlite.DBStatusOp, bool) (int, int, error)
			}).Status(sqlite.DBStatusCacheMiss, true)
			miss = m
			return err
		}))
		return miss
	}
	status() // reset
	require.NoError(t, conn.Close())
	for range n {
		for _, c := range w.checks {
			f, err := w.s.AccessFacts(ctx, c.user, tenancy.InWorkspace(c.ws))
			require.NoError(t, err)
			require.Equal(t, tenancy.RoleMember, f.WorkspaceRole)
		}
	}
	conn, err = w.s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	return float64(status()) / float64(n*len(w.checks))
}

// TestOlderDatabaseKeepsItsCache opens a database, then a second one
// that fills its own cache, and checks that the first still reads its
// checks from its cache: with the per-connection page cache registered,
// the newer database cannot take the older one's pages.
func TestOlderDatabaseKeepsItsCache(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	older := open(t, ctx, filepath.Join(dir, "older.db"))
	older.missesPerCheck(t, ctx, 1) // warm
	alone := older.missesPerCheck(t, ctx, 10)
	newer := open(t, ctx, filepath.Join(dir, "newer.db"))
	newer.missesPerCheck(t, ctx, 10)
	got := older.missesPerCheck(t, ctx, 10)
	t.Logf("page cache misses per check of the older database: %.2f alone, %.2f beside the newer (own caches: %v)", alone, got, ownCaches)
	require.Less(t, alone, 1.0, "the checks' pages fit the older database's cache")
	require.Less(t, got, 1.0, "the newer database took the older one's cached pages")
}

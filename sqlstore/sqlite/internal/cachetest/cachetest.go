// Package cachetest populates SQLite Stores and counts the page cache
// misses of authorization checks on them, for the tests of how several
// databases in one process share SQLite's page cache (package sqlite's
// documentation): a database whose checks miss the cache reads their
// pages from its file on every check.
package cachetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
)

// CachePages is the page cache Shrink gives a connection: small, so that
// the few thousand memberships Populate writes fill it.
const CachePages = 64

// World is a populated Store and the checks measured on it.
type World struct {
	S      *sqlstore.Store
	checks []check
}

type check struct{ user, ws uuid.UUID }

// Shrink leaves s a pool of one connection with a page cache of
// CachePages pages.
func Shrink(t *testing.T, ctx context.Context, s *sqlstore.Store) {
	t.Helper()
	s.DB().SetMaxOpenConns(1)
	s.DB().SetMaxIdleConns(1)
	_, err := s.DB().ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", CachePages))
	require.NoError(t, err)
}

// Populate writes an organization of 50 workspaces and 1,500 users, each
// a member of three, and checkpoints the WAL so that every page is read
// from the database file, as in a database running for a while.
func Populate(t *testing.T, ctx context.Context, s *sqlstore.Store) *World {
	t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := &World{S: s}
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
	_, err := s.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	return w
}

// MissesPerCheck runs the checks of w n times over and returns the page
// cache misses of its connection per check.
func (w *World) MissesPerCheck(t *testing.T, ctx context.Context, n int) float64 {
	t.Helper()
	conn, err := w.S.DB().Conn(ctx)
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
			f, err := w.S.AccessFacts(ctx, c.user, tenancy.InWorkspace(c.ws))
			require.NoError(t, err)
			require.Equal(t, tenancy.RoleMember, f.WorkspaceRole)
		}
	}
	conn, err = w.S.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	return float64(status()) / float64(n*len(w.checks))
}

// OlderBesideNewer opens and populates an older Store, measures its
// checks' misses alone, then opens and populates a newer one, runs its
// checks until its cache is full, and measures the older one's again.
// open returns a Shrunk Store on a new database named name.
func OlderBesideNewer(t *testing.T, ctx context.Context, open func(name string) *sqlstore.Store) (alone, beside float64) {
	t.Helper()
	older := Populate(t, ctx, open("older"))
	older.MissesPerCheck(t, ctx, 1) // warm
	alone = older.MissesPerCheck(t, ctx, 10)
	Populate(t, ctx, open("newer")).MissesPerCheck(t, ctx, 10)
	return alone, older.MissesPerCheck(t, ctx, 10)
}

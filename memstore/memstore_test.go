package memstore_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tenancy.Store { return memstore.New() })
}

func TestUpdateUndoesWritesOnPanic(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	ann := tenancy.User{ID: uuid.New(), Email: "ann@example.com", CreatedAt: at}
	org := tenancy.Organization{ID: uuid.New(), Name: "Acme", Domain: "acme.com", CreatedAt: at}
	require.PanicsWithValue(t, "boom", func() {
		_ = s.Update(ctx, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(ctx, ann))
			require.NoError(t, tx.CreateOrganization(ctx, org))
			require.NoError(t, tx.AddOrgAdmin(ctx, org.ID, ann.ID, at))
			panic("boom")
		})
	})
	_, err := s.User(ctx, ann.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	_, err = s.OrganizationByDomain(ctx, "acme.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	orgs, err := s.AdminOrganizations(ctx, ann.ID)
	require.NoError(t, err)
	require.Empty(t, orgs)

	// The lock was released and the same rows can be written.
	require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
		require.NoError(t, tx.CreateUser(ctx, ann))
		return tx.CreateOrganization(ctx, org)
	}))
	got, err := s.OrganizationByDomain(ctx, "acme.com")
	require.NoError(t, err)
	require.Equal(t, org, got)
}

func TestTxUnusableAfterUpdate(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	var leaked tenancy.Tx
	require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { leaked = tx; return nil }))
	err := leaked.CreateUser(ctx, tenancy.User{ID: uuid.New(), Email: "ann@example.com"})
	require.Error(t, err)
	_, err = s.UserByEmail(ctx, "ann@example.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestUpdateHonoursCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := memstore.New().Update(ctx, func(tenancy.Tx) error { called = true; return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, called)
}

// factsFixture returns a store with an organization holding a full
// policy, a workspace, and a user who is a member of it and org admin.
func factsFixture(tb testing.TB) (s *memstore.Store, user, org, ws uuid.UUID) {
	ctx := context.Background()
	s = memstore.New()
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	u := tenancy.User{ID: uuid.New(), Email: "ann@example.com", CreatedAt: at}
	o := tenancy.Organization{ID: uuid.New(), Name: "Acme", Domain: "acme.com", CreatedAt: at, Policy: tenancy.SecurityPolicy{
		RequireMFA: true, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		AllowedEmailDomains: []string{"acme.com"},
	}}
	w := tenancy.Workspace{ID: uuid.New(), OrgID: o.ID, Name: "Sales", CreatedBy: u.ID, CreatedAt: at}
	err := s.Update(ctx, func(tx tenancy.Tx) error {
		return errors.Join(
			tx.CreateUser(ctx, u),
			tx.CreateOrganization(ctx, o),
			tx.AddOrgAdmin(ctx, o.ID, u.ID, at),
			tx.CreateWorkspace(ctx, w),
			tx.AddMember(ctx, tenancy.Member{WorkspaceID: w.ID, UserID: u.ID, Role: tenancy.RoleAdmin, CreatedAt: at}),
		)
	})
	require.NoError(tb, err)
	return s, u.ID, o.ID, w.ID
}

func TestAccessFactsAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	s, user, org, ws := factsFixture(t)
	for name, sc := range map[string]tenancy.Scope{
		"workspace":    tenancy.InWorkspace(ws),
		"organization": tenancy.InOrganization(org),
	} {
		f, err := s.AccessFacts(ctx, user, sc)
		require.NoError(t, err)
		require.True(t, f.OrgAdmin && f.OrgMember, name)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := s.AccessFacts(ctx, user, sc); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, "allocations per AccessFacts in %s scope", name)
	}
}

func BenchmarkAccessFacts(b *testing.B) {
	ctx := context.Background()
	s, user, org, ws := factsFixture(b)
	for _, bc := range []struct {
		name string
		sc   tenancy.Scope
	}{
		{"workspace", tenancy.InWorkspace(ws)},
		{"organization", tenancy.InOrganization(org)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.AccessFacts(ctx, user, bc.sc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.AccessFacts(ctx, user, bc.sc); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

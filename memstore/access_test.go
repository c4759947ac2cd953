package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// TestAccessFactsWithManyAdmins crosses the number of admins the index
// lists inline, both ways, and checks the facts of admins and members.
func TestAccessFactsWithManyAdmins(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	org := tenancy.Organization{ID: uuid.New(), Name: "Acme", CreatedAt: at}
	ws := tenancy.Workspace{ID: uuid.New(), OrgID: org.ID, Name: "Sales", CreatedAt: at}
	users := make([]uuid.UUID, 11 /* more than the index lists inline */)
	require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
		errs := []error{tx.CreateOrganization(ctx, org), tx.CreateWorkspace(ctx, ws)}
		for i := range users {
			users[i] = uuid.New()
			errs = append(errs,
				tx.CreateUser(ctx, tenancy.User{ID: users[i], Email: uuid.NewString() + "@acme.com", CreatedAt: at}),
				tx.AddMember(ctx, tenancy.Member{WorkspaceID: ws.ID, UserID: users[i], Role: tenancy.RoleMember, CreatedAt: at}))
		}
		return errors.Join(errs...)
	}))
	check := func(admins int) {
		t.Helper()
		for i, u := range users {
			for _, sc := range []tenancy.Scope{tenancy.InWorkspace(ws.ID), tenancy.InOrganization(org.ID)} {
				f, err := s.AccessFacts(ctx, u, sc)
				require.NoError(t, err)
				require.Equal(t, i < admins, f.OrgAdmin, "user %d of %d admins, scope %+v", i, admins, sc)
				require.True(t, f.OrgMember)
			}
		}
	}
	for n := 1; n <= len(users); n++ {
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.AddOrgAdmin(ctx, org.ID, users[n-1], at) }))
		check(n)
	}
	for n := len(users); n > 0; n-- {
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(ctx, org.ID, users[n-1]) }))
		check(n - 1)
	}
}

// TestAccessFactsReadsCommitsOnly checks that AccessFacts, which takes no
// lock, answers from the last commit while a transaction runs (without
// waiting for it), never from the transaction's writes, and from them
// once it commits; a rolled-back transaction leaves no trace.
func TestAccessFactsReadsCommitsOnly(t *testing.T) {
	ctx := context.Background()
	s, user, org, ws := factsFixture(t)
	other := uuid.New()
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
		return tx.CreateUser(ctx, tenancy.User{ID: other, Email: "bob@acme.com", CreatedAt: at})
	}))
	role := func(u uuid.UUID) (tenancy.Role, bool) {
		f, err := s.AccessFacts(ctx, u, tenancy.InWorkspace(ws))
		require.NoError(t, err)
		return f.WorkspaceRole, f.OrgAdmin
	}

	inTx, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(ctx, func(tx tenancy.Tx) error {
			err := errors.Join(
				tx.AddMember(ctx, tenancy.Member{WorkspaceID: ws, UserID: other, Role: tenancy.RoleMember, CreatedAt: at}),
				tx.RemoveOrgAdmin(ctx, org, user))
			close(inTx)
			<-release
			return err
		})
	}()
	<-inTx
	r, admin := role(other)
	require.Equal(t, tenancy.Role(""), r, "a write before its commit")
	_, admin = role(user)
	require.True(t, admin, "a removal before its commit")
	close(release)
	require.NoError(t, <-done)
	r, _ = role(other)
	require.Equal(t, tenancy.RoleMember, r)
	_, admin = role(user)
	require.False(t, admin)

	errRollback := errors.New("roll back")
	err := s.Update(ctx, func(tx tenancy.Tx) error {
		require.NoError(t, tx.SetMemberRole(ctx, ws, other, tenancy.RoleAdmin))
		require.NoError(t, tx.AddOrgAdmin(ctx, org, user, at))
		f, err := tx.AccessFacts(ctx, other, tenancy.InWorkspace(ws))
		require.NoError(t, err)
		require.Equal(t, tenancy.RoleAdmin, f.WorkspaceRole, "the transaction reads its own writes")
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	r, _ = role(other)
	require.Equal(t, tenancy.RoleMember, r, "after a rollback")
	_, admin = role(user)
	require.False(t, admin, "after a rollback")
}

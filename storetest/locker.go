package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// lockAccessFacts runs LockAccessFacts in a transaction of a store whose
// Tx is a tenancy.FactsLocker; the test is skipped for other stores.
func lockAccessFacts(t *testing.T, f *fixture, userID uuid.UUID, sc tenancy.Scope) (tenancy.Facts, error) {
	t.Helper()
	var got tenancy.Facts
	err := f.s.Update(f.ctx, func(tx tenancy.Tx) error {
		l, ok := tx.(tenancy.FactsLocker)
		if !ok {
			t.Skip("the store's Tx is not a tenancy.FactsLocker")
		}
		var err error
		got, err = l.LockAccessFacts(f.ctx, userID, sc)
		return err
	})
	return got, err
}

var lockerTests = []test{
	{"LockAccessFacts reads what AccessFacts reads", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		users := []tenancy.User{w.orgAdmin, w.wsAdmin, w.wsMember, w.opsOnly, w.outsider, w.noRole,
			w.adminAndMember, w.customRoleOps, {ID: uuid.New()}}
		scopes := []tenancy.Scope{tenancy.InWorkspace(w.sales.ID), tenancy.InWorkspace(w.ops.ID),
			tenancy.InWorkspace(w.elsewhere.ID), tenancy.InOrganization(w.acme.ID), tenancy.InOrganization(w.globex.ID),
			{OrgID: w.globex.ID, WorkspaceID: w.sales.ID}}
		for _, u := range users {
			for _, sc := range scopes {
				got, err := lockAccessFacts(t, f, u.ID, sc)
				require.NoError(t, err)
				require.Equal(t, facts(t, f, f.s, u, sc), got, "user %s, scope %+v", u.Email, sc)
			}
		}
	}},
	{"LockAccessFacts returns ErrNotFound for a missing scope", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		for _, sc := range []tenancy.Scope{tenancy.InWorkspace(uuid.New()), tenancy.InOrganization(uuid.New()),
			{OrgID: w.acme.ID, WorkspaceID: uuid.New()}} {
			_, err := lockAccessFacts(t, f, w.orgAdmin.ID, sc)
			require.ErrorIs(t, err, tenancy.ErrNotFound, "%+v", sc)
		}
	}},
	{"LockAccessFacts sees what was committed while it waited for the lock", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		for _, sc := range []tenancy.Scope{tenancy.InOrganization(w.acme.ID), tenancy.InWorkspace(w.sales.ID)} {
			// The holder of the lock demotes adminAndMember (org admin,
			// member of Sales) and lets go only after a pause, while
			// LockAccessFacts of the same user waits for the lock: the
			// facts must be read once it is granted, not before.
			locked := make(chan struct{})
			holder := make(chan error, 1)
			go func() {
				holder <- f.s.Update(f.ctx, func(tx tenancy.Tx) error {
					if err := tx.LockOrganization(f.ctx, w.acme.ID); err != nil {
						return err
					}
					if _, err := tx.IsOrgAdmin(f.ctx, w.acme.ID, w.adminAndMember.ID); err != nil {
						return err
					}
					select {
					case <-locked:
					default:
						close(locked)
					}
					time.Sleep(100 * time.Millisecond)
					if err := tx.RemoveOrgAdmin(f.ctx, w.acme.ID, w.adminAndMember.ID); err != nil {
						return err
					}
					return tx.SetMemberRole(f.ctx, w.sales.ID, w.adminAndMember.ID, tenancy.RoleAdmin)
				})
			}()
			<-locked
			got, err := lockAccessFacts(t, f, w.adminAndMember.ID, sc)
			require.NoError(t, err)
			require.NoError(t, <-holder)
			require.False(t, got.OrgAdmin, "%+v: the revocation committed before the lock was granted", sc)
			if sc.WorkspaceID != uuid.Nil {
				require.Equal(t, tenancy.RoleAdmin, got.WorkspaceRole, "%+v", sc)
			}
			// Restore for the next scope.
			f.admin(w.acme, w.adminAndMember)
			f.update(func(tx tenancy.Tx) error {
				return tx.SetMemberRole(f.ctx, w.sales.ID, w.adminAndMember.ID, tenancy.RoleMember)
			})
		}
	}},
}

package tenancy_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestOperatorGrantOrgAdminRecoversAnOrganization(t *testing.T) {
	f := newFixture(t)
	_, org := f.founder("ann@acme.com")
	bob := f.user("bob@acme.com")
	op := f.svc.Operator()
	require.NoError(t, op.GrantOrgAdmin(f.ctx, org.ID, bob.UserID, "ticket 7: Ann left the company"))
	e := lastAction(t, f, org.ID, tenancy.EventOrgAdminGranted)
	assert.Equal(t, uuid.Nil, e.ActorID)
	assert.Equal(t, "ticket 7: Ann left the company", e.Details[tenancy.DetailNote])
	assert.Equal(t, tenancy.ByOperator, e.Details[tenancy.DetailBy])
	_, err := f.svc.CreateWorkspace(f.ctx, bob, org.ID, "Rescue")
	require.NoError(t, err)
	require.ErrorIs(t, op.GrantOrgAdmin(f.ctx, org.ID, bob.UserID, "again"), tenancy.ErrAlreadyExists)
	require.ErrorIs(t, op.GrantOrgAdmin(f.ctx, uuid.New(), bob.UserID, "x"), tenancy.ErrNotFound)
	require.ErrorIs(t, op.GrantOrgAdmin(f.ctx, org.ID, uuid.New(), "x"), tenancy.ErrNotFound)
	require.ErrorIs(t, op.GrantOrgAdmin(f.ctx, org.ID, bob.UserID, "bad\x00note"), tenancy.ErrInvalidInput)
}

// TestOperatorEvictsAHostileAdmin: a departing admin revoked every other
// admin and kept a workspace to itself. Support restores a trusted admin,
// who takes over the workspace, then removes the hostile one, with its
// pending invitations; until then the last-admin rules hold.
func TestOperatorEvictsAHostileAdmin(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	mallory := f.user("mallory@gmail.com")
	ops := f.workspace(ann, org.ID, "Ops")
	f.member(ann, ops.ID, mallory, tenancy.RoleMember)
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, mallory.UserID))
	require.NoError(t, f.svc.RevokeOrgAdmin(f.ctx, mallory, org.ID, ann.UserID))
	vault := f.workspace(mallory, org.ID, "Vault")
	_, token, err := f.svc.Invite(f.ctx, mallory, vault.ID, "eve@gmail.com", tenancy.RoleAdmin)
	require.NoError(t, err)
	op := f.svc.Operator()
	isAdmin := func(u tenancy.Actor) bool {
		ok, err := f.store.IsOrgAdmin(f.ctx, org.ID, u.UserID)
		require.NoError(t, err)
		return ok
	}

	err = f.unchanged(org.ID, func() error { return op.RemoveFromOrganization(f.ctx, org.ID, mallory.UserID, "ticket 12") })
	require.ErrorIs(t, err, tenancy.ErrLastAdmin, "the organization's last admin")
	require.NoError(t, op.GrantOrgAdmin(f.ctx, org.ID, ann.UserID, "ticket 12: Ann is the account owner"))
	err = f.unchanged(org.ID, func() error { return op.RemoveFromOrganization(f.ctx, org.ID, mallory.UserID, "ticket 12") })
	require.ErrorIs(t, err, tenancy.ErrLastAdmin, "Vault's only Admin")
	require.True(t, isAdmin(mallory), "a refused removal changes nothing")
	for _, bad := range []struct {
		org, user uuid.UUID
		note      string
		want      error
	}{
		{org.ID, mallory.UserID, "bad\x00note", tenancy.ErrInvalidInput},
		{uuid.New(), mallory.UserID, "x", tenancy.ErrNotFound},
		{org.ID, uuid.New(), "x", tenancy.ErrNotFound},
		{org.ID, f.user("nobody@gmail.com").UserID, "x", tenancy.ErrNotFound},
	} {
		err := f.unchanged(org.ID, func() error { return op.RemoveFromOrganization(f.ctx, bad.org, bad.user, bad.note) })
		require.ErrorIs(t, err, bad.want)
	}

	f.member(ann, vault.ID, ann, tenancy.RoleAdmin)
	require.NoError(t, op.RemoveFromOrganization(f.ctx, org.ID, mallory.UserID, "ticket 12: departed, access revoked"))
	require.False(t, isAdmin(mallory))
	ms, err := f.svc.UserOrganizations(f.ctx, mallory.UserID)
	require.NoError(t, err)
	assert.Empty(t, ms, "Mallory holds no role left")
	_, err = f.svc.AcceptInvitation(f.ctx, f.actor(f.user("eve@gmail.com").UserID), token)
	require.ErrorIs(t, err, tenancy.ErrInvitation, "the invitation Mallory sent went with her")

	for _, action := range []string{tenancy.EventUserRemovedFromOrg, tenancy.EventInvitationRevoked} {
		e := lastAction(t, f, org.ID, action)
		assert.Equal(t, uuid.Nil, e.ActorID, action)
		assert.Equal(t, tenancy.ByOperator, e.Details[tenancy.DetailBy], action)
		assert.Equal(t, "ticket 12: departed, access revoked", e.Details[tenancy.DetailNote], action)
	}
	e := lastAction(t, f, org.ID, tenancy.EventUserRemovedFromOrg)
	assert.Equal(t, mallory.UserID, e.TargetID)
	assert.Equal(t, "mallory@gmail.com", e.Details[tenancy.DetailEmail])
	assert.Equal(t, "true", e.Details[tenancy.DetailOrgAdmin])
	assert.Equal(t, "2", e.Details[tenancy.DetailWorkspaces])
}

func TestOperatorTransferDomain(t *testing.T) {
	f := newFixture(t)
	squatter, squatted := f.founder("mallory@acme.com")
	_ = squatter
	realOwner := f.user("ceo@gmail.com")
	op := f.svc.Operator()
	acme, err := op.CreateOrganization(f.ctx, "Acme Inc.", "", realOwner.UserID)
	require.NoError(t, err)

	require.ErrorIs(t, op.TransferDomain(f.ctx, "gmail.com", acme.ID, "x"), tenancy.ErrInvalidInput)
	require.ErrorIs(t, op.TransferDomain(f.ctx, "acme.com", uuid.New(), "x"), tenancy.ErrNotFound)
	require.NoError(t, op.TransferDomain(f.ctx, "ACME.com", acme.ID, "ticket 9: verified by DNS"))
	o, err := f.store.OrganizationByDomain(f.ctx, "acme.com")
	require.NoError(t, err)
	assert.Equal(t, acme.ID, o.ID)
	old, err := f.store.Organization(f.ctx, squatted.ID)
	require.NoError(t, err)
	assert.Empty(t, old.Domain)
	assert.Equal(t, "acme.com", lastAction(t, f, squatted.ID, tenancy.EventDomainChanged).Details[tenancy.DetailFrom])
	assert.Equal(t, "acme.com", lastAction(t, f, acme.ID, tenancy.EventDomainChanged).Details[tenancy.DetailTo])

	// The next sign-up at the domain finds the real organization's.
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "dev@acme.com", EmailVerified: true})
	require.NoError(t, err)
	assert.False(t, res.CreatedOrganization)

	require.NoError(t, op.TransferDomain(f.ctx, "acme.com", uuid.Nil, "released"))
	_, err = f.store.OrganizationByDomain(f.ctx, "acme.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	require.ErrorIs(t, op.TransferDomain(f.ctx, "acme.com", uuid.Nil, "again"), tenancy.ErrNotFound)
	res, err = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "new@acme.com", EmailVerified: true})
	require.NoError(t, err)
	assert.True(t, res.CreatedOrganization)
	require.ErrorIs(t, op.TransferDomain(f.ctx, "initech.com", res.Organization.ID, "x"), tenancy.ErrDomainTaken,
		"an organization holds one domain")
}

func TestOperatorDeleteOrganization(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	bob := f.user("bob@gmail.com")
	f.member(owner, ws.ID, bob, tenancy.RoleMember)
	_, token, err := f.svc.Invite(f.ctx, owner, ws.ID, "carl@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)

	require.NoError(t, f.svc.Operator().DeleteOrganization(f.ctx, org.ID, "ticket 11: customer left"))
	_, err = f.store.Organization(f.ctx, org.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	_, err = f.store.Workspace(f.ctx, ws.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	list, err := f.svc.UserOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = f.svc.InvitationByToken(f.ctx, token)
	require.ErrorIs(t, err, tenancy.ErrInvitation)
	assert.Equal(t, tenancy.EventOrganizationDeleted, lastAction(t, f, org.ID, tenancy.EventOrganizationDeleted).Action)
	_, err = f.svc.User(f.ctx, owner.UserID)
	require.NoError(t, err, "users stay")
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "new@acme.com", EmailVerified: true})
	require.NoError(t, err)
	assert.True(t, res.CreatedOrganization, "the domain is free again")
	require.ErrorIs(t, f.svc.Operator().DeleteOrganization(f.ctx, org.ID, "again"), tenancy.ErrNotFound)
}

package tenancy_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestInvitationByToken(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	_, err := f.svc.RenameUser(f.ctx, owner.UserID, "Ann")
	require.NoError(t, err)
	ws := f.workspace(owner, org.ID, "Marketing")
	inv, token, err := f.svc.Invite(f.ctx, owner, ws.ID, "bob@acme.com", tenancy.RoleAdmin)
	require.NoError(t, err)

	d, err := f.svc.InvitationByToken(f.ctx, token)
	require.NoError(t, err)
	assert.Equal(t, inv, d.Invitation)
	assert.Equal(t, "Marketing", d.WorkspaceName)
	assert.Equal(t, "acme.com", d.OrganizationName)
	assert.Equal(t, "acme.com", d.OrganizationDomain)
	assert.Equal(t, "Ann", d.InviterName)

	var msgs []string
	for _, bad := range []string{"", "x", token[:10], token + "A", uuid.NewString()} {
		_, err := f.svc.InvitationByToken(f.ctx, bad)
		require.ErrorIs(t, err, tenancy.ErrInvitation)
		msgs = append(msgs, err.Error())
	}
	f.advance(tenancy.DefaultInvitationTTL)
	_, err = f.svc.InvitationByToken(f.ctx, token)
	require.ErrorIs(t, err, tenancy.ErrInvitation)
	msgs = append(msgs, err.Error())
	for _, m := range msgs {
		assert.Equal(t, msgs[0], m, "one message, whatever the cause")
	}
}

func TestUserInvitationsAndAcceptByID(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws1 := f.workspace(owner, org.ID, "One")
	ws2 := f.workspace(owner, org.ID, "Two")
	inv1, _, err := f.svc.Invite(f.ctx, owner, ws1.ID, "bob@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	f.advance(time.Second)
	inv2, _, err := f.svc.Invite(f.ctx, owner, ws2.ID, "bob@gmail.com", tenancy.RoleAdmin)
	require.NoError(t, err)

	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@gmail.com"})
	require.NoError(t, err)
	bob := f.actor(res.User.ID)
	list, err := f.svc.UserInvitations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Empty(t, list, "none before the address is verified")
	_, err = f.svc.AcceptInvitationByID(f.ctx, bob, inv1.ID)
	require.ErrorIs(t, err, tenancy.ErrInvitation, "an unverified address accepts only by token")

	_, err = f.svc.ConfirmEmail(f.ctx, bob.UserID)
	require.NoError(t, err)
	list, err = f.svc.UserInvitations(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, inv1.ID, list[0].Invitation.ID)
	assert.Equal(t, "One", list[0].WorkspaceName)
	assert.Equal(t, inv2.ID, list[1].Invitation.ID)

	eve := f.user("eve@gmail.com")
	errOther := f.unchanged(org.ID, func() error {
		_, err := f.svc.AcceptInvitationByID(f.ctx, eve, inv1.ID)
		return err
	})
	unknown := uuid.New()
	_, errUnknown := f.svc.AcceptInvitationByID(f.ctx, eve, unknown)
	for _, err := range []error{errOther, errUnknown} {
		require.ErrorIs(t, err, tenancy.ErrInvitation)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}

	m, err := f.svc.AcceptInvitationByID(f.ctx, bob, inv2.ID)
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleAdmin, m.Role)
	_, err = f.svc.AcceptInvitationByID(f.ctx, bob, inv2.ID)
	require.ErrorIs(t, err, tenancy.ErrInvitation, "once")
	list, err = f.svc.UserInvitations(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Len(t, list, 1)

	f.advance(tenancy.DefaultInvitationTTL)
	list, err = f.svc.UserInvitations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Empty(t, list, "expired invitations are not pending")
	_, err = f.svc.AcceptInvitationByID(f.ctx, bob, inv1.ID)
	require.ErrorIs(t, err, tenancy.ErrInvitation)
}

func TestDeclineInvitation(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "One")
	inv, token, err := f.svc.Invite(f.ctx, owner, ws.ID, "bob@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	bob := f.user("bob@gmail.com")
	eve := f.user("eve@gmail.com")

	for _, a := range []tenancy.Actor{eve, owner} {
		err := f.unchanged(org.ID, func() error { return f.svc.DeclineInvitation(f.ctx, a, inv.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "only the invitee may decline")
		require.ErrorIs(t, err, tenancy.ErrInvitation)
	}
	require.NoError(t, f.svc.DeclineInvitation(f.ctx, bob, inv.ID))
	e := f.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventInvitationDeclined, e.Action)
	assert.Equal(t, org.ID, e.OrgID)
	assert.Equal(t, bob.UserID, e.ActorID)
	_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
	require.ErrorIs(t, err, tenancy.ErrInvitation)
	err = f.svc.DeclineInvitation(f.ctx, bob, inv.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

package tenancy_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestSignUpWithHostIDs(t *testing.T) {
	f := newFixture(t)
	id := uuid.New()
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true, ID: id, ExternalID: "auth0|123"})
	require.NoError(t, err)
	assert.Equal(t, id, res.User.ID)
	assert.Equal(t, "auth0|123", res.User.ExternalID)
	u, err := f.svc.UserByExternalID(f.ctx, "auth0|123")
	require.NoError(t, err)
	assert.Equal(t, id, u.ID)

	for name, r := range map[string]tenancy.SignUpRequest{
		"taken ID":          {Email: "bob@acme.com", ID: id},
		"taken external ID": {Email: "bob@acme.com", ExternalID: "auth0|123"},
	} {
		_, err := f.svc.SignUp(f.ctx, r)
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists, name)
	}
	_, err = f.svc.UserByEmail(f.ctx, "bob@acme.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound, "a failed sign-up creates nothing")
	for _, bad := range []string{"a\x00b", "\xff", string(make([]byte, tenancy.MaxExternalIDLength+1))} {
		_, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "c@acme.com", ExternalID: bad})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	}
	_, err = f.svc.UserByExternalID(f.ctx, "")
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	_, err = f.svc.UserByExternalID(f.ctx, "auth0|999")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestUserByEmailNormalizes(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp("ann@acme.com")
	got, err := f.svc.UserByEmail(f.ctx, " Ann@ACME.com ")
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)
	_, err = f.svc.UserByEmail(f.ctx, "not an address")
	require.ErrorIs(t, err, tenancy.ErrInvalidEmail)
}

func TestRenameUser(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp("ann@acme.com")
	got, err := f.svc.RenameUser(f.ctx, u.ID, "  Ann   Smith ")
	require.NoError(t, err)
	assert.Equal(t, "Ann Smith", got.Name)
	assert.Equal(t, tenancy.EventUserRenamed, f.lastEvents(1)[0].Action)
	_, err = f.svc.RenameUser(f.ctx, u.ID, "Ann\u200b")
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	_, err = f.svc.RenameUser(f.ctx, uuid.New(), "X")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

// TestSetExternalID: a user links an identity provider, moves to
// another, and unlinks; a subject another user holds, a bad one or an
// unknown user changes nothing.
func TestSetExternalID(t *testing.T) {
	f := newFixture(t)
	ann, _ := f.signUp("ann@acme.com")
	bob, _ := f.signUp("bob@gmail.com")
	_, err := f.svc.SetExternalID(f.ctx, bob.ID, "okta|bob")
	require.NoError(t, err)

	got, err := f.svc.SetExternalID(f.ctx, ann.ID, "okta|ann")
	require.NoError(t, err)
	assert.Equal(t, "okta|ann", got.ExternalID)
	assert.Equal(t, ann.Email, got.Email, "the rest of the user stays")
	byExt, err := f.svc.UserByExternalID(f.ctx, "okta|ann")
	require.NoError(t, err)
	assert.Equal(t, ann.ID, byExt.ID)
	e := f.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventUserExternalIDChanged, e.Action)
	assert.Equal(t, uuid.Nil, e.OrgID)
	assert.Equal(t, map[string]string{tenancy.DetailFrom: "", tenancy.DetailTo: "okta|ann"}, e.Details)

	_, err = f.svc.SetExternalID(f.ctx, ann.ID, "entra|ann")
	require.NoError(t, err)
	_, err = f.svc.UserByExternalID(f.ctx, "okta|ann")
	require.ErrorIs(t, err, tenancy.ErrNotFound, "the former subject no longer signs in as Ann")

	events := f.eventCount()
	_, err = f.svc.SetExternalID(f.ctx, ann.ID, "entra|ann")
	require.NoError(t, err)
	assert.Equal(t, events, f.eventCount(), "the current subject changes nothing")
	for _, bad := range []struct {
		user uuid.UUID
		id   string
		want error
	}{
		{ann.ID, "okta|bob", tenancy.ErrAlreadyExists},
		{ann.ID, "okta|\x00", tenancy.ErrInvalidInput},
		{ann.ID, strings.Repeat("x", tenancy.MaxExternalIDLength+1), tenancy.ErrInvalidInput},
		{uuid.New(), "okta|nobody", tenancy.ErrNotFound},
	} {
		_, err := f.svc.SetExternalID(f.ctx, bad.user, bad.id)
		require.ErrorIs(t, err, bad.want, bad.id)
	}
	assert.Equal(t, events, f.eventCount(), "refused calls record nothing")
	u, err := f.svc.User(f.ctx, ann.ID)
	require.NoError(t, err)
	assert.Equal(t, "entra|ann", u.ExternalID)

	_, err = f.svc.SetExternalID(f.ctx, ann.ID, "")
	require.NoError(t, err)
	_, err = f.svc.UserByExternalID(f.ctx, "entra|ann")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestChangeEmail(t *testing.T) {
	t.Run("keeps roles and the copies beside them", func(t *testing.T) {
		f := newFixture(t)
		owner, org := f.founder("ann@acme.com")
		ws := f.workspace(owner, org.ID, "Ops")
		res, err := f.svc.ChangeEmail(f.ctx, owner.UserID, "Ann.Smith@acme.com", true)
		require.NoError(t, err)
		assert.Equal(t, "ann.smith@acme.com", res.User.Email)
		assert.True(t, res.User.EmailVerified)
		assert.Nil(t, res.Organization, "the domain is the organization's already")
		members, err := f.svc.Members(f.ctx, owner, ws.ID, tenancy.Page{})
		require.NoError(t, err)
		require.Len(t, members.Items, 1)
		assert.Equal(t, "ann.smith@acme.com", members.Items[0].Email)
		users, err := f.svc.OrganizationUsers(f.ctx, owner, org.ID, tenancy.Page{})
		require.NoError(t, err)
		assert.Equal(t, "ann.smith@acme.com", users.Items[0].User.Email)
		_, err = f.svc.UserByEmail(f.ctx, "ann@acme.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	})
	t.Run("a verified professional address claims its domain", func(t *testing.T) {
		f := newFixture(t)
		u, _ := f.signUp("ann@gmail.com")
		res, err := f.svc.ChangeEmail(f.ctx, u.ID, "ann@initech.com", true)
		require.NoError(t, err)
		require.True(t, res.CreatedOrganization)
		assert.Equal(t, "initech.com", res.Organization.Domain)
	})
	t.Run("an unverified one does not, until confirmed", func(t *testing.T) {
		f := newFixture(t)
		u, _ := f.signUp("ann@gmail.com")
		res, err := f.svc.ChangeEmail(f.ctx, u.ID, "ann@initech.com", false)
		require.NoError(t, err)
		assert.False(t, res.CreatedOrganization)
		assert.False(t, res.User.EmailVerified)
		conf, err := f.svc.ConfirmEmail(f.ctx, u.ID)
		require.NoError(t, err)
		assert.True(t, conf.CreatedOrganization)
	})
	t.Run("confirming a proven address verifies that address only", func(t *testing.T) {
		// A link mailed to ann@initech.com is used after the user changed,
		// unverified, to ceo@acme.com: the host confirms the address the
		// link proves (see ConfirmEmail), and acme.com stays unclaimed.
		f := newFixture(t)
		u, _ := f.signUp("ann@gmail.com")
		_, err := f.svc.ChangeEmail(f.ctx, u.ID, "ann@initech.com", false)
		require.NoError(t, err)
		_, err = f.svc.ChangeEmail(f.ctx, u.ID, "ceo@acme.com", false)
		require.NoError(t, err)
		res, err := f.svc.ChangeEmail(f.ctx, u.ID, "ann@initech.com", true)
		require.NoError(t, err)
		assert.Equal(t, "ann@initech.com", res.User.Email)
		assert.True(t, res.User.EmailVerified)
		require.True(t, res.CreatedOrganization)
		assert.Equal(t, "initech.com", res.Organization.Domain)
		_, err = f.store.OrganizationByDomain(f.ctx, "acme.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	})
	t.Run("a subdomain mailbox claims nothing", func(t *testing.T) {
		f := newFixture(t)
		u, _ := f.signUp("ann@gmail.com")
		res, err := f.svc.ChangeEmail(f.ctx, u.ID, "ann@eng.initech.com", true)
		require.NoError(t, err)
		assert.False(t, res.CreatedOrganization)
	})
	t.Run("auto-joins the organization of the new address", func(t *testing.T) {
		f := newFixture(t)
		owner, org := f.founder("ann@acme.com")
		ws := f.workspace(owner, org.ID, "All hands")
		_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{
			AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}}})
		require.NoError(t, err)
		u, _ := f.signUp("bob@gmail.com")
		res, err := f.svc.ChangeEmail(f.ctx, u.ID, "bob@acme.com", true)
		require.NoError(t, err)
		require.Len(t, res.Joined, 1)
		assert.Equal(t, ws.ID, res.Joined[0].WorkspaceID)
	})
	t.Run("the organization it joins or creates never sees the former address", func(t *testing.T) {
		f := newFixture(t)
		owner, org := f.founder("ann@acme.com")
		ws := f.workspace(owner, org.ID, "All hands")
		_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{
			AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}}})
		require.NoError(t, err)
		bob, _ := f.signUp("bob.private@gmail.com")
		_, err = f.svc.ChangeEmail(f.ctx, bob.ID, "bob@acme.com", true)
		require.NoError(t, err)
		cat, _ := f.signUp("cat.private@gmail.com")
		res, err := f.svc.ChangeEmail(f.ctx, cat.ID, "cat@initech.com", true)
		require.NoError(t, err)
		require.True(t, res.CreatedOrganization)
		for _, orgID := range []uuid.UUID{org.ID, res.Organization.ID} {
			events, err := f.store.ListAuditEvents(f.ctx, orgID, tenancy.PageQuery{Limit: tenancy.MaxPageSize})
			require.NoError(t, err)
			require.NotEmpty(t, events)
			for _, e := range events {
				for k, v := range e.Details {
					assert.NotContains(t, v, ".private@", "%s, detail %s, names the user's former address", e.Action, k)
				}
			}
		}
		for _, u := range []tenancy.User{bob, cat} { // DeleteUser still finds them
			var former []string
			require.NoError(t, f.store.Update(f.ctx, func(tx tenancy.Tx) (err error) {
				former, err = tx.FormerEmails(f.ctx, u.ID)
				return err
			}))
			assert.Equal(t, []string{u.Email}, former)
		}
	})
	t.Run("rejects", func(t *testing.T) {
		f := newFixture(t)
		u, _ := f.signUp("ann@acme.com")
		f.signUp("bob@acme.com")
		_, err := f.svc.ChangeEmail(f.ctx, u.ID, "BOB@acme.com", true)
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		_, err = f.svc.ChangeEmail(f.ctx, u.ID, "bob@", true)
		require.ErrorIs(t, err, tenancy.ErrInvalidEmail)
		_, err = f.svc.ChangeEmail(f.ctx, uuid.New(), "x@acme.com", true)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		got, err := f.svc.User(f.ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "ann@acme.com", got.Email)
	})
}

func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	bob := f.user("bob@acme.com")
	f.member(owner, ws.ID, bob, tenancy.RoleAdmin)
	_, _, err := f.svc.Invite(f.ctx, bob, ws.ID, "carl@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	other, otherOrg := f.founder("olga@globex.com")
	ows := f.workspace(other, otherOrg.ID, "Globex")
	toBob, _, err := f.svc.Invite(f.ctx, other, ows.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	err = f.unchanged(org.ID, func() error { return f.svc.DeleteUser(f.ctx, owner.UserID) })
	require.ErrorIs(t, err, tenancy.ErrLastAdmin, "Ann is the last org admin")

	require.NoError(t, f.svc.DeleteUser(f.ctx, bob.UserID))
	_, err = f.svc.User(f.ctx, bob.UserID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	_, err = f.store.Member(f.ctx, ws.ID, bob.UserID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	invs, err := f.svc.Invitations(f.ctx, owner, ws.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Empty(t, invs.Items, "the invitations bob issued are gone")
	_, err = f.store.Invitation(f.ctx, toBob.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound, "the invitations to bob's address are gone")
	for _, o := range []uuid.UUID{org.ID, otherOrg.ID} {
		events, err := f.store.ListAuditEvents(f.ctx, o, tenancy.PageQuery{Limit: 1000})
		require.NoError(t, err)
		assert.Equal(t, tenancy.EventUserDeleted, events[0].Action)
		assert.Equal(t, bob.UserID, events[0].TargetID)
		for _, e := range events {
			for k, v := range e.Details {
				assert.NotContains(t, v, "bob@acme.com", "%s %s", e.Action, k)
			}
		}
	}
	err = f.svc.DeleteUser(f.ctx, bob.UserID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	// The address is free again.
	f.signUp("bob@acme.com")
}

// TestDeleteUserScrubsFormerAddresses checks that erasure scrubs every
// address the user held, not only its last one, and keeps a former one
// that another user holds now.
func TestDeleteUserScrubsFormerAddresses(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	bob := f.user("bob@gmail.com")
	f.member(owner, ws.ID, bob, tenancy.RoleMember)
	_, _, err := f.svc.Invite(f.ctx, owner, ws.ID, "bob@outlook.com", tenancy.RoleMember)
	require.NoError(t, err)
	for _, email := range []string{"bob@outlook.com", "bob@yahoo.com", "bob@gmail.com", "bob@proton.me"} {
		_, err := f.svc.ChangeEmail(f.ctx, bob.UserID, email, true)
		require.NoError(t, err)
	}
	// Carl takes an address Bob left: the events since name Carl by it.
	carl := f.user("bob@yahoo.com")
	f.member(owner, ws.ID, carl, tenancy.RoleMember)

	// events returns the values of every event's details, of Acme and of
	// no organization.
	values := func() []string {
		var vs []string
		for _, o := range []uuid.UUID{org.ID, uuid.Nil} {
			events, err := f.store.ListAuditEvents(f.ctx, o, tenancy.PageQuery{Limit: 1000})
			require.NoError(t, err)
			for _, e := range events {
				for _, v := range e.Details {
					vs = append(vs, v)
				}
			}
		}
		return vs
	}
	before := values()
	for _, email := range []string{"bob@gmail.com", "bob@outlook.com", "bob@yahoo.com", "bob@proton.me"} {
		require.Contains(t, before, email, "the log holds each address before the erasure")
	}

	require.NoError(t, f.svc.DeleteUser(f.ctx, bob.UserID))
	after := values()
	for _, email := range []string{"bob@gmail.com", "bob@outlook.com", "bob@proton.me"} {
		assert.NotContains(t, after, email, "a former address of Bob's stays in the log")
	}
	assert.Contains(t, after, "bob@yahoo.com", "Carl's address is scrubbed")
}

func TestUserOrganizations(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws1 := f.workspace(owner, org.ID, "One")
	ws2 := f.workspace(owner, org.ID, "Two")
	other, otherOrg := f.founder("olga@globex.com")
	ows := f.workspace(other, otherOrg.ID, "Globex")
	bob := f.user("bob@gmail.com")
	f.member(owner, ws1.ID, bob, tenancy.RoleMember)
	f.member(owner, ws2.ID, bob, tenancy.RoleMember)
	f.member(other, ows.ID, bob, tenancy.RoleAdmin)

	list, err := f.svc.UserOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "acme.com", list[0].Organization.Name)
	assert.Equal(t, 2, list[0].Workspaces)
	assert.False(t, list[0].OrgAdmin)
	assert.Equal(t, "globex.com", list[1].Organization.Name)
	assert.Equal(t, 1, list[1].Workspaces)

	list, err = f.svc.UserOrganizations(f.ctx, owner.UserID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].OrgAdmin)
	list, err = f.svc.UserOrganizations(f.ctx, f.user("x@gmail.com").UserID)
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = f.svc.UserOrganizations(f.ctx, uuid.New())
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestLeaveOrganization(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	bob := f.user("bob@acme.com")
	f.member(owner, ws.ID, bob, tenancy.RoleAdmin)
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, owner, org.ID, bob.UserID))

	eve := f.user("eve@gmail.com")
	err := f.unchanged(org.ID, func() error { return f.svc.LeaveOrganization(f.ctx, eve, org.ID) })
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	require.NoError(t, f.svc.LeaveOrganization(f.ctx, bob, org.ID))
	list, err := f.svc.UserOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.Equal(t, tenancy.EventUserLeftOrg, lastAction(t, f, org.ID, tenancy.EventUserLeftOrg).Action)

	err = f.unchanged(org.ID, func() error { return f.svc.LeaveOrganization(f.ctx, owner, org.ID) })
	require.ErrorIs(t, err, tenancy.ErrLastAdmin)

	t.Run("the session requirements apply", func(t *testing.T) {
		carl := f.user("carl@acme.com")
		f.member(owner, ws.ID, carl, tenancy.RoleMember)
		mfa := owner
		mfa.MFA = true
		_, err := f.svc.SetSecurityPolicy(f.ctx, mfa, org.ID, tenancy.SecurityPolicy{RequireMFA: true})
		require.NoError(t, err)
		err = f.unchanged(org.ID, func() error { return f.svc.LeaveOrganization(f.ctx, carl, org.ID) })
		var denied *tenancy.DeniedError
		require.ErrorAs(t, err, &denied)
		assert.Equal(t, tenancy.DeniedMFA, denied.Code())
	})
}

// Erasure deletes the invitations to every address the user held, not
// only its last one, as it scrubs them all from the log: an invitation
// left pending kept a scrubbed address in the workspace's list, and
// revoking it wrote the address into the log again.
func TestDeleteUserDeletesInvitationsToFormerAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	bob := f.user("bob@gmail.com")
	inv, _, err := f.svc.Invite(f.ctx, owner, ws.ID, "bob@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	_, err = f.svc.ChangeEmail(f.ctx, bob.UserID, "bob@proton.me", true)
	require.NoError(t, err)

	require.NoError(t, f.svc.DeleteUser(f.ctx, bob.UserID))
	list, err := f.svc.Invitations(f.ctx, owner, ws.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Empty(t, list.Items, "an invitation keeps the erased user's former address")
	e := f.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventUserDeleted, e.Action)
	assert.Equal(t, org.ID, e.OrgID)
	assert.Equal(t, "1", e.Details[tenancy.DetailInvitationsRevoked])

	if err := f.svc.RevokeInvitation(f.ctx, owner, inv.ID); err == nil {
		t.Error("the invitation to the erased user's former address outlived the erasure")
	}
	events, err := f.store.ListAuditEvents(f.ctx, org.ID, tenancy.PageQuery{Limit: tenancy.MaxPageSize})
	require.NoError(t, err)
	for _, e := range events {
		for k, v := range e.Details {
			assert.NotEqual(t, "bob@gmail.com", v, "%s names the erased user's address in %s", e.Action, k)
		}
	}
}

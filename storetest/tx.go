package storetest

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var errBoom = errors.New("storetest: boom")

// txWorld is a small organization whose whole state snapshot reads.
type txWorld struct {
	ann, bob, cid tenancy.User
	acme          tenancy.Organization
	sales, ops    tenancy.Workspace
	inv           tenancy.InvitationRecord
}

func newTxWorld(f *fixture) txWorld {
	f.t.Helper()
	var w txWorld
	w.ann, w.bob, w.cid = f.user("ann"), f.user("bob"), f.user("cid")
	w.acme = f.org("Acme", "acme.com", w.ann)
	w.sales = f.workspace(w.acme, "Sales", w.ann)
	w.ops = f.workspace(w.acme, "Ops", w.ann)
	f.member(w.sales, w.ann, tenancy.RoleAdmin)
	f.member(w.sales, w.bob, tenancy.RoleMember)
	f.member(w.ops, w.bob, tenancy.RoleAdmin)
	w.inv = f.invite(w.sales, "dee@example.com", tenancy.RoleMember, w.ann)
	f.event(w.acme.ID, f.tick())
	e := tenancy.AuditEvent{ID: uuid.New(), OrgID: w.acme.ID, ActorID: w.ann.ID, TargetID: w.bob.ID,
		Action: tenancy.EventMemberAdded, At: f.tick(), Details: map[string]string{"email": w.bob.Email}}
	f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
	return w
}

// snapshot is everything the store says about a txWorld.
type snapshot struct {
	Users         []tenancy.User
	ByEmail       []tenancy.User
	UserOrgs      [][]tenancy.OrgMembership
	InvitationsTo []tenancy.Invitation
	InvitationsBy []tenancy.Invitation
	Org, ByDomain tenancy.Organization
	Admins        []bool
	AdminCount    int
	AdminOrgs     [][]tenancy.Organization
	Workspaces    []tenancy.Workspace
	OrgWorkspaces []tenancy.Membership
	Members       [][]tenancy.Member
	Memberships   [][]tenancy.Membership
	OrgMembers    [][]tenancy.Member
	WsAdmins      []int
	Invitations   [][]tenancy.Invitation
	ByHash        tenancy.InvitationRecord
	Events        []tenancy.AuditEvent
	OrgUsers      []tenancy.OrgUser
	Seats         int
	Facts         []tenancy.Facts
}

func (w txWorld) snapshot(t *testing.T, f *fixture, r tenancy.Reader) snapshot {
	t.Helper()
	ctx := f.ctx
	var s snapshot
	var err error
	users := []tenancy.User{w.ann, w.bob, w.cid}
	workspaces := []tenancy.Workspace{w.sales, w.ops}
	for _, u := range users {
		got, err := r.User(ctx, u.ID)
		require.NoError(t, err)
		s.Users = append(s.Users, got)
		got, err = r.UserByEmail(ctx, u.Email)
		require.NoError(t, err)
		s.ByEmail = append(s.ByEmail, got)
		uo, err := r.UserOrganizations(ctx, u.ID)
		require.NoError(t, err)
		s.UserOrgs = append(s.UserOrgs, uo)
		admin, err := r.IsOrgAdmin(ctx, w.acme.ID, u.ID)
		require.NoError(t, err)
		s.Admins = append(s.Admins, admin)
		orgs, err := r.AdminOrganizations(ctx, u.ID)
		require.NoError(t, err)
		s.AdminOrgs = append(s.AdminOrgs, orgs)
		ms, err := r.ListUserMemberships(ctx, u.ID, tenancy.PageQuery{Limit: 100})
		require.NoError(t, err)
		s.Memberships = append(s.Memberships, ms)
		om, err := r.UserOrgMemberships(ctx, w.acme.ID, u.ID)
		require.NoError(t, err)
		s.OrgMembers = append(s.OrgMembers, om)
		for _, ws := range workspaces {
			fa, err := r.AccessFacts(ctx, u.ID, tenancy.InWorkspace(ws.ID))
			require.NoError(t, err)
			s.Facts = append(s.Facts, fa)
		}
	}
	s.Org, err = r.Organization(ctx, w.acme.ID)
	require.NoError(t, err)
	s.ByDomain, err = r.OrganizationByDomain(ctx, w.acme.Domain)
	require.NoError(t, err)
	s.AdminCount, err = r.CountOrgAdmins(ctx, w.acme.ID)
	require.NoError(t, err)
	for _, ws := range workspaces {
		got, err := r.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		s.Workspaces = append(s.Workspaces, got)
		ms, err := r.ListMembers(ctx, ws.ID, tenancy.PageQuery{Limit: 100})
		require.NoError(t, err)
		s.Members = append(s.Members, ms)
		n, err := r.CountMembersWithRole(ctx, ws.ID, tenancy.RoleAdmin)
		require.NoError(t, err)
		s.WsAdmins = append(s.WsAdmins, n)
		invs, err := r.ListInvitations(ctx, ws.ID, tenancy.PageQuery{Limit: 100})
		require.NoError(t, err)
		s.Invitations = append(s.Invitations, invs)
	}
	s.OrgWorkspaces, err = r.ListOrgWorkspaces(ctx, w.acme.ID, w.bob.ID, false, tenancy.PageQuery{Limit: 100})
	require.NoError(t, err)
	s.ByHash, err = r.InvitationByTokenHash(ctx, w.inv.TokenHash)
	require.NoError(t, err)
	s.InvitationsTo, err = r.ListInvitationsTo(ctx, w.inv.Email)
	require.NoError(t, err)
	s.InvitationsBy, err = r.ListInvitationsBy(ctx, uuid.Nil, w.ann.ID)
	require.NoError(t, err)
	s.Events, err = r.ListAuditEvents(ctx, w.acme.ID, tenancy.PageQuery{Limit: 100})
	require.NoError(t, err)
	s.OrgUsers, err = r.ListOrgUsers(ctx, w.acme.ID, tenancy.PageQuery{Limit: 100})
	require.NoError(t, err)
	s.Seats, err = r.CountSeats(ctx, w.acme.ID)
	require.NoError(t, err)
	return s
}

var txTests = []test{
	{"an error from fn discards the writes and is returned", func(t *testing.T, f *fixture) {
		u := f.newUser("ann")
		o := f.newOrg("Acme", "acme.com")
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: o.ID, ActorID: u.ID, Action: tenancy.EventOrganizationCreated, At: f.tick()}
		err := f.s.Update(f.ctx, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(f.ctx, u))
			require.NoError(t, tx.CreateOrganization(f.ctx, o))
			require.NoError(t, tx.AddOrgAdmin(f.ctx, o.ID, u.ID, f.tick()))
			require.NoError(t, tx.AppendAudit(f.ctx, e))
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		_, err = f.s.User(f.ctx, u.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByEmail(f.ctx, u.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Organization(f.ctx, o.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.OrganizationByDomain(f.ctx, o.Domain)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		orgs, err := f.s.AdminOrganizations(f.ctx, u.ID)
		require.NoError(t, err)
		require.Empty(t, orgs)
		checkEmpty(t, listAuditEvents(f, o.ID))

		// The same rows can be written afterwards: nothing lingers.
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(f.ctx, u))
			require.NoError(t, tx.CreateOrganization(f.ctx, o))
			return tx.AppendAudit(f.ctx, e)
		})
		require.Equal(t, []tenancy.AuditEvent{e}, listFrom(t, 10, nil, listAuditEvents(f, o.ID), auditCursor))
	}},
	{"an error from fn rolls back every kind of write", func(t *testing.T, f *fixture) {
		w := newTxWorld(f)
		before := w.snapshot(t, f, f.s)
		eve := f.newUser("eve")
		globex := f.newOrg("Globex", "globex.com")
		newWs := f.newWorkspace(w.acme, "New", w.ann)
		newInv := f.newInvitation(w.ops, "fay@example.com", tenancy.RoleAdmin, w.ann)
		err := f.s.Update(f.ctx, func(tx tenancy.Tx) error {
			ctx := f.ctx
			require.NoError(t, tx.LockOrganization(ctx, w.acme.ID))
			require.NoError(t, tx.CreateUser(ctx, eve))
			changedUser := w.bob
			changedUser.Name, changedUser.EmailVerified = "Changed", !w.bob.EmailVerified
			changedUser.Email, changedUser.ExternalID = "bob.changed@example.com", "auth0|bob"
			require.NoError(t, tx.UpdateUser(ctx, changedUser))
			verified, err := tx.VerifyUserEmail(ctx, w.ann.ID, w.ann.Email)
			require.NoError(t, err)
			require.True(t, verified)
			n, err := tx.ScrubAuditEmail(ctx, w.bob.Email)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.NoError(t, tx.CreateOrganization(ctx, globex))
			changedOrg := w.acme
			changedOrg.Name, changedOrg.Policy, changedOrg.Domain = "Changed", fullPolicy(), "acme-changed.com"
			require.NoError(t, tx.UpdateOrganization(ctx, changedOrg))
			require.NoError(t, tx.AddOrgAdmin(ctx, w.acme.ID, w.bob.ID, f.tick()))
			require.NoError(t, tx.AddOrgAdmin(ctx, globex.ID, w.ann.ID, f.tick()))
			require.NoError(t, tx.RemoveOrgAdmin(ctx, w.acme.ID, w.ann.ID))
			require.NoError(t, tx.CreateWorkspace(ctx, newWs))
			renamed := w.sales
			renamed.Name = "Renamed"
			require.NoError(t, tx.UpdateWorkspace(ctx, renamed))
			require.NoError(t, tx.AddMember(ctx, tenancy.Member{WorkspaceID: newWs.ID, UserID: w.cid.ID, Role: tenancy.RoleAdmin, CreatedAt: f.tick()}))
			require.NoError(t, tx.AddMember(ctx, tenancy.Member{WorkspaceID: w.ops.ID, UserID: w.cid.ID, Role: tenancy.RoleMember, CreatedAt: f.tick()}))
			require.NoError(t, tx.SetMemberRole(ctx, w.sales.ID, w.bob.ID, tenancy.RoleAdmin))
			require.NoError(t, tx.RemoveMember(ctx, w.sales.ID, w.ann.ID))
			require.NoError(t, tx.CreateInvitation(ctx, newInv))
			require.NoError(t, tx.DeleteInvitation(ctx, w.inv.ID))
			require.NoError(t, tx.DeleteWorkspace(ctx, w.ops.ID))
			require.NoError(t, tx.AppendAudit(ctx, tenancy.AuditEvent{ID: uuid.New(), OrgID: w.acme.ID, Action: tenancy.EventWorkspaceDeleted, At: f.tick()}))
			require.NoError(t, tx.DeleteOrganization(ctx, globex.ID))
			require.NoError(t, tx.DeleteUser(ctx, w.cid.ID))
			_, err = tx.Workspace(ctx, w.ops.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound, "the transaction sees its writes")
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		require.Equal(t, before, w.snapshot(t, f, f.s))
		_, err = f.s.User(f.ctx, eve.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Organization(f.ctx, globex.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.OrganizationByDomain(f.ctx, globex.Domain)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Workspace(f.ctx, newWs.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Invitation(f.ctx, newInv.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByTokenHash(f.ctx, newInv.TokenHash)
		require.ErrorIs(t, err, tenancy.ErrNotFound)

		// Names, emails and domains held only by the rolled-back writes are
		// free; the renamed workspace kept its name.
		f.workspace(w.acme, "New", w.ann)
		f.workspace(w.acme, "Renamed", w.ann)
		f.org("Globex", "globex.com")
		f.user("eve")
		f.invite(w.ops, "fay@example.com", tenancy.RoleMember, w.ann)
		f.user("bob.changed")
		f.org("Changed", "acme-changed.com")
		dup := f.newWorkspace(w.acme, "sales", w.ann)
		err = f.fail(func(tx tenancy.Tx) error { return tx.CreateWorkspace(f.ctx, dup) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	}},
	{"a failed write whose error fn returns rolls back earlier writes", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		bob := f.newUser("bob")
		again := f.newUser("ann")
		err := f.s.Update(f.ctx, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(f.ctx, bob))
			return tx.CreateUser(f.ctx, again)
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		_, err = f.s.User(f.ctx, bob.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)

		o := f.newOrg("Acme", "acme.com")
		err = f.s.Update(f.ctx, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateOrganization(f.ctx, o))
			require.NoError(t, tx.AddOrgAdmin(f.ctx, o.ID, ann.ID, f.tick()))
			return tx.CreateOrganization(f.ctx, f.newOrg("Acme 2", "acme.com"))
		})
		require.ErrorIs(t, err, tenancy.ErrDomainTaken)
		_, err = f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		orgs, err := f.s.AdminOrganizations(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Empty(t, orgs)
	}},
	{"reads in a transaction see its own writes", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		bob := f.newUser("bob")
		o := f.newOrg("Acme", "acme.com")
		o.Policy = fullPolicy()
		ws := f.newWorkspace(o, "Sales", ann)
		inv := f.newInvitation(ws, "cid@example.com", tenancy.RoleMember, ann)
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: o.ID, Action: tenancy.EventWorkspaceCreated, At: f.tick()}
		f.update(func(tx tenancy.Tx) error {
			ctx := f.ctx
			require.NoError(t, tx.CreateUser(ctx, bob))
			got, err := tx.UserByEmail(ctx, bob.Email)
			require.NoError(t, err)
			require.Equal(t, bob, got)
			bob.Name, bob.ExternalID = "Bob Renamed", "auth0|bob"
			require.NoError(t, tx.UpdateUser(ctx, bob))
			got, err = tx.User(ctx, bob.ID)
			require.NoError(t, err)
			require.Equal(t, bob, got)
			got, err = tx.UserByExternalID(ctx, bob.ExternalID)
			require.NoError(t, err)
			require.Equal(t, bob, got)

			require.NoError(t, tx.CreateOrganization(ctx, o))
			require.NoError(t, tx.LockOrganization(ctx, o.ID))
			gotOrg, err := tx.OrganizationByDomain(ctx, o.Domain)
			require.NoError(t, err)
			require.Equal(t, o, gotOrg)
			require.NoError(t, tx.AddOrgAdmin(ctx, o.ID, ann.ID, f.tick()))
			admin, err := tx.IsOrgAdmin(ctx, o.ID, ann.ID)
			require.NoError(t, err)
			require.True(t, admin)
			n, err := tx.CountOrgAdmins(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			orgs, err := tx.AdminOrganizations(ctx, ann.ID)
			require.NoError(t, err)
			require.Equal(t, []tenancy.Organization{o}, orgs)

			require.NoError(t, tx.CreateWorkspace(ctx, ws))
			gotWs, err := tx.Workspace(ctx, ws.ID)
			require.NoError(t, err)
			require.Equal(t, ws, gotWs)
			m := tenancy.Member{WorkspaceID: ws.ID, UserID: bob.ID, Email: bob.Email, Role: tenancy.RoleAdmin, CreatedAt: f.tick()}
			require.NoError(t, tx.AddMember(ctx, m))
			gotM, err := tx.Member(ctx, ws.ID, bob.ID)
			require.NoError(t, err)
			require.Equal(t, m, gotM)
			n, err = tx.CountMembersWithRole(ctx, ws.ID, tenancy.RoleAdmin)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			members, err := tx.ListMembers(ctx, ws.ID, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.Member{m}, members)
			om, err := tx.UserOrgMemberships(ctx, o.ID, bob.ID)
			require.NoError(t, err)
			require.Equal(t, []tenancy.Member{m}, om)
			ms, err := tx.ListUserMemberships(ctx, bob.ID, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.Membership{{Workspace: ws, Role: tenancy.RoleAdmin}}, ms)
			ows, err := tx.ListOrgWorkspaces(ctx, o.ID, bob.ID, true, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.Membership{{Workspace: ws, Role: tenancy.RoleAdmin}}, ows)
			users, err := tx.ListOrgUsers(ctx, o.ID, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.OrgUser{{User: ann, OrgAdmin: true}, {User: bob, Workspaces: 1}}, users)
			seats, err := tx.CountSeats(ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, 2, seats)
			uo, err := tx.UserOrganizations(ctx, bob.ID)
			require.NoError(t, err)
			require.Equal(t, []tenancy.OrgMembership{{Organization: o, Workspaces: 1}}, uo)

			require.NoError(t, tx.CreateInvitation(ctx, inv))
			gotInv, err := tx.InvitationByTokenHash(ctx, inv.TokenHash)
			require.NoError(t, err)
			require.Equal(t, inv, gotInv)
			gotInv, err = tx.InvitationByEmail(ctx, ws.ID, inv.Email)
			require.NoError(t, err)
			require.Equal(t, inv, gotInv)
			gotInv, err = tx.Invitation(ctx, inv.ID)
			require.NoError(t, err)
			require.Equal(t, inv, gotInv)
			invs, err := tx.ListInvitations(ctx, ws.ID, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.Invitation{inv.Invitation}, invs)
			invs, err = tx.ListInvitationsTo(ctx, inv.Email)
			require.NoError(t, err)
			require.Equal(t, []tenancy.Invitation{inv.Invitation}, invs)
			invs, err = tx.ListInvitationsBy(ctx, o.ID, ann.ID)
			require.NoError(t, err)
			require.Equal(t, []tenancy.Invitation{inv.Invitation}, invs)

			require.NoError(t, tx.AppendAudit(ctx, e))
			events, err := tx.ListAuditEvents(ctx, o.ID, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.AuditEvent{e}, events)

			require.NoError(t, tx.DeleteWorkspace(ctx, ws.ID))
			_, err = tx.Member(ctx, ws.ID, bob.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
			_, err = tx.InvitationByTokenHash(ctx, inv.TokenHash)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
			return nil
		})
		// And they are all committed.
		got, err := f.s.User(f.ctx, bob.ID)
		require.NoError(t, err)
		require.Equal(t, bob, got)
		gotOrg, err := f.s.Organization(f.ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o, gotOrg)
		_, err = f.s.Workspace(f.ctx, ws.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		require.Equal(t, []tenancy.AuditEvent{e}, listFrom(t, 10, nil, listAuditEvents(f, o.ID), auditCursor))
	}},
	{"LockOrganization returns ErrNotFound for a missing organization", func(t *testing.T, f *fixture) {
		o := f.org("Acme", "acme.com")
		f.update(func(tx tenancy.Tx) error { return tx.LockOrganization(f.ctx, o.ID) })
		err := f.fail(func(tx tenancy.Tx) error { return tx.LockOrganization(f.ctx, uuid.New()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"LockUser returns the user, or ErrNotFound for a missing one", func(t *testing.T, f *fixture) {
		u := f.user("ann")
		f.update(func(tx tenancy.Tx) error {
			got, err := tx.LockUser(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
			u.Name = "Ann Changed"
			require.NoError(t, tx.UpdateUser(f.ctx, u))
			got, err = tx.LockUser(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got, "LockUser sees the transaction's own writes")
			return nil
		})
		err := f.fail(func(tx tenancy.Tx) error {
			_, err := tx.LockUser(f.ctx, uuid.New())
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"an empty transaction commits", func(t *testing.T, f *fixture) {
		f.update(func(tenancy.Tx) error { return nil })
		u := f.user("ann")
		f.update(func(tx tenancy.Tx) error {
			got, err := tx.User(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
			return nil
		})
	}},
}

package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var workspaceTests = []test{
	{"CreateWorkspace round-trips every field", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Marketing EMEA", ann)
		got, err := f.s.Workspace(f.ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, w, got)
	}},
	{"Workspace returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		_, err := f.s.Workspace(f.ctx, uuid.New())
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateWorkspace returns ErrNotFound for a missing organization", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		w := f.newWorkspace(tenancy.Organization{ID: uuid.New()}, "Sales", ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateWorkspace(f.ctx, w) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Workspace(f.ctx, w.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateWorkspace rejects a taken ID", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		dup := f.newWorkspace(acme, "Ops", ann)
		dup.ID = w.ID
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateWorkspace(f.ctx, dup) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.Workspace(f.ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, w, got)
	}},
	{"workspace names are unique per organization by NameKey", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		f.workspace(acme, "Marketing", ann)
		f.workspace(acme, "Équipe", ann)
		// Full-width forms, invisible characters and extra spaces do not
		// make a name distinct (see tenancy.NameKey).
		for _, name := range []string{"Marketing", "marketing", "MARKETING", "équipe", "ÉQUIPE",
			"ＭＡＲＫＥＴＩＮＧ", "Marketing\u200b", "Mar\u00adketing", " Marketing "} {
			w := f.newWorkspace(acme, name, ann)
			err := f.fail(func(tx tenancy.Tx) error { return tx.CreateWorkspace(f.ctx, w) })
			require.ErrorIs(t, err, tenancy.ErrAlreadyExists, name)
			_, err = f.s.Workspace(f.ctx, w.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound, name)
		}
		// The same names are free in another organization.
		other := f.workspace(globex, "marketing", ann)
		f.workspace(globex, "équipe", ann)
		got, err := f.s.Workspace(f.ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got)
	}},
	{"UpdateWorkspace replaces only the name", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		w := f.workspace(acme, "Sales", ann)
		change := w
		change.Name = "Sales EMEA"
		change.OrgID = globex.ID
		change.CreatedBy = bob.ID
		change.CreatedAt = f.tick()
		f.update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, change) })
		want := w
		want.Name = "Sales EMEA"
		got, err := f.s.Workspace(f.ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}},
	{"UpdateWorkspace keeps names unique and frees the old one", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)

		// A workspace may take its own name in another case.
		sales.Name = "SALES"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, sales) })
		got, err := f.s.Workspace(f.ctx, sales.ID)
		require.NoError(t, err)
		require.Equal(t, sales, got)
		sales.Name = "Sales"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, sales) })

		taken := ops
		taken.Name = "sales"
		err = f.fail(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, taken) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err = f.s.Workspace(f.ctx, ops.ID)
		require.NoError(t, err)
		require.Equal(t, ops, got)

		sales.Name = "Revenue"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, sales) })
		f.workspace(acme, "sales", ann) // the old name is free
		taken = ops
		taken.Name = "REVENUE"
		err = f.fail(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, taken) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists, "the new name is taken")
	}},
	{"UpdateWorkspace returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, f.newWorkspace(acme, "Sales", ann)) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"DeleteWorkspace cascades to memberships and invitations", func(t *testing.T, f *fixture) {
		ann, bob, cid := f.user("ann"), f.user("bob"), f.user("cid")
		acme := f.org("Acme", "acme.com", ann)
		doomed := f.workspace(acme, "Doomed", ann)
		kept := f.workspace(acme, "Kept", ann)
		f.member(doomed, ann, tenancy.RoleAdmin)
		f.member(doomed, bob, tenancy.RoleMember) // bob's only role in acme
		f.member(doomed, cid, tenancy.RoleAdmin)
		keptCid := f.member(kept, cid, tenancy.RoleMember)
		inv := f.invite(doomed, "dee@example.com", tenancy.RoleMember, ann)
		keptInv := f.invite(kept, "dee@example.com", tenancy.RoleMember, ann)
		ev := f.event(acme.ID, f.tick())
		wsEvent := tenancy.AuditEvent{ID: uuid.New(), OrgID: acme.ID, WorkspaceID: doomed.ID, Action: tenancy.EventWorkspaceCreated, At: f.tick()}
		f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, wsEvent) })
		seats, err := f.s.CountSeats(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 3, seats)

		f.update(func(tx tenancy.Tx) error { return tx.DeleteWorkspace(f.ctx, doomed.ID) })

		_, err = f.s.Workspace(f.ctx, doomed.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		for _, u := range []tenancy.User{ann, bob, cid} {
			_, err = f.s.Member(f.ctx, doomed.ID, u.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
		}
		checkEmpty(t, listMembers(f, doomed.ID))
		_, err = f.s.Invitation(f.ctx, inv.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByTokenHash(f.ctx, inv.TokenHash)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByEmail(f.ctx, doomed.ID, inv.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		checkEmpty(t, listInvitations(f, doomed.ID))
		n, err := f.s.CountMembersWithRole(f.ctx, doomed.ID, tenancy.RoleAdmin)
		require.NoError(t, err)
		require.Zero(t, n)
		checkEmpty(t, listUserMemberships(f, bob.ID))

		// What belongs elsewhere stays.
		got, err := f.s.Member(f.ctx, kept.ID, cid.ID)
		require.NoError(t, err)
		require.Equal(t, keptCid, got)
		gotInv, err := f.s.InvitationByTokenHash(f.ctx, keptInv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, keptInv, gotInv)
		require.Equal(t, []tenancy.Membership{{Workspace: kept, Role: tenancy.RoleMember}},
			listFrom(t, 10, nil, listUserMemberships(f, cid.ID), membershipCursor))
		require.Equal(t, []tenancy.Membership{{Workspace: kept}},
			listFrom(t, 10, nil, listOrgWorkspaces(f, acme.ID, ann.ID, false), membershipCursor))

		// Seats and facts follow: bob held no other role, ann is org admin,
		// cid is still a member of kept.
		seats, err = f.s.CountSeats(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 2, seats)
		facts, err := f.s.AccessFacts(f.ctx, bob.ID, tenancy.InOrganization(acme.ID))
		require.NoError(t, err)
		require.False(t, facts.HasRole())
		facts, err = f.s.AccessFacts(f.ctx, cid.ID, tenancy.InOrganization(acme.ID))
		require.NoError(t, err)
		require.True(t, facts.OrgMember)
		users := listFrom(t, 10, nil, listOrgUsers(f, acme.ID), orgUserCursor)
		require.Equal(t, []tenancy.OrgUser{{User: ann, OrgAdmin: true}, {User: cid, Workspaces: 1}}, users)

		// The name is free again, and the audit log is never deleted.
		f.workspace(acme, "doomed", ann)
		events := listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor)
		require.Equal(t, newestFirst([]tenancy.AuditEvent{ev, wsEvent}), events)
	}},
	{"DeleteWorkspace returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.DeleteWorkspace(f.ctx, uuid.New()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteWorkspace(f.ctx, w.ID) })
		err = f.fail(func(tx tenancy.Tx) error { return tx.DeleteWorkspace(f.ctx, w.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "deleted twice")
	}},
	{"ListOrgWorkspaces orders by NameKey then ID with the user's role", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		// Raw names sort Alpha, Delta, beta, gamma; their NameKeys sort
		// alpha, beta, delta, gamma.
		beta := f.workspace(acme, "beta", ann)
		alpha := f.workspace(acme, "Alpha", ann)
		gamma := f.workspace(acme, "gamma", ann)
		delta := f.workspace(acme, "Delta", ann)
		f.workspace(globex, "Alpha", ann)
		f.member(beta, bob, tenancy.RoleAdmin)
		f.member(delta, bob, tenancy.RoleMember)
		f.member(alpha, ann, tenancy.RoleMember)

		want := []tenancy.Membership{
			{Workspace: alpha},
			{Workspace: beta, Role: tenancy.RoleAdmin},
			{Workspace: delta, Role: tenancy.RoleMember},
			{Workspace: gamma},
		}
		checkPaging(t, want, listOrgWorkspaces(f, acme.ID, bob.ID, false), membershipCursor)
		checkPaging(t, []tenancy.Membership{want[1], want[2]}, listOrgWorkspaces(f, acme.ID, bob.ID, true), membershipCursor)

		// Another user sees the same workspaces with its own roles.
		checkPaging(t, []tenancy.Membership{
			{Workspace: alpha, Role: tenancy.RoleMember}, {Workspace: beta}, {Workspace: delta}, {Workspace: gamma},
		}, listOrgWorkspaces(f, acme.ID, ann.ID, false), membershipCursor)
		checkPaging(t, []tenancy.Membership{{Workspace: alpha, Role: tenancy.RoleMember}},
			listOrgWorkspaces(f, acme.ID, ann.ID, true), membershipCursor)

		cid := f.user("cid")
		checkEmpty(t, listOrgWorkspaces(f, acme.ID, cid.ID, true))
		empty := f.org("Empty", "")
		checkEmpty(t, listOrgWorkspaces(f, empty.ID, ann.ID, false))
	}},
	{"ListOrgWorkspaces paging is stable under inserts and deletes", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		var all []tenancy.Membership
		for _, name := range []string{"W03", "w01", "W05", "w02", "w04", "W00"} {
			w := f.workspace(acme, name, ann)
			f.member(w, ann, tenancy.RoleMember)
			all = append(all, tenancy.Membership{Workspace: w, Role: tenancy.RoleMember})
		}
		all = sortByKey(all, membershipCursor)
		for _, onlyMember := range []bool{false, true} {
			checkPaging(t, all, listOrgWorkspaces(f, acme.ID, ann.ID, onlyMember), membershipCursor)
		}

		first := firstPage(t, 2, listOrgWorkspaces(f, acme.ID, ann.ID, true))
		require.Equal(t, all[:2], first) // W00, w01
		early := f.workspace(acme, "a", ann)
		f.member(early, ann, tenancy.RoleAdmin)
		late := f.workspace(acme, "X", ann)
		f.member(late, ann, tenancy.RoleAdmin)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteWorkspace(f.ctx, first[1].Workspace.ID) })
		c := membershipCursor(first[1]) // the cursor's item is gone
		rest := listFrom(t, 2, &c, listOrgWorkspaces(f, acme.ID, ann.ID, true), membershipCursor)
		require.Equal(t, append(all[2:], tenancy.Membership{Workspace: late, Role: tenancy.RoleAdmin}), rest)
	}},
}

func listOrgWorkspaces(f *fixture, orgID, userID uuid.UUID, onlyMember bool) fetchFunc[tenancy.Membership] {
	return func(q tenancy.PageQuery) ([]tenancy.Membership, error) {
		return f.s.ListOrgWorkspaces(f.ctx, orgID, userID, onlyMember, q)
	}
}

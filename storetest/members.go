package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var memberTests = []test{
	{"AddMember round-trips with the user's email", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		m := tenancy.Member{WorkspaceID: w.ID, UserID: bob.ID, Email: "ignored@example.com", Role: tenancy.RoleAdmin, CreatedAt: f.tick()}
		f.update(func(tx tenancy.Tx) error { return tx.AddMember(f.ctx, m) })
		want := m
		want.Email = bob.Email
		got, err := f.s.Member(f.ctx, w.ID, bob.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		custom := f.member(w, ann, "viewer") // a host's custom role is kept as is
		got, err = f.s.Member(f.ctx, w.ID, ann.ID)
		require.NoError(t, err)
		require.Equal(t, custom, got)
	}},
	{"Member returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		f.member(ops, bob, tenancy.RoleMember)
		for name, ids := range map[string][2]uuid.UUID{
			"not a member":      {sales.ID, bob.ID},
			"missing user":      {sales.ID, uuid.New()},
			"missing workspace": {uuid.New(), bob.ID},
		} {
			_, err := f.s.Member(f.ctx, ids[0], ids[1])
			require.ErrorIs(t, err, tenancy.ErrNotFound, name)
		}
	}},
	{"AddMember rejects a duplicate with ErrAlreadyExists", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		m := f.member(w, ann, tenancy.RoleAdmin)
		err := f.fail(func(tx tenancy.Tx) error {
			return tx.AddMember(f.ctx, tenancy.Member{WorkspaceID: w.ID, UserID: ann.ID, Role: tenancy.RoleMember, CreatedAt: f.tick()})
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.Member(f.ctx, w.ID, ann.ID)
		require.NoError(t, err)
		require.Equal(t, m, got)
	}},
	{"AddMember returns ErrNotFound for a missing workspace or user", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		missingUser := tenancy.Member{WorkspaceID: w.ID, UserID: uuid.New(), Role: tenancy.RoleMember, CreatedAt: f.tick()}
		err := f.fail(func(tx tenancy.Tx) error { return tx.AddMember(f.ctx, missingUser) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		missingWorkspace := tenancy.Member{WorkspaceID: uuid.New(), UserID: ann.ID, Role: tenancy.RoleMember, CreatedAt: f.tick()}
		err = f.fail(func(tx tenancy.Tx) error { return tx.AddMember(f.ctx, missingWorkspace) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		checkEmpty(t, listMembers(f, w.ID))
		checkEmpty(t, listUserMemberships(f, ann.ID))
	}},
	{"SetMemberRole changes only the role", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		m := f.member(sales, bob, tenancy.RoleMember)
		other := f.member(ops, bob, tenancy.RoleMember)
		f.update(func(tx tenancy.Tx) error { return tx.SetMemberRole(f.ctx, sales.ID, bob.ID, tenancy.RoleAdmin) })
		m.Role = tenancy.RoleAdmin
		got, err := f.s.Member(f.ctx, sales.ID, bob.ID)
		require.NoError(t, err)
		require.Equal(t, m, got)
		got, err = f.s.Member(f.ctx, ops.ID, bob.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "other memberships are untouched")
	}},
	{"SetMemberRole returns ErrNotFound when not a member", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		for name, ids := range map[string][2]uuid.UUID{
			"not a member":      {w.ID, bob.ID},
			"missing user":      {w.ID, uuid.New()},
			"missing workspace": {uuid.New(), bob.ID},
		} {
			err := f.fail(func(tx tenancy.Tx) error { return tx.SetMemberRole(f.ctx, ids[0], ids[1], tenancy.RoleAdmin) })
			require.ErrorIs(t, err, tenancy.ErrNotFound, name)
		}
		_, err := f.s.Member(f.ctx, w.ID, bob.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"RemoveMember removes the membership", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		keep := f.member(w, ann, tenancy.RoleAdmin)
		f.member(w, bob, tenancy.RoleAdmin)
		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, w.ID, bob.ID) })
		_, err := f.s.Member(f.ctx, w.ID, bob.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		require.Equal(t, []tenancy.Member{keep}, listFrom(t, 10, nil, listMembers(f, w.ID), memberCursor))
		checkEmpty(t, listUserMemberships(f, bob.ID))
		n, err := f.s.CountMembersWithRole(f.ctx, w.ID, tenancy.RoleAdmin)
		require.NoError(t, err)
		require.Equal(t, 1, n)

		again := f.member(w, bob, tenancy.RoleMember) // and it can join again
		got, err := f.s.Member(f.ctx, w.ID, bob.ID)
		require.NoError(t, err)
		require.Equal(t, again, got)
	}},
	{"RemoveMember returns ErrNotFound when not a member", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		f.member(w, ann, tenancy.RoleAdmin)
		for name, ids := range map[string][2]uuid.UUID{
			"not a member":      {w.ID, bob.ID},
			"missing user":      {w.ID, uuid.New()},
			"missing workspace": {uuid.New(), ann.ID},
		} {
			err := f.fail(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, ids[0], ids[1]) })
			require.ErrorIs(t, err, tenancy.ErrNotFound, name)
		}
		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, w.ID, ann.ID) })
		err := f.fail(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, w.ID, ann.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "removed twice")
	}},
	{"CountMembersWithRole counts the workspace's members holding the role", func(t *testing.T, f *fixture) {
		ann, bob, cid, dee := f.user("ann"), f.user("bob"), f.user("cid"), f.user("dee")
		acme := f.org("Acme", "acme.com", ann) // org admins are not workspace members
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		count := func(w tenancy.Workspace, r tenancy.Role) int {
			t.Helper()
			n, err := f.s.CountMembersWithRole(f.ctx, w.ID, r)
			require.NoError(t, err)
			return n
		}
		require.Zero(t, count(sales, tenancy.RoleAdmin))
		require.Zero(t, count(sales, tenancy.RoleOrgAdmin), "org admins hold no workspace role")
		f.member(sales, bob, tenancy.RoleAdmin)
		f.member(sales, cid, tenancy.RoleMember)
		f.member(sales, dee, "viewer") // a host's custom role counts like any other
		f.member(ops, cid, tenancy.RoleAdmin)
		f.member(ops, dee, tenancy.RoleAdmin)
		require.Equal(t, 1, count(sales, tenancy.RoleAdmin))
		require.Equal(t, 1, count(sales, tenancy.RoleMember))
		require.Equal(t, 1, count(sales, "viewer"))
		require.Zero(t, count(sales, "Viewer"), "roles are compared exactly")
		require.Zero(t, count(sales, ""))
		require.Equal(t, 2, count(ops, tenancy.RoleAdmin))
		require.Zero(t, count(ops, tenancy.RoleMember))
		f.update(func(tx tenancy.Tx) error { return tx.SetMemberRole(f.ctx, sales.ID, cid.ID, tenancy.RoleAdmin) })
		require.Equal(t, 2, count(sales, tenancy.RoleAdmin))
		require.Zero(t, count(sales, tenancy.RoleMember))
		f.update(func(tx tenancy.Tx) error { return tx.SetMemberRole(f.ctx, sales.ID, bob.ID, "viewer") })
		require.Equal(t, 1, count(sales, tenancy.RoleAdmin))
		require.Equal(t, 2, count(sales, "viewer"))
		require.Equal(t, 2, count(ops, tenancy.RoleAdmin), "other workspaces are counted apart")
		require.Zero(t, count(tenancy.Workspace{ID: uuid.New()}, tenancy.RoleAdmin), "a missing workspace has no members")
	}},
	{"ListMembers orders by email then user ID", func(t *testing.T, f *fixture) {
		owner := f.user("own")
		acme := f.org("Acme", "acme.com", owner)
		w := f.workspace(acme, "Sales", owner)
		other := f.workspace(acme, "Ops", owner)
		locals := seq("u", 5)
		var want []tenancy.Member
		for _, i := range []int{2, 0, 4, 1, 3} {
			u := f.user(locals[i])
			want = append(want, f.member(w, u, []tenancy.Role{tenancy.RoleMember, tenancy.RoleAdmin}[i%2]))
			f.member(other, u, tenancy.RoleMember)
		}
		want = sortByKey(want, memberCursor)
		require.Equal(t, "u00@example.com", want[0].Email)
		checkPaging(t, want, listMembers(f, w.ID), memberCursor)
		checkEmpty(t, listMembers(f, uuid.New()))
	}},
	{"ListMembers paging is stable under inserts and deletes", func(t *testing.T, f *fixture) {
		owner := f.user("own")
		acme := f.org("Acme", "acme.com", owner)
		w := f.workspace(acme, "Sales", owner)
		var want []tenancy.Member
		for _, local := range seq("m", 5) {
			want = append(want, f.member(w, f.user(local), tenancy.RoleMember))
		}
		first := firstPage(t, 2, listMembers(f, w.ID))
		require.Equal(t, want[:2], first)
		f.member(w, f.user("a00"), tenancy.RoleMember) // before the cursor
		late := f.member(w, f.user("z00"), tenancy.RoleAdmin)
		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, w.ID, first[1].UserID) })
		c := memberCursor(first[1])
		rest := listFrom(t, 2, &c, listMembers(f, w.ID), memberCursor)
		require.Equal(t, append(want[2:], late), rest)
	}},
	{"ListUserMemberships lists every workspace across organizations", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		initech := f.org("Initech", "initech.com", ann)
		var want []tenancy.Membership
		add := func(o tenancy.Organization, name string, r tenancy.Role) {
			w := f.workspace(o, name, ann)
			f.member(w, bob, r)
			want = append(want, tenancy.Membership{Workspace: w, Role: r})
		}
		// Same names in several organizations: ties broken by workspace ID.
		add(acme, "Marketing", tenancy.RoleAdmin)
		add(globex, "marketing", tenancy.RoleMember)
		add(initech, "MARKETING", tenancy.RoleMember)
		add(globex, "Data", tenancy.RoleAdmin)
		add(acme, "sales", tenancy.RoleMember)
		add(initech, "Ops", tenancy.RoleAdmin)
		f.workspace(acme, "Not Bob's", ann)
		want = sortByKey(want, membershipCursor)
		require.Equal(t, "Data", want[0].Workspace.Name)
		checkPaging(t, want, listUserMemberships(f, bob.ID), membershipCursor)
		checkEmpty(t, listUserMemberships(f, ann.ID))

		// Stable under inserts and deletes.
		first := firstPage(t, 2, listUserMemberships(f, bob.ID))
		require.Equal(t, want[:2], first)
		early := f.workspace(globex, "Analytics", ann)
		f.member(early, bob, tenancy.RoleMember)
		late := f.workspace(initech, "Zoo", ann)
		f.member(late, bob, tenancy.RoleMember)
		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, first[1].Workspace.ID, bob.ID) })
		c := membershipCursor(first[1])
		rest := listFrom(t, 2, &c, listUserMemberships(f, bob.ID), membershipCursor)
		require.Equal(t, append(want[2:], tenancy.Membership{Workspace: late, Role: tenancy.RoleMember}), rest)
	}},
	{"A renamed workspace moves in its members' lists", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		var ws []tenancy.Workspace
		for _, name := range []string{"Alpha", "Beta", "Gamma"} {
			w := f.workspace(acme, name, ann)
			f.member(w, bob, tenancy.RoleMember)
			ws = append(ws, w)
		}
		renamed := ws[0]
		renamed.Name = "Zulu"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, renamed) })
		var names []string
		ms, err := f.s.ListUserMemberships(f.ctx, bob.ID, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		for _, m := range ms {
			names = append(names, m.Workspace.Name)
		}
		require.Equal(t, []string{"Beta", "Gamma", "Zulu"}, names)
		names = nil
		ms, err = f.s.ListOrgWorkspaces(f.ctx, acme.ID, bob.ID, true, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		for _, m := range ms {
			names = append(names, m.Workspace.Name)
		}
		require.Equal(t, []string{"Beta", "Gamma", "Zulu"}, names)
		c := tenancy.Cursor{Key: tenancy.NameKey("Gamma"), ID: ws[2].ID}
		ms, err = f.s.ListUserMemberships(f.ctx, bob.ID, tenancy.PageQuery{Limit: 10, After: &c})
		require.NoError(t, err)
		require.Len(t, ms, 1)
		require.Equal(t, "Zulu", ms[0].Workspace.Name)
	}},
	{"UserOrgMemberships lists the user's memberships in one organization by workspace ID", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		var want []tenancy.Member
		for i, name := range []string{"One", "Two", "Three", "Four"} {
			w := f.workspace(acme, name, ann)
			want = append(want, f.member(w, bob, []tenancy.Role{tenancy.RoleMember, tenancy.RoleAdmin}[i%2]))
		}
		f.workspace(acme, "Not Bob's", ann)
		f.member(f.workspace(globex, "Elsewhere", ann), bob, tenancy.RoleAdmin)
		want = sortByKey(want, func(m tenancy.Member) tenancy.Cursor { return tenancy.Cursor{ID: m.WorkspaceID} })
		got, err := f.s.UserOrgMemberships(f.ctx, acme.ID, bob.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = f.s.UserOrgMemberships(f.ctx, acme.ID, ann.ID)
		require.NoError(t, err)
		require.Empty(t, got, "org admin without memberships")
	}},
}

func listMembers(f *fixture, wsID uuid.UUID) fetchFunc[tenancy.Member] {
	return func(q tenancy.PageQuery) ([]tenancy.Member, error) { return f.s.ListMembers(f.ctx, wsID, q) }
}

func listUserMemberships(f *fixture, userID uuid.UUID) fetchFunc[tenancy.Membership] {
	return func(q tenancy.PageQuery) ([]tenancy.Membership, error) {
		return f.s.ListUserMemberships(f.ctx, userID, q)
	}
}

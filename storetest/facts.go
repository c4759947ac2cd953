package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// factsWorld is an organization with a full policy, two workspaces and a
// user for every situation, plus a second organization.
type factsWorld struct {
	acme, globex                  tenancy.Organization
	sales, ops, elsewhere         tenancy.Workspace
	orgAdmin, wsAdmin, wsMember   tenancy.User
	opsOnly, outsider, noRole     tenancy.User
	adminAndMember, customRoleOps tenancy.User
}

func newFactsWorld(f *fixture) factsWorld {
	f.t.Helper()
	var w factsWorld
	w.orgAdmin = f.user("admin")
	w.wsAdmin = f.user("wsadmin")
	w.wsMember = f.user("member")
	w.opsOnly = f.user("opsonly")
	w.outsider = f.user("outsider")
	w.noRole = f.user("norole")
	w.adminAndMember = f.user("both")
	w.customRoleOps = f.user("viewer")

	w.acme = f.newOrg("Acme", "acme.com")
	w.acme.Policy = fullPolicy()
	f.update(func(tx tenancy.Tx) error { return tx.CreateOrganization(f.ctx, w.acme) })
	f.admin(w.acme, w.orgAdmin)
	f.admin(w.acme, w.adminAndMember)
	w.globex = f.org("Globex", "globex.com", w.outsider)

	w.sales = f.workspace(w.acme, "Sales", w.orgAdmin)
	w.ops = f.workspace(w.acme, "Ops", w.orgAdmin)
	w.elsewhere = f.workspace(w.globex, "Elsewhere", w.outsider)
	f.member(w.sales, w.wsAdmin, tenancy.RoleAdmin)
	f.member(w.sales, w.wsMember, tenancy.RoleMember)
	f.member(w.sales, w.adminAndMember, tenancy.RoleMember)
	f.member(w.ops, w.opsOnly, tenancy.RoleAdmin)
	f.member(w.ops, w.customRoleOps, "viewer")
	f.member(w.elsewhere, w.outsider, tenancy.RoleAdmin)
	f.member(w.elsewhere, w.wsMember, tenancy.RoleAdmin)
	return w
}

// facts reads AccessFacts through r and requires no error.
func facts(t *testing.T, f *fixture, r tenancy.Reader, u tenancy.User, sc tenancy.Scope) tenancy.Facts {
	t.Helper()
	got, err := r.AccessFacts(f.ctx, u.ID, sc)
	require.NoError(t, err)
	return got
}

var factsTests = []test{
	{"workspace scope resolves the organization and the roles", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		base := tenancy.Facts{OrgID: w.acme.ID, WorkspaceID: w.sales.ID, Policy: &w.acme.Policy}
		for _, tc := range []struct {
			name string
			user tenancy.User
			edit func(*tenancy.Facts)
		}{
			{"org admin, not a member", w.orgAdmin, func(f *tenancy.Facts) { f.OrgAdmin = true }},
			{"workspace admin", w.wsAdmin, func(f *tenancy.Facts) { f.WorkspaceRole, f.OrgMember = tenancy.RoleAdmin, true }},
			{"workspace member", w.wsMember, func(f *tenancy.Facts) { f.WorkspaceRole, f.OrgMember = tenancy.RoleMember, true }},
			{"org admin and member", w.adminAndMember, func(f *tenancy.Facts) {
				f.OrgAdmin, f.WorkspaceRole, f.OrgMember = true, tenancy.RoleMember, true
			}},
			{"member of another workspace of the organization", w.opsOnly, func(f *tenancy.Facts) { f.OrgMember = true }},
			{"custom role in another workspace", w.customRoleOps, func(f *tenancy.Facts) { f.OrgMember = true }},
			{"member of another organization only", w.outsider, func(*tenancy.Facts) {}},
			{"no role anywhere", w.noRole, func(*tenancy.Facts) {}},
			{"unknown user", tenancy.User{ID: uuid.New()}, func(*tenancy.Facts) {}},
		} {
			want := base
			tc.edit(&want)
			got := facts(t, f, f.s, tc.user, tenancy.InWorkspace(w.sales.ID))
			require.Equal(t, want, got, tc.name)
		}
		got := facts(t, f, f.s, w.customRoleOps, tenancy.InWorkspace(w.ops.ID))
		require.Equal(t, tenancy.Role("viewer"), got.WorkspaceRole)
		require.False(t, facts(t, f, f.s, w.outsider, tenancy.InWorkspace(w.sales.ID)).HasRole())
		require.False(t, facts(t, f, f.s, w.noRole, tenancy.InWorkspace(w.sales.ID)).HasRole())
	}},
	{"organization scope has no workspace", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		base := tenancy.Facts{OrgID: w.acme.ID, Policy: &w.acme.Policy}
		for _, tc := range []struct {
			name string
			user tenancy.User
			edit func(*tenancy.Facts)
		}{
			{"org admin, not a member", w.orgAdmin, func(f *tenancy.Facts) { f.OrgAdmin = true }},
			{"workspace admin", w.wsAdmin, func(f *tenancy.Facts) { f.OrgMember = true }},
			{"workspace member", w.wsMember, func(f *tenancy.Facts) { f.OrgMember = true }},
			{"org admin and member", w.adminAndMember, func(f *tenancy.Facts) { f.OrgAdmin, f.OrgMember = true, true }},
			{"member of another organization only", w.outsider, func(*tenancy.Facts) {}},
			{"no role anywhere", w.noRole, func(*tenancy.Facts) {}},
		} {
			want := base
			tc.edit(&want)
			got := facts(t, f, f.s, tc.user, tenancy.InOrganization(w.acme.ID))
			require.Equal(t, want, got, tc.name)
		}
		got := facts(t, f, f.s, w.outsider, tenancy.InOrganization(w.globex.ID))
		require.Equal(t, tenancy.Facts{OrgID: w.globex.ID, OrgAdmin: true, OrgMember: true, Policy: &tenancy.SecurityPolicy{}}, got)
	}},
	{"workspace scope wins over organization scope", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		want := tenancy.Facts{OrgID: w.acme.ID, WorkspaceID: w.sales.ID, WorkspaceRole: tenancy.RoleAdmin, OrgMember: true, Policy: &w.acme.Policy}
		for _, orgID := range []uuid.UUID{w.acme.ID, w.globex.ID, uuid.New()} {
			got := facts(t, f, f.s, w.wsAdmin, tenancy.Scope{OrgID: orgID, WorkspaceID: w.sales.ID})
			require.Equal(t, want, got)
		}
	}},
	{"a missing workspace or organization is ErrNotFound", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		for name, sc := range map[string]tenancy.Scope{
			"missing workspace":                     tenancy.InWorkspace(uuid.New()),
			"missing workspace of an existing org":  {OrgID: w.acme.ID, WorkspaceID: uuid.New()},
			"missing organization":                  tenancy.InOrganization(uuid.New()),
			"empty scope":                           {},
			"a workspace ID given as organization":  tenancy.InOrganization(w.sales.ID),
			"an organization ID given as workspace": tenancy.InWorkspace(w.acme.ID),
		} {
			_, err := f.s.AccessFacts(f.ctx, w.wsAdmin.ID, sc)
			require.ErrorIs(t, err, tenancy.ErrNotFound, name)
		}
	}},
	{"facts follow every change immediately", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		u := w.wsMember
		ws := tenancy.InWorkspace(w.sales.ID)
		org := tenancy.InOrganization(w.acme.ID)
		read := func(sc tenancy.Scope) tenancy.Facts { t.Helper(); return facts(t, f, f.s, u, sc) }

		f.update(func(tx tenancy.Tx) error { return tx.SetMemberRole(f.ctx, w.sales.ID, u.ID, tenancy.RoleAdmin) })
		require.Equal(t, tenancy.RoleAdmin, read(ws).WorkspaceRole)

		// A store may read the role off an index ordered by the
		// workspace's name: a rename changes where the role is found.
		renamed := w.sales
		renamed.Name = "Field Sales"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(f.ctx, renamed) })
		got := read(ws)
		require.Equal(t, tenancy.RoleAdmin, got.WorkspaceRole, "after a rename")
		require.True(t, got.OrgMember, "after a rename")

		f.admin(w.acme, u)
		require.True(t, read(ws).OrgAdmin)
		require.True(t, read(org).OrgAdmin)
		f.update(func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(f.ctx, w.acme.ID, u.ID) })
		require.False(t, read(ws).OrgAdmin)
		require.False(t, read(org).OrgAdmin)

		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, w.sales.ID, u.ID) })
		got = read(ws)
		require.Equal(t, tenancy.Role(""), got.WorkspaceRole)
		require.False(t, got.OrgMember)
		require.False(t, got.HasRole())
		require.False(t, read(org).HasRole())
		// Still a member in the other organization.
		require.Equal(t, tenancy.RoleAdmin, read(tenancy.InWorkspace(w.elsewhere.ID)).WorkspaceRole)

		f.member(w.ops, u, tenancy.RoleMember)
		got = read(ws)
		require.True(t, got.OrgMember)
		require.Equal(t, tenancy.Role(""), got.WorkspaceRole)

		changed := w.acme
		changed.Policy = tenancy.SecurityPolicy{RequireMFA: true}
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, changed) })
		require.Equal(t, &changed.Policy, read(ws).Policy)
		require.Equal(t, &changed.Policy, read(org).Policy)

		f.update(func(tx tenancy.Tx) error { return tx.DeleteWorkspace(f.ctx, w.ops.ID) })
		require.False(t, read(org).OrgMember)
		_, err := f.s.AccessFacts(f.ctx, u.ID, tenancy.InWorkspace(w.ops.ID))
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"AccessFacts in a transaction sees the transaction's writes", func(t *testing.T, f *fixture) {
		w := newFactsWorld(f)
		u := w.noRole
		f.update(func(tx tenancy.Tx) error {
			require.False(t, facts(t, f, tx, u, tenancy.InWorkspace(w.sales.ID)).HasRole())
			require.NoError(t, tx.AddMember(f.ctx, tenancy.Member{WorkspaceID: w.sales.ID, UserID: u.ID, Role: tenancy.RoleAdmin, CreatedAt: f.tick()}))
			got := facts(t, f, tx, u, tenancy.InWorkspace(w.sales.ID))
			require.Equal(t, tenancy.RoleAdmin, got.WorkspaceRole)
			require.True(t, got.OrgMember)
			require.NoError(t, tx.AddOrgAdmin(f.ctx, w.acme.ID, u.ID, f.tick()))
			require.True(t, facts(t, f, tx, u, tenancy.InOrganization(w.acme.ID)).OrgAdmin)

			nw := f.newWorkspace(w.acme, "New", u)
			require.NoError(t, tx.CreateWorkspace(f.ctx, nw))
			got = facts(t, f, tx, u, tenancy.InWorkspace(nw.ID))
			require.Equal(t, tenancy.Facts{OrgID: w.acme.ID, WorkspaceID: nw.ID, OrgAdmin: true, OrgMember: true, Policy: &w.acme.Policy}, got)

			no := f.newOrg("New Org", "")
			require.NoError(t, tx.CreateOrganization(f.ctx, no))
			require.Equal(t, tenancy.Facts{OrgID: no.ID, Policy: &tenancy.SecurityPolicy{}}, facts(t, f, tx, u, tenancy.InOrganization(no.ID)))
			return nil
		})
		got := facts(t, f, f.s, u, tenancy.InWorkspace(w.sales.ID))
		require.Equal(t, tenancy.Facts{OrgID: w.acme.ID, WorkspaceID: w.sales.ID, OrgAdmin: true, WorkspaceRole: tenancy.RoleAdmin, OrgMember: true, Policy: &w.acme.Policy}, got)
	}},
}

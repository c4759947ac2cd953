package tenancy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// requireDenied asserts err is a denial of act by a role the actor holds:
// ErrForbidden with a *DeniedError naming the action, not ErrNotFound.
func requireDenied(t testing.TB, err error, act tenancy.Action) {
	t.Helper()
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	require.NotErrorIs(t, err, tenancy.ErrNotFound, "the actor holds a role: the denial must not read as not found")
	var denied *tenancy.DeniedError
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, act, denied.Decision.Action)
	assert.False(t, denied.Decision.Allowed)
	assert.NotEmpty(t, denied.Decision.Reason)
	assert.Contains(t, err.Error(), string(act))
}

// requireHidden asserts err hides the existence of its subject: ErrNotFound
// and not ErrForbidden.
func requireHidden(t testing.TB, err error) {
	t.Helper()
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	require.NotErrorIs(t, err, tenancy.ErrForbidden, "existence must not leak through a forbidden error")
}

// roleIn returns the user's role in a workspace, "" if not a member.
func (f *fixture) roleIn(ws, user uuid.UUID) tenancy.Role {
	f.t.Helper()
	m, err := f.store.Member(f.ctx, ws, user)
	if err != nil {
		require.ErrorIs(f.t, err, tenancy.ErrNotFound)
		return ""
	}
	return m.Role
}

// allPages walks a list from its first page with the given limit and
// returns every item and the number of pages read.
func allPages[T any](t testing.TB, limit int, list func(tenancy.Page) (tenancy.List[T], error)) ([]T, int) {
	t.Helper()
	var items []T
	p := tenancy.Page{Limit: limit}
	for pages := 1; ; pages++ {
		l, err := list(p)
		require.NoError(t, err)
		if limit > 0 {
			require.LessOrEqual(t, len(l.Items), limit)
		}
		items = append(items, l.Items...)
		if l.Next == "" {
			return items, pages
		}
		require.Len(t, l.Items, limit, "only the last page may be short")
		require.Less(t, pages, 10000, "pagination does not end")
		p.After = l.Next
	}
}

func workspaceNames(wss []tenancy.Workspace) []string {
	var names []string
	for _, ws := range wss {
		names = append(names, ws.Name)
	}
	return names
}

func TestCreateWorkspaceMakesTheCreatorItsAdmin(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws, err := f.svc.CreateWorkspace(f.ctx, admin, org.ID, "  Marketing \t")
	require.NoError(t, err)
	assert.NotEqual(t, uuid.Nil, ws.ID)
	assert.Equal(t, org.ID, ws.OrgID)
	assert.Equal(t, "Marketing", ws.Name, "the name is trimmed")
	assert.Equal(t, admin.UserID, ws.CreatedBy)
	assert.Equal(t, f.clock(), ws.CreatedAt)
	assert.Equal(t, tenancy.RoleAdmin, f.roleIn(ws.ID, admin.UserID))

	got, err := f.svc.Workspace(f.ctx, admin, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, ws, got)

	events := f.lastEvents(2)
	assert.Equal(t, tenancy.EventWorkspaceCreated, events[0].Action)
	assert.Equal(t, ws.ID, events[0].TargetID)
	assert.Equal(t, "Marketing", events[0].Details["name"])
	assert.Equal(t, tenancy.EventMemberAdded, events[1].Action)
	assert.Equal(t, admin.UserID, events[1].TargetID)
	assert.Equal(t, string(tenancy.RoleAdmin), events[1].Details["role"])
	for _, e := range events {
		assert.Equal(t, org.ID, e.OrgID)
		assert.Equal(t, ws.ID, e.WorkspaceID)
		assert.Equal(t, admin.UserID, e.ActorID)
	}
}

func TestCreateWorkspaceNeedsOrgAdmin(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	wsAdmin := f.user("bob@gmail.com")
	f.member(admin, ws.ID, wsAdmin, tenancy.RoleAdmin)
	member := f.user("carl@gmail.com")
	f.member(admin, ws.ID, member, tenancy.RoleMember)
	stranger := f.user("eve@gmail.com")
	_, otherOrg := f.founder("olga@other.com")

	for name, a := range map[string]tenancy.Actor{"workspace admin": wsAdmin, "workspace member": member} {
		t.Run(name+" is forbidden", func(t *testing.T) {
			err := f.unchanged(org.ID, func() error {
				_, err := f.svc.CreateWorkspace(f.ctx, a, org.ID, "Sales")
				return err
			})
			requireDenied(t, err, tenancy.ActionCreateWorkspace)
		})
	}
	t.Run("a user with no role in the organization gets not found", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.CreateWorkspace(f.ctx, stranger, org.ID, "Sales")
			return err
		})
		requireHidden(t, err)
	})
	t.Run("the admin of another organization gets not found", func(t *testing.T) {
		other := f.actor(mustAdmin(t, f, otherOrg.ID))
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.CreateWorkspace(f.ctx, other, org.ID, "Sales")
			return err
		})
		requireHidden(t, err)
	})
	t.Run("an unknown organization is not found", func(t *testing.T) {
		_, err := f.svc.CreateWorkspace(f.ctx, admin, uuid.New(), "Sales")
		requireHidden(t, err)
	})
	list, err := f.svc.OrganizationWorkspaces(f.ctx, admin, org.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Equal(t, []string{"Marketing"}, workspaceNames(list.Items))
}

func TestWorkspaceNameRules(t *testing.T) {
	cases := []struct {
		name, in, want string // want "" means ErrInvalidInput
	}{
		{"plain", "Marketing", "Marketing"},
		{"trimmed", "  Sales team \n", "Sales team"},
		{"inner runs of spaces collapse", "Growth  \u00a0EMEA", "Growth EMEA"},
		{"100 multi-byte characters", strings.Repeat("é", 100), strings.Repeat("é", 100)},
		{"100 characters once trimmed", " " + strings.Repeat("x", 100) + " ", strings.Repeat("x", 100)},
		{"emoji and CJK", "数据 🚀", "数据 🚀"},
		{"empty", "", ""},
		{"white space only", " \t\n ", ""},
		{"101 characters", strings.Repeat("x", 101), ""},
		{"101 multi-byte characters", strings.Repeat("é", 101), ""},
		{"NUL", "Mark\x00eting", ""},
		{"tab inside", "Mark\teting", ""},
		{"newline inside", "Mark\neting", ""},
		{"C1 control", "Mark\u0085eting", ""},
		{"escape", "\x1b[31mRed", ""},
		{"invalid UTF-8", "Mark\xffeting", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			admin, org := f.founder("ann@acme.com")
			existing := f.workspace(admin, org.ID, "Existing")
			if c.want == "" {
				err := f.unchanged(org.ID, func() error {
					_, err := f.svc.CreateWorkspace(f.ctx, admin, org.ID, c.in)
					return err
				})
				require.ErrorIs(t, err, tenancy.ErrInvalidInput)
				err = f.unchanged(org.ID, func() error {
					_, err := f.svc.RenameWorkspace(f.ctx, admin, existing.ID, c.in)
					return err
				})
				require.ErrorIs(t, err, tenancy.ErrInvalidInput)
				return
			}
			ws, err := f.svc.CreateWorkspace(f.ctx, admin, org.ID, c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, ws.Name)
			_, err = f.svc.RenameWorkspace(f.ctx, admin, ws.ID, "Temporary")
			require.NoError(t, err)
			renamed, err := f.svc.RenameWorkspace(f.ctx, admin, ws.ID, c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, renamed.Name)
		})
	}
}

func TestWorkspaceNamesAreUniquePerOrganization(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	marketing := f.workspace(admin, org.ID, "Marketing")
	sales := f.workspace(admin, org.ID, "Sales")

	for _, name := range []string{"Marketing", "marketing", " MARKETING ", "MarKeting"} {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.CreateWorkspace(f.ctx, admin, org.ID, name)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists, name)
	}
	t.Run("rename to another workspace's name", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.RenameWorkspace(f.ctx, admin, sales.ID, "marketing")
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.svc.Workspace(f.ctx, admin, sales.ID)
		require.NoError(t, err)
		assert.Equal(t, "Sales", got.Name)
	})
	t.Run("the same name in another organization", func(t *testing.T) {
		other, otherOrg := f.founder("olga@other.com")
		ws, err := f.svc.CreateWorkspace(f.ctx, other, otherOrg.ID, "marketing")
		require.NoError(t, err)
		assert.NotEqual(t, marketing.ID, ws.ID)
	})
	t.Run("a deleted workspace frees its name", func(t *testing.T) {
		require.NoError(t, f.svc.DeleteWorkspace(f.ctx, admin, sales.ID))
		_, err := f.svc.CreateWorkspace(f.ctx, admin, org.ID, "SALES")
		require.NoError(t, err)
	})
}

func TestWorkspaceVisibility(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	other := f.workspace(admin, org.ID, "Sales")
	member := f.user("bob@gmail.com")
	f.member(admin, ws.ID, member, tenancy.RoleMember)
	salesOnly := f.user("carl@gmail.com")
	f.member(admin, other.ID, salesOnly, tenancy.RoleAdmin)
	orgAdmin := f.user("dina@gmail.com")
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, admin, org.ID, orgAdmin.UserID))
	stranger := f.user("eve@gmail.com")

	for name, a := range map[string]tenancy.Actor{"member": member, "creator": admin, "org admin who is not a member": orgAdmin} {
		got, err := f.svc.Workspace(f.ctx, a, ws.ID)
		require.NoError(t, err, name)
		assert.Equal(t, ws, got, name)
	}
	_, err := f.svc.Workspace(f.ctx, salesOnly, ws.ID)
	requireDenied(t, err, tenancy.ActionViewWorkspace)
	_, err = f.svc.Workspace(f.ctx, stranger, ws.ID)
	requireHidden(t, err)
	_, err = f.svc.Workspace(f.ctx, admin, uuid.New())
	requireHidden(t, err)
}

func TestRenameWorkspace(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	wsAdmin := f.user("bob@gmail.com")
	f.member(admin, ws.ID, wsAdmin, tenancy.RoleAdmin)
	member := f.user("carl@gmail.com")
	f.member(admin, ws.ID, member, tenancy.RoleMember)
	stranger := f.user("eve@gmail.com")

	t.Run("a workspace admin renames it", func(t *testing.T) {
		got, err := f.svc.RenameWorkspace(f.ctx, wsAdmin, ws.ID, " Growth ")
		require.NoError(t, err)
		assert.Equal(t, "Growth", got.Name)
		assert.Equal(t, ws.ID, got.ID)
		assert.Equal(t, ws.CreatedAt, got.CreatedAt)
		e := f.lastEvents(1)[0]
		assert.Equal(t, tenancy.EventWorkspaceRenamed, e.Action)
		assert.Equal(t, org.ID, e.OrgID)
		assert.Equal(t, ws.ID, e.WorkspaceID)
		assert.Equal(t, ws.ID, e.TargetID)
		assert.Equal(t, wsAdmin.UserID, e.ActorID)
		assert.Equal(t, map[string]string{"from": "Marketing", "to": "Growth"}, e.Details)
		read, err := f.svc.Workspace(f.ctx, member, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, "Growth", read.Name)
	})
	t.Run("an org admin renames it", func(t *testing.T) {
		got, err := f.svc.RenameWorkspace(f.ctx, admin, ws.ID, "Marketing")
		require.NoError(t, err)
		assert.Equal(t, "Marketing", got.Name)
	})
	t.Run("renaming to the same name records nothing", func(t *testing.T) {
		n, stored := f.eventCount(), f.auditLen(org.ID)
		got, err := f.svc.RenameWorkspace(f.ctx, admin, ws.ID, "  Marketing ")
		require.NoError(t, err)
		assert.Equal(t, "Marketing", got.Name)
		assert.Equal(t, ws.ID, got.ID)
		assert.Equal(t, n, f.eventCount())
		assert.Equal(t, stored, f.auditLen(org.ID))
	})
	t.Run("changing only the case renames it", func(t *testing.T) {
		got, err := f.svc.RenameWorkspace(f.ctx, admin, ws.ID, "MARKETING")
		require.NoError(t, err)
		assert.Equal(t, "MARKETING", got.Name)
	})
	t.Run("a member is forbidden", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.RenameWorkspace(f.ctx, member, ws.ID, "Mine")
			return err
		})
		requireDenied(t, err, tenancy.ActionEditWorkspaceSettings)
	})
	t.Run("a stranger gets not found", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.RenameWorkspace(f.ctx, stranger, ws.ID, "Mine")
			return err
		})
		requireHidden(t, err)
		_, err = f.svc.RenameWorkspace(f.ctx, admin, uuid.New(), "Mine")
		requireHidden(t, err)
	})
}

func TestDeleteWorkspaceCascades(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	keep := f.workspace(admin, org.ID, "Sales")
	bob := f.user("bob@gmail.com") // only in ws
	f.member(admin, ws.ID, bob, tenancy.RoleMember)
	carl := f.user("carl@gmail.com") // in both
	f.member(admin, ws.ID, carl, tenancy.RoleAdmin)
	f.member(admin, keep.ID, carl, tenancy.RoleMember)
	dina := f.user("dina@gmail.com")
	_, token, err := f.svc.Invite(f.ctx, admin, ws.ID, "dina@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)

	seats, err := f.svc.Seats(f.ctx, admin, org.ID)
	require.NoError(t, err)
	require.Equal(t, 3, seats)

	t.Run("a member cannot delete it", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error { return f.svc.DeleteWorkspace(f.ctx, bob, ws.ID) })
		requireDenied(t, err, tenancy.ActionDeleteWorkspace)
	})
	t.Run("a stranger gets not found", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error { return f.svc.DeleteWorkspace(f.ctx, dina, ws.ID) })
		requireHidden(t, err)
	})

	require.NoError(t, f.svc.DeleteWorkspace(f.ctx, carl, ws.ID), "a workspace admin may delete it")
	e := f.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventWorkspaceDeleted, e.Action)
	assert.Equal(t, org.ID, e.OrgID)
	assert.Equal(t, ws.ID, e.WorkspaceID)
	assert.Equal(t, ws.ID, e.TargetID)
	assert.Equal(t, carl.UserID, e.ActorID)
	assert.Equal(t, "Marketing", e.Details["name"])

	_, err = f.svc.Workspace(f.ctx, admin, ws.ID)
	requireHidden(t, err)
	for _, u := range []tenancy.Actor{bob, carl} {
		require.ErrorIs(t, f.svc.Authorize(f.ctx, u, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)), tenancy.ErrNotFound)
		list, err := f.svc.UserWorkspaces(f.ctx, u.UserID, tenancy.Page{})
		require.NoError(t, err)
		for _, m := range list.Items {
			assert.NotEqual(t, ws.ID, m.Workspace.ID)
		}
	}
	_, err = f.svc.Organization(f.ctx, bob, org.ID)
	requireHidden(t, err)
	_, err = f.svc.Organization(f.ctx, carl, org.ID)
	require.NoError(t, err, "carl is still a member of another workspace")

	err = f.unchanged(org.ID, func() error {
		_, err := f.svc.AcceptInvitation(f.ctx, dina, token)
		return err
	})
	require.ErrorIs(t, err, tenancy.ErrInvitation, "the workspace's invitations are gone")

	seats, err = f.svc.Seats(f.ctx, admin, org.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, seats, "bob no longer holds a role")

	err = f.unchanged(org.ID, func() error { return f.svc.DeleteWorkspace(f.ctx, admin, ws.ID) })
	requireHidden(t, err)
}

func TestOrganizationWorkspaces(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	for _, name := range []string{"gamma", "Beta", "alpha", "Epsilon", "delta"} {
		f.workspace(admin, org.ID, name)
	}
	all, err := f.svc.OrganizationWorkspaces(f.ctx, admin, org.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "Beta", "delta", "Epsilon", "gamma"}, workspaceNames(all.Items),
		"by name, case-insensitively")
	assert.Empty(t, all.Next)

	bob := f.user("bob@gmail.com")
	f.member(admin, all.Items[1].ID, bob, tenancy.RoleMember)
	f.member(admin, all.Items[4].ID, bob, tenancy.RoleAdmin)
	orgAdmin := f.user("carl@gmail.com")
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, admin, org.ID, orgAdmin.UserID))

	t.Run("an org admin sees every workspace, member or not", func(t *testing.T) {
		list, err := f.svc.OrganizationWorkspaces(f.ctx, orgAdmin, org.ID, tenancy.Page{})
		require.NoError(t, err)
		assert.Equal(t, all.Items, list.Items)
	})
	t.Run("a member sees only its workspaces", func(t *testing.T) {
		list, err := f.svc.OrganizationWorkspaces(f.ctx, bob, org.ID, tenancy.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{"Beta", "gamma"}, workspaceNames(list.Items))
		assert.Empty(t, list.Next)
	})
	t.Run("no role in the organization", func(t *testing.T) {
		_, err := f.svc.OrganizationWorkspaces(f.ctx, f.user("eve@gmail.com"), org.ID, tenancy.Page{})
		requireHidden(t, err)
		_, err = f.svc.OrganizationWorkspaces(f.ctx, admin, uuid.New(), tenancy.Page{})
		requireHidden(t, err)
	})
	t.Run("paging", func(t *testing.T) {
		items, pages := allPages(t, 2, func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return f.svc.OrganizationWorkspaces(f.ctx, admin, org.ID, p)
		})
		assert.Equal(t, all.Items, items)
		assert.Equal(t, 3, pages)
		items, pages = allPages(t, 1, func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return f.svc.OrganizationWorkspaces(f.ctx, bob, org.ID, p)
		})
		assert.Equal(t, []string{"Beta", "gamma"}, workspaceNames(items))
		assert.Equal(t, 2, pages)
		items, _ = allPages(t, 5, func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return f.svc.OrganizationWorkspaces(f.ctx, admin, org.ID, p)
		})
		assert.Len(t, items, 5)
	})
}

func TestUserWorkspacesAcrossOrganizations(t *testing.T) {
	f := newFixture(t)
	ann, acme := f.founder("ann@acme.com")
	olga, other := f.founder("olga@other.com")
	bob := f.user("bob@gmail.com")
	var want []string
	for i := range 3 {
		ws := f.workspace(ann, acme.ID, fmt.Sprintf("Acme %d", i))
		f.member(ann, ws.ID, bob, tenancy.RoleMember)
		want = append(want, ws.Name)
	}
	ows := f.workspace(olga, other.ID, "Other")
	f.member(olga, ows.ID, bob, tenancy.RoleAdmin)
	f.workspace(olga, other.ID, "Not bob's")
	want = append(want, "Other")

	list, err := f.svc.UserWorkspaces(f.ctx, bob.UserID, tenancy.Page{})
	require.NoError(t, err)
	var names []string
	for _, m := range list.Items {
		names = append(names, m.Workspace.Name)
		if m.Workspace.OrgID == other.ID {
			assert.Equal(t, tenancy.RoleAdmin, m.Role)
			assert.Equal(t, ows, m.Workspace)
		} else {
			assert.Equal(t, acme.ID, m.Workspace.OrgID)
			assert.Equal(t, tenancy.RoleMember, m.Role)
		}
	}
	assert.Equal(t, want, names)

	items, pages := allPages(t, 1, func(p tenancy.Page) (tenancy.List[tenancy.Membership], error) {
		return f.svc.UserWorkspaces(f.ctx, bob.UserID, p)
	})
	assert.Equal(t, list.Items, items)
	assert.Equal(t, 4, pages)

	empty, err := f.svc.UserWorkspaces(f.ctx, f.user("eve@gmail.com").UserID, tenancy.Page{})
	require.NoError(t, err)
	assert.Empty(t, empty.Items)
	assert.Empty(t, empty.Next)
	_, err = f.svc.UserWorkspaces(f.ctx, uuid.New(), tenancy.Page{})
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestOrganizationWorkspacesSkipsWorkspacesARoleCannotView(t *testing.T) {
	const blind tenancy.Role = "blind" // a custom role that cannot view the workspace
	p, err := tenancy.NewPolicy(map[tenancy.Role][]tenancy.Action{
		tenancy.RoleMember:   testMemberActions,
		tenancy.RoleAdmin:    append([]tenancy.Action{tenancy.ActionManageMembers}, testMemberActions...),
		blind:                {tenancy.ActionCreateSegment},
		tenancy.RoleOrgAdmin: {tenancy.ActionCreateWorkspace},
	})
	require.NoError(t, err)
	f := newFixture(t, tenancy.WithPolicy(p))
	admin, org := f.founder("ann@acme.com")
	bob := f.user("bob@gmail.com")
	var visible []string
	for i := range 9 {
		ws := f.workspace(admin, org.ID, fmt.Sprintf("W%d", i))
		role := blind
		if i%3 == 1 {
			role = tenancy.RoleMember
			visible = append(visible, ws.Name)
		}
		f.member(admin, ws.ID, bob, role)
		if role == blind {
			_, err := f.svc.Workspace(f.ctx, bob, ws.ID)
			requireDenied(t, err, tenancy.ActionViewWorkspace)
		}
	}
	for _, limit := range []int{0, 1, 2, 3} {
		items, _ := allPages(t, limit, func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return f.svc.OrganizationWorkspaces(f.ctx, bob, org.ID, p)
		})
		assert.Equal(t, visible, workspaceNames(items), "limit %d", limit)
	}
}

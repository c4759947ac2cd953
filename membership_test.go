package tenancy_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// memberFixture is an organization with one workspace and an actor of each
// kind the permission table distinguishes.
type memberFixture struct {
	*fixture
	org                    tenancy.Organization
	ws, other              tenancy.Workspace
	orgAdmin               tenancy.Actor // founder: org admin and creator (admin) of ws
	plainOrgAdmin          tenancy.Actor // org admin, member of no workspace
	wsAdmin, wsMember      tenancy.Actor // roles in ws
	otherMember            tenancy.Actor // member of another workspace of the org
	stranger, foreignAdmin tenancy.Actor // no role in the org; admin of another org
	target                 tenancy.Actor // member of ws, the subject of changes
	outsider               tenancy.Actor // signed up, no role anywhere
	foreignOrg             tenancy.Organization
	foreignWs              tenancy.Workspace
}

func newMemberFixture(t *testing.T, opts ...tenancy.Option) *memberFixture {
	t.Helper()
	m := &memberFixture{fixture: newFixture(t, opts...)}
	m.orgAdmin, m.org = m.founder("ann@acme.com")
	m.ws = m.workspace(m.orgAdmin, m.org.ID, "Marketing")
	m.other = m.workspace(m.orgAdmin, m.org.ID, "Sales")
	m.plainOrgAdmin = m.user("pat@gmail.com")
	require.NoError(t, m.svc.GrantOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.plainOrgAdmin.UserID))
	m.wsAdmin = m.user("bob@gmail.com")
	m.member(m.orgAdmin, m.ws.ID, m.wsAdmin, tenancy.RoleAdmin)
	m.wsMember = m.user("carl@gmail.com")
	m.member(m.orgAdmin, m.ws.ID, m.wsMember, tenancy.RoleMember)
	m.otherMember = m.user("dina@gmail.com")
	m.member(m.orgAdmin, m.other.ID, m.otherMember, tenancy.RoleAdmin)
	m.target = m.user("tom@gmail.com")
	m.member(m.orgAdmin, m.ws.ID, m.target, tenancy.RoleMember)
	m.stranger = m.user("eve@gmail.com")
	m.outsider = m.user("otto@gmail.com")
	m.foreignAdmin, m.foreignOrg = m.founder("olga@other.com")
	m.foreignWs = m.workspace(m.foreignAdmin, m.foreignOrg.ID, "Foreign")
	return m
}

// outcome is what a permission-table case expects.
type outcome int

const (
	allowed outcome = iota
	forbidden
	hidden
)

func (o outcome) check(t *testing.T, err error, act tenancy.Action) {
	t.Helper()
	switch o {
	case allowed:
		require.NoError(t, err)
	case forbidden:
		requireDenied(t, err, act)
	case hidden:
		requireHidden(t, err)
	}
}

func TestMemberManagementPermissions(t *testing.T) {
	actors := []struct {
		name string
		get  func(m *memberFixture) tenancy.Actor
		want outcome
	}{
		{"org admin and workspace admin", func(m *memberFixture) tenancy.Actor { return m.orgAdmin }, allowed},
		{"org admin, not a member", func(m *memberFixture) tenancy.Actor { return m.plainOrgAdmin }, allowed},
		{"workspace admin", func(m *memberFixture) tenancy.Actor { return m.wsAdmin }, allowed},
		{"workspace member", func(m *memberFixture) tenancy.Actor { return m.wsMember }, forbidden},
		{"admin of another workspace of the org", func(m *memberFixture) tenancy.Actor { return m.otherMember }, forbidden},
		{"no role in the org", func(m *memberFixture) tenancy.Actor { return m.stranger }, hidden},
		{"admin of another org", func(m *memberFixture) tenancy.Actor { return m.foreignAdmin }, hidden},
	}
	ops := []struct {
		name string
		do   func(m *memberFixture, a tenancy.Actor) error
		read bool
	}{
		{"AddMember", func(m *memberFixture, a tenancy.Actor) error {
			_, err := m.svc.AddMember(m.ctx, a, m.ws.ID, m.outsider.UserID, tenancy.RoleMember)
			return err
		}, false},
		{"SetMemberRole", func(m *memberFixture, a tenancy.Actor) error {
			_, err := m.svc.SetMemberRole(m.ctx, a, m.ws.ID, m.target.UserID, tenancy.RoleAdmin)
			return err
		}, false},
		{"RemoveMember of another user", func(m *memberFixture, a tenancy.Actor) error {
			return m.svc.RemoveMember(m.ctx, a, m.ws.ID, m.target.UserID)
		}, false},
		{"Members", func(m *memberFixture, a tenancy.Actor) error {
			_, err := m.svc.Members(m.ctx, a, m.ws.ID, tenancy.Page{})
			return err
		}, true},
		{"Invite", func(m *memberFixture, a tenancy.Actor) error {
			_, _, err := m.svc.Invite(m.ctx, a, m.ws.ID, "new@gmail.com", tenancy.RoleMember)
			return err
		}, false},
		{"Invitations", func(m *memberFixture, a tenancy.Actor) error {
			_, err := m.svc.Invitations(m.ctx, a, m.ws.ID, tenancy.Page{})
			return err
		}, true},
	}
	for _, op := range ops {
		for _, ac := range actors {
			t.Run(op.name+"/"+ac.name, func(t *testing.T) {
				m := newMemberFixture(t)
				a := ac.get(m)
				if ac.want == allowed {
					before := m.auditLen(m.org.ID)
					require.NoError(t, op.do(m, a))
					if !op.read {
						assert.Equal(t, before+1, m.auditLen(m.org.ID), "one audit event")
						assert.Equal(t, a.UserID, m.lastEvents(1)[0].ActorID)
					}
					return
				}
				err := m.unchanged(m.org.ID, func() error { return op.do(m, a) })
				ac.want.check(t, err, tenancy.ActionManageMembers)
				assert.Equal(t, tenancy.RoleMember, m.roleIn(m.ws.ID, m.target.UserID))
				assert.Equal(t, tenancy.Role(""), m.roleIn(m.ws.ID, m.outsider.UserID))
			})
		}
	}
}

func TestAddMember(t *testing.T) {
	m := newMemberFixture(t)
	got, err := m.svc.AddMember(m.ctx, m.wsAdmin, m.ws.ID, m.outsider.UserID, tenancy.RoleAdmin)
	require.NoError(t, err)
	assert.Equal(t, tenancy.Member{WorkspaceID: m.ws.ID, UserID: m.outsider.UserID, Email: "otto@gmail.com",
		Role: tenancy.RoleAdmin, CreatedAt: m.clock()}, got)
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventMemberAdded, e.Action)
	assert.Equal(t, m.org.ID, e.OrgID)
	assert.Equal(t, m.ws.ID, e.WorkspaceID)
	assert.Equal(t, m.wsAdmin.UserID, e.ActorID)
	assert.Equal(t, m.outsider.UserID, e.TargetID)
	assert.Equal(t, "admin", e.Details["role"])
	require.NoError(t, m.svc.Authorize(m.ctx, m.outsider, tenancy.ActionCreateSource, tenancy.InWorkspace(m.ws.ID)))

	t.Run("a member of a workspace in another organization", func(t *testing.T) {
		_, err := m.svc.AddMember(m.ctx, m.foreignAdmin, m.foreignWs.ID, m.wsMember.UserID, tenancy.RoleMember)
		require.NoError(t, err)
		assert.Equal(t, tenancy.RoleMember, m.roleIn(m.ws.ID, m.wsMember.UserID), "unchanged in its first workspace")
	})
	t.Run("an org admin who is not a member", func(t *testing.T) {
		_, err := m.svc.AddMember(m.ctx, m.orgAdmin, m.other.ID, m.plainOrgAdmin.UserID, tenancy.RoleMember)
		require.NoError(t, err)
	})
}

func TestAddMemberRejects(t *testing.T) {
	m := newMemberFixture(t)
	cases := []struct {
		name string
		user uuid.UUID
		ws   uuid.UUID
		role tenancy.Role
		want error
	}{
		{"unknown role", m.outsider.UserID, m.ws.ID, "owner", tenancy.ErrInvalidInput},
		{"empty role", m.outsider.UserID, m.ws.ID, "", tenancy.ErrInvalidInput},
		{"org admin is no workspace role", m.outsider.UserID, m.ws.ID, tenancy.RoleOrgAdmin, tenancy.ErrInvalidInput},
		{"role in upper case", m.outsider.UserID, m.ws.ID, "ADMIN", tenancy.ErrInvalidInput},
		{"unknown user", uuid.New(), m.ws.ID, tenancy.RoleMember, tenancy.ErrNotFound},
		{"unknown workspace", m.outsider.UserID, uuid.New(), tenancy.RoleMember, tenancy.ErrNotFound},
		{"already a member", m.target.UserID, m.ws.ID, tenancy.RoleMember, tenancy.ErrAlreadyExists},
		{"already a member, other role", m.target.UserID, m.ws.ID, tenancy.RoleAdmin, tenancy.ErrAlreadyExists},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := m.unchanged(m.org.ID, func() error {
				_, err := m.svc.AddMember(m.ctx, m.orgAdmin, c.ws, c.user, c.role)
				return err
			})
			require.ErrorIs(t, err, c.want)
		})
	}
	assert.Equal(t, tenancy.RoleMember, m.roleIn(m.ws.ID, m.target.UserID))
	assert.Equal(t, tenancy.Role(""), m.roleIn(m.ws.ID, m.outsider.UserID))
	t.Run("SetMemberRole with an unknown role", func(t *testing.T) {
		for _, r := range []tenancy.Role{"owner", "", tenancy.RoleOrgAdmin} {
			err := m.unchanged(m.org.ID, func() error {
				_, err := m.svc.SetMemberRole(m.ctx, m.orgAdmin, m.ws.ID, m.target.UserID, r)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrInvalidInput, r)
		}
	})
}

func TestSetMemberRole(t *testing.T) {
	m := newMemberFixture(t)
	got, err := m.svc.SetMemberRole(m.ctx, m.wsAdmin, m.ws.ID, m.target.UserID, tenancy.RoleAdmin)
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleAdmin, got.Role)
	assert.Equal(t, m.target.UserID, got.UserID)
	assert.Equal(t, "tom@gmail.com", got.Email)
	assert.Equal(t, tenancy.RoleAdmin, m.roleIn(m.ws.ID, m.target.UserID))
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventMemberRoleChanged, e.Action)
	assert.Equal(t, m.ws.ID, e.WorkspaceID)
	assert.Equal(t, m.target.UserID, e.TargetID)
	assert.Equal(t, m.wsAdmin.UserID, e.ActorID)
	assert.Equal(t, "member", e.Details["from"])
	assert.Equal(t, "admin", e.Details["to"])

	t.Run("the same role records nothing", func(t *testing.T) {
		n, stored := m.eventCount(), m.auditLen(m.org.ID)
		got, err := m.svc.SetMemberRole(m.ctx, m.wsAdmin, m.ws.ID, m.target.UserID, tenancy.RoleAdmin)
		require.NoError(t, err)
		assert.Equal(t, tenancy.RoleAdmin, got.Role)
		assert.Equal(t, n, m.eventCount())
		assert.Equal(t, stored, m.auditLen(m.org.ID))
	})
	t.Run("a demoted admin loses admin rights", func(t *testing.T) {
		_, err := m.svc.SetMemberRole(m.ctx, m.orgAdmin, m.ws.ID, m.target.UserID, tenancy.RoleMember)
		require.NoError(t, err)
		requireDenied(t, m.svc.Authorize(m.ctx, m.target, tenancy.ActionCreateSource, tenancy.InWorkspace(m.ws.ID)),
			tenancy.ActionCreateSource)
	})
	t.Run("not a member", func(t *testing.T) {
		for _, u := range []uuid.UUID{m.outsider.UserID, m.plainOrgAdmin.UserID, uuid.New()} {
			err := m.unchanged(m.org.ID, func() error {
				_, err := m.svc.SetMemberRole(m.ctx, m.orgAdmin, m.ws.ID, u, tenancy.RoleAdmin)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrNotFound)
		}
	})
}

func TestLastWorkspaceAdmin(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ws := f.workspace(ann, org.ID, "Marketing") // ann is its only admin
	bob := f.user("bob@gmail.com")
	f.member(ann, ws.ID, bob, tenancy.RoleMember)

	lastAdminOps := map[string]func(a tenancy.Actor, u uuid.UUID) error{
		"demote": func(a tenancy.Actor, u uuid.UUID) error {
			_, err := f.svc.SetMemberRole(f.ctx, a, ws.ID, u, tenancy.RoleMember)
			return err
		},
		"remove": func(a tenancy.Actor, u uuid.UUID) error { return f.svc.RemoveMember(f.ctx, a, ws.ID, u) },
		"remove from organization": func(a tenancy.Actor, u uuid.UUID) error {
			return f.svc.RemoveFromOrganization(f.ctx, a, org.ID, u)
		},
	}
	for name, op := range lastAdminOps {
		if name == "remove from organization" {
			continue // ann is also the last org admin; covered in org tests
		}
		err := f.unchanged(org.ID, func() error { return op(ann, ann.UserID) })
		require.ErrorIs(t, err, tenancy.ErrLastAdmin, name)
	}
	assert.Equal(t, tenancy.RoleAdmin, f.roleIn(ws.ID, ann.UserID))

	// With a second admin, ann can step down.
	_, err := f.svc.SetMemberRole(f.ctx, ann, ws.ID, bob.UserID, tenancy.RoleAdmin)
	require.NoError(t, err)
	_, err = f.svc.SetMemberRole(f.ctx, ann, ws.ID, ann.UserID, tenancy.RoleMember)
	require.NoError(t, err)

	// Now bob is the last admin: nobody can demote or remove him, nor can he leave.
	for name, op := range lastAdminOps {
		for _, a := range []tenancy.Actor{ann, bob} {
			err := f.unchanged(org.ID, func() error { return op(a, bob.UserID) })
			if name == "remove from organization" && a == bob {
				requireDenied(t, err, tenancy.ActionManageOrgUsers)
				continue
			}
			require.ErrorIs(t, err, tenancy.ErrLastAdmin, "%s by %v", name, a.UserID)
		}
	}
	assert.Equal(t, tenancy.RoleAdmin, f.roleIn(ws.ID, bob.UserID))

	// Once ann is admin again, bob can leave.
	_, err = f.svc.SetMemberRole(f.ctx, ann, ws.ID, ann.UserID, tenancy.RoleAdmin)
	require.NoError(t, err)
	require.NoError(t, f.svc.RemoveMember(f.ctx, bob, ws.ID, bob.UserID))
	n, err := f.store.CountMembersWithRole(f.ctx, ws.ID, tenancy.RoleAdmin)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestMemberCanAlwaysLeave(t *testing.T) {
	m := newMemberFixture(t)
	require.NoError(t, m.svc.RemoveMember(m.ctx, m.wsMember, m.ws.ID, m.wsMember.UserID))
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventMemberRemoved, e.Action)
	assert.Equal(t, m.wsMember.UserID, e.ActorID)
	assert.Equal(t, m.wsMember.UserID, e.TargetID)
	assert.Equal(t, m.ws.ID, e.WorkspaceID)
	assert.Equal(t, m.org.ID, e.OrgID)
	assert.Equal(t, "member", e.Details["role"])
	assert.Equal(t, tenancy.Role(""), m.roleIn(m.ws.ID, m.wsMember.UserID))
	require.ErrorIs(t, m.svc.Authorize(m.ctx, m.wsMember, tenancy.ActionViewWorkspace, tenancy.InWorkspace(m.ws.ID)), tenancy.ErrNotFound)

	t.Run("an admin leaves while another admin remains", func(t *testing.T) {
		require.NoError(t, m.svc.RemoveMember(m.ctx, m.wsAdmin, m.ws.ID, m.wsAdmin.UserID))
		assert.Equal(t, tenancy.Role(""), m.roleIn(m.ws.ID, m.wsAdmin.UserID))
	})
	t.Run("leaving a workspace one is not a member of", func(t *testing.T) {
		for _, a := range []tenancy.Actor{m.wsMember, m.plainOrgAdmin, m.stranger} {
			err := m.unchanged(m.org.ID, func() error { return m.svc.RemoveMember(m.ctx, a, m.ws.ID, a.UserID) })
			requireHidden(t, err)
		}
		err := m.unchanged(m.org.ID, func() error { return m.svc.RemoveMember(m.ctx, m.stranger, uuid.New(), m.stranger.UserID) })
		requireHidden(t, err)
	})
}

func TestMemberCannotRemoveAnotherMember(t *testing.T) {
	m := newMemberFixture(t)
	for _, target := range []tenancy.Actor{m.target, m.wsAdmin, m.orgAdmin} {
		err := m.unchanged(m.org.ID, func() error { return m.svc.RemoveMember(m.ctx, m.wsMember, m.ws.ID, target.UserID) })
		requireDenied(t, err, tenancy.ActionManageMembers)
	}
	t.Run("an admin removes a member", func(t *testing.T) {
		require.NoError(t, m.svc.RemoveMember(m.ctx, m.wsAdmin, m.ws.ID, m.target.UserID))
		e := m.lastEvents(1)[0]
		assert.Equal(t, tenancy.EventMemberRemoved, e.Action)
		assert.Equal(t, m.wsAdmin.UserID, e.ActorID)
		assert.Equal(t, m.target.UserID, e.TargetID)
		err := m.unchanged(m.org.ID, func() error { return m.svc.RemoveMember(m.ctx, m.wsAdmin, m.ws.ID, m.target.UserID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "no longer a member")
	})
	t.Run("a workspace admin removes an org admin's membership", func(t *testing.T) {
		require.NoError(t, m.svc.RemoveMember(m.ctx, m.wsAdmin, m.ws.ID, m.orgAdmin.UserID))
		require.NoError(t, m.svc.Authorize(m.ctx, m.orgAdmin, tenancy.ActionManageMembers, tenancy.InWorkspace(m.ws.ID)),
			"org admins keep admin rights in every workspace")
	})
}

// memberActions are the default Member's actions.
var testMemberActions = []tenancy.Action{
	tenancy.ActionViewWorkspace,
	tenancy.ActionCreateDestination, tenancy.ActionEditDestination, tenancy.ActionDeleteDestination,
	tenancy.ActionCreateSegment, tenancy.ActionEditSegment, tenancy.ActionDeleteSegment,
	tenancy.ActionCreateEntity, tenancy.ActionEditEntity, tenancy.ActionDeleteEntity,
	tenancy.ActionCreateActivation, tenancy.ActionEditActivation, tenancy.ActionDeleteActivation,
}

func TestGrantsNeverExceedHeldRights(t *testing.T) {
	adminActions := append([]tenancy.Action{
		tenancy.ActionCreateSource, tenancy.ActionEditSource, tenancy.ActionDeleteSource,
		tenancy.ActionViewWorkspaceSettings, tenancy.ActionEditWorkspaceSettings, tenancy.ActionDeleteWorkspace,
		tenancy.ActionManageMembers,
	}, testMemberActions...)
	const auditor, manager tenancy.Role = "auditor", "manager"
	p, err := tenancy.NewPolicy(map[tenancy.Role][]tenancy.Action{
		tenancy.RoleMember: testMemberActions,
		tenancy.RoleAdmin:  adminActions,
		// auditor holds an action nobody else holds.
		auditor: {tenancy.ActionViewWorkspace, "pii:export"},
		// manager manages members without the other admin rights.
		manager: append([]tenancy.Action{tenancy.ActionManageMembers}, testMemberActions...),
		tenancy.RoleOrgAdmin: {tenancy.ActionCreateWorkspace, tenancy.ActionManageOrgUsers, tenancy.ActionEditOrganization,
			tenancy.ActionEditSecurityPolicy, tenancy.ActionManageBilling, tenancy.ActionViewAuditLog},
	})
	require.NoError(t, err)
	m := newMemberFixture(t, tenancy.WithPolicy(p))
	mgr := m.user("mgr@gmail.com")
	m.member(m.orgAdmin, m.ws.ID, mgr, manager)

	t.Run("nobody grants a role holding an action they lack", func(t *testing.T) {
		for _, a := range []tenancy.Actor{m.orgAdmin, m.plainOrgAdmin, m.wsAdmin, mgr} {
			err := m.unchanged(m.org.ID, func() error {
				_, err := m.svc.AddMember(m.ctx, a, m.ws.ID, m.outsider.UserID, auditor)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
			assert.Contains(t, err.Error(), string(auditor))
			err = m.unchanged(m.org.ID, func() error {
				_, err := m.svc.SetMemberRole(m.ctx, a, m.ws.ID, m.target.UserID, auditor)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
			err = m.unchanged(m.org.ID, func() error {
				_, _, err := m.svc.Invite(m.ctx, a, m.ws.ID, "new@gmail.com", auditor)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
		}
		assert.Equal(t, tenancy.Role(""), m.roleIn(m.ws.ID, m.outsider.UserID))
		assert.Equal(t, tenancy.RoleMember, m.roleIn(m.ws.ID, m.target.UserID))
	})
	t.Run("a manager grants roles within its rights only", func(t *testing.T) {
		_, err := m.svc.AddMember(m.ctx, mgr, m.ws.ID, m.outsider.UserID, tenancy.RoleMember)
		require.NoError(t, err)
		for _, r := range []tenancy.Role{tenancy.RoleAdmin} {
			err := m.unchanged(m.org.ID, func() error {
				_, err := m.svc.SetMemberRole(m.ctx, mgr, m.ws.ID, m.target.UserID, r)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
			err = m.unchanged(m.org.ID, func() error {
				_, _, err := m.svc.Invite(m.ctx, mgr, m.ws.ID, "new@gmail.com", r)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
		}
		// Nor can it take away a role it does not hold: demote or remove an admin.
		err = m.unchanged(m.org.ID, func() error {
			_, err := m.svc.SetMemberRole(m.ctx, mgr, m.ws.ID, m.wsAdmin.UserID, tenancy.RoleMember)
			return err
		})
		requireDenied(t, err, tenancy.ActionManageMembers)
		err = m.unchanged(m.org.ID, func() error { return m.svc.RemoveMember(m.ctx, mgr, m.ws.ID, m.wsAdmin.UserID) })
		requireDenied(t, err, tenancy.ActionManageMembers)
		assert.Equal(t, tenancy.RoleAdmin, m.roleIn(m.ws.ID, m.wsAdmin.UserID))
		// It can promote a member to its own role and remove a member.
		_, err = m.svc.SetMemberRole(m.ctx, mgr, m.ws.ID, m.target.UserID, manager)
		require.NoError(t, err)
		require.NoError(t, m.svc.RemoveMember(m.ctx, mgr, m.ws.ID, m.outsider.UserID))
	})
	t.Run("an admin grants the manager role", func(t *testing.T) {
		_, err := m.svc.AddMember(m.ctx, m.wsAdmin, m.ws.ID, m.outsider.UserID, manager)
		require.NoError(t, err)
	})
}

// adminRemoval demotes or removes an admin.
type adminRemoval func(f *fixture, a tenancy.Actor, ws, user uuid.UUID) error

func demoteAdmin(f *fixture, a tenancy.Actor, ws, user uuid.UUID) error {
	_, err := f.svc.SetMemberRole(f.ctx, a, ws, user, tenancy.RoleMember)
	return err
}

func removeAdmin(f *fixture, a tenancy.Actor, ws, user uuid.UUID) error {
	return f.svc.RemoveMember(f.ctx, a, ws, user)
}

func TestConcurrentAdminRemovalsKeepOneAdmin(t *testing.T) {
	for _, n := range []int{2, 3, 8} {
		for _, mode := range []string{"org admin acts", "admins act on themselves", "each admin acts on the next"} {
			t.Run(fmt.Sprintf("%d admins, %s", n, mode), func(t *testing.T) {
				for round := range 5 {
					f := newFixture(t)
					ann, org := f.founder("ann@acme.com")
					ws := f.workspace(ann, org.ID, "Marketing")
					// ann (org admin) stays outside the workspace so that every admin
					// counted is a contender.
					admins := make([]tenancy.Actor, n)
					for i := range admins {
						admins[i] = f.user(fmt.Sprintf("admin%d-%d@gmail.com", round, i))
						f.member(ann, ws.ID, admins[i], tenancy.RoleAdmin)
					}
					require.NoError(t, f.svc.RemoveMember(f.ctx, ann, ws.ID, ann.UserID))

					errs := make([]error, n)
					var wg sync.WaitGroup
					for i := range n {
						actor, target := ann, admins[i].UserID
						switch mode {
						case "admins act on themselves":
							actor = admins[i]
						case "each admin acts on the next":
							actor, target = admins[i], admins[(i+1)%n].UserID
						}
						op := []adminRemoval{demoteAdmin, removeAdmin}[i%2]
						wg.Go(func() { errs[i] = op(f, actor, ws.ID, target) })
					}
					wg.Wait()

					count, err := f.store.CountMembersWithRole(f.ctx, ws.ID, tenancy.RoleAdmin)
					require.NoError(t, err)
					require.GreaterOrEqual(t, count, 1, "a workspace always keeps an admin")
					succeeded := 0
					for _, err := range errs {
						switch {
						case err == nil:
							succeeded++
						case mode == "each admin acts on the next":
							// The actor may have lost its own role first.
							if !assert.True(t, errorIsAny(err, tenancy.ErrLastAdmin, tenancy.ErrForbidden, tenancy.ErrNotFound), err) {
								return
							}
						default:
							require.ErrorIs(t, err, tenancy.ErrLastAdmin)
						}
					}
					assert.Equal(t, n-count, succeeded, "every success removed exactly one admin")
					if mode != "each admin acts on the next" {
						assert.Equal(t, n-1, succeeded)
						assert.Equal(t, 1, count)
					}
				}
			})
		}
	}
}

func errorIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func TestConcurrentOrgAdminRevocationsKeepOneOrgAdmin(t *testing.T) {
	for _, n := range []int{2, 3, 6} {
		for _, op := range []string{"RevokeOrgAdmin", "RemoveFromOrganization"} {
			t.Run(fmt.Sprintf("%d org admins, each %s the next", n, op), func(t *testing.T) {
				for range 10 {
					f := newFixture(t)
					ann, org := f.founder("ann@acme.com")
					admins := []tenancy.Actor{ann}
					for i := 1; i < n; i++ {
						a := f.user(fmt.Sprintf("admin%d@gmail.com", i))
						require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, a.UserID))
						admins = append(admins, a)
					}
					errs := make([]error, n)
					var wg sync.WaitGroup
					for i := range n {
						actor, target := admins[i], admins[(i+1)%n].UserID
						wg.Go(func() {
							if op == "RevokeOrgAdmin" {
								errs[i] = f.svc.RevokeOrgAdmin(f.ctx, actor, org.ID, target)
							} else {
								errs[i] = f.svc.RemoveFromOrganization(f.ctx, actor, org.ID, target)
							}
						})
					}
					wg.Wait()
					count, err := f.store.CountOrgAdmins(f.ctx, org.ID)
					require.NoError(t, err)
					require.GreaterOrEqual(t, count, 1, "an organization always keeps an org admin")
					succeeded := 0
					for _, err := range errs {
						if err == nil {
							succeeded++
							continue
						}
						require.True(t, errorIsAny(err, tenancy.ErrLastAdmin, tenancy.ErrNotFound, tenancy.ErrForbidden), err)
					}
					assert.Equal(t, n-count, succeeded)
					if n == 2 {
						assert.Equal(t, 1, succeeded, "exactly one of the two revocations wins")
					}
				}
			})
		}
	}
	t.Run("one admin revokes all others concurrently", func(t *testing.T) {
		f := newFixture(t)
		ann, org := f.founder("ann@acme.com")
		var others []uuid.UUID
		for i := range 5 {
			a := f.user(fmt.Sprintf("admin%d@gmail.com", i))
			require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, a.UserID))
			others = append(others, a.UserID)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(others)+1)
		for i, id := range append(others, ann.UserID) {
			wg.Go(func() { errs[i] = f.svc.RevokeOrgAdmin(f.ctx, ann, org.ID, id) })
		}
		wg.Wait()
		count, err := f.store.CountOrgAdmins(f.ctx, org.ID)
		require.NoError(t, err)
		require.GreaterOrEqual(t, count, 1)
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
				require.True(t, errorIsAny(err, tenancy.ErrLastAdmin, tenancy.ErrNotFound), err)
			}
		}
		assert.Equal(t, count, failed, "each failure left one admin in place")
	})
}

func TestMembersPaging(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ws := f.workspace(ann, org.ID, "Marketing")
	for i := range 7 {
		f.member(ann, ws.ID, f.user(fmt.Sprintf("user%d@gmail.com", 6-i)), tenancy.RoleMember)
	}
	all, err := f.svc.Members(f.ctx, ann, ws.ID, tenancy.Page{})
	require.NoError(t, err)
	require.Len(t, all.Items, 8)
	assert.Empty(t, all.Next)
	var emails []string
	for _, m := range all.Items {
		emails = append(emails, m.Email)
		assert.Equal(t, ws.ID, m.WorkspaceID)
	}
	assert.Equal(t, []string{"ann@acme.com", "user0@gmail.com", "user1@gmail.com", "user2@gmail.com", "user3@gmail.com",
		"user4@gmail.com", "user5@gmail.com", "user6@gmail.com"}, emails, "by email")
	assert.Equal(t, tenancy.RoleAdmin, all.Items[0].Role)

	for _, limit := range []int{1, 3, 4, 8} {
		items, pages := allPages(t, limit, func(p tenancy.Page) (tenancy.List[tenancy.Member], error) {
			return f.svc.Members(f.ctx, ann, ws.ID, p)
		})
		assert.Equal(t, all.Items, items, "limit %d", limit)
		assert.Equal(t, (8+limit-1)/limit, pages, "limit %d", limit)
	}
}

func TestAddMemberAndAllowedEmailDomains(t *testing.T) {
	m := newMemberFixture(t)
	_, err := m.svc.SetSecurityPolicy(m.ctx, m.orgAdmin, m.org.ID, tenancy.SecurityPolicy{AllowedEmailDomains: []string{"acme.com"}})
	require.NoError(t, err)
	err = m.unchanged(m.org.ID, func() error {
		_, err := m.svc.AddMember(m.ctx, m.wsAdmin, m.ws.ID, m.outsider.UserID, tenancy.RoleMember)
		return err
	})
	requireDenied(t, err, tenancy.ActionManageMembers)
	dev := m.user("dev@eng.acme.com")
	_, err = m.svc.AddMember(m.ctx, m.wsAdmin, m.ws.ID, dev.UserID, tenancy.RoleMember)
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleMember, m.roleIn(m.ws.ID, m.target.UserID), "existing members keep their roles")
}

// An unverified address proves nothing about its domain: anyone can sign
// up with (or change to) any address. So when the organization allows only
// some email domains, AddMember needs the user's address verified, as
// GrantOrgAdmin always does; otherwise an outsider holding an unverified
// bob@acme.com would pass as Bob.
func TestAllowedEmailDomainsNeedAVerifiedAddress(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	general := f.workspace(owner, org.ID, "General")
	finance := f.workspace(owner, org.ID, "Finance")
	eve := f.user("eve@gmail.com")
	f.member(owner, general.ID, eve, tenancy.RoleMember)
	_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{AllowedEmailDomains: []string{"acme.com"}})
	require.NoError(t, err)

	squat, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@acme.com"})
	require.NoError(t, err)
	_, err = f.svc.ChangeEmail(f.ctx, eve.UserID, "ceo@acme.com", false)
	require.NoError(t, err)
	for name, id := range map[string]uuid.UUID{"unverified sign-up": squat.User.ID, "unverified address change": eve.UserID} {
		t.Run(name, func(t *testing.T) {
			err := f.unchanged(org.ID, func() error {
				_, err := f.svc.AddMember(f.ctx, owner, finance.ID, id, tenancy.RoleMember)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
			var denied *tenancy.DeniedError
			require.ErrorAs(t, err, &denied)
			assert.Equal(t, tenancy.DeniedEmailDomain, denied.Decision.Code)

			_, err = f.svc.ConfirmEmail(f.ctx, id)
			require.NoError(t, err)
			_, err = f.svc.AddMember(f.ctx, owner, finance.ID, id, tenancy.RoleMember)
			require.NoError(t, err, "verified, the address counts")
		})
	}

	t.Run("without a domain rule, unverified users can still be added", func(t *testing.T) {
		_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{})
		require.NoError(t, err)
		zed, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "zed@gmail.com"})
		require.NoError(t, err)
		_, err = f.svc.AddMember(f.ctx, owner, finance.ID, zed.User.ID, tenancy.RoleMember)
		require.NoError(t, err)
	})
}

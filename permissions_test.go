package tenancy_test

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// allActions are the actions of the default policy.
var allActions = []tenancy.Action{
	tenancy.ActionViewWorkspace, tenancy.ActionViewWorkspaceSettings, tenancy.ActionEditWorkspaceSettings,
	tenancy.ActionDeleteWorkspace, tenancy.ActionManageMembers,
	tenancy.ActionCreateSource, tenancy.ActionEditSource, tenancy.ActionDeleteSource,
	tenancy.ActionCreateDestination, tenancy.ActionEditDestination, tenancy.ActionDeleteDestination,
	tenancy.ActionCreateSegment, tenancy.ActionEditSegment, tenancy.ActionDeleteSegment,
	tenancy.ActionCreateEntity, tenancy.ActionEditEntity, tenancy.ActionDeleteEntity,
	tenancy.ActionCreateActivation, tenancy.ActionEditActivation, tenancy.ActionDeleteActivation,
	tenancy.ActionCreateWorkspace, tenancy.ActionManageOrgUsers, tenancy.ActionEditOrganization,
	tenancy.ActionEditSecurityPolicy, tenancy.ActionManageBilling, tenancy.ActionViewAuditLog,
}

// TestPermissionsAgreeWithCheck decides every action for random actors,
// roles, policies and sessions, both ways.
func TestPermissionsAgreeWithCheck(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	wss := []tenancy.Workspace{f.workspace(owner, org.ID, "A"), f.workspace(owner, org.ID, "B")}
	_, otherOrg := f.founder("olga@globex.com")
	users := []tenancy.Actor{owner}
	for _, email := range []string{"m@acme.com", "a@acme.com", "o@acme.com", "x@gmail.com"} {
		users = append(users, f.user(email))
	}
	f.member(owner, wss[0].ID, users[1], tenancy.RoleMember)
	f.member(owner, wss[0].ID, users[2], tenancy.RoleAdmin)
	f.member(owner, wss[1].ID, users[1], tenancy.RoleAdmin)
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, owner, org.ID, users[3].UserID))
	scopes := []tenancy.Scope{tenancy.InOrganization(org.ID), tenancy.InWorkspace(wss[0].ID), tenancy.InWorkspace(wss[1].ID),
		tenancy.InOrganization(otherOrg.ID), tenancy.InWorkspace(uuid.New()), {}}
	policies := []tenancy.SecurityPolicy{{}, {RequireMFA: true}, {RequireSSO: true}, {MaxSessionAge: time.Hour},
		{AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	rng := rand.New(rand.NewPCG(1, 2))
	admin := owner
	admin.MFA, admin.SSO, admin.IP = true, true, netip.MustParseAddr("10.1.2.3")
	checked := 0
	for round := range 60 {
		_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, policies[round%len(policies)])
		require.NoError(t, err)
		for _, u := range users {
			a := u
			a.MFA, a.SSO = rng.IntN(2) == 0, rng.IntN(2) == 0
			a.AuthenticatedAt = f.clock().Add(-time.Duration(rng.IntN(120)) * time.Minute)
			if rng.IntN(2) == 0 {
				a.IP = netip.MustParseAddr("10.0.0.1")
			}
			for _, sc := range scopes {
				perms, err := f.svc.Permissions(f.ctx, a, sc)
				require.NoError(t, err)
				var want []tenancy.Action
				for _, act := range allActions {
					d, err := f.svc.Check(f.ctx, a, act, sc)
					require.NoError(t, err)
					require.Equal(t, d.Allowed, perms.Allows(act), "%v %s %v", a, act, sc)
					if d.Allowed {
						want = append(want, act)
					}
					checked++
				}
				slices.Sort(want)
				if want == nil {
					want = []tenancy.Action{}
				}
				assert.Equal(t, want, perms.Actions())
			}
		}
	}
	t.Logf("%d decisions compared", checked)
	assert.False(t, tenancy.Permissions{}.Allows(tenancy.ActionViewWorkspace))
	assert.Empty(t, tenancy.Permissions{}.Actions())
}

func TestDenialCodes(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "A")
	bob := f.user("bob@acme.com")
	f.member(owner, ws.ID, bob, tenancy.RoleMember)
	stranger := f.user("eve@gmail.com")
	code := func(a tenancy.Actor, act tenancy.Action, sc tenancy.Scope) tenancy.DenialCode {
		d, err := f.svc.Check(f.ctx, a, act, sc)
		require.NoError(t, err)
		err = f.svc.Authorize(f.ctx, a, act, sc)
		if d.Allowed {
			require.NoError(t, err)
			assert.Empty(t, d.Code)
			return ""
		}
		var denied *tenancy.DeniedError
		require.ErrorAs(t, err, &denied)
		assert.Equal(t, d.Code, denied.Code())
		return d.Code
	}
	assert.Equal(t, tenancy.DeniedNoRole, code(stranger, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)))
	assert.Equal(t, tenancy.DeniedNoRole, code(bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(uuid.New())))
	assert.Equal(t, tenancy.DeniedPermission, code(bob, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID)))
	assert.Equal(t, tenancy.DeniedUnknownAction, code(bob, "report:view", tenancy.InWorkspace(ws.ID)))
	assert.Equal(t, tenancy.DenialCode(""), code(bob, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID)))
	admin := owner
	admin.MFA, admin.SSO, admin.IP = true, true, netip.MustParseAddr("10.0.0.1")
	for want, p := range map[tenancy.DenialCode]tenancy.SecurityPolicy{
		tenancy.DeniedMFA:        {RequireMFA: true},
		tenancy.DeniedSSO:        {RequireSSO: true},
		tenancy.DeniedSessionAge: {MaxSessionAge: 10 * time.Minute},
		tenancy.DeniedIP:         {AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
	} {
		_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, p)
		require.NoError(t, err)
		old := bob
		old.AuthenticatedAt = f.clock().Add(-time.Hour)
		assert.Equal(t, want, code(old, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)))
	}
}

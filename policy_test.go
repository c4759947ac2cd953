package tenancy

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allActions lists every action constant, in the order of SPEC's table.
var allActions = []Action{
	ActionViewWorkspace, ActionViewWorkspaceSettings, ActionEditWorkspaceSettings, ActionDeleteWorkspace, ActionManageMembers,
	ActionCreateSource, ActionEditSource, ActionDeleteSource,
	ActionCreateDestination, ActionEditDestination, ActionDeleteDestination,
	ActionCreateSegment, ActionEditSegment, ActionDeleteSegment,
	ActionCreateEntity, ActionEditEntity, ActionDeleteEntity,
	ActionCreateActivation, ActionEditActivation, ActionDeleteActivation,
	ActionCreateWorkspace, ActionManageOrgUsers, ActionEditOrganization, ActionEditSecurityPolicy,
	ActionManageBilling, ActionViewAuditLog,
}

// defaultMatrix is the product's role table, written out independently of
// policy.go: for each action, whether Member, Admin and Org Admin may.
var defaultMatrix = map[Action][3]bool{
	ActionViewWorkspace:         {true, true, true},
	ActionCreateSegment:         {true, true, true},
	ActionEditSegment:           {true, true, true},
	ActionDeleteSegment:         {true, true, true},
	ActionCreateEntity:          {true, true, true},
	ActionEditEntity:            {true, true, true},
	ActionDeleteEntity:          {true, true, true},
	ActionCreateActivation:      {true, true, true},
	ActionEditActivation:        {true, true, true},
	ActionDeleteActivation:      {true, true, true},
	ActionCreateDestination:     {true, true, true},
	ActionEditDestination:       {true, true, true},
	ActionDeleteDestination:     {true, true, true},
	ActionCreateSource:          {false, true, true},
	ActionEditSource:            {false, true, true},
	ActionDeleteSource:          {false, true, true},
	ActionViewWorkspaceSettings: {false, true, true},
	ActionEditWorkspaceSettings: {false, true, true},
	ActionDeleteWorkspace:       {false, true, true},
	ActionManageMembers:         {false, true, true},
	ActionCreateWorkspace:       {false, false, true},
	ActionManageOrgUsers:        {false, false, true},
	ActionEditOrganization:      {false, false, true},
	ActionEditSecurityPolicy:    {false, false, true},
	ActionManageBilling:         {false, false, true},
	ActionViewAuditLog:          {false, false, true},
}

func TestDefaultPolicyMatchesRoleTable(t *testing.T) {
	p := DefaultPolicy()
	require.Len(t, defaultMatrix, len(allActions))
	for _, act := range allActions {
		want := defaultMatrix[act]
		assert.Equal(t, want[0], p.Allows(RoleMember, act), "member %s", act)
		assert.Equal(t, want[1], p.Allows(RoleAdmin, act), "admin %s", act)
		assert.Equal(t, want[2], p.Allows(RoleOrgAdmin, act), "org admin %s", act)
	}
	assert.False(t, p.Allows("viewer", ActionViewWorkspace), "unknown role")
	assert.False(t, p.Allows(RoleOrgAdmin, "report:view"), "unknown action")
	assert.Equal(t, []Role{RoleAdmin, RoleMember}, p.WorkspaceRoles())
}

// TestDecideEveryRoleAndAction decides every action for every combination
// of roles an actor can hold, in a workspace scope and an org scope.
func TestDecideEveryRoleAndAction(t *testing.T) {
	p := DefaultPolicy()
	org, ws := uuid.New(), uuid.New()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	actor := Actor{UserID: uuid.New()}
	holders := []struct {
		name     string
		wsRole   Role
		orgAdmin bool
		member   bool // member of some workspace of the org
		col      int  // column of defaultMatrix that applies in the workspace; -1 none
		decider  Role
	}{
		{"no role", "", false, false, -1, ""},
		{"member of another workspace", "", false, true, -1, ""},
		{"member", RoleMember, false, true, 0, RoleMember},
		{"admin", RoleAdmin, false, true, 1, RoleAdmin},
		{"org admin, not a member", "", true, false, 2, RoleOrgAdmin},
		{"org admin and member", RoleMember, true, true, 2, ""},
	}
	for _, h := range holders {
		for _, act := range allActions {
			wsFacts := Facts{OrgID: org, WorkspaceID: ws, OrgAdmin: h.orgAdmin, WorkspaceRole: h.wsRole, OrgMember: h.member}
			d := p.Decide(wsFacts, actor, act, now)
			want := h.col >= 0 && defaultMatrix[act][h.col]
			assert.Equal(t, want, d.Allowed, "%s: %s in workspace", h.name, act)
			assert.Equal(t, act, d.Action)
			assert.NotEmpty(t, d.Reason)
			if d.Allowed && h.decider != "" {
				assert.Equal(t, h.decider, d.Role, "%s: %s decided by", h.name, act)
			}
			if h.name == "org admin and member" && d.Allowed {
				wantRole := RoleOrgAdmin
				if defaultMatrix[act][0] {
					wantRole = RoleMember
				}
				assert.Equal(t, wantRole, d.Role, "%s: %s decided by", h.name, act)
			}
			if !d.Allowed && h.wsRole != "" {
				assert.Contains(t, d.Reason, string(act), "a denial names the missing permission")
			}

			// In the organization scope only the Organization Admin role counts.
			orgFacts := Facts{OrgID: org, OrgAdmin: h.orgAdmin, OrgMember: h.member || h.wsRole != ""}
			d = p.Decide(orgFacts, actor, act, now)
			assert.Equal(t, h.orgAdmin, d.Allowed, "%s: %s in organization", h.name, act)
		}
	}
}

func TestDecideSessionRequirements(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	org := uuid.New()
	good := Actor{UserID: uuid.New(), MFA: true, SSO: true, AuthenticatedAt: now.Add(-time.Minute),
		IP: netip.MustParseAddr("10.1.2.3")}
	strict := SecurityPolicy{RequireMFA: true, RequireSSO: true, MaxSessionAge: time.Hour,
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}
	cases := []struct {
		name   string
		mutate func(*Actor)
		reason string
	}{
		{"passing session", func(*Actor) {}, ""},
		{"no MFA", func(a *Actor) { a.MFA = false }, reasonMFA},
		{"no SSO", func(a *Actor) { a.SSO = false }, reasonSSO},
		{"SSO through this organization", func(a *Actor) { a.SSOOrg = org }, ""},
		{"SSO through another organization", func(a *Actor) { a.SSOOrg = uuid.New() }, reasonSSO},
		{"no SSO, SSOOrg set", func(a *Actor) { a.SSO, a.SSOOrg = false, org }, reasonSSO},
		{"session too old", func(a *Actor) { a.AuthenticatedAt = now.Add(-2 * time.Hour) }, reasonSessionAge},
		{"session exactly at max age", func(a *Actor) { a.AuthenticatedAt = now.Add(-time.Hour) }, ""},
		{"no authentication time", func(a *Actor) { a.AuthenticatedAt = time.Time{} }, reasonSessionAge},
		{"IP outside allowlist", func(a *Actor) { a.IP = netip.MustParseAddr("192.168.1.1") }, reasonIP},
		{"IPv6 inside allowlist", func(a *Actor) { a.IP = netip.MustParseAddr("2001:db8::1") }, ""},
		{"IPv4-mapped IPv6 inside allowlist", func(a *Actor) { a.IP = netip.MustParseAddr("::ffff:10.9.9.9") }, ""},
		{"no IP", func(a *Actor) { a.IP = netip.Addr{} }, reasonIP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := good
			c.mutate(&a)
			// Every role, every action: the session is checked first.
			for _, f := range []Facts{
				{OrgID: org, WorkspaceID: uuid.New(), WorkspaceRole: RoleMember, OrgMember: true, Policy: &strict},
				{OrgID: org, WorkspaceID: uuid.New(), WorkspaceRole: RoleAdmin, OrgMember: true, Policy: &strict},
				{OrgID: org, OrgAdmin: true, Policy: &strict},
			} {
				for _, act := range []Action{ActionViewWorkspace, ActionCreateSegment, ActionEditSecurityPolicy} {
					d := p.Decide(f, a, act, now)
					if c.reason == "" {
						assert.Equal(t, defaultMatrix[act][roleColumn(f)], d.Allowed, "%s", act)
						continue
					}
					assert.False(t, d.Allowed, "%s", act)
					assert.Equal(t, c.reason, d.Reason)
				}
			}
		})
	}
}

func roleColumn(f Facts) int {
	switch {
	case f.OrgAdmin:
		return 2
	case f.WorkspaceRole == RoleAdmin:
		return 1
	}
	return 0
}

func TestDecideNoRoleIsDeniedBeforeSession(t *testing.T) {
	d := DefaultPolicy().Decide(Facts{Policy: &SecurityPolicy{RequireMFA: true}}, Actor{}, ActionViewWorkspace, time.Now())
	assert.False(t, d.Allowed)
	assert.Equal(t, reasonNoRole, d.Reason)
	assert.Empty(t, d.Role)
}

func TestDecideUnknownAction(t *testing.T) {
	d := DefaultPolicy().Decide(Facts{WorkspaceID: uuid.New(), WorkspaceRole: RoleAdmin}, Actor{}, "report:view", time.Now())
	assert.False(t, d.Allowed)
	assert.Equal(t, reasonUnknownAction, d.Reason)
}

func TestDecideDoesNotAllocate(t *testing.T) {
	p := DefaultPolicy()
	now := time.Now()
	f := Facts{WorkspaceID: uuid.New(), WorkspaceRole: RoleMember, OrgMember: true,
		Policy: &SecurityPolicy{AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	a := Actor{IP: netip.MustParseAddr("10.0.0.1")}
	allocs := testing.AllocsPerRun(100, func() {
		_ = p.Decide(f, a, ActionCreateSegment, now)
		_ = p.Decide(f, a, ActionCreateSource, now)
	})
	assert.Zero(t, allocs)
}

func TestNewPolicy(t *testing.T) {
	const viewReports Action = "report:view"
	t.Run("custom roles and resource kinds", func(t *testing.T) {
		p, err := NewPolicy(map[Role][]Action{
			"viewer":     {ActionViewWorkspace, viewReports},
			RoleMember:   {ActionViewWorkspace, ActionCreateSegment},
			RoleAdmin:    {ActionViewWorkspace, ActionCreateSegment, ActionManageMembers},
			RoleOrgAdmin: {ActionCreateWorkspace},
		})
		require.NoError(t, err)
		assert.True(t, p.Allows("viewer", viewReports))
		assert.False(t, p.Allows("viewer", ActionCreateSegment))
		assert.True(t, p.Allows(RoleOrgAdmin, ActionManageMembers), "org admin inherits admin")
		assert.False(t, p.Allows(RoleOrgAdmin, viewReports))
		assert.True(t, p.IsWorkspaceRole("viewer"))
		assert.False(t, p.IsWorkspaceRole(RoleOrgAdmin))
		d := p.Decide(Facts{WorkspaceID: uuid.New(), WorkspaceRole: "viewer"}, Actor{}, viewReports, time.Now())
		assert.True(t, d.Allowed)
		assert.Equal(t, Role("viewer"), d.Role)
	})
	for name, roles := range map[string]map[Role][]Action{
		"missing admin":             {RoleOrgAdmin: nil},
		"missing org admin":         {RoleAdmin: nil},
		"org action to a ws role":   {RoleAdmin: {ActionManageBilling}, RoleOrgAdmin: nil},
		"malformed action":          {RoleAdmin: {"view"}, RoleOrgAdmin: nil},
		"upper-case role name":      {RoleAdmin: nil, RoleOrgAdmin: nil, "Viewer": nil},
		"action with empty verb":    {RoleAdmin: {"report:"}, RoleOrgAdmin: nil},
		"action with a space in it": {RoleAdmin: {"report:view all"}, RoleOrgAdmin: nil},
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			_, err := NewPolicy(roles)
			require.ErrorIs(t, err, ErrInvalidInput)
		})
	}
}

func TestCovers(t *testing.T) {
	p, err := NewPolicy(map[Role][]Action{
		"viewer":     {ActionViewWorkspace},
		RoleMember:   memberActions,
		RoleAdmin:    append(append([]Action{}, memberActions...), adminOnlyActions...),
		"auditor":    {ActionViewWorkspace, "report:view"},
		RoleOrgAdmin: orgActions,
	})
	require.NoError(t, err)
	assert.True(t, p.covers(RoleAdmin, false, RoleMember))
	assert.True(t, p.covers(RoleAdmin, false, RoleAdmin))
	assert.False(t, p.covers(RoleMember, false, RoleAdmin))
	assert.True(t, p.covers(RoleMember, false, "viewer"))
	assert.False(t, p.covers(RoleAdmin, false, "auditor"), "admin lacks report:view")
	assert.False(t, p.covers(RoleAdmin, true, "auditor"), "org admin lacks it too")
	assert.True(t, p.covers("", true, RoleAdmin), "org admin holds admin's rights")
	assert.False(t, p.covers(RoleAdmin, false, "nonexistent"))
}

func TestDecideAnyRole(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mfa := &SecurityPolicy{RequireMFA: true}
	for _, c := range []struct {
		name    string
		f       Facts
		a       Actor
		allowed bool
		code    DenialCode
		role    Role
	}{
		{"no role", Facts{OrgID: uuid.New()}, Actor{}, false, DeniedNoRole, ""},
		{"a member of one workspace", Facts{OrgID: uuid.New(), OrgMember: true}, Actor{}, true, "", ""},
		{"an org admin", Facts{OrgID: uuid.New(), OrgAdmin: true}, Actor{}, true, "", RoleOrgAdmin},
		{"a custom role unknown to the policy still is a role", Facts{OrgID: uuid.New(), WorkspaceID: uuid.New(), WorkspaceRole: "viewer"}, Actor{}, true, "", ""},
		{"a session without MFA", Facts{OrgID: uuid.New(), OrgAdmin: true, Policy: mfa}, Actor{}, false, DeniedMFA, RoleOrgAdmin},
		{"a session with MFA", Facts{OrgID: uuid.New(), OrgAdmin: true, Policy: mfa}, Actor{MFA: true}, true, "", RoleOrgAdmin},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := p.DecideAnyRole(c.f, c.a, "organization:view", now)
			assert.Equal(t, c.allowed, d.Allowed)
			assert.Equal(t, c.code, d.Code)
			assert.Equal(t, c.role, d.Role)
			assert.NotEmpty(t, d.Reason)
			// Whatever Decide says about the role and the session, it says too.
			full := p.Decide(c.f, c.a, ActionViewWorkspace, now)
			if !c.allowed {
				assert.Equal(t, full.Code, d.Code)
			}
		})
	}
}

package tenancy_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestOrganizationIsReadableByAnyRole(t *testing.T) {
	m := newMemberFixture(t)
	for name, a := range map[string]tenancy.Actor{
		"founder": m.orgAdmin, "org admin": m.plainOrgAdmin, "workspace admin": m.wsAdmin,
		"member": m.wsMember, "member of another workspace": m.otherMember,
	} {
		o, err := m.svc.Organization(m.ctx, a, m.org.ID)
		require.NoError(t, err, name)
		assert.Equal(t, m.org.ID, o.ID, name)
		assert.Equal(t, "acme.com", o.Domain, name)
		assert.Equal(t, "acme.com", o.Name, name)
		assert.Equal(t, m.org.CreatedAt, o.CreatedAt, name)
	}
	for _, a := range []tenancy.Actor{m.stranger, m.foreignAdmin, m.outsider, m.actor(uuid.New())} {
		_, err := m.svc.Organization(m.ctx, a, m.org.ID)
		requireHidden(t, err)
	}
	_, err := m.svc.Organization(m.ctx, m.orgAdmin, uuid.New())
	requireHidden(t, err)
}

func TestRenameOrganization(t *testing.T) {
	m := newMemberFixture(t)
	o, err := m.svc.RenameOrganization(m.ctx, m.plainOrgAdmin, m.org.ID, "  Acme Corp ")
	require.NoError(t, err)
	assert.Equal(t, "Acme Corp", o.Name)
	assert.Equal(t, "acme.com", o.Domain, "renaming keeps the domain")
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventOrganizationRenamed, e.Action)
	assert.Equal(t, m.org.ID, e.OrgID)
	assert.Equal(t, m.org.ID, e.TargetID)
	assert.Equal(t, uuid.Nil, e.WorkspaceID)
	assert.Equal(t, m.plainOrgAdmin.UserID, e.ActorID)
	assert.Equal(t, map[string]string{"from": "acme.com", "to": "Acme Corp"}, e.Details)
	read, err := m.svc.Organization(m.ctx, m.wsMember, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, "Acme Corp", read.Name)

	for _, name := range []string{"", "  ", strings.Repeat("x", 101), "Acme\x00", "Acme\nCorp"} {
		err := m.unchanged(m.org.ID, func() error {
			_, err := m.svc.RenameOrganization(m.ctx, m.orgAdmin, m.org.ID, name)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, "%q", name)
	}
	for _, a := range []tenancy.Actor{m.wsAdmin, m.wsMember} {
		err := m.unchanged(m.org.ID, func() error {
			_, err := m.svc.RenameOrganization(m.ctx, a, m.org.ID, "Mine")
			return err
		})
		requireDenied(t, err, tenancy.ActionEditOrganization)
	}
	err = m.unchanged(m.org.ID, func() error {
		_, err := m.svc.RenameOrganization(m.ctx, m.stranger, m.org.ID, "Mine")
		return err
	})
	requireHidden(t, err)
	read, err = m.svc.Organization(m.ctx, m.orgAdmin, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, "Acme Corp", read.Name)
}

func TestSetBilling(t *testing.T) {
	m := newMemberFixture(t)
	o, err := m.svc.SetBilling(m.ctx, m.orgAdmin, m.org.ID, tenancy.Billing{Email: " Billing@ACME.com ", CustomerRef: "  cus_123 "})
	require.NoError(t, err)
	assert.Equal(t, tenancy.Billing{Email: "billing@acme.com", CustomerRef: "cus_123"}, o.Billing)
	read, err := m.svc.Organization(m.ctx, m.wsMember, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, o.Billing, read.Billing)
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventBillingChanged, e.Action)
	assert.Equal(t, m.org.ID, e.TargetID)
	assert.Equal(t, "billing@acme.com", e.Details["email"])
	assert.Equal(t, "cus_123", e.Details["customer_ref"])

	o, err = m.svc.SetBilling(m.ctx, m.orgAdmin, m.org.ID, tenancy.Billing{})
	require.NoError(t, err, "clearing is allowed")
	assert.Equal(t, tenancy.Billing{}, o.Billing)

	cases := map[string]struct {
		b    tenancy.Billing
		want error
	}{
		"invalid email":            {tenancy.Billing{Email: "billing"}, tenancy.ErrInvalidEmail},
		"display name":             {tenancy.Billing{Email: "Billing <b@acme.com>"}, tenancy.ErrInvalidEmail},
		"customer ref too long":    {tenancy.Billing{CustomerRef: strings.Repeat("x", 256)}, tenancy.ErrInvalidInput},
		"customer ref control":     {tenancy.Billing{CustomerRef: "cus\x00"}, tenancy.ErrInvalidInput},
		"customer ref invalid utf": {tenancy.Billing{CustomerRef: "cus\xff"}, tenancy.ErrInvalidInput},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := m.unchanged(m.org.ID, func() error {
				_, err := m.svc.SetBilling(m.ctx, m.orgAdmin, m.org.ID, c.b)
				return err
			})
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		})
	}
	_, err = m.svc.SetBilling(m.ctx, m.orgAdmin, m.org.ID, tenancy.Billing{CustomerRef: strings.Repeat("x", 255)})
	require.NoError(t, err)
	for _, a := range []tenancy.Actor{m.wsAdmin, m.wsMember} {
		err := m.unchanged(m.org.ID, func() error {
			_, err := m.svc.SetBilling(m.ctx, a, m.org.ID, tenancy.Billing{Email: "evil@gmail.com"})
			return err
		})
		requireDenied(t, err, tenancy.ActionManageBilling)
	}
}

func TestSetSecurityPolicyValidation(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	other, otherOrg := f.founder("olga@other.com")
	foreign := f.workspace(other, otherOrg.ID, "Foreign")

	invalid := map[string]tenancy.SecurityPolicy{
		"negative session age":      {MaxSessionAge: -time.Second},
		"negative invitation TTL":   {InvitationTTL: -time.Hour},
		"invitation TTL over max":   {InvitationTTL: tenancy.MaxInvitationTTL + time.Second},
		"invalid prefix":            {AllowedIPs: []netip.Prefix{{}}},
		"domain with space":         {AllowedEmailDomains: []string{"acme com"}},
		"single-label domain":       {AllowedEmailDomains: []string{"acme"}},
		"IP as domain":              {AllowedEmailDomains: []string{"10.0.0.1"}},
		"domain with at":            {AllowedEmailDomains: []string{"ann@acme.com"}},
		"empty domain":              {AllowedEmailDomains: []string{""}},
		"trailing dot":              {AllowedEmailDomains: []string{"acme.com."}},
		"auto-join of another org":  {AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{foreign.ID}}},
		"auto-join of unknown":      {AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{uuid.New()}}},
		"auto-join of nil":          {AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{uuid.Nil}}},
		"auto-join one of each":     {AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID, foreign.ID}}},
		"auto-join as org admin":    {AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}, Role: tenancy.RoleOrgAdmin}},
		"auto-join with owner role": {AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}, Role: "owner"}},
		"too many domains":          {AllowedEmailDomains: manyDomains(tenancy.MaxPolicyEntries + 1)},
	}
	for name, p := range invalid {
		t.Run(name, func(t *testing.T) {
			err := f.unchanged(org.ID, func() error {
				_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, p)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
			o, err := f.svc.Organization(f.ctx, admin, org.ID)
			require.NoError(t, err)
			assert.Equal(t, tenancy.SecurityPolicy{}, o.Policy)
		})
	}

	t.Run("normalization", func(t *testing.T) {
		admin := admin
		admin.IP = netip.MustParseAddr("10.1.2.3")
		admin.MFA = true
		o, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
			RequireMFA:    true,
			MaxSessionAge: 12 * time.Hour,
			AllowedIPs: []netip.Prefix{
				netip.MustParsePrefix("10.1.2.3/8"),
				netip.MustParsePrefix("10.0.0.0/8"),
				netip.MustParsePrefix("2001:db8::1/32"),
				netip.MustParsePrefix("::ffff:192.0.2.1/120"),
			},
			AllowedEmailDomains: []string{"ACME.com", " Bücher.DE ", "acme.com", "xn--bcher-kva.de", "eu.acme.com"},
			InvitationTTL:       48 * time.Hour,
			AutoJoin:            tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID, ws.ID}},
		})
		require.NoError(t, err)
		want := tenancy.SecurityPolicy{
			RequireMFA:    true,
			MaxSessionAge: 12 * time.Hour,
			AllowedIPs: []netip.Prefix{
				netip.MustParsePrefix("10.0.0.0/8"),
				netip.MustParsePrefix("2001:db8::/32"),
				netip.MustParsePrefix("192.0.2.0/24"),
			},
			AllowedEmailDomains: []string{"acme.com", "xn--bcher-kva.de", "eu.acme.com"},
			InvitationTTL:       48 * time.Hour,
			AutoJoin:            tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}, Role: tenancy.RoleMember},
		}
		assert.Equal(t, want, o.Policy)
		read, err := f.svc.Organization(f.ctx, admin, org.ID)
		require.NoError(t, err)
		assert.Equal(t, want, read.Policy)
		e := f.lastEvents(1)[0]
		assert.Equal(t, tenancy.EventSecurityPolicyChanged, e.Action)
		assert.Equal(t, org.ID, e.TargetID)
		assert.Equal(t, "true", e.Details["require_mfa"])
		assert.Equal(t, "10.0.0.0/8,2001:db8::/32,192.0.2.0/24", e.Details["allowed_ips"])

		o, err = f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
			AllowedIPs: []netip.Prefix{}, AllowedEmailDomains: []string{}, AutoJoin: tenancy.AutoJoin{Role: tenancy.RoleAdmin}})
		require.NoError(t, err)
		assert.Equal(t, tenancy.SecurityPolicy{}, o.Policy, "empty lists are nil, a role without workspaces is dropped")
	})
	t.Run("the maximum TTL", func(t *testing.T) {
		o, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{InvitationTTL: tenancy.MaxInvitationTTL})
		require.NoError(t, err)
		assert.Equal(t, tenancy.MaxInvitationTTL, o.Policy.InvitationTTL)
	})
	t.Run("only org admins", func(t *testing.T) {
		bob := f.user("bob@gmail.com")
		f.member(admin, ws.ID, bob, tenancy.RoleAdmin)
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.SetSecurityPolicy(f.ctx, bob, org.ID, tenancy.SecurityPolicy{})
			return err
		})
		requireDenied(t, err, tenancy.ActionEditSecurityPolicy)
		err = f.unchanged(org.ID, func() error {
			_, err := f.svc.SetSecurityPolicy(f.ctx, other, org.ID, tenancy.SecurityPolicy{})
			return err
		})
		requireHidden(t, err)
	})
}

func TestAllowedIPsIPv4MappedPrefixKeepsItsRange(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	admin.IP = netip.MustParseAddr("10.200.0.1")
	o, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}})
	require.NoError(t, err, "::ffff:10.0.0.0/104 is 10.0.0.0/8, which holds the admin's address")
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, o.Policy.AllowedIPs)
}

func manyDomains(n int) []string {
	ds := make([]string, n)
	for i := range ds {
		ds[i] = fmt.Sprintf("d%d.example.com", i)
	}
	return ds
}

func TestGrantOrgAdmin(t *testing.T) {
	m := newMemberFixture(t)
	require.NoError(t, m.svc.GrantOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.wsMember.UserID))
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventOrgAdminGranted, e.Action)
	assert.Equal(t, m.org.ID, e.OrgID)
	assert.Equal(t, m.orgAdmin.UserID, e.ActorID)
	assert.Equal(t, m.wsMember.UserID, e.TargetID)
	assert.Equal(t, "carl@gmail.com", e.Details["email"])
	orgs, err := m.svc.AdminOrganizations(m.ctx, m.wsMember.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 1)
	assert.Equal(t, m.org.ID, orgs[0].ID)
	require.NoError(t, m.svc.Authorize(m.ctx, m.wsMember, tenancy.ActionCreateSource, tenancy.InWorkspace(m.other.ID)),
		"admin rights in every workspace of the org")

	cases := []struct {
		name  string
		actor tenancy.Actor
		user  uuid.UUID
		check func(t *testing.T, err error)
	}{
		{"twice", m.orgAdmin, m.wsMember.UserID, func(t *testing.T, err error) { require.ErrorIs(t, err, tenancy.ErrAlreadyExists) }},
		{"unknown user", m.orgAdmin, uuid.New(), func(t *testing.T, err error) { require.ErrorIs(t, err, tenancy.ErrNotFound) }},
		{"by a workspace admin", m.wsAdmin, m.outsider.UserID, func(t *testing.T, err error) {
			requireDenied(t, err, tenancy.ActionManageOrgUsers)
		}},
		{"to itself by a workspace admin", m.wsAdmin, m.wsAdmin.UserID, func(t *testing.T, err error) {
			requireDenied(t, err, tenancy.ActionManageOrgUsers)
		}},
		{"by a stranger", m.stranger, m.stranger.UserID, requireHiddenT},
		{"by another org's admin", m.foreignAdmin, m.foreignAdmin.UserID, requireHiddenT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := m.unchanged(m.org.ID, func() error { return m.svc.GrantOrgAdmin(m.ctx, c.actor, m.org.ID, c.user) })
			c.check(t, err)
		})
	}
	t.Run("allowed email domains", func(t *testing.T) {
		_, err := m.svc.SetSecurityPolicy(m.ctx, m.orgAdmin, m.org.ID, tenancy.SecurityPolicy{AllowedEmailDomains: []string{"acme.com"}})
		require.NoError(t, err)
		err = m.unchanged(m.org.ID, func() error { return m.svc.GrantOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.outsider.UserID) })
		requireDenied(t, err, tenancy.ActionManageOrgUsers)
		dev := m.user("dev@eng.acme.com")
		require.NoError(t, m.svc.GrantOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, dev.UserID))
	})
}

func requireHiddenT(t *testing.T, err error) { t.Helper(); requireHidden(t, err) }

func TestRevokeOrgAdmin(t *testing.T) {
	m := newMemberFixture(t)
	// ann (founder) and pat are org admins.
	err := m.unchanged(m.org.ID, func() error { return m.svc.RevokeOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.wsAdmin.UserID) })
	require.ErrorIs(t, err, tenancy.ErrNotFound, "not an org admin")
	err = m.unchanged(m.org.ID, func() error { return m.svc.RevokeOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, uuid.New()) })
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	err = m.unchanged(m.org.ID, func() error { return m.svc.RevokeOrgAdmin(m.ctx, m.wsAdmin, m.org.ID, m.plainOrgAdmin.UserID) })
	requireDenied(t, err, tenancy.ActionManageOrgUsers)
	err = m.unchanged(m.org.ID, func() error { return m.svc.RevokeOrgAdmin(m.ctx, m.stranger, m.org.ID, m.plainOrgAdmin.UserID) })
	requireHidden(t, err)

	require.NoError(t, m.svc.RevokeOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.plainOrgAdmin.UserID))
	e := m.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventOrgAdminRevoked, e.Action)
	assert.Equal(t, m.plainOrgAdmin.UserID, e.TargetID)
	assert.Equal(t, m.orgAdmin.UserID, e.ActorID)
	_, err = m.svc.Organization(m.ctx, m.plainOrgAdmin, m.org.ID)
	requireHidden(t, err)

	err = m.unchanged(m.org.ID, func() error { return m.svc.RevokeOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.orgAdmin.UserID) })
	require.ErrorIs(t, err, tenancy.ErrLastAdmin)

	t.Run("revoking keeps workspace roles", func(t *testing.T) {
		require.NoError(t, m.svc.GrantOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.wsAdmin.UserID))
		require.NoError(t, m.svc.RevokeOrgAdmin(m.ctx, m.wsAdmin, m.org.ID, m.orgAdmin.UserID), "an admin may revoke another")
		assert.Equal(t, tenancy.RoleAdmin, m.roleIn(m.ws.ID, m.orgAdmin.UserID))
		err := m.unchanged(m.org.ID, func() error { return m.svc.RevokeOrgAdmin(m.ctx, m.wsAdmin, m.org.ID, m.wsAdmin.UserID) })
		require.ErrorIs(t, err, tenancy.ErrLastAdmin)
	})
}

func TestRemoveFromOrganization(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ws1 := f.workspace(ann, org.ID, "One")
	ws2 := f.workspace(ann, org.ID, "Two")
	ws3 := f.workspace(ann, org.ID, "Three")
	bob := f.user("bob@gmail.com")
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, bob.UserID))
	f.member(ann, ws1.ID, bob, tenancy.RoleMember)
	f.member(ann, ws2.ID, bob, tenancy.RoleAdmin)
	_, otherOrg := f.founder("olga@other.com")
	otherWs := f.workspace(f.actor(mustAdmin(t, f, otherOrg.ID)), otherOrg.ID, "Elsewhere")
	f.member(f.actor(mustAdmin(t, f, otherOrg.ID)), otherWs.ID, bob, tenancy.RoleMember)
	seats, err := f.svc.Seats(f.ctx, ann, org.ID)
	require.NoError(t, err)
	require.Equal(t, 2, seats)
	_, pending, err := f.svc.Invite(f.ctx, ann, ws3.ID, "bob@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	otherWs2 := f.workspace(f.actor(mustAdmin(t, f, otherOrg.ID)), otherOrg.ID, "Elsewhere too")
	_, elsewhere, err := f.svc.Invite(f.ctx, f.actor(mustAdmin(t, f, otherOrg.ID)), otherWs2.ID, "bob@gmail.com", tenancy.RoleAdmin)
	require.NoError(t, err)

	require.NoError(t, f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, bob.UserID))
	_, err = f.svc.AcceptInvitation(f.ctx, bob, pending)
	require.ErrorIs(t, err, tenancy.ErrInvitation, "a pending invitation must not let a removed user back in")
	e := f.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventUserRemovedFromOrg, e.Action)
	assert.Equal(t, org.ID, e.OrgID)
	assert.Equal(t, ann.UserID, e.ActorID)
	assert.Equal(t, bob.UserID, e.TargetID)
	assert.Equal(t, "true", e.Details["org_admin"])
	assert.Equal(t, "2", e.Details["workspaces"])
	assert.Equal(t, "1", e.Details["invitations_revoked"])
	for _, ws := range []uuid.UUID{ws1.ID, ws2.ID} {
		assert.Equal(t, tenancy.Role(""), f.roleIn(ws, bob.UserID))
	}
	assert.Equal(t, tenancy.RoleMember, f.roleIn(otherWs.ID, bob.UserID), "other organizations are untouched")
	_, err = f.svc.AcceptInvitation(f.ctx, bob, elsewhere)
	require.NoError(t, err, "the other organization's invitation still stands")
	_, err = f.svc.Organization(f.ctx, bob, org.ID)
	requireHidden(t, err)
	seats, err = f.svc.Seats(f.ctx, ann, org.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, seats)

	t.Run("no role left", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error { return f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, bob.UserID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		err = f.unchanged(org.ID, func() error { return f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, uuid.New()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	})
	t.Run("the last org admin", func(t *testing.T) {
		err := f.unchanged(org.ID, func() error { return f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, ann.UserID) })
		require.ErrorIs(t, err, tenancy.ErrLastAdmin)
	})
	t.Run("the last admin of a workspace changes nothing", func(t *testing.T) {
		carl := f.user("carl@gmail.com")
		require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, carl.UserID))
		f.member(ann, ws1.ID, carl, tenancy.RoleMember)
		f.member(ann, ws2.ID, carl, tenancy.RoleAdmin) // ann is admin of ws2 too
		f.member(ann, ws3.ID, carl, tenancy.RoleAdmin)
		_, err := f.svc.SetMemberRole(f.ctx, ann, ws3.ID, ann.UserID, tenancy.RoleMember) // carl: last admin of ws3
		require.NoError(t, err)
		users := orgUsers(t, f, ann, org.ID)

		err = f.unchanged(org.ID, func() error { return f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, carl.UserID) })
		require.ErrorIs(t, err, tenancy.ErrLastAdmin)
		assert.Equal(t, users, orgUsers(t, f, ann, org.ID), "nothing changed")
		assert.Equal(t, tenancy.RoleMember, f.roleIn(ws1.ID, carl.UserID))
		assert.Equal(t, tenancy.RoleAdmin, f.roleIn(ws2.ID, carl.UserID))
		assert.Equal(t, tenancy.RoleAdmin, f.roleIn(ws3.ID, carl.UserID))
		isAdmin, err := f.store.IsOrgAdmin(f.ctx, org.ID, carl.UserID)
		require.NoError(t, err)
		assert.True(t, isAdmin)

		_, err = f.svc.SetMemberRole(f.ctx, ann, ws3.ID, ann.UserID, tenancy.RoleAdmin)
		require.NoError(t, err)
		require.NoError(t, f.svc.RemoveFromOrganization(f.ctx, carl, org.ID, carl.UserID), "an org admin may remove itself")
		assert.Len(t, orgUsers(t, f, ann, org.ID), len(users)-1)
	})
	t.Run("denied", func(t *testing.T) {
		dina := f.user("dina@gmail.com")
		f.member(ann, ws1.ID, dina, tenancy.RoleAdmin)
		err := f.unchanged(org.ID, func() error { return f.svc.RemoveFromOrganization(f.ctx, dina, org.ID, ann.UserID) })
		requireDenied(t, err, tenancy.ActionManageOrgUsers)
		err = f.unchanged(org.ID, func() error { return f.svc.RemoveFromOrganization(f.ctx, bob, org.ID, dina.UserID) })
		requireHidden(t, err)
	})
}

func orgUsers(t *testing.T, f *fixture, a tenancy.Actor, orgID uuid.UUID) []tenancy.OrgUser {
	t.Helper()
	items, _ := allPages(t, 0, func(p tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
		return f.svc.OrganizationUsers(f.ctx, a, orgID, p)
	})
	return items
}

func TestOrganizationUsersAndSeats(t *testing.T) {
	m := newMemberFixture(t)
	users := orgUsers(t, m.fixture, m.orgAdmin, m.org.ID)
	type row struct {
		email      string
		admin      bool
		workspaces int
	}
	var got []row
	for _, u := range users {
		got = append(got, row{u.User.Email, u.OrgAdmin, u.Workspaces})
	}
	assert.Equal(t, []row{
		{"ann@acme.com", true, 2},
		{"bob@gmail.com", false, 1},
		{"carl@gmail.com", false, 1},
		{"dina@gmail.com", false, 1},
		{"pat@gmail.com", true, 0},
		{"tom@gmail.com", false, 1},
	}, got, "by email; eve, otto and olga hold no role here")
	assert.Equal(t, m.orgAdmin.UserID, users[0].User.ID)
	assert.Equal(t, "Test ann@acme.com", users[0].User.Name)

	items, pages := allPages(t, 4, func(p tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
		return m.svc.OrganizationUsers(m.ctx, m.plainOrgAdmin, m.org.ID, p)
	})
	assert.Equal(t, users, items)
	assert.Equal(t, 2, pages)

	seats, err := m.svc.Seats(m.ctx, m.orgAdmin, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, 6, seats, "distinct users: members of several workspaces and org admins count once")

	m.member(m.orgAdmin, m.other.ID, m.target, tenancy.RoleMember)
	seats, err = m.svc.Seats(m.ctx, m.orgAdmin, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, 6, seats, "a second workspace adds no seat")
	m.member(m.orgAdmin, m.other.ID, m.outsider, tenancy.RoleMember)
	seats, err = m.svc.Seats(m.ctx, m.orgAdmin, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, 7, seats)
	require.NoError(t, m.svc.RemoveMember(m.ctx, m.orgAdmin, m.other.ID, m.outsider.UserID))
	require.NoError(t, m.svc.RemoveMember(m.ctx, m.orgAdmin, m.ws.ID, m.target.UserID))
	seats, err = m.svc.Seats(m.ctx, m.orgAdmin, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, 6, seats, "tom still in another workspace")
	require.NoError(t, m.svc.RevokeOrgAdmin(m.ctx, m.orgAdmin, m.org.ID, m.plainOrgAdmin.UserID))
	seats, err = m.svc.Seats(m.ctx, m.orgAdmin, m.org.ID)
	require.NoError(t, err)
	assert.Equal(t, 5, seats)

	for _, a := range []tenancy.Actor{m.wsAdmin, m.wsMember} {
		_, err := m.svc.Seats(m.ctx, a, m.org.ID)
		requireDenied(t, err, tenancy.ActionManageBilling)
		_, err = m.svc.OrganizationUsers(m.ctx, a, m.org.ID, tenancy.Page{})
		requireDenied(t, err, tenancy.ActionManageOrgUsers)
	}
	_, err = m.svc.Seats(m.ctx, m.stranger, m.org.ID)
	requireHidden(t, err)
	_, err = m.svc.OrganizationUsers(m.ctx, m.foreignAdmin, m.org.ID, tenancy.Page{})
	requireHidden(t, err)
}

func TestAdminOrganizations(t *testing.T) {
	f := newFixture(t)
	ann, acme := f.founder("ann@acme.com")
	olga, zeta := f.founder("olga@zeta.com")
	_, err := f.svc.RenameOrganization(f.ctx, olga, zeta.ID, "Beta Inc")
	require.NoError(t, err)
	_, err = f.svc.RenameOrganization(f.ctx, ann, acme.ID, "Acme")
	require.NoError(t, err)
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, olga, zeta.ID, ann.UserID))

	orgs, err := f.svc.AdminOrganizations(f.ctx, ann.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 2)
	assert.Equal(t, []uuid.UUID{acme.ID, zeta.ID}, []uuid.UUID{orgs[0].ID, orgs[1].ID}, "by name")
	assert.Equal(t, "Beta Inc", orgs[1].Name)

	bob := f.user("bob@gmail.com")
	f.member(ann, f.workspace(ann, acme.ID, "Marketing").ID, bob, tenancy.RoleAdmin)
	orgs, err = f.svc.AdminOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Empty(t, orgs, "a workspace admin is no org admin")

	require.NoError(t, f.svc.RevokeOrgAdmin(f.ctx, olga, zeta.ID, ann.UserID))
	orgs, err = f.svc.AdminOrganizations(f.ctx, ann.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 1)
	_, err = f.svc.AdminOrganizations(f.ctx, uuid.New())
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

// auditRow is what an audit event says, without its ID and time.
type auditRow struct {
	Action                         string
	WorkspaceID, ActorID, TargetID uuid.UUID
}

func TestAuditLogRecordsEveryMutation(t *testing.T) {
	f := newFixture(t)
	none := uuid.Nil
	var want []auditRow
	expect := func(rows ...auditRow) { want = append(want, rows...) }

	ann, org := f.founder("ann@acme.com")
	a := ann.UserID
	expect(auditRow{tenancy.EventUserSignedUp, none, a, a},
		auditRow{tenancy.EventOrganizationCreated, none, a, org.ID},
		auditRow{tenancy.EventOrgAdminGranted, none, a, a})
	f.founder("olga@other.com") // another organization's events stay out
	bob, carl, dave := f.user("bob@gmail.com"), f.user("carl@gmail.com"), f.user("dave@gmail.com")
	b, c := bob.UserID, carl.UserID

	f.advance(time.Second)
	ws := f.workspace(ann, org.ID, "Marketing")
	w := ws.ID
	expect(auditRow{tenancy.EventWorkspaceCreated, w, a, w}, auditRow{tenancy.EventMemberAdded, w, a, a})
	_, err := f.svc.RenameWorkspace(f.ctx, ann, w, "Growth")
	require.NoError(t, err)
	expect(auditRow{tenancy.EventWorkspaceRenamed, w, a, w})
	f.member(ann, w, bob, tenancy.RoleMember)
	expect(auditRow{tenancy.EventMemberAdded, w, a, b})
	_, err = f.svc.SetMemberRole(f.ctx, ann, w, b, tenancy.RoleAdmin)
	require.NoError(t, err)
	expect(auditRow{tenancy.EventMemberRoleChanged, w, a, b})
	require.NoError(t, f.svc.RemoveMember(f.ctx, bob, w, b))
	expect(auditRow{tenancy.EventMemberRemoved, w, b, b})
	f.advance(time.Second)
	inv, token, err := f.svc.Invite(f.ctx, ann, w, "carl@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	expect(auditRow{tenancy.EventInvitationCreated, w, a, inv.ID})
	_, err = f.svc.AcceptInvitation(f.ctx, carl, token)
	require.NoError(t, err)
	expect(auditRow{tenancy.EventInvitationAccepted, w, c, inv.ID}, auditRow{tenancy.EventMemberAdded, w, c, c})
	inv2, _, err := f.svc.Invite(f.ctx, ann, w, "dave@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	require.NoError(t, f.svc.RevokeInvitation(f.ctx, ann, inv2.ID))
	expect(auditRow{tenancy.EventInvitationCreated, w, a, inv2.ID}, auditRow{tenancy.EventInvitationRevoked, w, a, inv2.ID})
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, b))
	require.NoError(t, f.svc.RevokeOrgAdmin(f.ctx, bob, org.ID, b))
	expect(auditRow{tenancy.EventOrgAdminGranted, none, a, b}, auditRow{tenancy.EventOrgAdminRevoked, none, b, b})
	_, err = f.svc.RenameOrganization(f.ctx, ann, org.ID, "Acme")
	require.NoError(t, err)
	_, err = f.svc.SetBilling(f.ctx, ann, org.ID, tenancy.Billing{Email: "billing@acme.com"})
	require.NoError(t, err)
	_, err = f.svc.SetSecurityPolicy(f.ctx, ann, org.ID, tenancy.SecurityPolicy{AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{w}}})
	require.NoError(t, err)
	expect(auditRow{tenancy.EventOrganizationRenamed, none, a, org.ID},
		auditRow{tenancy.EventBillingChanged, none, a, org.ID},
		auditRow{tenancy.EventSecurityPolicyChanged, none, a, org.ID})
	eve, _ := f.signUp("eve@acme.com") // auto-joins w
	expect(auditRow{tenancy.EventUserSignedUp, none, eve.ID, eve.ID}, auditRow{tenancy.EventMemberAdded, w, eve.ID, eve.ID})
	require.NoError(t, f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, c))
	expect(auditRow{tenancy.EventUserRemovedFromOrg, none, a, c})
	require.NoError(t, f.svc.DeleteWorkspace(f.ctx, ann, w))
	expect(auditRow{tenancy.EventWorkspaceDeleted, w, a, w})

	log, err := f.svc.AuditLog(f.ctx, ann, org.ID, tenancy.Page{Limit: tenancy.MaxPageSize})
	require.NoError(t, err)
	assert.Empty(t, log.Next)
	var got []auditRow
	for i, e := range log.Items {
		assert.Equal(t, org.ID, e.OrgID)
		assert.NotEqual(t, uuid.Nil, e.ID)
		if i > 0 {
			assert.False(t, e.At.After(log.Items[i-1].At), "newest first")
		}
		got = append([]auditRow{{e.Action, e.WorkspaceID, e.ActorID, e.TargetID}}, got...)
	}
	assert.Equal(t, want, got)

	t.Run("paging with limit 2 walks every event once", func(t *testing.T) {
		items, pages := allPages(t, 2, func(p tenancy.Page) (tenancy.List[tenancy.AuditEvent], error) {
			return f.svc.AuditLog(f.ctx, ann, org.ID, p)
		})
		assert.Equal(t, log.Items, items)
		assert.Equal(t, (len(want)+1)/2, pages)
	})
	t.Run("the event handler saw the same events", func(t *testing.T) {
		ids := map[uuid.UUID]bool{}
		for _, e := range f.lastEvents(f.eventCount()) {
			ids[e.ID] = true
		}
		for _, e := range log.Items {
			assert.True(t, ids[e.ID], e.Action)
		}
	})
	t.Run("only org admins read it", func(t *testing.T) {
		zed := f.user("zed@gmail.com")
		ws := f.workspace(ann, org.ID, "Other")
		f.member(ann, ws.ID, zed, tenancy.RoleAdmin)
		_, err := f.svc.AuditLog(f.ctx, zed, org.ID, tenancy.Page{})
		requireDenied(t, err, tenancy.ActionViewAuditLog)
		_, err = f.svc.AuditLog(f.ctx, dave, org.ID, tenancy.Page{})
		requireHidden(t, err)
	})
}

// TestDeniedOperationsWriteNothing runs every mutating method with an actor
// it must deny (or input it must reject) and checks that no audit event
// was written and no state changed.
func TestDeniedOperationsWriteNothing(t *testing.T) {
	m := newMemberFixture(t)
	_, token, err := m.svc.Invite(m.ctx, m.orgAdmin, m.ws.ID, "otto@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	inv, _, err := m.svc.Invite(m.ctx, m.orgAdmin, m.ws.ID, "new@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)

	snapshot := func() []any {
		o, err := m.svc.Organization(m.ctx, m.orgAdmin, m.org.ID)
		require.NoError(t, err)
		wss, err := m.svc.OrganizationWorkspaces(m.ctx, m.orgAdmin, m.org.ID, tenancy.Page{})
		require.NoError(t, err)
		members, err := m.svc.Members(m.ctx, m.orgAdmin, m.ws.ID, tenancy.Page{})
		require.NoError(t, err)
		invs, err := m.svc.Invitations(m.ctx, m.orgAdmin, m.ws.ID, tenancy.Page{})
		require.NoError(t, err)
		orgs, err := m.svc.AdminOrganizations(m.ctx, m.wsMember.UserID)
		require.NoError(t, err)
		return []any{o, wss, members, invs, orgUsers(t, m.fixture, m.orgAdmin, m.org.ID), orgs}
	}
	before := snapshot()

	member, stranger := m.wsMember, m.stranger
	ops := map[string]func() error{
		"RenameOrganization": func() error {
			_, err := m.svc.RenameOrganization(m.ctx, member, m.org.ID, "X")
			return err
		},
		"SetBilling": func() error {
			_, err := m.svc.SetBilling(m.ctx, member, m.org.ID, tenancy.Billing{Email: "x@gmail.com"})
			return err
		},
		"SetSecurityPolicy": func() error {
			_, err := m.svc.SetSecurityPolicy(m.ctx, member, m.org.ID, tenancy.SecurityPolicy{InvitationTTL: time.Hour})
			return err
		},
		"GrantOrgAdmin":          func() error { return m.svc.GrantOrgAdmin(m.ctx, member, m.org.ID, member.UserID) },
		"RevokeOrgAdmin":         func() error { return m.svc.RevokeOrgAdmin(m.ctx, member, m.org.ID, m.plainOrgAdmin.UserID) },
		"RemoveFromOrganization": func() error { return m.svc.RemoveFromOrganization(m.ctx, member, m.org.ID, m.target.UserID) },
		"CreateWorkspace": func() error {
			_, err := m.svc.CreateWorkspace(m.ctx, member, m.org.ID, "X")
			return err
		},
		"RenameWorkspace": func() error {
			_, err := m.svc.RenameWorkspace(m.ctx, member, m.ws.ID, "X")
			return err
		},
		"DeleteWorkspace": func() error { return m.svc.DeleteWorkspace(m.ctx, member, m.ws.ID) },
		"AddMember": func() error {
			_, err := m.svc.AddMember(m.ctx, member, m.ws.ID, m.outsider.UserID, tenancy.RoleMember)
			return err
		},
		"SetMemberRole": func() error {
			_, err := m.svc.SetMemberRole(m.ctx, member, m.ws.ID, member.UserID, tenancy.RoleAdmin)
			return err
		},
		"RemoveMember": func() error { return m.svc.RemoveMember(m.ctx, member, m.ws.ID, m.target.UserID) },
		"Invite": func() error {
			_, _, err := m.svc.Invite(m.ctx, member, m.ws.ID, "x@gmail.com", tenancy.RoleMember)
			return err
		},
		"AcceptInvitation by another user": func() error {
			_, err := m.svc.AcceptInvitation(m.ctx, stranger, token)
			return err
		},
		"RevokeInvitation": func() error { return m.svc.RevokeInvitation(m.ctx, member, inv.ID) },
		"CreateWorkspace by a stranger": func() error {
			_, err := m.svc.CreateWorkspace(m.ctx, stranger, m.org.ID, "X")
			return err
		},
		"DeleteWorkspace by a stranger":  func() error { return m.svc.DeleteWorkspace(m.ctx, stranger, m.ws.ID) },
		"RevokeInvitation by a stranger": func() error { return m.svc.RevokeInvitation(m.ctx, stranger, inv.ID) },
		"Invite by a stranger": func() error {
			_, _, err := m.svc.Invite(m.ctx, stranger, m.ws.ID, "x@gmail.com", tenancy.RoleMember)
			return err
		},
		"SignUp with a taken address": func() error {
			_, err := m.svc.SignUp(m.ctx, tenancy.SignUpRequest{Email: "CARL@gmail.com", EmailVerified: true})
			return err
		},
		"ConfirmEmail of an unknown user": func() error {
			_, err := m.svc.ConfirmEmail(m.ctx, uuid.New())
			return err
		},
		"Operator.CreateOrganization with an unknown admin": func() error {
			_, err := m.svc.Operator().CreateOrganization(m.ctx, "X", "", uuid.New())
			return err
		},
		"Operator.CreateOrganization of a taken domain": func() error {
			_, err := m.svc.Operator().CreateOrganization(m.ctx, "X", "acme.com", member.UserID)
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			nilOrg := m.auditLen(uuid.Nil)
			err := m.unchanged(m.org.ID, op)
			assert.True(t, errorIsAny(err, tenancy.ErrForbidden, tenancy.ErrNotFound, tenancy.ErrInvitation,
				tenancy.ErrAlreadyExists, tenancy.ErrDomainTaken), err)
			assert.Equal(t, nilOrg, m.auditLen(uuid.Nil))
			assert.Equal(t, before, snapshot())
		})
	}
}

// A user removed from an organization must not get back in through an
// invitation to an address it held before: it could take the address
// back (ChangeEmail) and accept.
func TestRemovalRevokesInvitationsToFormerAddresses(t *testing.T) {
	t.Parallel()
	for _, leave := range []bool{false, true} {
		name := map[bool]string{false: "removed", true: "left"}[leave]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			admin, org := f.founder("ann@acme.com")
			one := f.workspace(admin, org.ID, "One")
			two := f.workspace(admin, org.ID, "Two")
			mallory := f.user("mallory@acme.com")
			f.member(admin, one.ID, mallory, tenancy.RoleMember)
			_, token, err := f.svc.Invite(f.ctx, admin, two.ID, "mallory@acme.com", tenancy.RoleMember)
			require.NoError(t, err)

			_, err = f.svc.ChangeEmail(f.ctx, mallory.UserID, "mallory@gmail.com", true)
			require.NoError(t, err)
			if leave {
				require.NoError(t, f.svc.LeaveOrganization(f.ctx, mallory, org.ID))
			} else {
				require.NoError(t, f.svc.RemoveFromOrganization(f.ctx, admin, org.ID, mallory.UserID))
			}
			_, err = f.svc.ChangeEmail(f.ctx, mallory.UserID, "mallory@acme.com", true)
			require.NoError(t, err)

			_, err = f.svc.AcceptInvitation(f.ctx, mallory, token)
			require.ErrorIs(t, err, tenancy.ErrInvitation, "a user out of the organization got back in")
			orgs, err := f.svc.UserOrganizations(f.ctx, mallory.UserID)
			require.NoError(t, err)
			require.Empty(t, orgs)
		})
	}
}

// A former address that another user holds now names that user: the
// invitations to it stay when the former holder is removed.
func TestRemovalKeepsInvitationsToAnotherUsersAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	one := f.workspace(admin, org.ID, "One")
	two := f.workspace(admin, org.ID, "Two")
	bob := f.user("bob@acme.com")
	f.member(admin, one.ID, bob, tenancy.RoleMember)
	_, err := f.svc.ChangeEmail(f.ctx, bob.UserID, "bob@gmail.com", true)
	require.NoError(t, err)
	carl := f.user("bob@acme.com") // the address is Carl's now
	_, token, err := f.svc.Invite(f.ctx, admin, two.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	require.NoError(t, f.svc.RemoveFromOrganization(f.ctx, admin, org.ID, bob.UserID))
	_, err = f.svc.AcceptInvitation(f.ctx, carl, token)
	require.NoError(t, err, "Carl's invitation was revoked with Bob")
}

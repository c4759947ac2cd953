package tenancy_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// policyFromEvent reads back the policy an
// organization.security_policy_changed event recorded.
func policyFromEvent(t *testing.T, e tenancy.AuditEvent) tenancy.SecurityPolicy {
	t.Helper()
	require.Equal(t, tenancy.EventSecurityPolicyChanged, e.Action)
	d := e.Details
	list := func(k string) []string {
		v, ok := d[k]
		require.True(t, ok, "the event has no %q", k)
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	duration := func(k string) time.Duration {
		v, err := time.ParseDuration(d[k])
		require.NoError(t, err, k)
		return v
	}
	var p tenancy.SecurityPolicy
	p.RequireMFA, p.RequireSSO = d["require_mfa"] == "true", d["require_sso"] == "true"
	p.MaxSessionAge, p.InvitationTTL = duration("max_session_age"), duration("invitation_ttl")
	for _, s := range list("allowed_ips") {
		pfx, err := netip.ParsePrefix(s)
		require.NoError(t, err, "allowed_ips")
		p.AllowedIPs = append(p.AllowedIPs, pfx)
	}
	p.AllowedEmailDomains = list("allowed_email_domains")
	for _, s := range list("auto_join_workspaces") {
		id, err := uuid.Parse(s)
		require.NoError(t, err, "auto_join_workspaces")
		p.AutoJoin.Workspaces = append(p.AutoJoin.Workspaces, id)
	}
	_, ok := d["auto_join_role"]
	require.True(t, ok, "the event has no auto_join_role")
	p.AutoJoin.Role = tenancy.Role(d["auto_join_role"])
	p.AutoJoin.Domains = list("auto_join_domains")
	return p
}

// TestSecurityPolicyEventsRestoreThePolicy: a departing admin who swaps
// the policy (the auto-join role raised to Admin, so that every future
// sign-up at the domain administers the workspaces; the allowed networks
// and domains replaced by others) must leave a log from which the admins,
// or support after Operator.ResetSecurityPolicy, can tell what changed
// and put the policy back as it was.
func TestSecurityPolicyEventsRestoreThePolicy(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ann.IP = netip.MustParseAddr("192.0.2.7")
	ann.MFA = true
	sales := f.workspace(ann, org.ID, "Sales")
	eng := f.workspace(ann, org.ID, "Engineering")

	legit, err := f.svc.SetSecurityPolicy(f.ctx, ann, org.ID, tenancy.SecurityPolicy{
		RequireMFA:          true,
		MaxSessionAge:       8 * time.Hour,
		AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")},
		AllowedEmailDomains: []string{"acme.com", "acme.co.uk"},
		InvitationTTL:       72 * time.Hour,
		AutoJoin:            tenancy.AutoJoin{Workspaces: []uuid.UUID{sales.ID, eng.ID}, Domains: []string{"eng.acme.com"}},
	})
	require.NoError(t, err)
	first := lastAction(t, f, org.ID, tenancy.EventSecurityPolicyChanged)
	assert.Equal(t, legit.Policy, policyFromEvent(t, first))

	// The same counts everywhere, the same switches: only the values differ.
	sabotaged, err := f.svc.SetSecurityPolicy(f.ctx, ann, org.ID, tenancy.SecurityPolicy{
		RequireMFA:          true,
		MaxSessionAge:       8 * time.Hour,
		AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8:bad::/48")},
		AllowedEmailDomains: []string{"acme.com", "evil.example"},
		InvitationTTL:       72 * time.Hour,
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{eng.ID, sales.ID}, Role: tenancy.RoleAdmin,
			Domains: []string{"eng.acme.com"}},
	})
	require.NoError(t, err)
	second := lastAction(t, f, org.ID, tenancy.EventSecurityPolicyChanged)
	require.NotEqual(t, first.ID, second.ID)
	assert.NotEqual(t, first.Details, second.Details, "the log must tell the two policies apart")
	assert.Equal(t, string(tenancy.RoleAdmin), second.Details["auto_join_role"])
	assert.Equal(t, sabotaged.Policy, policyFromEvent(t, second))

	// Support resets the policy; the log still holds the one to restore.
	reset, err := f.svc.Operator().ResetSecurityPolicy(f.ctx, org.ID, "ticket 12: everyone locked out")
	require.NoError(t, err)
	assert.Equal(t, reset.Policy, policyFromEvent(t, lastAction(t, f, org.ID, tenancy.EventSecurityPolicyChanged)))
	restored, err := f.svc.SetSecurityPolicy(f.ctx, ann, org.ID, policyFromEvent(t, first))
	require.NoError(t, err)
	assert.Equal(t, legit.Policy, restored.Policy)
}

// TestDeletingAWorkspaceKeepsTheRestOfTheAutoJoinPolicy: deleting a
// workspace drops it from the auto-join list and nothing else. A
// workspace Admin, who may delete its workspace but not edit the
// organization's policy, must not erase the auto-join domains the
// Organization Admins set, with no security_policy_changed event to show
// it.
func TestDeletingAWorkspaceKeepsTheRestOfTheAutoJoinPolicy(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	sales := f.workspace(ann, org.ID, "Sales")
	eng := f.workspace(ann, org.ID, "Engineering")
	carl := f.user("carl@acme.com")
	f.member(ann, sales.ID, carl, tenancy.RoleAdmin)
	_, err := f.svc.SetSecurityPolicy(f.ctx, ann, org.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{sales.ID}, Role: tenancy.RoleMember, Domains: []string{"eng.acme.com"}}})
	require.NoError(t, err)

	require.NoError(t, f.svc.DeleteWorkspace(f.ctx, carl, sales.ID))
	o, err := f.svc.Organization(f.ctx, ann, org.ID)
	require.NoError(t, err)
	want := tenancy.AutoJoin{Domains: []string{"eng.acme.com"}}
	assert.Equal(t, want, o.Policy.AutoJoin, "only the workspace leaves the policy")
	normal, err := o.Policy.Validate(f.svc.Policy())
	require.NoError(t, err)
	assert.Equal(t, normal, o.Policy, "the policy stays in the form SetSecurityPolicy saves")

	// Listing a workspace again needs only the workspace.
	o, err = f.svc.SetSecurityPolicy(f.ctx, ann, org.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{eng.ID}, Domains: o.Policy.AutoJoin.Domains}})
	require.NoError(t, err)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "dev@eng.acme.com", EmailVerified: true})
	require.NoError(t, err)
	require.Len(t, res.Joined, 1)
	assert.Equal(t, eng.ID, res.Joined[0].WorkspaceID)
}

// TestOrgRoleRemovalsNameTheirTarget: a departing admin who revokes every
// other Organization Admin and removes users from the organization must
// leave events that say whom, by the address the organization knew, as
// member.removed and org_admin.granted do: once out of the organization
// a user is no longer one the admins can look up by ID (OrganizationUsers,
// and the HTTP layers, show only the organization's users), so the
// address is what they re-invite. Leaving names the user too, the actor
// of its own event.
func TestOrgRoleRemovalsNameTheirTarget(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ws := f.workspace(ann, org.ID, "Sales")
	bob, carl, dina := f.user("bob@acme.com"), f.user("carl@acme.com"), f.user("dina@acme.com")
	for _, u := range []tenancy.Actor{bob, carl, dina} {
		require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, ann, org.ID, u.UserID))
	}
	f.member(ann, ws.ID, carl, tenancy.RoleMember)

	require.NoError(t, f.svc.RevokeOrgAdmin(f.ctx, ann, org.ID, bob.UserID))
	e := lastAction(t, f, org.ID, tenancy.EventOrgAdminRevoked)
	assert.Equal(t, bob.UserID, e.TargetID)
	assert.Equal(t, "bob@acme.com", e.Details[tenancy.DetailEmail])

	require.NoError(t, f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, carl.UserID))
	e = lastAction(t, f, org.ID, tenancy.EventUserRemovedFromOrg)
	assert.Equal(t, carl.UserID, e.TargetID)
	assert.Equal(t, "carl@acme.com", e.Details[tenancy.DetailEmail])

	require.NoError(t, f.svc.LeaveOrganization(f.ctx, dina, org.ID))
	e = lastAction(t, f, org.ID, tenancy.EventUserLeftOrg)
	assert.Equal(t, dina.UserID, e.TargetID)
	assert.Equal(t, "dina@acme.com", e.Details[tenancy.DetailEmail])

	// Erasure scrubs the address from these events as from the others.
	require.NoError(t, f.svc.DeleteUser(f.ctx, carl.UserID))
	e = lastAction(t, f, org.ID, tenancy.EventUserRemovedFromOrg)
	assert.NotContains(t, e.Details, tenancy.DetailEmail)
}

package storetest

import (
	"net/netip"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var organizationTests = []test{
	{"CreateOrganization round-trips every field", func(t *testing.T, f *fixture) {
		full := f.newOrg("Acme", "acme.com")
		full.Policy = fullPolicy()
		zero := f.newOrg("Globex", "globex.com")
		zero.Billing = tenancy.Billing{}
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateOrganization(f.ctx, full))
			return tx.CreateOrganization(f.ctx, zero)
		})
		for _, o := range []tenancy.Organization{full, zero} {
			got, err := f.s.Organization(f.ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, o, got)
			got, err = f.s.OrganizationByDomain(f.ctx, o.Domain)
			require.NoError(t, err)
			require.Equal(t, o, got)
		}
	}},
	{"Organization and OrganizationByDomain return ErrNotFound when absent", func(t *testing.T, f *fixture) {
		f.org("Acme", "acme.com")
		_, err := f.s.Organization(f.ctx, uuid.New())
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.OrganizationByDomain(f.ctx, "globex.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"OrganizationByDomain never finds the empty domain", func(t *testing.T, f *fixture) {
		f.org("Made by an operator", "")
		_, err := f.s.OrganizationByDomain(f.ctx, "")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateOrganization rejects a taken domain with ErrDomainTaken", func(t *testing.T, f *fixture) {
		acme := f.org("Acme", "acme.com")
		other := f.newOrg("Acme Again", "acme.com")
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateOrganization(f.ctx, other) })
		require.ErrorIs(t, err, tenancy.ErrDomainTaken)
		_, err = f.s.Organization(f.ctx, other.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		got, err := f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.NoError(t, err)
		require.Equal(t, acme, got)
	}},
	{"empty domains never conflict", func(t *testing.T, f *fixture) {
		a := f.org("First", "")
		b := f.org("Second", "")
		c := f.org("Third", "")
		for _, o := range []tenancy.Organization{a, b, c} {
			got, err := f.s.Organization(f.ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, o, got)
		}
	}},
	{"CreateOrganization rejects a taken ID", func(t *testing.T, f *fixture) {
		acme := f.org("Acme", "acme.com")
		other := f.newOrg("Globex", "globex.com")
		other.ID = acme.ID
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateOrganization(f.ctx, other) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.Organization(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, acme, got)
		_, err = f.s.OrganizationByDomain(f.ctx, "globex.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"UpdateOrganization replaces Name, Domain, Billing and Policy", func(t *testing.T, f *fixture) {
		acme := f.org("Acme", "acme.com")
		globex := f.org("Globex", "globex.com")
		change := acme
		change.Name = "Acme Corporation"
		change.Billing = tenancy.Billing{Email: "ap@acme.com", CustomerRef: "cus_123"}
		change.Policy = fullPolicy()
		change.Domain = "acme.co.uk"
		change.CreatedAt = f.tick()
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, change) })

		want := change
		want.CreatedAt = acme.CreatedAt
		got, err := f.s.Organization(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = f.s.OrganizationByDomain(f.ctx, "acme.co.uk")
		require.NoError(t, err)
		require.Equal(t, want, got)
		_, err = f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound, "the old domain is released")
		got, err = f.s.Organization(f.ctx, globex.ID)
		require.NoError(t, err)
		require.Equal(t, globex, got, "other organizations are untouched")

		// The released domain can be claimed again.
		again := f.org("Acme Again", "acme.com")
		got, err = f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.NoError(t, err)
		require.Equal(t, again, got)
	}},
	{"UpdateOrganization rejects a domain another organization claims with ErrDomainTaken", func(t *testing.T, f *fixture) {
		acme := f.org("Acme", "acme.com")
		globex := f.org("Globex", "globex.com")
		for _, o := range []tenancy.Organization{acme, f.org("No Domain", "")} {
			change := o
			change.Name = "Changed"
			change.Domain = globex.Domain
			err := f.fail(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, change) })
			require.ErrorIs(t, err, tenancy.ErrDomainTaken)
			got, err := f.s.Organization(f.ctx, o.ID)
			require.NoError(t, err)
			require.Equal(t, o, got, "nothing changed")
		}
		got, err := f.s.OrganizationByDomain(f.ctx, globex.Domain)
		require.NoError(t, err)
		require.Equal(t, globex, got)
	}},
	{"UpdateOrganization keeps its own domain or releases it with the empty domain", func(t *testing.T, f *fixture) {
		acme := f.org("Acme", "acme.com")
		acme.Name = "Acme Corporation"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, acme) })
		got, err := f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.NoError(t, err)
		require.Equal(t, acme, got)

		acme.Domain = ""
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, acme) })
		got, err = f.s.Organization(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, acme, got)
		_, err = f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.OrganizationByDomain(f.ctx, "")
		require.ErrorIs(t, err, tenancy.ErrNotFound)

		// Another organization without a domain is no conflict; the
		// released domain moves to another organization.
		globex := f.org("Globex", "")
		globex.Domain = "acme.com"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, globex) })
		got, err = f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.NoError(t, err)
		require.Equal(t, globex, got)
	}},
	{"UpdateOrganization can clear the policy", func(t *testing.T, f *fixture) {
		o := f.newOrg("Acme", "acme.com")
		o.Policy = fullPolicy()
		f.update(func(tx tenancy.Tx) error { return tx.CreateOrganization(f.ctx, o) })
		o.Policy = tenancy.SecurityPolicy{}
		o.Billing = tenancy.Billing{}
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, o) })
		got, err := f.s.Organization(f.ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o, got)
	}},
	{"UpdateOrganization returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		err := f.fail(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, f.newOrg("Acme", "acme.com")) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"DeleteOrganization cascades to workspaces, memberships, invitations and org admins", func(t *testing.T, f *fixture) {
		ann, bob, cid := f.user("ann"), f.user("bob"), f.user("cid")
		acme := f.org("Acme", "acme.com", ann, bob)
		globex := f.org("Globex", "globex.com", bob)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		other := f.workspace(globex, "Other", bob)
		f.member(sales, ann, tenancy.RoleAdmin)
		f.member(ops, cid, tenancy.RoleMember)
		keptBob := f.member(other, bob, tenancy.RoleAdmin)
		keptCid := f.member(other, cid, tenancy.RoleMember)
		inv := f.invite(sales, "dee@example.com", tenancy.RoleMember, ann)
		keptInv := f.invite(other, "dee@example.com", tenancy.RoleMember, bob)
		ev := f.event(acme.ID, f.tick())

		f.update(func(tx tenancy.Tx) error { return tx.DeleteOrganization(f.ctx, acme.ID) })

		_, err := f.s.Organization(f.ctx, acme.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.OrganizationByDomain(f.ctx, acme.Domain)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		for _, w := range []tenancy.Workspace{sales, ops} {
			_, err = f.s.Workspace(f.ctx, w.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
			checkEmpty(t, listMembers(f, w.ID))
			checkEmpty(t, listInvitations(f, w.ID))
		}
		_, err = f.s.Member(f.ctx, ops.ID, cid.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Invitation(f.ctx, inv.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByTokenHash(f.ctx, inv.TokenHash)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		for _, u := range []tenancy.User{ann, bob} {
			admin, err := f.s.IsOrgAdmin(f.ctx, acme.ID, u.ID)
			require.NoError(t, err)
			require.False(t, admin)
		}
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		n, err = f.s.CountSeats(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		checkEmpty(t, listOrgUsers(f, acme.ID))
		checkEmpty(t, listOrgWorkspaces(f, acme.ID, ann.ID, false))
		checkEmpty(t, listUserMemberships(f, ann.ID))
		orgs, err := f.s.AdminOrganizations(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Empty(t, orgs)
		_, err = f.s.AccessFacts(f.ctx, ann.ID, tenancy.InOrganization(acme.ID))
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		invs, err := f.s.ListInvitationsTo(f.ctx, "dee@example.com")
		require.NoError(t, err)
		require.Equal(t, []tenancy.Invitation{keptInv.Invitation}, invs)

		// Users, other organizations and the audit log stay.
		for _, u := range []tenancy.User{ann, bob, cid} {
			got, err := f.s.User(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
		}
		got, err := f.s.OrganizationByDomain(f.ctx, globex.Domain)
		require.NoError(t, err)
		require.Equal(t, globex, got)
		require.Equal(t, []tenancy.Member{keptBob, keptCid}, listFrom(t, 10, nil, listMembers(f, other.ID), memberCursor))
		gotInv, err := f.s.InvitationByTokenHash(f.ctx, keptInv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, keptInv, gotInv)
		orgs, err = f.s.AdminOrganizations(f.ctx, bob.ID)
		require.NoError(t, err)
		require.Equal(t, []tenancy.Organization{globex}, orgs)
		require.Equal(t, []tenancy.AuditEvent{ev}, listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor))

		// Its domain and names are free.
		again := f.org("Acme", "acme.com", ann)
		f.workspace(again, "Sales", ann)
	}},
	{"DeleteOrganization returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		acme := f.org("Acme", "acme.com")
		err := f.fail(func(tx tenancy.Tx) error { return tx.DeleteOrganization(f.ctx, uuid.New()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteOrganization(f.ctx, acme.ID) })
		err = f.fail(func(tx tenancy.Tx) error { return tx.DeleteOrganization(f.ctx, acme.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "deleted twice")
	}},
	{"returned organizations are copies", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		o := f.newOrg("Acme", "acme.com")
		o.Policy = fullPolicy()
		want := o.Clone()
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateOrganization(f.ctx, o))
			return tx.AddOrgAdmin(f.ctx, o.ID, ann.ID, f.tick())
		})
		scribble(&o.Policy) // the caller's value after the call

		read := func() []tenancy.Organization {
			byID, err := f.s.Organization(f.ctx, o.ID)
			require.NoError(t, err)
			byDomain, err := f.s.OrganizationByDomain(f.ctx, o.Domain)
			require.NoError(t, err)
			admin, err := f.s.AdminOrganizations(f.ctx, ann.ID)
			require.NoError(t, err)
			require.Len(t, admin, 1)
			return []tenancy.Organization{byID, byDomain, admin[0]}
		}
		for _, got := range read() {
			require.Equal(t, want, got)
			scribble(&got.Policy)
		}
		for _, got := range read() {
			require.Equal(t, want, got)
		}

		update := want.Clone()
		update.Name = "Acme Corporation"
		wantUpdated := update.Clone()
		f.update(func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, update) })
		scribble(&update.Policy)
		for _, got := range read() {
			require.Equal(t, wantUpdated, got)
		}
	}},
}

// scribble overwrites the elements of a policy's slices in place.
func scribble(p *tenancy.SecurityPolicy) {
	for i := range p.AllowedIPs {
		p.AllowedIPs[i] = netip.MustParsePrefix("10.0.0.0/8")
	}
	for i := range p.AllowedEmailDomains {
		p.AllowedEmailDomains[i] = "scribbled.example"
	}
	for i := range p.AutoJoin.Workspaces {
		p.AutoJoin.Workspaces[i] = uuid.Nil
	}
	for i := range p.AutoJoin.Domains {
		p.AutoJoin.Domains[i] = "scribbled.example"
	}
}

var orgAdminTests = []test{
	{"AddOrgAdmin grants the role", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com")
		globex := f.org("Globex", "globex.com", bob)
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Zero(t, n)

		f.admin(acme, ann)
		ok, err := f.s.IsOrgAdmin(f.ctx, acme.ID, ann.ID)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = f.s.IsOrgAdmin(f.ctx, acme.ID, bob.ID)
		require.NoError(t, err)
		require.False(t, ok)
		ok, err = f.s.IsOrgAdmin(f.ctx, globex.ID, ann.ID)
		require.NoError(t, err)
		require.False(t, ok, "admin of another organization")

		f.admin(acme, bob)
		n, err = f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		n, err = f.s.CountOrgAdmins(f.ctx, globex.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}},
	{"AddOrgAdmin rejects a duplicate with ErrAlreadyExists", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(f.ctx, acme.ID, ann.ID, f.tick()) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}},
	{"AddOrgAdmin returns ErrNotFound for a missing user or organization", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com")
		err := f.fail(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(f.ctx, acme.ID, uuid.New(), f.tick()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		err = f.fail(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(f.ctx, uuid.New(), ann.ID, f.tick()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Zero(t, n)
	}},
	{"RemoveOrgAdmin revokes the role", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann, bob)
		globex := f.org("Globex", "globex.com", ann)
		f.update(func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(f.ctx, acme.ID, ann.ID) })
		ok, err := f.s.IsOrgAdmin(f.ctx, acme.ID, ann.ID)
		require.NoError(t, err)
		require.False(t, ok)
		ok, err = f.s.IsOrgAdmin(f.ctx, globex.ID, ann.ID)
		require.NoError(t, err)
		require.True(t, ok, "the role in another organization stays")
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		f.admin(acme, ann) // and it can be granted again
		n, err = f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
	}},
	{"RemoveOrgAdmin returns ErrNotFound when not an admin", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		for name, ids := range map[string][2]uuid.UUID{
			"not an admin":         {acme.ID, bob.ID},
			"missing user":         {acme.ID, uuid.New()},
			"missing organization": {uuid.New(), ann.ID},
		} {
			err := f.fail(func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(f.ctx, ids[0], ids[1]) })
			require.ErrorIs(t, err, tenancy.ErrNotFound, name)
		}
		f.update(func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(f.ctx, acme.ID, ann.ID) })
		err := f.fail(func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(f.ctx, acme.ID, ann.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "removed twice")
	}},
	{"AdminOrganizations orders by name then ID", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		var want []tenancy.Organization
		for _, name := range []string{"Zeta", "Beta", "Acme", "Beta", "Mu"} {
			want = append(want, f.org(name, "", ann))
		}
		f.org("Other", "", bob)
		shared := f.org("Shared", "shared.com", bob, ann)
		want = append(want, shared)
		want = sortByKey(want, func(o tenancy.Organization) tenancy.Cursor { return tenancy.Cursor{Key: o.Name, ID: o.ID} })
		got, err := f.s.AdminOrganizations(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, "Acme", got[0].Name)

		carl := f.user("carl")
		got, err = f.s.AdminOrganizations(f.ctx, carl.ID)
		require.NoError(t, err)
		require.Empty(t, got)
	}},
	{"ListOrgUsers lists distinct users with their roles", func(t *testing.T, f *fixture) {
		adminOnly := f.user("ann")
		both := f.user("bob")
		memberTwice := f.user("cid")
		outsider := f.user("dee")
		nobody := f.user("eve")
		acme := f.org("Acme", "acme.com", adminOnly, both)
		globex := f.org("Globex", "globex.com", outsider)
		sales := f.workspace(acme, "Sales", both)
		ops := f.workspace(acme, "Ops", both)
		elsewhere := f.workspace(globex, "Sales", outsider)
		f.member(sales, both, tenancy.RoleAdmin)
		f.member(sales, memberTwice, tenancy.RoleMember)
		f.member(ops, memberTwice, tenancy.RoleAdmin)
		f.member(elsewhere, outsider, tenancy.RoleAdmin)
		f.member(elsewhere, nobody, tenancy.RoleMember)

		want := []tenancy.OrgUser{
			{User: adminOnly, OrgAdmin: true},
			{User: both, OrgAdmin: true, Workspaces: 1},
			{User: memberTwice, Workspaces: 2},
		}
		checkPaging(t, want, listOrgUsers(f, acme.ID), orgUserCursor)
		n, err := f.s.CountSeats(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 3, n)

		empty := f.org("Empty", "")
		checkEmpty(t, listOrgUsers(f, empty.ID))
		n, err = f.s.CountSeats(f.ctx, empty.ID)
		require.NoError(t, err)
		require.Zero(t, n)
	}},
	{"ListOrgUsers pages by email then ID, stable under inserts", func(t *testing.T, f *fixture) {
		owner := f.user("a00")
		acme := f.org("Acme", "acme.com", owner)
		ws := f.workspace(acme, "Main", owner)
		want := []tenancy.OrgUser{{User: owner, OrgAdmin: true}}
		for _, local := range seq("m", 5) {
			want = append(want, tenancy.OrgUser{User: f.user(local), Workspaces: 1})
		}
		// Insert in an order unrelated to the emails.
		for _, i := range []int{3, 1, 5, 2, 4} {
			f.member(ws, want[i].User, tenancy.RoleMember)
		}
		checkPaging(t, want, listOrgUsers(f, acme.ID), orgUserCursor)

		first := firstPage(t, 2, listOrgUsers(f, acme.ID))
		require.Equal(t, want[:2], first)
		before := f.user("b00") // sorts before the cursor
		after := f.user("z00")  // sorts after it
		f.member(ws, before, tenancy.RoleMember)
		f.admin(acme, after)
		c := orgUserCursor(first[1])
		rest := listFrom(t, 2, &c, listOrgUsers(f, acme.ID), orgUserCursor)
		require.Equal(t, append(want[2:], tenancy.OrgUser{User: after, OrgAdmin: true}), rest)
	}},
	{"CountSeats counts distinct users holding any role", func(t *testing.T, f *fixture) {
		ann, bob, cid, dee := f.user("ann"), f.user("bob"), f.user("cid"), f.user("dee")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", dee)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		other := f.workspace(globex, "Other", dee)
		seats := func(o tenancy.Organization) int {
			t.Helper()
			n, err := f.s.CountSeats(f.ctx, o.ID)
			require.NoError(t, err)
			return n
		}
		require.Equal(t, 1, seats(acme))
		f.member(sales, ann, tenancy.RoleAdmin) // admin and member: one seat
		require.Equal(t, 1, seats(acme))
		f.member(sales, bob, tenancy.RoleMember)
		f.member(ops, bob, tenancy.RoleAdmin) // two workspaces: one seat
		require.Equal(t, 2, seats(acme))
		f.member(other, cid, tenancy.RoleMember) // another organization
		require.Equal(t, 2, seats(acme))
		require.Equal(t, 2, seats(globex))
		f.member(ops, cid, tenancy.RoleMember)
		require.Equal(t, 3, seats(acme))

		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, sales.ID, bob.ID) })
		require.Equal(t, 3, seats(acme), "bob is still in ops")
		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, ops.ID, bob.ID) })
		require.Equal(t, 2, seats(acme), "bob holds no role left")
		f.update(func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(f.ctx, acme.ID, ann.ID) })
		require.Equal(t, 2, seats(acme), "ann is still a member of sales")
		f.update(func(tx tenancy.Tx) error { return tx.RemoveMember(f.ctx, sales.ID, ann.ID) })
		require.Equal(t, 1, seats(acme))
		assert.Equal(t, 2, seats(globex))
	}},
}

func listOrgUsers(f *fixture, orgID uuid.UUID) fetchFunc[tenancy.OrgUser] {
	return func(q tenancy.PageQuery) ([]tenancy.OrgUser, error) { return f.s.ListOrgUsers(f.ctx, orgID, q) }
}

package tenancy_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestOperatorCreatesOrganizationWithoutDomain(t *testing.T) {
	f := newFixture(t)
	bob := f.user("bob@gmail.com")
	op := f.svc.Operator()
	o1, err := op.CreateOrganization(f.ctx, "  Bob's Agency ", "", bob.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Bob's Agency", o1.Name)
	assert.Empty(t, o1.Domain)
	assert.Equal(t, f.clock(), o1.CreatedAt)
	o2, err := op.CreateOrganization(f.ctx, "Second", "", bob.UserID)
	require.NoError(t, err, "several organizations may claim no domain")
	assert.NotEqual(t, o1.ID, o2.ID)

	orgs, err := f.svc.AdminOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Len(t, orgs, 2)
	read, err := f.svc.Organization(f.ctx, bob, o1.ID)
	require.NoError(t, err)
	assert.Equal(t, o1, read)
	ws, err := f.svc.CreateWorkspace(f.ctx, bob, o1.ID, "Clients")
	require.NoError(t, err, "the admin is an Organization Admin")

	log, err := f.svc.AuditLog(f.ctx, bob, o1.ID, tenancy.Page{})
	require.NoError(t, err)
	var ops []tenancy.AuditEvent
	for _, e := range log.Items {
		if e.WorkspaceID != ws.ID {
			ops = append(ops, e)
		}
	}
	require.Len(t, ops, 2)
	assert.Equal(t, tenancy.EventOrgAdminGranted, ops[0].Action)
	assert.Equal(t, bob.UserID, ops[0].TargetID)
	assert.Equal(t, tenancy.EventOrganizationCreated, ops[1].Action)
	assert.Equal(t, o1.ID, ops[1].TargetID)
	for _, e := range ops {
		assert.Equal(t, uuid.Nil, e.ActorID, "operator events have no actor")
		assert.Equal(t, o1.ID, e.OrgID)
		assert.Equal(t, "operator", e.Details["by"])
	}
}

func TestOperatorCreatesOrganizationWithDomain(t *testing.T) {
	cases := []struct{ in, want string }{
		{"initech.com", "initech.com"},
		{" INITECH.Com ", "initech.com"},
		{"initech.co.uk", "initech.co.uk"},
		{"Bücher.DE", "xn--bcher-kva.de"},
		{"xn--bcher-kva.de", "xn--bcher-kva.de"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			f := newFixture(t)
			bob := f.user("bob@gmail.com")
			o, err := f.svc.Operator().CreateOrganization(f.ctx, "Initech", c.in, bob.UserID)
			require.NoError(t, err)
			assert.Equal(t, c.want, o.Domain)
			assert.Equal(t, "Initech", o.Name)
			byDomain, err := f.store.OrganizationByDomain(f.ctx, c.want)
			require.NoError(t, err)
			assert.Equal(t, o.ID, byDomain.ID)
		})
	}
}

func TestOperatorClaimedDomainBlocksSignUpOrganization(t *testing.T) {
	f := newFixture(t)
	bob := f.user("bob@gmail.com")
	o, err := f.svc.Operator().CreateOrganization(f.ctx, "Initech", "initech.com", bob.UserID)
	require.NoError(t, err)
	for _, email := range []string{"peter@initech.com", "milton@basement.initech.com"} {
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		require.NoError(t, err)
		assert.False(t, res.CreatedOrganization, email)
		assert.Nil(t, res.Organization, email)
	}
	ws := f.workspace(bob, o.ID, "TPS")
	_, err = f.svc.SetSecurityPolicy(f.ctx, bob, o.ID, tenancy.SecurityPolicy{AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}}})
	require.NoError(t, err)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "samir@initech.com", EmailVerified: true})
	require.NoError(t, err)
	require.NotNil(t, res.Organization, "auto-join applies to the operator's organization too")
	assert.Equal(t, o.ID, res.Organization.ID)
	assert.False(t, res.CreatedOrganization)
}

func TestOperatorDomainTaken(t *testing.T) {
	f := newFixture(t)
	f.founder("ann@acme.com")
	bob := f.user("bob@gmail.com")
	op := f.svc.Operator()
	_, err := op.CreateOrganization(f.ctx, "Initech", "initech.com", bob.UserID)
	require.NoError(t, err)
	for _, d := range []string{"acme.com", "ACME.COM", "initech.com", "Initech.Com"} {
		err := f.unchanged(uuid.Nil, func() error {
			_, err := op.CreateOrganization(f.ctx, "Copy", d, bob.UserID)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrDomainTaken, d)
	}
	orgs, err := f.svc.AdminOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Len(t, orgs, 1)
}

func TestOperatorRejects(t *testing.T) {
	f := newFixture(t)
	bob := f.user("bob@gmail.com")
	cases := []struct {
		name, orgName, domain string
		admin                 uuid.UUID
		want                  error
	}{
		{"personal provider", "X", "gmail.com", bob.UserID, tenancy.ErrInvalidInput},
		{"personal provider, other case", "X", "Outlook.COM", bob.UserID, tenancy.ErrInvalidInput},
		{"disposable provider", "X", "mailinator.com", bob.UserID, tenancy.ErrInvalidInput},
		{"subdomain", "X", "eng.acme.com", bob.UserID, tenancy.ErrInvalidInput},
		{"subdomain of a country suffix", "X", "eng.acme.co.uk", bob.UserID, tenancy.ErrInvalidInput},
		{"private suffix", "X", "ann.github.io", bob.UserID, tenancy.ErrInvalidInput},
		{"private suffix itself", "X", "github.io", bob.UserID, tenancy.ErrInvalidInput},
		{"public suffix itself", "X", "co.uk", bob.UserID, tenancy.ErrInvalidInput},
		{"unknown TLD", "X", "acme.notarealtld", bob.UserID, tenancy.ErrInvalidInput},
		{"single label", "X", "localhost", bob.UserID, tenancy.ErrInvalidInput},
		{"IP address", "X", "192.0.2.1", bob.UserID, tenancy.ErrInvalidInput},
		{"IP literal", "X", "[192.0.2.1]", bob.UserID, tenancy.ErrInvalidInput},
		{"empty label", "X", "acme..com", bob.UserID, tenancy.ErrInvalidInput},
		{"trailing dot", "X", "acme.com.", bob.UserID, tenancy.ErrInvalidInput},
		{"white space", "X", "ac me.com", bob.UserID, tenancy.ErrInvalidInput},
		{"an address", "X", "ann@acme.com", bob.UserID, tenancy.ErrInvalidInput},
		{"a URL", "X", "https://acme.com", bob.UserID, tenancy.ErrInvalidInput},
		{"empty name", " ", "acme.com", bob.UserID, tenancy.ErrInvalidInput},
		{"name with control character", "Ac\x07me", "", bob.UserID, tenancy.ErrInvalidInput},
		{"unknown admin", "X", "", uuid.New(), tenancy.ErrNotFound},
		{"unknown admin with domain", "X", "acme.com", uuid.New(), tenancy.ErrNotFound},
		{"nil admin", "X", "", uuid.Nil, tenancy.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.unchanged(uuid.Nil, func() error {
				_, err := f.svc.Operator().CreateOrganization(f.ctx, c.orgName, c.domain, c.admin)
				return err
			})
			require.ErrorIs(t, err, c.want)
		})
	}
	orgs, err := f.svc.AdminOrganizations(f.ctx, bob.UserID)
	require.NoError(t, err)
	assert.Empty(t, orgs)
	_, err = f.store.OrganizationByDomain(f.ctx, "acme.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound, "a failed creation claims nothing")
}

package tenancy_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// Only an address at its organization domain creates the organization.
func TestSubdomainMailboxesNeverClaimTheCompany(t *testing.T) {
	f := newFixture(t)
	for _, email := range []string{"1+ann@users.noreply.github.com", "ann@eng.acme.co.uk", "x@a.b.initech.com"} {
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		require.NoError(t, err, email)
		assert.False(t, res.CreatedOrganization, email)
		assert.Nil(t, res.Organization, email)
	}
	for _, d := range []string{"github.com", "acme.co.uk", "initech.com"} {
		_, err := f.store.OrganizationByDomain(f.ctx, d)
		require.ErrorIs(t, err, tenancy.ErrNotFound, d)
	}
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "root@acme.co.uk", EmailVerified: true})
	require.NoError(t, err)
	assert.True(t, res.CreatedOrganization, "the domain itself still can")
}

func TestAutoJoinDomains(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "All")
	for _, bad := range [][]string{{"acme.com"}, {"globex.com"}, {"notacme.com"}, {"x..acme.com"}} {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{
				AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}, Domains: bad}})
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, bad)
	}
	o, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}, Domains: []string{"EU.acme.com", "eu.acme.com"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"eu.acme.com"}, o.Policy.AutoJoin.Domains)

	join := func(email string, verified bool) int {
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: verified})
		require.NoError(t, err)
		return len(res.Joined)
	}
	assert.Equal(t, 1, join("a@acme.com", true))
	assert.Equal(t, 1, join("b@eu.acme.com", true))
	assert.Equal(t, 0, join("c@us.acme.com", true), "unlisted subdomain")
	assert.Equal(t, 0, join("d@x.eu.acme.com", true), "only the listed domain itself")
	assert.Equal(t, 0, join("e@eu.acme.com", false), "unverified")
}

func TestConcurrentConfirmEmailIsIdempotent(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "All")
	_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}}})
	require.NoError(t, err)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@acme.com"})
	require.NoError(t, err)
	before := f.eventCount()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.svc.ConfirmEmail(f.ctx, res.User.ID) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	confirmed := 0
	for _, e := range f.lastEvents(f.eventCount() - before) {
		if e.Action == tenancy.EventUserEmailConfirmed {
			confirmed++
		}
	}
	assert.Equal(t, 1, confirmed)
}

// Finding 6: a sign-up that auto-joins a workspace being deleted
// succeeds and skips it.
func TestSignUpRacingWorkspaceDeletion(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	mfa := owner
	for round := range 20 {
		ws := f.workspace(owner, org.ID, "Doomed "+uuid.NewString()[:8])
		_, err := f.svc.SetSecurityPolicy(f.ctx, mfa, org.ID, tenancy.SecurityPolicy{
			AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{ws.ID}}})
		require.NoError(t, err)
		var wg sync.WaitGroup
		var res tenancy.SignUpResult
		var signUpErr, deleteErr error
		wg.Go(func() {
			res, signUpErr = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{
				Email: "u" + uuid.NewString()[:8] + "@acme.com", EmailVerified: true})
		})
		wg.Go(func() { deleteErr = f.svc.DeleteWorkspace(f.ctx, owner, ws.ID) })
		wg.Wait()
		require.NoError(t, signUpErr, "round %d", round)
		require.NoError(t, deleteErr, "round %d", round)
		assert.LessOrEqual(t, len(res.Joined), 1)
		_, err = f.svc.User(f.ctx, res.User.ID)
		require.NoError(t, err)
	}
}

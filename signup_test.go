package tenancy_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestSignUpCreatesOrganizationForProfessionalDomain(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "Ann@Acme.co.UK", Name: " Ann ", EmailVerified: true})
	require.NoError(t, err)
	assert.Equal(t, "ann@acme.co.uk", res.User.Email)
	assert.Equal(t, "Ann", res.User.Name)
	assert.True(t, res.User.EmailVerified)
	require.NotNil(t, res.Organization)
	assert.True(t, res.CreatedOrganization)
	assert.Equal(t, "acme.co.uk", res.Organization.Domain)
	assert.Equal(t, "acme.co.uk", res.Organization.Name, "the default name is the domain")
	assert.Empty(t, res.Joined)

	admins, err := f.svc.AdminOrganizations(f.ctx, res.User.ID)
	require.NoError(t, err)
	require.Len(t, admins, 1)
	assert.Equal(t, res.Organization.ID, admins[0].ID)

	log, err := f.svc.AuditLog(f.ctx, f.actor(res.User.ID), res.Organization.ID, tenancy.Page{})
	require.NoError(t, err)
	var actions []string
	for _, e := range log.Items {
		actions = append(actions, e.Action)
	}
	assert.Equal(t, []string{tenancy.EventOrgAdminGranted, tenancy.EventOrganizationCreated, tenancy.EventUserSignedUp}, actions,
		"newest first")
}

func TestSignUpCreatesOnlyTheUser(t *testing.T) {
	cases := []struct {
		name, email string
		verified    bool
	}{
		{"free provider", "ann@gmail.com", true},
		{"free provider, other case", "ann@GoogleMail.COM", true},
		{"free provider country domain", "ann@yahoo.co.uk", true},
		{"free provider subdomain", "ann@mail.yahoo.co.uk", true},
		{"private mail provider", "ann@proton.me", true},
		{"disposable provider", "ann@mailinator.com", true},
		{"private public suffix", "ann@ann.github.io", true},
		{"private public suffix, app host", "x@app.herokuapp.com", true},
		{"unknown TLD", "ann@acme.notarealtld", true},
		{"unverified professional address", "ann@acme.com", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: c.email, EmailVerified: c.verified})
			require.NoError(t, err)
			assert.Nil(t, res.Organization)
			assert.False(t, res.CreatedOrganization)
			orgs, err := f.svc.AdminOrganizations(f.ctx, res.User.ID)
			require.NoError(t, err)
			assert.Empty(t, orgs)
			u, err := f.svc.User(f.ctx, res.User.ID)
			require.NoError(t, err)
			assert.Equal(t, res.User, u)
		})
	}
}

func TestSignUpClaimedDomainCreatesNoSecondOrganization(t *testing.T) {
	f := newFixture(t)
	_, org := f.founder("ann@acme.com")
	for _, email := range []string{"bob@acme.com", "carl@ACME.com", "dina@eu.acme.com"} {
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		require.NoError(t, err, email)
		assert.Nil(t, res.Organization, email)
		assert.False(t, res.CreatedOrganization, email)
	}
	seats, err := f.svc.Seats(f.ctx, f.actor(mustAdmin(t, f, org.ID)), org.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, seats, "colleagues hold no role until invited")
}

func mustAdmin(t *testing.T, f *fixture, orgID uuid.UUID) uuid.UUID {
	t.Helper()
	users, err := f.store.ListOrgUsers(f.ctx, orgID, tenancy.PageQuery{Limit: 100})
	require.NoError(t, err)
	for _, u := range users {
		if u.OrgAdmin {
			return u.User.ID
		}
	}
	t.Fatal("organization has no admin")
	return uuid.Nil
}

func TestSignUpIDNDomain(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ann@Bücher.de", EmailVerified: true})
	require.NoError(t, err)
	require.NotNil(t, res.Organization)
	assert.Equal(t, "xn--bcher-kva.de", res.Organization.Domain)
	res, err = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@xn--bcher-kva.de", EmailVerified: true})
	require.NoError(t, err)
	assert.Nil(t, res.Organization, "the punycode spelling is the same domain")
}

func TestSignUpRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	for _, email := range []string{"", "ann", "Ann <ann@acme.com>", "ann@acme.com, bob@acme.com", "ann@[10.0.0.1]", "ann@localhost", "ann@acme.com."} {
		_, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		require.ErrorIs(t, err, tenancy.ErrInvalidEmail, email)
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, email)
	}
	_, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann\x00", EmailVerified: true})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	_, err = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: string(make([]rune, 201)), EmailVerified: true})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	assert.Zero(t, f.eventCount(), "nothing was written")
	_, err = f.store.UserByEmail(f.ctx, "ann@acme.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestSignUpDuplicateEmail(t *testing.T) {
	f := newFixture(t)
	f.founder("ann@acme.com")
	n := f.eventCount()
	_, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ANN@acme.com", EmailVerified: true})
	require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	assert.Equal(t, n, f.eventCount())
}

func TestConfirmEmailAppliesOrganizationRules(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ann@acme.com"})
	require.NoError(t, err)
	require.Nil(t, res.Organization, "an unverified address claims nothing")
	assert.False(t, res.User.EmailVerified)

	// Someone else cannot squat the domain meanwhile without verifying.
	conf, err := f.svc.ConfirmEmail(f.ctx, res.User.ID)
	require.NoError(t, err)
	assert.True(t, conf.User.EmailVerified)
	require.NotNil(t, conf.Organization)
	assert.True(t, conf.CreatedOrganization)
	assert.Equal(t, "acme.com", conf.Organization.Domain)

	n := f.eventCount()
	again, err := f.svc.ConfirmEmail(f.ctx, res.User.ID)
	require.NoError(t, err)
	assert.Nil(t, again.Organization, "confirming twice does nothing")
	assert.Equal(t, n, f.eventCount())

	_, err = f.svc.ConfirmEmail(f.ctx, uuid.New())
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestConfirmEmailOfClaimedDomainJoinsNothing(t *testing.T) {
	f := newFixture(t)
	f.founder("ann@acme.com")
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@acme.com"})
	require.NoError(t, err)
	conf, err := f.svc.ConfirmEmail(f.ctx, res.User.ID)
	require.NoError(t, err)
	assert.Nil(t, conf.Organization)
	assert.False(t, conf.CreatedOrganization)
}

func TestConcurrentFirstSignUpsCreateOneOrganization(t *testing.T) {
	f := newFixture(t)
	const n = 64
	var wg sync.WaitGroup
	results := make([]tenancy.SignUpResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{
				Email: fmt.Sprintf("user%d@example.com", i), EmailVerified: true})
		})
	}
	wg.Wait()
	created := 0
	var orgID uuid.UUID
	for i := range n {
		require.NoError(t, errs[i])
		if results[i].CreatedOrganization {
			created++
			orgID = results[i].Organization.ID
		}
	}
	require.Equal(t, 1, created, "exactly one organization for the domain")
	org, err := f.store.OrganizationByDomain(f.ctx, "example.com")
	require.NoError(t, err)
	assert.Equal(t, orgID, org.ID)
	admins, err := f.store.CountOrgAdmins(f.ctx, orgID)
	require.NoError(t, err)
	assert.Equal(t, 1, admins)
}

func TestAutoJoin(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	eng := f.workspace(admin, org.ID, "Engineering")
	sales := f.workspace(admin, org.ID, "Sales")
	_ = f.workspace(admin, org.ID, "Board")
	_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{eng.ID, sales.ID}, Domains: []string{"Dev.Acme.com"}}})
	require.NoError(t, err)

	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@dev.acme.com", EmailVerified: true})
	require.NoError(t, err)
	require.NotNil(t, res.Organization)
	assert.Equal(t, org.ID, res.Organization.ID)
	assert.False(t, res.CreatedOrganization)
	require.Len(t, res.Joined, 2)
	for _, m := range res.Joined {
		assert.Equal(t, tenancy.RoleMember, m.Role)
		assert.Equal(t, res.User.ID, m.UserID)
	}
	list, err := f.svc.UserWorkspaces(f.ctx, res.User.ID, tenancy.Page{})
	require.NoError(t, err)
	require.Len(t, list.Items, 2)
	assert.Equal(t, "Engineering", list.Items[0].Workspace.Name)
	assert.Equal(t, "Sales", list.Items[1].Workspace.Name)

	t.Run("unverified addresses do not auto-join", func(t *testing.T) {
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "eve@acme.com"})
		require.NoError(t, err)
		assert.Empty(t, res.Joined)
		assert.Nil(t, res.Organization)
	})
	t.Run("deleted workspaces are dropped from the policy", func(t *testing.T) {
		require.NoError(t, f.svc.DeleteWorkspace(f.ctx, admin, sales.ID))
		o, err := f.svc.Organization(f.ctx, admin, org.ID)
		require.NoError(t, err)
		assert.Equal(t, []uuid.UUID{eng.ID}, o.Policy.AutoJoin.Workspaces)
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "carl@acme.com", EmailVerified: true})
		require.NoError(t, err)
		require.Len(t, res.Joined, 1)
		assert.Equal(t, eng.ID, res.Joined[0].WorkspaceID)
	})
	t.Run("with an admin role", func(t *testing.T) {
		_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
			AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{eng.ID}, Role: tenancy.RoleAdmin}})
		require.NoError(t, err)
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "dan@acme.com", EmailVerified: true})
		require.NoError(t, err)
		require.Len(t, res.Joined, 1)
		assert.Equal(t, tenancy.RoleAdmin, res.Joined[0].Role)
	})
	t.Run("allowed email domains exclude the address", func(t *testing.T) {
		_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
			AllowedEmailDomains: []string{"corp.acme.com"},
			AutoJoin:            tenancy.AutoJoin{Workspaces: []uuid.UUID{eng.ID}, Domains: []string{"corp.acme.com"}}})
		require.NoError(t, err)
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "fay@acme.com", EmailVerified: true})
		require.NoError(t, err)
		assert.Empty(t, res.Joined)
		res, err = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "gus@corp.acme.com", EmailVerified: true})
		require.NoError(t, err)
		assert.Len(t, res.Joined, 1)
	})
}

func TestEventHandlerRunsAfterCommitInOrder(t *testing.T) {
	f := newFixture(t)
	u, org := f.signUp("ann@acme.com")
	events := f.lastEvents(3)
	assert.Equal(t, tenancy.EventUserSignedUp, events[0].Action)
	assert.Equal(t, tenancy.EventOrganizationCreated, events[1].Action)
	assert.Equal(t, tenancy.EventOrgAdminGranted, events[2].Action)
	for _, e := range events {
		assert.Equal(t, org.ID, e.OrgID)
		assert.Equal(t, u.ID, e.ActorID)
		assert.Equal(t, f.clock(), e.At)
		assert.NotEqual(t, uuid.Nil, e.ID)
	}
	assert.Equal(t, "ann@acme.com", events[0].Details["email"])
}

// TestSignUpReplacesAnUnverifiedHolder: someone typed the owner's address
// first, unverified, and got into a workspace, inviting a friend. The
// owner's verified sign-up with ReplaceUnverified erases that account in
// the same transaction, its roles and its invitations with it, and keeps
// the invitations to the address, which are the owner's.
func TestSignUpReplacesAnUnverifiedHolder(t *testing.T) {
	f := newFixture(t)
	olga, globex := f.founder("olga@globex.com")
	partners := f.workspace(olga, globex.ID, "Partners")
	squat, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ceo@acme.com", ExternalID: "password|mallory"})
	require.NoError(t, err)
	mallory := f.actor(squat.User.ID)
	f.member(olga, partners.ID, mallory, tenancy.RoleAdmin)
	_, friendToken, err := f.svc.Invite(f.ctx, mallory, partners.ID, "friend@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	board := f.workspace(olga, globex.ID, "Board")
	_, ownerToken, err := f.svc.Invite(f.ctx, olga, board.ID, "ceo@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	owner := tenancy.SignUpRequest{Email: "ceo@acme.com", EmailVerified: true, ExternalID: "oidc|ceo"}

	for _, r := range []tenancy.SignUpRequest{
		owner, // without ReplaceUnverified
		{Email: owner.Email, ReplaceUnverified: true}, // unverified itself
	} {
		err := f.unchanged(globex.ID, func() error { _, err := f.svc.SignUp(f.ctx, r); return err })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	}

	owner.ReplaceUnverified = true
	res, err := f.svc.SignUp(f.ctx, owner)
	require.NoError(t, err)
	assert.Equal(t, squat.User.ID, res.Replaced)
	assert.True(t, res.CreatedOrganization, "the owner's verified address claims acme.com")
	_, err = f.svc.User(f.ctx, squat.User.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	_, err = f.svc.UserByExternalID(f.ctx, "password|mallory")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	assert.Equal(t, tenancy.Role(""), f.roleIn(partners.ID, squat.User.ID))
	e := lastAction(t, f, globex.ID, tenancy.EventUserDeleted)
	assert.Equal(t, squat.User.ID, e.TargetID)
	assert.Equal(t, tenancy.ReasonReplacedByVerifiedSignUp, e.Details[tenancy.DetailReason])

	friend := f.user("friend@gmail.com")
	_, err = f.svc.AcceptInvitation(f.ctx, friend, friendToken)
	require.ErrorIs(t, err, tenancy.ErrInvitation, "the erased account's invitation went with it")
	m, err := f.svc.AcceptInvitation(f.ctx, f.actor(res.User.ID), ownerToken)
	require.NoError(t, err, "the invitation to the address stayed for its owner")
	assert.Equal(t, res.User.ID, m.UserID)

	// A verified holder is the owner already: nothing is replaced.
	res2, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: owner.Email, EmailVerified: true, ReplaceUnverified: true})
	require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	assert.Equal(t, uuid.Nil, res2.Replaced)
	_, err = f.svc.User(f.ctx, res.User.ID)
	require.NoError(t, err)
}

// TestSignUpKeepsAnUnverifiedLastAdmin: erasing the holder would leave a
// workspace without an Admin, so the replacing sign-up fails and changes
// nothing.
func TestSignUpKeepsAnUnverifiedLastAdmin(t *testing.T) {
	f := newFixture(t)
	olga, globex := f.founder("olga@globex.com")
	partners := f.workspace(olga, globex.ID, "Partners")
	squat, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ceo@acme.com"})
	require.NoError(t, err)
	f.member(olga, partners.ID, f.actor(squat.User.ID), tenancy.RoleAdmin)
	require.NoError(t, f.svc.RemoveMember(f.ctx, olga, partners.ID, olga.UserID))

	err = f.unchanged(globex.ID, func() error {
		_, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ceo@acme.com", EmailVerified: true, ReplaceUnverified: true})
		return err
	})
	require.ErrorIs(t, err, tenancy.ErrLastAdmin)
	u, err := f.svc.User(f.ctx, squat.User.ID)
	require.NoError(t, err)
	assert.False(t, u.EmailVerified)
	_, err = f.store.OrganizationByDomain(f.ctx, "acme.com")
	require.ErrorIs(t, err, tenancy.ErrNotFound, "the failed sign-up claimed nothing")
}

// TestConfirmEmailRacingAReplacingSignUp: the holder confirming its
// address and the owner's replacing sign-up race; exactly one wins.
func TestConfirmEmailRacingAReplacingSignUp(t *testing.T) {
	f := newFixture(t)
	const n = 16
	for i := range n {
		email := fmt.Sprintf("user%d@gmail.com", i)
		squat, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email})
		require.NoError(t, err)
		var wg sync.WaitGroup
		var confirmErr, signUpErr error
		var res tenancy.SignUpResult
		wg.Go(func() { _, confirmErr = f.svc.ConfirmEmail(f.ctx, squat.User.ID) })
		wg.Go(func() {
			res, signUpErr = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true, ReplaceUnverified: true})
		})
		wg.Wait()
		holder, err := f.svc.UserByEmail(f.ctx, email)
		require.NoError(t, err)
		require.True(t, holder.EmailVerified)
		if signUpErr == nil {
			require.ErrorIs(t, confirmErr, tenancy.ErrNotFound, "the confirmation came too late")
			assert.Equal(t, squat.User.ID, res.Replaced)
			assert.Equal(t, res.User.ID, holder.ID)
		} else {
			require.ErrorIs(t, signUpErr, tenancy.ErrAlreadyExists)
			require.NoError(t, confirmErr)
			assert.Equal(t, squat.User.ID, holder.ID, "the confirmed holder stays")
		}
	}
}

package tenancy_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/internal/storetesting"
)

// opsWorld is the population most races start from: Ann founded Acme
// and its Ops workspace, where Bob is a member.
type opsWorld struct {
	s        *pauseStore
	f        *fixture
	ann, bob tenancy.Actor
	org      tenancy.Organization
	ops      tenancy.Workspace
}

// newOpsWorld populates an opsWorld over a pauseStore that pauses after
// the calls named in at.
func newOpsWorld(t *testing.T, at ...string) opsWorld {
	w := opsWorld{s: newPauseStore(t, at...)}
	w.f = newFixtureOn(t, w.s)
	w.ann, w.org = w.f.founder("ann@acme.com")
	w.ops = w.f.workspace(w.ann, w.org.ID, "Ops")
	w.bob = w.f.user("bob@acme.com")
	w.f.member(w.ann, w.ops.ID, w.bob, tenancy.RoleMember)
	return w
}

// pauseKey marks the context of the transaction a pauseStore pauses.
type pauseKey struct{}

// pauseStore pauses the transactions whose context carries pauseKey once,
// after the first of the calls named in at returns, until release is
// closed; paused is closed when it pauses. It lets a test run a second
// operation in the middle of the first.
type pauseStore struct {
	tenancy.Store
	at              map[string]bool
	once            sync.Once
	paused, release chan struct{}
}

func newPauseStore(t *testing.T, at ...string) *pauseStore {
	s := &pauseStore{Store: storetesting.Open(t, storetesting.Kind()), at: map[string]bool{},
		paused: make(chan struct{}), release: make(chan struct{})}
	for _, name := range at {
		s.at[name] = true
	}
	return s
}

func (s *pauseStore) Update(ctx context.Context, fn func(tenancy.Tx) error) error {
	if ctx.Value(pauseKey{}) == nil {
		return s.Store.Update(ctx, fn)
	}
	return s.Store.Update(ctx, func(tx tenancy.Tx) error { return fn(pauseTx{tx, s}) })
}

type pauseTx struct {
	tenancy.Tx
	s *pauseStore
}

func (t pauseTx) after(name string) {
	if t.s.at[name] {
		t.s.once.Do(func() {
			close(t.s.paused)
			<-t.s.release
		})
	}
}

func (t pauseTx) User(ctx context.Context, id uuid.UUID) (tenancy.User, error) {
	defer t.after("User")
	return t.Tx.User(ctx, id)
}

func (t pauseTx) LockUser(ctx context.Context, id uuid.UUID) (tenancy.User, error) {
	defer t.after("LockUser")
	return t.Tx.LockUser(ctx, id)
}

func (t pauseTx) UpdateUser(ctx context.Context, u tenancy.User) error {
	defer t.after("UpdateUser")
	return t.Tx.UpdateUser(ctx, u)
}

func (t pauseTx) OrganizationByDomain(ctx context.Context, domain string) (tenancy.Organization, error) {
	defer t.after("OrganizationByDomain")
	return t.Tx.OrganizationByDomain(ctx, domain)
}

func (t pauseTx) ListInvitationsBy(ctx context.Context, orgID, inviterID uuid.UUID) ([]tenancy.Invitation, error) {
	defer t.after("ListInvitationsBy")
	return t.Tx.ListInvitationsBy(ctx, orgID, inviterID)
}

// during runs first with a context that pauses it (see pauseStore), then,
// once it has paused, second; it lets first go on a moment later, so that
// second, unless the store makes it wait, commits in between.
func during(s *pauseStore, ctx context.Context, first func(context.Context) error, second func() error) (firstErr, secondErr error) {
	var wg sync.WaitGroup
	wg.Go(func() { firstErr = first(context.WithValue(ctx, pauseKey{}, true)) })
	<-s.paused
	wg.Go(func() { secondErr = second() })
	time.Sleep(200 * time.Millisecond)
	close(s.release)
	wg.Wait()
	return firstErr, secondErr
}

// An invitation accepted while its invitee changes address: either the
// accept sees the new address and fails, or the membership holds the
// address its user has. (On PostgreSQL the accept read the old address
// and copied it into the membership after the change had rewritten the
// copies.)
func TestAcceptDuringChangeEmail(t *testing.T) {
	t.Parallel()
	s := newPauseStore(t, "UpdateUser")
	f := newFixtureOn(t, s)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Ops")
	bob := f.user("bob@gmail.com")
	_, token, err := f.svc.Invite(f.ctx, admin, ws.ID, "bob@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)

	changeErr, acceptErr := during(s, f.ctx, func(ctx context.Context) error {
		_, err := f.svc.ChangeEmail(ctx, bob.UserID, "bob@initech.com", false)
		return err
	}, func() error {
		_, err := f.svc.AcceptInvitation(f.ctx, bob, token)
		return err
	})
	require.NoError(t, changeErr)
	u, err := f.svc.User(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Equal(t, "bob@initech.com", u.Email)
	if acceptErr != nil {
		require.ErrorIs(t, acceptErr, tenancy.ErrInvitation)
		return
	}
	m, err := f.store.Member(f.ctx, ws.ID, bob.UserID)
	require.NoError(t, err)
	require.Equal(t, u.Email, m.Email, "the membership keeps an address its user no longer has")
}

// A user erased while it changes address: the erasure scrubs the address
// the user holds when it is deleted. (On PostgreSQL DeleteUser read the
// address before the change committed, and the user.email_changed event
// kept the new one.)
func TestDeleteUserDuringChangeEmail(t *testing.T) {
	t.Parallel()
	w := newOpsWorld(t, "User", "LockUser")
	s, f, org, bob := w.s, w.f, w.org, w.bob

	delErr, changeErr := during(s, f.ctx, func(ctx context.Context) error {
		return f.svc.DeleteUser(ctx, bob.UserID)
	}, func() error {
		_, err := f.svc.ChangeEmail(f.ctx, bob.UserID, "bob.secret@acme.com", true)
		return err
	})
	require.NoError(t, delErr)
	if changeErr != nil {
		require.ErrorIs(t, changeErr, tenancy.ErrNotFound)
	}
	_, err := f.svc.User(f.ctx, bob.UserID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	for _, orgID := range []uuid.UUID{uuid.Nil, org.ID} {
		events, err := f.store.ListAuditEvents(f.ctx, orgID, tenancy.PageQuery{Limit: tenancy.MaxPageSize})
		require.NoError(t, err)
		for _, e := range events {
			for k, v := range e.Details {
				require.NotContains(t, []string{"bob@acme.com", "bob.secret@acme.com"}, v,
					"the erased user's address is kept in %s, detail %s", e.Action, k)
			}
		}
	}
}

// A user renamed while it changes address keeps the new address. (On
// PostgreSQL RenameUser read the row before the change committed and
// wrote it back whole, old address included.)
func TestRenameUserDuringChangeEmail(t *testing.T) {
	t.Parallel()
	w := newOpsWorld(t, "User", "LockUser")
	s, f, ws, bob := w.s, w.f, w.ops, w.bob

	renameErr, changeErr := during(s, f.ctx, func(ctx context.Context) error {
		_, err := f.svc.RenameUser(ctx, bob.UserID, "Robert")
		return err
	}, func() error {
		_, err := f.svc.ChangeEmail(f.ctx, bob.UserID, "robert@acme.com", true)
		return err
	})
	require.NoError(t, renameErr)
	require.NoError(t, changeErr)
	u, err := f.svc.User(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Equal(t, "Robert", u.Name)
	require.Equal(t, "robert@acme.com", u.Email, "the rename undid the address change")
	m, err := f.store.Member(f.ctx, ws.ID, bob.UserID)
	require.NoError(t, err)
	require.Equal(t, u.Email, m.Email)
}

// A domain transfer racing a change of the losing organization keeps the
// change. (On PostgreSQL TransferDomain wrote back the copy it read
// before its lock: a tightened security policy and a new name, both in
// the audit log, were silently undone.)
func TestTransferDomainDuringPolicyChange(t *testing.T) {
	t.Parallel()
	s := newPauseStore(t, "OrganizationByDomain")
	f := newFixtureOn(t, s)
	ann, acme := f.founder("ann@acme.com")
	ann.MFA = true
	carl := f.user("carl@gmail.com")
	beta, err := f.svc.Operator().CreateOrganization(f.ctx, "Beta", "", carl.UserID)
	require.NoError(t, err)
	transferErr, changeErr := during(s, f.ctx, func(ctx context.Context) error {
		return f.svc.Operator().TransferDomain(ctx, "acme.com", beta.ID, "squatted; ticket 42")
	}, func() error {
		if _, err := f.svc.SetSecurityPolicy(f.ctx, ann, acme.ID, tenancy.SecurityPolicy{RequireMFA: true}); err != nil {
			return err
		}
		_, err := f.svc.RenameOrganization(f.ctx, ann, acme.ID, "Acme Inc")
		return err
	})
	require.NoError(t, transferErr)
	require.NoError(t, changeErr)
	got, err := f.store.Organization(f.ctx, acme.ID)
	require.NoError(t, err)
	require.Equal(t, "", got.Domain)
	assert.True(t, got.Policy.RequireMFA, "the transfer undid the security policy change the audit log records")
	assert.Equal(t, "Acme Inc", got.Name, "the transfer undid the rename")
}

// An erasure racing invitations to and by the user leaves neither. (On
// PostgreSQL an invitation committed between DeleteUser's reads and its
// locks outlived it: the erased address stayed in the invitations.)
func TestDeleteUserDuringInvite(t *testing.T) {
	t.Parallel()
	s := newPauseStore(t, "ListInvitationsBy")
	f := newFixtureOn(t, s)
	ann, org := f.founder("ann@acme.com")
	ops := f.workspace(ann, org.ID, "Ops")
	sales := f.workspace(ann, org.ID, "Sales")
	bob := f.user("bob@acme.com")
	f.member(ann, ops.ID, bob, tenancy.RoleAdmin)
	var bobInviteErr error
	delErr, annInviteErr := during(s, f.ctx, func(ctx context.Context) error {
		return f.svc.DeleteUser(ctx, bob.UserID)
	}, func() error {
		_, _, err := f.svc.Invite(f.ctx, ann, sales.ID, "bob@acme.com", tenancy.RoleMember)
		_, _, bobInviteErr = f.svc.Invite(f.ctx, bob, ops.ID, "dan@gmail.com", tenancy.RoleMember)
		return err
	})
	require.NoError(t, delErr)
	require.NoError(t, annInviteErr)
	if bobInviteErr != nil { // ran after the erasure
		require.ErrorIs(t, bobInviteErr, tenancy.ErrNotFound)
	}
	_, err := f.svc.User(f.ctx, bob.UserID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	events, err := f.store.ListAuditEvents(f.ctx, org.ID, tenancy.PageQuery{Limit: tenancy.MaxPageSize})
	require.NoError(t, err)
	// An invitation to the address may outlive the erasure only if made
	// after it: its event then still names the address.
	to, err := f.store.ListInvitationsTo(f.ctx, "bob@acme.com")
	require.NoError(t, err)
	for _, inv := range to {
		for _, e := range events {
			if e.Action == tenancy.EventInvitationCreated && e.TargetID == inv.ID {
				assert.Equal(t, "bob@acme.com", e.Details[tenancy.DetailEmail],
					"the erasure scrubbed the invitation's event but left the invitation to the erased address")
			}
		}
	}
	if bobInviteErr == nil {
		by, err := f.store.ListInvitationsBy(f.ctx, uuid.Nil, bob.UserID)
		require.NoError(t, err)
		assert.Empty(t, by, "an invitation by the erased user survived the erasure")
	}
}

// A verified sign-up racing a domain transfer auto-joins the organization
// that holds the domain when it commits. (On PostgreSQL it joined nothing:
// the organization it had found had lost the domain once locked.)
func TestSignUpDuringTransferDomain(t *testing.T) {
	t.Parallel()
	s := newPauseStore(t, "OrganizationByDomain")
	f := newFixtureOn(t, s)
	ann, acme := f.founder("ann@acme.com")
	wsA := f.workspace(ann, acme.ID, "Acme Ops")
	_, err := f.svc.SetSecurityPolicy(f.ctx, ann, acme.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{wsA.ID}}})
	require.NoError(t, err)
	carl := f.user("carl@gmail.com")
	beta, err := f.svc.Operator().CreateOrganization(f.ctx, "Beta", "", carl.UserID)
	require.NoError(t, err)
	wsB := f.workspace(carl, beta.ID, "Beta Ops")
	_, err = f.svc.SetSecurityPolicy(f.ctx, carl, beta.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{wsB.ID}}})
	require.NoError(t, err)
	var res tenancy.SignUpResult
	signUpErr, transferErr := during(s, f.ctx, func(ctx context.Context) error {
		var err error
		res, err = f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
		return err
	}, func() error {
		return f.svc.Operator().TransferDomain(f.ctx, "acme.com", beta.ID, "moved; ticket 43")
	})
	require.NoError(t, signUpErr)
	require.NoError(t, transferErr)
	got, err := f.store.Organization(f.ctx, beta.ID)
	require.NoError(t, err)
	require.Equal(t, "acme.com", got.Domain)
	ms, err := f.store.ListUserMemberships(f.ctx, res.User.ID, tenancy.PageQuery{Limit: 10})
	require.NoError(t, err)
	require.Len(t, ms, 1, "a verified sign-up at an auto-join domain joined no workspace")
}

// An erasure racing a removal from an organization records what the
// organization lost under its lock. (On PostgreSQL its user.deleted event
// counted a membership the removal had already taken.)
func TestDeleteUserDuringRemoveFromOrganization(t *testing.T) {
	t.Parallel()
	w := newOpsWorld(t, "ListInvitationsBy")
	s, f, ann, org, bob := w.s, w.f, w.ann, w.org, w.bob
	delErr, removeErr := during(s, f.ctx, func(ctx context.Context) error {
		return f.svc.DeleteUser(ctx, bob.UserID)
	}, func() error {
		return f.svc.RemoveFromOrganization(f.ctx, ann, org.ID, bob.UserID)
	})
	require.NoError(t, delErr)
	if removeErr != nil {
		require.ErrorIs(t, removeErr, tenancy.ErrNotFound)
		return
	}
	events, err := f.store.ListAuditEvents(f.ctx, org.ID, tenancy.PageQuery{Limit: tenancy.MaxPageSize})
	require.NoError(t, err)
	for _, e := range events {
		if e.Action == tenancy.EventUserDeleted && e.TargetID == bob.UserID {
			assert.Equal(t, "0", e.Details[tenancy.DetailWorkspaces],
				"user.deleted records a membership the removal had already taken")
		}
	}
}

package tenancy_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/internal/storetesting"
)

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
	s := newPauseStore(t, "User", "LockUser")
	f := newFixtureOn(t, s)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Ops")
	bob := f.user("bob@acme.com")
	f.member(admin, ws.ID, bob, tenancy.RoleMember)

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
	s := newPauseStore(t, "User", "LockUser")
	f := newFixtureOn(t, s)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Ops")
	bob := f.user("bob@acme.com")
	f.member(admin, ws.ID, bob, tenancy.RoleMember)

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

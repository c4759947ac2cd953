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

// fixture is a Service over a fresh store with a controllable clock and a
// recording event handler. The store is a memstore unless
// TENANCY_TEST_STORES names another kind first (see
// internal/storetesting): CI runs these tests on every store.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	store tenancy.Store
	svc   *tenancy.Service

	mu     sync.Mutex
	now    time.Time
	events []tenancy.AuditEvent
}

func newFixture(t testing.TB, opts ...tenancy.Option) *fixture {
	t.Helper()
	return newFixtureOn(t, storetesting.Open(t, storetesting.Kind()), opts...)
}

// newFixtureOn is newFixture over a given store.
func newFixtureOn(t testing.TB, store tenancy.Store, opts ...tenancy.Option) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: store,
		now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	base := []tenancy.Option{
		tenancy.WithClock(f.clock),
		tenancy.WithEventHandler(func(_ context.Context, e tenancy.AuditEvent) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.events = append(f.events, e)
		}),
	}
	f.svc = tenancy.New(f.store, append(base, opts...)...)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// advance moves the clock forward.
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// eventCount is the number of events the handler has received.
func (f *fixture) eventCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

// lastEvents returns the last n events the handler received.
func (f *fixture) lastEvents(n int) []tenancy.AuditEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tenancy.AuditEvent(nil), f.events[len(f.events)-n:]...)
}

// signUp signs a verified user up and returns it with the organization it
// created or joined, if any.
func (f *fixture) signUp(email string) (tenancy.User, *tenancy.Organization) {
	f.t.Helper()
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, Name: "Test " + email, EmailVerified: true})
	require.NoError(f.t, err)
	return res.User, res.Organization
}

// founder signs up the first user of a new organization.
func (f *fixture) founder(email string) (tenancy.Actor, tenancy.Organization) {
	f.t.Helper()
	u, org := f.signUp(email)
	require.NotNil(f.t, org, "%s should have created an organization", email)
	return f.actor(u.ID), *org
}

// user signs up a user who creates no organization (personal address or
// claimed domain without auto-join) and returns its session.
func (f *fixture) user(email string) tenancy.Actor {
	f.t.Helper()
	u, _ := f.signUp(email)
	return f.actor(u.ID)
}

// actor returns a fresh session for a user.
func (f *fixture) actor(id uuid.UUID) tenancy.Actor {
	return tenancy.Actor{UserID: id, AuthenticatedAt: f.clock()}
}

// workspace creates a workspace as an org admin.
func (f *fixture) workspace(admin tenancy.Actor, org uuid.UUID, name string) tenancy.Workspace {
	f.t.Helper()
	ws, err := f.svc.CreateWorkspace(f.ctx, admin, org, name)
	require.NoError(f.t, err)
	return ws
}

// member adds a user to a workspace with a role.
func (f *fixture) member(admin tenancy.Actor, ws uuid.UUID, user tenancy.Actor, r tenancy.Role) {
	f.t.Helper()
	_, err := f.svc.AddMember(f.ctx, admin, ws, user.UserID, r)
	require.NoError(f.t, err)
}

// auditLen counts the organization's stored audit events.
func (f *fixture) auditLen(org uuid.UUID) int {
	f.t.Helper()
	events, err := f.store.ListAuditEvents(f.ctx, org, tenancy.PageQuery{Limit: 1 << 20})
	require.NoError(f.t, err)
	return len(events)
}

// unchanged runs op, which must fail, and asserts it wrote no audit event
// and sent none to the handler. It returns op's error.
func (f *fixture) unchanged(org uuid.UUID, op func() error) error {
	f.t.Helper()
	before, handled := f.auditLen(org), f.eventCount()
	err := op()
	require.Error(f.t, err)
	require.Equal(f.t, before, f.auditLen(org), "a failed operation wrote an audit event")
	require.Equal(f.t, handled, f.eventCount(), "a failed operation reached the event handler")
	return err
}

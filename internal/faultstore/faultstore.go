// Package faultstore wraps a tenancy.Store to inject failures into its
// transactions and to count the calls a Service makes: the test harness
// for "a store failure in the middle of an operation leaves nothing
// behind".
//
// Every call a transaction function makes on its Tx is numbered from 1
// (across all Update calls since the last Arm or Reset), and so is the
// commit, the moment the function has returned nil. Arming the store with
// k makes the k-th of these fail with an error wrapping ErrInjected:
// either before the call reaches the wrapped store (ModeBefore) or after
// the wrapped store has run it, replacing its result (ModeAfter, so that
// a write has happened and must be rolled back). A failed commit is the transaction function's nil turned
// into the injected error, so the wrapped store rolls back.
//
// Reads made on the Store itself, outside Update, are passed through and
// neither counted nor failed.
//
// The Tx it hands out has the optional interfaces of the wrapped store's
// (tenancy.FactsLocker, tenancy.WriteDeferrer), so the Service takes the
// same paths as without it: LockAccessFacts is one call, and each write
// through a deferred writer one call named "Deferred." and the method.
package faultstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// ErrInjected is what every injected failure wraps.
var ErrInjected = errors.New("faultstore: injected fault")

// CommitCall is the name the trace gives to a transaction's commit.
const CommitCall = "Commit"

// Mode says when an armed call fails.
type Mode int

const (
	// ModeBefore fails the call without passing it to the wrapped store.
	ModeBefore Mode = iota
	// ModeAfter passes the call to the wrapped store and returns the
	// injected error instead of its result.
	ModeAfter
)

// String names the mode.
func (m Mode) String() string {
	if m == ModeAfter {
		return "after"
	}
	return "before"
}

// Store is a tenancy.Store that counts, and can fail, the calls made
// inside its transactions. It is safe for concurrent use.
type Store struct {
	tenancy.Store

	mu       sync.Mutex
	calls    int
	failAt   int
	mode     Mode
	injected int
	trace    []string
}

var _ tenancy.Store = (*Store)(nil)

// New wraps inner; nothing is armed.
func New(inner tenancy.Store) *Store { return &Store{Store: inner} }

// Arm resets the call count and makes the k-th call (counted from 1,
// commits included) fail in mode m; k <= 0 disarms.
func (s *Store) Arm(k int, m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.failAt, s.mode, s.trace = 0, k, m, nil
}

// Reset disarms the store and zeroes the call count.
func (s *Store) Reset() { s.Arm(0, ModeBefore) }

// Calls returns how many calls (commits included) transactions made since
// the last Arm or Reset.
func (s *Store) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Trace returns the names of those calls, in order.
func (s *Store) Trace() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.trace...)
}

// Injected returns how many failures the store has injected since it was
// made.
func (s *Store) Injected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// enter numbers a call and returns its number, and the injected error if
// it is armed to fail before reaching the wrapped store.
func (s *Store) enter(name string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.trace = append(s.trace, name)
	n := s.calls
	if n == s.failAt && (s.mode == ModeBefore || name == CommitCall) {
		s.injected++
		return n, fmt.Errorf("%w: call %d (%s, %s)", ErrInjected, n, name, s.mode)
	}
	return n, nil
}

// leave returns the injected error if call n, which has reached the
// wrapped store (whatever it returned), is armed to fail afterwards.
func (s *Store) leave(n int, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == s.failAt && s.mode == ModeAfter {
		s.injected++
		return fmt.Errorf("%w: call %d (%s, %s)", ErrInjected, n, name, s.mode)
	}
	return nil
}

// Update runs fn in a transaction of the wrapped store, through a Tx that
// counts and fails calls; the commit is one more call.
func (s *Store) Update(ctx context.Context, fn func(tx tenancy.Tx) error) error {
	return s.Store.Update(ctx, func(inner tenancy.Tx) error {
		if err := fn(s.wrap(inner)); err != nil {
			return err
		}
		_, err := s.enter(CommitCall)
		return err
	})
}

// wrap returns the counting Tx of inner. It has the optional interfaces
// inner has (tenancy.FactsLocker, tenancy.WriteDeferrer), their calls
// counted and failed like the rest, so that the Service takes the same
// paths through it as on the wrapped store.
func (s *Store) wrap(inner tenancy.Tx) tenancy.Tx {
	t := &tx{s: s, tx: inner}
	l, locks := inner.(tenancy.FactsLocker)
	d, defers := inner.(tenancy.WriteDeferrer)
	switch {
	case locks && defers:
		return lockingDeferringTx{tx: t, l: l, d: d}
	case locks:
		return lockingTx{tx: t, l: l}
	case defers:
		return deferringTx{tx: t, d: d}
	}
	return t
}

// lockingTx is a tx whose inner Tx is a tenancy.FactsLocker.
type lockingTx struct {
	*tx
	l tenancy.FactsLocker
}

func (t lockingTx) LockAccessFacts(ctx context.Context, userID uuid.UUID, sc tenancy.Scope) (tenancy.Facts, error) {
	return t.lockAccessFacts(ctx, t.l, userID, sc)
}

// deferringTx is a tx whose inner Tx is a tenancy.WriteDeferrer.
type deferringTx struct {
	*tx
	d tenancy.WriteDeferrer
}

func (t deferringTx) Deferred() tenancy.DeferredWriter { return t.deferred(t.d) }

// lockingDeferringTx is a tx whose inner Tx is both.
type lockingDeferringTx struct {
	*tx
	l tenancy.FactsLocker
	d tenancy.WriteDeferrer
}

func (t lockingDeferringTx) LockAccessFacts(ctx context.Context, userID uuid.UUID, sc tenancy.Scope) (tenancy.Facts, error) {
	return t.lockAccessFacts(ctx, t.l, userID, sc)
}

func (t lockingDeferringTx) Deferred() tenancy.DeferredWriter { return t.deferred(t.d) }

func (t *tx) lockAccessFacts(ctx context.Context, l tenancy.FactsLocker, userID uuid.UUID, sc tenancy.Scope) (tenancy.Facts, error) {
	return call1(t, "LockAccessFacts", func() (tenancy.Facts, error) { return l.LockAccessFacts(ctx, userID, sc) })
}

func (t *tx) deferred(d tenancy.WriteDeferrer) tenancy.DeferredWriter {
	return deferredWriter{t: t, w: d.Deferred()}
}

// deferredWriter counts and fails the calls made on a wrapped
// transaction's deferred writer, named "Deferred." and the method.
type deferredWriter struct {
	t *tx
	w tenancy.DeferredWriter
}

func (d deferredWriter) CreateOrganization(ctx context.Context, o tenancy.Organization) error {
	return call0(d.t, "Deferred.CreateOrganization", func() error { return d.w.CreateOrganization(ctx, o) })
}

func (d deferredWriter) AddOrgAdmin(ctx context.Context, orgID, userID uuid.UUID, at time.Time) error {
	return call0(d.t, "Deferred.AddOrgAdmin", func() error { return d.w.AddOrgAdmin(ctx, orgID, userID, at) })
}

func (d deferredWriter) AddMember(ctx context.Context, m tenancy.Member) error {
	return call0(d.t, "Deferred.AddMember", func() error { return d.w.AddMember(ctx, m) })
}

func (d deferredWriter) AppendAudit(ctx context.Context, e tenancy.AuditEvent) error {
	return call0(d.t, "Deferred.AppendAudit", func() error { return d.w.AppendAudit(ctx, e) })
}

// tx counts and fails the calls made on a wrapped transaction. It lists
// every method of tenancy.Tx rather than embedding it, so that a method
// added to the interface cannot escape the count: the build fails instead.
type tx struct {
	s  *Store
	tx tenancy.Tx
}

var _ tenancy.Tx = (*tx)(nil)

// call1 runs one call returning a value.
func call1[T any](t *tx, name string, f func() (T, error)) (T, error) {
	var zero T
	n, err := t.s.enter(name)
	if err != nil {
		return zero, err
	}
	v, err := f()
	if ierr := t.s.leave(n, name); ierr != nil {
		return zero, ierr
	}
	return v, err
}

// call0 runs one call returning only an error.
func call0(t *tx, name string, f func() error) error {
	_, err := call1(t, name, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// Reader.

func (t *tx) AccessFacts(ctx context.Context, userID uuid.UUID, sc tenancy.Scope) (tenancy.Facts, error) {
	return call1(t, "AccessFacts", func() (tenancy.Facts, error) { return t.tx.AccessFacts(ctx, userID, sc) })
}

func (t *tx) ListAuditEvents(ctx context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.AuditEvent, error) {
	return call1(t, "ListAuditEvents", func() ([]tenancy.AuditEvent, error) { return t.tx.ListAuditEvents(ctx, orgID, q) })
}

func (t *tx) User(ctx context.Context, id uuid.UUID) (tenancy.User, error) {
	return call1(t, "User", func() (tenancy.User, error) { return t.tx.User(ctx, id) })
}

func (t *tx) UserByEmail(ctx context.Context, email string) (tenancy.User, error) {
	return call1(t, "UserByEmail", func() (tenancy.User, error) { return t.tx.UserByEmail(ctx, email) })
}

func (t *tx) UserByExternalID(ctx context.Context, externalID string) (tenancy.User, error) {
	return call1(t, "UserByExternalID", func() (tenancy.User, error) { return t.tx.UserByExternalID(ctx, externalID) })
}

func (t *tx) UserOrganizations(ctx context.Context, userID uuid.UUID) ([]tenancy.OrgMembership, error) {
	return call1(t, "UserOrganizations", func() ([]tenancy.OrgMembership, error) { return t.tx.UserOrganizations(ctx, userID) })
}

func (t *tx) Organization(ctx context.Context, id uuid.UUID) (tenancy.Organization, error) {
	return call1(t, "Organization", func() (tenancy.Organization, error) { return t.tx.Organization(ctx, id) })
}

func (t *tx) OrganizationByDomain(ctx context.Context, domain string) (tenancy.Organization, error) {
	return call1(t, "OrganizationByDomain", func() (tenancy.Organization, error) { return t.tx.OrganizationByDomain(ctx, domain) })
}

func (t *tx) IsOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) (bool, error) {
	return call1(t, "IsOrgAdmin", func() (bool, error) { return t.tx.IsOrgAdmin(ctx, orgID, userID) })
}

func (t *tx) CountOrgAdmins(ctx context.Context, orgID uuid.UUID) (int, error) {
	return call1(t, "CountOrgAdmins", func() (int, error) { return t.tx.CountOrgAdmins(ctx, orgID) })
}

func (t *tx) AdminOrganizations(ctx context.Context, userID uuid.UUID) ([]tenancy.Organization, error) {
	return call1(t, "AdminOrganizations", func() ([]tenancy.Organization, error) { return t.tx.AdminOrganizations(ctx, userID) })
}

func (t *tx) ListOrgUsers(ctx context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.OrgUser, error) {
	return call1(t, "ListOrgUsers", func() ([]tenancy.OrgUser, error) { return t.tx.ListOrgUsers(ctx, orgID, q) })
}

func (t *tx) CountSeats(ctx context.Context, orgID uuid.UUID) (int, error) {
	return call1(t, "CountSeats", func() (int, error) { return t.tx.CountSeats(ctx, orgID) })
}

func (t *tx) Workspace(ctx context.Context, id uuid.UUID) (tenancy.Workspace, error) {
	return call1(t, "Workspace", func() (tenancy.Workspace, error) { return t.tx.Workspace(ctx, id) })
}

func (t *tx) ListOrgWorkspaces(ctx context.Context, orgID, userID uuid.UUID, onlyMember bool, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	return call1(t, "ListOrgWorkspaces", func() ([]tenancy.Membership, error) {
		return t.tx.ListOrgWorkspaces(ctx, orgID, userID, onlyMember, q)
	})
}

func (t *tx) Member(ctx context.Context, wsID, userID uuid.UUID) (tenancy.Member, error) {
	return call1(t, "Member", func() (tenancy.Member, error) { return t.tx.Member(ctx, wsID, userID) })
}

func (t *tx) CountMembersWithRole(ctx context.Context, wsID uuid.UUID, r tenancy.Role) (int, error) {
	return call1(t, "CountMembersWithRole", func() (int, error) { return t.tx.CountMembersWithRole(ctx, wsID, r) })
}

func (t *tx) ListMembers(ctx context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Member, error) {
	return call1(t, "ListMembers", func() ([]tenancy.Member, error) { return t.tx.ListMembers(ctx, wsID, q) })
}

func (t *tx) ListUserMemberships(ctx context.Context, userID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	return call1(t, "ListUserMemberships", func() ([]tenancy.Membership, error) { return t.tx.ListUserMemberships(ctx, userID, q) })
}

func (t *tx) UserOrgMemberships(ctx context.Context, orgID, userID uuid.UUID) ([]tenancy.Member, error) {
	return call1(t, "UserOrgMemberships", func() ([]tenancy.Member, error) { return t.tx.UserOrgMemberships(ctx, orgID, userID) })
}

func (t *tx) Invitation(ctx context.Context, id uuid.UUID) (tenancy.InvitationRecord, error) {
	return call1(t, "Invitation", func() (tenancy.InvitationRecord, error) { return t.tx.Invitation(ctx, id) })
}

func (t *tx) InvitationByTokenHash(ctx context.Context, hash []byte) (tenancy.InvitationRecord, error) {
	return call1(t, "InvitationByTokenHash", func() (tenancy.InvitationRecord, error) { return t.tx.InvitationByTokenHash(ctx, hash) })
}

func (t *tx) InvitationByEmail(ctx context.Context, wsID uuid.UUID, email string) (tenancy.InvitationRecord, error) {
	return call1(t, "InvitationByEmail", func() (tenancy.InvitationRecord, error) { return t.tx.InvitationByEmail(ctx, wsID, email) })
}

func (t *tx) ListInvitations(ctx context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Invitation, error) {
	return call1(t, "ListInvitations", func() ([]tenancy.Invitation, error) { return t.tx.ListInvitations(ctx, wsID, q) })
}

func (t *tx) ListInvitationsTo(ctx context.Context, email string) ([]tenancy.Invitation, error) {
	return call1(t, "ListInvitationsTo", func() ([]tenancy.Invitation, error) { return t.tx.ListInvitationsTo(ctx, email) })
}

func (t *tx) ListInvitationsBy(ctx context.Context, orgID, inviterID uuid.UUID) ([]tenancy.Invitation, error) {
	return call1(t, "ListInvitationsBy", func() ([]tenancy.Invitation, error) { return t.tx.ListInvitationsBy(ctx, orgID, inviterID) })
}

// Writers.

func (t *tx) CreateUser(ctx context.Context, u tenancy.User) error {
	return call0(t, "CreateUser", func() error { return t.tx.CreateUser(ctx, u) })
}

func (t *tx) UpdateUser(ctx context.Context, u tenancy.User) error {
	return call0(t, "UpdateUser", func() error { return t.tx.UpdateUser(ctx, u) })
}

func (t *tx) VerifyUserEmail(ctx context.Context, userID uuid.UUID, email string) (bool, error) {
	return call1(t, "VerifyUserEmail", func() (bool, error) { return t.tx.VerifyUserEmail(ctx, userID, email) })
}

func (t *tx) DeleteUser(ctx context.Context, id uuid.UUID) error {
	return call0(t, "DeleteUser", func() error { return t.tx.DeleteUser(ctx, id) })
}

func (t *tx) CreateOrganization(ctx context.Context, o tenancy.Organization) error {
	return call0(t, "CreateOrganization", func() error { return t.tx.CreateOrganization(ctx, o) })
}

func (t *tx) UpdateOrganization(ctx context.Context, o tenancy.Organization) error {
	return call0(t, "UpdateOrganization", func() error { return t.tx.UpdateOrganization(ctx, o) })
}

func (t *tx) DeleteOrganization(ctx context.Context, id uuid.UUID) error {
	return call0(t, "DeleteOrganization", func() error { return t.tx.DeleteOrganization(ctx, id) })
}

func (t *tx) AddOrgAdmin(ctx context.Context, orgID, userID uuid.UUID, at time.Time) error {
	return call0(t, "AddOrgAdmin", func() error { return t.tx.AddOrgAdmin(ctx, orgID, userID, at) })
}

func (t *tx) RemoveOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) error {
	return call0(t, "RemoveOrgAdmin", func() error { return t.tx.RemoveOrgAdmin(ctx, orgID, userID) })
}

func (t *tx) CreateWorkspace(ctx context.Context, w tenancy.Workspace) error {
	return call0(t, "CreateWorkspace", func() error { return t.tx.CreateWorkspace(ctx, w) })
}

func (t *tx) UpdateWorkspace(ctx context.Context, w tenancy.Workspace) error {
	return call0(t, "UpdateWorkspace", func() error { return t.tx.UpdateWorkspace(ctx, w) })
}

func (t *tx) DeleteWorkspace(ctx context.Context, id uuid.UUID) error {
	return call0(t, "DeleteWorkspace", func() error { return t.tx.DeleteWorkspace(ctx, id) })
}

func (t *tx) AddMember(ctx context.Context, m tenancy.Member) error {
	return call0(t, "AddMember", func() error { return t.tx.AddMember(ctx, m) })
}

func (t *tx) SetMemberRole(ctx context.Context, wsID, userID uuid.UUID, r tenancy.Role) error {
	return call0(t, "SetMemberRole", func() error { return t.tx.SetMemberRole(ctx, wsID, userID, r) })
}

func (t *tx) RemoveMember(ctx context.Context, wsID, userID uuid.UUID) error {
	return call0(t, "RemoveMember", func() error { return t.tx.RemoveMember(ctx, wsID, userID) })
}

func (t *tx) CreateInvitation(ctx context.Context, r tenancy.InvitationRecord) error {
	return call0(t, "CreateInvitation", func() error { return t.tx.CreateInvitation(ctx, r) })
}

func (t *tx) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	return call0(t, "DeleteInvitation", func() error { return t.tx.DeleteInvitation(ctx, id) })
}

// Transaction-only calls.

func (t *tx) LockOrganization(ctx context.Context, orgID uuid.UUID) error {
	return call0(t, "LockOrganization", func() error { return t.tx.LockOrganization(ctx, orgID) })
}

func (t *tx) LockUser(ctx context.Context, userID uuid.UUID) (tenancy.User, error) {
	return call1(t, "LockUser", func() (tenancy.User, error) { return t.tx.LockUser(ctx, userID) })
}

func (t *tx) AppendAudit(ctx context.Context, e tenancy.AuditEvent) error {
	return call0(t, "AppendAudit", func() error { return t.tx.AppendAudit(ctx, e) })
}

func (t *tx) FormerEmails(ctx context.Context, userID uuid.UUID) ([]string, error) {
	return call1(t, "FormerEmails", func() ([]string, error) { return t.tx.FormerEmails(ctx, userID) })
}

func (t *tx) ScrubAuditEmail(ctx context.Context, email string) (int, error) {
	return call1(t, "ScrubAuditEmail", func() (int, error) { return t.tx.ScrubAuditEmail(ctx, email) })
}

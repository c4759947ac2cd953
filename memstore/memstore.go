package memstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

var _ tenancy.Store = (*Store)(nil)

// Store is an in-memory tenancy.Store. The zero value is not usable; call
// New.
type Store struct {
	mu sync.RWMutex
	st state
	// access is the access index as of the last commit, which
	// AccessFacts reads without taking mu.
	access atomic.Pointer[accessIndex]
}

// New returns an empty Store.
func New() *Store {
	s := &Store{st: state{
		users:          map[uuid.UUID]tenancy.User{},
		usersByEmail:   map[string]uuid.UUID{},
		usersByExtID:   map[string]uuid.UUID{},
		orgs:           map[uuid.UUID]*tenancy.Organization{},
		orgsByDomain:   map[string]uuid.UUID{},
		orgAdmins:      map[uuid.UUID]map[uuid.UUID]time.Time{},
		userAdminOrgs:  map[uuid.UUID]map[uuid.UUID]struct{}{},
		workspaces:     map[uuid.UUID]workspace{},
		orgWorkspaces:  map[uuid.UUID]map[uuid.UUID]struct{}{},
		workspaceNames: map[orgName]uuid.UUID{},
		members:        map[wsUser]member{},
		wsMembers:      map[uuid.UUID]map[uuid.UUID]struct{}{},
		userWorkspaces: map[uuid.UUID]map[uuid.UUID]struct{}{},
		orgMembers:     map[uuid.UUID]map[uuid.UUID]int{},
		access:         newAccessIndex(),
		invitations:    map[uuid.UUID]tenancy.InvitationRecord{},
		invByHash:      map[string]uuid.UUID{},
		invByEmail:     map[wsEmail]uuid.UUID{},
		wsInvitations:  map[uuid.UUID]map[uuid.UUID]struct{}{},
		audit:          map[uuid.UUID][]tenancy.AuditEvent{},
		membersByEmail: map[uuid.UUID]ordered{},
		invsByEmail:    map[uuid.UUID]ordered{},
		wsByName:       map[uuid.UUID]ordered{},
		userWsByName:   map[uuid.UUID]ordered{},
		orgUsers:       map[uuid.UUID]ordered{},
	}}
	s.access.Store(s.st.access)
	return s
}

// Update runs fn in a transaction. It holds the store's write lock until fn
// returns; if fn returns an error or panics, every write of fn is undone
// (and the panic goes on). fn runs exactly once. The Tx must not be used
// after fn returns.
func (s *Store) Update(ctx context.Context, fn func(tx tenancy.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tx{state: &s.st}
	committed := false
	defer func() {
		t.done = true
		if !committed {
			t.rollback()
		}
	}()
	err := fn(t)
	committed = err == nil
	if committed {
		s.access.Store(s.st.access)
	}
	return err
}

// AccessFacts implements tenancy.Reader. It takes no lock: it reads the
// access index of the last commit, and allocates nothing when the scope
// exists. The returned Policy points to the store's copy, which a write
// replaces and never changes.
func (s *Store) AccessFacts(_ context.Context, userID uuid.UUID, scope tenancy.Scope) (tenancy.Facts, error) {
	return s.access.Load().readFacts(userID, scope)
}

// ListAuditEvents implements tenancy.Reader.
func (s *Store) ListAuditEvents(ctx context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.AuditEvent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListAuditEvents(ctx, orgID, q)
}

// User implements tenancy.UserReader.
func (s *Store) User(ctx context.Context, id uuid.UUID) (tenancy.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.User(ctx, id)
}

// UserByEmail implements tenancy.UserReader.
func (s *Store) UserByEmail(ctx context.Context, email string) (tenancy.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.UserByEmail(ctx, email)
}

// Organization implements tenancy.OrganizationReader.
func (s *Store) Organization(ctx context.Context, id uuid.UUID) (tenancy.Organization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.Organization(ctx, id)
}

// OrganizationByDomain implements tenancy.OrganizationReader.
func (s *Store) OrganizationByDomain(ctx context.Context, domain string) (tenancy.Organization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.OrganizationByDomain(ctx, domain)
}

// IsOrgAdmin implements tenancy.OrganizationReader.
func (s *Store) IsOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.IsOrgAdmin(ctx, orgID, userID)
}

// CountOrgAdmins implements tenancy.OrganizationReader.
func (s *Store) CountOrgAdmins(ctx context.Context, orgID uuid.UUID) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.CountOrgAdmins(ctx, orgID)
}

// AdminOrganizations implements tenancy.OrganizationReader.
func (s *Store) AdminOrganizations(ctx context.Context, userID uuid.UUID) ([]tenancy.Organization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.AdminOrganizations(ctx, userID)
}

// ListOrgUsers implements tenancy.OrganizationReader.
func (s *Store) ListOrgUsers(ctx context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.OrgUser, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListOrgUsers(ctx, orgID, q)
}

// CountSeats implements tenancy.OrganizationReader.
func (s *Store) CountSeats(ctx context.Context, orgID uuid.UUID) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.CountSeats(ctx, orgID)
}

// Workspace implements tenancy.WorkspaceReader.
func (s *Store) Workspace(ctx context.Context, id uuid.UUID) (tenancy.Workspace, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.Workspace(ctx, id)
}

// ListOrgWorkspaces implements tenancy.WorkspaceReader.
func (s *Store) ListOrgWorkspaces(ctx context.Context, orgID, userID uuid.UUID, onlyMember bool, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListOrgWorkspaces(ctx, orgID, userID, onlyMember, q)
}

// Member implements tenancy.MemberReader.
func (s *Store) Member(ctx context.Context, wsID, userID uuid.UUID) (tenancy.Member, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.Member(ctx, wsID, userID)
}

// CountMembersWithRole implements tenancy.MemberReader.
func (s *Store) CountMembersWithRole(ctx context.Context, wsID uuid.UUID, r tenancy.Role) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.CountMembersWithRole(ctx, wsID, r)
}

// ListMembers implements tenancy.MemberReader.
func (s *Store) ListMembers(ctx context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Member, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListMembers(ctx, wsID, q)
}

// ListUserMemberships implements tenancy.MemberReader.
func (s *Store) ListUserMemberships(ctx context.Context, userID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListUserMemberships(ctx, userID, q)
}

// UserOrgMemberships implements tenancy.MemberReader.
func (s *Store) UserOrgMemberships(ctx context.Context, orgID, userID uuid.UUID) ([]tenancy.Member, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.UserOrgMemberships(ctx, orgID, userID)
}

// Invitation implements tenancy.InvitationReader.
func (s *Store) Invitation(ctx context.Context, id uuid.UUID) (tenancy.InvitationRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.Invitation(ctx, id)
}

// InvitationByTokenHash implements tenancy.InvitationReader.
func (s *Store) InvitationByTokenHash(ctx context.Context, hash []byte) (tenancy.InvitationRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.InvitationByTokenHash(ctx, hash)
}

// InvitationByEmail implements tenancy.InvitationReader.
func (s *Store) InvitationByEmail(ctx context.Context, wsID uuid.UUID, email string) (tenancy.InvitationRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.InvitationByEmail(ctx, wsID, email)
}

// ListInvitations implements tenancy.InvitationReader.
func (s *Store) ListInvitations(ctx context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Invitation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListInvitations(ctx, wsID, q)
}

// UserByExternalID implements tenancy.UserReader.
func (s *Store) UserByExternalID(ctx context.Context, externalID string) (tenancy.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.UserByExternalID(ctx, externalID)
}

// UserOrganizations implements tenancy.UserReader.
func (s *Store) UserOrganizations(ctx context.Context, userID uuid.UUID) ([]tenancy.OrgMembership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.UserOrganizations(ctx, userID)
}

// ListInvitationsTo implements tenancy.InvitationReader.
func (s *Store) ListInvitationsTo(ctx context.Context, email string) ([]tenancy.Invitation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListInvitationsTo(ctx, email)
}

// ListInvitationsBy implements tenancy.InvitationReader.
func (s *Store) ListInvitationsBy(ctx context.Context, orgID, inviterID uuid.UUID) ([]tenancy.Invitation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ListInvitationsBy(ctx, orgID, inviterID)
}

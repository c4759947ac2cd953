package memstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// state holds the data and its indexes. Its methods are the Reader
// queries; they take no lock (the Store takes it, or the transaction holds
// it). Stored values are never mutated in place: a write replaces them, so
// the policy slices AccessFacts hands out stay valid.
type state struct {
	users        map[uuid.UUID]tenancy.User
	usersByEmail map[string]uuid.UUID
	usersByExtID map[string]uuid.UUID // non-empty external IDs only

	orgs          map[uuid.UUID]*tenancy.Organization // replaced, never changed in place
	orgsByDomain  map[string]uuid.UUID
	orgAdmins     map[uuid.UUID]map[uuid.UUID]time.Time // org → admin → granted at
	userAdminOrgs map[uuid.UUID]map[uuid.UUID]struct{}  // user → orgs it administers

	workspaces     map[uuid.UUID]workspace
	orgWorkspaces  map[uuid.UUID]map[uuid.UUID]struct{} // org → workspaces
	workspaceNames map[orgName]uuid.UUID

	members        map[wsUser]member
	wsMembers      map[uuid.UUID]map[uuid.UUID]struct{} // workspace → users
	userWorkspaces map[uuid.UUID]map[uuid.UUID]struct{} // user → workspaces
	orgMembers     map[uuid.UUID]map[uuid.UUID]int      // org → user → workspaces of org it is a member of

	// access is the access index as the running transaction sees it
	// (the published one between transactions). It repeats facts the
	// maps above hold.
	access *accessIndex

	invitations   map[uuid.UUID]tenancy.InvitationRecord
	invByHash     map[string]uuid.UUID
	invByEmail    map[wsEmail]uuid.UUID
	wsInvitations map[uuid.UUID]map[uuid.UUID]struct{} // workspace → invitations

	audit map[uuid.UUID][]tenancy.AuditEvent // org → events, ordered by (At, ID)

	// Ordered indexes, one per list, so that a page costs a binary search
	// and the page, not the list.
	membersByEmail map[uuid.UUID]ordered // workspace → (member's email, user ID)
	invsByEmail    map[uuid.UUID]ordered // workspace → (invited email, invitation ID)
	wsByName       map[uuid.UUID]ordered // org → (name key, workspace ID)
	userWsByName   map[uuid.UUID]ordered // user → (name key, workspace ID) of its memberships
	orgUsers       map[uuid.UUID]ordered // org → (email, user ID) of the users holding any role
}

type workspace struct {
	tenancy.Workspace
	key string // tenancy.NameKey(Name)
}

type member struct {
	role      tenancy.Role
	createdAt time.Time
}

type orgName struct {
	org uuid.UUID
	key string
}

type wsUser struct{ ws, user uuid.UUID }

type wsEmail struct {
	ws    uuid.UUID
	email string
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: %s", tenancy.ErrNotFound, fmt.Sprintf(format, args...))
}

// AccessFacts implements tenancy.Reader.
func (st *state) AccessFacts(_ context.Context, userID uuid.UUID, scope tenancy.Scope) (tenancy.Facts, error) {
	return st.access.readFacts(userID, scope)
}

// ListAuditEvents implements tenancy.Reader. The organization's log is
// kept in (At, ID) order, so a page is a binary search from the end.
func (st *state) ListAuditEvents(_ context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.AuditEvent, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	events := st.audit[orgID]
	if q.After != nil {
		c := tenancy.AuditEvent{At: q.After.At, ID: q.After.ID}
		i, _ := slices.BinarySearchFunc(events, c, compareAudit) // events[:i] are older than the cursor
		events = events[:i]
	}
	n := min(len(events), q.Limit)
	if n == 0 {
		return nil, nil
	}
	out := make([]tenancy.AuditEvent, n)
	for i := range out {
		e := events[len(events)-1-i]
		e.Details = maps.Clone(e.Details)
		out[i] = e
	}
	return out, nil
}

func compareAudit(a, b tenancy.AuditEvent) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return compareID(a.ID, b.ID)
}

// User implements tenancy.UserReader.
func (st *state) User(_ context.Context, id uuid.UUID) (tenancy.User, error) {
	u, ok := st.users[id]
	if !ok {
		return tenancy.User{}, notFound("user %s", id)
	}
	return u, nil
}

// UserByEmail implements tenancy.UserReader.
func (st *state) UserByEmail(_ context.Context, email string) (tenancy.User, error) {
	id, ok := st.usersByEmail[email]
	if !ok {
		return tenancy.User{}, notFound("user %s", email)
	}
	return st.users[id], nil
}

// UserByExternalID implements tenancy.UserReader.
func (st *state) UserByExternalID(_ context.Context, externalID string) (tenancy.User, error) {
	id, ok := st.usersByExtID[externalID]
	if !ok || externalID == "" {
		return tenancy.User{}, notFound("user with external ID %q", externalID)
	}
	return st.users[id], nil
}

// UserOrganizations implements tenancy.UserReader.
func (st *state) UserOrganizations(_ context.Context, userID uuid.UUID) ([]tenancy.OrgMembership, error) {
	counts := map[uuid.UUID]int{}
	for wsID := range st.userWorkspaces[userID] {
		counts[st.workspaces[wsID].OrgID]++
	}
	for orgID := range st.userAdminOrgs[userID] {
		counts[orgID] += 0
	}
	list := make([]tenancy.OrgMembership, 0, len(counts))
	for orgID, n := range counts {
		_, admin := st.userAdminOrgs[userID][orgID]
		list = append(list, tenancy.OrgMembership{Organization: st.orgs[orgID].Clone(), OrgAdmin: admin, Workspaces: n})
	}
	slices.SortFunc(list, func(a, b tenancy.OrgMembership) int {
		return cmp.Or(strings.Compare(a.Organization.Name, b.Organization.Name), compareID(a.Organization.ID, b.Organization.ID))
	})
	return list, nil
}

// Organization implements tenancy.OrganizationReader.
func (st *state) Organization(_ context.Context, id uuid.UUID) (tenancy.Organization, error) {
	o, ok := st.orgs[id]
	if !ok {
		return tenancy.Organization{}, notFound("organization %s", id)
	}
	return o.Clone(), nil
}

// OrganizationByDomain implements tenancy.OrganizationReader. No
// organization claims the empty domain.
func (st *state) OrganizationByDomain(_ context.Context, domain string) (tenancy.Organization, error) {
	id, ok := st.orgsByDomain[domain]
	if !ok || domain == "" {
		return tenancy.Organization{}, notFound("organization of domain %q", domain)
	}
	return st.orgs[id].Clone(), nil
}

// IsOrgAdmin implements tenancy.OrganizationReader.
func (st *state) IsOrgAdmin(_ context.Context, orgID, userID uuid.UUID) (bool, error) {
	_, ok := st.orgAdmins[orgID][userID]
	return ok, nil
}

// CountOrgAdmins implements tenancy.OrganizationReader.
func (st *state) CountOrgAdmins(_ context.Context, orgID uuid.UUID) (int, error) {
	return len(st.orgAdmins[orgID]), nil
}

// AdminOrganizations implements tenancy.OrganizationReader.
func (st *state) AdminOrganizations(_ context.Context, userID uuid.UUID) ([]tenancy.Organization, error) {
	var orgs []tenancy.Organization
	for id := range st.userAdminOrgs[userID] {
		orgs = append(orgs, st.orgs[id].Clone())
	}
	slices.SortFunc(orgs, func(a, b tenancy.Organization) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), compareID(a.ID, b.ID))
	})
	return orgs, nil
}

// ListOrgUsers implements tenancy.OrganizationReader.
func (st *state) ListOrgUsers(_ context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.OrgUser, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var users []tenancy.OrgUser
	for _, e := range page(st.orgUsers[orgID], q) {
		_, admin := st.orgAdmins[orgID][e.id]
		users = append(users, tenancy.OrgUser{User: st.users[e.id], OrgAdmin: admin, Workspaces: st.orgMembers[orgID][e.id]})
	}
	return users, nil
}

// CountSeats implements tenancy.OrganizationReader.
func (st *state) CountSeats(_ context.Context, orgID uuid.UUID) (int, error) {
	n := len(st.orgMembers[orgID])
	for id := range st.orgAdmins[orgID] {
		if st.orgMembers[orgID][id] == 0 {
			n++
		}
	}
	return n, nil
}

// Workspace implements tenancy.WorkspaceReader.
func (st *state) Workspace(_ context.Context, id uuid.UUID) (tenancy.Workspace, error) {
	w, ok := st.workspaces[id]
	if !ok {
		return tenancy.Workspace{}, notFound("workspace %s", id)
	}
	return w.Workspace, nil
}

// ListOrgWorkspaces implements tenancy.WorkspaceReader.
func (st *state) ListOrgWorkspaces(_ context.Context, orgID, userID uuid.UUID, onlyMember bool, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var list []tenancy.Membership
	if !onlyMember {
		for _, e := range page(st.wsByName[orgID], q) {
			list = append(list, tenancy.Membership{Workspace: st.workspaces[e.id].Workspace, Role: st.members[wsUser{e.id, userID}].role})
		}
		return list, nil
	}
	// The user's memberships in every organization, filtered: a user
	// belongs to few workspaces, an organization may have many.
	ascend(st.userWsByName[userID], q.After, func(e entry) bool {
		if w := st.workspaces[e.id]; w.OrgID == orgID {
			list = append(list, tenancy.Membership{Workspace: w.Workspace, Role: st.members[wsUser{e.id, userID}].role})
		}
		return len(list) < q.Limit
	})
	return list, nil
}

// Member implements tenancy.MemberReader.
func (st *state) Member(_ context.Context, wsID, userID uuid.UUID) (tenancy.Member, error) {
	m, ok := st.members[wsUser{wsID, userID}]
	if !ok {
		return tenancy.Member{}, notFound("member %s of workspace %s", userID, wsID)
	}
	return st.member(wsID, userID, m), nil
}

func (st *state) member(wsID, userID uuid.UUID, m member) tenancy.Member {
	return tenancy.Member{WorkspaceID: wsID, UserID: userID, Email: st.users[userID].Email, Role: m.role, CreatedAt: m.createdAt}
}

// CountMembersWithRole implements tenancy.MemberReader.
func (st *state) CountMembersWithRole(_ context.Context, wsID uuid.UUID, r tenancy.Role) (int, error) {
	n := 0
	for id := range st.wsMembers[wsID] {
		if st.members[wsUser{wsID, id}].role == r {
			n++
		}
	}
	return n, nil
}

// ListMembers implements tenancy.MemberReader.
func (st *state) ListMembers(_ context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Member, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var list []tenancy.Member
	for _, e := range page(st.membersByEmail[wsID], q) {
		list = append(list, st.member(wsID, e.id, st.members[wsUser{wsID, e.id}]))
	}
	return list, nil
}

// ListUserMemberships implements tenancy.MemberReader.
func (st *state) ListUserMemberships(_ context.Context, userID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var list []tenancy.Membership
	for _, e := range page(st.userWsByName[userID], q) {
		list = append(list, tenancy.Membership{Workspace: st.workspaces[e.id].Workspace, Role: st.members[wsUser{e.id, userID}].role})
	}
	return list, nil
}

// UserOrgMemberships implements tenancy.MemberReader.
func (st *state) UserOrgMemberships(_ context.Context, orgID, userID uuid.UUID) ([]tenancy.Member, error) {
	var list []tenancy.Member
	for id := range st.userWorkspaces[userID] {
		if st.workspaces[id].OrgID == orgID {
			list = append(list, st.member(id, userID, st.members[wsUser{id, userID}]))
		}
	}
	slices.SortFunc(list, func(a, b tenancy.Member) int { return compareID(a.WorkspaceID, b.WorkspaceID) })
	return list, nil
}

// Invitation implements tenancy.InvitationReader.
func (st *state) Invitation(_ context.Context, id uuid.UUID) (tenancy.InvitationRecord, error) {
	r, ok := st.invitations[id]
	if !ok {
		return tenancy.InvitationRecord{}, notFound("invitation %s", id)
	}
	return cloneInvitation(r), nil
}

// InvitationByTokenHash implements tenancy.InvitationReader.
func (st *state) InvitationByTokenHash(_ context.Context, hash []byte) (tenancy.InvitationRecord, error) {
	id, ok := st.invByHash[string(hash)]
	if !ok {
		return tenancy.InvitationRecord{}, notFound("invitation with this token")
	}
	return cloneInvitation(st.invitations[id]), nil
}

// InvitationByEmail implements tenancy.InvitationReader.
func (st *state) InvitationByEmail(_ context.Context, wsID uuid.UUID, email string) (tenancy.InvitationRecord, error) {
	id, ok := st.invByEmail[wsEmail{wsID, email}]
	if !ok {
		return tenancy.InvitationRecord{}, notFound("invitation of %s to workspace %s", email, wsID)
	}
	return cloneInvitation(st.invitations[id]), nil
}

// ListInvitations implements tenancy.InvitationReader.
func (st *state) ListInvitations(_ context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Invitation, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var list []tenancy.Invitation
	for _, e := range page(st.invsByEmail[wsID], q) {
		list = append(list, st.invitations[e.id].Invitation)
	}
	return list, nil
}

// ListInvitationsTo implements tenancy.InvitationReader.
func (st *state) ListInvitationsTo(_ context.Context, email string) ([]tenancy.Invitation, error) {
	return st.invitationsWhere(func(i tenancy.Invitation) bool { return i.Email == email }), nil
}

// ListInvitationsBy implements tenancy.InvitationReader.
func (st *state) ListInvitationsBy(_ context.Context, orgID, inviterID uuid.UUID) ([]tenancy.Invitation, error) {
	return st.invitationsWhere(func(i tenancy.Invitation) bool {
		return i.InvitedBy == inviterID && (orgID == uuid.Nil || i.OrgID == orgID)
	}), nil
}

// invitationsWhere lists the invitations that keep reports true, ordered
// by (CreatedAt, ID). A scan: memstore holds small data sets.
func (st *state) invitationsWhere(keep func(tenancy.Invitation) bool) []tenancy.Invitation {
	var list []tenancy.Invitation
	for _, r := range st.invitations {
		if keep(r.Invitation) {
			list = append(list, r.Invitation)
		}
	}
	slices.SortFunc(list, func(a, b tenancy.Invitation) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), compareID(a.ID, b.ID))
	})
	return list
}

func cloneInvitation(r tenancy.InvitationRecord) tenancy.InvitationRecord {
	r.TokenHash = bytes.Clone(r.TokenHash)
	return r
}

func compareID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

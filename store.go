package tenancy

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Store persists the tenancy model. The Service owns every rule (who may do
// what, last-admin protection, sign-up); a Store only keeps data, enforces
// uniqueness, cascades deletes, and runs transactions. Implementations live
// in their own packages (memstore, sqlstore) and must pass the conformance
// suite in storetest.
//
// Values passed to and returned from a Store are copies: a caller mutating
// a returned Organization's policy slices must not change stored state.
// Times are stored with microsecond precision in UTC; the Service truncates
// them before they reach the Store, so every backend round-trips them
// exactly.
type Store interface {
	Reader

	// Update runs fn in a read-write transaction. If fn returns an error,
	// nothing fn wrote is kept and Update returns that error unchanged.
	// Implementations may call fn more than once (to retry a serialization
	// failure), so fn must have no effect outside tx until Update returns.
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is a read-write transaction. Its reads see its own writes. Writes
// return the sentinel errors documented on each method; any other error is
// a store failure.
type Tx interface {
	Reader
	UserWriter
	OrganizationWriter
	WorkspaceWriter
	MemberWriter
	InvitationWriter

	// LockOrganization takes a write lock on the organization's row until
	// the transaction ends, so that checks spanning several rows (the last
	// admin of a workspace or organization) cannot race. It returns
	// ErrNotFound if the organization does not exist.
	LockOrganization(ctx context.Context, orgID uuid.UUID) error

	// LockUser takes a write lock on the user's row until the transaction
	// ends, and returns the user as it stands once the lock is held: its
	// address and verification cannot change under the decisions made on
	// them (an invitation matched to the address, the copy of it kept
	// with a membership, the addresses an erasure scrubs). Where a
	// transaction also locks organizations, the Service locks the user
	// first. It returns ErrNotFound if the user does not exist.
	LockUser(ctx context.Context, userID uuid.UUID) (User, error)

	// AppendAudit records an event. Events are never deleted, and updated
	// only by ScrubAuditEmail.
	AppendAudit(ctx context.Context, e AuditEvent) error

	// ScrubAuditEmail erases an address from the audit log (for a deleted
	// user): in every event, each Details entry whose value is email is
	// removed; IDs and the rest of the event stay. It returns the number
	// of events changed.
	ScrubAuditEmail(ctx context.Context, email string) (int, error)

	// FormerEmails returns the addresses userID held before its current
	// one: the DetailFrom of every EventUserEmailChanged event whose
	// target is userID, in any order, possibly repeated. DeleteUser reads
	// them to scrub them too.
	FormerEmails(ctx context.Context, userID uuid.UUID) ([]string, error)
}

// WriteDeferrer is implemented by a Tx that can send some writes later
// than they are made, saving the network round trip of each: sqlstore's
// pipelined transactions on PostgreSQL send them with the transaction's
// next statement or its commit. It is optional; the Service uses it where
// a Tx has it, and writes through the Tx itself where it has not.
type WriteDeferrer interface {
	// Deferred returns the transaction's deferred writer.
	Deferred() DeferredWriter
}

// DeferredWriter holds the writes a transaction may send later: with its
// next statement, or with its commit. Each method is the Tx method of the
// same name, with its sentinel errors, but a write may be sent only
// later, having returned nil. Its error is then returned by the call that
// sends it (whichever Tx method that is) and by every later call that
// reaches the store, and Update returns it and keeps nothing, whatever fn
// made of the calls in between. Reads of the transaction see every write
// made before them, deferred or not.
//
// A caller should defer only a write whose error it returns unchanged:
// an error met after a deferred write may be that write's, returned by a
// call (a lookup, say) that would otherwise have meant something else by
// it. A Tx is itself a DeferredWriter that sends every write at once.
type DeferredWriter interface {
	CreateOrganization(ctx context.Context, o Organization) error
	AddOrgAdmin(ctx context.Context, orgID, userID uuid.UUID, at time.Time) error
	AddMember(ctx context.Context, m Member) error
	AppendAudit(ctx context.Context, e AuditEvent) error
}

// FactsLocker is implemented by a Tx that can lock the organization of a
// scope and read the access facts in one step, saving round trips:
// sqlstore's (on PostgreSQL, the lock and the read go out together). It
// is optional; the Service falls back to Workspace, LockOrganization and
// AccessFacts.
type FactsLocker interface {
	// LockAccessFacts locks the organization of scope (the workspace's,
	// for a workspace scope) as LockOrganization does, then returns
	// AccessFacts(ctx, userID, scope), read once the lock is held: every
	// change committed before the lock was granted is in the facts. It
	// returns ErrNotFound if the workspace or organization does not
	// exist.
	LockAccessFacts(ctx context.Context, userID uuid.UUID, scope Scope) (Facts, error)
}

// deferred returns tx's deferred writer (WriteDeferrer), or tx itself.
func deferred(tx Tx) DeferredWriter {
	if d, ok := tx.(WriteDeferrer); ok {
		return d.Deferred()
	}
	return tx
}

// Reader holds the queries shared by a Store and a Tx.
type Reader interface {
	UserReader
	OrganizationReader
	WorkspaceReader
	MemberReader
	InvitationReader

	// AccessFacts gathers, in one read, every fact an authorization
	// decision needs about userID in scope (see Facts). When
	// scope.WorkspaceID is set it wins and scope.OrgID is ignored. It
	// returns ErrNotFound if the workspace or organization does not exist.
	// It is the hot path of Check: implementations should make it a single
	// round trip and allocate as little as they can.
	AccessFacts(ctx context.Context, userID uuid.UUID, scope Scope) (Facts, error)

	// ListAuditEvents lists an organization's events newest first, ordered
	// by (At, ID) descending; q.After, when set, holds the At and ID of the
	// last event of the previous page. orgID uuid.Nil lists the events that
	// belong to no organization (a sign-up that joined none, a user's
	// rename).
	ListAuditEvents(ctx context.Context, orgID uuid.UUID, q PageQuery) ([]AuditEvent, error)
}

// UserReader reads users.
type UserReader interface {
	// User returns ErrNotFound if no user has this ID.
	User(ctx context.Context, id uuid.UUID) (User, error)
	// UserByEmail looks up the normalized address; ErrNotFound if absent.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserByExternalID looks up the identity provider's subject (a
	// non-empty User.ExternalID); ErrNotFound if absent.
	UserByExternalID(ctx context.Context, externalID string) (User, error)
	// UserOrganizations lists the organizations where userID holds any
	// role (Organization Admin, or member of at least one of its
	// workspaces), each with whether the user is an Organization Admin and
	// how many of its workspaces the user is a member of, ordered by
	// (organization name, ID). It returns an empty list for an unknown
	// user.
	UserOrganizations(ctx context.Context, userID uuid.UUID) ([]OrgMembership, error)
}

// UserWriter writes users.
type UserWriter interface {
	// CreateUser returns ErrAlreadyExists if the ID, the email or a
	// non-empty ExternalID is taken.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser replaces the user's Email, Name, EmailVerified and
	// ExternalID; CreatedAt is kept. It returns ErrNotFound if absent and
	// ErrAlreadyExists if another user has the email or the non-empty
	// ExternalID. Copies of the email a store keeps beside the user's roles
	// (to list members or organization users by email) follow the change.
	UpdateUser(ctx context.Context, u User) error
	// VerifyUserEmail marks the user's address verified if it is still
	// email and not yet verified, and reports whether this call changed
	// it. Of concurrent calls for one user, exactly one reports true. It
	// returns ErrNotFound if the user is absent.
	VerifyUserEmail(ctx context.Context, userID uuid.UUID, email string) (bool, error)
	// DeleteUser deletes the user with every workspace membership and
	// Organization Admin role it holds. Invitations (to its address or
	// issued by it) and audit events are left alone: the Service deals with
	// them. It returns ErrNotFound if absent.
	DeleteUser(ctx context.Context, id uuid.UUID) error
}

// OrganizationReader reads organizations and their admins.
type OrganizationReader interface {
	// Organization returns ErrNotFound if no organization has this ID.
	Organization(ctx context.Context, id uuid.UUID) (Organization, error)
	// OrganizationByDomain returns ErrNotFound if no organization claims
	// the domain.
	OrganizationByDomain(ctx context.Context, domain string) (Organization, error)
	// IsOrgAdmin reports whether userID is an Organization Admin of orgID.
	IsOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) (bool, error)
	// CountOrgAdmins counts the Organization Admins of orgID.
	CountOrgAdmins(ctx context.Context, orgID uuid.UUID) (int, error)
	// AdminOrganizations lists the organizations where userID is an
	// Organization Admin, ordered by name then ID.
	AdminOrganizations(ctx context.Context, userID uuid.UUID) ([]Organization, error)
	// ListOrgUsers lists the distinct users holding any role in orgID
	// (org admin or member of any of its workspaces), ordered by (email,
	// ID); q.After holds the Key (email) and ID of the previous page's last.
	ListOrgUsers(ctx context.Context, orgID uuid.UUID, q PageQuery) ([]OrgUser, error)
	// CountSeats counts the distinct users holding any role in orgID.
	CountSeats(ctx context.Context, orgID uuid.UUID) (int, error)
}

// OrganizationWriter writes organizations and their admins.
type OrganizationWriter interface {
	// CreateOrganization returns ErrDomainTaken if o.Domain is not empty
	// and another organization claims it, ErrAlreadyExists if the ID is
	// taken.
	CreateOrganization(ctx context.Context, o Organization) error
	// UpdateOrganization replaces Name, Domain, Billing and Policy;
	// ErrNotFound if absent, ErrDomainTaken if o.Domain is not empty and
	// another organization claims it.
	UpdateOrganization(ctx context.Context, o Organization) error
	// DeleteOrganization deletes the organization with its workspaces,
	// their memberships and invitations, and its Organization Admins. Its
	// audit events are kept. It returns ErrNotFound if absent.
	DeleteOrganization(ctx context.Context, id uuid.UUID) error
	// AddOrgAdmin returns ErrAlreadyExists if the user is already an
	// Organization Admin, ErrNotFound if the user or organization is absent.
	AddOrgAdmin(ctx context.Context, orgID, userID uuid.UUID, at time.Time) error
	// RemoveOrgAdmin returns ErrNotFound if the user is not an
	// Organization Admin of orgID.
	RemoveOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) error
}

// WorkspaceReader reads workspaces.
type WorkspaceReader interface {
	// Workspace returns ErrNotFound if no workspace has this ID.
	Workspace(ctx context.Context, id uuid.UUID) (Workspace, error)
	// ListOrgWorkspaces lists the workspaces of orgID with userID's role in
	// each ("" where it has none), ordered by (NameKey of the name, ID). When
	// onlyMember is true, only workspaces where userID is a member are
	// listed. q.After holds the Key (NameKey of the name) and ID of the
	// previous page's last.
	ListOrgWorkspaces(ctx context.Context, orgID, userID uuid.UUID, onlyMember bool, q PageQuery) ([]Membership, error)
}

// WorkspaceWriter writes workspaces.
type WorkspaceWriter interface {
	// CreateWorkspace returns ErrAlreadyExists if the organization already
	// has a workspace with the same NameKey, ErrNotFound if the
	// organization is absent.
	CreateWorkspace(ctx context.Context, w Workspace) error
	// UpdateWorkspace replaces the name; ErrNotFound if absent,
	// ErrAlreadyExists if the name is taken in the organization.
	UpdateWorkspace(ctx context.Context, w Workspace) error
	// DeleteWorkspace deletes the workspace with its memberships and
	// invitations; ErrNotFound if absent.
	DeleteWorkspace(ctx context.Context, id uuid.UUID) error
}

// MemberReader reads workspace memberships.
type MemberReader interface {
	// Member returns ErrNotFound if userID is not a member of wsID.
	Member(ctx context.Context, wsID, userID uuid.UUID) (Member, error)
	// CountMembersWithRole counts the members of wsID holding role r. The
	// Service uses it for the last-admin rule, with the role its Policy
	// names as the workspace's administrator (Policy.AdminRole).
	CountMembersWithRole(ctx context.Context, wsID uuid.UUID, r Role) (int, error)
	// ListMembers lists a workspace's members ordered by (email, user ID);
	// q.After holds the Key (email) and ID (user ID) of the previous page's
	// last.
	ListMembers(ctx context.Context, wsID uuid.UUID, q PageQuery) ([]Member, error)
	// ListUserMemberships lists every workspace userID is a member of, in
	// any organization, ordered by (NameKey of the name, workspace ID).
	ListUserMemberships(ctx context.Context, userID uuid.UUID, q PageQuery) ([]Membership, error)
	// UserOrgMemberships lists userID's memberships in the workspaces of
	// orgID, ordered by workspace ID.
	UserOrgMemberships(ctx context.Context, orgID, userID uuid.UUID) ([]Member, error)
}

// MemberWriter writes workspace memberships.
type MemberWriter interface {
	// AddMember returns ErrAlreadyExists if the user is already a member,
	// ErrNotFound if the workspace or user is absent. m.Email is ignored.
	AddMember(ctx context.Context, m Member) error
	// SetMemberRole returns ErrNotFound if the user is not a member.
	SetMemberRole(ctx context.Context, wsID, userID uuid.UUID, r Role) error
	// RemoveMember returns ErrNotFound if the user is not a member.
	RemoveMember(ctx context.Context, wsID, userID uuid.UUID) error
}

// InvitationRecord is a stored invitation: the Invitation and the SHA-256
// hash of its secret token. The token itself is never stored.
type InvitationRecord struct {
	Invitation
	TokenHash []byte
}

// InvitationReader reads invitations.
type InvitationReader interface {
	// Invitation returns ErrNotFound if no invitation has this ID.
	Invitation(ctx context.Context, id uuid.UUID) (InvitationRecord, error)
	// InvitationByTokenHash returns ErrNotFound if no invitation has this
	// token hash.
	InvitationByTokenHash(ctx context.Context, hash []byte) (InvitationRecord, error)
	// InvitationByEmail returns the pending invitation of email to wsID;
	// ErrNotFound if none.
	InvitationByEmail(ctx context.Context, wsID uuid.UUID, email string) (InvitationRecord, error)
	// ListInvitations lists a workspace's invitations ordered by (email,
	// ID); q.After holds the Key (email) and ID of the previous page's last.
	ListInvitations(ctx context.Context, wsID uuid.UUID, q PageQuery) ([]Invitation, error)
	// ListInvitationsTo lists the invitations to email (normalized) in
	// every workspace, expired ones included, ordered by (CreatedAt, ID).
	ListInvitationsTo(ctx context.Context, email string) ([]Invitation, error)
	// ListInvitationsBy lists the invitations issued by inviterID, in the
	// workspaces of orgID or, when orgID is uuid.Nil, in every
	// organization, ordered by (CreatedAt, ID).
	ListInvitationsBy(ctx context.Context, orgID, inviterID uuid.UUID) ([]Invitation, error)
}

// InvitationWriter writes invitations.
type InvitationWriter interface {
	// CreateInvitation returns ErrAlreadyExists if the workspace already
	// has an invitation for the email, or the token hash is taken;
	// ErrNotFound if the workspace is absent.
	CreateInvitation(ctx context.Context, r InvitationRecord) error
	// DeleteInvitation returns ErrNotFound if absent.
	DeleteInvitation(ctx context.Context, id uuid.UUID) error
}

// Facts are what an authorization decision is made from, as a Store reads
// them for one user in one scope. The Policy turns them into a Decision
// without further I/O.
type Facts struct {
	// OrgID is the organization of the scope (the workspace's, for a
	// workspace scope).
	OrgID uuid.UUID
	// WorkspaceID is the scope's workspace, uuid.Nil for an org scope.
	WorkspaceID uuid.UUID
	// WorkspaceRole is the user's role in the workspace, "" if none or in
	// an org scope.
	WorkspaceRole Role
	// Policy is the organization's security policy, never nil in the
	// facts AccessFacts returns. It points to the store's copy (which the
	// store replaces, never changes), so reading the facts copies no
	// policy; it must be treated as read-only. A nil Policy is the zero
	// policy.
	Policy *SecurityPolicy
	// OrgAdmin reports whether the user is an Organization Admin.
	OrgAdmin bool
	// OrgMember reports whether the user is a member of at least one
	// workspace of the organization.
	OrgMember bool
}

// zeroPolicy stands for a nil Facts.Policy.
var zeroPolicy SecurityPolicy

// securityPolicy returns f.Policy, or the zero policy when it is nil.
func (f *Facts) securityPolicy() *SecurityPolicy {
	if f.Policy == nil {
		return &zeroPolicy
	}
	return f.Policy
}

// HasRole reports whether the user holds any role in the organization.
func (f Facts) HasRole() bool { return f.OrgAdmin || f.OrgMember || f.WorkspaceRole != "" }

// PageQuery asks a Store for one page of a keyset-paginated list: at most
// Limit items strictly after After in the list's order.
type PageQuery struct {
	After *Cursor
	Limit int
}

// Cursor is the sort key of the last item of a page. Each list documents
// which fields it uses.
type Cursor struct {
	Key string
	At  time.Time
	ID  uuid.UUID
}

// Validate returns an error matching ErrInvalidInput unless q is a page
// query a Store can run: a positive Limit and, when set, a cursor whose
// Key is valid UTF-8 without NUL bytes and at most MaxCursorKeyLength
// bytes. The Service validates every query it builds; Stores call it too,
// so that a forged cursor never reaches a database.
func (q PageQuery) Validate() error {
	switch {
	case q.Limit <= 0:
		return invalid("page limit %d is not positive", q.Limit)
	case q.After == nil:
		return nil
	case len(q.After.Key) > MaxCursorKeyLength:
		return invalid("malformed page cursor")
	case !utf8.ValidString(q.After.Key), strings.IndexByte(q.After.Key, 0) >= 0:
		return invalid("malformed page cursor")
	}
	return nil
}

// MaxCursorKeyLength bounds the Key of a Cursor, in bytes: the longest
// sort key any list uses (a normalized email address or a name key).
const MaxCursorKeyLength = 1024

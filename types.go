package tenancy

import (
	"net/netip"
	"slices"
	"time"

	"github.com/google/uuid"
)

// User is a person who signed up. Email is normalized (see ParseEmail) and
// unique.
type User struct {
	ID            uuid.UUID
	Email, Name   string
	EmailVerified bool
	CreatedAt     time.Time
	// ExternalID is the identity provider's subject for the user (such as
	// "auth0|123"), unique when set; "" if the host gave none.
	ExternalID string
}

// Organization is a company, group or institution. It owns workspaces,
// centralizes their billing and holds the security policy that applies to
// all of them.
type Organization struct {
	ID        uuid.UUID
	Name      string
	Domain    string // registrable domain claimed at sign-up; may be "" if made by an operator
	Billing   Billing
	Policy    SecurityPolicy
	CreatedAt time.Time
}

// Clone returns a copy of o that shares no memory with it.
func (o Organization) Clone() Organization {
	o.Policy = o.Policy.Clone()
	return o
}

// Billing holds an organization's billing contact and the host's customer
// reference (for example a payment provider's customer ID): at most
// MaxCustomerRefLength bytes with no control, bidi or invisible format
// character.
type Billing struct{ Email, CustomerRef string }

// SecurityPolicy is an organization's security policy. It applies to every
// workspace of the organization. The zero value turns everything off.
type SecurityPolicy struct {
	// RequireMFA and RequireSSO deny any session that did not use
	// multi-factor authentication or the organization's single sign-on.
	RequireMFA, RequireSSO bool
	// MaxSessionAge denies sessions authenticated longer ago than this.
	MaxSessionAge time.Duration
	// AllowedIPs denies requests from outside these prefixes.
	AllowedIPs []netip.Prefix
	// AllowedEmailDomains restricts who may be invited, added or granted
	// org admin to addresses at these domains or their subdomains. While
	// it holds any, a user added (AddMember) must have verified its
	// address: an unverified one proves nothing about its domain.
	AllowedEmailDomains []string
	// InvitationTTL is the lifetime of new invitations (default 7 days).
	InvitationTTL time.Duration
	// AutoJoin adds users who sign up with the organization's domain to
	// workspaces.
	AutoJoin AutoJoin
}

// Clone returns a copy of p that shares no memory with it.
func (p SecurityPolicy) Clone() SecurityPolicy {
	p.AllowedIPs = slices.Clone(p.AllowedIPs)
	p.AllowedEmailDomains = slices.Clone(p.AllowedEmailDomains)
	p.AutoJoin.Workspaces = slices.Clone(p.AutoJoin.Workspaces)
	p.AutoJoin.Domains = slices.Clone(p.AutoJoin.Domains)
	return p
}

// AutoJoin lists the workspaces that users with a verified address at the
// organization's domain join when they sign up, confirm their address or
// change to it, and the role they get (RoleMember if empty). Domains adds
// subdomains of the organization's domain whose addresses auto-join too
// (for example "eng.acme.com"); addresses at other subdomains do not.
type AutoJoin struct {
	Workspaces []uuid.UUID
	Role       Role
	Domains    []string
}

// Workspace is an instance of the platform granted to a team. It belongs
// to exactly one organization.
type Workspace struct {
	ID, OrgID uuid.UUID
	Name      string
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// Member is a user's role in one workspace. Email is the user's.
type Member struct {
	WorkspaceID, UserID uuid.UUID
	Email               string
	Role                Role
	CreatedAt           time.Time
}

// Membership is a workspace with the role a user holds in it.
type Membership struct {
	Workspace Workspace
	Role      Role
}

// Invitation invites an email address to a workspace with a role. Its
// secret token is returned once, by Invite, and never stored.
type Invitation struct {
	ID, WorkspaceID, OrgID uuid.UUID
	Email                  string
	Role                   Role
	InvitedBy              uuid.UUID
	CreatedAt, ExpiresAt   time.Time
}

// OrgMembership is an organization where a user holds a role: Organization
// Admin, and/or member of Workspaces of its workspaces.
type OrgMembership struct {
	Organization Organization
	OrgAdmin     bool
	Workspaces   int // workspaces of the organization the user is a member of
}

// OrgUser is a user holding a role in an organization: Organization Admin,
// and/or member of Workspaces of its workspaces.
type OrgUser struct {
	User       User
	OrgAdmin   bool
	Workspaces int
}

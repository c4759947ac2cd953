package tenancyhttp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// The JSON shapes of the API, as openapi.json describes them: snake_case
// names, RFC 3339 times, Go duration strings, and lists that are [] when
// empty, never null. IDs that may be absent (uuid.Nil) are null.

type userJSON struct {
	ID            uuid.UUID `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	EmailVerified bool      `json:"email_verified"`
	CreatedAt     time.Time `json:"created_at"`
}

func toUser(u tenancy.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt}
}

// organizationJSON is an organization without its billing details and
// security policy, which have their own resources and permissions.
type organizationJSON struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	CreatedAt time.Time `json:"created_at"`
}

func toOrganization(o tenancy.Organization) organizationJSON {
	return organizationJSON{ID: o.ID, Name: o.Name, Domain: o.Domain, CreatedAt: o.CreatedAt}
}

type orgMembershipJSON struct {
	Organization organizationJSON `json:"organization"`
	OrgAdmin     bool             `json:"org_admin"`
	Workspaces   int              `json:"workspaces"`
}

type orgUserJSON struct {
	User       userJSON `json:"user"`
	OrgAdmin   bool     `json:"org_admin"`
	Workspaces int      `json:"workspaces"`
}

type billingJSON struct {
	Email       string `json:"email"`
	CustomerRef string `json:"customer_ref"`
}

// policyJSON is a SecurityPolicy. Durations are Go duration strings
// ("168h0m0s"); "0s" (or an omitted field, on input) turns a limit off.
type policyJSON struct {
	RequireMFA          bool         `json:"require_mfa"`
	RequireSSO          bool         `json:"require_sso"`
	MaxSessionAge       string       `json:"max_session_age"`
	AllowedIPs          []string     `json:"allowed_ips"`
	AllowedEmailDomains []string     `json:"allowed_email_domains"`
	InvitationTTL       string       `json:"invitation_ttl"`
	AutoJoin            autoJoinJSON `json:"auto_join"`
}

type autoJoinJSON struct {
	Workspaces []string `json:"workspaces"`
	Role       string   `json:"role"`
	Domains    []string `json:"domains"`
}

func toPolicy(p tenancy.SecurityPolicy) policyJSON {
	out := policyJSON{
		RequireMFA:          p.RequireMFA,
		RequireSSO:          p.RequireSSO,
		MaxSessionAge:       p.MaxSessionAge.String(),
		AllowedIPs:          make([]string, 0, len(p.AllowedIPs)),
		AllowedEmailDomains: nonNil(p.AllowedEmailDomains),
		InvitationTTL:       p.InvitationTTL.String(),
		AutoJoin: autoJoinJSON{
			Workspaces: make([]string, 0, len(p.AutoJoin.Workspaces)),
			Role:       string(p.AutoJoin.Role),
			Domains:    nonNil(p.AutoJoin.Domains),
		},
	}
	for _, ip := range p.AllowedIPs {
		out.AllowedIPs = append(out.AllowedIPs, ip.String())
	}
	for _, id := range p.AutoJoin.Workspaces {
		out.AutoJoin.Workspaces = append(out.AutoJoin.Workspaces, id.String())
	}
	return out
}

// securityPolicy parses a request's policy. Its errors match
// tenancy.ErrInvalidInput and name the field; the Service validates the
// rest.
func (in policyJSON) securityPolicy() (tenancy.SecurityPolicy, error) {
	p := tenancy.SecurityPolicy{
		RequireMFA:          in.RequireMFA,
		RequireSSO:          in.RequireSSO,
		AllowedEmailDomains: in.AllowedEmailDomains,
		AutoJoin:            tenancy.AutoJoin{Role: tenancy.Role(in.AutoJoin.Role), Domains: in.AutoJoin.Domains},
	}
	var err error
	if p.MaxSessionAge, err = duration("max_session_age", in.MaxSessionAge); err != nil {
		return p, err
	}
	if p.InvitationTTL, err = duration("invitation_ttl", in.InvitationTTL); err != nil {
		return p, err
	}
	if len(in.AllowedIPs) > tenancy.MaxPolicyEntries {
		return p, invalidf("allowed_ips holds more than %d entries", tenancy.MaxPolicyEntries)
	}
	for i, s := range in.AllowedIPs {
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			return p, invalidf("allowed_ips[%d] is not an IP prefix such as 203.0.113.0/24", i)
		}
		p.AllowedIPs = append(p.AllowedIPs, prefix)
	}
	if len(in.AutoJoin.Workspaces) > tenancy.MaxPolicyEntries {
		return p, invalidf("auto_join.workspaces holds more than %d entries", tenancy.MaxPolicyEntries)
	}
	for i, s := range in.AutoJoin.Workspaces {
		id, err := parseUUID(s)
		if err != nil {
			return p, invalidf("auto_join.workspaces[%d] is not a UUID", i)
		}
		p.AutoJoin.Workspaces = append(p.AutoJoin.Workspaces, id)
	}
	return p, nil
}

// duration parses a Go duration string; "" is zero.
func duration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, invalidf("%s is not a duration such as \"168h0m0s\"", field)
	}
	return d, nil
}

type workspaceJSON struct {
	ID        uuid.UUID `json:"id"`
	OrgID     uuid.UUID `json:"org_id"`
	Name      string    `json:"name"`
	CreatedBy uuid.UUID `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func toWorkspace(w tenancy.Workspace) workspaceJSON {
	return workspaceJSON{ID: w.ID, OrgID: w.OrgID, Name: w.Name, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt}
}

type membershipJSON struct {
	Workspace workspaceJSON `json:"workspace"`
	Role      tenancy.Role  `json:"role"`
}

type memberJSON struct {
	WorkspaceID uuid.UUID    `json:"workspace_id"`
	UserID      uuid.UUID    `json:"user_id"`
	Email       string       `json:"email"`
	Role        tenancy.Role `json:"role"`
	CreatedAt   time.Time    `json:"created_at"`
}

func toMember(m tenancy.Member) memberJSON {
	return memberJSON{WorkspaceID: m.WorkspaceID, UserID: m.UserID, Email: m.Email, Role: m.Role, CreatedAt: m.CreatedAt}
}

type invitationJSON struct {
	ID          uuid.UUID    `json:"id"`
	WorkspaceID uuid.UUID    `json:"workspace_id"`
	OrgID       uuid.UUID    `json:"org_id"`
	Email       string       `json:"email"`
	Role        tenancy.Role `json:"role"`
	InvitedBy   uuid.UUID    `json:"invited_by"`
	CreatedAt   time.Time    `json:"created_at"`
	ExpiresAt   time.Time    `json:"expires_at"`
}

func toInvitation(i tenancy.Invitation) invitationJSON {
	return invitationJSON{ID: i.ID, WorkspaceID: i.WorkspaceID, OrgID: i.OrgID, Email: i.Email, Role: i.Role,
		InvitedBy: i.InvitedBy, CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt}
}

type invitationDetailsJSON struct {
	Invitation         invitationJSON `json:"invitation"`
	WorkspaceName      string         `json:"workspace_name"`
	OrganizationName   string         `json:"organization_name"`
	OrganizationDomain string         `json:"organization_domain"`
	InviterName        string         `json:"inviter_name"`
}

func toInvitationDetails(d tenancy.InvitationDetails) invitationDetailsJSON {
	return invitationDetailsJSON{Invitation: toInvitation(d.Invitation), WorkspaceName: d.WorkspaceName,
		OrganizationName: d.OrganizationName, OrganizationDomain: d.OrganizationDomain, InviterName: d.InviterName}
}

// createdInvitationJSON is an invitation with its secret token, returned
// once, when it is created.
type createdInvitationJSON struct {
	Invitation invitationJSON `json:"invitation"`
	Token      string         `json:"token"`
}

type auditEventJSON struct {
	ID          uuid.UUID         `json:"id"`
	OrgID       *uuid.UUID        `json:"org_id"`
	WorkspaceID *uuid.UUID        `json:"workspace_id"`
	ActorID     *uuid.UUID        `json:"actor_id"`
	TargetID    *uuid.UUID        `json:"target_id"`
	Action      string            `json:"action"`
	At          time.Time         `json:"at"`
	Details     map[string]string `json:"details"`
}

func toAuditEvent(e tenancy.AuditEvent) auditEventJSON {
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	return auditEventJSON{ID: e.ID, OrgID: optionalID(e.OrgID), WorkspaceID: optionalID(e.WorkspaceID),
		ActorID: optionalID(e.ActorID), TargetID: optionalID(e.TargetID), Action: e.Action, At: e.At, Details: details}
}

// optionalID is nil for uuid.Nil, so that JSON says null.
func optionalID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

type permissionsJSON struct {
	Actions []tenancy.Action `json:"actions"`
}

type seatsJSON struct {
	Seats int `json:"seats"`
}

// listJSON is a list of items, [] when empty. Next is set on a paginated
// list: the cursor of the next page, "" on the last.
type listJSON[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next,omitempty"`
}

// listOf converts items with conv into a non-paginated list.
func listOf[S, T any](items []S, conv func(S) T) listJSON[T] {
	out := make([]T, 0, len(items))
	for _, it := range items {
		out = append(out, conv(it))
	}
	return listJSON[T]{Items: out}
}

// pageOf converts a page of a paginated list.
func pageOf[S, T any](l tenancy.List[S], conv func(S) T) listJSON[T] {
	out := listOf(l.Items, conv)
	out.Next = &l.Next
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Request bodies.

type nameRequest struct {
	Name *string `json:"name"`
}

type addMemberRequest struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

type roleRequest struct {
	Role string `json:"role"`
}

type inviteRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

type tokenRequest struct {
	Token string `json:"token"`
}

// invalidf returns an error matching tenancy.ErrInvalidInput whose text
// is the formatted message.
func invalidf(format string, args ...any) error {
	return inputError{msg: fmt.Sprintf(format, args...)}
}

// inputError is a malformed request, reported as invalid_input.
type inputError struct{ msg string }

func (e inputError) Error() string        { return e.msg }
func (e inputError) Is(target error) bool { return target == tenancy.ErrInvalidInput }

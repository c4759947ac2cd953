package tenancy

import (
	"context"
	"maps"
	"time"

	"github.com/google/uuid"
)

// AuditEvent records one successful mutation. OrgID is uuid.Nil for a
// sign-up that joined no organization and for an address change (it names
// the former address; an organization the change makes the user join or
// create records the join); WorkspaceID and TargetID are uuid.Nil when the
// event has none; ActorID is uuid.Nil for an Operator
// action.
type AuditEvent struct {
	ID, OrgID, WorkspaceID, ActorID, TargetID uuid.UUID
	Action                                    string
	At                                        time.Time
	Details                                   map[string]string
}

// Audit event actions, each with the Details keys it sets. Every event of
// an Operator call also sets DetailBy, and DetailNote but for
// CreateOrganization, which takes no note. An email detail is
// the address when the event was recorded; DeleteUser removes an erased
// user's.
const (
	EventUserSignedUp          = "user.signed_up"                       // email
	EventUserEmailConfirmed    = "user.email_confirmed"                 // email
	EventOrganizationCreated   = "organization.created"                 // name, domain
	EventOrganizationRenamed   = "organization.renamed"                 // from, to
	EventBillingChanged        = "organization.billing_changed"         // email, customer_ref: the new details
	EventSecurityPolicyChanged = "organization.security_policy_changed" // the whole new policy (see SetSecurityPolicy)
	EventOrgAdminGranted       = "org_admin.granted"                    // email
	EventOrgAdminRevoked       = "org_admin.revoked"                    // email
	EventUserRemovedFromOrg    = "organization.user_removed"            // email, org_admin, workspaces, invitations_revoked
	EventWorkspaceCreated      = "workspace.created"                    // name
	EventWorkspaceRenamed      = "workspace.renamed"                    // from, to
	EventWorkspaceDeleted      = "workspace.deleted"                    // name
	EventMemberAdded           = "member.added"                         // email, role; via, for an invitation or auto-join
	EventMemberRoleChanged     = "member.role_changed"                  // email, from, to
	EventMemberRemoved         = "member.removed"                       // email, role, invitations_revoked
	EventInvitationCreated     = "invitation.created"                   // email, role
	EventInvitationAccepted    = "invitation.accepted"                  // email, role
	EventInvitationRevoked     = "invitation.revoked"                   // email, role; reason, when the inviter lost the right
	EventInvitationDeclined    = "invitation.declined"                  // email, role
	EventUserRenamed           = "user.renamed"                         // from, to: display names
	EventUserEmailChanged      = "user.email_changed"                   // from, to, verified
	EventUserExternalIDChanged = "user.external_id_changed"             // from, to: identity-provider subjects
	EventUserDeleted           = "user.deleted"                         // org_admin, workspaces, invitations_revoked
	EventUserLeftOrg           = "organization.user_left"               // email, org_admin, workspaces, invitations_revoked
	EventOrganizationDeleted   = "organization.deleted"                 // name, domain
	EventDomainChanged         = "organization.domain_changed"          // from, to ("" for none)
)

// Keys of AuditEvent.Details. Each event action lists those it sets.
const (
	DetailEmail    = "email"     // the address of the user or invitation concerned
	DetailRole     = "role"      // a role granted, held or invited to
	DetailName     = "name"      // a workspace's or organization's name
	DetailDomain   = "domain"    // an organization's domain
	DetailFrom     = "from"      // the value before a change
	DetailTo       = "to"        // the value after a change
	DetailVia      = "via"       // how a member joined: ViaInvitation or ViaAutoJoin
	DetailBy       = "by"        // "operator" for support actions
	DetailNote     = "note"      // the operator's note
	DetailReason   = "reason"    // why the library did something on its own, such as ReasonInviterLostRights
	DetailOrgAdmin = "org_admin" // "true" if an Organization Admin role was dropped

	DetailWorkspaces = "workspaces" // how many workspace roles were dropped
	// DetailInvitationsRevoked counts the invitations to the user's
	// addresses deleted with the change (for user.deleted, those by the
	// user too). The invitations the user issued and can no longer grant
	// are revoked after it, each with its own invitation.revoked.
	DetailInvitationsRevoked = "invitations_revoked"
)

// Values of some Details entries.
const (
	ViaInvitation           = "invitation"
	ViaAutoJoin             = "auto_join"
	ByOperator              = "operator"
	ReasonInviterLostRights = "inviter_lost_rights" // an invitation worth more than its inviter now holds
	// ReasonReplacedByVerifiedSignUp: a user that never verified its
	// address was erased for a verified sign-up at it
	// (SignUpRequest.ReplaceUnverified).
	ReasonReplacedByVerifiedSignUp = "replaced_by_verified_sign_up"
)

// recorder appends audit events inside a transaction and remembers them
// for the event handler.
type recorder struct {
	now    time.Time
	events []AuditEvent
	// operator is set when support staff acts (Operator): every event
	// then carries note (see opEvent).
	operator bool
	note     string
}

// record appends e to the transaction's audit log, filling ID and At.
// The append is deferred (see WriteDeferrer) where the Tx can: an event
// can only fail with a taken ID (ErrAlreadyExists; IDs are fresh UUIDv7s)
// or a store failure, which no later call of any operation takes for its
// own answer (they branch on ErrNotFound or ErrDomainTaken), and the
// transaction fails either way.
func (r *recorder) record(ctx context.Context, tx Tx, e AuditEvent) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	e.ID, e.At = id, r.now
	if r.operator {
		e = opEvent(e, r.note)
	}
	if err := deferred(tx).AppendAudit(ctx, e); err != nil {
		return err
	}
	e.Details = maps.Clone(e.Details)
	r.events = append(r.events, e)
	return nil
}

// AuditLog lists the organization's audit events, newest first. It needs
// ActionViewAuditLog in the organization. It returns ErrNotFound if the organization does not exist or the actor
// holds no role in it, ErrForbidden if the actor lacks the permission or
// its session fails the organization's policy, and ErrInvalidInput
// for a bad page.
//
// An event names its actor by ID. Name it from what the organization may
// know: its users' addresses (OrganizationUsers), else the address the
// event recorded, where the actor acted on itself or on an invitation to
// it. User(ActorID) would show the current address of an account that
// left the organization, or of an invitee that declined and never joined.
func (s *Service) AuditLog(ctx context.Context, a Actor, orgID uuid.UUID, p Page) (List[AuditEvent], error) {
	return listPage(ctx, s, p, cursorAudit, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionViewAuditLog, InOrganization(orgID))
		return err
	}, func(q PageQuery) ([]AuditEvent, error) {
		return s.store.ListAuditEvents(ctx, orgID, q)
	}, func(e AuditEvent) Cursor { return Cursor{At: e.At, ID: e.ID} })
}

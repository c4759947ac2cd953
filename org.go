package tenancy

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// actionViewOrganization names, in decisions, reading an organization: any
// role in it allows it.
const actionViewOrganization Action = "organization:view"

// authorizeAnyRole allows, for act, any actor holding a role in the
// scope's organization whose session satisfies its security policy; the
// denial names act. It returns ErrNotFound if the scope does not exist or
// the actor holds no role there.
func (s *Service) authorizeAnyRole(ctx context.Context, r Reader, a Actor, act Action, sc Scope) (Facts, error) {
	f, err := r.AccessFacts(ctx, a.UserID, sc)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && !f.HasRole():
		return Facts{}, notFound(sc)
	case err != nil:
		return Facts{}, s.readFailed(ctx, err)
	}
	if d := s.policy.DecideAnyRole(f, a, act, s.sessionClock(f.securityPolicy())); !d.Allowed {
		return f, s.deny(ctx, a, d, f)
	}
	return f, nil
}

// Organization returns an organization to an actor holding any role in it.
// It returns ErrNotFound if the organization does not exist or the actor
// holds no role in it, ErrForbidden if the actor's session fails its
// security policy.
func (s *Service) Organization(ctx context.Context, a Actor, id uuid.UUID) (Organization, error) {
	if _, err := s.authorizeAnyRole(ctx, s.store, a, actionViewOrganization, InOrganization(id)); err != nil {
		return Organization{}, err
	}
	o, err := s.store.Organization(ctx, id)
	return o, s.readFailed(ctx, err)
}

// AdminOrganizations lists the organizations where the user is an
// Organization Admin, by name. It returns ErrNotFound if the user does not
// exist.
func (s *Service) AdminOrganizations(ctx context.Context, userID uuid.UUID) ([]Organization, error) {
	if _, err := s.store.User(ctx, userID); err != nil {
		return nil, s.readFailed(ctx, err)
	}
	orgs, err := s.store.AdminOrganizations(ctx, userID)
	return orgs, s.readFailed(ctx, err)
}

// RenameOrganization renames an organization (ActionEditOrganization).
// The name is prepared as a display name (see NameKey) and must be 1 to
// MaxNameLength characters; renaming to the current name changes nothing
// and records no event. It returns ErrInvalidInput for a bad name,
// ErrNotFound if the organization does not exist or the actor holds no
// role in it, and ErrForbidden if the actor lacks the permission.
func (s *Service) RenameOrganization(ctx context.Context, a Actor, id uuid.UUID, name string) (Organization, error) {
	name, err := validName("organization", name)
	if err != nil {
		return Organization{}, err
	}
	return s.updateOrganization(ctx, a, id, ActionEditOrganization, func(o *Organization) (*AuditEvent, error) {
		if o.Name == name {
			return nil, nil
		}
		e := &AuditEvent{Action: EventOrganizationRenamed, Details: map[string]string{DetailFrom: o.Name, DetailTo: name}}
		o.Name = name
		return e, nil
	})
}

// SetBilling replaces an organization's billing details
// (ActionManageBilling); setting the current details changes nothing and
// records no event. It returns ErrInvalidInput (or ErrInvalidEmail) for a
// malformed email or customer reference, ErrNotFound if the organization
// does not exist or the actor holds no role in it, and ErrForbidden if the
// actor lacks the permission.
func (s *Service) SetBilling(ctx context.Context, a Actor, id uuid.UUID, b Billing) (Organization, error) {
	b, err := b.Validate()
	if err != nil {
		return Organization{}, err
	}
	return s.updateOrganization(ctx, a, id, ActionManageBilling, func(o *Organization) (*AuditEvent, error) {
		if o.Billing == b {
			return nil, nil
		}
		o.Billing = b
		return &AuditEvent{Action: EventBillingChanged,
			Details: map[string]string{DetailEmail: b.Email, "customer_ref": b.CustomerRef}}, nil
	})
}

// SetSecurityPolicy replaces an organization's security policy
// (ActionEditSecurityPolicy); setting the current policy changes nothing
// and records no event. It returns ErrInvalidInput for a malformed policy
// (see SecurityPolicy.Validate), auto-join workspaces outside the
// organization, or auto-join domains that are not subdomains of its
// domain; ErrLockout if the acting session itself would fail the new
// policy; ErrNotFound if the organization does not exist or the actor
// holds no role in it; and ErrForbidden if the actor lacks the permission.
func (s *Service) SetSecurityPolicy(ctx context.Context, a Actor, id uuid.UUID, p SecurityPolicy) (Organization, error) {
	p, err := p.Validate(s.policy)
	if err != nil {
		return Organization{}, err
	}
	return s.updateOrganization(ctx, a, id, ActionEditSecurityPolicy, func(o *Organization) (*AuditEvent, error) {
		if _, reason := sessionFailure(&p, o.ID, &a, s.clock()); reason != "" {
			return nil, wrapf(ErrLockout, "%s", reason)
		}
		if p.Equal(o.Policy) {
			return nil, nil
		}
		o.Policy = p
		return &AuditEvent{Action: EventSecurityPolicyChanged, Details: p.summary()}, nil
	}, func(ctx context.Context, tx Tx, o Organization) error {
		return s.checkPolicyScope(ctx, tx, o, p)
	})
}

// checkPolicyScope checks what SecurityPolicy.Validate cannot: that the
// auto-join workspaces belong to the organization and the auto-join
// domains are subdomains of its domain.
func (s *Service) checkPolicyScope(ctx context.Context, tx Tx, o Organization, p SecurityPolicy) error {
	for _, d := range p.AutoJoin.Domains {
		if o.Domain == "" || d == o.Domain || !inDomain(d, o.Domain) {
			return invalid("auto-join domain %q is not a subdomain of the organization's domain %q", d, o.Domain)
		}
	}
	for _, wsID := range p.AutoJoin.Workspaces {
		ws, err := tx.Workspace(ctx, wsID)
		if errors.Is(err, ErrNotFound) || err == nil && ws.OrgID != o.ID {
			return invalid("auto-join workspace %s is not in the organization", wsID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Equal reports whether two policies are the same. Both should be
// normalized (see Validate); lists compare in order.
func (sp SecurityPolicy) Equal(o SecurityPolicy) bool {
	return sp.RequireMFA == o.RequireMFA && sp.RequireSSO == o.RequireSSO &&
		sp.MaxSessionAge == o.MaxSessionAge && sp.InvitationTTL == o.InvitationTTL &&
		slices.Equal(sp.AllowedIPs, o.AllowedIPs) && slices.Equal(sp.AllowedEmailDomains, o.AllowedEmailDomains) &&
		sp.AutoJoin.Role == o.AutoJoin.Role && slices.Equal(sp.AutoJoin.Workspaces, o.AutoJoin.Workspaces) &&
		slices.Equal(sp.AutoJoin.Domains, o.AutoJoin.Domains)
}

// summary describes a policy for the audit log: every setting, lists as
// their entries joined by commas ("" for none), durations as
// time.Duration strings. An event alone thus tells what a change did and
// holds what to restore after a bad one: counts would not tell a
// replaced allow-list from the original, nor would they show the
// auto-join role.
func (sp SecurityPolicy) summary() map[string]string {
	ips := make([]string, len(sp.AllowedIPs))
	for i, p := range sp.AllowedIPs {
		ips[i] = p.String()
	}
	wss := make([]string, len(sp.AutoJoin.Workspaces))
	for i, id := range sp.AutoJoin.Workspaces {
		wss[i] = id.String()
	}
	return map[string]string{
		"require_mfa":           strconv.FormatBool(sp.RequireMFA),
		"require_sso":           strconv.FormatBool(sp.RequireSSO),
		"max_session_age":       sp.MaxSessionAge.String(),
		"allowed_ips":           strings.Join(ips, ","),
		"allowed_email_domains": strings.Join(sp.AllowedEmailDomains, ","),
		"invitation_ttl":        sp.InvitationTTL.String(),
		"auto_join_workspaces":  strings.Join(wss, ","),
		"auto_join_role":        string(sp.AutoJoin.Role),
		"auto_join_domains":     strings.Join(sp.AutoJoin.Domains, ","),
	}
}

// updateOrganization authorizes act, runs the optional checks, applies
// change to the organization and, unless change returned no event (it
// changed nothing), saves it and records the event.
func (s *Service) updateOrganization(ctx context.Context, a Actor, id uuid.UUID, act Action,
	change func(*Organization) (*AuditEvent, error), checks ...func(context.Context, Tx, Organization) error) (Organization, error) {
	var out Organization
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		if _, err := s.authorizeWrite(ctx, tx, a, act, InOrganization(id)); err != nil {
			return err
		}
		o, err := tx.Organization(ctx, id)
		if err != nil {
			return err
		}
		for _, check := range checks {
			if err := check(ctx, tx, o); err != nil {
				return err
			}
		}
		e, err := change(&o)
		if err != nil {
			return err
		}
		out = o
		if e == nil {
			return nil
		}
		if err := tx.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		e.OrgID, e.ActorID, e.TargetID = o.ID, a.UserID, o.ID
		return rec.record(ctx, tx, *e)
	})
	return out, err
}

// GrantOrgAdmin makes a user an Organization Admin (ActionManageOrgUsers).
// Only a user whose address is verified can be one: an unverified account
// could otherwise hold an organization it does not belong to. It returns
// ErrNotFound if the user does not exist (or the organization, or the
// actor holds no role in it), ErrInvalidInput if the user's address is not
// verified, ErrAlreadyExists if it is already one, and ErrForbidden if the
// actor lacks the permission or the organization's allowed email domains
// exclude the address (DeniedEmailDomain).
func (s *Service) GrantOrgAdmin(ctx context.Context, a Actor, orgID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		u, missing, err := lockTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageOrgUsers, InOrganization(orgID))
		if err != nil {
			return err
		}
		if missing != nil {
			return missing
		}
		if !u.EmailVerified {
			return invalid("user %s has not verified its address: only verified users can be organization admins", userID)
		}
		if err := s.checkEmailAllowed(ctx, a, f, ActionManageOrgUsers, u.Email); err != nil {
			return err
		}
		if err := tx.AddOrgAdmin(ctx, orgID, userID, rec.now); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, ActorID: a.UserID, TargetID: userID,
			Action: EventOrgAdminGranted, Details: map[string]string{DetailEmail: u.Email}})
	})
}

// RevokeOrgAdmin takes the Organization Admin role from a user
// (ActionManageOrgUsers); the user keeps its workspace roles, and the
// invitations it issued that it can no longer grant are revoked. The
// org_admin.revoked event records the user's address. It returns ErrNotFound if the user is not an Organization Admin (or the
// organization does not exist, or the actor holds no role in it),
// ErrLastAdmin if it is the last one, and ErrForbidden if the actor lacks
// the permission.
func (s *Service) RevokeOrgAdmin(ctx context.Context, a Actor, orgID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		// The user first (see lockTarget): its address is recorded. A
		// missing user is no Organization Admin, which the check below
		// reports once the actor is authorized.
		u, _, err := lockTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := s.authorizeWrite(ctx, tx, a, ActionManageOrgUsers, InOrganization(orgID)); err != nil {
			return err
		}
		if err := s.checkOrgAdminRemovable(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if err := tx.RemoveOrgAdmin(ctx, orgID, userID); err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: orgID, ActorID: a.UserID, TargetID: userID,
			Action: EventOrgAdminRevoked, Details: map[string]string{DetailEmail: u.Email}}); err != nil {
			return err
		}
		_, err = s.revokeLapsedInvitations(ctx, tx, rec, a.UserID, orgID, userID)
		return err
	})
}

// checkOrgAdminRemovable returns ErrNotFound if userID is not an
// Organization Admin of orgID and ErrLastAdmin if it is the last one. The
// caller holds the organization's lock.
func (s *Service) checkOrgAdminRemovable(ctx context.Context, tx Tx, orgID, userID uuid.UUID) error {
	admin, err := tx.IsOrgAdmin(ctx, orgID, userID)
	if err != nil {
		return err
	}
	if !admin {
		return wrapf(ErrNotFound, "user %s is not an organization admin", userID)
	}
	n, err := tx.CountOrgAdmins(ctx, orgID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return wrapf(ErrLastAdmin, "user %s is the organization's last admin", userID)
	}
	return nil
}

// checkWorkspaceAdminRemovable returns ErrLastAdmin if m is the last Admin
// of its workspace. The caller holds the organization's lock.
func (s *Service) checkWorkspaceAdminRemovable(ctx context.Context, tx Tx, m Member) error {
	admin := s.policy.AdminRole()
	if m.Role != admin {
		return nil
	}
	n, err := tx.CountMembersWithRole(ctx, m.WorkspaceID, admin)
	if err != nil {
		return err
	}
	if n <= 1 {
		return wrapf(ErrLastAdmin, "user %s is the last admin of workspace %s", m.UserID, m.WorkspaceID)
	}
	return nil
}

// RemoveFromOrganization removes every role a user holds in an
// organization, atomically: Organization Admin and all its workspace
// memberships (ActionManageOrgUsers). It also revokes the invitations
// pending for the user's addresses (its current one and those it held
// before, unless another user holds one now) in the organization's
// workspaces, which would otherwise let it back in, and those it issued there and can no
// longer grant. The organization.user_removed event records the user's
// address. It returns ErrNotFound if the user holds no role there
// (or the organization does not exist, or the actor holds no role in it),
// ErrForbidden if the actor lacks the permission, and ErrLastAdmin,
// changing nothing, if the user is the last admin of the organization or
// of any of its workspaces.
func (s *Service) RemoveFromOrganization(ctx context.Context, a Actor, orgID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		// The user first (see lockTarget): its addresses are read to
		// revoke the invitations to them, and recorded.
		u, missing, err := lockTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := s.authorizeWrite(ctx, tx, a, ActionManageOrgUsers, InOrganization(orgID)); err != nil {
			return err
		}
		if missing != nil {
			return errNoOrgRole(orgID, userID)
		}
		return s.dropOrgRoles(ctx, tx, rec, a.UserID, orgID, u, EventUserRemovedFromOrg)
	})
}

// LeaveOrganization drops every role the actor holds in an organization,
// atomically: Organization Admin and all its workspace memberships. It
// needs no permission, but the actor's session must satisfy the
// organization's security policy, as for leaving a workspace. The
// invitations it issued there are revoked, and those pending for its
// addresses too, as for RemoveFromOrganization; the
// organization.user_left event records its address. It
// returns ErrNotFound if the organization does not exist
// or the actor holds no role in it, ErrForbidden if its session fails the
// policy, and ErrLastAdmin, changing nothing, if the actor is the last
// admin of the organization or of any of its workspaces.
func (s *Service) LeaveOrganization(ctx context.Context, a Actor, orgID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		// The user first (see lockTarget), as for a removal.
		u, missing, err := lockTarget(ctx, tx, a.UserID)
		if err != nil {
			return err
		}
		if _, err := s.lockScope(ctx, tx, InOrganization(orgID)); err != nil {
			return err
		}
		if _, err := s.authorizeAnyRole(ctx, tx, a, actionLeaveOrganization, InOrganization(orgID)); err != nil {
			return err
		}
		if missing != nil { // a missing user holds no role: authorizeAnyRole denied it
			return missing
		}
		return s.dropOrgRoles(ctx, tx, rec, a.UserID, orgID, u, EventUserLeftOrg)
	})
}

// errNoOrgRole is the error for a user holding no role in an
// organization.
func errNoOrgRole(orgID, userID uuid.UUID) error {
	return wrapf(ErrNotFound, "user %s holds no role in organization %s", userID, orgID)
}

// dropOrgRoles removes every role u holds in orgID, revokes the
// invitations to its addresses there and those it issued there, and
// records event, with u's address. The caller holds u's lock, then the
// organization's.
func (s *Service) dropOrgRoles(ctx context.Context, tx Tx, rec *recorder, actorID, orgID uuid.UUID, u User, event string) error {
	userID := u.ID
	admin, err := tx.IsOrgAdmin(ctx, orgID, userID)
	if err != nil {
		return err
	}
	ms, err := tx.UserOrgMemberships(ctx, orgID, userID)
	if err != nil {
		return err
	}
	if !admin && len(ms) == 0 {
		return errNoOrgRole(orgID, userID)
	}
	if admin {
		if err := s.checkOrgAdminRemovable(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if err := tx.RemoveOrgAdmin(ctx, orgID, userID); err != nil {
			return err
		}
	}
	for _, m := range ms {
		if err := s.checkWorkspaceAdminRemovable(ctx, tx, m); err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, m.WorkspaceID, userID); err != nil {
			return err
		}
	}
	revoked, err := revokeUserInvitations(ctx, tx, u, func(inv Invitation) bool { return inv.OrgID == orgID })
	if err != nil {
		return err
	}
	if err := rec.record(ctx, tx, AuditEvent{OrgID: orgID, ActorID: actorID, TargetID: userID,
		Action: event, Details: map[string]string{DetailEmail: u.Email,
			DetailOrgAdmin: strconv.FormatBool(admin), DetailWorkspaces: strconv.Itoa(len(ms)),
			DetailInvitationsRevoked: strconv.Itoa(revoked)}}); err != nil {
		return err
	}
	_, err = s.revokeLapsedInvitations(ctx, tx, rec, actorID, orgID, userID)
	return err
}

// revokeUserInvitations deletes the pending invitations that in selects
// (those of one organization, or of one workspace) to u's addresses, its
// current one and those it held before (ownEmails: it could take one back
// and accept), and returns how many there were.
func revokeUserInvitations(ctx context.Context, tx Tx, u User, in func(Invitation) bool) (int, error) {
	emails, err := ownEmails(ctx, tx, u)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, email := range emails {
		invs, err := tx.ListInvitationsTo(ctx, email)
		if err != nil {
			return n, err
		}
		for _, inv := range invs {
			if !in(inv) {
				continue
			}
			if err := tx.DeleteInvitation(ctx, inv.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// OrganizationUsers lists the users holding any role in the organization,
// by email (ActionManageOrgUsers). It returns ErrNotFound if the organization does not exist or the actor
// holds no role in it, ErrForbidden if the actor lacks the permission or
// its session fails the organization's policy, and ErrInvalidInput
// for a bad page.
func (s *Service) OrganizationUsers(ctx context.Context, a Actor, orgID uuid.UUID, p Page) (List[OrgUser], error) {
	return listPage(ctx, s, p, cursorOrgUsers, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionManageOrgUsers, InOrganization(orgID))
		return err
	}, func(q PageQuery) ([]OrgUser, error) {
		return s.store.ListOrgUsers(ctx, orgID, q)
	}, func(u OrgUser) Cursor { return Cursor{Key: u.User.Email, ID: u.User.ID} })
}

// Seats counts the distinct users holding any role in the organization:
// the number a host bills (ActionManageBilling). It returns ErrNotFound if the organization does not exist or the actor
// holds no role in it, ErrForbidden if the actor lacks the permission or
// its session fails the organization's policy.
func (s *Service) Seats(ctx context.Context, a Actor, orgID uuid.UUID) (int, error) {
	if _, err := s.authorize(ctx, s.store, a, ActionManageBilling, InOrganization(orgID)); err != nil {
		return 0, err
	}
	n, err := s.store.CountSeats(ctx, orgID)
	return n, s.readFailed(ctx, err)
}

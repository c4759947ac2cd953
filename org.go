package tenancy

import (
	"context"
	"errors"
	"strconv"

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
	if reason := sessionFailure(&f.Policy, a, s.clock()); reason != "" {
		return f, &DeniedError{Decision: Decision{Action: act, Role: f.WorkspaceRole, Reason: reason}}
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

// RenameOrganization renames an organization (ActionEditOrganization). The
// name is trimmed and must be 1 to MaxNameLength characters.
func (s *Service) RenameOrganization(ctx context.Context, a Actor, id uuid.UUID, name string) (Organization, error) {
	name, err := validName("organization", name)
	if err != nil {
		return Organization{}, err
	}
	return s.updateOrganization(ctx, a, id, ActionEditOrganization, func(o *Organization) (AuditEvent, error) {
		e := AuditEvent{Action: EventOrganizationRenamed, Details: map[string]string{"from": o.Name, "to": name}}
		o.Name = name
		return e, nil
	})
}

// SetBilling replaces an organization's billing details
// (ActionManageBilling). The email, if any, must be a valid address.
func (s *Service) SetBilling(ctx context.Context, a Actor, id uuid.UUID, b Billing) (Organization, error) {
	b, err := b.Validate()
	if err != nil {
		return Organization{}, err
	}
	return s.updateOrganization(ctx, a, id, ActionManageBilling, func(o *Organization) (AuditEvent, error) {
		o.Billing = b
		return AuditEvent{Action: EventBillingChanged,
			Details: map[string]string{"email": b.Email, "customer_ref": b.CustomerRef}}, nil
	})
}

// SetSecurityPolicy replaces an organization's security policy
// (ActionEditSecurityPolicy). It returns ErrInvalidInput for a malformed
// policy or auto-join workspaces outside the organization, and ErrLockout
// if the acting session itself would fail the new policy.
func (s *Service) SetSecurityPolicy(ctx context.Context, a Actor, id uuid.UUID, p SecurityPolicy) (Organization, error) {
	p, err := p.Validate(s.policy)
	if err != nil {
		return Organization{}, err
	}
	return s.updateOrganization(ctx, a, id, ActionEditSecurityPolicy, func(o *Organization) (AuditEvent, error) {
		if reason := sessionFailure(&p, a, s.clock()); reason != "" {
			return AuditEvent{}, wrapf(ErrLockout, "%s", reason)
		}
		o.Policy = p
		return AuditEvent{Action: EventSecurityPolicyChanged, Details: p.summary()}, nil
	}, func(ctx context.Context, tx Tx, o Organization) error {
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
	})
}

// summary describes a policy for the audit log.
func (p SecurityPolicy) summary() map[string]string {
	return map[string]string{
		"require_mfa":           strconv.FormatBool(p.RequireMFA),
		"require_sso":           strconv.FormatBool(p.RequireSSO),
		"max_session_age":       p.MaxSessionAge.String(),
		"allowed_ips":           strconv.Itoa(len(p.AllowedIPs)),
		"allowed_email_domains": strconv.Itoa(len(p.AllowedEmailDomains)),
		"invitation_ttl":        p.InvitationTTL.String(),
		"auto_join_workspaces":  strconv.Itoa(len(p.AutoJoin.Workspaces)),
	}
}

// updateOrganization authorizes act, applies change to the organization,
// runs the optional checks, saves it and records the event change returns.
func (s *Service) updateOrganization(ctx context.Context, a Actor, id uuid.UUID, act Action,
	change func(*Organization) (AuditEvent, error), checks ...func(context.Context, Tx, Organization) error) (Organization, error) {
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
		if err := tx.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		e.OrgID, e.ActorID, e.TargetID = o.ID, a.UserID, o.ID
		out = o
		return rec.record(ctx, tx, e)
	})
	return out, err
}

// GrantOrgAdmin makes a user an Organization Admin (ActionManageOrgUsers).
// It returns ErrNotFound if the user does not exist, ErrAlreadyExists if
// it is already one, and ErrForbidden if the organization's allowed email
// domains exclude its address.
func (s *Service) GrantOrgAdmin(ctx context.Context, a Actor, orgID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageOrgUsers, InOrganization(orgID))
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if err := emailAllowed(&f.Policy, ActionManageOrgUsers, u.Email); err != nil {
			return err
		}
		if err := tx.AddOrgAdmin(ctx, orgID, userID, rec.now); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, ActorID: a.UserID, TargetID: userID,
			Action: EventOrgAdminGranted, Details: map[string]string{"email": u.Email}})
	})
}

// RevokeOrgAdmin takes the Organization Admin role from a user
// (ActionManageOrgUsers); the user keeps its workspace roles. It returns
// ErrNotFound if the user is not an Organization Admin and ErrLastAdmin if
// it is the last one.
func (s *Service) RevokeOrgAdmin(ctx context.Context, a Actor, orgID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		if _, err := s.authorizeWrite(ctx, tx, a, ActionManageOrgUsers, InOrganization(orgID)); err != nil {
			return err
		}
		if err := s.checkOrgAdminRemovable(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if err := tx.RemoveOrgAdmin(ctx, orgID, userID); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, ActorID: a.UserID, TargetID: userID, Action: EventOrgAdminRevoked})
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
// pending for the user's address in the organization's workspaces, which
// would otherwise let it back in. It returns ErrNotFound if the user
// holds no role there and ErrLastAdmin, changing nothing, if the user is
// the last admin of the organization or of any of its workspaces.
func (s *Service) RemoveFromOrganization(ctx context.Context, a Actor, orgID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		if _, err := s.authorizeWrite(ctx, tx, a, ActionManageOrgUsers, InOrganization(orgID)); err != nil {
			return err
		}
		admin, err := tx.IsOrgAdmin(ctx, orgID, userID)
		if err != nil {
			return err
		}
		ms, err := tx.UserOrgMemberships(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if !admin && len(ms) == 0 {
			return wrapf(ErrNotFound, "user %s holds no role in organization %s", userID, orgID)
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
		revoked, err := revokeUserInvitations(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, ActorID: a.UserID, TargetID: userID,
			Action: EventUserRemovedFromOrg, Details: map[string]string{
				"org_admin": strconv.FormatBool(admin), "workspaces": strconv.Itoa(len(ms)),
				"invitations_revoked": strconv.Itoa(revoked)}})
	})
}

// revokeUserInvitations deletes the invitations pending for userID's
// address in the workspaces of orgID and returns how many there were.
func revokeUserInvitations(ctx context.Context, tx Tx, orgID, userID uuid.UUID) (int, error) {
	u, err := tx.User(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	q := PageQuery{Limit: MaxPageSize}
	for {
		wss, err := tx.ListOrgWorkspaces(ctx, orgID, userID, false, q)
		if err != nil {
			return n, err
		}
		for _, m := range wss {
			inv, err := tx.InvitationByEmail(ctx, m.Workspace.ID, u.Email)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err == nil {
				err = tx.DeleteInvitation(ctx, inv.ID)
			}
			if err != nil {
				return n, err
			}
			n++
		}
		if len(wss) < q.Limit {
			return n, nil
		}
		c := workspaceCursor(wss[len(wss)-1].Workspace)
		q.After = &c
	}
}

// OrganizationUsers lists the users holding any role in the organization,
// by email (ActionManageOrgUsers).
func (s *Service) OrganizationUsers(ctx context.Context, a Actor, orgID uuid.UUID, p Page) (List[OrgUser], error) {
	return listPage(ctx, s, p, cursorOrgUsers, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionManageOrgUsers, InOrganization(orgID))
		return err
	}, func(q PageQuery) ([]OrgUser, error) {
		return s.store.ListOrgUsers(ctx, orgID, q)
	}, func(u OrgUser) Cursor { return Cursor{Key: u.User.Email, ID: u.User.ID} })
}

// Seats counts the distinct users holding any role in the organization:
// the number a host bills (ActionManageBilling).
func (s *Service) Seats(ctx context.Context, a Actor, orgID uuid.UUID) (int, error) {
	if _, err := s.authorize(ctx, s.store, a, ActionManageBilling, InOrganization(orgID)); err != nil {
		return 0, err
	}
	n, err := s.store.CountSeats(ctx, orgID)
	return n, s.readFailed(ctx, err)
}

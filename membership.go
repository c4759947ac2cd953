package tenancy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Actions named in the decisions of operations that need no permission,
// only a session that satisfies the organization's security policy.
const (
	actionAcceptInvitation  Action = "invitation:accept"
	actionLeaveWorkspace    Action = "workspace:leave"
	actionLeaveOrganization Action = "organization:leave"
)

// checkGrant returns a *DeniedError unless an actor with facts f already
// holds every right of role r: nobody gains through a grant more than the
// rights they hold.
func (s *Service) checkGrant(ctx context.Context, a Actor, f Facts, r Role) error {
	if s.policy.covers(f.WorkspaceRole, f.OrgAdmin, r) {
		return nil
	}
	d := Decision{Action: ActionManageMembers, Role: f.WorkspaceRole, Code: DeniedPermission,
		Reason: fmt.Sprintf("role %s carries rights the acting user does not hold", r)}
	if d.Role == "" && f.OrgAdmin {
		d.Role = RoleOrgAdmin
	}
	return s.deny(ctx, a, d, f)
}

// checkEmailAllowed returns a *DeniedError (DeniedEmailDomain) if the
// organization's allowed email domains exclude email, for act.
func (s *Service) checkEmailAllowed(ctx context.Context, a Actor, f Facts, act Action, email string) error {
	if emailAllowed(f.securityPolicy(), email) {
		return nil
	}
	_, domain, _ := strings.Cut(email, "@")
	return s.deny(ctx, a, Decision{Action: act, Code: DeniedEmailDomain,
		Reason: "the organization's security policy does not allow addresses at " + domain}, f)
}

// checkUserEmailAllowed is checkEmailAllowed for an existing user's
// address. An unverified address proves nothing about its domain (anyone
// can sign up with, or change to, any address), so while the allowed
// email domains restrict anything it counts as outside them.
func (s *Service) checkUserEmailAllowed(ctx context.Context, a Actor, f Facts, act Action, u User) error {
	if err := s.checkEmailAllowed(ctx, a, f, act, u.Email); err != nil {
		return err
	}
	if u.EmailVerified || len(f.securityPolicy().AllowedEmailDomains) == 0 {
		return nil
	}
	return s.deny(ctx, a, Decision{Action: act, Code: DeniedEmailDomain,
		Reason: "the organization's security policy allows only some email domains, and the user has not verified its address"}, f)
}

// canGrant reports whether userID may, now, grant role r in workspace
// wsID: it holds ActionManageMembers there and every right of r, in the
// current policy. The organization's session requirements are left
// aside: they judge a session, and no session is acting.
func (s *Service) canGrant(ctx context.Context, rd Reader, userID, wsID uuid.UUID, r Role) (bool, error) {
	f, err := rd.AccessFacts(ctx, userID, InWorkspace(wsID))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f.Policy = nil
	return s.policy.Decide(f, Actor{}, ActionManageMembers, time.Time{}).Allowed &&
		s.policy.covers(f.WorkspaceRole, f.OrgAdmin, r), nil
}

// revokeLapsedInvitations enforces that an invitation is worth no more
// than its inviter: after a change that took rights from inviterID, it
// revokes the invitations inviterID issued in orgID (every organization
// when uuid.Nil) that it could no longer grant, recording
// invitation.revoked for each with actorID (uuid.Nil for an operator or
// the user's own erasure). It returns how many it revoked.
func (s *Service) revokeLapsedInvitations(ctx context.Context, tx Tx, rec *recorder, actorID, orgID, inviterID uuid.UUID) (int, error) {
	invs, err := tx.ListInvitationsBy(ctx, orgID, inviterID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, inv := range invs {
		ok, err := s.canGrant(ctx, tx, inviterID, inv.WorkspaceID, inv.Role)
		if err != nil {
			return n, err
		}
		if ok {
			continue
		}
		if err := tx.DeleteInvitation(ctx, inv.ID); err != nil {
			return n, err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: actorID,
			TargetID: inv.ID, Action: EventInvitationRevoked, Details: map[string]string{
				DetailEmail: inv.Email, DetailRole: string(inv.Role), DetailReason: ReasonInviterLostRights}}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// AddMember adds a signed-up user to a workspace with a workspace role
// (ActionManageMembers). It returns ErrInvalidInput for an unknown role,
// ErrNotFound if the user does not exist, ErrAlreadyExists if it is
// already a member, and ErrForbidden if the actor does not hold the rights
// of the role or the organization's allowed email domains exclude the
// user's address (DeniedEmailDomain; while they restrict anything, an
// unverified address counts as outside them).
func (s *Service) AddMember(ctx context.Context, a Actor, wsID, userID uuid.UUID, r Role) (Member, error) {
	if err := s.validRole(r); err != nil {
		return Member{}, err
	}
	var m Member
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		u, missing, err := lockTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(wsID))
		if err != nil {
			return err
		}
		if err := s.checkGrant(ctx, a, f, r); err != nil {
			return err
		}
		if missing != nil {
			return missing
		}
		if err := s.checkUserEmailAllowed(ctx, a, f, ActionManageMembers, u); err != nil {
			return err
		}
		m = Member{WorkspaceID: wsID, UserID: userID, Email: u.Email, Role: r, CreatedAt: rec.now}
		// Deferred (see WriteDeferrer): its error (ErrAlreadyExists, or
		// ErrNotFound should the workspace or the user be gone, which the
		// locks taken above rule out) is returned unchanged, and only the
		// audit event follows.
		if err := deferred(tx).AddMember(ctx, m); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: f.OrgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: userID,
			Action: EventMemberAdded, Details: map[string]string{DetailEmail: u.Email, DetailRole: string(r)}})
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// lockTarget locks the user a write is about (tx.LockUser), before the
// organization that authorizing the write locks, so that every
// transaction takes a user's lock and an organization's in one order. Its
// address and verification, which the write checks and copies, then
// cannot change under it. A missing user is returned as missing, not as
// err: the caller reports it only once the actor is authorized, so that
// nobody learns from the error which user IDs exist.
func lockTarget(ctx context.Context, tx Tx, userID uuid.UUID) (u User, missing, err error) {
	u, err = tx.LockUser(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return u, err, nil
	}
	return u, nil, err
}

// SetMemberRole changes a member's workspace role (ActionManageMembers).
// The actor must hold the rights of both the old and the new role. It
// returns ErrNotFound if the user is not a member and ErrLastAdmin when
// demoting the workspace's last Admin.
func (s *Service) SetMemberRole(ctx context.Context, a Actor, wsID, userID uuid.UUID, r Role) (Member, error) {
	if err := s.validRole(r); err != nil {
		return Member{}, err
	}
	var m Member
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(wsID))
		if err != nil {
			return err
		}
		if err := s.checkGrant(ctx, a, f, r); err != nil {
			return err
		}
		if m, err = tx.Member(ctx, wsID, userID); err != nil {
			return err
		}
		if m.Role == r {
			return nil
		}
		if err := s.checkGrant(ctx, a, f, m.Role); err != nil {
			return err
		}
		if r != s.policy.AdminRole() {
			if err := s.checkWorkspaceAdminRemovable(ctx, tx, m); err != nil {
				return err
			}
		}
		from := m.Role
		m.Role = r
		if err := tx.SetMemberRole(ctx, wsID, userID, r); err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: f.OrgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: userID,
			Action: EventMemberRoleChanged, Details: map[string]string{DetailEmail: m.Email, DetailFrom: string(from), DetailTo: string(r)}}); err != nil {
			return err
		}
		_, err = s.revokeLapsedInvitations(ctx, tx, rec, a.UserID, f.OrgID, userID)
		return err
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// RemoveMember removes a user from a workspace. Removing another user
// needs ActionManageMembers and the rights of its role; a user may always
// remove itself (leave). The invitations to the workspace pending for the
// user's addresses, which would let it back in (with the role they name,
// however it was demoted since), are revoked with it, and those it issued
// there and can no longer grant. It returns ErrNotFound if the user is
// not a member and ErrLastAdmin for the workspace's last Admin.
func (s *Service) RemoveMember(ctx context.Context, a Actor, wsID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		// The user first (see lockTarget): the invitations to its
		// addresses go with it. A missing user is no member, which
		// tx.Member reports once the actor is authorized.
		u, _, err := lockTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		var orgID uuid.UUID
		var f Facts
		if userID == a.UserID {
			// Leaving needs no permission, but the session must still
			// satisfy the organization's security policy.
			if _, err := s.lockScope(ctx, tx, InWorkspace(wsID)); err != nil {
				return err
			}
			lf, err := s.authorizeAnyRole(ctx, tx, a, actionLeaveWorkspace, InWorkspace(wsID))
			if err != nil {
				return err
			}
			orgID = lf.OrgID
		} else {
			if f, err = s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(wsID)); err != nil {
				return err
			}
			orgID = f.OrgID
		}
		m, err := tx.Member(ctx, wsID, userID)
		if err != nil {
			return err
		}
		if userID != a.UserID {
			if err := s.checkGrant(ctx, a, f, m.Role); err != nil {
				return err
			}
		}
		if err := s.checkWorkspaceAdminRemovable(ctx, tx, m); err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, wsID, userID); err != nil {
			return err
		}
		revoked, err := revokeUserInvitations(ctx, tx, u, func(inv Invitation) bool { return inv.WorkspaceID == wsID })
		if err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: orgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: userID,
			Action: EventMemberRemoved, Details: map[string]string{DetailEmail: m.Email, DetailRole: string(m.Role),
				DetailInvitationsRevoked: strconv.Itoa(revoked)}}); err != nil {
			return err
		}
		_, err = s.revokeLapsedInvitations(ctx, tx, rec, a.UserID, orgID, userID)
		return err
	})
}

// Members lists a workspace's members by email (ActionManageMembers).
// It returns ErrNotFound if the workspace does not exist or the actor
// holds no role in its organization, ErrForbidden if the actor lacks the
// permission or its session fails the organization's policy, and ErrInvalidInput for a bad page.
func (s *Service) Members(ctx context.Context, a Actor, wsID uuid.UUID, p Page) (List[Member], error) {
	return listPage(ctx, s, p, cursorMembers, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionManageMembers, InWorkspace(wsID))
		return err
	}, func(q PageQuery) ([]Member, error) {
		return s.store.ListMembers(ctx, wsID, q)
	}, func(m Member) Cursor { return Cursor{Key: m.Email, ID: m.UserID} })
}

package tenancy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Actions named in the decisions of operations that need no permission,
// only a session that satisfies the organization's security policy.
const (
	actionAcceptInvitation Action = "invitation:accept"
	actionLeaveWorkspace   Action = "workspace:leave"
)

// checkGrant returns a *DeniedError unless an actor with facts f already
// holds every right of role r: nobody gains through a grant more than the
// rights they hold.
func (s *Service) checkGrant(f Facts, r Role) error {
	if s.policy.covers(f.WorkspaceRole, f.OrgAdmin, r) {
		return nil
	}
	d := Decision{Action: ActionManageMembers, Role: f.WorkspaceRole,
		Reason: fmt.Sprintf("role %s carries rights the acting user does not hold", r)}
	if d.Role == "" && f.OrgAdmin {
		d.Role = RoleOrgAdmin
	}
	return &DeniedError{Decision: d}
}

// AddMember adds a signed-up user to a workspace with a workspace role
// (ActionManageMembers). It returns ErrInvalidInput for an unknown role,
// ErrNotFound if the user does not exist, ErrAlreadyExists if it is
// already a member, and ErrForbidden if the actor does not hold the rights
// of the role or the organization's allowed email domains exclude the
// user's address.
func (s *Service) AddMember(ctx context.Context, a Actor, wsID, userID uuid.UUID, r Role) (Member, error) {
	if err := s.validRole(r); err != nil {
		return Member{}, err
	}
	var m Member
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(wsID))
		if err != nil {
			return err
		}
		if err := s.checkGrant(f, r); err != nil {
			return err
		}
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if err := emailAllowed(&f.Policy, ActionManageMembers, u.Email); err != nil {
			return err
		}
		m = Member{WorkspaceID: wsID, UserID: userID, Email: u.Email, Role: r, CreatedAt: rec.now}
		if err := tx.AddMember(ctx, m); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: f.OrgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: userID,
			Action: EventMemberAdded, Details: map[string]string{"email": u.Email, "role": string(r)}})
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
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
		if err := s.checkGrant(f, r); err != nil {
			return err
		}
		if m, err = tx.Member(ctx, wsID, userID); err != nil {
			return err
		}
		if m.Role == r {
			return nil
		}
		if err := s.checkGrant(f, m.Role); err != nil {
			return err
		}
		if r != RoleAdmin {
			if err := s.checkWorkspaceAdminRemovable(ctx, tx, m); err != nil {
				return err
			}
		}
		from := m.Role
		m.Role = r
		if err := tx.SetMemberRole(ctx, wsID, userID, r); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: f.OrgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: userID,
			Action: EventMemberRoleChanged, Details: map[string]string{"email": m.Email, "from": string(from), "to": string(r)}})
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// RemoveMember removes a user from a workspace. Removing another user
// needs ActionManageMembers and the rights of its role; a user may always
// remove itself (leave). It returns ErrNotFound if the user is not a
// member and ErrLastAdmin for the workspace's last Admin.
func (s *Service) RemoveMember(ctx context.Context, a Actor, wsID, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
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
			var err error
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
			if err := s.checkGrant(f, m.Role); err != nil {
				return err
			}
		}
		if err := s.checkWorkspaceAdminRemovable(ctx, tx, m); err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, wsID, userID); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: userID,
			Action: EventMemberRemoved, Details: map[string]string{"email": m.Email, "role": string(m.Role)}})
	})
}

// Members lists a workspace's members by email (ActionManageMembers).
func (s *Service) Members(ctx context.Context, a Actor, wsID uuid.UUID, p Page) (List[Member], error) {
	return listPage(ctx, s, p, cursorMembers, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionManageMembers, InWorkspace(wsID))
		return err
	}, func(q PageQuery) ([]Member, error) {
		return s.store.ListMembers(ctx, wsID, q)
	}, func(m Member) Cursor { return Cursor{Key: m.Email, ID: m.UserID} })
}

// tokenBytes is the size of an invitation's secret: 256 random bits.
const tokenBytes = 32

// Invite invites an email address to a workspace with a workspace role
// (ActionManageMembers) and returns the invitation with its one-time
// secret token, for the host to deliver; only a hash of the token is
// stored. Re-inviting a pending address replaces its invitation (the old
// token stops working). The invitation expires after the organization's
// InvitationTTL (DefaultInvitationTTL if unset). It returns
// ErrInvalidEmail for a malformed address, ErrInvalidInput for an unknown
// role, ErrAlreadyExists if the address's user is already a member, and
// ErrForbidden if the actor lacks the role's rights or the organization's
// allowed email domains exclude the address.
func (s *Service) Invite(ctx context.Context, a Actor, wsID uuid.UUID, email string, r Role) (Invitation, string, error) {
	addr, err := ParseEmail(email)
	if err != nil {
		return Invitation{}, "", err
	}
	if err := s.validRole(r); err != nil {
		return Invitation{}, "", err
	}
	secret := make([]byte, tokenBytes)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails
	hash := sha256.Sum256(secret)
	inv := Invitation{ID: uuid.New(), WorkspaceID: wsID, Email: addr.String(), Role: r, InvitedBy: a.UserID}
	err = s.update(ctx, func(tx Tx, rec *recorder) error {
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(wsID))
		if err != nil {
			return err
		}
		if err := s.checkGrant(f, r); err != nil {
			return err
		}
		if err := emailAllowed(&f.Policy, ActionManageMembers, inv.Email); err != nil {
			return err
		}
		if u, err := tx.UserByEmail(ctx, inv.Email); err == nil {
			if _, err := tx.Member(ctx, wsID, u.ID); err == nil {
				return wrapf(ErrAlreadyExists, "%s is already a member of the workspace", inv.Email)
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if old, err := tx.InvitationByEmail(ctx, wsID, inv.Email); err == nil {
			if err := tx.DeleteInvitation(ctx, old.ID); err != nil {
				return err
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		ttl := f.Policy.InvitationTTL
		if ttl == 0 {
			ttl = DefaultInvitationTTL
		}
		inv.OrgID, inv.CreatedAt, inv.ExpiresAt = f.OrgID, rec.now, rec.now.Add(ttl)
		if err := tx.CreateInvitation(ctx, InvitationRecord{Invitation: inv, TokenHash: hash[:]}); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: f.OrgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: inv.ID,
			Action: EventInvitationCreated, Details: map[string]string{"email": inv.Email, "role": string(r)}})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, base64.RawURLEncoding.EncodeToString(secret), nil
}

// AcceptInvitation makes the actor a member of the invitation's workspace,
// with its role, and consumes the invitation. The actor must be the
// signed-up user whose email equals the invitation's. It returns
// ErrInvitation for a token that is malformed, unknown, revoked, replaced,
// expired, already used or addressed to another email, ErrNotFound if the
// actor is not a user, ErrAlreadyExists if it is already a member, and
// ErrForbidden if the organization's allowed email domains exclude its
// address.
func (s *Service) AcceptInvitation(ctx context.Context, a Actor, token string) (Member, error) {
	secret, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(secret) != tokenBytes {
		return Member{}, wrapf(ErrInvitation, "malformed token")
	}
	hash := sha256.Sum256(secret)
	var m Member
	err = s.update(ctx, func(tx Tx, rec *recorder) error {
		inv, err := tx.InvitationByTokenHash(ctx, hash[:])
		if errors.Is(err, ErrNotFound) || err == nil && subtle.ConstantTimeCompare(inv.TokenHash, hash[:]) != 1 {
			return wrapf(ErrInvitation, "unknown, revoked or used token")
		}
		if err != nil {
			return err
		}
		if err := tx.LockOrganization(ctx, inv.OrgID); err != nil {
			return err
		}
		u, err := tx.User(ctx, a.UserID)
		if err != nil {
			return err
		}
		if u.Email != inv.Email {
			return wrapf(ErrInvitation, "the invitation is addressed to another email")
		}
		if !rec.now.Before(inv.ExpiresAt) {
			return wrapf(ErrInvitation, "the invitation expired at %s", inv.ExpiresAt.Format("2006-01-02 15:04:05Z07:00"))
		}
		org, err := tx.Organization(ctx, inv.OrgID)
		if err != nil {
			return err
		}
		if reason := sessionFailure(&org.Policy, a, rec.now); reason != "" {
			return &DeniedError{Decision: Decision{Action: actionAcceptInvitation, Reason: reason}}
		}
		if err := emailAllowed(&org.Policy, ActionManageMembers, u.Email); err != nil {
			return err
		}
		if err := tx.DeleteInvitation(ctx, inv.ID); errors.Is(err, ErrNotFound) {
			// Accepted, revoked or replaced by a transaction that committed
			// while this one waited for the lock.
			return wrapf(ErrInvitation, "unknown, revoked or used token")
		} else if err != nil {
			return err
		}
		m = Member{WorkspaceID: inv.WorkspaceID, UserID: u.ID, Email: u.Email, Role: inv.Role, CreatedAt: rec.now}
		if err := tx.AddMember(ctx, m); err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: u.ID, TargetID: inv.ID,
			Action: EventInvitationAccepted, Details: map[string]string{"email": u.Email, "role": string(inv.Role)}}); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: u.ID, TargetID: u.ID,
			Action: EventMemberAdded, Details: map[string]string{"email": u.Email, "role": string(inv.Role), "via": "invitation"}})
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// RevokeInvitation deletes a pending invitation (ActionManageMembers in
// its workspace); its token stops working. It returns ErrNotFound if the
// invitation does not exist or the actor holds no role in its
// organization.
func (s *Service) RevokeInvitation(ctx context.Context, a Actor, invitationID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		inv, err := tx.Invitation(ctx, invitationID)
		if err != nil {
			return err
		}
		if _, err := s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(inv.WorkspaceID)); err != nil {
			return err
		}
		if err := tx.DeleteInvitation(ctx, inv.ID); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: a.UserID, TargetID: inv.ID,
			Action: EventInvitationRevoked, Details: map[string]string{"email": inv.Email}})
	})
}

// Invitations lists a workspace's pending invitations by email, expired
// ones included (ActionManageMembers).
func (s *Service) Invitations(ctx context.Context, a Actor, wsID uuid.UUID, p Page) (List[Invitation], error) {
	return listPage(ctx, s, p, cursorInvitations, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionManageMembers, InWorkspace(wsID))
		return err
	}, func(q PageQuery) ([]Invitation, error) {
		return s.store.ListInvitations(ctx, wsID, q)
	}, func(i Invitation) Cursor { return Cursor{Key: i.Email, ID: i.ID} })
}

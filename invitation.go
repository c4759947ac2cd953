package tenancy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// tokenBytes is the size of an invitation's secret: 256 random bits.
const tokenBytes = 32

// InvitationDetails is an invitation with the names an accept page shows.
type InvitationDetails struct {
	Invitation                      Invitation
	WorkspaceName, OrganizationName string
	// OrganizationDomain is the domain the organization claims ("" if
	// none). An accept page should show it beside OrganizationName when
	// they differ, and say that the organization claims no domain when it
	// is "": any organization's admins may give it any name, another
	// company's included, while a domain is claimed by one organization
	// only, through a verified address or by an operator. An organization
	// loses its domain to Operator.TransferDomain and keeps its name, which
	// sign-up set to the domain.
	OrganizationDomain string
	// InviterName is the display name of the user who sent it ("" if the
	// user has none).
	InviterName string
}

// Invite invites an email address to a workspace with a workspace role
// (ActionManageMembers) and returns the invitation with its one-time
// secret token, for the host to deliver; only a hash of the token is
// stored. Re-inviting a pending address replaces its invitation (the old
// token stops working), which needs the right to grant the old role too.
// The invitation expires after the organization's InvitationTTL
// (DefaultInvitationTTL if unset), and is worth no more than its inviter:
// it can be accepted only while the inviter may still grant its role.
//
// It returns ErrInvalidEmail for a malformed address, ErrInvalidInput for
// an unknown role, ErrNotFound if the workspace does not exist or the
// actor holds no role in its organization, ErrAlreadyExists if the
// address's user is already a member, and ErrForbidden if the actor lacks
// ActionManageMembers or the rights of the role (DeniedPermission), or the
// organization's allowed email domains exclude the address
// (DeniedEmailDomain).
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
		// The account at the address, if any, is locked first (see
		// LockUser): an erasure of it then cannot miss this invitation.
		invitee, err := lockUserByEmail(ctx, tx, inv.Email)
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
		if err := s.checkEmailAllowed(ctx, a, f, ActionManageMembers, inv.Email); err != nil {
			return err
		}
		if invitee != nil {
			if _, err := tx.Member(ctx, wsID, invitee.ID); err == nil {
				return wrapf(ErrAlreadyExists, "%s is already a member of the workspace", inv.Email)
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if old, err := tx.InvitationByEmail(ctx, wsID, inv.Email); err == nil {
			if err := s.checkGrant(ctx, a, f, old.Role); err != nil {
				return err
			}
			if err := tx.DeleteInvitation(ctx, old.ID); err != nil {
				return err
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		ttl := f.securityPolicy().InvitationTTL
		if ttl == 0 {
			ttl = DefaultInvitationTTL
		}
		inv.OrgID, inv.CreatedAt, inv.ExpiresAt = f.OrgID, rec.now, rec.now.Add(ttl)
		if err := tx.CreateInvitation(ctx, InvitationRecord{Invitation: inv, TokenHash: hash[:]}); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: f.OrgID, WorkspaceID: wsID, ActorID: a.UserID, TargetID: inv.ID,
			Action: EventInvitationCreated, Details: map[string]string{DetailEmail: inv.Email, DetailRole: string(r)}})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, base64.RawURLEncoding.EncodeToString(secret), nil
}

// errInvitationToken is the one error every invalid token gets, whatever
// made it invalid, so that a token holder learns nothing more.
var errInvitationToken = wrapf(ErrInvitation, "the invitation is unknown, revoked, used, expired or no longer valid")

// tokenLen is the length of a token: tokenBytes in unpadded base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// tokenHash decodes a token and returns the hash stores index. A token
// has one spelling: the decoder, even strict, skips line breaks, so the
// length is checked first.
func tokenHash(token string) ([]byte, error) {
	if len(token) != tokenLen {
		return nil, errInvitationToken
	}
	secret, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(secret) != tokenBytes {
		return nil, errInvitationToken
	}
	h := sha256.Sum256(secret)
	return h[:], nil
}

// invitationByToken reads the invitation of a token through r; it returns
// errInvitationToken if there is none.
func invitationByToken(ctx context.Context, r Reader, token string) (InvitationRecord, error) {
	hash, err := tokenHash(token)
	if err != nil {
		return InvitationRecord{}, err
	}
	inv, err := r.InvitationByTokenHash(ctx, hash)
	if errors.Is(err, ErrNotFound) || err == nil && subtle.ConstantTimeCompare(inv.TokenHash, hash) != 1 {
		return InvitationRecord{}, errInvitationToken
	}
	return inv, err
}

// AcceptInvitation makes the actor a member of the invitation's workspace,
// with its role, and consumes the invitation. The actor must be the
// signed-up user whose email equals the invitation's, its session must
// satisfy the organization's security policy, and the inviter must still
// be able to grant the role. The address need not be verified, so that
// an invitee may sign up from the link and accept at once; accepting does
// not verify it, and the host must not confirm it on the strength of the
// token: the inviter may hold the token too (Invite returns it, and
// tenancyhttp and tenancyui hand it to the inviter), and may have signed
// up with the address itself.
//
// It returns ErrInvitation for a token that is malformed, unknown,
// revoked, replaced, expired, already used, addressed to another email, or
// whose inviter can no longer grant its role; ErrNotFound if the actor is
// not a user; ErrAlreadyExists if it is already a member; and ErrForbidden
// if its session fails the organization's policy or the allowed email
// domains exclude its address.
func (s *Service) AcceptInvitation(ctx context.Context, a Actor, token string) (Member, error) {
	if _, err := tokenHash(token); err != nil {
		return Member{}, err
	}
	var m Member
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		inv, err := invitationByToken(ctx, tx, token)
		if err != nil {
			return err
		}
		m, err = s.accept(ctx, tx, rec, a, inv, false)
		return err
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// AcceptInvitationByID is AcceptInvitation for a signed-in user who picks
// one of its pending invitations (see UserInvitations) instead of opening
// a link: the actor's address must be verified and equal the
// invitation's. It returns an error matching both ErrInvitation and
// ErrNotFound, with one message, when the invitation does not exist or is
// not the actor's to accept, and otherwise the errors of
// AcceptInvitation.
func (s *Service) AcceptInvitationByID(ctx context.Context, a Actor, invitationID uuid.UUID) (Member, error) {
	var m Member
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		inv, err := tx.Invitation(ctx, invitationID)
		if errors.Is(err, ErrNotFound) {
			return unknownInvitation(invitationID)
		}
		if err != nil {
			return err
		}
		m, err = s.accept(ctx, tx, rec, a, inv, true)
		if errors.Is(err, errNotInvitee) {
			return unknownInvitation(invitationID)
		}
		return err
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// lockUserByEmail locks the user holding email (tx.LockUser) and returns
// it, or nil if no user holds the address once the lock is taken.
func lockUserByEmail(ctx context.Context, tx Tx, email string) (*User, error) {
	u, err := tx.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	u, err = tx.LockUser(ctx, u.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil // deleted meanwhile
	case err != nil:
		return nil, err
	case u.Email != email:
		return nil, nil // its address changed meanwhile
	}
	return &u, nil
}

// errNotInvitee marks, inside accept, an actor that is not the invitee.
var errNotInvitee = errors.New("not the invitee")

// unknownInvitation is the error for an invitation ID that does not
// exist or that the caller may not see: the same in both cases.
func unknownInvitation(id uuid.UUID) error {
	return fmt.Errorf("%w: %w: invitation %s", ErrInvitation, ErrNotFound, id)
}

// accept applies the rules shared by both ways of accepting inv. With
// needVerified, the actor's address must also be verified. When the actor
// is not the invitee the error wraps errNotInvitee and ErrInvitation.
func (s *Service) accept(ctx context.Context, tx Tx, rec *recorder, a Actor, inv InvitationRecord, needVerified bool) (Member, error) {
	// The user first (see LockUser): its address is compared with the
	// invitation's and copied into the membership.
	u, err := tx.LockUser(ctx, a.UserID)
	if errors.Is(err, ErrNotFound) && needVerified {
		return Member{}, fmt.Errorf("%w: %w", errInvitationToken, errNotInvitee)
	}
	if err != nil {
		return Member{}, err
	}
	if err := tx.LockOrganization(ctx, inv.OrgID); err != nil {
		return Member{}, err
	}
	if u.Email != inv.Email || needVerified && !u.EmailVerified {
		return Member{}, fmt.Errorf("%w: %w", errInvitationToken, errNotInvitee)
	}
	if !rec.now.Before(inv.ExpiresAt) {
		return Member{}, errInvitationToken
	}
	if ok, err := s.canGrant(ctx, tx, inv.InvitedBy, inv.WorkspaceID, inv.Role); err != nil {
		return Member{}, err
	} else if !ok {
		return Member{}, errInvitationToken
	}
	org, err := tx.Organization(ctx, inv.OrgID)
	if err != nil {
		return Member{}, err
	}
	f := Facts{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, Policy: &org.Policy}
	if code, reason := sessionFailure(&org.Policy, org.ID, &a, rec.now); code != "" {
		return Member{}, s.deny(ctx, a, Decision{Action: actionAcceptInvitation, Reason: reason, Code: code}, f)
	}
	if err := s.checkEmailAllowed(ctx, a, f, ActionManageMembers, u.Email); err != nil {
		return Member{}, err
	}
	if err := tx.DeleteInvitation(ctx, inv.ID); errors.Is(err, ErrNotFound) {
		// Accepted, revoked or replaced by a transaction that committed
		// while this one waited for the lock.
		return Member{}, errInvitationToken
	} else if err != nil {
		return Member{}, err
	}
	m := Member{WorkspaceID: inv.WorkspaceID, UserID: u.ID, Email: u.Email, Role: inv.Role, CreatedAt: rec.now}
	if err := tx.AddMember(ctx, m); err != nil {
		return Member{}, err
	}
	if err := rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: u.ID, TargetID: inv.ID,
		Action: EventInvitationAccepted, Details: map[string]string{DetailEmail: u.Email, DetailRole: string(inv.Role)}}); err != nil {
		return Member{}, err
	}
	return m, rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: u.ID, TargetID: u.ID,
		Action: EventMemberAdded, Details: map[string]string{DetailEmail: u.Email, DetailRole: string(inv.Role), DetailVia: ViaInvitation}})
}

// DeclineInvitation turns an invitation down: the invitee (the actor,
// whose verified address equals the invitation's) deletes it, and its
// token stops working. The organization's log records
// invitation.declined. It returns an error matching both ErrInvitation
// and ErrNotFound, with one message, when the invitation does not exist
// or the actor is not its invitee.
func (s *Service) DeclineInvitation(ctx context.Context, a Actor, invitationID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		inv, err := tx.Invitation(ctx, invitationID)
		if errors.Is(err, ErrNotFound) {
			return unknownInvitation(invitationID)
		}
		if err != nil {
			return err
		}
		u, err := tx.LockUser(ctx, a.UserID)
		if errors.Is(err, ErrNotFound) || err == nil && (u.Email != inv.Email || !u.EmailVerified) {
			return unknownInvitation(invitationID)
		}
		if err != nil {
			return err
		}
		if err := tx.LockOrganization(ctx, inv.OrgID); err != nil {
			return err
		}
		if err := tx.DeleteInvitation(ctx, inv.ID); errors.Is(err, ErrNotFound) {
			return unknownInvitation(invitationID)
		} else if err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: u.ID, TargetID: inv.ID,
			Action: EventInvitationDeclined, Details: map[string]string{DetailEmail: inv.Email, DetailRole: string(inv.Role)}})
	})
}

// RevokeInvitation deletes a pending invitation; its token stops working.
// It needs ActionManageMembers in the invitation's workspace and the right
// to grant the invitation's role. It returns ErrNotFound, with the same
// message, whether the invitation does not exist or the actor holds no
// role in its organization, and ErrForbidden if the actor lacks the right.
func (s *Service) RevokeInvitation(ctx context.Context, a Actor, invitationID uuid.UUID) error {
	notFound := wrapf(ErrNotFound, "invitation %s", invitationID)
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		inv, err := tx.Invitation(ctx, invitationID)
		if errors.Is(err, ErrNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		f, err := s.authorizeWrite(ctx, tx, a, ActionManageMembers, InWorkspace(inv.WorkspaceID))
		if errors.Is(err, ErrNotFound) && !errors.Is(err, ErrForbidden) {
			return notFound
		}
		if err != nil {
			return err
		}
		if err := s.checkGrant(ctx, a, f, inv.Role); err != nil {
			return err
		}
		if err := tx.DeleteInvitation(ctx, inv.ID); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: inv.OrgID, WorkspaceID: inv.WorkspaceID, ActorID: a.UserID, TargetID: inv.ID,
			Action: EventInvitationRevoked, Details: map[string]string{DetailEmail: inv.Email, DetailRole: string(inv.Role)}})
	})
}

// Invitations lists a workspace's pending invitations by email, expired
// ones included (ActionManageMembers). It returns ErrNotFound if the
// workspace does not exist or the actor holds no role in its
// organization, ErrForbidden if the actor lacks the permission, and
// ErrInvalidInput for a bad page.
func (s *Service) Invitations(ctx context.Context, a Actor, wsID uuid.UUID, p Page) (List[Invitation], error) {
	return listPage(ctx, s, p, cursorInvitations, func() error {
		_, err := s.authorize(ctx, s.store, a, ActionManageMembers, InWorkspace(wsID))
		return err
	}, func(q PageQuery) ([]Invitation, error) {
		return s.store.ListInvitations(ctx, wsID, q)
	}, func(i Invitation) Cursor { return Cursor{Key: i.Email, ID: i.ID} })
}

// InvitationByToken previews the invitation of a token for an accept
// page: the invitation with its workspace's, organization's and
// inviter's names. Anyone holding the token may preview it. It returns
// ErrInvitation, with one message whatever the cause, for a token that is
// malformed, unknown, revoked, used, expired or whose inviter can no
// longer grant its role.
func (s *Service) InvitationByToken(ctx context.Context, token string) (InvitationDetails, error) {
	inv, err := invitationByToken(ctx, s.store, token)
	if err != nil {
		return InvitationDetails{}, s.readFailed(ctx, err)
	}
	d, ok, err := s.invitationDetails(ctx, inv.Invitation, s.clock())
	if err != nil {
		return InvitationDetails{}, s.readFailed(ctx, err)
	}
	if !ok {
		return InvitationDetails{}, errInvitationToken
	}
	return d, nil
}

// UserInvitations lists the pending invitations to the user's address,
// oldest first, once the address is verified; before that it lists none,
// since anyone can sign up with any address. Expired invitations, and
// those whose inviter can no longer grant their role, are left out. It
// returns ErrNotFound if the user does not exist.
func (s *Service) UserInvitations(ctx context.Context, userID uuid.UUID) ([]InvitationDetails, error) {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return nil, s.readFailed(ctx, err)
	}
	out := []InvitationDetails{}
	if !u.EmailVerified {
		return out, nil
	}
	invs, err := s.store.ListInvitationsTo(ctx, u.Email)
	if err != nil {
		return nil, s.readFailed(ctx, err)
	}
	now := s.clock()
	for _, inv := range invs {
		d, ok, err := s.invitationDetails(ctx, inv, now)
		if err != nil {
			return nil, s.readFailed(ctx, err)
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// invitationDetails adds names to a pending invitation; ok is false if it
// has expired, its inviter can no longer grant its role, or its workspace
// has just been deleted.
func (s *Service) invitationDetails(ctx context.Context, inv Invitation, now time.Time) (InvitationDetails, bool, error) {
	if !now.Before(inv.ExpiresAt) {
		return InvitationDetails{}, false, nil
	}
	if ok, err := s.canGrant(ctx, s.store, inv.InvitedBy, inv.WorkspaceID, inv.Role); err != nil || !ok {
		return InvitationDetails{}, false, err
	}
	ws, err := s.store.Workspace(ctx, inv.WorkspaceID)
	if errors.Is(err, ErrNotFound) {
		return InvitationDetails{}, false, nil
	}
	if err != nil {
		return InvitationDetails{}, false, err
	}
	org, err := s.store.Organization(ctx, inv.OrgID)
	if errors.Is(err, ErrNotFound) {
		return InvitationDetails{}, false, nil
	}
	if err != nil {
		return InvitationDetails{}, false, err
	}
	d := InvitationDetails{Invitation: inv, WorkspaceName: ws.Name, OrganizationName: org.Name, OrganizationDomain: org.Domain}
	if inviter, err := s.store.User(ctx, inv.InvitedBy); err == nil {
		d.InviterName = inviter.Name
	} else if !errors.Is(err, ErrNotFound) {
		return InvitationDetails{}, false, err
	}
	return d, true, nil
}

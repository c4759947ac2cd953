package tenancy

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

// SignUpRequest is a new user. EmailVerified tells whether the host's
// authentication layer has proven that the user controls the mailbox; only
// a verified address can claim its domain for a new organization.
type SignUpRequest struct {
	Email, Name   string
	EmailVerified bool
}

// SignUpResult is what a sign-up did.
type SignUpResult struct {
	User                User
	Organization        *Organization // the org created, or joined by auto-join; nil otherwise
	CreatedOrganization bool
	Joined              []Member // workspaces joined by auto-join
}

// maxDomainRaces bounds how often a sign-up retries after losing the race
// to claim its domain. One retry always suffices (the domain is then
// claimed); the bound guards against a misbehaving Store.
const maxDomainRaces = 3

// SignUp creates a user. When the address is verified and professional
// (not at a personal or disposable provider, under an ICANN public suffix)
// and its organization domain is unclaimed, it also creates the
// organization and makes the user its first Organization Admin. When the
// domain is already claimed, the user joins the workspaces of that
// organization's auto-join policy, if any.
//
// It returns an error matching ErrInvalidEmail for a malformed address,
// ErrInvalidInput for a bad name, and ErrAlreadyExists if a user already
// has this address. Concurrent sign-ups from one domain create exactly one
// organization.
func (s *Service) SignUp(ctx context.Context, r SignUpRequest) (SignUpResult, error) {
	email, err := ParseEmail(r.Email)
	if err != nil {
		return SignUpResult{}, err
	}
	name, err := validUserName(r.Name)
	if err != nil {
		return SignUpResult{}, err
	}
	u := User{ID: uuid.New(), Email: email.String(), Name: name, EmailVerified: r.EmailVerified}
	return s.withDomainRetry(ctx, func(tx Tx, rec *recorder) (SignUpResult, error) {
		u.CreatedAt = rec.now
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return SignUpResult{}, wrapf(ErrAlreadyExists, "a user already signed up with %s", u.Email)
			}
			return SignUpResult{}, err
		}
		return s.applyOrgRules(ctx, tx, rec, u, email, EventUserSignedUp)
	})
}

// ConfirmEmail records that the user's address is now verified and applies
// the organization rules of SignUp. It does nothing for an address already
// verified. It returns ErrNotFound if the user does not exist.
func (s *Service) ConfirmEmail(ctx context.Context, userID uuid.UUID) (SignUpResult, error) {
	return s.withDomainRetry(ctx, func(tx Tx, rec *recorder) (SignUpResult, error) {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return SignUpResult{}, err
		}
		if u.EmailVerified {
			return SignUpResult{User: u}, nil
		}
		email, err := ParseEmail(u.Email)
		if err != nil {
			return SignUpResult{}, err
		}
		u.EmailVerified = true
		if err := tx.UpdateUser(ctx, u); err != nil {
			return SignUpResult{}, err
		}
		return s.applyOrgRules(ctx, tx, rec, u, email, EventUserEmailConfirmed)
	})
}

// User returns a user; ErrNotFound if there is none with this ID.
func (s *Service) User(ctx context.Context, id uuid.UUID) (User, error) {
	u, err := s.store.User(ctx, id)
	return u, s.readFailed(ctx, err)
}

// withDomainRetry runs fn in a transaction, again if it lost the race to
// claim a domain: the rolled-back attempt then sees the domain claimed.
func (s *Service) withDomainRetry(ctx context.Context, fn func(Tx, *recorder) (SignUpResult, error)) (SignUpResult, error) {
	var res SignUpResult
	var err error
	for range maxDomainRaces {
		err = s.update(ctx, func(tx Tx, rec *recorder) error {
			res, err = fn(tx, rec)
			return err
		})
		if !errors.Is(err, ErrDomainTaken) {
			break
		}
	}
	if err != nil {
		return SignUpResult{}, err
	}
	return res, nil
}

// applyOrgRules creates or joins the organization of a user's domain when
// the rules allow it, and records event for the user followed by what the
// rules did.
func (s *Service) applyOrgRules(ctx context.Context, tx Tx, rec *recorder, u User, email Email, event string) (SignUpResult, error) {
	res := SignUpResult{User: u}
	var orgEvents []AuditEvent
	if u.EmailVerified && email.Claimable() && !s.classifier.IsPersonal(email) {
		org, err := tx.OrganizationByDomain(ctx, email.OrgDomain())
		switch {
		case errors.Is(err, ErrNotFound):
			org = Organization{ID: uuid.New(), Name: email.OrgDomain(), Domain: email.OrgDomain(), CreatedAt: rec.now}
			if err := tx.CreateOrganization(ctx, org); err != nil {
				return res, err
			}
			if err := tx.AddOrgAdmin(ctx, org.ID, u.ID, rec.now); err != nil {
				return res, err
			}
			res.Organization, res.CreatedOrganization = &org, true
			orgEvents = append(orgEvents,
				AuditEvent{OrgID: org.ID, ActorID: u.ID, TargetID: org.ID, Action: EventOrganizationCreated,
					Details: map[string]string{"name": org.Name, "domain": org.Domain}},
				AuditEvent{OrgID: org.ID, ActorID: u.ID, TargetID: u.ID, Action: EventOrgAdminGranted,
					Details: map[string]string{"email": u.Email}})
		case err != nil:
			return res, err
		default:
			joined, err := s.autoJoin(ctx, tx, rec, org, u)
			if err != nil {
				return res, err
			}
			if len(joined) > 0 {
				res.Organization, res.Joined = &org, joined
				for _, m := range joined {
					orgEvents = append(orgEvents, AuditEvent{OrgID: org.ID, WorkspaceID: m.WorkspaceID,
						ActorID: u.ID, TargetID: u.ID, Action: EventMemberAdded,
						Details: map[string]string{"email": u.Email, "role": string(m.Role), "via": "auto_join"}})
				}
			}
		}
	}
	first := AuditEvent{ActorID: u.ID, TargetID: u.ID, Action: event, Details: map[string]string{"email": u.Email}}
	if res.Organization != nil {
		first.OrgID = res.Organization.ID
	}
	for _, e := range append([]AuditEvent{first}, orgEvents...) {
		if err := rec.record(ctx, tx, e); err != nil {
			return res, err
		}
	}
	return res, nil
}

// autoJoin adds u to the workspaces of org's auto-join policy that still
// exist, unless the policy's allowed email domains exclude the address.
func (s *Service) autoJoin(ctx context.Context, tx Tx, rec *recorder, org Organization, u User) ([]Member, error) {
	aj := org.Policy.AutoJoin
	role := aj.Role
	if role == "" {
		role = RoleMember
	}
	if len(aj.Workspaces) == 0 || !s.policy.IsWorkspaceRole(role) ||
		emailAllowed(&org.Policy, ActionManageMembers, u.Email) != nil {
		return nil, nil
	}
	var joined []Member
	for _, wsID := range aj.Workspaces {
		ws, err := tx.Workspace(ctx, wsID)
		if errors.Is(err, ErrNotFound) || err == nil && ws.OrgID != org.ID {
			continue
		}
		if err != nil {
			return nil, err
		}
		m := Member{WorkspaceID: ws.ID, UserID: u.ID, Email: u.Email, Role: role, CreatedAt: rec.now}
		if err := tx.AddMember(ctx, m); err != nil {
			return nil, err
		}
		joined = append(joined, m)
	}
	return joined, nil
}

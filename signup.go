package tenancy

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"
)

// SignUpRequest is a new user. EmailVerified tells whether the host's
// authentication layer has proven that the user controls the mailbox; only
// a verified address can claim its domain for a new organization.
type SignUpRequest struct {
	Email, Name   string
	EmailVerified bool
	// ID is the host's own ID for the user; uuid.New() when uuid.Nil.
	ID uuid.UUID
	// ExternalID is the identity provider's subject ("auth0|123"),
	// unique when set; see UserByExternalID. At most MaxExternalIDLength
	// bytes of UTF-8 with no control, bidi or invisible format character.
	ExternalID string
	// ReplaceUnverified, with EmailVerified, takes the address from a
	// user that holds it without having verified it: an account anyone
	// could have made by typing the address. That user is erased, as
	// DeleteUser does, in the same transaction as the sign-up, except for
	// the invitations to the address, which are the mailbox's and stay
	// for the new user; SignUpResult.Replaced names it, for the host to
	// drop its own records of it. A verified holder still makes the
	// sign-up fail with ErrAlreadyExists, and a holder that is the last
	// admin of a workspace with ErrLastAdmin, changing nothing.
	ReplaceUnverified bool
}

// SignUpResult is what a sign-up did.
type SignUpResult struct {
	User                User
	Organization        *Organization // the org created, or joined by auto-join; nil otherwise
	CreatedOrganization bool
	Joined              []Member // workspaces joined by auto-join
	// Replaced is the user a sign-up with ReplaceUnverified erased, or
	// uuid.Nil.
	Replaced uuid.UUID
}

// maxDomainRaces bounds how often a sign-up retries after losing the race
// to claim its domain. One retry always suffices (the domain is then
// claimed); the bound guards against a misbehaving Store.
const maxDomainRaces = 3

// MaxExternalIDLength bounds User.ExternalID, in bytes.
const MaxExternalIDLength = 255

// SignUp creates a user. When the address is verified, professional (not
// at a free, disposable or relay provider; see EmailClassifier), under an
// ICANN public suffix, and at its organization domain itself
// ("ann@acme.co.uk", not "ann@eng.acme.co.uk"), and that domain is
// unclaimed, it also creates the organization and makes the user its first
// Organization Admin. When the domain is already claimed, a verified user
// at the domain (or at one of the organization's AutoJoin.Domains) joins
// the workspaces of its auto-join policy.
//
// It returns an error matching ErrInvalidEmail for a malformed address,
// ErrInvalidInput for a bad name or external ID, and ErrAlreadyExists if a
// user already has this address, ID or external ID. Concurrent sign-ups
// from one domain create exactly one organization.
//
// An unverified sign-up holds its address without proving it, so a
// verified sign-up may find the address taken by an account someone else
// created (ErrAlreadyExists). The host must then neither sign the owner in
// to that account nor ConfirmEmail it, since its creator may hold a
// password or an identity-provider link to it: it signs the owner up
// again with ReplaceUnverified, which erases the unverified holder in the
// same transaction, as the example shows. (Erasing it with DeleteUser
// first, then signing up, does the same with a gap between the two, and
// takes the invitations to the address, the owner's included.) A
// verified ChangeEmail meets the same case, and erases the holder with
// DeleteUser (ExampleService_ChangeEmail_identityProvider). A holder
// that is a workspace's last Admin (an invitee that accepted unverified)
// cannot be erased (ErrLastAdmin): the workspace needs another Admin
// first.
func (s *Service) SignUp(ctx context.Context, r SignUpRequest) (SignUpResult, error) {
	email, err := ParseEmail(r.Email)
	if err != nil {
		return SignUpResult{}, err
	}
	name, err := validUserName(r.Name)
	if err != nil {
		return SignUpResult{}, err
	}
	if err := validExternalID(r.ExternalID); err != nil {
		return SignUpResult{}, err
	}
	u := User{ID: r.ID, Email: email.String(), Name: name, EmailVerified: r.EmailVerified, ExternalID: r.ExternalID}
	if u.ID == uuid.Nil {
		u.ID = uuid.New()
	}
	return s.withDomainRetry(ctx, func(tx Tx, rec *recorder) (SignUpResult, error) {
		u.CreatedAt = rec.now
		replaced := uuid.Nil
		if r.ReplaceUnverified && u.EmailVerified {
			id, err := s.replaceUnverified(ctx, tx, rec, u.Email)
			if err != nil {
				return SignUpResult{}, err
			}
			replaced = id
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return SignUpResult{}, wrapf(ErrAlreadyExists, "a user already signed up with this address, ID or external ID")
			}
			return SignUpResult{}, err
		}
		res, err := s.applyOrgRules(ctx, tx, rec, u, email, AuditEvent{Action: EventUserSignedUp,
			Details: map[string]string{DetailEmail: u.Email}})
		res.Replaced = replaced
		return res, err
	})
}

// replaceUnverified erases the user holding email if it has not verified
// it (SignUpRequest.ReplaceUnverified), and returns its ID; uuid.Nil if
// no such user holds it, CreateUser then reporting a verified holder.
func (s *Service) replaceUnverified(ctx context.Context, tx Tx, rec *recorder, email string) (uuid.UUID, error) {
	holder, err := tx.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return uuid.Nil, nil
	} else if err != nil {
		return uuid.Nil, err
	}
	// Locked, then read again: a confirmation or an address change
	// committed since the read above decides.
	holder, err = tx.LockUser(ctx, holder.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return uuid.Nil, nil
	case err != nil:
		return uuid.Nil, err
	case holder.EmailVerified || holder.Email != email:
		return uuid.Nil, nil
	}
	return holder.ID, s.eraseUser(ctx, tx, rec, holder, email)
}

// validExternalID checks an identity provider's subject: "" or up to
// MaxExternalIDLength bytes of UTF-8 without control, bidi or invisible
// format characters.
func validExternalID(id string) error {
	if len(id) > MaxExternalIDLength {
		return invalid("external ID is over %d bytes", MaxExternalIDLength)
	}
	return identifier("external ID", id)
}

// ConfirmEmail records that the user's address is now verified and applies
// the organization rules of SignUp. It does nothing for an address already
// verified, also when several calls race: exactly one records the
// confirmation, and all succeed. It returns ErrNotFound if the user does
// not exist.
//
// It confirms the address the user holds when it runs, whichever address
// the host's proof was for. A host that lets users change their address
// before proving it (ChangeEmail with verified false) must not confirm
// with it: a link mailed to an address the user gave up meanwhile would
// verify the newer one, which the user may not own (ceo@acme.com, say,
// claiming acme.com). Such a host confirms with ChangeEmail(ctx, userID,
// provenAddress, true), which verifies that address only.
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
		changed, err := tx.VerifyUserEmail(ctx, u.ID, u.Email)
		if err != nil {
			return SignUpResult{}, err
		}
		if !changed {
			// Another call confirmed it (or changed the address) first.
			u, err := tx.User(ctx, userID)
			return SignUpResult{User: u}, err
		}
		u.EmailVerified = true
		return s.applyOrgRules(ctx, tx, rec, u, email, AuditEvent{Action: EventUserEmailConfirmed,
			Details: map[string]string{DetailEmail: u.Email}})
	})
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
// the rules allow it, and records first (the user's own event, completed
// here) followed by what the rules did.
func (s *Service) applyOrgRules(ctx context.Context, tx Tx, rec *recorder, u User, email Email, first AuditEvent) (SignUpResult, error) {
	res := SignUpResult{User: u}
	var orgEvents []AuditEvent
	if u.EmailVerified && email.Claimable() && !s.classifier.IsPersonal(email) {
		org, err := tx.OrganizationByDomain(ctx, email.OrgDomain())
		switch {
		case errors.Is(err, ErrNotFound):
			if email.Domain() != email.OrgDomain() {
				// A mailbox on a subdomain (users.noreply.github.com,
				// eng.acme.co.uk) never claims the company's domain.
				break
			}
			// Both writes are deferred (see WriteDeferrer): their errors
			// are returned unchanged, and only audit events follow them.
			// ErrDomainTaken, a sign-up losing the race for the domain,
			// may then come from Update: withDomainRetry, around the
			// whole transaction, handles it there.
			org = Organization{ID: uuid.New(), Name: email.OrgDomain(), Domain: email.OrgDomain(), CreatedAt: rec.now}
			w := deferred(tx)
			if err := w.CreateOrganization(ctx, org); err != nil {
				return res, err
			}
			if err := w.AddOrgAdmin(ctx, org.ID, u.ID, rec.now); err != nil {
				return res, err
			}
			res.Organization, res.CreatedOrganization = &org, true
			orgEvents = append(orgEvents,
				AuditEvent{OrgID: org.ID, ActorID: u.ID, TargetID: org.ID, Action: EventOrganizationCreated,
					Details: map[string]string{DetailName: org.Name, DetailDomain: org.Domain}},
				AuditEvent{OrgID: org.ID, ActorID: u.ID, TargetID: u.ID, Action: EventOrgAdminGranted,
					Details: map[string]string{DetailEmail: u.Email}})
		case err != nil:
			return res, err
		default:
			joined, err := s.autoJoin(ctx, tx, rec, &org, u, email)
			if err != nil {
				return res, err
			}
			if len(joined) > 0 {
				res.Organization, res.Joined = &org, joined
				for _, m := range joined {
					orgEvents = append(orgEvents, AuditEvent{OrgID: org.ID, WorkspaceID: m.WorkspaceID,
						ActorID: u.ID, TargetID: u.ID, Action: EventMemberAdded,
						Details: map[string]string{DetailEmail: u.Email, DetailRole: string(m.Role), DetailVia: ViaAutoJoin}})
				}
			}
		}
	}
	first.ActorID, first.TargetID = u.ID, u.ID
	// The event goes to the organization the user created or joined,
	// unless it names an address the user held before (an address
	// change's DetailFrom): the organization would learn an address the
	// user never used with it. It then stays out of every organization's
	// log, where FormerEmails still finds it.
	if res.Organization != nil && first.Details[DetailFrom] == "" {
		first.OrgID = res.Organization.ID
	}
	for _, e := range append([]AuditEvent{first}, orgEvents...) {
		if err := rec.record(ctx, tx, e); err != nil {
			return res, err
		}
	}
	return res, nil
}

// autoJoin adds u to the workspaces of the auto-join policy of org (read
// without a lock; it is re-read here under one) when the verified address
// is at the organization's domain or one of its AutoJoin.Domains, unless
// the allowed email domains exclude it. It skips workspaces u already
// belongs to and those deleted meanwhile. The organization's lock orders
// it after any concurrent workspace deletion or policy change.
func (s *Service) autoJoin(ctx context.Context, tx Tx, rec *recorder, org *Organization, u User, email Email) ([]Member, error) {
	// The organization was found by its domain without a lock. If it lost
	// the domain (or was deleted) since, whoever holds the domain now
	// decides: ErrDomainTaken makes withDomainRetry run the rules again.
	moved := wrapf(ErrDomainTaken, "%s changed hands meanwhile", org.Domain)
	if err := tx.LockOrganization(ctx, org.ID); errors.Is(err, ErrNotFound) {
		return nil, moved
	} else if err != nil {
		return nil, err
	}
	fresh, err := tx.Organization(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	if fresh.Domain != org.Domain {
		return nil, moved
	}
	*org = fresh
	aj := org.Policy.AutoJoin
	role := aj.Role
	if role == "" {
		role = RoleMember
	}
	atDomain := email.Domain() == org.Domain || slices.Contains(aj.Domains, email.Domain())
	if len(aj.Workspaces) == 0 || !atDomain || !s.policy.IsWorkspaceRole(role) || !emailAllowed(&org.Policy, u.Email) {
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
		if _, err := tx.Member(ctx, ws.ID, u.ID); err == nil {
			continue // already a member, by invitation or otherwise
		} else if !errors.Is(err, ErrNotFound) {
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

package tenancy

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/google/uuid"
)

// The user-level calls below (and SignUp, ConfirmEmail, UserWorkspaces,
// AdminOrganizations) take no Actor, by design: they are the host's own
// trusted calls about one user, made by its authentication layer before a
// session exists (sign-up, confirmation, sign-in by email or identity
// provider) or beside one (a profile page, an erasure request). The host
// decides who may make them; every call inside an organization takes an
// Actor and is decided by the Policy.

// User returns a user; ErrNotFound if there is none with this ID.
func (s *Service) User(ctx context.Context, id uuid.UUID) (User, error) {
	u, err := s.store.User(ctx, id)
	return u, s.readFailed(ctx, err)
}

// UserByEmail returns the user with this address, normalized as at
// sign-up (so "Ann@ACME.com" finds "ann@acme.com"). It returns
// ErrInvalidEmail for a malformed address and ErrNotFound if no user has
// it.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	e, err := ParseEmail(email)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.UserByEmail(ctx, e.String())
	return u, s.readFailed(ctx, err)
}

// UserByExternalID returns the user with this identity-provider subject
// (SignUpRequest.ExternalID). It returns ErrInvalidInput for an empty or
// malformed ID and ErrNotFound if no user has it.
func (s *Service) UserByExternalID(ctx context.Context, externalID string) (User, error) {
	if externalID == "" {
		return User{}, invalid("external ID is empty")
	}
	if err := validExternalID(externalID); err != nil {
		return User{}, err
	}
	u, err := s.store.UserByExternalID(ctx, externalID)
	return u, s.readFailed(ctx, err)
}

// RenameUser changes a user's display name (prepared like every display
// name; it may be empty). Renaming to the current name changes nothing and
// records no event. It returns ErrInvalidInput for a bad name and
// ErrNotFound if the user does not exist.
func (s *Service) RenameUser(ctx context.Context, userID uuid.UUID, name string) (User, error) {
	name, err := validUserName(name)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.update(ctx, func(tx Tx, rec *recorder) error {
		// Locked: UpdateUser writes the whole row back, and an address
		// changed meanwhile would be undone.
		if u, err = tx.LockUser(ctx, userID); err != nil {
			return err
		}
		if u.Name == name {
			return nil
		}
		from := u.Name
		u.Name = name
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{ActorID: u.ID, TargetID: u.ID, Action: EventUserRenamed,
			Details: map[string]string{DetailFrom: from, DetailTo: name}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// SetExternalID links the user to an identity provider's subject
// (SignUpRequest.ExternalID), replacing the one it had, or unlinks it
// with "": for a user who signed up with a password and now signs in
// through a provider, or for a host moving to another provider, whose
// subjects differ. Whoever signs in as the subject is the user from then
// on, so the host links only once it has authenticated the user both
// ways: the account's own session, and the provider's sign-in. Setting
// the current subject changes nothing and records no event; otherwise
// user.external_id_changed records the former and new subjects, in no
// organization's log. It returns ErrInvalidInput for a bad external ID,
// ErrNotFound if the user does not exist, and ErrAlreadyExists if
// another user has the subject.
func (s *Service) SetExternalID(ctx context.Context, userID uuid.UUID, externalID string) (User, error) {
	if err := validExternalID(externalID); err != nil {
		return User{}, err
	}
	var u User
	err := s.update(ctx, func(tx Tx, rec *recorder) error {
		var err error
		// Locked: UpdateUser writes the whole row back (see RenameUser).
		if u, err = tx.LockUser(ctx, userID); err != nil {
			return err
		}
		if u.ExternalID == externalID {
			return nil
		}
		from := u.ExternalID
		u.ExternalID = externalID
		if err := tx.UpdateUser(ctx, u); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return wrapf(ErrAlreadyExists, "another user has this external ID")
			}
			return err
		}
		return rec.record(ctx, tx, AuditEvent{ActorID: u.ID, TargetID: u.ID, Action: EventUserExternalIDChanged,
			Details: map[string]string{DetailFrom: from, DetailTo: externalID}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ChangeEmail changes a user's address. verified tells whether the host
// has proven the user controls the new mailbox; when it has, the
// organization rules of SignUp apply to the new address (it may claim its
// domain or auto-join), and when it has not, the user is unverified until
// the host proves it and calls ChangeEmail again with the proven address
// and verified true (ConfirmEmail would verify whatever address the user
// holds by then). The user keeps its roles. The user.email_changed event,
// which names the former address, goes to no organization's log, not even
// that of an organization the change makes the user join or create.
// Changing to the current address changes nothing, unless it confirms it.
// An Organization Admin changes only to a proven address, as only a
// verified user can be one (GrantOrgAdmin). It returns ErrInvalidEmail
// for a malformed address, ErrInvalidInput for an unverified change by an
// Organization Admin, ErrNotFound if the user does not exist, and
// ErrAlreadyExists if another user has the address (see SignUp for one
// holding it unverified).
//
// A host that signs users in through an identity provider may call it at
// every sign-in with the address the provider vouches for and verified
// true: an unchanged, verified address changes nothing.
func (s *Service) ChangeEmail(ctx context.Context, userID uuid.UUID, email string, verified bool) (SignUpResult, error) {
	addr, err := ParseEmail(email)
	if err != nil {
		return SignUpResult{}, err
	}
	return s.withDomainRetry(ctx, func(tx Tx, rec *recorder) (SignUpResult, error) {
		// Locked, so that concurrent changes of one user's address take
		// turns: each records the address it really replaced, which
		// FormerEmails gives DeleteUser to scrub.
		u, err := tx.LockUser(ctx, userID)
		if err != nil {
			return SignUpResult{}, err
		}
		from := u.Email
		if from == addr.String() && (u.EmailVerified || !verified) {
			return SignUpResult{User: u}, nil
		}
		if !verified {
			// An Organization Admin's address is verified (GrantOrgAdmin):
			// held unverified, someone else's address would stay with the
			// organization's last admin, whom DeleteUser cannot erase.
			admin, err := tx.AdminOrganizations(ctx, userID)
			if err != nil {
				return SignUpResult{}, err
			}
			if len(admin) > 0 {
				return SignUpResult{}, invalid("an Organization Admin's address must be verified: prove the new address, then change to it")
			}
		}
		u.Email, u.EmailVerified = addr.String(), verified
		if err := tx.UpdateUser(ctx, u); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return SignUpResult{}, wrapf(ErrAlreadyExists, "another user has this address")
			}
			return SignUpResult{}, err
		}
		return s.applyOrgRules(ctx, tx, rec, u, addr, AuditEvent{Action: EventUserEmailChanged,
			Details: map[string]string{DetailFrom: from, DetailTo: u.Email, "verified": strconv.FormatBool(verified)}})
	})
}

// DeleteUser erases a user: its roles in every organization, the
// invitations to its addresses (the current one and those it held
// before, as below) and those it issued, and the user itself;
// its address, and every address it held before (as its
// user.email_changed events record them), are removed from the details of
// every audit event (IDs stay). A former address that another user holds
// now is kept: it names that user in events since, which the log cannot
// tell from the deleted user's. Display names are not removed: the
// user's user.renamed events, in no organization's log (OrgID uuid.Nil),
// keep the names it had. Each organization where it held a role, or had
// invitations, records user.deleted. It returns ErrNotFound if the user does not exist
// and ErrLastAdmin, changing nothing, if it is the last admin of a
// workspace or the last Organization Admin of an organization: hand those
// over first (or delete the organization through the Operator).
func (s *Service) DeleteUser(ctx context.Context, userID uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		// Locked before anything is read: an address change or a new
		// role committed meanwhile would otherwise escape the erasure.
		u, err := tx.LockUser(ctx, userID)
		if err != nil {
			return err
		}
		return s.eraseUser(ctx, tx, rec, u, "")
	})
}

// eraseUser is DeleteUser's erasure of u, which the caller has locked.
// A replacing sign-up (SignUpRequest.ReplaceUnverified) passes the
// address it takes as keep: the invitations to it are the mailbox's, and
// stay for the new user; the user.deleted events then give the reason.
func (s *Service) eraseUser(ctx context.Context, tx Tx, rec *recorder, u User, keep string) error {
	userID := u.ID
	var err error
	// What the erasure touches, read once to learn which organizations
	// to lock, then again under their locks: a removal or an
	// invitation by the user committed in between is then seen. (New
	// roles, and invitations to the address, take the user's lock.)
	var sc erasureScope
	locked := map[uuid.UUID]bool{}
	for {
		if sc, err = readErasureScope(ctx, tx, u, keep); err != nil {
			return err
		}
		ids := sc.orgIDs(func(id uuid.UUID) bool { return !locked[id] })
		if len(ids) == 0 {
			break
		}
		// In one order, so that two erasures cannot deadlock.
		for _, orgID := range ids {
			if err := tx.LockOrganization(ctx, orgID); err != nil {
				return err
			}
			locked[orgID] = true
		}
	}
	orgs, invs, touched := sc.orgs, sc.invs, sc.touched
	ids := sc.orgIDs(func(uuid.UUID) bool { return true })
	for _, om := range orgs {
		if om.OrgAdmin {
			if err := s.checkOrgAdminRemovable(ctx, tx, om.Organization.ID, userID); err != nil {
				return err
			}
		}
		ms, err := tx.UserOrgMemberships(ctx, om.Organization.ID, userID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := s.checkWorkspaceAdminRemovable(ctx, tx, m); err != nil {
				return err
			}
		}
	}
	for _, inv := range invs {
		if err := tx.DeleteInvitation(ctx, inv.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := tx.DeleteUser(ctx, userID); err != nil {
		return err
	}
	for _, email := range sc.emails {
		if _, err := tx.ScrubAuditEmail(ctx, email); err != nil {
			return err
		}
	}
	for _, orgID := range ids {
		n := touched[orgID]
		d := map[string]string{DetailOrgAdmin: strconv.FormatBool(n.orgAdmin > 0),
			DetailWorkspaces: strconv.Itoa(n.workspaces), DetailInvitationsRevoked: strconv.Itoa(n.invitations)}
		if keep != "" {
			d[DetailReason] = ReasonReplacedByVerifiedSignUp
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: orgID, TargetID: userID, Action: EventUserDeleted, Details: d}); err != nil {
			return err
		}
	}
	return nil
}

// erasureScope is what DeleteUser removes: the user's roles, the
// invitations to its address and by it, and what each organization loses.
type erasureScope struct {
	orgs    []OrgMembership
	invs    []Invitation
	emails  []string // the addresses to scrub (ownEmails)
	touched map[uuid.UUID]*erased
}

// erased counts what an organization loses to an erasure, for its
// user.deleted event.
type erased struct{ orgAdmin, workspaces, invitations int }

// readErasureScope reads the erasure scope of u; the invitations to keep
// (an address, or "") are left out of it.
func readErasureScope(ctx context.Context, tx Tx, u User, keep string) (erasureScope, error) {
	orgs, err := tx.UserOrganizations(ctx, u.ID)
	if err != nil {
		return erasureScope{}, err
	}
	// The invitations to every address that names u alone: the erasure
	// scrubs them all from the log, and an invitation kept would still
	// name one (and write it into the log again when revoked).
	emails, err := ownEmails(ctx, tx, u)
	if err != nil {
		return erasureScope{}, err
	}
	var to []Invitation
	for _, email := range emails {
		if email == keep {
			continue
		}
		invs, err := tx.ListInvitationsTo(ctx, email)
		if err != nil {
			return erasureScope{}, err
		}
		to = append(to, invs...)
	}
	by, err := tx.ListInvitationsBy(ctx, uuid.Nil, u.ID)
	if err != nil {
		return erasureScope{}, err
	}
	sc := erasureScope{orgs: orgs, emails: emails, touched: map[uuid.UUID]*erased{}}
	at := func(orgID uuid.UUID) *erased {
		if sc.touched[orgID] == nil {
			sc.touched[orgID] = &erased{}
		}
		return sc.touched[orgID]
	}
	for _, om := range orgs {
		at(om.Organization.ID).workspaces = om.Workspaces
		if om.OrgAdmin {
			at(om.Organization.ID).orgAdmin = 1
		}
	}
	sc.invs = slices.Concat(to, by)
	slices.SortFunc(sc.invs, func(a, b Invitation) int { return compareUUID(a.ID, b.ID) })
	sc.invs = slices.CompactFunc(sc.invs, func(a, b Invitation) bool { return a.ID == b.ID })
	for _, inv := range sc.invs {
		at(inv.OrgID).invitations++
	}
	return sc, nil
}

// orgIDs returns, in ID order, the organizations of the scope that keep
// reports true of.
func (sc erasureScope) orgIDs(keep func(uuid.UUID) bool) []uuid.UUID {
	var ids []uuid.UUID
	for id := range sc.touched {
		if keep(id) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareUUID)
	return ids
}

// ownEmails returns the addresses that name u alone: its current one and
// every one it held before, except those another user holds now. DeleteUser
// scrubs them from the audit log (a former address another user holds
// names that user in events since); removing u from an organization
// revokes the invitations to them (u could take a former address back).
func ownEmails(ctx context.Context, tx Tx, u User) ([]string, error) {
	former, err := tx.FormerEmails(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	slices.Sort(former)
	emails := []string{u.Email}
	for _, email := range slices.Compact(former) {
		if email == u.Email {
			continue
		}
		switch _, err := tx.UserByEmail(ctx, email); {
		case errors.Is(err, ErrNotFound):
			emails = append(emails, email)
		case err != nil:
			return nil, err
		}
	}
	return emails, nil
}

func compareUUID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// UserOrganizations lists every organization where the user holds a role
// (Organization Admin, or member of one of its workspaces), by name, with
// whether it is an Organization Admin and how many of its workspaces it
// is a member of: what an organization switcher shows. It returns
// ErrNotFound if the user does not exist.
func (s *Service) UserOrganizations(ctx context.Context, userID uuid.UUID) ([]OrgMembership, error) {
	if _, err := s.store.User(ctx, userID); err != nil {
		return nil, s.readFailed(ctx, err)
	}
	list, err := s.store.UserOrganizations(ctx, userID)
	if err != nil {
		return nil, s.readFailed(ctx, err)
	}
	if list == nil {
		list = []OrgMembership{}
	}
	return list, nil
}

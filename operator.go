package tenancy

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Operator is the support staff's API: actions no user-facing flow offers,
// such as creating an organization outside sign-up. Hosts expose it only in
// their support tooling. Its audit events have a nil ActorID.
type Operator struct{ s *Service }

// Operator returns the Service's support-staff API.
func (s *Service) Operator() *Operator { return &Operator{s: s} }

// CreateOrganization creates an organization named name with admin as its
// first Organization Admin. domain may be "" (the organization then claims
// no domain); otherwise it must be a registrable domain (eTLD+1) under an
// ICANN public suffix, not a personal or disposable provider, and it is
// claimed for the organization. It returns ErrInvalidInput for a bad name
// or domain or an admin whose address is not verified, ErrNotFound if
// admin is not a user, and ErrDomainTaken if another organization claims
// the domain.
func (o *Operator) CreateOrganization(ctx context.Context, name, domain string, admin uuid.UUID) (Organization, error) {
	s := o.s
	name, err := validName("organization", name)
	if err != nil {
		return Organization{}, err
	}
	if domain != "" {
		if domain, err = s.claimableDomain(domain); err != nil {
			return Organization{}, err
		}
	}
	org := Organization{ID: uuid.New(), Name: name, Domain: domain}
	err = s.update(ctx, func(tx Tx, rec *recorder) error {
		u, err := tx.LockUser(ctx, admin)
		if err != nil {
			return err
		}
		if !u.EmailVerified {
			return invalid("user %s has not verified its address: only verified users can be organization admins", admin)
		}
		org.CreatedAt = rec.now
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if err := tx.AddOrgAdmin(ctx, org.ID, admin, rec.now); err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: org.ID, TargetID: org.ID, Action: EventOrganizationCreated,
			Details: map[string]string{DetailName: name, DetailDomain: domain, DetailBy: ByOperator}}); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: org.ID, TargetID: admin, Action: EventOrgAdminGranted,
			Details: map[string]string{DetailEmail: u.Email, DetailBy: ByOperator}})
	})
	if err != nil {
		return Organization{}, err
	}
	return org, nil
}

// MaxNoteLength bounds an operator's note, in characters.
const MaxNoteLength = 1000

// validNote checks an operator's note: printable text (no control or bidi
// control characters) of at most
// MaxNoteLength characters; support tooling should always give one.
func validNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n > MaxNoteLength {
		return "", invalid("note is %d characters, over %d", n, MaxNoteLength)
	}
	return note, printable("note", note)
}

// update checks note (ErrInvalidInput), then runs fn as s.update does,
// with every audit event it records marked as the operator's: no actor, "by": "operator" and the note in
// its details.
func (o *Operator) update(ctx context.Context, note string, fn func(Tx, *recorder) error) error {
	note, err := validNote(note)
	if err != nil {
		return err
	}
	return o.s.update(ctx, func(tx Tx, rec *recorder) error {
		rec.operator, rec.note = true, note
		return fn(tx, rec)
	})
}

// opEvent completes an operator's audit event: no actor, the note and
// "by": "operator" in its details.
func opEvent(e AuditEvent, note string) AuditEvent {
	d := make(map[string]string, len(e.Details)+2)
	maps.Copy(d, e.Details)
	e.Details, e.ActorID = d, uuid.Nil
	d[DetailBy], d[DetailNote] = ByOperator, note
	return e
}

// GrantOrgAdmin makes a user an Organization Admin of an organization,
// whatever its admins say: the way back into an organization whose admins
// are gone. The user's address must be verified. The note (why, and on
// whose request) goes to the organization's audit log. It returns
// ErrInvalidInput for an unverified user or a bad note, ErrNotFound if
// the organization or user does not exist, and ErrAlreadyExists if the
// user is already an Organization Admin.
func (o *Operator) GrantOrgAdmin(ctx context.Context, orgID, userID uuid.UUID, note string) error {
	return o.update(ctx, note, func(tx Tx, rec *recorder) error {
		u, err := lockUserAndOrg(ctx, tx, userID, orgID)
		if err != nil {
			return err
		}
		if !u.EmailVerified {
			return invalid("user %s has not verified its address: only verified users can be organization admins", userID)
		}
		if err := tx.AddOrgAdmin(ctx, orgID, userID, rec.now); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, TargetID: userID, Action: EventOrgAdminGranted,
			Details: map[string]string{DetailEmail: u.Email}})
	})
}

// RemoveFromOrganization removes a user from an organization, whatever
// its admins say: its Organization Admin role and every workspace
// membership there, the invitations pending there for its addresses and
// those it issued there. It is how support evicts a hostile or departed
// admin, who could otherwise revoke an admin GrantOrgAdmin restored. The
// rules that keep an organization manageable still hold: grant a trusted
// admin first (GrantOrgAdmin), and have it make someone else the Admin of
// any workspace where the user is the only one. Every event it writes
// carries the note. It returns ErrInvalidInput for a bad note, ErrNotFound
// if the user or organization does not exist or the user holds no role
// there, and ErrLastAdmin, changing nothing, if the user is the last
// admin of the organization or of one of its workspaces.
func (o *Operator) RemoveFromOrganization(ctx context.Context, orgID, userID uuid.UUID, note string) error {
	return o.update(ctx, note, func(tx Tx, rec *recorder) error {
		u, err := lockUserAndOrg(ctx, tx, userID, orgID)
		if err != nil {
			return err
		}
		return o.s.dropOrgRoles(ctx, tx, rec, uuid.Nil, orgID, u, EventUserRemovedFromOrg)
	})
}

// lockUserAndOrg locks a user, then an organization, in the order every
// write takes them (see Tx.LockUser), and returns the user.
func lockUserAndOrg(ctx context.Context, tx Tx, userID, orgID uuid.UUID) (User, error) {
	u, err := tx.LockUser(ctx, userID)
	if err != nil {
		return User{}, err
	}
	return u, tx.LockOrganization(ctx, orgID)
}

// ResetSecurityPolicy turns an organization's security policy off (the
// zero SecurityPolicy): the way back from a policy that locks everyone
// out. It returns ErrInvalidInput for a bad note and ErrNotFound if the
// organization does not exist.
func (o *Operator) ResetSecurityPolicy(ctx context.Context, orgID uuid.UUID, note string) (Organization, error) {
	var org Organization
	err := o.update(ctx, note, func(tx Tx, rec *recorder) error {
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return err
		}
		var err error
		if org, err = tx.Organization(ctx, orgID); err != nil {
			return err
		}
		if org.Policy.Equal(SecurityPolicy{}) {
			return nil
		}
		org.Policy = SecurityPolicy{}
		if err := tx.UpdateOrganization(ctx, org); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, TargetID: orgID,
			Action: EventSecurityPolicyChanged, Details: org.Policy.summary()})
	})
	if err != nil {
		return Organization{}, err
	}
	return org, nil
}

// TransferDomain assigns a claimed (or unclaimed) domain to another
// organization, taking it from the one holding it: the way out of a
// squatted domain. toOrgID uuid.Nil releases it, so that the next
// verified sign-up at the domain creates a new organization. Both
// organizations record the change. Auto-join domains of the losing
// organization under the domain are dropped with it. It returns
// ErrInvalidInput for a domain that could not be claimed (see
// CreateOrganization) or a bad note, ErrNotFound if toOrgID does not
// exist or, when releasing, no organization holds the domain, and
// ErrDomainTaken if toOrgID already claims another domain (release that
// first) or the domain changed hands while the call ran (try again).
func (o *Operator) TransferDomain(ctx context.Context, domain string, toOrgID uuid.UUID, note string) error {
	s := o.s
	domain, err := s.claimableDomain(domain)
	if err != nil {
		return err
	}
	return o.update(ctx, note, func(tx Tx, rec *recorder) error {
		from, err := tx.OrganizationByDomain(ctx, domain)
		switch {
		case errors.Is(err, ErrNotFound):
			if toOrgID == uuid.Nil {
				return wrapf(ErrNotFound, "no organization claims %s", domain)
			}
			from = Organization{}
		case err != nil:
			return err
		}
		if from.ID == toOrgID {
			return nil
		}
		ids := []uuid.UUID{from.ID, toOrgID}
		slices.SortFunc(ids, compareUUID)
		for _, id := range ids {
			if id == uuid.Nil {
				continue
			}
			if err := tx.LockOrganization(ctx, id); err != nil {
				return err
			}
		}
		if from.ID != uuid.Nil {
			// Read again under the lock: the copy read before it may miss
			// a policy or name change committed since, which writing it
			// back would undo.
			if from, err = tx.Organization(ctx, from.ID); err != nil {
				return err
			}
			if from.Domain != domain {
				return wrapf(ErrDomainTaken, "%s changed hands while it was being transferred; try again", domain)
			}
			from.Domain = ""
			from.Policy.AutoJoin.Domains = slices.DeleteFunc(from.Policy.AutoJoin.Domains,
				func(d string) bool { return inDomain(d, domain) })
			if len(from.Policy.AutoJoin.Domains) == 0 {
				from.Policy.AutoJoin.Domains = nil
			}
			if err := tx.UpdateOrganization(ctx, from); err != nil {
				return err
			}
			if err := rec.record(ctx, tx, AuditEvent{OrgID: from.ID, TargetID: from.ID, Action: EventDomainChanged,
				Details: map[string]string{DetailFrom: domain, DetailTo: ""}}); err != nil {
				return err
			}
		}
		if toOrgID == uuid.Nil {
			return nil
		}
		to, err := tx.Organization(ctx, toOrgID)
		if err != nil {
			return err
		}
		if to.Domain != "" {
			return wrapf(ErrDomainTaken, "organization %s already claims %s", toOrgID, to.Domain)
		}
		to.Domain = domain
		if err := tx.UpdateOrganization(ctx, to); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: to.ID, TargetID: to.ID, Action: EventDomainChanged,
			Details: map[string]string{DetailFrom: "", DetailTo: domain}})
	})
}

// DeleteOrganization deletes an organization with everything it holds
// (workspaces, memberships, invitations, Organization Admins), in one
// transaction, releasing its domain. Its audit log is kept, ending with
// organization.deleted. The users stay. It returns ErrInvalidInput for a
// bad note and ErrNotFound if the organization does not exist.
func (o *Operator) DeleteOrganization(ctx context.Context, orgID uuid.UUID, note string) error {
	return o.update(ctx, note, func(tx Tx, rec *recorder) error {
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return err
		}
		org, err := tx.Organization(ctx, orgID)
		if err != nil {
			return err
		}
		if err := tx.DeleteOrganization(ctx, orgID); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, TargetID: orgID, Action: EventOrganizationDeleted,
			Details: map[string]string{DetailName: org.Name, DetailDomain: org.Domain}})
	})
}

// claimableDomain normalizes domain and checks that an organization may
// claim it.
func (s *Service) claimableDomain(domain string) (string, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return "", err
	}
	e, err := ParseEmail("postmaster@" + d)
	if err != nil {
		return "", invalid("domain %q: %v", domain, err)
	}
	switch {
	case !e.Claimable():
		return "", invalid("domain %q is not under an ICANN public suffix", domain)
	case e.OrgDomain() != d:
		return "", invalid("domain %q is not a registrable domain; use %q", domain, e.OrgDomain())
	case s.classifier.IsPersonal(e):
		return "", invalid("domain %q is a personal or disposable email provider", domain)
	}
	return d, nil
}

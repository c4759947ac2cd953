package tenancy

import (
	"context"

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
// or domain, ErrNotFound if admin is not a user, and ErrDomainTaken if
// another organization claims the domain.
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
		u, err := tx.User(ctx, admin)
		if err != nil {
			return err
		}
		org.CreatedAt = rec.now
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if err := tx.AddOrgAdmin(ctx, org.ID, admin, rec.now); err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: org.ID, TargetID: org.ID, Action: EventOrganizationCreated,
			Details: map[string]string{"name": name, "domain": domain, "by": "operator"}}); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: org.ID, TargetID: admin, Action: EventOrgAdminGranted,
			Details: map[string]string{"email": u.Email, "by": "operator"}})
	})
	if err != nil {
		return Organization{}, err
	}
	return org, nil
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

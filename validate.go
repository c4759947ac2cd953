package tenancy

import (
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Input limits.
const (
	MaxNameLength        = 100             // workspace and organization names, in characters
	MaxUserNameLength    = 200             // user display names, in characters
	MaxCustomerRefLength = 255             // Billing.CustomerRef, in bytes
	MaxPolicyEntries     = 1000            // entries in each list of a SecurityPolicy
	MinSessionAge        = 5 * time.Minute // the smallest MaxSessionAge, so a policy cannot deny every session
	DefaultInvitationTTL = 7 * 24 * time.Hour
	MaxInvitationTTL     = 365 * 24 * time.Hour
)

// printable rejects invalid UTF-8, control characters and the bidi
// controls that reorder text as it is shown (U+202A–U+202E, U+2066–U+2069,
// marks like U+200F): free text, such as an operator's note, must read in
// a log or an admin screen as it was written. It allows other format
// characters, like the zero-width joiner of emoji sequences.
func printable(what, s string) error {
	if !utf8.ValidString(s) {
		return invalid("%s is not valid UTF-8", what)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return invalid("%s contains a control character", what)
	}
	if strings.ContainsFunc(s, isBidiControl) {
		return invalid("%s contains a bidi control character", what)
	}
	return nil
}

func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// identifier is printable for an identifier (an external ID, a customer
// reference): it also rejects every invisible format character (zero-width
// spaces and joiners, U+FEFF, tags), so that two identifiers that look the
// same are the same.
func identifier(what, s string) error {
	if err := printable(what, s); err != nil {
		return err
	}
	if strings.ContainsFunc(s, isFormat) {
		return invalid("%s contains an invisible format character", what)
	}
	return nil
}

func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// Validate checks the billing details and returns them normalized: the
// email parsed (or empty), the customer reference trimmed. Errors match
// ErrInvalidInput.
func (b Billing) Validate() (Billing, error) {
	if b.Email != "" {
		e, err := ParseEmail(b.Email)
		if err != nil {
			return Billing{}, err
		}
		b.Email = e.String()
	}
	b.CustomerRef = strings.TrimSpace(b.CustomerRef)
	if len(b.CustomerRef) > MaxCustomerRefLength {
		return Billing{}, invalid("customer reference is over %d bytes", MaxCustomerRefLength)
	}
	if err := identifier("customer reference", b.CustomerRef); err != nil {
		return Billing{}, err
	}
	return b, nil
}

// Validate checks the policy against the authorization matrix p and
// returns it normalized: prefixes masked, domains normalized, duplicates
// removed, empty lists nil, the auto-join role defaulted to RoleMember.
// Errors match ErrInvalidInput: a negative duration, a MaxSessionAge under
// MinSessionAge, an InvitationTTL over MaxInvitationTTL, a list over
// MaxPolicyEntries, an invalid prefix or domain, or an auto-join role that
// is not a workspace role. Whether the auto-join workspaces belong to the
// organization, and the auto-join domains are subdomains of its domain, is
// checked by SetSecurityPolicy.
func (sp SecurityPolicy) Validate(p *Policy) (SecurityPolicy, error) {
	switch {
	case sp.MaxSessionAge < 0:
		return sp, invalid("max session age is negative")
	case sp.MaxSessionAge > 0 && sp.MaxSessionAge < MinSessionAge:
		return sp, invalid("max session age %s is under the minimum of %s", sp.MaxSessionAge, MinSessionAge)
	case sp.InvitationTTL < 0:
		return sp, invalid("invitation TTL is negative")
	case sp.InvitationTTL > MaxInvitationTTL:
		return sp, invalid("invitation TTL is over %s", MaxInvitationTTL)
	case len(sp.AllowedIPs) > MaxPolicyEntries, len(sp.AllowedEmailDomains) > MaxPolicyEntries,
		len(sp.AutoJoin.Workspaces) > MaxPolicyEntries, len(sp.AutoJoin.Domains) > MaxPolicyEntries:
		return sp, invalid("a security policy list has over %d entries", MaxPolicyEntries)
	}
	var ips []netip.Prefix
	for _, pfx := range sp.AllowedIPs {
		if !pfx.IsValid() {
			return sp, invalid("allowed IP prefix %q is not valid", pfx)
		}
		bits := pfx.Bits()
		if pfx.Addr().Is4In6() {
			// ::ffff:a.b.c.d/n covers the IPv4 prefix a.b.c.d/(n-96).
			bits = max(bits-96, 0)
		}
		pfx = netip.PrefixFrom(pfx.Addr().Unmap(), bits).Masked()
		if !slices.Contains(ips, pfx) {
			ips = append(ips, pfx)
		}
	}
	var domains []string
	for _, d := range sp.AllowedEmailDomains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return sp, err
		}
		if !slices.Contains(domains, n) {
			domains = append(domains, n)
		}
	}
	var joinDomains []string
	for _, d := range sp.AutoJoin.Domains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return sp, err
		}
		if !slices.Contains(joinDomains, n) {
			joinDomains = append(joinDomains, n)
		}
	}
	var wss []uuid.UUID
	for _, id := range sp.AutoJoin.Workspaces {
		if id == uuid.Nil {
			return sp, invalid("auto-join workspace ID is nil")
		}
		if !slices.Contains(wss, id) {
			wss = append(wss, id)
		}
	}
	role := sp.AutoJoin.Role
	if role == "" {
		role = RoleMember
	}
	if !p.IsWorkspaceRole(role) {
		return sp, invalid("auto-join role %s is not a workspace role", quote(string(role)))
	}
	if len(wss) == 0 {
		role = ""
	}
	sp.AllowedIPs, sp.AllowedEmailDomains = ips, domains
	sp.AutoJoin = AutoJoin{Workspaces: wss, Role: role, Domains: joinDomains}
	return sp, nil
}

// validRole checks that r is a workspace role of the policy.
func (s *Service) validRole(r Role) error {
	if !s.policy.IsWorkspaceRole(r) {
		return invalid("unknown workspace role %s", quote(string(r)))
	}
	return nil
}

// emailAllowed reports whether the organization's policy lets email
// (normalized) be invited, added, or granted a role: it restricts no
// domains, or the address is at one of them or a subdomain.
func emailAllowed(sp *SecurityPolicy, email string) bool {
	if len(sp.AllowedEmailDomains) == 0 {
		return true
	}
	_, domain, _ := strings.Cut(email, "@")
	for _, d := range sp.AllowedEmailDomains {
		if inDomain(domain, d) {
			return true
		}
	}
	return false
}

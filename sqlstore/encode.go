package sqlstore

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// timeDest scans a stored time: integer Unix microseconds (SQLite) or a
// timestamptz (PostgreSQL). The result is always in UTC.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	return nil
}

// nullUUID is a UUID argument stored as NULL when it is uuid.Nil.
func nullUUID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id
}

// nullUUIDDest scans a UUID that may be NULL (read as uuid.Nil).
type nullUUIDDest struct{ id *uuid.UUID }

func (d nullUUIDDest) Scan(src any) error {
	if src == nil {
		*d.id = uuid.Nil
		return nil
	}
	return d.id.Scan(src)
}

// policyJSON is how a SecurityPolicy is stored: a JSON object with stable
// field names, independent of the Go field names. Durations are integer
// nanoseconds, prefixes and workspace IDs strings. Fields are omitted
// when zero; an empty (non-nil) list is kept as [] so that it round-trips.
type policyJSON struct {
	RequireMFA          bool           `json:"require_mfa,omitzero"`
	RequireSSO          bool           `json:"require_sso,omitzero"`
	MaxSessionAgeNanos  int64          `json:"max_session_age_ns,omitzero"`
	AllowedIPs          []netip.Prefix `json:"allowed_ips,omitzero"`
	AllowedEmailDomains []string       `json:"allowed_email_domains,omitzero"`
	InvitationTTLNanos  int64          `json:"invitation_ttl_ns,omitzero"`
	AutoJoin            autoJoinJSON   `json:"auto_join,omitzero"`
}

type autoJoinJSON struct {
	Workspaces []uuid.UUID `json:"workspaces,omitzero"`
	Role       string      `json:"role,omitzero"`
	Domains    []string    `json:"domains,omitzero"`
}

// encodePolicy returns the stored form of p.
func encodePolicy(p tenancy.SecurityPolicy) (string, error) {
	b, err := json.Marshal(policyJSON{
		RequireMFA:          p.RequireMFA,
		RequireSSO:          p.RequireSSO,
		MaxSessionAgeNanos:  int64(p.MaxSessionAge),
		AllowedIPs:          p.AllowedIPs,
		AllowedEmailDomains: p.AllowedEmailDomains,
		InvitationTTLNanos:  int64(p.InvitationTTL),
		AutoJoin: autoJoinJSON{Workspaces: p.AutoJoin.Workspaces, Role: string(p.AutoJoin.Role),
			Domains: p.AutoJoin.Domains},
	})
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode security policy: %w", err)
	}
	return string(b), nil
}

// decodePolicy parses the stored form of a policy. The result shares no
// memory with b.
func decodePolicy(b []byte) (tenancy.SecurityPolicy, error) {
	var j policyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return tenancy.SecurityPolicy{}, fmt.Errorf("sqlstore: decode security policy: %w", err)
	}
	return tenancy.SecurityPolicy{
		RequireMFA:          j.RequireMFA,
		RequireSSO:          j.RequireSSO,
		MaxSessionAge:       time.Duration(j.MaxSessionAgeNanos),
		AllowedIPs:          j.AllowedIPs,
		AllowedEmailDomains: j.AllowedEmailDomains,
		InvitationTTL:       time.Duration(j.InvitationTTLNanos),
		AutoJoin: tenancy.AutoJoin{Workspaces: j.AutoJoin.Workspaces, Role: tenancy.Role(j.AutoJoin.Role),
			Domains: j.AutoJoin.Domains},
	}, nil
}

// policyDest scans a stored policy into a fresh SecurityPolicy.
type policyDest struct{ p *tenancy.SecurityPolicy }

func (d policyDest) Scan(src any) error {
	b, err := jsonBytes(src)
	if err != nil {
		return err
	}
	*d.p, err = decodePolicy(b)
	return err
}

// jsonBytes returns the bytes of a JSON column: TEXT on SQLite (a string),
// jsonb on PostgreSQL (bytes).
func jsonBytes(src any) ([]byte, error) {
	switch v := src.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("sqlstore: cannot scan %T as JSON", src)
}

// encodeDetails returns the stored form of an audit event's details: NULL
// for a nil map, a JSON object otherwise.
func encodeDetails(m map[string]string) (any, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode audit details: %w", err)
	}
	return string(b), nil
}

// detailsDest scans an audit event's details.
type detailsDest struct{ m *map[string]string }

func (d detailsDest) Scan(src any) error {
	*d.m = nil
	if src == nil {
		return nil
	}
	b, err := jsonBytes(src)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, d.m); err != nil {
		return fmt.Errorf("sqlstore: decode audit details: %w", err)
	}
	return nil
}

// policyCache maps the stored form of a policy to its decoded value, so
// that AccessFacts, the hot path of every authorization check, does not
// decode JSON each time. Organizations mostly share a few distinct
// policies (the zero policy above all); the cache is cleared when it
// grows past policyCacheSize. Cached policies are shared and read-only,
// as tenancy.Facts documents.
type policyCache struct {
	mu sync.RWMutex
	m  map[string]*tenancy.SecurityPolicy
}

// emptyPolicy is the zero policy, stored as {}.
var emptyPolicy tenancy.SecurityPolicy

const policyCacheSize = 1024

// getBytes returns the policy stored as b; b may be reused by the driver
// once it returns. It does not allocate on a hit.
func (c *policyCache) getBytes(b []byte) (*tenancy.SecurityPolicy, error) {
	if string(b) == "{}" {
		return &emptyPolicy, nil
	}
	c.mu.RLock()
	p, ok := c.m[string(b)]
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	return c.add(string(b))
}

// getString returns the policy stored as s.
func (c *policyCache) getString(s string) (*tenancy.SecurityPolicy, error) {
	if s == "{}" {
		return &emptyPolicy, nil
	}
	c.mu.RLock()
	p, ok := c.m[s]
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	return c.add(s)
}

// add decodes s and caches it.
func (c *policyCache) add(s string) (*tenancy.SecurityPolicy, error) {
	p, err := decodePolicy([]byte(s))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= policyCacheSize {
		c.m = make(map[string]*tenancy.SecurityPolicy)
	}
	c.m[s] = &p
	c.mu.Unlock()
	return &p, nil
}

// cachedPolicyDest scans a stored policy through the cache.
type cachedPolicyDest struct {
	c *policyCache
	p **tenancy.SecurityPolicy
}

func (d *cachedPolicyDest) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case []byte:
		*d.p, err = d.c.getBytes(v)
	case string:
		*d.p, err = d.c.getString(v)
	default:
		err = fmt.Errorf("sqlstore: cannot scan %T as JSON", src)
	}
	return err
}

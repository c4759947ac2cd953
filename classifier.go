package tenancy

import (
	_ "embed"
	"fmt"
	"maps"
	"strings"
	"sync"
)

// EmailClassifier decides whether an address is personal rather than
// professional. The Service asks it at sign-up: an address it classifies as
// personal never creates or claims an organization. Implementations must
// be safe for concurrent use.
type EmailClassifier interface {
	// IsPersonal reports whether e is at a free or personal mail provider
	// (gmail.com, outlook.com, yahoo.co.uk, proton.me, …) or at a
	// disposable-address provider. It returns false for the zero Email.
	IsPersonal(e Email) bool
}

// freeProvidersData is the curated list of free and personal mail
// providers; see the header of the file.
//
//go:embed data/free_email_providers.txt
var freeProvidersData string

// disposableData is the CC0 disposable-email-domains blocklist; see
// data/LICENSE-disposable-email-domains.
//
//go:embed data/disposable_email_domains.txt
var disposableData string

// DomainClassifier is an EmailClassifier backed by two sets of domains:
// free or personal mail providers, and disposable-address providers. An
// address matches a set when its full domain or its organization domain
// (registrable domain) is listed, so "ann@mail.yahoo.co.uk" matches
// "yahoo.co.uk". Lookups are map hits that do not allocate.
//
// A DomainClassifier is immutable after construction and safe for
// concurrent use. A nil *DomainClassifier classifies nothing as personal.
type DomainClassifier struct {
	free       map[string]struct{}
	disposable map[string]struct{}
}

var _ EmailClassifier = (*DomainClassifier)(nil)

// defaultClassifier builds the default classifier from the embedded lists,
// once, on first use.
var defaultClassifier = sync.OnceValue(func() *DomainClassifier {
	free, _ := parseDomainList(freeProvidersData)
	disposable, _ := parseDomainList(disposableData)
	return &DomainClassifier{free: toSet(free), disposable: toSet(disposable)}
})

// DefaultEmailClassifier returns the classifier the Service uses unless
// WithEmailClassifier replaces it. It is built once, on first use, from
// two lists embedded in the package: a curated list of free and personal
// mail providers (gmail.com, outlook.com, the yahoo country domains,
// proton.me, …) and the CC0 disposable-email-domains blocklist. Its
// dynamic type is *DomainClassifier, the value DefaultDomainClassifier
// returns. It never returns nil.
func DefaultEmailClassifier() EmailClassifier { return defaultClassifier() }

// DefaultDomainClassifier returns the default classifier as its concrete
// type, so a host can extend it with With. Every call returns the same
// immutable value. It never returns nil.
func DefaultDomainClassifier() *DomainClassifier { return defaultClassifier() }

// NewEmailClassifier returns a classifier that treats the personal domains
// as free or personal mail providers and the disposable domains as
// disposable-address providers. It does not include the default lists; to
// extend those, call With on DefaultDomainClassifier(). Each domain is
// normalized with NormalizeDomain. If one is invalid it returns nil and an
// error matching ErrInvalidInput that names the list and the position.
func NewEmailClassifier(personal, disposable []string) (*DomainClassifier, error) {
	return (*DomainClassifier)(nil).With(personal, disposable)
}

// With returns a new classifier holding c's domains plus the given
// personal and disposable domains; c itself is not modified. Each domain
// is normalized with NormalizeDomain. If one is invalid it returns nil and
// an error matching ErrInvalidInput that names the list and the position.
// A nil c is treated as an empty classifier.
func (c *DomainClassifier) With(personal, disposable []string) (*DomainClassifier, error) {
	nc := &DomainClassifier{
		free:       make(map[string]struct{}, c.size(false)+len(personal)),
		disposable: make(map[string]struct{}, c.size(true)+len(disposable)),
	}
	if c != nil {
		maps.Copy(nc.free, c.free)
		maps.Copy(nc.disposable, c.disposable)
	}
	if err := addDomains(nc.free, "personal", personal); err != nil {
		return nil, err
	}
	if err := addDomains(nc.disposable, "disposable", disposable); err != nil {
		return nil, err
	}
	return nc, nil
}

// size returns the size of one of c's sets; c may be nil.
func (c *DomainClassifier) size(disposable bool) int {
	switch {
	case c == nil:
		return 0
	case disposable:
		return len(c.disposable)
	default:
		return len(c.free)
	}
}

// addDomains normalizes domains into set.
func addDomains(set map[string]struct{}, list string, domains []string) error {
	for i, d := range domains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return fmt.Errorf("tenancy: email classifier: %s domain #%d: %w", list, i, err)
		}
		set[n] = struct{}{}
	}
	return nil
}

// IsPersonal reports whether e is at a free or personal mail provider or
// at a disposable-address provider. It returns false for the zero Email
// and for a nil c.
func (c *DomainClassifier) IsPersonal(e Email) bool {
	return c.IsFree(e) || c.IsDisposable(e)
}

// IsFree reports whether e is at a free or personal mail provider. It
// returns false for the zero Email and for a nil c.
func (c *DomainClassifier) IsFree(e Email) bool {
	return c != nil && match(c.free, e)
}

// IsDisposable reports whether e is at a disposable-address provider. It
// returns false for the zero Email and for a nil c.
func (c *DomainClassifier) IsDisposable(e Email) bool {
	return c != nil && match(c.disposable, e)
}

// match reports whether e's domain or organization domain is in set.
func match(set map[string]struct{}, e Email) bool {
	if e.domain == "" {
		return false
	}
	if _, ok := set[e.domain]; ok {
		return true
	}
	if e.orgDomain == "" || e.orgDomain == e.domain {
		return false
	}
	_, ok := set[e.orgDomain]
	return ok
}

// parseDomainList parses an embedded list: one domain per line, blank
// lines ignored, and '#' starting a comment that runs to the end of the
// line. It returns the normalized domains and, separately, the lines that
// failed NormalizeDomain; those are skipped (a unit test keeps the
// embedded files free of them).
func parseDomainList(data string) (domains, invalidLines []string) {
	for line := range strings.Lines(data) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		d, err := NormalizeDomain(line)
		if err != nil {
			invalidLines = append(invalidLines, line)
			continue
		}
		domains = append(domains, d)
	}
	return domains, invalidLines
}

// toSet returns the set of the given strings.
func toSet(list []string) map[string]struct{} {
	set := make(map[string]struct{}, len(list))
	for _, s := range list {
		set[s] = struct{}{}
	}
	return set
}

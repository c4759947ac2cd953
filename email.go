package tenancy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"
)

// Length limits, in octets of the normalized form (RFC 5321 §4.5.3.1 and
// RFC 3696 errata 1690).
const (
	maxEmailLen  = 254 // whole address, local@domain
	maxLocalLen  = 64  // local part
	maxDomainLen = 253 // domain name, without a trailing dot
	maxLabelLen  = 63  // one domain label
	// maxInputLen bounds the raw input before any normalization is
	// attempted, so hostile input cannot make the IDNA mapping do
	// unbounded work. It leaves ample room for inputs that shrink when
	// normalized (full-width characters, ignorable code points).
	maxInputLen = 1024
)

// domainProfile converts domain names to their lowercase ASCII (punycode)
// form. It is the IDNA2008/UTS #46 lookup profile (non-transitional: "ß"
// stays "ß"), with the Bidi rule, STD3 host-name characters (letters,
// digits, hyphen), hyphen placement and joiner checks, and DNS length
// verification (labels of 1–63 octets, names of at most 253). The mapping
// step lowercases and NFC-normalizes, and maps full-width and ideographic
// dots to '.'. idna.Registration is not used because it rejects upper-case
// input instead of folding it.
var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

// Email is a parsed, normalized email address: a bare addr-spec whose local
// part is lowercased and NFC-normalized and whose domain is in lowercase
// ASCII (punycode) form. Addresses are compared case-insensitively by
// comparing their normalized forms, so two Emails for the same mailbox are
// equal with ==.
//
// The zero Email is not a valid address; IsZero reports it and its methods
// return empty values.
type Email struct {
	addr      string // local@domain, normalized
	domain    string // substring of addr
	orgDomain string // registrable domain (eTLD+1), or ""
	claimable bool   // orgDomain is under an ICANN public suffix
}

// ParseEmail parses and normalizes a bare email address such as
// "Ann@Eng.Acme.co.uk". On failure it returns the zero Email and an error
// matching ErrInvalidEmail (and therefore ErrInvalidInput) whose message
// names the rule that failed; the message does not repeat the address.
//
// Surrounding white space is trimmed, as user-typed addresses often carry
// it; white space anywhere else is rejected. The accepted syntax is
// deliberately narrower than RFC 5322: there are no display names ("Ann
// <ann@acme.com>"), angle brackets, lists, comments, quoted local parts or
// IP literals ("ann@[192.0.2.1]").
//
// The local part is a dot-atom of RFC 5322 atext characters
// (A–Z a–z 0–9 and !#$%&'*+-/=?^_`{|}~) plus, for internationalized
// addresses (RFC 6531), non-ASCII letters, marks and decimal digits; it is
// lowercased and NFC-normalized, must not start or end with a dot nor
// contain two dots in a row, and is at most 64 octets.
//
// The domain must be a fully qualified host name with at least two labels,
// no trailing dot, and a top-level label that is not numeric; IP addresses
// are rejected. Internationalized names are converted with IDNA (UTS #46
// lookup mapping, non-transitional) to lowercase punycode, so
// "Ann@Bücher.Example" becomes "ann@xn--bcher-kva.example"; labels holding
// symbols or emoji, which IDNA2008 does not permit, are rejected, and so
// are the characters it permits only in context (RFC 5892 Appendix A)
// out of it, such as a middle dot outside "l·l" or a katakana middle dot
// outside a Japanese label ("acme・com.jp"). Each label is 1–63 octets
// and does not start or end with a hyphen.
//
// The normalized address is at most 254 octets. Input longer than 1024
// bytes is rejected before any normalization.
func ParseEmail(s string) (Email, error) {
	if len(s) > maxInputLen {
		return Email{}, emailErr("longer than %d bytes", maxInputLen)
	}
	if !utf8.ValidString(s) {
		return Email{}, emailErr("not valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Email{}, emailErr("empty address")
	}
	if detail := checkAddressRunes(s); detail != "" {
		return Email{}, emailErr("%s", detail)
	}
	switch n := strings.Count(s, "@"); {
	case n == 0:
		return Email{}, emailErr("missing '@'")
	case n > 1:
		return Email{}, emailErr("more than one '@'")
	}
	rawLocal, rawDomain, _ := strings.Cut(s, "@")
	if rawLocal == "" {
		return Email{}, emailErr("empty local part")
	}
	if rawDomain == "" {
		return Email{}, emailErr("empty domain")
	}

	local, detail := normalizeLocal(rawLocal)
	if detail != "" {
		return Email{}, emailErr("%s", detail)
	}
	domain, detail := normalizeDomain(rawDomain)
	if detail != "" {
		return Email{}, emailErr("%s", detail)
	}
	if n := len(local) + 1 + len(domain); n > maxEmailLen {
		return Email{}, emailErr("address is %d octets, more than %d", n, maxEmailLen)
	}

	addr := local + "@" + domain
	e := Email{
		addr:   addr,
		domain: addr[len(local)+1:],
	}
	if org, err := publicsuffix.EffectiveTLDPlusOne(e.domain); err == nil {
		// org is a suffix of domain; slice addr so no copy is kept.
		e.orgDomain = addr[len(addr)-len(org):]
		_, icann := publicsuffix.PublicSuffix(e.domain)
		e.claimable = icann
	}
	return e, nil
}

// emailErr returns an error matching ErrInvalidEmail with a detail.
func emailErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidEmail, fmt.Sprintf(format, args...))
}

// checkAddressRunes rejects the characters and shapes ParseEmail never
// accepts anywhere in an address, and returns a detail naming the first
// problem, or "" if there is none. The more specific shapes (display names,
// lists, quoting) are checked first so the detail is useful.
func checkAddressRunes(s string) string {
	switch {
	case strings.ContainsAny(s, "<>"):
		return "display names and angle brackets are not accepted; give a bare address"
	case strings.ContainsAny(s, ",;"):
		return "lists of addresses are not accepted"
	case strings.ContainsRune(s, '"'):
		return "quoted local parts are not supported"
	case strings.ContainsAny(s, "[]"):
		return "IP address literals are not accepted"
	case strings.ContainsAny(s, "()"):
		return "comments are not accepted"
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return "contains white space"
		case unicode.IsControl(r):
			return "contains a control character"
		}
	}
	return ""
}

// normalizeLocal lowercases and NFC-normalizes a local part and validates
// the result. It returns a failure detail, or "" on success.
func normalizeLocal(raw string) (string, string) {
	// Lowercasing first and normalizing second leaves a string that both
	// steps map to itself, so parsing String() gives the same address.
	local := norm.NFC.String(strings.ToLower(raw))
	if len(local) > maxLocalLen {
		return "", fmt.Sprintf("local part is %d octets, more than %d", len(local), maxLocalLen)
	}
	if local[0] == '.' || local[len(local)-1] == '.' {
		return "", "local part starts or ends with a dot"
	}
	if strings.Contains(local, "..") {
		return "", "local part contains two dots in a row"
	}
	for _, r := range local {
		if r < utf8.RuneSelf {
			if r != '.' && !isAtext(byte(r)) {
				return "", fmt.Sprintf("local part contains the character %q", r)
			}
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Nd, r) {
			return "", fmt.Sprintf("local part contains the character %U", r)
		}
	}
	return local, ""
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// NormalizeDomain normalizes a bare domain name, such as an entry of a
// security policy's allowed-domain list, to the form Email.Domain uses:
// lowercase ASCII with internationalized labels in punycode
// ("Bücher.Example" becomes "xn--bcher-kva.example"). Surrounding white
// space is trimmed. The name must satisfy the same rules as the domain of
// an address accepted by ParseEmail: at least two labels of 1–63 octets,
// at most 253 octets, no trailing dot, no leading or trailing hyphen in a
// label, not an IP address, and a non-numeric top-level label.
//
// On failure it returns "" and an error matching ErrInvalidInput.
func NormalizeDomain(s string) (string, error) {
	if len(s) > maxInputLen {
		return "", invalid("domain name longer than %d bytes", maxInputLen)
	}
	if !utf8.ValidString(s) {
		return "", invalid("domain name is not valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("empty domain name")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", invalid("domain name contains white space or a control character")
		}
	}
	d, detail := normalizeDomain(s)
	if detail != "" {
		return "", invalid("%s", detail)
	}
	return d, nil
}

// normalizeDomain converts a domain to lowercase punycode and validates it.
// It returns a failure detail, or "" on success. The caller has already
// rejected white space and control characters.
func normalizeDomain(raw string) (string, string) {
	if strings.HasPrefix(raw, "[") {
		return "", "IP address literals are not accepted"
	}
	if strings.HasSuffix(raw, ".") {
		return "", "domain ends with a dot"
	}
	// Check the plain-ASCII shape first so the common mistakes get a
	// precise detail rather than IDNA's generic one.
	if detail := checkLabels(raw, false); detail != "" {
		return "", detail
	}
	d, err := domainProfile.ToASCII(raw)
	if err != nil {
		return "", "invalid domain name"
	}
	// Validate the result too: the IDNA mapping can turn other characters
	// into dots, and this is the form that is stored and compared.
	if detail := checkLabels(d, true); detail != "" {
		return "", detail
	}
	if strings.Contains(d, "xn--") && !idnLabelsValid(d) {
		return "", "domain contains a character not allowed in domain names"
	}
	if len(d) > maxDomainLen {
		return "", fmt.Sprintf("domain is %d octets, more than %d", len(d), maxDomainLen)
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", "IP addresses are not accepted as domains"
	}
	if !strings.Contains(d, ".") {
		return "", "single-label domains are not accepted"
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	if strings.Trim(tld, "0123456789") == "" {
		return "", "top-level domain is numeric"
	}
	return d, ""
}

// idnLabelsValid reports whether the Unicode form of d holds only
// characters IDNA2008 (RFC 5892) permits in labels: letters, combining
// marks, decimal digits and the hyphen, plus the few punctuation characters
// allowed in context (the zero-width joiners, whose context the profile
// checks, and the CONTEXTO characters, checked by contextOK). The UTS #46
// mapping alone lets symbols such as U+2603 or emoji through, and checks
// no CONTEXTO rule.
func idnLabelsValid(d string) bool {
	u, err := domainProfile.ToUnicode(d)
	if err != nil {
		return false
	}
	for label := range strings.SplitSeq(u, ".") {
		if isASCII(label) {
			continue // already restricted to letters, digits and '-'
		}
		runes := []rune(label)
		for i, r := range runes {
			switch {
			case r < utf8.RuneSelf:
			case r == '\u00b7', r == '\u0375', r == '\u05f3', r == '\u05f4', r == '\u30fb',
				'\u0660' <= r && r <= '\u0669', '\u06f0' <= r && r <= '\u06f9':
				if !contextOK(runes, i) {
					return false
				}
			case unicode.IsLetter(r), unicode.IsMark(r), unicode.Is(unicode.Nd, r):
			case r == '\u200c', r == '\u200d':
			default:
				return false
			}
		}
	}
	return true
}

// contextOK applies the CONTEXTO rule of RFC 5892 Appendix A to the
// character at i of a label.
func contextOK(label []rune, i int) bool {
	r := label[i]
	switch {
	case r == '\u00b7': // middle dot: only in "l·l" (Catalan)
		return i > 0 && i+1 < len(label) && label[i-1] == 'l' && label[i+1] == 'l'
	case r == '\u0375': // Greek keraia: before a Greek character
		return i+1 < len(label) && unicode.Is(unicode.Greek, label[i+1])
	case r == '\u05f3', r == '\u05f4': // Hebrew geresh, gershayim: after a Hebrew character
		return i > 0 && unicode.Is(unicode.Hebrew, label[i-1])
	case r == '\u30fb': // katakana middle dot: in a label holding Japanese
		for _, c := range label {
			if c != '\u30fb' && unicode.In(c, unicode.Hiragana, unicode.Katakana, unicode.Han) {
				return true
			}
		}
		return false
	case '\u0660' <= r && r <= '\u0669': // Arabic-Indic digits: not with extended ones
		return !slices.ContainsFunc(label, func(c rune) bool { return '\u06f0' <= c && c <= '\u06f9' })
	case '\u06f0' <= r && r <= '\u06f9':
		return !slices.ContainsFunc(label, func(c rune) bool { return '\u0660' <= c && c <= '\u0669' })
	}
	return true
}

// checkLabels checks the label structure of a domain: no empty labels, no
// label longer than 63 octets, no label starting or ending with a hyphen.
// With final set it also requires lowercase LDH characters only.
func checkLabels(d string, final bool) string {
	if d == "" {
		return "empty domain"
	}
	if strings.HasSuffix(d, ".") {
		return "domain ends with a dot"
	}
	for label := range strings.SplitSeq(d, ".") {
		switch {
		case label == "":
			return "domain has an empty label"
		case len(label) > maxLabelLen && isASCII(label):
			// A non-ASCII label is measured after punycode conversion.
			return fmt.Sprintf("domain label is %d octets, more than %d", len(label), maxLabelLen)
		case label[0] == '-' || label[len(label)-1] == '-':
			return "domain label starts or ends with a hyphen"
		}
		if final {
			for i := 0; i < len(label); i++ {
				c := label[i]
				if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
					return "invalid domain name"
				}
			}
		}
	}
	return ""
}

// String returns the normalized address, local@domain, lowercase with the
// domain in punycode. It returns "" for the zero Email.
func (e Email) String() string { return e.addr }

// Domain returns the full domain part of the address in lowercase ASCII
// (punycode), for example "eng.acme.co.uk". It returns "" for the zero
// Email.
func (e Email) Domain() string { return e.domain }

// OrgDomain returns the address's organization domain: its registrable
// domain (eTLD+1) according to the Public Suffix List, including private
// suffixes. For "ann@eng.acme.co.uk" it is "acme.co.uk", and for
// "ann@ann.github.io" it is "ann.github.io". It returns "" when the domain
// has no registrable part, for example when the domain is itself a public
// suffix ("a@co.uk"), and for the zero Email.
func (e Email) OrgDomain() string { return e.orgDomain }

// Claimable reports whether the address's organization domain may be
// claimed by an organization: the domain must have an OrgDomain and its
// public suffix must be an ICANN-managed one under a known top-level
// domain. It returns false for addresses under private suffixes
// ("ann@ann.github.io", "x@app.herokuapp.com"), under top-level domains
// missing from the Public Suffix List ("a@b.notarealtld"), at a public
// suffix itself ("a@co.uk"), and for the zero Email.
func (e Email) Claimable() bool { return e.claimable }

// IsZero reports whether e is the zero Email, which holds no address.
func (e Email) IsZero() bool { return e.addr == "" }

// InDomain reports whether the address's domain equals domain or is a
// subdomain of it: "ann@eng.acme.com" is in "acme.com" and in
// "eng.acme.com", but not in "cme.com". domain must already be normalized
// with NormalizeDomain; the comparison is exact. It returns false for an
// empty domain and for the zero Email.
func (e Email) InDomain(domain string) bool {
	if domain == "" || e.domain == "" {
		return false
	}
	return inDomain(e.domain, domain)
}

// inDomain reports whether the normalized domain d equals parent or is a
// subdomain of it.
func inDomain(d, parent string) bool {
	if d == parent {
		return true
	}
	n := len(d) - len(parent)
	return n > 1 && d[n-1] == '.' && d[n:] == parent
}

package tenancy

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEmailNormalizes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain address", "ann@acme.com", "ann@acme.com"},
		{"case is folded in both parts", "Ann.Lee@ACME.Com", "ann.lee@acme.com"},
		{"plus tag is kept", "ann+billing@acme.com", "ann+billing@acme.com"},
		{"every atext character is accepted", "a!#$%&'*+-/=?^_`{|}~z@acme.com", "a!#$%&'*+-/=?^_`{|}~z@acme.com"},
		{"dots inside the local part", "a.b.c@acme.com", "a.b.c@acme.com"},
		{"surrounding white space is trimmed", " \t ann@acme.com \r\n", "ann@acme.com"},
		{"subdomains are kept", "ann@eng.acme.co.uk", "ann@eng.acme.co.uk"},
		{"IDN domain becomes punycode", "Ann@Bücher.Example", "ann@xn--bcher-kva.example"},
		{"upper-case punycode is lowercased", "ann@XN--BCHER-KVA.example", "ann@xn--bcher-kva.example"},
		{"ideographic full stop is a dot", "ann@acme\u3002com", "ann@acme.com"},
		{"full-width letters are mapped in the domain", "ann@\uff21cme.com", "ann@acme.com"},
		{"non-ASCII local part is lowercased", "JÖRG@Bücher.Example", "jörg@xn--bcher-kva.example"},
		{"local part is NFC-normalized", "jose\u0301@acme.com", "jos\u00e9@acme.com"},
		{"non-Latin local part", "用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"},
		{"digits in the domain", "ann@163.com", "ann@163.com"},
		{"hyphen inside a label", "ann@my-acme.com", "ann@my-acme.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEmail(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, e.String())
			assert.False(t, e.IsZero())
			again, err := ParseEmail(e.String())
			require.NoError(t, err)
			assert.Equal(t, e, again, "parsing the normalized form gives the same Email")
		})
	}
}

func TestParseEmailRejects(t *testing.T) {
	tests := []struct {
		name, in, detail string
	}{
		{"empty string", "", "empty address"},
		{"only white space", " \t\n", "empty address"},
		{"display name", "Ann <ann@acme.com>", "display names"},
		{"angle brackets", "<ann@acme.com>", "angle brackets"},
		{"list with commas", "ann@acme.com,bob@acme.com", "lists"},
		{"list with semicolons", "ann@acme.com;bob@acme.com", "lists"},
		{"quoted local part", `"ann"@acme.com`, "quoted"},
		{"quoted local part with space", `"ann lee"@acme.com`, "quoted"},
		{"IPv4 literal", "ann@[192.0.2.1]", "IP address literals"},
		{"IPv6 literal", "ann@[IPv6:2001:db8::1]", "IP address literals"},
		{"IPv4 address as domain", "ann@192.0.2.1", "IP addresses"},
		{"numeric top-level domain", "ann@acme.123", "numeric"},
		{"single-label domain", "ann@localhost", "single-label"},
		{"trailing dot in domain", "ann@acme.com.", "ends with a dot"},
		{"leading dot in domain", "ann@.acme.com", "empty label"},
		{"empty domain label", "ann@acme..com", "empty label"},
		{"label starting with a hyphen", "ann@-acme.com", "hyphen"},
		{"label ending with a hyphen", "ann@acme-.com", "hyphen"},
		{"underscore in domain", "ann@ac_me.com", "invalid domain"},
		{"disallowed rune in domain", "ann@ac!me.com", "invalid domain"},
		{"symbol in IDN domain", "ann@ac\u2603me.com", "not allowed in domain names"},
		{"emoji in IDN domain", "ann@i\u2764.ws", "not allowed in domain names"},
		{"empty local part", "@acme.com", "empty local part"},
		{"empty domain", "ann@", "empty domain"},
		{"missing at sign", "ann.acme.com", "missing '@'"},
		{"two at signs", "ann@bob@acme.com", "more than one '@'"},
		{"leading dot in local part", ".ann@acme.com", "starts or ends with a dot"},
		{"trailing dot in local part", "ann.@acme.com", "starts or ends with a dot"},
		{"double dot in local part", "ann..lee@acme.com", "two dots"},
		{"space in local part", "ann lee@acme.com", "white space"},
		{"space before at sign", "ann @acme.com", "white space"},
		{"space in domain", "ann@acme .com", "white space"},
		{"tab inside", "ann\t@acme.com", "white space"},
		{"no-break space inside", "ann\u00a0@acme.com", "white space"},
		{"NUL byte", "ann\x00@acme.com", "control character"},
		{"DEL byte", "ann\x7f@acme.com", "control character"},
		{"C1 control", "ann\u0085x@acme.com", "white space"},
		{"escape in domain", "ann@ac\x1bme.com", "control character"},
		{"comment", "ann(work)@acme.com", "comments"},
		{"backslash in local part", `ann\lee@acme.com`, "character"},
		{"currency symbol in local part", "ann€@acme.com", "character"},
		{"emoji in local part", "ann\U0001F600@acme.com", "character"},
		{"composition into a symbol", "a=\u0338b@acme.com", "character"},
		{"invalid UTF-8", "ann\xff@acme.com", "UTF-8"},
		{"huge input", strings.Repeat("a", 2000) + "@acme.com", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEmail(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidEmail)
			assert.ErrorIs(t, err, ErrInvalidInput)
			assert.Contains(t, err.Error(), tt.detail)
			assert.True(t, e.IsZero())
			assert.Equal(t, Email{}, e)
		})
	}
}

func TestParseEmailLengthLimits(t *testing.T) {
	label := func(n int) string { return strings.Repeat("b", n) }
	// A domain of 189 octets leaves exactly 64+1 octets for local@.
	domain189 := func(last int) string { return label(63) + "." + label(63) + "." + label(last) + ".com" }
	require.Len(t, domain189(57), 189)

	tests := []struct {
		name, in string
		ok       bool
	}{
		{"local part of 64 octets", label(64) + "@acme.com", true},
		{"local part of 65 octets", label(65) + "@acme.com", false},
		{"local part of 64 octets in UTF-8", strings.Repeat("é", 32) + "@acme.com", true},
		{"local part of 66 octets in UTF-8", strings.Repeat("é", 33) + "@acme.com", false},
		{"local limit counts the lowercased form", strings.Repeat("\u023a", 22) + "@acme.com", false},
		{"domain label of 63 octets", "ann@" + label(63) + ".com", true},
		{"domain label of 64 octets", "ann@" + label(64) + ".com", false},
		{"punycode label of 63 octets", "ann@" + strings.Repeat("ü", 1) + label(55) + ".com", true},
		{"punycode label over 63 octets", "ann@" + strings.Repeat("ü", 1) + label(56) + ".com", false},
		{"address of 254 octets", label(64) + "@" + domain189(57), true},
		{"address of 255 octets", label(64) + "@" + domain189(58), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEmail(tt.in)
			if !tt.ok {
				require.ErrorIs(t, err, ErrInvalidEmail)
				return
			}
			require.NoError(t, err)
			assert.LessOrEqual(t, len(e.String()), 254)
		})
	}

	// Check the boundary cases measure what they claim to.
	e, err := ParseEmail(label(64) + "@" + domain189(57))
	require.NoError(t, err)
	assert.Len(t, e.String(), 254)
	e, err = ParseEmail("ann@ü" + label(55) + ".com")
	require.NoError(t, err)
	assert.Len(t, strings.Split(e.Domain(), ".")[0], 63)
}

func TestParseEmailOrganizationDomain(t *testing.T) {
	tests := []struct {
		name, in, domain, org string
		claimable             bool
	}{
		{"registrable domain itself", "ann@acme.com", "acme.com", "acme.com", true},
		{"subdomain of a country suffix", "ann@eng.acme.co.uk", "eng.acme.co.uk", "acme.co.uk", true},
		{"deep subdomain", "ann@a.b.c.acme.com", "a.b.c.acme.com", "acme.com", true},
		{"IDN domain", "ann@Bücher.Example.de", "xn--bcher-kva.example.de", "example.de", true},
		{"IDN registrable domain", "ann@bücher.de", "xn--bcher-kva.de", "xn--bcher-kva.de", true},
		{"new gTLD", "ann@acme.dev", "acme.dev", "acme.dev", true},
		{"private suffix github.io", "ann@ann.github.io", "ann.github.io", "ann.github.io", false},
		{"private suffix herokuapp.com", "x@app.herokuapp.com", "app.herokuapp.com", "app.herokuapp.com", false},
		{"unknown top-level domain", "a@b.notarealtld", "b.notarealtld", "b.notarealtld", false},
		{"public suffix itself", "a@co.uk", "co.uk", "", false},
		{"private suffix itself", "a@github.io", "github.io", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEmail(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.domain, e.Domain())
			assert.Equal(t, tt.org, e.OrgDomain())
			assert.Equal(t, tt.claimable, e.Claimable())
		})
	}
}

func TestZeroEmailIsEmpty(t *testing.T) {
	var e Email
	assert.True(t, e.IsZero())
	assert.Empty(t, e.String())
	assert.Empty(t, e.Domain())
	assert.Empty(t, e.OrgDomain())
	assert.False(t, e.Claimable())
	assert.False(t, e.InDomain("acme.com"))
}

func TestEmailEqualityIsCaseInsensitive(t *testing.T) {
	a, err := ParseEmail("Ann@Acme.COM")
	require.NoError(t, err)
	b, err := ParseEmail("ann@acme.com")
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.True(t, a == b)
}

func TestEmailInDomain(t *testing.T) {
	e, err := ParseEmail("ann@eng.acme.com")
	require.NoError(t, err)
	tests := []struct {
		name, domain string
		want         bool
	}{
		{"same domain", "eng.acme.com", true},
		{"parent domain", "acme.com", true},
		{"top-level domain", "com", true},
		{"different domain with same ending", "cme.com", false},
		{"sibling domain", "ops.acme.com", false},
		{"subdomain of the address domain", "x.eng.acme.com", false},
		{"empty domain", "", false},
		{"leading dot", ".acme.com", false},
		{"unnormalized domain is compared exactly", "ACME.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, e.InDomain(tt.domain))
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"already normalized", "acme.com", "acme.com"},
		{"case is folded", "Acme.COM", "acme.com"},
		{"surrounding white space is trimmed", "  acme.com\n", "acme.com"},
		{"IDN becomes punycode", "Bücher.Example", "xn--bcher-kva.example"},
		{"punycode is kept", "xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"public suffix is a valid name", "co.uk", "co.uk"},
		{"name of 253 octets", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeDomain(tt.in)
			require.NoError(t, err)
			if tt.want == "" {
				tt.want = tt.in
			}
			assert.Equal(t, tt.want, got)
		})
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"blank", "  "},
		{"single label", "localhost"},
		{"trailing dot", "acme.com."},
		{"leading dot", ".acme.com"},
		{"empty label", "acme..com"},
		{"IPv4 address", "192.0.2.1"},
		{"IP literal", "[2001:db8::1]"},
		{"numeric top-level domain", "acme.123"},
		{"wildcard", "*.acme.com"},
		{"email address", "ann@acme.com"},
		{"inner space", "ac me.com"},
		{"control character", "acme\x00.com"},
		{"label starting with a hyphen", "-acme.com"},
		{"label over 63 octets", strings.Repeat("a", 64) + ".com"},
		{"name over 253 octets", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62)},
		{"invalid UTF-8", "acme\xff.com"},
		{"URL", "https://acme.com"},
	}
	for _, tt := range bad {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			got, err := NormalizeDomain(tt.in)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.NotErrorIs(t, err, ErrInvalidEmail)
			assert.Empty(t, got)
		})
	}
}

func TestParseEmailDomainMatchesNormalizeDomain(t *testing.T) {
	for _, in := range []string{"ann@Bücher.Example", "ann@ENG.acme.co.uk", "ann@acme\u3002com"} {
		e, err := ParseEmail(in)
		require.NoError(t, err)
		d, err := NormalizeDomain(in[strings.IndexByte(in, '@')+1:])
		require.NoError(t, err)
		assert.Equal(t, e.Domain(), d, in)
	}
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{
		"ann@acme.com", "Ann@Bücher.Example", "ann@eng.acme.co.uk", "a@co.uk",
		"ann@ann.github.io", "Ann <ann@acme.com>", "ann@[192.0.2.1]", "a..b@x.y",
		"用户@例子.广告", "jo\u0301se@acme.com", "ann@acme\u3002com", "\u0130@acme.com", "\u023a@acme.com",
		"a=\u0338b@acme.com", "ann@xn--bcher-kva.example", " ann@acme.com ",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEmail(s)
		if err != nil {
			if !assert.ErrorIs(t, err, ErrInvalidEmail) {
				return
			}
			assert.True(t, e.IsZero())
			return
		}
		out := e.String()
		require.False(t, e.IsZero())
		require.LessOrEqual(t, len(out), maxEmailLen)
		require.True(t, utf8.ValidString(out))
		again, err := ParseEmail(out)
		require.NoError(t, err, "normalized form %q must parse", out)
		require.Equal(t, e, again, "normalized form %q must be stable", out)

		local, domain, ok := strings.Cut(out, "@")
		require.True(t, ok)
		require.LessOrEqual(t, len(local), maxLocalLen)
		require.Equal(t, domain, e.Domain())
		nd, err := NormalizeDomain(domain)
		require.NoError(t, err)
		require.Equal(t, domain, nd)
		if org := e.OrgDomain(); org != "" {
			require.True(t, e.InDomain(org))
		} else {
			require.False(t, e.Claimable())
		}
	})
}

// RFC 5892 (Appendix A) allows a few punctuation characters in a label
// only in context: the middle dot between two l, the Greek keraia before a
// Greek letter, the Hebrew geresh and gershayim after a Hebrew letter, the
// katakana middle dot in a Japanese label, and Arabic-Indic digits of one
// kind only. Names that break these rules cannot be registered, and "・"
// or "·" out of context only makes a name look like another
// ("acme・com.jp").
func TestParseEmailChecksContextualCharacters(t *testing.T) {
	for _, in := range []string{
		"ann@a\u00b7b.com", "ann@\u00b7l.com", "ann@l\u00b7.com",
		"ann@a\u0375b.com", "ann@\u03b1\u0375.com",
		"ann@\u05f3\u05d0.com", "ann@\u05f4\u05d0.com",
		"ann@acme\u30fbcom.jp",
		"ann@\u0628\u0661\u06f1.com",
	} {
		_, err := ParseEmail(in)
		require.ErrorIs(t, err, ErrInvalidEmail, "%+q", in)
		_, err = NormalizeDomain(in[len("ann@"):])
		require.ErrorIs(t, err, ErrInvalidInput, "%+q", in)
	}
	for _, in := range []string{
		"ann@col\u00b7legi.cat", "ann@\u03b1\u0375\u03b2.gr", "ann@\u05d0\u05f3.co.il", "ann@\u30a2\u30fb\u30a2.jp",
		"ann@\u0628\u0661\u0662.com", "ann@\u0628\u06f1\u06f2.com",
	} {
		e, err := ParseEmail(in)
		require.NoError(t, err, "%+q", in)
		again, err := ParseEmail(e.String())
		require.NoError(t, err, "%q", e)
		assert.Equal(t, e, again)
	}
}

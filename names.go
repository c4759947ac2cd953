package tenancy

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

// Display names (of workspaces, organizations and users) are prepared with
// the PRECIS Nickname profile (RFC 8266): Unicode NFKC normalization (which
// also folds full-width and compatibility forms), every kind of space
// mapped to U+0020, leading and trailing space trimmed and inner runs
// collapsed. Its string class (FreeformClass, RFC 8264) disallows control
// characters, format and default-ignorable characters (zero-width spaces
// and joiners, bidi controls, tag characters, soft hyphens) and unassigned
// code points, so a name cannot hide characters or impersonate another.
// Names also refuse the few symbols that draw nothing (see isBlankSymbol),
// which the string class allows. Lengths count characters after this
// preparation.
var displayName = precis.Nickname

// isBlankSymbol reports whether r is one of the characters that Unicode
// classes as symbols, neither spaces nor default-ignorable (so PRECIS
// allows them), but whose glyph is empty: the braille pattern blank, the
// usual character of "invisible" names, and the musical null notehead.
// "Sales" followed by one would look exactly like "Sales".
func isBlankSymbol(r rune) bool { return r == '\u2800' || r == '\U0001D159' }

// blankToSpace maps the blank symbols to a space, which they look like.
func blankToSpace(r rune) rune {
	if isBlankSymbol(r) {
		return ' '
	}
	return r
}

// NameKey is the form in which workspace names are compared for
// uniqueness within an organization and sorted in lists: the name
// prepared as a display name and case-folded (the PRECIS Nickname
// comparison key), so "Sales", "ＳＡＬＥＳ" and "sales" share one key.
// Stores index it.
//
// For a name the Service would reject today (one stored before names were
// prepared, holding invisible or control characters) it drops those
// characters first, and it reads the blank symbols display names refuse
// as spaces, so that such a name still collides with its visible
// look-alike; it never fails.
func NameKey(name string) string {
	name = strings.Map(blankToSpace, name)
	if k, err := displayName.CompareKey(name); err == nil {
		return k
	}
	visible := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if k, err := displayName.CompareKey(visible); err == nil {
		return k
	}
	// Left with a character no profile accepts (an unassigned code point,
	// say): fall back to simple case folding of what is visible.
	return strings.ToLower(strings.Join(strings.Fields(visible), " "))
}

// prepareName prepares a display name for storage. It returns an error
// matching ErrInvalidInput, naming what, for invalid UTF-8 and for
// characters a display name may not hold.
func prepareName(what, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid("%s is not valid UTF-8", what)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxRawNameBytes {
		return "", invalid("%s is over %d bytes", what, maxRawNameBytes)
	}
	p, err := displayName.String(s)
	if err != nil || strings.ContainsFunc(p, isBlankSymbol) {
		return "", invalid("%s holds a control, format or invisible character, or one not assigned in Unicode", what)
	}
	return p, nil
}

// maxRawNameBytes bounds a name before it is prepared, so that hostile
// input cannot make normalization do unbounded work. It leaves room for
// names that shrink when prepared (runs of spaces, decomposed accents).
const maxRawNameBytes = 4096

// validName prepares a workspace or organization name and checks it is 1
// to MaxNameLength characters.
func validName(kind, s string) (string, error) {
	name, err := prepareName(kind+" name", s)
	if err != nil {
		return "", err
	}
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", invalid("%s name is empty", kind)
	case n > MaxNameLength:
		return "", invalid("%s name is %d characters, over %d", kind, n, MaxNameLength)
	}
	return name, nil
}

// validUserName prepares a user's display name, which may be empty, and
// checks it is at most MaxUserNameLength characters.
func validUserName(s string) (string, error) {
	name, err := prepareName("user name", s)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(name); n > MaxUserNameLength {
		return "", invalid("user name is %d characters, over %d", n, MaxUserNameLength)
	}
	return name, nil
}

package tenancy

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors. Every error the Service returns matches at most a few of
// these with errors.Is; wrapped errors add detail to the message.
var (
	// ErrNotFound is returned when a user, organization, workspace, member
	// or invitation does not exist, and when the acting user holds no role
	// at all in the organization that owns it (existence is not leaked).
	ErrNotFound = errors.New("tenancy: not found")
	// ErrForbidden is returned when the actor holds a role in the
	// organization but the decision denies the action. The error is a
	// *DeniedError carrying the Decision.
	ErrForbidden = errors.New("tenancy: forbidden")
	// ErrInvalidInput is returned for malformed input: an over-long or
	// empty name, an unknown role, a malformed cursor, a negative limit.
	ErrInvalidInput = errors.New("tenancy: invalid input")
	// ErrInvalidEmail is returned for a malformed email address. It also
	// matches ErrInvalidInput.
	ErrInvalidEmail error = invalidEmailError{}
	// ErrAlreadyExists is returned when creating something unique that
	// already exists: a user with the same email, a member already in the
	// workspace, a workspace name already used in the organization.
	ErrAlreadyExists = errors.New("tenancy: already exists")
	// ErrDomainTaken is returned when an organization domain is already
	// assigned to another organization.
	ErrDomainTaken = errors.New("tenancy: domain already assigned to an organization")
	// ErrLastAdmin is returned when a change would leave a workspace
	// without an Admin or an organization without an Organization Admin.
	ErrLastAdmin = errors.New("tenancy: would remove the last admin")
	// ErrInvitation is returned for an invitation token that is unknown,
	// malformed, revoked, expired, already used, or addressed to another
	// email.
	ErrInvitation = errors.New("tenancy: invalid invitation")
	// ErrLockout is returned when an admin saves a security policy that its
	// own current session would fail.
	ErrLockout = errors.New("tenancy: policy would lock out the acting session")
)

// Sentinels returns every sentinel error of the package, in a fixed order
// (ErrInvalidEmail, which also matches ErrInvalidInput, first): for a
// host mapping errors to its own codes, as tenancyhttp does.
func Sentinels() []error {
	return []error{ErrInvalidEmail, ErrNotFound, ErrForbidden, ErrInvalidInput, ErrAlreadyExists,
		ErrDomainTaken, ErrLastAdmin, ErrInvitation, ErrLockout}
}

// invalidEmailError is the type of ErrInvalidEmail; it matches
// ErrInvalidInput too.
type invalidEmailError struct{}

func (invalidEmailError) Error() string { return "tenancy: invalid email address" }

func (invalidEmailError) Is(target error) bool { return target == ErrInvalidInput }

// DeniedError is returned when a decision denies an action. It matches
// ErrForbidden; when the actor holds no role at all in the organization it
// also matches ErrNotFound. Reach it with errors.As to read the Decision
// and its Code.
type DeniedError struct {
	Decision Decision
	noRole   bool
	// logged is set once the Service has logged the denial.
	logged bool
}

// Code returns the decision's DenialCode.
func (e *DeniedError) Code() DenialCode { return e.Decision.Code }

// Error names the action and the reason.
func (e *DeniedError) Error() string {
	return fmt.Sprintf("tenancy: forbidden: %s: %s", clip(string(e.Decision.Action)), e.Decision.Reason)
}

// maxEcho bounds how much of a caller's input an error message or a log
// line repeats, so that hostile input cannot make either unbounded.
const maxEcho = 64

// clip returns s, cut to maxEcho bytes (on a character boundary) with an
// ellipsis when longer.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	i := maxEcho
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// quote is %q of clip(s), for error messages that name an input.
func quote(s string) string { return strconv.Quote(clip(s)) }

// Is reports whether target is ErrForbidden, or ErrNotFound for an actor
// with no role in the organization.
func (e *DeniedError) Is(target error) bool {
	return target == ErrForbidden || (e.noRole && target == ErrNotFound)
}

// invalid returns an error matching ErrInvalidInput with a formatted detail.
func invalid(format string, args ...any) error { return wrapf(ErrInvalidInput, format, args...) }

// wrapf wraps a sentinel with a formatted detail.
func wrapf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

package tenancyhttp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tenancykit/tenancy"
)

// Authenticator turns a request into the acting session, as the host's
// own authentication layer vouches for it (user ID, MFA, SSO, when it
// authenticated, client IP). An error means the request has no valid
// session: the response is 401 unauthenticated.
type Authenticator func(r *http.Request) (tenancy.Actor, error)

// ErrUnauthenticated is what an Authenticator may return when a request
// carries no session; any error it returns gets a 401.
var ErrUnauthenticated = errors.New("tenancyhttp: unauthenticated")

type ctxKey int

const (
	actorKey ctxKey = iota
	decisionKey
)

// WithActor returns a copy of ctx carrying the acting session.
func WithActor(ctx context.Context, a tenancy.Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the acting session that Require or the API put in the
// request context, and whether there is one.
func ActorFrom(ctx context.Context) (tenancy.Actor, bool) {
	a, ok := ctx.Value(actorKey).(tenancy.Actor)
	return a, ok
}

// DecisionFrom returns the decision that let a request through Require,
// and whether there is one.
func DecisionFrom(ctx context.Context) (tenancy.Decision, bool) {
	d, ok := ctx.Value(decisionKey).(tenancy.Decision)
	return d, ok
}

// Require guards a host handler with an authorization decision: act in
// the scope that scope derives from the request (for example
// tenancy.InWorkspace of the "{workspace}" path value). It answers 401
// when the Authenticator fails, 422 when scope fails, 404 when the actor
// holds no role in the scope's organization (or it does not exist), and
// 403 with the decision's DenialCode otherwise; a store failure is a 500.
// When allowed, the Actor and the Decision are in the request context
// (ActorFrom, DecisionFrom).
func Require(svc *tenancy.Service, auth Authenticator, act tenancy.Action,
	scope func(*http.Request) (tenancy.Scope, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, err := auth(r)
			if err != nil {
				writeProblem(w, problemFor(errUnauthenticated{err}))
				return
			}
			sc, err := scope(r)
			if err != nil {
				writeError(w, r, invalidScope{err}, svc.Logger())
				return
			}
			d, err := svc.Check(r.Context(), a, act, sc)
			if err != nil {
				writeError(w, r, err, svc.Logger())
				return
			}
			if !d.Allowed {
				writeError(w, r, &tenancy.DeniedError{Decision: d}, svc.Logger())
				return
			}
			ctx := context.WithValue(WithActor(r.Context(), a), decisionKey, d)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// invalidScope is a scope function's error, reported as invalid input.
type invalidScope struct{ err error }

func (e invalidScope) Error() string        { return "tenancyhttp: invalid scope: " + e.err.Error() }
func (e invalidScope) Is(target error) bool { return target == tenancy.ErrInvalidInput }

// errUnauthenticated wraps an Authenticator's error.
type errUnauthenticated struct{ err error }

func (e errUnauthenticated) Error() string { return "tenancyhttp: unauthenticated: " + e.err.Error() }
func (e errUnauthenticated) Unwrap() error { return ErrUnauthenticated }

// Problem is an RFC 9457 problem details object, as WriteError writes it.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Code is the stable machine code: not_found, forbidden,
	// invalid_input, invalid_email, already_exists, domain_taken,
	// last_admin, lockout, invitation_invalid, unauthenticated, internal;
	// and, from NewAPI only, method_not_allowed.
	Code string `json:"code"`
	// Denial is the decision's DenialCode on a forbidden problem:
	// mfa_required tells a UI to ask for a multi-factor step-up,
	// session_too_old for a fresh sign-in. A not_found problem has none,
	// also when a missing role caused it, so that it reads as an unknown
	// ID does.
	Denial tenancy.DenialCode `json:"denial,omitempty"`
}

// newProblem returns a problem with its type derived from code.
func newProblem(status int, code, title, detail string) Problem {
	return Problem{Type: "urn:tenancykit:problem:" + code, Title: title, Status: status, Detail: detail, Code: code}
}

// problemFor maps an error to its problem. The detail of a 5xx is never
// the error's text.
func problemFor(err error) Problem {
	var denied *tenancy.DeniedError
	p := Problem{Detail: err.Error()}
	switch {
	case errors.Is(err, ErrUnauthenticated):
		p.Status, p.Code, p.Title, p.Detail = http.StatusUnauthorized, "unauthenticated", "Sign-in required", "the request carries no valid session"
	case errors.As(err, &denied) && denied.Decision.Code == tenancy.DeniedNoRole, errors.Is(err, tenancy.ErrNotFound):
		p.Status, p.Code, p.Title = http.StatusNotFound, "not_found", "Not found"
		if errors.As(err, &denied) {
			p.Detail = "not found"
		}
	case errors.As(err, &denied):
		p.Status, p.Code, p.Title, p.Denial = http.StatusForbidden, "forbidden", "Forbidden", denied.Decision.Code
		p.Detail = denied.Decision.Reason
	case errors.Is(err, tenancy.ErrForbidden):
		p.Status, p.Code, p.Title, p.Denial = http.StatusForbidden, "forbidden", "Forbidden", tenancy.DeniedPermission
	case errors.Is(err, tenancy.ErrInvalidEmail):
		p.Status, p.Code, p.Title = http.StatusUnprocessableEntity, "invalid_email", "Invalid email address"
	case errors.Is(err, tenancy.ErrInvalidInput):
		p.Status, p.Code, p.Title = http.StatusUnprocessableEntity, "invalid_input", "Invalid input"
	case errors.Is(err, tenancy.ErrAlreadyExists):
		p.Status, p.Code, p.Title = http.StatusConflict, "already_exists", "Already exists"
	case errors.Is(err, tenancy.ErrDomainTaken):
		p.Status, p.Code, p.Title = http.StatusConflict, "domain_taken", "Domain already claimed"
	case errors.Is(err, tenancy.ErrLastAdmin):
		p.Status, p.Code, p.Title = http.StatusConflict, "last_admin", "Last admin"
	case errors.Is(err, tenancy.ErrLockout):
		p.Status, p.Code, p.Title = http.StatusConflict, "lockout", "Policy would lock you out"
	case errors.Is(err, tenancy.ErrInvitation):
		p.Status, p.Code, p.Title = http.StatusGone, "invitation_invalid", "Invitation no longer valid"
	default:
		p.Status, p.Code, p.Title, p.Detail = http.StatusInternalServerError, "internal", "Internal error", ""
	}
	p.Type = "urn:tenancykit:problem:" + p.Code
	return p
}

// WriteError writes err as an RFC 9457 problem (application/problem+json)
// with a stable machine code and the status of the sentinel it matches:
// not_found 404, forbidden 403 (with the DenialCode as "denial"),
// invalid_input and invalid_email 422, already_exists, domain_taken,
// last_admin and lockout 409, invitation_invalid 410, unauthenticated
// 401, anything else 500 without internal detail. A 5xx is logged at error
// level through the default slog logger; use an API built with WithLogger
// to choose the logger.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, err, slog.Default())
}

// writeError is WriteError with the logger that records 5xx errors: the
// only place where an internal error's text goes, since the response
// carries none of it.
func writeError(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	p := problemFor(err)
	if p.Status >= 500 {
		log.LogAttrs(r.Context(), slog.LevelError, "tenancyhttp: internal error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	writeProblem(w, p)
}

// writeProblem writes p as application/problem+json.
func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

package tenancyhttp

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document (JSON) of the API that NewAPI
// returns, the one it serves at GET /openapi.json. Each call returns a new
// copy.
func OpenAPI() []byte { return bytes.Clone(openAPI) }

// DefaultMaxBodyBytes is the largest request body the API reads unless
// WithMaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 64 << 10

// Option configures the API that NewAPI returns.
type Option func(*api)

// WithLogger sets the logger that records internal errors (5xx), with the
// error, the method and the path; responses never carry that detail.
// The default is the Service's logger (tenancy.WithLogger). A nil logger
// is ignored.
func WithLogger(l *slog.Logger) Option {
	return func(a *api) {
		if l != nil {
			a.log = l
		}
	}
}

// WithMaxBodyBytes sets the largest request body the API reads (default
// DefaultMaxBodyBytes); a larger one is refused as invalid_input. A value
// under 1 is ignored.
func WithMaxBodyBytes(n int64) Option {
	return func(a *api) {
		if n > 0 {
			a.maxBody = n
		}
	}
}

// WithCrossOriginProtection replaces the protection against cross-site
// request forgery that the API applies to its state-changing requests
// (POST, PUT, PATCH, DELETE): by default a zero
// http.CrossOriginProtection, which refuses browser requests from other
// origins. Pass one with trusted origins (AddTrustedOrigin) when a UI on
// another origin calls the API; its bypass patterns see paths as the API
// does, after http.StripPrefix. The API calls its Check method and answers
// a refusal with a forbidden problem; its deny handler is not used. A nil
// value is ignored.
func WithCrossOriginProtection(c *http.CrossOriginProtection) Option {
	return func(a *api) {
		if c != nil {
			a.csrf = c
		}
	}
}

// api is the handler NewAPI builds.
type api struct {
	svc     *tenancy.Service
	auth    Authenticator
	log     *slog.Logger
	maxBody int64
	csrf    *http.CrossOriginProtection
	mux     *http.ServeMux
}

// handler serves one route for an authenticated actor (the zero Actor on
// a public route). A returned error is written as a problem.
type handler func(a *api, w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error

// route is one operation of the API: the method and path pattern, in the
// syntax both http.ServeMux and OpenAPI use, and whether it is served
// without a session.
type route struct {
	method, path string
	public       bool
	h            handler
}

// NewAPI returns the management REST API (JSON) over every Service
// operation a product UI needs. The host mounts it under a prefix with
// http.StripPrefix and authenticates requests with auth; the OpenAPI 3.1
// document at GET /openapi.json (see OpenAPI) describes every route.
//
// Every route but GET /openapi.json and POST /invitations/preview needs a
// session: without one it answers 401. Errors are RFC 9457 problems, as
// WriteError writes them. State-changing requests from another origin
// are refused (see WithCrossOriginProtection). Request bodies are JSON
// objects of at most DefaultMaxBodyBytes, decoded strictly: an unknown
// field or trailing data is invalid_input (422).
//
// NewAPI panics if svc or auth is nil.
func NewAPI(svc *tenancy.Service, auth Authenticator, opts ...Option) http.Handler {
	if svc == nil || auth == nil {
		panic("tenancyhttp: NewAPI needs a Service and an Authenticator")
	}
	a := &api{svc: svc, auth: auth, log: svc.Logger(), maxBody: DefaultMaxBodyBytes, mux: http.NewServeMux()}
	for _, o := range opts {
		if o != nil {
			o(a)
		}
	}
	if a.csrf == nil {
		a.csrf = http.NewCrossOriginProtection()
	}
	for _, rt := range routes {
		a.mux.Handle(rt.method+" "+rt.path, a.serve(rt))
	}
	return a
}

// ServeHTTP routes a request. Requests that match no route get a
// not_found problem, and those that match a path with another method a
// method_not_allowed one (405, with the Allow header). A path that is not
// clean ("//me", "/a/../me") matches nothing: ServeMux would redirect it
// to the clean path, which is wrong under http.StripPrefix.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := a.csrf.Check(r); err != nil {
		writeProblem(w, newProblem(http.StatusForbidden, "forbidden", "Forbidden", "cross-origin request refused"))
		return
	}
	if p := r.URL.Path; p != path.Clean(p) {
		writeProblem(w, newProblem(http.StatusNotFound, "not_found", "Not found", "no such route"))
		return
	}
	if _, pattern := a.mux.Handler(r); pattern == "" {
		a.mux.ServeHTTP(&unmatched{ResponseWriter: w}, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// serve wraps a route: authentication, the actor in the context, and
// errors written as problems.
func (a *api) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var actor tenancy.Actor
		if !rt.public {
			var err error
			if actor, err = a.auth(r); err != nil {
				writeProblem(w, problemFor(errUnauthenticated{err}))
				return
			}
			r = r.WithContext(WithActor(r.Context(), actor))
		}
		if err := rt.h(a, w, r, actor); err != nil {
			writeError(w, r, err, a.log)
		}
	})
}

// unmatched turns ServeMux's plain-text 404 and 405 into problems; it
// keeps the Allow header and drops the text.
type unmatched struct {
	http.ResponseWriter
	wrote bool
}

func (u *unmatched) WriteHeader(status int) {
	if u.wrote {
		return
	}
	u.wrote = true
	h := u.Header()
	h.Del("Content-Type")
	h.Del("X-Content-Type-Options")
	p := newProblem(http.StatusNotFound, "not_found", "Not found", "no such route")
	if status == http.StatusMethodNotAllowed {
		p = newProblem(status, "method_not_allowed", "Method not allowed", "the route does not accept this method")
	}
	writeProblem(u.ResponseWriter, p)
}

func (u *unmatched) Write(b []byte) (int, error) {
	if !u.wrote {
		u.WriteHeader(http.StatusNotFound)
	}
	return len(b), nil
}

// writeJSON writes v as the JSON response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// ok writes v with status 200.
func ok(w http.ResponseWriter, v any) error { return writeJSON(w, http.StatusOK, v) }

// noContent answers 204.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decode reads the request body, at most maxBody bytes, as one JSON
// object into dst: unknown fields, trailing data, an empty or oversized
// body are errors matching tenancy.ErrInvalidInput.
func (a *api) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, a.maxBody)
	dec := json.NewDecoder(r.Body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return bodyError(err, a.maxBody)
	}
	var tooBig *http.MaxBytesError
	switch err := dec.Decode(&json.RawMessage{}); {
	case errors.Is(err, io.EOF):
	case errors.As(err, &tooBig):
		return bodyError(err, a.maxBody)
	default:
		return invalidf("the request body holds data after its JSON object")
	}
	if raw[0] != '{' {
		return invalidf("the request body must be a JSON object")
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		return bodyError(err, a.maxBody)
	}
	return nil
}

// bodyError describes a decoding error without Go type names.
func bodyError(err error, max int64) error {
	var (
		tooBig  *http.MaxBytesError
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return invalidf("the request body is larger than %d bytes", max)
	case errors.Is(err, io.EOF):
		return invalidf("the request body is empty; a JSON object is expected")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("the request body is not valid JSON")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return invalidf("the request body must be a JSON object")
		}
		return invalidf("field %q has the wrong type", typeErr.Field)
	default:
		// Unknown fields: encoding/json says `json: unknown field "x"`.
		return invalidf("the request body is invalid: %s", trimJSONPrefix(err.Error()))
	}
}

func trimJSONPrefix(s string) string {
	const p = "json: "
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// required reports a missing field of a request body.
func required(field string) error { return invalidf("%s is required", field) }

// pathID parses the path value name as a UUID. A malformed one names no
// resource: the error matches tenancy.ErrNotFound.
func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := parseUUID(r.PathValue(name))
	if err != nil {
		return uuid.Nil, notFound{name}
	}
	return id, nil
}

// parseUUID accepts only the canonical 36-character form.
func parseUUID(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.Nil, errors.New("not a UUID")
	}
	return uuid.Parse(s)
}

// notFound is a path value that is not an ID.
type notFound struct{ name string }

func (e notFound) Error() string        { return "tenancyhttp: no such " + e.name }
func (e notFound) Is(target error) bool { return target == tenancy.ErrNotFound }

// page reads the ?limit=&after= of a list.
func page(r *http.Request) (tenancy.Page, error) {
	q := r.URL.Query()
	p := tenancy.Page{After: q.Get("after")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > tenancy.MaxPageSize {
			return p, invalidf("limit must be an integer from 1 to %d", tenancy.MaxPageSize)
		}
		p.Limit = n
	}
	return p, nil
}

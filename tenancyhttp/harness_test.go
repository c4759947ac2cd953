package tenancyhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/tenancyhttp"
)

// validated counts the request/response pairs checked against
// openapi.json; TestMain prints it.
var validated atomic.Int64

func TestMain(m *testing.M) {
	code := m.Run()
	if testing.Verbose() || validated.Load() > 0 {
		fmt.Printf("tenancyhttp: %d request/response pairs validated against openapi.json\n", validated.Load())
	}
	os.Exit(code)
}

var (
	specOnce      sync.Once
	specValidator validator.Validator
	specErr       error
)

// openAPIValidator returns the validator of the embedded document, built
// once: formats (uuid, date-time) are asserted.
func openAPIValidator(t testing.TB) validator.Validator {
	t.Helper()
	specOnce.Do(func() {
		doc, err := libopenapi.NewDocument(tenancyhttp.OpenAPI())
		if err != nil {
			specErr = err
			return
		}
		v, errs := validator.NewValidator(doc, config.WithFormatAssertions(), config.WithRejectUndeclaredRequestBody())
		if len(errs) > 0 {
			specErr = errors.Join(errs...)
			return
		}
		specValidator = v
	})
	require.NoError(t, specErr)
	return specValidator
}

// errStore is the store failure of faultStore: its text must never reach
// a response.
var errStore = errors.New("pq: connection to 10.1.2.3:5432 refused (secret-db-password)")

// faultStore is a Store whose writes and hot reads fail with a plain
// error while fail is set.
type faultStore struct {
	tenancy.Store
	fail atomic.Bool
}

func (f *faultStore) Update(ctx context.Context, fn func(tx tenancy.Tx) error) error {
	if f.fail.Load() {
		return errStore
	}
	return f.Store.Update(ctx, fn)
}

func (f *faultStore) AccessFacts(ctx context.Context, userID uuid.UUID, sc tenancy.Scope) (tenancy.Facts, error) {
	if f.fail.Load() {
		return tenancy.Facts{}, errStore
	}
	return f.Store.AccessFacts(ctx, userID, sc)
}

func (f *faultStore) User(ctx context.Context, id uuid.UUID) (tenancy.User, error) {
	if f.fail.Load() {
		return tenancy.User{}, errStore
	}
	return f.Store.User(ctx, id)
}

func (f *faultStore) UserOrganizations(ctx context.Context, id uuid.UUID) ([]tenancy.OrgMembership, error) {
	if f.fail.Load() {
		return nil, errStore
	}
	return f.Store.UserOrganizations(ctx, id)
}

// Test sessions: the Authenticator reads the user ID from X-Test-User
// and the session's MFA from X-Test-MFA.
const (
	headerUser = "X-Test-User"
	headerMFA  = "X-Test-MFA"
)

// harness is an API over a fresh memstore with a fixed clock, whose
// requests and responses are validated against openapi.json.
type harness struct {
	t     testing.TB
	ctx   context.Context
	store *faultStore
	svc   *tenancy.Service
	api   http.Handler
	logs  *bytes.Buffer
	now   time.Time
}

func newHarness(t testing.TB, opts ...tenancyhttp.Option) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), store: &faultStore{Store: memstore.New()},
		logs: &bytes.Buffer{}, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	h.svc = tenancy.New(h.store, tenancy.WithClock(func() time.Time { return h.now }))
	logger := slog.New(slog.NewTextHandler(h.logs, nil))
	h.api = tenancyhttp.NewAPI(h.svc, h.authenticate, append([]tenancyhttp.Option{tenancyhttp.WithLogger(logger)}, opts...)...)
	return h
}

// authenticate is the test Authenticator.
func (h *harness) authenticate(r *http.Request) (tenancy.Actor, error) {
	id, err := uuid.Parse(r.Header.Get(headerUser))
	if err != nil {
		return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
	}
	ap, _ := netip.ParseAddrPort(r.RemoteAddr)
	return tenancy.Actor{UserID: id, MFA: r.Header.Get(headerMFA) == "true", AuthenticatedAt: h.now, IP: ap.Addr()}, nil
}

// signUp signs a verified user up.
func (h *harness) signUp(email string) tenancy.User {
	h.t.Helper()
	res, err := h.svc.SignUp(h.ctx, tenancy.SignUpRequest{Email: email, Name: "Name of " + email, EmailVerified: true})
	require.NoError(h.t, err)
	return res.User
}

// world is the usual cast: Ann founded Acme and its Sales workspace, Bob
// is a Sales member, Dan is at acme.com without any role, Cat is a gmail
// user with no role anywhere.
type world struct {
	*harness
	ann, bob, dan, cat tenancy.User
	org                tenancy.Organization
	sales              tenancy.Workspace
}

func newWorld(t testing.TB, opts ...tenancyhttp.Option) *world {
	t.Helper()
	w := &world{harness: newHarness(t, opts...)}
	res, err := w.svc.SignUp(w.ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	require.NoError(t, err)
	require.True(t, res.CreatedOrganization)
	w.ann, w.org = res.User, *res.Organization
	w.bob = w.signUp("bob@acme.com")
	w.dan = w.signUp("dan@acme.com")
	w.cat = w.signUp("cat@gmail.com")
	w.sales, err = w.svc.CreateWorkspace(w.ctx, w.actor(w.ann), w.org.ID, "Sales")
	require.NoError(t, err)
	_, err = w.svc.AddMember(w.ctx, w.actor(w.ann), w.sales.ID, w.bob.ID, tenancy.RoleMember)
	require.NoError(t, err)
	return w
}

func (h *harness) actor(u tenancy.User) tenancy.Actor {
	return tenancy.Actor{UserID: u.ID, AuthenticatedAt: h.now}
}

// call is one request to the API.
type call struct {
	method, path string
	as           *tenancy.User // nil: no session
	body         any           // marshalled to JSON; a string or []byte is sent as is
	header       http.Header
	// invalid marks a request that openapi.json does not allow on
	// purpose: only the response is validated.
	invalid bool
	// unrouted marks a request for an operation openapi.json does not
	// have: nothing is validated.
	unrouted bool
}

// result is a response, its body decoded when it is JSON.
type result struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

// do sends c to the API and validates the pair against openapi.json.
func (h *harness) do(t *testing.T, c call) result {
	t.Helper()
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		body, err = json.Marshal(b)
		require.NoError(t, err)
	}
	newReq := func() *http.Request {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		r := httptest.NewRequest(c.method, c.path, rd)
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		if c.as != nil {
			r.Header.Set(headerUser, c.as.ID.String())
		}
		for k, vs := range c.header {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		return r
	}
	rec := httptest.NewRecorder()
	h.api.ServeHTTP(rec, newReq())
	resp := rec.Result()
	raw := rec.Body.Bytes()
	res := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	ct := resp.Header.Get("Content-Type")
	if len(raw) > 0 && (ct == "application/json" || ct == "application/problem+json") {
		require.NoError(t, json.Unmarshal(raw, &res.json), "response body: %s", raw)
	}

	if c.unrouted {
		return res
	}
	v := openAPIValidator(t)
	if !c.invalid {
		okReq, errs := v.ValidateHttpRequestSync(newReq())
		require.True(t, okReq, "request %s %s breaks openapi.json: %s", c.method, c.path, describe(errs))
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	okResp, errs := v.ValidateHttpResponse(newReq(), resp)
	require.True(t, okResp, "response %d to %s %s breaks openapi.json: %s\n%s", resp.StatusCode, c.method, c.path, describe(errs), raw)
	validated.Add(1)
	return res
}

// describe prints validation errors.
func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n- %s: %s", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s: %s", s.FieldPath, s.Reason)
		}
	}
	return b.String()
}

// expect asserts the status, and for a problem its code.
func (r result) expect(t *testing.T, status int, code string) result {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.raw)
	if code != "" {
		assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
		assert.Equal(t, code, r.json["code"], "body: %s", r.raw)
	}
	return r
}

// items returns the items of a list response.
func (r result) items(t *testing.T) []map[string]any {
	t.Helper()
	raw, ok := r.json["items"].([]any)
	require.True(t, ok, "no items in %s", r.raw)
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}

// obj returns the object at key.
func obj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	require.True(t, ok, "no object %q in %v", key, m)
	return o
}

// quiet discards what the default logger receives (WriteError and
// Require log 5xx there) until the test ends.
func quiet(t *testing.T) {
	def := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	t.Cleanup(func() { slog.SetDefault(def) })
}

package tenancyhttp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/tenancyhttp"
)

func TestWriteErrorMapsEverySentinel(t *testing.T) {
	quiet(t)
	denied := func(code tenancy.DenialCode) error {
		return &tenancy.DeniedError{Decision: tenancy.Decision{Action: tenancy.ActionCreateSource, Code: code, Reason: "the reason"}}
	}
	tests := []struct {
		err    error
		status int
		code   string
		denial tenancy.DenialCode
	}{
		{tenancyhttp.ErrUnauthenticated, 401, "unauthenticated", ""},
		{tenancy.ErrNotFound, 404, "not_found", ""},
		{fmt.Errorf("%w: workspace 42", tenancy.ErrNotFound), 404, "not_found", ""},
		{denied(tenancy.DeniedNoRole), 404, "not_found", ""},
		{denied(tenancy.DeniedPermission), 403, "forbidden", tenancy.DeniedPermission},
		{denied(tenancy.DeniedMFA), 403, "forbidden", tenancy.DeniedMFA},
		{denied(tenancy.DeniedSSO), 403, "forbidden", tenancy.DeniedSSO},
		{denied(tenancy.DeniedSessionAge), 403, "forbidden", tenancy.DeniedSessionAge},
		{denied(tenancy.DeniedIP), 403, "forbidden", tenancy.DeniedIP},
		{denied(tenancy.DeniedEmailDomain), 403, "forbidden", tenancy.DeniedEmailDomain},
		{fmt.Errorf("wrapped: %w", denied(tenancy.DeniedUnknownAction)), 403, "forbidden", tenancy.DeniedUnknownAction},
		{tenancy.ErrForbidden, 403, "forbidden", tenancy.DeniedPermission},
		{tenancy.ErrInvalidInput, 422, "invalid_input", ""},
		{tenancy.ErrInvalidEmail, 422, "invalid_email", ""},
		{tenancy.ErrAlreadyExists, 409, "already_exists", ""},
		{tenancy.ErrDomainTaken, 409, "domain_taken", ""},
		{tenancy.ErrLastAdmin, 409, "last_admin", ""},
		{tenancy.ErrLockout, 409, "lockout", ""},
		{tenancy.ErrInvitation, 410, "invitation_invalid", ""},
		{errors.New("disk full at /var/lib/db"), 500, "internal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.err.Error(), func(t *testing.T) {
			rec := httptest.NewRecorder()
			tenancyhttp.WriteError(rec, httptest.NewRequest("GET", "/x", nil), tt.err)
			require.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			var p tenancyhttp.Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, tt.code, p.Code)
			assert.Equal(t, "urn:tenancykit:problem:"+tt.code, p.Type)
			assert.NotEmpty(t, p.Title)
			assert.Equal(t, tt.denial, p.Denial)
			if tt.status == 500 {
				assert.Empty(t, p.Detail)
				assert.NotContains(t, rec.Body.String(), "disk")
			}
			if tt.code == "not_found" && errors.As(tt.err, new(*tenancy.DeniedError)) {
				assert.NotContains(t, p.Detail, "reason", "a missing role is reported like a missing object")
			}
		})
	}
}

func TestUnauthenticated(t *testing.T) {
	w := newWorld(t)
	for _, c := range []call{
		{method: "GET", path: "/me"},
		{method: "GET", path: "/orgs/" + w.org.ID.String()},
		{method: "POST", path: "/orgs/" + w.org.ID.String() + "/workspaces", body: map[string]any{"name": "Ops"}},
		{method: "GET", path: "/me", header: http.Header{headerUser: {"not-a-session"}}},
	} {
		res := w.do(t, c).expect(t, http.StatusUnauthorized, "unauthenticated")
		assert.NotContains(t, string(res.raw), "tenancyhttp:", "the Authenticator's error is not shown")
	}
	w.do(t, call{method: "GET", path: "/openapi.json"}).expect(t, http.StatusOK, "")
}

// TestInternalErrorsCarryNoDetail makes the store fail with an error
// holding secrets: every response is a bare 500 problem, and the error
// goes to the API's logger.
func TestInternalErrorsCarryNoDetail(t *testing.T) {
	w := newWorld(t)
	w.store.fail.Store(true)
	org, ws := w.org.ID.String(), w.sales.ID.String()
	for _, c := range []call{
		{method: "GET", path: "/me", as: &w.ann},
		{method: "GET", path: "/me/organizations", as: &w.ann},
		{method: "GET", path: "/orgs/" + org, as: &w.ann},
		{method: "GET", path: "/orgs/" + org + "/permissions", as: &w.ann},
		{method: "POST", path: "/orgs/" + org + "/workspaces", as: &w.ann, body: map[string]any{"name": "Ops"}},
		{method: "GET", path: "/workspaces/" + ws, as: &w.bob},
		{method: "DELETE", path: "/workspaces/" + ws + "/members/" + w.bob.ID.String(), as: &w.ann},
	} {
		res := w.do(t, c).expect(t, http.StatusInternalServerError, "internal")
		assert.NotContains(t, res.json, "detail")
		for _, secret := range []string{"pq", "10.1.2.3", "secret", "tenancy:"} {
			assert.NotContains(t, string(res.raw), secret, "%s %s", c.method, c.path)
		}
	}
	logs := w.logs.String()
	assert.Contains(t, logs, "level=ERROR")
	assert.Contains(t, logs, "secret-db-password", "the API's logger gets the error")
	assert.Contains(t, logs, "path=/me/organizations")
}

func TestRequestBodies(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String()
	for _, tt := range []struct {
		name, body, detail string
	}{
		{"unknown field", `{"name":"Acme","plan":"gold"}`, `unknown field "plan"`},
		{"trailing object", `{"name":"Acme"}{}`, "after its JSON object"},
		{"trailing garbage", `{"name":"Acme"} x`, "after its JSON object"},
		{"not JSON", `name=Acme`, "not valid JSON"},
		{"truncated", `{"name":"Ac`, "not valid JSON"},
		{"empty", ``, "empty"},
		{"array", `[{"name":"Acme"}]`, "JSON object"},
		{"null", `null`, "JSON object"},
		{"string", `"Acme"`, "JSON object"},
		{"wrong type", `{"name":42}`, `field "name" has the wrong type`},
		{"too large", `{"name":"` + strings.Repeat("a", tenancyhttp.DefaultMaxBodyBytes) + `"}`, "larger than 65536 bytes"},
		{"too large after the object", `{"name":"Acme"}` + strings.Repeat(" ", tenancyhttp.DefaultMaxBodyBytes), "larger than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := w.do(t, call{method: "PATCH", path: path, as: &w.ann, body: tt.body, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
			assert.Contains(t, res.json["detail"], tt.detail)
			assert.NotContains(t, res.json["detail"], "nameRequest", "no Go type names")
		})
	}
	t.Run("white space around the object is fine", func(t *testing.T) {
		w.do(t, call{method: "PATCH", path: path, as: &w.ann, body: " \n{\"name\":\"Acme\"}\n "}).expect(t, http.StatusOK, "")
	})
	t.Run("WithMaxBodyBytes", func(t *testing.T) {
		small := newWorld(t, tenancyhttp.WithMaxBodyBytes(16))
		small.do(t, call{method: "PATCH", path: "/orgs/" + small.org.ID.String(), as: &small.ann, body: map[string]any{"name": "Acme"}}).expect(t, http.StatusOK, "")
		res := small.do(t, call{method: "PATCH", path: "/orgs/" + small.org.ID.String(), as: &small.ann, body: map[string]any{"name": "Acme Incorporated"}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		assert.Contains(t, res.json["detail"], "larger than 16 bytes")
	})
}

func TestPageParameters(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/workspaces"
	for _, q := range []string{"limit=0", "limit=-1", "limit=ten", "limit=1001", "limit=1e3"} {
		res := w.do(t, call{method: "GET", path: path + "?" + q, as: &w.ann, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		assert.Contains(t, res.json["detail"], "limit")
	}
	for _, after := range []string{"garbage", "%00", "AAAA"} {
		w.do(t, call{method: "GET", path: path + "?after=" + after, as: &w.ann}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	}
	// A cursor of another list.
	res := w.do(t, call{method: "GET", path: "/orgs/" + w.org.ID.String() + "/audit-log?limit=1", as: &w.ann}).expect(t, http.StatusOK, "")
	w.do(t, call{method: "GET", path: path + "?after=" + res.json["next"].(string), as: &w.ann}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	w.do(t, call{method: "GET", path: path + "?limit=1000", as: &w.ann}).expect(t, http.StatusOK, "")
}

func TestUnroutedRequests(t *testing.T) {
	w := newWorld(t)
	t.Run("no such route", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: "/nope", as: &w.ann, unrouted: true}).expect(t, http.StatusNotFound, "not_found")
		assert.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	})
	t.Run("an unclean path is not redirected", func(t *testing.T) {
		for _, p := range []string{"//me", "/orgs/x/../../me", "/me/", "/me/."} {
			res := w.do(t, call{method: "GET", path: p, as: &w.ann, unrouted: true}).expect(t, http.StatusNotFound, "not_found")
			assert.Empty(t, res.header.Get("Location"))
		}
	})
	t.Run("no such method", func(t *testing.T) {
		res := w.do(t, call{method: "PUT", path: "/me", as: &w.ann, unrouted: true}).expect(t, http.StatusMethodNotAllowed, "method_not_allowed")
		assert.Contains(t, res.header.Get("Allow"), "PATCH")
		assert.Contains(t, res.header.Get("Allow"), "GET")
	})
	t.Run("a malformed ID names nothing", func(t *testing.T) {
		for _, p := range []string{"/orgs/acme", "/workspaces/12", "/orgs/{" + w.org.ID.String() + "}", "/orgs/" + strings.ReplaceAll(w.org.ID.String(), "-", "")} {
			w.do(t, call{method: "GET", path: p, as: &w.ann, invalid: true}).expect(t, http.StatusNotFound, "not_found")
		}
		w.do(t, call{method: "DELETE", path: "/orgs/" + w.org.ID.String() + "/users/bob", as: &w.ann, invalid: true}).expect(t, http.StatusNotFound, "not_found")
	})
}

func TestCrossOriginProtection(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/workspaces"

	t.Run("a cross-origin POST is refused", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"name": "Evil"},
			header: http.Header{"Sec-Fetch-Site": {"cross-site"}}}).expect(t, http.StatusForbidden, "forbidden")
		assert.Contains(t, res.json["detail"], "cross-origin")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"name": "Evil"},
			header: http.Header{"Origin": {"https://evil.example"}}}).expect(t, http.StatusForbidden, "forbidden")
		w.do(t, call{method: "DELETE", path: "/workspaces/" + w.sales.ID.String(), as: &w.ann,
			header: http.Header{"Sec-Fetch-Site": {"same-site"}}}).expect(t, http.StatusForbidden, "forbidden")
		l, err := w.svc.OrganizationWorkspaces(w.ctx, w.actor(w.ann), w.org.ID, tenancy.Page{})
		require.NoError(t, err)
		assert.Len(t, l.Items, 1, "nothing was created or deleted")
	})
	t.Run("a same-origin POST passes", func(t *testing.T) {
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"name": "Ops"},
			header: http.Header{"Sec-Fetch-Site": {"same-origin"}}}).expect(t, http.StatusCreated, "")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"name": "Ops 2"},
			header: http.Header{"Origin": {"http://example.com"}}}).expect(t, http.StatusCreated, "")
	})
	t.Run("a cross-origin GET is served", func(t *testing.T) {
		w.do(t, call{method: "GET", path: path, as: &w.ann, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}}).expect(t, http.StatusOK, "")
	})
	t.Run("a trusted origin passes", func(t *testing.T) {
		cop := http.NewCrossOriginProtection()
		require.NoError(t, cop.AddTrustedOrigin("https://app.example"))
		tw := newWorld(t, tenancyhttp.WithCrossOriginProtection(cop))
		tw.do(t, call{method: "POST", path: "/orgs/" + tw.org.ID.String() + "/workspaces", as: &tw.ann, body: map[string]any{"name": "Ops"},
			header: http.Header{"Origin": {"https://app.example"}, "Sec-Fetch-Site": {"cross-site"}}}).expect(t, http.StatusCreated, "")
		tw.do(t, call{method: "POST", path: "/orgs/" + tw.org.ID.String() + "/workspaces", as: &tw.ann, body: map[string]any{"name": "Evil"},
			header: http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}}).expect(t, http.StatusForbidden, "forbidden")
	})
}

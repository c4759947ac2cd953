package tenancyhttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/tenancyhttp"
)

// guarded is a host route guarded by Require: creating a source in the
// {workspace} of the path. It answers with the actor and decision it
// finds in the context.
func (w *world) guarded() http.Handler {
	mux := http.NewServeMux()
	scope := func(r *http.Request) (tenancy.Scope, error) {
		id, err := uuid.Parse(r.PathValue("workspace"))
		return tenancy.InWorkspace(id), err
	}
	mux.Handle("POST /workspaces/{workspace}/sources", tenancyhttp.Require(w.svc, w.authenticate, tenancy.ActionCreateSource, scope)(
		http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			a, okA := tenancyhttp.ActorFrom(r.Context())
			d, okD := tenancyhttp.DecisionFrom(r.Context())
			rw.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(rw).Encode(map[string]any{"actor": a.UserID, "has_actor": okA, "has_decision": okD,
				"allowed": d.Allowed, "role": d.Role, "action": d.Action})
		})))
	return mux
}

// post sends a POST to the guarded route as u (nil: no session).
func (w *world) post(t *testing.T, h http.Handler, workspace string, u *tenancy.User, header http.Header) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest("POST", "/workspaces/"+workspace+"/sources", nil)
	if u != nil {
		r.Header.Set(headerUser, u.ID.String())
	}
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "%s", rec.Body)
	return rec.Code, body
}

func TestRequire(t *testing.T) {
	w := newWorld(t)
	h := w.guarded()
	ws := w.sales.ID.String()

	t.Run("allowed: the actor and decision are in the context", func(t *testing.T) {
		status, body := w.post(t, h, ws, &w.ann, nil)
		require.Equal(t, http.StatusCreated, status, "%v", body)
		assert.Equal(t, w.ann.ID.String(), body["actor"])
		assert.Equal(t, true, body["has_actor"])
		assert.Equal(t, true, body["has_decision"])
		assert.Equal(t, true, body["allowed"])
		assert.Equal(t, string(tenancy.ActionCreateSource), body["action"])
		assert.NotEmpty(t, body["role"])
	})
	t.Run("no session is 401", func(t *testing.T) {
		status, body := w.post(t, h, ws, nil, nil)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.Equal(t, "unauthenticated", body["code"])
	})
	t.Run("a role without the permission is 403 with the denial", func(t *testing.T) {
		status, body := w.post(t, h, ws, &w.bob, nil)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, "forbidden", body["code"])
		assert.Equal(t, "permission", body["denial"])
	})
	t.Run("no role is 404, like an unknown workspace", func(t *testing.T) {
		status, body := w.post(t, h, ws, &w.cat, nil)
		assert.Equal(t, http.StatusNotFound, status)
		assert.Equal(t, "not_found", body["code"])
		assert.NotContains(t, body, "denial")
		status, unknown := w.post(t, h, uuid.NewString(), &w.ann, nil)
		assert.Equal(t, http.StatusNotFound, status)
		assert.Equal(t, unknown, body, "the two are indistinguishable")
	})
	t.Run("a scope error is 422", func(t *testing.T) {
		status, body := w.post(t, h, "not-a-uuid", &w.ann, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.Equal(t, "invalid_input", body["code"])
	})
	t.Run("a session the policy refuses is 403 with the requirement", func(t *testing.T) {
		mfa := http.Header{headerMFA: {"true"}}
		_, err := w.svc.SetSecurityPolicy(w.ctx, tenancy.Actor{UserID: w.ann.ID, MFA: true, AuthenticatedAt: w.now},
			w.org.ID, tenancy.SecurityPolicy{RequireMFA: true})
		require.NoError(t, err)
		status, body := w.post(t, h, ws, &w.ann, nil)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, "mfa_required", body["denial"])
		status, _ = w.post(t, h, ws, &w.ann, mfa)
		assert.Equal(t, http.StatusCreated, status)
	})
	t.Run("a store failure is a bare 500", func(t *testing.T) {
		w.store.fail.Store(true)
		defer w.store.fail.Store(false)
		quiet(t)
		status, body := w.post(t, h, ws, &w.ann, nil)
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.Equal(t, "internal", body["code"])
		assert.NotContains(t, body, "detail")
	})
}

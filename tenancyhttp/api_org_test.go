package tenancyhttp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestOrganization(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String()

	t.Run("any role may read it", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusOK, "")
		assert.Equal(t, w.org.ID.String(), res.json["id"])
		assert.Equal(t, "acme.com", res.json["name"])
		assert.Equal(t, "acme.com", res.json["domain"])
		assert.NotContains(t, res.json, "billing")
		assert.NotContains(t, res.json, "policy")
	})
	t.Run("no role is not found", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.cat}).expect(t, http.StatusNotFound, "not_found")
		unknown := w.do(t, call{method: "GET", path: "/orgs/" + w.sales.ID.String(), as: &w.cat}).expect(t, http.StatusNotFound, "not_found")
		assert.Equal(t, strings.ReplaceAll(unknown.json["detail"].(string), w.sales.ID.String(), w.org.ID.String()), res.json["detail"],
			"existence is not revealed")
	})
	t.Run("rename", func(t *testing.T) {
		res := w.do(t, call{method: "PATCH", path: path, as: &w.ann, body: map[string]any{"name": "Acme Inc"}}).expect(t, http.StatusOK, "")
		assert.Equal(t, "Acme Inc", res.json["name"])
		w.do(t, call{method: "PATCH", path: path, as: &w.ann, body: map[string]any{"name": " "}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("a member may not rename it", func(t *testing.T) {
		res := w.do(t, call{method: "PATCH", path: path, as: &w.bob, body: map[string]any{"name": "Bob Inc"}}).expect(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "permission", res.json["denial"])
	})
}

func TestOrganizationPermissions(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/permissions"

	res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
	assert.Contains(t, res.json["actions"], string(tenancy.ActionCreateWorkspace))
	assert.Contains(t, res.json["actions"], string(tenancy.ActionViewAuditLog))

	res = w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusOK, "")
	assert.NotContains(t, res.json["actions"], string(tenancy.ActionCreateWorkspace))

	res = w.do(t, call{method: "GET", path: path, as: &w.cat}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, `{"actions":[]}`, string(res.raw))
}

func TestOrganizationWorkspaces(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/workspaces"

	t.Run("create", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"name": "Ops"}}).expect(t, http.StatusCreated, "")
		assert.Equal(t, "Ops", res.json["name"])
		assert.Equal(t, w.org.ID.String(), res.json["org_id"])
		assert.Equal(t, w.ann.ID.String(), res.json["created_by"])
	})
	t.Run("names are unique", func(t *testing.T) {
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"name": "SALES"}}).expect(t, http.StatusConflict, "already_exists")
	})
	t.Run("only org admins create", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: path, as: &w.bob, body: map[string]any{"name": "Bob's"}}).expect(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "permission", res.json["denial"])
	})
	t.Run("an org admin lists them all", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
		items := res.items(t)
		require.Len(t, items, 2)
		assert.Equal(t, "Ops", items[0]["name"])
		assert.Equal(t, "Sales", items[1]["name"])
		assert.Equal(t, "", res.json["next"])
	})
	t.Run("a member lists its own", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path + "?limit=10", as: &w.bob}).expect(t, http.StatusOK, "")
		items := res.items(t)
		require.Len(t, items, 1)
		assert.Equal(t, "Sales", items[0]["name"])
	})
	t.Run("pages", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path + "?limit=1", as: &w.ann}).expect(t, http.StatusOK, "")
		require.Len(t, res.items(t), 1)
		next := res.json["next"].(string)
		require.NotEmpty(t, next)
		res = w.do(t, call{method: "GET", path: path + "?limit=1&after=" + next, as: &w.ann}).expect(t, http.StatusOK, "")
		assert.Equal(t, "Sales", res.items(t)[0]["name"])
	})
}

func TestOrganizationUsers(t *testing.T) {
	w := newWorld(t)
	org := "/orgs/" + w.org.ID.String()

	t.Run("list", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: org + "/users", as: &w.ann}).expect(t, http.StatusOK, "")
		items := res.items(t)
		require.Len(t, items, 2)
		assert.Equal(t, "ann@acme.com", obj(t, items[0], "user")["email"])
		assert.Equal(t, true, items[0]["org_admin"])
		assert.Equal(t, "bob@acme.com", obj(t, items[1], "user")["email"])
		assert.Equal(t, false, items[1]["org_admin"])
		assert.Equal(t, 1.0, items[1]["workspaces"])
		w.do(t, call{method: "GET", path: org + "/users", as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
	})
	t.Run("grant and revoke org admin", func(t *testing.T) {
		_, err := w.svc.AddMember(w.ctx, w.actor(w.ann), w.sales.ID, w.dan.ID, tenancy.RoleMember)
		require.NoError(t, err)
		w.do(t, call{method: "PUT", path: org + "/admins/" + w.dan.ID.String(), as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "PUT", path: org + "/admins/" + w.dan.ID.String(), as: &w.ann}).expect(t, http.StatusConflict, "already_exists")
		w.do(t, call{method: "DELETE", path: org + "/admins/" + w.dan.ID.String(), as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "DELETE", path: org + "/admins/" + w.dan.ID.String(), as: &w.ann}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "DELETE", path: org + "/admins/" + w.ann.ID.String(), as: &w.ann}).expect(t, http.StatusConflict, "last_admin")
	})
	t.Run("org admin needs a verified address", func(t *testing.T) {
		res, err := w.svc.SignUp(w.ctx, tenancy.SignUpRequest{Email: "eve@acme.com"})
		require.NoError(t, err)
		_, err = w.svc.AddMember(w.ctx, w.actor(w.ann), w.sales.ID, res.User.ID, tenancy.RoleMember)
		require.NoError(t, err)
		w.do(t, call{method: "PUT", path: org + "/admins/" + res.User.ID.String(), as: &w.ann}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("org admin is granted only to users of the organization", func(t *testing.T) {
		// Eve founds her own organization and names people by ID: an
		// account elsewhere, verified or not, looks like no account, and
		// gets no role.
		res, err := w.svc.SignUp(w.ctx, tenancy.SignUpRequest{Email: "eve@evilcorp.com", Name: "Eve", EmailVerified: true})
		require.NoError(t, err)
		eve, evil := res.User, "/orgs/"+res.Organization.ID.String()+"/admins/"
		unverified, err := w.svc.SignUp(w.ctx, tenancy.SignUpRequest{Email: "zoe@gmail.com"})
		require.NoError(t, err)
		unknown := w.do(t, call{method: "PUT", path: evil + uuid.NewString(), as: &eve}).expect(t, http.StatusNotFound, "not_found")
		for _, u := range []tenancy.User{w.ann, w.cat, unverified.User} {
			outside := w.do(t, call{method: "PUT", path: evil + u.ID.String(), as: &eve}).expect(t, http.StatusNotFound, "not_found")
			assert.Equal(t, string(unknown.raw), string(outside.raw), "an account elsewhere looks like no account")
			orgs, err := w.svc.UserOrganizations(w.ctx, u.ID)
			require.NoError(t, err)
			for _, m := range orgs {
				assert.NotEqual(t, res.Organization.ID, m.Organization.ID, "%s was given a role in Eve's organization", u.Email)
			}
		}
		// Who may not manage the organization's users learns nothing either.
		w.do(t, call{method: "PUT", path: org + "/admins/" + uuid.NewString(), as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
	})
	t.Run("remove from the organization", func(t *testing.T) {
		w.do(t, call{method: "DELETE", path: org + "/users/" + w.ann.ID.String(), as: &w.ann}).expect(t, http.StatusConflict, "last_admin")
		w.do(t, call{method: "DELETE", path: org + "/users/" + w.bob.ID.String(), as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "DELETE", path: org + "/users/" + w.bob.ID.String(), as: &w.ann}).expect(t, http.StatusNotFound, "not_found")
		res := w.do(t, call{method: "GET", path: org + "/users", as: &w.ann}).expect(t, http.StatusOK, "")
		for _, item := range res.items(t) {
			assert.NotEqual(t, w.bob.Email, obj(t, item, "user")["email"])
		}
	})
}

func TestSecurityPolicy(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/security-policy"
	mfa := http.Header{headerMFA: {"true"}}

	t.Run("off by default", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
		assert.JSONEq(t, `{"require_mfa":false,"require_sso":false,"max_session_age":"0s","allowed_ips":[],
			"allowed_email_domains":[],"invitation_ttl":"0s","auto_join":{"workspaces":[],"role":"","domains":[]}}`, string(res.raw))
	})
	t.Run("only those who may edit it read it", func(t *testing.T) {
		w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
		w.do(t, call{method: "GET", path: path, as: &w.cat}).expect(t, http.StatusNotFound, "not_found")
	})
	t.Run("a policy the saving session fails is refused", func(t *testing.T) {
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"require_mfa": true}}).expect(t, http.StatusConflict, "lockout")
	})
	t.Run("malformed", func(t *testing.T) {
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"max_session_age": "soon"}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"max_session_age": "1m"}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		// Durations past time.Duration's range are refused, not wrapped.
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"max_session_age": "5124095h"}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"invitation_ttl": "307445740m"}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"allowed_ips": []string{"10.0.0.300/8"}}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"auto_join": map[string]any{"workspaces": []string{"x"}}}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("save", func(t *testing.T) {
		in := map[string]any{
			"require_mfa":           true,
			"max_session_age":       "12h",
			"allowed_ips":           []string{"192.0.2.7/24"},
			"allowed_email_domains": []string{"ACME.com"},
			"invitation_ttl":        "72h",
			"auto_join":             map[string]any{"workspaces": []string{w.sales.ID.String()}},
		}
		res := w.do(t, call{method: "PUT", path: path, as: &w.ann, header: mfa, body: in}).expect(t, http.StatusOK, "")
		assert.JSONEq(t, `{"require_mfa":true,"require_sso":false,"max_session_age":"12h0m0s","allowed_ips":["192.0.2.0/24"],
			"allowed_email_domains":["acme.com"],"invitation_ttl":"72h0m0s",
			"auto_join":{"workspaces":["`+w.sales.ID.String()+`"],"role":"member","domains":[]}}`, string(res.raw))
		again := w.do(t, call{method: "GET", path: path, as: &w.ann, header: mfa}).expect(t, http.StatusOK, "")
		assert.JSONEq(t, string(res.raw), string(again.raw))
	})
	t.Run("a session without MFA is told to step up", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: "/orgs/" + w.org.ID.String(), as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "mfa_required", res.json["denial"])
		w.do(t, call{method: "GET", path: "/orgs/" + w.org.ID.String(), as: &w.bob, header: mfa}).expect(t, http.StatusOK, "")
	})
}

func TestBilling(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/billing"

	res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, `{"email":"","customer_ref":""}`, string(res.raw))

	res = w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"email": "Billing@ACME.com", "customer_ref": " cus_123 "}}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, `{"email":"billing@acme.com","customer_ref":"cus_123"}`, string(res.raw))
	res = w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, `{"email":"billing@acme.com","customer_ref":"cus_123"}`, string(res.raw))

	w.do(t, call{method: "PUT", path: path, as: &w.ann, body: map[string]any{"email": "not an address"}}).expect(t, http.StatusUnprocessableEntity, "invalid_email")
	w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
	w.do(t, call{method: "PUT", path: path, as: &w.bob, body: map[string]any{}}).expect(t, http.StatusForbidden, "forbidden")
}

func TestSeats(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/seats"

	res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, `{"seats":2}`, string(res.raw))
	w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
}

func TestAuditLog(t *testing.T) {
	w := newWorld(t)
	path := "/orgs/" + w.org.ID.String() + "/audit-log"

	res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
	items := res.items(t)
	require.Len(t, items, 6, "signed up, organization created, org admin granted, workspace created, admin and member added")
	latest := items[0]
	assert.Equal(t, tenancy.EventMemberAdded, latest["action"])
	assert.Equal(t, w.ann.ID.String(), latest["actor_id"])
	assert.Equal(t, w.bob.ID.String(), latest["target_id"])
	assert.Equal(t, w.sales.ID.String(), latest["workspace_id"])
	assert.Equal(t, "member", obj(t, latest, "details")["role"])

	var actions []any
	for after := ""; ; {
		res := w.do(t, call{method: "GET", path: path + "?limit=2&after=" + after, as: &w.ann}).expect(t, http.StatusOK, "")
		for _, it := range res.items(t) {
			actions = append(actions, it["action"])
		}
		if after = res.json["next"].(string); after == "" {
			break
		}
	}
	assert.Equal(t, []any{tenancy.EventMemberAdded, tenancy.EventMemberAdded, tenancy.EventWorkspaceCreated,
		tenancy.EventOrgAdminGranted, tenancy.EventOrganizationCreated, tenancy.EventUserSignedUp}, actions)

	w.do(t, call{method: "GET", path: path + "?after=bm90LWEtY3Vyc29y", as: &w.ann}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
}

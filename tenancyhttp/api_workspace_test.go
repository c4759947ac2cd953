package tenancyhttp_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestWorkspace(t *testing.T) {
	w := newWorld(t)
	path := "/workspaces/" + w.sales.ID.String()

	t.Run("get", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusOK, "")
		assert.Equal(t, w.sales.ID.String(), res.json["id"])
		assert.Equal(t, "Sales", res.json["name"])
		w.do(t, call{method: "GET", path: path, as: &w.cat}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "GET", path: "/workspaces/" + uuid.NewString(), as: &w.ann}).expect(t, http.StatusNotFound, "not_found")
	})
	t.Run("rename", func(t *testing.T) {
		res := w.do(t, call{method: "PATCH", path: path, as: &w.ann, body: map[string]any{"name": "Sales EMEA"}}).expect(t, http.StatusOK, "")
		assert.Equal(t, "Sales EMEA", res.json["name"])
		res = w.do(t, call{method: "PATCH", path: path, as: &w.bob, body: map[string]any{"name": "Bob's"}}).expect(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "permission", res.json["denial"])
	})
	t.Run("permissions", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path + "/permissions", as: &w.bob}).expect(t, http.StatusOK, "")
		assert.Contains(t, res.json["actions"], string(tenancy.ActionCreateSegment))
		assert.NotContains(t, res.json["actions"], string(tenancy.ActionCreateSource))
		res = w.do(t, call{method: "GET", path: path + "/permissions", as: &w.ann}).expect(t, http.StatusOK, "")
		assert.Contains(t, res.json["actions"], string(tenancy.ActionCreateSource))
		res = w.do(t, call{method: "GET", path: "/workspaces/" + uuid.NewString() + "/permissions", as: &w.ann}).expect(t, http.StatusOK, "")
		assert.JSONEq(t, `{"actions":[]}`, string(res.raw))
	})
	t.Run("delete", func(t *testing.T) {
		w.do(t, call{method: "DELETE", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
		w.do(t, call{method: "DELETE", path: path, as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusNotFound, "not_found")
	})
}

func TestMembers(t *testing.T) {
	w := newWorld(t)
	path := "/workspaces/" + w.sales.ID.String() + "/members"
	// joinAcme gives u a role in Acme, in another workspace.
	marketing, err := w.svc.CreateWorkspace(w.ctx, w.actor(w.ann), w.org.ID, "Marketing")
	require.NoError(t, err)
	joinAcme := func(t *testing.T, u tenancy.User) {
		_, err := w.svc.AddMember(w.ctx, w.actor(w.ann), marketing.ID, u.ID, tenancy.RoleMember)
		require.NoError(t, err)
	}

	t.Run("list", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
		items := res.items(t)
		require.Len(t, items, 2)
		assert.Equal(t, "ann@acme.com", items[0]["email"])
		assert.Equal(t, "admin", items[0]["role"])
		assert.Equal(t, "bob@acme.com", items[1]["email"])
		assert.Equal(t, "member", items[1]["role"])
		w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
	})
	t.Run("add by ID", func(t *testing.T) {
		// Dan has an acme.com address but no role in Acme yet.
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.dan.ID, "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
		joinAcme(t, w.dan)
		res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.dan.ID, "role": "member"}}).expect(t, http.StatusCreated, "")
		assert.Equal(t, w.dan.ID.String(), res.json["user_id"])
		assert.Equal(t, "dan@acme.com", res.json["email"])
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.dan.ID, "role": "member"}}).expect(t, http.StatusConflict, "already_exists")
	})
	t.Run("add by email finds only users of the organization", func(t *testing.T) {
		outside := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "Cat@Gmail.com", "role": "admin"}}).expect(t, http.StatusNotFound, "not_found")
		unknown := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "nobody@gmail.com", "role": "admin"}}).expect(t, http.StatusNotFound, "not_found")
		assert.Equal(t, unknown.json["detail"], outside.json["detail"], "an account elsewhere looks like no account")
		joinAcme(t, w.cat)
		res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.cat.ID, "role": "admin"}}).expect(t, http.StatusCreated, "")
		assert.Equal(t, w.cat.ID.String(), res.json["user_id"])
		assert.Equal(t, "admin", res.json["role"])
		// Now a user of the organization, cat is found by address (and is
		// already a member here).
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "cat@gmail.com", "role": "member"}}).expect(t, http.StatusConflict, "already_exists")
	})
	t.Run("add by ID finds only users of the organization", func(t *testing.T) {
		// Eve founds her own organization and names people of Acme by ID.
		res, err := w.svc.SignUp(w.ctx, tenancy.SignUpRequest{Email: "eve@evilcorp.com", Name: "Eve", EmailVerified: true})
		require.NoError(t, err)
		eve := res.User
		ws, err := w.svc.CreateWorkspace(w.ctx, w.actor(eve), res.Organization.ID, "Evil")
		require.NoError(t, err)
		evil := "/workspaces/" + ws.ID.String() + "/members"
		unknown := w.do(t, call{method: "POST", path: evil, as: &eve, body: map[string]any{"user_id": uuid.New(), "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
		for _, u := range []tenancy.User{w.bob, w.cat} {
			outside := w.do(t, call{method: "POST", path: evil, as: &eve, body: map[string]any{"user_id": u.ID, "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
			assert.Equal(t, unknown.raw, outside.raw, "an account elsewhere looks like no account")
			assert.NotContains(t, string(outside.raw), u.Email)
			byEmail := w.do(t, call{method: "POST", path: evil, as: &eve, body: map[string]any{"email": u.Email, "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
			assert.Equal(t, byEmail.status, outside.status)
		}
		list, err := w.svc.Members(w.ctx, w.actor(eve), ws.ID, tenancy.Page{})
		require.NoError(t, err)
		assert.Len(t, list.Items, 1, "only Eve")
	})
	t.Run("an unknown address is not found", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "nobody@acme.com", "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
		assert.Contains(t, res.json["detail"], "invite")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "nobody", "role": "member"}}).expect(t, http.StatusUnprocessableEntity, "invalid_email")
	})
	t.Run("only who may add members learns whether an address has an account", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: path, as: &w.bob, body: map[string]any{"email": "nobody@acme.com", "role": "member"}}).expect(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "permission", res.json["denial"])
		w.do(t, call{method: "POST", path: path, as: &w.dan, body: map[string]any{"email": "nobody@acme.com", "role": "member"}}).expect(t, http.StatusForbidden, "forbidden")
		stranger := w.signUp("sam@other.example")
		w.do(t, call{method: "POST", path: path, as: &stranger, body: map[string]any{"email": "nobody@acme.com", "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
	})
	t.Run("one of user_id and email", func(t *testing.T) {
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.dan.ID, "email": "dan@acme.com", "role": "member"}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"role": "member"}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": "dan", "role": "member"}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.dan.ID}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": uuid.New(), "role": "member"}}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"user_id": w.dan.ID, "role": "owner"}}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("set role", func(t *testing.T) {
		res := w.do(t, call{method: "PATCH", path: path + "/" + w.bob.ID.String(), as: &w.ann, body: map[string]any{"role": "admin"}}).expect(t, http.StatusOK, "")
		assert.Equal(t, "admin", res.json["role"])
		w.do(t, call{method: "PATCH", path: path + "/" + uuid.NewString(), as: &w.ann, body: map[string]any{"role": "admin"}}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "PATCH", path: path + "/" + w.bob.ID.String(), as: &w.ann, body: map[string]any{}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("remove", func(t *testing.T) {
		w.do(t, call{method: "DELETE", path: path + "/" + w.bob.ID.String(), as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "DELETE", path: path + "/" + w.bob.ID.String(), as: &w.ann}).expect(t, http.StatusNotFound, "not_found")
	})
	t.Run("the last admin stays", func(t *testing.T) {
		w.do(t, call{method: "DELETE", path: path + "/" + w.cat.ID.String(), as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "PATCH", path: path + "/" + w.ann.ID.String(), as: &w.ann, body: map[string]any{"role": "member"}}).expect(t, http.StatusConflict, "last_admin")
		w.do(t, call{method: "DELETE", path: path + "/" + w.ann.ID.String(), as: &w.ann}).expect(t, http.StatusConflict, "last_admin")
	})
}

func TestInvitations(t *testing.T) {
	w := newWorld(t)
	path := "/workspaces/" + w.sales.ID.String() + "/invitations"

	res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "Dan@ACME.com", "role": "member"}}).expect(t, http.StatusCreated, "")
	token := res.json["token"].(string)
	require.NotEmpty(t, token)
	inv := obj(t, res.json, "invitation")
	assert.Equal(t, "dan@acme.com", inv["email"])
	assert.Equal(t, w.ann.ID.String(), inv["invited_by"])
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"), "the token must not be cached")

	t.Run("list", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
		items := res.items(t)
		require.Len(t, items, 1)
		assert.Equal(t, inv["id"], items[0]["id"])
		assert.NotContains(t, string(res.raw), token)
		w.do(t, call{method: "GET", path: path, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
	})
	t.Run("refused", func(t *testing.T) {
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "bob@acme.com", "role": "member"}}).expect(t, http.StatusConflict, "already_exists")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "bob", "role": "member"}}).expect(t, http.StatusUnprocessableEntity, "invalid_email")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "eve@acme.com"}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"role": "member"}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
		res := w.do(t, call{method: "POST", path: path, as: &w.bob, body: map[string]any{"email": "eve@acme.com", "role": "member"}}).expect(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "permission", res.json["denial"])
	})
	t.Run("preview needs no session", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: "/invitations/preview", body: map[string]any{"token": token}}).expect(t, http.StatusOK, "")
		assert.Equal(t, "Sales", res.json["workspace_name"])
		assert.Equal(t, "acme.com", res.json["organization_name"])
		assert.Equal(t, "acme.com", res.json["organization_domain"])
		assert.Equal(t, "Ann", res.json["inviter_name"])
		assert.Equal(t, inv["id"], obj(t, res.json, "invitation")["id"])
		w.do(t, call{method: "POST", path: "/invitations/preview", body: map[string]any{"token": "forged"}}).expect(t, http.StatusGone, "invitation_invalid")
		w.do(t, call{method: "POST", path: "/invitations/preview", body: map[string]any{"token": ""}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("accept", func(t *testing.T) {
		w.do(t, call{method: "POST", path: "/invitations/accept", body: map[string]any{"token": token}}).expect(t, http.StatusUnauthorized, "unauthenticated")
		w.do(t, call{method: "POST", path: "/invitations/accept", as: &w.cat, body: map[string]any{"token": token}}).expect(t, http.StatusGone, "invitation_invalid")
		res := w.do(t, call{method: "POST", path: "/invitations/accept", as: &w.dan, body: map[string]any{"token": token}}).expect(t, http.StatusOK, "")
		assert.Equal(t, w.dan.ID.String(), res.json["user_id"])
		assert.Equal(t, "member", res.json["role"])
		w.do(t, call{method: "POST", path: "/invitations/accept", as: &w.dan, body: map[string]any{"token": token}}).expect(t, http.StatusGone, "invitation_invalid")
	})
	t.Run("revoke", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: path, as: &w.ann, body: map[string]any{"email": "eve@acme.com", "role": "admin"}}).expect(t, http.StatusCreated, "")
		id := obj(t, res.json, "invitation")["id"].(string)
		w.do(t, call{method: "DELETE", path: "/invitations/" + id, as: &w.bob}).expect(t, http.StatusForbidden, "forbidden")
		w.do(t, call{method: "DELETE", path: "/invitations/" + id, as: &w.cat}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "DELETE", path: "/invitations/" + id, as: &w.ann}).expect(t, http.StatusNoContent, "")
		w.do(t, call{method: "DELETE", path: "/invitations/" + id, as: &w.ann}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "POST", path: "/invitations/preview", body: map[string]any{"token": res.json["token"]}}).expect(t, http.StatusGone, "invitation_invalid")
	})
}

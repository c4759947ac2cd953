package tenancyhttp_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestMe(t *testing.T) {
	w := newWorld(t)

	t.Run("get", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: "/me", as: &w.ann}).expect(t, http.StatusOK, "")
		assert.Equal(t, w.ann.ID.String(), res.json["id"])
		assert.Equal(t, "ann@acme.com", res.json["email"])
		assert.Equal(t, "Ann", res.json["name"])
		assert.Equal(t, true, res.json["email_verified"])
		assert.Equal(t, "2026-12-01T09:00:00Z", res.json["created_at"])
		assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
	})
	t.Run("rename", func(t *testing.T) {
		res := w.do(t, call{method: "PATCH", path: "/me", as: &w.ann, body: map[string]any{"name": "  Ann Lee "}}).expect(t, http.StatusOK, "")
		assert.Equal(t, "Ann Lee", res.json["name"])
	})
	t.Run("rename needs a name", func(t *testing.T) {
		w.do(t, call{method: "PATCH", path: "/me", as: &w.ann, body: map[string]any{}, invalid: true}).expect(t, http.StatusUnprocessableEntity, "invalid_input")
	})
}

func TestMyOrganizations(t *testing.T) {
	w := newWorld(t)

	res := w.do(t, call{method: "GET", path: "/me/organizations", as: &w.bob}).expect(t, http.StatusOK, "")
	items := res.items(t)
	require.Len(t, items, 1)
	assert.Equal(t, "acme.com", obj(t, items[0], "organization")["name"])
	assert.Equal(t, false, items[0]["org_admin"])
	assert.Equal(t, 1.0, items[0]["workspaces"])
	assert.NotContains(t, res.json, "next", "an unpaginated list has no cursor")

	res = w.do(t, call{method: "GET", path: "/me/organizations", as: &w.cat}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, `{"items":[]}`, string(res.raw), "an empty list is [], not null")
}

func TestLeaveOrganization(t *testing.T) {
	w := newWorld(t)

	w.do(t, call{method: "DELETE", path: "/me/organizations/" + w.org.ID.String(), as: &w.ann}).expect(t, http.StatusConflict, "last_admin")
	w.do(t, call{method: "DELETE", path: "/me/organizations/" + w.org.ID.String(), as: &w.bob}).expect(t, http.StatusNoContent, "")
	res := w.do(t, call{method: "GET", path: "/me/organizations", as: &w.bob}).expect(t, http.StatusOK, "")
	assert.Empty(t, res.items(t))
	w.do(t, call{method: "DELETE", path: "/me/organizations/" + w.org.ID.String(), as: &w.bob}).expect(t, http.StatusNotFound, "not_found")
}

func TestMyWorkspaces(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"Ops", "Marketing"} {
		_, err := w.svc.CreateWorkspace(w.ctx, w.actor(w.ann), w.org.ID, name)
		require.NoError(t, err)
	}

	t.Run("list", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: "/me/workspaces", as: &w.bob}).expect(t, http.StatusOK, "")
		items := res.items(t)
		require.Len(t, items, 1)
		assert.Equal(t, "member", items[0]["role"])
		assert.Equal(t, "Sales", obj(t, items[0], "workspace")["name"])
		assert.Equal(t, "", res.json["next"], "the last page's next is empty")
	})
	t.Run("pages", func(t *testing.T) {
		var names []any
		path := "/me/workspaces?limit=2"
		for range 3 {
			res := w.do(t, call{method: "GET", path: path, as: &w.ann}).expect(t, http.StatusOK, "")
			for _, it := range res.items(t) {
				names = append(names, obj(t, it, "workspace")["name"])
			}
			next := res.json["next"].(string)
			if next == "" {
				break
			}
			path = "/me/workspaces?limit=2&after=" + next
		}
		assert.Equal(t, []any{"Marketing", "Ops", "Sales"}, names)
	})
	t.Run("empty", func(t *testing.T) {
		res := w.do(t, call{method: "GET", path: "/me/workspaces", as: &w.cat}).expect(t, http.StatusOK, "")
		assert.JSONEq(t, `{"items":[],"next":""}`, string(res.raw))
	})
	t.Run("leave", func(t *testing.T) {
		w.do(t, call{method: "DELETE", path: "/me/workspaces/" + w.sales.ID.String(), as: &w.bob}).expect(t, http.StatusNoContent, "")
		res := w.do(t, call{method: "GET", path: "/me/workspaces", as: &w.bob}).expect(t, http.StatusOK, "")
		assert.Empty(t, res.items(t))
	})
	t.Run("the last admin cannot leave", func(t *testing.T) {
		w.do(t, call{method: "DELETE", path: "/me/workspaces/" + w.sales.ID.String(), as: &w.ann}).expect(t, http.StatusConflict, "last_admin")
	})
}

func TestMyInvitations(t *testing.T) {
	w := newWorld(t)
	ops, err := w.svc.CreateWorkspace(w.ctx, w.actor(w.ann), w.org.ID, "Ops")
	require.NoError(t, err)
	toSales, _, err := w.svc.Invite(w.ctx, w.actor(w.ann), w.sales.ID, "dan@acme.com", tenancy.RoleAdmin)
	require.NoError(t, err)
	w.now = w.now.Add(time.Minute)
	toOps, _, err := w.svc.Invite(w.ctx, w.actor(w.ann), ops.ID, "dan@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	res := w.do(t, call{method: "GET", path: "/me/invitations", as: &w.dan}).expect(t, http.StatusOK, "")
	items := res.items(t)
	require.Len(t, items, 2)
	assert.Equal(t, "Sales", items[0]["workspace_name"])
	assert.Equal(t, "acme.com", items[0]["organization_name"])
	assert.Equal(t, "acme.com", items[0]["organization_domain"])
	assert.Equal(t, "Ann", items[0]["inviter_name"])
	inv := obj(t, items[0], "invitation")
	assert.Equal(t, toSales.ID.String(), inv["id"])
	assert.Equal(t, "admin", inv["role"])
	assert.Equal(t, "2026-12-08T09:00:00Z", inv["expires_at"])

	t.Run("someone else's is not found", func(t *testing.T) {
		w.do(t, call{method: "POST", path: "/me/invitations/" + toSales.ID.String() + "/accept", as: &w.cat}).expect(t, http.StatusNotFound, "not_found")
		w.do(t, call{method: "POST", path: "/me/invitations/" + toSales.ID.String() + "/decline", as: &w.bob}).expect(t, http.StatusNotFound, "not_found")
	})
	t.Run("accept", func(t *testing.T) {
		res := w.do(t, call{method: "POST", path: "/me/invitations/" + toSales.ID.String() + "/accept", as: &w.dan}).expect(t, http.StatusOK, "")
		assert.Equal(t, w.dan.ID.String(), res.json["user_id"])
		assert.Equal(t, w.sales.ID.String(), res.json["workspace_id"])
		assert.Equal(t, "admin", res.json["role"])
	})
	t.Run("decline", func(t *testing.T) {
		w.do(t, call{method: "POST", path: "/me/invitations/" + toOps.ID.String() + "/decline", as: &w.dan}).expect(t, http.StatusNoContent, "")
		res := w.do(t, call{method: "GET", path: "/me/invitations", as: &w.dan}).expect(t, http.StatusOK, "")
		assert.Empty(t, res.items(t))
	})
}

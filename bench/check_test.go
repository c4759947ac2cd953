package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// The population both engines decide over: one organization with many
// workspaces, each with one admin and several members.
const (
	workspaces = 500
	members    = 8
)

// casbinModel is RBAC with domains: a user holds a role in a workspace
// (the domain), and a role grants actions.
const casbinModel = `
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.act == p.act
`

// world is the same population in both engines.
type world struct {
	svc    *tenancy.Service
	casbin *casbin.SyncedEnforcer
	ws     []uuid.UUID
	member []tenancy.Actor // member[i] is a member of ws[i]
	// stranger holds no role in the organization.
	stranger tenancy.Actor
	roles    []grant // every membership
}

// grant is a user's role in a workspace.
type grant struct {
	ws, user uuid.UUID
	role     tenancy.Role
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	ctx := context.Background()
	w := &world{svc: tenancy.New(memstore.New())}
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		tb.Fatal(err)
	}
	if w.casbin, err = casbin.NewSyncedEnforcer(m); err != nil {
		tb.Fatal(err)
	}
	p := tenancy.DefaultPolicy()
	for _, r := range p.WorkspaceRoles() {
		for _, act := range AllActions {
			if p.Allows(r, act) {
				if _, err := w.casbin.AddPolicy(string(r), string(act)); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}

	founder, err := w.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	if err != nil {
		tb.Fatal(err)
	}
	admin := tenancy.Actor{UserID: founder.User.ID, AuthenticatedAt: time.Now()}
	stranger, err := w.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "eve@gmail.com", EmailVerified: true})
	if err != nil {
		tb.Fatal(err)
	}
	w.stranger = tenancy.Actor{UserID: stranger.User.ID, AuthenticatedAt: time.Now()}
	var grouping [][]string
	for i := range workspaces {
		ws, err := w.svc.CreateWorkspace(ctx, admin, founder.Organization.ID, fmt.Sprintf("Workspace %d", i))
		if err != nil {
			tb.Fatal(err)
		}
		w.ws = append(w.ws, ws.ID)
		grouping = append(grouping, []string{admin.UserID.String(), string(tenancy.RoleAdmin), ws.ID.String()})
		w.roles = append(w.roles, grant{ws.ID, admin.UserID, tenancy.RoleAdmin})
		for j := range members {
			u, err := w.svc.SignUp(ctx, tenancy.SignUpRequest{Email: fmt.Sprintf("user%d-%d@gmail.com", i, j), EmailVerified: true})
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := w.svc.AddMember(ctx, admin, ws.ID, u.User.ID, tenancy.RoleMember); err != nil {
				tb.Fatal(err)
			}
			grouping = append(grouping, []string{u.User.ID.String(), string(tenancy.RoleMember), ws.ID.String()})
			w.roles = append(w.roles, grant{ws.ID, u.User.ID, tenancy.RoleMember})
			if j == 0 {
				w.member = append(w.member, tenancy.Actor{UserID: u.User.ID, AuthenticatedAt: time.Now()})
			}
		}
	}
	if _, err := w.casbin.AddGroupingPolicies(grouping); err != nil {
		tb.Fatal(err)
	}
	return w
}

// TestSameDecisions makes sure the benchmarks compare like with like: both
// engines decide every workspace action alike for a member in its own
// workspace and in another one.
func TestSameDecisions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for i := range 5 {
		for _, ws := range []uuid.UUID{w.ws[i], w.ws[i+1]} {
			for _, act := range AllActions {
				d, err := w.svc.Check(ctx, w.member[i], act, tenancy.InWorkspace(ws))
				if err != nil {
					t.Fatal(err)
				}
				ok, err := w.casbin.Enforce(w.member[i].UserID.String(), ws.String(), string(act))
				if err != nil {
					t.Fatal(err)
				}
				if d.Allowed != ok {
					t.Fatalf("member %d, workspace %s, %s: tenancy %v, casbin %v", i, ws, act, d.Allowed, ok)
				}
			}
		}
	}
}

// BenchmarkCheck decides, for a workspace member, an action its role grants
// and one it does not. tenancy's Check also evaluates the organization's
// security policy and reads the live store (nothing cached); casbin's
// synchronized enforcer evaluates its in-memory policy model.
func BenchmarkCheck(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		act  tenancy.Action
		want bool
	}{{"allowed", tenancy.ActionCreateSegment, true}, {"denied", tenancy.ActionCreateSource, false}} {
		b.Run("tenancy-memstore/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 1) % workspaces
				d, err := w.svc.Check(ctx, w.member[i], c.act, tenancy.InWorkspace(w.ws[i]))
				if err != nil || d.Allowed != c.want {
					b.Fatal(d, err)
				}
			}
		})
		b.Run("casbin-synced/"+c.name, func(b *testing.B) {
			subs, doms := make([]string, workspaces), make([]string, workspaces)
			for i := range workspaces {
				subs[i], doms[i] = w.member[i].UserID.String(), w.ws[i].String()
			}
			act := string(c.act)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 1) % workspaces
				ok, err := w.casbin.Enforce(subs[i], doms[i], act)
				if err != nil || ok != c.want {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

package bench

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// floor is the least a workspace check can do: a plain map from workspace
// to organization (the scope must exist), one from (workspace, user) to the
// bits of the actions the member's role grants (every membership of the
// population), and one from action to bit. It knows nothing of organization admins or security policies; it
// is the floor tenancy's Check is measured against.
type floor struct {
	orgOf   map[uuid.UUID]uuid.UUID
	grants  map[[2]uuid.UUID]uint64
	actions map[tenancy.Action]uint
}

func newFloor(w *world) *floor {
	f := &floor{orgOf: map[uuid.UUID]uuid.UUID{}, grants: map[[2]uuid.UUID]uint64{}, actions: map[tenancy.Action]uint{}}
	for i, act := range allActions {
		f.actions[act] = uint(i)
	}
	p := tenancy.DefaultPolicy()
	bits := map[tenancy.Role]uint64{}
	for _, r := range p.WorkspaceRoles() {
		for i, act := range allActions {
			if p.Allows(r, act) {
				bits[r] |= 1 << i
			}
		}
	}
	org := uuid.New()
	for _, ws := range w.ws {
		f.orgOf[ws] = org
	}
	for _, g := range w.roles {
		f.grants[[2]uuid.UUID{g.ws, g.user}] = bits[g.role]
	}
	return f
}

func (f *floor) check(userID uuid.UUID, act tenancy.Action, ws uuid.UUID) bool {
	if _, ok := f.orgOf[ws]; !ok {
		return false
	}
	bit, ok := f.actions[act]
	return ok && f.grants[[2]uuid.UUID{ws, userID}]&(1<<bit) != 0
}

// BenchmarkCheckFloor puts tenancy's Check beside the floor, over the same
// population and the same sequence of requests.
func BenchmarkCheckFloor(b *testing.B) {
	w := newWorld(b)
	f := newFloor(w)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		act  tenancy.Action
		want bool
	}{{"allowed", tenancy.ActionCreateSegment, true}, {"denied", tenancy.ActionCreateSource, false}} {
		b.Run("floor/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 1) % workspaces
				if f.check(w.member[i].UserID, c.act, w.ws[i]) != c.want {
					b.Fatal("wrong decision")
				}
			}
		})
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
	}
}

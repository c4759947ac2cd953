package bench

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

func newFloor(w *world) *Floor {
	f := NewFloor()
	org := uuid.New()
	for _, ws := range w.ws {
		f.Workspace(ws, org)
	}
	for _, g := range w.roles {
		f.Member(g.ws, g.user, g.role)
	}
	return f
}

// BenchmarkCheckFloor puts tenancy's Check beside the floor, over the same
// population and the same sequence of requests.
func BenchmarkCheckFloor(b *testing.B) {
	w := newWorld(b)
	f := newFloor(w)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		act   tenancy.Action
		actor func(i int) tenancy.Actor
		want  bool
	}{
		{"allowed", tenancy.ActionCreateSegment, func(i int) tenancy.Actor { return w.member[i] }, true},
		{"denied", tenancy.ActionCreateSource, func(i int) tenancy.Actor { return w.member[i] }, false},
		{"denied-no-role", tenancy.ActionViewWorkspace, func(int) tenancy.Actor { return w.stranger }, false},
	} {
		actors := make([]tenancy.Actor, workspaces)
		for i := range actors {
			actors[i] = c.actor(i)
		}
		b.Run("floor/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 1) % workspaces
				if f.Check(actors[i].UserID, c.act, w.ws[i]) != c.want {
					b.Fatal("wrong decision")
				}
			}
		})
		b.Run("tenancy-memstore/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 1) % workspaces
				d, err := w.svc.Check(ctx, actors[i], c.act, tenancy.InWorkspace(w.ws[i]))
				if err != nil || d.Allowed != c.want {
					b.Fatal(d, err)
				}
			}
		})
	}
}

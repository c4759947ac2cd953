package bench

import (
	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// Floor is the least a workspace check can do: a plain map from workspace
// to organization (the scope must exist), one from (workspace, user) to
// the bits of the actions the member's role grants, and one from action
// to bit. It knows nothing of organization admins or security policies;
// it is the floor tenancy's Check is measured against, over the same
// population.
type Floor struct {
	orgOf   map[uuid.UUID]uuid.UUID
	grants  map[[2]uuid.UUID]uint64
	actions map[tenancy.Action]uint
	bits    map[tenancy.Role]uint64
}

// NewFloor returns an empty Floor deciding as the default policy's
// workspace roles do.
func NewFloor() *Floor {
	f := &Floor{orgOf: map[uuid.UUID]uuid.UUID{}, grants: map[[2]uuid.UUID]uint64{},
		actions: map[tenancy.Action]uint{}, bits: map[tenancy.Role]uint64{}}
	for i, act := range AllActions {
		f.actions[act] = uint(i)
	}
	p := tenancy.DefaultPolicy()
	for _, r := range p.WorkspaceRoles() {
		for i, act := range AllActions {
			if p.Allows(r, act) {
				f.bits[r] |= 1 << i
			}
		}
	}
	return f
}

// Workspace records a workspace of an organization.
func (f *Floor) Workspace(ws, org uuid.UUID) { f.orgOf[ws] = org }

// Member records a member's role in a workspace.
func (f *Floor) Member(ws, user uuid.UUID, r tenancy.Role) {
	f.grants[[2]uuid.UUID{ws, user}] = f.bits[r]
}

// Check reports whether userID may perform act in workspace ws.
func (f *Floor) Check(userID uuid.UUID, act tenancy.Action, ws uuid.UUID) bool {
	if _, ok := f.orgOf[ws]; !ok {
		return false
	}
	bit, ok := f.actions[act]
	return ok && f.grants[[2]uuid.UUID{ws, userID}]&(1<<bit) != 0
}

// AllActions are the workspace actions of the default policy.
var AllActions = []tenancy.Action{
	tenancy.ActionViewWorkspace, tenancy.ActionViewWorkspaceSettings, tenancy.ActionEditWorkspaceSettings,
	tenancy.ActionDeleteWorkspace, tenancy.ActionManageMembers,
	tenancy.ActionCreateSource, tenancy.ActionEditSource, tenancy.ActionDeleteSource,
	tenancy.ActionCreateDestination, tenancy.ActionEditDestination, tenancy.ActionDeleteDestination,
	tenancy.ActionCreateSegment, tenancy.ActionEditSegment, tenancy.ActionDeleteSegment,
	tenancy.ActionCreateEntity, tenancy.ActionEditEntity, tenancy.ActionDeleteEntity,
	tenancy.ActionCreateActivation, tenancy.ActionEditActivation, tenancy.ActionDeleteActivation,
}

package tenancy

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// CreateWorkspace creates a workspace in an organization
// (ActionCreateWorkspace, which only Organization Admins hold by default)
// and makes the actor its first Admin (Policy.AdminRole). The name is
// prepared as a display name and must be 1 to MaxNameLength characters.
// It returns ErrInvalidInput for a bad name, ErrAlreadyExists if the
// organization has a workspace whose name has the same NameKey, and
// ErrNotFound if the organization does not exist or the actor
// holds no role in it, ErrForbidden if the actor lacks the permission or
// its session fails the organization's policy.
func (s *Service) CreateWorkspace(ctx context.Context, a Actor, orgID uuid.UUID, name string) (Workspace, error) {
	name, err := validName("workspace", name)
	if err != nil {
		return Workspace{}, err
	}
	ws := Workspace{ID: uuid.New(), OrgID: orgID, Name: name, CreatedBy: a.UserID}
	err = s.update(ctx, func(tx Tx, rec *recorder) error {
		// The creator becomes the first Admin, its address copied.
		u, missing, err := lockTarget(ctx, tx, a.UserID)
		if err != nil {
			return err
		}
		if _, err := s.authorizeWrite(ctx, tx, a, ActionCreateWorkspace, InOrganization(orgID)); err != nil {
			return err
		}
		if missing != nil {
			return missing
		}
		ws.CreatedAt = rec.now
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		admin := s.policy.AdminRole()
		if err := tx.AddMember(ctx, Member{WorkspaceID: ws.ID, UserID: a.UserID, Role: admin, CreatedAt: rec.now}); err != nil {
			return err
		}
		if err := rec.record(ctx, tx, AuditEvent{OrgID: orgID, WorkspaceID: ws.ID, ActorID: a.UserID, TargetID: ws.ID,
			Action: EventWorkspaceCreated, Details: map[string]string{DetailName: name}}); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: orgID, WorkspaceID: ws.ID, ActorID: a.UserID, TargetID: a.UserID,
			Action: EventMemberAdded, Details: map[string]string{DetailEmail: u.Email, DetailRole: string(admin)}})
	})
	if err != nil {
		return Workspace{}, err
	}
	return ws, nil
}

// Workspace returns a workspace (ActionViewWorkspace). It returns
// ErrNotFound if it does not exist or the actor holds no role in its
// organization.
func (s *Service) Workspace(ctx context.Context, a Actor, id uuid.UUID) (Workspace, error) {
	if _, err := s.authorize(ctx, s.store, a, ActionViewWorkspace, InWorkspace(id)); err != nil {
		return Workspace{}, err
	}
	ws, err := s.store.Workspace(ctx, id)
	return ws, s.readFailed(ctx, err)
}

// RenameWorkspace renames a workspace (ActionEditWorkspaceSettings), with
// the rules of CreateWorkspace; renaming to the current name changes
// nothing and records no event. It returns ErrInvalidInput for a bad name,
// ErrAlreadyExists if another workspace of the organization has the name,
// and ErrNotFound if the workspace does not exist or the actor
// holds no role in its organization, ErrForbidden if the actor lacks the
// permission or its session fails the organization's policy.
func (s *Service) RenameWorkspace(ctx context.Context, a Actor, id uuid.UUID, name string) (Workspace, error) {
	name, err := validName("workspace", name)
	if err != nil {
		return Workspace{}, err
	}
	var ws Workspace
	err = s.update(ctx, func(tx Tx, rec *recorder) error {
		if _, err := s.authorizeWrite(ctx, tx, a, ActionEditWorkspaceSettings, InWorkspace(id)); err != nil {
			return err
		}
		if ws, err = tx.Workspace(ctx, id); err != nil {
			return err
		}
		if ws.Name == name {
			return nil
		}
		from := ws.Name
		ws.Name = name
		if err := tx.UpdateWorkspace(ctx, ws); err != nil {
			return err
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: ws.OrgID, WorkspaceID: ws.ID, ActorID: a.UserID, TargetID: ws.ID,
			Action: EventWorkspaceRenamed, Details: map[string]string{DetailFrom: from, DetailTo: name}})
	})
	if err != nil {
		return Workspace{}, err
	}
	return ws, nil
}

// DeleteWorkspace deletes a workspace with its memberships and invitations
// (ActionDeleteWorkspace), and drops it from the organization's auto-join
// list (only it: the rest of the auto-join policy stays). It returns
// ErrNotFound if the workspace does not exist or the actor holds no role
// in its organization, ErrForbidden if the actor lacks the permission or
// its session fails the organization's policy.
func (s *Service) DeleteWorkspace(ctx context.Context, a Actor, id uuid.UUID) error {
	return s.update(ctx, func(tx Tx, rec *recorder) error {
		if _, err := s.authorizeWrite(ctx, tx, a, ActionDeleteWorkspace, InWorkspace(id)); err != nil {
			return err
		}
		ws, err := tx.Workspace(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteWorkspace(ctx, id); err != nil {
			return err
		}
		org, err := tx.Organization(ctx, ws.OrgID)
		if err != nil {
			return err
		}
		if aj := org.Policy.AutoJoin.Workspaces; slices.Contains(aj, id) {
			org.Policy.AutoJoin.Workspaces = slices.DeleteFunc(aj, func(w uuid.UUID) bool { return w == id })
			if len(org.Policy.AutoJoin.Workspaces) == 0 {
				// As SecurityPolicy.Validate leaves a list without
				// workspaces: no role, the domains kept. They are the
				// Organization Admins' to drop; the deleter may not be one.
				org.Policy.AutoJoin.Workspaces, org.Policy.AutoJoin.Role = nil, ""
			}
			if err := tx.UpdateOrganization(ctx, org); err != nil {
				return err
			}
		}
		return rec.record(ctx, tx, AuditEvent{OrgID: ws.OrgID, WorkspaceID: ws.ID, ActorID: a.UserID, TargetID: ws.ID,
			Action: EventWorkspaceDeleted, Details: map[string]string{DetailName: ws.Name}})
	})
}

// OrganizationWorkspaces lists, by name, the workspaces of an organization
// that the actor may view: all of them for an Organization Admin, those it
// is a member of otherwise. It returns ErrNotFound if the actor holds no
// role in the organization.
func (s *Service) OrganizationWorkspaces(ctx context.Context, a Actor, orgID uuid.UUID, p Page) (List[Workspace], error) {
	q, err := p.query(cursorOrgWorkspaces)
	if err != nil {
		return List[Workspace]{}, err
	}
	f, err := s.authorizeAnyRole(ctx, s.store, a, actionViewOrganization, InOrganization(orgID))
	if err != nil {
		return List[Workspace]{}, err
	}
	now := s.clock()
	onlyMember := !(f.OrgAdmin && s.policy.Allows(RoleOrgAdmin, ActionViewWorkspace))
	var items []Workspace
	// A custom policy may have workspace roles that cannot view; skip those
	// workspaces and read on until the page is full.
	for {
		batch, err := s.store.ListOrgWorkspaces(ctx, orgID, a.UserID, onlyMember, q)
		if err != nil {
			return List[Workspace]{}, s.readFailed(ctx, err)
		}
		for _, m := range batch {
			wf := Facts{OrgID: orgID, WorkspaceID: m.Workspace.ID, OrgAdmin: f.OrgAdmin,
				WorkspaceRole: m.Role, OrgMember: f.OrgMember, Policy: f.Policy}
			if s.policy.Decide(wf, a, ActionViewWorkspace, now).Allowed && len(items) < q.Limit {
				items = append(items, m.Workspace)
			}
		}
		if len(batch) < q.Limit || len(items) == q.Limit {
			break
		}
		last := batch[len(batch)-1].Workspace
		q.After = &Cursor{Key: NameKey(last.Name), ID: last.ID}
	}
	return paginate(items, q.Limit, cursorOrgWorkspaces, workspaceCursor), nil
}

func workspaceCursor(ws Workspace) Cursor { return Cursor{Key: NameKey(ws.Name), ID: ws.ID} }

// UserWorkspaces lists, by name, every workspace the user is a member of,
// in any organization, with its role. It returns ErrNotFound if the user
// does not exist.
func (s *Service) UserWorkspaces(ctx context.Context, userID uuid.UUID, p Page) (List[Membership], error) {
	return listPage(ctx, s, p, cursorUserWorkspaces, func() error {
		_, err := s.store.User(ctx, userID)
		return s.readFailed(ctx, err)
	}, func(q PageQuery) ([]Membership, error) {
		return s.store.ListUserMemberships(ctx, userID, q)
	}, func(m Membership) Cursor { return workspaceCursor(m.Workspace) })
}

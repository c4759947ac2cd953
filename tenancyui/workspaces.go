package tenancyui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
)

// homeData is the data of home.html.
type homeData struct {
	// Orgs are the user's organizations (the switcher's list).
	Orgs []tenancy.OrgMembership
	// Workspaces are the workspaces the user is a member of.
	Workspaces []workspaceRow
	// Invitations are the user's pending invitations.
	Invitations []tenancy.InvitationDetails
	// Next is the cursor of the next page of workspaces, "" on the last.
	Next string
}

// workspaceRow is a workspace with the user's role and its organization's
// name.
type workspaceRow struct {
	Workspace tenancy.Workspace
	Role      tenancy.Role
	OrgName   string
}

// home lists the user's organizations, workspaces and invitations.
func (h *handler) home(q *request) error {
	ctx := q.r.Context()
	orgs, err := h.svc.UserOrganizations(ctx, q.actor.UserID)
	if err != nil {
		return err
	}
	ws, err := h.svc.UserWorkspaces(ctx, q.actor.UserID, tenancy.Page{After: q.r.FormValue("after")})
	if err != nil {
		return err
	}
	invs, err := h.svc.UserInvitations(ctx, q.actor.UserID)
	if err != nil {
		return err
	}
	d := homeData{Orgs: orgs, Invitations: invs, Next: ws.Next}
	for _, m := range ws.Items {
		d.Workspaces = append(d.Workspaces, workspaceRow{m.Workspace, m.Role, orgName(orgs, m.Workspace.OrgID)})
	}
	return q.render("home.html", http.StatusOK, Page{Title: "Your organizations", Section: "home", Data: d})
}

// manageData is the data of manage.html ("Manage Workspaces").
type manageData struct {
	// AdminOrgs are the organizations where the user is an Organization
	// Admin: the parent organizations it may choose.
	AdminOrgs []tenancy.Organization
	// Selected is the chosen organization, the first one by default.
	Selected tenancy.Organization
	// Workspaces are the selected organization's workspaces.
	Workspaces []tenancy.Workspace
	Next       string
}

// manage is "Manage Workspaces": choose a parent organization among those
// the user administers, see its workspaces, and start a new one.
func (h *handler) manage(q *request) error {
	ctx := q.r.Context()
	orgs, err := h.svc.AdminOrganizations(ctx, q.actor.UserID)
	if err != nil {
		return err
	}
	d := manageData{AdminOrgs: orgs}
	if len(orgs) > 0 {
		d.Selected = orgs[0]
		if id, err := q.formID("org"); err == nil {
			for _, o := range orgs {
				if o.ID == id {
					d.Selected = o
				}
			}
		}
		list, err := h.svc.OrganizationWorkspaces(ctx, q.actor, d.Selected.ID, tenancy.Page{After: q.r.FormValue("after")})
		if err != nil {
			return err
		}
		d.Workspaces, d.Next = list.Items, list.Next
	}
	return q.render("manage.html", http.StatusOK, Page{Title: "Manage Workspaces", Section: "manage", CurrentOrg: d.Selected.ID, Data: d})
}

// newWorkspaceData is the data of new_workspace.html.
type newWorkspaceData struct {
	AdminOrgs []tenancy.Organization
	Selected  uuid.UUID
}

// newWorkspace asks for the new workspace's name, in the parent
// organization chosen on "Manage Workspaces".
func (h *handler) newWorkspace(q *request) error {
	orgs, err := h.svc.AdminOrganizations(q.r.Context(), q.actor.UserID)
	if err != nil {
		return err
	}
	d := newWorkspaceData{AdminOrgs: orgs}
	if id, err := q.formID("org"); err == nil {
		d.Selected = id
	} else if len(orgs) > 0 {
		d.Selected = orgs[0].ID
	}
	if d.Selected != uuid.Nil {
		if err := q.require(tenancy.ActionCreateWorkspace, tenancy.InOrganization(d.Selected)); err != nil {
			return err
		}
	}
	return q.render("new_workspace.html", http.StatusOK, Page{Title: "New Workspace", Section: "manage", CurrentOrg: d.Selected, Data: d})
}

// createWorkspace creates the workspace and opens it.
func (h *handler) createWorkspace(q *request) error {
	org, err := q.formID("org")
	if err != nil {
		return q.redirect("/workspaces/new", &Flash{Error: true, Text: "Choose the parent organization."})
	}
	name := q.r.PostForm.Get("name")
	ws, err := h.svc.CreateWorkspace(q.r.Context(), q.actor, org, name)
	var denied *tenancy.DeniedError
	switch {
	case errors.As(err, &denied):
		return err
	case errors.Is(err, tenancy.ErrAlreadyExists):
		return q.redirect("/workspaces/new?org="+org.String(), nameTaken(name))
	case err != nil:
		return q.formError("/workspaces/new?org="+org.String(), err)
	}
	return q.done("/workspaces/"+ws.ID.String(), "Workspace "+ws.Name+" created. You are its first Admin.")
}

// workspaceData is the data of workspace.html.
type workspaceData struct {
	Workspace tenancy.Workspace
	OrgName   string
	// Role is the role that gives the user access: its workspace role, or
	// RoleOrgAdmin.
	Role tenancy.Role
	// Member reports whether the user is a member (and so may leave).
	Member bool
	// CanSettings reports whether the user may open the settings.
	CanSettings bool
	// Actions are what the user may do in the workspace.
	Actions []tenancy.Action
}

// workspace shows a workspace to anyone who may view it, with a link to
// its settings for those who may manage it.
func (h *handler) workspace(q *request) error {
	ctx := q.r.Context()
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspace(ctx, q.actor, id)
	if err != nil {
		return err
	}
	d, err := h.svc.Check(ctx, q.actor, tenancy.ActionViewWorkspace, tenancy.InWorkspace(id))
	if err != nil {
		return err
	}
	perms, err := h.svc.Permissions(ctx, q.actor, tenancy.InWorkspace(id))
	if err != nil {
		return err
	}
	org, err := h.svc.Organization(ctx, q.actor, ws.OrgID)
	if err != nil {
		return err
	}
	data := workspaceData{
		Workspace: ws, OrgName: org.Name, Role: d.Role,
		Member:      d.Role != "" && d.Role != tenancy.RoleOrgAdmin,
		CanSettings: perms.Allows(tenancy.ActionViewWorkspaceSettings),
		Actions:     perms.Actions(),
	}
	return q.render("workspace.html", http.StatusOK, Page{Title: ws.Name, Section: "org", CurrentOrg: ws.OrgID, Data: data})
}

// settingsData is the data of settings.html.
type settingsData struct {
	Workspace tenancy.Workspace
	OrgName   string
	CanRename bool
	CanDelete bool
	// CanManage reports whether the Members section is shown.
	CanManage   bool
	Members     []tenancy.Member
	MembersNext string
	Invitations []tenancy.Invitation
	InvitesNext string
	// Roles are the workspace roles one may invite to or set.
	Roles []tenancy.Role
	// Me is the signed-in user's ID.
	Me uuid.UUID
}

// settings is a workspace's settings, with the Members section. A user
// who may not see them gets a "you cannot manage this workspace" page.
func (h *handler) settings(q *request) error {
	ctx := q.r.Context()
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspace(ctx, q.actor, id)
	if err != nil {
		return err
	}
	perms, err := h.svc.Permissions(ctx, q.actor, tenancy.InWorkspace(id))
	if err != nil {
		return err
	}
	if !perms.Allows(tenancy.ActionViewWorkspaceSettings) {
		d, err := h.svc.Check(ctx, q.actor, tenancy.ActionViewWorkspaceSettings, tenancy.InWorkspace(id))
		if err != nil {
			return err
		}
		if d.Code != tenancy.DeniedPermission && d.Code != "" {
			return &tenancy.DeniedError{Decision: d}
		}
		q.renderProblem(http.StatusForbidden, "You cannot manage this workspace", problemData{
			Message: "Only the Admins of " + ws.Name + " and the Organization Admins of its organization can see its settings, invite people and manage its members. Ask one of them if you need a change.",
			Reason:  sentence(d.Reason), Code: d.Code,
			Next: q.base + "/workspaces/" + id.String(), NextText: "Back to " + ws.Name,
		})
		return nil
	}
	org, err := h.svc.Organization(ctx, q.actor, ws.OrgID)
	if err != nil {
		return err
	}
	d := settingsData{
		Workspace: ws, OrgName: org.Name, Me: q.actor.UserID,
		CanRename: perms.Allows(tenancy.ActionEditWorkspaceSettings),
		CanDelete: perms.Allows(tenancy.ActionDeleteWorkspace),
		CanManage: perms.Allows(tenancy.ActionManageMembers),
		Roles:     h.svc.Policy().WorkspaceRoles(),
	}
	if d.CanManage {
		members, err := h.svc.Members(ctx, q.actor, id, tenancy.Page{After: q.r.FormValue("members")})
		if err != nil {
			return err
		}
		invs, err := h.svc.Invitations(ctx, q.actor, id, tenancy.Page{After: q.r.FormValue("invitations")})
		if err != nil {
			return err
		}
		d.Members, d.MembersNext = members.Items, members.Next
		d.Invitations, d.InvitesNext = invs.Items, invs.Next
	}
	return q.render("settings.html", http.StatusOK, Page{Title: ws.Name + " settings", Section: "org", CurrentOrg: ws.OrgID, Data: d})
}

// nameTaken is the message for a workspace name already used.
func nameTaken(name string) *Flash {
	return &Flash{Error: true, Text: "The organization already has a workspace named " + strings.TrimSpace(name) + " (names are compared ignoring case). Choose another name."}
}

// settingsPath is the path of a workspace's settings.
func settingsPath(ws uuid.UUID) string { return "/workspaces/" + ws.String() + "/settings" }

// renameWorkspace renames a workspace.
func (h *handler) renameWorkspace(q *request) error {
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	name := q.r.PostForm.Get("name")
	ws, err := h.svc.RenameWorkspace(q.r.Context(), q.actor, id, name)
	if errors.Is(err, tenancy.ErrAlreadyExists) {
		return q.redirect(settingsPath(id), nameTaken(name))
	}
	if err != nil {
		return q.formError(settingsPath(id), err)
	}
	return q.done(settingsPath(id), "Workspace renamed to "+ws.Name+".")
}

// confirmDeleteWorkspace asks before deleting a workspace.
func (h *handler) confirmDeleteWorkspace(q *request) error {
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspace(q.r.Context(), q.actor, id)
	if err != nil {
		return err
	}
	if err := q.require(tenancy.ActionDeleteWorkspace, tenancy.InWorkspace(id)); err != nil {
		return err
	}
	return q.render("confirm.html", http.StatusOK, Page{Title: "Delete " + ws.Name + "?", Section: "org", CurrentOrg: ws.OrgID, Data: confirmData{
		Message: "Deleting " + ws.Name + " removes its members and pending invitations. This cannot be undone.",
		Action:  "/workspaces/" + id.String() + "/delete", Button: "Delete workspace", Cancel: settingsPath(id), Danger: true,
	}})
}

// deleteWorkspace deletes a workspace.
func (h *handler) deleteWorkspace(q *request) error {
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspace(q.r.Context(), q.actor, id)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteWorkspace(q.r.Context(), q.actor, id); err != nil {
		return q.formError(settingsPath(id), err)
	}
	return q.done("/orgs/"+ws.OrgID.String(), "Workspace "+ws.Name+" deleted.")
}

// confirmLeaveWorkspace asks before leaving a workspace.
func (h *handler) confirmLeaveWorkspace(q *request) error {
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspace(q.r.Context(), q.actor, id)
	if err != nil {
		return err
	}
	return q.render("confirm.html", http.StatusOK, Page{Title: "Leave " + ws.Name + "?", Section: "org", CurrentOrg: ws.OrgID, Data: confirmData{
		Message: "You will lose access to " + ws.Name + " until someone invites you again.",
		Action:  "/workspaces/" + id.String() + "/leave", Button: "Leave workspace", Cancel: "/workspaces/" + id.String(), Danger: true,
	}})
}

// leaveWorkspace removes the user from a workspace.
func (h *handler) leaveWorkspace(q *request) error {
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspace(q.r.Context(), q.actor, id)
	if err != nil {
		return err
	}
	if err := h.svc.RemoveMember(q.r.Context(), q.actor, id, q.actor.UserID); err != nil {
		return q.formError("/workspaces/"+id.String(), err)
	}
	return q.done("/", "You left "+ws.Name+".")
}

// invite invites an address to the workspace and hands over the link.
func (h *handler) invite(q *request) error {
	ctx := q.r.Context()
	id, err := q.pathID("ws")
	if err != nil {
		return err
	}
	back := settingsPath(id) + "#members"
	inv, token, err := h.svc.Invite(ctx, q.actor, id, q.r.PostForm.Get("email"), tenancy.Role(q.r.PostForm.Get("role")))
	if errors.Is(err, tenancy.ErrAlreadyExists) {
		return q.redirect(back, &Flash{Error: true, Text: "That person is already a member of this workspace."})
	}
	if err != nil {
		return q.formError(back, err)
	}
	link := q.absURL("/join/" + token)
	if h.cfg.sender == nil {
		return q.redirect(back, &Flash{Text: "Invitation created for " + inv.Email + " as " + roleLabel(inv.Role) + ". Send them this link:", Link: link})
	}
	if err := h.cfg.sender(ctx, inv, link); err != nil {
		h.cfg.logger.ErrorContext(ctx, "tenancyui: sending an invitation", "invitation", inv.ID, "error", err)
		return q.redirect(back, &Flash{Error: true, Text: "The invitation for " + inv.Email + " was created but could not be sent. Send them this link yourself:", Link: link})
	}
	return q.done(back, "Invitation sent to "+inv.Email+" as "+roleLabel(inv.Role)+".")
}

// revokeInvitation revokes a pending invitation.
func (h *handler) revokeInvitation(q *request) error {
	ws, err := q.pathID("ws")
	if err != nil {
		return err
	}
	inv, err := q.pathID("inv")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeInvitation(q.r.Context(), q.actor, inv); err != nil {
		return q.formError(settingsPath(ws)+"#invitations", err)
	}
	return q.done(settingsPath(ws)+"#invitations", "Invitation revoked.")
}

// setMemberRole changes a member's role.
func (h *handler) setMemberRole(q *request) error {
	ws, err := q.pathID("ws")
	if err != nil {
		return err
	}
	user, err := q.pathID("user")
	if err != nil {
		return err
	}
	m, err := h.svc.SetMemberRole(q.r.Context(), q.actor, ws, user, tenancy.Role(q.r.PostForm.Get("role")))
	if err != nil {
		return q.formError(settingsPath(ws)+"#members", err)
	}
	return q.done(settingsPath(ws)+"#members", m.Email+" is now "+roleLabel(m.Role)+".")
}

// removeMember removes a member from the workspace. The message names
// the member only if it was one of the organization's users: a failed
// removal says nothing about the account.
func (h *handler) removeMember(q *request) error {
	ctx := q.r.Context()
	wsID, err := q.pathID("ws")
	if err != nil {
		return err
	}
	user, err := q.pathID("user")
	if err != nil {
		return err
	}
	back := settingsPath(wsID) + "#members"
	if user == q.actor.UserID {
		if err := h.svc.RemoveMember(ctx, q.actor, wsID, user); err != nil {
			return q.formError(back, err)
		}
		return q.done("/", "You left the workspace.")
	}
	ws, err := h.svc.Workspace(ctx, q.actor, wsID)
	if err != nil {
		return q.formError(back, err)
	}
	// Read before the removal, which may take the user's last role in the
	// organization; shown only once the removal succeeded.
	name := "The member"
	if u, err := h.orgUser(ctx, ws.OrgID, user); err == nil {
		name = u.Email
	} else if !errors.Is(err, errNotOrgUser) {
		return err
	}
	if err := h.svc.RemoveMember(ctx, q.actor, wsID, user); err != nil {
		return q.formError(back, err)
	}
	return q.done(back, name+" was removed from the workspace.")
}

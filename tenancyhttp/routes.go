package tenancyhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// routes are the operations of the API, in the order of openapi.json,
// which describes each of them (a test checks that the two agree). Paths
// are relative to where the host mounts the API.
var routes = []route{
	{method: "GET", path: "/openapi.json", public: true, h: (*api).openAPI},

	{method: "GET", path: "/me", h: (*api).getMe},
	{method: "PATCH", path: "/me", h: (*api).renameMe},
	{method: "GET", path: "/me/organizations", h: (*api).myOrganizations},
	{method: "DELETE", path: "/me/organizations/{org}", h: (*api).leaveOrganization},
	{method: "GET", path: "/me/workspaces", h: (*api).myWorkspaces},
	{method: "DELETE", path: "/me/workspaces/{workspace}", h: (*api).leaveWorkspace},
	{method: "GET", path: "/me/invitations", h: (*api).myInvitations},
	{method: "POST", path: "/me/invitations/{invitation}/accept", h: (*api).acceptMyInvitation},
	{method: "POST", path: "/me/invitations/{invitation}/decline", h: (*api).declineMyInvitation},

	{method: "POST", path: "/invitations/preview", public: true, h: (*api).previewInvitation},
	{method: "POST", path: "/invitations/accept", h: (*api).acceptInvitation},
	{method: "DELETE", path: "/invitations/{invitation}", h: (*api).revokeInvitation},

	{method: "GET", path: "/orgs/{org}", h: (*api).getOrganization},
	{method: "PATCH", path: "/orgs/{org}", h: (*api).renameOrganization},
	{method: "GET", path: "/orgs/{org}/permissions", h: (*api).orgPermissions},
	{method: "GET", path: "/orgs/{org}/workspaces", h: (*api).orgWorkspaces},
	{method: "POST", path: "/orgs/{org}/workspaces", h: (*api).createWorkspace},
	{method: "GET", path: "/orgs/{org}/users", h: (*api).orgUsers},
	{method: "DELETE", path: "/orgs/{org}/users/{user}", h: (*api).removeOrgUser},
	{method: "PUT", path: "/orgs/{org}/admins/{user}", h: (*api).grantOrgAdmin},
	{method: "DELETE", path: "/orgs/{org}/admins/{user}", h: (*api).revokeOrgAdmin},
	{method: "GET", path: "/orgs/{org}/security-policy", h: (*api).getSecurityPolicy},
	{method: "PUT", path: "/orgs/{org}/security-policy", h: (*api).putSecurityPolicy},
	{method: "GET", path: "/orgs/{org}/billing", h: (*api).getBilling},
	{method: "PUT", path: "/orgs/{org}/billing", h: (*api).putBilling},
	{method: "GET", path: "/orgs/{org}/seats", h: (*api).seats},
	{method: "GET", path: "/orgs/{org}/audit-log", h: (*api).auditLog},

	{method: "GET", path: "/workspaces/{workspace}", h: (*api).getWorkspace},
	{method: "PATCH", path: "/workspaces/{workspace}", h: (*api).renameWorkspace},
	{method: "DELETE", path: "/workspaces/{workspace}", h: (*api).deleteWorkspace},
	{method: "GET", path: "/workspaces/{workspace}/permissions", h: (*api).workspacePermissions},
	{method: "GET", path: "/workspaces/{workspace}/members", h: (*api).members},
	{method: "POST", path: "/workspaces/{workspace}/members", h: (*api).addMember},
	{method: "PATCH", path: "/workspaces/{workspace}/members/{user}", h: (*api).setMemberRole},
	{method: "DELETE", path: "/workspaces/{workspace}/members/{user}", h: (*api).removeMember},
	{method: "GET", path: "/workspaces/{workspace}/invitations", h: (*api).invitations},
	{method: "POST", path: "/workspaces/{workspace}/invitations", h: (*api).invite},
}

func (a *api) openAPI(w http.ResponseWriter, _ *http.Request, _ tenancy.Actor) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(openAPI)
	return err
}

// The signed-in user.

func (a *api) getMe(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	u, err := a.svc.User(r.Context(), actor.UserID)
	if err != nil {
		return err
	}
	return ok(w, toUser(u))
}

func (a *api) renameMe(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	var in nameRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return required("name")
	}
	u, err := a.svc.RenameUser(r.Context(), actor.UserID, *in.Name)
	if err != nil {
		return err
	}
	return ok(w, toUser(u))
}

func (a *api) myOrganizations(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgs, err := a.svc.UserOrganizations(r.Context(), actor.UserID)
	if err != nil {
		return err
	}
	return ok(w, listOf(orgs, func(m tenancy.OrgMembership) orgMembershipJSON {
		return orgMembershipJSON{Organization: toOrganization(m.Organization), OrgAdmin: m.OrgAdmin, Workspaces: m.Workspaces}
	}))
}

func (a *api) leaveOrganization(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	if err := a.svc.LeaveOrganization(r.Context(), actor, orgID); err != nil {
		return err
	}
	return noContent(w)
}

func (a *api) myWorkspaces(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	l, err := a.svc.UserWorkspaces(r.Context(), actor.UserID, p)
	if err != nil {
		return err
	}
	return ok(w, pageOf(l, func(m tenancy.Membership) membershipJSON {
		return membershipJSON{Workspace: toWorkspace(m.Workspace), Role: m.Role}
	}))
}

func (a *api) leaveWorkspace(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	if err := a.svc.RemoveMember(r.Context(), actor, wsID, actor.UserID); err != nil {
		return err
	}
	return noContent(w)
}

func (a *api) myInvitations(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	l, err := a.svc.UserInvitations(r.Context(), actor.UserID)
	if err != nil {
		return err
	}
	return ok(w, listOf(l, toInvitationDetails))
}

func (a *api) acceptMyInvitation(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	m, err := a.svc.AcceptInvitationByID(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return ok(w, toMember(m))
}

func (a *api) declineMyInvitation(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	if err := a.svc.DeclineInvitation(r.Context(), actor, id); err != nil {
		return err
	}
	return noContent(w)
}

// Invitations by token and ID.

// token reads the body of the token routes. The token travels in the
// body, never in the URL, so that access logs do not record it.
func (a *api) token(w http.ResponseWriter, r *http.Request) (string, error) {
	var in tokenRequest
	if err := a.decode(w, r, &in); err != nil {
		return "", err
	}
	if in.Token == "" {
		return "", required("token")
	}
	return in.Token, nil
}

func (a *api) previewInvitation(w http.ResponseWriter, r *http.Request, _ tenancy.Actor) error {
	token, err := a.token(w, r)
	if err != nil {
		return err
	}
	d, err := a.svc.InvitationByToken(r.Context(), token)
	if err != nil {
		return err
	}
	return ok(w, toInvitationDetails(d))
}

func (a *api) acceptInvitation(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	token, err := a.token(w, r)
	if err != nil {
		return err
	}
	m, err := a.svc.AcceptInvitation(r.Context(), actor, token)
	if err != nil {
		return err
	}
	return ok(w, toMember(m))
}

func (a *api) revokeInvitation(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	if err := a.svc.RevokeInvitation(r.Context(), actor, id); err != nil {
		return err
	}
	return noContent(w)
}

// Organizations.

func (a *api) getOrganization(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	o, err := a.svc.Organization(r.Context(), actor, orgID)
	if err != nil {
		return err
	}
	return ok(w, toOrganization(o))
}

func (a *api) renameOrganization(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	var in nameRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return required("name")
	}
	o, err := a.svc.RenameOrganization(r.Context(), actor, orgID, *in.Name)
	if err != nil {
		return err
	}
	return ok(w, toOrganization(o))
}

func (a *api) orgPermissions(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	return a.permissions(w, r, actor, tenancy.InOrganization(orgID))
}

func (a *api) permissions(w http.ResponseWriter, r *http.Request, actor tenancy.Actor, sc tenancy.Scope) error {
	p, err := a.svc.Permissions(r.Context(), actor, sc)
	if err != nil {
		return err
	}
	return ok(w, permissionsJSON{Actions: nonNil(p.Actions())})
}

func (a *api) orgWorkspaces(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	l, err := a.svc.OrganizationWorkspaces(r.Context(), actor, orgID, p)
	if err != nil {
		return err
	}
	return ok(w, pageOf(l, toWorkspace))
}

func (a *api) createWorkspace(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	var in nameRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return required("name")
	}
	ws, err := a.svc.CreateWorkspace(r.Context(), actor, orgID, *in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toWorkspace(ws))
}

func (a *api) orgUsers(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	l, err := a.svc.OrganizationUsers(r.Context(), actor, orgID, p)
	if err != nil {
		return err
	}
	return ok(w, pageOf(l, func(u tenancy.OrgUser) orgUserJSON {
		return orgUserJSON{User: toUser(u.User), OrgAdmin: u.OrgAdmin, Workspaces: u.Workspaces}
	}))
}

// orgUser calls fn with the {org} and {user} of the path and answers 204.
func (a *api) orgUser(w http.ResponseWriter, r *http.Request, fn func(orgID, userID uuid.UUID) error) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := fn(orgID, userID); err != nil {
		return err
	}
	return noContent(w)
}

func (a *api) removeOrgUser(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	return a.orgUser(w, r, func(orgID, userID uuid.UUID) error {
		return a.svc.RemoveFromOrganization(r.Context(), actor, orgID, userID)
	})
}

// grantOrgAdmin makes a user of the organization one of its admins. As
// adding a member does, it finds only users holding a role in the
// organization: an unknown ID and an account outside it get the same
// not_found, and nothing about that account (whether it exists, whether
// its address is verified) reaches the caller.
func (a *api) grantOrgAdmin(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	return a.orgUser(w, r, func(orgID, userID uuid.UUID) error {
		ctx := r.Context()
		if err := a.svc.Authorize(ctx, actor, tenancy.ActionManageOrgUsers, tenancy.InOrganization(orgID)); err != nil {
			return err
		}
		if in, err := a.holdsRole(ctx, orgID, userID); err != nil {
			return err
		} else if !in {
			return errNoOrgUserWithID
		}
		return a.svc.GrantOrgAdmin(ctx, actor, orgID, userID)
	})
}

func (a *api) revokeOrgAdmin(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	return a.orgUser(w, r, func(orgID, userID uuid.UUID) error {
		return a.svc.RevokeOrgAdmin(r.Context(), actor, orgID, userID)
	})
}

// orgFor returns the organization of the {org} path value to an actor
// allowed act there. The Service has no getter for the billing details
// or the security policy alone: Organization returns them to any role,
// and this API shows them only to those who may edit them.
func (a *api) orgFor(r *http.Request, actor tenancy.Actor, act tenancy.Action) (tenancy.Organization, error) {
	orgID, err := pathID(r, "org")
	if err != nil {
		return tenancy.Organization{}, err
	}
	if err := a.svc.Authorize(r.Context(), actor, act, tenancy.InOrganization(orgID)); err != nil {
		return tenancy.Organization{}, err
	}
	return a.svc.Organization(r.Context(), actor, orgID)
}

func (a *api) getSecurityPolicy(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	o, err := a.orgFor(r, actor, tenancy.ActionEditSecurityPolicy)
	if err != nil {
		return err
	}
	return ok(w, toPolicy(o.Policy))
}

func (a *api) putSecurityPolicy(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	var in policyJSON
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := in.securityPolicy()
	if err != nil {
		return err
	}
	o, err := a.svc.SetSecurityPolicy(r.Context(), actor, orgID, p)
	if err != nil {
		return err
	}
	return ok(w, toPolicy(o.Policy))
}

func (a *api) getBilling(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	o, err := a.orgFor(r, actor, tenancy.ActionManageBilling)
	if err != nil {
		return err
	}
	return ok(w, billingJSON{Email: o.Billing.Email, CustomerRef: o.Billing.CustomerRef})
}

func (a *api) putBilling(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	var in billingJSON
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	o, err := a.svc.SetBilling(r.Context(), actor, orgID, tenancy.Billing{Email: in.Email, CustomerRef: in.CustomerRef})
	if err != nil {
		return err
	}
	return ok(w, billingJSON{Email: o.Billing.Email, CustomerRef: o.Billing.CustomerRef})
}

func (a *api) seats(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	n, err := a.svc.Seats(r.Context(), actor, orgID)
	if err != nil {
		return err
	}
	return ok(w, seatsJSON{Seats: n})
}

func (a *api) auditLog(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	orgID, err := pathID(r, "org")
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	l, err := a.svc.AuditLog(r.Context(), actor, orgID, p)
	if err != nil {
		return err
	}
	return ok(w, pageOf(l, toAuditEvent))
}

// Workspaces.

func (a *api) getWorkspace(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	ws, err := a.svc.Workspace(r.Context(), actor, wsID)
	if err != nil {
		return err
	}
	return ok(w, toWorkspace(ws))
}

func (a *api) renameWorkspace(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	var in nameRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return required("name")
	}
	ws, err := a.svc.RenameWorkspace(r.Context(), actor, wsID, *in.Name)
	if err != nil {
		return err
	}
	return ok(w, toWorkspace(ws))
}

func (a *api) deleteWorkspace(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteWorkspace(r.Context(), actor, wsID); err != nil {
		return err
	}
	return noContent(w)
}

func (a *api) workspacePermissions(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	return a.permissions(w, r, actor, tenancy.InWorkspace(wsID))
}

func (a *api) members(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	l, err := a.svc.Members(r.Context(), actor, wsID, p)
	if err != nil {
		return err
	}
	return ok(w, pageOf(l, toMember))
}

// errNoUserWithEmail is adding a member by an address no user of the
// organization has: the UI offers an invitation instead.
var errNoUserWithEmail = fmt.Errorf("%w: no user has this address; invite it instead", tenancy.ErrNotFound)

// errNoUserWithID is adding a member by an ID no user of the organization
// has.
var errNoUserWithID = fmt.Errorf("%w: no user of the organization has this ID; invite its address instead", tenancy.ErrNotFound)

// errNoOrgUserWithID is granting the Organization Admin role to an ID no
// user of the organization has.
var errNoOrgUserWithID = fmt.Errorf("%w: no user of the organization has this ID", tenancy.ErrNotFound)

func (a *api) addMember(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	var in addMemberRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	switch {
	case (in.UserID == "") == (in.Email == ""):
		return invalidf("give one of user_id and email")
	case in.Role == "":
		return required("role")
	}
	var userID uuid.UUID
	if in.UserID != "" {
		if userID, err = parseUUID(in.UserID); err != nil {
			return invalidf("user_id is not a UUID")
		}
	}
	u, err := a.userOfOrganization(r, actor, wsID, in.Email, userID)
	if err != nil {
		return err
	}
	m, err := a.svc.AddMember(r.Context(), actor, wsID, u.ID, tenancy.Role(in.Role))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toMember(m))
}

// userOfOrganization finds the user with an address, or else with an ID,
// among the users of the workspace's organization, for an actor who may
// add members there. No such user, and a user of another organization
// only, get the same not_found: an admin learns nothing about accounts
// outside its organization, whether it names them by address or by ID
// (invite such an address instead).
func (a *api) userOfOrganization(r *http.Request, actor tenancy.Actor, wsID uuid.UUID, email string, id uuid.UUID) (tenancy.User, error) {
	ctx := r.Context()
	if err := a.svc.Authorize(ctx, actor, tenancy.ActionManageMembers, tenancy.InWorkspace(wsID)); err != nil {
		return tenancy.User{}, err
	}
	ws, err := a.svc.Workspace(ctx, actor, wsID)
	if err != nil {
		return tenancy.User{}, err
	}
	var u tenancy.User
	notFound := errNoUserWithEmail
	if email != "" {
		u, err = a.svc.UserByEmail(ctx, email)
	} else {
		notFound = errNoUserWithID
		u, err = a.svc.User(ctx, id)
	}
	if err != nil {
		if errors.Is(err, tenancy.ErrNotFound) {
			return tenancy.User{}, notFound
		}
		return tenancy.User{}, err
	}
	switch in, err := a.holdsRole(ctx, ws.OrgID, u.ID); {
	case err != nil:
		return tenancy.User{}, err
	case !in:
		return tenancy.User{}, notFound
	}
	return u, nil
}

// holdsRole reports whether userID holds a role in orgID (Organization
// Admin, or member of one of its workspaces); false for an unknown user.
func (a *api) holdsRole(ctx context.Context, orgID, userID uuid.UUID) (bool, error) {
	orgs, err := a.svc.UserOrganizations(ctx, userID)
	if errors.Is(err, tenancy.ErrNotFound) { // no such user, or deleted meanwhile
		return false, nil
	} else if err != nil {
		return false, err
	}
	for _, m := range orgs {
		if m.Organization.ID == orgID {
			return true, nil
		}
	}
	return false, nil
}

func (a *api) setMemberRole(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in roleRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Role == "" {
		return required("role")
	}
	m, err := a.svc.SetMemberRole(r.Context(), actor, wsID, userID, tenancy.Role(in.Role))
	if err != nil {
		return err
	}
	return ok(w, toMember(m))
}

func (a *api) removeMember(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := a.svc.RemoveMember(r.Context(), actor, wsID, userID); err != nil {
		return err
	}
	return noContent(w)
}

func (a *api) invitations(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	l, err := a.svc.Invitations(r.Context(), actor, wsID, p)
	if err != nil {
		return err
	}
	return ok(w, pageOf(l, toInvitation))
}

func (a *api) invite(w http.ResponseWriter, r *http.Request, actor tenancy.Actor) error {
	wsID, err := pathID(r, "workspace")
	if err != nil {
		return err
	}
	var in inviteRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	switch {
	case in.Email == "":
		return required("email")
	case in.Role == "":
		return required("role")
	}
	inv, token, err := a.svc.Invite(r.Context(), actor, wsID, in.Email, tenancy.Role(in.Role))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, createdInvitationJSON{Invitation: toInvitation(inv), Token: token})
}

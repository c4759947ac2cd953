package tenancyui

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
)

// routes registers the console's pages. Paths are relative to the prefix
// the console is mounted under.
func (h *handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /console.css", h.serveCSS)

	m.Handle("GET /{$}", h.page(h.home))
	m.Handle("GET /switch", h.page(h.switchOrg))

	m.Handle("GET /workspaces", h.page(h.manage))
	m.Handle("GET /workspaces/new", h.page(h.newWorkspace))
	m.Handle("POST /workspaces", h.form(h.createWorkspace))
	m.Handle("GET /workspaces/{ws}", h.page(h.workspace))
	m.Handle("GET /workspaces/{ws}/settings", h.page(h.settings))
	m.Handle("POST /workspaces/{ws}/rename", h.form(h.renameWorkspace))
	m.Handle("GET /workspaces/{ws}/delete", h.page(h.confirmDeleteWorkspace))
	m.Handle("POST /workspaces/{ws}/delete", h.form(h.deleteWorkspace))
	m.Handle("GET /workspaces/{ws}/leave", h.page(h.confirmLeaveWorkspace))
	m.Handle("POST /workspaces/{ws}/leave", h.form(h.leaveWorkspace))
	m.Handle("POST /workspaces/{ws}/invitations", h.form(h.invite))
	m.Handle("POST /workspaces/{ws}/invitations/{inv}/revoke", h.form(h.revokeInvitation))
	m.Handle("POST /workspaces/{ws}/members/{user}/role", h.form(h.setMemberRole))
	m.Handle("POST /workspaces/{ws}/members/{user}/remove", h.form(h.removeMember))

	m.Handle("GET /invitations", h.page(h.invitations))
	m.Handle("POST /invitations/{inv}/accept", h.form(h.acceptInvitation))
	m.Handle("POST /invitations/{inv}/decline", h.form(h.declineInvitation))
	m.Handle("GET /join/{token}", h.public(h.join))
	m.Handle("POST /join/{token}", h.form(h.acceptByToken))

	m.Handle("GET /orgs/{org}", h.page(h.organization))
	m.Handle("POST /orgs/{org}/rename", h.form(h.renameOrganization))
	m.Handle("GET /orgs/{org}/leave", h.page(h.confirmLeaveOrganization))
	m.Handle("POST /orgs/{org}/leave", h.form(h.leaveOrganization))
	m.Handle("GET /orgs/{org}/users", h.page(h.users))
	m.Handle("POST /orgs/{org}/users/{user}/grant-admin", h.form(h.grantOrgAdmin))
	m.Handle("POST /orgs/{org}/users/{user}/revoke-admin", h.form(h.revokeOrgAdmin))
	m.Handle("POST /orgs/{org}/users/{user}/remove", h.form(h.removeFromOrganization))
	m.Handle("GET /orgs/{org}/security", h.page(h.security))
	m.Handle("POST /orgs/{org}/security", h.form(h.saveSecurity))
	m.Handle("GET /orgs/{org}/billing", h.page(h.billing))
	m.Handle("POST /orgs/{org}/billing", h.form(h.saveBilling))
	m.Handle("GET /orgs/{org}/audit", h.page(h.audit))

	m.Handle("/", h.public(func(q *request) error { return errBadID }))
	h.mux = m
}

// confirmData is the data of confirm.html: a question and the button
// that POSTs the answer.
type confirmData struct {
	Message string
	Action  string // the form's action, under the base
	Button  string
	Cancel  string // where "Cancel" leads, under the base
	Danger  bool
}

// require checks an action the page is about to offer, so that a denial
// renders its reason before anything else is read.
func (q *request) require(act tenancy.Action, sc tenancy.Scope) error {
	return q.h.svc.Authorize(q.r.Context(), q.actor, act, sc)
}

// switchOrg is the organization switcher's target: it opens the chosen
// organization.
func (h *handler) switchOrg(q *request) error {
	id, err := q.formID("org")
	if err != nil {
		http.Redirect(q.w, q.r, q.base+"/", http.StatusSeeOther)
		return nil
	}
	http.Redirect(q.w, q.r, q.base+"/orgs/"+id.String(), http.StatusSeeOther)
	return nil
}

// orgName finds the name of one of the user's organizations, "" if it is
// not among them.
func orgName(orgs []tenancy.OrgMembership, id uuid.UUID) string {
	for _, o := range orgs {
		if o.Organization.ID == id {
			return o.Organization.Name
		}
	}
	return ""
}

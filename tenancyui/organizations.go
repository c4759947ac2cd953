package tenancyui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
)

// orgNav is what every organization page shows above its content: the
// organization and the tabs the user may open.
type orgNav struct {
	Org tenancy.Organization
	// Tab is the open tab: "overview", "users", "security", "billing" or
	// "audit".
	Tab                                       string
	CanCreate, CanRename                      bool
	CanUsers, CanSecurity, CanBilling, CanLog bool
}

// loadOrg reads the organization of the path (any role in it) and the
// user's permissions there.
func (q *request) loadOrg(tab string) (orgNav, error) {
	ctx := q.r.Context()
	id, err := q.pathID("org")
	if err != nil {
		return orgNav{}, err
	}
	org, err := q.h.svc.Organization(ctx, q.actor, id)
	if err != nil {
		return orgNav{}, err
	}
	p, err := q.h.svc.Permissions(ctx, q.actor, tenancy.InOrganization(id))
	if err != nil {
		return orgNav{}, err
	}
	return orgNav{
		Org: org, Tab: tab,
		CanCreate:   p.Allows(tenancy.ActionCreateWorkspace),
		CanRename:   p.Allows(tenancy.ActionEditOrganization),
		CanUsers:    p.Allows(tenancy.ActionManageOrgUsers),
		CanSecurity: p.Allows(tenancy.ActionEditSecurityPolicy),
		CanBilling:  p.Allows(tenancy.ActionManageBilling),
		CanLog:      p.Allows(tenancy.ActionViewAuditLog),
	}, nil
}

func orgPath(id uuid.UUID, rest string) string { return "/orgs/" + id.String() + rest }

// organizationData is the data of organization.html.
type organizationData struct {
	Nav        orgNav
	Workspaces []tenancy.Workspace
	Next       string
	// OrgAdmin reports whether the user is an Organization Admin here.
	OrgAdmin bool
}

// organization shows an organization, the workspaces the user may view in
// it, and the Leave organization button.
func (h *handler) organization(q *request) error {
	nav, err := q.loadOrg("overview")
	if err != nil {
		return err
	}
	list, err := h.svc.OrganizationWorkspaces(q.r.Context(), q.actor, nav.Org.ID, tenancy.Page{After: q.r.FormValue("after")})
	if err != nil {
		return err
	}
	d := organizationData{Nav: nav, Workspaces: list.Items, Next: list.Next, OrgAdmin: nav.CanUsers}
	return q.render("organization.html", http.StatusOK, Page{Title: nav.Org.Name, Section: "org", CurrentOrg: nav.Org.ID, Data: d})
}

// renameOrganization renames an organization.
func (h *handler) renameOrganization(q *request) error {
	id, err := q.pathID("org")
	if err != nil {
		return err
	}
	org, err := h.svc.RenameOrganization(q.r.Context(), q.actor, id, q.r.PostForm.Get("name"))
	if err != nil {
		return q.formError(orgPath(id, ""), err)
	}
	return q.done(orgPath(id, ""), "Organization renamed to "+org.Name+".")
}

// confirmLeaveOrganization asks before leaving an organization.
func (h *handler) confirmLeaveOrganization(q *request) error {
	id, err := q.pathID("org")
	if err != nil {
		return err
	}
	org, err := h.svc.Organization(q.r.Context(), q.actor, id)
	if err != nil {
		return err
	}
	return q.render("confirm.html", http.StatusOK, Page{Title: "Leave " + org.Name + "?", Section: "org", CurrentOrg: id, Data: confirmData{
		Message: "You will lose every role you hold in " + org.Name + ": Organization Admin, and membership of all its workspaces. Invitations you sent there are revoked. Only a new invitation brings you back.",
		Action:  orgPath(id, "/leave"), Button: "Leave organization", Cancel: orgPath(id, ""), Danger: true,
	}})
}

// leaveOrganization drops every role the user holds in an organization.
func (h *handler) leaveOrganization(q *request) error {
	id, err := q.pathID("org")
	if err != nil {
		return err
	}
	org, err := h.svc.Organization(q.r.Context(), q.actor, id)
	if err != nil {
		return err
	}
	if err := h.svc.LeaveOrganization(q.r.Context(), q.actor, id); err != nil {
		if errors.Is(err, tenancy.ErrLastAdmin) {
			return q.redirect(orgPath(id, ""), &Flash{Error: true, Text: "You cannot leave " + org.Name + " yet: you are its last Organization Admin, or the last Admin of one of its workspaces. Make someone else an admin first."})
		}
		return q.formError(orgPath(id, ""), err)
	}
	return q.done("/", "You left "+org.Name+".")
}

// usersData is the data of users.html.
type usersData struct {
	Nav   orgNav
	Users []tenancy.OrgUser
	Next  string
	Me    uuid.UUID
}

// users lists the organization's users with the Organization Admin role.
func (h *handler) users(q *request) error {
	nav, err := q.loadOrg("users")
	if err != nil {
		return err
	}
	list, err := h.svc.OrganizationUsers(q.r.Context(), q.actor, nav.Org.ID, tenancy.Page{After: q.r.FormValue("after")})
	if err != nil {
		return err
	}
	d := usersData{Nav: nav, Users: list.Items, Next: list.Next, Me: q.actor.UserID}
	return q.render("users.html", http.StatusOK, Page{Title: "Users", Section: "org", CurrentOrg: nav.Org.ID, Data: d})
}

// errNotOrgUser answers a user ID that names no user of the
// organization, whether the account does not exist or belongs elsewhere.
var errNotOrgUser = fmt.Errorf("%w: no user of the organization has this ID", tenancy.ErrNotFound)

// orgUser returns a user holding a role in the organization orgID. It
// returns errNotOrgUser, alike, for an unknown ID and for an account that
// holds no role there: the console names only the organization's own
// users (Service.User is a host-level call), so that an admin learns
// nothing about other accounts. Call it once the actor is authorized in
// the organization, or show what it returns only then.
func (h *handler) orgUser(ctx context.Context, orgID, userID uuid.UUID) (tenancy.User, error) {
	orgs, err := h.svc.UserOrganizations(ctx, userID)
	if errors.Is(err, tenancy.ErrNotFound) {
		return tenancy.User{}, errNotOrgUser
	} else if err != nil {
		return tenancy.User{}, err
	}
	if !slices.ContainsFunc(orgs, func(m tenancy.OrgMembership) bool { return m.Organization.ID == orgID }) {
		return tenancy.User{}, errNotOrgUser
	}
	u, err := h.svc.User(ctx, userID)
	if errors.Is(err, tenancy.ErrNotFound) { // deleted meanwhile
		return tenancy.User{}, errNotOrgUser
	}
	return u, err
}

// orgUserAction runs an action on one of the organization's users.
// success is the message, with %s for the user's address; leaving tells
// that removing oneself leaves the organization. The actor must be
// allowed to manage the organization's users before the target is looked
// up, and a target outside the organization gets the answer of an
// unknown ID.
func (h *handler) orgUserAction(q *request, do func(org, user uuid.UUID) error, success string, removal bool) error {
	org, err := q.pathID("org")
	if err != nil {
		return err
	}
	user, err := q.pathID("user")
	if err != nil {
		return err
	}
	back := orgPath(org, "/users")
	if err := q.require(tenancy.ActionManageOrgUsers, tenancy.InOrganization(org)); err != nil {
		return q.formError(back, err)
	}
	u, err := h.orgUser(q.r.Context(), org, user)
	if err != nil {
		return err
	}
	if err := do(org, user); err != nil {
		if errors.Is(err, tenancy.ErrAlreadyExists) {
			return q.redirect(back, &Flash{Error: true, Text: u.Email + " is already an Organization Admin."})
		}
		if errors.Is(err, tenancy.ErrInvalidInput) && !u.EmailVerified {
			return q.redirect(back, &Flash{Error: true, Text: u.Email + " has not verified their address yet, so they cannot be an Organization Admin."})
		}
		return q.formError(back, err)
	}
	if removal && user == q.actor.UserID {
		return q.done("/", "You left the organization.")
	}
	return q.done(back, strings.Replace(success, "%s", u.Email, 1))
}

// grantOrgAdmin makes a user an Organization Admin.
func (h *handler) grantOrgAdmin(q *request) error {
	return h.orgUserAction(q, func(org, user uuid.UUID) error {
		return h.svc.GrantOrgAdmin(q.r.Context(), q.actor, org, user)
	}, "%s is now an Organization Admin.", false)
}

// revokeOrgAdmin takes the Organization Admin role from a user.
func (h *handler) revokeOrgAdmin(q *request) error {
	return h.orgUserAction(q, func(org, user uuid.UUID) error {
		return h.svc.RevokeOrgAdmin(q.r.Context(), q.actor, org, user)
	}, "%s is no longer an Organization Admin.", false)
}

// removeFromOrganization removes every role a user holds in the
// organization.
func (h *handler) removeFromOrganization(q *request) error {
	return h.orgUserAction(q, func(org, user uuid.UUID) error {
		return h.svc.RemoveFromOrganization(q.r.Context(), q.actor, org, user)
	}, "%s was removed from the organization.", true)
}

// securityData is the data of security.html: the policy as the form
// shows it.
type securityData struct {
	Nav               orgNav
	Policy            tenancy.SecurityPolicy
	MaxSessionMinutes string
	InvitationDays    string
	AllowedIPs        string
	AllowedDomains    string
	AutoJoinDomains   string
	// Workspaces are the organization's workspaces, for auto-join.
	Workspaces []autoJoinRow
	Roles      []tenancy.Role
}

// autoJoinRow is a workspace and whether auto-join lists it.
type autoJoinRow struct {
	Workspace tenancy.Workspace
	Checked   bool
}

// security shows the organization's security policy form.
func (h *handler) security(q *request) error {
	nav, err := q.loadOrg("security")
	if err != nil {
		return err
	}
	if !nav.CanSecurity {
		if err := q.require(tenancy.ActionEditSecurityPolicy, tenancy.InOrganization(nav.Org.ID)); err != nil {
			return err
		}
	}
	p := nav.Org.Policy
	d := securityData{Nav: nav, Policy: p, Roles: h.svc.Policy().WorkspaceRoles()}
	if p.MaxSessionAge > 0 {
		d.MaxSessionMinutes = strconv.FormatInt(int64(p.MaxSessionAge/time.Minute), 10)
	}
	if p.InvitationTTL > 0 {
		d.InvitationDays = strconv.FormatFloat(p.InvitationTTL.Hours()/24, 'f', -1, 64)
	}
	ips := make([]string, len(p.AllowedIPs))
	for i, pr := range p.AllowedIPs {
		ips[i] = pr.String()
	}
	d.AllowedIPs = strings.Join(ips, "\n")
	d.AllowedDomains = strings.Join(p.AllowedEmailDomains, "\n")
	d.AutoJoinDomains = strings.Join(p.AutoJoin.Domains, "\n")
	list, err := h.svc.OrganizationWorkspaces(q.r.Context(), q.actor, nav.Org.ID, tenancy.Page{Limit: tenancy.MaxPageSize})
	if err != nil {
		return err
	}
	for _, ws := range list.Items {
		d.Workspaces = append(d.Workspaces, autoJoinRow{ws, slices.Contains(p.AutoJoin.Workspaces, ws.ID)})
	}
	return q.render("security.html", http.StatusOK, Page{Title: "Security policy", Section: "org", CurrentOrg: nav.Org.ID, Data: d})
}

// saveSecurity saves the security policy form.
func (h *handler) saveSecurity(q *request) error {
	id, err := q.pathID("org")
	if err != nil {
		return err
	}
	back := orgPath(id, "/security")
	p, err := parsePolicy(q.r.PostForm)
	if err != nil {
		return q.redirect(back, &Flash{Error: true, Text: err.Error()})
	}
	if _, err := h.svc.SetSecurityPolicy(q.r.Context(), q.actor, id, p); err != nil {
		return q.formError(back, err)
	}
	return q.done(back, "Security policy saved. It applies to every workspace of the organization.")
}

// formMistake is a mistake in a form, written for the person who made it.
type formMistake string

func (m formMistake) Error() string { return string(m) }

// maxSessionAge is the largest maximum session age the security form
// takes: more would be no limit in practice, and far more overflows
// time.Duration.
const maxSessionAge = 366 * 24 * time.Hour

// parsePolicy reads the security policy form. Its errors are sentences
// for the person who filled it.
func parsePolicy(f map[string][]string) (tenancy.SecurityPolicy, error) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	lines := func(k string) []string {
		var out []string
		for _, l := range strings.FieldsFunc(get(k), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	p := tenancy.SecurityPolicy{
		RequireMFA:          get("require_mfa") != "",
		RequireSSO:          get("require_sso") != "",
		AllowedEmailDomains: lines("allowed_domains"),
	}
	if s := get("max_session_minutes"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return p, formMistake("Maximum session age must be a whole number of minutes.")
		}
		if n > int64(maxSessionAge/time.Minute) {
			return p, formMistake(fmt.Sprintf("Maximum session age must be at most %d minutes (%d days).",
				maxSessionAge/time.Minute, maxSessionAge/(24*time.Hour)))
		}
		p.MaxSessionAge = time.Duration(n) * time.Minute
	}
	if s := get("invitation_days"); s != "" {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || !(n >= 0 && n <= 10000) { // NaN too
			return p, formMistake("Invitation lifetime must be a number of days.")
		}
		p.InvitationTTL = time.Duration(n * float64(24*time.Hour))
	}
	for _, s := range lines("allowed_ips") {
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return p, formMistake("Allowed networks: " + strconv.Quote(s) + " is not an IP address or a network such as 192.0.2.0/24.")
			}
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		p.AllowedIPs = append(p.AllowedIPs, pr)
	}
	for _, s := range f["autojoin_workspace"] {
		id, err := uuid.Parse(s)
		if err != nil {
			return p, formMistake("Auto-join lists an unknown workspace.")
		}
		p.AutoJoin.Workspaces = append(p.AutoJoin.Workspaces, id)
	}
	p.AutoJoin.Role = tenancy.Role(get("autojoin_role"))
	p.AutoJoin.Domains = lines("autojoin_domains")
	return p, nil
}

// billingData is the data of billing.html.
type billingData struct {
	Nav   orgNav
	Seats int
}

// billing shows the billing details and the seat count.
func (h *handler) billing(q *request) error {
	nav, err := q.loadOrg("billing")
	if err != nil {
		return err
	}
	seats, err := h.svc.Seats(q.r.Context(), q.actor, nav.Org.ID)
	if err != nil {
		return err
	}
	return q.render("billing.html", http.StatusOK, Page{Title: "Billing and seats", Section: "org", CurrentOrg: nav.Org.ID,
		Data: billingData{Nav: nav, Seats: seats}})
}

// saveBilling saves the billing details.
func (h *handler) saveBilling(q *request) error {
	id, err := q.pathID("org")
	if err != nil {
		return err
	}
	b := tenancy.Billing{Email: q.r.PostForm.Get("email"), CustomerRef: q.r.PostForm.Get("customer_ref")}
	if _, err := h.svc.SetBilling(q.r.Context(), q.actor, id, b); err != nil {
		return q.formError(orgPath(id, "/billing"), err)
	}
	return q.done(orgPath(id, "/billing"), "Billing details saved.")
}

// auditData is the data of audit.html.
type auditData struct {
	Nav    orgNav
	Events []auditRow
	Next   string
	// First reports whether this is the newest page.
	First bool
}

// auditRow is an event with its actor's address.
type auditRow struct {
	Event tenancy.AuditEvent
	// Actor names the acting user: its address if it holds a role in the
	// organization, else the address the event recorded for it, if any;
	// "Support" for an operator; "" otherwise (a former member whose
	// address the event does not hold).
	Actor   string
	Details []detail
}

// detail is one entry of an event's details.
type detail struct{ Key, Value string }

// audit shows the organization's audit log, newest first, a page at a
// time. Actors are named from what the organization may know: the
// current address of its own users, else the address the event recorded;
// never the current address of an account that left.
func (h *handler) audit(q *request) error {
	ctx := q.r.Context()
	nav, err := q.loadOrg("audit")
	if err != nil {
		return err
	}
	after := q.r.FormValue("after")
	list, err := h.svc.AuditLog(ctx, q.actor, nav.Org.ID, tenancy.Page{After: after})
	if err != nil {
		return err
	}
	d := auditData{Nav: nav, Next: list.Next, First: after == ""}
	emails := map[uuid.UUID]string{} // users of the organization on this page; "" for others
	for _, e := range list.Items {
		row := auditRow{Event: e}
		if e.ActorID == uuid.Nil {
			row.Actor = "Support"
		} else {
			email, ok := emails[e.ActorID]
			if !ok {
				u, err := h.orgUser(ctx, nav.Org.ID, e.ActorID)
				if err != nil && !errors.Is(err, errNotOrgUser) {
					return err
				}
				email, emails[e.ActorID] = u.Email, u.Email
			}
			if email == "" {
				email = recordedActorEmail(e)
			}
			row.Actor = email
		}
		for _, k := range slices.Sorted(maps.Keys(e.Details)) {
			row.Details = append(row.Details, detail{k, e.Details[k]})
		}
		d.Events = append(d.Events, row)
	}
	return q.render("audit.html", http.StatusOK, Page{Title: "Audit log", Section: "org", CurrentOrg: nav.Org.ID, Data: d})
}

// recordedActorEmail is the address an event recorded for its actor, ""
// if none: the user's own when it acted on itself (joining, leaving,
// signing up), or the invitee's on accepting or declining an invitation.
// Other events record the address of their target only.
func recordedActorEmail(e tenancy.AuditEvent) string {
	switch {
	case e.TargetID == e.ActorID,
		e.Action == tenancy.EventInvitationAccepted,
		e.Action == tenancy.EventInvitationDeclined:
		return e.Details[tenancy.DetailEmail]
	}
	return ""
}

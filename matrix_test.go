package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/internal/storetesting"
)

// The privilege matrix: every Service method that takes an Actor, against
// every kind of actor, with the outcome the SPEC's tables give. Denied
// calls must change nothing, and a caller with no role must get the same
// ErrNotFound message as for an ID that does not exist.

// mxRole is what an actor holds in the organization under test.
type mxRole int

const (
	mxNone         mxRole = iota // no role in the organization
	mxMember                     // Member of workspace W
	mxOtherWSAdmin               // Admin of workspace W2, not a member of W
	mxWSAdmin                    // Admin of W
	mxOrgAdmin                   // Organization Admin, member of no workspace
)

// mxActor is a kind of actor.
type mxActor struct {
	name    string
	role    mxRole
	invitee bool // the address of the pending invitation to W
	deleted bool // the user was deleted
	user    func(*mxEnv) uuid.UUID
	session func(*mxEnv, *tenancy.Actor) // spoils a compliant session; nil keeps it
	code    tenancy.DenialCode           // the session requirement it fails
}

var mxActors = []mxActor{
	{name: "stranger at a subdomain, invited", role: mxNone, invitee: true, user: func(e *mxEnv) uuid.UUID { return e.stranger }},
	{name: "personal address", role: mxNone, user: func(e *mxEnv) uuid.UUID { return e.personal }},
	{name: "member", role: mxMember, user: func(e *mxEnv) uuid.UUID { return e.member }},
	{name: "admin of another workspace", role: mxOtherWSAdmin, user: func(e *mxEnv) uuid.UUID { return e.otherWSAdmin }},
	{name: "workspace admin", role: mxWSAdmin, user: func(e *mxEnv) uuid.UUID { return e.wsAdmin }},
	{name: "org admin of another org", role: mxNone, user: func(e *mxEnv) uuid.UUID { return e.foreignAdmin }},
	{name: "org admin", role: mxOrgAdmin, user: func(e *mxEnv) uuid.UUID { return e.orgAdmin }},
	{name: "removed user", role: mxNone, user: func(e *mxEnv) uuid.UUID { return e.removed }},
	{name: "deleted user", role: mxNone, deleted: true, user: func(e *mxEnv) uuid.UUID { return e.deleted }},
	{name: "org admin without MFA", role: mxOrgAdmin, code: tenancy.DeniedMFA,
		user: func(e *mxEnv) uuid.UUID { return e.orgAdmin }, session: func(_ *mxEnv, a *tenancy.Actor) { a.MFA = false }},
	{name: "org admin from a foreign IP", role: mxOrgAdmin, code: tenancy.DeniedIP,
		user: func(e *mxEnv) uuid.UUID { return e.orgAdmin }, session: func(_ *mxEnv, a *tenancy.Actor) { a.IP = netip.MustParseAddr("192.0.2.1") }},
	{name: "org admin with an old session", role: mxOrgAdmin, code: tenancy.DeniedSessionAge,
		user: func(e *mxEnv) uuid.UUID { return e.orgAdmin }, session: func(e *mxEnv, a *tenancy.Actor) { a.AuthenticatedAt = e.now.Add(-2 * time.Hour) }},
	{name: "workspace admin without MFA", role: mxWSAdmin, code: tenancy.DeniedMFA,
		user: func(e *mxEnv) uuid.UUID { return e.wsAdmin }, session: func(_ *mxEnv, a *tenancy.Actor) { a.MFA = false }},
	{name: "member without MFA", role: mxMember, code: tenancy.DeniedMFA,
		user: func(e *mxEnv) uuid.UUID { return e.member }, session: func(_ *mxEnv, a *tenancy.Actor) { a.MFA = false }},
}

// mxEnv is an organization (acme.com) whose policy requires MFA, an
// allowed IP range and a session under an hour old, with two workspaces
// and a user of each kind.
type mxEnv struct {
	ctx    context.Context
	store  tenancy.Store
	svc    *tenancy.Service
	now    time.Time
	events int

	org, foreign                  tenancy.Organization
	w, w2                         tenancy.Workspace
	founder                       tenancy.Actor
	stranger, personal, member    uuid.UUID
	otherWSAdmin, wsAdmin         uuid.UUID
	foreignAdmin, orgAdmin        uuid.UUID
	removed, deleted              uuid.UUID
	target, secondOrgAdmin, grant uuid.UUID // subjects of changes
	inv, otherInv                 tenancy.Invitation
	token                         string
	seeds                         snapSeeds
}

var mxIP = netip.MustParseAddr("10.1.2.3")

// compliant returns a session that satisfies the organization's policy.
func (e *mxEnv) compliant(id uuid.UUID) tenancy.Actor {
	return tenancy.Actor{UserID: id, MFA: true, IP: mxIP, AuthenticatedAt: e.now}
}

func newMxEnv(t *testing.T) *mxEnv {
	t.Helper()
	e := &mxEnv{ctx: context.Background(), store: storetesting.Open(t, storetesting.Kind()), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	e.svc = tenancy.New(e.store, tenancy.WithClock(func() time.Time { return e.now }),
		tenancy.WithEventHandler(func(context.Context, tenancy.AuditEvent) { e.events++ }))
	ctx, svc := e.ctx, e.svc
	signUp := func(email string) uuid.UUID {
		res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		require.NoError(t, err)
		switch {
		case res.CreatedOrganization && res.Organization.Domain == "acme.com":
			e.org = *res.Organization
		case res.CreatedOrganization:
			e.foreign = *res.Organization
		}
		return res.User.ID
	}
	e.founder = e.compliant(signUp("ann@acme.com"))
	var err error
	e.w, err = svc.CreateWorkspace(ctx, e.founder, e.org.ID, "W")
	require.NoError(t, err)
	e.w2, err = svc.CreateWorkspace(ctx, e.founder, e.org.ID, "W2")
	require.NoError(t, err)
	add := func(ws tenancy.Workspace, user uuid.UUID, r tenancy.Role) {
		_, err := svc.AddMember(ctx, e.founder, ws.ID, user, r)
		require.NoError(t, err)
	}
	e.stranger = signUp("sam@eng.acme.com")
	e.personal = signUp("pat@gmail.com")
	e.member = signUp("mia@gmail.com")
	add(e.w, e.member, tenancy.RoleMember)
	e.otherWSAdmin = signUp("oscar@gmail.com")
	add(e.w2, e.otherWSAdmin, tenancy.RoleAdmin)
	e.wsAdmin = signUp("wes@gmail.com")
	add(e.w, e.wsAdmin, tenancy.RoleAdmin)
	e.foreignAdmin = signUp("olga@globex.io")
	e.orgAdmin = signUp("oli@acme.com")
	require.NoError(t, svc.GrantOrgAdmin(ctx, e.founder, e.org.ID, e.orgAdmin))
	e.secondOrgAdmin = signUp("dan@acme.com")
	require.NoError(t, svc.GrantOrgAdmin(ctx, e.founder, e.org.ID, e.secondOrgAdmin))
	e.removed = signUp("rex@gmail.com")
	add(e.w, e.removed, tenancy.RoleMember)
	require.NoError(t, svc.RemoveFromOrganization(ctx, e.founder, e.org.ID, e.removed))
	e.deleted = signUp("del@gmail.com")
	add(e.w, e.deleted, tenancy.RoleMember)
	require.NoError(t, svc.DeleteUser(ctx, e.deleted))
	e.target = signUp("tom@gmail.com")
	add(e.w, e.target, tenancy.RoleMember)
	e.grant = signUp("gil@acme.com")
	e.inv, e.token, err = svc.Invite(ctx, e.founder, e.w.ID, "sam@eng.acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	e.otherInv, _, err = svc.Invite(ctx, e.founder, e.w.ID, "ivan@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	_, err = svc.SetSecurityPolicy(ctx, e.founder, e.org.ID, tenancy.SecurityPolicy{
		RequireMFA: true, MaxSessionAge: time.Hour, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	require.NoError(t, err)
	e.seeds = snapSeeds{
		Users: []uuid.UUID{e.founder.UserID, e.stranger, e.personal, e.member, e.otherWSAdmin, e.wsAdmin,
			e.foreignAdmin, e.orgAdmin, e.secondOrgAdmin, e.removed, e.deleted, e.target, e.grant},
		Orgs:        []uuid.UUID{e.org.ID, e.foreign.ID},
		Workspaces:  []uuid.UUID{e.w.ID, e.w2.ID},
		Invitations: []uuid.UUID{e.inv.ID, e.otherInv.ID},
		Emails:      []string{"new@gmail.com"},
		Domains:     []string{"acme.com", "globex.io"},
	}
	e.events = 0
	return e
}

// mxAccess is the access rule of a method, from the SPEC's tables.
type mxAccess int

const (
	mxNeedsOrgAdmin mxAccess = iota // an organization action
	mxNeedsWSAdmin                  // a workspace action of Admins
	mxNeedsWSRole                   // a workspace action of Members
	mxNeedsAnyRole                  // any role in the organization
	mxSelfInW                       // the actor's own membership of W
	mxInviteeToken                  // the invitee, by token
	mxInviteeID                     // the invitee, by invitation ID
)

// Outcomes.
const (
	mxOK        = "allowed"
	mxForbidden = "forbidden"
	mxNotFound  = "not found"
	mxInvalid   = "invalid invitation"
)

// expected returns the outcome the SPEC gives actor k for access rule r.
func (r mxAccess) expected(k mxActor) string {
	switch r {
	case mxInviteeToken, mxInviteeID:
		switch {
		case k.invitee:
			return mxOK
		case r == mxInviteeID:
			return mxNotFound // and ErrInvitation, one message for every ID
		case k.deleted:
			return mxNotFound // no such user
		}
		return mxInvalid
	}
	if k.role == mxNone {
		return mxNotFound
	}
	if k.code != "" {
		return mxForbidden
	}
	switch r {
	case mxNeedsOrgAdmin:
		if k.role == mxOrgAdmin {
			return mxOK
		}
	case mxNeedsWSAdmin:
		if k.role == mxOrgAdmin || k.role == mxWSAdmin {
			return mxOK
		}
	case mxNeedsWSRole:
		if k.role == mxOrgAdmin || k.role == mxWSAdmin || k.role == mxMember {
			return mxOK
		}
	case mxNeedsAnyRole:
		return mxOK
	case mxSelfInW:
		if k.role == mxMember || k.role == mxWSAdmin {
			return mxOK
		}
		return mxNotFound // a role in the organization, but not a member of W
	}
	return mxForbidden
}

// outcome classifies a method's error.
func mxOutcome(err error) string {
	switch {
	case err == nil:
		return mxOK
	case errors.Is(err, tenancy.ErrNotFound):
		return mxNotFound
	case errors.Is(err, tenancy.ErrForbidden):
		return mxForbidden
	case errors.Is(err, tenancy.ErrInvitation):
		return mxInvalid
	}
	return "unexpected: " + err.Error()
}

// mxMethod is a Service method called with an actor on the object its
// access rule is about (id: W, the organization, or an invitation), so
// that it can also be called on an ID that does not exist.
type mxMethod struct {
	name   string
	access mxAccess
	scope  func(e *mxEnv) uuid.UUID
	call   func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error
}

func mxMethods() []mxMethod {
	org := func(e *mxEnv) uuid.UUID { return e.org.ID }
	w := func(e *mxEnv) uuid.UUID { return e.w.ID }
	inv := func(e *mxEnv) uuid.UUID { return e.inv.ID }
	otherInv := func(e *mxEnv) uuid.UUID { return e.otherInv.ID }
	newPolicy := tenancy.SecurityPolicy{RequireMFA: true, MaxSessionAge: time.Hour, InvitationTTL: 48 * time.Hour,
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	page := tenancy.Page{}
	return []mxMethod{
		{"Organization", mxNeedsAnyRole, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.Organization(e.ctx, a, id)
			return err
		}},
		{"OrganizationWorkspaces", mxNeedsAnyRole, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.OrganizationWorkspaces(e.ctx, a, id, page)
			return err
		}},
		{"LeaveOrganization", mxNeedsAnyRole, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.LeaveOrganization(e.ctx, a, id)
		}},
		{"RenameOrganization", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.RenameOrganization(e.ctx, a, id, "Acme Inc")
			return err
		}},
		{"SetBilling", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.SetBilling(e.ctx, a, id, tenancy.Billing{Email: "billing@acme.com"})
			return err
		}},
		{"SetSecurityPolicy", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.SetSecurityPolicy(e.ctx, a, id, newPolicy)
			return err
		}},
		{"GrantOrgAdmin", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.GrantOrgAdmin(e.ctx, a, id, e.grant)
		}},
		{"RevokeOrgAdmin", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.RevokeOrgAdmin(e.ctx, a, id, e.secondOrgAdmin)
		}},
		{"RemoveFromOrganization", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.RemoveFromOrganization(e.ctx, a, id, e.target)
		}},
		{"OrganizationUsers", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.OrganizationUsers(e.ctx, a, id, page)
			return err
		}},
		{"Seats", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.Seats(e.ctx, a, id)
			return err
		}},
		{"AuditLog", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.AuditLog(e.ctx, a, id, page)
			return err
		}},
		{"CreateWorkspace", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.CreateWorkspace(e.ctx, a, id, "W3")
			return err
		}},
		{"Authorize(create workspace)", mxNeedsOrgAdmin, org, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.Authorize(e.ctx, a, tenancy.ActionCreateWorkspace, tenancy.InOrganization(id))
		}},
		{"Workspace", mxNeedsWSRole, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.Workspace(e.ctx, a, id)
			return err
		}},
		{"Authorize(create segment)", mxNeedsWSRole, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.Authorize(e.ctx, a, tenancy.ActionCreateSegment, tenancy.InWorkspace(id))
		}},
		{"Check(create segment)", mxNeedsWSRole, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return mxDecisionErr(e.svc.Check(e.ctx, a, tenancy.ActionCreateSegment, tenancy.InWorkspace(id)))
		}},
		{"Permissions(view workspace)", mxNeedsWSRole, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			p, err := e.svc.Permissions(e.ctx, a, tenancy.InWorkspace(id))
			if err != nil || p.Allows(tenancy.ActionViewWorkspace) {
				return err
			}
			// Permissions has no error for a denial: take Check's.
			return mxDecisionErr(e.svc.Check(e.ctx, a, tenancy.ActionViewWorkspace, tenancy.InWorkspace(id)))
		}},
		{"RenameWorkspace", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.RenameWorkspace(e.ctx, a, id, "Renamed")
			return err
		}},
		{"DeleteWorkspace", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.DeleteWorkspace(e.ctx, a, id)
		}},
		{"AddMember", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.AddMember(e.ctx, a, id, e.grant, tenancy.RoleMember)
			return err
		}},
		{"SetMemberRole", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.SetMemberRole(e.ctx, a, id, e.target, tenancy.RoleAdmin)
			return err
		}},
		{"RemoveMember", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.RemoveMember(e.ctx, a, id, e.target)
		}},
		{"Members", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.Members(e.ctx, a, id, page)
			return err
		}},
		{"Invite", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, _, err := e.svc.Invite(e.ctx, a, id, "new@gmail.com", tenancy.RoleMember)
			return err
		}},
		{"Invitations", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.Invitations(e.ctx, a, id, page)
			return err
		}},
		{"RevokeInvitation", mxNeedsWSAdmin, otherInv, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.RevokeInvitation(e.ctx, a, id)
		}},
		{"Authorize(create source)", mxNeedsWSAdmin, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.Authorize(e.ctx, a, tenancy.ActionCreateSource, tenancy.InWorkspace(id))
		}},
		{"RemoveMember(self)", mxSelfInW, w, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.RemoveMember(e.ctx, a, id, a.UserID)
		}},
		{"AcceptInvitation", mxInviteeToken, nil, func(e *mxEnv, a tenancy.Actor, _ uuid.UUID) error {
			_, err := e.svc.AcceptInvitation(e.ctx, a, e.token)
			return err
		}},
		{"AcceptInvitationByID", mxInviteeID, inv, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			_, err := e.svc.AcceptInvitationByID(e.ctx, a, id)
			return err
		}},
		{"DeclineInvitation", mxInviteeID, inv, func(e *mxEnv, a tenancy.Actor, id uuid.UUID) error {
			return e.svc.DeclineInvitation(e.ctx, a, id)
		}},
	}
}

// mxDecisionErr turns a Check decision into Authorize's error.
func mxDecisionErr(d tenancy.Decision, err error) error {
	switch {
	case err != nil:
		return err
	case d.Allowed:
		return nil
	case d.Code == tenancy.DeniedNoRole:
		return fmt.Errorf("%w: %s", tenancy.ErrNotFound, d.Reason)
	}
	return &tenancy.DeniedError{Decision: d}
}

var mxUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestPrivilegeMatrix calls every method with every kind of actor on a
// fresh organization and checks the outcome against the SPEC's tables,
// the denial code, that a denied call changed nothing, and that a caller
// with no role learns nothing an unknown ID would not tell it.
func TestPrivilegeMatrix(t *testing.T) {
	t.Parallel()
	for _, meth := range mxMethods() {
		t.Run(meth.name, func(t *testing.T) {
			t.Parallel()
			for _, k := range mxActors {
				t.Run(k.name, func(t *testing.T) {
					e := newMxEnv(t)
					a := e.compliant(k.user(e))
					if k.session != nil {
						k.session(e, &a)
					}
					var id uuid.UUID
					if meth.scope != nil {
						id = meth.scope(e)
					}
					want := meth.access.expected(k)
					before := takeSnapshot(t, e.store, e.seeds)
					err := meth.call(e, a, id)
					require.Equal(t, want, mxOutcome(err), "error: %v", err)
					if want == mxOK {
						return
					}
					require.Equal(t, before, takeSnapshot(t, e.store, e.seeds), "a denied call changed the store")
					require.Zero(t, e.events, "a denied call announced events")

					var denied *tenancy.DeniedError
					if want == mxForbidden {
						require.ErrorAs(t, err, &denied)
						wantCode := k.code
						if wantCode == "" {
							wantCode = tenancy.DeniedPermission
						}
						require.Equal(t, wantCode, denied.Code(), "denial code")
						require.Contains(t, err.Error(), string(denied.Decision.Action), "the error names the action")
					}
					if want == mxNotFound && meth.scope != nil && k.role == mxNone {
						// An actor without a role must learn nothing: the
						// same call on an ID that never existed must fail
						// the same way, with the same message.
						unknown := meth.call(e, a, uuid.New())
						require.Equal(t, mxNotFound, mxOutcome(unknown))
						require.Equal(t, mxUUID.ReplaceAllString(unknown.Error(), "<id>"), mxUUID.ReplaceAllString(err.Error(), "<id>"),
							"the error tells an existing object from an unknown one")
						require.Equal(t, errors.Is(unknown, tenancy.ErrForbidden), errors.Is(err, tenancy.ErrForbidden))
						require.Equal(t, errors.Is(unknown, tenancy.ErrInvitation), errors.Is(err, tenancy.ErrInvitation))
					}
				})
			}
		})
	}
}

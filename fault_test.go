package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/internal/faultstore"
	"github.com/tenancykit/tenancy/internal/storetesting"
)

// snapSeeds name what a snapshot starts reading from; everything reachable
// from them through the Store's readers is read too.
type snapSeeds struct {
	Users, Orgs, Workspaces, Invitations []uuid.UUID
	Emails, Domains, ExternalIDs         []string
}

// storeSnapshot is what a Store's readers return about the objects
// reachable from a set of seeds. Two snapshots of an unchanged store are
// equal; any write to what they cover makes them differ.
type storeSnapshot struct {
	Users           map[uuid.UUID]tenancy.User
	ByEmail         map[string]uuid.UUID // uuid.Nil when no user has it
	ByExternalID    map[string]uuid.UUID
	UserOrgs        map[uuid.UUID][]tenancy.OrgMembership
	UserMemberships map[uuid.UUID][]tenancy.Membership
	AdminOrgs       map[uuid.UUID][]tenancy.Organization
	InvitationsBy   map[uuid.UUID][]tenancy.Invitation
	InvitationsTo   map[string][]tenancy.Invitation

	Orgs          map[uuid.UUID]tenancy.Organization
	ByDomain      map[string]uuid.UUID
	OrgAdminCount map[uuid.UUID]int
	OrgUsers      map[uuid.UUID][]tenancy.OrgUser
	Seats         map[uuid.UUID]int
	Audit         map[uuid.UUID][]tenancy.AuditEvent
	OrgWorkspaces map[uuid.UUID][]tenancy.Membership

	Workspaces  map[uuid.UUID]tenancy.Workspace
	Members     map[uuid.UUID][]tenancy.Member
	AdminCount  map[uuid.UUID]int
	Invitations map[uuid.UUID][]tenancy.Invitation
	InvRecords  map[uuid.UUID]tenancy.InvitationRecord
	Facts       map[[2]uuid.UUID]tenancy.Facts // (user, workspace or organization)
}

// snapPage is a page large enough to hold any list of a test.
var snapPage = tenancy.PageQuery{Limit: 100_000}

// takeSnapshot reads everything reachable from seeds through r.
func takeSnapshot(t require.TestingT, r tenancy.Reader, seeds snapSeeds) storeSnapshot {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	ctx := context.Background()
	s := storeSnapshot{
		Users: map[uuid.UUID]tenancy.User{}, ByEmail: map[string]uuid.UUID{}, ByExternalID: map[string]uuid.UUID{},
		UserOrgs: map[uuid.UUID][]tenancy.OrgMembership{}, UserMemberships: map[uuid.UUID][]tenancy.Membership{},
		AdminOrgs: map[uuid.UUID][]tenancy.Organization{}, InvitationsBy: map[uuid.UUID][]tenancy.Invitation{},
		InvitationsTo: map[string][]tenancy.Invitation{},
		Orgs:          map[uuid.UUID]tenancy.Organization{}, ByDomain: map[string]uuid.UUID{},
		OrgAdminCount: map[uuid.UUID]int{}, OrgUsers: map[uuid.UUID][]tenancy.OrgUser{}, Seats: map[uuid.UUID]int{},
		Audit: map[uuid.UUID][]tenancy.AuditEvent{}, OrgWorkspaces: map[uuid.UUID][]tenancy.Membership{},
		Workspaces: map[uuid.UUID]tenancy.Workspace{}, Members: map[uuid.UUID][]tenancy.Member{},
		AdminCount: map[uuid.UUID]int{}, Invitations: map[uuid.UUID][]tenancy.Invitation{},
		InvRecords: map[uuid.UUID]tenancy.InvitationRecord{}, Facts: map[[2]uuid.UUID]tenancy.Facts{},
	}
	users, orgs, wss, invs := map[uuid.UUID]bool{}, map[uuid.UUID]bool{uuid.Nil: true}, map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	emails := map[string]bool{}
	for _, id := range seeds.Users {
		users[id] = true
	}
	for _, id := range seeds.Orgs {
		orgs[id] = true
	}
	for _, id := range seeds.Workspaces {
		wss[id] = true
	}
	for _, id := range seeds.Invitations {
		invs[id] = true
	}
	for _, e := range seeds.Emails {
		emails[e] = true
	}
	noErr := func(err error) {
		if err != nil && !errors.Is(err, tenancy.ErrNotFound) {
			require.NoError(t, err)
		}
	}
	for _, d := range seeds.Domains {
		o, err := r.OrganizationByDomain(ctx, d)
		noErr(err)
		s.ByDomain[d] = o.ID
		orgs[o.ID] = true
	}
	for _, x := range seeds.ExternalIDs {
		u, err := r.UserByExternalID(ctx, x)
		noErr(err)
		s.ByExternalID[x] = u.ID
		users[u.ID] = true
	}
	done := map[any]bool{}
	addInv := func(inv tenancy.Invitation) {
		invs[inv.ID], wss[inv.WorkspaceID], orgs[inv.OrgID], users[inv.InvitedBy], emails[inv.Email] = true, true, true, true, true
	}
	for changed := true; changed; {
		changed = false
		for e := range emails {
			if done[e] {
				continue
			}
			done[e], changed = true, true
			u, err := r.UserByEmail(ctx, e)
			noErr(err)
			s.ByEmail[e] = u.ID
			users[u.ID] = true
			to, err := r.ListInvitationsTo(ctx, e)
			require.NoError(t, err)
			s.InvitationsTo[e] = to
			for _, inv := range to {
				addInv(inv)
			}
		}
		for id := range users {
			if done[[2]any{"u", id}] {
				continue
			}
			done[[2]any{"u", id}], changed = true, true
			u, err := r.User(ctx, id)
			noErr(err)
			if err == nil {
				s.Users[id] = u
				emails[u.Email] = true
			}
			uo, err := r.UserOrganizations(ctx, id)
			require.NoError(t, err)
			s.UserOrgs[id] = uo
			for _, om := range uo {
				orgs[om.Organization.ID] = true
			}
			um, err := r.ListUserMemberships(ctx, id, snapPage)
			require.NoError(t, err)
			s.UserMemberships[id] = um
			for _, m := range um {
				wss[m.Workspace.ID] = true
			}
			ao, err := r.AdminOrganizations(ctx, id)
			require.NoError(t, err)
			s.AdminOrgs[id] = ao
			for _, o := range ao {
				orgs[o.ID] = true
			}
			by, err := r.ListInvitationsBy(ctx, uuid.Nil, id)
			require.NoError(t, err)
			s.InvitationsBy[id] = by
			for _, inv := range by {
				addInv(inv)
			}
		}
		for id := range orgs {
			if done[[2]any{"o", id}] {
				continue
			}
			done[[2]any{"o", id}], changed = true, true
			ev, err := r.ListAuditEvents(ctx, id, snapPage)
			require.NoError(t, err)
			s.Audit[id] = ev
			for _, e := range ev {
				users[e.ActorID], users[e.TargetID] = true, true
			}
			o, err := r.Organization(ctx, id)
			noErr(err)
			if err != nil {
				continue
			}
			s.Orgs[id] = o
			n, err := r.CountOrgAdmins(ctx, id)
			require.NoError(t, err)
			s.OrgAdminCount[id] = n
			ou, err := r.ListOrgUsers(ctx, id, snapPage)
			require.NoError(t, err)
			s.OrgUsers[id] = ou
			for _, u := range ou {
				users[u.User.ID] = true
			}
			if s.Seats[id], err = r.CountSeats(ctx, id); err != nil {
				require.NoError(t, err)
			}
			ow, err := r.ListOrgWorkspaces(ctx, id, uuid.Nil, false, snapPage)
			require.NoError(t, err)
			s.OrgWorkspaces[id] = ow
			for _, m := range ow {
				wss[m.Workspace.ID] = true
			}
		}
		for id := range wss {
			if done[[2]any{"w", id}] {
				continue
			}
			done[[2]any{"w", id}], changed = true, true
			w, err := r.Workspace(ctx, id)
			noErr(err)
			if err != nil {
				continue
			}
			s.Workspaces[id] = w
			ms, err := r.ListMembers(ctx, id, snapPage)
			require.NoError(t, err)
			s.Members[id] = ms
			for _, m := range ms {
				users[m.UserID] = true
			}
			if s.AdminCount[id], err = r.CountMembersWithRole(ctx, id, tenancy.RoleAdmin); err != nil {
				require.NoError(t, err)
			}
			is, err := r.ListInvitations(ctx, id, snapPage)
			require.NoError(t, err)
			s.Invitations[id] = is
			for _, inv := range is {
				addInv(inv)
			}
		}
		for id := range invs {
			if done[[2]any{"i", id}] {
				continue
			}
			done[[2]any{"i", id}], changed = true, true
			rec, err := r.Invitation(ctx, id)
			noErr(err)
			if err == nil {
				s.InvRecords[id] = rec
				addInv(rec.Invitation)
			}
		}
	}
	delete(users, uuid.Nil)
	for u := range users {
		for w := range wss {
			f, err := r.AccessFacts(ctx, u, tenancy.InWorkspace(w))
			noErr(err)
			s.Facts[[2]uuid.UUID{u, w}] = f
		}
		for o := range orgs {
			f, err := r.AccessFacts(ctx, u, tenancy.InOrganization(o))
			noErr(err)
			s.Facts[[2]uuid.UUID{u, o}] = f
		}
	}
	return s
}

// faultEnv is a Service over a fault-injecting memstore, with a clock and
// an event counter, holding an organization with every kind of object an
// operation may touch.
type faultEnv struct {
	t      *testing.T
	ctx    context.Context
	fs     *faultstore.Store
	svc    *tenancy.Service
	now    time.Time
	events atomic.Int64

	acme, globex, holdings                   tenancy.Organization
	marketing, sales                         tenancy.Workspace
	ann, bob, cat, dan, fred, gil, hal, olga tenancy.User
	annA, bobA, catA, danA, gilA, olgaA      tenancy.Actor
	gilInv, halInv                           tenancy.Invitation
	gilToken                                 string
	seeds                                    snapSeeds
}

// newFaultEnv builds the scene, with nothing armed:
//   - ann@acme.com founded acme (org admin, admin of Marketing and Sales);
//     dan@acme.com is a second org admin;
//   - acme's policy auto-joins acme.com addresses to Sales;
//   - bob@acme.com is a member of Marketing, cat@gmail.com an admin of it,
//     who invited hal@gmail.com; ann invited gil@gmail.com (signed up);
//   - fred@initech.co.uk signed up unverified; olga founded globex.io;
//   - support made "Acme Holdings" (no domain) with ann as its admin.
func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	e := &faultEnv{t: t, ctx: context.Background(), fs: faultstore.New(storetesting.Open(t, storetesting.Kind())),
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	e.svc = tenancy.New(e.fs, tenancy.WithClock(func() time.Time { return e.now }),
		tenancy.WithEventHandler(func(context.Context, tenancy.AuditEvent) { e.events.Add(1) }))
	ctx, svc := e.ctx, e.svc
	signUp := func(email string, verified bool) (tenancy.User, tenancy.Actor) {
		res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: email, Name: email, EmailVerified: verified})
		require.NoError(t, err)
		if res.Organization != nil && res.CreatedOrganization {
			switch res.Organization.Domain {
			case "acme.com":
				e.acme = *res.Organization
			case "globex.io":
				e.globex = *res.Organization
			}
		}
		return res.User, tenancy.Actor{UserID: res.User.ID, AuthenticatedAt: e.now, MFA: true}
	}
	e.ann, e.annA = signUp("ann@acme.com", true)
	var err error
	e.marketing, err = svc.CreateWorkspace(ctx, e.annA, e.acme.ID, "Marketing")
	require.NoError(t, err)
	e.sales, err = svc.CreateWorkspace(ctx, e.annA, e.acme.ID, "Sales")
	require.NoError(t, err)
	_, err = svc.SetSecurityPolicy(ctx, e.annA, e.acme.ID, tenancy.SecurityPolicy{AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{e.sales.ID}}})
	require.NoError(t, err)
	e.bob, e.bobA = signUp("bob@acme.com", true) // auto-joins Sales
	e.cat, e.catA = signUp("cat@gmail.com", true)
	e.dan, e.danA = signUp("dan@acme.com", true)
	e.fred, _ = signUp("fred@initech.co.uk", false)
	e.gil, e.gilA = signUp("gil@gmail.com", true)
	e.hal, _ = signUp("hal@gmail.com", true)
	e.olga, e.olgaA = signUp("olga@globex.io", true)
	require.NoError(t, svc.GrantOrgAdmin(ctx, e.annA, e.acme.ID, e.dan.ID))
	_, err = svc.AddMember(ctx, e.annA, e.marketing.ID, e.bob.ID, tenancy.RoleMember)
	require.NoError(t, err)
	_, err = svc.AddMember(ctx, e.annA, e.marketing.ID, e.cat.ID, tenancy.RoleAdmin)
	require.NoError(t, err)
	e.gilInv, e.gilToken, err = svc.Invite(ctx, e.annA, e.marketing.ID, "gil@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	e.halInv, _, err = svc.Invite(ctx, e.catA, e.marketing.ID, "hal@gmail.com", tenancy.RoleAdmin)
	require.NoError(t, err)
	e.holdings, err = svc.Operator().CreateOrganization(ctx, "Acme Holdings", "", e.ann.ID)
	require.NoError(t, err)
	e.seeds = snapSeeds{
		Users:       []uuid.UUID{e.ann.ID, e.bob.ID, e.cat.ID, e.dan.ID, e.fred.ID, e.gil.ID, e.hal.ID, e.olga.ID},
		Orgs:        []uuid.UUID{e.acme.ID, e.globex.ID, e.holdings.ID},
		Workspaces:  []uuid.UUID{e.marketing.ID, e.sales.ID},
		Invitations: []uuid.UUID{e.gilInv.ID, e.halInv.ID},
		Emails: []string{"ivy@acme.com", "zoe@newco.com", "jim@gmail.com", "bob@newco.io", "billing@acme.com",
			"eve@gmail.com"},
		Domains: []string{"acme.com", "globex.io", "initech.co.uk", "newco.com", "newco.io"},
	}
	return e
}

func (e *faultEnv) snapshot() storeSnapshot {
	e.t.Helper()
	return takeSnapshot(e.t, e.fs, e.seeds)
}

// faultCase is one mutating operation, run on a fresh faultEnv.
type faultCase struct {
	name string
	op   func(e *faultEnv) error
}

// faultCases lists every mutating Service and Operator method, each in a
// variant that does as much as it can (cascades, auto-join, revocations),
// so that it makes many store calls to fail.
func faultCases() []faultCase {
	op := func(e *faultEnv) *tenancy.Operator { return e.svc.Operator() }
	return []faultCase{
		{"SignUp/auto-join", func(e *faultEnv) error {
			_, err := e.svc.SignUp(e.ctx, tenancy.SignUpRequest{Email: "ivy@acme.com", EmailVerified: true})
			return err
		}},
		{"SignUp/new-organization", func(e *faultEnv) error {
			_, err := e.svc.SignUp(e.ctx, tenancy.SignUpRequest{Email: "zoe@newco.com", EmailVerified: true, ExternalID: "idp|zoe"})
			return err
		}},
		{"ConfirmEmail", func(e *faultEnv) error { _, err := e.svc.ConfirmEmail(e.ctx, e.fred.ID); return err }},
		{"SignUp/replace-unverified", func(e *faultEnv) error {
			_, err := e.svc.SignUp(e.ctx, tenancy.SignUpRequest{Email: "fred@initech.co.uk", EmailVerified: true, ReplaceUnverified: true})
			return err
		}},
		{"CreateWorkspace", func(e *faultEnv) error {
			_, err := e.svc.CreateWorkspace(e.ctx, e.annA, e.acme.ID, "Engineering")
			return err
		}},
		{"RenameWorkspace", func(e *faultEnv) error {
			_, err := e.svc.RenameWorkspace(e.ctx, e.annA, e.marketing.ID, "Brand")
			return err
		}},
		{"DeleteWorkspace", func(e *faultEnv) error { return e.svc.DeleteWorkspace(e.ctx, e.annA, e.sales.ID) }},
		{"AddMember", func(e *faultEnv) error {
			_, err := e.svc.AddMember(e.ctx, e.annA, e.marketing.ID, e.hal.ID, tenancy.RoleAdmin)
			return err
		}},
		{"SetMemberRole", func(e *faultEnv) error {
			_, err := e.svc.SetMemberRole(e.ctx, e.annA, e.marketing.ID, e.cat.ID, tenancy.RoleMember)
			return err
		}},
		{"RemoveMember", func(e *faultEnv) error { return e.svc.RemoveMember(e.ctx, e.annA, e.marketing.ID, e.cat.ID) }},
		{"RemoveMember/self", func(e *faultEnv) error { return e.svc.RemoveMember(e.ctx, e.catA, e.marketing.ID, e.cat.ID) }},
		{"Invite", func(e *faultEnv) error {
			_, _, err := e.svc.Invite(e.ctx, e.annA, e.marketing.ID, "jim@gmail.com", tenancy.RoleAdmin)
			return err
		}},
		{"Invite/replace", func(e *faultEnv) error {
			_, _, err := e.svc.Invite(e.ctx, e.annA, e.marketing.ID, "hal@gmail.com", tenancy.RoleMember)
			return err
		}},
		{"AcceptInvitation", func(e *faultEnv) error { _, err := e.svc.AcceptInvitation(e.ctx, e.gilA, e.gilToken); return err }},
		{"AcceptInvitationByID", func(e *faultEnv) error {
			_, err := e.svc.AcceptInvitationByID(e.ctx, e.gilA, e.gilInv.ID)
			return err
		}},
		{"RevokeInvitation", func(e *faultEnv) error { return e.svc.RevokeInvitation(e.ctx, e.annA, e.halInv.ID) }},
		{"DeclineInvitation", func(e *faultEnv) error { return e.svc.DeclineInvitation(e.ctx, e.gilA, e.gilInv.ID) }},
		{"GrantOrgAdmin", func(e *faultEnv) error { return e.svc.GrantOrgAdmin(e.ctx, e.annA, e.acme.ID, e.bob.ID) }},
		{"RevokeOrgAdmin", func(e *faultEnv) error { return e.svc.RevokeOrgAdmin(e.ctx, e.annA, e.acme.ID, e.dan.ID) }},
		{"RemoveFromOrganization", func(e *faultEnv) error {
			return e.svc.RemoveFromOrganization(e.ctx, e.annA, e.acme.ID, e.cat.ID)
		}},
		{"LeaveOrganization", func(e *faultEnv) error { return e.svc.LeaveOrganization(e.ctx, e.catA, e.acme.ID) }},
		{"RenameOrganization", func(e *faultEnv) error {
			_, err := e.svc.RenameOrganization(e.ctx, e.annA, e.acme.ID, "Acme Inc")
			return err
		}},
		{"SetBilling", func(e *faultEnv) error {
			_, err := e.svc.SetBilling(e.ctx, e.annA, e.acme.ID, tenancy.Billing{Email: "billing@acme.com", CustomerRef: "cus_1"})
			return err
		}},
		{"SetSecurityPolicy", func(e *faultEnv) error {
			_, err := e.svc.SetSecurityPolicy(e.ctx, e.annA, e.acme.ID, tenancy.SecurityPolicy{
				RequireMFA: true, MaxSessionAge: time.Hour, InvitationTTL: 48 * time.Hour,
				AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{e.marketing.ID, e.sales.ID}, Domains: []string{"eng.acme.com"}}})
			return err
		}},
		{"ChangeEmail", func(e *faultEnv) error {
			_, err := e.svc.ChangeEmail(e.ctx, e.bob.ID, "bob@newco.io", true)
			return err
		}},
		{"RenameUser", func(e *faultEnv) error { _, err := e.svc.RenameUser(e.ctx, e.bob.ID, "Robert"); return err }},
		{"SetExternalID", func(e *faultEnv) error { _, err := e.svc.SetExternalID(e.ctx, e.bob.ID, "idp|robert"); return err }},
		{"DeleteUser", func(e *faultEnv) error { return e.svc.DeleteUser(e.ctx, e.cat.ID) }},
		{"Operator.CreateOrganization", func(e *faultEnv) error {
			_, err := op(e).CreateOrganization(e.ctx, "Initech", "initech.co.uk", e.bob.ID)
			return err
		}},
		{"Operator.GrantOrgAdmin", func(e *faultEnv) error { return op(e).GrantOrgAdmin(e.ctx, e.acme.ID, e.bob.ID, "ticket 1") }},
		{"Operator.ResetSecurityPolicy", func(e *faultEnv) error {
			_, err := op(e).ResetSecurityPolicy(e.ctx, e.acme.ID, "ticket 2")
			return err
		}},
		{"Operator.TransferDomain", func(e *faultEnv) error {
			return op(e).TransferDomain(e.ctx, "acme.com", e.holdings.ID, "ticket 3")
		}},
		{"Operator.TransferDomain/release", func(e *faultEnv) error {
			return op(e).TransferDomain(e.ctx, "acme.com", uuid.Nil, "ticket 4")
		}},
		{"Operator.DeleteOrganization", func(e *faultEnv) error { return op(e).DeleteOrganization(e.ctx, e.acme.ID, "ticket 5") }},
		{"Operator.RemoveFromOrganization", func(e *faultEnv) error {
			return op(e).RemoveFromOrganization(e.ctx, e.acme.ID, e.cat.ID, "ticket 6")
		}},
	}
}

// faultsRun counts the faults injected by TestFaultInjection, for its
// summary.
var faultsRun atomic.Int64

// TestFaultInjection fails, for every mutating method, each store call
// of its transaction in turn (before the call reaches the store, and
// after it succeeded there) and its commit: every failure must leave the
// store as it was, record and announce no event, and surface the store's
// error.
func TestFaultInjection(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	wg.Add(len(faultCases()))
	t.Cleanup(func() {
		wg.Wait()
		t.Logf("%d faults injected into %d operations", faultsRun.Load(), len(faultCases()))
	})
	for _, c := range faultCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			defer wg.Done()
			// A clean run learns how many calls the operation makes.
			e := newFaultEnv(t)
			before := e.snapshot()
			e.fs.Reset()
			e.events.Store(0)
			require.NoError(t, c.op(e))
			calls, trace := e.fs.Calls(), e.fs.Trace()
			require.Positive(t, e.events.Load(), "the operation should record events")
			require.NotEqual(t, before, e.snapshot(), "the operation should change the store")
			require.Equal(t, faultstore.CommitCall, trace[len(trace)-1])
			for _, mode := range []faultstore.Mode{faultstore.ModeBefore, faultstore.ModeAfter} {
				for k := 1; k <= calls; k++ {
					if mode == faultstore.ModeAfter && trace[k-1] == faultstore.CommitCall {
						continue // a commit fails one way only
					}
					e := newFaultEnv(t)
					before := e.snapshot()
					e.events.Store(0)
					e.fs.Arm(k, mode)
					err := c.op(e)
					e.fs.Reset()
					where := fmt.Sprintf("fault %s call %d of %d (%s)", mode, k, calls, trace[k-1])
					require.ErrorIs(t, err, faultstore.ErrInjected, where)
					require.Equal(t, 1, e.fs.Injected(), where)
					require.Zero(t, e.events.Load(), "%s: the event handler ran", where)
					require.Equal(t, before, e.snapshot(), "%s: the store changed", where)
					faultsRun.Add(1)
				}
			}
		})
	}
}

// TestFaultStoreCountsAndFails checks the harness itself: it counts every
// call with the commit, fails exactly the armed one, and rolls back.
func TestFaultStoreCountsAndFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := faultstore.New(storetesting.Open(t, storetesting.Kind()))
	u := tenancy.User{ID: uuid.New(), Email: "a@b.example", CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	write := func(tx tenancy.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		_, err := tx.User(ctx, u.ID)
		return err
	}
	fs.Reset()
	require.NoError(t, fs.Update(ctx, write))
	require.Equal(t, 3, fs.Calls())
	require.Equal(t, []string{"CreateUser", "User", faultstore.CommitCall}, fs.Trace())
	require.NoError(t, fs.Update(ctx, func(tx tenancy.Tx) error { return tx.DeleteUser(ctx, u.ID) }))

	for k := 1; k <= 3; k++ {
		for _, mode := range []faultstore.Mode{faultstore.ModeBefore, faultstore.ModeAfter} {
			fs.Arm(k, mode)
			err := fs.Update(ctx, write)
			require.ErrorIs(t, err, faultstore.ErrInjected, "call %d %s", k, mode)
			_, err = fs.User(ctx, u.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound, "call %d %s: the write was kept", k, mode)
		}
	}
	fs.Reset()
	require.NoError(t, fs.Update(ctx, write))
	require.True(t, slices.Equal([]string{"CreateUser", "User", faultstore.CommitCall}, fs.Trace()))
}

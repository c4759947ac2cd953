package storetest

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// deferredWriter returns tx's deferred writer (tenancy.WriteDeferrer), or
// tx itself for a store without one: the tests below hold for both.
func deferredWriter(tx tenancy.Tx) tenancy.DeferredWriter {
	if d, ok := tx.(tenancy.WriteDeferrer); ok {
		return d.Deferred()
	}
	return tx
}

// deferredFailure is a deferred write that must fail, on a store holding
// a deferredWorld.
type deferredFailure struct {
	name  string
	want  error
	write func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error
}

// deferredWorld is an organization with an admin, a workspace and a
// member, and an audit event. (AppendAudit documents no sentinel error:
// the contract leaves a duplicate event ID to the store.)
type deferredWorld struct {
	ann, bob tenancy.User
	acme     tenancy.Organization
	sales    tenancy.Workspace
	event    tenancy.AuditEvent
}

func newDeferredWorld(f *fixture) deferredWorld {
	f.t.Helper()
	var w deferredWorld
	w.ann, w.bob = f.user("ann"), f.user("bob")
	w.acme = f.org("Acme", "acme.com", w.ann)
	w.sales = f.workspace(w.acme, "Sales", w.ann)
	f.member(w.sales, w.bob, tenancy.RoleMember)
	w.event = f.event(w.acme.ID, f.tick())
	return w
}

var deferredFailures = []deferredFailure{
	{"CreateOrganization of a claimed domain", tenancy.ErrDomainTaken, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.CreateOrganization(f.ctx, f.newOrg("Acme 2", w.acme.Domain))
	}},
	{"CreateOrganization of a taken ID", tenancy.ErrAlreadyExists, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		o := f.newOrg("Other", "other.com")
		o.ID = w.acme.ID
		return dw.CreateOrganization(f.ctx, o)
	}},
	{"CreateOrganization of a taken ID, claiming no domain", tenancy.ErrAlreadyExists, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		o := f.newOrg("Other", "")
		o.ID = w.acme.ID
		return dw.CreateOrganization(f.ctx, o)
	}},
	{"AddOrgAdmin of an admin", tenancy.ErrAlreadyExists, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.AddOrgAdmin(f.ctx, w.acme.ID, w.ann.ID, f.tick())
	}},
	{"AddOrgAdmin of a missing user", tenancy.ErrNotFound, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.AddOrgAdmin(f.ctx, w.acme.ID, uuid.New(), f.tick())
	}},
	{"AddOrgAdmin to a missing organization", tenancy.ErrNotFound, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.AddOrgAdmin(f.ctx, uuid.New(), w.bob.ID, f.tick())
	}},
	{"AddMember of a member", tenancy.ErrAlreadyExists, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.AddMember(f.ctx, tenancy.Member{WorkspaceID: w.sales.ID, UserID: w.bob.ID, Role: tenancy.RoleAdmin, CreatedAt: f.tick()})
	}},
	{"AddMember of a missing user", tenancy.ErrNotFound, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.AddMember(f.ctx, tenancy.Member{WorkspaceID: w.sales.ID, UserID: uuid.New(), Role: tenancy.RoleMember, CreatedAt: f.tick()})
	}},
	{"AddMember to a missing workspace", tenancy.ErrNotFound, func(f *fixture, w deferredWorld, dw tenancy.DeferredWriter) error {
		return dw.AddMember(f.ctx, tenancy.Member{WorkspaceID: uuid.New(), UserID: w.ann.ID, Role: tenancy.RoleMember, CreatedAt: f.tick()})
	}},
}

var deferredTests = []test{
	{"deferred writes are kept, and later reads of the transaction see them", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		bob := f.newUser("bob")
		o := f.newOrg("Acme", "acme.com")
		o.Policy = fullPolicy()
		ws := f.newWorkspace(o, "Sales", ann)
		m := tenancy.Member{WorkspaceID: ws.ID, UserID: bob.ID, Email: bob.Email, Role: tenancy.RoleAdmin, CreatedAt: f.tick()}
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: o.ID, WorkspaceID: ws.ID, ActorID: ann.ID, TargetID: bob.ID,
			Action: tenancy.EventMemberAdded, At: f.tick(), Details: map[string]string{tenancy.DetailEmail: bob.Email}}
		noDetails := tenancy.AuditEvent{ID: uuid.New(), Action: tenancy.EventUserSignedUp, At: f.tick()}
		at := f.tick()
		f.update(func(tx tenancy.Tx) error {
			ctx := f.ctx
			dw := deferredWriter(tx)
			require.NoError(t, tx.CreateUser(ctx, bob))
			require.NoError(t, dw.CreateOrganization(ctx, o))
			require.NoError(t, dw.AddOrgAdmin(ctx, o.ID, ann.ID, at))
			gotOrg, err := tx.OrganizationByDomain(ctx, o.Domain)
			require.NoError(t, err)
			require.Equal(t, o, gotOrg)
			admin, err := tx.IsOrgAdmin(ctx, o.ID, ann.ID)
			require.NoError(t, err)
			require.True(t, admin)
			require.NoError(t, tx.CreateWorkspace(ctx, ws))
			require.NoError(t, dw.AddMember(ctx, m))
			require.NoError(t, dw.AppendAudit(ctx, e))
			require.NoError(t, dw.AppendAudit(ctx, noDetails))
			gotM, err := tx.Member(ctx, ws.ID, bob.ID)
			require.NoError(t, err)
			require.Equal(t, m, gotM)
			events, err := tx.ListAuditEvents(ctx, o.ID, tenancy.PageQuery{Limit: 10})
			require.NoError(t, err)
			require.Equal(t, []tenancy.AuditEvent{e}, events)
			// Deferred writes left for the commit.
			require.NoError(t, dw.AddMember(ctx, tenancy.Member{WorkspaceID: ws.ID, UserID: ann.ID, Role: tenancy.RoleMember, CreatedAt: at}))
			return dw.AppendAudit(ctx, tenancy.AuditEvent{ID: uuid.New(), OrgID: o.ID, Action: tenancy.EventWorkspaceCreated, At: at})
		})
		gotOrg, err := f.s.Organization(f.ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o, gotOrg)
		users, err := f.s.ListOrgUsers(f.ctx, o.ID, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []tenancy.OrgUser{{User: ann, OrgAdmin: true, Workspaces: 1}, {User: bob, Workspaces: 1}}, users)
		members, err := f.s.ListMembers(f.ctx, ws.ID, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []tenancy.Member{
			{WorkspaceID: ws.ID, UserID: ann.ID, Email: ann.Email, Role: tenancy.RoleMember, CreatedAt: at}, m}, members)
		events := listFrom(t, 10, nil, listAuditEvents(f, o.ID), auditCursor)
		require.Len(t, events, 2)
		require.Equal(t, e, events[1])
		none := listFrom(t, 10, nil, listAuditEvents(f, uuid.Nil), auditCursor)
		require.Equal(t, []tenancy.AuditEvent{noDetails}, none)
	}},
	{"a failed deferred write fails the transaction, which keeps nothing", func(t *testing.T, f *fixture) {
		w := newDeferredWorld(f)
		for _, tc := range deferredFailures {
			for _, next := range []string{"commit", "read", "write"} {
				cid := f.newUser("cid" + uuid.NewString()[:8])
				err := f.s.Update(f.ctx, func(tx tenancy.Tx) error {
					if err := tx.CreateUser(f.ctx, cid); err != nil {
						return err
					}
					dw := deferredWriter(tx)
					if err := tc.write(f, w, dw); err != nil {
						return err
					}
					// The write may have been sent already, or go with
					// what comes next.
					switch next {
					case "read":
						if _, err := tx.User(f.ctx, w.ann.ID); err != nil {
							return err
						}
					case "write":
						if err := dw.AppendAudit(f.ctx, tenancy.AuditEvent{ID: uuid.New(), OrgID: w.acme.ID,
							Action: tenancy.EventWorkspaceRenamed, At: f.tick()}); err != nil {
							return err
						}
					}
					return nil
				})
				require.ErrorIs(t, err, tc.want, "%s, then %s", tc.name, next)
				if !errors.Is(tc.want, tenancy.ErrDomainTaken) {
					require.NotErrorIs(t, err, tenancy.ErrDomainTaken, "%s, then %s", tc.name, next)
				}
				_, err = f.s.User(f.ctx, cid.ID)
				require.ErrorIs(t, err, tenancy.ErrNotFound, "%s, then %s: the transaction kept nothing", tc.name, next)
			}
		}
		events := listFrom(t, 10, nil, listAuditEvents(f, w.acme.ID), auditCursor)
		require.Equal(t, []tenancy.AuditEvent{w.event}, events, "no event of a failed transaction was kept")
		admins, err := f.s.CountOrgAdmins(f.ctx, w.acme.ID)
		require.NoError(t, err)
		require.Equal(t, 1, admins)
		members, err := f.s.ListMembers(f.ctx, w.sales.ID, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		require.Len(t, members, 1)
		require.Equal(t, w.bob.ID, members[0].UserID)
		require.Equal(t, tenancy.RoleMember, members[0].Role)
	}},
	{"concurrent sign-ups deferring their claims create one organization", func(t *testing.T, f *fixture) {
		raceFirstSignUps(t, f, deferredWriter)
	}},
}

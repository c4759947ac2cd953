package storetest

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var userTests = []test{
	{"CreateUser round-trips every field", func(t *testing.T, f *fixture) {
		verified := f.newUser("ann")
		verified.EmailVerified = true
		verified.ExternalID = "auth0|ann-123"
		unverified := f.newUser("bob")
		unverified.EmailVerified = false
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(f.ctx, verified))
			return tx.CreateUser(f.ctx, unverified)
		})
		for _, u := range []tenancy.User{verified, unverified} {
			got, err := f.s.User(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
			got, err = f.s.UserByEmail(f.ctx, u.Email)
			require.NoError(t, err)
			require.Equal(t, u, got)
		}
		got, err := f.s.UserByExternalID(f.ctx, verified.ExternalID)
		require.NoError(t, err)
		require.Equal(t, verified, got)
	}},
	{"user reads return ErrNotFound when absent", func(t *testing.T, f *fixture) {
		f.user("ann") // no external ID
		withID := f.newUser("bob")
		withID.ExternalID = "auth0|bob"
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, withID) })
		_, err := f.s.User(f.ctx, uuid.New())
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByEmail(f.ctx, "cid@example.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByEmail(f.ctx, "")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByExternalID(f.ctx, "auth0|cid")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByExternalID(f.ctx, "AUTH0|BOB")
		require.ErrorIs(t, err, tenancy.ErrNotFound, "external IDs are compared exactly")
		_, err = f.s.UserByExternalID(f.ctx, "")
		require.ErrorIs(t, err, tenancy.ErrNotFound, "the empty external ID finds no user")
	}},
	{"CreateUser rejects a taken ID", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		bob := f.newUser("bob")
		bob.ID = ann.ID
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, bob) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)
		_, err = f.s.UserByEmail(f.ctx, bob.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateUser rejects a taken email", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		again := f.newUser("ann")
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, again) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.UserByEmail(f.ctx, ann.Email)
		require.NoError(t, err)
		require.Equal(t, ann, got)
		_, err = f.s.User(f.ctx, again.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateUser rejects a taken external ID", func(t *testing.T, f *fixture) {
		ann := f.newUser("ann")
		ann.ExternalID = "auth0|123"
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, ann) })
		bob := f.newUser("bob")
		bob.ExternalID = ann.ExternalID
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, bob) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		_, err = f.s.User(f.ctx, bob.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		got, err := f.s.UserByExternalID(f.ctx, ann.ExternalID)
		require.NoError(t, err)
		require.Equal(t, ann, got)

		bob.ExternalID = "AUTH0|123" // another subject
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, bob) })
		got, err = f.s.UserByExternalID(f.ctx, bob.ExternalID)
		require.NoError(t, err)
		require.Equal(t, bob, got)
	}},
	{"users without an external ID never conflict", func(t *testing.T, f *fixture) {
		users := []tenancy.User{f.user("ann"), f.user("bob"), f.user("cid")}
		for _, u := range users {
			got, err := f.s.User(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
			require.Empty(t, got.ExternalID)
		}
		// And one that had an external ID can drop it.
		dee := f.newUser("dee")
		dee.ExternalID = "auth0|dee"
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, dee) })
		dee.ExternalID = ""
		f.update(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, dee) })
		got, err := f.s.User(f.ctx, dee.ID)
		require.NoError(t, err)
		require.Equal(t, dee, got)
		_, err = f.s.UserByExternalID(f.ctx, "auth0|dee")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"UpdateUser replaces Email, Name, EmailVerified and ExternalID, keeping CreatedAt", func(t *testing.T, f *fixture) {
		ann := f.newUser("ann")
		ann.ExternalID = "auth0|ann"
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, ann) })
		bob := f.user("bob")
		change := ann
		change.Name = "Ann Changed"
		change.EmailVerified = !ann.EmailVerified
		change.Email = "ann.changed@example.com"
		change.ExternalID = "okta|ann"
		change.CreatedAt = f.tick()
		f.update(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, change) })

		want := change
		want.CreatedAt = ann.CreatedAt
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = f.s.UserByEmail(f.ctx, change.Email)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = f.s.UserByExternalID(f.ctx, change.ExternalID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		_, err = f.s.UserByEmail(f.ctx, ann.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "the old email is free")
		_, err = f.s.UserByExternalID(f.ctx, ann.ExternalID)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "the old external ID is free")
		got, err = f.s.User(f.ctx, bob.ID)
		require.NoError(t, err)
		require.Equal(t, bob, got, "other users are untouched")

		// The old email and external ID can be taken by another user.
		again := f.newUser("ann")
		again.ExternalID = "auth0|ann"
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, again) })
		got, err = f.s.UserByExternalID(f.ctx, "auth0|ann")
		require.NoError(t, err)
		require.Equal(t, again, got)
	}},
	{"UpdateUser rejects an email or external ID another user has", func(t *testing.T, f *fixture) {
		ann := f.newUser("ann")
		ann.ExternalID = "auth0|ann"
		bob := f.newUser("bob")
		bob.ExternalID = "auth0|bob"
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(f.ctx, ann))
			return tx.CreateUser(f.ctx, bob)
		})
		for name, change := range map[string]func(u *tenancy.User){
			"email":       func(u *tenancy.User) { u.Email = ann.Email },
			"external ID": func(u *tenancy.User) { u.ExternalID = ann.ExternalID },
		} {
			u := bob
			u.Name = "Changed"
			change(&u)
			err := f.fail(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, u) })
			require.ErrorIs(t, err, tenancy.ErrAlreadyExists, name)
			for _, want := range []tenancy.User{ann, bob} {
				got, err := f.s.User(f.ctx, want.ID)
				require.NoError(t, err)
				require.Equal(t, want, got, name)
			}
		}
		// A user keeps its own email and external ID.
		bob.Name = "Bob Changed"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, bob) })
		got, err := f.s.UserByExternalID(f.ctx, bob.ExternalID)
		require.NoError(t, err)
		require.Equal(t, bob, got)
	}},
	{"UpdateUser returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		err := f.fail(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, f.newUser("bob")) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		ghost := f.newUser("ann") // ann's email, another ID
		err = f.fail(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, ghost) })
		require.True(t, errors.Is(err, tenancy.ErrNotFound) || errors.Is(err, tenancy.ErrAlreadyExists),
			"a missing user with a taken email: got %v", err)
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)
	}},
	{"UpdateUser carries a new email to member and organization user lists", func(t *testing.T, f *fixture) {
		ann, bob, cid := f.user("ann"), f.user("bob"), f.user("cid")
		acme := f.org("Acme", "acme.com", ann, cid)
		globex := f.org("Globex", "globex.com", cid) // cid is only an admin there
		sales := f.workspace(acme, "Sales", ann)
		mAnn := f.member(sales, ann, tenancy.RoleAdmin)
		mBob := f.member(sales, bob, tenancy.RoleMember)
		mCid := f.member(sales, cid, tenancy.RoleMember)
		require.Equal(t, []tenancy.Member{mAnn, mBob, mCid}, listFrom(t, 10, nil, listMembers(f, sales.ID), memberCursor))

		// ann moves from the first place to the last, cid to the first.
		ann.Email = "zed@example.com"
		cid.Email = "abe@example.com"
		cid.ExternalID = "auth0|cid"
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.UpdateUser(f.ctx, ann))
			return tx.UpdateUser(f.ctx, cid)
		})
		mAnn.Email, mCid.Email = ann.Email, cid.Email
		checkPaging(t, []tenancy.Member{mCid, mBob, mAnn}, listMembers(f, sales.ID), memberCursor)
		got, err := f.s.Member(f.ctx, sales.ID, ann.ID)
		require.NoError(t, err)
		require.Equal(t, mAnn, got)
		checkPaging(t, []tenancy.OrgUser{
			{User: cid, OrgAdmin: true, Workspaces: 1},
			{User: bob, Workspaces: 1},
			{User: ann, OrgAdmin: true, Workspaces: 1},
		}, listOrgUsers(f, acme.ID), orgUserCursor)
		checkPaging(t, []tenancy.OrgUser{{User: cid, OrgAdmin: true}}, listOrgUsers(f, globex.ID), orgUserCursor)

		// A cursor built from the new email resumes after it.
		c := memberCursor(mCid)
		require.Equal(t, []tenancy.Member{mBob, mAnn}, listFrom(t, 10, &c, listMembers(f, sales.ID), memberCursor))
		oc := orgUserCursor(tenancy.OrgUser{User: bob})
		require.Equal(t, []tenancy.OrgUser{{User: ann, OrgAdmin: true, Workspaces: 1}},
			listFrom(t, 10, &oc, listOrgUsers(f, acme.ID), orgUserCursor))
	}},
	{"VerifyUserEmail verifies the current address once", func(t *testing.T, f *fixture) {
		ann := f.newUser("ann")
		ann.EmailVerified = false
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, ann) })
		verify := func(email string) bool {
			t.Helper()
			var changed bool
			f.update(func(tx tenancy.Tx) error {
				var err error
				changed, err = tx.VerifyUserEmail(f.ctx, ann.ID, email)
				return err
			})
			return changed
		}
		require.False(t, verify("other@example.com"), "not the user's address")
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)

		require.True(t, verify(ann.Email))
		ann.EmailVerified = true
		got, err = f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)
		require.False(t, verify(ann.Email), "already verified")
	}},
	{"VerifyUserEmail does not verify an address the user no longer has", func(t *testing.T, f *fixture) {
		ann := f.newUser("ann")
		ann.EmailVerified = false
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, ann) })
		old := ann.Email
		ann.Email = "ann.new@example.com"
		f.update(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, ann) })
		var changed bool
		f.update(func(tx tenancy.Tx) error {
			var err error
			changed, err = tx.VerifyUserEmail(f.ctx, ann.ID, old)
			return err
		})
		require.False(t, changed)
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)
		require.False(t, got.EmailVerified)
	}},
	{"VerifyUserEmail returns ErrNotFound for a missing user", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		err := f.fail(func(tx tenancy.Tx) error {
			changed, err := tx.VerifyUserEmail(f.ctx, uuid.New(), ann.Email)
			require.False(t, changed)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"DeleteUser deletes the user with its roles, leaving invitations and audit events", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		doomed := f.newUser("cid")
		doomed.ExternalID = "auth0|cid"
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, doomed) })
		acme := f.org("Acme", "acme.com", ann, doomed)
		globex := f.org("Globex", "globex.com", bob)
		sales := f.workspace(acme, "Sales", ann)
		other := f.workspace(globex, "Other", bob)
		mAnn := f.member(sales, ann, tenancy.RoleAdmin)
		f.member(sales, doomed, tenancy.RoleAdmin)
		mBob := f.member(other, bob, tenancy.RoleAdmin)
		f.member(other, doomed, tenancy.RoleMember)
		to := f.invite(sales, "cid@example.com", tenancy.RoleMember, ann)    // to its address
		by := f.invite(other, "dee@example.com", tenancy.RoleMember, doomed) // issued by it
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: acme.ID, ActorID: doomed.ID, TargetID: doomed.ID,
			Action: tenancy.EventMemberAdded, At: f.tick(), Details: map[string]string{"email": doomed.Email}}
		f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })

		f.update(func(tx tenancy.Tx) error { return tx.DeleteUser(f.ctx, doomed.ID) })

		_, err := f.s.User(f.ctx, doomed.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByEmail(f.ctx, doomed.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByExternalID(f.ctx, doomed.ExternalID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		for _, w := range []tenancy.Workspace{sales, other} {
			_, err = f.s.Member(f.ctx, w.ID, doomed.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
		}
		admin, err := f.s.IsOrgAdmin(f.ctx, acme.ID, doomed.ID)
		require.NoError(t, err)
		require.False(t, admin)
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = f.s.CountMembersWithRole(f.ctx, sales.ID, tenancy.RoleAdmin)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, []tenancy.Member{mAnn}, listFrom(t, 10, nil, listMembers(f, sales.ID), memberCursor))
		require.Equal(t, []tenancy.Member{mBob}, listFrom(t, 10, nil, listMembers(f, other.ID), memberCursor))
		checkEmpty(t, listUserMemberships(f, doomed.ID))
		require.Equal(t, []tenancy.OrgUser{{User: ann, OrgAdmin: true, Workspaces: 1}},
			listFrom(t, 10, nil, listOrgUsers(f, acme.ID), orgUserCursor))
		seats, err := f.s.CountSeats(f.ctx, globex.ID)
		require.NoError(t, err)
		require.Equal(t, 1, seats)
		orgs, err := f.s.UserOrganizations(f.ctx, doomed.ID)
		require.NoError(t, err)
		require.Empty(t, orgs)
		facts, err := f.s.AccessFacts(f.ctx, doomed.ID, tenancy.InWorkspace(sales.ID))
		require.NoError(t, err)
		require.False(t, facts.HasRole())

		// Invitations and audit events are the Service's to deal with.
		invs, err := f.s.ListInvitationsTo(f.ctx, to.Email)
		require.NoError(t, err)
		require.Equal(t, []tenancy.Invitation{to.Invitation}, invs)
		invs, err = f.s.ListInvitationsBy(f.ctx, uuid.Nil, doomed.ID)
		require.NoError(t, err)
		require.Equal(t, []tenancy.Invitation{by.Invitation}, invs)
		require.Equal(t, []tenancy.AuditEvent{e}, listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor))

		// Its email and external ID are free.
		again := f.newUser("cid")
		again.ExternalID = doomed.ExternalID
		f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, again) })
		got, err := f.s.UserByExternalID(f.ctx, again.ExternalID)
		require.NoError(t, err)
		require.Equal(t, again, got)
	}},
	{"DeleteUser returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		err := f.fail(func(tx tenancy.Tx) error { return tx.DeleteUser(f.ctx, uuid.New()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteUser(f.ctx, ann.ID) })
		err = f.fail(func(tx tenancy.Tx) error { return tx.DeleteUser(f.ctx, ann.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "deleted twice")
	}},
	{"UserOrganizations lists the organizations where the user holds any role, by name then ID", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		adminOnly := f.org("Zeta", "zeta.com", ann)
		both := f.org("Beta", "", ann, bob)
		memberOnly := f.org("Beta", "beta.com", bob) // same name: ordered by ID
		twice := f.org("Acme", "acme.com", bob)
		f.org("Not Ann's", "other.com", bob)
		bw := f.workspace(both, "One", ann)
		f.member(bw, ann, tenancy.RoleMember)
		mw := f.workspace(memberOnly, "One", bob)
		f.member(mw, ann, tenancy.RoleAdmin)
		f.workspace(memberOnly, "Two", bob) // not a member
		for _, name := range []string{"One", "Two", "Three"} {
			w := f.workspace(twice, name, bob)
			if name != "Three" {
				f.member(w, ann, tenancy.RoleMember)
			}
		}
		want := []tenancy.OrgMembership{
			{Organization: twice, Workspaces: 2},
			{Organization: both, OrgAdmin: true, Workspaces: 1},
			{Organization: memberOnly, Workspaces: 1},
			{Organization: adminOnly, OrgAdmin: true},
		}
		if compareID(both.ID, memberOnly.ID) > 0 {
			want[1], want[2] = want[2], want[1]
		}
		got, err := f.s.UserOrganizations(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		cid := f.user("cid")
		got, err = f.s.UserOrganizations(f.ctx, cid.ID)
		require.NoError(t, err)
		require.Empty(t, got, "a user without roles")
		got, err = f.s.UserOrganizations(f.ctx, uuid.New())
		require.NoError(t, err)
		require.Empty(t, got, "an unknown user")
	}},
}

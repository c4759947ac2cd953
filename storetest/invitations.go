package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var invitationTests = []test{
	{"CreateInvitation round-trips every field", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		inv := f.invite(w, "bob@example.com", tenancy.RoleAdmin, ann)
		got, err := f.s.Invitation(f.ctx, inv.ID)
		require.NoError(t, err)
		require.Equal(t, inv, got)
		got, err = f.s.InvitationByTokenHash(f.ctx, inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, inv, got)
		got, err = f.s.InvitationByEmail(f.ctx, w.ID, inv.Email)
		require.NoError(t, err)
		require.Equal(t, inv, got)
		require.Equal(t, []tenancy.Invitation{inv.Invitation}, listFrom(t, 10, nil, listInvitations(f, w.ID), invitationCursor))
	}},
	{"invitation reads return ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		other := f.workspace(acme, "Ops", ann)
		inv := f.invite(other, "bob@example.com", tenancy.RoleMember, ann)
		_, err := f.s.Invitation(f.ctx, uuid.New())
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByTokenHash(f.ctx, randomHash())
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByTokenHash(f.ctx, inv.TokenHash[:16])
		require.ErrorIs(t, err, tenancy.ErrNotFound, "a prefix of a hash")
		_, err = f.s.InvitationByEmail(f.ctx, w.ID, inv.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "invited to another workspace")
		_, err = f.s.InvitationByEmail(f.ctx, other.ID, "cid@example.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateInvitation returns ErrNotFound for a missing workspace", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		inv := f.newInvitation(tenancy.Workspace{ID: uuid.New(), OrgID: acme.ID}, "bob@example.com", tenancy.RoleMember, ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, inv) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.Invitation(f.ctx, inv.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"one invitation per workspace and email", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		inv := f.invite(sales, "bob@example.com", tenancy.RoleMember, ann)
		dup := f.newInvitation(sales, "bob@example.com", tenancy.RoleAdmin, ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, dup) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		_, err = f.s.Invitation(f.ctx, dup.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		got, err := f.s.InvitationByEmail(f.ctx, sales.ID, "bob@example.com")
		require.NoError(t, err)
		require.Equal(t, inv, got)

		elsewhere := f.invite(ops, "bob@example.com", tenancy.RoleAdmin, ann) // another workspace
		got, err = f.s.InvitationByEmail(f.ctx, ops.ID, "bob@example.com")
		require.NoError(t, err)
		require.Equal(t, elsewhere, got)
	}},
	{"token hashes are unique across workspaces", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		sales := f.workspace(acme, "Sales", ann)
		other := f.workspace(globex, "Other", ann)
		inv := f.invite(sales, "bob@example.com", tenancy.RoleMember, ann)
		for _, w := range []tenancy.Workspace{sales, other} {
			dup := f.newInvitation(w, "cid@example.com", tenancy.RoleMember, ann)
			dup.TokenHash = inv.TokenHash
			err := f.fail(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, dup) })
			require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
			_, err = f.s.Invitation(f.ctx, dup.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
		}
		got, err := f.s.InvitationByTokenHash(f.ctx, inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, inv, got)
	}},
	{"DeleteInvitation removes it and frees its email and hash", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		inv := f.invite(w, "bob@example.com", tenancy.RoleMember, ann)
		kept := f.invite(w, "cid@example.com", tenancy.RoleMember, ann)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteInvitation(f.ctx, inv.ID) })
		_, err := f.s.Invitation(f.ctx, inv.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByTokenHash(f.ctx, inv.TokenHash)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.InvitationByEmail(f.ctx, w.ID, inv.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		require.Equal(t, []tenancy.Invitation{kept.Invitation}, listFrom(t, 10, nil, listInvitations(f, w.ID), invitationCursor))

		again := f.newInvitation(w, inv.Email, tenancy.RoleAdmin, ann)
		again.TokenHash = inv.TokenHash
		f.update(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, again) })
		got, err := f.s.InvitationByTokenHash(f.ctx, inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, again, got)
	}},
	{"DeleteInvitation returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		inv := f.invite(w, "bob@example.com", tenancy.RoleMember, ann)
		err := f.fail(func(tx tenancy.Tx) error { return tx.DeleteInvitation(f.ctx, uuid.New()) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteInvitation(f.ctx, inv.ID) })
		err = f.fail(func(tx tenancy.Tx) error { return tx.DeleteInvitation(f.ctx, inv.ID) })
		require.ErrorIs(t, err, tenancy.ErrNotFound, "deleted twice")
	}},
	{"an invitation is replaced within one transaction", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		old := f.invite(w, "bob@example.com", tenancy.RoleMember, ann)
		repl := f.newInvitation(w, "bob@example.com", tenancy.RoleAdmin, ann)
		f.update(func(tx tenancy.Tx) error {
			got, err := tx.InvitationByEmail(f.ctx, w.ID, "bob@example.com")
			require.NoError(t, err)
			require.Equal(t, old, got)
			require.NoError(t, tx.DeleteInvitation(f.ctx, got.ID))
			return tx.CreateInvitation(f.ctx, repl)
		})
		got, err := f.s.InvitationByEmail(f.ctx, w.ID, "bob@example.com")
		require.NoError(t, err)
		require.Equal(t, repl, got)
		_, err = f.s.InvitationByTokenHash(f.ctx, old.TokenHash)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"returned token hashes are copies", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		inv := f.newInvitation(w, "bob@example.com", tenancy.RoleMember, ann)
		want := inv
		want.TokenHash = append([]byte(nil), inv.TokenHash...)
		f.update(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, inv) })
		inv.TokenHash[0] ^= 0xff // the caller's slice after the call

		read := func() []tenancy.InvitationRecord {
			byID, err := f.s.Invitation(f.ctx, want.ID)
			require.NoError(t, err)
			byHash, err := f.s.InvitationByTokenHash(f.ctx, want.TokenHash)
			require.NoError(t, err)
			byEmail, err := f.s.InvitationByEmail(f.ctx, w.ID, want.Email)
			require.NoError(t, err)
			return []tenancy.InvitationRecord{byID, byHash, byEmail}
		}
		for _, got := range read() {
			require.Equal(t, want, got)
			got.TokenHash[0] ^= 0xff
		}
		for _, got := range read() {
			require.Equal(t, want, got)
		}
	}},
	{"ListInvitations orders by email then ID", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		other := f.workspace(acme, "Ops", ann)
		locals := seq("i", 5)
		var want []tenancy.Invitation
		for _, i := range []int{4, 2, 0, 3, 1} {
			email := locals[i] + "@example.com"
			want = append(want, f.invite(w, email, tenancy.RoleMember, ann).Invitation)
			f.invite(other, email, tenancy.RoleMember, ann)
		}
		want = sortByKey(want, invitationCursor)
		require.Equal(t, "i00@example.com", want[0].Email)
		checkPaging(t, want, listInvitations(f, w.ID), invitationCursor)
		checkEmpty(t, listInvitations(f, uuid.New()))
	}},
	{"ListInvitations paging is stable under inserts and deletes", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		var want []tenancy.Invitation
		for _, local := range seq("i", 5) {
			want = append(want, f.invite(w, local+"@example.com", tenancy.RoleMember, ann).Invitation)
		}
		first := firstPage(t, 2, listInvitations(f, w.ID))
		require.Equal(t, want[:2], first)
		f.invite(w, "a00@example.com", tenancy.RoleMember, ann)
		late := f.invite(w, "z00@example.com", tenancy.RoleMember, ann)
		f.update(func(tx tenancy.Tx) error { return tx.DeleteInvitation(f.ctx, first[1].ID) })
		c := invitationCursor(first[1])
		rest := listFrom(t, 2, &c, listInvitations(f, w.ID), invitationCursor)
		require.Equal(t, append(want[2:], late.Invitation), rest)
	}},
	{"ListInvitationsTo lists an address's invitations in every workspace, oldest first", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", bob)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		other := f.workspace(globex, "Other", bob)
		t1, t2, t3 := f.tick(), f.tick(), f.tick()
		var want []tenancy.Invitation
		// Created out of order; two share an instant; one has expired.
		for _, c := range []struct {
			w  tenancy.Workspace
			by tenancy.User
			at time.Time
		}{{other, bob, t3}, {sales, ann, t1}, {ops, ann, t2}} {
			inv := f.newInvitation(c.w, "dee@example.com", tenancy.RoleMember, c.by)
			inv.CreatedAt, inv.ExpiresAt = c.at, c.at.Add(time.Hour)
			f.update(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, inv) })
			want = append(want, inv.Invitation)
		}
		tie := f.newInvitation(f.workspace(globex, "Tie", bob), "dee@example.com", tenancy.RoleAdmin, bob)
		tie.CreatedAt, tie.ExpiresAt = t2, t1 // expired before it was created
		f.update(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, tie) })
		want = append(want, tie.Invitation)
		f.invite(sales, "eve@example.com", tenancy.RoleMember, ann)
		f.invite(ops, "dee@example.org", tenancy.RoleMember, ann)
		want = byCreation(want)
		require.Equal(t, t1, want[0].CreatedAt)

		got, err := f.s.ListInvitationsTo(f.ctx, "dee@example.com")
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = f.s.ListInvitationsTo(f.ctx, "DEE@example.com")
		require.NoError(t, err)
		require.Empty(t, got, "addresses are normalized by the Service and compared exactly")
		got, err = f.s.ListInvitationsTo(f.ctx, "fay@example.com")
		require.NoError(t, err)
		require.Empty(t, got)
	}},
	{"ListInvitationsBy lists an inviter's invitations in one organization or all, oldest first", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann, bob)
		globex := f.org("Globex", "globex.com", ann)
		sales := f.workspace(acme, "Sales", ann)
		ops := f.workspace(acme, "Ops", ann)
		other := f.workspace(globex, "Other", ann)
		at := f.tick()
		var inAcme, inGlobex []tenancy.Invitation
		for i, local := range []string{"i03", "i01", "i04", "i00", "i02"} {
			w := []tenancy.Workspace{sales, ops, other}[i%3]
			inv := f.newInvitation(w, local+"@example.com", tenancy.RoleMember, ann)
			if i%2 == 0 {
				inv.CreatedAt = at // ties broken by ID
			}
			f.update(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, inv) })
			if w.OrgID == acme.ID {
				inAcme = append(inAcme, inv.Invitation)
			} else {
				inGlobex = append(inGlobex, inv.Invitation)
			}
		}
		f.invite(sales, "bob-invited@example.com", tenancy.RoleMember, bob)

		by := func(orgID, inviterID uuid.UUID) []tenancy.Invitation {
			t.Helper()
			got, err := f.s.ListInvitationsBy(f.ctx, orgID, inviterID)
			require.NoError(t, err)
			return got
		}
		require.Equal(t, byCreation(inAcme), by(acme.ID, ann.ID))
		require.Equal(t, byCreation(inGlobex), by(globex.ID, ann.ID))
		require.Equal(t, byCreation(append(inAcme, inGlobex...)), by(uuid.Nil, ann.ID))
		require.Len(t, by(uuid.Nil, bob.ID), 1)
		require.Empty(t, by(globex.ID, bob.ID))
		require.Empty(t, by(uuid.New(), ann.ID), "an unknown organization")
		require.Empty(t, by(uuid.Nil, uuid.New()), "an unknown inviter")
	}},
}

// byCreation sorts invitations by (CreatedAt, ID).
func byCreation(invs []tenancy.Invitation) []tenancy.Invitation {
	invs = slices.Clone(invs)
	slices.SortFunc(invs, func(a, b tenancy.Invitation) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), compareID(a.ID, b.ID))
	})
	return invs
}

func listInvitations(f *fixture, wsID uuid.UUID) fetchFunc[tenancy.Invitation] {
	return func(q tenancy.PageQuery) ([]tenancy.Invitation, error) { return f.s.ListInvitations(f.ctx, wsID, q) }
}

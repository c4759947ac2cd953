package tenancy_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// inviteFixture is an organization with a workspace, its admin and a
// member.
type inviteFixture struct {
	*fixture
	org    tenancy.Organization
	ws     tenancy.Workspace
	admin  tenancy.Actor
	member tenancy.Actor
}

func newInviteFixture(t *testing.T) *inviteFixture {
	t.Helper()
	f := &inviteFixture{fixture: newFixture(t)}
	f.admin, f.org = f.founder("ann@acme.com")
	f.ws = f.workspace(f.admin, f.org.ID, "Marketing")
	f.member = f.user("carl@gmail.com")
	f.fixture.member(f.admin, f.ws.ID, f.member, tenancy.RoleMember)
	return f
}

// invite invites email to the workspace as the admin.
func (f *inviteFixture) invite(email string, r tenancy.Role) (tenancy.Invitation, string) {
	f.t.Helper()
	inv, token, err := f.svc.Invite(f.ctx, f.admin, f.ws.ID, email, r)
	require.NoError(f.t, err)
	return inv, token
}

// accept accepts a token, which must fail, and asserts nothing was written.
func (f *inviteFixture) acceptFails(a tenancy.Actor, token string) error {
	f.t.Helper()
	return f.unchanged(f.org.ID, func() error {
		_, err := f.svc.AcceptInvitation(f.ctx, a, token)
		return err
	})
}

func (f *inviteFixture) invitations() []tenancy.Invitation {
	f.t.Helper()
	l, err := f.svc.Invitations(f.ctx, f.admin, f.ws.ID, tenancy.Page{})
	require.NoError(f.t, err)
	return l.Items
}

func TestInviteReturnsATokenItNeverStores(t *testing.T) {
	f := newInviteFixture(t)
	inv, token := f.invite(" Bob@Acme.com ", tenancy.RoleAdmin)
	assert.NotEqual(t, uuid.Nil, inv.ID)
	assert.Equal(t, f.ws.ID, inv.WorkspaceID)
	assert.Equal(t, f.org.ID, inv.OrgID)
	assert.Equal(t, "bob@acme.com", inv.Email)
	assert.Equal(t, tenancy.RoleAdmin, inv.Role)
	assert.Equal(t, f.admin.UserID, inv.InvitedBy)
	assert.Equal(t, f.clock(), inv.CreatedAt)
	assert.Equal(t, f.clock().Add(7*24*time.Hour), inv.ExpiresAt)

	require.Len(t, token, 43, "256 bits in unpadded base64url")
	secret, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	require.Len(t, secret, 32)
	_, _, err = f.svc.Invite(f.ctx, f.admin, f.ws.ID, "dina@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	rec, err := f.store.Invitation(f.ctx, inv.ID)
	require.NoError(t, err)
	assert.Equal(t, inv, rec.Invitation)
	require.Len(t, rec.TokenHash, 32)
	assert.NotEqual(t, secret, rec.TokenHash)
	assert.False(t, bytes.Contains(rec.TokenHash, secret[:8]), "the hash holds no part of the secret")
	assert.NotContains(t, string(rec.TokenHash), token)

	assert.Equal(t, []tenancy.Invitation{inv}, f.invitations()[:1])
	e := f.lastEvents(2)[0]
	assert.Equal(t, tenancy.EventInvitationCreated, e.Action)
	assert.Equal(t, f.org.ID, e.OrgID)
	assert.Equal(t, f.ws.ID, e.WorkspaceID)
	assert.Equal(t, f.admin.UserID, e.ActorID)
	assert.Equal(t, inv.ID, e.TargetID)
	assert.Equal(t, "bob@acme.com", e.Details["email"])
	assert.Equal(t, "admin", e.Details["role"])
	for _, e := range f.lastEvents(f.eventCount()) {
		for _, v := range e.Details {
			assert.NotContains(t, v, token, "the token is never in the audit log")
		}
	}
}

func TestInvitationTokensAreUnique(t *testing.T) {
	f := newInviteFixture(t)
	seen := map[string]bool{}
	for i := range 20 {
		_, token := f.invite(strings.Repeat("x", i+1)+"@gmail.com", tenancy.RoleMember)
		require.False(t, seen[token])
		seen[token] = true
	}
}

func TestAcceptInvitation(t *testing.T) {
	f := newInviteFixture(t)
	inv, token := f.invite("Bob@Acme.com", tenancy.RoleAdmin)
	bob := f.user("bob@acme.com")
	f.advance(time.Hour)

	m, err := f.svc.AcceptInvitation(f.ctx, bob, token)
	require.NoError(t, err)
	assert.Equal(t, tenancy.Member{WorkspaceID: f.ws.ID, UserID: bob.UserID, Email: "bob@acme.com",
		Role: tenancy.RoleAdmin, CreatedAt: f.clock()}, m)
	assert.Equal(t, tenancy.RoleAdmin, f.roleIn(f.ws.ID, bob.UserID))
	require.NoError(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionManageMembers, tenancy.InWorkspace(f.ws.ID)))
	assert.Empty(t, f.invitations(), "the invitation is consumed")
	_, err = f.store.Invitation(f.ctx, inv.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)

	events := f.lastEvents(2)
	assert.Equal(t, tenancy.EventInvitationAccepted, events[0].Action)
	assert.Equal(t, inv.ID, events[0].TargetID)
	assert.Equal(t, tenancy.EventMemberAdded, events[1].Action)
	assert.Equal(t, bob.UserID, events[1].TargetID)
	assert.Equal(t, "invitation", events[1].Details["via"])
	for _, e := range events {
		assert.Equal(t, f.org.ID, e.OrgID)
		assert.Equal(t, f.ws.ID, e.WorkspaceID)
		assert.Equal(t, bob.UserID, e.ActorID)
	}

	t.Run("a used token fails", func(t *testing.T) {
		err := f.acceptFails(bob, token)
		require.ErrorIs(t, err, tenancy.ErrInvitation)
		require.NoError(t, f.svc.RemoveMember(f.ctx, bob, f.ws.ID, bob.UserID))
		err = f.acceptFails(bob, token)
		require.ErrorIs(t, err, tenancy.ErrInvitation, "even after leaving")
	})
}

func TestAcceptInvitationByAnotherUser(t *testing.T) {
	f := newInviteFixture(t)
	_, token := f.invite("bob@acme.com", tenancy.RoleMember)
	bob := f.user("bob@acme.com")
	for _, a := range []tenancy.Actor{f.user("eve@gmail.com"), f.user("bob@acme.co"), f.user("bob+x@acme.com"), f.member, f.admin} {
		err := f.acceptFails(a, token)
		require.ErrorIs(t, err, tenancy.ErrInvitation)
	}
	_, err := f.svc.AcceptInvitation(f.ctx, f.actor(uuid.New()), token)
	require.Error(t, err, "an unknown user")
	require.Len(t, f.invitations(), 1)
	_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
	require.NoError(t, err, "the invitation still works for its addressee")
}

func TestAcceptInvitationBeforeSignUp(t *testing.T) {
	f := newInviteFixture(t)
	_, token := f.invite("newcomer@gmail.com", tenancy.RoleMember)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "NewComer@GMail.com", EmailVerified: true})
	require.NoError(t, err)
	_, err = f.svc.AcceptInvitation(f.ctx, f.actor(res.User.ID), token)
	require.NoError(t, err)
}

func TestInvitationExpiry(t *testing.T) {
	t.Run("default TTL", func(t *testing.T) {
		f := newInviteFixture(t)
		bob, dina := f.user("bob@gmail.com"), f.user("dina@gmail.com")
		_, bobToken := f.invite("bob@gmail.com", tenancy.RoleMember)
		_, dinaToken := f.invite("dina@gmail.com", tenancy.RoleMember)
		f.advance(7*24*time.Hour - time.Microsecond)
		_, err := f.svc.AcceptInvitation(f.ctx, dina, dinaToken)
		require.NoError(t, err, "just before expiry")
		f.advance(time.Microsecond)
		err = f.acceptFails(bob, bobToken)
		require.ErrorIs(t, err, tenancy.ErrInvitation, "exactly at expiry")
		f.advance(time.Hour)
		err = f.acceptFails(bob, bobToken)
		require.ErrorIs(t, err, tenancy.ErrInvitation)
		assert.Len(t, f.invitations(), 1, "expired invitations stay listed until revoked or replaced")
	})
	t.Run("the organization's TTL", func(t *testing.T) {
		f := newInviteFixture(t)
		_, err := f.svc.SetSecurityPolicy(f.ctx, f.admin, f.org.ID, tenancy.SecurityPolicy{InvitationTTL: time.Hour})
		require.NoError(t, err)
		bob := f.user("bob@gmail.com")
		inv, token := f.invite("bob@gmail.com", tenancy.RoleMember)
		assert.Equal(t, f.clock().Add(time.Hour), inv.ExpiresAt)
		f.advance(time.Hour)
		require.ErrorIs(t, f.acceptFails(bob, token), tenancy.ErrInvitation)

		// A later policy change does not extend existing invitations.
		_, err = f.svc.SetSecurityPolicy(f.ctx, f.admin, f.org.ID, tenancy.SecurityPolicy{InvitationTTL: 30 * 24 * time.Hour})
		require.NoError(t, err)
		require.ErrorIs(t, f.acceptFails(bob, token), tenancy.ErrInvitation)
		inv, token = f.invite("bob@gmail.com", tenancy.RoleMember)
		assert.Equal(t, f.clock().Add(30*24*time.Hour), inv.ExpiresAt)
		f.advance(29 * 24 * time.Hour)
		_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
		require.NoError(t, err)
	})
}

func TestRevokeInvitation(t *testing.T) {
	f := newInviteFixture(t)
	inv, token := f.invite("bob@gmail.com", tenancy.RoleMember)
	bob := f.user("bob@gmail.com")
	stranger := f.user("eve@gmail.com")
	_, otherOrg := f.founder("olga@other.com")
	other := f.actor(mustAdmin(t, f.fixture, otherOrg.ID))

	for _, a := range []tenancy.Actor{stranger, other, bob} {
		err := f.unchanged(f.org.ID, func() error { return f.svc.RevokeInvitation(f.ctx, a, inv.ID) })
		requireHidden(t, err)
	}
	err := f.unchanged(f.org.ID, func() error { return f.svc.RevokeInvitation(f.ctx, f.member, inv.ID) })
	requireDenied(t, err, tenancy.ActionManageMembers)
	err = f.unchanged(f.org.ID, func() error { return f.svc.RevokeInvitation(f.ctx, f.admin, uuid.New()) })
	requireHidden(t, err)
	require.Len(t, f.invitations(), 1)

	require.NoError(t, f.svc.RevokeInvitation(f.ctx, f.admin, inv.ID))
	e := f.lastEvents(1)[0]
	assert.Equal(t, tenancy.EventInvitationRevoked, e.Action)
	assert.Equal(t, f.org.ID, e.OrgID)
	assert.Equal(t, f.ws.ID, e.WorkspaceID)
	assert.Equal(t, f.admin.UserID, e.ActorID)
	assert.Equal(t, inv.ID, e.TargetID)
	assert.Empty(t, f.invitations())
	require.ErrorIs(t, f.acceptFails(bob, token), tenancy.ErrInvitation)
	err = f.unchanged(f.org.ID, func() error { return f.svc.RevokeInvitation(f.ctx, f.admin, inv.ID) })
	require.ErrorIs(t, err, tenancy.ErrNotFound, "revoking twice")
}

func TestReinviteReplacesTheInvitation(t *testing.T) {
	f := newInviteFixture(t)
	bob := f.user("bob@gmail.com")
	old, oldToken := f.invite("bob@gmail.com", tenancy.RoleMember)
	f.advance(time.Minute)
	inv, token := f.invite("BOB@gmail.com", tenancy.RoleAdmin)
	assert.NotEqual(t, old.ID, inv.ID)
	assert.NotEqual(t, oldToken, token)
	assert.Equal(t, []tenancy.Invitation{inv}, f.invitations())
	_, err := f.store.Invitation(f.ctx, old.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound)

	require.ErrorIs(t, f.acceptFails(bob, oldToken), tenancy.ErrInvitation)
	m, err := f.svc.AcceptInvitation(f.ctx, bob, token)
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleAdmin, m.Role)
}

func TestForgedTokensFail(t *testing.T) {
	f := newInviteFixture(t)
	bob := f.user("bob@gmail.com")
	inv, token := f.invite("bob@gmail.com", tenancy.RoleMember)
	secret, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	rec, err := f.store.Invitation(f.ctx, inv.ID)
	require.NoError(t, err)

	random := make([]byte, 32)
	_, _ = rand.Read(random)
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	// The last of 43 characters carries 4 bits of the secret and 2 padding
	// bits; setting a padding bit must not give a second valid spelling.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[42])
	padded := token[:42] + string(alphabet[last^1])

	forged := map[string]string{
		"empty":                   "",
		"random 32 bytes":         base64.RawURLEncoding.EncodeToString(random),
		"16 bytes":                base64.RawURLEncoding.EncodeToString(secret[:16]),
		"33 bytes":                base64.RawURLEncoding.EncodeToString(append(secret[:32:32], 0)),
		"31 bytes":                base64.RawURLEncoding.EncodeToString(secret[:31]),
		"not base64":              "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
		"standard alphabet":       strings.NewReplacer("-", "+", "_", "/").Replace(token),
		"padded":                  base64.URLEncoding.EncodeToString(secret),
		"first character":         flip(token, 0),
		"middle character":        flip(token, 21),
		"padding bits set":        padded,
		"surrounding white space": " " + token + " ",
		"line breaks":             token[:20] + "\r\n" + token[20:] + "\n",
		"upper-cased":             strings.ToUpper(token),
		"the hash as a token":     base64.RawURLEncoding.EncodeToString(rec.TokenHash),
		"doubled":                 token + token,
		"truncated":               token[:42],
	}
	for name, tok := range forged {
		t.Run(name, func(t *testing.T) {
			if tok == token {
				t.Skip("the mutation left the token unchanged")
			}
			require.ErrorIs(t, f.acceptFails(bob, tok), tenancy.ErrInvitation)
		})
	}
	_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
	require.NoError(t, err, "the genuine token still works")
}

func TestInviteRejects(t *testing.T) {
	f := newInviteFixture(t)
	bob := f.user("bob@gmail.com")
	f.fixture.member(f.admin, f.ws.ID, bob, tenancy.RoleMember)

	t.Run("an existing member", func(t *testing.T) {
		for _, email := range []string{"bob@gmail.com", "BOB@GMAIL.COM", "ann@acme.com"} {
			err := f.unchanged(f.org.ID, func() error {
				_, _, err := f.svc.Invite(f.ctx, f.admin, f.ws.ID, email, tenancy.RoleAdmin)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrAlreadyExists, email)
		}
	})
	t.Run("an invalid email", func(t *testing.T) {
		for _, email := range []string{"", "bob", "Bob <bob@gmail.com>", "bob@localhost", "bob@@gmail.com", "a@b.c, d@e.f"} {
			err := f.unchanged(f.org.ID, func() error {
				_, _, err := f.svc.Invite(f.ctx, f.admin, f.ws.ID, email, tenancy.RoleMember)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrInvalidEmail, email)
		}
	})
	t.Run("an unknown role", func(t *testing.T) {
		for _, r := range []tenancy.Role{"owner", "", tenancy.RoleOrgAdmin} {
			err := f.unchanged(f.org.ID, func() error {
				_, _, err := f.svc.Invite(f.ctx, f.admin, f.ws.ID, "new@gmail.com", r)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrInvalidInput, r)
		}
	})
	t.Run("a member cannot invite, nor invite an admin", func(t *testing.T) {
		for _, r := range []tenancy.Role{tenancy.RoleMember, tenancy.RoleAdmin} {
			err := f.unchanged(f.org.ID, func() error {
				_, _, err := f.svc.Invite(f.ctx, f.member, f.ws.ID, "new@gmail.com", r)
				return err
			})
			requireDenied(t, err, tenancy.ActionManageMembers)
		}
	})
	t.Run("a stranger or an unknown workspace", func(t *testing.T) {
		eve := f.user("eve@gmail.com")
		err := f.unchanged(f.org.ID, func() error {
			_, _, err := f.svc.Invite(f.ctx, eve, f.ws.ID, "new@gmail.com", tenancy.RoleMember)
			return err
		})
		requireHidden(t, err)
		_, _, err = f.svc.Invite(f.ctx, f.admin, uuid.New(), "new@gmail.com", tenancy.RoleMember)
		requireHidden(t, err)
	})
	assert.Empty(t, f.invitations())
}

func TestInvitationsAndAllowedEmailDomains(t *testing.T) {
	f := newInviteFixture(t)
	early := f.user("early@gmail.com")
	_, earlyToken := f.invite("early@gmail.com", tenancy.RoleMember)
	_, err := f.svc.SetSecurityPolicy(f.ctx, f.admin, f.org.ID, tenancy.SecurityPolicy{AllowedEmailDomains: []string{"ACME.com"}})
	require.NoError(t, err)

	for _, email := range []string{"x@gmail.com", "x@notacme.com", "x@acme.com.evil.io", "x@acme.co"} {
		err := f.unchanged(f.org.ID, func() error {
			_, _, err := f.svc.Invite(f.ctx, f.admin, f.ws.ID, email, tenancy.RoleMember)
			return err
		})
		requireDenied(t, err, tenancy.ActionManageMembers)
	}
	for _, email := range []string{"x@acme.com", "y@eu.acme.com", "z@A.B.ACME.COM"} {
		_, _, err := f.svc.Invite(f.ctx, f.admin, f.ws.ID, email, tenancy.RoleMember)
		require.NoError(t, err, email)
	}

	t.Run("accepting is blocked once the policy excludes the address", func(t *testing.T) {
		err := f.acceptFails(early, earlyToken)
		requireDenied(t, err, tenancy.ActionManageMembers)
		assert.Equal(t, tenancy.Role(""), f.roleIn(f.ws.ID, early.UserID))
		_, err = f.svc.SetSecurityPolicy(f.ctx, f.admin, f.org.ID, tenancy.SecurityPolicy{})
		require.NoError(t, err)
		_, err = f.svc.AcceptInvitation(f.ctx, early, earlyToken)
		require.NoError(t, err, "the invitation survived the blocked attempt")
	})
}

func TestAcceptInvitationWhenAlreadyAMember(t *testing.T) {
	f := newInviteFixture(t)
	bob := f.user("bob@gmail.com")
	inv, token := f.invite("bob@gmail.com", tenancy.RoleAdmin)
	f.fixture.member(f.admin, f.ws.ID, bob, tenancy.RoleMember)

	err := f.acceptFails(bob, token)
	require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	assert.Equal(t, tenancy.RoleMember, f.roleIn(f.ws.ID, bob.UserID), "the role is unchanged")
	assert.Equal(t, []tenancy.Invitation{inv}, f.invitations(), "the invitation is kept")
}

func TestAcceptInvitationChecksTheSession(t *testing.T) {
	f := newInviteFixture(t)
	bob := f.user("bob@gmail.com")
	_, token := f.invite("bob@gmail.com", tenancy.RoleMember)
	admin := f.admin
	admin.MFA = true
	_, err := f.svc.SetSecurityPolicy(f.ctx, admin, f.org.ID, tenancy.SecurityPolicy{RequireMFA: true})
	require.NoError(t, err)

	err = f.acceptFails(bob, token)
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	require.NotErrorIs(t, err, tenancy.ErrInvitation)
	assert.Contains(t, err.Error(), "multi-factor")
	assert.Equal(t, tenancy.Role(""), f.roleIn(f.ws.ID, bob.UserID))

	bob.MFA = true
	_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
	require.NoError(t, err)

	t.Run("leaving too", func(t *testing.T) {
		bob.MFA = false
		err := f.unchanged(f.org.ID, func() error { return f.svc.RemoveMember(f.ctx, bob, f.ws.ID, bob.UserID) })
		require.ErrorIs(t, err, tenancy.ErrForbidden)
		assert.Contains(t, err.Error(), "multi-factor")
		bob.MFA = true
		require.NoError(t, f.svc.RemoveMember(f.ctx, bob, f.ws.ID, bob.UserID))
	})
}

func TestConcurrentAcceptsConsumeTheInvitationOnce(t *testing.T) {
	f := newInviteFixture(t)
	bob := f.user("bob@gmail.com")
	_, token := f.invite("bob@gmail.com", tenancy.RoleMember)
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = f.svc.AcceptInvitation(f.ctx, bob, token) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		require.True(t, errorIsAny(err, tenancy.ErrInvitation, tenancy.ErrAlreadyExists), err)
	}
	assert.Equal(t, 1, ok)
}

// An invitation pending for a user who then joined the workspace another
// way (added by an admin, auto-join) must not bring it back once it is
// removed, nor undo a demotion once it leaves: removal from the workspace
// revokes the invitations to the user's addresses there, as removal from
// the organization does.
func TestRemovedMemberCannotReturnThroughAPendingInvitation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// out takes Bob, a member since the invitation was sent, out of
		// the workspace.
		out func(f *inviteFixture, bob tenancy.Actor) error
	}{
		{"removed by an admin", func(f *inviteFixture, bob tenancy.Actor) error {
			return f.svc.RemoveMember(f.ctx, f.admin, f.ws.ID, bob.UserID)
		}},
		{"demoted, then left", func(f *inviteFixture, bob tenancy.Actor) error {
			if _, err := f.svc.SetMemberRole(f.ctx, f.admin, f.ws.ID, bob.UserID, tenancy.RoleMember); err != nil {
				return err
			}
			return f.svc.RemoveMember(f.ctx, bob, f.ws.ID, bob.UserID)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newInviteFixture(t)
			inv, token := f.invite("bob@gmail.com", tenancy.RoleAdmin)
			// Bob, at another address, is added directly while the
			// invitation to his next one is pending.
			bob := f.user("bob@outlook.com")
			f.fixture.member(f.admin, f.ws.ID, bob, tenancy.RoleAdmin)
			_, err := f.svc.ChangeEmail(f.ctx, bob.UserID, "bob@gmail.com", true)
			require.NoError(t, err)

			require.NoError(t, tc.out(f, bob))
			e := f.lastEvents(1)[0]
			require.Equal(t, tenancy.EventMemberRemoved, e.Action)
			assert.Equal(t, "1", e.Details[tenancy.DetailInvitationsRevoked])
			_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
			require.ErrorIs(t, err, tenancy.ErrInvitation, "the member came back through the invitation")
			assert.Equal(t, tenancy.Role(""), f.roleIn(f.ws.ID, bob.UserID))
			assert.Empty(t, f.invitations(), "the invitation to the removed member is pending")
			_, err = f.store.Invitation(f.ctx, inv.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound)
		})
	}
}

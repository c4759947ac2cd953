package tenancy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// Regression tests for the findings of the adversarial review: each one
// names its finding.

// Finding 1: an invitation is worth no more than its inviter.
func TestDepartingAdminsInvitationsLapse(t *testing.T) {
	type setup struct {
		f         *fixture
		owner     tenancy.Actor
		org       tenancy.Organization
		ws        tenancy.Workspace
		inviter   tenancy.Actor
		inviterID uuid.UUID
	}
	newSetup := func(t *testing.T) setup {
		f := newFixture(t)
		owner, org := f.founder("ann@acme.com")
		ws := f.workspace(owner, org.ID, "Ops")
		inviter := f.user("ivan@acme.com")
		f.member(owner, ws.ID, inviter, tenancy.RoleAdmin)
		return setup{f, owner, org, ws, inviter, inviter.UserID}
	}
	revokedOnLoss := map[string]func(s setup) error{
		"removed from the workspace": func(s setup) error {
			return s.f.svc.RemoveMember(s.f.ctx, s.owner, s.ws.ID, s.inviterID)
		},
		"demoted to member": func(s setup) error {
			_, err := s.f.svc.SetMemberRole(s.f.ctx, s.owner, s.ws.ID, s.inviterID, tenancy.RoleMember)
			return err
		},
		"removed from the organization": func(s setup) error {
			return s.f.svc.RemoveFromOrganization(s.f.ctx, s.owner, s.org.ID, s.inviterID)
		},
		"leaves the workspace": func(s setup) error {
			return s.f.svc.RemoveMember(s.f.ctx, s.inviter, s.ws.ID, s.inviterID)
		},
		"leaves the organization": func(s setup) error {
			return s.f.svc.LeaveOrganization(s.f.ctx, s.inviter, s.org.ID)
		},
		"is deleted": func(s setup) error { return s.f.svc.DeleteUser(s.f.ctx, s.inviterID) },
	}
	for name, lose := range revokedOnLoss {
		t.Run(name, func(t *testing.T) {
			s := newSetup(t)
			inv, token, err := s.f.svc.Invite(s.f.ctx, s.inviter, s.ws.ID, "eve@outside.example", tenancy.RoleAdmin)
			require.NoError(t, err)
			require.NoError(t, lose(s))

			eve := s.f.user("eve@outside.example")
			_, err = s.f.svc.AcceptInvitation(s.f.ctx, eve, token)
			require.ErrorIs(t, err, tenancy.ErrInvitation)
			_, err = s.f.store.Invitation(s.f.ctx, inv.ID)
			require.ErrorIs(t, err, tenancy.ErrNotFound, "the invitation is revoked in the same transaction")
			if name != "is deleted" {
				revoked := lastAction(t, s.f, s.org.ID, tenancy.EventInvitationRevoked)
				assert.Equal(t, inv.ID, revoked.TargetID)
				assert.Equal(t, tenancy.ReasonInviterLostRights, revoked.Details[tenancy.DetailReason])
			}
		})
	}
	t.Run("an org admin who loses the role keeps what its workspace role can grant", func(t *testing.T) {
		f := newFixture(t)
		owner, org := f.founder("ann@acme.com")
		ws := f.workspace(owner, org.ID, "Ops")
		other := f.workspace(owner, org.ID, "Other")
		bob := f.user("bob@acme.com")
		f.member(owner, ws.ID, bob, tenancy.RoleAdmin)
		require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, owner, org.ID, bob.UserID))
		kept, keptToken, err := f.svc.Invite(f.ctx, bob, ws.ID, "k@acme.com", tenancy.RoleAdmin)
		require.NoError(t, err)
		lost, _, err := f.svc.Invite(f.ctx, bob, other.ID, "l@acme.com", tenancy.RoleMember)
		require.NoError(t, err)
		require.NoError(t, f.svc.RevokeOrgAdmin(f.ctx, owner, org.ID, bob.UserID))
		_, err = f.store.Invitation(f.ctx, kept.ID)
		require.NoError(t, err, "bob is still an admin of Ops")
		_, err = f.store.Invitation(f.ctx, lost.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "bob holds no role in Other any more")
		k := f.user("k@acme.com")
		_, err = f.svc.AcceptInvitation(f.ctx, k, keptToken)
		require.NoError(t, err)
	})
	t.Run("a custom policy that stops covering the role invalidates it at acceptance", func(t *testing.T) {
		f := newFixture(t)
		owner, org := f.founder("ann@acme.com")
		ws := f.workspace(owner, org.ID, "Ops")
		_, token, err := f.svc.Invite(f.ctx, owner, ws.ID, "bob@acme.com", tenancy.RoleAdmin)
		require.NoError(t, err)
		bob := f.user("bob@acme.com")
		// The same store under a policy in which org admins may no longer
		// manage members: the owner's invitation is worth nothing now.
		strict, err := tenancy.NewPolicy(map[tenancy.Role][]tenancy.Action{
			tenancy.RoleMember:   {tenancy.ActionViewWorkspace},
			tenancy.RoleAdmin:    {tenancy.ActionViewWorkspace},
			tenancy.RoleOrgAdmin: {tenancy.ActionCreateWorkspace},
		})
		require.NoError(t, err)
		svc := tenancy.New(f.store, tenancy.WithPolicy(strict), tenancy.WithClock(f.clock))
		_, err = svc.AcceptInvitation(f.ctx, bob, token)
		require.ErrorIs(t, err, tenancy.ErrInvitation)
		_, err = svc.InvitationByToken(f.ctx, token)
		require.ErrorIs(t, err, tenancy.ErrInvitation)
	})
}

// lastAction returns the newest event of the organization with action.
func lastAction(t *testing.T, f *fixture, org uuid.UUID, action string) tenancy.AuditEvent {
	t.Helper()
	events, err := f.store.ListAuditEvents(f.ctx, org, tenancy.PageQuery{Limit: 1000})
	require.NoError(t, err)
	for _, e := range events {
		if e.Action == action {
			return e
		}
	}
	t.Fatalf("no %s event", action)
	return tenancy.AuditEvent{}
}

// Finding 2: ConfirmEmail succeeds for a user already in an auto-join
// workspace.
func TestConfirmEmailSkipsAutoJoinWorkspacesTheUserIsIn(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	eng := f.workspace(owner, org.ID, "Engineering")
	ops := f.workspace(owner, org.ID, "Ops")
	_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{
		AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{eng.ID, ops.ID}}})
	require.NoError(t, err)
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "bob@acme.com"})
	require.NoError(t, err)
	_, token, err := f.svc.Invite(f.ctx, owner, eng.ID, "bob@acme.com", tenancy.RoleAdmin)
	require.NoError(t, err)
	bob := f.actor(res.User.ID)
	_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
	require.NoError(t, err)

	conf, err := f.svc.ConfirmEmail(f.ctx, bob.UserID)
	require.NoError(t, err)
	require.Len(t, conf.Joined, 1)
	assert.Equal(t, ops.ID, conf.Joined[0].WorkspaceID)
	m, err := f.store.Member(f.ctx, eng.ID, bob.UserID)
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleAdmin, m.Role, "the invited role is kept")
}

// Finding 3: MaxSessionAge has a floor, and an operator can undo a policy.
func TestMaxSessionAgeFloorAndOperatorReset(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	for _, d := range []time.Duration{time.Nanosecond, time.Second, tenancy.MinSessionAge - time.Microsecond} {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{MaxSessionAge: d})
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, d)
	}
	_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{MaxSessionAge: tenancy.MinSessionAge, RequireMFA: true})
	require.ErrorIs(t, err, tenancy.ErrLockout, "the owner's session has no MFA")
	mfa := owner
	mfa.MFA = true
	_, err = f.svc.SetSecurityPolicy(f.ctx, mfa, org.ID, tenancy.SecurityPolicy{MaxSessionAge: tenancy.MinSessionAge, RequireMFA: true})
	require.NoError(t, err)
	f.advance(time.Hour)
	_, err = f.svc.Organization(f.ctx, f.actor(owner.UserID), org.ID)
	var denied *tenancy.DeniedError
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, tenancy.DeniedMFA, denied.Code())

	o, err := f.svc.Operator().ResetSecurityPolicy(f.ctx, org.ID, "ticket 42: locked out")
	require.NoError(t, err)
	assert.Equal(t, tenancy.SecurityPolicy{}, o.Policy)
	e := lastAction(t, f, org.ID, tenancy.EventSecurityPolicyChanged)
	assert.Equal(t, uuid.Nil, e.ActorID)
	assert.Equal(t, "ticket 42: locked out", e.Details[tenancy.DetailNote])
	_, err = f.svc.Organization(f.ctx, f.actor(owner.UserID), org.ID)
	require.NoError(t, err)
}

// Finding 4: org admin needs a verified address, so an unverified account
// cannot hold the organization of the real owner's domain.
func TestUnverifiedUsersCannotBeOrgAdmins(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "mallory@acme.com"})
	require.NoError(t, err)
	ws := f.workspace(owner, org.ID, "Ops")
	f.member(owner, ws.ID, f.actor(res.User.ID), tenancy.RoleMember)
	err = f.unchanged(org.ID, func() error { return f.svc.GrantOrgAdmin(f.ctx, owner, org.ID, res.User.ID) })
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	err = f.unchanged(org.ID, func() error {
		return f.svc.Operator().GrantOrgAdmin(f.ctx, org.ID, res.User.ID, "asked by phone")
	})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	_, err = f.svc.ConfirmEmail(f.ctx, res.User.ID)
	require.NoError(t, err)
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, owner, org.ID, res.User.ID))
}

// An Organization Admin holds a verified address, also after changing
// it: an admin who changed, unverified, to someone else's address would
// hold that address as the organization's last admin, which DeleteUser
// cannot erase, and its owner could never sign up. The admin proves the
// new address first.
func TestOrgAdminsChangeOnlyToVerifiedAddresses(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	err := f.unchanged(uuid.Nil, func() error {
		_, err := f.svc.ChangeEmail(f.ctx, owner.UserID, "ceo@globex.com", false)
		return err
	})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	u, err := f.svc.User(f.ctx, owner.UserID)
	require.NoError(t, err)
	assert.Equal(t, "ann@acme.com", u.Email)
	assert.True(t, u.EmailVerified)

	res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "ceo@globex.com", EmailVerified: true})
	require.NoError(t, err, "the address stays free for its owner")
	assert.True(t, res.CreatedOrganization)

	_, err = f.svc.ChangeEmail(f.ctx, owner.UserID, "ann@acme.com", false)
	require.NoError(t, err, "the current address, unchanged, changes nothing")
	changed, err := f.svc.ChangeEmail(f.ctx, owner.UserID, "ann.smith@acme.com", true)
	require.NoError(t, err, "a proven address is fine")
	assert.True(t, changed.User.EmailVerified)
	admins, err := f.svc.AdminOrganizations(f.ctx, owner.UserID)
	require.NoError(t, err)
	require.Len(t, admins, 1)
	assert.Equal(t, org.ID, admins[0].ID)

	// Once no longer an Organization Admin, the user may change as anyone.
	bob := f.user("bob@acme.com")
	require.NoError(t, f.svc.GrantOrgAdmin(f.ctx, owner, org.ID, bob.UserID))
	require.NoError(t, f.svc.RevokeOrgAdmin(f.ctx, bob, org.ID, owner.UserID))
	_, err = f.svc.ChangeEmail(f.ctx, owner.UserID, "ann@initech.com", false)
	require.NoError(t, err)
}

// Finding 7: forged cursors are invalid input, never a store failure.
func TestForgedCursorsAreInvalidInput(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	f.member(owner, ws.ID, f.user("bob@acme.com"), tenancy.RoleMember)
	var logs bytes.Buffer
	svc := tenancy.New(f.store, tenancy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	forged := []string{
		forgeCursor(t, svc, owner, ws.ID, "\xff"),
		forgeCursor(t, svc, owner, ws.ID, "a\x00b"),
		forgeCursor(t, svc, owner, ws.ID, strings.Repeat("x", 5000)),
		"!!!", "AA", strings.Repeat("A", 10000),
	}
	for _, c := range forged {
		_, err := svc.Members(f.ctx, owner, ws.ID, tenancy.Page{After: c})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, "%q", c)
	}
	assert.Empty(t, logs.String(), "nothing is logged as a store failure")
}

// forgeCursor takes a real Members cursor, as an attacker would, and
// replaces the sort key at its end (after the list tag, the ID and the
// time: 25 bytes).
func forgeCursor(t *testing.T, svc *tenancy.Service, a tenancy.Actor, ws uuid.UUID, key string) string {
	t.Helper()
	page, err := svc.Members(context.Background(), a, ws, tenancy.Page{Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.Next)
	raw, err := base64.RawURLEncoding.DecodeString(page.Next)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(append(raw[:25:25], key...))
}

// Finding 8: one message for another organization's invitation and an
// unknown one.
func TestRevokeInvitationRevealsNothingAcrossOrganizations(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	inv, _, err := f.svc.Invite(f.ctx, owner, ws.ID, "x@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	stranger, _ := f.founder("eve@globex.com")
	errOther := f.svc.RevokeInvitation(f.ctx, stranger, inv.ID)
	unknown := uuid.New()
	errUnknown := f.svc.RevokeInvitation(f.ctx, stranger, unknown)
	require.ErrorIs(t, errOther, tenancy.ErrNotFound)
	require.ErrorIs(t, errUnknown, tenancy.ErrNotFound)
	assert.Equal(t, strings.Replace(errUnknown.Error(), unknown.String(), inv.ID.String(), 1), errOther.Error())
	assert.NotContains(t, errOther.Error(), ws.ID.String())
}

// Finding 9: a change that changes nothing writes no event.
func TestNoOpChangesWriteNoEvent(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	_, err := f.svc.SetBilling(f.ctx, owner, org.ID, tenancy.Billing{Email: "ap@acme.com", CustomerRef: "cus_1"})
	require.NoError(t, err)
	_, err = f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{InvitationTTL: time.Hour,
		AllowedEmailDomains: []string{"acme.com"}})
	require.NoError(t, err)
	bob := f.user("bob@acme.com")
	f.member(owner, ws.ID, bob, tenancy.RoleMember)
	before, handled := f.auditLen(org.ID), f.eventCount()
	noops := map[string]func() error{
		"rename organization": func() error {
			_, err := f.svc.RenameOrganization(f.ctx, owner, org.ID, " "+org.Name+" ")
			return err
		},
		"billing": func() error {
			_, err := f.svc.SetBilling(f.ctx, owner, org.ID, tenancy.Billing{Email: "AP@acme.com", CustomerRef: " cus_1 "})
			return err
		},
		"policy": func() error {
			_, err := f.svc.SetSecurityPolicy(f.ctx, owner, org.ID, tenancy.SecurityPolicy{InvitationTTL: time.Hour,
				AllowedEmailDomains: []string{"ACME.com", "acme.com"}})
			return err
		},
		"rename workspace": func() error {
			_, err := f.svc.RenameWorkspace(f.ctx, owner, ws.ID, "Ｏｐｓ")
			return err
		},
		"member role": func() error {
			_, err := f.svc.SetMemberRole(f.ctx, owner, ws.ID, bob.UserID, tenancy.RoleMember)
			return err
		},
		"rename user": func() error {
			u, err := f.svc.User(f.ctx, bob.UserID)
			require.NoError(t, err)
			_, err = f.svc.RenameUser(f.ctx, bob.UserID, u.Name)
			return err
		},
		"change email to the same": func() error {
			_, err := f.svc.ChangeEmail(f.ctx, bob.UserID, "Bob@ACME.com", true)
			return err
		},
	}
	for name, op := range noops {
		require.NoError(t, op(), name)
		require.Equal(t, before, f.auditLen(org.ID), name)
		require.Equal(t, handled, f.eventCount(), name)
	}
}

// Finding 10: display names hold no invisible or spoofing characters, and
// look-alikes collide.
func TestDisplayNamesArePreparedWithPRECIS(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	f.workspace(owner, org.ID, "Sales")
	for _, name := range []string{"\u200b", "Sales\u200b", "Sa\u202eles", "Sales\U000E0041", "Sal\u00ades", "x\u2060y"} {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.CreateWorkspace(f.ctx, owner, org.ID, name)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, "%q", name)
	}
	for _, name := range []string{"SALES", "ｓａｌｅｓ", "Ｓａｌｅｓ", " sales "} {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.CreateWorkspace(f.ctx, owner, org.ID, name)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists, "%q", name)
	}
	composed, decomposed := strings.Repeat("é", 100), strings.Repeat("e\u0301", 100)
	ws, err := f.svc.CreateWorkspace(f.ctx, owner, org.ID, decomposed)
	require.NoError(t, err, "100 characters once normalized")
	assert.Equal(t, composed, ws.Name)
	_, err = f.svc.CreateWorkspace(f.ctx, owner, org.ID, composed)
	require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	assert.Equal(t, tenancy.NameKey("Sales"), tenancy.NameKey("Sales\u200b"), "stored look-alikes share a key")

	_, err = f.svc.RenameOrganization(f.ctx, owner, org.ID, "Acme\u200b")
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	_, err = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "z@acme.com", Name: "Zoe\u202e"})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
}

// A few characters that Unicode classes as symbols, not spaces nor
// default-ignorable, and that PRECIS therefore allows, draw nothing: the
// braille blank (U+2800, the usual "invisible name" character) and the
// musical null notehead (U+1D159). A workspace named "Sales" followed by
// one, or with one for a space, would look exactly like "Sales" or "Sales
// Team" beside it.
func TestDisplayNamesRefuseBlankSymbols(t *testing.T) {
	f := newFixture(t)
	owner, org := f.founder("ann@acme.com")
	f.workspace(owner, org.ID, "Sales")
	f.workspace(owner, org.ID, "Sales Team")
	for _, name := range []string{"Sales⠀", "⠀Sales", "Sales⠀Team", "Sales𝅙", "⠀"} {
		err := f.unchanged(org.ID, func() error {
			_, err := f.svc.CreateWorkspace(f.ctx, owner, org.ID, name)
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrInvalidInput, "%+q", name)
	}
	_, err := f.svc.RenameOrganization(f.ctx, owner, org.ID, "Acme⠀")
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	_, err = f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: "z@acme.com", Name: "Ann⠀"})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
	assert.Equal(t, tenancy.NameKey("Sales"), tenancy.NameKey("Sales⠀"), "stored look-alikes share a key")
	assert.Equal(t, tenancy.NameKey("Sales Team"), tenancy.NameKey("Sales⠀Team"), "stored look-alikes share a key")
	assert.Equal(t, tenancy.NameKey("Sales"), tenancy.NameKey("Sales𝅙"), "stored look-alikes share a key")
}

// Finding 11: revoking or replacing an invitation needs the right to grant
// its role.
func TestLowerRolesCannotCancelHigherInvitations(t *testing.T) {
	p, err := tenancy.NewPolicy(map[tenancy.Role][]tenancy.Action{
		"manager":            {tenancy.ActionViewWorkspace, tenancy.ActionManageMembers},
		tenancy.RoleMember:   {tenancy.ActionViewWorkspace},
		tenancy.RoleAdmin:    {tenancy.ActionViewWorkspace, tenancy.ActionManageMembers, tenancy.ActionDeleteWorkspace},
		tenancy.RoleOrgAdmin: {tenancy.ActionCreateWorkspace},
	})
	require.NoError(t, err)
	f := newFixture(t, tenancy.WithPolicy(p))
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	mgr := f.user("mgr@acme.com")
	f.member(owner, ws.ID, mgr, "manager")
	inv, _, err := f.svc.Invite(f.ctx, owner, ws.ID, "boss@acme.com", tenancy.RoleAdmin)
	require.NoError(t, err)

	err = f.unchanged(org.ID, func() error { return f.svc.RevokeInvitation(f.ctx, mgr, inv.ID) })
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	err = f.unchanged(org.ID, func() error {
		_, _, err := f.svc.Invite(f.ctx, mgr, ws.ID, "boss@acme.com", tenancy.RoleMember)
		return err
	})
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	_, err = f.store.Invitation(f.ctx, inv.ID)
	require.NoError(t, err)
}

// Finding 12: a successful call logs nothing above debug, and denials are
// logged at debug with their code.
func TestLoggingLevels(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, tenancy.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	owner, org := f.founder("ann@acme.com")
	ws := f.workspace(owner, org.ID, "Ops")
	ctx := context.Background()
	_, err := f.svc.User(ctx, owner.UserID)
	require.NoError(t, err)
	_, err = f.svc.AdminOrganizations(ctx, owner.UserID)
	require.NoError(t, err)
	_, err = f.svc.UserWorkspaces(ctx, owner.UserID, tenancy.Page{})
	require.NoError(t, err)
	_, err = f.svc.Organization(ctx, owner, org.ID)
	require.NoError(t, err)
	_, err = f.svc.Workspace(ctx, owner, ws.ID)
	require.NoError(t, err)
	_, err = f.svc.Seats(ctx, owner, org.ID)
	require.NoError(t, err)
	_, err = f.svc.UserOrganizations(ctx, owner.UserID)
	require.NoError(t, err)
	assert.Empty(t, logs.String())

	mfa := owner
	mfa.MFA = true
	_, err = f.svc.SetSecurityPolicy(ctx, mfa, org.ID, tenancy.SecurityPolicy{RequireMFA: true, AllowedEmailDomains: []string{"acme.com"}})
	require.NoError(t, err)
	_, err = f.svc.Organization(ctx, owner, org.ID)
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	assert.Contains(t, logs.String(), "level=DEBUG msg=\"tenancy: denied\"")
	assert.Contains(t, logs.String(), "code=mfa_required")
	logs.Reset()
	_, _, err = f.svc.Invite(ctx, mfa, ws.ID, "x@other.example", tenancy.RoleMember)
	var denied *tenancy.DeniedError
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, tenancy.DeniedEmailDomain, denied.Code())
	assert.Contains(t, logs.String(), "code=email_domain_not_allowed")
	assert.Equal(t, 1, strings.Count(logs.String(), "tenancy: denied"), "logged once")
	assert.NotContains(t, logs.String(), "level=ERROR")
}

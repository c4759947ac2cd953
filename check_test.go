package tenancy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

func TestCheckAndAuthorize(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	member := f.user("bob@gmail.com")
	f.member(admin, ws.ID, member, tenancy.RoleMember)
	stranger := f.user("eve@gmail.com")

	d, err := f.svc.Check(f.ctx, member, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID))
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, tenancy.RoleMember, d.Role)

	d, err = f.svc.Check(f.ctx, member, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID))
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Contains(t, d.Reason, string(tenancy.ActionCreateSource))

	err = f.svc.Authorize(f.ctx, member, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID))
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	assert.NotErrorIs(t, err, tenancy.ErrNotFound)
	var denied *tenancy.DeniedError
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, tenancy.ActionCreateSource, denied.Decision.Action)
	assert.Contains(t, err.Error(), "source:create")

	require.NoError(t, f.svc.Authorize(f.ctx, admin, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID)),
		"org admins hold admin rights in every workspace")

	for _, sc := range []tenancy.Scope{tenancy.InWorkspace(ws.ID), tenancy.InOrganization(org.ID),
		tenancy.InWorkspace(uuid.New()), tenancy.InOrganization(uuid.New())} {
		d, err := f.svc.Check(f.ctx, stranger, tenancy.ActionViewWorkspace, sc)
		require.NoError(t, err)
		assert.False(t, d.Allowed)
		err = f.svc.Authorize(f.ctx, stranger, tenancy.ActionViewWorkspace, sc)
		require.ErrorIs(t, err, tenancy.ErrForbidden)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "no role: existence is not leaked")
	}
}

func TestCheckIsNeverStale(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	bob := f.user("bob@gmail.com")
	f.member(admin, ws.ID, bob, tenancy.RoleAdmin)

	require.NoError(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID)))
	_, err := f.svc.SetMemberRole(f.ctx, admin, ws.ID, bob.UserID, tenancy.RoleMember)
	require.NoError(t, err)
	require.ErrorIs(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID)), tenancy.ErrForbidden)
	require.NoError(t, f.svc.RemoveMember(f.ctx, admin, ws.ID, bob.UserID))
	require.ErrorIs(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)), tenancy.ErrNotFound)
}

func TestSecurityPolicyAppliesToEveryDecision(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	bob := f.user("bob@gmail.com")
	f.member(admin, ws.ID, bob, tenancy.RoleMember)

	admin.MFA = true
	_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{RequireMFA: true})
	require.NoError(t, err)

	d, err := f.svc.Check(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID))
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Contains(t, d.Reason, "multi-factor")
	_, err = f.svc.Workspace(f.ctx, bob, ws.ID)
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	_, err = f.svc.Organization(f.ctx, bob, org.ID)
	require.ErrorIs(t, err, tenancy.ErrForbidden)

	bob.MFA = true
	require.NoError(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)))

	noMFA := admin
	noMFA.MFA = false
	_, err = f.svc.RenameOrganization(f.ctx, noMFA, org.ID, "Acme")
	require.ErrorIs(t, err, tenancy.ErrForbidden, "org admins too")

	t.Run("session age", func(t *testing.T) {
		_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{RequireMFA: true, MaxSessionAge: time.Hour})
		require.NoError(t, err)
		require.NoError(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)))
		f.advance(2 * time.Hour)
		require.ErrorIs(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)), tenancy.ErrForbidden)
		bob.AuthenticatedAt = f.clock()
		admin.AuthenticatedAt = f.clock()
		require.NoError(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)))
	})
	t.Run("IP allowlist", func(t *testing.T) {
		admin.IP = netip.MustParseAddr("203.0.113.7")
		_, err := f.svc.SetSecurityPolicy(f.ctx, admin, org.ID, tenancy.SecurityPolicy{
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}})
		require.NoError(t, err)
		bob.IP = netip.MustParseAddr("198.51.100.1")
		d, err := f.svc.Check(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID))
		require.NoError(t, err)
		assert.False(t, d.Allowed)
		assert.Contains(t, d.Reason, "IP")
		bob.IP = netip.MustParseAddr("203.0.113.9")
		require.NoError(t, f.svc.Authorize(f.ctx, bob, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID)))
	})
}

func TestSetSecurityPolicyLockout(t *testing.T) {
	f := newFixture(t)
	admin, org := f.founder("ann@acme.com")
	for name, p := range map[string]tenancy.SecurityPolicy{
		"MFA":         {RequireMFA: true},
		"SSO":         {RequireSSO: true},
		"IP":          {AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		"session age": {MaxSessionAge: 30 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			a := admin
			a.AuthenticatedAt = f.clock().Add(-time.Hour)
			err := f.unchanged(org.ID, func() error {
				_, err := f.svc.SetSecurityPolicy(f.ctx, a, org.ID, p)
				return err
			})
			require.ErrorIs(t, err, tenancy.ErrLockout)
			o, err := f.svc.Organization(f.ctx, admin, org.ID)
			require.NoError(t, err)
			assert.Equal(t, tenancy.SecurityPolicy{}, o.Policy)
		})
	}
}

// TestSSOCountsOnlyInItsOrganization: a session that went through one
// organization's single sign-on (Actor.SSOOrg) passes RequireSSO there
// and nowhere else, on every path that checks a session: decisions in a
// workspace or the organization, accepting an invitation, and the
// lockout check of a new policy.
func TestSSOCountsOnlyInItsOrganization(t *testing.T) {
	f := newFixture(t)
	ann, acme := f.founder("ann@acme.com")
	olga, globex := f.founder("olga@globex.com")
	sso := func(a tenancy.Actor, org uuid.UUID) tenancy.Actor {
		a.SSO, a.SSOOrg = true, org
		return a
	}
	ws := f.workspace(olga, globex.ID, "Partners")
	f.member(olga, ws.ID, ann, tenancy.RoleMember)
	_, err := f.svc.SetSecurityPolicy(f.ctx, sso(olga, acme.ID), globex.ID, tenancy.SecurityPolicy{RequireSSO: true})
	require.ErrorIs(t, err, tenancy.ErrLockout, "Olga's session went through Acme's SSO, not Globex's")
	_, err = f.svc.SetSecurityPolicy(f.ctx, sso(olga, globex.ID), globex.ID, tenancy.SecurityPolicy{RequireSSO: true})
	require.NoError(t, err)

	for _, c := range []struct {
		name  string
		actor tenancy.Actor
		code  tenancy.DenialCode
	}{
		{"through Globex's SSO", sso(ann, globex.ID), ""},
		{"through Acme's SSO", sso(ann, acme.ID), tenancy.DeniedSSO},
		{"SSO of no organization named", sso(ann, uuid.Nil), ""},
		{"no SSO", ann, tenancy.DeniedSSO},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := f.svc.Check(f.ctx, c.actor, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID))
			require.NoError(t, err)
			assert.Equal(t, c.code == "", d.Allowed)
			assert.Equal(t, c.code, d.Code)
			_, err = f.svc.Organization(f.ctx, c.actor, globex.ID)
			var denied *tenancy.DeniedError
			if c.code == "" {
				require.NoError(t, err)
			} else if assert.ErrorAs(t, err, &denied) {
				assert.Equal(t, c.code, denied.Code())
			}
		})
	}

	bob := f.user("bob@gmail.com")
	_, token, err := f.svc.Invite(f.ctx, sso(olga, globex.ID), ws.ID, "bob@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	err = f.unchanged(globex.ID, func() error {
		_, err := f.svc.AcceptInvitation(f.ctx, sso(bob, acme.ID), token)
		return err
	})
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	_, err = f.svc.AcceptInvitation(f.ctx, sso(bob, globex.ID), token)
	require.NoError(t, err)
	d, err := f.svc.Check(f.ctx, sso(ann, acme.ID), tenancy.ActionViewWorkspace, tenancy.InOrganization(acme.ID))
	require.NoError(t, err)
	assert.True(t, d.Allowed, "Acme sets no requirement")
}

func TestCheckDoesNotAllocateOnMemstore(t *testing.T) {
	f := newFixtureOn(t, memstore.New())
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	bob := f.user("bob@gmail.com")
	f.member(admin, ws.ID, bob, tenancy.RoleMember)
	allocs := testing.AllocsPerRun(200, func() {
		d, _ := f.svc.Check(f.ctx, bob, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID))
		if !d.Allowed {
			panic("expected allowed")
		}
		d, _ = f.svc.Check(f.ctx, bob, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID))
		if d.Allowed {
			panic("expected denied")
		}
		_, _ = f.svc.Check(f.ctx, admin, tenancy.ActionManageBilling, tenancy.InOrganization(org.ID))
	})
	assert.Zero(t, allocs)
}

func TestDenialsAreLoggedWithoutSecrets(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, tenancy.WithLogger(logger))
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	bob := f.user("bob@gmail.com")
	f.member(admin, ws.ID, bob, tenancy.RoleMember)
	_, token, err := f.svc.Invite(f.ctx, admin, ws.ID, "carl@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	_, err = f.svc.AcceptInvitation(f.ctx, bob, token)
	require.ErrorIs(t, err, tenancy.ErrInvitation)

	_, err = f.svc.Check(f.ctx, bob, tenancy.ActionDeleteSource, tenancy.InWorkspace(ws.ID))
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, "level=DEBUG")
	assert.Contains(t, out, "action=source:delete")
	assert.Contains(t, out, "role=member")
	assert.Contains(t, out, bob.UserID.String())
	assert.NotContains(t, out, token)
	assert.False(t, strings.Contains(out, "level=ERROR"), "no store failure happened")
}

// failingStore makes every transaction fail as a database would.
type failingStore struct{ tenancy.Store }

var errDisk = errors.New("disk on fire")

func (failingStore) Update(ctx context.Context, fn func(tenancy.Tx) error) error { return errDisk }

func TestStoreFailuresAreLoggedAtError(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	svc := tenancy.New(failingStore{newFixture(t).store}, tenancy.WithLogger(logger))
	_, err := svc.SignUp(t.Context(), tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	require.ErrorIs(t, err, errDisk)
	assert.Contains(t, buf.String(), "level=ERROR")
	assert.Contains(t, buf.String(), "disk on fire")
}

func BenchmarkCheck(b *testing.B) {
	f := newFixture(b)
	admin, org := f.founder("ann@acme.com")
	ws := f.workspace(admin, org.ID, "Marketing")
	bob := f.user("bob@gmail.com")
	f.member(admin, ws.ID, bob, tenancy.RoleMember)
	for _, bc := range []struct {
		name string
		a    tenancy.Actor
		act  tenancy.Action
		sc   tenancy.Scope
	}{
		{"allowed", bob, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID)},
		{"denied", bob, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID)},
		{"org admin", admin, tenancy.ActionManageBilling, tenancy.InOrganization(org.ID)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.svc.Check(f.ctx, bc.a, bc.act, bc.sc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSignUp(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		// Every fourth sign-up founds an organization; the rest join
		// claimed domains or use personal addresses.
		var email string
		switch i % 4 {
		case 0:
			email = fmt.Sprintf("founder@org%d.com", i)
		case 1, 2:
			email = fmt.Sprintf("user%d@org%d.com", i, i-i%4)
		default:
			email = fmt.Sprintf("user%d@gmail.com", i)
		}
		if _, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true}); err != nil {
			b.Fatal(err)
		}
	}
}

package tenancy_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// fuzzOrg is a fresh organization (acme.com) with one workspace, "Base",
// and its founder's session, which uses MFA and SSO from 10.0.0.1.
type fuzzOrg struct {
	ctx    context.Context
	store  tenancy.Store
	svc    *tenancy.Service
	events int
	admin  tenancy.Actor
	org    tenancy.Organization
	base   tenancy.Workspace
	other  tenancy.Workspace // in another organization
}

func newFuzzOrg(t *testing.T) *fuzzOrg {
	t.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	f := &fuzzOrg{ctx: context.Background(), store: memstore.New()}
	f.svc = tenancy.New(f.store, tenancy.WithClock(func() time.Time { return now }),
		tenancy.WithEventHandler(func(context.Context, tenancy.AuditEvent) { f.events++ }))
	founder := func(email string) (tenancy.Actor, tenancy.Organization) {
		res, err := f.svc.SignUp(f.ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		require.NoError(t, err)
		require.NotNil(t, res.Organization)
		return tenancy.Actor{UserID: res.User.ID, MFA: true, SSO: true, IP: netip.MustParseAddr("10.0.0.1"),
			AuthenticatedAt: now}, *res.Organization
	}
	f.admin, f.org = founder("ann@acme.com")
	var err error
	f.base, err = f.svc.CreateWorkspace(f.ctx, f.admin, f.org.ID, "Base")
	require.NoError(t, err)
	otherAdmin, otherOrg := founder("olga@globex.io")
	f.other, err = f.svc.CreateWorkspace(f.ctx, otherAdmin, otherOrg.ID, "Other")
	require.NoError(t, err)
	f.events = 0
	return f
}

// FuzzWorkspaceName creates a workspace with any name and reads it back:
// no panic; either ErrInvalidInput, or a clean name that round-trips, is
// stable when prepared again, and whose NameKey is stable and makes the
// name collide with itself.
func FuzzWorkspaceName(f *testing.F) {
	for _, s := range []string{
		"Sales", "sales", "ＳＡＬＥＳ", "Sales\u200b", "", "   ", "  Eng  ", "R&D", "a\tb", "a  b",
		strings.Repeat("a", 100), strings.Repeat("a", 101), strings.Repeat("é", 100), strings.Repeat("e\u0301", 100),
		"\xff", "a\x00b", "\u202eevil", "ﬁnance", "İstanbul", "STRASSE", "Straße", "ΣΊΣΥΦΟΣ", "\U0001F600 team",
		"x\U000E0041", "\uFEFFBOM", "'; DROP TABLE x; --", "Base", "BASE", "Ｂａｓｅ", "base\u00a0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		o := newFuzzOrg(t)
		ws, err := o.svc.CreateWorkspace(o.ctx, o.admin, o.org.ID, name)
		if err != nil {
			if errors.Is(err, tenancy.ErrAlreadyExists) {
				// It collides with "Base": then so must its key.
				require.Equal(t, tenancy.NameKey("Base"), tenancy.NameKey(name), "collision without equal keys")
				return
			}
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
			require.Zero(t, o.events)
			return
		}
		require.True(t, utf8.ValidString(ws.Name))
		require.Equal(t, ws.Name, strings.TrimSpace(ws.Name))
		n := utf8.RuneCountInString(ws.Name)
		require.True(t, n >= 1 && n <= tenancy.MaxNameLength, "%d characters", n)
		for _, r := range ws.Name {
			require.False(t, unicode.IsControl(r) || unicode.Is(unicode.Cf, r), "the name holds %U", r)
		}
		got, err := o.svc.Workspace(o.ctx, o.admin, ws.ID)
		require.NoError(t, err)
		require.Equal(t, ws.Name, got.Name, "the name does not round-trip")

		key := tenancy.NameKey(ws.Name)
		require.Equal(t, key, tenancy.NameKey(name), "the raw and prepared names have different keys")
		require.Equal(t, key, tenancy.NameKey(key), "NameKey is not idempotent")
		require.NotEqual(t, tenancy.NameKey("Base"), key)

		// Preparing the stored name again changes nothing.
		renamed, err := o.svc.RenameWorkspace(o.ctx, o.admin, ws.ID, ws.Name)
		require.NoError(t, err)
		require.Equal(t, ws.Name, renamed.Name)
		events := o.events
		_, err = o.svc.RenameWorkspace(o.ctx, o.admin, ws.ID, name)
		require.NoError(t, err)
		require.Equal(t, events, o.events, "renaming to the same name recorded an event")

		// The name, raw or stored, collides with itself.
		_, err = o.svc.CreateWorkspace(o.ctx, o.admin, o.org.ID, name)
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		_, err = o.svc.CreateWorkspace(o.ctx, o.admin, o.org.ID, ws.Name)
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
	})
}

// FuzzSecurityPolicy runs random policies through SecurityPolicy.Validate
// and SetSecurityPolicy: no panic; Validate is idempotent and its errors
// are ErrInvalidInput; SetSecurityPolicy stores exactly the normalized
// policy, or fails with ErrInvalidInput or ErrLockout writing nothing.
func FuzzSecurityPolicy(f *testing.F) {
	f.Add(false, false, int64(0), int64(0), "", "", "", uint8(0), "")
	f.Add(true, true, int64(time.Hour), int64(48*time.Hour), "10.0.0.0/8", "acme.com", "eng.acme.com", uint8(1), "member")
	f.Add(true, false, int64(time.Minute), int64(-1), "10.0.0.1/33,::ffff:10.0.0.0/104", "ACME.com,acme.com", "acme.com", uint8(3), "admin")
	f.Add(false, true, int64(-5), int64(366*24*time.Hour), "192.168.0.0/16,bogus", "gmail.com,xn--bcher-kva.example", "eng.globex.io", uint8(4), "org_admin")
	f.Add(false, false, int64(5*time.Minute), int64(1), "::/0,0.0.0.0/0", "", "a.b.eng.acme.com,ENG.acme.com", uint8(15), "viewer")
	f.Add(true, true, int64(1<<62), int64(1<<62), "10.0.0.0/8,10.0.0.0/8", "büro.example,.", "\x00", uint8(255), "\u202e")
	f.Fuzz(func(t *testing.T, mfa, sso bool, maxAge, ttl int64, ips, domains, joinDomains string, wsMask uint8, role string) {
		o := newFuzzOrg(t)
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		p := tenancy.SecurityPolicy{RequireMFA: mfa, RequireSSO: sso, MaxSessionAge: time.Duration(maxAge),
			InvitationTTL: time.Duration(ttl), AllowedEmailDomains: split(domains),
			AutoJoin: tenancy.AutoJoin{Role: tenancy.Role(role), Domains: split(joinDomains)}}
		for _, s := range split(ips) {
			pfx, err := netip.ParsePrefix(s)
			if err != nil {
				pfx = netip.Prefix{} // invalid: Validate must refuse it
			}
			p.AllowedIPs = append(p.AllowedIPs, pfx)
		}
		for i, id := range []uuid.UUID{o.base.ID, o.base.ID, o.other.ID, uuid.Nil, uuid.New()} {
			if wsMask&(1<<i) != 0 {
				p.AutoJoin.Workspaces = append(p.AutoJoin.Workspaces, id)
			}
		}
		input := p.Clone()

		norm, err := p.Validate(o.svc.Policy())
		require.Equal(t, input, p, "Validate changed its receiver's lists")
		if err != nil {
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		} else {
			again, err := norm.Validate(o.svc.Policy())
			require.NoError(t, err, "a normalized policy is invalid")
			require.True(t, again.Equal(norm), "Validate is not idempotent: %+v then %+v", norm, again)
			require.Equal(t, again, norm)
		}

		before := takeSnapshot(t, o.store, snapSeeds{Orgs: []uuid.UUID{o.org.ID}, Users: []uuid.UUID{o.admin.UserID}})
		org, serr := o.svc.SetSecurityPolicy(o.ctx, o.admin, o.org.ID, p)
		if err != nil {
			require.ErrorIs(t, serr, tenancy.ErrInvalidInput, "Validate refused it, SetSecurityPolicy did not")
		}
		if serr != nil {
			require.True(t, errors.Is(serr, tenancy.ErrInvalidInput) || errors.Is(serr, tenancy.ErrLockout), "error: %v", serr)
			require.Equal(t, before, takeSnapshot(t, o.store, snapSeeds{Orgs: []uuid.UUID{o.org.ID}, Users: []uuid.UUID{o.admin.UserID}}))
			require.Zero(t, o.events)
			return
		}
		require.True(t, org.Policy.Equal(norm), "stored %+v, normalized %+v", org.Policy, norm)
		stored, err := o.store.Organization(o.ctx, o.org.ID)
		require.NoError(t, err)
		require.True(t, stored.Policy.Equal(norm), "stored %+v, normalized %+v", stored.Policy, norm)

		// Setting it again, raw or normalized, changes nothing.
		events := o.events
		_, err = o.svc.SetSecurityPolicy(o.ctx, o.admin, o.org.ID, input)
		require.NoError(t, err)
		_, err = o.svc.SetSecurityPolicy(o.ctx, o.admin, o.org.ID, norm)
		require.NoError(t, err)
		require.Equal(t, events, o.events, "setting the same policy recorded an event")
	})
}

package sqlstore

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

func TestPolicyJSON(t *testing.T) {
	t.Parallel()
	ws := uuid.MustParse("0190a5d2-7c4e-7b7a-9d3e-5f1a2b3c4d5e")
	full := tenancy.SecurityPolicy{
		RequireMFA:          true,
		RequireSSO:          true,
		MaxSessionAge:       12*time.Hour + 1,
		AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")},
		AllowedEmailDomains: []string{"acme.com"},
		InvitationTTL:       72 * time.Hour,
		AutoJoin:            tenancy.AutoJoin{Workspaces: []uuid.UUID{ws}, Role: tenancy.RoleAdmin, Domains: []string{"eng.acme.com"}},
	}

	t.Run("field names are stable", func(t *testing.T) {
		got, err := encodePolicy(full)
		require.NoError(t, err)
		require.JSONEq(t, `{
			"require_mfa": true,
			"require_sso": true,
			"max_session_age_ns": 43200000000001,
			"allowed_ips": ["203.0.113.0/24", "2001:db8::/32"],
			"allowed_email_domains": ["acme.com"],
			"invitation_ttl_ns": 259200000000000,
			"auto_join": {"workspaces": ["0190a5d2-7c4e-7b7a-9d3e-5f1a2b3c4d5e"], "role": "admin", "domains": ["eng.acme.com"]}
		}`, got)
		zero, err := encodePolicy(tenancy.SecurityPolicy{})
		require.NoError(t, err)
		require.Equal(t, "{}", zero)
	})

	t.Run("round trips, keeping nil and empty lists apart", func(t *testing.T) {
		empty := tenancy.SecurityPolicy{AllowedIPs: []netip.Prefix{}, AllowedEmailDomains: []string{}, AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{}, Domains: []string{}}}
		for _, p := range []tenancy.SecurityPolicy{{}, full, empty, {MaxSessionAge: -time.Nanosecond}} {
			s, err := encodePolicy(p)
			require.NoError(t, err)
			got, err := decodePolicy([]byte(s))
			require.NoError(t, err)
			require.Equal(t, p, got)
			var c policyCache
			cached, err := c.getString(s)
			require.NoError(t, err)
			require.Equal(t, p, *cached)
		}
	})

	t.Run("the cache is bounded and decodes once", func(t *testing.T) {
		var c policyCache
		s, err := encodePolicy(full)
		require.NoError(t, err)
		a, err := c.getBytes([]byte(s))
		require.NoError(t, err)
		b, err := c.getString(s)
		require.NoError(t, err)
		require.Same(t, &a.AllowedIPs[0], &b.AllowedIPs[0], "one decoded copy is shared")
		for i := range policyCacheSize + 10 {
			p := tenancy.SecurityPolicy{MaxSessionAge: time.Duration(i + 1)}
			s, err := encodePolicy(p)
			require.NoError(t, err)
			got, err := c.getString(s)
			require.NoError(t, err)
			require.Equal(t, p, *got)
		}
		require.LessOrEqual(t, len(c.m), policyCacheSize)
		_, err = c.getString(`{"require_mfa": "yes"}`)
		require.Error(t, err)
	})

	t.Run("audit details", func(t *testing.T) {
		for _, m := range []map[string]string{nil, {}, {"email": "ann@example.com", "name": "Ann \"A\" <x>"}} {
			v, err := encodeDetails(m)
			require.NoError(t, err)
			var got map[string]string
			require.NoError(t, detailsDest{&got}.Scan(v))
			require.Equal(t, m, got)
		}
	})
}

func TestBind(t *testing.T) {
	t.Parallel()
	q := `SELECT '?', "a?b", x FROM t WHERE a = ? AND b IN (?, ?) AND c = 'it''s ?'`
	require.Equal(t, `SELECT '?', "a?b", x FROM t WHERE a = +? AND b IN (+?, +?) AND c = 'it''s ?'`, sqliteDialect.bind(q))
	require.Equal(t, `SELECT '?', "a?b", x FROM t WHERE a = $1 AND b IN ($2, $3) AND c = 'it''s ?'`, postgresDialect.bind(q))
}

func TestDialect(t *testing.T) {
	t.Parallel()
	require.Equal(t, "sqlite", SQLite.String())
	require.Equal(t, "postgres", Postgres.String())
	require.Equal(t, "invalid", Dialect{}.String())
}

// TestTimesRoundTrip checks times far from now and at microsecond
// precision, on every database.
func TestTimesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := b.open(t)
			for _, at := range []time.Time{
				{},
				time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
				time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
				time.Date(2038, 1, 19, 3, 14, 8, 1000, time.UTC),
				time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
				time.Date(2024, 3, 31, 2, 30, 0, 123456000, time.FixedZone("CEST", 2*3600)).UTC(),
			} {
				u := tenancy.User{ID: uuid.New(), Email: uuid.NewString() + "@example.com", CreatedAt: at}
				require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) }))
				got, err := s.User(ctx, u.ID)
				require.NoError(t, err)
				require.Equal(t, u, got, "%v", at)
			}
		})
	}
}

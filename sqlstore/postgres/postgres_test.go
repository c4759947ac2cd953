package postgres

import (
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, url string }{
		{"postgres scheme", "postgres://app:secret@db.internal:5433/app?sslmode=disable"},
		{"postgresql scheme", "postgresql://app@localhost/app"},
		{"postgres with search_path", "postgres://app@localhost/app?search_path=tenancy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseURL(tc.url)
			require.NoError(t, err)
			require.NotNil(t, cfg)
		})
	}
	t.Run("postgres parameters reach the connection", func(t *testing.T) {
		cfg, err := parseURL("postgres://app:secret@db.internal:5433/app?sslmode=disable&search_path=tenancy")
		require.NoError(t, err)
		require.Equal(t, "db.internal", cfg.Host)
		require.Equal(t, uint16(5433), cfg.Port)
		require.Equal(t, "app", cfg.Database)
		require.Equal(t, "tenancy", cfg.RuntimeParams["search_path"])
	})

	invalid := []struct{ name, url string }{
		{"postgres bad port", "postgres://app@localhost:99999/app"},
		{"postgres without slashes", "postgres:app@localhost/app"},
		{"postgresql without slashes", "postgresql:host=localhost"},
	}
	for _, tc := range invalid {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			_, err := parseURL(tc.url)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
			_, err = sqlstore.Open(t.Context(), tc.url)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput, "through Open")
		})
	}
	t.Run("errors do not echo a password", func(t *testing.T) {
		for _, u := range []string{"postgres://app:hunter2@localhost:99999/app", "postgres:app:hunter2@localhost/app"} {
			_, err := parseURL(u)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "hunter2")
		}
	})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("sizes the pool", func(t *testing.T) {
		p, err := driver{}.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
		require.NoError(t, err, "it does not connect")
		defer p.DB.Close()
		require.Equal(t, sqlstore.Postgres, p.Dialect)
		require.False(t, p.Pin)
		require.Equal(t, max(16, 4*runtime.GOMAXPROCS(0)), p.DB.Stats().MaxOpenConnections)
	})

	t.Run("registers only postgres: and postgresql:", func(t *testing.T) {
		// This test binary links no SQLite driver.
		_, err := sqlstore.Open(ctx, "sqlite::memory:")
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		require.ErrorContains(t, err, `import _ "github.com/tenancykit/tenancy/sqlstore/sqlite"`)
	})
}

// TestPlannerParams checks that the pool's connections plan with
// random_page_cost 1.1 unless the host sets it, in its URL or its pgx
// configuration, and that NewPool leaves the host's configuration as it
// was.
func TestPlannerParams(t *testing.T) {
	t.Parallel()
	t.Run("set unless the host sets it", func(t *testing.T) {
		cfg, err := pgx.ParseConfig("postgres://app@localhost/app?search_path=tenancy")
		require.NoError(t, err)
		got := withPlannerParams(cfg)
		require.Equal(t, "1.1", got.RuntimeParams["random_page_cost"])
		require.Equal(t, "tenancy", got.RuntimeParams["search_path"])
		require.NotContains(t, cfg.RuntimeParams, "random_page_cost", "the host's configuration is not changed")

		cfg, err = pgx.ParseConfig("postgres://app@localhost/app?random_page_cost=4")
		require.NoError(t, err)
		require.Equal(t, "4", withPlannerParams(cfg).RuntimeParams["random_page_cost"])
	})
	t.Run("an empty value sends none", func(t *testing.T) {
		cfg, err := pgx.ParseConfig("postgres://app@localhost/app?random_page_cost=&search_path=tenancy")
		require.NoError(t, err)
		got := withPlannerParams(cfg)
		require.NotContains(t, got.RuntimeParams, "random_page_cost")
		require.Equal(t, "tenancy", got.RuntimeParams["search_path"])
		require.Contains(t, cfg.RuntimeParams, "random_page_cost", "the host's configuration is not changed")
	})
	t.Run("on the connections", func(t *testing.T) {
		ctx := t.Context()
		base := schemaURL(t)
		// With none sent, the server's own setting: 4 unless the test
		// cluster changes it.
		var server string
		require.NoError(t, admin.QueryRowContext(ctx, "SHOW random_page_cost").Scan(&server))
		for _, tc := range []struct{ param, want string }{{"", "1.1"}, {"&random_page_cost=2", "2"}, {"&random_page_cost=", server}} {
			s, err := sqlstore.Open(ctx, base+tc.param)
			require.NoError(t, err)
			var got string
			require.NoError(t, s.DB().QueryRowContext(ctx, "SHOW random_page_cost").Scan(&got))
			require.Equal(t, tc.want, got, "URL parameter %q", tc.param)
			require.NoError(t, s.Close())
		}
	})
}

package sqlite

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
	const filePragmas = pragmas + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=mmap_size(1073741824)"
	valid := []struct {
		name, url string
		dsn       string
		memory    bool
	}{
		{"absolute SQLite path", "sqlite:///var/lib/app/tenancy.db", "file:/var/lib/app/tenancy.db?" + filePragmas, false},
		{"relative SQLite path", "sqlite://data/tenancy.db", "file:data/tenancy.db?" + filePragmas, false},
		{"bare file name", "sqlite://tenancy.db", "file:tenancy.db?" + filePragmas, false},
		{"percent-encoded path", "sqlite:///tmp/my%20db%3F.db", "file:/tmp/my%20db%3F.db?" + filePragmas, false},
		{"in-memory SQLite", "sqlite::memory:", "", true},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := parseURL(tc.url)
			require.NoError(t, err)
			require.Equal(t, tc.memory, tg.memory)
			if tc.memory {
				require.Regexp(t, `^file:tenancy-[0-9a-f]{16}\?mode=memory&cache=shared&`+regexpQuote(pragmas)+`$`, tg.dsn)
			} else {
				require.Equal(t, tc.dsn, tg.dsn)
			}
		})
	}
	t.Run("each in-memory database is its own", func(t *testing.T) {
		a, err := parseURL("sqlite::memory:")
		require.NoError(t, err)
		b, err := parseURL("sqlite::memory:")
		require.NoError(t, err)
		require.NotEqual(t, a.dsn, b.dsn)
	})

	invalid := []struct{ name, url string }{
		{"sqlite without a path", "sqlite://"},
		{"sqlite directory", "sqlite:///var/lib/"},
		{"sqlite single colon", "sqlite:tenancy.db"},
		{"sqlite query", "sqlite:///tmp/x.db?mode=ro"},
		{"sqlite fragment", "sqlite:///tmp/x.db#x"},
		{"sqlite bad escape", "sqlite:///tmp/%zz.db"},
		{"memory misspelt", "sqlite::memory"},
	}
	for _, tc := range invalid {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			_, err := parseURL(tc.url)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput)
			_, err = sqlstore.Open(t.Context(), tc.url)
			require.ErrorIs(t, err, tenancy.ErrInvalidInput, "through Open")
		})
	}
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`(`, `\(`, `)`, `\)`, `?`, `\?`, `.`, `\.`)
	return r.Replace(s)
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("sizes the pool, with room for the pinned connection", func(t *testing.T) {
		n := max(4, runtime.GOMAXPROCS(0))
		file, err := sqlstore.Open(ctx, "sqlite://"+t.TempDir()+"/tenancy.db")
		require.NoError(t, err)
		defer file.Close()
		require.Equal(t, n, file.DB().Stats().MaxOpenConnections)
		memory, err := sqlstore.Open(ctx, "sqlite::memory:")
		require.NoError(t, err)
		defer memory.Close()
		require.Equal(t, n+1, memory.DB().Stats().MaxOpenConnections)
		require.Equal(t, 1, memory.DB().Stats().InUse, "the pinned connection")
	})

	t.Run("registers only sqlite:", func(t *testing.T) {
		// This test binary links no PostgreSQL driver.
		_, err := sqlstore.Open(ctx, "postgres://app:hunter2@localhost/app")
		require.ErrorIs(t, err, tenancy.ErrInvalidInput)
		require.ErrorContains(t, err, `import _ "github.com/tenancykit/tenancy/sqlstore/postgres"`)
		require.NotContains(t, err.Error(), "hunter2")
	})
}

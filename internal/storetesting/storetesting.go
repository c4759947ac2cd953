// Package storetesting opens a fresh, empty tenancy.Store of each kind for
// a test: memstore, SQLite and PostgreSQL. The Service tests, the
// model-based tests and the fault-injection tests take their stores from
// here, so that they run on every backend, as the storetest conformance
// suite does.
//
// Which kinds a test binary runs on is chosen with the environment
// variable TENANCY_TEST_STORES, a comma-separated list of "memstore",
// "sqlite" and "postgres" (default "memstore"). PostgreSQL also needs
// TENANCY_TEST_POSTGRES_URL: a database where the tests may create
// schemas; each store gets a schema of its own, dropped when the test
// ends. Without it a postgres store skips the test, except under CI=true,
// where that is a failure.
package storetesting

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/postgres" // registers postgres:// and the "pgx" database/sql driver
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"   // registers sqlite:
)

// Environment variables.
const (
	StoresEnv   = "TENANCY_TEST_STORES"
	PostgresEnv = "TENANCY_TEST_POSTGRES_URL"
)

// TB is what Open needs of a test: *testing.T, *testing.B and rapid's *T
// all have it.
type TB interface {
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
}

// helper marks the caller as a test helper when tb can.
func helper(tb TB) {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
}

// Kinds returns the store kinds this test run covers, from StoresEnv.
func Kinds() []string {
	v := os.Getenv(StoresEnv)
	if v == "" {
		return []string{"memstore"}
	}
	var kinds []string
	for k := range strings.SplitSeq(v, ",") {
		if k = strings.TrimSpace(k); k != "" {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// Kind returns the first kind of Kinds: the store the Service tests use in
// this run.
func Kind() string { return Kinds()[0] }

// Open returns a new, empty store of the given kind, closed when the test
// (or rapid check) ends.
func Open(tb TB, kind string) tenancy.Store {
	helper(tb)
	switch kind {
	case "memstore":
		return memstore.New()
	case "sqlite":
		return openSQL(tb, "sqlite::memory:")
	case "postgres":
		return openSQL(tb, postgresSchemaURL(tb))
	}
	tb.Fatalf("storetesting: unknown store kind %q (want memstore, sqlite or postgres)", kind)
	return nil
}

func openSQL(tb TB, u string) tenancy.Store {
	helper(tb)
	s, err := sqlstore.Open(context.Background(), u)
	if err != nil {
		tb.Fatalf("storetesting: open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// postgresSchemaURL creates a schema for the test and returns a URL whose
// connections use it.
func postgresSchemaURL(tb TB) string {
	helper(tb)
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set: CI must run the PostgreSQL tests (scripts/postgres-test.sh sets it)", PostgresEnv)
		}
		tb.Skipf("PostgreSQL store skipped: set %s (scripts/postgres-test.sh starts a throwaway cluster)", PostgresEnv)
	}
	adminOnce.Do(func() { admin, adminErr = sql.Open("pgx", base) })
	if adminErr != nil {
		tb.Fatalf("storetesting: %v", adminErr)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tenancy_svc_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("storetesting: create schema: %v", err)
	}
	tb.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("storetesting: %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

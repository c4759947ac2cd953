package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
)

// Round trips are counted on the wire: each connection the pool dials is
// wrapped, and a round trip begins whenever the client writes after it
// has read (or writes for the first time). Whatever pgx does (BEGIN and
// COMMIT, statements, the preparation of a statement new to the
// connection, batches), a network wait costs one.

// rtt is the network latency the counted connections add to each round
// trip (default none: the loopback's own), to see what round trips cost
// over a real network:
//
//	go test ./sqlstore/postgres -run '^$' -bench RoundTrips -args -rtt=500us
var rtt = flag.Duration("rtt", 0, "latency added to each round trip of the counted connections")

// tripCounter counts the round trips of the connections it dials. It is
// safe for concurrent use.
type tripCounter struct {
	mu    sync.Mutex
	trips int
	// pings counts apart the liveness checks database/sql asks of a
	// connection idle for over a second before reusing it (pgx's
	// "-- ping"): they are the pool's, not the operation's.
	pings int
}

func (c *tripCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: conn, c: c, read: true}, nil
}

// counts returns the round trips and pings so far.
func (c *tripCounter) counts() (trips, pings int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trips, c.pings
}

// countedConn is a connection whose round trips are counted. pgx uses a
// connection from one goroutine at a time, but a background reader may
// read while a write is in progress, hence the counter's lock.
type countedConn struct {
	net.Conn
	c    *tripCounter
	read bool // read since the last write: the next write starts a round trip
}

// pingMessage is the start of the Query message of pgx's Ping.
var pingMessage = []byte("-- ping\x00")

func (cc *countedConn) Write(p []byte) (int, error) {
	cc.c.mu.Lock()
	trip := cc.read
	if cc.read {
		cc.read = false
		if len(p) > 5 && p[0] == 'Q' && bytes.HasPrefix(p[5:], pingMessage) {
			cc.c.pings++
		} else {
			cc.c.trips++
		}
	}
	cc.c.mu.Unlock()
	if trip && *rtt > 0 {
		time.Sleep(*rtt)
	}
	return cc.Conn.Write(p)
}

func (cc *countedConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	if n > 0 {
		cc.c.mu.Lock()
		cc.read = true
		cc.c.mu.Unlock()
	}
	return n, err
}

// openCounted opens a Store as a host with a pgx configuration of its
// own does (NewPool, then sqlstore.OpenPool: the pool Open opens), on a
// fresh schema, whose round trips c counts. Its pool keeps a single
// connection, so that every statement of a warmed-up operation finds its
// connection ready.
func openCounted(t testing.TB, c *tripCounter) *sqlstore.Store {
	t.Helper()
	cfg, err := parseURL(schemaURL(t))
	require.NoError(t, err)
	cfg.DialFunc = c.dial
	s, err := sqlstore.OpenPool(t.Context(), NewPool(cfg))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	s.DB().SetMaxOpenConns(1)
	return s
}

// openCountedHostPool opens a Store the way a host that brings its own
// pool does (sqlstore.New), whose round trips c counts.
func openCountedHostPool(t testing.TB, c *tripCounter) *sqlstore.Store {
	t.Helper()
	cfg, err := pgx.ParseConfig(schemaURL(t))
	require.NoError(t, err)
	cfg.DialFunc = c.dial
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	db.SetMaxOpenConns(1)
	require.NoError(t, sqlstore.Migrate(t.Context(), db, sqlstore.Postgres))
	s, err := sqlstore.New(db, sqlstore.Postgres)
	require.NoError(t, err)
	return s
}

var (
	adminOnce sync.Once
	admin     *sql.DB
)

// schemaURL returns the test database's URL (TENANCY_TEST_POSTGRES_URL)
// with a search_path on a schema of its own, dropped when the test ends.
// Without the variable the test is skipped, except under CI=true.
func schemaURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TENANCY_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TENANCY_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests")
		}
		t.Skip("PostgreSQL tests skipped: set TENANCY_TEST_POSTGRES_URL (scripts/postgres-test.sh starts a throwaway cluster)")
	}
	adminOnce.Do(func() {
		cfg, err := pgx.ParseConfig(base)
		if err == nil {
			admin = stdlib.OpenDB(*cfg)
		}
	})
	require.NotNil(t, admin, "TENANCY_TEST_POSTGRES_URL does not parse")
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tenancy_trips_" + hex.EncodeToString(b[:])
	_, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(t, err)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// tripEnv is a Service over a store holding an organization (acme.com)
// with a workspace and its admin, for the operations of tripOps.
type tripEnv struct {
	svc   *tenancy.Service
	admin tenancy.Actor
	ws    tenancy.Workspace
	n     int
}

func newTripEnv(t testing.TB, s tenancy.Store) *tripEnv {
	t.Helper()
	ctx := t.Context()
	e := &tripEnv{svc: tenancy.New(s)}
	ann, err := e.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	require.NoError(t, err)
	require.True(t, ann.CreatedOrganization)
	e.admin = tenancy.Actor{UserID: ann.User.ID, AuthenticatedAt: time.Now()}
	e.ws, err = e.svc.CreateWorkspace(ctx, e.admin, ann.Organization.ID, "Sales")
	require.NoError(t, err)
	return e
}

// tripOps are the operations whose round trips TestRoundTrips bounds.
var tripOps = []struct {
	name string
	// budget is the most round trips the operation may cost.
	budget int
	// setup prepares a run outside the count; run is counted.
	setup func(t testing.TB, e *tripEnv) any
	run   func(t testing.TB, e *tripEnv, arg any)
}{
	{
		name: "SignUp creating an organization", budget: 3,
		setup: func(t testing.TB, e *tripEnv) any { e.n++; return fmt.Sprintf("founder@org%d-trips.com", e.n) },
		run: func(t testing.TB, e *tripEnv, arg any) {
			res, err := e.svc.SignUp(t.Context(), tenancy.SignUpRequest{Email: arg.(string), Name: "F", EmailVerified: true})
			require.NoError(t, err)
			require.True(t, res.CreatedOrganization)
		},
	},
	{
		name: "SignUp with a personal address", budget: 2,
		setup: func(t testing.TB, e *tripEnv) any { e.n++; return fmt.Sprintf("someone%d@gmail.com", e.n) },
		run: func(t testing.TB, e *tripEnv, arg any) {
			res, err := e.svc.SignUp(t.Context(), tenancy.SignUpRequest{Email: arg.(string), Name: "P", EmailVerified: true})
			require.NoError(t, err)
			require.Nil(t, res.Organization)
		},
	},
	{
		name: "AddMember", budget: 3,
		setup: func(t testing.TB, e *tripEnv) any {
			e.n++
			res, err := e.svc.SignUp(t.Context(), tenancy.SignUpRequest{Email: fmt.Sprintf("member%d@gmail.com", e.n), Name: "M", EmailVerified: true})
			require.NoError(t, err)
			return res.User.ID
		},
		run: func(t testing.TB, e *tripEnv, arg any) {
			_, err := e.svc.AddMember(t.Context(), e.admin, e.ws.ID, arg.(uuid.UUID), tenancy.RoleMember)
			require.NoError(t, err)
		},
	},
}

// TestRoundTrips bounds the network round trips of the Service's
// commonest writes on PostgreSQL, counted on the wire once the
// connection has prepared the operation's statements (a first run on
// it). The figures of a host's own pool (sqlstore.New) are logged beside.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	for _, pool := range []struct {
		name   string
		open   func(testing.TB, *tripCounter) *sqlstore.Store
		assert bool
	}{{"Open", openCounted, true}, {"New", openCountedHostPool, false}} {
		t.Run(pool.name, func(t *testing.T) {
			t.Parallel()
			c := &tripCounter{}
			e := newTripEnv(t, pool.open(t, c))
			for _, op := range tripOps {
				op.run(t, e, op.setup(t, e)) // warm up: prepare the statements
				for range 3 {
					arg := op.setup(t, e)
					trips, pings := c.counts()
					op.run(t, e, arg)
					after, afterPings := c.counts()
					t.Logf("%s: %s: %d round trips (%d pings aside)", pool.name, op.name, after-trips, afterPings-pings)
					if pool.assert {
						require.LessOrEqual(t, after-trips, op.budget, "%s: round trips", op.name)
					}
				}
			}
		})
	}
}

// BenchmarkRoundTrips times the operations of TestRoundTrips on both
// pools, Open's (pipelined) and a host's own (sqlstore.New, one round
// trip per statement), and reports their round trips per operation
// (trips/op). Each round trip costs what the loopback costs, plus -rtt:
//
//	scripts/postgres-test.sh --exec go test ./sqlstore/postgres -run '^$' -bench RoundTrips -benchmem
//	scripts/postgres-test.sh --exec go test ./sqlstore/postgres -run '^$' -bench RoundTrips -benchmem -args -rtt=500us
func BenchmarkRoundTrips(b *testing.B) {
	for _, pool := range []struct {
		name string
		open func(testing.TB, *tripCounter) *sqlstore.Store
	}{{"Open", openCounted}, {"New", openCountedHostPool}} {
		b.Run(pool.name, func(b *testing.B) {
			c := &tripCounter{}
			e := newTripEnv(b, pool.open(b, c))
			for _, op := range tripOps {
				b.Run(strings.ReplaceAll(op.name, " ", "_"), func(b *testing.B) {
					b.ReportAllocs()
					op.run(b, e, op.setup(b, e))
					trips := 0
					for b.Loop() {
						b.StopTimer()
						arg := op.setup(b, e)
						before, _ := c.counts()
						b.StartTimer()
						op.run(b, e, arg)
						after, _ := c.counts()
						trips += after - before
					}
					b.ReportMetric(float64(trips)/float64(b.N), "trips/op")
				})
			}
		})
	}
}

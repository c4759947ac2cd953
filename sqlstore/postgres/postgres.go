package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
)

func init() {
	sqlstore.Register("postgres", driver{})
	sqlstore.Register("postgresql", driver{})
}

// driver opens the postgres: and postgresql: URLs of sqlstore.Open.
type driver struct{}

// Open opens a pool on the PostgreSQL database that raw names. It
// returns an error matching tenancy.ErrInvalidInput for a malformed URL.
func (driver) Open(_ context.Context, raw string) (sqlstore.Pool, error) {
	cfg, err := parseURL(raw)
	if err != nil {
		return sqlstore.Pool{}, err
	}
	return NewPool(cfg), nil
}

// NewPool returns the pool Open would, on a pgx configuration the host
// made (from pgx.ParseConfig, then its own TLS settings, tracer or dial
// function), for sqlstore.OpenPool: sized as Open sizes its pool, its
// transactions pipelined. It does not connect.
//
//	cfg, err := pgx.ParseConfig(url)
//	…
//	cfg.Tracer = tracer
//	s, err := sqlstore.OpenPool(ctx, postgres.NewPool(cfg))
//
// The pool's connections plan with random_page_cost=1.1 unless cfg sets
// it (the package documentation says why, and how to send none); cfg
// itself is not changed.
//
// A Store from sqlstore.New over a pool of the host's own (stdlib.OpenDB)
// works too, but sends each statement in a round trip of its own.
func NewPool(cfg *pgx.ConnConfig) sqlstore.Pool {
	db := stdlib.OpenDB(*withPlannerParams(cfg))
	configure(db)
	return sqlstore.Pool{DB: db, Dialect: sqlstore.Postgres, Pipeliner: pipeliner{}, ByteUUIDs: true}
}

// randomPageCost is the random_page_cost of the pool's connections,
// sent when each connects, unless the host's configuration (or URL) sets
// one.
//
// PostgreSQL's default of 4 prices a page read from an index as if from
// a spinning disk. The pages the Store reads on every check are in
// memory, and at the default the planner reads a small table whole (a
// hundred organizations, a few hundred Organization Admins) where an
// index would find the row: the check's query took 26 µs in the server
// at that size, and 11 µs at 1.1, the value commonly advised for SSDs
// and cached data. Only the Store's own connections plan that way.
const randomPageCost = "1.1"

// withPlannerParams returns a copy of cfg that sets random_page_cost to
// randomPageCost, unless cfg sets it. An empty value in cfg (a URL's
// "random_page_cost=") sends none, for a connection pooler that refuses
// startup parameters it does not know: PostgreSQL would refuse the empty
// value anyway.
func withPlannerParams(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	c := cfg.Copy()
	if c.RuntimeParams == nil {
		c.RuntimeParams = map[string]string{}
	}
	switch v, set := c.RuntimeParams["random_page_cost"]; {
	case !set:
		c.RuntimeParams["random_page_cost"] = randomPageCost
	case v == "":
		delete(c.RuntimeParams, "random_page_cost")
	}
	return c
}

// parseURL reads a postgres:// or postgresql:// URL of sqlstore.Open. It
// returns an error matching tenancy.ErrInvalidInput for a malformed one,
// which never echoes the URL (it may hold a password).
func parseURL(raw string) (*pgx.ConnConfig, error) {
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return nil, fmt.Errorf("%w: sqlstore: unsupported PostgreSQL URL: want postgres://… or postgresql://…", tenancy.ErrInvalidInput)
	}
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		// pgx redacts the password from its parse errors.
		return nil, fmt.Errorf("%w: sqlstore: PostgreSQL URL: %v", tenancy.ErrInvalidInput, err)
	}
	return cfg, nil
}

// configure sizes the pool: bounded, and closing connections that stay
// idle. Hosts may change it through Store.DB.
func configure(db *sql.DB) {
	n := max(16, 4*runtime.GOMAXPROCS(0))
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}

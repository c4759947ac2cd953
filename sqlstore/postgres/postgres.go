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
// A Store from sqlstore.New over a pool of the host's own (stdlib.OpenDB)
// works too, but sends each statement in a round trip of its own.
func NewPool(cfg *pgx.ConnConfig) sqlstore.Pool {
	db := stdlib.OpenDB(*cfg)
	configure(db)
	return sqlstore.Pool{DB: db, Dialect: sqlstore.Postgres, Pipeliner: pipeliner{}, ByteUUIDs: true}
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

// Package postgres is the PostgreSQL driver of sqlstore, through
// github.com/jackc/pgx/v5/stdlib. Importing it registers the postgres:
// and postgresql: URL schemes with sqlstore.Open:
//
//	import (
//		"github.com/tenancykit/tenancy/sqlstore"
//		_ "github.com/tenancykit/tenancy/sqlstore/postgres"
//	)
//
//	store, err := sqlstore.Open(ctx, "postgres://app:secret@db:5432/app?sslmode=require")
//
// Any URL pgx accepts works (postgres://… or postgresql://…), with its
// parameters: for example search_path=tenancy keeps the tables in their
// own schema. Errors about a malformed URL never echo its password.
//
// The pool keeps up to max(16, 4×GOMAXPROCS) connections, open and idle,
// and closes a connection idle for 5 minutes. Tune it through Store.DB.
// Any number of Stores, in one process or many, may share one database.
//
// Its connections plan with random_page_cost=1.1, unless the URL (or the
// configuration given to NewPool) sets another value. PostgreSQL's
// default of 4 prices an index probe as if its pages came from a spinning
// disk; the pages behind a check are in memory, and at 4 the planner
// reads a small table whole (a hundred organizations, their admins) where
// an index finds the one row, which more than doubled the server's time
// for a check. The value goes in the startup message, with no round trip,
// and overrides what the server, database or role sets: a host whose
// database is tuned otherwise gives its value in the URL, or an empty one.
// A pooler that refuses startup parameters it does not know (PgBouncer
// does, unless the parameter is listed in its ignore_startup_parameters)
// fails the connection: list it there, or give the URL an empty
// random_page_cost= to send none (and set the value for the database
// role instead, with ALTER ROLE … SET random_page_cost = 1.1).
//
// The Store that Open returns pipelines its transactions: each runs on one
// connection, its statements sent as pgx batches, one network round trip
// each (BEGIN with the first statement, the writes the Service defers
// with the next statement or with COMMIT, see tenancy.WriteDeferrer).
// SignUp and AddMember cost three round trips or fewer.
//
// A host that configures pgx itself (TLS, a tracer, a dial function)
// keeps the pipelining through NewPool and sqlstore.OpenPool:
//
//	cfg, err := pgx.ParseConfig(url)
//	…
//	cfg.Tracer = tracer
//	store, err := sqlstore.OpenPool(ctx, postgres.NewPool(cfg))
//
// A host that opens its own pool for sqlstore.New needs only
// github.com/jackc/pgx/v5/stdlib, not this package; such a Store does not
// pipeline: each statement, BEGIN and COMMIT included, is a round trip.
package postgres

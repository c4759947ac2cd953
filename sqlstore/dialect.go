package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tenancykit/tenancy"
)

// Dialect is the SQL flavour of a database: SQLite or Postgres. It picks
// the schema, the placeholders and the way driver errors are read. The
// zero Dialect is invalid; use SQLite or Postgres.
type Dialect struct{ d *dialect }

// The supported dialects.
var (
	// SQLite is SQLite 3 through the pure-Go driver modernc.org/sqlite
	// (database/sql driver name "sqlite"), which the package
	// sqlstore/sqlite opens for Open.
	SQLite = Dialect{sqliteDialect}
	// Postgres is PostgreSQL through github.com/jackc/pgx/v5/stdlib
	// (database/sql driver name "pgx"), which the package
	// sqlstore/postgres opens for Open.
	Postgres = Dialect{postgresDialect}
)

// String returns the dialect's name: "sqlite", "postgres", or "invalid"
// for the zero Dialect.
func (d Dialect) String() string {
	if d.d == nil {
		return "invalid"
	}
	return d.d.name
}

// dialect holds what differs between the two databases. Everything else
// (the Go code, and the SQL text of every statement) is shared.
type dialect struct {
	name string
	// postgres is true for PostgreSQL.
	postgres bool
	// q are the statements, with placeholders already rebound.
	q *queries
	// translate maps a driver error to the package's sentinels.
	translate func(error) error
	// versionTable creates the migrations table if it does not exist.
	versionTable string
}

var (
	sqliteDialect = &dialect{
		name:      "sqlite",
		translate: translateSQLite,
		versionTable: `CREATE TABLE IF NOT EXISTS tenancy_schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT`,
	}
	postgresDialect = &dialect{
		name:      "postgres",
		postgres:  true,
		translate: translatePostgres,
		versionTable: `CREATE TABLE IF NOT EXISTS tenancy_schema_migrations (
	version    integer     NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL
)`,
	}
)

func init() {
	sqliteDialect.q = buildQueries(sqliteDialect)
	postgresDialect.q = buildQueries(postgresDialect)
}

// bind rewrites the ? placeholders of query for the dialect: $1, $2, … on
// PostgreSQL, +? on SQLite. Question marks inside quoted literals or
// identifiers are left alone. It runs once per statement, at package
// initialization.
//
// On SQLite the unary plus, a no-op on a value, keeps a statement from
// being planned again whenever its arguments change. Once ANALYZE has
// written sqlite_stat4 (PRAGMA optimize does too), SQLite re-prepares a
// statement on every new value bound to a bare parameter compared to an
// indexed column, since the value may change the plan: AccessFacts went
// from 16-18 µs to 40-52 µs. Our plans do not need the values (the plan
// tests pin them), and +? is not a bare parameter.
func (d *dialect) bind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?' && !d.postgres:
			b.WriteString("+?")
			continue
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ts converts a time to the form the dialect stores: integer microseconds
// since the Unix epoch on SQLite, timestamptz on PostgreSQL. Times are
// kept with microsecond precision in UTC on both.
func (d *dialect) ts(t time.Time) any {
	if d.postgres {
		return t.UTC()
	}
	return t.UnixMicro()
}

// forUpdate is the row-locking clause of LockOrganization. SQLite needs
// none: its write transactions are immediate, so only one runs at a time.
func (d *dialect) forUpdate() string {
	if d.postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// dbError is a driver error translated for the Store's callers. It matches
// the sentinel (if any) with errors.Is and the driver's own error with
// errors.As.
type dbError struct {
	// sentinel is tenancy.ErrAlreadyExists, tenancy.ErrNotFound or nil.
	sentinel error
	// retry reports a transient failure (serialization failure, deadlock,
	// busy database) after which the whole transaction may be run again.
	retry bool
	// constraint names the constraint (or unique index) a PostgreSQL
	// error violated, when the driver reports it (see constraintError).
	constraint string
	err        error
}

func (e *dbError) Error() string {
	if e.sentinel != nil {
		return e.sentinel.Error() + ": " + e.err.Error()
	}
	return "sqlstore: " + e.err.Error()
}

func (e *dbError) Unwrap() []error {
	if e.sentinel != nil {
		return []error{e.sentinel, e.err}
	}
	return []error{e.err}
}

// retryable reports whether err is a transient database failure after
// which a transaction can be run again.
func retryable(err error) bool {
	var e *dbError
	return errors.As(err, &e) && e.retry
}

// sqliteError is the error of a SQLite driver that reports SQLite's
// extended result code, as modernc.org/sqlite's *sqlite.Error does. The
// package reads driver errors through such interfaces, so that it links
// no driver itself.
type sqliteError interface {
	error
	Code() int
}

// SQLite result codes the store reacts to (https://sqlite.org/rescode.html).
// The primary code is the low byte of an extended one.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintForeignKey = 787  // SQLITE_CONSTRAINT | 3<<8
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT | 6<<8
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT | 8<<8
)

// translated reports whether err has been translated already: translating
// is idempotent, so that an error a pipelined transaction translated
// (and refined) when it failed passes through its callers unchanged.
func translated(err error) bool {
	var e *dbError
	return errors.As(err, &e)
}

// translateSQLite maps a SQLite driver error to the package's sentinels
// by its extended result code. It is the only place that reads SQLite
// errors.
func translateSQLite(err error) error {
	var se sqliteError
	if err == nil || translated(err) || !errors.As(err, &se) {
		return err
	}
	switch code := se.Code(); {
	case code == sqliteConstraintUnique, code == sqliteConstraintPrimaryKey:
		return &dbError{sentinel: tenancy.ErrAlreadyExists, err: err}
	case code == sqliteConstraintForeignKey:
		// A referenced row is missing: the insert names a workspace, user
		// or organization that does not exist.
		return &dbError{sentinel: tenancy.ErrNotFound, err: err}
	case code&0xff == sqliteBusy, code&0xff == sqliteLocked:
		return &dbError{retry: true, err: err}
	}
	return &dbError{err: err}
}

// postgresError is the error of a PostgreSQL driver that reports the
// server's SQLSTATE code, as pgx's *pgconn.PgError does.
type postgresError interface {
	error
	SQLState() string
}

// constraintError is a PostgreSQL error that names the constraint it
// violated. pgx's *pgconn.PgError holds the name in a field; the
// sqlstore/postgres driver's pipelined errors expose it through this
// method.
type constraintError interface {
	error
	ConstraintName() string
}

// PostgreSQL error codes (SQLSTATE) the store reacts to.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// translatePostgres maps a PostgreSQL driver error to the package's
// sentinels by its SQLSTATE code. It is the only place that reads
// PostgreSQL errors.
func translatePostgres(err error) error {
	var pe postgresError
	if err == nil || translated(err) || !errors.As(err, &pe) {
		return err
	}
	e := &dbError{err: err}
	switch pe.SQLState() {
	case pgUniqueViolation:
		e.sentinel = tenancy.ErrAlreadyExists
	case pgForeignKeyViolation:
		e.sentinel = tenancy.ErrNotFound
	case pgSerializationFailure, pgDeadlockDetected:
		e.retry = true
	}
	if ce, ok := errors.AsType[constraintError](err); ok {
		e.constraint = ce.ConstraintName()
	}
	return e
}

// notFound returns an error matching tenancy.ErrNotFound that names what
// is missing.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: %s", tenancy.ErrNotFound, fmt.Sprintf(format, args...))
}

// alreadyExists returns an error matching tenancy.ErrAlreadyExists that
// names what exists.
func alreadyExists(format string, args ...any) error {
	return fmt.Errorf("%w: %s", tenancy.ErrAlreadyExists, fmt.Sprintf(format, args...))
}

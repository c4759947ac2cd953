package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tenancykit/tenancy"
)

// A Driver opens the databases of the URL schemes it is registered for
// with Register. The packages github.com/tenancykit/tenancy/sqlstore/sqlite
// and github.com/tenancykit/tenancy/sqlstore/postgres are the drivers of
// this module; each registers itself when imported, so that a host links
// only the database it uses.
type Driver interface {
	// Open opens a pool on the database that url names and sizes it for
	// a Store. It need not connect: Open connects when it migrates. It
	// returns an error matching tenancy.ErrInvalidInput if url is
	// malformed, and its errors never echo a password url holds.
	Open(ctx context.Context, url string) (Pool, error)
}

// A Pool is a database a Driver opened for Open.
type Pool struct {
	// DB is the pool. The Store that Open returns owns it and closes it.
	DB *sql.DB
	// Dialect is the SQL flavour of DB: SQLite or Postgres.
	Dialect Dialect
	// Pin asks the Store to hold one connection of DB open until it is
	// closed, for a database that lives only while a connection to it
	// does, such as a shared in-memory SQLite database. DB's limits must
	// leave room for that connection.
	Pin bool
	// Pipeliner, when set, sends the statements of the Store's
	// transactions in batches on DB's connections (see Pipeliner). Only
	// the Postgres dialect pipelines: Open refuses a Pipeliner with
	// another.
	Pipeliner Pipeliner
	// ByteUUIDs says that DB's driver takes a UUID argument as a
	// [16]byte, which pgx encodes at once, where a uuid.UUID (a
	// driver.Valuer of its text form) costs it a failed encoding plan and
	// some seventy allocations per query. The Store then passes the UUIDs
	// of AccessFacts, the query behind every Check, that way.
	ByteUUIDs bool
}

// Register makes a Driver available to Open for the URLs whose scheme,
// the text before the first colon, is scheme ("postgres" for
// "postgres://…"). Drivers call it from an init function, as database/sql
// drivers do. It panics if scheme is empty or holds a colon, if d is nil,
// or if scheme already has a driver.
func Register(scheme string, d Driver) {
	drivers.register(scheme, d)
}

// drivers are the drivers Open uses.
var drivers registry

// driverPackages name the package that registers each scheme this module
// has a driver for, for the error of Open when it is not imported.
var driverPackages = map[string]string{
	"sqlite":     "github.com/tenancykit/tenancy/sqlstore/sqlite",
	"postgres":   "github.com/tenancykit/tenancy/sqlstore/postgres",
	"postgresql": "github.com/tenancykit/tenancy/sqlstore/postgres",
}

// registry maps URL schemes to drivers. It is safe for concurrent use.
type registry struct {
	mu sync.RWMutex
	m  map[string]Driver
}

func (r *registry) register(scheme string, d Driver) {
	switch {
	case scheme == "" || strings.Contains(scheme, ":"):
		panic(fmt.Sprintf("sqlstore: Register of invalid URL scheme %q", scheme))
	case d == nil:
		panic(fmt.Sprintf("sqlstore: Register of a nil driver for scheme %q", scheme))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[scheme]; dup {
		panic(fmt.Sprintf("sqlstore: Register called twice for scheme %q", scheme))
	}
	if r.m == nil {
		r.m = make(map[string]Driver)
	}
	r.m[scheme] = d
}

// lookup returns the driver of url's scheme. It returns an error matching
// tenancy.ErrInvalidInput, which names the package to import when this
// module has a driver for the scheme, if none is registered. Only the
// scheme of url appears in the error: the rest may hold a password.
func (r *registry) lookup(url string) (Driver, error) {
	scheme, _, ok := strings.Cut(url, ":")
	if !ok {
		scheme = ""
	}
	r.mu.RLock()
	d := r.m[scheme]
	schemes := make([]string, 0, len(r.m))
	for s := range r.m {
		schemes = append(schemes, fmt.Sprintf("%q", s))
	}
	r.mu.RUnlock()
	if d != nil {
		return d, nil
	}
	if pkg, ok := driverPackages[scheme]; ok {
		return nil, fmt.Errorf("%w: sqlstore: no driver for scheme %q: import _ %q", tenancy.ErrInvalidInput, scheme, pkg)
	}
	if len(schemes) == 0 {
		return nil, fmt.Errorf("%w: sqlstore: unsupported database URL (scheme %q): no driver is registered: import _ %q or _ %q",
			tenancy.ErrInvalidInput, scheme, driverPackages["sqlite"], driverPackages["postgres"])
	}
	slices.Sort(schemes)
	return nil, fmt.Errorf("%w: sqlstore: unsupported database URL (scheme %q): the registered schemes are %s",
		tenancy.ErrInvalidInput, scheme, strings.Join(schemes, ", "))
}

// Package sqlite is the SQLite driver of sqlstore, through the pure-Go
// modernc.org/sqlite (no cgo). Importing it registers the sqlite: URL
// scheme with sqlstore.Open:
//
//	import (
//		"github.com/tenancykit/tenancy/sqlstore"
//		_ "github.com/tenancykit/tenancy/sqlstore/sqlite"
//	)
//
//	store, err := sqlstore.Open(ctx, "sqlite:///var/lib/app/tenancy.db")
//
// The URLs it accepts are:
//
//	sqlite:///abs/path/tenancy.db   SQLite file at an absolute path
//	sqlite://rel/path/tenancy.db    SQLite file relative to the working directory
//	sqlite::memory:                 private in-memory database, shared by the pool
//
// Path characters that URLs reserve may be percent-encoded; query
// parameters and fragments are rejected. A file is created if missing
// (its directory must exist) and opened in WAL mode, so that readers run
// alongside the one writer, with foreign keys on, synchronous=NORMAL, a
// 10 s busy timeout, immediate write transactions and a page cache of up
// to 32 MB per connection (filled as pages are read; SQLite's default is
// 2 MB, too little for the index pages of checks at scale). sqlite::memory: is
// one database for every connection of the pool (a named in-memory
// database with a shared cache), private to its Store and gone when the
// Store is closed; the Store holds one connection open so that the
// database outlives idle connections.
//
// The pool keeps max(4, GOMAXPROCS) connections, open and idle: SQLite
// connections are cheap to keep and costly to reopen (each runs its
// pragmas). Tune it through Store.DB.
//
// Several databases in one process (a database per tenant, say) share
// one page cache budget: modernc.org/sqlite builds SQLite with
// SQLITE_ENABLE_MEMORY_MANAGEMENT, under which every connection's cache
// draws on one process-wide pool of pages. The database that filled its
// cache last takes the older ones' pages, and an older database then
// reads every page from the file on every query (15 of 16 page reads
// missed the cache, checks took 3x as long). A host with several
// databases should register modernc.org/sqlite/pcache, which gives each
// connection a cache of its own, before it opens any:
//
//	sqlite.MustRegisterPageCache(pcache.New()) // modernc.org/sqlite, modernc.org/sqlite/pcache
//
// Its callbacks into Go cost about a third more per check with one
// database (26 against 19 µs at scale S); with two, the older one's
// checks took 27 µs instead of 62. The registration is process-wide,
// which is why this package does not make it. The test in
// internal/owncache runs two Stores that way, and fails without it.
//
// A host that opens its own SQLite pool for sqlstore.New needs only
// modernc.org/sqlite, not this package; sqlstore.New lists the DSN
// parameters to use.
package sqlite

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
// 10 s busy timeout, immediate write transactions, a page cache of up to
// 32 MB per connection (filled as pages are read; SQLite's default is
// 2 MB, too little for the index pages of checks at scale) and the first
// GiB of the file read through a memory map (mmap_size). sqlite::memory:
// is one database for every connection of the pool (a named in-memory
// database with a shared cache), private to its Store and gone when the
// Store is closed; the Store holds one connection open so that the
// database outlives idle connections.
//
// The pool keeps max(4, GOMAXPROCS) connections, open and idle: SQLite
// connections are cheap to keep and costly to reopen (each runs its
// pragmas). Tune it through Store.DB.
//
// # Memory-mapped reads
//
// A read transaction takes the file's pages from the map, a memory
// access each, rather than from the connection's page cache, where a
// page the cache did not hold cost a read call and a copy: at scale L of
// bench/scale (a 460 MB file) checks took 23 µs instead of 28. The map is
// address space; its pages are the operating system's file cache, shared
// by the pool's connections (and counted in the process's resident size
// as they are touched). If mmap fails, in a 32-bit process short of
// address space say, SQLite reads as before. The price is SQLite's: an
// I/O error under a mapped page (a failing disk, or the file truncated by
// another program) kills the process with a fault instead of failing the
// statement. A host that prefers the error opens its own pool with
// mmap_size(0) (see sqlstore.New).
//
// Memory-mapped reads also keep several databases in one process (a
// database per tenant, say) from slowing each other down. modernc.org/sqlite
// builds SQLite with SQLITE_ENABLE_MEMORY_MANAGEMENT, under which every
// connection's page cache draws on one process-wide budget of pages: the
// database that filled its cache last takes the older ones' pages. Read
// calls then went back to the file for 15 of an older database's 16 page
// reads per check, which took 62 µs instead of 19; through the map they
// take what they did alone, whatever the page cache holds (the test
// TestOlderDatabaseReadsBesideANewer counts the misses both ways). Pages
// written since the last checkpoint are still read from the WAL through
// the page cache: SQLite checkpoints every 1,000 pages by default, so
// these are about the last 4 MB written (more while long reads hold a
// checkpoint back). A host with several busy databases can give each
// connection a cache of its own besides, registering
// modernc.org/sqlite/pcache before it opens any:
//
//	sqlite.MustRegisterPageCache(pcache.New()) // modernc.org/sqlite, modernc.org/sqlite/pcache
//
// Its callbacks into Go cost about a third more per check with one
// database (26 against 19 µs at scale S, without memory-mapped reads).
// The registration is process-wide, which is why this package does not
// make it. The test in internal/owncache runs two Stores that way.
//
// A host that opens its own SQLite pool for sqlstore.New needs only
// modernc.org/sqlite, not this package; sqlstore.New lists the DSN
// parameters to use.
package sqlite

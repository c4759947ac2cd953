package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
)

func init() {
	sqlstore.Register("sqlite", driver{})
}

// driver opens the sqlite: URLs of sqlstore.Open.
type driver struct{}

// Open opens a pool on the SQLite database that raw names. It returns an
// error matching tenancy.ErrInvalidInput for a malformed URL.
func (driver) Open(_ context.Context, raw string) (sqlstore.Pool, error) {
	tg, err := parseURL(raw)
	if err != nil {
		return sqlstore.Pool{}, err
	}
	db, err := sql.Open("sqlite", tg.dsn)
	if err != nil {
		return sqlstore.Pool{}, fmt.Errorf("sqlstore: open: %w", err)
	}
	tg.configure(db)
	return sqlstore.Pool{DB: db, Dialect: sqlstore.SQLite, Pin: tg.memory}, nil
}

// target is what a URL resolves to.
type target struct {
	dsn    string
	memory bool // a shared in-memory database
}

// pragmas are the DSN parameters of every connection (see
// modernc.org/sqlite): wait up to 10 s for a lock, enforce foreign keys,
// and take the write lock when a transaction begins.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"

// filePragmas are added for a file: WAL lets readers run alongside the
// writer; synchronous=NORMAL is durable in WAL mode but for the last
// transactions before a power loss; a page cache of up to 32 MB per
// connection (SQLite's default is 2 MB) holds the index pages that checks
// of many users read: at scale L (bench/scale) the default cache made
// Check 1.2-1.5x slower than at S, and 32 MB brought it back. Reads of
// the first mmapSize bytes of the file are memory-mapped (see mmapSize).
const filePragmas = "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)" +
	"&_pragma=mmap_size(" + mmapSize + ")"

// mmapSize is how much of a database file (1 GiB) its connections read
// through a memory map rather than read calls into their page cache. A
// page is then a memory access, where a page the cache did not hold was a
// system call and a copy: at scale L (a 460 MB file), checks took
// 23 µs instead of 28. And a database's reads no longer depend on its
// page cache, which several databases in one process share (see the
// package documentation): beside a newer one, an older database's checks
// took 19 µs instead of 62. The map is address space; its pages are the
// operating system's file cache, shared by every connection. If mmap
// fails (a 32-bit process short of address space), SQLite reads as
// before. The cost: an I/O error under a mapped page (a failing disk, a
// file truncated by another program) kills the process instead of failing
// the statement.
const mmapSize = "1073741824"

// parseURL resolves a sqlite: URL of sqlstore.Open. It returns an error
// matching tenancy.ErrInvalidInput for a malformed one.
func parseURL(raw string) (target, error) {
	invalid := func(format string, args ...any) (target, error) {
		return target{}, fmt.Errorf("%w: sqlstore: %s", tenancy.ErrInvalidInput, fmt.Sprintf(format, args...))
	}
	switch {
	case raw == "sqlite::memory:":
		var b [8]byte
		_, _ = rand.Read(b[:])
		// A named in-memory database with a shared cache is one database
		// for every connection of the pool (mode=memory alone would give
		// each connection its own). The random name keeps each Open apart.
		return target{
			dsn:    "file:tenancy-" + hex.EncodeToString(b[:]) + "?mode=memory&cache=shared&" + pragmas,
			memory: true,
		}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		p := strings.TrimPrefix(raw, "sqlite://")
		if strings.ContainsAny(p, "?#") {
			return invalid("SQLite URL %q: query parameters and fragments are not supported", raw)
		}
		path, err := url.PathUnescape(p)
		if err != nil {
			return invalid("SQLite URL %q: %v", raw, err)
		}
		if path == "" || strings.HasSuffix(path, "/") {
			return invalid("SQLite URL %q names no file: use sqlite:///abs/path.db or sqlite://rel/path.db", raw)
		}
		// SQLite reads the file name as a URI and percent-decodes it.
		return target{
			dsn: "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas + filePragmas,
		}, nil
	}
	return invalid("unsupported SQLite URL %q: want sqlite:///abs/path.db, sqlite://rel/path.db or sqlite::memory:", raw)
}

// configure sizes the pool. SQLite runs readers in parallel (WAL) and one
// writer; its connections are cheap to keep, costly to reopen (each runs
// its pragmas), so idle ones stay. Hosts may change it through
// Store.DB.
func (tg target) configure(db *sql.DB) {
	n := max(4, runtime.GOMAXPROCS(0))
	if tg.memory {
		n++ // the pinned connection
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}

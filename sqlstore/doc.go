// Package sqlstore is a tenancy.Store over database/sql, for SQLite (the
// embedded default, through the pure-Go driver modernc.org/sqlite: no cgo)
// and PostgreSQL (through github.com/jackc/pgx/v5/stdlib, for many app
// servers sharing one database). Both dialects share one code path: the
// same Go code and, but for a row-lock clause and the JSON functions that
// scrub an address from the audit log, the same SQL text.
//
// # Drivers
//
// Each database's driver lives in a package of its own, which registers
// its URL schemes with Open when imported, as database/sql drivers do; a
// host compiles and links only the database it uses:
//
//	import _ "github.com/tenancykit/tenancy/sqlstore/sqlite"   // sqlite: URLs
//	import _ "github.com/tenancykit/tenancy/sqlstore/postgres" // postgres: and postgresql: URLs
//
// Package sqlstore itself imports neither driver. Open of a URL whose
// driver is not imported returns an error naming the package to import.
// Other drivers may Register schemes of their own.
//
// # Opening a store
//
// Open takes a URL, opens and configures a pool, and migrates the schema:
//
//	sqlite:///var/lib/app/tenancy.db   SQLite file, absolute path
//	sqlite://data/tenancy.db           SQLite file, relative to the working directory
//	sqlite::memory:                    in-memory SQLite, gone when the Store is closed
//	postgres://app:secret@db:5432/app?sslmode=require
//	postgresql://…                     PostgreSQL: any URL or parameter pgx accepts
//
// SQLite files run in WAL mode (readers alongside one writer) with foreign
// keys on, synchronous=NORMAL, a 10 s busy timeout, immediate write
// transactions and a page cache of up to 32 MB per connection. sqlite::memory: is one database shared by every
// connection of the pool (a named in-memory database with a shared
// cache), private to the Store.
//
// PostgreSQL parameters such as search_path pass through the URL, for
// example postgres://…/app?search_path=tenancy to keep the tables in
// their own schema.
//
// A host that manages its own pool calls Migrate (when it chooses to) and
// New, and needs no driver package of sqlstore:
//
//	db, err := sql.Open("pgx", url) // import _ "github.com/jackc/pgx/v5/stdlib"
//	…
//	if err := sqlstore.Migrate(ctx, db, sqlstore.Postgres); err != nil { … }
//	store, err := sqlstore.New(db, sqlstore.Postgres)
//
// A Store from New does not pipeline its transactions on PostgreSQL. A
// host that only needs its own pgx configuration opens through OpenPool
// and the postgres driver's NewPool instead, which do.
//
// # Schema
//
// Tables are named tenancy_* (users, organizations, org_admins,
// workspaces, members, invitations, audit_events, and schema_migrations,
// which records the migrations applied). The migrations are embedded,
// numbered and forward-only, one transaction each: SQL files, and steps
// written in Go where data must be rewritten (migrations 0004 and 0008,
// below);
// Migrate is safe to run from several processes at once. The database
// enforces what it can: one organization per domain, unique workspace
// names per organization (by tenancy.NameKey), one membership per
// workspace and user, unique user emails and external IDs (NULL when a
// user has none), unique invitation token hashes and one invitation per
// workspace and email, and foreign keys that delete a workspace's
// memberships and invitations with it. Members and org admins keep a copy
// of their user's email, which orders the lists of members and of an
// organization's users; UpdateUser rewrites the copies with the user.
// Every lookup and list has an index; lists are keyset-paginated on
// indexed columns, and every list checks its page query
// (tenancy.PageQuery.Validate) before it reaches the database, so a
// forged cursor gives tenancy.ErrInvalidInput. Times are stored with
// microsecond precision (integer Unix microseconds on SQLite, timestamptz
// on PostgreSQL) and read back in UTC. Security policies and audit details
// are JSON (jsonb on PostgreSQL) with stable field names. ScrubAuditEmail
// rewrites the details of the events holding an address in one UPDATE,
// with the database's JSON functions (jsonb_each_text on PostgreSQL;
// json_each on SQLite, after a byte search of the JSON text picks the
// candidate rows): the log is never loaded into memory, but no index
// covers the values of details, so it reads the whole log.
//
// # Upgrading: workspace name keys
//
// Workspace names are unique per organization by tenancy.NameKey, which
// since schema version 4 is the PRECIS Nickname comparison key: names
// that differed only in width ("ＳＡＬＥＳ"), invisible characters
// ("Sales" + U+200B) or spacing now compare equal. Migration 0004, a Go
// step, recomputes the stored key (tenancy_workspaces.name_key) of every
// workspace; migration 0008 does it again, since NameKey reads the blank
// symbols U+2800 and U+1D159 as spaces ("Sales" + U+2800 is "Sales").
// Where two workspaces of one organization now share a key, it does not
// fail: the oldest (by creation time, then ID) holds the key,
// and each later one keeps the same key, so that it still sorts and pages
// where the Service's cursors expect it, but is marked name_collision,
// which leaves it out of the unique index. Every workspace keeps working.
// A marked workspace cannot be renamed to its held key, and renaming it
// to a free name clears the mark; no new workspace can take a held key.
// If the holder is deleted, the key is free again (the marked workspaces
// keep it, unheld).
//
// NameCollisions lists the marked workspaces, with the key and the
// workspace holding it. A host calls it after Migrate (or Open), for
// example to log them or to ask the organizations' admins to rename them:
//
//	if err := sqlstore.Migrate(ctx, db, sqlstore.Postgres); err != nil { … }
//	collisions, err := sqlstore.NameCollisions(ctx, db, sqlstore.Postgres)
//	for _, c := range collisions {
//		logger.Warn("workspace name collides", "workspace", c.Workspace.ID,
//			"organization", c.Workspace.OrgID, "key", c.Key, "held_by", c.HeldBy)
//	}
//
// # Transactions and concurrency
//
// Update runs a read-write transaction: READ COMMITTED on PostgreSQL,
// where LockOrganization locks the organization's row so that last-admin
// checks serialize across processes, and LockUser a user's, so that its
// address cannot change under a write that decides on it or copies it;
// an immediate transaction on SQLite,
// which lets one writer run at a time. Serialization failures, deadlocks
// and busy errors are retried a few times, so Update may run its function
// more than once. Driver errors are translated by error code (SQLite
// extended result codes, PostgreSQL SQLSTATE) into the tenancy sentinels.
//
// On PostgreSQL, a Store from Open pipelines its transactions (the
// postgres driver's Pool has a Pipeliner): each runs on one connection,
// its statements sent as batches, one network round trip each. BEGIN goes
// with the first statement; writes made through the transaction's
// deferred writer (tenancy.WriteDeferrer) go with the next statement that
// needs an answer, or with COMMIT; LockAccessFacts (tenancy.FactsLocker)
// sends the lock and the read together; a transaction that sent nothing
// costs nothing. A failed statement fails the whole transaction, queued writes
// and COMMIT included. A Store from New runs its transactions through
// database/sql's Tx, one round trip per statement, BEGIN and COMMIT
// included: it has no Pipeliner.
//
// AccessFacts, the read behind every authorization check, is one SQL
// query.
package sqlstore

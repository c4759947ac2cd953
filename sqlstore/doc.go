// Package sqlstore is a tenancy.Store over database/sql, for SQLite (the
// embedded default, through the pure-Go driver modernc.org/sqlite: no cgo)
// and PostgreSQL (through github.com/jackc/pgx/v5/stdlib, for many app
// servers sharing one database). Both dialects share one code path: the
// same Go code and, but for one row-lock clause, the same SQL text.
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
// keys on, synchronous=NORMAL, a 10 s busy timeout and immediate write
// transactions. sqlite::memory: is one database shared by every
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
// # Schema
//
// Tables are named tenancy_* (users, organizations, org_admins,
// workspaces, members, invitations, audit_events, and schema_migrations,
// which records the migrations applied). The migrations are embedded,
// numbered and forward-only, one transaction each; Migrate is safe to run
// from several processes at once. The database enforces what it can: one
// organization per domain, unique workspace names per organization (by
// tenancy.NameKey), one membership per workspace and user, unique user
// emails, unique invitation token hashes and one invitation per workspace
// and email, and foreign keys that delete a workspace's memberships and
// invitations with it. Every lookup and list has an index; lists are
// keyset-paginated on indexed columns. Times are stored with microsecond
// precision (integer Unix microseconds on SQLite, timestamptz on
// PostgreSQL) and read back in UTC. Security policies and audit details
// are JSON (jsonb on PostgreSQL) with stable field names.
//
// # Transactions and concurrency
//
// Update runs a read-write transaction: READ COMMITTED on PostgreSQL,
// where LockOrganization locks the organization's row so that last-admin
// checks serialize across processes; an immediate transaction on SQLite,
// which lets one writer run at a time. Serialization failures, deadlocks
// and busy errors are retried a few times, so Update may run its function
// more than once. Driver errors are translated by error code (SQLite
// extended result codes, PostgreSQL SQLSTATE) into the tenancy sentinels.
//
// AccessFacts, the read behind every authorization check, is one SQL
// query.
package sqlstore

package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tenancykit/tenancy"
)

// migrationFiles holds the schema: migrations/<dialect>/NNNN_name.sql,
// applied in order of NNNN.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered schema change: the SQL of a file, or a step
// written in Go (run).
type migration struct {
	version int
	name    string
	sql     string
	// run, for a Go step, changes the database within the migration's
	// transaction; it may use the dialect to pick its SQL.
	run func(ctx context.Context, tx *sql.Tx, d *dialect) error
}

// goMigrations are the numbered steps written in Go, the same for both
// dialects. They are numbered along with the SQL files: each version is
// either a file of every dialect or an entry here, never both. Like a
// file, a step runs once, in its own transaction, and is recorded in
// tenancy_schema_migrations under its number and name.
var goMigrations = []migration{
	{version: 4, name: "name_keys", run: recomputeNameKeys},
	// tenancy.NameKey now reads the blank symbols display names refuse
	// (U+2800, U+1D159) as spaces.
	{version: 8, name: "name_keys_blank_symbols", run: recomputeNameKeys},
}

// migrationLockKey is the PostgreSQL advisory lock that serializes
// migrations: "tenancy" in ASCII.
const migrationLockKey = 0x74656e616e6379

// migrations returns the dialect's migrations in order. The embedded files
// are checked by the tests, so an error here is a build mistake.
func (d *dialect) migrations() ([]migration, error) {
	dir := path.Join("migrations", d.name)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlstore: malformed migration file name %s", e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	ms = append(ms, goMigrations...)
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		switch {
		case i > 0 && m.version == ms[i-1].version:
			return nil, fmt.Errorf("sqlstore: migration %d is defined twice", m.version)
		case m.version != i+1:
			return nil, fmt.Errorf("sqlstore: migration %d is missing", i+1)
		}
	}
	return ms, nil
}

// Migrate brings the database's schema to the latest version. The schema
// is embedded in the package as numbered, forward-only migrations (SQL
// files, and steps written in Go where data must be rewritten, such as
// recomputing workspace name keys); each runs in its own transaction and
// is recorded in the table tenancy_schema_migrations, so Migrate applies
// only what is missing and returns quickly when nothing is. Every table of
// the schema is named tenancy_*.
//
// Migrations 0004 and 0008 recompute workspace name keys with the current
// tenancy.NameKey; they do not fail where two workspaces of one
// organization now share a key, but mark the later ones, which
// NameCollisions lists.
//
// Several processes may run Migrate at once: on PostgreSQL they serialize
// on an advisory transaction lock, on SQLite on the database's write lock.
// A migration that fails is rolled back and Migrate returns its error;
// the migrations before it stay applied. It returns an error matching
// tenancy.ErrInvalidInput if d is the zero Dialect.
//
// Open runs Migrate; hosts that open their own pool for New run it at
// start-up or from their own deployment tooling, after each upgrade of
// this package and before its code serves. A host with a migration tool
// of its own calls Migrate from it (outside a transaction: each migration
// takes its own) rather than copy the SQL files, which are not the whole
// schema (0004 and 0008 are Go), and keeps the tenancy_* tables out of
// any schema the tool declares or compares.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if d.d == nil {
		return fmt.Errorf("%w: sqlstore: zero Dialect: use sqlstore.SQLite or sqlstore.Postgres", tenancy.ErrInvalidInput)
	}
	ms, err := d.d.migrations()
	if err != nil {
		return err
	}
	return migrateTo(ctx, db, d.d, ms[len(ms)-1].version)
}

// migrateTo applies the migrations up to version target.
func migrateTo(ctx context.Context, db *sql.DB, d *dialect, target int) error {
	ms, err := d.migrations()
	if err != nil {
		return err
	}
	applied, err := d.appliedVersions(ctx, db)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	for _, m := range ms {
		if m.version > target || applied[m.version] {
			continue
		}
		if err := d.migrateOne(ctx, db, m); err != nil {
			return fmt.Errorf("sqlstore: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// schemaVersion returns the highest applied migration, 0 if none.
func schemaVersion(ctx context.Context, db *sql.DB, d *dialect) (int, error) {
	applied, err := d.appliedVersions(ctx, db)
	if err != nil {
		return 0, err
	}
	v := 0
	for n := range applied {
		v = max(v, n)
	}
	return v, nil
}

// appliedVersions creates the migrations table if needed and returns the
// versions it records.
func (d *dialect) appliedVersions(ctx context.Context, db *sql.DB) (map[int]bool, error) {
	applied := map[int]bool{}
	err := d.migrationTx(ctx, db, func(tx *sql.Tx) error {
		clear(applied)
		rows, err := tx.QueryContext(ctx, `SELECT version FROM tenancy_schema_migrations`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			applied[v] = true
		}
		return rows.Err()
	})
	return applied, err
}

// migrateOne applies m unless another process did meanwhile.
func (d *dialect) migrateOne(ctx context.Context, db *sql.DB, m migration) error {
	return d.migrationTx(ctx, db, func(tx *sql.Tx) error {
		var done bool
		err := tx.QueryRowContext(ctx, d.bind(`SELECT EXISTS (SELECT 1 FROM tenancy_schema_migrations WHERE version = ?)`),
			m.version).Scan(&done)
		if err != nil || done {
			return err
		}
		if m.run != nil {
			err = m.run(ctx, tx, d)
		} else {
			_, err = tx.ExecContext(ctx, m.sql)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, d.bind(`INSERT INTO tenancy_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, d.ts(time.Now().UTC().Truncate(time.Microsecond)))
		return err
	})
}

// migrationTx runs fn in a transaction that holds the migration lock and
// sees the migrations table, retrying transient failures (SQLite busy
// when the pool was opened without immediate transactions, PostgreSQL
// deadlocks).
func (d *dialect) migrationTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err = d.migrationTxOnce(ctx, db, fn); err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
		}
	}
	return err
}

func (d *dialect) migrationTxOnce(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return d.translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	if d.postgres {
		// Taken before the CREATE TABLE IF NOT EXISTS, which is not safe
		// to run concurrently on PostgreSQL.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
			return d.translate(err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.versionTable); err != nil {
		return d.translate(err)
	}
	if err := fn(tx); err != nil {
		return d.translate(err)
	}
	return d.translate(tx.Commit())
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrationFiles(t *testing.T) {
	t.Parallel()
	lite, err := sqliteDialect.migrations()
	require.NoError(t, err)
	pg, err := postgresDialect.migrations()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(lite), 2)
	require.Len(t, pg, len(lite), "both dialects have the same migrations")
	for i := range lite {
		require.Equal(t, i+1, lite[i].version)
		require.Equal(t, lite[i].version, pg[i].version)
		require.Equal(t, lite[i].name, pg[i].name)
		require.Equal(t, lite[i].run == nil, pg[i].run == nil, "a Go step is one for both dialects")
		require.True(t, (lite[i].sql == "") != (lite[i].run == nil), "migration %d is SQL or Go", lite[i].version)
		require.True(t, (pg[i].sql == "") != (pg[i].run == nil), "migration %d is SQL or Go", pg[i].version)
	}
}

// migrationBackends open a raw pool on a fresh database of each dialect.
var migrationBackends = []struct {
	name    string
	dialect Dialect
	open    func(t *testing.T) (db func() *sql.DB)
}{
	{"SQLite", SQLite, func(t *testing.T) func() *sql.DB {
		dsn := sqliteDSN(sqlitePath(t))
		return func() *sql.DB {
			db, err := sql.Open("sqlite", dsn)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db
		}
	}},
	{"Postgres", Postgres, func(t *testing.T) func() *sql.DB {
		url := postgresSchemaURL(t)
		return func() *sql.DB {
			db, err := sql.Open("pgx", url)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db
		}
	}},
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, b := range migrationBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			d := b.dialect.d
			all, err := d.migrations()
			require.NoError(t, err)
			latest := all[len(all)-1].version

			t.Run("upgrades a database migrated by an older version", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				db := b.open(t)()
				require.NoError(t, migrateTo(ctx, db, d, 2))
				v, err := schemaVersion(ctx, db, d)
				require.NoError(t, err)
				require.Equal(t, 2, v)
				require.False(t, hasIndex(t, db, d, "tenancy_invitations_email"))

				// A world written as the code of schema 2 wrote it.
				w := seedSchema2(t, db, d)

				require.NoError(t, Migrate(ctx, db, b.dialect))
				v, err = schemaVersion(ctx, db, d)
				require.NoError(t, err)
				require.Equal(t, latest, v)
				require.True(t, hasIndex(t, db, d, "tenancy_invitations_email"))
				s, err := New(db, b.dialect)
				require.NoError(t, err)
				w.check(t, s)
				seed(t, s)
			})

			t.Run("records each migration once and does nothing when current", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				db := b.open(t)()
				require.NoError(t, Migrate(ctx, db, b.dialect))
				require.NoError(t, Migrate(ctx, db, b.dialect))
				rows, err := db.QueryContext(ctx, `SELECT version, name FROM tenancy_schema_migrations ORDER BY version`)
				require.NoError(t, err)
				defer rows.Close()
				var got []migration
				for rows.Next() {
					var m migration
					require.NoError(t, rows.Scan(&m.version, &m.name))
					got = append(got, m)
				}
				require.NoError(t, rows.Err())
				require.Len(t, got, len(all))
				for i, m := range got {
					require.Equal(t, all[i].version, m.version)
					require.Equal(t, all[i].name, m.name)
				}
			})

			t.Run("concurrent migrations from several processes apply each once", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				open := b.open(t)
				var wg sync.WaitGroup
				for range 4 {
					db := open() // a pool of its own, like another process
					wg.Go(func() { assert.NoError(t, Migrate(ctx, db, b.dialect)) })
				}
				wg.Wait()
				db := open()
				var n int
				require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM tenancy_schema_migrations`).Scan(&n))
				require.Equal(t, len(all), n)
				s, err := New(db, b.dialect)
				require.NoError(t, err)
				seed(t, s).check(t, s)
			})

			t.Run("a failed migration is rolled back", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				db := b.open(t)()
				require.NoError(t, Migrate(ctx, db, b.dialect))
				bad := migration{version: latest + 1, name: "broken", sql: `CREATE TABLE tenancy_broken (x integer); SELECT * FROM no_such_table`}
				require.Error(t, d.migrateOne(ctx, db, bad))
				v, err := schemaVersion(ctx, db, d)
				require.NoError(t, err)
				require.Equal(t, latest, v)
				var n int
				err = db.QueryRowContext(ctx, `SELECT count(*) FROM tenancy_broken`).Scan(&n)
				require.Error(t, err, "the table of the failed migration is gone")
			})

			t.Run("a failed Go step is rolled back", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				db := b.open(t)()
				require.NoError(t, Migrate(ctx, db, b.dialect))
				bad := migration{version: latest + 1, name: "broken", run: func(ctx context.Context, tx *sql.Tx, d *dialect) error {
					if _, err := tx.ExecContext(ctx, `CREATE TABLE tenancy_broken (x integer)`); err != nil {
						return err
					}
					return errors.New("broken step")
				}}
				require.ErrorContains(t, d.migrateOne(ctx, db, bad), "broken step")
				v, err := schemaVersion(ctx, db, d)
				require.NoError(t, err)
				require.Equal(t, latest, v)
				var n int
				err = db.QueryRowContext(ctx, `SELECT count(*) FROM tenancy_broken`).Scan(&n)
				require.Error(t, err, "the table of the failed step is gone")
			})
		})
	}
}

// hasIndex reports whether the database has an index of this name.
func hasIndex(t *testing.T, db *sql.DB, d *dialect, name string) bool {
	t.Helper()
	query := `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
	if d.postgres {
		query = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`
	}
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), query, name).Scan(&n))
	return n == 1
}

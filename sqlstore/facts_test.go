package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/tenancykit/tenancy"
)

// countingConnector wraps a driver's connector and counts the statements
// its connections run (queries, execs, prepared-statement executions,
// transaction starts).
type countingConnector struct {
	driver.Connector
	n atomic.Int64
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: &c.n}, nil
}

// dsnConnector is a connector for a driver without one of its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: s, n: c.n}, nil
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.n.Add(1)
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type countingStmt struct {
	driver.Stmt
	n *atomic.Int64
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// countingBackends open a Store whose statements are counted.
var countingBackends = []struct {
	name string
	open func(t *testing.T) (*Store, *countingConnector)
}{
	{"SQLite", func(t *testing.T) (*Store, *countingConnector) {
		return openCounting(t, &countingConnector{Connector: dsnConnector{&sqlite.Driver{}, sqliteDSN(sqlitePath(t))}}, SQLite)
	}},
	{"Postgres", func(t *testing.T) (*Store, *countingConnector) {
		cfg, err := pgx.ParseConfig(postgresSchemaURL(t))
		require.NoError(t, err)
		return openCounting(t, &countingConnector{Connector: stdlib.GetConnector(*cfg)}, Postgres)
	}},
}

func openCounting(t *testing.T, c *countingConnector, d Dialect) (*Store, *countingConnector) {
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, Migrate(t.Context(), db, d))
	s, err := New(db, d)
	require.NoError(t, err)
	return s, c
}

// TestAccessFactsIsOneQuery checks that the read behind every
// authorization check is a single statement, in both scopes, whatever the
// answer.
func TestAccessFactsIsOneQuery(t *testing.T) {
	t.Parallel()
	for _, b := range countingBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, c := b.open(t)
			w := seed(t, s)
			require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
				o, err := tx.Organization(ctx, w.org.ID)
				if err != nil {
					return err
				}
				o.Policy = tenancy.SecurityPolicy{RequireMFA: true, AllowedEmailDomains: []string{"acme.com"}}
				return tx.UpdateOrganization(ctx, o)
			}))
			cases := []struct {
				name  string
				user  uuid.UUID
				scope tenancy.Scope
			}{
				{"workspace member", w.bob.ID, tenancy.InWorkspace(w.ws.ID)},
				{"workspace admin and org admin", w.ann.ID, tenancy.InWorkspace(w.ws.ID)},
				{"org admin, org scope", w.ann.ID, tenancy.InOrganization(w.org.ID)},
				{"member, org scope", w.bob.ID, tenancy.InOrganization(w.org.ID)},
				{"stranger", uuid.New(), tenancy.InWorkspace(w.ws.ID)},
				{"missing workspace", w.bob.ID, tenancy.InWorkspace(uuid.New())},
				{"missing organization", w.bob.ID, tenancy.InOrganization(uuid.New())},
			}
			for _, tc := range cases {
				before := c.n.Load()
				f, err := s.AccessFacts(ctx, tc.user, tc.scope)
				require.Equal(t, int64(1), c.n.Load()-before, "%s: statements run", tc.name)
				if strings.HasPrefix(tc.name, "missing") {
					require.ErrorIs(t, err, tenancy.ErrNotFound)
					continue
				}
				require.NoError(t, err, tc.name)
				require.Equal(t, w.org.ID, f.OrgID)
				require.True(t, f.Policy.RequireMFA, "the policy is read with the facts")
			}

			// Inside a transaction too.
			require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
				before := c.n.Load()
				_, err := tx.AccessFacts(ctx, w.bob.ID, tenancy.InWorkspace(w.ws.ID))
				require.Equal(t, int64(1), c.n.Load()-before)
				return err
			}))
		})
	}
}

func TestAccessFacts(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := b.open(t)
			w := seed(t, s)
			other := tenancy.Workspace{ID: uuid.New(), OrgID: w.org.ID, Name: "Ops", CreatedBy: w.ann.ID, CreatedAt: testTime}
			cid := tenancy.User{ID: uuid.New(), Email: "cid@example.com", CreatedAt: testTime}
			require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
				return errors.Join(tx.CreateWorkspace(ctx, other), tx.CreateUser(ctx, cid))
			}))
			facts := func(user uuid.UUID, sc tenancy.Scope) tenancy.Facts {
				f, err := s.AccessFacts(ctx, user, sc)
				require.NoError(t, err)
				return f
			}
			org, ws, ops := w.org.ID, w.ws.ID, other.ID
			require.Equal(t, tenancy.Facts{OrgID: org, WorkspaceID: ws, OrgAdmin: true, WorkspaceRole: tenancy.RoleAdmin, OrgMember: true, Policy: &tenancy.SecurityPolicy{}},
				facts(w.ann.ID, tenancy.InWorkspace(ws)))
			require.Equal(t, tenancy.Facts{OrgID: org, WorkspaceID: ops, OrgAdmin: true, OrgMember: true, Policy: &tenancy.SecurityPolicy{}},
				facts(w.ann.ID, tenancy.InWorkspace(ops)))
			require.Equal(t, tenancy.Facts{OrgID: org, WorkspaceID: ops, OrgMember: true, Policy: &tenancy.SecurityPolicy{}},
				facts(w.bob.ID, tenancy.InWorkspace(ops)), "a member elsewhere in the organization")
			require.Equal(t, tenancy.Facts{OrgID: org, OrgMember: true, Policy: &tenancy.SecurityPolicy{}}, facts(w.bob.ID, tenancy.InOrganization(org)))
			require.Equal(t, tenancy.Facts{OrgID: org, OrgAdmin: true, OrgMember: true, Policy: &tenancy.SecurityPolicy{}}, facts(w.ann.ID, tenancy.InOrganization(org)))
			require.Equal(t, tenancy.Facts{OrgID: org, WorkspaceID: ws, Policy: &tenancy.SecurityPolicy{}}, facts(cid.ID, tenancy.InWorkspace(ws)))
			require.Equal(t, tenancy.Facts{OrgID: org, Policy: &tenancy.SecurityPolicy{}}, facts(cid.ID, tenancy.InOrganization(org)))
			require.Equal(t, tenancy.Facts{OrgID: org, WorkspaceID: ws, WorkspaceRole: tenancy.RoleMember, OrgMember: true, Policy: &tenancy.SecurityPolicy{}},
				facts(w.bob.ID, tenancy.Scope{OrgID: uuid.New(), WorkspaceID: ws}), "the workspace wins over the organization")
		})
	}
}

// TestEveryQueryUsesAnIndex asks the database how it runs each statement:
// none may read a whole table. SQLite's planner follows the schema
// whatever the table sizes. PostgreSQL's is told to avoid sequential scans
// (enable_seqscan=off), so that it uses an index wherever one applies, and
// to plan for any parameter values (a generic plan).
func TestEveryQueryUsesAnIndex(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		open func(testing.TB) *Store
	}{{"SQLite", openSQLite}, {"Postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := b.open(t)
			seed(t, s)
			conn, err := s.DB().Conn(ctx)
			require.NoError(t, err)
			defer conn.Close()
			d := s.d
			if d.postgres {
				_, err := conn.ExecContext(ctx, "SET enable_seqscan = off")
				require.NoError(t, err)
				_, err = conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan")
				require.NoError(t, err)
			}
			q := reflect.ValueOf(*d.q)
			for i := range q.NumField() {
				name := q.Type().Field(i).Name
				var stmts []string
				switch f := q.Field(i); f.Kind() {
				case reflect.String:
					stmts = []string{f.String()}
				case reflect.Struct: // a page
					stmts = []string{f.Field(0).String(), f.Field(1).String()}
				}
				for _, stmt := range stmts {
					plan := explain(t, conn, d, stmt)
					if testing.Verbose() {
						t.Logf("%s:\n\t%s", name, strings.Join(plan, "\n\t"))
					}
					if bad := fullScans(d, plan); len(bad) > 0 && !mayScan[name] {
						t.Errorf("%s reads a whole table: %q\nplan:\n%s\nquery:\n%s", name, bad, strings.Join(plan, "\n"), stmt)
					}
				}
			}
		})
	}
}

// mayScan names the statements allowed to read a whole table, each for
// a reason.
var mayScan = map[string]bool{
	// An address may be anywhere in any event's details, which no index
	// covers; erasing it (for a deleted user) is rare and done in one pass
	// by the database.
	"scrubAudit": true,
	// It reads a partial index whole, which holds only the workspaces it
	// lists (those marked name_collision).
	"nameCollisions": true,
	// It reads, newest first, a partial index that holds only the events
	// it lists (those of no organization), stopping after a page.
	"auditEventsNoOrg": true,
}

// explain returns the lines of the plan of stmt.
func explain(t *testing.T, conn *sql.Conn, d *dialect, stmt string) []string {
	t.Helper()
	ctx := t.Context()
	var rows *sql.Rows
	var err error
	if d.postgres {
		n := len(regexp.MustCompile(`\$\d+`).FindAllString(stmt, -1))
		_, err = conn.ExecContext(ctx, "PREPARE explained AS "+stmt)
		require.NoError(t, err, stmt)
		defer conn.ExecContext(ctx, "DEALLOCATE explained")
		execute := "EXPLAIN EXECUTE explained"
		if n > 0 {
			execute += "(" + strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ") + ")"
		}
		rows, err = conn.QueryContext(ctx, execute)
	} else {
		rows, err = conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, make([]any, strings.Count(stmt, "?"))...)
	}
	require.NoError(t, err, stmt)
	return planLines(t, rows)
}

var (
	// SQLite: "SCAN t" reads every row of t (in index order with "USING
	// INDEX"), where "SEARCH t" reads a range. The unions of ListOrgUsers
	// and CountSeats are read back from their own results, k and s, and
	// the arms of ListOrgUsers' from theirs, a and m.
	sqliteScan = regexp.MustCompile(`^SCAN (\w+)`)
	// PostgreSQL: an index scan node is a range scan when an Index Cond
	// line follows it.
	pgIndexScan = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)`)
)

// derivedTables are the names SQLite's plans give the results of
// subqueries (and constant rows), which hold no more than they selected.
var derivedTables = map[string]bool{"k": true, "s": true, "a": true, "m": true, "CONSTANT": true}

// fullScans returns the plan lines that read a whole table.
func fullScans(d *dialect, plan []string) []string {
	var bad []string
	for i, line := range plan {
		if !d.postgres {
			if m := sqliteScan.FindStringSubmatch(line); m != nil && !derivedTables[m[1]] {
				bad = append(bad, line)
			}
			continue
		}
		if strings.Contains(line, "Seq Scan") {
			bad = append(bad, line)
			continue
		}
		if !pgIndexScan.MatchString(line) {
			continue
		}
		ranged := false
		for _, next := range plan[i+1:] {
			if strings.Contains(next, "->") {
				break
			}
			if strings.Contains(next, "Index Cond:") {
				ranged = true
				break
			}
		}
		if !ranged {
			bad = append(bad, line)
		}
	}
	return bad
}

// TestServiceCheckIsOneQuery checks the same through the Service: Check and
// Authorize cost one SQL round trip, allowed or denied.
func TestServiceCheckIsOneQuery(t *testing.T) {
	t.Parallel()
	for _, b := range countingBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, c := b.open(t)
			w := seed(t, s)
			svc := tenancy.New(s)
			bob := tenancy.Actor{UserID: w.bob.ID}
			for _, act := range []tenancy.Action{tenancy.ActionCreateSegment, tenancy.ActionCreateSource} {
				before := c.n.Load()
				d, err := svc.Check(ctx, bob, act, tenancy.InWorkspace(w.ws.ID))
				require.NoError(t, err)
				require.Equal(t, int64(1), c.n.Load()-before, "Check %s: statements run", act)
				require.Equal(t, act == tenancy.ActionCreateSegment, d.Allowed)

				before = c.n.Load()
				err = svc.Authorize(ctx, bob, act, tenancy.InWorkspace(w.ws.ID))
				require.Equal(t, int64(1), c.n.Load()-before, "Authorize %s: statements run", act)
				require.Equal(t, act == tenancy.ActionCreateSegment, err == nil)
			}
		})
	}
}

// planLines reads the lines of an EXPLAIN: the last column of each row
// (SQLite: id, parent, notused, detail; PostgreSQL: one line).
func planLines(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		require.NoError(t, rows.Scan(vals...))
		switch v := (*(vals[len(vals)-1].(*any))).(type) {
		case string:
			plan = append(plan, v)
		case []byte:
			plan = append(plan, string(v))
		}
	}
	require.NoError(t, rows.Err())
	return plan
}

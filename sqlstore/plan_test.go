package sqlstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// planWorld is a population large enough that a planner prefers an index
// to reading and sorting a table: one organization with a workspace of
// every user as member and many invitations, a user in every workspace,
// a long audit log, and a few hundred other organizations beside it, each
// with its Organization Admin.
type planWorld struct {
	org, ws, power, admin uuid.UUID
}

const (
	planOrgs       = 200
	planMembers    = 3000
	planWorkspaces = 600
	planEvents     = 6000
)

func populatePlanWorld(t *testing.T, s *Store) planWorld {
	t.Helper()
	ctx := t.Context()
	var w planWorld
	var ops []func(tx tenancy.Tx) error
	flush := func() {
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
			for _, op := range ops {
				if err := op(tx); err != nil {
					return err
				}
			}
			return nil
		}))
		ops = nil
	}
	add := func(op func(tx tenancy.Tx) error) {
		ops = append(ops, op)
		if len(ops) == 2000 {
			flush()
		}
	}
	user := func(email string) uuid.UUID {
		u := tenancy.User{ID: uuid.New(), Email: email, CreatedAt: testTime}
		add(func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) })
		return u.ID
	}
	var orgs []uuid.UUID
	for i := range planOrgs {
		o := tenancy.Organization{ID: uuid.New(), Name: fmt.Sprintf("Org %d", i), CreatedAt: testTime}
		orgs = append(orgs, o.ID)
		add(func(tx tenancy.Tx) error { return tx.CreateOrganization(ctx, o) })
		// Every organization has an Organization Admin.
		admin := user(fmt.Sprintf("admin@org%d.com", i))
		add(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(ctx, o.ID, admin, testTime) })
		if i == 0 {
			w.admin = admin
		}
	}
	w.org = orgs[0]
	w.power = user("power@org0.com")
	var wss []uuid.UUID
	for i := range planWorkspaces {
		ws := tenancy.Workspace{ID: uuid.New(), OrgID: orgs[i%len(orgs)], Name: fmt.Sprintf("Workspace %04d", i), CreatedAt: testTime}
		wss = append(wss, ws.ID)
		add(func(tx tenancy.Tx) error { return tx.CreateWorkspace(ctx, ws) })
		add(func(tx tenancy.Tx) error {
			return tx.AddMember(ctx, tenancy.Member{WorkspaceID: ws.ID, UserID: w.power, Role: tenancy.RoleMember, CreatedAt: testTime})
		})
	}
	w.ws = wss[0]
	for i := range planMembers {
		o := i % len(orgs)
		u := user(fmt.Sprintf("user%05d@org%d.com", i, o))
		for _, ws := range []uuid.UUID{wss[0], wss[o+len(orgs)]} {
			add(func(tx tenancy.Tx) error {
				return tx.AddMember(ctx, tenancy.Member{WorkspaceID: ws, UserID: u, Role: tenancy.RoleMember, CreatedAt: testTime})
			})
		}
		email := fmt.Sprintf("invited%05d@org%d.com", i, o)
		hash := sha256.Sum256([]byte(email))
		inv := tenancy.InvitationRecord{Invitation: tenancy.Invitation{ID: uuid.New(), WorkspaceID: wss[0], OrgID: orgs[0],
			Email: email, Role: tenancy.RoleMember, InvitedBy: w.admin, CreatedAt: testTime, ExpiresAt: testTime.AddDate(1, 0, 0)},
			TokenHash: hash[:]}
		add(func(tx tenancy.Tx) error { return tx.CreateInvitation(ctx, inv) })
	}
	for i := range planEvents {
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: orgs[i%4], Action: "x", At: testTime.Add(time.Duration(i) * time.Second)}
		if i%2 == 0 {
			e.OrgID = uuid.Nil
		}
		add(func(tx tenancy.Tx) error { return tx.AppendAudit(ctx, e) })
	}
	flush()
	if s.d.postgres {
		// Users who hold no role here, as a shared database has many:
		// the planner looks users up by ID rather than reading them all.
		_, err := s.DB().ExecContext(ctx, `INSERT INTO tenancy_users (id, email, name, email_verified, created_at)
SELECT gen_random_uuid(), 'filler' || g || '@example.com', '', false, now() FROM generate_series(1, 50000) g`)
		require.NoError(t, err)
	}
	_, err := s.DB().ExecContext(ctx, "ANALYZE")
	require.NoError(t, err)
	return w
}

// TestListsComeOffAnIndex asks the database, on a realistic population
// after ANALYZE and with real arguments, how it runs the first page and a
// later page of every list: each must read its page in order off an
// index, never sorting the list (SQLite: no USE TEMP B-TREE; PostgreSQL:
// no Sort node) nor reading a whole table.
func TestListsComeOffAnIndex(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		open func(testing.TB) *Store
	}{{"SQLite", openSQLite}, {"Postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := b.open(t)
			w := populatePlanWorld(t, s)
			d, q := s.d, s.d.q
			key, at := "m", d.ts(testTime.Add(time.Hour))
			id := uuid.New()
			for _, c := range []struct {
				name        string
				p           page
				first, next []any
			}{
				{"ListMembers", q.members, []any{w.ws}, []any{w.ws, key, id}},
				{"ListInvitations", q.invitations, []any{w.ws}, []any{w.ws, key, id}},
				{"ListOrgUsers", q.orgUsers, []any{w.org, w.org, w.org, 51, w.org, 51}, []any{w.org, w.org, w.org, key, id, 51, w.org, key, id, 51}},
				{"ListOrgWorkspaces", q.orgWorkspaces, []any{w.power, w.org}, []any{w.power, w.org, key, id}},
				{"ListOrgWorkspaces, only member", q.orgMemberWorkspaces, []any{w.power, w.org}, []any{w.power, w.org, key, id}},
				{"ListUserMemberships", q.userMemberships, []any{w.power}, []any{w.power, key, id}},
				{"ListAuditEvents", q.auditEvents, []any{w.org}, []any{w.org, at, id}},
				{"ListAuditEvents, no organization", q.auditEventsNoOrg, nil, []any{at, id}},
			} {
				for _, page := range []struct {
					stmt string
					args []any
				}{{c.p.first, c.first}, {c.p.after, c.next}} {
					plan := explainWith(t, ctx, s, page.stmt, append(page.args, 51))
					if testing.Verbose() {
						t.Logf("%s:\n\t%s", c.name, strings.Join(plan, "\n\t"))
					}
					if bad := sortsOrScans(d, plan); len(bad) > 0 {
						t.Errorf("%s does not come off an index: %q\nplan:\n%s\nquery:\n%s", c.name, bad, strings.Join(plan, "\n"), page.stmt)
					}
				}
			}
			// Not a list, but DeleteUser's read of the audit log: its
			// partial index spares a scan of every event.
			plan := explainWith(t, ctx, s, q.formerEmails, []any{w.power})
			if testing.Verbose() {
				t.Logf("FormerEmails:\n\t%s", strings.Join(plan, "\n\t"))
			}
			if bad := sortsOrScans(d, plan); len(bad) > 0 {
				t.Errorf("FormerEmails scans the log: %q\nplan:\n%s", bad, strings.Join(plan, "\n"))
			}
			// Nor a list, but the read behind every check: each of its
			// rows is found through an index, even in the small tables
			// (a few hundred organizations and their admins), where
			// PostgreSQL at its default random_page_cost reads the
			// whole table (see the postgres driver).
			for _, c := range []struct {
				name string
				stmt string
				args []any
			}{
				{"AccessFacts, workspace", q.factsWorkspace, []any{w.power, w.power, w.power, w.ws}},
				{"AccessFacts, organization", q.factsOrg, []any{w.power, w.power, w.org}},
			} {
				plan := explainWith(t, ctx, s, c.stmt, c.args)
				if testing.Verbose() {
					t.Logf("%s:\n\t%s", c.name, strings.Join(plan, "\n\t"))
				}
				if bad := fullScans(d, plan); len(bad) > 0 {
					t.Errorf("%s reads a whole table: %q\nplan:\n%s", c.name, bad, strings.Join(plan, "\n"))
				}
			}
		})
	}
}

// explainWith returns the lines of the plan of stmt run with args.
func explainWith(t *testing.T, ctx context.Context, s *Store, stmt string, args []any) []string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if s.d.postgres {
		prefix = "EXPLAIN "
	}
	rows, err := s.DB().QueryContext(ctx, prefix+stmt, args...)
	require.NoError(t, err, stmt)
	return planLines(t, rows)
}

var (
	// pgSort matches a sort node of a PostgreSQL plan, incremental or
	// not, and its estimate of the rows it sorts.
	pgSort = regexp.MustCompile(`(?:^|-> +)(?:Incremental )?Sort  \(cost=\S+ rows=(\d+)`)
	// pgSeqScan matches a sequential scan of a table.
	pgSeqScan = regexp.MustCompile(`Seq Scan on (\w+)`)
)

// sqliteScanDerived matches SQLite's reading of a subquery's result.
var sqliteScanDerived = regexp.MustCompile(`^SCAN (a|m|k|s)$`)

// sortsOrScans returns the plan lines that sort more than a page or two
// of rows or read a whole table. Sorting the pages read in order off
// indexes (to merge the two arms of ListOrgUsers, or the page itself after
// a join) is allowed.
func sortsOrScans(d *dialect, plan []string) []string {
	if !d.postgres {
		var bad []string
		for i, line := range plan {
			// Sorting what a subquery selected (an arm's page, merged
			// with another's) is allowed: it is no bigger than a page.
			if strings.Contains(line, "USE TEMP B-TREE") && (i == 0 || !sqliteScanDerived.MatchString(plan[i-1])) {
				bad = append(bad, line)
			}
		}
		return append(bad, fullScans(d, plan)...)
	}
	var bad []string
	for _, line := range plan {
		if m := pgSort.FindStringSubmatch(line); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > 2*51 { // the merge of two pages
				bad = append(bad, line)
			}
		}
		if m := pgSeqScan.FindStringSubmatch(line); m != nil {
			bad = append(bad, line)
		}
	}
	return bad
}

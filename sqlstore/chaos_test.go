package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// tenancyTables are every table of the schema but the migrations'.
var tenancyTables = []string{
	"tenancy_users", "tenancy_organizations", "tenancy_org_admins", "tenancy_workspaces",
	"tenancy_members", "tenancy_invitations", "tenancy_audit_events",
}

// tableDump is every row of every table, each row printed, sorted: two
// dumps are equal exactly when the database holds the same data.
type tableDump map[string][]string

// dumpTables reads every row of db's tenancy tables.
func dumpTables(t *testing.T, db *sql.DB) tableDump {
	t.Helper()
	ctx := context.Background()
	dump := tableDump{}
	for _, table := range tenancyTables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			var b strings.Builder
			for i, v := range vals {
				if b2, ok := v.([]byte); ok {
					v = fmt.Sprintf("%x", b2)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			lines = append(lines, b.String())
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		slices.Sort(lines)
		dump[table] = lines
	}
	return dump
}

// chaosEnv is a Service over a Store whose connections a test breaks,
// holding an organization with what the operations under test touch.
type chaosEnv struct {
	t      *testing.T
	ctx    context.Context
	s      breakableStore
	svc    *tenancy.Service
	now    time.Time
	events atomic.Int64

	acme               tenancy.Organization
	marketing, sales   tenancy.Workspace
	ann, bob, cat, gil tenancy.User
	annA, gilA         tenancy.Actor
	gilToken           string
	gilInv             tenancy.Invitation
}

// newChaosEnv builds the scene on a new store from open, nothing armed:
// ann@acme.com founded acme and administers Marketing and Sales; acme
// auto-joins acme.com addresses to Sales; bob@acme.com auto-joined it;
// cat@gmail.com has signed up; gil@gmail.com is invited to Marketing.
func newChaosEnv(t *testing.T, open func(*testing.T) breakableStore) *chaosEnv {
	t.Helper()
	e := &chaosEnv{t: t, ctx: t.Context(), s: open(t), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	e.svc = tenancy.New(e.s, tenancy.WithClock(func() time.Time { return e.now }),
		tenancy.WithLogger(slog.New(slog.DiscardHandler)),
		tenancy.WithEventHandler(func(context.Context, tenancy.AuditEvent) { e.events.Add(1) }))
	ctx, svc := e.ctx, e.svc
	signUp := func(email string) tenancy.User {
		res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: email, Name: email, EmailVerified: true})
		require.NoError(t, err)
		if res.CreatedOrganization {
			e.acme = *res.Organization
		}
		return res.User
	}
	actor := func(u tenancy.User) tenancy.Actor {
		return tenancy.Actor{UserID: u.ID, AuthenticatedAt: e.now, MFA: true}
	}
	e.ann = signUp("ann@acme.com")
	e.annA = actor(e.ann)
	var err error
	e.marketing, err = svc.CreateWorkspace(ctx, e.annA, e.acme.ID, "Marketing")
	require.NoError(t, err)
	e.sales, err = svc.CreateWorkspace(ctx, e.annA, e.acme.ID, "Sales")
	require.NoError(t, err)
	_, err = svc.SetSecurityPolicy(ctx, e.annA, e.acme.ID, tenancy.SecurityPolicy{AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{e.sales.ID}}})
	require.NoError(t, err)
	e.bob = signUp("bob@acme.com")
	e.cat = signUp("cat@gmail.com")
	e.gil = signUp("gil@gmail.com")
	e.gilA = actor(e.gil)
	e.gilInv, e.gilToken, err = svc.Invite(ctx, e.annA, e.marketing.ID, "gil@gmail.com", tenancy.RoleMember)
	require.NoError(t, err)
	return e
}

// chaosCases are Service mutations whose transactions make several
// writes: each must commit whole or not at all.
var chaosCases = []struct {
	name string
	op   func(e *chaosEnv) error
}{
	{"SignUp/auto-join", func(e *chaosEnv) error {
		_, err := e.svc.SignUp(e.ctx, tenancy.SignUpRequest{Email: "ivy@acme.com", EmailVerified: true})
		return err
	}},
	{"SignUp/new-organization", func(e *chaosEnv) error {
		_, err := e.svc.SignUp(e.ctx, tenancy.SignUpRequest{Email: "zoe@newco.com", EmailVerified: true, ExternalID: "idp|zoe"})
		return err
	}},
	{"AddMember", func(e *chaosEnv) error {
		_, err := e.svc.AddMember(e.ctx, e.annA, e.marketing.ID, e.cat.ID, tenancy.RoleAdmin)
		return err
	}},
	{"Invite", func(e *chaosEnv) error {
		_, _, err := e.svc.Invite(e.ctx, e.annA, e.marketing.ID, "jim@gmail.com", tenancy.RoleAdmin)
		return err
	}},
	{"AcceptInvitation", func(e *chaosEnv) error {
		_, err := e.svc.AcceptInvitation(e.ctx, e.gilA, e.gilToken)
		return err
	}},
	{"SetSecurityPolicy", func(e *chaosEnv) error {
		_, err := e.svc.SetSecurityPolicy(e.ctx, e.annA, e.acme.ID, tenancy.SecurityPolicy{
			RequireMFA: true, MaxSessionAge: time.Hour, InvitationTTL: 48 * time.Hour,
			AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{e.marketing.ID, e.sales.ID}, Domains: []string{"eng.acme.com"}}})
		return err
	}},
	{"RemoveMember", func(e *chaosEnv) error { return e.svc.RemoveMember(e.ctx, e.annA, e.sales.ID, e.bob.ID) }},
	{"DeleteWorkspace", func(e *chaosEnv) error { return e.svc.DeleteWorkspace(e.ctx, e.annA, e.marketing.ID) }},
}

// maxChaosCalls bounds the calls a case's transactions may make.
const maxChaosCalls = 200

// TestBrokenConnectionMidTransaction breaks, for each mutation, the
// connection under each call of its transactions in turn (BeginTx, every
// statement, Commit), on SQLite (the connection dies: closed, its
// transaction rolled back, driver.ErrBadConn) and PostgreSQL (its
// backend is terminated with pg_terminate_backend). Each run must either
// fail and leave every table as it was, announcing no event, or succeed
// (database/sql retries a BeginTx on a bad connection) and be whole, with
// one audit row per announced event; and the pool must serve the next
// call.
func TestBrokenConnectionMidTransaction(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		open func(*testing.T) breakableStore
	}{
		{"SQLite", openBreakableSQLite},
		{"Postgres", openBreakablePostgres},
	} {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "Postgres" {
				postgresURL(t)
			}
			t.Parallel()
			var failed, recovered atomic.Int64
			var wg sync.WaitGroup
			wg.Add(len(chaosCases))
			t.Cleanup(func() {
				wg.Wait()
				t.Logf("%d broken calls failed their operation cleanly, %d were recovered by a retry", failed.Load(), recovered.Load())
			})
			for _, c := range chaosCases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					defer wg.Done()
					e := newChaosEnv(t, b.open)
					before := dumpTables(t, e.s.DB())
					for k := 1; ; k++ {
						require.LessOrEqual(t, k, maxChaosCalls, "the operation never completed")
						e.events.Store(0)
						e.s.b.arm(k)
						err := c.op(e)
						broken, calls := e.s.b.disarm()
						after := dumpTables(t, e.s.DB())
						if broken == "" {
							require.NoError(t, err, "no call broken (%d calls)", calls)
							e.requireWhole(before, after, "clean run")
							t.Logf("%d calls broken one at a time", k-1)
							break
						}
						where := fmt.Sprintf("call %d (%s) broken", k, broken)
						if err != nil {
							failed.Add(1)
							require.Zero(t, e.events.Load(), "%s: %v: the event handler ran", where, err)
							require.Equal(t, before, after, "%s: %v: the tables changed", where, err)
						} else {
							recovered.Add(1)
							e.requireWhole(before, after, where+", recovered")
							e = newChaosEnv(t, b.open) // the operation is done: start again
							before = dumpTables(t, e.s.DB())
						}
						// The same pool serves the next call.
						_, err = e.svc.User(e.ctx, e.ann.ID)
						require.NoError(t, err, "%s: the next call", where)
					}
				})
			}
		})
	}
}

// requireWhole checks that the operation changed the tables from before
// to after and recorded one audit row per event announced.
func (e *chaosEnv) requireWhole(before, after tableDump, where string) {
	e.t.Helper()
	require.NotEqual(e.t, before, after, "%s: the operation changed nothing", where)
	n := e.events.Load()
	require.Positive(e.t, n, "%s: no event announced", where)
	require.Equal(e.t, len(before["tenancy_audit_events"])+int(n), len(after["tenancy_audit_events"]),
		"%s: audit rows added, against events announced", where)
}

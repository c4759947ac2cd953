package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// Environment of TestPostgresRestartUnderLoad.
const (
	// postgresDirEnv names the directory of the cluster that
	// scripts/postgres-test.sh started: data/ and the file bin, which
	// names its server binaries.
	postgresDirEnv = "TENANCY_TEST_POSTGRES_DIR"
	// pgRestartEnv=1 lets the test restart that server: other tests on
	// the same cluster would fail meanwhile, so it runs alone.
	pgRestartEnv = "TENANCY_TEST_PG_RESTART"
)

// restartPostgres restarts the cluster in dir as scripts/postgres-test.sh
// runs pg_ctl: as the postgres user when root, waiting until it is up.
func restartPostgres(t *testing.T, dir string) {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join(dir, "bin"))
	require.NoError(t, err)
	args := []string{filepath.Join(strings.TrimSpace(string(bin)), "pg_ctl"), "-D", filepath.Join(dir, "data"),
		"-l", filepath.Join(dir, "server.log"), "-m", "fast", "-w", "-t", "60", "restart"}
	if os.Geteuid() == 0 {
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	}
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "pg_ctl restart: %s", out)
}

// loadOp is one Service call of the load, which creates objects of its
// own so that it can be checked on its own afterwards.
type loadOp struct {
	kind    string // "signup-org", "signup-join", "workspace" or "invite"
	key     string // the email or workspace name it creates
	err     error
	started time.Time
}

// TestPostgresRestartUnderLoad restarts the PostgreSQL server (pg_ctl
// restart -m fast) while goroutines make Service calls through one Store,
// and keeps calling until the server is back. Every call must have either
// succeeded and be wholly visible, or failed and left nothing; the
// invariants hold (one organization per domain, every workspace with an
// admin, one audit row per announced event); and the same Store, never
// reopened, serves calls again.
//
// It runs only with TENANCY_TEST_PG_RESTART=1 and TENANCY_TEST_POSTGRES_DIR
// (scripts/postgres-test.sh --exec sets the directory), alone:
//
//	TENANCY_TEST_PG_RESTART=1 go test -count=1 -run TestPostgresRestartUnderLoad ./sqlstore/
func TestPostgresRestartUnderLoad(t *testing.T) {
	if os.Getenv(pgRestartEnv) != "1" {
		t.Skipf("restarts the PostgreSQL server, failing the other tests on that cluster meanwhile: "+
			"set %s=1 and run it alone (-run TestPostgresRestartUnderLoad), as scripts/ci-tests does", pgRestartEnv)
	}
	dir := os.Getenv(postgresDirEnv)
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the restart test (scripts/postgres-test.sh --exec sets it)", postgresDirEnv)
		}
		t.Skipf("PostgreSQL restart test skipped: set %s to the cluster's directory "+
			"(scripts/postgres-test.sh --exec, or eval \"$(scripts/postgres-test.sh --start)\", sets it)", postgresDirEnv)
	}
	s := openPostgres(t)
	ctx := t.Context()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	announced := map[uuid.UUID]bool{}
	svc := tenancy.New(s, tenancy.WithClock(func() time.Time { return now }),
		tenancy.WithLogger(slog.New(slog.DiscardHandler)),
		tenancy.WithEventHandler(func(_ context.Context, e tenancy.AuditEvent) {
			mu.Lock()
			defer mu.Unlock()
			announced[e.ID] = true
		}))

	res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	require.NoError(t, err)
	acme := *res.Organization
	ann := tenancy.Actor{UserID: res.User.ID, AuthenticatedAt: now, MFA: true}
	sales, err := svc.CreateWorkspace(ctx, ann, acme.ID, "Sales")
	require.NoError(t, err)
	_, err = svc.SetSecurityPolicy(ctx, ann, acme.ID, tenancy.SecurityPolicy{AutoJoin: tenancy.AutoJoin{Workspaces: []uuid.UUID{sales.ID}}})
	require.NoError(t, err)

	run := func(g, i int) loadOp {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		op := loadOp{started: time.Now()}
		switch i % 4 {
		case 0:
			op.kind, op.key = "signup-org", fmt.Sprintf("u@g%di%d-co.com", g, i)
			_, op.err = svc.SignUp(callCtx, tenancy.SignUpRequest{Email: op.key, EmailVerified: true})
		case 1:
			op.kind, op.key = "signup-join", fmt.Sprintf("g%di%d@acme.com", g, i)
			_, op.err = svc.SignUp(callCtx, tenancy.SignUpRequest{Email: op.key, EmailVerified: true})
		case 2:
			op.kind, op.key = "workspace", fmt.Sprintf("W g%d i%d", g, i)
			_, op.err = svc.CreateWorkspace(callCtx, ann, acme.ID, op.key)
		case 3:
			op.kind, op.key = "invite", fmt.Sprintf("g%di%d@gmail.com", g, i)
			_, _, op.err = svc.Invite(callCtx, ann, sales.ID, op.key, tenancy.RoleMember)
		}
		return op
	}

	// The load: workers call until stop; the restart comes once they have
	// some calls done, and the load ends once enough calls made after the
	// restart have succeeded.
	const workers = 4
	var (
		opsMu       sync.Mutex
		ops         []loadOp
		restartedAt atomic.Pointer[time.Time]
		afterOK     atomic.Int64
		stop        = make(chan struct{})
		wg          sync.WaitGroup
	)
	for g := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				op := run(g, i)
				if r := restartedAt.Load(); r != nil && op.started.After(*r) && op.err == nil {
					afterOK.Add(1)
				}
				opsMu.Lock()
				ops = append(ops, op)
				opsMu.Unlock()
				if op.err != nil {
					time.Sleep(5 * time.Millisecond) // the server may be down: do not spin
				}
			}
		})
	}
	waitFor := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("%s: not within %v", what, timeout)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("calls before the restart", 10*time.Second, func() bool {
		opsMu.Lock()
		defer opsMu.Unlock()
		return len(ops) >= 40
	})
	began := time.Now()
	restartPostgres(t, dir)
	up := time.Now()
	restartedAt.Store(&up)
	waitFor("successful calls through the same Store after the restart", 20*time.Second, func() bool { return afterOK.Load() >= 40 })
	close(stop)
	wg.Wait()

	// Check every call on its own, through the same Store.
	failed, ambiguous := 0, 0
	for _, op := range ops {
		visible, partial := loadOpVisible(t, s, op, acme.ID, sales.ID)
		require.False(t, partial, "%s %s (err %v) is partly visible", op.kind, op.key, op.err)
		switch {
		case op.err == nil:
			require.True(t, visible, "%s %s succeeded but is not visible", op.kind, op.key)
		case visible:
			// The connection died after the server committed and before
			// the client heard of it: the outcome is unknown to the
			// caller, as with any database, but whole.
			ambiguous++
		default:
			failed++
		}
	}

	// Invariants.
	var dupDomains int
	require.NoError(t, s.DB().QueryRowContext(ctx,
		`SELECT count(*) FROM (SELECT domain FROM tenancy_organizations WHERE domain <> '' GROUP BY domain HAVING count(*) > 1) d`).Scan(&dupDomains))
	require.Zero(t, dupDomains, "domains claimed by more than one organization")
	var adminless int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM tenancy_workspaces w WHERE NOT EXISTS
		(SELECT 1 FROM tenancy_members m WHERE m.workspace_id = w.id AND m.role = 'admin')`).Scan(&adminless))
	require.Zero(t, adminless, "workspaces without an admin")
	rows, err := s.DB().QueryContext(ctx, `SELECT id FROM tenancy_audit_events`)
	require.NoError(t, err)
	stored := map[uuid.UUID]bool{}
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		stored[id] = true
	}
	require.NoError(t, rows.Err())
	mu.Lock()
	defer mu.Unlock()
	for id := range announced {
		require.True(t, stored[id], "event %s announced but not stored", id)
	}
	if ambiguous == 0 {
		require.Len(t, stored, len(announced), "audit rows against events announced")
	}
	t.Logf("%d calls: %d succeeded, %d failed and left nothing, %d failed at commit but were committed; "+
		"restart took %v; %d successful calls after it",
		len(ops), len(ops)-failed-ambiguous, failed, ambiguous, up.Sub(began).Round(time.Millisecond), afterOK.Load())
	require.Positive(t, failed+ambiguous, "no call failed: the restart did not disturb the load")
}

// loadOpVisible reports whether what op creates is wholly visible through
// s, and whether it is partly so.
func loadOpVisible(t *testing.T, s *Store, op loadOp, orgID, salesID uuid.UUID) (visible, partial bool) {
	t.Helper()
	ctx := t.Context()
	found := func(err error) bool {
		t.Helper()
		if errors.Is(err, tenancy.ErrNotFound) {
			return false
		}
		require.NoError(t, err)
		return true
	}
	// parts are the facts that make op visible; all or none must hold.
	var parts []bool
	switch op.kind {
	case "signup-org":
		u, err := s.UserByEmail(ctx, op.key)
		parts = append(parts, found(err))
		domain := op.key[strings.IndexByte(op.key, '@')+1:]
		o, err := s.OrganizationByDomain(ctx, domain)
		parts = append(parts, found(err))
		if parts[0] && parts[1] {
			admin, err := s.IsOrgAdmin(ctx, o.ID, u.ID)
			require.NoError(t, err)
			parts = append(parts, admin)
		}
		if parts[1] {
			events, err := s.ListAuditEvents(ctx, o.ID, tenancy.PageQuery{Limit: 100})
			require.NoError(t, err)
			parts = append(parts, len(events) > 0)
		}
	case "signup-join":
		u, err := s.UserByEmail(ctx, op.key)
		parts = append(parts, found(err))
		if parts[0] {
			_, err := s.Member(ctx, salesID, u.ID)
			parts = append(parts, found(err))
		}
	case "workspace":
		ws, err := s.ListOrgWorkspaces(ctx, orgID, uuid.Nil, false, tenancy.PageQuery{Limit: 100_000})
		require.NoError(t, err)
		var id uuid.UUID
		for _, w := range ws {
			if w.Workspace.Name == op.key {
				id = w.Workspace.ID
			}
		}
		parts = append(parts, id != uuid.Nil)
		if id != uuid.Nil {
			n, err := s.CountMembersWithRole(ctx, id, tenancy.RoleAdmin)
			require.NoError(t, err)
			parts = append(parts, n == 1)
		}
	case "invite":
		_, err := s.InvitationByEmail(ctx, salesID, op.key)
		parts = append(parts, found(err))
	}
	all, some := true, false
	for _, p := range parts {
		all = all && p
		some = some || p
	}
	return all, some && !all
}

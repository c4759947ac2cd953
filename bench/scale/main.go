// Command scale measures the tenancy Service on a populated store: Check,
// and a first and a deep page of every list, at a chosen scale.
//
//	go run ./scale -scale S -store memstore
//	go run ./scale -scale M -store sqlite
//	TENANCY_TEST_POSTGRES_URL=postgres://... go run ./scale -scale M -store postgres
//
// The store is populated directly, in Update transactions of a few
// thousand writes, not through the Service. Besides the users,
// organizations and workspaces of the scale, with five memberships per
// user in workspaces of its organization, every scale has the same hot
// spots in the first organization: a workspace of 5,000 members and 5,000
// invitations, a user who is a member of 1,000 more workspaces, and an
// audit log of 100,000 events. A deep page is the page found after walking 90%
// of the list.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/bench"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/postgres"
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"
)

// A scale is the size of the population.
type scale struct{ users, workspaces, orgs int }

var scales = map[string]scale{
	"S": {1_000, 100, 10},
	"M": {10_000, 1_000, 100},
	"L": {100_000, 10_000, 1_000},
}

// The hot spots, the same at every scale.
const (
	membershipsPerUser = 5
	hotMembers         = 5_000
	hotInvitations     = 5_000
	powerWorkspaces    = 1_000
	auditEvents        = 100_000
	batch              = 5_000 // writes per transaction
)

func main() {
	scaleName := flag.String("scale", "S", "population: S, M or L")
	storeName := flag.String("store", "memstore", "store: memstore, sqlite or postgres")
	benchtime := flag.Duration("benchtime", 300*time.Millisecond, "time spent measuring each operation")
	keep := flag.Bool("keep", false, "leave a PostgreSQL population in place on exit, to inspect it (the next run empties it)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurements (not of populating) to `file`")
	flag.Parse()
	sc, ok := scales[strings.ToUpper(*scaleName)]
	if !ok {
		fail(fmt.Errorf("unknown scale %q", *scaleName))
	}
	ctx := context.Background()
	store, closeStore, err := openStore(ctx, *storeName, *keep)
	if err != nil {
		fail(err)
	}
	defer closeStore()

	start := time.Now()
	w, err := populate(ctx, store, sc)
	if err != nil {
		fail(fmt.Errorf("populate: %w", err))
	}
	if s, ok := store.(*sqlstore.Store); ok {
		// What autovacuum would do on a live PostgreSQL; SQLite's planner
		// uses the statistics too.
		if _, err := s.DB().ExecContext(ctx, "ANALYZE"); err != nil {
			fail(err)
		}
	}
	fmt.Printf("scale %s on %s: %d users, %d workspaces, %d organizations, %d memberships, %d audit events; populated in %s\n\n",
		strings.ToUpper(*scaleName), *storeName, w.users, w.workspaces, sc.orgs, w.memberships, auditEvents,
		time.Since(start).Round(time.Millisecond))

	svc := tenancy.New(store)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	if s, ok := store.(*sqlstore.Store); ok {
		// The least a query costs on this pool, beside which Check is
		// read.
		r, err := measure("a bare round trip (SELECT 1) on the same pool", *benchtime, func() error {
			var one int
			return s.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one)
		})
		if err != nil {
			fail(err)
		}
		fmt.Printf("%s: %s µs, %.0f allocs\n\n", r.name, fmtUS(r.us), r.allocs)
	}
	if err := run(ctx, svc, w, *benchtime, *storeName == "memstore"); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

func openStore(ctx context.Context, name string, keep bool) (tenancy.Store, func(), error) {
	switch name {
	case "memstore":
		return memstore.New(), func() {}, nil
	case "sqlite":
		dir, err := os.MkdirTemp("", "tenancy-scale-")
		if err != nil {
			return nil, nil, err
		}
		s, err := sqlstore.Open(ctx, "sqlite://"+dir+"/tenancy.db")
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close(); os.RemoveAll(dir) }, nil
	case "postgres":
		url := os.Getenv("TENANCY_TEST_POSTGRES_URL")
		if url == "" {
			return nil, nil, fmt.Errorf("-store postgres reads TENANCY_TEST_POSTGRES_URL, which is not set")
		}
		s, err := sqlstore.Open(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		// Start from an empty schema: the tables are dropped on exit too.
		drop := func() {
			_, _ = s.DB().ExecContext(ctx, `TRUNCATE tenancy_audit_events, tenancy_invitations, tenancy_members,
				tenancy_org_admins, tenancy_workspaces, tenancy_organizations, tenancy_users`)
		}
		drop()
		if keep {
			return s, func() { s.Close() }, nil
		}
		return s, func() { drop(); s.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q", name)
}

// world is what the measurements need of the population.
type world struct {
	users, workspaces, memberships int

	org         uuid.UUID     // the first organization
	owner       tenancy.Actor // its Organization Admin, admin of the hot workspace
	hot         uuid.UUID     // the hot workspace
	power       uuid.UUID     // the user in powerWorkspaces workspaces
	checks      []check       // members in their workspaces, and in one of another organization
	listLengths map[string]int
	floor       *bench.Floor // every workspace and membership, for the floor of Check
}

type check struct {
	actor tenancy.Actor
	own   uuid.UUID // a workspace where actor is a member
	other uuid.UUID // a workspace of another organization
}

// writer runs writes in transactions of batch writes.
type writer struct {
	ctx   context.Context
	store tenancy.Store
	ops   []func(tx tenancy.Tx) error
}

func (w *writer) add(op func(tx tenancy.Tx) error) error {
	w.ops = append(w.ops, op)
	if len(w.ops) >= batch {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	ops := w.ops
	w.ops = nil
	return w.store.Update(w.ctx, func(tx tenancy.Tx) error {
		for _, op := range ops {
			if err := op(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

func populate(ctx context.Context, s tenancy.Store, sc scale) (*world, error) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wr := &writer{ctx: ctx, store: s}
	w := &world{listLengths: map[string]int{}, floor: bench.NewFloor()}
	newUser := func(email string) (uuid.UUID, error) {
		u := tenancy.User{ID: uuid.New(), Email: email, Name: email, EmailVerified: true, CreatedAt: at}
		w.users++
		return u.ID, wr.add(func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) })
	}
	newWorkspace := func(org uuid.UUID, name string) (uuid.UUID, error) {
		ws := tenancy.Workspace{ID: uuid.New(), OrgID: org, Name: name, CreatedAt: at}
		w.workspaces++
		w.floor.Workspace(ws.ID, org)
		return ws.ID, wr.add(func(tx tenancy.Tx) error { return tx.CreateWorkspace(ctx, ws) })
	}
	addMember := func(ws, user uuid.UUID, r tenancy.Role) error {
		w.memberships++
		w.floor.Member(ws, user, r)
		m := tenancy.Member{WorkspaceID: ws, UserID: user, Role: r, CreatedAt: at}
		return wr.add(func(tx tenancy.Tx) error { return tx.AddMember(ctx, m) })
	}

	orgs := make([]uuid.UUID, sc.orgs)
	for i := range orgs {
		o := tenancy.Organization{ID: uuid.New(), Name: fmt.Sprintf("Org %05d", i), Domain: fmt.Sprintf("org%05d.com", i), CreatedAt: at}
		orgs[i] = o.ID
		if err := wr.add(func(tx tenancy.Tx) error { return tx.CreateOrganization(ctx, o) }); err != nil {
			return nil, err
		}
	}
	w.org = orgs[0]
	perOrg := sc.workspaces / sc.orgs
	wss := make([][]uuid.UUID, sc.orgs) // per organization
	for i := range sc.workspaces {
		o := i % sc.orgs
		id, err := newWorkspace(orgs[o], fmt.Sprintf("Workspace %06d", i))
		if err != nil {
			return nil, err
		}
		wss[o] = append(wss[o], id)
	}
	for i := range sc.users {
		o := i % sc.orgs
		u, err := newUser(fmt.Sprintf("user%06d@org%05d.com", i, o))
		if err != nil {
			return nil, err
		}
		mine := wss[o]
		for k := range min(membershipsPerUser, perOrg) {
			ws := mine[(i/sc.orgs+k)%len(mine)]
			if err := addMember(ws, u, tenancy.RoleMember); err != nil {
				return nil, err
			}
			if k == 0 && len(w.checks) < 1024 {
				other := wss[(o+1)%sc.orgs][0]
				w.checks = append(w.checks, check{tenancy.Actor{UserID: u}, ws, other})
			}
		}
	}

	// The owner of the first organization and of its hot workspace.
	owner, err := newUser("owner@org00000.com")
	if err != nil {
		return nil, err
	}
	w.owner = tenancy.Actor{UserID: owner}
	if err := wr.add(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(ctx, orgs[0], owner, at) }); err != nil {
		return nil, err
	}
	if w.hot, err = newWorkspace(orgs[0], "Hot"); err != nil {
		return nil, err
	}
	if err := addMember(w.hot, owner, tenancy.RoleAdmin); err != nil {
		return nil, err
	}
	for i := range hotMembers - 1 {
		u, err := newUser(fmt.Sprintf("hot%05d@org00000.com", i))
		if err != nil {
			return nil, err
		}
		if err := addMember(w.hot, u, tenancy.RoleMember); err != nil {
			return nil, err
		}
	}
	for i := range hotInvitations {
		email := fmt.Sprintf("invited%05d@org00000.com", i)
		hash := sha256.Sum256([]byte(email))
		r := tenancy.InvitationRecord{Invitation: tenancy.Invitation{ID: uuid.New(), WorkspaceID: w.hot, OrgID: orgs[0],
			Email: email, Role: tenancy.RoleMember, InvitedBy: owner, CreatedAt: at, ExpiresAt: at.AddDate(10, 0, 0)},
			TokenHash: hash[:]}
		if err := wr.add(func(tx tenancy.Tx) error { return tx.CreateInvitation(ctx, r) }); err != nil {
			return nil, err
		}
	}

	// The user of many workspaces, all in the first organization, which
	// so has a long list of workspaces at every scale.
	if w.power, err = newUser("power@org00000.com"); err != nil {
		return nil, err
	}
	for i := range powerWorkspaces {
		id, err := newWorkspace(orgs[0], fmt.Sprintf("Team %06d", i))
		if err != nil {
			return nil, err
		}
		if err := addMember(id, w.power, tenancy.RoleMember); err != nil {
			return nil, err
		}
	}

	for i := range auditEvents {
		id, _ := uuid.NewV7()
		e := tenancy.AuditEvent{ID: id, OrgID: orgs[0], ActorID: owner, Action: "workspace.renamed",
			At: at.Add(time.Duration(i) * time.Second), Details: map[string]string{"name": "x"}}
		if err := wr.add(func(tx tenancy.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
			return nil, err
		}
	}
	return w, wr.flush()
}

// result is one row of the table.
type result struct {
	name   string
	us     float64
	allocs float64
}

// measure runs op repeatedly for about d, after a warm-up of d/3 (which
// brings the pages a SQL store reads into its cache, as a live server's
// would be), and returns its time and allocations per call. It reads the
// clock every 64 calls, so that reading it weighs nothing beside a call of
// tens of nanoseconds.
func measure(name string, d time.Duration, op func() error) (result, error) {
	for start := time.Now(); time.Since(start) < d/3; {
		if err := op(); err != nil {
			return result{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	var before, after runtime.MemStats
	n := 0
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for time.Since(start) < d || n < 64 {
		for range 64 {
			if err := op(); err != nil {
				return result{}, fmt.Errorf("%s: %w", name, err)
			}
		}
		n += 64
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return result{name, float64(elapsed.Microseconds()) / float64(n), float64(after.Mallocs-before.Mallocs) / float64(n)}, nil
}

// deep returns the cursor found after walking 90% of a list of n items,
// a thousand at a time.
func deep[T any](n int, list func(tenancy.Page) (tenancy.List[T], error)) (string, error) {
	var p tenancy.Page
	for seen := 0; seen < n*9/10; {
		p.Limit = min(tenancy.MaxPageSize, n*9/10-seen)
		l, err := list(p)
		if err != nil {
			return "", err
		}
		if l.Next == "" {
			return "", fmt.Errorf("the list ended after %d items, not %d", seen+len(l.Items), n)
		}
		seen += len(l.Items)
		p.After = l.Next
	}
	return p.After, nil
}

// pages measures the first page of 50 and the one after walking 90% of
// the list.
func pages[T any](d time.Duration, name string, n int, list func(tenancy.Page) (tenancy.List[T], error)) ([]result, error) {
	first, err := measure(name+", first page", d, func() error { _, err := list(tenancy.Page{}); return err })
	if err != nil {
		return nil, err
	}
	if n*9/10+tenancy.DefaultPageSize > n {
		return []result{first}, nil // too short for a deep page
	}
	after, err := deep(n, list)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	deepPage, err := measure(fmt.Sprintf("%s, page at %d of %d", name, n*9/10, n), d, func() error {
		l, err := list(tenancy.Page{After: after})
		if err == nil && len(l.Items) != tenancy.DefaultPageSize {
			err = fmt.Errorf("deep page of %d items", len(l.Items))
		}
		return err
	})
	return []result{first, deepPage}, err
}

// run measures and prints the table; inMemory adds how Check compares
// with the floor.
func run(ctx context.Context, svc *tenancy.Service, w *world, d time.Duration, inMemory bool) error {
	var rows []result
	for _, c := range []struct {
		name  string
		act   tenancy.Action
		other bool
		want  bool
	}{
		{"allowed (member, own workspace)", tenancy.ActionCreateSegment, false, true},
		{"denied (member, own workspace)", tenancy.ActionCreateSource, false, false},
		{"denied (no role in the organization)", tenancy.ActionViewWorkspace, true, false},
	} {
		// next returns the next request of the sequence both engines
		// decide.
		i := 0
		next := func() (tenancy.Actor, uuid.UUID) {
			i = (i + 1) % len(w.checks)
			k := w.checks[i]
			if c.other {
				return k.actor, k.other
			}
			return k.actor, k.own
		}
		floor, err := measure("floor, "+c.name, d, func() error {
			a, ws := next()
			if w.floor.Check(a.UserID, c.act, ws) != c.want {
				return fmt.Errorf("the floor decided otherwise")
			}
			return nil
		})
		if err != nil {
			return err
		}
		r, err := measure("Check, "+c.name, d, func() error {
			a, ws := next()
			dec, err := svc.Check(ctx, a, c.act, tenancy.InWorkspace(ws))
			if err == nil && dec.Allowed != c.want {
				err = fmt.Errorf("decision %+v", dec)
			}
			return err
		})
		if err != nil {
			return err
		}
		rows = append(rows, floor, r)
	}
	add := func(r []result, err error) error {
		rows = append(rows, r...)
		return err
	}
	n, err := count(func(p tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
		return svc.OrganizationUsers(ctx, w.owner, w.org, p)
	})
	if err != nil {
		return err
	}
	nws, err := count(func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
		return svc.OrganizationWorkspaces(ctx, w.owner, w.org, p)
	})
	if err != nil {
		return err
	}
	for _, err := range []error{
		add(pages(d, "Members (hot workspace)", hotMembers, func(p tenancy.Page) (tenancy.List[tenancy.Member], error) {
			return svc.Members(ctx, w.owner, w.hot, p)
		})),
		add(pages(d, "Invitations (hot workspace)", hotInvitations, func(p tenancy.Page) (tenancy.List[tenancy.Invitation], error) {
			return svc.Invitations(ctx, w.owner, w.hot, p)
		})),
		add(pages(d, "OrganizationUsers (first org)", n, func(p tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
			return svc.OrganizationUsers(ctx, w.owner, w.org, p)
		})),
		add(pages(d, "OrganizationWorkspaces (first org)", nws, func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return svc.OrganizationWorkspaces(ctx, w.owner, w.org, p)
		})),
		add(pages(d, "UserWorkspaces (power user)", powerWorkspaces, func(p tenancy.Page) (tenancy.List[tenancy.Membership], error) {
			return svc.UserWorkspaces(ctx, w.power, p)
		})),
		add(pages(d, "AuditLog (first org)", auditEvents, func(p tenancy.Page) (tenancy.List[tenancy.AuditEvent], error) {
			return svc.AuditLog(ctx, w.owner, w.org, p)
		})),
	} {
		if err != nil {
			return err
		}
	}
	fmt.Println("| operation | µs/op | allocs/op |")
	fmt.Println("|---|---:|---:|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %.0f |\n", r.name, fmtUS(r.us), r.allocs)
	}
	if !inMemory {
		return nil // a SQL store's check is a query: the floor is for memstore
	}
	fmt.Println()
	for i := 0; i < 6; i += 2 {
		floor, check := rows[i], rows[i+1]
		fmt.Printf("%s: %.1f× the floor; the target, 2× the floor + 40 ns, is %s µs\n",
			check.name, check.us/floor.us, fmtUS(2*floor.us+0.040))
	}
	return nil
}

// count walks a list to its end.
func count[T any](list func(tenancy.Page) (tenancy.List[T], error)) (int, error) {
	n := 0
	p := tenancy.Page{Limit: tenancy.MaxPageSize}
	for {
		l, err := list(p)
		if err != nil {
			return 0, err
		}
		n += len(l.Items)
		if l.Next == "" {
			return n, nil
		}
		p.After = l.Next
	}
}

func fmtUS(us float64) string {
	switch {
	case us < 1:
		return fmt.Sprintf("%.3f", us)
	case us < 10:
		return fmt.Sprintf("%.2f", us)
	case us < 100:
		return fmt.Sprintf("%.1f", us)
	}
	return fmt.Sprintf("%.0f", us)
}

// Command scale measures the tenancy Service on populated stores: Check
// beside its baseline, and a first and a deep page of every list, at the
// chosen scales, which take turns in rounds within one process:
//
//	go run ./scale -scale S,M,L -store memstore
//	TENANCY_TEST_POSTGRES_URL=postgres://... go run ./scale -scale S,M,L -store postgres
//	go run ./scale -scale S,M,L -store sqlite
//
// The store is populated directly, in Update transactions of a few
// thousand writes, not through the Service. Besides the users,
// organizations and workspaces of the scale, with five memberships per
// user in workspaces of its organization and an Organization Admin per
// organization, every scale has the same hot spots in the first
// organization: a workspace of 5,000 members and 5,000 invitations, a
// user who is a member of 1,000 more workspaces, and an audit log of
// 100,000 events. A deep page is the page found after walking 90% of the
// list.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/bench"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/postgres"
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"
	"modernc.org/sqlite"
	"modernc.org/sqlite/pcache"
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
	scaleNames := flag.String("scale", "S", "populations, comma-separated: S, M, L (e.g. S,L: both in one run, measured in turn)")
	storeName := flag.String("store", "memstore", "store: memstore, sqlite or postgres")
	benchtime := flag.Duration("benchtime", 300*time.Millisecond, "time spent measuring each operation at each scale")
	rounds := flag.Int("rounds", 5, "rounds the measurement of an operation is split into, the scales (and Check and its baseline) taking turns")
	keep := flag.Bool("keep", false, "leave PostgreSQL populations in place on exit, to inspect them (the next run empties them)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurements (not of populating) to `file`")
	checkUsers := flag.Int("checkusers", 1024, "users whose checks are measured, in turn: fewer keep their data in the processor's caches")
	ownCaches := flag.Bool("pcache", false, "give each SQLite connection a page cache of its own (modernc.org/sqlite/pcache) instead of SQLite's process-wide budget")
	flag.Parse()
	ctx := context.Background()
	names := strings.Split(strings.ToUpper(*scaleNames), ",")
	if *checkUsers < 1 {
		fail(fmt.Errorf("-checkusers must be at least 1"))
	}
	if *ownCaches {
		sqlite.MustRegisterPageCache(pcache.New())
	}
	var pops []*population
	for _, name := range names {
		sc, ok := scales[name]
		if !ok {
			fail(fmt.Errorf("unknown scale %q", name))
		}
		store, closeStore, err := openStore(ctx, *storeName, name, *keep)
		if err != nil {
			fail(err)
		}
		defer closeStore()
		start := time.Now()
		w, err := populate(ctx, store, sc, *checkUsers)
		if err != nil {
			fail(fmt.Errorf("populate %s: %w", name, err))
		}
		if s, ok := store.(*sqlstore.Store); ok {
			// What autovacuum would do on a live PostgreSQL; SQLite's
			// planner uses the statistics too.
			if _, err := s.DB().ExecContext(ctx, "ANALYZE"); err != nil {
				fail(err)
			}
		}
		if s, ok := store.(*sqlstore.Store); ok && *storeName == "sqlite" {
			// Move the last writes out of the WAL into the database file,
			// as a checkpoint does on a live database. SQLite reads pages
			// of its file through a memory map, but pages in the WAL through
			// its page cache, whose process-wide budget the next scale's
			// database would take them from (see the README).
			if _, err := s.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				fail(err)
			}
		}
		fmt.Printf("scale %s on %s: %d users, %d workspaces, %d organizations, %d memberships, %d audit events; populated in %s\n",
			name, *storeName, w.users, w.workspaces, sc.orgs, w.memberships, auditEvents,
			time.Since(start).Round(time.Millisecond))
		p := &population{name: name, storeName: *storeName, store: store, w: w, populated: time.Since(start)}
		if p.ops, err = operations(ctx, tenancy.New(store), store, w); err != nil {
			fail(fmt.Errorf("scale %s: %w", name, err))
		}
		pops = append(pops, p)
	}
	fmt.Println()
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
	if err := run(pops, *benchtime, max(*rounds, 1)); err != nil {
		fail(err)
	}
}

// A population is a store populated at one scale, and the operations
// measured on it.
type population struct {
	name      string
	storeName string // memstore, sqlite or postgres
	store     tenancy.Store
	w         *world
	populated time.Duration
	ops       []operation
}

// An operation is one row of the table. A Check has a baseline, measured
// in turn with it: the floor on memstore, a bare SELECT 1 on a SQL store.
type operation struct {
	name     string
	run      func() error
	baseline *operation
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

// openStore opens an empty store for the population of scale; its
// function closes it.
func openStore(ctx context.Context, name, scale string, keep bool) (tenancy.Store, func(), error) {
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
		base := os.Getenv("TENANCY_TEST_POSTGRES_URL")
		if base == "" {
			return nil, nil, fmt.Errorf("-store postgres reads TENANCY_TEST_POSTGRES_URL, which is not set")
		}
		// Each scale in a schema of its own, made afresh and dropped
		// on exit (unless keep).
		admin, err := sqlstore.Open(ctx, base)
		if err != nil {
			return nil, nil, err
		}
		schema := "tenancy_scale_" + strings.ToLower(scale)
		drop := func() error {
			_, err := admin.DB().ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			return err
		}
		if err := drop(); err != nil {
			admin.Close()
			return nil, nil, err
		}
		if _, err := admin.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return nil, nil, err
		}
		u, err := url.Parse(base)
		if err != nil {
			admin.Close()
			return nil, nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		s, err := sqlstore.Open(ctx, u.String())
		if err != nil {
			admin.Close()
			return nil, nil, err
		}
		return s, func() {
			s.Close()
			if !keep {
				_ = drop()
			}
			admin.Close()
		}, nil
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

func populate(ctx context.Context, s tenancy.Store, sc scale, checkUsers int) (*world, error) {
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
			if k == 0 && len(w.checks) < checkUsers {
				other := wss[(o+1)%sc.orgs][0]
				w.checks = append(w.checks, check{tenancy.Actor{UserID: u}, ws, other})
			}
		}
	}

	// Every organization has an Organization Admin, as the Service
	// guarantees: the owner below for the first, one more user for each
	// of the others.
	for o := 1; o < sc.orgs; o++ {
		admin, err := newUser(fmt.Sprintf("admin@org%05d.com", o))
		if err != nil {
			return nil, err
		}
		if err := wr.add(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(ctx, orgs[o], admin, at) }); err != nil {
			return nil, err
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

// result is a measurement: time and allocations per call.
type result struct {
	us     float64
	allocs float64
}

// measure runs op repeatedly for about d, after a warm-up of d/3 (which
// brings the pages a SQL store reads into its cache, as a live server's
// would be), and returns its time and allocations per call. It reads the
// clock every 64 calls, so that reading it weighs nothing beside a call of
// tens of nanoseconds.
func measure(d time.Duration, op func() error) (result, error) {
	for start := time.Now(); time.Since(start) < d/3; {
		if err := op(); err != nil {
			return result{}, err
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
				return result{}, err
			}
		}
		n += 64
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return result{float64(elapsed.Microseconds()) / float64(n), float64(after.Mallocs-before.Mallocs) / float64(n)}, nil
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

// pages returns the operations of the first page of 50 of a list of n
// items, and of the page after walking 90% of it.
func pages[T any](name string, n int, list func(tenancy.Page) (tenancy.List[T], error)) ([]operation, error) {
	ops := []operation{{name: name + ", first page", run: func() error { _, err := list(tenancy.Page{}); return err }}}
	if n*9/10+tenancy.DefaultPageSize > n {
		return ops, nil // too short for a deep page
	}
	after, err := deep(n, list)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return append(ops, operation{name: fmt.Sprintf("%s, page at %d of %d", name, n*9/10, n), run: func() error {
		l, err := list(tenancy.Page{After: after})
		if err == nil && len(l.Items) != tenancy.DefaultPageSize {
			err = fmt.Errorf("deep page of %d items", len(l.Items))
		}
		return err
	}}), nil
}

// operations returns what is measured on a population: Check beside its
// baseline (the floor on memstore, a bare SELECT 1 on the same pool on a
// SQL store), then the first and a deep page of every list.
func operations(ctx context.Context, svc *tenancy.Service, store tenancy.Store, w *world) ([]operation, error) {
	var ops []operation
	var selectOne *operation
	if s, ok := store.(*sqlstore.Store); ok {
		selectOne = &operation{name: "SELECT 1 (same pool)", run: func() error {
			var one int
			return s.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one)
		}}
	}
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
		// next returns the next request of the sequence both the check
		// and the floor decide.
		i := 0
		next := func() (tenancy.Actor, uuid.UUID) {
			i = (i + 1) % len(w.checks)
			k := w.checks[i]
			if c.other {
				return k.actor, k.other
			}
			return k.actor, k.own
		}
		base := selectOne
		if base == nil {
			base = &operation{name: "floor, " + c.name, run: func() error {
				a, ws := next()
				if w.floor.Check(a.UserID, c.act, ws) != c.want {
					return fmt.Errorf("the floor decided otherwise")
				}
				return nil
			}}
		}
		ops = append(ops, operation{name: "Check, " + c.name, baseline: base, run: func() error {
			a, ws := next()
			dec, err := svc.Check(ctx, a, c.act, tenancy.InWorkspace(ws))
			if err == nil && dec.Allowed != c.want {
				err = fmt.Errorf("decision %+v", dec)
			}
			return err
		}})
	}
	n, err := count(func(p tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
		return svc.OrganizationUsers(ctx, w.owner, w.org, p)
	})
	if err != nil {
		return nil, err
	}
	nws, err := count(func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
		return svc.OrganizationWorkspaces(ctx, w.owner, w.org, p)
	})
	if err != nil {
		return nil, err
	}
	add := func(more []operation, err error) error {
		ops = append(ops, more...)
		return err
	}
	for _, err := range []error{
		add(pages("Members (hot workspace)", hotMembers, func(p tenancy.Page) (tenancy.List[tenancy.Member], error) {
			return svc.Members(ctx, w.owner, w.hot, p)
		})),
		add(pages("Invitations (hot workspace)", hotInvitations, func(p tenancy.Page) (tenancy.List[tenancy.Invitation], error) {
			return svc.Invitations(ctx, w.owner, w.hot, p)
		})),
		add(pages("OrganizationUsers (first org)", n, func(p tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
			return svc.OrganizationUsers(ctx, w.owner, w.org, p)
		})),
		add(pages("OrganizationWorkspaces (first org)", nws, func(p tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return svc.OrganizationWorkspaces(ctx, w.owner, w.org, p)
		})),
		add(pages("UserWorkspaces (power user)", powerWorkspaces, func(p tenancy.Page) (tenancy.List[tenancy.Membership], error) {
			return svc.UserWorkspaces(ctx, w.power, p)
		})),
		add(pages("AuditLog (first org)", auditEvents, func(p tenancy.Page) (tenancy.List[tenancy.AuditEvent], error) {
			return svc.AuditLog(ctx, w.owner, w.org, p)
		})),
	} {
		if err != nil {
			return nil, err
		}
	}
	return ops, nil
}

// A row holds an operation's measurements at every scale, round by round,
// and those of its baseline, if any.
type row struct {
	name   string
	us     [][]float64 // [population][round]
	allocs []float64   // [population]
	base   *row
}

func newRow(name string, pops int) *row {
	return &row{name: name, us: make([][]float64, pops), allocs: make([]float64, pops)}
}

// median returns the median of xs.
func median(xs []float64) float64 {
	xs = slices.Sorted(slices.Values(xs))
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

// ratio returns the median, over the rounds, of a's time over b's.
func ratio(a, b []float64) float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return median(r)
}

// run measures every operation on every population and prints the table.
// Each operation's time is split into rounds: in a round every scale
// takes its turn, and a Check follows its baseline, so that the ratios
// (scale to scale, Check to its baseline) compare measurements taken
// moments apart on this shared machine, not minutes apart.
func run(pops []*population, d time.Duration, rounds int) error {
	nops := len(pops[0].ops)
	for _, p := range pops {
		if len(p.ops) != nops {
			return fmt.Errorf("scale %s has %d operations, %s has %d", p.name, len(p.ops), pops[0].name, nops)
		}
	}
	slice := d / time.Duration(rounds)
	add := func(r *row, k int, name string, op func() error) error {
		m, err := measure(slice, op)
		if err != nil {
			return fmt.Errorf("scale %s, %s: %w", pops[k].name, name, err)
		}
		r.us[k] = append(r.us[k], m.us)
		r.allocs[k] = m.allocs
		return nil
	}
	var rows []*row
	for i := range nops {
		r := newRow(pops[0].ops[i].name, len(pops))
		if b := pops[0].ops[i].baseline; b != nil {
			r.base = newRow(b.name, len(pops))
		}
		for range rounds {
			for k, p := range pops {
				op := p.ops[i]
				if op.baseline != nil {
					if err := add(r.base, k, op.baseline.name, op.baseline.run); err != nil {
						return err
					}
				}
				if err := add(r, k, op.name, op.run); err != nil {
					return err
				}
			}
		}
		rows = append(rows, r)
	}
	printTable(pops, rows)
	return nil
}

// printTable prints the median of each row at each scale, its growth from
// the first scale to the last, and how each Check compares with its
// baseline.
func printTable(pops []*population, rows []*row) {
	growth := len(pops) > 1
	first, last := pops[0].name, pops[len(pops)-1].name
	head, rule := "| operation |", "|---|"
	for _, p := range pops {
		head += " " + p.name + " µs/op (allocs) |"
		rule += "---:|"
	}
	if growth {
		head += " " + last + "/" + first + " |"
		rule += "---:|"
	}
	fmt.Println(head)
	fmt.Println(rule)
	line := func(r *row) {
		l := "| " + r.name + " |"
		for k := range pops {
			l += fmt.Sprintf(" %s (%.0f) |", fmtUS(median(r.us[k])), r.allocs[k])
		}
		if growth {
			l += fmt.Sprintf(" %.2f× |", ratio(r.us[len(pops)-1], r.us[0]))
		}
		fmt.Println(l)
	}
	for _, r := range rows {
		if r.base != nil {
			line(r.base)
		}
		line(r)
	}
	fmt.Println()
	for _, r := range rows {
		if r.base == nil {
			continue
		}
		for k, p := range pops {
			check, base := median(r.us[k]), median(r.base.us[k])
			if strings.HasPrefix(r.base.name, "floor") {
				target := 2*base + 0.040
				fmt.Printf("%s, %s: %s µs, %.2f× the floor (%s µs); the target, 2× the floor + 40 ns, is %s µs: %s\n",
					p.name, r.name, fmtUS(check), ratio(r.us[k], r.base.us[k]), fmtUS(base), fmtUS(target), verdict(check <= target))
				continue
			}
			x := ratio(r.us[k], r.base.us[k])
			if p.storeName != "postgres" {
				// SQLite's target is Check's growth from S to L, not a
				// ratio to SELECT 1, which costs a few µs in process.
				fmt.Printf("%s, %s: %s µs, %.2f× %s (%s µs)\n", p.name, r.name, fmtUS(check), x, r.base.name, fmtUS(base))
				continue
			}
			fmt.Printf("%s, %s: %s µs, %.2f× %s (%s µs); the target is 1.5×: %s\n",
				p.name, r.name, fmtUS(check), x, r.base.name, fmtUS(base), verdict(x <= 1.5))
		}
	}
	if growth {
		fmt.Printf("\nmedians of %d rounds; %s/%s: the median of the rounds' ratios\n", len(rows[0].us[0]), last, first)
	}
	for _, p := range pops {
		fmt.Printf("scale %s populated in %s\n", p.name, p.populated.Round(time.Millisecond))
	}
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "not met"
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

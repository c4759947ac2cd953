package memstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tenancykit/tenancy"
)

// TestTxModel runs random transactions of Store writes (over a few IDs
// whose hashes collide, so that the access index's probes crowd, wrap and
// shift back) that commit, fail or panic, and checks after each one, and
// at random inside it, that:
//
//   - a failed or panicking transaction leaves every map, ordered index
//     and access table exactly as before;
//   - the access index published before a transaction is never changed in
//     place (copy-on-write), and a commit publishes the new one;
//   - every ordered index and access table holds exactly what the primary
//     maps imply;
//   - AccessFacts answers what a brute-force reading of the maps gives,
//     for every user in every scope, the policy by pointer included.
//
// The tenancy package's TestModel checks the Service's rules over every
// store; this test checks the memstore's own bookkeeping, which those
// rules only see through.
func TestTxModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newTxModel(t)
		for range rapid.IntRange(3, 12).Draw(t, "txs") {
			m.step()
		}
	})
}

// errTxModelAbort ends a transaction of TestTxModel with an error or a
// panic.
var errTxModelAbort = errors.New("abort")

type txModel struct {
	t      *rapid.T
	s      *Store
	at     time.Time
	hashes int

	users, orgs, workspaces, invitations []uuid.UUID
	emails                               []string
}

func newTxModel(t *rapid.T) *txModel {
	m := &txModel{
		t:      t,
		s:      New(),
		at:     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		hashes: rapid.IntRange(1, 6).Draw(t, "hashes"),
	}
	ids := func(label string, n int) []uuid.UUID {
		l := make([]uuid.UUID, n)
		for i := range l {
			l[i] = m.newID(label)
		}
		return l
	}
	// More users than maxListedAdmins, so that organizations cross from
	// a listed set of admins to the users table and back.
	m.users = ids("user", rapid.IntRange(10, 16).Draw(t, "users"))
	m.orgs = ids("org", rapid.IntRange(1, 2).Draw(t, "orgs"))
	m.workspaces = ids("workspace", rapid.IntRange(1, 5).Draw(t, "workspaces"))
	for i := range len(m.users) + 4 {
		m.emails = append(m.emails, fmt.Sprintf("%c@x", 'a'+i))
	}
	return m
}

// newID makes an ID whose hash (its last eight bytes) is one of
// m.hashes values.
func (m *txModel) newID(label string) uuid.UUID {
	var id uuid.UUID
	binary.LittleEndian.PutUint64(id[:8], rapid.Uint64().Draw(m.t, label+" high")|1<<63)
	h := rapid.IntRange(0, m.hashes-1).Draw(m.t, label+" hash")
	binary.LittleEndian.PutUint64(id[8:], uint64(h)*0x1000003)
	return id
}

// pick draws one of ids, or a new ID when there are none.
func (m *txModel) pick(ids []uuid.UUID, label string) uuid.UUID {
	if len(ids) == 0 {
		return m.newID(label)
	}
	return rapid.SampledFrom(ids).Draw(m.t, label)
}

func (m *txModel) email() string { return rapid.SampledFrom(m.emails).Draw(m.t, "email") }

func (m *txModel) role() tenancy.Role {
	return rapid.SampledFrom([]tenancy.Role{tenancy.RoleMember, tenancy.RoleAdmin}).Draw(m.t, "role")
}

// step runs one transaction and checks the store after it.
func (m *txModel) step() {
	t, s := m.t, m.s
	before := dump(&s.st)
	published := s.access.Load()
	publishedBefore, publishedRaw := dumpAccess(published), rawAccess(published)
	const commit, fail, panics = 0, 1, 2
	outcome := rapid.SampledFrom([]int{commit, commit, commit, fail, panics}).Draw(t, "outcome")
	func() {
		defer func() {
			if r := recover(); r != nil && r != errTxModelAbort {
				panic(r)
			}
		}()
		_ = s.Update(context.Background(), func(w tenancy.Tx) error {
			for range rapid.IntRange(1, 15).Draw(t, "writes") {
				m.write(w)
			}
			if rapid.Bool().Draw(t, "check inside") {
				checkState(t, w.(*tx).state, w.AccessFacts)
			}
			switch outcome {
			case fail:
				return errTxModelAbort
			case panics:
				panic(errTxModelAbort)
			}
			return nil
		})
	}()
	if outcome == commit {
		if s.access.Load() != s.st.access {
			t.Fatalf("the commit did not publish its access index")
		}
	} else {
		after := dump(&s.st)
		for k := range before {
			if before[k] != after[k] {
				t.Errorf("rollback left %s changed:\n before %s\n after  %s", k, before[k], after[k])
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		if s.access.Load() != published {
			t.Fatalf("a rolled back transaction published an access index")
		}
	}
	if !reflect.DeepEqual(rawAccess(published), publishedRaw) || !reflect.DeepEqual(dumpAccess(published), publishedBefore) {
		t.Fatalf("the access index published before the transaction changed in place")
	}
	checkState(t, &s.st, s.AccessFacts)
}

// write runs one random Store write in tx; its error, if any, is part of
// the test (a refused write must change nothing either).
func (m *txModel) write(tx tenancy.Tx) {
	t, ctx, at := m.t, context.Background(), m.at
	names := []string{"Sales", "ops", "Ops", "dev", "Zed"}
	switch rapid.IntRange(0, 16).Draw(t, "write") {
	case 0:
		_ = tx.CreateUser(ctx, tenancy.User{ID: m.pick(m.users, "user"), Email: m.email(), CreatedAt: at})
	case 1:
		if u, err := tx.User(ctx, m.pick(m.users, "user")); err == nil {
			u.Email = m.email()
			u.ExternalID = rapid.SampledFrom([]string{"", "x1", "x2"}).Draw(t, "external ID")
			_ = tx.UpdateUser(ctx, u)
		}
	case 2:
		_ = tx.DeleteUser(ctx, m.pick(m.users, "user"))
	case 3:
		_ = tx.CreateOrganization(ctx, tenancy.Organization{ID: m.pick(m.orgs, "org"), Name: "O", CreatedAt: at})
	case 4:
		if o, err := tx.Organization(ctx, m.pick(m.orgs, "org")); err == nil {
			o.Policy.RequireSSO = !o.Policy.RequireSSO
			o.Domain = rapid.SampledFrom([]string{"", "a.com", "b.com"}).Draw(t, "domain")
			_ = tx.UpdateOrganization(ctx, o)
		}
	case 5:
		_ = tx.DeleteOrganization(ctx, m.pick(m.orgs, "org"))
	case 6, 7:
		_ = tx.AddOrgAdmin(ctx, m.pick(m.orgs, "org"), m.pick(m.users, "user"), at)
	case 8:
		_ = tx.RemoveOrgAdmin(ctx, m.pick(m.orgs, "org"), m.pick(m.users, "user"))
	case 9:
		_ = tx.CreateWorkspace(ctx, tenancy.Workspace{ID: m.pick(m.workspaces, "workspace"), OrgID: m.pick(m.orgs, "org"),
			Name: rapid.SampledFrom(names).Draw(t, "name"), CreatedAt: at})
	case 10:
		if w, err := tx.Workspace(ctx, m.pick(m.workspaces, "workspace")); err == nil {
			w.Name = rapid.SampledFrom(names).Draw(t, "name")
			_ = tx.UpdateWorkspace(ctx, w)
		}
	case 11:
		_ = tx.DeleteWorkspace(ctx, m.pick(m.workspaces, "workspace"))
	case 12, 13:
		_ = tx.AddMember(ctx, tenancy.Member{WorkspaceID: m.pick(m.workspaces, "workspace"), UserID: m.pick(m.users, "user"),
			Role: m.role(), CreatedAt: at})
	case 14:
		if rapid.Bool().Draw(t, "set role") {
			_ = tx.SetMemberRole(ctx, m.pick(m.workspaces, "workspace"), m.pick(m.users, "user"), m.role())
		} else {
			_ = tx.RemoveMember(ctx, m.pick(m.workspaces, "workspace"), m.pick(m.users, "user"))
		}
	case 15:
		if rapid.Bool().Draw(t, "invite") {
			id := m.newID("invitation")
			inv := tenancy.Invitation{ID: id, WorkspaceID: m.pick(m.workspaces, "workspace"), Email: m.email(), CreatedAt: at}
			if tx.CreateInvitation(ctx, tenancy.InvitationRecord{Invitation: inv, TokenHash: id[:]}) == nil {
				m.invitations = append(m.invitations, id)
			}
		} else {
			_ = tx.DeleteInvitation(ctx, m.pick(m.invitations, "invitation"))
		}
	case 16:
		if rapid.Bool().Draw(t, "append") {
			_ = tx.AppendAudit(ctx, tenancy.AuditEvent{ID: uuid.New(), OrgID: m.pick(m.orgs, "org"),
				At:      at.Add(time.Duration(rapid.IntRange(0, 4).Draw(t, "second")) * time.Second),
				Details: map[string]string{"email": m.email()}})
		} else {
			_, _ = tx.ScrubAuditEmail(ctx, m.email())
		}
	}
}

// dump prints every map and ordered index of st, by name.
func dump(st *state) map[string]string {
	orgs := map[uuid.UUID]tenancy.Organization{}
	for k, v := range st.orgs {
		orgs[k] = *v
	}
	d := map[string]string{
		"users": fmt.Sprint(st.users), "usersByEmail": fmt.Sprint(st.usersByEmail), "usersByExtID": fmt.Sprint(st.usersByExtID),
		"orgs": fmt.Sprintf("%+v", orgs), "orgsByDomain": fmt.Sprint(st.orgsByDomain),
		"orgAdmins": fmt.Sprint(st.orgAdmins), "userAdminOrgs": fmt.Sprint(st.userAdminOrgs),
		"workspaces": fmt.Sprint(st.workspaces), "orgWorkspaces": fmt.Sprint(st.orgWorkspaces), "workspaceNames": fmt.Sprint(st.workspaceNames),
		"members": fmt.Sprint(st.members), "wsMembers": fmt.Sprint(st.wsMembers), "userWorkspaces": fmt.Sprint(st.userWorkspaces),
		"orgMembers": fmt.Sprint(st.orgMembers), "invitations": fmt.Sprint(st.invitations), "invByHash": fmt.Sprint(st.invByHash),
		"invByEmail": fmt.Sprint(st.invByEmail), "wsInvitations": fmt.Sprint(st.wsInvitations), "audit": fmt.Sprint(st.audit),
		"membersByEmail": fmt.Sprint(dumpOrdered(st.membersByEmail)), "invsByEmail": fmt.Sprint(dumpOrdered(st.invsByEmail)),
		"wsByName": fmt.Sprint(dumpOrdered(st.wsByName)), "userWsByName": fmt.Sprint(dumpOrdered(st.userWsByName)),
		"orgUsers": fmt.Sprint(dumpOrdered(st.orgUsers)),
	}
	for k, v := range dumpAccess(st.access) {
		d["access "+k] = v
	}
	return d
}

// dumpOrdered prints the entries of each non-empty ordered index of m.
func dumpOrdered[K comparable](m map[K]ordered) map[string]string {
	out := map[string]string{}
	for k, o := range m {
		var es []entry
		o.Ascend(func(e entry) bool { es = append(es, e); return true })
		if len(es) > 0 {
			out[fmt.Sprint(k)] = fmt.Sprint(es)
		}
	}
	return out
}

// dumpAccess prints each table of ix as its entries, in key order: two
// indexes holding the same entries print the same, however their slots
// are laid out.
func dumpAccess(ix *accessIndex) map[string]string {
	orgAccess := func(a *orgAccess) string {
		admins := slices.Clone(a.admins)
		slices.SortFunc(admins, compareID)
		return fmt.Sprintf("%v %v %+v %v", a.id, a.many, *a.policy, admins)
	}
	out := map[string]string{}
	for name, d := range map[string]map[string]string{
		"orgs": entries(ix.orgs, orgAccess), "ws": entries(ix.ws, orgAccess),
		"roles": entries(ix.roles, func(r tenancy.Role) string { return string(r) }),
		"users": entries(ix.users, func(r orgRole) string { return fmt.Sprintf("%+v", r) }),
	} {
		s := ""
		for _, k := range slices.Sorted(maps.Keys(d)) {
			s += k + "=" + d[k] + ";"
		}
		out[name] = s
	}
	return out
}

// entries prints the entries of tb; a shard whose count disagrees with
// its slots shows as a BADCOUNT entry.
func entries[K comparable, V any](tb table[K, V], val func(V) string) map[string]string {
	out := map[string]string{}
	for _, c := range tb {
		for _, st := range c {
			n := 0
			for _, s := range st.slots {
				if s.h != 0 {
					n++
					out[fmt.Sprint(s.key)] = val(s.val)
				}
			}
			if n != st.n {
				out["BADCOUNT"] += fmt.Sprint(n, "!=", st.n, " ")
			}
		}
	}
	return out
}

// rawAccess copies ix slot by slot, so that any change in place shows.
func rawAccess(ix *accessIndex) []any {
	return []any{rawTable(ix.orgs), rawTable(ix.ws), rawTable(ix.roles), rawTable(ix.users)}
}

func rawTable[K comparable, V any](tb table[K, V]) []shardTable[K, V] {
	var out []shardTable[K, V]
	for _, c := range tb {
		for _, st := range c {
			out = append(out, shardTable[K, V]{slots: slices.Clone(st.slots), tags: slices.Clone(st.tags), n: st.n})
		}
	}
	return out
}

// checkState checks that st's ordered indexes and access tables hold
// exactly what its primary maps imply, and that accessFacts answers as a
// brute-force reading of the maps for every user in every scope.
func checkState(t *rapid.T, st *state, accessFacts func(context.Context, uuid.UUID, tenancy.Scope) (tenancy.Facts, error)) {
	want := map[string]map[uuid.UUID][]entry{
		"membersByEmail": {}, "userWsByName": {}, "wsByName": {}, "invsByEmail": {}, "orgUsers": {},
	}
	orgUsers := map[uuid.UUID]map[uuid.UUID]bool{}
	holdsRole := func(org, user uuid.UUID) {
		if orgUsers[org] == nil {
			orgUsers[org] = map[uuid.UUID]bool{}
		}
		if !orgUsers[org][user] {
			orgUsers[org][user] = true
			want["orgUsers"][org] = append(want["orgUsers"][org], entry{st.users[user].Email, user})
		}
	}
	for k := range st.members {
		want["membersByEmail"][k.ws] = append(want["membersByEmail"][k.ws], entry{st.users[k.user].Email, k.user})
		want["userWsByName"][k.user] = append(want["userWsByName"][k.user], entry{st.workspaces[k.ws].key, k.ws})
		holdsRole(st.workspaces[k.ws].OrgID, k.user)
	}
	for org, admins := range st.orgAdmins {
		for u := range admins {
			holdsRole(org, u)
		}
	}
	for id, w := range st.workspaces {
		want["wsByName"][w.OrgID] = append(want["wsByName"][w.OrgID], entry{w.key, id})
	}
	for id, r := range st.invitations {
		want["invsByEmail"][r.WorkspaceID] = append(want["invsByEmail"][r.WorkspaceID], entry{r.Email, id})
	}
	for name, got := range map[string]map[uuid.UUID]ordered{
		"membersByEmail": st.membersByEmail, "userWsByName": st.userWsByName, "wsByName": st.wsByName,
		"invsByEmail": st.invsByEmail, "orgUsers": st.orgUsers,
	} {
		w := map[string]string{}
		for k, es := range want[name] {
			slices.SortFunc(es, func(a, b entry) int {
				if lessEntry(a, b) {
					return -1
				}
				if lessEntry(b, a) {
					return 1
				}
				return 0
			})
			w[fmt.Sprint(k)] = fmt.Sprint(es)
		}
		if g := dumpOrdered(got); !reflect.DeepEqual(g, w) {
			t.Fatalf("%s index:\n got %v\nwant %v", name, g, w)
		}
	}

	ix := st.access
	n := 0
	for _, us := range orgUsers {
		n += len(us)
	}
	for name, c := range map[string][2]int{
		"roles": {len(entries(ix.roles, func(tenancy.Role) string { return "" })), len(st.members)},
		"users": {len(entries(ix.users, func(orgRole) string { return "" })), n},
		"ws":    {len(entries(ix.ws, func(*orgAccess) string { return "" })), len(st.workspaces)},
		"orgs":  {len(entries(ix.orgs, func(*orgAccess) string { return "" })), len(st.orgs)},
	} {
		if c[0] != c[1] {
			t.Fatalf("access table %s has %d entries, want %d", name, c[0], c[1])
		}
	}

	var scopes []tenancy.Scope
	for id := range st.orgs {
		scopes = append(scopes, tenancy.InOrganization(id))
	}
	for id := range st.workspaces {
		scopes = append(scopes, tenancy.InWorkspace(id))
	}
	users := slices.Collect(maps.Keys(st.users))
	users = append(users, uuid.New()) // and a stranger
	for _, u := range users {
		for _, sc := range scopes {
			got, err := accessFacts(context.Background(), u, sc)
			if err != nil {
				t.Fatalf("facts of %v in %+v: %v", u, sc, err)
			}
			var want tenancy.Facts
			if sc.WorkspaceID != uuid.Nil {
				w := st.workspaces[sc.WorkspaceID]
				want.WorkspaceID, want.OrgID = w.ID, w.OrgID
				want.WorkspaceRole = st.members[wsUser{w.ID, u}].role
			} else {
				want.OrgID = sc.OrgID
			}
			_, want.OrgAdmin = st.orgAdmins[want.OrgID][u]
			for k := range st.members {
				if k.user == u && st.workspaces[k.ws].OrgID == want.OrgID {
					want.OrgMember = true
				}
			}
			want.Policy = &st.orgs[want.OrgID].Policy
			if got.Policy != want.Policy {
				t.Fatalf("facts of %v in %+v: policy at %p, want the organization's at %p", u, sc, got.Policy, want.Policy)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("facts of %v in %+v:\n got %+v\nwant %+v", u, sc, got, want)
			}
		}
	}
}

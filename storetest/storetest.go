package storetest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// Run runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest, from that subtest's goroutine, and
// must return a new, empty store; subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) tenancy.Store) {
	t.Helper()
	areas := []struct {
		name  string
		tests []test
	}{
		{"Users", userTests},
		{"Organizations", organizationTests},
		{"OrgAdmins", orgAdminTests},
		{"Workspaces", workspaceTests},
		{"Members", memberTests},
		{"Invitations", invitationTests},
		{"Audit", auditTests},
		{"Pages", pageTests},
		{"AccessFacts", factsTests},
		{"Transactions", txTests},
		{"DeferredWrites", deferredTests},
		{"FactsLocker", lockerTests},
		{"Concurrency", concurrencyTests},
	}
	for _, area := range areas {
		t.Run(area.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range area.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					s := newStore(t)
					require.NotNil(t, s, "newStore returned nil")
					tc.run(t, newFixture(t, s))
				})
			}
		})
	}
}

// test is one behaviour of the contract, checked on a fresh store.
type test struct {
	name string
	run  func(t *testing.T, f *fixture)
}

// epoch is the first fixture time: UTC, with a microsecond part.
var epoch = time.Date(2024, time.March, 4, 5, 6, 7, 123456000, time.UTC)

// fixture builds data in one store. It is used from its test's goroutine
// only.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   tenancy.Store
	now time.Time
}

func newFixture(t *testing.T, s tenancy.Store) *fixture {
	return &fixture{t: t, ctx: t.Context(), s: s, now: epoch}
}

// tick returns a time a little after the previous one, with microsecond
// precision, as the Service hands them to a Store.
func (f *fixture) tick() time.Time {
	f.now = f.now.Add(time.Minute + 7*time.Microsecond)
	return f.now
}

// update runs fn in a transaction that must succeed.
func (f *fixture) update(fn func(tx tenancy.Tx) error) {
	f.t.Helper()
	require.NoError(f.t, f.s.Update(f.ctx, fn))
}

// fail runs fn in a transaction and returns its error.
func (f *fixture) fail(fn func(tx tenancy.Tx) error) error {
	return f.s.Update(f.ctx, fn)
}

// newUser returns a user named after local, not stored.
func (f *fixture) newUser(local string) tenancy.User {
	return tenancy.User{
		ID:            uuid.New(),
		Email:         local + "@example.com",
		Name:          "Name of " + local,
		EmailVerified: len(local)%2 == 0,
		CreatedAt:     f.tick(),
	}
}

// user creates a user whose email is local@example.com.
func (f *fixture) user(local string) tenancy.User {
	f.t.Helper()
	u := f.newUser(local)
	f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, u) })
	return u
}

// newOrg returns an organization with a zero policy, not stored.
func (f *fixture) newOrg(name, domain string) tenancy.Organization {
	return tenancy.Organization{
		ID:        uuid.New(),
		Name:      name,
		Domain:    domain,
		Billing:   tenancy.Billing{Email: "billing@" + cmp.Or(domain, "example.org"), CustomerRef: "cus_" + name},
		CreatedAt: f.tick(),
	}
}

// org creates an organization with admins.
func (f *fixture) org(name, domain string, admins ...tenancy.User) tenancy.Organization {
	f.t.Helper()
	o := f.newOrg(name, domain)
	f.update(func(tx tenancy.Tx) error { return tx.CreateOrganization(f.ctx, o) })
	for _, u := range admins {
		f.admin(o, u)
	}
	return o
}

// admin makes u an Organization Admin of o.
func (f *fixture) admin(o tenancy.Organization, u tenancy.User) {
	f.t.Helper()
	f.update(func(tx tenancy.Tx) error { return tx.AddOrgAdmin(f.ctx, o.ID, u.ID, f.tick()) })
}

// newWorkspace returns a workspace of o, not stored.
func (f *fixture) newWorkspace(o tenancy.Organization, name string, by tenancy.User) tenancy.Workspace {
	return tenancy.Workspace{ID: uuid.New(), OrgID: o.ID, Name: name, CreatedBy: by.ID, CreatedAt: f.tick()}
}

// workspace creates a workspace of o. It adds no member.
func (f *fixture) workspace(o tenancy.Organization, name string, by tenancy.User) tenancy.Workspace {
	f.t.Helper()
	w := f.newWorkspace(o, name, by)
	f.update(func(tx tenancy.Tx) error { return tx.CreateWorkspace(f.ctx, w) })
	return w
}

// member adds u to w with role r and returns the Member a read returns.
func (f *fixture) member(w tenancy.Workspace, u tenancy.User, r tenancy.Role) tenancy.Member {
	f.t.Helper()
	m := tenancy.Member{WorkspaceID: w.ID, UserID: u.ID, Email: u.Email, Role: r, CreatedAt: f.tick()}
	f.update(func(tx tenancy.Tx) error { return tx.AddMember(f.ctx, m) })
	return m
}

// newInvitation returns an invitation of email to w, with a random token
// hash, not stored.
func (f *fixture) newInvitation(w tenancy.Workspace, email string, r tenancy.Role, by tenancy.User) tenancy.InvitationRecord {
	created := f.tick()
	return tenancy.InvitationRecord{
		Invitation: tenancy.Invitation{
			ID: uuid.New(), WorkspaceID: w.ID, OrgID: w.OrgID, Email: email, Role: r,
			InvitedBy: by.ID, CreatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour),
		},
		TokenHash: randomHash(),
	}
}

// invite creates an invitation of email to w.
func (f *fixture) invite(w tenancy.Workspace, email string, r tenancy.Role, by tenancy.User) tenancy.InvitationRecord {
	f.t.Helper()
	inv := f.newInvitation(w, email, r, by)
	f.update(func(tx tenancy.Tx) error { return tx.CreateInvitation(f.ctx, inv) })
	return inv
}

// event appends an audit event of orgID at the given time.
func (f *fixture) event(orgID uuid.UUID, at time.Time) tenancy.AuditEvent {
	f.t.Helper()
	e := tenancy.AuditEvent{
		ID: uuid.New(), OrgID: orgID, ActorID: uuid.New(), TargetID: uuid.New(),
		Action: tenancy.EventMemberAdded, At: at, Details: map[string]string{"n": at.Format(time.RFC3339Nano)},
	}
	f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
	return e
}

func randomHash() []byte {
	h := sha256.Sum256([]byte(rand.Text()))
	return h[:]
}

// fullPolicy returns a security policy with every field set.
func fullPolicy() tenancy.SecurityPolicy {
	return tenancy.SecurityPolicy{
		RequireMFA:    true,
		RequireSSO:    true,
		MaxSessionAge: 12*time.Hour + 30*time.Second,
		AllowedIPs: []netip.Prefix{
			netip.MustParsePrefix("203.0.113.0/24"),
			netip.MustParsePrefix("2001:db8::/32"),
			netip.MustParsePrefix("198.51.100.7/32"),
			netip.MustParsePrefix("2001:db8:1:2::5/128"),
		},
		AllowedEmailDomains: []string{"acme.com", "eng.acme.co.uk"},
		InvitationTTL:       72 * time.Hour,
		AutoJoin: tenancy.AutoJoin{
			Workspaces: []uuid.UUID{uuid.New(), uuid.New()},
			Role:       tenancy.RoleAdmin,
			Domains:    []string{"eng.acme.com", "ops.acme.com"},
		},
	}
}

// Cursors, as the Service builds them from a page's last item.

func memberCursor(m tenancy.Member) tenancy.Cursor { return tenancy.Cursor{Key: m.Email, ID: m.UserID} }

func invitationCursor(i tenancy.Invitation) tenancy.Cursor {
	return tenancy.Cursor{Key: i.Email, ID: i.ID}
}

func membershipCursor(m tenancy.Membership) tenancy.Cursor {
	return tenancy.Cursor{Key: tenancy.NameKey(m.Workspace.Name), ID: m.Workspace.ID}
}

func orgUserCursor(u tenancy.OrgUser) tenancy.Cursor {
	return tenancy.Cursor{Key: u.User.Email, ID: u.User.ID}
}

func auditCursor(e tenancy.AuditEvent) tenancy.Cursor { return tenancy.Cursor{At: e.At, ID: e.ID} }

// fetchFunc reads one page of a list.
type fetchFunc[T any] func(q tenancy.PageQuery) ([]T, error)

// listFrom reads a list to its end in pages of limit items, starting after
// after (nil: from the start).
func listFrom[T any](t *testing.T, limit int, after *tenancy.Cursor, fetch fetchFunc[T], cursor func(T) tenancy.Cursor) []T {
	t.Helper()
	var all []T
	q := tenancy.PageQuery{After: after, Limit: limit}
	for range 1000 {
		items, err := fetch(q)
		require.NoError(t, err)
		require.LessOrEqual(t, len(items), limit, "a page holds at most Limit items")
		all = append(all, items...)
		if len(items) < limit {
			return all
		}
		c := cursor(items[len(items)-1])
		q.After = &c
	}
	t.Fatal("paging does not end")
	return nil
}

// firstPage reads the first page of limit items.
func firstPage[T any](t *testing.T, limit int, fetch fetchFunc[T]) []T {
	t.Helper()
	items, err := fetch(tenancy.PageQuery{Limit: limit})
	require.NoError(t, err)
	require.Len(t, items, limit)
	return items
}

// checkPaging checks that the list is want, read whole and in pages of 1,
// 2 and 3 items, and that a page starting after the last item is empty.
func checkPaging[T any](t *testing.T, want []T, fetch fetchFunc[T], cursor func(T) tenancy.Cursor) {
	t.Helper()
	require.NotEmpty(t, want)
	all, err := fetch(tenancy.PageQuery{Limit: len(want) + 10})
	require.NoError(t, err)
	require.Equal(t, want, all, "whole list")
	for _, limit := range []int{1, 2, 3} {
		require.Equal(t, want, listFrom(t, limit, nil, fetch, cursor), "pages of %d", limit)
	}
	exact, err := fetch(tenancy.PageQuery{Limit: len(want)})
	require.NoError(t, err)
	require.Equal(t, want, exact, "a page of exactly the list's length")
	last := cursor(want[len(want)-1])
	rest, err := fetch(tenancy.PageQuery{After: &last, Limit: 10})
	require.NoError(t, err)
	require.Empty(t, rest, "after the last item")
}

// checkEmpty checks that a list is empty.
func checkEmpty[T any](t *testing.T, fetch fetchFunc[T]) {
	t.Helper()
	items, err := fetch(tenancy.PageQuery{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, items)
}

func compareID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// sortByKey sorts items by (key, ID) ascending, the order of most lists.
func sortByKey[T any](items []T, key func(T) tenancy.Cursor) []T {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b T) int {
		ca, cb := key(a), key(b)
		return cmp.Or(strings.Compare(ca.Key, cb.Key), compareID(ca.ID, cb.ID))
	})
	return items
}

// newestFirst sorts events by (At, ID) descending.
func newestFirst(events []tenancy.AuditEvent) []tenancy.AuditEvent {
	events = slices.Clone(events)
	slices.SortFunc(events, func(a, b tenancy.AuditEvent) int {
		return cmp.Or(b.At.Compare(a.At), compareID(b.ID, a.ID))
	})
	return events
}

// seq returns n distinct locals "<prefix>00", "<prefix>01", … whose
// order is the same in every collation.
func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + string(rune('0'+i/10)) + string(rune('0'+i%10))
	}
	return out
}

package storetest

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// pageList is one keyset-paginated list of a Reader; fetch returns how
// many items a page holds.
type pageList struct {
	name  string
	fetch func(r tenancy.Reader, q tenancy.PageQuery) (int, error)
}

// pageLists returns every list of a Reader, each on data that has items,
// so that a store cannot pass by finding nothing to read.
func pageLists(f *fixture) []pageList {
	ann := f.user("ann")
	acme := f.org("Acme", "acme.com", ann)
	w := f.workspace(acme, "Sales", ann)
	f.member(w, ann, tenancy.RoleAdmin)
	f.invite(w, "bob@example.com", tenancy.RoleMember, ann)
	f.event(acme.ID, f.tick())
	ctx := f.ctx
	return []pageList{
		{"ListOrgUsers", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListOrgUsers(ctx, acme.ID, q)
			return len(items), err
		}},
		{"ListOrgWorkspaces", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListOrgWorkspaces(ctx, acme.ID, ann.ID, false, q)
			return len(items), err
		}},
		{"ListOrgWorkspaces of a member", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListOrgWorkspaces(ctx, acme.ID, ann.ID, true, q)
			return len(items), err
		}},
		{"ListMembers", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListMembers(ctx, w.ID, q)
			return len(items), err
		}},
		{"ListUserMemberships", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListUserMemberships(ctx, ann.ID, q)
			return len(items), err
		}},
		{"ListInvitations", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListInvitations(ctx, w.ID, q)
			return len(items), err
		}},
		{"ListAuditEvents", func(r tenancy.Reader, q tenancy.PageQuery) (int, error) {
			items, err := r.ListAuditEvents(ctx, acme.ID, q)
			return len(items), err
		}},
	}
}

// invalidPages are page queries every list must reject: a forged cursor
// must never reach a database (PostgreSQL rejects invalid UTF-8 and NUL
// in text with an error of its own).
var invalidPages = []struct {
	name string
	q    tenancy.PageQuery
}{
	{"limit 0", tenancy.PageQuery{Limit: 0}},
	{"negative limit", tenancy.PageQuery{Limit: -1}},
	{"limit 0 after a cursor", tenancy.PageQuery{Limit: 0, After: &tenancy.Cursor{Key: "a", ID: uuid.New()}}},
	{"invalid UTF-8 key", tenancy.PageQuery{Limit: 10, After: &tenancy.Cursor{Key: "\xff", ID: uuid.New()}}},
	{"key with a NUL byte", tenancy.PageQuery{Limit: 10, After: &tenancy.Cursor{Key: "a\x00b", ID: uuid.New()}}},
	{"oversized key", tenancy.PageQuery{Limit: 10, After: &tenancy.Cursor{Key: strings.Repeat("a", tenancy.MaxCursorKeyLength+1)}}},
}

var pageTests = []test{
	{"every list rejects an invalid page query with ErrInvalidInput", func(t *testing.T, f *fixture) {
		lists := pageLists(f)
		check := func(r tenancy.Reader, where string) {
			t.Helper()
			for _, l := range lists {
				n, err := l.fetch(r, tenancy.PageQuery{Limit: 10})
				require.NoError(t, err, "%s %s", where, l.name)
				require.Positive(t, n, "%s %s has items", where, l.name)
				for _, p := range invalidPages {
					_, err := l.fetch(r, p.q)
					require.ErrorIs(t, err, tenancy.ErrInvalidInput, "%s %s: %s", where, l.name, p.name)
				}
			}
		}
		check(f.s, "store")
		f.update(func(tx tenancy.Tx) error {
			check(tx, "transaction")
			return nil // the transaction is still usable
		})
	}},
	{"every list accepts a cursor key of the maximum length", func(t *testing.T, f *fixture) {
		key := strings.Repeat("é", tenancy.MaxCursorKeyLength/2) // two bytes each
		for _, l := range pageLists(f) {
			_, err := l.fetch(f.s, tenancy.PageQuery{Limit: 10, After: &tenancy.Cursor{Key: key, ID: uuid.New()}})
			require.NoError(t, err, l.name)
		}
	}},
}

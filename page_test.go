package tenancy_test

import (
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// listFunc reads one page of some list and reports its length and Next.
type listFunc func(p tenancy.Page) (n int, next string, err error)

func listOf[T any](fn func(tenancy.Page) (tenancy.List[T], error)) listFunc {
	return func(p tenancy.Page) (int, string, error) {
		l, err := fn(p)
		return len(l.Items), l.Next, err
	}
}

// pageFixture has at least three items in every list.
type pageFixture struct {
	*memberFixture
	lists map[string]listFunc
}

func newPageFixture(t *testing.T) *pageFixture {
	m := newMemberFixture(t)
	for _, e := range []string{"i1@gmail.com", "i2@gmail.com", "i3@gmail.com"} {
		_, _, err := m.svc.Invite(m.ctx, m.orgAdmin, m.ws.ID, e, tenancy.RoleMember)
		require.NoError(t, err)
	}
	m.workspace(m.orgAdmin, m.org.ID, "Third")
	m.member(m.orgAdmin, m.other.ID, m.wsMember, tenancy.RoleMember)
	m.member(m.foreignAdmin, m.foreignWs.ID, m.wsMember, tenancy.RoleMember)
	p := &pageFixture{memberFixture: m}
	a := m.orgAdmin
	p.lists = map[string]listFunc{
		"Members": listOf(func(pg tenancy.Page) (tenancy.List[tenancy.Member], error) {
			return m.svc.Members(m.ctx, a, m.ws.ID, pg)
		}),
		"Invitations": listOf(func(pg tenancy.Page) (tenancy.List[tenancy.Invitation], error) {
			return m.svc.Invitations(m.ctx, a, m.ws.ID, pg)
		}),
		"OrganizationWorkspaces": listOf(func(pg tenancy.Page) (tenancy.List[tenancy.Workspace], error) {
			return m.svc.OrganizationWorkspaces(m.ctx, a, m.org.ID, pg)
		}),
		"UserWorkspaces": listOf(func(pg tenancy.Page) (tenancy.List[tenancy.Membership], error) {
			return m.svc.UserWorkspaces(m.ctx, m.wsMember.UserID, pg)
		}),
		"OrganizationUsers": listOf(func(pg tenancy.Page) (tenancy.List[tenancy.OrgUser], error) {
			return m.svc.OrganizationUsers(m.ctx, a, m.org.ID, pg)
		}),
		"AuditLog": listOf(func(pg tenancy.Page) (tenancy.List[tenancy.AuditEvent], error) {
			return m.svc.AuditLog(m.ctx, a, m.org.ID, pg)
		}),
	}
	return p
}

func TestDefaultPageSize(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ws := f.workspace(ann, org.ID, "Marketing")
	for i := range 60 {
		f.member(ann, ws.ID, f.user(fmt.Sprintf("user%02d@gmail.com", i)), tenancy.RoleMember)
		_, _, err := f.svc.Invite(f.ctx, ann, ws.ID, fmt.Sprintf("guest%02d@gmail.com", i), tenancy.RoleMember)
		require.NoError(t, err)
	}
	members, err := f.svc.Members(f.ctx, ann, ws.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Len(t, members.Items, tenancy.DefaultPageSize)
	assert.Equal(t, 50, tenancy.DefaultPageSize)
	require.NotEmpty(t, members.Next)
	rest, err := f.svc.Members(f.ctx, ann, ws.ID, tenancy.Page{After: members.Next})
	require.NoError(t, err)
	assert.Len(t, rest.Items, 11, "60 users and the creator")
	assert.Empty(t, rest.Next)

	invs, err := f.svc.Invitations(f.ctx, ann, ws.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Len(t, invs.Items, 50)
	require.NotEmpty(t, invs.Next)
	restInvs, err := f.svc.Invitations(f.ctx, ann, ws.ID, tenancy.Page{After: invs.Next})
	require.NoError(t, err)
	assert.Len(t, restInvs.Items, 10)
	assert.Empty(t, restInvs.Next)
	assert.Equal(t, "guest50@gmail.com", restInvs.Items[0].Email)

	log, err := f.svc.AuditLog(f.ctx, ann, org.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.Len(t, log.Items, 50)
	assert.NotEmpty(t, log.Next)
}

func TestPageLimits(t *testing.T) {
	p := newPageFixture(t)
	for name, list := range p.lists {
		t.Run(name, func(t *testing.T) {
			n, next, err := list(tenancy.Page{Limit: tenancy.MaxPageSize})
			require.NoError(t, err)
			assert.GreaterOrEqual(t, n, 3)
			assert.Empty(t, next)
			n, next, err = list(tenancy.Page{Limit: 1})
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			assert.NotEmpty(t, next)
			for _, limit := range []int{tenancy.MaxPageSize + 1, math.MaxInt, -1, math.MinInt} {
				_, _, err := list(tenancy.Page{Limit: limit})
				require.ErrorIs(t, err, tenancy.ErrInvalidInput, "limit %d", limit)
			}
		})
	}
}

func TestMalformedCursors(t *testing.T) {
	p := newPageFixture(t)
	nexts := map[string]string{}
	for name, list := range p.lists {
		_, next, err := list(tenancy.Page{Limit: 1})
		require.NoError(t, err)
		require.NotEmpty(t, next, name)
		nexts[name] = next
	}
	for name, list := range p.lists {
		t.Run(name, func(t *testing.T) {
			valid := nexts[name]
			bad := map[string]string{
				"percent signs":         "%%%",
				"white space":           " " + valid,
				"padded":                valid + "=",
				"standard alphabet":     strings.Repeat("+/", 20),
				"short base64":          base64.RawURLEncoding.EncodeToString([]byte("hello")),
				"no list kind":          base64.RawURLEncoding.EncodeToString(make([]byte, 40)),
				"unknown list kind":     base64.RawURLEncoding.EncodeToString(append([]byte{0xff}, make([]byte, 40)...)),
				"truncated":             valid[:20],
				"truncated by one char": valid[:len(valid)-1] + "=",
				"very long":             strings.Repeat("A", 5000),
			}
			for other, cursor := range nexts {
				if other != name {
					bad["cursor of "+other] = cursor
				}
			}
			for what, cursor := range bad {
				_, _, err := list(tenancy.Page{Limit: 1, After: cursor})
				require.ErrorIs(t, err, tenancy.ErrInvalidInput, what)
			}
			n, _, err := list(tenancy.Page{Limit: 1, After: valid})
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		})
	}
}

func TestLastPageHasNoNext(t *testing.T) {
	f := newFixture(t)
	ann, org := f.founder("ann@acme.com")
	ws := f.workspace(ann, org.ID, "Marketing")
	for i := range 3 {
		f.member(ann, ws.ID, f.user(fmt.Sprintf("u%d@gmail.com", i)), tenancy.RoleMember)
	}
	for _, limit := range []int{1, 2, 4, 5} {
		_, pages := allPages(t, limit, func(p tenancy.Page) (tenancy.List[tenancy.Member], error) {
			return f.svc.Members(f.ctx, ann, ws.ID, p)
		})
		assert.Equal(t, (4+limit-1)/limit, pages, "limit %d: a full last page has no Next", limit)
	}
	invs, err := f.svc.Invitations(f.ctx, ann, ws.ID, tenancy.Page{})
	require.NoError(t, err)
	assert.NotNil(t, invs.Items, "an empty list has an empty, non-nil page")
	assert.Empty(t, invs.Items)
	assert.Empty(t, invs.Next)
}

func TestPagesAreStableUnderInsertsAndDeletes(t *testing.T) {
	t.Run("members", func(t *testing.T) {
		f := newFixture(t)
		ann, org := f.founder("zed@acme.com")
		ws := f.workspace(ann, org.ID, "Marketing")
		for _, c := range "bdfhjln" {
			f.member(ann, ws.ID, f.user(string(c)+"@gmail.com"), tenancy.RoleMember)
		}
		first, err := f.svc.Members(f.ctx, ann, ws.ID, tenancy.Page{Limit: 3})
		require.NoError(t, err)
		seen := map[string]int{}
		for _, m := range first.Items {
			seen[m.Email]++
		}
		assert.Equal(t, map[string]int{"b@gmail.com": 1, "d@gmail.com": 1, "f@gmail.com": 1}, seen)

		// Insert before and after the cursor, and remove the cursor's item.
		for _, c := range "aceg" {
			f.member(ann, ws.ID, f.user(string(c)+"@gmail.com"), tenancy.RoleMember)
		}
		require.NoError(t, f.svc.RemoveMember(f.ctx, ann, ws.ID, first.Items[2].UserID))

		p := tenancy.Page{Limit: 3, After: first.Next}
		for {
			l, err := f.svc.Members(f.ctx, ann, ws.ID, p)
			require.NoError(t, err)
			for _, m := range l.Items {
				seen[m.Email]++
			}
			if l.Next == "" {
				break
			}
			p.After = l.Next
		}
		for _, c := range "bdfhjln" {
			assert.Equal(t, 1, seen[string(c)+"@gmail.com"], "every earlier member exactly once: %c", c)
		}
		assert.Equal(t, 1, seen["zed@acme.com"])
		assert.Equal(t, 1, seen["g@gmail.com"], "inserted after the cursor: listed")
		assert.Zero(t, seen["a@gmail.com"]+seen["c@gmail.com"]+seen["e@gmail.com"], "inserted before the cursor: not listed")
	})
	t.Run("audit log", func(t *testing.T) {
		f := newFixture(t)
		ann, org := f.founder("ann@acme.com")
		for i := range 6 {
			f.workspace(ann, org.ID, fmt.Sprintf("W%d", i))
		}
		all, err := f.svc.AuditLog(f.ctx, ann, org.ID, tenancy.Page{})
		require.NoError(t, err)
		first, err := f.svc.AuditLog(f.ctx, ann, org.ID, tenancy.Page{Limit: 4})
		require.NoError(t, err)
		for i := range 5 {
			f.workspace(ann, org.ID, fmt.Sprintf("New %d", i))
		}
		items := first.Items
		p := tenancy.Page{Limit: 4, After: first.Next}
		for p.After != "" {
			l, err := f.svc.AuditLog(f.ctx, ann, org.ID, p)
			require.NoError(t, err)
			items = append(items, l.Items...)
			p.After = l.Next
		}
		assert.Equal(t, all.Items, items, "newer events never shift older pages")
	})
	t.Run("workspaces", func(t *testing.T) {
		f := newFixture(t)
		ann, org := f.founder("ann@acme.com")
		for _, n := range []string{"B", "d", "F", "h"} {
			f.workspace(ann, org.ID, n)
		}
		first, err := f.svc.OrganizationWorkspaces(f.ctx, ann, org.ID, tenancy.Page{Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, []string{"B", "d"}, workspaceNames(first.Items))
		f.workspace(ann, org.ID, "a")
		f.workspace(ann, org.ID, "E")
		_, err = f.svc.RenameWorkspace(f.ctx, ann, first.Items[1].ID, "Z")
		require.NoError(t, err)
		rest, err := f.svc.OrganizationWorkspaces(f.ctx, ann, org.ID, tenancy.Page{Limit: 10, After: first.Next})
		require.NoError(t, err)
		assert.Equal(t, []string{"E", "F", "h", "Z"}, workspaceNames(rest.Items))
	})
}

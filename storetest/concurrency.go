package storetest

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// racers is how many goroutines race for one thing.
const racers = 50

// race runs fn(i) for i in [0, n) on n goroutines released together, and
// returns how many returned nil. Every other error must match want: a
// store that returns anything else under contention fails the test.
func race(t *testing.T, n int, want error, fn func(i int) error) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		won   atomic.Int32
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			if errs[i] = fn(i); errs[i] == nil {
				won.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil && !errors.Is(err, want) {
			t.Errorf("racer %d: got error %v, want nil or %v", i, err, want)
		}
	}
	return int(won.Load())
}

var concurrencyTests = []test{
	{"one domain is claimed by one organization", func(t *testing.T, f *fixture) {
		orgs := make([]tenancy.Organization, racers)
		for i := range orgs {
			orgs[i] = f.newOrg("Acme", "acme.com")
		}
		won := race(t, racers, tenancy.ErrDomainTaken, func(i int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error { return tx.CreateOrganization(f.ctx, orgs[i]) })
		})
		require.Equal(t, 1, won)
		got, err := f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.NoError(t, err)
		require.Contains(t, orgs, got)
	}},
	{"concurrent sign-ups from one domain create one organization", func(t *testing.T, f *fixture) {
		raceFirstSignUps(t, f, func(tx tenancy.Tx) tenancy.DeferredWriter { return tx })
	}},
	{"one email is taken by one user", func(t *testing.T, f *fixture) {
		users := make([]tenancy.User, racers)
		for i := range users {
			users[i] = f.newUser("ann")
		}
		won := race(t, racers, tenancy.ErrAlreadyExists, func(i int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, users[i]) })
		})
		require.Equal(t, 1, won)
		got, err := f.s.UserByEmail(f.ctx, "ann@example.com")
		require.NoError(t, err)
		require.Contains(t, users, got)
	}},
	{"concurrent demotions keep a workspace admin", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		f.member(w, ann, tenancy.RoleAdmin)
		f.member(w, bob, tenancy.RoleAdmin)
		targets := []uuid.UUID{ann.ID, bob.ID}
		won := race(t, racers/2, tenancy.ErrLastAdmin, func(i int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error {
				if err := tx.LockOrganization(f.ctx, acme.ID); err != nil {
					return err
				}
				n, err := tx.CountMembersWithRole(f.ctx, w.ID, tenancy.RoleAdmin)
				if err != nil {
					return err
				}
				if n <= 1 {
					return tenancy.ErrLastAdmin
				}
				return tx.SetMemberRole(f.ctx, w.ID, targets[i%2], tenancy.RoleMember)
			})
		})
		require.Equal(t, 1, won)
		n, err := f.s.CountMembersWithRole(f.ctx, w.ID, tenancy.RoleAdmin)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}},
	{"concurrent revocations keep an org admin", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann, bob)
		targets := []uuid.UUID{ann.ID, bob.ID}
		won := race(t, racers/2, tenancy.ErrLastAdmin, func(i int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error {
				if err := tx.LockOrganization(f.ctx, acme.ID); err != nil {
					return err
				}
				n, err := tx.CountOrgAdmins(f.ctx, acme.ID)
				if err != nil {
					return err
				}
				if n <= 1 {
					return tenancy.ErrLastAdmin
				}
				return tx.RemoveOrgAdmin(f.ctx, acme.ID, targets[i%2])
			})
		})
		require.Equal(t, 1, won)
		n, err := f.s.CountOrgAdmins(f.ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}},
	{"of concurrent VerifyUserEmail calls exactly one reports true", func(t *testing.T, f *fixture) {
		const n = 8
		for round := range 3 { // a few rounds, each on a fresh user
			u := f.newUser("u" + uuid.NewString()[:8])
			u.EmailVerified = false
			f.update(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, u) })
			var changed atomic.Int32
			won := race(t, n, nil, func(int) error {
				return f.s.Update(f.ctx, func(tx tenancy.Tx) error {
					ok, err := tx.VerifyUserEmail(f.ctx, u.ID, u.Email)
					if ok {
						changed.Add(1)
					}
					return err
				})
			})
			require.Equal(t, n, won, "round %d: no call fails", round)
			require.Equal(t, int32(1), changed.Load(), "round %d", round)
			got, err := f.s.User(f.ctx, u.ID)
			require.NoError(t, err)
			require.True(t, got.EmailVerified)
		}
	}},
	{"a locked user changes in turn: no update is lost", func(t *testing.T, f *fixture) {
		// Each racer reads the user's name under LockUser and writes it
		// back one longer: a lock that let two read the same name would
		// lose an update (a host's address change, read and then
		// rewritten, is the same pattern).
		u := f.user("ann")
		n := racers / 5
		won := race(t, n, nil, func(int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error {
				got, err := tx.LockUser(f.ctx, u.ID)
				if err != nil {
					return err
				}
				got.Name += "+"
				return tx.UpdateUser(f.ctx, got)
			})
		})
		require.Equal(t, n, won)
		got, err := f.s.User(f.ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u.Name+strings.Repeat("+", n), got.Name)
	}},
	{"one domain is claimed by one organization through UpdateOrganization", func(t *testing.T, f *fixture) {
		orgs := make([]tenancy.Organization, racers/5)
		for i := range orgs {
			orgs[i] = f.org("Org", "")
			orgs[i].Domain = "acme.com"
		}
		won := race(t, len(orgs), tenancy.ErrDomainTaken, func(i int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error { return tx.UpdateOrganization(f.ctx, orgs[i]) })
		})
		require.Equal(t, 1, won)
		got, err := f.s.OrganizationByDomain(f.ctx, "acme.com")
		require.NoError(t, err)
		require.Contains(t, orgs, got)
	}},
	{"one email is taken by one user through UpdateUser", func(t *testing.T, f *fixture) {
		users := make([]tenancy.User, racers/5)
		for i := range users {
			users[i] = f.user("u" + uuid.NewString()[:8])
			users[i].Email = "taken@example.com"
			users[i].ExternalID = "auth0|taken"
		}
		won := race(t, len(users), tenancy.ErrAlreadyExists, func(i int) error {
			return f.s.Update(f.ctx, func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, users[i]) })
		})
		require.Equal(t, 1, won)
		got, err := f.s.UserByEmail(f.ctx, "taken@example.com")
		require.NoError(t, err)
		require.Contains(t, users, got)
		byExt, err := f.s.UserByExternalID(f.ctx, "auth0|taken")
		require.NoError(t, err)
		require.Equal(t, got, byExt)
	}},
	{"readers run alongside writers and never see stale roles", func(t *testing.T, f *fixture) {
		ann, bob, cid := f.user("ann"), f.user("bob"), f.user("cid")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		f.member(w, ann, tenancy.RoleAdmin)
		f.member(w, bob, tenancy.RoleMember)
		const rounds = 20
		ctx := f.ctx
		stop := make(chan struct{})
		var readers, writers sync.WaitGroup

		for range 4 {
			readers.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					got, err := f.s.AccessFacts(ctx, bob.ID, tenancy.InWorkspace(w.ID))
					if !assert.NoError(t, err) ||
						!assert.Contains(t, []tenancy.Role{tenancy.RoleMember, tenancy.RoleAdmin}, got.WorkspaceRole) ||
						!assert.True(t, got.OrgMember) {
						return
					}
					got, err = f.s.AccessFacts(ctx, cid.ID, tenancy.InOrganization(acme.ID))
					if !assert.NoError(t, err) || !assert.False(t, got.OrgAdmin) {
						return
					}
					members, err := f.s.ListMembers(ctx, w.ID, tenancy.PageQuery{Limit: 10})
					if !assert.NoError(t, err) || !assert.Contains(t, []int{2, 3}, len(members)) {
						return
					}
					seats, err := f.s.CountSeats(ctx, acme.ID)
					if !assert.NoError(t, err) || !assert.Contains(t, []int{2, 3}, seats) {
						return
					}
				}
			})
		}
		// One writer flips bob's role, the other moves cid in and out.
		writers.Go(func() {
			for i := range rounds {
				role := []tenancy.Role{tenancy.RoleAdmin, tenancy.RoleMember}[i%2]
				err := f.s.Update(ctx, func(tx tenancy.Tx) error { return tx.SetMemberRole(ctx, w.ID, bob.ID, role) })
				if !assert.NoError(t, err) {
					return
				}
				got, err := f.s.AccessFacts(ctx, bob.ID, tenancy.InWorkspace(w.ID))
				if !assert.NoError(t, err) || !assert.Equal(t, role, got.WorkspaceRole, "stale role") {
					return
				}
			}
		})
		writers.Go(func() {
			for i := range rounds {
				in := i%2 == 0
				err := f.s.Update(ctx, func(tx tenancy.Tx) error {
					if in {
						return tx.AddMember(ctx, tenancy.Member{WorkspaceID: w.ID, UserID: cid.ID, Role: tenancy.RoleMember, CreatedAt: epoch})
					}
					return tx.RemoveMember(ctx, w.ID, cid.ID)
				})
				if !assert.NoError(t, err) {
					return
				}
				got, err := f.s.AccessFacts(ctx, cid.ID, tenancy.InWorkspace(w.ID))
				if !assert.NoError(t, err) || !assert.Equal(t, in, got.OrgMember, "stale membership") {
					return
				}
			}
		})
		writers.Wait()
		close(stop)
		readers.Wait()
	}},
}

// raceFirstSignUps races what a first sign-up does, in racers
// transactions: create its user, look the domain up, then claim it,
// become its admin and record it, these three writes through the
// DeferredWriter that through returns. One organization must result, with
// one admin, one event and the winner's user; the losers leave nothing.
func raceFirstSignUps(t *testing.T, f *fixture, through func(tenancy.Tx) tenancy.DeferredWriter) {
	users := make([]tenancy.User, racers)
	orgs := make([]tenancy.Organization, racers)
	for i := range users {
		users[i] = f.newUser("u" + uuid.NewString()[:8])
		orgs[i] = f.newOrg("acme.com", "acme.com")
	}
	won := race(t, racers, tenancy.ErrDomainTaken, func(i int) error {
		return f.s.Update(f.ctx, func(tx tenancy.Tx) error {
			if err := tx.CreateUser(f.ctx, users[i]); err != nil {
				return err
			}
			_, err := tx.OrganizationByDomain(f.ctx, "acme.com")
			switch {
			case err == nil:
				return tenancy.ErrDomainTaken
			case !errors.Is(err, tenancy.ErrNotFound):
				return err
			}
			w := through(tx)
			if err := w.CreateOrganization(f.ctx, orgs[i]); err != nil {
				return err
			}
			if err := w.AddOrgAdmin(f.ctx, orgs[i].ID, users[i].ID, orgs[i].CreatedAt); err != nil {
				return err
			}
			return w.AppendAudit(f.ctx, tenancy.AuditEvent{ID: uuid.New(), OrgID: orgs[i].ID, ActorID: users[i].ID,
				Action: tenancy.EventOrganizationCreated, At: orgs[i].CreatedAt})
		})
	})
	require.Equal(t, 1, won)
	got, err := f.s.OrganizationByDomain(f.ctx, "acme.com")
	require.NoError(t, err)
	n, err := f.s.CountOrgAdmins(f.ctx, got.ID)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Len(t, listFrom(t, racers, nil, listAuditEvents(f, got.ID), auditCursor), 1)
	created := 0
	for i, u := range users {
		_, err := f.s.User(f.ctx, u.ID)
		if err == nil {
			created++
			admin, err := f.s.IsOrgAdmin(f.ctx, got.ID, u.ID)
			require.NoError(t, err)
			require.True(t, admin)
			require.Equal(t, orgs[i], got)
			continue
		}
		require.ErrorIs(t, err, tenancy.ErrNotFound, "the losers' users are rolled back")
	}
	require.Equal(t, 1, created)
}

package sqlstore

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// Many app servers, one database: each test opens two Stores, each with a
// pool of its own, on one database, as two processes would, and races
// them. On PostgreSQL this is how hosts scale out; the same tests run on
// one SQLite file shared by two pools.

// storePairs open two Stores on one new database.
var storePairs = []struct {
	name string
	open func(t *testing.T) [2]*Store
}{
	{"SQLite", func(t *testing.T) [2]*Store {
		url := "sqlite://" + sqlitePath(t)
		return [2]*Store{openURL(t, url), openURL(t, url)}
	}},
	{"Postgres", func(t *testing.T) [2]*Store {
		url := postgresSchemaURL(t)
		return [2]*Store{openURL(t, url), openURL(t, url)}
	}},
}

func openURL(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// racers is how many goroutines race, spread over the two Stores.
const racers = 50

// raceOn runs fn(i, store) on racers goroutines released together, racer
// i on stores[i%2].
func raceOn(stores [2]*Store, fn func(i int, s *Store)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			fn(i, stores[i%2])
		})
	}
	close(start)
	wg.Wait()
}

func TestManyStores(t *testing.T) {
	t.Parallel()
	for _, pair := range storePairs {
		t.Run(pair.name, func(t *testing.T) {
			t.Parallel()

			t.Run("racing first sign-ups from one domain create one organization", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				stores := pair.open(t)
				users := make([]tenancy.User, racers)
				raceOn(stores, func(i int, s *Store) {
					u := tenancy.User{ID: uuid.New(), Email: fmt.Sprintf("user%d@acme.com", i), EmailVerified: true, CreatedAt: testTime}
					users[i] = u
					// What a sign-up does: the user is created whatever
					// happens to the domain; a lost race leaves it without
					// an organization, in the same transaction.
					assert.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
						if err := tx.CreateUser(ctx, u); err != nil {
							return err
						}
						if _, err := tx.OrganizationByDomain(ctx, "acme.com"); !errors.Is(err, tenancy.ErrNotFound) {
							return err
						}
						o := tenancy.Organization{ID: uuid.New(), Name: "acme.com", Domain: "acme.com", CreatedAt: testTime}
						err := tx.CreateOrganization(ctx, o)
						if errors.Is(err, tenancy.ErrDomainTaken) {
							return nil // the transaction is still usable
						}
						if err != nil {
							return err
						}
						return tx.AddOrgAdmin(ctx, o.ID, u.ID, testTime)
					}))
				})
				var n int
				require.NoError(t, stores[0].DB().QueryRowContext(ctx,
					stores[0].d.bind(`SELECT count(*) FROM tenancy_organizations WHERE domain = ?`), "acme.com").Scan(&n))
				require.Equal(t, 1, n)
				org, err := stores[1].OrganizationByDomain(ctx, "acme.com")
				require.NoError(t, err)
				admins, err := stores[1].CountOrgAdmins(ctx, org.ID)
				require.NoError(t, err)
				require.Equal(t, 1, admins)
				for _, u := range users {
					_, err := stores[0].User(ctx, u.ID)
					require.NoError(t, err, "every user was created")
				}
			})

			t.Run("racing demotions never leave an organization without an admin", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				stores := pair.open(t)
				w := seed(t, stores[0])
				bob := w.bob
				for round := range 5 {
					// Two admins again; then every racer tries to remove one
					// of them, through either store, checking under the
					// organization's lock that another admin remains.
					require.NoError(t, stores[round%2].Update(ctx, func(tx tenancy.Tx) error {
						if ok, err := tx.IsOrgAdmin(ctx, w.org.ID, bob.ID); err != nil || ok {
							return err
						}
						return tx.AddOrgAdmin(ctx, w.org.ID, bob.ID, testTime)
					}))
					require.NoError(t, stores[round%2].Update(ctx, func(tx tenancy.Tx) error {
						if ok, err := tx.IsOrgAdmin(ctx, w.org.ID, w.ann.ID); err != nil || ok {
							return err
						}
						return tx.AddOrgAdmin(ctx, w.org.ID, w.ann.ID, testTime)
					}))
					targets := []uuid.UUID{w.ann.ID, bob.ID}
					var mu sync.Mutex
					removed := 0
					raceOn(stores, func(i int, s *Store) {
						err := s.Update(ctx, func(tx tenancy.Tx) error {
							if err := tx.LockOrganization(ctx, w.org.ID); err != nil {
								return err
							}
							n, err := tx.CountOrgAdmins(ctx, w.org.ID)
							if err != nil {
								return err
							}
							if n <= 1 {
								return tenancy.ErrLastAdmin
							}
							return tx.RemoveOrgAdmin(ctx, w.org.ID, targets[i%2])
						})
						if err == nil {
							mu.Lock()
							removed++
							mu.Unlock()
							return
						}
						if !errors.Is(err, tenancy.ErrLastAdmin) {
							t.Errorf("racer %d: %v", i, err)
						}
					})
					require.Equal(t, 1, removed, "round %d", round)
					for _, s := range stores {
						n, err := s.CountOrgAdmins(ctx, w.org.ID)
						require.NoError(t, err)
						require.Equal(t, 1, n, "round %d", round)
					}
				}
			})

			t.Run("a write through one store is seen at once through the other", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				stores := pair.open(t)
				a, b := stores[0], stores[1]
				w := seed(t, a)
				for range 3 {
					require.NoError(t, a.Update(ctx, func(tx tenancy.Tx) error { return tx.AddOrgAdmin(ctx, w.org.ID, w.bob.ID, testTime) }))
					f, err := b.AccessFacts(ctx, w.bob.ID, tenancy.InOrganization(w.org.ID))
					require.NoError(t, err)
					require.True(t, f.OrgAdmin, "granted through a, seen through b")
					require.NoError(t, a.Update(ctx, func(tx tenancy.Tx) error { return tx.RemoveOrgAdmin(ctx, w.org.ID, w.bob.ID) }))
					f, err = b.AccessFacts(ctx, w.bob.ID, tenancy.InOrganization(w.org.ID))
					require.NoError(t, err)
					require.False(t, f.OrgAdmin, "revoked through a, denied through b")

					require.NoError(t, b.Update(ctx, func(tx tenancy.Tx) error {
						return tx.SetMemberRole(ctx, w.ws.ID, w.bob.ID, tenancy.RoleAdmin)
					}))
					f, err = a.AccessFacts(ctx, w.bob.ID, tenancy.InWorkspace(w.ws.ID))
					require.NoError(t, err)
					require.Equal(t, tenancy.RoleAdmin, f.WorkspaceRole)
					require.NoError(t, b.Update(ctx, func(tx tenancy.Tx) error { return tx.RemoveMember(ctx, w.ws.ID, w.bob.ID) }))
					f, err = a.AccessFacts(ctx, w.bob.ID, tenancy.InWorkspace(w.ws.ID))
					require.NoError(t, err)
					require.False(t, f.HasRole(), "removed through b, no role through a")
					require.NoError(t, b.Update(ctx, func(tx tenancy.Tx) error {
						return tx.AddMember(ctx, tenancy.Member{WorkspaceID: w.ws.ID, UserID: w.bob.ID, Role: tenancy.RoleMember, CreatedAt: testTime})
					}))

					o, err := b.Organization(ctx, w.org.ID)
					require.NoError(t, err)
					o.Policy.RequireMFA = !o.Policy.RequireMFA
					require.NoError(t, b.Update(ctx, func(tx tenancy.Tx) error { return tx.UpdateOrganization(ctx, o) }))
					f, err = a.AccessFacts(ctx, w.ann.ID, tenancy.InWorkspace(w.ws.ID))
					require.NoError(t, err)
					require.Equal(t, o.Policy.RequireMFA, f.Policy.RequireMFA, "a policy change is seen at once")
				}
			})
		})
	}
}

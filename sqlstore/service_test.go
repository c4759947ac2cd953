package sqlstore

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// TestManyServices runs the Service, as hosts scale it out: two app
// servers, each a tenancy.Service over a Store with a pool of its own, on
// one database (PostgreSQL; and one SQLite file shared by two pools).
func TestManyServices(t *testing.T) {
	t.Parallel()
	for _, pair := range storePairs {
		t.Run(pair.name, func(t *testing.T) {
			t.Parallel()
			open := func(t *testing.T) [2]*tenancy.Service {
				stores := pair.open(t)
				return [2]*tenancy.Service{tenancy.New(stores[0]), tenancy.New(stores[1])}
			}

			t.Run("racing first sign-ups from one domain create one organization", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				svcs := open(t)
				var created atomic.Int32
				var wg sync.WaitGroup
				start := make(chan struct{})
				results := make([]tenancy.SignUpResult, racers)
				for i := range racers {
					wg.Go(func() {
						<-start
						res, err := svcs[i%2].SignUp(ctx, tenancy.SignUpRequest{
							Email: fmt.Sprintf("user%d@acme.com", i), Name: "User", EmailVerified: true})
						if assert.NoError(t, err) && res.CreatedOrganization {
							created.Add(1)
						}
						results[i] = res
					})
				}
				close(start)
				wg.Wait()
				require.EqualValues(t, 1, created.Load())
				var org tenancy.Organization
				for _, res := range results {
					if res.CreatedOrganization {
						org = *res.Organization
					}
				}
				for i, res := range results {
					u, err := svcs[(i+1)%2].User(ctx, res.User.ID)
					require.NoError(t, err, "every user exists, seen from the other server")
					admins, err := svcs[(i+1)%2].AdminOrganizations(ctx, u.ID)
					require.NoError(t, err)
					if res.CreatedOrganization {
						require.Equal(t, []tenancy.Organization{org}, admins)
					} else {
						require.Empty(t, admins)
					}
				}
			})

			t.Run("racing demotions of two admins never leave none", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				svcs := open(t)
				ann, err := svcs[0].SignUp(ctx, tenancy.SignUpRequest{Email: "ann@globex.com", Name: "Ann", EmailVerified: true})
				require.NoError(t, err)
				require.True(t, ann.CreatedOrganization)
				bob, err := svcs[1].SignUp(ctx, tenancy.SignUpRequest{Email: "bob@globex.com", Name: "Bob", EmailVerified: true})
				require.NoError(t, err)
				orgID := ann.Organization.ID
				actors := []tenancy.Actor{{UserID: ann.User.ID}, {UserID: bob.User.ID}}
				for round := range 4 {
					// Both are admins; each then revokes the other, many
					// times over, through both servers at once.
					for i, a := range actors {
						other := actors[1-i]
						err := svcs[round%2].GrantOrgAdmin(ctx, a, orgID, other.UserID)
						if err != nil && !errors.Is(err, tenancy.ErrAlreadyExists) {
							require.NoError(t, err)
						}
					}
					var won atomic.Int32
					var wg sync.WaitGroup
					start := make(chan struct{})
					for i := range racers {
						wg.Go(func() {
							<-start
							a, target := actors[i%2], actors[1-i%2]
							err := svcs[(i/2)%2].RevokeOrgAdmin(ctx, a, orgID, target.UserID)
							switch {
							case err == nil:
								won.Add(1)
							case errors.Is(err, tenancy.ErrLastAdmin), // the other was revoked first
								errors.Is(err, tenancy.ErrNotFound), // the actor itself was revoked: it has no role left
								errors.Is(err, tenancy.ErrForbidden):
							default:
								t.Errorf("racer %d: %v", i, err)
							}
						})
					}
					close(start)
					wg.Wait()
					require.EqualValues(t, 1, won.Load(), "round %d", round)
					for _, svc := range svcs {
						admins := 0
						for _, a := range actors {
							orgs, err := svc.AdminOrganizations(ctx, a.UserID)
							require.NoError(t, err)
							admins += len(orgs)
						}
						require.Equal(t, 1, admins, "round %d: exactly one admin left, seen by both servers", round)
					}
					// The survivor grants the other again in the next round.
					if orgs, _ := svcs[0].AdminOrganizations(ctx, actors[0].UserID); len(orgs) == 0 {
						actors[0], actors[1] = actors[1], actors[0]
					}
				}
			})

			t.Run("a role revoked through one server is denied on the next check through the other", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				svcs := open(t)
				ann, err := svcs[0].SignUp(ctx, tenancy.SignUpRequest{Email: "ann@initech.com", Name: "Ann", EmailVerified: true})
				require.NoError(t, err)
				bob, err := svcs[0].SignUp(ctx, tenancy.SignUpRequest{Email: "bob@initech.com", Name: "Bob", EmailVerified: true})
				require.NoError(t, err)
				annA, bobA := tenancy.Actor{UserID: ann.User.ID}, tenancy.Actor{UserID: bob.User.ID}
				org := tenancy.InOrganization(ann.Organization.ID)
				ws, err := svcs[0].CreateWorkspace(ctx, annA, ann.Organization.ID, "Sales")
				require.NoError(t, err)
				for range 3 {
					require.NoError(t, svcs[0].GrantOrgAdmin(ctx, annA, ann.Organization.ID, bob.User.ID))
					require.NoError(t, svcs[1].Authorize(ctx, bobA, tenancy.ActionManageBilling, org))
					require.NoError(t, svcs[0].RevokeOrgAdmin(ctx, annA, ann.Organization.ID, bob.User.ID))
					d, err := svcs[1].Check(ctx, bobA, tenancy.ActionManageBilling, org)
					require.NoError(t, err)
					require.False(t, d.Allowed, "revoked through one server, denied through the other")

					_, err = svcs[1].AddMember(ctx, annA, ws.ID, bob.User.ID, tenancy.RoleAdmin)
					require.NoError(t, err)
					require.NoError(t, svcs[0].Authorize(ctx, bobA, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID)))
					_, err = svcs[1].SetMemberRole(ctx, annA, ws.ID, bob.User.ID, tenancy.RoleMember)
					require.NoError(t, err)
					err = svcs[0].Authorize(ctx, bobA, tenancy.ActionCreateSource, tenancy.InWorkspace(ws.ID))
					require.ErrorIs(t, err, tenancy.ErrForbidden, "demoted through one server, denied through the other")
					require.NoError(t, svcs[1].RemoveMember(ctx, annA, ws.ID, bob.User.ID))
					err = svcs[0].Authorize(ctx, bobA, tenancy.ActionViewWorkspace, tenancy.InWorkspace(ws.ID))
					require.ErrorIs(t, err, tenancy.ErrNotFound, "removed through one server, no role through the other")
				}
			})
		})
	}
}

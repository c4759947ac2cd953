package sqlstore

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/tenancykit/tenancy"
)

// TestReadersAndWritersShareThePool runs more readers and writers than a
// SQLite pool has connections, for a moment. On an in-memory database the
// readers wait for the writer's table locks while holding connections: a
// transaction that took a second connection from the pool would deadlock.
func TestReadersAndWritersShareThePool(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			ctx := t.Context()
			w := seed(t, s)
			stop := time.Now().Add(1500 * time.Millisecond)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for time.Now().Before(stop) {
						_, err := s.AccessFacts(ctx, w.bob.ID, tenancy.InWorkspace(w.ws.ID))
						assert.NoError(t, err)
						_, err = s.ListOrgUsers(ctx, w.org.ID, tenancy.PageQuery{Limit: 10})
						assert.NoError(t, err)
						_, err = s.CountSeats(ctx, w.org.ID)
						assert.NoError(t, err)
					}
				})
			}
			for range 3 {
				wg.Go(func() {
					for i := 0; time.Now().Before(stop); i++ {
						u := tenancy.User{ID: uuid.New(), Email: uuid.NewString() + "@example.com", CreatedAt: testTime}
						assert.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
							if err := tx.CreateUser(ctx, u); err != nil {
								return err
							}
							m := tenancy.Member{WorkspaceID: w.ws.ID, UserID: u.ID, Role: tenancy.RoleMember, CreatedAt: testTime}
							if err := tx.AddMember(ctx, m); err != nil {
								return err
							}
							if err := tx.AddOrgAdmin(ctx, w.org.ID, u.ID, testTime); err != nil {
								return err
							}
							return tx.SetMemberRole(ctx, w.ws.ID, w.bob.ID, []tenancy.Role{tenancy.RoleAdmin, tenancy.RoleMember}[i%2])
						}))
					}
				})
			}
			wg.Wait()
		})
	}
}

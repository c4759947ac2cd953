package sqlstore

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// BenchmarkService measures the two calls a host makes most, Check and a
// first SignUp, through the Service on every store, memstore included so
// that the ratios come from one run:
//
//	scripts/postgres-test.sh --exec go test ./sqlstore -run '^$' -bench Service -benchmem
func BenchmarkService(b *testing.B) {
	stores := []struct {
		name string
		open func(testing.TB) tenancy.Store
	}{{"memstore", func(testing.TB) tenancy.Store { return memstore.New() }}}
	for _, be := range backends {
		stores = append(stores, struct {
			name string
			open func(testing.TB) tenancy.Store
		}{be.name, func(t testing.TB) tenancy.Store { return be.open(t) }})
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			svc := tenancy.New(st.open(b))
			ctx := b.Context()
			ann, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
			if err != nil {
				b.Fatal(err)
			}
			admin := tenancy.Actor{UserID: ann.User.ID, AuthenticatedAt: time.Now()}
			ws, err := svc.CreateWorkspace(ctx, admin, ann.Organization.ID, "Marketing")
			if err != nil {
				b.Fatal(err)
			}
			bob, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@gmail.com", EmailVerified: true})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.AddMember(ctx, admin, ws.ID, bob.User.ID, tenancy.RoleMember); err != nil {
				b.Fatal(err)
			}
			member := tenancy.Actor{UserID: bob.User.ID, AuthenticatedAt: time.Now()}
			b.Run("Check", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					d, err := svc.Check(ctx, member, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID))
					if err != nil || !d.Allowed {
						b.Fatal(d, err)
					}
				}
			})
			var n atomic.Int64
			prefix := uuid.NewString()[:8]
			b.Run("SignUp", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					email := fmt.Sprintf("founder@org%s-%d.com", prefix, n.Add(1))
					res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
					if err != nil || !res.CreatedOrganization {
						b.Fatal(res, err)
					}
				}
			})
		})
	}
}

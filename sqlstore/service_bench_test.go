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

// BenchmarkService measures the calls a host makes most, Check, a first
// SignUp and AddMember, through the Service on every store, memstore
// included so that the ratios come from one run. "Postgres" is a Store
// from Open, whose transactions are pipelined; "PostgresHostPool" one
// from New over a host's pgx pool, which sends one statement per round
// trip (sqlstore/postgres's BenchmarkRoundTrips counts them):
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
	stores = append(stores, struct {
		name string
		open func(testing.TB) tenancy.Store
	}{"PostgresHostPool", func(t testing.TB) tenancy.Store { return openPostgresHostPool(t) }})
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
			b.Run("AddMember", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					email := fmt.Sprintf("member-%s-%d@gmail.com", prefix, n.Add(1))
					res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := svc.AddMember(ctx, admin, ws.ID, res.User.ID, tenancy.RoleMember); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

package sqlstore

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// Run with:
//
//	go test ./sqlstore -run '^$' -bench . -benchmem
//
// and with TENANCY_TEST_POSTGRES_URL set (scripts/postgres-test.sh --exec …)
// for the PostgreSQL figures.

// BenchmarkAccessFacts measures the read behind every authorization check:
// a workspace member's facts, policy included.
func BenchmarkAccessFacts(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			w := seed(b, s)
			ctx := b.Context()
			o, err := s.Organization(ctx, w.org.ID)
			if err != nil {
				b.Fatal(err)
			}
			o.Policy = tenancy.SecurityPolicy{RequireMFA: true, AllowedEmailDomains: []string{"acme.com"}}
			if err := s.Update(ctx, func(tx tenancy.Tx) error { return tx.UpdateOrganization(ctx, o) }); err != nil {
				b.Fatal(err)
			}
			scope := tenancy.InWorkspace(w.ws.ID)
			// The least a query costs on the same pool, beside which the
			// facts' query is read.
			b.Run("select1", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var one int
					if err := s.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.AccessFacts(ctx, w.bob.ID, scope); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.AccessFacts(ctx, w.bob.ID, scope); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			// After ANALYZE (or PRAGMA optimize), with the arguments
			// changing from call to call as a live server's do: SQLite's
			// sqlite_stat4 would re-plan a statement on every new value of
			// a bare parameter (see dialect.bind).
			if _, err := s.DB().ExecContext(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			users := []uuid.UUID{w.bob.ID, w.ann.ID, uuid.New()}
			b.Run("analyzed", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					if _, err := s.AccessFacts(ctx, users[i%len(users)], scope); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSignUp measures the transaction of a first sign-up: create the
// user and its organization, make it admin, record two audit events.
func BenchmarkSignUp(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := b.Context()
			var n atomic.Int64
			b.ReportAllocs()
			for b.Loop() {
				i := n.Add(1)
				u := tenancy.User{ID: uuid.New(), Email: fmt.Sprintf("u%d@corp%d.com", i, i), Name: "U", EmailVerified: true, CreatedAt: testTime}
				o := tenancy.Organization{ID: uuid.New(), Name: fmt.Sprintf("corp%d.com", i), Domain: fmt.Sprintf("corp%d.com", i), CreatedAt: testTime}
				err := s.Update(ctx, func(tx tenancy.Tx) error {
					if err := tx.CreateUser(ctx, u); err != nil {
						return err
					}
					if _, err := tx.OrganizationByDomain(ctx, o.Domain); err == nil {
						return tenancy.ErrDomainTaken
					}
					if err := tx.CreateOrganization(ctx, o); err != nil {
						return err
					}
					if err := tx.AddOrgAdmin(ctx, o.ID, u.ID, testTime); err != nil {
						return err
					}
					for _, action := range []string{tenancy.EventUserSignedUp, tenancy.EventOrganizationCreated} {
						e := tenancy.AuditEvent{ID: uuid.New(), OrgID: o.ID, ActorID: u.ID, TargetID: u.ID, Action: action, At: testTime,
							Details: map[string]string{"email": u.Email}}
						if err := tx.AppendAudit(ctx, e); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package memstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// populate stores an organization with one workspace of members users and
// an audit log of events events.
func populate(b *testing.B, members, events int) (*memstore.Store, uuid.UUID, uuid.UUID) {
	b.Helper()
	ctx := context.Background()
	s := memstore.New()
	org := tenancy.Organization{ID: uuid.New(), Name: "Acme", Domain: "acme.com"}
	ws := tenancy.Workspace{ID: uuid.New(), OrgID: org.ID, Name: "Hot"}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Update(ctx, func(tx tenancy.Tx) error {
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		for i := range members {
			u := tenancy.User{ID: uuid.New(), Email: fmt.Sprintf("user%06d@acme.com", i)}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := tx.AddMember(ctx, tenancy.Member{WorkspaceID: ws.ID, UserID: u.ID, Role: tenancy.RoleMember}); err != nil {
				return err
			}
		}
		for i := range events {
			id, _ := uuid.NewV7()
			if err := tx.AppendAudit(ctx, tenancy.AuditEvent{ID: id, OrgID: org.ID, Action: "x",
				At: at.Add(time.Duration(i) * time.Millisecond)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, org.ID, ws.ID
}

// BenchmarkListPage reads a middle page of 50 from lists of growing size:
// with ordered indexes the cost stays flat.
func BenchmarkListPage(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1000, 5000, 50000} {
		s, orgID, wsID := populate(b, n, n*2)
		members, _ := s.ListMembers(ctx, wsID, tenancy.PageQuery{Limit: n / 2})
		last := members[len(members)-1]
		events, _ := s.ListAuditEvents(ctx, orgID, tenancy.PageQuery{Limit: n})
		lastEvent := events[len(events)-1]
		b.Run(fmt.Sprintf("Members/%d", n), func(b *testing.B) {
			q := tenancy.PageQuery{Limit: 51, After: &tenancy.Cursor{Key: last.Email, ID: last.UserID}}
			for b.Loop() {
				if _, err := s.ListMembers(ctx, wsID, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("OrgUsers/%d", n), func(b *testing.B) {
			q := tenancy.PageQuery{Limit: 51, After: &tenancy.Cursor{Key: last.Email, ID: last.UserID}}
			for b.Loop() {
				if _, err := s.ListOrgUsers(ctx, orgID, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("AuditLog/%d", n*2), func(b *testing.B) {
			q := tenancy.PageQuery{Limit: 51, After: &tenancy.Cursor{At: lastEvent.At, ID: lastEvent.ID}}
			for b.Loop() {
				if _, err := s.ListAuditEvents(ctx, orgID, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemberWrite adds a member to the hot workspace and removes it,
// in one transaction each, at growing sizes: what a write pays to keep
// the access index that AccessFacts reads without a lock.
func BenchmarkMemberWrite(b *testing.B) {
	ctx := context.Background()
	for _, members := range []int{1_000, 50_000} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			s, _, ws := populate(b, members, 0)
			u := tenancy.User{ID: uuid.New(), Email: "new@acme.com"}
			if err := s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				err := s.Update(ctx, func(tx tenancy.Tx) error {
					return tx.AddMember(ctx, tenancy.Member{WorkspaceID: ws, UserID: u.ID, Role: tenancy.RoleMember})
				})
				if err == nil {
					err = s.Update(ctx, func(tx tenancy.Tx) error { return tx.RemoveMember(ctx, ws, u.ID) })
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

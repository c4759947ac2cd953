package sqlstore

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// testTime is a fixture time with a microsecond part, as the Service hands
// times to a Store.
var testTime = time.Date(2024, time.May, 6, 7, 8, 9, 123456000, time.UTC)

// world is a small organization: ann is its admin and the admin of
// Sales, bob a member of Sales, and dee@example.com is invited.
type world struct {
	ann, bob tenancy.User
	org      tenancy.Organization
	ws       tenancy.Workspace
	inv      tenancy.InvitationRecord
	event    tenancy.AuditEvent
}

// newWorld returns a new world, not stored.
func newWorld() world {
	w := world{
		ann: tenancy.User{ID: uuid.New(), Email: "ann-" + uuid.NewString()[:8] + "@example.com", Name: "Ann", EmailVerified: true, CreatedAt: testTime},
		bob: tenancy.User{ID: uuid.New(), Email: "bob-" + uuid.NewString()[:8] + "@example.com", Name: "Bob", CreatedAt: testTime},
	}
	w.org = tenancy.Organization{ID: uuid.New(), Name: "Acme", Domain: "acme-" + uuid.NewString()[:8] + ".com",
		Billing: tenancy.Billing{Email: "billing@acme.com", CustomerRef: "cus_1"}, CreatedAt: testTime}
	w.ws = tenancy.Workspace{ID: uuid.New(), OrgID: w.org.ID, Name: "Sales", CreatedBy: w.ann.ID, CreatedAt: testTime}
	hash := sha256.Sum256([]byte(uuid.NewString()))
	w.inv = tenancy.InvitationRecord{
		Invitation: tenancy.Invitation{ID: uuid.New(), WorkspaceID: w.ws.ID, OrgID: w.org.ID, Email: "dee@example.com",
			Role: tenancy.RoleMember, InvitedBy: w.ann.ID, CreatedAt: testTime, ExpiresAt: testTime.Add(7 * 24 * time.Hour)},
		TokenHash: hash[:],
	}
	w.event = tenancy.AuditEvent{ID: uuid.New(), OrgID: w.org.ID, WorkspaceID: w.ws.ID, ActorID: w.ann.ID, TargetID: w.bob.ID,
		Action: tenancy.EventMemberAdded, At: testTime, Details: map[string]string{"email": w.bob.Email}}
	return w
}

// seed stores a new world in s, in one transaction.
func seed(t testing.TB, s tenancy.Store) world {
	t.Helper()
	ctx := t.Context()
	w := newWorld()
	require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.CreateUser(ctx, w.ann) },
			func() error { return tx.CreateUser(ctx, w.bob) },
			func() error { return tx.CreateOrganization(ctx, w.org) },
			func() error { return tx.AddOrgAdmin(ctx, w.org.ID, w.ann.ID, testTime) },
			func() error { return tx.CreateWorkspace(ctx, w.ws) },
			func() error {
				return tx.AddMember(ctx, tenancy.Member{WorkspaceID: w.ws.ID, UserID: w.ann.ID, Role: tenancy.RoleAdmin, CreatedAt: testTime})
			},
			func() error {
				return tx.AddMember(ctx, tenancy.Member{WorkspaceID: w.ws.ID, UserID: w.bob.ID, Role: tenancy.RoleMember, CreatedAt: testTime})
			},
			func() error { return tx.CreateInvitation(ctx, w.inv) },
			func() error { return tx.AppendAudit(ctx, w.event) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}))
	return w
}

// check reads the world back through s and compares it with what seed
// wrote.
func (w world) check(t testing.TB, s tenancy.Reader) {
	t.Helper()
	ctx := t.Context()
	u, err := s.User(ctx, w.bob.ID)
	require.NoError(t, err)
	require.Equal(t, w.bob, u)
	o, err := s.OrganizationByDomain(ctx, w.org.Domain)
	require.NoError(t, err)
	require.Equal(t, w.org, o)
	ms, err := s.ListMembers(ctx, w.ws.ID, tenancy.PageQuery{Limit: 10})
	require.NoError(t, err)
	require.Len(t, ms, 2)
	inv, err := s.InvitationByTokenHash(ctx, w.inv.TokenHash)
	require.NoError(t, err)
	require.Equal(t, w.inv, inv)
	events, err := s.ListAuditEvents(ctx, w.org.ID, tenancy.PageQuery{Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []tenancy.AuditEvent{w.event}, events)
	f, err := s.AccessFacts(ctx, w.bob.ID, tenancy.InWorkspace(w.ws.ID))
	require.NoError(t, err)
	require.Equal(t, tenancy.Facts{OrgID: w.org.ID, WorkspaceID: w.ws.ID, WorkspaceRole: tenancy.RoleMember, OrgMember: true, Policy: &tenancy.SecurityPolicy{}}, f)
}

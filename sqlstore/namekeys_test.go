package sqlstore

import (
	"bytes"
	"cmp"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// schema2 writes rows as the code of schema version 2 did, before
// migration 0003: no external IDs, no collision marks, and workspace name
// keys folded with strings.ToLower.
type schema2 struct {
	t  testing.TB
	db *sql.DB
	d  *dialect
}

func (o schema2) exec(query string, args ...any) {
	o.t.Helper()
	_, err := o.db.ExecContext(o.t.Context(), o.d.bind(query), args...)
	require.NoError(o.t, err, query)
}

func (o schema2) user(u tenancy.User) {
	o.t.Helper()
	o.exec(`INSERT INTO tenancy_users (id, email, name, email_verified, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.EmailVerified, o.d.ts(u.CreatedAt))
}

func (o schema2) org(org tenancy.Organization) {
	o.t.Helper()
	policy, err := encodePolicy(org.Policy)
	require.NoError(o.t, err)
	o.exec(`INSERT INTO tenancy_organizations (id, name, domain, billing_email, billing_customer_ref, policy, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`, org.ID, org.Name, org.Domain, org.Billing.Email, org.Billing.CustomerRef, policy, o.d.ts(org.CreatedAt))
}

func (o schema2) workspace(w tenancy.Workspace) {
	o.t.Helper()
	o.exec(`INSERT INTO tenancy_workspaces (id, org_id, name, name_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		w.ID, w.OrgID, w.Name, strings.ToLower(w.Name), w.CreatedBy, o.d.ts(w.CreatedAt))
}

func (o schema2) member(m tenancy.Member, orgID uuid.UUID) {
	o.t.Helper()
	o.exec(`INSERT INTO tenancy_members (workspace_id, user_id, org_id, email, role, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		m.WorkspaceID, m.UserID, orgID, m.Email, string(m.Role), o.d.ts(m.CreatedAt))
}

// seedSchema2 writes a new world into a database at schema version 2.
func seedSchema2(t testing.TB, db *sql.DB, d *dialect) world {
	t.Helper()
	o := schema2{t: t, db: db, d: d}
	w := newWorld()
	o.user(w.ann)
	o.user(w.bob)
	o.org(w.org)
	o.exec(`INSERT INTO tenancy_org_admins (org_id, user_id, email, created_at) VALUES (?, ?, ?, ?)`,
		w.org.ID, w.ann.ID, w.ann.Email, d.ts(testTime))
	o.workspace(w.ws)
	o.member(tenancy.Member{WorkspaceID: w.ws.ID, UserID: w.ann.ID, Email: w.ann.Email, Role: tenancy.RoleAdmin, CreatedAt: testTime}, w.org.ID)
	o.member(tenancy.Member{WorkspaceID: w.ws.ID, UserID: w.bob.ID, Email: w.bob.Email, Role: tenancy.RoleMember, CreatedAt: testTime}, w.org.ID)
	i := w.inv.Invitation
	o.exec(`INSERT INTO tenancy_invitations (id, workspace_id, org_id, email, role, invited_by, created_at, expires_at, token_hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, i.ID, i.WorkspaceID, i.OrgID, i.Email, string(i.Role), i.InvitedBy,
		d.ts(i.CreatedAt), d.ts(i.ExpiresAt), w.inv.TokenHash)
	details, err := encodeDetails(w.event.Details)
	require.NoError(t, err)
	e := w.event
	o.exec(`INSERT INTO tenancy_audit_events (id, org_id, workspace_id, actor_id, target_id, action, at, details)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.OrgID, e.WorkspaceID, e.ActorID, e.TargetID, e.Action, d.ts(e.At), details)
	return w
}

func TestNameKeyMigration(t *testing.T) {
	t.Parallel()
	for _, b := range migrationBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			d := b.dialect.d
			db := b.open(t)()
			require.NoError(t, migrateTo(ctx, db, d, 2))
			o := schema2{t: t, db: db, d: d}
			ann := tenancy.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", EmailVerified: true, CreatedAt: testTime}
			o.user(ann)
			acme := tenancy.Organization{ID: uuid.New(), Name: "Acme", Domain: "acme.com", CreatedAt: testTime}
			globex := tenancy.Organization{ID: uuid.New(), Name: "Globex", Domain: "globex.com", CreatedAt: testTime}
			o.org(acme)
			o.org(globex)

			// Names distinct under strings.ToLower that share a NameKey,
			// created in this order (a minute apart) unless tied.
			at := testTime
			ws := func(org tenancy.Organization, name string, tie bool) tenancy.Workspace {
				if !tie {
					at = at.Add(time.Minute)
				}
				w := tenancy.Workspace{ID: uuid.New(), OrgID: org.ID, Name: name, CreatedBy: ann.ID, CreatedAt: at}
				o.workspace(w)
				return w
			}
			fullSales := ws(acme, "ＳＡＬＥＳ", false) // the oldest: its key changes, and it holds it
			sales := ws(acme, "Sales", false)     // its key is unchanged, but taken
			zwSales := ws(acme, "Sales\u200b", false)
			ops := ws(acme, "Ops", false)
			spaced := ws(acme, "  Team  Blue ", false)
			team := ws(acme, "team blue", false)
			data1 := ws(acme, "Data", false)
			data2 := ws(acme, "ＤＡＴＡ", true) // same instant: the smaller ID holds the key
			otherSales := ws(globex, "sales", false)
			otherOps := ws(globex, "Ｏｐｓ", false)
			o.member(tenancy.Member{WorkspaceID: zwSales.ID, UserID: ann.ID, Email: ann.Email, Role: tenancy.RoleAdmin, CreatedAt: testTime}, acme.ID)
			dataHolder, dataLater := data1, data2
			if bytes.Compare(data2.ID[:], data1.ID[:]) < 0 {
				dataHolder, dataLater = data2, data1
			}

			require.NoError(t, Migrate(ctx, db, b.dialect))

			// Every key is the current NameKey; collisions are reported.
			rows, err := db.QueryContext(ctx, `SELECT name, name_key FROM tenancy_workspaces`)
			require.NoError(t, err)
			for rows.Next() {
				var name, key string
				require.NoError(t, rows.Scan(&name, &key))
				require.Equal(t, tenancy.NameKey(name), key, name)
			}
			require.NoError(t, rows.Err())
			rows.Close()
			want := []NameCollision{
				{Workspace: sales, Key: "sales", HeldBy: fullSales.ID},
				{Workspace: zwSales, Key: "sales", HeldBy: fullSales.ID},
				{Workspace: team, Key: "team blue", HeldBy: spaced.ID},
				{Workspace: dataLater, Key: "data", HeldBy: dataHolder.ID},
			}
			slices.SortFunc(want, func(a, b NameCollision) int {
				return cmp.Or(strings.Compare(a.Key, b.Key), bytes.Compare(a.Workspace.ID[:], b.Workspace.ID[:]))
			})
			collisions := func() []NameCollision {
				t.Helper()
				got, err := NameCollisions(ctx, db, b.dialect)
				require.NoError(t, err)
				return got
			}
			require.Equal(t, want, collisions())

			// Running the step again changes nothing.
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			require.NoError(t, recomputeNameKeys(ctx, tx, d))
			require.NoError(t, tx.Commit())
			require.Equal(t, want, collisions())

			// The store works: lists sort and page by the keys the Service
			// builds its cursors from, collisions included.
			s, err := New(db, b.dialect)
			require.NoError(t, err)
			all := []tenancy.Workspace{fullSales, sales, zwSales, ops, spaced, team, data1, data2}
			slices.SortFunc(all, func(a, b tenancy.Workspace) int {
				return cmp.Or(strings.Compare(tenancy.NameKey(a.Name), tenancy.NameKey(b.Name)), bytes.Compare(a.ID[:], b.ID[:]))
			})
			for _, limit := range []int{1, 2, 3, 100} {
				require.Equal(t, all, listWorkspaces(t, s, acme.ID, limit), "pages of %d", limit)
			}
			m, err := s.Member(ctx, zwSales.ID, ann.ID)
			require.NoError(t, err)
			require.Equal(t, tenancy.RoleAdmin, m.Role)

			update := func(fn func(tx tenancy.Tx) error) error { return s.Update(ctx, fn) }
			// A held key cannot be taken again, nor by a marked workspace.
			for _, name := range []string{"sales", "Ｓａｌｅｓ", "ops", "TEAM BLUE", "data"} {
				w := tenancy.Workspace{ID: uuid.New(), OrgID: acme.ID, Name: name, CreatedBy: ann.ID, CreatedAt: testTime}
				require.ErrorIs(t, update(func(tx tenancy.Tx) error { return tx.CreateWorkspace(ctx, w) }), tenancy.ErrAlreadyExists, name)
			}
			same := sales
			same.Name = "SALES"
			require.ErrorIs(t, update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(ctx, same) }), tenancy.ErrAlreadyExists)
			// The holder may rename itself within its key.
			fullSales.Name = "SALES"
			require.NoError(t, update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(ctx, fullSales) }))
			// Renaming a marked workspace to a free name ends its collision,
			// and its new name is held like any other.
			zwSales.Name = "Sales EMEA"
			require.NoError(t, update(func(tx tenancy.Tx) error { return tx.UpdateWorkspace(ctx, zwSales) }))
			require.Equal(t, slices.DeleteFunc(slices.Clone(want), func(c NameCollision) bool { return c.Workspace.ID == zwSales.ID }),
				collisions())
			emea := tenancy.Workspace{ID: uuid.New(), OrgID: acme.ID, Name: "sales emea", CreatedBy: ann.ID, CreatedAt: testTime}
			require.ErrorIs(t, update(func(tx tenancy.Tx) error { return tx.CreateWorkspace(ctx, emea) }), tenancy.ErrAlreadyExists)
			got, err := s.Workspace(ctx, zwSales.ID)
			require.NoError(t, err)
			require.Equal(t, zwSales, got)

			// Other organizations had no collision: the same names are theirs.
			require.Equal(t, []tenancy.Workspace{otherOps, otherSales}, listWorkspaces(t, s, globex.ID, 1))
		})
	}
}

// Migration 0008 recomputes the keys of names holding a blank symbol
// (U+2800, U+1D159), which tenancy.NameKey now reads as spaces: stored
// before display names refused them, they collide with their look-alikes.
func TestNameKeyMigrationBlankSymbols(t *testing.T) {
	t.Parallel()
	for _, b := range migrationBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			d := b.dialect.d
			db := b.open(t)()
			require.NoError(t, migrateTo(ctx, db, d, 7))
			o := schema2{t: t, db: db, d: d}
			ann := tenancy.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", EmailVerified: true, CreatedAt: testTime}
			o.user(ann)
			acme := tenancy.Organization{ID: uuid.New(), Name: "Acme", Domain: "acme.com", CreatedAt: testTime}
			o.org(acme)
			ws := func(name, key string, at time.Time) tenancy.Workspace {
				w := tenancy.Workspace{ID: uuid.New(), OrgID: acme.ID, Name: name, CreatedBy: ann.ID, CreatedAt: at}
				o.exec(`INSERT INTO tenancy_workspaces (id, org_id, name, name_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
					w.ID, w.OrgID, w.Name, key, w.CreatedBy, d.ts(w.CreatedAt))
				return w
			}
			sales := ws("Sales", "sales", testTime)
			blank := ws("Sales\u2800", "sales\u2800", testTime.Add(time.Minute)) // its key before 0008
			team := ws("Sales Team", "sales team", testTime.Add(2*time.Minute))
			noteTeam := ws("Sales\U0001D159Team", "sales\U0001d159team", testTime.Add(3*time.Minute))

			require.NoError(t, Migrate(ctx, db, b.dialect))
			got, err := NameCollisions(ctx, db, b.dialect)
			require.NoError(t, err)
			require.Equal(t, []NameCollision{
				{Workspace: blank, Key: "sales", HeldBy: sales.ID},
				{Workspace: noteTeam, Key: "sales team", HeldBy: team.ID},
			}, got)
		})
	}
}

// listWorkspaces reads an organization's workspaces in pages of limit,
// with the cursors the Service builds.
func listWorkspaces(t *testing.T, s *Store, orgID uuid.UUID, limit int) []tenancy.Workspace {
	t.Helper()
	var all []tenancy.Workspace
	q := tenancy.PageQuery{Limit: limit}
	for range 100 {
		page, err := s.ListOrgWorkspaces(t.Context(), orgID, uuid.Nil, false, q)
		require.NoError(t, err)
		for _, m := range page {
			all = append(all, m.Workspace)
		}
		if len(page) < limit {
			return all
		}
		last := page[len(page)-1].Workspace
		q.After = &tenancy.Cursor{Key: tenancy.NameKey(last.Name), ID: last.ID}
	}
	t.Fatal("paging does not end")
	return nil
}

func TestNameCollisionsRejectsTheZeroDialect(t *testing.T) {
	t.Parallel()
	_, err := NameCollisions(t.Context(), nil, Dialect{})
	require.ErrorIs(t, err, tenancy.ErrInvalidInput)
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// Workspace name keys.
//
// tenancy_workspaces.name_key holds tenancy.NameKey(name): the unique index
// on (org_id, name_key) keeps names unique per organization, and lists sort
// and page by (name_key, id), the cursor the Service builds from a name.
// When NameKey changes (it became the PRECIS Nickname comparison key in
// migration 0004), the stored keys are recomputed, and names that used to
// differ may now share a key. Such a workspace keeps its true key, so
// that it still sorts and pages where the Service expects it, and is
// marked name_collision, which leaves it out of the unique index: of the
// workspaces of one organization sharing a key, the oldest (by creation
// time, then ID) holds the key, the later ones are marked. Renaming a
// marked workspace clears the mark (UpdateWorkspace); a new workspace
// cannot take the key while the oldest holds it.

// nameKeyBatch is how many organizations recomputeNameKeys reads at a
// time, so that memory stays bounded however many workspaces there are.
const nameKeyBatch = 256

// recomputeNameKeys is migrations 0004 and 0008: it sets every workspace's name_key
// to tenancy.NameKey of its name and marks the later workspaces of an
// organization whose keys collide (see above). It never fails because of
// a collision. Running it again changes nothing.
func recomputeNameKeys(ctx context.Context, tx *sql.Tx, d *dialect) error {
	var after *uuid.UUID // the last organization of the previous batch
	for {
		orgs, err := nameKeyOrgs(ctx, tx, d, after)
		if err != nil || len(orgs) == 0 {
			return err
		}
		changes, err := nameKeyChanges(ctx, tx, d, orgs[0], orgs[len(orgs)-1])
		if err != nil {
			return err
		}
		if err := applyNameKeyChanges(ctx, tx, d, changes); err != nil {
			return err
		}
		after = &orgs[len(orgs)-1]
	}
}

// nameKeyOrgs returns the next organizations having workspaces, in ID
// order, after the given one (nil: from the first).
func nameKeyOrgs(ctx context.Context, tx *sql.Tx, d *dialect, after *uuid.UUID) ([]uuid.UUID, error) {
	query := `SELECT DISTINCT org_id FROM tenancy_workspaces ORDER BY org_id LIMIT ?`
	args := []any{nameKeyBatch}
	if after != nil {
		query = `SELECT DISTINCT org_id FROM tenancy_workspaces WHERE org_id > ? ORDER BY org_id LIMIT ?`
		args = []any{*after, nameKeyBatch}
	}
	rows, err := tx.QueryContext(ctx, d.bind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var orgs []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		orgs = append(orgs, id)
	}
	return orgs, rows.Err()
}

// nameKeyChange is the new state of one workspace's key.
type nameKeyChange struct {
	id        uuid.UUID
	key       string
	collision bool
}

// nameKeyChanges reads the workspaces of the organizations from first to
// last (in ID order), oldest first in each, and returns those whose key or
// collision mark must change.
func nameKeyChanges(ctx context.Context, tx *sql.Tx, d *dialect, first, last uuid.UUID) ([]nameKeyChange, error) {
	rows, err := tx.QueryContext(ctx, d.bind(`SELECT id, org_id, name, name_key, name_collision FROM tenancy_workspaces
WHERE org_id >= ? AND org_id <= ? ORDER BY org_id, created_at, id`), first, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		changes []nameKeyChange
		org     uuid.UUID
		held    map[string]bool // the keys held in org
	)
	for rows.Next() {
		var (
			id, orgID    uuid.UUID
			name, oldKey string
			oldCollision bool
		)
		if err := rows.Scan(&id, &orgID, &name, &oldKey, &oldCollision); err != nil {
			return nil, err
		}
		if held == nil || orgID != org {
			org, held = orgID, map[string]bool{}
		}
		key := tenancy.NameKey(name)
		collision := held[key]
		held[key] = true
		if key != oldKey || collision != oldCollision {
			changes = append(changes, nameKeyChange{id: id, key: key, collision: collision})
		}
	}
	return changes, rows.Err()
}

// applyNameKeyChanges writes changes without ever breaking the unique
// index on (org_id, name_key) of unmarked workspaces, whatever the order
// of the changes: it first gives every changed workspace its new key with
// the collision mark (out of the index), then clears the mark of those
// that hold their key. Unmarked workspaces are then always a subset of the
// final ones, whose keys are unique per organization.
func applyNameKeyChanges(ctx context.Context, tx *sql.Tx, d *dialect, changes []nameKeyChange) error {
	setKey := d.bind(`UPDATE tenancy_workspaces SET name_key = ?, name_collision = ? WHERE id = ?`)
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, setKey, c.key, true, c.id); err != nil {
			return fmt.Errorf("workspace %s: %w", c.id, err)
		}
	}
	hold := d.bind(`UPDATE tenancy_workspaces SET name_collision = ? WHERE id = ?`)
	for _, c := range changes {
		if c.collision {
			continue
		}
		if _, err := tx.ExecContext(ctx, hold, false, c.id); err != nil {
			return fmt.Errorf("workspace %s: %w", c.id, err)
		}
	}
	return nil
}

// NameCollision is a workspace whose name shares its name key
// (tenancy.NameKey) with an older workspace of its organization: two names
// that were distinct when they were created but compare equal since the
// key changed. Migrate reports each one here rather than fail.
type NameCollision struct {
	// Workspace is the later workspace. It keeps working; only renaming it
	// to a name of its own ends the collision.
	Workspace tenancy.Workspace
	// Key is the name key it shares.
	Key string
	// HeldBy is the workspace of the organization that holds Key (the
	// oldest of those sharing it when the keys were recomputed), or
	// uuid.Nil if that workspace was deleted since.
	HeldBy uuid.UUID
}

// NameCollisions lists the workspaces whose names collide with an older
// workspace's of their organization since Migrate recomputed the name keys
// (migrations 0004 and 0008), ordered by (organization ID, key, workspace ID). A
// host lists them after Migrate, for example to ask the organizations'
// admins to rename them; the list shrinks as they are renamed. It returns
// an error matching tenancy.ErrInvalidInput if d is the zero Dialect.
func NameCollisions(ctx context.Context, db *sql.DB, d Dialect) ([]NameCollision, error) {
	if d.d == nil {
		return nil, fmt.Errorf("%w: sqlstore: zero Dialect: use sqlstore.SQLite or sqlstore.Postgres", tenancy.ErrInvalidInput)
	}
	r := &reader{d: d.d, q: dbQuerier{db}}
	return list(ctx, r, d.d.q.nameCollisions, nil, func(s scanner) (NameCollision, error) {
		var c NameCollision
		w, err := scanWorkspace(s, &c.Key, nullUUIDDest{&c.HeldBy})
		c.Workspace = w
		return c, err
	})
}

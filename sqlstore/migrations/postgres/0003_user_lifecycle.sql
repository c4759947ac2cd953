-- The user lifecycle (external IDs, address changes, deletion), the lists
-- of invitations by address and by inviter, and workspace names compared
-- by their PRECIS name key. Users' emails may change from now on: UpdateUser
-- rewrites the copies in tenancy_members and tenancy_org_admins with them.

-- The identity provider's subject for the user; NULL when the host gave
-- none. Unique when set (UserByExternalID).
ALTER TABLE tenancy_users ADD COLUMN external_id text;
CREATE UNIQUE INDEX tenancy_users_external_id ON tenancy_users (external_id) WHERE external_id IS NOT NULL;

-- The invitations to an address in every workspace, oldest first
-- (ListInvitationsTo).
CREATE INDEX tenancy_invitations_email ON tenancy_invitations (email, created_at, id);
-- The invitations a user issued, oldest first, in every organization
-- (ListInvitationsBy)...
CREATE INDEX tenancy_invitations_invited_by ON tenancy_invitations (invited_by, created_at, id);
-- ...and in one organization; also an organization's invitations, which
-- DeleteOrganization and the foreign key's cascade delete.
CREATE INDEX tenancy_invitations_org_inviter ON tenancy_invitations (org_id, invited_by, created_at, id);

-- Migration 0004 (a Go step) recomputes every name_key with the PRECIS
-- tenancy.NameKey. Where two workspaces of an organization then share a
-- key, the older keeps it and the later ones are marked name_collision:
-- they keep their true key (so lists sort and page by it) but are left out
-- of the uniqueness index until renamed (UpdateWorkspace clears the mark).
-- sqlstore.NameCollisions lists them.
ALTER TABLE tenancy_workspaces ADD COLUMN name_collision boolean NOT NULL DEFAULT false;
DROP INDEX tenancy_workspaces_org_name;
CREATE UNIQUE INDEX tenancy_workspaces_org_name ON tenancy_workspaces (org_id, name_key) WHERE NOT name_collision;
-- An organization's workspaces in (name_key, id) order (ListOrgWorkspaces).
CREATE INDEX tenancy_workspaces_org_name_id ON tenancy_workspaces (org_id, name_key, id);
-- The marked workspaces (NameCollisions), none in most databases.
CREATE INDEX tenancy_workspaces_name_collisions ON tenancy_workspaces (org_id, name_key, id) WHERE name_collision;

-- Lists read straight off an index, in page order, at any size.

-- The name key of each membership's workspace, kept beside the membership
-- (AddMember copies it, UpdateWorkspace rewrites it), so that a user's
-- workspaces page in (name_key, workspace) order off an index instead of
-- being joined and sorted (ListUserMemberships, ListOrgWorkspaces for
-- members).
ALTER TABLE tenancy_members ADD COLUMN name_key text COLLATE "C" NOT NULL DEFAULT '';
UPDATE tenancy_members SET name_key = (
	SELECT w.name_key FROM tenancy_workspaces w WHERE w.id = tenancy_members.workspace_id);
CREATE INDEX tenancy_members_user_name ON tenancy_members (user_id, name_key, workspace_id);
CREATE INDEX tenancy_members_user_org_name ON tenancy_members (user_id, org_id, name_key, workspace_id);
-- A workspace's invitations in (email, id) order (ListInvitations): the
-- unique (workspace_id, email) index lacks the ID the order ends with.
CREATE INDEX tenancy_invitations_workspace_email_id ON tenancy_invitations (workspace_id, email, id);
-- The events of no organization, newest first (ListAuditEvents of
-- uuid.Nil): org_id IS NULL does not fix the order of the org index's
-- later columns for PostgreSQL's planner the way an equality does.
CREATE INDEX tenancy_audit_events_no_org_at ON tenancy_audit_events (at, id) WHERE org_id IS NULL;

-- Every check reads a member's role and a workspace's organization. With
-- the table's row behind its key's index, each read was two B-tree
-- descents (the index, then the row by rowid); these indexes hold what
-- the check reads, so each is one.
CREATE INDEX tenancy_members_role ON tenancy_members (workspace_id, user_id, role);
CREATE INDEX tenancy_workspaces_org ON tenancy_workspaces (id, org_id);

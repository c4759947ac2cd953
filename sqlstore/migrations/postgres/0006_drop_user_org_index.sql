-- (user_id, org_id, workspace_id) is covered by the index that 0005 added
-- on (user_id, org_id, name_key, workspace_id): both serve the lookups of
-- a user's memberships in one organization. With both present, SQLite's
-- planner sometimes paged a user's workspaces in an organization
-- (ListOrgWorkspaces for a member) through the older one and sorted every
-- row in a temporary B-tree; without it, the page comes off the index in
-- order. One index fewer is also one less to write per membership.
DROP INDEX tenancy_members_user_org;

-- Indexes for the per-user lookups and the keyset-paginated lists, so that
-- each reads only the rows it returns.

-- A user's organizations as admin (AdminOrganizations).
CREATE INDEX tenancy_org_admins_user ON tenancy_org_admins (user_id, org_id);
-- An organization's users in (email, user) order (ListOrgUsers), admins arm.
CREATE INDEX tenancy_org_admins_org_email ON tenancy_org_admins (org_id, email, user_id);
-- A workspace's members in (email, user) order (ListMembers).
CREATE INDEX tenancy_members_workspace_email ON tenancy_members (workspace_id, email, user_id);
-- A user's memberships, per organization (AccessFacts' org-member flag,
-- UserOrgMemberships, ListOrgWorkspaces for members, ListUserMemberships).
CREATE INDEX tenancy_members_user_org ON tenancy_members (user_id, org_id, workspace_id);
-- An organization's users in (email, user) order (ListOrgUsers, CountSeats),
-- members arm.
CREATE INDEX tenancy_members_org_email ON tenancy_members (org_id, email, user_id);
-- An organization's audit log, newest first (ListAuditEvents).
CREATE INDEX tenancy_audit_events_org_at ON tenancy_audit_events (org_id, at, id);

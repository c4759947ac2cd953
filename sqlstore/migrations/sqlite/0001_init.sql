-- The tenancy schema, SQLite flavour. Tables are STRICT: a value of the
-- wrong type is an error, never silently converted. IDs are UUIDs in their
-- canonical text form; times are Unix microseconds (UTC); booleans are 0 or
-- 1; policies and audit details are JSON text.

CREATE TABLE tenancy_users (
	id             TEXT    NOT NULL PRIMARY KEY,
	email          TEXT    NOT NULL, -- normalized; never changes
	name           TEXT    NOT NULL,
	email_verified INTEGER NOT NULL,
	created_at     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX tenancy_users_email ON tenancy_users (email);

CREATE TABLE tenancy_organizations (
	id                   TEXT    NOT NULL PRIMARY KEY,
	name                 TEXT    NOT NULL,
	domain               TEXT    NOT NULL, -- '' when the organization claims none
	billing_email        TEXT    NOT NULL,
	billing_customer_ref TEXT    NOT NULL,
	policy               TEXT    NOT NULL, -- JSON
	created_at           INTEGER NOT NULL
) STRICT;
-- One organization per domain.
CREATE UNIQUE INDEX tenancy_organizations_domain ON tenancy_organizations (domain) WHERE domain <> '';

CREATE TABLE tenancy_org_admins (
	org_id     TEXT    NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE,
	user_id    TEXT    NOT NULL REFERENCES tenancy_users (id) ON DELETE CASCADE,
	email      TEXT    NOT NULL, -- the user's, for listing an organization's users by email
	created_at INTEGER NOT NULL,
	PRIMARY KEY (org_id, user_id)
) STRICT;

CREATE TABLE tenancy_workspaces (
	id         TEXT    NOT NULL PRIMARY KEY,
	org_id     TEXT    NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	name_key   TEXT    NOT NULL, -- tenancy.NameKey(name)
	created_by TEXT    NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
-- Names are unique per organization, case-insensitively; the index also
-- serves the organization's workspace list in (name_key, id) order.
CREATE UNIQUE INDEX tenancy_workspaces_org_name ON tenancy_workspaces (org_id, name_key);

CREATE TABLE tenancy_members (
	workspace_id TEXT    NOT NULL REFERENCES tenancy_workspaces (id) ON DELETE CASCADE,
	user_id      TEXT    NOT NULL REFERENCES tenancy_users (id) ON DELETE CASCADE,
	org_id       TEXT    NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE, -- the workspace's
	email        TEXT    NOT NULL, -- the user's
	role         TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (workspace_id, user_id)
) STRICT;

CREATE TABLE tenancy_invitations (
	id           TEXT    NOT NULL PRIMARY KEY,
	workspace_id TEXT    NOT NULL REFERENCES tenancy_workspaces (id) ON DELETE CASCADE,
	org_id       TEXT    NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE,
	email        TEXT    NOT NULL,
	role         TEXT    NOT NULL,
	invited_by   TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	token_hash   BLOB    NOT NULL -- SHA-256 of the secret token
) STRICT;
CREATE UNIQUE INDEX tenancy_invitations_token_hash ON tenancy_invitations (token_hash);
-- One pending invitation per address and workspace; also the list index.
CREATE UNIQUE INDEX tenancy_invitations_workspace_email ON tenancy_invitations (workspace_id, email);

-- Events outlive what they are about: no foreign keys. A NULL ID stands
-- for uuid.Nil.
CREATE TABLE tenancy_audit_events (
	id           TEXT    NOT NULL PRIMARY KEY,
	org_id       TEXT,
	workspace_id TEXT,
	actor_id     TEXT,
	target_id    TEXT,
	action       TEXT    NOT NULL,
	at           INTEGER NOT NULL,
	details      TEXT -- JSON object, NULL when none
) STRICT;

-- The tenancy schema, PostgreSQL flavour. Text that lists sort by (emails,
-- workspace name keys, organization names) uses the "C" collation, so that
-- the order is the byte order of Go strings whatever the database's locale.

CREATE TABLE tenancy_users (
	id             uuid        NOT NULL PRIMARY KEY,
	email          text        COLLATE "C" NOT NULL, -- normalized; never changes
	name           text        NOT NULL,
	email_verified boolean     NOT NULL,
	created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX tenancy_users_email ON tenancy_users (email);

CREATE TABLE tenancy_organizations (
	id                   uuid        NOT NULL PRIMARY KEY,
	name                 text        COLLATE "C" NOT NULL,
	domain               text        COLLATE "C" NOT NULL, -- '' when the organization claims none
	billing_email        text        NOT NULL,
	billing_customer_ref text        NOT NULL,
	policy               jsonb       NOT NULL,
	created_at           timestamptz NOT NULL
);
-- One organization per domain.
CREATE UNIQUE INDEX tenancy_organizations_domain ON tenancy_organizations (domain) WHERE domain <> '';

CREATE TABLE tenancy_org_admins (
	org_id     uuid        NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE,
	user_id    uuid        NOT NULL REFERENCES tenancy_users (id) ON DELETE CASCADE,
	email      text        COLLATE "C" NOT NULL, -- the user's, for listing an organization's users by email
	created_at timestamptz NOT NULL,
	PRIMARY KEY (org_id, user_id)
);

CREATE TABLE tenancy_workspaces (
	id         uuid        NOT NULL PRIMARY KEY,
	org_id     uuid        NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE,
	name       text        NOT NULL,
	name_key   text        COLLATE "C" NOT NULL, -- tenancy.NameKey(name)
	created_by uuid        NOT NULL,
	created_at timestamptz NOT NULL
);
-- Names are unique per organization, case-insensitively; the index also
-- serves the organization's workspace list in (name_key, id) order.
CREATE UNIQUE INDEX tenancy_workspaces_org_name ON tenancy_workspaces (org_id, name_key);

CREATE TABLE tenancy_members (
	workspace_id uuid        NOT NULL REFERENCES tenancy_workspaces (id) ON DELETE CASCADE,
	user_id      uuid        NOT NULL REFERENCES tenancy_users (id) ON DELETE CASCADE,
	org_id       uuid        NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE, -- the workspace's
	email        text        COLLATE "C" NOT NULL, -- the user's
	role         text        NOT NULL,
	created_at   timestamptz NOT NULL,
	PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE tenancy_invitations (
	id           uuid        NOT NULL PRIMARY KEY,
	workspace_id uuid        NOT NULL REFERENCES tenancy_workspaces (id) ON DELETE CASCADE,
	org_id       uuid        NOT NULL REFERENCES tenancy_organizations (id) ON DELETE CASCADE,
	email        text        COLLATE "C" NOT NULL,
	role         text        NOT NULL,
	invited_by   uuid        NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	token_hash   bytea       NOT NULL -- SHA-256 of the secret token
);
CREATE UNIQUE INDEX tenancy_invitations_token_hash ON tenancy_invitations (token_hash);
-- One pending invitation per address and workspace; also the list index.
CREATE UNIQUE INDEX tenancy_invitations_workspace_email ON tenancy_invitations (workspace_id, email);

-- Events outlive what they are about: no foreign keys. A NULL ID stands
-- for uuid.Nil.
CREATE TABLE tenancy_audit_events (
	id           uuid        NOT NULL PRIMARY KEY,
	org_id       uuid,
	workspace_id uuid,
	actor_id     uuid,
	target_id    uuid,
	action       text        NOT NULL,
	at           timestamptz NOT NULL,
	details      jsonb -- NULL when none
);

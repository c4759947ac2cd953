// Package tenancy gives a B2B SaaS backend its whole tenancy model,
// in-process: organizations created at first sign-up from a professional
// email domain, workspaces inside them, workspace and organization roles,
// invitations, organization-wide security policies, an authorization
// engine, an audit log and billing seats.
//
// A Service holds the rules and calls a Store for data. Stores live in
// their own packages: memstore (in memory, for tests and tools) and
// sqlstore (SQLite, the embedded default, and PostgreSQL, for many app
// servers over one database, each through a driver package of its own,
// sqlstore/sqlite and sqlstore/postgres, that a host imports for the
// database it uses). Every Store passes the conformance suite in
// storetest.
//
// # Sign-up and organizations
//
// SignUp creates a user. The first verified sign-up from a professional
// address (not at a personal, relay or disposable provider, under an ICANN
// public suffix) at its registrable domain itself also creates that
// organization and makes the user its first Organization Admin;
// concurrent first sign-ups from one domain create exactly one. Addresses
// on subdomains (per-user mailboxes such as users.noreply.github.com) and
// unverified addresses claim nothing; ConfirmEmail and ChangeEmail run the
// rules once an address is verified. Verified users of an already-claimed
// domain (or of the subdomains it lists) join the workspaces the
// organization's AutoJoin policy lists.
//
// # Users
//
// The user-level calls (SignUp, ConfirmEmail, User, UserByEmail,
// UserByExternalID, RenameUser, ChangeEmail, DeleteUser, UserWorkspaces,
// UserOrganizations, UserInvitations, AdminOrganizations) take no Actor,
// by design: they are the host's own trusted calls about one user, made by
// its authentication layer before a session exists or beside one. Expose
// them only to the user itself. Everything inside an organization takes an
// Actor.
//
// # Authorization
//
// Every Service method inside an organization takes the acting session
// (Actor) and authorizes it
// against a Policy: by default, the Member / Admin / Org Admin matrix of
// the product, with Organization Admins holding Admin rights in every
// workspace of their organization. The organization's SecurityPolicy (MFA,
// SSO, session age, IP allowlist) is checked first on every decision.
// Check and Authorize expose the same decision to the host, to guard its
// own resources; each costs one store read and nothing is cached.
//
// An actor holding no role in an organization gets ErrNotFound for its
// data, with the same message as for an unknown ID; an actor whose role
// lacks the permission gets ErrForbidden, a *DeniedError carrying the
// Decision and its DenialCode. Permissions decides every action for a UI
// from one read. A denied or failed operation changes nothing and writes
// no audit event.
//
// # Support
//
// Operator is the support staff's API: creating organizations, and the way
// out of vanished admins (GrantOrgAdmin), hostile or departed ones
// (RemoveFromOrganization, after GrantOrgAdmin for a trusted admin),
// lockouts (ResetSecurityPolicy), squatted domains (TransferDomain) and
// departed customers (DeleteOrganization). Every call is audited, with the
// operator's note but for CreateOrganization, which takes none.
//
// # Audit log
//
// Every successful mutation appends an AuditEvent in the same transaction;
// WithEventHandler receives events after commit. AuditLog lists an
// organization's events, newest first.
package tenancy

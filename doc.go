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
// address (not at a personal or disposable provider, under an ICANN public
// suffix) also creates the organization of the address's registrable
// domain and makes the user its first Organization Admin; concurrent first
// sign-ups from one domain create exactly one. Unverified addresses claim
// nothing until ConfirmEmail. Users of an already-claimed domain join the
// workspaces the organization's AutoJoin policy lists.
//
// # Authorization
//
// Every Service method takes the acting session (Actor) and authorizes it
// against a Policy: by default, the Member / Admin / Org Admin matrix of
// the product, with Organization Admins holding Admin rights in every
// workspace of their organization. The organization's SecurityPolicy (MFA,
// SSO, session age, IP allowlist) is checked first on every decision.
// Check and Authorize expose the same decision to the host, to guard its
// own resources; each costs one store read and nothing is cached.
//
// An actor holding no role in an organization gets ErrNotFound for its
// data; an actor whose role lacks the permission gets ErrForbidden, a
// *DeniedError carrying the Decision. A denied or failed operation changes
// nothing and writes no audit event.
//
// # Audit log
//
// Every successful mutation appends an AuditEvent in the same transaction;
// WithEventHandler receives events after commit. AuditLog lists an
// organization's events, newest first.
package tenancy

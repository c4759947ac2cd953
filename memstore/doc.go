// Package memstore is an in-memory tenancy.Store, for tests, examples and
// single-process tools. Nothing survives the process.
//
// A Store is safe for concurrent use. Reads share one sync.RWMutex; Update
// holds it exclusively for the whole transaction, so transactions run one
// at a time and LockOrganization has nothing left to lock. A transaction
// writes straight into the store's maps and records how to undo each write;
// if its function returns an error or panics, the writes are undone in
// reverse order, so a transaction is all-or-nothing.
//
// Every lookup is a map hit: users by ID and email, organizations by ID and
// domain, workspaces by ID and by (organization, tenancy.NameKey of the
// name), memberships by (workspace, user), invitations by ID, token hash and
// (workspace, email). Every list reads an ordered index kept sorted by its
// documented key (members and invitations by email, workspaces by name
// key, an organization's users by email, each audit log by time), so a
// page costs a tree descent and the page, not the whole list. The
// indexes are B-trees (github.com/google/btree); a transaction records the
// inverse of each insert and delete, as it does for the maps.
//
// AccessFacts, the hot path of every authorization check, takes one read
// lock, does a few map lookups and allocates nothing.
package memstore

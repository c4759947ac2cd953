// Package memstore is an in-memory tenancy.Store, for tests, examples and
// single-process tools. Nothing survives the process.
//
// A Store is safe for concurrent use. Reads share one sync.RWMutex; Update
// holds it exclusively for the whole transaction, so transactions run one
// at a time and LockOrganization and LockUser have nothing left to lock. AccessFacts
// alone takes no lock (see below). A transaction
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
// AccessFacts, the hot path of every authorization check, reads an access
// index of its own: for a workspace member, two hash lookups and a scan of
// the organization's few admins, allocating nothing and taking no lock, so
// checks on many cores do not contend. The index is immutable once
// published; a transaction copies the shards it changes (each holds about
// a thousandth of a table) and Update publishes the copy atomically at
// commit. A check therefore sees the state of one commit, never a
// transaction in progress or half of one, and a check made after Update
// returns sees its writes.
package memstore

package memstore

import (
	"encoding/binary"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// accessIndex holds what AccessFacts reads, apart from the rest of the
// store so that Check reads it without a lock. A published index is
// immutable: a transaction copies what it changes (the root, the tables
// and the shards it touches, each once) and Update publishes the copy
// atomically when the transaction commits. A reader therefore sees every
// fact as of one commit, never half of one, and writers pay for a shard
// (a few hundred entries at 500k memberships), not for the whole index.
type accessIndex struct {
	orgs  table[uuid.UUID, *orgAccess] // organization → its entry
	ws    table[uuid.UUID, *orgAccess] // workspace → its organization's entry
	roles table[wsUser, tenancy.Role]  // (workspace, user) → the member's role
	users table[orgUser, orgRole]      // (organization, user) → its roles there, if any
}

// orgAccess is an organization's entry in the access index, which its
// workspaces' entries share. It is immutable: a change of the policy or
// of the admins replaces it everywhere.
type orgAccess struct {
	id     uuid.UUID
	policy *tenancy.SecurityPolicy
	// admins are the Organization Admins when there are at most
	// maxListedAdmins of them, so that checking a workspace member
	// scans a short list (in a cache line or two, shared by the whole
	// organization) rather than looking them up. With more, admins is
	// nil and many is set: read the users table.
	admins []uuid.UUID
	many   bool
}

// maxListedAdmins bounds orgAccess.admins.
const maxListedAdmins = 8

// isAdmin reports whether the organization's short list of admins holds
// userID; known is false when the list is not kept.
func (o *orgAccess) isAdmin(userID uuid.UUID) (admin, known bool) {
	if o.many {
		return false, false
	}
	for _, id := range o.admins {
		if id == userID {
			return true, true
		}
	}
	return false, true
}

// orgRole is a user's entry in an organization's access index; a user
// holding neither role has no entry.
type orgRole struct {
	admin  bool // an Organization Admin
	member bool // a member of at least one of its workspaces
}

type orgUser struct{ org, user uuid.UUID }

// shardBits sets the number of shards of each table: 1024, so that a
// write copies about a thousandth of a table. The shards are grouped in
// chunks of 1<<chunkBits, so that a transaction's first write to a table
// copies a list of chunks and one chunk, not every shard's header.
const (
	shardBits = 10
	chunkBits = 5
)

// table is a hash table split into shards by the key's hash. A shard is
// immutable once published; a transaction copies a shard before its
// first write to it (copying a slice, which costs less than a map).
type table[K comparable, V any] []*chunk[K, V]

type chunk[K comparable, V any] [1 << chunkBits]shardTable[K, V]

func newTable[K comparable, V any]() table[K, V] {
	tb := make(table[K, V], 1<<(shardBits-chunkBits))
	empty := new(chunk[K, V]) // shared until written
	for i := range tb {
		tb[i] = empty
	}
	return tb
}

// shardOf returns the shard that the mixed hash m picks.
func (tb table[K, V]) shardOf(m uint64) *shardTable[K, V] {
	i := shard(m)
	return &tb[i>>chunkBits][i&(1<<chunkBits-1)]
}

// shardTable is an open-addressing hash table with linear probing, over
// the hashes the index computes itself: keys are random UUIDs, whose
// bits need no further hashing. A nil *shardTable is empty.
type shardTable[K comparable, V any] struct {
	slots []slot[K, V] // a power of two long, at most half used
	// tags holds a byte of each slot's hash (see tag), 0 for an empty
	// slot, which lookups probe (see get).
	tags []uint8
	n    int
}

type slot[K comparable, V any] struct {
	h   uint64 // the key's mixed hash with its lowest bit set; 0 marks an empty slot
	key K
	val V
}

// tag returns the tag of the mixed hash m: seven bits that neither the
// shard nor the home slot is picked by, and the top bit set.
func tag(m uint64) uint8 { return uint8(m>>(64-shardBits-7)) | 0x80 }

// mix spreads a key's hash over all 64 bits; the table's shard is picked
// by the top bits and the slot by the bottom ones.
func mix(h uint64) uint64 { return h*0x9e3779b97f4a7c15 | 1 }

func shard(m uint64) uint64 { return m >> (64 - shardBits) }

// get returns the value of k, whose hash is h.
func (tb table[K, V]) get(k K, h uint64) (V, bool) {
	m := mix(h)
	return tb.shardOf(m).get(k, m)
}

// get returns the value of k (mixed hash m) if present. It probes the
// tags, and reads a slot only where its tag matches: a lookup that misses
// (the roles of a user with none in the workspace or the organization)
// reads a line of bytes, not slots of tens of bytes each, which in a large
// index miss the caches.
func (st *shardTable[K, V]) get(k K, m uint64) (V, bool) {
	if st.n > 0 {
		mask := uint64(len(st.tags) - 1)
		t := tag(m)
		for i := m >> 1 & mask; ; i = (i + 1) & mask {
			switch st.tags[i] {
			case 0:
				var zero V
				return zero, false
			case t:
				if s := &st.slots[i]; s.h == m && s.key == k {
					return s.val, true
				}
			}
		}
	}
	var zero V
	return zero, false
}

// clone returns a copy of st that can be written.
func (st shardTable[K, V]) clone() shardTable[K, V] {
	if st.slots == nil {
		return shardTable[K, V]{slots: make([]slot[K, V], 4), tags: make([]uint8, 4)}
	}
	return shardTable[K, V]{slots: slices.Clone(st.slots), tags: slices.Clone(st.tags), n: st.n}
}

// find returns the index of the slot of k, or of the empty slot that
// ends its probe.
func (st *shardTable[K, V]) find(k K, m uint64) uint64 {
	mask := uint64(len(st.slots) - 1)
	for i := m >> 1 & mask; ; i = (i + 1) & mask {
		if s := &st.slots[i]; s.h == 0 || s.h == m && s.key == k {
			return i
		}
	}
}

// set sets k (mixed hash m) to v, growing the table past half full: a
// lookup that misses (a user with no role) probes until an empty slot,
// about 2.5 slots at that load and 8.5 at 3/4.
func (st *shardTable[K, V]) set(k K, m uint64, v V) {
	i := st.find(k, m)
	if st.slots[i].h != 0 {
		st.slots[i].val = v
		return
	}
	if 2*(st.n+1) > len(st.slots) {
		old := st.slots
		st.slots = make([]slot[K, V], 2*len(old))
		st.tags = make([]uint8, 2*len(old))
		for _, s := range old {
			if s.h != 0 {
				j := st.find(s.key, s.h)
				st.slots[j], st.tags[j] = s, tag(s.h)
			}
		}
		i = st.find(k, m)
	}
	st.slots[i], st.tags[i] = slot[K, V]{h: m, key: k, val: v}, tag(m)
	st.n++
}

// remove deletes k (mixed hash m) if present, then moves back the entries
// after it in the probe sequence that would no longer be found.
func (st *shardTable[K, V]) remove(k K, m uint64) {
	i := st.find(k, m)
	if st.slots[i].h == 0 {
		return
	}
	mask := uint64(len(st.slots) - 1)
	for j := (i + 1) & mask; st.slots[j].h != 0; j = (j + 1) & mask {
		// The entry at j may move to the hole at i unless its home slot
		// lies cyclically in (i, j].
		home := st.slots[j].h >> 1 & mask
		if (j-home)&mask >= (j-i)&mask {
			st.slots[i], st.tags[i] = st.slots[j], st.tags[j]
			i = j
		}
	}
	st.slots[i], st.tags[i] = slot[K, V]{}, 0
	st.n--
}

// hashID hashes a UUID by its last eight bytes, which are random in UUIDs
// of versions 4 and 7.
func hashID(id uuid.UUID) uint64 { return binary.LittleEndian.Uint64(id[8:]) }

func hashPair(a, b uuid.UUID) uint64 { return hashID(a) ^ hashID(b)*0xbf58476d1ce4e5b9 }

func newAccessIndex() *accessIndex {
	return &accessIndex{orgs: newTable[uuid.UUID, *orgAccess](), ws: newTable[uuid.UUID, *orgAccess](),
		roles: newTable[wsUser, tenancy.Role](), users: newTable[orgUser, orgRole]()}
}

// readFacts is AccessFacts on the index. A workspace member costs two
// lookups and a scan of the admins; anyone else a third lookup.
func (ix *accessIndex) readFacts(userID uuid.UUID, scope tenancy.Scope) (f tenancy.Facts, err error) {
	var o *orgAccess
	var ok bool
	if scope.WorkspaceID != uuid.Nil {
		if o, ok = ix.ws.get(scope.WorkspaceID, hashID(scope.WorkspaceID)); !ok {
			return f, missing(scope)
		}
		f.WorkspaceID = scope.WorkspaceID
		f.WorkspaceRole, _ = ix.roles.get(wsUser{scope.WorkspaceID, userID}, hashPair(scope.WorkspaceID, userID))
	} else if o, ok = ix.orgs.get(scope.OrgID, hashID(scope.OrgID)); !ok {
		return f, missing(scope)
	}
	f.OrgID, f.Policy = o.id, o.policy
	if f.WorkspaceRole != "" {
		// A member of the workspace is a member of the organization.
		if admin, known := o.isAdmin(userID); known {
			f.OrgAdmin, f.OrgMember = admin, true
			return f, nil
		}
	}
	r, _ := ix.users.get(orgUser{f.OrgID, userID}, hashPair(f.OrgID, userID))
	f.OrgAdmin, f.OrgMember = r.admin, r.member
	return f, nil
}

// missing is the error of a scope that does not exist.
func missing(scope tenancy.Scope) error {
	if scope.WorkspaceID != uuid.Nil {
		return notFound("workspace %s", scope.WorkspaceID)
	}
	return notFound("organization %s", scope.OrgID)
}

// accessWriter is a transaction's copy-on-write view of the access index:
// the first write copies the root, the first write to a table copies its
// list of chunks, the first write to a chunk or a shard copies it.
type accessWriter struct {
	tables [4]bool
	owned  map[ownedRef]struct{}
}

// ownedRef names a chunk (shard < 0) or a shard that a transaction has
// copied.
type ownedRef struct {
	table        int
	chunk, shard int
}

// The tables of an accessIndex, as accessWriter numbers them.
const (
	tableOrgs = iota
	tableWs
	tableRoles
	tableUsers
)

// own makes the transaction's index, table and shard private, so that
// the shard can be written.
func own[K comparable, V any](t *tx, id int, tb *table[K, V], i uint64) *shardTable[K, V] {
	if !t.tables[id] {
		*tb = slices.Clone(*tb)
		t.tables[id] = true
	}
	c, sh := int(i>>chunkBits), int(i&(1<<chunkBits-1))
	if ref := (ownedRef{id, c, -1}); !t.owns(ref) {
		cp := *(*tb)[c]
		(*tb)[c] = &cp
	}
	st := &(*tb)[c][sh]
	if ref := (ownedRef{id, c, sh}); !t.owns(ref) {
		*st = st.clone()
	}
	return st
}

// owns reports whether the transaction has copied ref already, and notes
// that it has from now on.
func (t *tx) owns(ref ownedRef) bool {
	if _, ok := t.owned[ref]; ok {
		return true
	}
	t.owned[ref] = struct{}{}
	return false
}

// index returns the transaction's private access index, copying the
// published root on the first write; the undo log puts the published one
// back.
func (t *tx) index() *accessIndex {
	if t.owned == nil {
		old := t.access
		n := *old
		t.access = &n
		t.owned = map[ownedRef]struct{}{}
		t.undo = append(t.undo, func() { t.access = old })
	}
	return t.access
}

func setAccess[K comparable, V any](t *tx, id int, tb func(*accessIndex) *table[K, V], k K, h uint64, v V) {
	m := mix(h)
	own(t, id, tb(t.index()), shard(m)).set(k, m, v)
}

func delAccess[K comparable, V any](t *tx, id int, tb func(*accessIndex) *table[K, V], k K, h uint64) {
	if _, ok := tb(t.access).get(k, h); ok {
		m := mix(h)
		own(t, id, tb(t.index()), shard(m)).remove(k, m)
	}
}

func orgsTable(ix *accessIndex) *table[uuid.UUID, *orgAccess] { return &ix.orgs }
func wsTable(ix *accessIndex) *table[uuid.UUID, *orgAccess]   { return &ix.ws }
func rolesTable(ix *accessIndex) *table[wsUser, tenancy.Role] { return &ix.roles }
func usersTable(ix *accessIndex) *table[orgUser, orgRole]     { return &ix.users }

// refreshOrgAccess replaces the entry of an organization that exists, in
// its own place and its workspaces', after a change of its policy or its
// admins.
func (t *tx) refreshOrgAccess(orgID uuid.UUID) {
	o := &orgAccess{id: orgID, policy: &t.orgs[orgID].Policy}
	if admins := t.orgAdmins[orgID]; len(admins) > maxListedAdmins {
		o.many = true
	} else {
		o.admins = slices.Collect(maps.Keys(admins))
	}
	setAccess(t, tableOrgs, orgsTable, orgID, hashID(orgID), o)
	for wsID := range t.orgWorkspaces[orgID] {
		setAccess(t, tableWs, wsTable, wsID, hashID(wsID), o)
	}
}

func (t *tx) delOrgAccess(orgID uuid.UUID) { delAccess(t, tableOrgs, orgsTable, orgID, hashID(orgID)) }

// addWsAccess enters a new workspace of an organization that exists.
func (t *tx) addWsAccess(wsID, orgID uuid.UUID) {
	o, _ := t.access.orgs.get(orgID, hashID(orgID))
	setAccess(t, tableWs, wsTable, wsID, hashID(wsID), o)
}

func (t *tx) delWsAccess(wsID uuid.UUID) { delAccess(t, tableWs, wsTable, wsID, hashID(wsID)) }

func (t *tx) setRoleAccess(wsID, userID uuid.UUID, r tenancy.Role) {
	setAccess(t, tableRoles, rolesTable, wsUser{wsID, userID}, hashPair(wsID, userID), r)
}

func (t *tx) delRoleAccess(wsID, userID uuid.UUID) {
	delAccess(t, tableRoles, rolesTable, wsUser{wsID, userID}, hashPair(wsID, userID))
}

// setOrgRole changes a user's entry in the access index of an
// organization, dropping it once the user holds no role there.
func (t *tx) setOrgRole(orgID, userID uuid.UUID, change func(*orgRole)) {
	k, h := orgUser{orgID, userID}, hashPair(orgID, userID)
	r, _ := t.access.users.get(k, h)
	change(&r)
	if r == (orgRole{}) {
		delAccess(t, tableUsers, usersTable, k, h)
	} else {
		setAccess(t, tableUsers, usersTable, k, h, r)
	}
}

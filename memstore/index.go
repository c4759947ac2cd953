package memstore

import (
	"cmp"
	"strings"

	"github.com/google/btree"
	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// entry is one item of an ordered index: a list's sort key and the item's
// ID, which breaks ties.
type entry struct {
	key string
	id  uuid.UUID
}

func lessEntry(a, b entry) bool {
	return cmp.Or(strings.Compare(a.key, b.key), compareID(a.id, b.id)) < 0
}

// ordered is an index kept sorted by (key, id), so that a page costs a
// descent of the tree and the page, whatever the size of the list.
type ordered = *btree.BTreeG[entry]

// btreeDegree suits small entries (a string header and a UUID).
const btreeDegree = 32

// ascend calls fn for the entries of o strictly after q.After, in order,
// until fn returns false. o may be nil.
func ascend(o ordered, after *tenancy.Cursor, fn func(entry) bool) {
	if o == nil {
		return
	}
	if after == nil {
		o.Ascend(fn)
		return
	}
	pivot := entry{after.Key, after.ID}
	o.AscendGreaterOrEqual(pivot, func(e entry) bool {
		if e == pivot {
			return true
		}
		return fn(e)
	})
}

// page returns at most q.Limit entries of o strictly after q.After.
func page(o ordered, q tenancy.PageQuery) []entry {
	var out []entry
	ascend(o, q.After, func(e entry) bool {
		out = append(out, e)
		return len(out) < q.Limit
	})
	return out
}

// indexAdd adds e to the index m[k] and records how to undo it.
func indexAdd[K comparable](t *tx, m map[K]ordered, k K, e entry) {
	o := m[k]
	if o == nil {
		o = btree.NewG(btreeDegree, lessEntry)
		m[k] = o // an empty index is the same as none: nothing to undo
	}
	if _, had := o.ReplaceOrInsert(e); !had {
		t.undo = append(t.undo, func() { o.Delete(e) })
	}
}

// indexRemove removes e from the index m[k] and records how to undo it.
func indexRemove[K comparable](t *tx, m map[K]ordered, k K, e entry) {
	o := m[k]
	if o == nil {
		return
	}
	if _, had := o.Delete(e); had {
		t.undo = append(t.undo, func() { o.ReplaceOrInsert(e) })
	}
}

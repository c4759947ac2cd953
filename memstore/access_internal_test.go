package memstore

import (
	"testing"

	"pgregory.net/rapid"
)

// TestShardTableMatchesMap drives a shard of the access index and a map
// through the same random sets and removes, with keys crowded into a few
// hashes so that probes collide, wrap and shift back on removal.
func TestShardTableMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var st shardTable[int, int]
		st = st.clone()
		model := map[int]int{}
		hashOf := func(k int) uint64 { return mix(uint64(k % 5)) } // five hashes for up to 40 keys
		for i := range rapid.IntRange(1, 300).Draw(t, "ops") {
			k := rapid.IntRange(0, 40).Draw(t, "key")
			if rapid.Bool().Draw(t, "set") {
				st.set(k, hashOf(k), i)
				model[k] = i
			} else {
				st.remove(k, hashOf(k))
				delete(model, k)
			}
			if st.n != len(model) {
				t.Fatalf("%d entries, want %d", st.n, len(model))
			}
			for k := range 41 {
				got, ok := st.lookup(k, hashOf(k))
				want, wantOK := model[k]
				if ok != wantOK || got != want {
					t.Fatalf("key %d: got %d, %v; want %d, %v", k, got, ok, want, wantOK)
				}
				if got, ok := st.get(k, hashOf(k)); ok != wantOK || got != want {
					t.Fatalf("key %d through the tags: got %d, %v; want %d, %v", k, got, ok, want, wantOK)
				}
			}
			for i, s := range st.slots {
				if want := map[bool]uint8{true: tag(s.h), false: 0}[s.h != 0]; st.tags[i] != want {
					t.Fatalf("slot %d: tag %#x, want %#x", i, st.tags[i], want)
				}
			}
		}
	})
}

// lookup is table.get on one shard, for hashes not spread over shards.
func (st *shardTable[K, V]) lookup(k K, m uint64) (V, bool) {
	var zero V
	if st.n == 0 {
		return zero, false
	}
	i := st.find(k, m)
	if st.slots[i].h == 0 {
		return zero, false
	}
	return st.slots[i].val, true
}

// Package storetest is the conformance suite every tenancy.Store must
// pass. A backend runs it from a test, with a function returning a fresh,
// empty store for each subtest:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tenancy.Store { return memstore.New() })
//	}
//
// The suite checks the contract written on tenancy.Store and the
// interfaces it is made of: round trips of every field, uniqueness,
// not-found errors, cascades, the order and keyset paging of every list,
// counts, AccessFacts, transactions (all-or-nothing, reads of their own
// writes) and behaviour under concurrency. Every subtest calls t.Parallel
// and gets its own store, so newStore must return independent stores (for
// an SQL backend: a fresh database or schema) and register their cleanup
// with t.Cleanup. Run the suite with -race.
//
// Fixture data is chosen so that the documented orders do not depend on a
// database collation: emails and names differ first at an ASCII letter or
// digit, and IDs are compared as bytes (which is how uuid.UUID values and
// their lower-case text forms both sort).
package storetest

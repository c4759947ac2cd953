// Package bench holds side-by-side benchmarks of tenancy against other
// authorization libraries. It is a separate module, so that what it
// compares against never becomes a dependency of tenancy itself.
//
//	cd bench && go test -run '^$' -bench . -benchmem
package bench

package tenancy

import (
	"runtime"
	"strings"
	"testing"
)

// BenchmarkIsPersonal measures one lookup in the default classifier; the
// target is 0 allocations and at most 300 ns for any address.
//
//	go test -run '^$' -bench IsPersonal -benchmem .
func BenchmarkIsPersonal(b *testing.B) {
	c := DefaultEmailClassifier()
	for _, bm := range []struct{ name, addr string }{
		{"company", "ann@acme.com"},
		{"company subdomain", "ann@eng.acme.co.uk"},
		{"free", "ann@gmail.com"},
		{"free subdomain", "ann@mail.yahoo.co.uk"},
		{"disposable", "x@mailinator.com"},
		{"relay", "1234+ann@users.noreply.github.com"},
		{"parent of a relay", "ann@github.com"},
		{"deep subdomain", "ann@" + strings.Repeat("a.", 60) + "gmail.com"},
		{"deep subdomain of a company", "ann@" + strings.Repeat("a.", 60) + "acme.co.uk"},
		{"longest labels", "ann@" + strings.Repeat(strings.Repeat("x", 62)+".", 3) + "mailinator.com"},
		// The most bytes a lookup hashes: a full label above the longest
		// entry (68 bytes); a lookup stops one label above the deepest
		// entry that covers the address, whatever lies further left.
		{"worst case", "ann@" + strings.Repeat("y.", 40) + strings.Repeat("x", 63) + "." + strings.Repeat("h", 63) + ".info"},
	} {
		e := mustParseEmail(b, bm.addr)
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.IsPersonal(e)
			}
		})
	}
}

// BenchmarkDefaultClassifierBuild measures building the default classifier
// from the embedded lists, as the first use does (the target is 50 ms),
// and reports the heap it keeps (the target is 4 MB).
//
//	go test -run '^$' -bench DefaultClassifierBuild -benchmem .
func BenchmarkDefaultClassifierBuild(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept, err := buildDefault()
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
	runtime.KeepAlive(kept)

	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildDefault(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(heap, "heap-bytes")
	b.ReportMetric(float64(kept.Len()), "domains")
}

// BenchmarkExtendDefault measures extending the default classifier with a
// host's own short list, which copies the default table.
func BenchmarkExtendDefault(b *testing.B) {
	base := DefaultDomainClassifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := base.Extend(DomainLists{Relay: []string{"alias.example.net"}}); err != nil {
			b.Fatal(err)
		}
	}
}

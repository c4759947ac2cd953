package domainset

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fA Flags = 1 << iota
	fB
	fC
	fD
)

func build(t testing.TB, entries map[string]Flags) *Set {
	t.Helper()
	var b Builder
	for d, f := range entries {
		require.True(t, b.Add(d, f), d)
	}
	s, err := b.Build()
	require.NoError(t, err)
	return s
}

func TestLookupMatchesDomainAndSubdomainsNeverParents(t *testing.T) {
	s := build(t, map[string]Flags{
		"gmail.com":                fA,
		"users.noreply.github.com": fB,
		"yahoo.co.uk":              fA,
		"berlin.de":                fD,
		"temp.berlin.de":           fC,
	})
	tests := []struct {
		domain string
		want   Flags
	}{
		{"gmail.com", fA},
		{"x.gmail.com", fA},
		{"a.b.c.d.e.f.gmail.com", fA},
		{"notgmail.com", 0},
		{"gmail.com.acme.com", 0},
		{"mail.yahoo.co.uk", fA},
		{"co.uk", 0},
		{"users.noreply.github.com", fB},
		{"1.users.noreply.github.com", fB},
		{"noreply.github.com", 0},
		{"github.com", 0},
		{"eng.github.com", 0},
		{"senat.berlin.de", fD},
		{"temp.berlin.de", fC},
		{"x.temp.berlin.de", fC},
		{"com", 0},
		{"", 0},
		{".", 0},
		{"..gmail.com", fA}, // not canonical: still a plain suffix match
		{".gmail.com", fA},
		{"GMAIL.COM", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.Lookup(tt.domain), tt.domain)
	}
	assert.Equal(t, 5, s.Len())
}

func TestAddRejectsNonCanonicalDomainsAndZeroFlags(t *testing.T) {
	var b Builder
	for _, d := range []string{"", "com", "Gmail.com", "a..b", ".a.b", "a.b.", "a b.c", "ümlaut.de", strings.Repeat("a", 250) + ".com"} {
		assert.False(t, b.Add(d, fA), "%q", d)
	}
	assert.False(t, b.Add("gmail.com", 0))
	assert.False(t, b.Add("gmail.com", 0x10), "bits above MaxFlags are dropped")
	s, err := b.Build()
	require.NoError(t, err)
	assert.Zero(t, s.Len())
	assert.Zero(t, s.Lookup("gmail.com"))
}

func TestDuplicateAddsUniteFlags(t *testing.T) {
	var b Builder
	b.Add("x.example", fA)
	b.Add("x.example", fC)
	s, err := b.Build()
	require.NoError(t, err)
	assert.Equal(t, fA|fC, s.Lookup("x.example"))
	assert.Equal(t, 1, s.Len())
}

func TestNilAndEmptySetsHoldNothing(t *testing.T) {
	var s *Set
	assert.Zero(t, s.Lookup("gmail.com"))
	assert.Zero(t, s.Len())
	assert.Zero(t, s.Bytes())
	for range s.All() {
		t.Fatal("nil set yields")
	}
	var b Builder
	e, err := b.Build()
	require.NoError(t, err)
	assert.Zero(t, e.Lookup("gmail.com"))
}

func TestAllAndAddSetRoundTrip(t *testing.T) {
	want := map[string]Flags{}
	for i := range 5000 {
		want[fmt.Sprintf("d%d.sub%d.example", i, i%7)] = Flags(1 + i%15)
	}
	s := build(t, want)
	assert.Equal(t, want, maps.Collect(s.All()))

	var b Builder
	b.AddSet(s)
	b.Add("more.example", fB)
	s2, err := b.Build()
	require.NoError(t, err)
	assert.Equal(t, len(want)+1, s2.Len())
	assert.Equal(t, fB, s2.Lookup("a.more.example"))
	assert.Zero(t, s.Lookup("a.more.example"), "the first set is unchanged")
}

func TestLookupAgreesWithNaiveSuffixScan(t *testing.T) {
	entries := map[string]Flags{}
	for i := range 20000 {
		d := fmt.Sprintf("n%d.example", i%3000)
		for j := range i % 4 {
			d = fmt.Sprintf("l%d.%s", (i+j)%5, d)
		}
		entries[d] |= Flags(1 << (i % 4))
	}
	s := build(t, entries)
	naive := func(d string) Flags {
		for {
			if f, ok := entries[d]; ok {
				return f
			}
			i := strings.IndexByte(d, '.')
			if i < 0 || strings.Count(d, ".") < 2 {
				return 0
			}
			d = d[i+1:]
		}
	}
	for i := range 20000 {
		d := fmt.Sprintf("n%d.example", i%3500)
		for j := range i % 6 {
			d = fmt.Sprintf("l%d.%s", (i*7+j)%6, d)
		}
		require.Equal(t, naive(d), s.Lookup(d), d)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	s := build(t, map[string]Flags{"gmail.com": fA, "users.noreply.github.com": fB})
	allocs := testing.AllocsPerRun(100, func() {
		_ = s.Lookup("a.b.c.d.users.noreply.github.com")
		_ = s.Lookup("eng.acme.co.uk")
	})
	assert.Zero(t, allocs)
}

func FuzzLookup(f *testing.F) {
	var b Builder
	for _, d := range []string{"gmail.com", "users.noreply.github.com", "a.b.c.d.example"} {
		b.Add(d, fA)
	}
	s, _ := b.Build()
	f.Add("x.gmail.com")
	f.Add("..")
	f.Add("c.d.example")
	f.Fuzz(func(t *testing.T, d string) {
		got := s.Lookup(d)
		want := strings.HasSuffix("."+d, ".gmail.com") || strings.HasSuffix("."+d, ".users.noreply.github.com") ||
			strings.HasSuffix("."+d, ".a.b.c.d.example")
		if (got != 0) != want {
			t.Fatalf("Lookup(%q) = %v, want match %v", d, got, want)
		}
	})
}

func TestReadLines(t *testing.T) {
	var b Builder
	b.Add("first.example", fA)
	n, err := b.ReadLines(strings.NewReader("# header\n\n  gmail.com  # comment\r\nBad.Example\nnot valid\nx.y.example\tz\nusers.noreply.github.com"), fB)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "gmail.com and users.noreply.github.com")
	_, err = b.ReadLines(strings.NewReader("more.example\n"), 0)
	require.NoError(t, err)
	s, err := b.Build()
	require.NoError(t, err)
	assert.Equal(t, fA, s.Lookup("first.example"))
	assert.Equal(t, fB, s.Lookup("a.gmail.com"))
	assert.Equal(t, fB, s.Lookup("users.noreply.github.com"))
	assert.Zero(t, s.Lookup("github.com"))
	assert.Zero(t, s.Lookup("bad.example"))
	assert.Zero(t, s.Lookup("more.example"), "zero flags record nothing")
	assert.Equal(t, 3, s.Len())
	got := maps.Collect(s.All())
	assert.Equal(t, map[string]Flags{"first.example": fA, "gmail.com": fB, "users.noreply.github.com": fB}, got)
}

func TestReadLinesReturnsReadErrors(t *testing.T) {
	var b Builder
	b.Add("kept.example", fA)
	_, err := b.ReadLines(iotest.ErrReader(assert.AnError), fB)
	require.ErrorIs(t, err, assert.AnError)
	s, err := b.Build()
	require.NoError(t, err)
	assert.Equal(t, 1, s.Len())
}

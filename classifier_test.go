package tenancy

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParseEmail(t testing.TB, s string) Email {
	t.Helper()
	e, err := ParseEmail(s)
	require.NoError(t, err)
	return e
}

func TestDefaultEmailClassifierClassifies(t *testing.T) {
	c := DefaultDomainClassifier()
	tests := []struct {
		name, addr       string
		free, disposable bool
	}{
		{"gmail", "ann@gmail.com", true, false},
		{"gmail in capitals", "ANN@GMAIL.COM", true, false},
		{"googlemail", "ann@googlemail.com", true, false},
		{"outlook", "ann@outlook.com", true, false},
		{"hotmail country domain", "ann@hotmail.fr", true, false},
		{"yahoo country domain", "ann@yahoo.co.uk", true, false},
		{"subdomain of a listed registrable domain", "ann@mail.yahoo.co.uk", true, false},
		{"proton", "ann@proton.me", true, false},
		{"icloud", "ann@icloud.com", true, false},
		{"mailinator", "x@mailinator.com", false, true},
		{"subdomain of a disposable domain", "x@sub.mailinator.com", false, true},
		{"guerrillamail", "x@guerrillamail.com", false, true},
		{"company domain", "ann@acme.com", false, false},
		{"company subdomain", "ann@eng.acme.co.uk", false, false},
		{"private suffix is not personal by itself", "ann@ann.github.io", false, false},
		{"lookalike of a free provider", "ann@notgmail.com", false, false},
		{"free provider as a subdomain of a company", "ann@gmail.com.acme.com", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustParseEmail(t, tt.addr)
			assert.Equal(t, tt.free, c.IsFree(e), "IsFree")
			assert.Equal(t, tt.disposable, c.IsDisposable(e), "IsDisposable")
			assert.Equal(t, tt.free || tt.disposable, c.IsPersonal(e), "IsPersonal")
			assert.Equal(t, tt.free || tt.disposable, DefaultEmailClassifier().IsPersonal(e), "via interface")
		})
	}
}

func TestDefaultEmailClassifierIsSharedDomainClassifier(t *testing.T) {
	c, ok := DefaultEmailClassifier().(*DomainClassifier)
	require.True(t, ok, "dynamic type is *DomainClassifier")
	assert.Same(t, DefaultDomainClassifier(), c)
	assert.Same(t, c, DefaultDomainClassifier(), "built once")
}

func TestClassifierZeroEmailAndNilClassifierAreNotPersonal(t *testing.T) {
	assert.False(t, DefaultDomainClassifier().IsPersonal(Email{}))
	var c *DomainClassifier
	e := mustParseEmail(t, "ann@gmail.com")
	assert.False(t, c.IsPersonal(e))
	assert.False(t, c.IsFree(e))
	assert.False(t, c.IsDisposable(e))
}

func TestClassifierWithExtendsWithoutMutating(t *testing.T) {
	base := DefaultDomainClassifier()
	ext, err := base.With([]string{"Acme-Mail.COM"}, []string{"throwaway.example"})
	require.NoError(t, err)
	require.NotSame(t, base, ext)

	acme := mustParseEmail(t, "ann@eu.acme-mail.com")
	throw := mustParseEmail(t, "x@throwaway.example")
	gmail := mustParseEmail(t, "ann@gmail.com")

	assert.True(t, ext.IsFree(acme), "added personal domain, matched by registrable domain")
	assert.True(t, ext.IsDisposable(throw), "added disposable domain")
	assert.True(t, ext.IsFree(gmail), "keeps the base list")

	assert.False(t, base.IsPersonal(acme), "base is unchanged")
	assert.False(t, base.IsPersonal(throw), "base is unchanged")
	assert.False(t, DefaultDomainClassifier().IsPersonal(acme), "default is unchanged")
}

func TestNewEmailClassifier(t *testing.T) {
	c, err := NewEmailClassifier([]string{"Bücher.Example"}, []string{"temp.example"})
	require.NoError(t, err)
	assert.True(t, c.IsFree(mustParseEmail(t, "ann@bücher.example")))
	assert.True(t, c.IsDisposable(mustParseEmail(t, "x@temp.example")))
	assert.False(t, c.IsPersonal(mustParseEmail(t, "ann@gmail.com")), "defaults are not included")

	empty, err := NewEmailClassifier(nil, nil)
	require.NoError(t, err)
	assert.False(t, empty.IsPersonal(mustParseEmail(t, "ann@gmail.com")))
}

func TestNewEmailClassifierRejectsInvalidDomain(t *testing.T) {
	tests := []struct {
		name                 string
		personal, disposable []string
		detail               string
	}{
		{"invalid personal domain", []string{"gmail.com", "not a domain"}, nil, "personal domain #1"},
		{"invalid disposable domain", nil, []string{"localhost"}, "disposable domain #0"},
		{"empty domain", []string{""}, nil, "personal domain #0"},
		{"email address instead of domain", nil, []string{"x@mailinator.com"}, "disposable domain #0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewEmailClassifier(tt.personal, tt.disposable)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Contains(t, err.Error(), tt.detail)
			assert.Nil(t, c)

			c, err = DefaultDomainClassifier().With(tt.personal, tt.disposable)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Nil(t, c)
		})
	}
}

func TestClassifierDataFilesAreNormalized(t *testing.T) {
	for name, data := range map[string]string{
		"data/free_email_providers.txt":     freeProvidersData,
		"data/disposable_email_domains.txt": disposableData,
	} {
		t.Run(name, func(t *testing.T) {
			domains, invalidLines := parseDomainList(data)
			assert.Empty(t, invalidLines, "lines failing NormalizeDomain")
			assert.NotEmpty(t, domains)

			// Every entry line is already in normalized form, so the file
			// reads the same as the set it builds.
			var lines []string
			for line := range strings.Lines(data) {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				lines = append(lines, line)
			}
			require.Len(t, domains, len(lines))
			for i := range lines {
				assert.Equal(t, lines[i], domains[i], "line is not in normalized form")
			}

			dedup := slices.Clone(domains)
			slices.Sort(dedup)
			assert.Len(t, slices.Compact(dedup), len(domains), "no duplicates")
		})
	}
	disposable, _ := parseDomainList(disposableData)
	assert.True(t, slices.IsSorted(disposable), "disposable list is sorted")
	assert.Greater(t, len(disposable), 1000)
}

func TestClassifierListsDoNotOverlap(t *testing.T) {
	free, _ := parseDomainList(freeProvidersData)
	disposable, _ := parseDomainList(disposableData)
	set := toSet(disposable)
	for _, d := range free {
		_, ok := set[d]
		assert.False(t, ok, "free provider %s is in the disposable list", d)
	}
	for _, d := range []string{
		"google.com", "microsoft.com", "apple.com", "amazon.com", "github.com",
		"gitlab.com", "salesforce.com", "example.com", "acme.com",
	} {
		_, ok := set[d]
		assert.False(t, ok, "%s is in the disposable list", d)
	}
}

func TestParseDomainListSkipsCommentsAndInvalidLines(t *testing.T) {
	domains, invalidLines := parseDomainList("# header\n\nAcme.com  # trailing comment\r\n  beta.example\nnot valid\nlocalhost\n")
	assert.Equal(t, []string{"acme.com", "beta.example"}, domains)
	assert.Equal(t, []string{"not valid", "localhost"}, invalidLines)
}

func TestClassifierIsSafeForConcurrentUse(t *testing.T) {
	addrs := []Email{
		mustParseEmail(t, "ann@gmail.com"),
		mustParseEmail(t, "x@mailinator.com"),
		mustParseEmail(t, "ann@acme.com"),
	}
	want := []bool{true, true, false}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := DefaultEmailClassifier()
			for i, e := range addrs {
				assert.Equal(t, want[i], c.IsPersonal(e))
			}
		})
	}
	wg.Wait()
}

func TestClassifierLookupDoesNotAllocate(t *testing.T) {
	c := DefaultDomainClassifier()
	e := mustParseEmail(t, "ann@eng.acme.co.uk")
	allocs := testing.AllocsPerRun(100, func() { _ = c.IsPersonal(e) })
	assert.Zero(t, allocs)
}

func BenchmarkIsPersonal(b *testing.B) {
	c := DefaultEmailClassifier()
	addrs := []Email{
		mustParseEmail(b, "ann@eng.acme.co.uk"),
		mustParseEmail(b, "ann@mail.yahoo.co.uk"),
		mustParseEmail(b, "x@mailinator.com"),
		mustParseEmail(b, "ann@gmail.com"),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = c.IsPersonal(addrs[i%len(addrs)])
		i++
	}
}

package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEntriesParsesEveryFormat(t *testing.T) {
	tests := []struct {
		format, data string
		want         []string
	}{
		{"json", `["a.example", "B.example"]`, []string{"a.example", "B.example"}},
		{"lines", "# head\n\na.example  # c\n b.example\n", []string{"a.example", "b.example"}},
		{"js-set", "var x = 1;\nvar blacklist = new Set([\"a.example\",\n \"b\\u002eexample\"]);\nvar y = new Set([\"no\"]);", []string{"a.example", "b.example"}},
		{"json-keys=disposable", `{"b.example": "disposable", "a.example": "disposable", "c.example": "freemail"}`, []string{"a.example", "b.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got, err := entries(source{Package: "p", Version: "1", Format: tt.format, Path: "f"}, []byte(tt.data))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []source{{Format: "json"}, {Format: "js-set"}, {Format: "xml"}, {Format: "lines"}} {
		_, err := entries(bad, []byte("# nothing\n"))
		assert.Error(t, err, bad.Format)
	}
}

func TestParentsAndReverseKey(t *testing.T) {
	assert.Equal(t, []string{"noreply.github.com", "github.com"}, slices.Collect(parents("users.noreply.github.com")))
	assert.Empty(t, slices.Collect(parents("gmail.com")))
	assert.Equal(t, "com.github.noreply", reverseKey("noreply.github.com"))
	assert.True(t, isSuffix("co.uk"))
	assert.True(t, isSuffix("github.io"))
	assert.False(t, isSuffix("acme.co.uk"))
	assert.True(t, restricted("dallas.gov"))
	assert.False(t, restricted("gov.uk"))
}

func TestReadSourcesReadsThePinnedManifest(t *testing.T) {
	srcs, err := readSources(filepath.Join("..", "..", "data", "sources.tsv"))
	require.NoError(t, err)
	merged := 0
	for _, s := range srcs {
		assert.Regexp(t, `^sha512-[A-Za-z0-9+/]{86}==$`, s.Integrity, s.id())
		if s.Use == "merge" {
			merged++
			_, err := os.Stat(filepath.Join("..", "..", "data", "licenses", s.Package+".txt"))
			assert.NoError(t, err, "licence text of %s", s.id())
		}
	}
	assert.Equal(t, 7, merged)

	bad := filepath.Join(t.TempDir(), "s.tsv")
	require.NoError(t, os.WriteFile(bad, []byte("p\t1\tMIT\tfree\tmerge\tjson\n"), 0o644))
	_, err = readSources(bad)
	assert.Error(t, err)
}

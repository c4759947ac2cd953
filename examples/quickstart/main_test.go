package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy/memstore"
)

func TestQuickstartTellsTheWholeStory(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, memstore.New()))
	assertStory(t, out.String())
}

func TestQuickstartOnSQLite(t *testing.T) {
	var out bytes.Buffer
	url := "sqlite://" + filepath.Join(t.TempDir(), "quickstart.db")
	require.NoError(t, start(t.Context(), &out, url))
	assert.Contains(t, out.String(), "store: "+url)
	assertStory(t, out.String())
}

func TestRedactHidesPasswords(t *testing.T) {
	assert.Equal(t, "postgres://ann:xxxxx@db:5432/app", redact("postgres://ann:secret@db:5432/app"))
	assert.Equal(t, "sqlite::memory:", redact("sqlite::memory:"))
}

func assertStory(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		`created organization "acme.com" for domain acme.com`,
		"bob@acme.com: new organization? false",
		"carl@gmail.com: new organization? false",
		"bob@acme.com accepted: member",
		`the link's accept page: "Marketing" of "Acme Inc." invites carl@gmail.com as admin`,
		`Carl's organization switcher: "Acme Inc." (org admin: false, workspaces: 1)`,
		"the same token again: tenancy: invalid invitation",
		"Bob (member)  source:create    allowed=false",
		"Carl (admin)  source:create    allowed=true",
		"Bob tries to create a workspace: tenancy: forbidden",
		"Bob without MFA: allowed=false",
		"3 seats",
		"user.signed_up",
	} {
		assert.Contains(t, out, want)
	}
}

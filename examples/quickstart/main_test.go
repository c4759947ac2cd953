package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy/memstore"
)

func TestQuickstartTellsTheWholeStory(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, memstore.New()))
	for _, want := range []string{
		`created organization "acme.com" for domain acme.com`,
		"bob@acme.com: new organization? false",
		"carl@gmail.com: new organization? false",
		"bob@acme.com accepted: member",
		"the same token again: tenancy: invalid invitation",
		"Bob (member)  source:create    allowed=false",
		"Carl (admin)  source:create    allowed=true",
		"Bob tries to create a workspace: tenancy: forbidden",
		"Bob without MFA: allowed=false",
		"3 seats",
		"user.signed_up",
	} {
		assert.Contains(t, out.String(), want)
	}
}

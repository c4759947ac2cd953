package tenancyhttp_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy/tenancyhttp"
)

func TestOpenAPIDocumentIsValid(t *testing.T) {
	v := openAPIValidator(t)
	valid, errs := v.ValidateDocument()
	require.True(t, valid, "openapi.json: %s", describe(errs))
}

func TestOpenAPIIsServed(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, call{method: "GET", path: "/openapi.json"}).expect(t, http.StatusOK, "")
	assert.JSONEq(t, string(tenancyhttp.OpenAPI()), string(res.raw))
	assert.Equal(t, "3.1.0", res.json["openapi"])
}

// TestOpenAPIDescribesEveryRoute checks that the document and the API
// have the same operations: each documented one is routed (it does not
// answer the mux's 404 or 405), and the document holds exactly the
// routes the package lists.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(tenancyhttp.OpenAPI(), &doc))
	var documented []string
	for path, item := range doc.Paths {
		for method := range item {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(documented)
	routed := tenancyhttp.Routes()
	sort.Strings(routed)
	assert.Equal(t, routed, documented)
}

package tenancyhttp_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzBodies sends arbitrary bodies and query strings to the routes that
// parse the most input: whatever arrives, the API answers with a status
// under 500 and a JSON body, and never panics.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Ops"}`, `{"email":"a@acme.com","role":"member"}`, `{"user_id":"00000000-0000-0000-0000-000000000000","role":"admin"}`,
		`{"require_mfa":false,"max_session_age":"1h","allowed_ips":["::1/128"],"auto_join":{"workspaces":["x"]}}`,
		`{"token":"abc"}`, `{"email":"","customer_ref":"` + "\x00" + `"}`, `[]`, `null`, `{"name":"\ud800"}`, `{}{}`, "\xff",
	} {
		f.Add(seed, "limit=2&after=AAAA")
	}
	w := newWorld(f)
	org, ws := w.org.ID.String(), w.sales.ID.String()
	f.Fuzz(func(t *testing.T, body, query string) {
		for _, route := range []struct{ method, path string }{
			{"PATCH", "/me"},
			{"PATCH", "/orgs/" + org},
			{"PUT", "/orgs/" + org + "/security-policy"},
			{"PUT", "/orgs/" + org + "/billing"},
			{"POST", "/workspaces/" + ws + "/members"},
			{"POST", "/workspaces/" + ws + "/invitations"},
			{"POST", "/invitations/preview"},
			{"GET", "/orgs/" + org + "/audit-log"},
			{"GET", "/workspaces/" + ws + "/members"},
		} {
			r := httptest.NewRequest(route.method, route.path, bytes.NewReader([]byte(body)))
			r.URL.RawQuery = query
			r.Header.Set(headerUser, w.ann.ID.String())
			rec := httptest.NewRecorder()
			w.api.ServeHTTP(rec, r)
			if rec.Code >= 500 {
				t.Fatalf("%s %s?%s with %q: %d %s", route.method, route.path, query, body, rec.Code, rec.Body)
			}
			if rec.Code != http.StatusNoContent && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %s: body is not JSON: %q", route.method, route.path, rec.Body)
			}
		}
	})
}

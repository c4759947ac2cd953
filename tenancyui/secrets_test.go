package tenancyui_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/tenancyui"
)

// Behind a proxy that ends TLS (the console sees plain HTTP, its public
// URL is https), the flash cookie, which can carry an invitation link and
// its token, is still Secure: the browser never sends it over http://.
func TestFlashCookieIsSecureBehindATLSProxy(t *testing.T) {
	f := newFixture(t, tenancyui.WithPublicURL("https://app.acme.example/console"))
	ws := f.workspace("Marketing", nil)
	ann := f.as(f.ann)
	ann.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p := ann.post("/console/workspaces/"+ws.ID.String()+"/invitations", url.Values{"email": {"dan@acme.com"}, "role": {"member"}})
	require.Equal(t, http.StatusSeeOther, p.Status)

	var flash *http.Cookie
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "tenancyui_flash" {
			flash = c
		}
	}
	require.NotNil(t, flash)
	payload, _, _ := strings.Cut(flash.Value, ".")
	b, err := base64.RawURLEncoding.DecodeString(payload)
	require.NoError(t, err)
	require.Contains(t, string(b), "https://app.acme.example/console/join/", "the cookie carries the invitation link")
	assert.True(t, flash.Secure, "flash cookie with an invitation token set without Secure on an https console")
}

// failingStore is memstore whose invitation lookup by token fails, as a
// database outage would.
type failingStore struct{ tenancy.Store }

func (failingStore) InvitationByTokenHash(context.Context, []byte) (tenancy.InvitationRecord, error) {
	return tenancy.InvitationRecord{}, errors.New("connection refused")
}

// An internal error on the invitation page is logged with the request's
// path, which holds the invitation's token: the log shows the path with
// the token replaced, so that reading the logs gives no working link.
func TestLogsNeverHoldAnInvitationToken(t *testing.T) {
	var logs bytes.Buffer
	svc := tenancy.New(failingStore{memstore.New()}, tenancy.WithLogger(slog.New(slog.DiscardHandler)))
	ui, err := tenancyui.New(svc, testAuth, tenancyui.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", ui))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	token := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, 32)) // a well-formed token
	resp, err := http.Get(srv.URL + "/console/join/" + token)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Contains(t, logs.String(), "tenancyui: internal error")
	assert.NotContains(t, logs.String(), token, "the log holds the invitation token: %s", logs.String())
	assert.Contains(t, logs.String(), "path=/join/{token}", "the log still says which page failed")
}

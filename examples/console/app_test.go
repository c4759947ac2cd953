package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// testApp serves the app over TLS (its session cookie is Secure) with a
// mailbox catching the links.
func testApp(t *testing.T) (*httptest.Server, *mailbox, *tenancy.Service) {
	t.Helper()
	svc := tenancy.New(memstore.New())
	srv := httptest.NewUnstartedServer(nil)
	a, err := newApp(svc, slog.New(slog.DiscardHandler), "https://"+srv.Listener.Addr().String())
	require.NoError(t, err)
	mail := &mailbox{links: map[string][]string{}}
	a.mail = mail.deliver
	srv.Config.Handler = a
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, mail, svc
}

// client is a browser-like client of srv, with cookies.
func client(t *testing.T, srv *httptest.Server) *http.Client {
	c := srv.Client()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c.Jar = jar
	return c
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestSignInByEmailLink(t *testing.T) {
	srv, mail, svc := testApp(t)
	c := client(t, srv)

	resp, body := fetch(t, c, http.MethodGet, srv.URL+"/", nil)
	assert.Equal(t, "/signin", resp.Request.URL.Path)
	assert.Contains(t, body, `<label for="mfa">I used multi-factor authentication`)

	resp, body = fetch(t, c, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"Ann@Acme.com"}, "name": {"Ann"}, "next": {"/console/workspaces"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "We sent a sign-in link to <strong>ann@acme.com</strong>")
	link := mail.last(t, "ann@acme.com")
	assert.True(t, strings.HasPrefix(link, srv.URL+"/verify?token="), link)

	resp, body = fetch(t, c, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "/console/workspaces", resp.Request.URL.Path)
	assert.Contains(t, body, "Manage Workspaces")
	assert.Contains(t, body, ">acme.com</option>")

	u, err := svc.UserByEmail(t.Context(), "ann@acme.com")
	require.NoError(t, err)
	assert.True(t, u.EmailVerified)
	assert.Equal(t, "Ann", u.Name)

	// The session cookie is HttpOnly, Secure and SameSite=Lax.
	var cookie string
	for _, h := range resp.Request.Response.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, sessionCookie+"=") {
			cookie = h
		}
	}
	require.NotEmpty(t, cookie)
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		assert.Contains(t, cookie, attr)
	}

	// A link works once.
	resp, body = fetch(t, c, http.MethodGet, link, nil)
	assert.Equal(t, http.StatusGone, resp.StatusCode)
	assert.Contains(t, body, "expired or was already used")

	// Signing out ends the session.
	resp, _ = fetch(t, c, http.MethodPost, srv.URL+"/signout", url.Values{})
	assert.Equal(t, "/signin", resp.Request.URL.Path)
	resp, _ = fetch(t, c, http.MethodGet, srv.URL+"/console/", nil)
	assert.Equal(t, "/signin", resp.Request.URL.Path)
}

func TestSessionCookieCannotBeForged(t *testing.T) {
	srv, mail, _ := testApp(t)
	c := client(t, srv)
	fetch(t, c, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"ann@acme.com"}})
	fetch(t, c, http.MethodGet, mail.last(t, "ann@acme.com"), nil)

	u, _ := url.Parse(srv.URL)
	cookies := c.Jar.Cookies(u)
	require.Len(t, cookies, 1)
	payload, _, _ := strings.Cut(cookies[0].Value, ".")
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: payload + ".forged", Path: "/", Secure: true}})
	c.Jar = jar
	resp, _ := fetch(t, c, http.MethodGet, srv.URL+"/console/", nil)
	assert.Equal(t, "/signin", resp.Request.URL.Path)
}

func TestNextStaysOnTheSite(t *testing.T) {
	for next, want := range map[string]string{
		"/console/workspaces":  "/console/workspaces",
		"//evil.example/":      "/console/",
		"/\\evil.example":      "/console/",
		"https://evil.example": "/console/",
		"":                     "/console/",
	} {
		assert.Equal(t, want, localNext(next), next)
	}
}

func TestMFACheckboxMakesAnMFASession(t *testing.T) {
	srv, mail, svc := testApp(t)
	c := client(t, srv)
	fetch(t, c, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"ann@acme.com"}, "mfa": {"on"}})
	fetch(t, c, http.MethodGet, mail.last(t, "ann@acme.com"), nil)

	resp, body := fetch(t, c, http.MethodGet, srv.URL+"/signin", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "with multi-factor authentication")

	// The host's own route, behind tenancyhttp.Require, sees the session.
	orgs, err := svc.AdminOrganizations(t.Context(), mustUser(t, svc, "ann@acme.com").ID)
	require.NoError(t, err)
	require.Len(t, orgs, 1)
	ws, err := svc.CreateWorkspace(t.Context(), tenancy.Actor{UserID: mustUser(t, svc, "ann@acme.com").ID}, orgs[0].ID, "Marketing")
	require.NoError(t, err)
	resp, body = fetch(t, c, http.MethodGet, srv.URL+"/app/workspaces/"+ws.ID.String(), nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `"role":"admin"`)

	other := client(t, srv)
	resp, _ = fetch(t, other, http.MethodGet, srv.URL+"/app/workspaces/"+ws.ID.String(), nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func mustUser(t *testing.T, svc *tenancy.Service, email string) tenancy.User {
	t.Helper()
	u, err := svc.UserByEmail(t.Context(), email)
	require.NoError(t, err)
	return u
}

func TestRunPrintsTheURLAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, w, "127.0.0.1:0", "", "sqlite::memory:", slog.New(slog.DiscardHandler)) }()
	line, err := bufio.NewReader(r).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "tenancy console: http://127.0.0.1:"), line)
	resp, err := http.Get(strings.TrimSpace(strings.TrimPrefix(line, "tenancy console: ")) + "signin")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)

	assert.ErrorContains(t, run(t.Context(), io.Discard, "127.0.0.1:0", "", "mysql://x", slog.New(slog.DiscardHandler)), "-db")
	assert.ErrorContains(t, run(t.Context(), io.Discard, "127.0.0.1:0", "console.example.com", "mem", slog.New(slog.DiscardHandler)), "-url")
}

// The links the app mails start with its public URL, whatever Host
// header the request that asked for them carried.
func TestMailedLinksUseThePublicURL(t *testing.T) {
	srv, mail, _ := testApp(t)
	c := client(t, srv)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/signin", strings.NewReader(url.Values{"email": {"ann@acme.com"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "login.evil.example"
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	link := mail.last(t, "ann@acme.com")
	assert.True(t, strings.HasPrefix(link, srv.URL+"/verify?token="), link)
}

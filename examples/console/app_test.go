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

// client is a browser-like client of srv, with its own cookies.
func client(t *testing.T, srv *httptest.Server) *http.Client {
	c := *srv.Client() // a copy: srv.Client always returns the same client
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c.Jar = jar
	return &c
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
	// The browser that asked for the link gets a nonce cookie that lasts
	// as long as the link.
	nonce := setCookie(resp, nonceCookie)
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=900"} {
		assert.Contains(t, nonce, attr)
	}
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

	// The session cookie is HttpOnly, Secure and SameSite=Lax; the nonce
	// cookie is cleared.
	cookie := setCookie(resp.Request.Response, sessionCookie)
	require.NotEmpty(t, cookie)
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		assert.Contains(t, cookie, attr)
	}
	assert.Contains(t, setCookie(resp.Request.Response, nonceCookie), "Max-Age=0")
	su, _ := url.Parse(srv.URL)
	assert.Len(t, c.Jar.Cookies(su), 1, "only the session cookie is left")

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

// setCookie returns the Set-Cookie header of resp that sets the cookie
// name, or "".
func setCookie(resp *http.Response, name string) string {
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, name+"=") {
			return h
		}
	}
	return ""
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
		"/console/workspaces":         "/console/workspaces",
		"/console/workspaces?tab=a#b": "/console/workspaces?tab=a#b",
		"//evil.example/":             "/console/",
		"/\\evil.example":             "/console/",
		"https://evil.example":        "/console/",
		"":                            "/console/",
		"evil.example":                "/console/",
		"javascript:alert(1)":         "/console/",
		// Browsers drop tabs and newlines anywhere in a URL, and read a
		// backslash as a slash.
		"/\t/evil.example/phish":       "/console/",
		"/\n/evil.example":             "/console/",
		"/\r\n/evil.example":           "/console/",
		"/console/\\..\\/evil.example": "/console/",
		"/\x00/evil.example":           "/console/",
		"/\x7f/evil.example":           "/console/",
		"/console/%zz":                 "/console/", // url.Parse refuses it
	} {
		assert.Equal(t, want, localNext(next), "%q", next)
	}

	// End to end: the link of a sign-in page opened with a tab in next
	// leads to the console, not to evil.example (Go's client would refuse
	// to follow a Location with a tab; a browser drops the tab).
	srv, mail, _ := testApp(t)
	c := client(t, srv)
	_, body := fetch(t, c, http.MethodGet, srv.URL+"/signin?next=/%09/evil.example/phish", nil)
	assert.Contains(t, body, `name="next" value="/console/"`)
	fetch(t, c, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"ann@acme.com"}, "next": {"/\t/evil.example/phish"}})
	resp, _ := fetch(t, c, http.MethodGet, mail.last(t, "ann@acme.com"), nil)
	assert.Equal(t, "/console/", resp.Request.URL.Path)
	assert.Equal(t, "/console/", resp.Request.Response.Header.Get("Location"))
}

// Signing out ends every session of the user: in other browsers, and a
// copy of the cookie (the sessions are stateless signed cookies). Other
// users' sessions and later sign-ins still work.
func TestSignOutEndsEverySession(t *testing.T) {
	srv, mail, _ := testApp(t)
	signIn := func(email string) *http.Client {
		c := client(t, srv)
		fetch(t, c, http.MethodPost, srv.URL+"/signin", url.Values{"email": {email}})
		resp, _ := fetch(t, c, http.MethodGet, mail.last(t, email), nil)
		require.Equal(t, "/console/", resp.Request.URL.Path)
		return c
	}
	laptop, phone, bob := signIn("ann@acme.com"), signIn("ann@acme.com"), signIn("bob@acme.com")
	u, _ := url.Parse(srv.URL)
	cookies := laptop.Jar.Cookies(u)
	require.Len(t, cookies, 1)
	copied := cookies[0].Value // say, from a shared machine or a log

	resp, _ := fetch(t, laptop, http.MethodPost, srv.URL+"/signout", url.Values{})
	require.Equal(t, "/signin", resp.Request.URL.Path)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/console/", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: copied})
	resp, err = srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "/signin", resp.Request.URL.Path, "the copied cookie of a signed-out session still works")
	resp, _ = fetch(t, phone, http.MethodGet, srv.URL+"/console/", nil)
	assert.Equal(t, "/signin", resp.Request.URL.Path, "the user's other session still works")

	resp, _ = fetch(t, bob, http.MethodGet, srv.URL+"/console/", nil)
	assert.Equal(t, "/console/", resp.Request.URL.Path)
	signIn("ann@acme.com")
}

// A sign-in link opened in another browser than the one that asked for it
// does not sign in: it asks first, so that a link an attacker asked for,
// to its own mailbox, cannot silently sign a victim's browser in to the
// attacker's account (login CSRF). Confirming, by a same-origin POST,
// signs in.
func TestSignInLinkFromAnotherBrowserAsksFirst(t *testing.T) {
	srv, mail, _ := testApp(t)
	victim := client(t, srv)
	fetch(t, victim, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"ann@acme.com"}})
	fetch(t, victim, http.MethodGet, mail.last(t, "ann@acme.com"), nil)

	attacker := client(t, srv)
	fetch(t, attacker, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"mallory@gmail.com"}, "next": {"/console/invitations"}})
	link := mail.last(t, "mallory@gmail.com")
	token, err := url.Parse(link)
	require.NoError(t, err)

	// The victim opens it: a confirmation, the link unused, the
	// victim's own session kept.
	resp, body := fetch(t, victim, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "/verify", resp.Request.URL.Path)
	assert.Contains(t, body, "<h1>Sign in as mallory@gmail.com?</h1>")
	assert.Contains(t, body, `<form method="post" action="/verify"`)
	assert.Contains(t, body, `name="token" value="`+token.Query().Get("token")+`"`)
	assert.Empty(t, setCookie(resp, sessionCookie))
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	_, body = fetch(t, victim, http.MethodGet, srv.URL+"/signin", nil)
	assert.Contains(t, body, "signed in as <strong>ann@acme.com</strong>")

	// Another site cannot post the confirmation.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/verify", strings.NewReader(url.Values{"token": token.Query()["token"]}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = victim.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// Confirming on the page signs in, once.
	resp, _ = fetch(t, victim, http.MethodPost, srv.URL+"/verify", url.Values{"token": token.Query()["token"]})
	assert.Equal(t, "/console/invitations", resp.Request.URL.Path)
	_, body = fetch(t, victim, http.MethodGet, srv.URL+"/signin", nil)
	assert.Contains(t, body, "signed in as <strong>mallory@gmail.com</strong>")
	resp, _ = fetch(t, victim, http.MethodPost, srv.URL+"/verify", url.Values{"token": token.Query()["token"]})
	assert.Equal(t, http.StatusGone, resp.StatusCode)

	// The attacker's own browser, which asked for the link, could have
	// used it directly; now it is gone.
	resp, _ = fetch(t, attacker, http.MethodGet, link, nil)
	assert.Equal(t, http.StatusGone, resp.StatusCode)
}

// An account someone signed up, unverified, with another person's
// address (through another sign-up path sharing the database, say one
// with a password) is not the owner's: a sign-in link to the address
// proves the mailbox, not who created the account. The link's owner is
// never signed in to it, and it is not confirmed, which would hand its
// creator a verified account (and the address's domain): it is erased,
// and the owner signed up afresh.
func TestSignInNeverTakesOverAnUnverifiedAccount(t *testing.T) {
	srv, mail, svc := testApp(t)
	squat, err := svc.SignUp(t.Context(), tenancy.SignUpRequest{Email: "ceo@acme.com", ExternalID: "password|mallory"})
	require.NoError(t, err)

	c := client(t, srv)
	fetch(t, c, http.MethodPost, srv.URL+"/signin", url.Values{"email": {"ceo@acme.com"}})
	resp, _ := fetch(t, c, http.MethodGet, mail.last(t, "ceo@acme.com"), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	_, err = svc.User(t.Context(), squat.User.ID)
	require.ErrorIs(t, err, tenancy.ErrNotFound, "the unverified account is erased")
	_, err = svc.UserByExternalID(t.Context(), "password|mallory")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	owner, err := svc.UserByEmail(t.Context(), "ceo@acme.com")
	require.NoError(t, err)
	assert.True(t, owner.EmailVerified)
	orgs, err := svc.AdminOrganizations(t.Context(), owner.ID)
	require.NoError(t, err)
	require.Len(t, orgs, 1, "the owner's verified sign-up claims acme.com")
	_, body := fetch(t, c, http.MethodGet, srv.URL+"/signin", nil)
	assert.Contains(t, body, "signed in as <strong>ceo@acme.com</strong>")
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

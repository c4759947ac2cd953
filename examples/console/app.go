package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/tenancyhttp"
	"github.com/tenancykit/tenancy/tenancyui"
)

const (
	sessionCookie = "__Host-console_session"
	sessionMaxAge = 12 * time.Hour
	linkMaxAge    = 15 * time.Minute
	// nonceCookie holds, while a sign-in link is pending, a random nonce
	// that marks the browser that asked for the link.
	nonceCookie = "__Host-console_signin"
)

// app is the host application: sign-in by email link, sessions in signed
// cookies, the console under /console/ and one of the host's own routes
// guarded by tenancyhttp.Require.
type app struct {
	svc *tenancy.Service
	log *slog.Logger
	key []byte // signs the session cookies
	// url is the site's public URL, without a trailing slash: the links
	// it mails start with it, never with the request's Host header.
	url string
	// mail delivers a message with a link; the demo prints it to the log.
	mail func(to, subject, link string)

	mu        sync.Mutex
	pending   map[string]signInLink // sign-in links not yet used, by token
	signedOut map[string]time.Time  // when each user last signed out, by user ID

	handler http.Handler
}

// signInLink is a sign-in link that was mailed.
type signInLink struct {
	Email, Name string
	MFA         bool
	Next        string
	Expires     time.Time
	Nonce       [sha256.Size]byte // hash of the nonce cookie set in the browser that asked for it
}

// askedFrom reports whether r comes from the browser that asked for the
// link: it presents the nonce cookie set then.
func (l signInLink) askedFrom(r *http.Request) bool {
	c, err := r.Cookie(nonceCookie)
	if err != nil {
		return false
	}
	h := sha256.Sum256([]byte(c.Value))
	return subtle.ConstantTimeCompare(h[:], l.Nonce[:]) == 1
}

// session is what the session cookie holds.
type session struct {
	UserID string `json:"u"`
	MFA    bool   `json:"m,omitempty"`
	At     int64  `json:"a"` // when it authenticated, Unix nanoseconds
}

// newApp builds the host application around svc, reached by browsers at
// publicURL (such as "https://app.example.com").
func newApp(svc *tenancy.Service, logger *slog.Logger, publicURL string) (*app, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("-url %q is not of the form http(s)://host[:port]", publicURL)
	}
	a := &app{svc: svc, log: logger, key: make([]byte, 32), url: u.Scheme + "://" + u.Host,
		pending: map[string]signInLink{}, signedOut: map[string]time.Time{}}
	_, _ = rand.Read(a.key) // crypto/rand.Read never fails
	a.mail = func(to, subject, link string) {
		a.log.Info("mail (this demo prints it instead of sending it)", "to", to, "subject", subject, "link", link)
	}
	ui, err := tenancyui.New(svc, a.authenticate,
		tenancyui.WithTitle("Acme Platform"),
		tenancyui.WithSignIn("/signin"),
		tenancyui.WithSignOut("/signout"),
		tenancyui.WithLogger(logger),
		tenancyui.WithPublicURL(a.url+"/console"),
		tenancyui.WithInvitationSender(func(ctx context.Context, inv tenancy.Invitation, link string) error {
			a.mail(inv.Email, "You are invited to a workspace", link)
			return nil
		}),
	)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", ui))
	mux.HandleFunc("GET /{$}", a.root)
	mux.HandleFunc("GET /signin", a.signInPage)
	mux.HandleFunc("POST /signin", a.signIn)
	mux.HandleFunc("GET /verify", a.verify)
	mux.HandleFunc("POST /verify", a.confirmSignIn) // cross-origin POSTs are refused below
	mux.HandleFunc("POST /signout", a.signOut)
	// One of the host's own pages, guarded by the library: a member of
	// the workspace may view it.
	mux.Handle("GET /app/workspaces/{workspace}", tenancyhttp.Require(svc, a.authenticate, tenancy.ActionViewWorkspace,
		func(r *http.Request) (tenancy.Scope, error) {
			id, err := uuid.Parse(r.PathValue("workspace"))
			return tenancy.InWorkspace(id), err
		})(http.HandlerFunc(a.workspaceApp)))
	a.handler = http.NewCrossOriginProtection().Handler(mux)
	return a, nil
}

// ServeHTTP serves the application.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// authenticate is the tenancyhttp.Authenticator: the session cookie, if
// its signature holds and it is recent enough, as an Actor.
func (a *app) authenticate(r *http.Request) (tenancy.Actor, error) {
	s, ok := a.readSession(r)
	if !ok {
		return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
	}
	id, err := uuid.Parse(s.UserID)
	if err != nil {
		return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
	}
	act := tenancy.Actor{UserID: id, MFA: s.MFA, AuthenticatedAt: time.Unix(0, s.At)}
	// Behind a proxy, RemoteAddr is the proxy's: a host there takes the
	// address its proxy appends to X-Forwarded-For (never one the client
	// sent), or every client passes, or fails, an AllowedIPs alike.
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		act.IP = ap.Addr().Unmap()
	}
	return act, nil
}

// readSession verifies and decodes the session cookie. It refuses a
// session older than sessionMaxAge, and one that started no later than
// its user last signed out: sign-out ends every session of the user, in
// every browser, even one whose cookie was copied.
func (a *app) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	payload, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(a.sign(payload))) {
		return session{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return session{}, false
	}
	var s session
	if json.Unmarshal(b, &s) != nil || time.Since(time.Unix(0, s.At)) > sessionMaxAge {
		return session{}, false
	}
	a.mu.Lock()
	out, ok := a.signedOut[s.UserID]
	a.mu.Unlock()
	if ok && !time.Unix(0, s.At).After(out) {
		return session{}, false
	}
	return s, true
}

// sign returns the MAC of a cookie payload.
func (a *app) sign(payload string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// startSession sets the session cookie.
func (a *app) startSession(w http.ResponseWriter, s session) {
	b, _ := json.Marshal(s)
	payload := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: payload + "." + a.sign(payload), Path: "/",
		MaxAge: int(sessionMaxAge / time.Second), HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
}

// root sends a visitor to the console, or to sign in.
func (a *app) root(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.readSession(r); ok {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// localNext keeps a "next" parameter only if it is a path on this site,
// else it is "/console/". It refuses, besides a scheme, a host or a "//"
// prefix, any backslash or control character: browsers read a backslash
// as a slash and drop tabs and newlines, so "/\t/evil.example" would take
// them to evil.example.
func localNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/console/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/console/"
	}
	return next
}

// pageData is the data of the host's own pages.
type pageData struct {
	Title, Next, Email, Error string
	Token                     string // the sign-in link's token, on the confirmation page
	SignedIn                  string // the signed-in address, "" if none
	MFA                       bool
}

// signInPage asks for an address to mail a sign-in link to.
func (a *app) signInPage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Sign in or sign up", Next: localNext(r.FormValue("next"))}
	if s, ok := a.readSession(r); ok {
		if id, err := uuid.Parse(s.UserID); err == nil {
			if u, err := a.svc.User(r.Context(), id); err == nil {
				d.SignedIn, d.MFA = u.Email, s.MFA
			}
		}
	}
	a.render(w, http.StatusOK, "signin", d)
}

// signIn mails a sign-in link, and sets in the browser a nonce cookie,
// as long-lived as the link, that marks it as the one that asked for it
// (see verify).
func (a *app) signIn(w http.ResponseWriter, r *http.Request) {
	next := localNext(r.PostFormValue("next"))
	email, err := tenancy.ParseEmail(r.PostFormValue("email"))
	if err != nil {
		a.render(w, http.StatusUnprocessableEntity, "signin", pageData{Title: "Sign in or sign up", Next: next,
			Email: r.PostFormValue("email"), Error: "Enter a valid email address, such as ann@example.com."})
		return
	}
	tok := make([]byte, 32)
	_, _ = rand.Read(tok)
	token := base64.RawURLEncoding.EncodeToString(tok)
	nonce := make([]byte, 32)
	_, _ = rand.Read(nonce)
	nonceValue := base64.RawURLEncoding.EncodeToString(nonce)
	a.mu.Lock()
	for t, l := range a.pending {
		if time.Now().After(l.Expires) {
			delete(a.pending, t)
		}
	}
	a.pending[token] = signInLink{Email: email.String(), Name: strings.TrimSpace(r.PostFormValue("name")),
		MFA: r.PostFormValue("mfa") != "", Next: next, Expires: time.Now().Add(linkMaxAge),
		Nonce: sha256.Sum256([]byte(nonceValue))}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: nonceCookie, Value: nonceValue, Path: "/",
		MaxAge: int(linkMaxAge / time.Second), HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	a.mail(email.String(), "Your sign-in link", a.url+"/verify?token="+url.QueryEscape(token))
	a.render(w, http.StatusOK, "sent", pageData{Title: "Check your email", Email: email.String()})
}

// verify opens a sign-in link. In the browser that asked for it, the
// usual case, it signs in at once (useLink). Anywhere else it leaves the
// link unused and asks first, with a form that posts to confirmSignIn:
// otherwise a link that an attacker asked for, to its own mailbox, would
// silently sign in to the attacker's account whatever browser it gets
// opened in (login CSRF).
func (a *app) verify(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	a.mu.Lock()
	l, ok := a.pending[token]
	a.mu.Unlock()
	if !ok || time.Now().After(l.Expires) {
		a.linkGone(w)
		return
	}
	if !l.askedFrom(r) {
		a.render(w, http.StatusOK, "confirm", pageData{Title: "Sign in as " + l.Email + "?", Email: l.Email, Token: token})
		return
	}
	a.useLink(w, r, token)
}

// confirmSignIn is the POST of verify's confirmation page: it uses the
// link. The app's CrossOriginProtection refuses a cross-origin POST, and
// its pages may not be framed, so only a person on this site sends it.
func (a *app) confirmSignIn(w http.ResponseWriter, r *http.Request) {
	a.useLink(w, r, r.PostFormValue("token"))
}

// linkGone answers a sign-in link that is unknown, used or expired.
func (a *app) linkGone(w http.ResponseWriter) {
	a.render(w, http.StatusGone, "signin", pageData{Title: "Sign in or sign up", Next: "/console/",
		Error: "That sign-in link has expired or was already used. Ask for a new one."})
}

// useLink uses up a sign-in link: it signs the user up on its first visit
// (the link proves the mailbox, so the address is verified), starts a
// session and clears the nonce cookie.
//
// An account that holds the address unverified was made by whoever typed
// the address, through another sign-up path sharing the database: the
// link proves the mailbox, not who made that account, whose maker may
// hold a password to it. So the owner is never signed in to it, nor is it
// confirmed (which would hand its maker a verified account, and the
// address's domain): the owner is signed up with ReplaceUnverified, which
// erases it in the same transaction, as tenancy's SignUp documentation
// asks.
func (a *app) useLink(w http.ResponseWriter, r *http.Request, token string) {
	a.mu.Lock()
	l, ok := a.pending[token]
	delete(a.pending, token)
	a.mu.Unlock()
	if !ok || time.Now().After(l.Expires) {
		a.linkGone(w)
		return
	}
	ctx := r.Context()
	u, err := a.svc.UserByEmail(ctx, l.Email)
	if err == nil && !u.EmailVerified {
		err = tenancy.ErrNotFound // not the owner's account: replaced below
	}
	switch {
	case errors.Is(err, tenancy.ErrNotFound):
		res, err := a.svc.SignUp(ctx, tenancy.SignUpRequest{Email: l.Email, Name: l.Name, EmailVerified: true,
			ReplaceUnverified: true})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		u = res.User
		if res.Replaced != uuid.Nil {
			a.log.Info("erased an unverified account that held the address", "email", u.Email, "user", res.Replaced)
		}
		if res.CreatedOrganization {
			a.log.Info("signed up and created an organization", "email", u.Email, "organization", res.Organization.Name)
		} else {
			a.log.Info("signed up", "email", u.Email)
		}
	case err != nil:
		a.fail(w, r, err)
		return
	}
	a.startSession(w, session{UserID: u.ID.String(), MFA: l.MFA, At: time.Now().UnixNano()})
	http.SetCookie(w, &http.Cookie{Name: nonceCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, l.Next, http.StatusSeeOther)
}

// signOut ends every session of the user, not only this browser's: the
// sessions are stateless signed cookies, so it remembers when the user
// signed out, and readSession refuses the sessions started until then.
// (This memory goes with the signing key when the app restarts; entries
// older than sessionMaxAge are dropped, as no session is that old.)
func (a *app) signOut(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.readSession(r); ok {
		now := time.Now()
		a.mu.Lock()
		for id, t := range a.signedOut {
			if now.Sub(t) > sessionMaxAge {
				delete(a.signedOut, id)
			}
		}
		a.signedOut[s.UserID] = now
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// workspaceApp stands for the host's product inside a workspace.
func (a *app) workspaceApp(w http.ResponseWriter, r *http.Request) {
	d, _ := tenancyhttp.DecisionFrom(r.Context())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"workspace": r.PathValue("workspace"), "role": string(d.Role)})
}

// fail answers an unexpected error.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("console: request failed", "path", r.URL.Path, "error", err)
	http.Error(w, "Something went wrong.", http.StatusInternalServerError)
}

// render writes one of the host's pages.
func (a *app) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
		a.log.Error("console: template", "error", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	// No other site may frame these pages, and trick a click on them.
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pages are the host's own pages; they borrow the console's stylesheet.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Acme Platform</title><link rel="stylesheet" href="/console/console.css"></head>
<body><header class="top"><div class="top-inner"><a class="brand" href="/">Acme Platform</a></div></header>
<main id="main">{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "signin"}}{{template "head" .}}
<h1>{{.Title}}</h1>
{{with .Error}}<div class="flash flash-error" role="alert"><p>{{.}}</p></div>{{end}}
{{with .SignedIn}}<p class="notice">You are signed in as <strong>{{.}}</strong>{{if $.MFA}} with multi-factor authentication{{end}}. Sign in again to start a new session.</p>{{end}}
<p>Enter your email address and we will email you a link to sign in. If you are new, the link creates your account; a work address also creates your company's organization.</p>
<form method="post" action="/signin" class="stack">
  <input type="hidden" name="next" value="{{.Next}}">
  <div class="field"><label for="email">Email address</label>
    <input id="email" name="email" type="email" required autocomplete="email" value="{{.Email}}"></div>
  <div class="field"><label for="name">Your name <span class="muted">(for new accounts, optional)</span></label>
    <input id="name" name="name" type="text" autocomplete="name"></div>
  <div class="check"><input id="mfa" name="mfa" type="checkbox" value="on">
    <label for="mfa">I used multi-factor authentication <span class="muted">(simulated)</span></label></div>
  <div class="actions"><button type="submit" class="primary">Email me a sign-in link</button></div>
</form>
{{template "foot" .}}{{end}}

{{define "sent"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<div role="status"><p class="lead">We sent a sign-in link to <strong>{{.Email}}</strong>.</p></div>
<p class="hint">This demo sends no mail: the link is printed in the server's log. It works once, for 15 minutes.</p>
{{template "foot" .}}{{end}}

{{define "confirm"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<p>This sign-in link was opened in another browser than the one that asked for it. Continue only if you asked for it: a link someone else sends you signs you in to their account.</p>
<form method="post" action="/verify" class="stack">
  <input type="hidden" name="token" value="{{.Token}}">
  <div class="actions"><button type="submit" class="primary">Sign in as {{.Email}}</button></div>
</form>
{{template "foot" .}}{{end}}
`))

package tenancyui

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
)

// Page is the data every template receives.
type Page struct {
	// Title is the page's heading (its h1) and the first part of its
	// title element.
	Title string
	// AppTitle is the console's name (WithTitle).
	AppTitle string
	// Base is the prefix the console is mounted under; every link and form
	// action starts with it ("" at the root).
	Base string
	// CSS is the stylesheet's URL.
	CSS string
	// CSRF is the token each POST form sends in its "csrf" field.
	CSRF string
	// Flash is the message of the previous action, nil if none.
	Flash *Flash
	// User is the signed-in user, nil on a page seen signed out.
	User *tenancy.User
	// Orgs are the user's organizations, for the switcher.
	Orgs []tenancy.OrgMembership
	// CurrentOrg is the organization the page is about, uuid.Nil if none.
	CurrentOrg uuid.UUID
	// Invitations counts the user's pending invitations.
	Invitations int
	// Section names the navigation entry the page belongs to ("home",
	// "manage", "invitations", "org"), for aria-current.
	Section string
	// SignIn and SignOut are the host's pages (WithSignIn, WithSignOut).
	SignIn, SignOut string
	// Status is the HTTP status of the response.
	Status int
	// Data holds the page's own data; see the page's template.
	Data any
}

// Flash is a one-time message shown on the page after an action.
type Flash struct {
	// Error is true for a failure, false for a success.
	Error bool `json:"e,omitempty"`
	// Text is the message.
	Text string `json:"t"`
	// Link is an invitation link to pass on, "" if none.
	Link string `json:"l,omitempty"`
	// Next and NextText are a link to what to do next, "" if none.
	Next     string `json:"n,omitempty"`
	NextText string `json:"x,omitempty"`
}

// request is one request to the console.
type request struct {
	h        *handler
	w        http.ResponseWriter
	r        *http.Request
	base     string
	actor    tenancy.Actor
	signedIn bool
	flash    *Flash
}

// pageFunc handles a request; a returned error is rendered by fail.
type pageFunc func(q *request) error

// signedIn wraps a page that needs a session.
func (h *handler) page(fn pageFunc) http.Handler {
	return h.wrap(fn, true, false)
}

// public wraps a page that anyone may see.
func (h *handler) public(fn pageFunc) http.Handler {
	return h.wrap(fn, false, false)
}

// form wraps a POST handler: it needs a session, a same-origin request and
// the session's CSRF token.
func (h *handler) form(fn pageFunc) http.Handler {
	return h.wrap(fn, true, true)
}

func (h *handler) wrap(fn pageFunc, needSession, post bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		q := &request{h: h, w: w, r: r, base: basePath(r)}
		if a, err := h.auth(r); err == nil {
			q.actor, q.signedIn = a, true
		}
		if post {
			if err := h.cfg.cop.Check(r); err != nil {
				q.problem(http.StatusForbidden, "Request refused", "This form was sent from another site, so it was not accepted.", "")
				return
			}
		}
		if needSession && !q.signedIn {
			if !post && h.cfg.signIn != "" {
				http.Redirect(w, r, q.signInURL(), http.StatusSeeOther)
				return
			}
			q.problem(http.StatusUnauthorized, "Sign in required", "Sign in to use the console.", "")
			return
		}
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if err := r.ParseForm(); err != nil {
				q.problem(http.StatusBadRequest, "Bad request", "The form could not be read.", "")
				return
			}
			if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(h.csrfToken(q.actor))) {
				q.problem(http.StatusForbidden, "This form has expired",
					"The form was opened in an earlier session. Go back, reload the page and try again.", "")
				return
			}
		} else {
			q.flash = h.readFlash(q)
		}
		if err := fn(q); err != nil {
			q.fail(err)
		}
	})
}

// signInURL is the host's sign-in page with next set to this request
// (to the console's home for a POST).
func (q *request) signInURL() string {
	next := q.r.RequestURI
	if q.r.Method != http.MethodGet {
		next = q.base + "/"
	}
	return q.signInURLTo(next)
}

// signInURLTo is the host's sign-in page with next set, "" without one.
func (q *request) signInURLTo(next string) string {
	u := q.h.cfg.signIn
	if u == "" {
		return ""
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "next=" + url.QueryEscape(next)
}

// csrfToken is the session's token: an HMAC of the user and the time its
// session authenticated.
func (h *handler) csrfToken(a tenancy.Actor) string {
	m := hmac.New(sha256.New, h.cfg.key)
	m.Write([]byte("tenancyui csrf\x00"))
	m.Write(a.UserID[:])
	m.Write([]byte(strconv.FormatInt(a.AuthenticatedAt.UnixNano(), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

const flashCookie = "tenancyui_flash"

// sign returns the MAC of a flash payload.
func (h *handler) sign(payload string) string {
	m := hmac.New(sha256.New, h.cfg.key)
	m.Write([]byte("tenancyui flash\x00"))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (q *request) cookiePath() string {
	if q.base == "" {
		return "/"
	}
	return q.base
}

// redirect answers a POST with a redirect to path (under the base),
// leaving f for the next page.
func (q *request) redirect(path string, f *Flash) error {
	if f != nil {
		b, _ := json.Marshal(f)
		payload := base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(q.w, &http.Cookie{
			Name: flashCookie, Value: payload + "." + q.h.sign(payload), Path: q.cookiePath(),
			MaxAge: 120, HttpOnly: true, Secure: q.secure(), SameSite: http.SameSiteLaxMode,
		})
	}
	http.Redirect(q.w, q.r, q.base+path, http.StatusSeeOther)
	return nil
}

// secure reports whether the console's cookies must be Secure: when the
// request came over TLS, or the public URL (WithPublicURL) is https, as
// behind a proxy that ends TLS. A flash can hold an invitation link, token
// included.
func (q *request) secure() bool {
	return q.r.TLS != nil || strings.HasPrefix(q.h.cfg.publicURL, "https://")
}

// loggedPath is the request's path as logs show it: a secret in it (the
// token of an invitation link) is replaced by its wildcard's name.
func (q *request) loggedPath() string {
	if token := q.r.PathValue("token"); token != "" {
		return strings.Replace(q.r.URL.Path, token, "{token}", 1)
	}
	return q.r.URL.Path
}

// done redirects to path with a success message.
func (q *request) done(path, text string) error {
	return q.redirect(path, &Flash{Text: text})
}

// readFlash takes the flash message the previous response left, if its
// signature holds, and clears it.
func (h *handler) readFlash(q *request) *Flash {
	c, err := q.r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(q.w, &http.Cookie{Name: flashCookie, Path: q.cookiePath(), MaxAge: -1, HttpOnly: true,
		Secure: q.secure(), SameSite: http.SameSiteLaxMode})
	payload, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(h.sign(payload))) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	var f Flash
	if json.Unmarshal(b, &f) != nil || f.Text == "" {
		return nil
	}
	return &f
}

// render writes a page: the layout with the page's template.
func (q *request) render(file string, status int, p Page) error {
	p.AppTitle, p.Base, p.CSS = q.h.cfg.title, q.base, q.base+q.h.cssURL
	p.SignIn, p.SignOut, p.Flash, p.Status = q.signInURL(), q.h.cfg.signOut, q.flash, status
	if q.signedIn {
		ctx := q.r.Context()
		u, err := q.h.svc.User(ctx, q.actor.UserID)
		switch {
		case err == nil:
			p.User = &u
			p.CSRF = q.h.csrfToken(q.actor)
			if p.Orgs, err = q.h.svc.UserOrganizations(ctx, u.ID); err != nil {
				return err
			}
			invs, err := q.h.svc.UserInvitations(ctx, u.ID)
			if err != nil {
				return err
			}
			p.Invitations = len(invs)
		case !errors.Is(err, tenancy.ErrNotFound):
			return err
		}
	}
	var buf bytes.Buffer
	if err := q.h.pages[file].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.WriteHeader(status)
	_, err := q.w.Write(buf.Bytes())
	return err
}

// problemData is the data of problem.html.
type problemData struct {
	Message string // what happened, for a person
	Reason  string // the decision's reason, "" if none
	Code    tenancy.DenialCode
	// Next is a link to what to do, "" if none.
	Next, NextText string
}

// problem renders an error page.
func (q *request) problem(status int, title, message, reason string) {
	q.renderProblem(status, title, problemData{Message: message, Reason: reason})
}

func (q *request) renderProblem(status int, title string, d problemData) {
	if err := q.render("problem.html", status, Page{Title: title, Data: d}); err != nil {
		q.h.cfg.logger.LogAttrs(q.r.Context(), slog.LevelError, "tenancyui: rendering an error page",
			slog.String("path", q.loggedPath()), slog.Any("error", err))
		http.Error(q.w, http.StatusText(status), status)
	}
}

// errBadID is a malformed ID in a path or form.
var errBadID = errors.New("tenancyui: malformed ID")

// fail renders err as a page a person understands.
func (q *request) fail(err error) {
	var denied *tenancy.DeniedError
	switch {
	case errors.As(err, &denied) && denied.Decision.Code != tenancy.DeniedNoRole:
		q.renderProblem(http.StatusForbidden, deniedTitle(denied.Decision.Code), q.deniedData(denied.Decision))
	case errors.Is(err, tenancy.ErrInvitation):
		q.problem(http.StatusGone, "This invitation is no longer valid",
			"The invitation has expired, was revoked or replaced, was already used, or is not addressed to you. Ask the person who invited you for a new one.", "")
	case errors.Is(err, tenancy.ErrNotFound), errors.Is(err, errBadID), errors.As(err, &denied):
		q.problem(http.StatusNotFound, "Not found",
			"This page does not exist, or you do not have access to it.", "")
	case errors.Is(err, tenancy.ErrInvalidInput):
		q.problem(http.StatusUnprocessableEntity, "Invalid request", message(err), "")
	default:
		q.h.cfg.logger.LogAttrs(q.r.Context(), slog.LevelError, "tenancyui: internal error",
			slog.String("method", q.r.Method), slog.String("path", q.loggedPath()), slog.Any("error", err))
		q.problem(http.StatusInternalServerError, "Something went wrong",
			"The console could not complete the request. Try again in a moment.", "")
	}
}

// deniedTitle is the heading of a denial page.
func deniedTitle(c tenancy.DenialCode) string {
	switch c {
	case tenancy.DeniedMFA:
		return "Multi-factor authentication required"
	case tenancy.DeniedSSO:
		return "Single sign-on required"
	case tenancy.DeniedSessionAge:
		return "Please sign in again"
	case tenancy.DeniedIP:
		return "Not available from this network"
	case tenancy.DeniedEmailDomain:
		return "Email domain not allowed"
	}
	return "You cannot do this"
}

// deniedData explains a denial and what to do about it.
func (q *request) deniedData(d tenancy.Decision) problemData {
	p := problemData{Reason: sentence(d.Reason), Code: d.Code}
	signIn := q.signInURL()
	switch d.Code {
	case tenancy.DeniedMFA:
		p.Message = "This organization requires multi-factor authentication (MFA), and your current session did not use it. Sign in again using multi-factor authentication, then come back to this page."
		p.Next, p.NextText = signIn, "Sign in again with multi-factor authentication"
	case tenancy.DeniedSSO:
		p.Message = "This organization requires its single sign-on (SSO), and your current session did not use it. Sign in again through your organization's single sign-on."
		p.Next, p.NextText = signIn, "Sign in again with single sign-on"
	case tenancy.DeniedSessionAge:
		p.Message = "Your session is older than this organization allows. Sign in again to continue."
		p.Next, p.NextText = signIn, "Sign in again"
	case tenancy.DeniedIP:
		p.Message = "This organization only allows access from its approved networks. Connect from one of them (for example your company's VPN) and try again."
	case tenancy.DeniedEmailDomain:
		p.Message = "This organization only allows addresses at its approved email domains."
	default:
		p.Message = "Your role does not allow this. Ask an administrator of the workspace or organization if you need it."
	}
	return p
}

// formError answers a failed POST: mistakes a person can fix (bad input,
// a name taken, the last admin, a role they cannot grant) go back to the
// form at path as an error message; anything else is a page (fail).
func (q *request) formError(path string, err error) error {
	var denied *tenancy.DeniedError
	if errors.As(err, &denied) {
		switch denied.Decision.Code {
		case tenancy.DeniedPermission, tenancy.DeniedEmailDomain:
			return q.redirect(path, &Flash{Error: true, Text: "Not allowed: " + sentence(denied.Decision.Reason)})
		}
		return err
	}
	switch {
	case errors.Is(err, tenancy.ErrLastAdmin):
		return q.redirect(path, &Flash{Error: true, Text: "This would leave no admin. Make someone else an admin first."})
	case errors.Is(err, tenancy.ErrLockout):
		f := &Flash{Error: true, Text: "Not saved: your current session would not satisfy this policy, so it would lock you out. Sign in again in a way that satisfies it (for example with multi-factor authentication), then save it."}
		if q.h.cfg.signIn != "" {
			f.Next, f.NextText = q.signInURLTo(q.base+path), "Sign in again"
		}
		return q.redirect(path, f)
	case errors.Is(err, tenancy.ErrAlreadyExists), errors.Is(err, tenancy.ErrDomainTaken),
		errors.Is(err, tenancy.ErrInvalidInput):
		return q.redirect(path, &Flash{Error: true, Text: message(err)})
	}
	return err
}

// sentence makes a reason a sentence: capitalized, with a full stop.
func sentence(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// message turns a library error into a sentence for a person: its detail
// without the package prefixes.
func message(err error) string {
	s := err.Error()
	for _, prefix := range []string{"tenancy: ", "invalid input: ", "invalid email address: ", "invalid email: "} {
		for strings.HasPrefix(s, prefix) {
			s = strings.TrimPrefix(s, prefix)
		}
	}
	switch {
	case errors.Is(err, tenancy.ErrAlreadyExists):
		return "That already exists."
	case errors.Is(err, tenancy.ErrDomainTaken):
		return "That domain already belongs to another organization."
	case errors.Is(err, tenancy.ErrInvalidEmail):
		return "That email address is not valid: " + sentence(strings.TrimPrefix(s, "invalid email: "))
	}
	return sentence(s)
}

// pathID parses a UUID path value.
func (q *request) pathID(name string) (uuid.UUID, error) {
	id, err := uuid.Parse(q.r.PathValue(name))
	if err != nil {
		return uuid.Nil, errBadID
	}
	return id, nil
}

// formID parses a UUID form or query value.
func (q *request) formID(name string) (uuid.UUID, error) {
	id, err := uuid.Parse(q.r.FormValue(name))
	if err != nil {
		return uuid.Nil, errBadID
	}
	return id, nil
}

// absURL is the absolute URL of a console path: under WithPublicURL, or
// else as the request reached it (for links shown to the requester only;
// WithInvitationSender requires WithPublicURL).
func (q *request) absURL(path string) string {
	if q.h.cfg.publicURL != "" {
		return q.h.cfg.publicURL + path
	}
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + q.r.Host + q.base + path
}

// serveCSS serves the stylesheet.
func (h *handler) serveCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "console.css", time.Time{}, bytes.NewReader(h.cfg.css))
}

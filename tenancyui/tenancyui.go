package tenancyui

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/tenancyhttp"
)

//go:embed templates/*.html
var defaultTemplates embed.FS

//go:embed static/console.css
var defaultCSS []byte

// DefaultTemplates returns the console's templates, for a host that wants
// to start its own from them. Each page is rendered by executing the
// template "layout" (layout.html) with a Page, after parsing layout.html,
// partials.html and the page's file, which defines "content". The files
// are home.html, manage.html, new_workspace.html, organization.html,
// workspace.html, settings.html, invitations.html, join.html, users.html,
// security.html, billing.html, audit.html, confirm.html and problem.html.
func DefaultTemplates() fs.FS {
	sub, _ := fs.Sub(defaultTemplates, "templates") // the directory is embedded
	return sub
}

// pageFiles are the page templates; each is parsed with layout.html and
// partials.html.
var pageFiles = []string{
	"home.html", "manage.html", "new_workspace.html", "organization.html",
	"workspace.html", "settings.html", "invitations.html", "join.html",
	"users.html", "security.html", "billing.html", "audit.html",
	"confirm.html", "problem.html",
}

// An Option configures the console.
type Option func(*config)

type config struct {
	title     string
	css       []byte
	templates fs.FS
	signIn    string
	signOut   string
	key       []byte
	cop       *http.CrossOriginProtection
	sender    func(ctx context.Context, inv tenancy.Invitation, link string) error
	publicURL string // absolute, without a trailing slash; "" if unset
	logger    *slog.Logger
}

// WithTitle sets the console's name, shown in the header and in every
// page title (default "Tenancy console").
func WithTitle(title string) Option { return func(c *config) { c.title = title } }

// WithCSS replaces the console's stylesheet. The default one is
// DefaultCSS.
func WithCSS(css []byte) Option {
	return func(c *config) { c.css = bytes.Clone(css) }
}

// DefaultCSS returns a copy of the console's default stylesheet, for a host
// that wants to extend it with WithCSS.
func DefaultCSS() []byte { return bytes.Clone(defaultCSS) }

// WithTemplates replaces templates of the console: a file of fsys named
// like one of DefaultTemplates replaces it; the others stay. New fails if
// a template does not parse.
func WithTemplates(fsys fs.FS) Option { return func(c *config) { c.templates = fsys } }

// WithSignIn sets the host's sign-in page. A request without a session is
// redirected there with the parameter next set to the path to come back
// to; the invitation page links to it. Without it, such requests get a
// "sign in required" page.
func WithSignIn(url string) Option { return func(c *config) { c.signIn = url } }

// WithSignOut sets the host's sign-out endpoint; the header then shows a
// "Sign out" button that POSTs to it.
func WithSignOut(url string) Option { return func(c *config) { c.signOut = url } }

// WithKey sets the secret that signs the per-session CSRF tokens and the
// flash cookie; it must be at least 32 bytes (New fails otherwise).
// Without it the key is random, so it changes at every start.
func WithKey(key []byte) Option { return func(c *config) { c.key = bytes.Clone(key) } }

// WithCrossOriginProtection replaces the http.CrossOriginProtection that
// checks every POST (default: http.NewCrossOriginProtection()), for a host
// that trusts other origins.
func WithCrossOriginProtection(p *http.CrossOriginProtection) Option {
	return func(c *config) { c.cop = p }
}

// WithInvitationSender delivers invitations: send is called after each
// invitation is created with the absolute link that opens it. Without a
// sender, the inviter is shown the link to pass on. When send fails, the
// inviter is shown the link and the failure.
//
// A sender needs WithPublicURL (New fails without it): the link is built
// from that URL, never from the request, whose Host header the inviter
// controls. Otherwise an inviter could have the product mail a genuine
// invitation whose link, and secret token, lead to a site of its choice.
func WithInvitationSender(send func(ctx context.Context, inv tenancy.Invitation, link string) error) Option {
	return func(c *config) { c.sender = send }
}

// WithPublicURL sets the console's public absolute URL, as browsers reach
// it: scheme, host and the prefix the console is mounted under, such as
// "https://app.example.com/console". Invitation links are built from it,
// never from the request's Host header, which the client chooses. It is
// required with WithInvitationSender, and New fails unless it is an
// absolute http or https URL with a host and no user information, query
// or fragment. Without it (and without a sender), the link shown to the
// inviter is built from the request, as the inviter reached the console.
func WithPublicURL(u string) Option { return func(c *config) { c.publicURL = u } }

// WithLogger sets the logger for internal errors (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// handler is the console.
type handler struct {
	svc    *tenancy.Service
	auth   tenancyhttp.Authenticator
	cfg    config
	pages  map[string]*template.Template
	cssURL string // relative to the base path, with a version
	mux    *http.ServeMux
}

// New returns the console over svc, authenticating requests with auth.
// Mount it under a prefix with http.StripPrefix; its links keep the
// prefix. It returns an error if a template of WithTemplates does not
// parse, WithKey is shorter than 32 bytes, WithPublicURL is not a valid
// URL, or WithInvitationSender is set without WithPublicURL.
func New(svc *tenancy.Service, auth tenancyhttp.Authenticator, opts ...Option) (http.Handler, error) {
	if svc == nil || auth == nil {
		return nil, errors.New("tenancyui: nil Service or Authenticator")
	}
	h := &handler{svc: svc, auth: auth, cfg: config{title: "Tenancy console", css: defaultCSS}}
	for _, o := range opts {
		if o != nil {
			o(&h.cfg)
		}
	}
	if h.cfg.key == nil {
		h.cfg.key = make([]byte, 32)
		_, _ = rand.Read(h.cfg.key) // crypto/rand.Read never fails
	} else if len(h.cfg.key) < 32 {
		return nil, errors.New("tenancyui: WithKey needs at least 32 bytes")
	}
	if h.cfg.publicURL != "" {
		u, err := parsePublicURL(h.cfg.publicURL)
		if err != nil {
			return nil, err
		}
		h.cfg.publicURL = u
	} else if h.cfg.sender != nil {
		return nil, errors.New("tenancyui: WithInvitationSender needs WithPublicURL: the emailed links must not depend on the request's Host header")
	}
	if h.cfg.cop == nil {
		h.cfg.cop = http.NewCrossOriginProtection()
	}
	if h.cfg.logger == nil {
		h.cfg.logger = slog.Default()
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(h.cfg.css)
	h.cssURL = "/console.css?v=" + hex.EncodeToString(sum[:6])
	h.routes()
	return h, nil
}

// parsePublicURL checks the URL of WithPublicURL and returns it without
// a trailing slash.
func parsePublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("tenancyui: WithPublicURL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Opaque != "", u.Host == "":
		return "", fmt.Errorf("tenancyui: WithPublicURL %q is not an absolute http or https URL", raw)
	case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return "", fmt.Errorf("tenancyui: WithPublicURL %q has user information, a query or a fragment", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// parseTemplates builds one template set per page from the defaults and
// the overrides.
func (h *handler) parseTemplates() error {
	defaults := DefaultTemplates()
	read := func(name string) (string, error) {
		if h.cfg.templates != nil {
			b, err := fs.ReadFile(h.cfg.templates, name)
			if err == nil {
				return string(b), nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("tenancyui: template %s: %w", name, err)
			}
		}
		b, err := fs.ReadFile(defaults, name)
		return string(b), err
	}
	h.pages = make(map[string]*template.Template, len(pageFiles))
	for _, page := range pageFiles {
		t := template.New("tenancyui").Funcs(funcs)
		for _, name := range []string{"layout.html", "partials.html", page} {
			text, err := read(name)
			if err != nil {
				return err
			}
			if _, err := t.New(name).Parse(text); err != nil {
				return fmt.Errorf("tenancyui: template %s: %w", name, err)
			}
		}
		if t.Lookup("layout") == nil {
			return fmt.Errorf("tenancyui: template %s: no \"layout\" template", page)
		}
		h.pages[page] = t
	}
	return nil
}

// ServeHTTP sets the console's security headers, checks POSTs for
// cross-site forgery, and routes the request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer") // invitation links carry a secret
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.mux.ServeHTTP(w, r)
}

// basePath returns the prefix the console is mounted under, as the
// request's original URI shows it: "" at the root, "/console" under
// http.StripPrefix("/console", …).
func basePath(r *http.Request) string {
	raw := r.RequestURI
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		raw = u.EscapedPath()
	}
	p := r.URL.EscapedPath()
	if strings.HasSuffix(raw, p) {
		return strings.TrimSuffix(raw[:len(raw)-len(p)], "/")
	}
	return ""
}

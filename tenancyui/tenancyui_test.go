package tenancyui_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/tenancyhttp"
	"github.com/tenancykit/tenancy/tenancyui"
)

// sessionStart is when every test session authenticated.
var sessionStart = time.Now().Add(-time.Minute).Truncate(time.Second)

// testAuth authenticates by headers, as a test stands for the host's
// sign-in: X-Test-User holds the user ID, X-Test-MFA "1" for an MFA session.
func testAuth(r *http.Request) (tenancy.Actor, error) {
	id, err := uuid.Parse(r.Header.Get("X-Test-User"))
	if err != nil {
		return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
	}
	a := tenancy.Actor{UserID: id, MFA: r.Header.Get("X-Test-MFA") == "1", AuthenticatedAt: sessionStart}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		a.IP = ap.Addr()
	}
	return a, nil
}

// fixture is a Service with an organization (acme.com, founded by Ann), a
// colleague at acme.com (Bob) and a personal-address user (Carol), and the
// console mounted under /console.
type fixture struct {
	t     *testing.T
	svc   *tenancy.Service
	srv   *httptest.Server
	org   tenancy.Organization
	ann   tenancy.User
	bob   tenancy.User
	carol tenancy.User
}

func newFixture(t *testing.T, opts ...tenancyui.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, svc: tenancy.New(memstore.New())}
	res, err := f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	require.NoError(t, err)
	require.True(t, res.CreatedOrganization)
	f.ann, f.org = res.User, *res.Organization
	res, err = f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", Name: "Bob", EmailVerified: true})
	require.NoError(t, err)
	f.bob = res.User
	res, err = f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "carol@gmail.com", EmailVerified: true})
	require.NoError(t, err)
	f.carol = res.User

	ui, err := tenancyui.New(f.svc, testAuth, append([]tenancyui.Option{tenancyui.WithSignIn("/signin")}, opts...)...)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", ui))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// actor is a session of u.
func actor(u tenancy.User) tenancy.Actor {
	return tenancy.Actor{UserID: u.ID, AuthenticatedAt: sessionStart}
}

// workspace creates a workspace as Ann and adds members.
func (f *fixture) workspace(name string, members map[tenancy.User]tenancy.Role) tenancy.Workspace {
	f.t.Helper()
	ctx := context.Background()
	ws, err := f.svc.CreateWorkspace(ctx, actor(f.ann), f.org.ID, name)
	require.NoError(f.t, err)
	for u, r := range members {
		_, err := f.svc.AddMember(ctx, actor(f.ann), ws.ID, u.ID, r)
		require.NoError(f.t, err)
	}
	return ws
}

// browser is one user's HTTP client, with cookies, following redirects
// as a browser does.
type browser struct {
	t    *testing.T
	f    *fixture
	c    *http.Client
	user uuid.UUID
	mfa  bool
	// headers are added to every request.
	headers map[string]string
}

type authTransport struct{ b *browser }

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if a.b.user != uuid.Nil {
		r.Header.Set("X-Test-User", a.b.user.String())
	}
	if a.b.mfa {
		r.Header.Set("X-Test-MFA", "1")
	}
	for k, v := range a.b.headers {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (f *fixture) as(u tenancy.User) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: f.t, f: f, user: u.ID, headers: map[string]string{}}
	b.c = &http.Client{Jar: jar, Transport: authTransport{b}}
	return b
}

func (f *fixture) anonymous() *browser {
	b := f.as(tenancy.User{})
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return b
}

// page is a response.
type page struct {
	Status int
	Body   string
	Header http.Header
	URL    *url.URL
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return page{resp.StatusCode, string(body), resp.Header, resp.Request.URL}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// csrf reads the session's token from a page, as a form would carry it.
func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(b.get("/console/").Body)
	require.NotNil(b.t, m, "no CSRF token on the page")
	return m[1]
}

// post submits a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf())
	}
	req, err := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func TestManageWorkspacesCreatesAWorkspace(t *testing.T) {
	f := newFixture(t)
	ann := f.as(f.ann)

	p := ann.get("/console/workspaces")
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, `<label for="parent-org">Parent organization</label>`)
	shows(t, p, `<option value="`+f.org.ID.String()+`" selected>acme.com</option>`)
	shows(t, p, `New Workspace</button>`)

	p = ann.get("/console/workspaces/new?org=" + f.org.ID.String())
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, `<label for="name">Workspace name</label>`)
	shows(t, p, `action="/console/workspaces"`)

	p = ann.post("/console/workspaces", url.Values{"org": {f.org.ID.String()}, "name": {"  Marketing "}})
	require.Equal(t, http.StatusOK, p.Status)
	assert.Regexp(t, `^/console/workspaces/[0-9a-f-]{36}$`, p.URL.Path)
	shows(t, p, "Workspace Marketing created. You are its first Admin.")
	shows(t, p, "Your role: <strong>Admin</strong>")
	shows(t, p, "Workspace settings</a>")

	// The message is shown once.
	again := ann.get(p.URL.Path)
	hides(t, again, "Workspace Marketing created")

	// A second one with the same name goes back to the form with the reason.
	p = ann.post("/console/workspaces", url.Values{"org": {f.org.ID.String()}, "name": {"MARKETING"}})
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "/console/workspaces/new", p.URL.Path)
	shows(t, p, `role="alert"`)
	shows(t, p, "The organization already has a workspace named MARKETING")

	p = ann.get("/console/workspaces")
	shows(t, p, ">Marketing</a>")
}

func TestManageWorkspacesWithoutOrgAdmin(t *testing.T) {
	f := newFixture(t)
	f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleAdmin})
	p := f.as(f.bob).get("/console/workspaces")
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Only Organization Admins can create workspaces")
	hides(t, p, "New Workspace</button>")

	p = f.as(f.bob).get("/console/workspaces/new")
	assert.Equal(t, http.StatusOK, p.Status) // no admin organization: the page explains
	shows(t, p, "Only Organization Admins can create workspaces")
	p = f.as(f.bob).get("/console/workspaces/new?org=" + f.org.ID.String())
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "Reason:</strong> No role the user holds here grants workspace:create.")

	p = f.as(f.bob).post("/console/workspaces", url.Values{"org": {f.org.ID.String()}, "name": {"Mine"}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "Reason:</strong> No role the user holds here grants workspace:create.")
}

func TestMembersSection(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	ann := f.as(f.ann)
	settings := "/console/workspaces/" + ws.ID.String() + "/settings"

	p := ann.get(settings)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "<h2 id=\"members-heading\">Members</h2>")
	shows(t, p, "bob@acme.com")
	shows(t, p, `<label for="invite-email">Email address</label>`)

	// Invite: without a sender, the inviter gets the link to pass on.
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/invitations", url.Values{"email": {"dan@acme.com"}, "role": {"admin"}})
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Invitation created for dan@acme.com as Admin. Send them this link:")
	link := regexp.MustCompile(`id="invite-link" class="link-field" type="text" readonly value="([^"]+)"`).FindStringSubmatch(p.Body)
	require.NotNil(t, link)
	assert.True(t, strings.HasPrefix(link[1], f.srv.URL+"/console/join/"), link[1])
	_, err := f.svc.InvitationByToken(context.Background(), strings.TrimPrefix(link[1], f.srv.URL+"/console/join/"))
	require.NoError(t, err)

	// Inviting a member says so.
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/invitations", url.Values{"email": {"bob@acme.com"}, "role": {"member"}})
	shows(t, p, "already a member")

	// Change a role, then remove.
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/members/"+f.bob.ID.String()+"/role", url.Values{"role": {"admin"}})
	shows(t, p, "bob@acme.com is now Admin.")
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/members/"+f.bob.ID.String()+"/remove", nil)
	shows(t, p, "bob@acme.com was removed from the workspace.")
	_, err = f.svc.Members(context.Background(), actor(f.ann), ws.ID, tenancy.Page{})
	require.NoError(t, err)

	// The last admin cannot be demoted: the reason comes back as a message.
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/members/"+f.ann.ID.String()+"/role", url.Values{"role": {"member"}})
	shows(t, p, "This would leave no admin")

	// Revoke the pending invitation.
	invs, err := f.svc.Invitations(context.Background(), actor(f.ann), ws.ID, tenancy.Page{})
	require.NoError(t, err)
	require.Len(t, invs.Items, 1)
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/invitations/"+invs.Items[0].ID.String()+"/revoke", nil)
	shows(t, p, "Invitation revoked.")
	shows(t, p, "No pending invitations.")
}

func TestMemberCannotManageTheWorkspace(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	bob := f.as(f.bob)

	p := bob.get("/console/workspaces/" + ws.ID.String())
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Your role: <strong>Member</strong>")
	hides(t, p, "/settings")
	shows(t, p, "<li>create segments</li>")
	hides(t, p, "<li>create sources</li>")

	p = bob.get("/console/workspaces/" + ws.ID.String() + "/settings")
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "<h1>You cannot manage this workspace</h1>")
	shows(t, p, "Reason:</strong> Role member lacks permission workspace_settings:view.")
	hides(t, p, "invite-email")

	// Posting anyway is refused with the reason.
	p = bob.post("/console/workspaces/"+ws.ID.String()+"/invitations", url.Values{"email": {"x@acme.com"}, "role": {"member"}})
	shows(t, p, "Not allowed: Role member lacks permission members:manage.")
}

func TestOtherOrganizationsAreNotFound(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", nil)
	carol := f.as(f.carol)
	for _, path := range []string{
		"/console/workspaces/" + ws.ID.String(),
		"/console/workspaces/" + ws.ID.String() + "/settings",
		"/console/orgs/" + f.org.ID.String(),
		"/console/orgs/" + f.org.ID.String() + "/audit",
		"/console/orgs/" + uuid.NewString(),
		"/console/orgs/not-an-id",
		"/console/nowhere",
	} {
		p := carol.get(path)
		assert.Equal(t, http.StatusNotFound, p.Status, path)
		shows(t, p, "This page does not exist, or you do not have access to it.", path)
	}
	p := carol.post("/console/orgs/"+f.org.ID.String()+"/leave", nil)
	assert.Equal(t, http.StatusNotFound, p.Status)
}

func TestMFARequiredPage(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	ann := f.as(f.ann)

	// Without MFA, Ann cannot save a policy that would lock her out.
	p := ann.post("/console/orgs/"+f.org.ID.String()+"/security", url.Values{"require_mfa": {"on"}})
	shows(t, p, "Not saved: your current session would not satisfy this policy")
	shows(t, p, `href="/signin?next=%2Fconsole%2Forgs%2F`)

	ann.mfa = true
	p = ann.post("/console/orgs/"+f.org.ID.String()+"/security", url.Values{"require_mfa": {"on"}})
	shows(t, p, "Security policy saved.")
	shows(t, p, `id="require-mfa" name="require_mfa" type="checkbox" value="on" checked`)

	p = f.as(f.bob).get("/console/workspaces/" + ws.ID.String())
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "<h1>Multi-factor authentication required</h1>")
	shows(t, p, "Sign in again using multi-factor authentication")
	shows(t, p, `href="/signin?next=%2Fconsole%2Fworkspaces%2F`+ws.ID.String()+`"`)
}

func TestInvitationLinkPreviewAndAccept(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", nil)
	_, token, err := f.svc.Invite(context.Background(), actor(f.ann), ws.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	// Signed out: the preview and a way to sign in that comes back.
	p := f.anonymous().get("/console/join/" + token)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Ann invited <strong>bob@acme.com</strong> to join the workspace <strong>Marketing</strong> of <strong>acme.com</strong> as <strong>Member</strong>.")
	shows(t, p, `href="/signin?next=%2Fconsole%2Fjoin%2F`+token+`"`)
	assert.Equal(t, "no-referrer", p.Header.Get("Referrer-Policy"))

	// Someone else signed in is told whom it is for.
	p = f.as(f.carol).get("/console/join/" + token)
	shows(t, p, "You are signed in as <strong>carol@gmail.com</strong>, but this invitation is for <strong>bob@acme.com</strong>")
	hides(t, p, "Accept invitation")
	p = f.as(f.carol).post("/console/join/"+token, nil)
	assert.Equal(t, http.StatusGone, p.Status)

	bob := f.as(f.bob)
	p = bob.get("/console/join/" + token)
	shows(t, p, "Accept invitation</button>")
	p = bob.post("/console/join/"+token, nil)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "/console/workspaces/"+ws.ID.String(), p.URL.Path)
	shows(t, p, "You joined Marketing as Member.")

	// Used: gone.
	p = f.anonymous().get("/console/join/" + token)
	assert.Equal(t, http.StatusGone, p.Status)
	shows(t, p, "This invitation is no longer valid")
}

func TestPendingInvitationsAcceptAndDecline(t *testing.T) {
	f := newFixture(t)
	ws1 := f.workspace("Marketing", nil)
	ws2 := f.workspace("Sales", nil)
	ctx := context.Background()
	inv1, _, err := f.svc.Invite(ctx, actor(f.ann), ws1.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	inv2, _, err := f.svc.Invite(ctx, actor(f.ann), ws2.ID, "bob@acme.com", tenancy.RoleAdmin)
	require.NoError(t, err)

	bob := f.as(f.bob)
	p := bob.get("/console/")
	shows(t, p, `Invitations <span class="badge">2<span class="vh"> pending</span></span>`)
	p = bob.get("/console/invitations")
	shows(t, p, "Marketing")
	shows(t, p, "Sales")
	shows(t, p, "Accept<span class=\"vh\"> the invitation to Sales</span>")

	p = bob.post("/console/invitations/"+inv2.ID.String()+"/decline", nil)
	assert.Equal(t, "/console/invitations", p.URL.Path)
	shows(t, p, "Invitation declined.")
	hides(t, p, "Sales")

	p = bob.post("/console/invitations/"+inv1.ID.String()+"/accept", nil)
	assert.Equal(t, "/console/workspaces/"+ws1.ID.String(), p.URL.Path)
	shows(t, p, "You joined Marketing as Member.")

	// Someone else's, or a used one: a message, not an error page.
	p = bob.post("/console/invitations/"+inv1.ID.String()+"/accept", nil)
	assert.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "This invitation is no longer valid")
}

func TestOrganizationPageAndLeave(t *testing.T) {
	f := newFixture(t)
	f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	f.workspace("Secret", nil)

	bob := f.as(f.bob)
	p := bob.get("/console/orgs/" + f.org.ID.String())
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, ">Marketing</a>")
	hides(t, p, "Secret")
	hides(t, p, "/security")
	hides(t, p, "New Workspace")
	shows(t, p, "Leave organization</button>")

	p = bob.get("/console/orgs/" + f.org.ID.String() + "/leave")
	shows(t, p, "<h1>Leave acme.com?</h1>")
	p = bob.post("/console/orgs/"+f.org.ID.String()+"/leave", nil)
	assert.Equal(t, "/console/", p.URL.Path)
	shows(t, p, "You left acme.com.")
	shows(t, p, "You are not part of any organization yet")

	// The last Organization Admin is told why she cannot leave.
	p = f.as(f.ann).post("/console/orgs/"+f.org.ID.String()+"/leave", nil)
	assert.Equal(t, "/console/orgs/"+f.org.ID.String(), p.URL.Path)
	shows(t, p, "you are its last Organization Admin")

	// Ann sees every tab, and can rename.
	p = f.as(f.ann).get("/console/orgs/" + f.org.ID.String())
	for _, tab := range []string{"/users\"", "/security\"", "/billing\"", "/audit\"", "New Workspace"} {
		shows(t, p, tab)
	}
	p = f.as(f.ann).post("/console/orgs/"+f.org.ID.String()+"/rename", url.Values{"name": {"Acme Inc."}})
	shows(t, p, "Organization renamed to Acme Inc.")
}

func TestOrgUsersGrantAndRevokeOrgAdmin(t *testing.T) {
	f := newFixture(t)
	f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	ann := f.as(f.ann)
	users := "/console/orgs/" + f.org.ID.String() + "/users"

	p := ann.get(users)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "bob@acme.com")
	p = ann.post(users+"/"+f.bob.ID.String()+"/grant-admin", nil)
	shows(t, p, "bob@acme.com is now an Organization Admin.")
	p = f.as(f.bob).get("/console/workspaces")
	shows(t, p, "New Workspace</button>")

	p = ann.post(users+"/"+f.bob.ID.String()+"/revoke-admin", nil)
	shows(t, p, "bob@acme.com is no longer an Organization Admin.")
	p = ann.post(users+"/"+f.ann.ID.String()+"/revoke-admin", nil)
	shows(t, p, "This would leave no admin")

	p = ann.post(users+"/"+f.bob.ID.String()+"/remove", nil)
	shows(t, p, "bob@acme.com was removed from the organization.")

	p = f.as(f.bob).get(users)
	assert.Equal(t, http.StatusNotFound, p.Status)
}

// The maximum session age is refused above 366 days: far larger values
// overflowed time.Duration and were saved as a few minutes, locking the
// organization out.
func TestSecurityFormRefusesSessionAgesOverTheMaximum(t *testing.T) {
	f := newFixture(t)
	ann := f.as(f.ann)
	path := "/console/orgs/" + f.org.ID.String() + "/security"
	saved := func() time.Duration {
		org, err := f.svc.Organization(context.Background(), actor(f.ann), f.org.ID)
		require.NoError(t, err)
		return org.Policy.MaxSessionAge
	}

	p := ann.post(path, url.Values{"max_session_minutes": {"527040"}})
	shows(t, p, "Security policy saved.")
	assert.Equal(t, 366*24*time.Hour, saved())
	shows(t, p, `value="527040"`)

	for _, n := range []string{"527041", "307445740", "2147483648", "9223372036854775807"} {
		p := ann.post(path, url.Values{"max_session_minutes": {n}})
		shows(t, p, `role="alert"`, n)
		shows(t, p, "Maximum session age must be at most 527040 minutes (366 days).", n)
		assert.Equal(t, 366*24*time.Hour, saved(), n)
	}
}

func TestSecurityPolicyForm(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", nil)
	ann := f.as(f.ann)
	ann.mfa = true
	path := "/console/orgs/" + f.org.ID.String() + "/security"

	p := ann.post(path, url.Values{
		"max_session_minutes": {"600"},
		"allowed_ips":         {"127.0.0.1\n10.0.0.0/8"},
		"allowed_domains":     {"acme.com"},
		"invitation_days":     {"3"},
		"autojoin_workspace":  {ws.ID.String()},
		"autojoin_role":       {"member"},
	})
	shows(t, p, "Security policy saved.")
	org, err := f.svc.Organization(context.Background(), tenancy.Actor{UserID: f.ann.ID, MFA: true, AuthenticatedAt: time.Now(), IP: netip.MustParseAddr("127.0.0.1")}, f.org.ID)
	require.NoError(t, err)
	assert.Equal(t, 10*time.Hour, org.Policy.MaxSessionAge)
	assert.Equal(t, 72*time.Hour, org.Policy.InvitationTTL)
	assert.Equal(t, []string{"acme.com"}, org.Policy.AllowedEmailDomains)
	assert.Len(t, org.Policy.AllowedIPs, 2)
	assert.Equal(t, []uuid.UUID{ws.ID}, org.Policy.AutoJoin.Workspaces)
	shows(t, p, `value="600"`)
	shows(t, p, "10.0.0.0/8")
	shows(t, p, `value="`+ws.ID.String()+`" checked`)

	for form, want := range map[string]url.Values{
		"not an IP address":       {"allowed_ips": {"nope"}},
		"whole number of minutes": {"max_session_minutes": {"ten"}},
		"under the minimum":       {"max_session_minutes": {"1"}},
		"a number of days":        {"invitation_days": {"NaN"}},
	} {
		p := ann.post(path, want)
		shows(t, p, `role="alert"`, form)
		shows(t, p, form)
	}
	p = f.as(f.bob).get(path)
	assert.Equal(t, http.StatusNotFound, p.Status) // no role at all in acme.com
}

// An Organization Admin of any organization, naming an account of
// another by its ID, gets the answer of an unknown ID: no address, and no
// role granted.
func TestOrgUserActionsNameOnlyTheOrganizationsUsers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "eve@evilcorp.com", Name: "Eve", EmailVerified: true})
	require.NoError(t, err)
	eve, eveOrg := f.as(res.User), res.Organization
	// Zoe is unverified with no role anywhere; Carol verified, no role.
	zoe, err := f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "zoe.private@gmail.com"})
	require.NoError(t, err)
	users := "/console/orgs/" + eveOrg.ID.String() + "/users/"

	for _, action := range []string{"grant-admin", "revoke-admin", "remove"} {
		unknown := eve.post(users+uuid.NewString()+"/"+action, nil)
		assert.Equal(t, http.StatusNotFound, unknown.Status, action)
		for _, u := range []tenancy.User{zoe.User, f.carol, f.ann} {
			p := eve.post(users+u.ID.String()+"/"+action, nil)
			assert.Equal(t, unknown.Status, p.Status, action, u.Email)
			assert.Equal(t, mainText(unknown), mainText(p), action, u.Email)
			hides(t, p, u.Email, action)
		}
	}
	admins, err := f.svc.AdminOrganizations(ctx, f.carol.ID)
	require.NoError(t, err)
	assert.Empty(t, admins, "Carol was made an admin of Eve's organization")

	// A member without the right is told so before any lookup.
	f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleAdmin})
	p := f.as(f.bob).post("/console/orgs/"+f.org.ID.String()+"/users/"+f.carol.ID.String()+"/grant-admin", nil)
	shows(t, p, "Not allowed:")
	hides(t, p, "carol@gmail.com")

	// Removing a workspace member names it; a failed removal names no one.
	ws := f.workspace("Sales", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	ann := f.as(f.ann)
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/members/"+f.carol.ID.String()+"/remove", nil)
	assert.Equal(t, http.StatusNotFound, p.Status)
	hides(t, p, "carol@gmail.com")
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/members/"+f.bob.ID.String()+"/remove", nil)
	shows(t, p, "bob@acme.com was removed from the workspace.")
}

func TestBillingAndSeats(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	ann := f.as(f.ann)
	path := "/console/orgs/" + f.org.ID.String() + "/billing"
	p := ann.get(path)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "<strong>2</strong> seats")
	p = ann.post(path, url.Values{"email": {"billing@acme.com"}, "customer_ref": {"cus_123"}})
	shows(t, p, "Billing details saved.")
	shows(t, p, `value="cus_123"`)
	p = ann.post(path, url.Values{"email": {"not an address"}})
	shows(t, p, "That email address is not valid")

	// A member of a workspace holds a role in the organization, without
	// the right to its billing.
	p = f.as(f.bob).get(path)
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "Reason:")
	_ = ws
}

func TestAuditLogPagination(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("W0", nil)
	ctx := context.Background()
	for i := 1; i <= 60; i++ {
		_, err := f.svc.RenameWorkspace(ctx, actor(f.ann), ws.ID, "W"+strings.Repeat("x", i%50+1)+string(rune('a'+i%26)))
		require.NoError(t, err)
	}
	ann := f.as(f.ann)
	path := "/console/orgs/" + f.org.ID.String() + "/audit"
	p := ann.get(path)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Workspace renamed")
	shows(t, p, "<td>ann@acme.com</td>")
	next := regexp.MustCompile(`audit\?after=([^"]+)">Older events`).FindStringSubmatch(p.Body)
	require.NotNil(t, next)
	hides(t, p, "Newest events")
	p = ann.get(path + "?after=" + next[1])
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Organization created")
	shows(t, p, "Newest events")
	hides(t, p, "Older events")

	p = ann.get(path + "?after=forged")
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
}

// The audit log names an actor by its current address only while it is
// a user of the organization (as the Users page shows it); a former
// member shows the address the event recorded, or "former member", never
// the address it has since (Service.User is a host-level call).
func TestAuditLogNamesActorsOnlyFromTheOrganization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sales := f.workspace("Sales", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleAdmin})
	f.workspace("Marketing", nil)
	_, err := f.svc.RenameWorkspace(ctx, actor(f.bob), sales.ID, "Sales EMEA")
	require.NoError(t, err)
	require.NoError(t, f.svc.RemoveMember(ctx, actor(f.bob), sales.ID, f.bob.ID))
	// Bob left; later, elsewhere, he changes his address.
	_, err = f.svc.ChangeEmail(ctx, f.bob.ID, "bob@newco.example", true)
	require.NoError(t, err)
	// Ann, still in Acme, changes hers: Acme knows the new one.
	_, err = f.svc.ChangeEmail(ctx, f.ann.ID, "ann.smith@acme.com", true)
	require.NoError(t, err)

	p := f.as(f.ann).get("/console/orgs/" + f.org.ID.String() + "/audit")
	require.Equal(t, http.StatusOK, p.Status)
	hides(t, p, "bob@newco.example")
	rows := regexp.MustCompile(`(?s)<th scope="row">([^<]*)</th>\s*<td>(.*?)</td>`).FindAllStringSubmatch(p.Body, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+": "+r[2])
	}
	assert.Equal(t, []string{
		"Member removed: bob@acme.com", // recorded: he removed himself
		"Workspace renamed: " + `<span class="muted">former member</span>`,
		"Member added: ann.smith@acme.com", // Ann added Bob
	}, got[:3])
}

// TestAuditLogNamesWhoLeftAndWhoWasRemoved: once out of the organization
// a user is no user of it, so the log must name it from what the events
// recorded: the address it left with, as the actor of its own leaving,
// and the address of a user an admin removed, in the event's details.
func TestAuditLogNamesWhoLeftAndWhoWasRemoved(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.workspace("Sales", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember, f.carol: tenancy.RoleMember})
	require.NoError(t, f.svc.LeaveOrganization(ctx, actor(f.bob), f.org.ID))
	require.NoError(t, f.svc.RemoveFromOrganization(ctx, actor(f.ann), f.org.ID, f.carol.ID))
	// Bob, gone, changes his address elsewhere: Acme never learns it.
	_, err := f.svc.ChangeEmail(ctx, f.bob.ID, "bob@newco.example", true)
	require.NoError(t, err)

	p := f.as(f.ann).get("/console/orgs/" + f.org.ID.String() + "/audit")
	require.Equal(t, http.StatusOK, p.Status)
	hides(t, p, "bob@newco.example")
	rows := regexp.MustCompile(`(?s)<th scope="row">([^<]*)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>`).FindAllStringSubmatch(p.Body, -1)
	require.GreaterOrEqual(t, len(rows), 2)
	assert.Equal(t, "Organization user removed", rows[0][1])
	assert.Equal(t, "ann@acme.com", rows[0][2])
	assert.Contains(t, rows[0][3], "<dd>carol@gmail.com</dd>", "whom Ann removed")
	assert.Equal(t, "Organization user left", rows[1][1])
	assert.Equal(t, "bob@acme.com", rows[1][2], "who left")
}

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	f := newFixture(t)
	ann := f.as(f.ann)
	target := "/console/orgs/" + f.org.ID.String() + "/rename"

	p := ann.post(target, url.Values{"name": {"Hacked"}, "csrf": {""}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "This form has expired")

	// Bob's token is not Ann's.
	p = ann.post(target, url.Values{"name": {"Hacked"}, "csrf": {f.as(f.bob).csrf()}})
	assert.Equal(t, http.StatusForbidden, p.Status)

	// A browser's cross-site POST is refused even with a token.
	ann.headers["Sec-Fetch-Site"] = "cross-site"
	p = ann.post(target, url.Values{"name": {"Hacked"}, "csrf": {"x"}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	shows(t, p, "sent from another site")
	delete(ann.headers, "Sec-Fetch-Site")

	org, err := f.svc.Organization(context.Background(), actor(f.ann), f.org.ID)
	require.NoError(t, err)
	assert.Equal(t, "acme.com", org.Name)

	// A forged flash message is not shown.
	u, _ := url.Parse(f.srv.URL + "/console/")
	ann.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tenancyui_flash", Value: "eyJ0IjoiR28gdG8gZXZpbC5leGFtcGxlIn0.bad", Path: "/console"}})
	p = ann.get("/console/")
	hides(t, p, "evil")
}

func TestSignedOut(t *testing.T) {
	f := newFixture(t)
	p := f.anonymous().get("/console/workspaces?org=x")
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/signin?next=%2Fconsole%2Fworkspaces%3Forg%3Dx", p.Header.Get("Location"))

	ui, err := tenancyui.New(f.svc, testAuth)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	ui.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>Sign in required</h1>")
}

func TestMountedAtTheRoot(t *testing.T) {
	f := newFixture(t)
	ui, err := tenancyui.New(f.svc, testAuth)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/orgs/"+f.org.ID.String(), nil)
	req.Header.Set("X-Test-User", f.ann.ID.String())
	rec := httptest.NewRecorder()
	ui.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `href="/orgs/`+f.org.ID.String()+`/users"`)
	assert.Contains(t, rec.Body.String(), `<link rel="stylesheet" href="/console.css?v=`)
}

func TestCustomizing(t *testing.T) {
	f := newFixture(t,
		tenancyui.WithTitle("Dinmo Console"),
		tenancyui.WithCSS([]byte("body{color:red}")),
		tenancyui.WithTemplates(fstest.MapFS{
			"home.html": {Data: []byte(`{{define "content"}}<h1>Welcome {{.User.Email}}</h1>{{end}}`)},
		}),
	)
	p := f.as(f.ann).get("/console/")
	shows(t, p, "<title>Your organizations · Dinmo Console</title>")
	shows(t, p, "<h1>Welcome ann@acme.com</h1>")
	css := regexp.MustCompile(`href="(/console/console\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(p.Body)
	require.NotNil(t, css)
	p = f.as(f.ann).get(css[1])
	assert.Equal(t, "body{color:red}", p.Body)
	assert.Equal(t, "text/css; charset=utf-8", p.Header.Get("Content-Type"))

	_, err := tenancyui.New(f.svc, testAuth, tenancyui.WithTemplates(fstest.MapFS{
		"layout.html": {Data: []byte(`{{define "layout"}}{{.Nope`)},
	}))
	assert.ErrorContains(t, err, "layout.html")
	_, err = tenancyui.New(f.svc, testAuth, tenancyui.WithKey([]byte("short")))
	assert.Error(t, err)
	_, err = tenancyui.New(nil, testAuth)
	assert.Error(t, err)
}

func TestInvitationSender(t *testing.T) {
	var got []string
	fail := false
	f := newFixture(t, tenancyui.WithLogger(slog.New(slog.DiscardHandler)), tenancyui.WithPublicURL("https://app.acme.example/console/"),
		tenancyui.WithInvitationSender(func(ctx context.Context, inv tenancy.Invitation, link string) error {
			got = append(got, inv.Email+" "+link)
			if fail {
				return errors.New("smtp down")
			}
			return nil
		}))
	ws := f.workspace("Marketing", nil)
	ann := f.as(f.ann)
	p := ann.post("/console/workspaces/"+ws.ID.String()+"/invitations", url.Values{"email": {"dan@acme.com"}, "role": {"member"}})
	shows(t, p, "Invitation sent to dan@acme.com as Member.")
	hides(t, p, "invite-link")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "dan@acme.com https://app.acme.example/console/join/")

	fail = true
	p = ann.post("/console/workspaces/"+ws.ID.String()+"/invitations", url.Values{"email": {"eve@acme.com"}, "role": {"member"}})
	shows(t, p, "was created but could not be sent")
	shows(t, p, "invite-link")
}

// The link a sender mails is built from WithPublicURL: an inviter who
// sends its own Host header cannot have the product mail a genuine
// invitation that leads, with its token, to another site.
func TestInvitationLinkUsesThePublicURL(t *testing.T) {
	var link string
	f := newFixture(t, tenancyui.WithPublicURL("https://app.acme.example/console"),
		tenancyui.WithInvitationSender(func(_ context.Context, _ tenancy.Invitation, l string) error {
			link = l
			return nil
		}))
	ws := f.workspace("Sales", nil)
	ann := f.as(f.ann)
	form := url.Values{"email": {"dan@acme.com"}, "role": {"member"}, "csrf": {ann.csrf()}}
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/console/workspaces/"+ws.ID.String()+"/invitations", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "login.evil.example"
	p := ann.do(req)
	require.Equal(t, http.StatusOK, p.Status)
	require.True(t, strings.HasPrefix(link, "https://app.acme.example/console/join/"), "mailed link: %s", link)
	_, err = f.svc.InvitationByToken(context.Background(), strings.TrimPrefix(link, "https://app.acme.example/console/join/"))
	require.NoError(t, err)
}

func TestPublicURLIsRequiredWithASenderAndChecked(t *testing.T) {
	svc := tenancy.New(memstore.New())
	send := tenancyui.WithInvitationSender(func(context.Context, tenancy.Invitation, string) error { return nil })
	_, err := tenancyui.New(svc, testAuth, send)
	assert.ErrorContains(t, err, "WithPublicURL")
	for _, u := range []string{
		"https://app.acme.example", "http://127.0.0.1:8080/console/", "https://app.acme.example/a%20b",
	} {
		_, err := tenancyui.New(svc, testAuth, send, tenancyui.WithPublicURL(u))
		assert.NoError(t, err, u)
	}
	for _, u := range []string{
		"/console", "app.acme.example/console", "//app.acme.example", "ftp://app.acme.example",
		"javascript:alert(1)", "https:app.acme.example", "https://", "https://app.acme.example/console?x=1",
		"https://app.acme.example/console?", "https://app.acme.example/#top", "https://ann:secret@app.acme.example",
		"https://app.acme.example:bad/", "https://app.acme.example/\x00",
	} {
		_, err := tenancyui.New(svc, testAuth, send, tenancyui.WithPublicURL(u))
		assert.ErrorContains(t, err, "WithPublicURL", u)
	}
}

// mainText is the page's main element, for failure messages.
func mainText(p page) string {
	body := p.Body
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

// shows checks that a page holds a text.
func shows(t *testing.T, p page, want string, msg ...any) {
	t.Helper()
	if !strings.Contains(p.Body, want) {
		t.Errorf("%s %d: the page lacks %q %v; its main part:\n%s", p.URL.Path, p.Status, want, msg, mainText(p))
	}
}

// hides checks that a page does not hold a text.
func hides(t *testing.T, p page, unwanted string, msg ...any) {
	t.Helper()
	if strings.Contains(p.Body, unwanted) {
		t.Errorf("%s %d: the page holds %q %v; its main part:\n%s", p.URL.Path, p.Status, unwanted, msg, mainText(p))
	}
}

// Any organization's admins may name it, and themselves, as they like: an
// outsider who owns acme-support.com names its organization "acme.com" and
// itself "Ann". Its invitations must not read exactly like the real
// Acme's: the pages show the domain the organization claimed.
func TestInvitationsShowTheOrganizationsDomain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "it@acme-support.com", Name: "Ann", EmailVerified: true})
	require.NoError(t, err)
	require.True(t, res.CreatedOrganization)
	fake, mallory := *res.Organization, actor(res.User)
	_, err = f.svc.RenameOrganization(ctx, mallory, fake.ID, "acme.com")
	require.NoError(t, err)
	ws, err := f.svc.CreateWorkspace(ctx, mallory, fake.ID, "Marketing")
	require.NoError(t, err)
	_, token, err := f.svc.Invite(ctx, mallory, ws.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	p := f.anonymous().get("/console/join/" + token)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "Ann invited <strong>bob@acme.com</strong> to join the workspace <strong>Marketing</strong> of <strong>acme.com</strong> <span class=\"muted\">(acme-support.com)</span> as <strong>Member</strong>.")
	p = f.as(f.bob).get("/console/invitations")
	shows(t, p, "acme-support.com")

	// The real organization, named after its domain, reads as before.
	real := f.workspace("Sales", nil)
	_, token, err = f.svc.Invite(ctx, actor(f.ann), real.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	p = f.anonymous().get("/console/join/" + token)
	shows(t, p, "Ann invited <strong>bob@acme.com</strong> to join the workspace <strong>Sales</strong> of <strong>acme.com</strong> as <strong>Member</strong>.")
}

// An organization that claims no domain (one whose squatted domain
// support released, named after it at sign-up, or one support created
// without a domain) has none to show beside its name: its invitations
// must still not read like those of the organization it is named after.
func TestInvitationsFromAnOrganizationWithoutADomain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.SignUp(ctx, tenancy.SignUpRequest{Email: "it@acme-support.com", Name: "Ann", EmailVerified: true})
	require.NoError(t, err)
	fake, mallory := *res.Organization, actor(res.User)
	_, err = f.svc.RenameOrganization(ctx, mallory, fake.ID, "acme.com")
	require.NoError(t, err)
	require.NoError(t, f.svc.Operator().TransferDomain(ctx, "acme-support.com", uuid.Nil, "ticket 9: squatted"))
	ws, err := f.svc.CreateWorkspace(ctx, mallory, fake.ID, "Marketing")
	require.NoError(t, err)
	_, token, err := f.svc.Invite(ctx, mallory, ws.ID, "bob@acme.com", tenancy.RoleMember)
	require.NoError(t, err)

	p := f.anonymous().get("/console/join/" + token)
	require.Equal(t, http.StatusOK, p.Status)
	shows(t, p, "of <strong>acme.com</strong>")
	hides(t, p, "of <strong>acme.com</strong> as", "the page reads as the real Acme's")
	p = f.as(f.bob).get("/console/invitations")
	require.Equal(t, http.StatusOK, p.Status)
	hides(t, p, "· acme.com</span>", "the list reads as the real Acme's")
}

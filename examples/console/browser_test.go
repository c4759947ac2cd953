package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/tenancykit/tenancy"
)

// findChromium returns the browser the test drives. Without one the test
// skips, except in CI (CI=true), where that is a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("TENANCY_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install Debian's chromium, or set TENANCY_CHROMIUM): skipping the browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// screenshotDir is where the screenshots go: $TENANCY_SCREENSHOTS, or the
// test's artifact directory (kept with go test -artifacts).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TENANCY_SCREENSHOTS")
	if dir == "" {
		return t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mailbox catches the links the app mails.
type mailbox struct {
	mu    sync.Mutex
	links map[string][]string // by address
}

func (m *mailbox) deliver(to, subject, link string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links[to] = append(m.links[to], link)
}

// last returns the last link mailed to an address.
func (m *mailbox) last(t *testing.T, to string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.links[to]
	if len(l) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	return l[len(l)-1]
}

// person is one browser profile (its own cookies) acting in the flow.
type person struct {
	t     *testing.T
	ctx   context.Context
	email string
	base  string
	mail  *mailbox
	shots string
	n     *int
}

func (p *person) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", p.email, err)
	}
}

// open loads a URL.
func (p *person) open(url string) {
	p.t.Helper()
	if _, err := chromedp.RunResponse(p.ctx, chromedp.Navigate(url)); err != nil {
		p.t.Fatalf("%s: open %s: %v", p.email, url, err)
	}
}

// click clicks an element that loads a page, and waits for it.
func (p *person) click(sel string) {
	p.t.Helper()
	if _, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		p.t.Fatalf("%s: click %s: %v", p.email, sel, err)
	}
}

// text is the page's visible text.
func (p *person) text() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		p.t.Fatalf("%s: %v", p.email, err)
	}
	return s
}

// see checks that the page shows each text.
func (p *person) see(want ...string) {
	p.t.Helper()
	got := p.text()
	for _, w := range want {
		if !strings.Contains(got, w) {
			p.t.Fatalf("%s: the page does not show %q; it shows:\n%s", p.email, w, got)
		}
	}
}

// notSee checks that the page does not show a text.
func (p *person) notSee(text string) {
	p.t.Helper()
	if got := p.text(); strings.Contains(got, text) {
		p.t.Fatalf("%s: the page shows %q:\n%s", p.email, text, got)
	}
}

// count counts the elements a selector matches.
func (p *person) count(sel string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

// shot saves a screenshot of the whole page.
func (p *person) shot(name string) {
	p.t.Helper()
	*p.n++
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	file := filepath.Join(p.shots, fmt.Sprintf("%02d-%s.png", *p.n, name))
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// signIn signs in through the host's email link, from the sign-in page
// the browser is on.
func (p *person) signIn(name string, mfa bool) {
	p.t.Helper()
	p.do(chromedp.SetValue(chromedp.CSS("#email"), p.email))
	if name != "" {
		p.do(chromedp.SetValue(chromedp.CSS("#name"), name))
	}
	if mfa {
		p.do(chromedp.Click(chromedp.CSS("#mfa")))
	}
	p.click(`form[action="/signin"] button[type="submit"]`)
	p.see("We sent a sign-in link to " + p.email)
	p.open(p.mail.last(p.t, p.email))
}

// TestBrowserFlow drives the console in headless Chromium through the
// product's story, with a screenshot of each step.
func TestBrowserFlow(t *testing.T) {
	chromium := findChromium(t)
	start := time.Now()
	shots := screenshotDir(t)

	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, closeStore, err := openStore(t.Context(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeStore() })
	srv := httptest.NewUnstartedServer(nil)
	srv.Listener.Close()
	if srv.Listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	a, err := newApp(tenancy.New(store), logger, "http://"+srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	mail := &mailbox{links: map[string][]string{}}
	a.mail = mail.deliver
	srv.Config.Handler = a
	srv.Start()
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 860),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	n := 0
	newPerson := func(email string) *person {
		c, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return &person{t: t, ctx: c, email: email, base: srv.URL, mail: mail, shots: shots, n: &n}
	}
	founder := newPerson("ann@acme.com")
	colleague := newPerson("bob@acme.com")
	personal := newPerson("carol@gmail.com")

	// A founder signs up with a professional address and gets an
	// organization.
	founder.open(srv.URL + "/")
	founder.see("Sign in or sign up")
	founder.signIn("Ann", false)
	founder.see("Your organizations", "acme.com", "Organization Admin")
	founder.shot("founder-signed-up")

	// She creates a workspace from "Manage Workspaces": chooses the
	// parent organization, clicks "New Workspace", names it (typing
	// Enter in the field submits the form).
	founder.click(`nav[aria-label="Main"] a[href$="/workspaces"]`)
	founder.see("Manage Workspaces", "Parent organization", "acme.com has no workspaces yet")
	founder.shot("manage-workspaces")
	founder.click(`form.toolbar button.primary`)
	founder.see("New Workspace", "Workspace name")
	founder.do(chromedp.SendKeys(chromedp.CSS("#name"), "Marketing"))
	founder.shot("new-workspace")
	if _, err := chromedp.RunResponse(founder.ctx, chromedp.SendKeys(chromedp.CSS("#name"), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	founder.see("Workspace Marketing created", "Your role: Admin", "Workspace settings")

	// She invites a colleague from the settings' Members section.
	founder.click(`a[href$="/settings"]`)
	founder.see("Members", "Invite someone", "ann@acme.com")
	founder.do(chromedp.SetValue(chromedp.CSS("#invite-email"), colleague.email))
	founder.click(`#members form.toolbar button[type="submit"]`)
	founder.see("Invitation sent to bob@acme.com as Member", "Pending invitations")
	founder.shot("invitation-sent")
	invitation := mail.last(t, colleague.email)

	// The colleague opens the link, signs up, accepts, and sees the
	// workspace without its settings.
	colleague.open(invitation)
	colleague.see("Join Marketing", "Ann invited bob@acme.com to join the workspace Marketing of acme.com as Member", "Sign in to accept")
	colleague.shot("invitation-preview")
	colleague.click(`a.button.primary`)
	colleague.signIn("Bob", false)
	colleague.see("Join Marketing", "Accept invitation")
	colleague.click(`form[action*="/join/"] button`)
	colleague.see("You joined Marketing as Member", "Your role: Member", "create segments")
	colleague.notSee("Workspace settings")
	if n := colleague.count(`a[href$="/settings"]`); n != 0 {
		t.Fatalf("the member sees %d links to the settings", n)
	}
	colleague.shot("colleague-joined")
	workspaceURL, err := chromedp.Run(colleague.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	colleague.open(workspaceURL + "/settings")
	colleague.see("You cannot manage this workspace", "Reason: Role member lacks permission workspace_settings:view")
	colleague.shot("colleague-cannot-manage")

	// The founder turns on RequireMFA: refused while her own session has
	// no MFA, saved once she signs in with it.
	founder.open(srv.URL + "/console/")
	founder.click(`main .card a[href*="/orgs/"]`)
	founder.click(`nav.tabs a[href$="/security"]`)
	founder.do(chromedp.Click(chromedp.CSS("#require-mfa")))
	founder.click(`form[action$="/security"] button.primary`)
	founder.see("Not saved: your current session would not satisfy this policy")
	founder.shot("policy-lockout")
	founder.click(`.flash a`) // "Sign in again", back to the policy
	founder.signIn("", true)
	founder.see("Security policy", "Require multi-factor authentication")
	founder.do(chromedp.Click(chromedp.CSS("#require-mfa")))
	founder.click(`form[action$="/security"] button.primary`)
	founder.see("Security policy saved")
	founder.shot("policy-saved")
	founder.click(`nav.tabs a[href$="/users"]`)
	founder.see("ann@acme.com", "bob@acme.com", "Make Organization Admin")
	founder.shot("organization-users")
	founder.click(`nav.tabs a[href$="/audit"]`)
	founder.see("Organization security policy changed", "Invitation accepted", "Workspace created", "Organization created")
	founder.shot("audit-log")

	// The colleague's session without MFA now gets the MFA page.
	colleague.open(workspaceURL)
	colleague.see("Multi-factor authentication required", "requires multi-factor authentication", "Sign in again with multi-factor authentication")
	colleague.shot("colleague-mfa-required")

	// A personal-address user sees no organization.
	personal.open(srv.URL + "/signin")
	personal.signIn("Carol", false)
	personal.see("You are not part of any organization yet")
	personal.notSee("Manage the users")
	personal.shot("personal-no-organization")

	// The founder invites the colleague to a second workspace; the
	// colleague declines.
	founder.open(srv.URL + "/console/workspaces")
	founder.click(`form.toolbar button.primary`)
	founder.do(chromedp.SetValue(chromedp.CSS("#name"), "Sales"))
	founder.click(`form[action$="/workspaces"] button.primary`)
	founder.click(`a[href$="/settings"]`)
	founder.do(chromedp.SetValue(chromedp.CSS("#invite-email"), colleague.email))
	founder.click(`#members form.toolbar button[type="submit"]`)
	founder.see("Invitation sent to bob@acme.com")
	colleague.open(srv.URL + "/console/")
	colleague.click(`nav[aria-label="Main"] a[href$="/invitations"]`)
	colleague.see("Sales", "Ann invited you to join as Member", "Accept", "Decline")
	colleague.shot("colleague-invitations")
	colleague.click(`form[action$="/decline"] button`)
	colleague.see("Invitation declined.", "You have no pending invitations.")
	colleague.shot("colleague-declined")

	// The colleague steps up to MFA from the MFA page and gets back in.
	colleague.open(workspaceURL)
	colleague.click(`.problem a.button.primary`)
	colleague.signIn("", true)
	colleague.see("Marketing", "Your role: Member")

	t.Logf("browser flow: %d screenshots in %s, %s", n, shots, time.Since(start).Round(time.Millisecond))
}

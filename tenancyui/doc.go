// Package tenancyui is an embeddable, server-rendered console for the
// tenancy product's flows: the organization switcher, "Manage Workspaces"
// (choose a parent organization, "New Workspace", give it a name), the
// organization page with its workspaces and a "Leave organization" button,
// workspace settings with the Members section (invite by email with a
// role, change a role, remove), pending invitations with Accept and
// Decline, the invitation page a link opens, the organization's users
// with the Organization Admin role, the security policy, billing and
// seats, and the audit log.
//
// New returns an http.Handler that a host mounts under a prefix:
//
//	ui, err := tenancyui.New(svc, auth, tenancyui.WithSignIn("/signin"))
//	…
//	mux.Handle("/console/", http.StripPrefix("/console", ui))
//
// The host keeps its authentication: the tenancyhttp.Authenticator turns a
// request into the acting session. Its AuthenticatedAt is when the session
// signed in, the same on every request of the session: each form's CSRF
// token is bound to it (below), and the organization's MaxSessionAge
// measures it. A time taken per request fails every form. Requests without a session are sent to
// the WithSignIn page (with a "next" parameter to come back), or get a
// "sign in" page. The invitation page opened from a link previews the
// invitation to anyone holding the link.
//
// # Pages
//
// The pages are plain HTML forms (POST, then a redirect to a GET page)
// rendered with html/template; they need no JavaScript. Every input has a
// label, every page one h1, flash messages are announced through an
// aria-live region, and the focus order follows the reading order. What a
// user may not do is not shown: the controls come from Service.Permissions.
// A denied request renders the decision's reason; a session that the
// organization's policy refuses for want of multi-factor authentication
// gets a page that says so and how to sign in again.
//
// Invitation links are shown to the inviter, to pass on, unless
// WithInvitationSender delivers them (the library sends no mail). A
// sender needs WithPublicURL: mailed links are built from the console's
// configured public URL, never from the request's Host header.
//
// # Cross-site request forgery
//
// Every POST passes two checks. http.CrossOriginProtection rejects
// cross-origin browser requests (by Sec-Fetch-Site, or Origin against
// Host); WithCrossOriginProtection lets a host trust more origins. And
// every form carries a per-session token: an HMAC, under a key the
// handler holds, of the actor's user ID and the time its session
// authenticated, so that it changes at each sign-in and needs no storage.
// The key is random unless WithKey sets one; set it when several
// processes serve the console, or forms opened before a restart fail once
// with a "reload the page" message. Flash messages travel in a short-lived
// cookie signed with the same key.
//
// # Customizing
//
// WithTitle names the console, WithCSS replaces its stylesheet, and
// WithTemplates replaces any of its templates by file name (see
// DefaultTemplates for the files and the data each receives).
package tenancyui

// Command quickstart walks the tenancy product story end to end and prints
// it as a transcript: a founder signs up and gets an organization, a
// colleague and a gmail user sign up, a workspace is created, an invitation
// is sent and accepted, member and admin permissions are compared, a
// security policy is switched on, and the audit log is printed.
//
// By default it keeps its data in a SQLite file in a new temporary
// directory (the path is printed); -db runs the same story on any store
// URL sqlstore accepts, PostgreSQL included (it imports both drivers; a
// host imports only the one it uses):
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -db 'postgres://user@localhost:5432/app?sslmode=disable'
//
// The story signs up fixed addresses, so run it on an empty database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/postgres" // postgres:// URLs
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"   // sqlite: URLs
)

func main() {
	dbURL := flag.String("db", "", "store URL (sqlite:///path.db, sqlite::memory:, postgres://…); default: a SQLite file in a new temporary directory")
	flag.Parse()
	if err := start(context.Background(), os.Stdout, *dbURL); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// start opens the store that dbURL names and tells the story over it.
func start(ctx context.Context, w io.Writer, dbURL string) error {
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "tenancy-quickstart-")
		if err != nil {
			return err
		}
		dbURL = "sqlite://" + filepath.Join(dir, "tenancy.db")
	}
	store, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(w, "store: %s\n\n", redact(dbURL))
	return run(ctx, w, store)
}

// redact hides a password in a database URL before it is printed.
func redact(dbURL string) string {
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dbURL
}

// run tells the story over store, writing the transcript to w.
func run(ctx context.Context, w io.Writer, store tenancy.Store) error {
	svc := tenancy.New(store)
	say := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	session := func(u tenancy.User) tenancy.Actor {
		return tenancy.Actor{UserID: u.ID, AuthenticatedAt: time.Now()}
	}

	say("== 1. Ann signs up with her work address")
	ann, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	if err != nil {
		return err
	}
	org := ann.Organization
	say("   created organization %q for domain %s; Ann is its Organization Admin", org.Name, org.Domain)
	annS := session(ann.User)
	if org, err = renamed(ctx, svc, annS, org, "Acme Inc."); err != nil {
		return err
	}
	say("   Ann renames it %q", org.Name)

	say("\n== 2. Bob (same domain) and Carl (gmail) sign up")
	bob, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "Bob@ACME.com", Name: "Bob", EmailVerified: true})
	if err != nil {
		return err
	}
	say("   %s: new organization? %v (acme.com is already claimed)", bob.User.Email, bob.CreatedOrganization)
	carl, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "carl@gmail.com", Name: "Carl", EmailVerified: true})
	if err != nil {
		return err
	}
	say("   %s: new organization? %v (personal address)", carl.User.Email, carl.CreatedOrganization)
	bobS, carlS := session(bob.User), session(carl.User)

	say("\n== 3. Ann creates a workspace")
	ws, err := svc.CreateWorkspace(ctx, annS, org.ID, "Marketing")
	if err != nil {
		return err
	}
	say("   workspace %q created; Ann is its Admin", ws.Name)

	say("\n== 4. Ann invites Bob as Member and Carl as Admin; they accept")
	for _, inv := range []struct {
		who  tenancy.Actor
		addr string
		role tenancy.Role
	}{{bobS, "bob@acme.com", tenancy.RoleMember}, {carlS, "carl@gmail.com", tenancy.RoleAdmin}} {
		invitation, token, err := svc.Invite(ctx, annS, ws.ID, inv.addr, inv.role)
		if err != nil {
			return err
		}
		say("   invitation for %s as %s, expires %s (token: %d secret characters, delivered by the host)",
			invitation.Email, invitation.Role, invitation.ExpiresAt.Format(time.DateOnly), len(token))
		preview, err := svc.InvitationByToken(ctx, token)
		if err != nil {
			return err
		}
		say("   the link's accept page: %q of %q invites %s as %s",
			preview.WorkspaceName, preview.OrganizationName, preview.Invitation.Email, preview.Invitation.Role)
		m, err := svc.AcceptInvitation(ctx, inv.who, token)
		if err != nil {
			return err
		}
		say("   %s accepted: %s of %q", m.Email, m.Role, ws.Name)
		if _, err := svc.AcceptInvitation(ctx, inv.who, token); errors.Is(err, tenancy.ErrInvitation) {
			say("   the same token again: %v", err)
		}
	}

	orgs, err := svc.UserOrganizations(ctx, carl.User.ID)
	if err != nil {
		return err
	}
	for _, m := range orgs {
		say("   Carl's organization switcher: %q (org admin: %v, workspaces: %d)", m.Organization.Name, m.OrgAdmin, m.Workspaces)
	}

	say("\n== 5. Member and Admin permissions in %q", ws.Name)
	for _, act := range []tenancy.Action{tenancy.ActionCreateSegment, tenancy.ActionCreateSource, tenancy.ActionManageMembers} {
		for _, who := range []struct {
			name string
			a    tenancy.Actor
		}{{"Bob (member)", bobS}, {"Carl (admin)", carlS}} {
			d, err := svc.Check(ctx, who.a, act, tenancy.InWorkspace(ws.ID))
			if err != nil {
				return err
			}
			say("   %-13s %-16s allowed=%-5v %s", who.name, act, d.Allowed, d.Reason)
		}
	}

	_, err = svc.CreateWorkspace(ctx, bobS, org.ID, "Bob's own")
	say("   Bob tries to create a workspace: %v", err)

	say("\n== 6. Ann requires MFA for the whole organization")
	annS.MFA = true
	if _, err := svc.SetSecurityPolicy(ctx, annS, org.ID, tenancy.SecurityPolicy{RequireMFA: true}); err != nil {
		return err
	}
	d, err := svc.Check(ctx, bobS, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID))
	if err != nil {
		return err
	}
	say("   Bob without MFA: allowed=%v: %s", d.Allowed, d.Reason)
	bobS.MFA = true
	d, err = svc.Check(ctx, bobS, tenancy.ActionCreateSegment, tenancy.InWorkspace(ws.ID))
	if err != nil {
		return err
	}
	say("   Bob with MFA:    allowed=%v: %s", d.Allowed, d.Reason)

	seats, err := svc.Seats(ctx, annS, org.ID)
	if err != nil {
		return err
	}
	say("\n== 7. Billing: %d seats in %q", seats, org.Name)

	say("\n== 8. The audit log, newest first")
	var page tenancy.Page
	for {
		log, err := svc.AuditLog(ctx, annS, org.ID, page)
		if err != nil {
			return err
		}
		for _, e := range log.Items {
			say("   %s  %-38s %s", e.At.Format(time.TimeOnly), e.Action, details(e))
		}
		if log.Next == "" {
			return nil
		}
		page.After = log.Next
	}
}

func renamed(ctx context.Context, svc *tenancy.Service, a tenancy.Actor, org *tenancy.Organization, name string) (*tenancy.Organization, error) {
	o, err := svc.RenameOrganization(ctx, a, org.ID, name)
	return &o, err
}

// details prints an event's details in a stable order.
func details(e tenancy.AuditEvent) string {
	var out string
	for _, k := range []string{"email", "name", "domain", "role", "from", "to", "via", "require_mfa"} {
		if v, ok := e.Details[k]; ok {
			out += k + "=" + v + " "
		}
	}
	return out
}

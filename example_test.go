package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// exampleClock is a fixed clock, so that examples print stable output.
func exampleClock() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }

// session is the acting session of a user, as a host's authentication
// layer would vouch for it.
func session(u tenancy.User) tenancy.Actor {
	return tenancy.Actor{UserID: u.ID, AuthenticatedAt: exampleClock()}
}

// The first verified sign-up from a professional domain creates the
// organization; later ones, and personal addresses, create only the user.
func ExampleService_SignUp() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New())

	for _, email := range []string{"dev@eng.acme.co.uk", "ann@acme.co.uk", "bob@acme.co.uk", "carl@gmail.com"} {
		res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: email, EmailVerified: true})
		if err != nil {
			panic(err)
		}
		if res.CreatedOrganization {
			fmt.Printf("%s created organization %s\n", res.User.Email, res.Organization.Domain)
		} else {
			fmt.Printf("%s joined no organization\n", res.User.Email)
		}
	}
	// Output:
	// dev@eng.acme.co.uk joined no organization
	// ann@acme.co.uk created organization acme.co.uk
	// bob@acme.co.uk joined no organization
	// carl@gmail.com joined no organization
}

// An admin invites an address; the host delivers the token; the user with
// that address accepts it, once.
func ExampleService_Invite() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")

	inv, token, err := svc.Invite(ctx, session(ann.User), ws.ID, "Bob@Acme.com", tenancy.RoleMember)
	if err != nil {
		panic(err)
	}
	fmt.Println("invited", inv.Email, "until", inv.ExpiresAt.Format(time.DateOnly))

	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
	m, err := svc.AcceptInvitation(ctx, session(bob.User), token)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Email, "is a", m.Role)

	_, err = svc.AcceptInvitation(ctx, session(bob.User), token)
	fmt.Println("again:", errors.Is(err, tenancy.ErrInvitation))
	// Output:
	// invited bob@acme.com until 2026-12-05
	// bob@acme.com is a member
	// again: true
}

// Check decides from the actor's roles and the organization's security
// policy; Authorize returns the denial as an error.
func ExampleService_Check() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")
	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@gmail.com", EmailVerified: true})
	_, _ = svc.AddMember(ctx, session(ann.User), ws.ID, bob.User.ID, tenancy.RoleMember)

	for _, act := range []tenancy.Action{tenancy.ActionCreateSegment, tenancy.ActionCreateSource} {
		d, err := svc.Check(ctx, session(bob.User), act, tenancy.InWorkspace(ws.ID))
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %v (%s)\n", act, d.Allowed, d.Reason)
	}

	err := svc.Authorize(ctx, session(bob.User), tenancy.ActionDeleteSource, tenancy.InWorkspace(ws.ID))
	var denied *tenancy.DeniedError
	if errors.Is(err, tenancy.ErrForbidden) && errors.As(err, &denied) {
		fmt.Println("denied by role", denied.Decision.Role)
	}
	// Output:
	// segment:create: true (role member grants segment:create)
	// source:create: false (role member lacks permission source:create)
	// denied by role member
}

// A security policy applies to every decision in the organization; an
// admin cannot save one its own session would fail.
func ExampleService_SetSecurityPolicy() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	orgID := ann.Organization.ID

	annSession := session(ann.User)
	_, err := svc.SetSecurityPolicy(ctx, annSession, orgID, tenancy.SecurityPolicy{RequireMFA: true})
	fmt.Println("without MFA:", errors.Is(err, tenancy.ErrLockout))

	annSession.MFA = true
	org, err := svc.SetSecurityPolicy(ctx, annSession, orgID, tenancy.SecurityPolicy{
		RequireMFA:    true,
		MaxSessionAge: 12 * time.Hour,
		InvitationTTL: 48 * time.Hour,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("with MFA: saved, require MFA", org.Policy.RequireMFA)

	d, _ := svc.Check(ctx, session(ann.User), tenancy.ActionViewAuditLog, tenancy.InOrganization(orgID))
	fmt.Println(d.Allowed, d.Reason)
	// Output:
	// without MFA: true
	// with MFA: saved, require MFA true
	// false the organization requires multi-factor authentication and the session did not use it
}

// A host can replace the role matrix, adding roles and resource kinds.
func ExampleNewPolicy() {
	const viewReports tenancy.Action = "report:view"
	policy, err := tenancy.NewPolicy(map[tenancy.Role][]tenancy.Action{
		"viewer":             {tenancy.ActionViewWorkspace, viewReports},
		tenancy.RoleMember:   {tenancy.ActionViewWorkspace, tenancy.ActionCreateSegment, viewReports},
		tenancy.RoleAdmin:    {tenancy.ActionViewWorkspace, tenancy.ActionCreateSegment, viewReports, tenancy.ActionManageMembers},
		tenancy.RoleOrgAdmin: {tenancy.ActionCreateWorkspace, tenancy.ActionManageOrgUsers},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(policy.Allows("viewer", viewReports), policy.Allows("viewer", tenancy.ActionCreateSegment))
	fmt.Println(policy.WorkspaceRoles())
	_ = tenancy.New(memstore.New(), tenancy.WithPolicy(policy))
	// Output:
	// true false
	// [admin member viewer]
}

// Lists are paginated with opaque cursors.
func ExampleService_AuditLog() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	_, _ = svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")

	page := tenancy.Page{Limit: 2}
	for {
		log, err := svc.AuditLog(ctx, session(ann.User), ann.Organization.ID, page)
		if err != nil {
			panic(err)
		}
		for _, e := range log.Items {
			fmt.Println(e.Action)
		}
		if log.Next == "" {
			break
		}
		page.After = log.Next
	}
	// Output:
	// member.added
	// workspace.created
	// org_admin.granted
	// organization.created
	// user.signed_up
}

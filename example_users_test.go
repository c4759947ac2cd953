package tenancy_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// The host passes its own user ID and its identity provider's subject, and
// finds the user again by either, or by address.
func ExampleService_UserByExternalID() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	id := uuid.MustParse("6f1c1d5e-8a63-4a3c-9d55-0c5b1f3e2a10")
	_, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true,
		ID: id, ExternalID: "auth0|5f7c8ec7"})
	if err != nil {
		panic(err)
	}
	u, _ := svc.UserByExternalID(ctx, "auth0|5f7c8ec7")
	fmt.Println(u.ID == id, u.Email)
	u, _ = svc.UserByEmail(ctx, "ANN@acme.com")
	fmt.Println(u.ExternalID)
	_, err = svc.SignUp(ctx, tenancy.SignUpRequest{Email: "other@acme.com", ExternalID: "auth0|5f7c8ec7"})
	fmt.Println(errors.Is(err, tenancy.ErrAlreadyExists))
	// Output:
	// true ann@acme.com
	// auth0|5f7c8ec7
	// true
}

// A user who signed up with a personal address moves to a verified work
// address: the organization rules of sign-up apply to it.
func ExampleService_ChangeEmail() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@gmail.com", EmailVerified: true})
	fmt.Println(ann.Organization == nil)

	res, err := svc.ChangeEmail(ctx, ann.User.ID, "ann@initech.com", true)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.User.Email, res.CreatedOrganization, res.Organization.Domain)
	// Output:
	// true
	// ann@initech.com true initech.com
}

// Erasure removes the user's roles and invitations and scrubs its address
// from the audit log; the last admin of anything must hand over first.
func ExampleService_DeleteUser() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Ops")
	_, _ = svc.AddMember(ctx, session(ann.User), ws.ID, bob.User.ID, tenancy.RoleMember)

	err := svc.DeleteUser(ctx, ann.User.ID)
	fmt.Println("ann:", errors.Is(err, tenancy.ErrLastAdmin))
	fmt.Println("bob:", svc.DeleteUser(ctx, bob.User.ID))

	log, _ := svc.AuditLog(ctx, session(ann.User), ann.Organization.ID, tenancy.Page{Limit: 1})
	fmt.Println(log.Items[0].Action)
	// Output:
	// ann: true
	// bob: <nil>
	// user.deleted
}

// An organization switcher lists every organization where the user holds
// a role.
func ExampleService_UserOrganizations() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	olga, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "olga@globex.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(olga.User), olga.Organization.ID, "Partners")
	_, _ = svc.AddMember(ctx, session(olga.User), ws.ID, ann.User.ID, tenancy.RoleMember)

	orgs, err := svc.UserOrganizations(ctx, ann.User.ID)
	if err != nil {
		panic(err)
	}
	for _, m := range orgs {
		fmt.Printf("%s org admin: %v, workspaces: %d\n", m.Organization.Name, m.OrgAdmin, m.Workspaces)
	}
	// Output:
	// acme.com org admin: true, workspaces: 0
	// globex.com org admin: false, workspaces: 1
}

// An accept page previews the invitation from its link; a signed-in user
// sees its pending invitations and accepts or declines them.
func ExampleService_InvitationByToken() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")
	_, token, _ := svc.Invite(ctx, session(ann.User), ws.ID, "bob@gmail.com", tenancy.RoleAdmin)

	d, err := svc.InvitationByToken(ctx, token)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s invites %s to %s (%s) as %s\n", d.InviterName, d.Invitation.Email, d.WorkspaceName, d.OrganizationName, d.Invitation.Role)

	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@gmail.com", EmailVerified: true})
	pending, _ := svc.UserInvitations(ctx, bob.User.ID)
	fmt.Println("pending:", len(pending))
	if err := svc.DeclineInvitation(ctx, session(bob.User), pending[0].Invitation.ID); err != nil {
		panic(err)
	}
	_, err = svc.AcceptInvitation(ctx, session(bob.User), token)
	fmt.Println("declined, then accepted:", errors.Is(err, tenancy.ErrInvitation))
	// Output:
	// Ann invites bob@gmail.com to Marketing (acme.com) as admin
	// pending: 1
	// declined, then accepted: true
}

// A UI decides a dozen buttons from one read.
func ExampleService_Permissions() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")
	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
	_, _ = svc.AddMember(ctx, session(ann.User), ws.ID, bob.User.ID, tenancy.RoleMember)

	perms, err := svc.Permissions(ctx, session(bob.User), tenancy.InWorkspace(ws.ID))
	if err != nil {
		panic(err)
	}
	fmt.Println("settings button:", perms.Allows(tenancy.ActionViewWorkspaceSettings))
	fmt.Println("new segment button:", perms.Allows(tenancy.ActionCreateSegment))
	fmt.Println(len(perms.Actions()), "actions")
	// Output:
	// settings button: false
	// new segment button: true
	// 13 actions
}

// A user leaves an organization in one step; the last admin cannot.
func ExampleService_LeaveOrganization() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")
	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
	_, _ = svc.AddMember(ctx, session(ann.User), ws.ID, bob.User.ID, tenancy.RoleAdmin)

	fmt.Println("bob:", svc.LeaveOrganization(ctx, session(bob.User), ann.Organization.ID))
	err := svc.LeaveOrganization(ctx, session(ann.User), ann.Organization.ID)
	fmt.Println("ann:", errors.Is(err, tenancy.ErrLastAdmin))
	// Output:
	// bob: <nil>
	// ann: true
}

// Support staff recover an organization whose admins are gone or whose
// policy locks everyone out; every call is audited with the note.
func ExampleOperator_ResetSecurityPolicy() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
	orgID := ann.Organization.ID
	mfa := session(ann.User)
	mfa.MFA = true
	_, _ = svc.SetSecurityPolicy(ctx, mfa, orgID, tenancy.SecurityPolicy{RequireMFA: true})

	op := svc.Operator()
	_, err := op.ResetSecurityPolicy(ctx, orgID, "ticket 4711: MFA device lost")
	fmt.Println("reset:", err)
	fmt.Println("grant:", op.GrantOrgAdmin(ctx, orgID, bob.User.ID, "ticket 4712: Ann left"))

	log, _ := svc.AuditLog(ctx, session(bob.User), orgID, tenancy.Page{Limit: 2})
	for _, e := range log.Items {
		fmt.Println(e.Action, e.Details[tenancy.DetailNote])
	}
	// Output:
	// reset: <nil>
	// grant: <nil>
	// org_admin.granted ticket 4712: Ann left
	// organization.security_policy_changed ticket 4711: MFA device lost
}

// A signed-in user with a verified address accepts one of its pending
// invitations without the link.
func ExampleService_AcceptInvitationByID() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")
	inv, _, _ := svc.Invite(ctx, session(ann.User), ws.ID, "bob@gmail.com", tenancy.RoleMember)

	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@gmail.com", Name: "Bob", EmailVerified: true})
	m, err := svc.AcceptInvitationByID(ctx, session(bob.User), inv.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Email, "is a", m.Role)
	bob.User, _ = svc.RenameUser(ctx, bob.User.ID, "  Robert   Smith ")
	fmt.Printf("%q\n", bob.User.Name)
	// Output:
	// bob@gmail.com is a member
	// "Robert Smith"
}

// Support moves a squatted domain to the organization that proved it owns
// it, and deletes the squatter's organization.
func ExampleOperator_TransferDomain() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	squatter, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "intern@acme.com", EmailVerified: true})
	ceo, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ceo@gmail.com", EmailVerified: true})

	op := svc.Operator()
	acme, err := op.CreateOrganization(ctx, "Acme Inc.", "", ceo.User.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(op.TransferDomain(ctx, "acme.com", acme.ID, "ticket 31: DNS TXT record verified"))
	fmt.Println(op.DeleteOrganization(ctx, squatter.Organization.ID, "ticket 31: squatted"))

	next, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "dev@acme.com", EmailVerified: true})
	fmt.Println("new organization:", next.CreatedOrganization)
	// Output:
	// <nil>
	// <nil>
	// new organization: false
}

// Someone signed up, unverified, with an address that is not theirs. When
// its owner signs up with the address proven, the address is taken: the
// host must not hand the owner the existing account (its creator may hold
// a password or an identity-provider link to it), nor confirm it. It signs
// the owner up with ReplaceUnverified, which erases the account that
// never proved the address, and drops its own records of it.
func ExampleService_SignUp_unverifiedHolder() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	// Before the owner, someone else typed the address.
	squat, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ceo@acme.com", ExternalID: "password|mallory"})
	if err != nil {
		panic(err)
	}

	// The owner signs in with an identity provider that proved the address.
	owner := tenancy.SignUpRequest{Email: "ceo@acme.com", EmailVerified: true, ExternalID: "oidc|ceo"}
	_, err = svc.SignUp(ctx, owner)
	fmt.Println(errors.Is(err, tenancy.ErrAlreadyExists))
	owner.ReplaceUnverified = true
	res, err := svc.SignUp(ctx, owner)
	if err != nil {
		panic(err) // ErrAlreadyExists: a verified account holds it; never merge
	}
	fmt.Println(res.User.Email, res.CreatedOrganization, res.Replaced == squat.User.ID)
	_, err = svc.UserByExternalID(ctx, "password|mallory")
	fmt.Println(errors.Is(err, tenancy.ErrNotFound))
	// Output:
	// true
	// ceo@acme.com true true
	// true
}

// RequireSSO cannot tell one identity provider from another: the host
// says through which organization's single sign-on the session went
// (Actor.SSOOrg), and it counts in that organization only. Ann, Acme's
// admin and a member at Globex, signed in through Acme's provider; Globex
// requires its own.
func ExampleActor_sso() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	olga, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "olga@globex.com", EmailVerified: true})
	acme, globex := ann.Organization.ID, olga.Organization.ID
	olgaSSO := session(olga.User)
	olgaSSO.SSO, olgaSSO.SSOOrg = true, globex
	ws, _ := svc.CreateWorkspace(ctx, olgaSSO, globex, "Partners")
	_, _ = svc.AddMember(ctx, olgaSSO, ws.ID, ann.User.ID, tenancy.RoleMember)
	_, _ = svc.SetSecurityPolicy(ctx, olgaSSO, globex, tenancy.SecurityPolicy{RequireSSO: true})

	annSSO := session(ann.User)
	annSSO.SSO, annSSO.SSOOrg = true, acme // through Acme's identity provider
	names := map[uuid.UUID]string{acme: "Acme", globex: "Globex"}
	for _, org := range []uuid.UUID{acme, globex} {
		_, err := svc.Organization(ctx, annSSO, org)
		var denied *tenancy.DeniedError
		if errors.As(err, &denied) {
			fmt.Println(names[org], denied.Code())
			continue
		}
		fmt.Println(names[org], err)
	}
	// The same holds in Globex's workspaces, whose organization the host
	// need not know.
	_, err := svc.Workspace(ctx, annSSO, ws.ID)
	fmt.Println(errors.Is(err, tenancy.ErrForbidden))
	// Output:
	// Acme <nil>
	// Globex sso_required
	// true
}

// An invitee without an account opens the link: the accept page previews
// the invitation, the invitee signs up with the invited address (here
// with a password, so unverified) and accepts with the token. Accepting
// does not verify the address, and the host must not confirm it because
// of the token, which the inviter may hold too: it confirms the address
// with its own link, mailed to it.
func ExampleService_AcceptInvitation_signedOut() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), ann.Organization.ID, "Marketing")
	_, token, _ := svc.Invite(ctx, session(ann.User), ws.ID, "dan@initech.com", tenancy.RoleMember)

	preview, err := svc.InvitationByToken(ctx, token) // no session needed
	if err != nil {
		panic(err)
	}
	dan, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: preview.Invitation.Email, Name: "Dan"})
	if err != nil {
		panic(err)
	}
	m, err := svc.AcceptInvitation(ctx, session(dan.User), token)
	if err != nil {
		panic(err)
	}
	u, _ := svc.User(ctx, dan.User.ID)
	fmt.Println(m.Email, "is a", m.Role, "of", preview.WorkspaceName, "verified:", u.EmailVerified)

	// Later, Dan opens the confirmation link the host mailed to his address.
	res, err := svc.ChangeEmail(ctx, dan.User.ID, "dan@initech.com", true)
	if err != nil {
		panic(err)
	}
	fmt.Println("verified:", res.User.EmailVerified, "created", res.Organization.Domain)
	// Output:
	// dan@initech.com is a member of Marketing verified: false
	// verified: true created initech.com
}

// At each sign-in through an identity provider, the host finds the user
// by the provider's subject and gives it the address the provider vouches
// for. Here the provider reports a new address, which someone else took
// meanwhile with an unverified sign-up: as at sign-up, the host erases
// that account rather than hand the address's owner over to it.
func ExampleService_ChangeEmail_identityProvider() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	_, _ = svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@gmail.com", EmailVerified: true, ExternalID: "oidc|ann"})
	_, _ = svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@initech.com", ExternalID: "password|mallory"})

	signIn := func(subject, email string) (tenancy.User, error) {
		u, err := svc.UserByExternalID(ctx, subject)
		if err != nil {
			return tenancy.User{}, err // not signed up yet: SignUp
		}
		res, err := svc.ChangeEmail(ctx, u.ID, email, true)
		if errors.Is(err, tenancy.ErrAlreadyExists) {
			holder, lookupErr := svc.UserByEmail(ctx, email)
			if lookupErr != nil || holder.EmailVerified {
				return tenancy.User{}, err // another account proved it: never merge
			}
			if err := svc.DeleteUser(ctx, holder.ID); err != nil {
				return tenancy.User{}, err
			}
			res, err = svc.ChangeEmail(ctx, u.ID, email, true)
		}
		return res.User, err
	}
	u, err := signIn("oidc|ann", "ann@gmail.com") // unchanged: nothing happens
	fmt.Println(u.Email, err)
	u, err = signIn("oidc|ann", "Ann@Initech.com")
	fmt.Println(u.Email, u.EmailVerified, err)
	_, err = svc.UserByExternalID(ctx, "password|mallory")
	fmt.Println(errors.Is(err, tenancy.ErrNotFound))
	// Output:
	// ann@gmail.com <nil>
	// ann@initech.com true <nil>
	// true
}

// Support evicts a departed admin: it restores a trusted admin first,
// who makes someone else the Admin of the workspace the departed one ran
// alone, then removes the departed admin, whose pending invitations go
// with it.
func ExampleOperator_RemoveFromOrganization() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New(), tenancy.WithClock(exampleClock))
	ann, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	bob, _ := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "bob@acme.com", EmailVerified: true})
	orgID := ann.Organization.ID
	ws, _ := svc.CreateWorkspace(ctx, session(ann.User), orgID, "Finance")
	_, token, _ := svc.Invite(ctx, session(ann.User), ws.ID, "accomplice@gmail.com", tenancy.RoleAdmin)

	op := svc.Operator()
	err := op.RemoveFromOrganization(ctx, orgID, ann.User.ID, "ticket 88: Ann left")
	fmt.Println("remove:", errors.Is(err, tenancy.ErrLastAdmin))
	fmt.Println("grant:", op.GrantOrgAdmin(ctx, orgID, bob.User.ID, "ticket 88: Bob takes over"))
	err = op.RemoveFromOrganization(ctx, orgID, ann.User.ID, "ticket 88: Ann left")
	fmt.Println("remove:", errors.Is(err, tenancy.ErrLastAdmin)) // Ann is Finance's only Admin
	_, _ = svc.AddMember(ctx, session(bob.User), ws.ID, bob.User.ID, tenancy.RoleAdmin)
	fmt.Println("remove:", op.RemoveFromOrganization(ctx, orgID, ann.User.ID, "ticket 88: Ann left"))

	_, err = svc.InvitationByToken(ctx, token)
	fmt.Println("Ann's invitation:", errors.Is(err, tenancy.ErrInvitation))
	log, _ := svc.AuditLog(ctx, session(bob.User), orgID, tenancy.Page{Limit: 2})
	for _, e := range log.Items {
		fmt.Println(e.Action, e.Details[tenancy.DetailEmail], e.Details[tenancy.DetailReason])
	}
	// Output:
	// remove: true
	// grant: <nil>
	// remove: true
	// remove: <nil>
	// Ann's invitation: true
	// invitation.revoked accomplice@gmail.com inviter_lost_rights
	// organization.user_removed ann@acme.com
}

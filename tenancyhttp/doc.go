// Package tenancyhttp connects a tenancy.Service to net/http: a middleware
// that guards a host's own routes (Require), the acting session in the
// request context (ActorFrom, DecisionFrom), RFC 9457 problem responses
// for the library's errors (WriteError), and a JSON management API over
// every operation a product UI needs (NewAPI).
//
// It uses the standard library only. The host keeps its own
// authentication: an Authenticator turns a request into the tenancy.Actor
// its session vouches for.
//
// # The management API
//
// NewAPI serves these routes, relative to where the host mounts it (for
// example with http.StripPrefix("/api", …)); its OpenAPI 3.1 document,
// served at GET /openapi.json and returned by OpenAPI, describes each one:
//
//	GET    /me                                    the signed-in user; PATCH renames it
//	GET    /me/organizations                      its organizations; DELETE /me/organizations/{org} leaves one
//	GET    /me/workspaces                         its workspaces; DELETE /me/workspaces/{workspace} leaves one
//	GET    /me/invitations                        its pending invitations
//	POST   /me/invitations/{invitation}/accept    accept one (also …/decline)
//	POST   /invitations/preview                   preview a token's invitation (no session needed)
//	POST   /invitations/accept                    accept a token's invitation
//	DELETE /invitations/{invitation}              revoke an invitation
//	GET    /orgs/{org}                            an organization; PATCH renames it
//	GET    /orgs/{org}/permissions                the actor's actions there
//	GET    /orgs/{org}/workspaces                 its workspaces; POST creates one
//	GET    /orgs/{org}/users                      its users; DELETE …/users/{user} removes one from the organization
//	PUT    /orgs/{org}/admins/{user}              grant Organization Admin; DELETE revokes it
//	GET    /orgs/{org}/security-policy            its security policy; PUT replaces it
//	GET    /orgs/{org}/billing                    its billing details; PUT replaces them
//	GET    /orgs/{org}/seats                      its billable seats
//	GET    /orgs/{org}/audit-log                  its audit log, newest first
//	GET    /workspaces/{workspace}                a workspace; PATCH renames it, DELETE deletes it
//	GET    /workspaces/{workspace}/permissions    the actor's actions there
//	GET    /workspaces/{workspace}/members        its members; POST adds one by user_id or email
//	PATCH  /workspaces/{workspace}/members/{user} change a member's role; DELETE removes it
//	GET    /workspaces/{workspace}/invitations    its pending invitations; POST invites (the token is returned once)
//
// JSON names are snake_case, times RFC 3339, durations Go duration
// strings ("168h0m0s"). Lists are {"items": [...]}, never null; paginated
// ones take ?limit=&after= and return "next", "" on the last page. Request
// bodies are one JSON object, at most DefaultMaxBodyBytes, with no unknown
// field. Invitation tokens travel in request bodies, never in URLs.
//
// Adding a member, by email or by user_id, finds only users of the
// workspace's organization (holding a role in it): an address or ID with
// no account and one whose account belongs elsewhere get the same
// not_found, so that an admin learns nothing about accounts outside its
// organization; invite such an address instead. Granting Organization
// Admin follows the same rule.
//
// Errors are problems with a stable code (see Problem). An actor with no
// role in an organization gets not_found for everything in it, as for an
// ID that does not exist.
//
// State-changing requests (POST, PUT, PATCH, DELETE) from another origin
// are refused with http.CrossOriginProtection; a UI served from another
// origin needs WithCrossOriginProtection with that origin trusted.
package tenancyhttp

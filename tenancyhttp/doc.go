// Package tenancyhttp connects a tenancy.Service to net/http: a middleware
// that guards a host's own routes (Require), the acting session in the
// request context (ActorFrom, DecisionFrom), RFC 9457 problem responses
// for the library's errors (WriteError), and a JSON management API over
// every operation a product UI needs (NewAPI).
//
// It uses the standard library only. The host keeps its own
// authentication: an Authenticator turns a request into the tenancy.Actor
// its session vouches for.
package tenancyhttp

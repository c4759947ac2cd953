package tenancyhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/tenancyhttp"
)

// A host wires tenancy into its HTTP server: an Authenticator over its own
// sessions, the management API under /api, and its own routes guarded by
// Require.
func Example() {
	svc := tenancy.New(memstore.New())
	ann, _ := svc.SignUp(context.Background(), tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})

	// The host's sessions, keyed by the session cookie, as its sign-in made them.
	sessions := map[string]tenancy.Actor{"s3cr3t": {UserID: ann.User.ID, MFA: true, AuthenticatedAt: time.Now()}}
	auth := func(r *http.Request) (tenancy.Actor, error) {
		c, err := r.Cookie("session")
		if err != nil {
			return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
		}
		a, ok := sessions[c.Value]
		if !ok {
			return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
		}
		ap, _ := netip.ParseAddrPort(r.RemoteAddr) // behind a proxy: the address it appends, not one the client sent
		a.IP = ap.Addr()
		return a, nil
	}

	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", tenancyhttp.NewAPI(svc, auth)))
	inWorkspace := func(r *http.Request) (tenancy.Scope, error) {
		id, err := uuid.Parse(r.PathValue("workspace"))
		return tenancy.InWorkspace(id), err
	}
	mux.Handle("POST /workspaces/{workspace}/sources", tenancyhttp.Require(svc, auth, tenancy.ActionCreateSource, inWorkspace)(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			actor, _ := tenancyhttp.ActorFrom(r.Context())
			u, _ := svc.User(r.Context(), actor.UserID)
			fmt.Fprintf(w, "source created by %s\n", u.Email)
		})))
	// The host would now run http.ListenAndServe(":8080", mux); here
	// requests go straight to mux.

	send := func(method, path, body string, signedIn bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if signedIn {
			r.AddCookie(&http.Cookie{Name: "session", Value: "s3cr3t"})
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	res := send("POST", "/api/orgs/"+ann.Organization.ID.String()+"/workspaces", `{"name":"Sales"}`, true)
	var sales struct{ ID, Name string }
	_ = json.Unmarshal(res.Body.Bytes(), &sales)
	fmt.Println("create workspace:", res.Code, sales.Name)

	res = send("POST", "/workspaces/"+sales.ID+"/sources", "", true)
	fmt.Print("create source: ", res.Code, " ", res.Body)

	res = send("GET", "/api/me", "", false)
	var problem tenancyhttp.Problem
	_ = json.Unmarshal(res.Body.Bytes(), &problem)
	fmt.Println("without a session:", res.Code, problem.Code)

	// Output:
	// create workspace: 201 Sales
	// create source: 200 source created by ann@acme.com
	// without a session: 401 unauthenticated
}

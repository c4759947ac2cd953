package tenancyui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/tenancyhttp"
	"github.com/tenancykit/tenancy/tenancyui"
)

// A host mounts the console under a prefix, with its own authentication
// turned into a tenancy.Actor. Here a header stands for the host's
// session cookie. AuthenticatedAt is when the session signed in, kept
// with the session: each form's CSRF token is bound to it, so a time
// taken per request would fail every form.
func ExampleNew() {
	svc := tenancy.New(memstore.New())
	ann, _ := svc.SignUp(context.Background(), tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})

	signedInAt := time.Now() // stored with the session at sign-in, in real life
	auth := func(r *http.Request) (tenancy.Actor, error) {
		id, err := uuid.Parse(r.Header.Get("X-Session-User")) // the host's session, in real life
		if err != nil {
			return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
		}
		return tenancy.Actor{UserID: id, AuthenticatedAt: signedInAt}, nil
	}
	ui, err := tenancyui.New(svc, auth, tenancyui.WithTitle("Acme Platform"), tenancyui.WithSignIn("/signin"))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", ui))

	req := httptest.NewRequest(http.MethodGet, "/console/workspaces/new?org="+ann.Organization.ID.String(), nil)
	req.Header.Set("X-Session-User", ann.User.ID.String())
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, regexp.MustCompile(`<title>(.*)</title>`).FindStringSubmatch(rec.Body.String())[1])

	// The form posts back with the session's CSRF token.
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())[1]
	form := url.Values{"csrf": {csrf}, "org": {ann.Organization.ID.String()}, "name": {"Sales"}}
	req = httptest.NewRequest(http.MethodPost, "/console/workspaces", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Session-User", ann.User.ID.String())
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Header().Get("Location"), "/console/workspaces/"))

	// Without a session, the console sends the browser to the host's
	// sign-in page, to come back afterwards.
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/workspaces", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 200 New Workspace · Acme Platform
	// 303 true
	// 303 /signin?next=%2Fconsole%2Fworkspaces
}

package tenancyui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/tenancyhttp"
	"github.com/tenancykit/tenancy/tenancyui"
)

// A host mounts the console under a prefix, with its own authentication
// turned into a tenancy.Actor. Here a header stands for the host's
// session cookie.
func ExampleNew() {
	svc := tenancy.New(memstore.New())
	ann, _ := svc.SignUp(context.Background(), tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})

	auth := func(r *http.Request) (tenancy.Actor, error) {
		id, err := uuid.Parse(r.Header.Get("X-Session-User")) // the host's session, in real life
		if err != nil {
			return tenancy.Actor{}, tenancyhttp.ErrUnauthenticated
		}
		return tenancy.Actor{UserID: id, AuthenticatedAt: time.Now()}, nil
	}
	ui, err := tenancyui.New(svc, auth, tenancyui.WithTitle("Acme Platform"), tenancyui.WithSignIn("/signin"))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", ui))

	req := httptest.NewRequest(http.MethodGet, "/console/workspaces", nil)
	req.Header.Set("X-Session-User", ann.User.ID.String())
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, regexp.MustCompile(`<title>(.*)</title>`).FindStringSubmatch(rec.Body.String())[1])

	// Without a session, the console sends the browser to the host's
	// sign-in page, to come back afterwards.
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/workspaces", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 200 Manage Workspaces · Acme Platform
	// 303 /signin?next=%2Fconsole%2Fworkspaces
}

package memstore_test

import (
	"context"
	"fmt"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
)

// A memstore holds everything in the process: for tests, examples and
// single-process tools.
func Example() {
	ctx := context.Background()
	svc := tenancy.New(memstore.New())
	res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", EmailVerified: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Organization.Domain, res.CreatedOrganization)
	// Output: acme.com true
}

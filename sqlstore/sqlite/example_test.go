package sqlite_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"
)

// Importing the package lets sqlstore.Open open sqlite: URLs. A file
// (sqlite:///var/lib/app/tenancy.db) keeps its data; sqlite::memory: is
// gone when the Store is closed.
func Example() {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	svc := tenancy.New(store)
	res, err := svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Organization.Domain, res.CreatedOrganization)
	// Output: acme.com true
}

package sqlstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite" // or sqlstore/postgres, or both
)

// Open takes the URL of a database whose driver the host imports: here
// sqlstore/sqlite, for a private in-memory SQLite database.
func ExampleOpen() {
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
	fmt.Println(res.User.Email, res.Organization.Name)
	// Output: ann@acme.com acme.com
}

package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/postgres"
)

// Importing the package lets sqlstore.Open open postgres:// and
// postgresql:// URLs, here one taken from the environment, such as
// postgres://app:secret@db:5432/app?sslmode=require. Every app server may
// open its own Store on the same database.
func Example() {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	svc := tenancy.New(store)
	_, err = svc.SignUp(ctx, tenancy.SignUpRequest{Email: "ann@acme.com", Name: "Ann", EmailVerified: true})
	if err != nil {
		log.Fatal(err)
	}
}

package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/sqlstore"
	"github.com/tenancykit/tenancy/sqlstore/postgres"
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

// A host that configures pgx itself, here with a tracer of its own, opens
// the pool through NewPool and OpenPool, and keeps the pipelined
// transactions of Open.
func ExampleNewPool() {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	cfg.Tracer = queryLogger{}
	store, err := sqlstore.OpenPool(ctx, postgres.NewPool(cfg))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	_ = tenancy.New(store)
}

// queryLogger logs the SQL of every query.
type queryLogger struct{}

func (queryLogger) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	log.Printf("sql: %s", d.SQL)
	return ctx
}

func (queryLogger) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

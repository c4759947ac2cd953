// Command console runs the tenancy console (package tenancyui) in a small
// host application with its own sign-in, over the embedded SQLite store:
//
//	go run ./examples/console
//	go run ./examples/console -addr 127.0.0.1:9000 -db sqlite://console.db
//	go run ./examples/console -addr :8080 -url https://console.example.com
//
// It prints the URL to open: -url, the site's public URL, which starts
// every link it mails, never the request's Host header (default http://
// and the address it listens on). Sign-in is by email link: enter an
// address, and the "email" with the link is printed to the log (this demo
// sends no mail). The first sign-in of an address signs the user up, verified
// since the link proves the mailbox: a professional address creates its
// organization, a personal one (gmail.com, …) only the user. Tick "I used
// multi-factor authentication" to get a session that counts as MFA, as
// an organization requiring it wants. Invitation links are "mailed" the
// same way. A link signs in at once only in the browser that asked for it
// (a short-lived nonce cookie marks it); opened anywhere else it asks
// "Sign in as …?" first, so that nobody can sign your browser in to their
// account with a link of theirs.
//
// Sessions are cookies (HttpOnly, Secure, SameSite=Lax) signed with HMAC
// under a key drawn at each start, so a restart signs everyone out.
// Signing out ends every session of the user: the app remembers, in
// memory, when the user signed out and refuses older sessions. The
// data is in a private in-memory SQLite database by default (gone when
// the program ends); -db takes any store URL of sqlstore.Open (a SQLite
// file, postgres://…), or "mem" for the memstore.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tenancykit/tenancy"
	"github.com/tenancykit/tenancy/memstore"
	"github.com/tenancykit/tenancy/sqlstore"
	_ "github.com/tenancykit/tenancy/sqlstore/postgres" // postgres:// URLs for -db
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"   // sqlite: URLs for -db
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "sqlite::memory:", "store: a sqlstore URL (sqlite::memory:, sqlite://file.db, postgres://…) or mem")
	publicURL := flag.String("url", "", "public URL of the site, starting the links it mails (default http://ADDR)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Stdout, *addr, *publicURL, *db, logger); err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(1)
	}
}

// openStore opens the store that the -db flag names: "mem" is a
// memstore, anything else a sqlstore URL. close releases it.
func openStore(ctx context.Context, db string) (store tenancy.Store, close func() error, err error) {
	if db == "mem" {
		return memstore.New(), func() error { return nil }, nil
	}
	s, err := sqlstore.Open(ctx, db)
	if err != nil {
		return nil, nil, fmt.Errorf("-db: %w", err)
	}
	return s, s.Close, nil
}

// run serves the console on addr over the store that db names until ctx
// ends, after writing its URL to w. publicURL is the site's URL as
// browsers reach it; "" is http:// and the address it listens on.
func run(ctx context.Context, w io.Writer, addr, publicURL, db string, logger *slog.Logger) error {
	store, closeStore, err := openStore(ctx, db)
	if err != nil {
		return err
	}
	defer closeStore()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	svc := tenancy.New(store, tenancy.WithLogger(logger))
	a, err := newApp(svc, logger, publicURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "tenancy console: %s/\n", a.url)
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

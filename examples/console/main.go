// Command console runs the tenancy console (package tenancyui) in a small
// host application with its own sign-in, over an in-memory store:
//
//	go run ./examples/console
//	go run ./examples/console -addr 127.0.0.1:9000
//
// It prints the URL to open. Sign-in is by email link: enter an address,
// and the "email" with the link is printed to the log (this demo sends no
// mail). The first sign-in of an address signs the user up, verified
// since the link proves the mailbox: a professional address creates its
// organization, a personal one (gmail.com, …) only the user. Tick "I used
// multi-factor authentication" to get a session that counts as MFA, as
// an organization requiring it wants. Invitation links are "mailed" the
// same way.
//
// Sessions are cookies (HttpOnly, Secure, SameSite=Lax) signed with HMAC
// under a key drawn at each start, so a restart signs everyone out. The
// data is in memory (memstore, -db mem), gone when the program ends.
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
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "mem", "store: mem (in memory)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Stdout, *addr, *db, logger); err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(1)
	}
}

// openStore opens the store that the -db flag names: "mem" is a
// memstore, in memory.
func openStore(db string) (tenancy.Store, error) {
	if db != "mem" {
		return nil, fmt.Errorf("unknown -db %q: this example runs on the in-memory store (-db mem)", db)
	}
	return memstore.New(), nil
}

// run serves the console on addr over the store that db names until ctx
// ends, after writing its URL to w.
func run(ctx context.Context, w io.Writer, addr, db string, logger *slog.Logger) error {
	store, err := openStore(db)
	if err != nil {
		return err
	}
	svc := tenancy.New(store, tenancy.WithLogger(logger))
	a, err := newApp(svc, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "tenancy console: http://%s/\n", ln.Addr())
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

package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/tenancykit/tenancy"
)

// Pipelining: a Store from Open whose Driver gave its Pool a Pipeliner
// (the postgres driver does) runs each transaction on one connection of
// its pool, held through database/sql's Conn.Raw, and sends the
// transaction's statements in batches, one network round trip each:
//
//   - BEGIN is not sent alone: it goes with the transaction's first
//     statement;
//   - a write made through the transaction's deferred writer
//     (tenancy.WriteDeferrer) is queued, and sent ahead of the next
//     statement that needs an answer, or with COMMIT;
//   - a transaction that sent nothing (fn returned before its first
//     statement) costs no round trip at all.
//
// A failed statement fails the transaction: the server has aborted it,
// and every later call of the transaction, its commit included, returns
// that error. A queued write therefore never fails silently: its error
// reaches the call that sent it or Update, and COMMIT, queued behind it in
// the same batch, is never run (the server skips a failed batch's
// statements up to its end). After an error the Store rolls back; a
// connection it cannot bring back outside a transaction (broken, or a
// rollback that failed) is discarded, never returned to the pool.
//
// New never pipelines: a host's own *sql.DB brings no Pipeliner.

// Statement is a SQL statement of a batch, with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// A Pipeliner lets a Store send the statements of its transactions in
// batches. A Driver sets one in the Pool it returns when the connections
// of its DB can pipeline; Open's Store then uses it for every Update.
type Pipeliner interface {
	// Pipeline returns the pipeline of driverConn, a connection of the
	// Pool's DB as database/sql's Conn.Raw hands it over. The Store uses
	// the pipeline only until that Raw call returns. It returns an error
	// if driverConn is not a connection it can pipeline on.
	Pipeline(driverConn any) (Pipeline, error)
}

// A Pipeline sends batches of statements on one connection.
type Pipeline interface {
	// Send sends stmts, in order, in one round trip, as the PostgreSQL
	// extended protocol does with one Sync after the last: if a statement
	// fails, the server skips the rest. Their results are read from the
	// Batch, which must be closed before the next Send.
	Send(ctx context.Context, stmts []Statement) Batch
	// InTransaction reports whether the connection is inside a
	// transaction block, open or failed.
	InTransaction() bool
	// Broken reports whether the connection is closed or unusable.
	Broken() bool
}

// A Batch holds the results of the statements of one Send, read in order:
// one Exec or Query per statement.
type Batch interface {
	// Exec reads the result of the next statement and returns the
	// number of rows it affected.
	Exec() (int64, error)
	// Query reads the rows of the next statement. They must be closed
	// before the next result is read.
	Query() (Rows, error)
	// Close reads the results left and releases the connection for the
	// next Send. It returns the batch's first error.
	Close() error
}

// Rows are the rows of a statement of a Batch; Close returns their error,
// as Err does. Scan accepts the
// destinations database/sql's Rows.Scan does: pointers to string, bool,
// int, []byte (a copy), and sql.Scanner implementations, which receive the
// values database/sql would pass them (time.Time for a timestamp, []byte or
// string for JSON and UUIDs, nil for NULL).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// errRowsOpen reports a statement sent while the rows of the previous one
// are still open: a bug of the Store.
var errRowsOpen = errors.New("sqlstore: statement sent while the rows of the previous one are open")

// queued is a write waiting for the next batch.
type queued struct {
	Statement
	// mapErr, when set, refines the translated error of the write.
	mapErr func(error) error
}

// pipeTx is a transaction whose statements go out in batches on a
// Pipeline. It implements querier.
type pipeTx struct {
	p     Pipeline
	d     *dialect
	state *txState
	// begun is set once BEGIN has been sent.
	begun bool
	// queue holds the deferred writes not sent yet.
	queue []queued
	// failed is the error that failed the transaction: every later call
	// returns it.
	failed error
	// open is set while the rows of the last statement are being read.
	open bool
}

var _ querier = (*pipeTx)(nil)

// deferWrite queues a write, to be sent ahead of the next statement or with
// COMMIT.
func (t *pipeTx) deferWrite(st Statement, mapErr func(error) error) {
	t.queue = append(t.queue, queued{Statement: st, mapErr: mapErr})
}

// fail records err, which failed the transaction, translated (and refined
// by mapErr when set), and returns it.
func (t *pipeTx) fail(err error, mapErr func(error) error) error {
	err = t.d.translate(err)
	if mapErr != nil {
		err = mapErr(err)
	}
	if retryable(err) {
		t.state.retry = true
	}
	if t.failed == nil {
		t.failed = err
	}
	return err
}

// send sends BEGIN (the first time), the queued writes and then stmts in
// one batch, reads the results of all but stmts, and returns the batch,
// open, for the caller to read stmts' results and close it with done.
func (t *pipeTx) send(ctx context.Context, stmts ...Statement) (Batch, error) {
	switch {
	case t.failed != nil:
		return nil, t.failed
	case t.open:
		return nil, errRowsOpen
	}
	all := make([]Statement, 0, 1+len(t.queue)+len(stmts))
	if !t.begun {
		all = append(all, Statement{SQL: "BEGIN"})
	}
	for _, q := range t.queue {
		all = append(all, q.Statement)
	}
	all = append(all, stmts...)
	queue := t.queue
	t.queue = nil
	b := t.p.Send(ctx, all)
	t.open = true
	if !t.begun {
		t.begun = true
		if _, err := b.Exec(); err != nil {
			return nil, t.done(b, err, nil)
		}
	}
	for _, q := range queue {
		if _, err := b.Exec(); err != nil {
			return nil, t.done(b, err, q.mapErr)
		}
	}
	return b, nil
}

// done closes b and returns err, or the batch's error if err is nil, as
// the transaction's failure (nil if both are).
func (t *pipeTx) done(b Batch, err error, mapErr func(error) error) error {
	cerr := b.Close()
	t.open = false
	if err == nil {
		err = cerr
	}
	if err != nil {
		return t.fail(err, mapErr)
	}
	return nil
}

// rowsAffected is the sql.Result of a pipelined statement.
type rowsAffected int64

func (n rowsAffected) RowsAffected() (int64, error) { return int64(n), nil }

func (rowsAffected) LastInsertId() (int64, error) {
	return 0, errors.New("sqlstore: LastInsertId is not supported")
}

func (t *pipeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	b, err := t.send(ctx, Statement{SQL: query, Args: args})
	if err != nil {
		return nil, err
	}
	n, err := b.Exec()
	if err := t.done(b, err, nil); err != nil {
		return nil, err
	}
	return rowsAffected(n), nil
}

func (t *pipeTx) QueryContext(ctx context.Context, query string, args ...any) (rows, error) {
	b, err := t.send(ctx, Statement{SQL: query, Args: args})
	if err != nil {
		return nil, err
	}
	return t.rows(b)
}

// rows reads the next result of b, the batch's last, as rows that close
// b with them.
func (t *pipeTx) rows(b Batch) (rows, error) {
	r, err := b.Query()
	if err != nil {
		return nil, t.done(b, err, nil)
	}
	return &pipeRows{Rows: r, t: t, b: b}, nil
}

func (t *pipeTx) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	r, err := t.QueryContext(ctx, query, args...)
	return pipeRow{r: r, err: err}
}

// lockThenQueryRow sends lock, a query that locks the row it selects, and
// query in one batch. It reports whether lock found its row and returns
// the row of query. In READ COMMITTED each statement reads a snapshot
// taken when it starts, so query, which the server runs once lock holds
// its lock, sees everything committed before it was granted.
func (t *pipeTx) lockThenQueryRow(ctx context.Context, lock, query Statement) (bool, scanner) {
	b, err := t.send(ctx, lock, query)
	if err != nil {
		return false, pipeRow{err: err}
	}
	r, err := b.Query()
	if err != nil {
		return false, pipeRow{err: t.done(b, err, nil)}
	}
	found := r.Next()
	if err := r.Close(); err != nil { // Close returns the rows' error
		return false, pipeRow{err: t.done(b, err, nil)}
	}
	rs, err := t.rows(b)
	return found, pipeRow{r: rs, err: err}
}

// commit sends the queued writes and COMMIT. A transaction that sent
// nothing commits without a round trip.
func (t *pipeTx) commit(ctx context.Context) error {
	if t.failed != nil {
		return t.failed
	}
	if !t.begun && len(t.queue) == 0 {
		return nil
	}
	b, err := t.send(ctx, Statement{SQL: "COMMIT"})
	if err != nil {
		return err
	}
	_, err = b.Exec()
	return t.done(b, err, nil)
}

// rollback ends a transaction that will not commit: it sends ROLLBACK if
// the connection is still in a transaction block (queued writes are
// dropped unsent).
func (t *pipeTx) rollback(ctx context.Context) error {
	t.queue = nil
	if !t.begun || t.p.Broken() || !t.p.InTransaction() {
		return nil
	}
	if t.open {
		return errRowsOpen
	}
	b := t.p.Send(ctx, []Statement{{SQL: "ROLLBACK"}})
	_, err := b.Exec()
	return errors.Join(err, b.Close())
}

// pipeRows are the rows of a batch's last statement: closing them closes
// the batch.
type pipeRows struct {
	Rows
	t      *pipeTx
	b      Batch
	closed bool
}

func (r *pipeRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	return r.t.done(r.b, err, nil)
}

// pipeRow is the first row of a pipelined query, as *sql.Row is.
type pipeRow struct {
	r   rows
	err error
}

func (r pipeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.r.Close()
	if !r.r.Next() {
		if err := r.r.Err(); err != nil {
			return err
		}
		if err := r.r.Close(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.r.Scan(dest...); err != nil {
		return err
	}
	return r.r.Close()
}

// attemptPipelined is attempt on a connection of the pool held for the
// transaction, its statements sent through s.pipe.
func (s *Store) attemptPipelined(ctx context.Context, fn func(tx tenancy.Tx) error) (retry bool, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		err = s.d.translate(err)
		return retryable(err), err
	}
	defer conn.Close()
	_ = conn.Raw(func(driverConn any) error {
		p, perr := s.pipe.Pipeline(driverConn)
		if perr != nil {
			err = fmt.Errorf("sqlstore: %w", perr)
			return nil
		}
		retry, err = s.runPipelined(ctx, p, fn)
		if p.Broken() || p.InTransaction() {
			// Never hand a connection back mid-transaction: discard it
			// (the server rolls back what it holds).
			return driver.ErrBadConn
		}
		return nil
	})
	return retry, err
}

// runPipelined runs fn in a transaction on p and commits it, or rolls it
// back if fn or the commit fails. If fn panics (or a test's assertion
// calls runtime.Goexit), Conn.Raw discards the connection.
func (s *Store) runPipelined(ctx context.Context, p Pipeline, fn func(tx tenancy.Tx) error) (retry bool, err error) {
	state := &txState{}
	pt := &pipeTx{p: p, d: s.d, state: state}
	t := &tx{reader: reader{d: s.d, q: pt, cache: s.cache, state: state, byteUUIDs: s.byteUUIDs}, pipe: pt}
	if err := fn(t); err != nil {
		_ = pt.rollback(ctx)
		return state.retry || retryable(err), err
	}
	if err := pt.commit(ctx); err != nil {
		_ = pt.rollback(ctx)
		return state.retry || retryable(err), err
	}
	return false, nil
}

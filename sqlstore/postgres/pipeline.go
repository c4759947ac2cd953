package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tenancykit/tenancy/sqlstore"
)

// pipeliner sends the statements of a Store's transactions as pgx
// batches: each batch is one round trip (the extended protocol's messages
// of every statement, then one Sync), with the connection's statement
// cache, as database/sql's path through pgx uses it. Arguments are
// encoded as there, by the connection's type map.
type pipeliner struct{}

var _ sqlstore.Pipeliner = pipeliner{}

// Pipeline returns the pipeline of a connection of the pool that NewPool
// opens: a *stdlib.Conn.
func (pipeliner) Pipeline(driverConn any) (sqlstore.Pipeline, error) {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("postgres: cannot pipeline on a %T connection", driverConn)
	}
	return pipeline{c.Conn()}, nil
}

// pipeline sends batches on one pgx connection.
type pipeline struct{ conn *pgx.Conn }

func (p pipeline) Send(ctx context.Context, stmts []sqlstore.Statement) sqlstore.Batch {
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(stmts))}
	for _, st := range stmts {
		b.Queue(st.SQL, st.Args...)
	}
	return batch{p.conn.SendBatch(ctx, b)}
}

func (p pipeline) InTransaction() bool { return p.conn.PgConn().TxStatus() != 'I' }

func (p pipeline) Broken() bool { return p.conn.IsClosed() }

// batch reads the results of one pgx batch.
type batch struct{ br pgx.BatchResults }

func (b batch) Exec() (int64, error) {
	tag, err := b.br.Exec()
	if err != nil {
		return 0, wrapError(err)
	}
	return tag.RowsAffected(), nil
}

func (b batch) Query() (sqlstore.Rows, error) {
	r, err := b.br.Query()
	if err != nil {
		return nil, wrapError(err)
	}
	return rows{r}, nil
}

func (b batch) Close() error { return wrapError(b.br.Close()) }

// rows are the rows of a statement of a batch.
type rows struct{ r pgx.Rows }

func (r rows) Next() bool             { return r.r.Next() }
func (r rows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r rows) Err() error             { return wrapError(r.r.Err()) }

func (r rows) Close() error {
	r.r.Close()
	return wrapError(r.r.Err())
}

// pgError is a PostgreSQL error that names the constraint it violated,
// for sqlstore to tell them apart (one organization per domain, or a
// taken ID). It matches err with errors.Is and errors.As.
type pgError struct {
	err error
	pg  *pgconn.PgError
}

func (e *pgError) Error() string          { return e.err.Error() }
func (e *pgError) Unwrap() error          { return e.err }
func (e *pgError) SQLState() string       { return e.pg.SQLState() }
func (e *pgError) ConstraintName() string { return e.pg.ConstraintName }

// wrapError wraps a server's error as a *pgError.
func wrapError(err error) error {
	if pg, ok := errors.AsType[*pgconn.PgError](err); ok {
		return &pgError{err: err, pg: pg}
	}
	return err
}

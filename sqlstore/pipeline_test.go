package sqlstore

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

// countingPipeliner counts the batches a Store sends: one round trip
// each once the connection has prepared their statements.
type countingPipeliner struct {
	Pipeliner
	n *atomic.Int64
}

func (c countingPipeliner) Pipeline(driverConn any) (Pipeline, error) {
	p, err := c.Pipeliner.Pipeline(driverConn)
	if err != nil {
		return nil, err
	}
	return countingPipeline{Pipeline: p, n: c.n}, nil
}

type countingPipeline struct {
	Pipeline
	n *atomic.Int64
}

func (c countingPipeline) Send(ctx context.Context, stmts []Statement) Batch {
	c.n.Add(1)
	return c.Pipeline.Send(ctx, stmts)
}

// openPipelined opens a Store on PostgreSQL through Open, whose
// transactions are pipelined, and counts its batches.
func openPipelined(t *testing.T) (*Store, *atomic.Int64) {
	t.Helper()
	s := openPostgres(t)
	require.NotNil(t, s.pipe, "the postgres driver's pool pipelines")
	n := &atomic.Int64{}
	s.pipe = countingPipeliner{Pipeliner: s.pipe, n: n}
	return s, n
}

func TestPipelinedTransactions(t *testing.T) {
	postgresURL(t)
	t.Parallel()
	ctx := t.Context()

	t.Run("BEGIN goes with the first statement, and a transaction that sent nothing costs nothing", func(t *testing.T) {
		t.Parallel()
		s, n := openPipelined(t)
		w := seed(t, s)
		n.Store(0)
		require.NoError(t, s.Update(ctx, func(tenancy.Tx) error { return nil }))
		require.Equal(t, int64(0), n.Load(), "nothing to commit")
		require.ErrorIs(t, s.Update(ctx, func(tenancy.Tx) error { return tenancy.ErrForbidden }), tenancy.ErrForbidden)
		require.Equal(t, int64(0), n.Load(), "nothing to roll back")

		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
			u, err := tx.User(ctx, w.ann.ID)
			require.Equal(t, w.ann, u)
			return err
		}))
		require.Equal(t, int64(2), n.Load(), "BEGIN and the read, then COMMIT")

		n.Store(0)
		err := s.Update(ctx, func(tx tenancy.Tx) error {
			_, err := tx.User(ctx, uuid.New())
			return err
		})
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		require.Equal(t, int64(2), n.Load(), "BEGIN and the read, then ROLLBACK")
	})

	t.Run("a failed statement fails the transaction, even if fn goes on", func(t *testing.T) {
		t.Parallel()
		s, _ := openPipelined(t)
		w := seed(t, s)
		cid := tenancy.User{ID: uuid.New(), Email: "cid@example.com", CreatedAt: testTime}
		err := s.Update(ctx, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(ctx, cid))
			// PostgreSQL rejects text that is not UTF-8: the server
			// aborts the transaction.
			bad := tx.CreateUser(ctx, tenancy.User{ID: uuid.New(), Email: "\xff@example.com", CreatedAt: testTime})
			require.Error(t, bad)
			_, err := tx.User(ctx, w.ann.ID)
			require.Equal(t, bad, err, "every later call returns the first failure")
			return nil // fn swallows both
		})
		require.Error(t, err, "the commit fails")
		_, err = s.User(ctx, cid.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "nothing of the transaction is kept")
		w.check(t, s)
	})

	t.Run("a connection is never handed back mid-transaction", func(t *testing.T) {
		t.Parallel()
		s, _ := openPipelined(t)
		s.DB().SetMaxOpenConns(1)
		w := seed(t, s)
		require.Equal(t, 1, s.DB().Stats().OpenConnections)
		cid := tenancy.User{ID: uuid.New(), Email: "cid@example.com", CreatedAt: testTime}

		func() {
			defer func() { require.Equal(t, "boom", recover()) }()
			_ = s.Update(ctx, func(tx tenancy.Tx) error {
				require.NoError(t, tx.CreateUser(ctx, cid))
				panic("boom")
			})
		}()
		require.Equal(t, 0, s.DB().Stats().OpenConnections, "the connection was closed, not put back in the pool")

		cancelled, cancel := context.WithCancel(ctx)
		err := s.Update(cancelled, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(cancelled, cid))
			cancel()
			_, err := tx.User(cancelled, cid.ID)
			return err
		})
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, 0, s.DB().Stats().OpenConnections, "the connection was closed, not put back in the pool")

		_, err = s.User(ctx, cid.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound, "neither transaction kept anything")
		w.check(t, s)
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, cid) }))
		_, err = s.User(ctx, cid.ID)
		require.NoError(t, err, "the pool serves transactions again")
	})

	t.Run("deferred writes go with the next statement, or with COMMIT", func(t *testing.T) {
		t.Parallel()
		s, n := openPipelined(t)
		s.DB().SetMaxOpenConns(1)
		w := seed(t, s)
		event := func() tenancy.AuditEvent {
			return tenancy.AuditEvent{ID: uuid.New(), OrgID: w.org.ID, Action: tenancy.EventWorkspaceRenamed, At: testTime}
		}
		n.Store(0)
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
			d := tx.(tenancy.WriteDeferrer).Deferred()
			require.NoError(t, d.AppendAudit(ctx, event()))
			require.NoError(t, d.AppendAudit(ctx, event()))
			require.Equal(t, int64(0), n.Load(), "queued")
			_, err := tx.User(ctx, w.ann.ID)
			require.NoError(t, err)
			require.Equal(t, int64(1), n.Load(), "BEGIN, both events and the read")
			return d.AppendAudit(ctx, event())
		}))
		require.Equal(t, int64(2), n.Load(), "the last event and COMMIT")
		events, err := s.ListAuditEvents(ctx, w.org.ID, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		require.Len(t, events, 4)

		n.Store(0)
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error {
			return tx.(tenancy.WriteDeferrer).Deferred().AppendAudit(ctx, event())
		}))
		require.Equal(t, int64(1), n.Load(), "BEGIN, the event and COMMIT in one batch")

		// A failed deferred write in the commit's batch: COMMIT, behind it,
		// does not run; the Store rolls back and keeps the connection.
		cid := tenancy.User{ID: uuid.New(), Email: "cid@example.com", CreatedAt: testTime}
		n.Store(0)
		err = s.Update(ctx, func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(ctx, cid))
			d := tx.(tenancy.WriteDeferrer).Deferred()
			require.NoError(t, d.AppendAudit(ctx, event()))
			return d.AppendAudit(ctx, w.event) // its ID is taken
		})
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		require.Equal(t, int64(3), n.Load(), "BEGIN and the user; the events and COMMIT; ROLLBACK")
		_, err = s.User(ctx, cid.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		events, err = s.ListAuditEvents(ctx, w.org.ID, tenancy.PageQuery{Limit: 10})
		require.NoError(t, err)
		require.Len(t, events, 5, "neither event of the failed transaction was kept")
		require.Equal(t, 1, s.DB().Stats().OpenConnections, "rolled back, the connection went back to the pool")
		require.NoError(t, s.Update(ctx, func(tx tenancy.Tx) error { return tx.CreateUser(ctx, cid) }))
	})
}

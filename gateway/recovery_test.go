package gateway_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// testConn wraps the simulator to play channel failures: down answers every
// submission with ErrNotSent; slow records the payout at the bank but answers
// only after the caller's deadline; forgetful acknowledges submissions and
// then knows nothing of them.
type testConn struct {
	sim       *sim.Sim
	submits   atomic.Int32
	down      atomic.Bool
	slow      bool
	forgetful bool
}

func (c *testConn) Routes(string) []gateway.Route {
	return []gateway.Route{{Name: "test", Connector: c}}
}

func (c *testConn) Named(string) (gateway.Connector, bool) { return c, true }

func (c *testConn) PaymentConnector(ch string) (gateway.PaymentConnector, bool) {
	return c.sim.PaymentConnector(ch)
}

func (c *testConn) RefundConnector(string) (gateway.RefundConnector, bool) { return c, true }

// SubmitRefund plays the channel as SubmitPayout does.
func (c *testConn) SubmitRefund(ctx context.Context, r gateway.Refund) (gateway.ChannelResult, error) {
	c.submits.Add(1)
	if c.down.Load() {
		return gateway.ChannelResult{}, gateway.ErrNotSent
	}
	res, err := c.sim.SubmitRefund(context.WithoutCancel(ctx), r)
	if c.slow {
		<-ctx.Done()
		return gateway.ChannelResult{}, ctx.Err()
	}
	return res, err
}

func (c *testConn) QueryRefund(ctx context.Context, id string) (gateway.ChannelResult, error) {
	return c.sim.QueryRefund(ctx, id)
}

func (c *testConn) SubmitPayout(ctx context.Context, p gateway.Payout) (gateway.ChannelResult, error) {
	c.submits.Add(1)
	switch {
	case c.down.Load():
		return gateway.ChannelResult{}, gateway.ErrNotSent
	case c.forgetful:
		return gateway.ChannelResult{Status: gateway.StatusPending, ChannelRef: "ACK"}, nil
	}
	res, err := c.sim.SubmitPayout(context.WithoutCancel(ctx), p)
	if c.slow {
		<-ctx.Done()
		return gateway.ChannelResult{}, ctx.Err()
	}
	return res, err
}

func (c *testConn) QueryPayout(ctx context.Context, id string) (gateway.ChannelResult, error) {
	if c.forgetful {
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	return c.sim.QueryPayout(ctx, id)
}

// setupConn is setup with conn in front of the simulator.
func setupConn(t *testing.T, e storetest.Engine, conn *testConn) *bundle {
	t.Helper()
	b := setup(t, e)
	conn.sim = b.sim
	gw, err := gateway.New(b.ctx, b.store, conn, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler),
		Config: gateway.Config{ReconcileAfter: time.Minute, NotFoundGrace: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	b.sim.SetResults(gw)
	b.gw = gw
	return b
}

func forEngineConn(t *testing.T, conn func() *testConn, f func(t *testing.T, b *bundle, c *testConn)) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			c := conn()
			f(t, setupConn(t, e, c), c)
		})
	}
}

// A submission that times out after the channel took the payout is never
// sent again, also when the outbox redelivers it; the reconciler finds the
// outcome by querying.
func TestSubmitTimeoutSendsOnce(t *testing.T) {
	t.Parallel()
	forEngineConn(t, func() *testConn { return &testConn{slow: true} }, func(t *testing.T, b *bundle, c *testConn) {
		p := b.payout(t, "SLOW-1", "1234567890", 10_000)
		for i := 0; i < 3; i++ {
			ctx, cancel := context.WithTimeout(b.ctx, 500*time.Millisecond)
			b.gw.SubmitPayout(ctx, p.TransactionID)
			cancel()
		}
		if n := c.submits.Load(); n != 1 {
			t.Fatalf("channel received %d submissions, want 1", n)
		}
		if got := b.get(t, p.TransactionID); got.ChannelState != gateway.ChannelUnknown || got.SubmittedAt.IsZero() {
			t.Fatalf("after a timed-out submission: %+v", got)
		}
		b.clock.Advance(2 * time.Minute)
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("reconcile settled %d, %v", n, err)
		}
		if got := b.get(t, p.TransactionID); got.Status != gateway.StatusCompleted {
			t.Fatalf("status %s, want COMPLETED", got.Status)
		}
		if c.submits.Load() != 1 {
			t.Fatal("the reconciler submitted again")
		}
		b.checkLedger(t)
	})
}

// A submission whose outbox message ran out of retries while the channel was
// down is picked up by the reconciler when the channel returns: no hold is
// stranded.
func TestDeadSubmissionIsRecovered(t *testing.T) {
	t.Parallel()
	forEngineConn(t, func() *testConn { c := &testConn{}; c.down.Store(true); return c }, func(t *testing.T, b *bundle, c *testConn) {
		p := b.payout(t, "DOWN-1", "1234567890", 10_000)
		d := notify.NewDispatcher(b.store, map[string]notify.Handler{
			gateway.TopicSubmit: notify.HandlerFunc(func(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
				if err := b.gw.SubmitPayout(ctx, m.TransactionID); err != nil {
					return gateway.DeliveryAttempt{Response: err.Error()}
				}
				return gateway.DeliveryAttempt{OK: true}
			}),
		}, notify.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler), Schedule: []time.Duration{time.Minute, time.Minute}})
		for i := 0; i < 4; i++ {
			if _, err := d.RunOnce(b.ctx); err != nil {
				t.Fatal(err)
			}
			b.clock.Advance(2 * time.Minute)
		}
		msgs, err := b.store.ListOutbox(b.ctx, p.TransactionID)
		if err != nil || len(msgs) != 1 || msgs[0].Status != gateway.OutboxDead {
			t.Fatalf("submission message: %+v, %v; want DEAD", msgs, err)
		}
		if got := b.get(t, p.TransactionID); got.ChannelState != gateway.ChannelNew {
			t.Fatalf("an unsent payout is %s, want NEW", got.ChannelState)
		}
		c.down.Store(false)
		if _, err := b.gw.Reconcile(b.ctx, 10); err != nil {
			t.Fatal(err)
		}
		if got := b.settle(t, p.TransactionID); got.Status != gateway.StatusCompleted {
			t.Fatalf("status %s, want COMPLETED", got.Status)
		}
		if bal := b.balance(t); bal.Held != 0 || bal.Available != 100_000-11_100 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

// The not-found grace counts from the submission, not from the order.
func TestNotFoundGraceCountsFromSubmission(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.payout(t, "LATE-1", "1234568888", 10_000)
		b.clock.Advance(11 * time.Minute) // the channel was down: submitted late
		if err := b.gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(61 * time.Second)
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("61s after submission: settled %d, %v", n, err)
		}
		if got := b.get(t, p.TransactionID); got.Status != gateway.StatusPending {
			t.Fatalf("status %s, want PENDING within the grace", got.Status)
		}
		b.clock.Advance(10 * time.Minute)
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("after the grace: settled %d, %v", n, err)
		}
		if got := b.get(t, p.TransactionID); got.Status != gateway.StatusFailed || got.FailedCode != -10006 {
			t.Fatalf("payout %+v", got)
		}
		b.checkLedger(t)
	})
}

// A payout the channel acknowledged is never failed because a query does not
// find it: the money may still move.
func TestAcknowledgedPayoutIsNeverFailedByNotFound(t *testing.T) {
	t.Parallel()
	forEngineConn(t, func() *testConn { return &testConn{forgetful: true} }, func(t *testing.T, b *bundle, c *testConn) {
		p := b.payout(t, "ACK-1", "1234567890", 10_000)
		if err := b.gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			b.clock.Advance(time.Hour)
			if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 0 {
				t.Fatalf("reconcile settled %d, %v", n, err)
			}
		}
		got := b.get(t, p.TransactionID)
		if got.Status != gateway.StatusPending || got.ChannelState != gateway.ChannelSubmitted || got.ChannelRef != "ACK" {
			t.Fatalf("payout %+v", got)
		}
		if bal := b.balance(t); bal.Held != 11_100 {
			t.Fatalf("held %d, want 11100 still held", bal.Held)
		}
	})
}

// sameNode hands every gateway the same node id, as a wrapped node counter
// could.
type sameNode struct{ storetest.Store }

func (sameNode) AcquireNodeID(context.Context) (int64, error) { return 5, nil }

// Two processes holding one node id make colliding transaction ids; the
// second order is still made, under a fresh id.
func TestTransactionIDCollisionRetries(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		var gws []*gateway.Gateway
		for range 2 {
			gw, err := gateway.New(b.ctx, sameNode{b.store}, b.sim, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			gws = append(gws, gw)
		}
		first, err := gws[0].CreatePayout(b.ctx, b.app, bdoPayout("SAME-1", "1234567890", 1_000))
		if err != nil {
			t.Fatal(err)
		}
		second, err := gws[1].CreatePayout(b.ctx, b.app, bdoPayout("SAME-2", "1234567890", 1_000))
		if err != nil {
			t.Fatalf("second order on a colliding node: %v", err)
		}
		if first.TransactionID == second.TransactionID {
			t.Fatal("two orders share a transaction id")
		}
		if bal := b.balance(t); bal.Held != 2*2_010 {
			t.Fatalf("held %d, want both orders held once", bal.Held)
		}
		b.checkLedger(t)
	})
}

// A refund whose submission times out after the channel took it is never
// sent again, also when the outbox redelivers it; the reconciler finds the
// outcome by querying.
func TestRefundSubmitTimeoutSendsOnce(t *testing.T) {
	t.Parallel()
	forEngineConn(t, func() *testConn { return &testConn{slow: true} }, func(t *testing.T, b *bundle, c *testConn) {
		p := b.paid(t, "PAY-SLOW", 10_000)
		r, err := b.gw.CreateRefund(b.ctx, b.app, refundReq("RF-SLOW", p.TransactionID, 4_000))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			ctx, cancel := context.WithTimeout(b.ctx, 500*time.Millisecond)
			b.gw.SubmitRefund(ctx, r.RefundTransactionID)
			cancel()
		}
		if n := c.submits.Load(); n != 1 {
			t.Fatalf("channel received %d refund submissions, want 1", n)
		}
		b.clock.Advance(2 * time.Minute)
		if n, err := b.gw.ReconcileRefunds(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("reconcile settled %d, %v", n, err)
		}
		got, err := b.gw.CheckRefund(b.ctx, b.app.AppID, gateway.RefundRef{RefundTransactionID: r.RefundTransactionID})
		if err != nil || got.Status != gateway.RefundComplete || c.submits.Load() != 1 {
			t.Fatalf("refund %+v, %v after %d submissions", got, err, c.submits.Load())
		}
		b.checkLedger(t)
	})
}

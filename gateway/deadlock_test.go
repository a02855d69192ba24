package gateway_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// pausingStore stops a transaction just before it posts an entry of the
// given kind, after it has posted the ones before it, until released.
type pausingStore struct {
	storetest.Store
	kind             string
	reached, release chan struct{}
}

type pausingTx struct {
	gateway.Tx
	s *pausingStore
}

func (s *pausingStore) InTx(ctx context.Context, fn func(gateway.Tx) error) error {
	return s.Store.InTx(ctx, func(tx gateway.Tx) error { return fn(&pausingTx{tx, s}) })
}

func (t *pausingTx) PostEntry(ctx context.Context, e ledger.Entry) error {
	if e.Kind == t.s.kind {
		close(t.s.reached)
		<-t.s.release
	}
	return t.Tx.PostEntry(ctx, e)
}

// Completing a refund whose fee is refunded posts two entries (held to the
// channel, revenue to available) while a new hold of the same merchant locks
// available then held. Locking every account of both entries first, in one
// order, keeps PostgreSQL from aborting either with a deadlock.
func TestRefundCompletionDoesNotDeadlockWithHolds(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		ps := &pausingStore{Store: b.store, kind: "refund_fee", reached: make(chan struct{}), release: make(chan struct{})}
		gw, err := gateway.New(b.ctx, ps, b.sim, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler),
			Config: gateway.Config{RefundFee: gateway.RefundFeeRefund}})
		if err != nil {
			t.Fatal(err)
		}
		p := b.paid(t, "PAY-DL", 10_000)
		r, err := gw.CreateRefund(b.ctx, b.app, refundReq("RF-DL", p.TransactionID, 5_000))
		if err != nil || r.FeeRefunded == 0 {
			t.Fatalf("refund %+v, %v", r, err)
		}
		var wg sync.WaitGroup
		var errComplete, errPayout error
		wg.Go(func() {
			errComplete = gw.ApplyRefundResult(b.ctx, r.RefundTransactionID, gateway.ChannelResult{Status: gateway.StatusCompleted})
		})
		<-ps.reached
		wg.Go(func() { _, errPayout = b.gw.CreatePayout(b.ctx, b.app, bdoPayout("PO-DL", "1234567890", 1_000)) })
		time.Sleep(300 * time.Millisecond) // the payout is now waiting on a lock the refund holds
		close(ps.release)
		wg.Wait()
		if errComplete != nil || errPayout != nil {
			t.Fatalf("refund completion: %v; concurrent payout: %v", errComplete, errPayout)
		}
		b.checkLedger(t)
	})
}

package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// batchWatch holds the first batch of payouts until every caller has
// queued, so that the next batch is a big one, and records the batch sizes.
type batchWatch struct {
	storetest.Store
	callers atomic.Int64 // CreatePayout calls that looked up their fee
	first   sync.Once
	release chan struct{}

	mu    sync.Mutex
	sizes []int
}

type batchWatchTx struct {
	gateway.Tx
	w *batchWatch
}

func (w *batchWatch) FindFee(ctx context.Context, merchantID, channel string) (gateway.Fee, error) {
	w.callers.Add(1)
	return w.Store.FindFee(ctx, merchantID, channel)
}

func (w *batchWatch) InTx(ctx context.Context, fn func(gateway.Tx) error) error {
	return w.Store.InTx(ctx, func(tx gateway.Tx) error { return fn(&batchWatchTx{tx, w}) })
}

func (t *batchWatchTx) InsertPayouts(ctx context.Context, ps []gateway.Payout) ([]bool, error) {
	t.w.first.Do(func() { <-t.w.release })
	t.w.mu.Lock()
	t.w.sizes = append(t.w.sizes, len(ps))
	t.w.mu.Unlock()
	return t.Tx.InsertPayouts(ctx, ps)
}

// Concurrent payouts of one merchant, booked in batches, decide what the
// same payouts one at a time would: as many as the balance covers are taken
// and the rest refused as insufficient, repeated mchOrderIds are refused as
// duplicates, and the balance and the ledger are exact.
func TestPayoutBatchesKeepTheBalanceExact(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		w := &batchWatch{Store: b.store, release: make(chan struct{})}
		var logs syncBuffer
		gw, err := gateway.New(b.ctx, w, b.sim, gateway.Options{Clock: b.clock, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Config: gateway.Config{PayoutBatchParallel: 1}})
		if err != nil {
			t.Fatal(err)
		}
		// PHP 1,000.00 available; each payout of 100.00 costs 100.00 + 10.00
		// + 1.00 in fees, so 9 fit and 1.00 is left.
		const n, dups, cost = 40, 10, 11_100
		type outcome struct {
			p   gateway.Payout
			err error
		}
		out := make([]outcome, n)
		var wg sync.WaitGroup
		for i := range n {
			order := fmt.Sprintf("batch-%d", i%(n-dups)) // the last 10 repeat the first 10
			wg.Go(func() {
				p, err := gw.CreatePayout(b.ctx, b.app, bdoPayout(order, "1234567890", 10_000))
				out[i] = outcome{p, err}
			})
		}
		for deadline := time.Now().Add(10 * time.Second); w.callers.Load() < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // the last callers move from their fee to the queue
		close(w.release)
		wg.Wait()

		taken := map[string]bool{}
		var ok, short, dup int
		for i, o := range out {
			switch kind := gateway.KindOf(o.err); {
			case o.err == nil:
				if taken[o.p.MchOrderID] {
					t.Errorf("mchOrderId %s was taken twice", o.p.MchOrderID)
				}
				taken[o.p.MchOrderID] = true
				ok++
			case kind == gateway.KindInsufficientBalance:
				short++
			case kind == gateway.KindDuplicateOrder:
				dup++
			default:
				t.Errorf("payout %d: unexpected %v", i, o.err)
			}
		}
		if ok != 9 || ok+short+dup != n {
			t.Errorf("%d taken, %d insufficient, %d duplicates; want 9 taken of %d", ok, short, dup, n)
		}
		for i, o := range out {
			if o.err != nil && gateway.KindOf(o.err) == gateway.KindDuplicateOrder && !taken[fmt.Sprintf("batch-%d", i%(n-dups))] {
				t.Errorf("payout %d refused as a duplicate of an order that was not taken", i)
			}
		}
		bal := b.balance(t)
		if bal.Available != 100_000-9*cost || bal.Held != 9*cost {
			t.Errorf("balance %+v, want available %d and held %d", bal, 100_000-9*cost, 9*cost)
		}
		b.checkLedger(t)
		held, err := b.store.AccountBalance(b.ctx, ledger.MerchantHeld(b.app.MerchantID, "PHP"))
		if err != nil || held != 9*cost {
			t.Errorf("held account %d, %v", held, err)
		}
		if strings.Contains(logs.String(), "batch failed") {
			t.Errorf("a batch failed and its payouts were made alone:\n%s", logs.String())
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		biggest := 0
		for _, s := range w.sizes {
			biggest = max(biggest, s)
		}
		if biggest < n/2 {
			t.Errorf("batch sizes %v: the queued payouts were not booked together", w.sizes)
		}
	})
}

// syncBuffer is a log sink for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

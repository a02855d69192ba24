package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// Group commit for payouts. Concurrent CreatePayout calls queue here, and a
// few booking loops take whatever has queued (up to Config.PayoutBatch) and
// book it in one transaction: the payouts, their holds, one ledger posting
// per account for all of their hold entries, and their outbox messages. A
// lone request makes a batch of one at once, so batching adds no wait; under
// load the batches grow while earlier ones commit, and the commits (with
// their fsyncs) and the lock on a hot merchant's balance row are shared.
//
// A batch decides what the same payouts made one at a time, in arrival
// order, would have: it locks the balances involved, and lets each payout's
// hold through only if the merchant's available balance still covers it
// (ledger.Fits); the rest are refused as insufficient. A payout the batch
// could not insert (a repeated mchOrderId or idempotencyId, or a clash of
// transaction ids) and every payout of a batch whose transaction failed for
// a reason other than an unavailable database are made again alone by their
// caller, on the path that names the exact error.

// payoutJob is one CreatePayout call waiting for a batch.
type payoutJob struct {
	ctx context.Context
	app App
	req PayoutRequest
	ch  PayoutChannel
	fee Fee

	p      Payout
	err    error
	alone  bool         // not decided by the batch: make it alone
	failed bool         // ... because its batch's transaction failed
	state  atomic.Int32 // jobQueued, then jobTaken by a loop or jobAbandoned by its caller
	done   chan struct{}
}

// A job's states: a caller whose context ends while its job is still queued
// abandons it (nothing was booked); once a loop has taken it, the caller
// waits for the batch's answer.
const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

// payoutBatcher queues jobs and runs up to parallel booking loops.
type payoutBatcher struct {
	g        *Gateway
	max      int
	parallel int

	mu      sync.Mutex
	queue   []*payoutJob
	running int
}

// batchTimeout bounds one batch's transaction. The batch does not run on
// any caller's context: one caller hanging up must not fail the others.
const batchTimeout = 30 * time.Second

// do queues j and returns when a batch has decided it, or with the
// context's error if j.ctx ends while j is still queued.
func (b *payoutBatcher) do(j *payoutJob) {
	j.done = make(chan struct{})
	b.mu.Lock()
	b.queue = append(b.queue, j)
	if b.running < b.parallel {
		b.running++
		go b.loop()
	}
	b.mu.Unlock()
	select {
	case <-j.done:
	case <-j.ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			j.err = callerGone()
			return
		}
		<-j.done // taken: the batch's answer is the payout's fate
	}
}

// loop books batches until the queue is empty, then ends.
func (b *payoutBatcher) loop() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.max)
		if n == 0 {
			b.running--
			b.queue = nil
			b.mu.Unlock()
			return
		}
		jobs := make([]*payoutJob, 0, n)
		for _, j := range b.queue[:n] {
			if j.state.CompareAndSwap(jobQueued, jobTaken) {
				jobs = append(jobs, j)
			}
		}
		clear(b.queue[:n])
		b.queue = b.queue[n:]
		b.mu.Unlock()
		if len(jobs) == 0 {
			continue
		}

		b.g.bookPayouts(jobs)
		for _, j := range jobs {
			close(j.done)
		}
	}
}

// bookPayouts books jobs in one transaction and sets each job's outcome.
func (g *Gateway) bookPayouts(jobs []*payoutJob) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	now := g.now()
	live := make([]*payoutJob, 0, len(jobs))
	for _, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.err = callerGone()
			continue
		}
		id, err := g.newID(ctx, "D")
		if err != nil {
			j.err = err
			continue
		}
		j.p = newPayout(id, j.app, j.req, j.ch, j.fee, now)
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	var kept, short, unstored []*payoutJob
	err := g.store.InTx(ctx, func(tx Tx) error {
		kept, short, unstored = nil, nil, nil
		ps := make([]Payout, len(live))
		for i, j := range live {
			ps[i] = j.p
		}
		stored, err := tx.InsertPayouts(ctx, ps)
		if err != nil {
			return err
		}
		held := make([]heldPayout, len(live))
		var entries []ledger.Entry
		for i, j := range live {
			if stored[i] {
				held[i] = payoutHold(j.p, now)
				entries = append(entries, held[i].entry)
			} else {
				unstored = append(unstored, j)
			}
		}
		balances, err := tx.LockBalances(ctx, ledger.Accounts(entries...))
		if err != nil {
			return err
		}
		var holds []ledger.Hold
		var drop []string
		entries = entries[:0]
		var msgs []OutboxMessage
		for i, j := range live {
			if !stored[i] {
				continue
			}
			h := held[i]
			if !ledger.Fits(balances, h.entry) {
				short = append(short, j)
				drop = append(drop, j.p.TransactionID)
				continue
			}
			kept = append(kept, j)
			holds, entries = append(holds, h.hold), append(entries, h.entry)
			msgs = append(msgs, submitMessage(j.p, now))
		}
		if err := tx.DeletePayouts(ctx, drop); err != nil {
			return err
		}
		if len(kept) == 0 {
			return nil
		}
		if err := tx.InsertHolds(ctx, holds); err != nil {
			return err
		}
		if err := tx.PostEntries(ctx, entries); err != nil {
			return err
		}
		return tx.InsertOutboxBatch(ctx, msgs)
	})
	if err != nil {
		for _, j := range live {
			if errors.Is(err, ErrUnavailable) {
				j.err = g.storeErr("create payout", err)
			} else {
				j.alone, j.failed = true, true
			}
		}
		if !errors.Is(err, ErrUnavailable) {
			g.log.Warn("payout batch failed; its payouts are made one by one", "payouts", len(live), "err", err)
		}
		return
	}
	for _, j := range unstored {
		j.alone = true
	}
	for _, j := range short {
		j.err = insufficient(j.p)
	}
	for range kept {
		g.observe("payout", StatusPending)
	}
	if len(kept) > 0 {
		g.queued()
	}
}

// callerGone is the answer to a caller whose context ended before its payout
// was booked: nothing was written, and it may be sent again.
func callerGone() error {
	return &Error{Kind: KindUnavailable, Message: "the request ended before the payout was booked; nothing was stored"}
}

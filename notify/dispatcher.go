// Package notify carries out the outbox after commit: the Dispatcher leases
// due messages from the store, hands each to the Handler of its topic, records
// the attempt and schedules the retry; Webhook is the Handler that notifies
// merchants, in dialect A or B.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// Handler carries out one outbox message. It fills the attempt's HTTPStatus,
// Response and OK; the dispatcher fills the rest. It must return by the time
// ctx is done.
type Handler interface {
	Handle(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt

// Handle calls f(ctx, m).
func (f HandlerFunc) Handle(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
	return f(ctx, m)
}

// Observer is told about every attempt, for metrics.
type Observer interface {
	Attempted(topic string, ok bool, latency time.Duration)
}

// Options are NewDispatcher's settings; zero fields take the defaults.
type Options struct {
	Owner string // the lease owner, unique per process; default random hex
	// Schedule holds the delays after the 1st, 2nd, ... failed attempt; once
	// it is exhausted the message is DEAD. Nil means DefaultSchedule; an empty
	// non-nil schedule means no retries.
	Schedule []time.Duration
	Batch    int           // most messages claimed at once; default 32
	Workers  int           // most deliveries at once; default 16
	Lease    time.Duration // how long a claim holds a message; default 2m
	// Timeout bounds one delivery, the handler's own timeout included;
	// default and at most Lease/2, so that the attempt is recorded while
	// the lease holds.
	Timeout  time.Duration
	Poll     time.Duration // how often the store is asked when idle; default 500ms
	Clock    gateway.Clock // default gateway.SystemClock
	Logger   *slog.Logger  // default slog.Default()
	Observer Observer      // default none
}

// Dispatcher delivers due outbox messages with the handler of their topic,
// at least once each: a message is leased before delivery and a process
// that dies mid-delivery leaves it to be claimed again when the lease ends.
type Dispatcher struct {
	store    Store
	handlers map[string]Handler
	owner    string
	schedule []time.Duration
	batch    int
	lease    time.Duration
	timeout  time.Duration
	poll     time.Duration
	clock    gateway.Clock
	log      *slog.Logger
	observer Observer

	slots chan struct{} // one token per delivery under way
	kick  chan struct{}

	mu        sync.Mutex
	unhandled map[string]bool // topics without a handler, already logged

	rec recorder
}

// recorder gathers the attempts of deliveries that end together, for one
// transaction per group: the first to end writes its attempt at once, and
// those that end meanwhile queue for the next group, which it writes too
// before it returns.
type recorder struct {
	mu      sync.Mutex
	queue   []*pendingAttempt
	writing bool
}

// pendingAttempt is an attempt waiting to be recorded; err is set before
// done is closed.
type pendingAttempt struct {
	f    gateway.FinishedAttempt
	err  error
	done chan struct{}
}

// NewDispatcher returns a dispatcher over store that delivers each topic with
// its handler. Messages of other topics are left alone.
func NewDispatcher(store Store, handlers map[string]Handler, opts Options) *Dispatcher {
	d := &Dispatcher{
		store: store, handlers: handlers, owner: opts.Owner, schedule: opts.Schedule,
		batch: opts.Batch, lease: opts.Lease, timeout: opts.Timeout, poll: opts.Poll,
		clock: opts.Clock, log: opts.Logger, observer: opts.Observer,
		kick: make(chan struct{}, 1), unhandled: map[string]bool{},
	}
	if d.owner == "" {
		var b [8]byte
		rand.Read(b[:])
		d.owner = hex.EncodeToString(b[:])
	}
	if d.schedule == nil {
		d.schedule = DefaultSchedule
	}
	d.schedule = slices.Clone(d.schedule) // the caller's slice may change
	if d.batch <= 0 {
		d.batch = 32
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = 16
	}
	d.slots = make(chan struct{}, workers)
	if d.lease <= 0 {
		d.lease = 2 * time.Minute
	}
	if d.timeout <= 0 || d.timeout > d.lease/2 {
		d.timeout = d.lease / 2
	}
	if d.poll <= 0 {
		d.poll = 500 * time.Millisecond
	}
	if d.clock == nil {
		d.clock = gateway.SystemClock{}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	d.log = d.log.With("owner", d.owner)
	return d
}

// Owner returns the name the dispatcher leases messages under.
func (d *Dispatcher) Owner() string { return d.owner }

// Kick makes Run look for due messages at once rather than at its next poll;
// call it after committing messages. It never blocks, and kicks that come
// while one is pending count as one.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx is done. Then it stops claiming, waits for
// the deliveries under way (they are not cancelled by ctx, only bounded by
// the delivery timeout), records them, and returns nil. Store failures are
// logged and retried at the next poll; they never end Run.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	var failing storeFailure
	for {
		free := d.acquire(ctx, d.batch, true)
		if free == 0 || ctx.Err() != nil {
			d.release(free)
			return nil
		}
		n, err := d.round(ctx, free, &wg)
		if err != nil && ctx.Err() != nil {
			return nil // the claim was cut short by the shutdown
		}
		failing.report(d.log, err, d.clock.Now())
		if err == nil && n == free {
			continue // the batch was full: more may be due already
		}
		kick := d.kick
		if err != nil {
			kick = nil // a kick must not hammer a failing store
		}
		if !sleep(ctx, d.poll, kick) {
			return nil
		}
	}
}

// sleep waits for d or a kick; false when ctx is done first.
func sleep(ctx context.Context, d time.Duration, kick <-chan struct{}) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-kick:
	case <-timer.C:
	}
	return true
}

// RunOnce claims the due messages once, as many as Batch and the free
// workers allow, delivers them and records the attempts before it returns
// how many it claimed. Its error is the claim's.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	free := d.acquire(ctx, d.batch, false)
	if free == 0 {
		return 0, ctx.Err()
	}
	var wg sync.WaitGroup
	n, err := d.round(ctx, free, &wg)
	wg.Wait()
	return n, err
}

// acquire takes up to max worker slots, waiting for the first one when wait
// is set; 0 when ctx is done first (or none is free and wait is not set).
func (d *Dispatcher) acquire(ctx context.Context, max int, wait bool) int {
	n := 0
	if wait {
		select {
		case d.slots <- struct{}{}:
			n++
		case <-ctx.Done():
			return 0
		}
	}
	for n < max {
		select {
		case d.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

func (d *Dispatcher) release(n int) {
	for range n {
		<-d.slots
	}
}

// round claims up to free messages, holding that many worker slots, and
// starts their deliveries under wg; each delivery gives back its slot and
// the slots not used are given back at once. It returns how many messages
// it claimed.
func (d *Dispatcher) round(ctx context.Context, free int, wg *sync.WaitGroup) (int, error) {
	now := d.clock.Now()
	leaseEnd := time.Now().Add(d.lease) // in real time, to bound retries whatever the clock
	msgs, err := d.store.ClaimOutbox(ctx, d.owner, now, now.Add(d.lease), free)
	if err != nil {
		d.release(free)
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	started := 0
	for _, m := range msgs {
		h, ok := d.handlers[m.Topic]
		if !ok {
			d.noHandler(m)
			continue
		}
		started++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer d.release(1)
			d.deliver(context.WithoutCancel(ctx), h, m, leaseEnd)
		}()
	}
	d.release(free - started)
	return len(msgs), nil
}

// noHandler leaves a message of a topic nobody here handles to its lease's
// end, when another process (or this one) may claim it again.
func (d *Dispatcher) noHandler(m gateway.OutboxMessage) {
	d.mu.Lock()
	seen := d.unhandled[m.Topic]
	d.unhandled[m.Topic] = true
	d.mu.Unlock()
	if !seen {
		d.log.Warn("notify: no handler for topic; its messages are left alone", "topic", m.Topic, "messageId", m.ID)
	}
}

// deliver makes one attempt at m and records it. ctx is not cancelled at
// shutdown: the attempt is bounded by the delivery timeout instead.
func (d *Dispatcher) deliver(ctx context.Context, h Handler, m gateway.OutboxMessage, leaseEnd time.Time) {
	at := d.clock.Now()
	start := time.Now() // the latency is real time, whatever the clock says
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	a := d.handle(hctx, h, m)
	cancel()
	a.MessageID, a.At, a.Latency = m.ID, at, time.Since(start)
	a.Response = excerpt(a.Response, 2*maxExcerpt)
	if d.observer != nil {
		d.observer.Attempted(m.Topic, a.OK, a.Latency)
	}
	var next time.Time
	if !a.OK && m.Attempts < len(d.schedule) {
		next = at.Add(d.schedule[m.Attempts])
	}
	log := d.log.With("messageId", m.ID, "topic", m.Topic, "transactionId", m.TransactionID, "attempt", m.Attempts+1)
	switch {
	case a.OK:
		log.Debug("notify: delivered", "latency", a.Latency)
	case next.IsZero():
		log.Warn("notify: delivery failed; retries exhausted, message is DEAD", "httpStatus", a.HTTPStatus, "response", a.Response)
	default:
		log.Info("notify: delivery failed; will retry", "httpStatus", a.HTTPStatus, "response", a.Response, "next", next)
	}
	d.record(ctx, log, gateway.FinishedAttempt{DeliveryAttempt: a, Next: next}, leaseEnd)
}

// record records the attempt with those of the deliveries that end at the
// same time, in one transaction. If that transaction fails, each attempt
// is recorded alone, with retries (finish).
func (d *Dispatcher) record(ctx context.Context, log *slog.Logger, f gateway.FinishedAttempt, leaseEnd time.Time) {
	p := &pendingAttempt{f: f, done: make(chan struct{})}
	d.rec.mu.Lock()
	d.rec.queue = append(d.rec.queue, p)
	lead := !d.rec.writing
	d.rec.writing = true
	d.rec.mu.Unlock()
	if lead {
		d.writeGroups(ctx)
	}
	<-p.done
	switch {
	case p.err == nil:
	case errors.Is(p.err, gateway.ErrNotFound):
		log.Warn("notify: lease lost before the attempt was recorded; the message may be delivered again")
	default:
		log.Warn("notify: recording a group of attempts failed; recording this one alone", "err", p.err)
		d.finish(ctx, log, f.DeliveryAttempt, f.Next, leaseEnd)
	}
}

// writeGroups writes the queued attempts, a group per transaction, until
// the queue is empty. The queue holds at most one attempt per worker.
func (d *Dispatcher) writeGroups(ctx context.Context) {
	for {
		d.rec.mu.Lock()
		group := d.rec.queue
		d.rec.queue = nil
		if len(group) == 0 {
			d.rec.writing = false
			d.rec.mu.Unlock()
			return
		}
		d.rec.mu.Unlock()
		done := make([]gateway.FinishedAttempt, len(group))
		for i, p := range group {
			done[i] = p.f
		}
		fctx, cancel := context.WithTimeout(ctx, d.timeout)
		errs, err := d.store.FinishAttempts(fctx, d.owner, done)
		cancel()
		for i, p := range group {
			if p.err = err; err == nil {
				p.err = errs[i]
			}
			close(p.done)
		}
	}
}

// handle calls the handler, turning a panic into a failed attempt.
func (d *Dispatcher) handle(ctx context.Context, h Handler, m gateway.OutboxMessage) (a gateway.DeliveryAttempt) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("notify: handler panicked", "topic", m.Topic, "messageId", m.ID, "panic", r)
			a = gateway.DeliveryAttempt{Response: fmt.Sprintf("notify: handler panicked: %v", r)}
		}
	}()
	return h.Handle(ctx, m)
}

// finish records the attempt, retrying a failing store while the lease
// lasts (leaseEnd is in real time); after that the message will be claimed
// and delivered again anyway.
func (d *Dispatcher) finish(ctx context.Context, log *slog.Logger, a gateway.DeliveryAttempt, next, leaseEnd time.Time) {
	for {
		fctx, cancel := context.WithTimeout(ctx, d.timeout)
		err := d.store.FinishAttempt(fctx, d.owner, a, next)
		cancel()
		switch {
		case err == nil:
			return
		case errors.Is(err, gateway.ErrNotFound):
			log.Warn("notify: lease lost before the attempt was recorded; the message may be delivered again")
			return
		case !time.Now().Add(d.poll).Before(leaseEnd):
			log.Error("notify: cannot record the attempt; the message will be delivered again", "err", err)
			return
		}
		log.Warn("notify: recording the attempt failed; retrying", "err", err)
		time.Sleep(d.poll)
	}
}

// storeFailure logs a failing claim at its start, then once a minute while
// it goes on, and its end.
type storeFailure struct {
	since, logged time.Time
}

func (f *storeFailure) report(log *slog.Logger, err error, now time.Time) {
	switch {
	case err == nil && !f.since.IsZero():
		log.Info("notify: store reachable again", "after", now.Sub(f.since))
		*f = storeFailure{}
	case err == nil:
	case f.since.IsZero():
		log.Error("notify: claiming messages failed; retrying", "err", err)
		f.since, f.logged = now, now
	case now.Sub(f.logged) >= time.Minute:
		log.Error("notify: claiming messages still failing", "err", err, "since", f.since)
		f.logged = now
	}
}

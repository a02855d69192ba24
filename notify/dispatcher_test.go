package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// The dispatcher's behaviour in time, on memStore inside synctest bubbles
// where time is fake and exact. store_test.go runs it on the real stores.

// logBuffer collects a test dispatcher's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

type memBundle struct {
	store *memStore
	logs  *logBuffer
	d     *Dispatcher
}

// setupMem returns a dispatcher over a fresh memStore that handles topic
// notify with h; opts' zero fields get a fast test default.
func setupMem(t *testing.T, h HandlerFunc, opts Options) memBundle {
	b := memBundle{store: newMemStore(), logs: &logBuffer{}}
	if opts.Schedule == nil {
		opts.Schedule = []time.Duration{time.Minute, 2 * time.Minute}
	}
	opts.Logger = slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b.d = NewDispatcher(b.store, map[string]Handler{gateway.TopicNotify: h}, opts)
	return b
}

// insert queues a notification due now.
func (b memBundle) insert(txID string) int64 {
	return b.store.insert(gateway.OutboxMessage{
		Topic: gateway.TopicNotify, AppID: "app1", TransactionID: txID, URL: "http://merchant.invalid/",
		Status: gateway.OutboxPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(),
	})
}

// run starts Run and returns a stop that cancels it and returns its error.
func (b memBundle) run(t *testing.T) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.d.Run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return stop
}

func ok(status int) gateway.DeliveryAttempt {
	return gateway.DeliveryAttempt{HTTPStatus: status, OK: status == 200, Response: fmt.Sprint(status)}
}

func TestDispatcherRetriesOnSchedule(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var seen []int
		b := setupMem(t, func(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
			seen = append(seen, m.Attempts)
			time.Sleep(10 * time.Millisecond)
			if m.Attempts < 2 {
				return ok(500)
			}
			return ok(200)
		}, Options{Poll: time.Second})
		id := b.insert("D1")
		b.run(t)
		time.Sleep(10 * time.Minute)
		synctest.Wait()

		m, as := b.store.get(id)
		if m.Status != gateway.OutboxDelivered || len(as) != 3 || fmt.Sprint(seen) != "[0 1 2]" {
			t.Fatalf("status %s, %d attempts, handler saw attempts %v; want DELIVERED, 3, [0 1 2]", m.Status, len(as), seen)
		}
		for i, want := range []time.Duration{time.Minute, 2 * time.Minute} {
			if gap := as[i+1].At.Sub(as[i].At); gap < want || gap > want+time.Second {
				t.Errorf("attempt %d came %v after attempt %d, want %v plus at most a poll", i+2, gap, i+1, want)
			}
		}
		for _, a := range as {
			if a.MessageID != id || a.Latency != 10*time.Millisecond {
				t.Errorf("attempt %+v: want message %d, latency 10ms", a, id)
			}
		}
	})
}

func TestDispatcherDead(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		schedule []time.Duration
		attempts int
	}{
		{"TwoRetries", []time.Duration{time.Minute, 2 * time.Minute}, 3},
		{"NoRetries", []time.Duration{}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt { return ok(503) },
					Options{Schedule: tt.schedule})
				id := b.insert("D1")
				b.run(t)
				time.Sleep(time.Hour)
				synctest.Wait()
				m, as := b.store.get(id)
				if m.Status != gateway.OutboxDead || len(as) != tt.attempts || m.LastError != "503" {
					t.Fatalf("status %s, %d attempts, last error %q; want DEAD, %d, 503", m.Status, len(as), m.LastError, tt.attempts)
				}
				if n := b.logs.count("DEAD"); n != 1 {
					t.Errorf("logged DEAD %d times, want 1", n)
				}
			})
		})
	}
}

func TestDispatcherKick(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var delivered atomic.Int32
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt {
			delivered.Add(1)
			return ok(200)
		}, Options{Poll: time.Hour})
		b.d.Kick()
		b.d.Kick() // coalesces; never blocks
		b.run(t)
		time.Sleep(time.Second)
		synctest.Wait() // Run has found nothing and waits an hour

		start := time.Now()
		b.insert("D1")
		b.d.Kick()
		synctest.Wait()
		if delivered.Load() != 1 || time.Since(start) != 0 {
			t.Fatalf("after a kick: %d deliveries after %v, want 1 at once", delivered.Load(), time.Since(start))
		}
	})
}

func TestDispatcherUnknownTopic(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt { return ok(200) },
			Options{Lease: time.Minute})
		other := b.store.insert(gateway.OutboxMessage{Topic: "carrier-pigeon", TransactionID: "D1",
			Status: gateway.OutboxPending, NextAttemptAt: time.Now()})
		id := b.insert("D1")
		b.run(t)
		time.Sleep(10 * time.Minute) // ten leases
		synctest.Wait()
		if m, as := b.store.get(other); m.Status != gateway.OutboxPending || len(as) != 0 {
			t.Errorf("message without a handler: status %s, %d attempts; want PENDING, none", m.Status, len(as))
		}
		if m, _ := b.store.get(id); m.Status != gateway.OutboxDelivered {
			t.Errorf("notification: status %s, want DELIVERED", m.Status)
		}
		if n := b.logs.count("no handler"); n != 1 {
			t.Errorf("logged the missing handler %d times, want once", n)
		}
	})
}

func TestDispatcherStoreDown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt { return ok(200) },
			Options{Poll: time.Second})
		down := errors.New("connection refused")
		claims, finishes := 0, 0
		b.store.claimErr = func() error {
			if claims++; claims <= 5 {
				return down
			}
			return nil
		}
		b.store.finishErr = func() error {
			if finishes++; finishes <= 2 {
				return down
			}
			return nil
		}
		id := b.insert("D1")
		start := time.Now()
		stop := b.run(t)
		b.d.Kick() // ignored while the store fails
		time.Sleep(time.Minute)
		synctest.Wait()
		m, as := b.store.get(id)
		if m.Status != gateway.OutboxDelivered || len(as) != 1 {
			t.Fatalf("status %s, %d attempts; want DELIVERED after the store came back, 1", m.Status, len(as))
		}
		if at := as[0].At.Sub(start); at != 5*time.Second {
			t.Errorf("delivered %v after the start, want 5s: five failed claims one poll apart", at)
		}
		if b.logs.count("claiming messages failed") != 1 || b.logs.count("store reachable again") != 1 {
			t.Errorf("want the outage logged once at its start and once at its end; log:\n%s", b.logs.b.String())
		}
		if err := stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}
	})
}

func TestDispatcherLeaseLost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var b memBundle
		b = setupMem(t, func(_ context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
			if m.TransactionID == "D1" { // another owner takes the message meanwhile
				b.store.mu.Lock()
				b.store.msgs[m.ID].owner = "thief"
				b.store.mu.Unlock()
			}
			return ok(200)
		}, Options{})
		lost := b.insert("D1")
		b.run(t)
		time.Sleep(time.Second)
		synctest.Wait()
		next := b.insert("D2")
		b.d.Kick()
		synctest.Wait()
		if m, as := b.store.get(lost); m.Status != gateway.OutboxPending || len(as) != 0 {
			t.Errorf("lost message: status %s, %d attempts; want PENDING, none recorded", m.Status, len(as))
		}
		if m, _ := b.store.get(next); m.Status != gateway.OutboxDelivered {
			t.Errorf("the next message is %s, want DELIVERED: a lost lease must not stop the loop", m.Status)
		}
		if n := b.logs.count("lease lost"); n != 1 {
			t.Errorf("logged the lost lease %d times, want 1", n)
		}
	})
}

func TestDispatcherGracefulShutdown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		var handlerErr error
		b := setupMem(t, func(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
			close(started)
			time.Sleep(300 * time.Millisecond)
			handlerErr = ctx.Err()
			return ok(200)
		}, Options{})
		id := b.insert("D1")
		stop := b.run(t)
		<-started
		start := time.Now()
		if err := stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if took := time.Since(start); took != 300*time.Millisecond {
			t.Errorf("Run returned %v after the cancel, want when the delivery ended (300ms)", took)
		}
		if m, as := b.store.get(id); m.Status != gateway.OutboxDelivered || len(as) != 1 || !as[0].OK {
			t.Errorf("status %s, attempts %+v; want DELIVERED with its attempt recorded", m.Status, as)
		}
		if handlerErr != nil {
			t.Errorf("the delivery's context was cancelled by the shutdown: %v", handlerErr)
		}
	})
}

func TestDispatcherTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupMem(t, func(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
			<-ctx.Done()
			return gateway.DeliveryAttempt{Response: ctx.Err().Error()}
		}, Options{Lease: 10 * time.Second})
		id := b.insert("D1")
		b.run(t)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		_, as := b.store.get(id)
		if len(as) != 1 || as[0].OK || as[0].Latency != 5*time.Second || as[0].Response != context.DeadlineExceeded.Error() {
			t.Fatalf("attempts %+v; want one failed after Lease/2 = 5s", as)
		}
	})
}

func TestDispatcherWorkers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		running, most := 0, 0
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			running--
			mu.Unlock()
			return ok(200)
		}, Options{Workers: 3, Batch: 10, Poll: time.Hour})
		var ids []int64
		for i := range 20 {
			ids = append(ids, b.insert(fmt.Sprintf("D%d", i)))
		}
		b.run(t)
		time.Sleep(time.Minute)
		synctest.Wait()
		for _, id := range ids {
			if m, _ := b.store.get(id); m.Status != gateway.OutboxDelivered {
				t.Errorf("message %d is %s, want DELIVERED", id, m.Status)
			}
		}
		if most != 3 {
			t.Errorf("at most %d deliveries ran at once, want 3 (Workers)", most)
		}
	})
}

func TestDispatcherPanic(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt { panic("boom") }, Options{})
		id := b.insert("D1")
		n, err := b.d.RunOnce(context.Background())
		if n != 1 || err != nil {
			t.Fatalf("RunOnce = %d, %v; want 1, nil", n, err)
		}
		m, as := b.store.get(id)
		if m.Status != gateway.OutboxPending || len(as) != 1 || as[0].OK || !strings.Contains(as[0].Response, "panicked: boom") {
			t.Fatalf("status %s, attempts %+v; want a failed attempt saying the handler panicked", m.Status, as)
		}
	})
}

type observed struct {
	mu    sync.Mutex
	calls []string
}

func (o *observed) Attempted(topic string, ok bool, latency time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, fmt.Sprintf("%s %v %v", topic, ok, latency))
}

func TestDispatcherRunOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		o := &observed{}
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt {
			time.Sleep(time.Millisecond)
			return ok(200)
		}, Options{Batch: 2, Observer: o})
		for i := range 3 {
			b.insert(fmt.Sprint("D", i))
		}
		for i, want := range []int{2, 1, 0} {
			if n, err := b.d.RunOnce(context.Background()); n != want || err != nil {
				t.Fatalf("RunOnce #%d = %d, %v; want %d, nil", i+1, n, err, want)
			}
		}
		if got := fmt.Sprint(o.calls); got != "[notify true 1ms notify true 1ms notify true 1ms]" {
			t.Errorf("observer calls %s", got)
		}
		b.store.claimErr = func() error { return errors.New("down") }
		if _, err := b.d.RunOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "down") {
			t.Errorf("RunOnce with the store down: %v, want its error", err)
		}
	})
}

func TestNewDispatcherDefaults(t *testing.T) {
	t.Parallel()
	d := NewDispatcher(newMemStore(), nil, Options{Lease: time.Minute, Timeout: 2 * time.Minute})
	e := NewDispatcher(newMemStore(), nil, Options{})
	if len(d.Owner()) != 16 || d.Owner() == e.Owner() {
		t.Errorf("owners %q and %q: want distinct random hex", d.Owner(), e.Owner())
	}
	if d.timeout != 30*time.Second {
		t.Errorf("a timeout above Lease/2 is %v, want Lease/2", d.timeout)
	}
	if e.batch != 32 || cap(e.slots) != 16 || e.lease != 2*time.Minute || e.poll != 500*time.Millisecond ||
		e.timeout != time.Minute || FormatSchedule(e.schedule) != "1m,2m,4m,...,512m" {
		t.Errorf("defaults: batch %d workers %d lease %v poll %v timeout %v schedule %v",
			e.batch, cap(e.slots), e.lease, e.poll, e.timeout, e.schedule)
	}
}

// Deliveries that end while a group of attempts is being written are
// recorded together in the next transaction, not one by one.
func TestDispatcherRecordsAttemptsInGroups(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt {
			time.Sleep(time.Second) // all eight end at the same instant
			return ok(200)
		}, Options{Workers: 8, Batch: 8, Poll: time.Hour})
		release := make(chan struct{})
		first := true
		b.store.finishErr = func() error {
			if first { // hold the first group's transaction until the others have queued
				first = false
				<-release
			}
			return nil
		}
		var ids []int64
		for i := range 8 {
			ids = append(ids, b.insert(fmt.Sprintf("D%d", i)))
		}
		b.run(t)
		time.Sleep(2 * time.Second)
		synctest.Wait() // one delivery writes its attempt; seven wait for it
		close(release)
		synctest.Wait()
		for _, id := range ids {
			if m, as := b.store.get(id); m.Status != gateway.OutboxDelivered || len(as) != 1 {
				t.Errorf("message %d is %s with %d attempts, want DELIVERED with 1", id, m.Status, len(as))
			}
		}
		b.store.mu.Lock()
		calls := fmt.Sprint(b.store.finishCalls)
		b.store.mu.Unlock()
		if calls != "[1 7]" {
			t.Errorf("FinishAttempts calls of sizes %s, want [1 7]: the first attempt alone, then the seven that ended meanwhile", calls)
		}
	})
}

// When a group's transaction fails, each of its attempts is recorded alone.
func TestDispatcherGroupFailureFallsBack(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setupMem(t, func(context.Context, gateway.OutboxMessage) gateway.DeliveryAttempt {
			time.Sleep(time.Second)
			return ok(200)
		}, Options{Workers: 4, Batch: 4, Poll: time.Hour})
		failed := false
		b.store.finishErr = func() error {
			if !failed {
				failed = true
				return errors.New("serialization failure")
			}
			return nil
		}
		var ids []int64
		for i := range 4 {
			ids = append(ids, b.insert(fmt.Sprintf("D%d", i)))
		}
		b.run(t)
		time.Sleep(time.Minute)
		synctest.Wait()
		for _, id := range ids {
			if m, as := b.store.get(id); m.Status != gateway.OutboxDelivered || len(as) != 1 {
				t.Errorf("message %d is %s with %d attempts, want DELIVERED with 1", id, m.Status, len(as))
			}
		}
		if n := b.logs.count("recording a group of attempts failed"); n == 0 {
			t.Errorf("the failed group was not logged; log:\n%s", b.logs.b.String())
		}
	})
}

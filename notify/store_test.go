package notify_test

// The dispatcher and the webhook end to end on the real stores (PostgreSQL
// and SQLite, through store/storetest), against receivers on 127.0.0.1. This
// is an external test package because the stores import notify.

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/storetest"
)

var platformKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

type keySigner struct{ key *rsa.PrivateKey }

func (s keySigner) Sign(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	return base64.StdEncoding.EncodeToString(sig), err
}

// merchant is a notification receiver on 127.0.0.1. It verifies each
// notification's signature with the platform public key, counts them by
// transactionId, and answers with answer(transactionId, n) for the n-th
// notification of that transaction (1-based), answerOK until told otherwise.
type merchant struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
	answer answerFunc
}

type answerFunc func(txID string, n int) (status int, body string)

func answerOK(string, int) (int, string) { return 200, `{"code":10000,"message":"Success"}` }

func newMerchant(t *testing.T) *merchant {
	m := &merchant{counts: map[string]int{}, answer: answerOK}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Param, Sign string }
		var p struct {
			TransactionID string `json:"transactionId"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("merchant: body: %v", err)
		}
		sig, _ := base64.StdEncoding.DecodeString(body.Sign)
		sum := sha256.Sum256([]byte(body.Param))
		if err := rsa.VerifyPKCS1v15(&platformKey().PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			t.Errorf("merchant: signature does not verify: %v", err)
		}
		if err := json.Unmarshal([]byte(body.Param), &p); err != nil {
			t.Errorf("merchant: param: %v", err)
		}
		m.mu.Lock()
		m.counts[p.TransactionID]++
		n, answer := m.counts[p.TransactionID], m.answer
		m.mu.Unlock()
		status, reply := answer(p.TransactionID, n)
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *merchant) setAnswer(a answerFunc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answer = a
}

func (m *merchant) count(txID string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[txID]
}

// bundle is what a real-store test needs: a fresh store, a merchant and a
// way to make dispatchers that notify it.
type bundle struct {
	store    storetest.Store
	merchant *merchant
	webhook  *notify.Webhook
}

// forEachEngine runs test as a parallel subtest on every engine, each with a
// fresh database and its own merchant.
func forEachEngine(t *testing.T, test func(t *testing.T, b bundle)) {
	t.Parallel()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			b := bundle{store: e.Open(t), merchant: newMerchant(t),
				webhook: notify.NewWebhook(keySigner{platformKey()}, notify.WebhookOptions{Timeout: 5 * time.Second})}
			test(t, b)
		})
	}
}

// dispatcher returns a fast dispatcher over b's store; opts' zero fields get
// test defaults.
func (b bundle) dispatcher(t *testing.T, opts notify.Options) *notify.Dispatcher {
	if opts.Schedule == nil {
		opts.Schedule = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}
	}
	if opts.Poll == 0 {
		opts.Poll = 5 * time.Millisecond
	}
	if opts.Lease == 0 {
		opts.Lease = 20 * time.Second
	}
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	return notify.NewDispatcher(b.store, map[string]notify.Handler{gateway.TopicNotify: b.webhook}, opts)
}

// testWriter sends a dispatcher's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// queue commits the notification of a completed payout txID, due now.
func (b bundle) queue(t *testing.T, txID string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	ev := gateway.Event{
		Name: "disbursement.success", Kind: "payout", TransactionID: txID, MchOrderID: "M" + txID,
		MerchantID: "m1", CountryCode: "PH", Currency: "PHP", Amount: 10000, Fee: 150,
		Status: gateway.StatusCompleted, CreateTime: now.Add(-time.Minute), ReturnTime: now,
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	err = b.store.InTx(t.Context(), func(tx gateway.Tx) error {
		return tx.InsertOutbox(t.Context(), gateway.OutboxMessage{
			Topic: gateway.TopicNotify, AppID: "app1", TransactionID: txID, Event: ev.Name,
			URL: b.merchant.URL + "/notify", Payload: payload, Status: gateway.OutboxPending,
			NextAttemptAt: now, CreatedAt: now,
		})
	})
	if err != nil {
		t.Fatalf("queue %s: %v", txID, err)
	}
}

// record returns txID's one notification with its attempts.
func (b bundle) record(t *testing.T, txID string) notify.Record {
	t.Helper()
	recs, err := notify.List(t.Context(), b.store, txID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("List(%s) = %d records, %v; want 1", txID, len(recs), err)
	}
	return recs[0]
}

// run runs d until the test ends or stop is called; stop returns Run's error.
func run(t *testing.T, d *notify.Dispatcher) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				err = errors.New("Run did not return within 30s of the cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls cond every 10ms for at most 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
	}
}

func (b bundle) status(t *testing.T, txID string) func() bool {
	return func() bool {
		s := b.record(t, txID).Message.Status
		return s == gateway.OutboxDelivered || s == gateway.OutboxDead
	}
}

func TestStoreDelivers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, b bundle) {
		b.queue(t, "D1")
		before := time.Now()
		n, err := b.dispatcher(t, notify.Options{}).RunOnce(t.Context())
		if n != 1 || err != nil {
			t.Fatalf("RunOnce = %d, %v; want 1, nil", n, err)
		}
		rec := b.record(t, "D1")
		if rec.Message.Status != gateway.OutboxDelivered || rec.Message.Attempts != 1 || rec.Message.DeliveredAt.IsZero() {
			t.Fatalf("message %s: want DELIVERED after 1 attempt", summary(rec.Message))
		}
		if len(rec.Attempts) != 1 {
			t.Fatalf("%d attempts recorded, want 1", len(rec.Attempts))
		}
		a := rec.Attempts[0]
		if !a.OK || a.HTTPStatus != 200 || a.Latency <= 0 || a.MessageID != rec.Message.ID ||
			a.Response != `{"code":10000,"message":"Success"}` || a.At.Before(before.Add(-time.Second)) {
			t.Fatalf("attempt %+v: want OK, 200, a latency, the answer, a start time", a)
		}
		if b.merchant.count("D1") != 1 {
			t.Fatalf("merchant got %d notifications, want 1", b.merchant.count("D1"))
		}
	})
}

func TestStoreRetries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, b bundle) {
		b.merchant.setAnswer(func(_ string, n int) (int, string) {
			switch n {
			case 1:
				return 500, "Internal Server Error"
			case 2:
				return 200, `{"code":21000,"message":"server error"}`
			}
			return answerOK("", n)
		})
		b.queue(t, "D1")
		stop := run(t, b.dispatcher(t, notify.Options{}))
		waitFor(t, "the delivery", b.status(t, "D1"))
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		rec := b.record(t, "D1")
		if rec.Message.Status != gateway.OutboxDelivered || rec.Message.Attempts != 3 || len(rec.Attempts) != 3 {
			t.Fatalf("message %s with %d attempts: want DELIVERED after 3", summary(rec.Message), len(rec.Attempts))
		}
		for i, want := range []struct {
			status int
			ok     bool
		}{{500, false}, {200, false}, {200, true}} {
			if a := rec.Attempts[i]; a.HTTPStatus != want.status || a.OK != want.ok {
				t.Errorf("attempt %d: %+v, want status %d ok %v", i+1, a, want.status, want.ok)
			}
		}
		for i, wait := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond} {
			if gap := rec.Attempts[i+1].At.Sub(rec.Attempts[i].At); gap < wait {
				t.Errorf("attempt %d came %v after attempt %d, want at least %v", i+2, gap, i+1, wait)
			}
		}
	})
}

func TestStoreDeadThenResend(t *testing.T) {
	forEachEngine(t, func(t *testing.T, b bundle) {
		b.merchant.setAnswer(func(string, int) (int, string) { return 503, "Service Unavailable" })
		b.queue(t, "D1")
		d := b.dispatcher(t, notify.Options{})
		stop := run(t, d)
		waitFor(t, "retries to run out", b.status(t, "D1"))
		rec := b.record(t, "D1")
		if rec.Message.Status != gateway.OutboxDead || len(rec.Attempts) != 3 || rec.Message.LastError != "Service Unavailable" {
			t.Fatalf("message %s with %d attempts: want DEAD after 3", summary(rec.Message), len(rec.Attempts))
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}

		b.merchant.setAnswer(answerOK)
		n, err := notify.Resend(t.Context(), b.store, "D1", time.Now())
		if n != 1 || err != nil {
			t.Fatalf("Resend = %d, %v; want 1, nil", n, err)
		}
		if n, err := d.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("RunOnce after Resend = %d, %v; want 1, nil", n, err)
		}
		rec = b.record(t, "D1")
		if rec.Message.Status != gateway.OutboxDelivered || len(rec.Attempts) != 4 || !rec.Attempts[3].OK {
			t.Fatalf("after Resend: message %s with %d attempts; want DELIVERED by a 4th", summary(rec.Message), len(rec.Attempts))
		}
		if n, err := notify.Resend(t.Context(), b.store, "D404", time.Now()); n != 0 || err != nil {
			t.Errorf("Resend of an unknown transaction = %d, %v; want 0, nil", n, err)
		}
		if recs, err := notify.List(t.Context(), b.store, "D404"); len(recs) != 0 || err != nil {
			t.Errorf("List of an unknown transaction = %v, %v; want none", recs, err)
		}
	})
}

// TestStoreTwoDispatchers: two processes on one store deliver every message
// exactly once; on PostgreSQL their claims pass over each other's rows with
// SKIP LOCKED.
func TestStoreTwoDispatchers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, b bundle) {
		b.merchant.setAnswer(func(string, int) (int, string) {
			time.Sleep(2 * time.Millisecond)
			return answerOK("", 0)
		})
		const n = 100
		for i := range n {
			b.queue(t, fmt.Sprintf("D%03d", i))
		}
		var byA, byB counter
		opts := notify.Options{Batch: 8, Workers: 4, Poll: time.Millisecond}
		opts.Owner, opts.Observer = "A", &byA
		a := b.dispatcher(t, opts)
		opts.Owner, opts.Observer = "B", &byB
		bb := b.dispatcher(t, opts)
		stopA, stopB := run(t, a), run(t, bb)
		waitFor(t, "all deliveries", func() bool {
			backlog, err := b.store.OutboxBacklog(t.Context())
			return err == nil && backlog[gateway.TopicNotify] == 0
		})
		if err := errors.Join(stopA(), stopB()); err != nil {
			t.Fatal(err)
		}
		if a, b := byA.n.Load(), byB.n.Load(); a == 0 || b == 0 || a+b != n {
			t.Errorf("A made %d attempts and B %d; want both to share the %d messages", a, b, n)
		}
		for i := range n {
			txID := fmt.Sprintf("D%03d", i)
			if c := b.merchant.count(txID); c != 1 {
				t.Errorf("%s delivered %d times, want exactly once", txID, c)
			}
			if rec := b.record(t, txID); rec.Message.Status != gateway.OutboxDelivered || len(rec.Attempts) != 1 {
				t.Errorf("%s: %s with %d attempts, want DELIVERED with 1", txID, rec.Message.Status, len(rec.Attempts))
			}
		}
	})
}

// counter is an Observer that counts attempts.
type counter struct{ n atomic.Int64 }

func (c *counter) Attempted(string, bool, time.Duration) { c.n.Add(1) }

// TestStoreExpiredLease: a message leased by a dispatcher that died is
// claimed again once the lease ends, and the dead owner cannot record on it.
func TestStoreExpiredLease(t *testing.T) {
	forEachEngine(t, func(t *testing.T, b bundle) {
		b.queue(t, "D1")
		now := time.Now()
		claimed, err := b.store.ClaimOutbox(t.Context(), "crashed", now, now.Add(300*time.Millisecond), 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim by the crashed owner: %d messages, %v", len(claimed), err)
		}
		d := b.dispatcher(t, notify.Options{Owner: "survivor"})
		if n, err := d.RunOnce(t.Context()); n != 0 || err != nil {
			t.Fatalf("RunOnce while the lease holds = %d, %v; want 0, nil", n, err)
		}
		time.Sleep(time.Until(now.Add(400 * time.Millisecond)))
		if n, err := d.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("RunOnce after the lease ended = %d, %v; want 1, nil", n, err)
		}
		if rec := b.record(t, "D1"); rec.Message.Status != gateway.OutboxDelivered || len(rec.Attempts) != 1 {
			t.Fatalf("message %s with %d attempts; want DELIVERED by the survivor", summary(rec.Message), len(rec.Attempts))
		}
		late := gateway.DeliveryAttempt{MessageID: claimed[0].ID, At: now, Response: "late", HTTPStatus: 500}
		if err := b.store.FinishAttempt(t.Context(), "crashed", late, time.Time{}); !errors.Is(err, gateway.ErrNotFound) {
			t.Fatalf("FinishAttempt by the crashed owner: %v, want ErrNotFound", err)
		}
	})
}

// TestStoreGracefulShutdown: Run, cancelled during a slow delivery, returns
// only once that delivery's attempt is recorded.
func TestStoreGracefulShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, b bundle) {
		started := make(chan struct{}, 1)
		b.merchant.setAnswer(func(string, int) (int, string) {
			started <- struct{}{}
			time.Sleep(300 * time.Millisecond)
			return answerOK("", 0)
		})
		b.queue(t, "D1")
		stop := run(t, b.dispatcher(t, notify.Options{}))
		<-started
		begun := time.Now()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(begun); took < 200*time.Millisecond {
			t.Errorf("Run returned %v after the cancel, before the slow delivery could end", took)
		}
		rec := b.record(t, "D1")
		if rec.Message.Status != gateway.OutboxDelivered || len(rec.Attempts) != 1 || !rec.Attempts[0].OK {
			t.Fatalf("after Run returned: message %s, attempts %+v; want the attempt recorded OK", summary(rec.Message), rec.Attempts)
		}
	})
}

// summary says what a test checks of a message, without its payload.
func summary(m gateway.OutboxMessage) string {
	return fmt.Sprintf("{ID:%d Status:%s Attempts:%d DeliveredAt:%v LastError:%q}", m.ID, m.Status, m.Attempts, m.DeliveredAt, m.LastError)
}

package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// want is the state the model expects an order to show, in the words of
// gatewayState.
func (o *smOrder) want() string {
	switch x := o.x.(type) {
	case *smPayout:
		return fmt.Sprintf("%s code=%d amount=%d fee=%d", x.status, x.code, x.amount, x.fee)
	case *smPayment:
		if x.status != string(gateway.StatusCompleted) {
			return x.status
		}
		return fmt.Sprintf("%s paid=%d fee=%d flag=%q settled=%v", x.status, x.paid, x.fee, x.flag, x.settled)
	case *smRefund:
		return fmt.Sprintf("%s code=%d amount=%d feeRefunded=%d", x.status, x.code, x.amount, x.feeRefunded)
	}
	return "?"
}

// gatewayState reads the order from the store and says what it shows.
func (e *simEnv) gatewayState(o *smOrder) (string, error) {
	switch o.kind {
	case "payout":
		p, err := e.store.GetPayoutByID(e.ctx, o.txID)
		return fmt.Sprintf("%s code=%d amount=%d fee=%d", p.Status, p.FailedCode, p.Amount, p.Fee), err
	case "payment":
		p, err := e.store.GetPaymentByID(e.ctx, o.txID)
		if p.Status != gateway.StatusCompleted {
			return string(p.Status), err
		}
		return fmt.Sprintf("%s paid=%d fee=%d flag=%q settled=%v", p.Status, p.PaidAmount, p.Fee, p.Flag, !p.SettledAt.IsZero()), err
	default:
		r, err := e.store.GetRefundByID(e.ctx, o.txID)
		return fmt.Sprintf("%s code=%d amount=%d feeRefunded=%d", r.Status, r.FailedCode, r.Amount, r.FeeRefunded), err
	}
}

// checkOrder compares one order with the gateway.
func (e *simEnv) checkOrder(o *smOrder) error {
	got, err := e.gatewayState(o)
	if err != nil {
		return simFail("order", "%s %s: %v", o.label, o.txID, err)
	}
	want := o.want()
	fmt.Fprint(e.trace, got)
	if got != want {
		return simFail("order", "%s %s shows %s, the model says %s", o.label, o.txID, got, want)
	}
	o.seen = want
	return nil
}

// checkOrders compares with the gateway every order (all) or those whose
// state may have changed since they were last found as expected.
func (e *simEnv) checkOrders(all bool) error {
	for _, o := range e.model.orders {
		if !all && o.final() && o.seen == o.want() {
			continue
		}
		if err := e.checkOrder(o); err != nil {
			return err
		}
	}
	return nil
}

// simNote is a notification the merchant's endpoint received.
type simNote struct {
	url string
	ev  gateway.Event
}

// simNotes is every merchant's notification endpoint. It fails some
// deliveries (refusing them, or taking them and losing its answer) by a
// hash of the seed, the message and the attempt, so that the outbox retries
// and delivers some twice; from the fourth attempt on it takes every one.
type simNotes struct {
	seed uint64
	mu   sync.Mutex
	got  map[string][]simNote // by the message's transaction id
	err  error
}

func newSimNotes(seed uint64) *simNotes { return &simNotes{seed: seed, got: map[string][]simNote{}} }

func (n *simNotes) handle(_ context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ev gateway.Event
	if err := json.Unmarshal(m.Payload, &ev); err != nil || ev.Name != m.Event {
		if n.err == nil {
			n.err = simFail("notify", "message %d for %s: event %q, payload %s (%v)", m.ID, m.TransactionID, m.Event, m.Payload, err)
		}
		return gateway.DeliveryAttempt{HTTPStatus: 400}
	}
	fate := simMix(n.seed, uint64(m.ID), uint64(m.Attempts)) % 8
	if m.Attempts >= 3 {
		fate = 7
	}
	if fate >= 2 { // 0, 1: the endpoint is down; 2: it takes it and its answer is lost
		n.got[m.TransactionID] = append(n.got[m.TransactionID], simNote{m.URL, ev})
	}
	if fate <= 2 {
		return gateway.DeliveryAttempt{HTTPStatus: 503, Response: "simulated outage"}
	}
	return gateway.DeliveryAttempt{HTTPStatus: 200, Response: "SUCCESS", OK: true}
}

func (n *simNotes) failure() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// simMix hashes its arguments (splitmix64 steps).
func simMix(xs ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, x := range xs {
		h ^= x + 0x9e3779b97f4a7c15 + h<<6 + h>>2
		h ^= h >> 30
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 27
		h *= 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

// checkNotes checks, once the outbox is drained, that every order with a
// notifyUrl was notified at its URL of its final status at least once,
// that no notification told of a status the order never had or of amounts
// it does not have, and that orders without a URL and unknown orders got
// none.
func (e *simEnv) checkNotes() error {
	known := map[string]bool{}
	for _, o := range e.model.orders {
		known[o.txID] = true
		notes := e.notes.got[o.txID]
		if o.url == "" && len(notes) > 0 {
			return simFail("notify", "%s %s has no notifyUrl but was notified: %+v", o.label, o.txID, notes[0].ev)
		}
		sawFinal := o.url == ""
		for _, n := range notes {
			if n.url != o.url {
				return simFail("notify", "%s %s notified at %s, want %s", o.label, o.txID, n.url, o.url)
			}
			if err := o.checkEvent(n.ev); err != nil {
				return err
			}
			sawFinal = sawFinal || string(n.ev.Status) == o.status
		}
		if !sawFinal {
			return simFail("notify", "%s %s ended %s, but no notification of it was delivered (%d others)", o.label, o.txID, o.status, len(notes))
		}
	}
	ids := make([]string, 0, len(e.notes.got))
	for id := range e.notes.got {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if !known[id] {
			return simFail("notify", "notified of %s, which is no order the model knows: %+v", id, e.notes.got[id][0].ev)
		}
	}
	return nil
}

// checkEvent checks one notification of the order: a status it had, under
// that status's name, with the order's amounts.
func (o *smOrder) checkEvent(ev gateway.Event) error {
	st := string(ev.Status)
	if !o.reached[st] || ev.TransactionID != o.txID || ev.Kind != o.kind {
		return simFail("notify", "%s %s notified %s %s %s; it had only %v", o.label, o.txID, ev.Kind, ev.TransactionID, st, o.reached)
	}
	want := ""
	switch x := o.x.(type) {
	case *smPayout:
		want = map[string]string{"COMPLETED": "disbursement.success", "FAILED": "disbursement.failed"}[st]
		if ev.Amount != x.amount || ev.Fee != x.fee || (st == "FAILED" && ev.FailedCode != x.code) {
			return simFail("notify", "%s notified %+v, the model says amount %d fee %d code %d", o.label, ev, x.amount, x.fee, x.code)
		}
	case *smPayment:
		want = map[string]string{"COMPLETED": "order.payment.success", "EXPIRED": "order.payment.expired"}[st]
		if x.code != nil {
			want = gateway.EventStaticPayment
		}
		if st == "COMPLETED" && (ev.PaidAmount != x.paid || ev.Fee != x.fee || ev.Flag != x.flag) {
			return simFail("notify", "%s notified %+v, the model says paid %d fee %d flag %q", o.label, ev, x.paid, x.fee, x.flag)
		}
	case *smRefund:
		want = map[string]string{"COMPLETE": gateway.EventRefundSuccess, "FAILED": gateway.EventRefundFailed}[st]
		if ev.Amount != x.amount || ev.FeeRefunded != x.feeRefunded || ev.OriginalTransactionID != x.payment.txID {
			return simFail("notify", "%s notified %+v, the model says amount %d fee back %d of %s", o.label, ev, x.amount, x.feeRefunded, x.payment.txID)
		}
	}
	if ev.Name != want {
		return simFail("notify", "%s notified %s as %q, want %q", o.label, st, ev.Name, want)
	}
	return nil
}

// simBuggyStore plants a known bug for -sim.inject: the entry that voids a
// failed order's hold is dropped, so the money stays held.
type simBuggyStore struct{ storetest.Store }

func (s simBuggyStore) InTx(ctx context.Context, fn func(tx gateway.Tx) error) error {
	return s.Store.InTx(ctx, func(tx gateway.Tx) error { return fn(simBuggyTx{tx}) })
}

type simBuggyTx struct{ gateway.Tx }

func (t simBuggyTx) PostEntry(ctx context.Context, e ledger.Entry) error {
	if e.Kind == "void" {
		return nil
	}
	return t.Tx.PostEntry(ctx, e)
}

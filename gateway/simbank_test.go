package gateway_test

import (
	"context"
	"errors"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

// simTransfer is what the simulated bank knows of one payout or refund
// handed to it.
type simTransfer struct {
	kind, txID string
	plan       simPlan
	lost       bool      // the submission never arrived: queries find nothing
	at         time.Time // when it was handed over
	status     gateway.Status
	code       int
}

// simCallback is a result the bank will report to the gateway.
type simCallback struct {
	kind, txID string
	res        gateway.ChannelResult
}

// simBank is every channel of the simulation: it routes payouts (BDO over
// two connector names, for failover), takes payouts and refunds as their
// simPlan says, answers queries, queues callbacks the steps deliver, and
// prepares payments through channel/sim. It tells the model whenever it
// gives the gateway a final result, and records the first breach of the
// connector contract it sees (an order handed over twice).
type simBank struct {
	clock     *fakeClock
	model     *simModel
	prep      *sim.Sim
	gw        *gateway.Gateway
	plans     map[string]simPlan // by the merchant's order id
	transfers map[string]*simTransfer
	order     []string // transfer ids in the order taken
	callbacks []simCallback
	down      bool // queries fail
	prepDown  bool // payments cannot be prepared
	err       error
}

var errSimTimeout = errors.New("simbank: timed out waiting for the answer")

func newSimBank(clock *fakeClock, model *simModel, prep *sim.Sim) *simBank {
	return &simBank{clock: clock, model: model, prep: prep, plans: map[string]simPlan{}, transfers: map[string]*simTransfer{}}
}

func (b *simBank) fail(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// Routes serves the simulation's payout channels; BDO has two routes.
func (b *simBank) Routes(channel string) []gateway.Route {
	switch channel {
	case "BDO":
		return []gateway.Route{{Name: "bank-a", Connector: b}, {Name: "bank-b", Connector: b}}
	case "GCASH", "BCA":
		return []gateway.Route{{Name: "bank-a", Connector: b}}
	}
	return nil
}

func (b *simBank) Named(name string) (gateway.Connector, bool) {
	return b, name == "bank-a" || name == "bank-b"
}

func (b *simBank) PaymentConnector(channel string) (gateway.PaymentConnector, bool) {
	_, ok := b.prep.PaymentConnector(channel)
	return b, ok
}

func (b *simBank) RefundConnector(channel string) (gateway.RefundConnector, bool) {
	_, ok := b.prep.RefundConnector(channel)
	return b, ok
}

func (b *simBank) PreparePayment(ctx context.Context, p gateway.Payment) (string, error) {
	if b.prepDown {
		return "", errSimTimeout
	}
	return b.prep.PreparePayment(ctx, p)
}

func (b *simBank) PrepareStatic(ctx context.Context, c gateway.StaticCode) (string, error) {
	return b.prep.PrepareStatic(ctx, c)
}

func (b *simBank) SubmitPayout(ctx context.Context, p gateway.Payout) (gateway.ChannelResult, error) {
	return b.submit(ctx, "payout", p.TransactionID, p.MchOrderID)
}

func (b *simBank) SubmitRefund(ctx context.Context, r gateway.Refund) (gateway.ChannelResult, error) {
	return b.submit(ctx, "refund", r.RefundTransactionID, r.MchRefundOrderID)
}

func (b *simBank) QueryPayout(ctx context.Context, id string) (gateway.ChannelResult, error) {
	return b.query(id)
}

func (b *simBank) QueryRefund(ctx context.Context, id string) (gateway.ChannelResult, error) {
	return b.query(id)
}

// submit takes an order as its plan says.
func (b *simBank) submit(ctx context.Context, kind, txID, key string) (gateway.ChannelResult, error) {
	if t := b.transfers[txID]; t != nil {
		b.fail(simFail("submit", "%s %s was handed to the channel a second time", kind, txID))
		return gateway.ChannelResult{}, errSimTimeout
	}
	plan, ok := b.plans[key]
	if !ok {
		b.fail(simFail("submit", "%s %s (%s) was handed to the channel before it was made", kind, txID, key))
		return gateway.ChannelResult{}, gateway.ErrNotSent
	}
	if plan.Refuse > 0 {
		plan.Refuse--
		b.plans[key] = plan
		return gateway.ChannelResult{}, gateway.ErrNotSent
	}
	t := &simTransfer{kind: kind, txID: txID, plan: plan, at: b.clock.Now(), status: gateway.StatusPending}
	b.transfers[txID] = t
	b.order = append(b.order, txID)
	switch plan.Mode {
	case planLost:
		t.lost = true
		return gateway.ChannelResult{}, errSimTimeout
	case planTimeout:
		return gateway.ChannelResult{}, errSimTimeout
	case planSync:
		b.decide(t)
		b.fail(b.model.told(kind, txID, t.status, t.code))
		return b.result(t), nil
	case planRace:
		b.decide(t)
		b.fail(b.deliver(context.WithoutCancel(ctx), simCallback{kind, txID, b.result(t)}))
		return gateway.ChannelResult{Status: gateway.StatusPending, ChannelRef: "BANK" + txID}, nil
	}
	return gateway.ChannelResult{Status: gateway.StatusPending, ChannelRef: "BANK" + txID}, nil
}

func (b *simBank) query(txID string) (gateway.ChannelResult, error) {
	if b.down {
		return gateway.ChannelResult{}, errors.New("simbank: unreachable")
	}
	t := b.transfers[txID]
	if t == nil {
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	if t.lost {
		b.fail(b.model.lostQueried(t.kind, txID, t.at, b.clock.Now()))
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	if t.status != gateway.StatusPending {
		b.fail(b.model.told(t.kind, txID, t.status, t.code))
	}
	return b.result(t), nil
}

func (b *simBank) decide(t *simTransfer) {
	t.status, t.code = gateway.StatusCompleted, 0
	if t.plan.Fail != 0 {
		t.status, t.code = gateway.StatusFailed, t.plan.Fail
	}
}

func (b *simBank) result(t *simTransfer) gateway.ChannelResult {
	r := gateway.ChannelResult{Status: t.status, FailedCode: t.code, ChannelRef: "BANK" + t.txID}
	if t.code != 0 {
		r.FailedMessage = gateway.FailedMessages[t.code]
	}
	return r
}

// decideOne finishes a transfer the bank holds, as its plan says, and
// queues its callback unless the callback is to be lost. Unknown, lost or
// finished transfers are left alone.
func (b *simBank) decideOne(txID string, lostCallback bool) {
	t := b.transfers[txID]
	if t == nil || t.lost || t.status != gateway.StatusPending {
		return
	}
	b.decide(t)
	if !lostCallback {
		b.callbacks = append(b.callbacks, simCallback{t.kind, txID, b.result(t)})
	}
}

// deliver reports a result to the gateway as a channel's callback does.
func (b *simBank) deliver(ctx context.Context, cb simCallback) error {
	var err error
	if cb.kind == "refund" {
		err = b.gw.ApplyRefundResult(ctx, cb.txID, cb.res)
	} else {
		err = b.gw.ApplyPayoutResult(ctx, cb.txID, cb.res)
	}
	if err != nil {
		return simFail("answer", "callback %s %s %s: %v", cb.kind, cb.txID, cb.res.Status, err)
	}
	if cb.res.Status == gateway.StatusPending {
		return nil
	}
	return b.model.told(cb.kind, cb.txID, cb.res.Status, cb.res.FailedCode)
}

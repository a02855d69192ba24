package gateway_test

import (
	"fmt"
	"slices"

	"github.com/kasir-gateway/kasir/gateway"
)

// refund asks for a refund of a payment, by its owner or (to see that it is
// not found) by another merchant's app.
func (e *simEnv) refund(op simOp) error {
	p := e.model.payments[op.Ref]
	asApp, txID, left := op.M, "C999", int64(0)
	if p != nil {
		txID, left = p.txID, p.paid-p.refunded
		if asApp < 0 {
			asApp = p.m
		}
	}
	asApp = max(asApp, 0)
	amount := []int64{left, left / 2, op.N, left + op.N}[op.V]
	req := gateway.RefundRequest{MchRefundOrderID: fmt.Sprintf("R%d", op.ID), OriginalTransactionID: txID, Amount: amount, Reason: "simulation"}
	if op.Dup >= 0 {
		req.MchRefundOrderID = fmt.Sprintf("R%d", op.Dup)
	}
	if op.URL {
		req.CallbackURL = "https://orders.example/refund/" + req.MchRefundOrderID
	}
	want := e.model.refundVerdict(asApp, p, req.MchRefundOrderID, amount)
	r, err := e.gw.CreateRefund(e.ctx, e.model.ms[asApp].app, req)
	if err := e.answer(fmt.Sprintf("refund %s of %d", req.MchRefundOrderID, amount), err, want); err != nil || want != "" {
		return e.refusedAbsent(err, asApp, "refund", req.MchRefundOrderID, func() error {
			_, err := e.store.GetRefund(e.ctx, e.model.ms[asApp].app.AppID, gateway.RefundRef{MchRefundOrderID: req.MchRefundOrderID})
			return err
		})
	}
	share := e.model.refundFeeShare(p, amount)
	if r.Amount != amount || r.FeeRefunded != share || r.Status != gateway.RefundPending {
		return simFail("answer", "refund %s made as %d (fee back %d) %s, the model says %d (fee back %d) PENDING",
			req.MchRefundOrderID, r.Amount, r.FeeRefunded, r.Status, amount, share)
	}
	e.bank.plans[req.MchRefundOrderID] = op.Plan
	e.model.addRefund(op.ID, p, r, e.model.notifyURL(p.m, req.CallbackURL))
	return nil
}

// applyChannel carries out the steps of the channel, the outbox and the
// gateway's own clockwork.
func (e *simEnv) applyChannel(op simOp) error {
	switch op.Kind {
	case opDispatch:
		for range op.N {
			n, err := e.disp.RunOnce(e.ctx)
			if err != nil {
				return simFail("answer", "dispatch: %v", err)
			}
			if n == 0 {
				break
			}
		}
	case opDecide:
		if o := e.entity(op.Flag, op.Ref); o != nil {
			e.bank.decideOne(o.txID, op.V == 1)
		}
	case opCallback:
		if len(e.bank.callbacks) == 0 {
			return nil
		}
		i := int(op.N) % len(e.bank.callbacks)
		cb := e.bank.callbacks[i]
		if !op.Flag {
			e.bank.callbacks = slices.Delete(e.bank.callbacks, i, i+1)
		}
		return e.bank.deliver(e.ctx, cb)
	case opPendingCallback:
		if o := e.entity(op.Flag, op.Ref); o != nil {
			return e.bank.deliver(e.ctx, simCallback{o.kind, o.txID, gateway.ChannelResult{Status: gateway.StatusPending}})
		}
	case opReconcile:
		return e.reconcile(op.Flag)
	case opExpire:
		n, err := e.gw.ExpirePayments(e.ctx, 100_000)
		return e.counted("expire payments", n, err, e.model.expire(e.clock.Now()))
	case opSettle:
		n, err := e.gw.SettlePayments(e.ctx, 100_000)
		return e.counted("settle payments", n, err, e.model.settle(e.clock.Now()))
	default:
		return fmt.Errorf("simulation: unknown step %d", op.Kind)
	}
	return nil
}

// entity returns the payout or refund a step names; nil when it was never made.
func (e *simEnv) entity(refund bool, id int) *smOrder {
	if refund {
		if r := e.model.refunds[id]; r != nil {
			return r.smOrder
		}
		return nil
	}
	if p := e.model.payouts[id]; p != nil {
		return p.smOrder
	}
	return nil
}

// reconcile runs both reconcilers, with the channel answering no query
// when down.
func (e *simEnv) reconcile(down bool) error {
	e.bank.down = down
	defer func() { e.bank.down = false }()
	if _, err := e.gw.Reconcile(e.ctx, 100_000); err != nil {
		return simFail("answer", "reconcile: %v", err)
	}
	if _, err := e.gw.ReconcileRefunds(e.ctx, 100_000); err != nil {
		return simFail("answer", "reconcile refunds: %v", err)
	}
	return nil
}

func (e *simEnv) counted(what string, n int, err error, want int) error {
	if err != nil {
		return simFail("answer", "%s: %v", what, err)
	}
	if n != want {
		return simFail("answer", "%s did %d, the model says %d", what, n, want)
	}
	return nil
}

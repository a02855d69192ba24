package gateway_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kasir-gateway/kasir/gateway"
)

// apply carries out one step on the gateway and moves the model by what the
// gateway answered. It returns a *simFailure when the answer is not the one
// the model expects.
func (e *simEnv) apply(op simOp) error {
	switch op.Kind {
	case opCredit:
		return e.credit(op)
	case opSetDelay:
		e.model.ms[op.M].delay = op.D
		return e.answer("set settlement delay", e.gw.SetSettlementDelay(e.ctx, e.model.ms[op.M].id, op.D), "")
	case opSetFee:
		f := gateway.Fee{MerchantID: e.model.ms[op.M].id, Channel: simFeeChannels[op.Ch], Fixed: op.N, BPS: op.X}
		e.model.ms[op.M].fees[f.Channel] = f
		return e.answer("set fee", e.gw.SetFee(e.ctx, f), "")
	case opPayout:
		return e.payout(op)
	case opPayment:
		return e.payment(op)
	case opPay:
		return e.pay(op)
	case opSimPay:
		return e.simPay(op)
	case opSimReport:
		return e.simReport()
	case opStatic:
		return e.static(op)
	case opStaticPay:
		return e.staticPay(op)
	case opSimPayStatic:
		return e.simPayStatic(op)
	case opCancelStatic:
		return e.cancelStatic(op)
	case opRefund:
		return e.refund(op)
	case opAdvance:
		e.clock.Advance(op.D)
		return nil
	}
	return e.applyChannel(op)
}

// answer compares an answer with the model's: success when want is "",
// else an error of kind want. It counts the refusals for the summary.
func (e *simEnv) answer(what string, err error, want gateway.Kind) error {
	if want != "" {
		e.refused[want]++
	}
	switch {
	case want == "" && err != nil:
		return simFail("answer", "%s: the model expects success, the gateway answered %v", what, err)
	case want != "" && err == nil:
		return simFail("answer", "%s: the model expects %s, the gateway answered success", what, want)
	case want != "" && gateway.KindOf(err) != want:
		return simFail("answer", "%s: the model expects %s, the gateway answered %s (%v)", what, want, gateway.KindOf(err), err)
	}
	return nil
}

// refusedAbsent passes on err, the check of an answer; when the answer was
// the refusal the model expected, it checks that the refused request left
// no order under its id, unless the app had used the id before.
func (e *simEnv) refusedAbsent(err error, mi int, table, id string, get func() error) error {
	if err != nil || e.model.used(mi, table, id) {
		return err
	}
	if err := get(); !errors.Is(err, gateway.ErrNotFound) {
		return simFail("answer", "the refused %s %s was written (%v)", table, id, err)
	}
	return nil
}

func (e *simEnv) credit(op simOp) error {
	mc, cur := e.model.ms[op.M], simCurrencies[op.Ch]
	_, err := e.gw.CreditBalance(e.ctx, mc.id, cur, op.N)
	if op.N <= 0 {
		return e.answer("credit", err, gateway.KindAmount)
	}
	if err == nil {
		e.model.acct(op.M, cur).avail += op.N
	}
	return e.answer("credit", err, "")
}

func (e *simEnv) payout(op simOp) error {
	mc, ch := e.model.ms[op.M], simPayoutChannels[op.Ch]
	req := gateway.PayoutRequest{MchOrderID: fmt.Sprintf("P%d", op.ID), CountryCode: ch.Country, Currency: ch.Currency,
		Amount: op.N, PayMethod: ch.Method, TransferCode: ch.Code, AccountNo: ch.Account, AccountName: "Juan Dela Cruz"}
	if op.Flag {
		req.IdempotencyID = fmt.Sprintf("I%d", op.ID)
	}
	switch op.V {
	case 4:
		req.MchOrderID = fmt.Sprintf("P%d", op.Dup)
	case 5:
		req.IdempotencyID = fmt.Sprintf("I%d", op.Dup)
	}
	if op.URL {
		req.NotifyURL = "https://orders.example/payout/" + req.MchOrderID
	}
	want := e.payoutVerdict(op, &req)
	p, err := e.gw.CreatePayout(e.ctx, mc.app, req)
	if err := e.answer("payout "+req.MchOrderID, err, want); err != nil || want != "" {
		return e.refusedAbsent(err, op.M, "payout", req.MchOrderID, func() error {
			_, err := e.store.GetPayout(e.ctx, mc.app.AppID, gateway.OrderRef{MchOrderID: req.MchOrderID})
			return err
		})
	}
	fee := simFeeFor(e.model.fee(op.M, ch.Code), req.Amount)
	if p.Amount != req.Amount || p.Fee != fee || p.Status != gateway.StatusPending {
		return simFail("answer", "payout %s made as %d+%d %s, the model says %d+%d PENDING", req.MchOrderID, p.Amount, p.Fee, p.Status, req.Amount, fee)
	}
	e.bank.plans[req.MchOrderID] = op.Plan
	o := e.model.newOrder("payout", fmt.Sprintf("P%d", op.ID), p.TransactionID, e.model.notifyURL(op.M, req.NotifyURL), string(gateway.StatusPending))
	sp := &smPayout{smOrder: o, m: op.M, cur: p.Currency, key: p.MchOrderID, channel: p.TransferCode, amount: p.Amount, fee: p.Fee}
	o.x = sp
	e.model.payouts[op.ID], e.model.payoutTx[p.TransactionID] = sp, sp
	e.model.use(op.M, "payout", p.MchOrderID)
	e.model.use(op.M, "idempotency", p.IdempotencyID)
	a := e.model.acct(op.M, p.Currency)
	a.avail -= p.Amount + p.Fee
	a.held += p.Amount + p.Fee
	return nil
}

// payoutVerdict breaks req as op's variant says and returns the error kind
// the gateway must answer with; "" when it must take it.
func (e *simEnv) payoutVerdict(op simOp, req *gateway.PayoutRequest) gateway.Kind {
	ch := simPayoutChannels[op.Ch]
	switch op.V {
	case 1:
		req.AccountNo = "12AB34"
		return gateway.KindInvalid
	case 2:
		req.Amount = ch.Min - 1
		return gateway.KindAmount
	case 3:
		req.TransferCode = "NOPE"
		if ch.Method == gateway.MethodBank {
			return gateway.KindBankCode
		}
		return gateway.KindWalletCode
	}
	fee := simFeeFor(e.model.fee(op.M, ch.Code), req.Amount)
	switch {
	case e.model.used(op.M, "payout", req.MchOrderID):
		return gateway.KindDuplicateOrder
	case e.model.used(op.M, "idempotency", req.IdempotencyID):
		return gateway.KindDuplicateIdempotent
	case e.model.acct(op.M, ch.Currency).avail < req.Amount+fee:
		return gateway.KindInsufficientBalance
	}
	return ""
}

func (e *simEnv) payment(op simOp) error {
	mc, ch := e.model.ms[op.M], simPaymentChannels[op.Ch]
	req := gateway.PaymentRequest{MchOrderID: fmt.Sprintf("C%d", op.ID), CountryCode: ch.Country, Currency: ch.Currency,
		Amount: op.N, ChannelCode: ch.Code}
	if op.V == 3 {
		req.MchOrderID = fmt.Sprintf("C%d", op.Dup)
	}
	if op.URL {
		req.NotifyURL = "https://orders.example/payment/" + req.MchOrderID
	}
	now := e.clock.Now()
	cat, _ := gateway.FindPaymentChannel(ch.Country, ch.Code)
	expireAt := now.Add(cat.Expiry)
	if op.D > 0 {
		req.ExpireTime = now.Add(op.D)
		expireAt = req.ExpireTime
	}
	var want gateway.Kind
	switch {
	case op.V == 2:
		req.Amount, want = ch.Min-1, gateway.KindAmount
	case op.V == 1:
		e.bank.prepDown, want = true, gateway.KindChannelUnavailable
	case e.model.used(op.M, "payment", req.MchOrderID):
		want = gateway.KindDuplicateOrder
	}
	p, err := e.gw.CreatePayment(e.ctx, mc.app, req)
	e.bank.prepDown = false
	if err := e.answer("payment "+req.MchOrderID, err, want); err != nil || want != "" {
		return e.refusedAbsent(err, op.M, "payment", req.MchOrderID, func() error {
			_, err := e.store.GetPayment(e.ctx, mc.app.AppID, gateway.OrderRef{MchOrderID: req.MchOrderID})
			return err
		})
	}
	if p.Amount != req.Amount || p.Status != gateway.StatusPending || !p.ExpireAt.Equal(expireAt) {
		return simFail("answer", "payment %s made as %d %s expiring %s, the model says %d PENDING expiring %s",
			req.MchOrderID, p.Amount, p.Status, p.ExpireAt, req.Amount, expireAt)
	}
	o := e.model.newOrder("payment", fmt.Sprintf("C%d", op.ID), p.TransactionID, e.model.notifyURL(op.M, req.NotifyURL), string(gateway.StatusPending))
	sp := &smPayment{smOrder: o, m: op.M, cur: p.Currency, country: p.CountryCode, channel: p.ChannelCode, amount: p.Amount, expireAt: expireAt}
	o.x = sp
	e.model.payments[op.ID], e.model.paymentTx[p.TransactionID] = sp, sp
	e.model.use(op.M, "payment", req.MchOrderID)
	return nil
}

// pay reports a customer's payment of a payment order straight to the
// gateway, as a channel's callback would.
func (e *simEnv) pay(op simOp) error {
	p := e.model.payments[op.Ref]
	if p == nil {
		return nil
	}
	e.refs++
	amount, ref := p.amount, fmt.Sprintf("PAY%d", e.refs)
	switch op.V {
	case 1:
		amount = max(1, p.amount-op.N)
	case 2:
		amount = p.amount + op.N
	case 3:
		if p.lastRef == "" {
			return nil
		}
		amount, ref = p.paid, p.lastRef
	}
	now := e.clock.Now()
	err := e.gw.ApplyPaymentResult(e.ctx, p.txID, gateway.PaymentResult{PaidAmount: amount, ChannelRef: ref, At: now})
	if err != nil {
		return simFail("answer", "pay %s: %v", p.label, err)
	}
	if e.model.pay(p, amount, now) {
		p.lastRef = ref
	}
	return e.checkOrder(p.smOrder)
}

// simPay has a customer pay through channel/sim; simReport reports it.
func (e *simEnv) simPay(op simOp) error {
	p := e.model.payments[op.Ref]
	if p == nil || p.code != nil || p.simPending {
		return nil // one unreported payment per order keeps the report order fixed
	}
	amount := p.amount
	if op.V == 2 {
		amount += op.N
	}
	if _, err := e.sim.Pay(e.ctx, p.txID, amount); err != nil {
		return simFail("answer", "sim pay %s: %v", p.label, err)
	}
	p.simPending, p.simAmount = true, amount
	return nil
}

// simReport has channel/sim report every payment not yet reported.
func (e *simEnv) simReport() error {
	if _, err := e.sim.ReportDue(e.ctx); err != nil {
		return simFail("answer", "sim report: %v", err)
	}
	now := e.clock.Now()
	for _, id := range simSorted(e.model.payments) {
		if p := e.model.payments[id]; p.simPending {
			p.simPending = false
			e.model.pay(p, p.simAmount, now)
		}
	}
	for _, id := range simSorted(e.model.codes) {
		c := e.model.codes[id]
		for _, s := range c.simPending {
			// The gateway judges the code as it was when the customer paid:
			// a cancellation in that same millisecond closed it already, and
			// the channel gives the money back.
			if e.model.staticVerdict(c, s.amount, s.at) != "" {
				continue
			}
			if err := e.bookStatic(s.id, c, s.amount, s.ref, now); err != nil {
				return err
			}
		}
		c.simPending = nil
	}
	return nil
}

// simSorted returns a map's keys in order, so that runs are repeatable.
func simSorted[V any](m map[int]V) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

package gateway_test

import (
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

func (e *simEnv) static(op simOp) error {
	mc, ch := e.model.ms[op.M], simStaticChannels[op.Ch]
	req := gateway.StaticCodeRequest{MchOrderID: fmt.Sprintf("S%d", op.ID), CountryCode: ch.Country, Currency: ch.Currency,
		ChannelCode: ch.Code, Amount: op.N, MaxAmount: op.X}
	if op.V == 1 {
		req.MchOrderID = fmt.Sprintf("S%d", op.Dup)
	}
	if op.URL {
		req.NotifyURL = "https://orders.example/static/" + req.MchOrderID
	}
	now := e.clock.Now()
	if op.D > 0 {
		req.ExpireTime = now.Add(op.D)
	}
	var want gateway.Kind
	switch {
	case op.V == 2:
		req.Amount, req.MaxAmount, want = ch.Min-1, 0, gateway.KindAmount
	case e.model.used(op.M, "static", req.MchOrderID):
		want = gateway.KindDuplicateOrder
	}
	c, err := e.gw.CreateStaticCode(e.ctx, mc.app, req)
	if err := e.answer("static code "+req.MchOrderID, err, want); err != nil || want != "" {
		return e.refusedAbsent(err, op.M, "static", req.MchOrderID, func() error {
			_, err := e.store.GetStaticCode(e.ctx, mc.app.AppID, gateway.StaticRef{MchOrderID: req.MchOrderID})
			return err
		})
	}
	cat, _ := gateway.FindPaymentChannel(ch.Country, ch.Code)
	sc := &smStatic{id: c.ID, label: fmt.Sprintf("S%d", op.ID), channel: ch.Code, cur: ch.Currency, country: ch.Country,
		m: op.M, amount: req.Amount, min: cat.MinAmount, max: cat.MaxAmount, url: req.NotifyURL}
	if req.Amount > 0 {
		sc.min, sc.max = req.Amount, req.Amount
	} else if req.MaxAmount > 0 {
		sc.max = req.MaxAmount
	}
	if op.D > 0 {
		sc.expireAt = req.ExpireTime
	}
	if c.MinAmount != sc.min || c.MaxAmount != sc.max || c.Status != gateway.StaticActive || !c.ExpireAt.Equal(sc.expireAt) {
		return simFail("answer", "static code %s made as %+v, the model says %d..%d ACTIVE expiring %s", req.MchOrderID, c, sc.min, sc.max, sc.expireAt)
	}
	e.model.codes[op.ID] = sc
	e.model.use(op.M, "static", req.MchOrderID)
	return nil
}

// staticAmount is what a customer pays into c: the fixed amount or one in
// its range, or (wrong) an amount it does not take.
func staticAmount(c *smStatic, id int, wrong bool) int64 {
	switch {
	case wrong && c.amount > 0:
		return c.amount + 1
	case wrong:
		return c.min - 1
	case c.amount > 0:
		return c.amount
	}
	return c.min + int64(id*7919)%(min(c.max, c.min+200_000)-c.min+1)
}

// staticPay reports a customer's payment into a static code straight to
// the gateway, perhaps late (paid some time ago) or a second time.
func (e *simEnv) staticPay(op simOp) error {
	c := e.model.codes[op.Ref]
	if c == nil {
		return nil
	}
	amount := staticAmount(c, op.ID, op.V == 1)
	e.refs++
	ref := fmt.Sprintf("ST%d", e.refs)
	if op.Flag && c.lastRef != "" {
		ref = c.lastRef
	}
	now := e.clock.Now()
	paidAt := now.Add(-op.D)
	repeat := e.model.used(-1, "ref:"+c.channel, ref)
	var want gateway.Kind
	if !repeat {
		want = e.model.staticVerdict(c, amount, paidAt)
	}
	err := e.gw.ApplyStaticPayment(e.ctx, c.id, amount, ref, paidAt)
	if err := e.answer(fmt.Sprintf("static payment %d into %s paid at %s", amount, c.label, paidAt), err, want); err != nil || want != "" || repeat {
		return err
	}
	c.lastRef = ref
	return e.bookStatic(op.ID, c, amount, ref, now)
}

// simPayStatic has a customer pay into a static code through channel/sim,
// which asks the gateway first whether the code takes the payment.
func (e *simEnv) simPayStatic(op simOp) error {
	c := e.model.codes[op.Ref]
	if c == nil || len(c.simPending) > 0 {
		return nil
	}
	amount := staticAmount(c, op.ID, op.V == 1)
	now := e.clock.Now()
	want := e.model.staticVerdict(c, amount, now)
	ref, err := e.sim.PayStatic(e.ctx, c.id, amount)
	if err := e.answer(fmt.Sprintf("sim payment %d into %s", amount, c.label), err, want); err != nil || want != "" {
		return err
	}
	c.simPending = append(c.simPending, smSimStatic{id: op.ID, amount: amount, ref: ref, at: now})
	return nil
}

// bookStatic records a payment into c that the gateway took under ref and
// checks the payment the gateway made of it.
func (e *simEnv) bookStatic(id int, c *smStatic, amount int64, ref string, now time.Time) error {
	got, err := e.store.GetPaymentByChannelRef(e.ctx, c.channel, ref)
	if err != nil {
		return simFail("answer", "payment %d into %s (ref %s) was not booked: %v", amount, c.label, ref, err)
	}
	e.model.use(-1, "ref:"+c.channel, ref)
	o := e.model.newOrder("payment", fmt.Sprintf("C%d", id), got.TransactionID, e.model.notifyURL(c.m, c.url), string(gateway.StatusCompleted))
	p := &smPayment{smOrder: o, m: c.m, cur: c.cur, country: c.country, channel: c.channel, code: c, amount: amount, expireAt: now}
	o.x = p
	p.paid = amount
	p.fee = min(simFeeFor(e.model.fee(c.m, c.channel), amount), amount)
	e.model.collect(p, now)
	e.model.payments[id], e.model.paymentTx[got.TransactionID] = p, p
	return e.checkOrder(o)
}

func (e *simEnv) cancelStatic(op simOp) error {
	c := e.model.codes[op.Ref]
	if c == nil {
		return nil
	}
	now := e.clock.Now()
	var want gateway.Kind
	if (!c.cancelledAt.IsZero() && !now.Before(c.cancelledAt)) || (!c.expireAt.IsZero() && !now.Before(c.expireAt)) {
		want = gateway.KindCancelNotAllowed
	}
	_, err := e.gw.CancelStaticCode(e.ctx, e.model.ms[c.m].app.AppID, gateway.StaticRef{ID: c.id})
	if want == "" && err == nil {
		c.cancelledAt = now
	}
	return e.answer("cancel "+c.label, err, want)
}

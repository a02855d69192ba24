package gateway_test

import (
	"math/rand/v2"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// simWeights says how often each kind of step is drawn.
var simWeights = [simKinds]int{
	opCredit: 3, opSetDelay: 1, opSetFee: 1, opPayout: 12, opPayment: 8, opPay: 8, opSimPay: 2,
	opSimReport: 2, opStatic: 2, opStaticPay: 5, opSimPayStatic: 2, opCancelStatic: 1, opRefund: 7,
	opDispatch: 12, opDecide: 8, opCallback: 8, opPendingCallback: 1, opReconcile: 4, opExpire: 2,
	opSettle: 2, opAdvance: 7,
}

// simGen draws a sequence of steps from a seed. It knows only what it drew,
// never what the gateway answered, so that a sequence is a function of its
// seed alone and any part of it can be replayed.
type simGen struct {
	r         *rand.Rand
	merchants int
	payoutM   []int // the merchant of each payout drawn
	dynamic   []int // the dynamic payments drawn
	paymentM  []int // the merchant of each payment drawn (dynamic or into a static code)
	codeM     []int // the merchant of each static code drawn
	refunds   int
	queue     []simOp // steps already drawn to come next
}

// simGenerate returns n steps drawn from seed for a gateway of merchants
// merchants.
func simGenerate(seed uint64, n, merchants int) []simOp {
	g := &simGen{r: rand.New(rand.NewPCG(seed, 0x6b61736972)), merchants: merchants}
	ops := make([]simOp, 0, n)
	for len(ops) < n {
		ops = append(ops, g.next())
	}
	return ops
}

func (g *simGen) next() simOp {
	if len(g.queue) > 0 {
		op := g.queue[0]
		g.queue = g.queue[1:]
		return op
	}
	for {
		if op, ok := g.make(g.kind()); ok {
			return op
		}
	}
}

func (g *simGen) kind() simKind {
	total := 0
	for _, w := range simWeights {
		total += w
	}
	x := g.r.IntN(total)
	for k, w := range simWeights {
		if x < w {
			return simKind(k)
		}
		x -= w
	}
	return opAdvance
}

// pick returns one of n entities, mostly a recent one; -1 when n is 0.
func (g *simGen) pick(n int) int {
	switch {
	case n == 0:
		return -1
	case g.r.IntN(10) < 6:
		return n - 1 - g.r.IntN(min(n, 8))
	}
	return g.r.IntN(n)
}

// amount returns an amount in [lo, hi], mostly a small one.
func (g *simGen) amount(lo, hi int64) int64 {
	if g.r.IntN(2) == 0 {
		hi = lo + (hi-lo)/20
	}
	return lo + g.r.Int64N(hi-lo+1)
}

func (g *simGen) oneIn(n int) bool { return g.r.IntN(n) == 0 }

func (g *simGen) make(k simKind) (simOp, bool) {
	op := simOp{Kind: k, Ref: -1, Dup: -1, M: g.r.IntN(g.merchants)}
	switch k {
	case opCredit:
		op.Ch = g.r.IntN(len(simCurrencies))
		unit := []int64{100, 10_000}[op.Ch]
		if op.N = g.amount(50*unit, 3000*unit); g.oneIn(20) {
			op.N = 0
		}
	case opSetDelay:
		op.D = []time.Duration{0, 0, 10 * time.Minute, time.Hour, 6 * time.Hour}[g.r.IntN(5)]
	case opSetFee:
		op.Ch, op.N, op.X = g.r.IntN(len(simFeeChannels)), int64(g.r.IntN(4))*500, int64(g.r.IntN(6))*50
	case opPayout:
		g.payout(&op)
	case opPayment:
		g.payment(&op)
	case opStatic:
		g.static(&op)
	case opRefund:
		return g.refund(op)
	case opDispatch:
		op.N = int64(1 + g.r.IntN(8))
	case opCallback:
		op.N, op.Flag = int64(g.r.IntN(1000)), g.oneIn(5)
	case opReconcile:
		op.Flag = g.oneIn(6)
	case opAdvance:
		op.D = []time.Duration{time.Second, 10 * time.Second, 45 * time.Second, 61 * time.Second,
			3 * time.Minute, 11 * time.Minute, 40 * time.Minute, 2 * time.Hour, 25 * time.Hour}[min(g.r.IntN(11), 8)]
	default:
		return g.onEntity(op)
	}
	return op, true
}

// onEntity draws the steps that act on an entity drawn before; false when
// there is none yet.
func (g *simGen) onEntity(op simOp) (simOp, bool) {
	switch op.Kind {
	case opPay, opSimPay:
		op.Ref, op.V, op.N = g.pick(len(g.paymentM)), g.r.IntN(4), 1+g.r.Int64N(5_000)
		if op.Kind == opSimPay {
			op.V = []int{0, 2}[g.r.IntN(2)]
		}
	case opStaticPay, opSimPayStatic:
		if op.Ref = g.pick(len(g.codeM)); op.Ref < 0 {
			return op, false
		}
		op.ID, op.Flag = len(g.paymentM), op.Kind == opStaticPay && g.oneIn(6)
		if g.oneIn(6) {
			op.V = 1
		}
		g.paymentM = append(g.paymentM, g.codeM[op.Ref])
		if op.Kind == opStaticPay && g.oneIn(5) {
			op.D = time.Duration(1+g.r.IntN(120)) * time.Minute
		}
	case opCancelStatic:
		op.Ref = g.pick(len(g.codeM))
	case opDecide, opPendingCallback:
		op.Flag = g.oneIn(3)
		op.Ref = g.pick(len(g.payoutM))
		if op.Flag {
			op.Ref = g.pick(g.refunds)
		}
		if g.oneIn(4) {
			op.V = 1
		}
	}
	return op, op.Ref >= 0 || op.Kind == opSimReport || op.Kind == opExpire || op.Kind == opSettle
}

func (g *simGen) plan(fail int) simPlan {
	p := simPlan{Mode: simPlanMode([]int{0, 0, 0, 1, 1, 2, 2, 3, 4, 4}[g.r.IntN(10)])}
	if g.oneIn(4) {
		p.Refuse = 1 + g.r.IntN(3)
	}
	if g.r.IntN(3) == 0 {
		p.Fail = fail
		if fail == gateway.FailedChannelRejected && g.oneIn(2) {
			p.Fail = gateway.FailedDestination
		}
	}
	return p
}

func (g *simGen) payout(op *simOp) {
	op.ID, op.Ch = len(g.payoutM), g.r.IntN(len(simPayoutChannels))
	ch := simPayoutChannels[op.Ch]
	op.N, op.Flag, op.URL = g.amount(ch.Min, ch.Max), g.oneIn(2), g.oneIn(4)
	op.Plan = g.plan(gateway.FailedChannelRejected)
	if g.oneIn(6) {
		op.V = 1 + g.r.IntN(len(simPayoutVariants)-1)
	}
	if op.V >= 4 {
		if op.Dup = g.pick(len(g.payoutM)); op.Dup < 0 {
			op.V = 0
		} else {
			op.M = g.payoutM[op.Dup]
		}
	}
	g.payoutM = append(g.payoutM, op.M)
}

func (g *simGen) payment(op *simOp) {
	op.ID, op.Ch = len(g.paymentM), g.r.IntN(len(simPaymentChannels))
	ch := simPaymentChannels[op.Ch]
	op.N, op.URL = g.amount(ch.Min, ch.Max), g.oneIn(4)
	if g.oneIn(3) {
		op.D = time.Duration(1+g.r.IntN(180)) * time.Minute
	}
	if g.oneIn(8) {
		op.V = 1 + g.r.IntN(len(simPaymentVariants)-1)
	}
	if op.V == 3 {
		if d := g.pick(len(g.dynamic)); d >= 0 {
			op.Dup, op.M = g.dynamic[d], g.paymentM[g.dynamic[d]]
		} else {
			op.V = 0
		}
	}
	g.paymentM = append(g.paymentM, op.M)
	g.dynamic = append(g.dynamic, op.ID)
	if g.oneIn(2) { // most customers pay soon; refunds need paid orders
		g.queue = append(g.queue, simOp{Kind: opPay, Ref: op.ID, Dup: -1, V: []int{0, 0, 0, 1, 2}[g.r.IntN(5)], N: 1 + g.r.Int64N(5_000)})
	}
}

func (g *simGen) static(op *simOp) {
	op.ID, op.Ch = len(g.codeM), g.r.IntN(len(simStaticChannels))
	ch := simStaticChannels[op.Ch]
	op.URL = g.oneIn(4)
	switch g.r.IntN(3) {
	case 0:
		op.N = g.amount(ch.Min, ch.Max)
	case 1:
		op.X = g.amount(ch.Min, ch.Max)
	}
	if g.oneIn(3) {
		op.D = time.Duration(5+g.r.IntN(360)) * time.Minute
	}
	if g.oneIn(8) {
		op.V = 1 + g.r.IntN(len(simStaticVariants)-1)
	}
	if op.V == 1 {
		if op.Dup = g.pick(len(g.codeM)); op.Dup < 0 {
			op.V = 0
		} else {
			op.M = g.codeM[op.Dup]
		}
	}
	g.codeM = append(g.codeM, op.M)
}

// refund draws a refund; one in four comes with a second refund of the same
// payment right behind it, before either is handed to the channel.
func (g *simGen) refund(op simOp) (simOp, bool) {
	if op.Ref = g.pick(len(g.paymentM)); op.Ref < 0 {
		return op, false
	}
	op.M = -1
	if g.oneIn(12) {
		op.M = g.r.IntN(g.merchants) // another app asks: not found unless it is the owner's
	}
	op.ID, op.V, op.N, op.URL = g.refunds, g.r.IntN(4), 1+g.r.Int64N(3_000), g.oneIn(4)
	op.Plan = g.plan(gateway.FailedRefund)
	if g.oneIn(12) && g.refunds > 0 {
		op.Dup = g.pick(g.refunds)
	}
	g.refunds++
	if g.oneIn(4) {
		second := op
		second.ID, second.V, second.Dup, second.M = g.refunds, g.r.IntN(4), -1, -1
		second.Plan = g.plan(gateway.FailedRefund)
		g.refunds++
		g.queue = append(g.queue, second)
	}
	return op, true
}

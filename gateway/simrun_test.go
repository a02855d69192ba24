package gateway_test

import (
	"context"
	"fmt"
	"hash"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/storetest"
)

const (
	simMerchants      = 3
	simReconcileAfter = time.Minute
	simGrace          = 10 * time.Minute
	simOrdersEvery    = 100 // steps between checks of every order not known final
	simLedgerEvery    = 250 // steps between full ledger checks
)

// simSchedule is the outbox's retry schedule in the simulation: long
// enough that a notification handler failing at most three times in a row
// never exhausts it.
var simSchedule = []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}

// simEnv is one simulation run: a gateway on a fresh store, the simulated
// bank in front of every channel, the outbox dispatcher and the model.
type simEnv struct {
	ctx     context.Context
	store   storetest.Store
	gw      *gateway.Gateway
	clock   *fakeClock
	bank    *simBank
	sim     *sim.Sim
	disp    *notify.Dispatcher
	model   *simModel
	notes   *simNotes
	trace   hash.Hash64
	refs    int    // channel references handed out
	setup   string // what the seed set up: refund fee setting, merchants' fees, delays and funds
	refused map[gateway.Kind]int
}

// simRun runs ops from seed on a gateway over st (a fresh, migrated store),
// drains it, checks everything and returns the first difference from the
// model. The environment it returns tells what happened (simEnv.summary),
// and its trace digests every balance and order state seen along the way:
// two runs of one sequence must give the same.
func simRun(ctx context.Context, st storetest.Store, seed uint64, ops []simOp, inject bool) (*simEnv, error) {
	e, err := newSimEnv(ctx, st, seed, inject)
	if err != nil {
		return e, fmt.Errorf("setup: %w", err)
	}
	for i, op := range ops {
		if err := e.step(op); err != nil {
			return e, fmt.Errorf("step %d (%s): %w", i, op, err)
		}
		if (i+1)%simOrdersEvery == 0 {
			err = e.checkOrders(false)
		}
		if (i+1)%simLedgerEvery == 0 && err == nil {
			err = e.checkLedger()
		}
		if err != nil {
			return e, fmt.Errorf("after step %d (%s): %w", i, op, err)
		}
	}
	if err := e.drain(); err != nil {
		return e, fmt.Errorf("draining at the end: %w", err)
	}
	if err := e.finalChecks(); err != nil {
		return e, fmt.Errorf("at the end: %w", err)
	}
	return e, nil
}

func newSimEnv(ctx context.Context, st storetest.Store, seed uint64, inject bool) (*simEnv, error) {
	r := rand.New(rand.NewPCG(seed, 0x7365747570))
	clock := &fakeClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	discard := slog.New(slog.DiscardHandler)
	refundFee := []string{gateway.RefundFeeKeep, gateway.RefundFeeRefund}[r.IntN(2)]
	setup := "refund fee " + refundFee
	e := &simEnv{ctx: ctx, store: st, clock: clock, model: newSimModel(simGrace, refundFee),
		notes: newSimNotes(seed), trace: fnv.New64a(), refused: map[gateway.Kind]int{}, setup: setup}
	e.sim = sim.New(st, sim.Options{Delay: time.Second, Clock: clock, Logger: discard})
	e.bank = newSimBank(clock, e.model, e.sim)
	var gs gateway.Store = st
	if inject {
		gs = simBuggyStore{st}
	}
	gw, err := gateway.New(ctx, gs, e.bank, gateway.Options{Clock: clock, Logger: discard, Config: gateway.Config{
		ReconcileAfter: simReconcileAfter, NotFoundGrace: simGrace, RefundFee: refundFee}})
	if err != nil {
		return nil, err
	}
	e.gw, e.bank.gw = gw, gw
	e.sim.SetResults(gw)
	e.disp = notify.NewDispatcher(st, map[string]notify.Handler{
		gateway.TopicNotify: notify.HandlerFunc(e.notes.handle),
		gateway.TopicSubmit: e.submitter(gw.SubmitPayout),
		gateway.TopicRefund: e.submitter(gw.SubmitRefund),
	}, notify.Options{Clock: clock, Logger: discard, Workers: 1, Batch: 1, Schedule: simSchedule})
	return e, e.setupMerchants(r)
}

// submitter hands orders from the outbox to their channel, as kasir serve does.
func (e *simEnv) submitter(submit func(context.Context, string) error) notify.Handler {
	return notify.HandlerFunc(func(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
		if err := submit(ctx, m.TransactionID); err != nil {
			return gateway.DeliveryAttempt{Response: err.Error()}
		}
		return gateway.DeliveryAttempt{OK: true}
	})
}

// setupMerchants makes the merchants, each with its fee, settlement delay
// and funds; the last has no notifyUrl, so its orders are notified only when
// they name a URL of their own.
func (e *simEnv) setupMerchants(r *rand.Rand) error {
	for i := range simMerchants {
		url := fmt.Sprintf("https://m%d.example/notify", i)
		if i == simMerchants-1 {
			url = ""
		}
		mc, app, err := e.gw.CreateMerchant(e.ctx, gateway.NewMerchant{Name: fmt.Sprintf("Merchant %d", i), NotifyURL: url})
		if err != nil {
			return err
		}
		sm := &smMerchant{id: mc.ID, app: app, url: url, fees: map[string]gateway.Fee{}}
		e.model.ms = append(e.model.ms, sm)
		fee := gateway.Fee{MerchantID: mc.ID, Channel: "*", Fixed: int64(r.IntN(4)) * 500, BPS: int64(r.IntN(6)) * 50}
		if err := e.gw.SetFee(e.ctx, fee); err != nil {
			return err
		}
		sm.fees["*"] = fee
		if r.IntN(2) == 0 {
			sm.delay = time.Hour
		}
		if err := e.gw.SetSettlementDelay(e.ctx, mc.ID, sm.delay); err != nil {
			return err
		}
		funds := []int64{50_000 + r.Int64N(100_000), 5_000_000 + r.Int64N(10_000_000)}
		for c, amount := range funds {
			if _, err := e.gw.CreditBalance(e.ctx, mc.ID, simCurrencies[c], amount); err != nil {
				return err
			}
			e.model.acct(i, simCurrencies[c]).avail += amount
		}
		e.setup += fmt.Sprintf("; m%d fee %d+%dbps, settlement delay %s, url %q, funds %d PHP %d IDR",
			i, fee.Fixed, fee.BPS, sm.delay, url, funds[0], funds[1])
	}
	return nil
}

// step applies one step and checks the contract breaches the bank and the
// notification endpoint saw and every balance.
func (e *simEnv) step(op simOp) error {
	if err := e.apply(op); err != nil {
		return err
	}
	if e.bank.err != nil {
		return e.bank.err
	}
	if err := e.notes.failure(); err != nil {
		return err
	}
	return e.checkMoney()
}

// drain ends the run: the bank finishes everything it holds and delivers
// every callback but half of those of the orders it finishes now, the clock moves past the reconciler's and the not-found
// grace's times and past every expiry and settlement, and the outbox,
// reconcilers, expiry and settlement run, until nothing is left to do.
func (e *simEnv) drain() error {
	for round := 0; round < 40; round++ {
		for i, id := range e.bank.order {
			// Half the callbacks are lost: queries must find those results.
			e.bank.decideOne(id, simMix(e.notes.seed, uint64(i))%2 == 0)
		}
		for len(e.bank.callbacks) > 0 {
			cb := e.bank.callbacks[0]
			e.bank.callbacks = e.bank.callbacks[1:]
			if err := e.bank.deliver(e.ctx, cb); err != nil {
				return err
			}
		}
		jump := simReconcileAfter + time.Second
		switch {
		case round == 4:
			jump = 8 * 24 * time.Hour // past every expiry and settlement
		case round >= 2:
			jump = simGrace + time.Minute
		}
		e.clock.Advance(jump)
		for _, op := range []simOp{{Kind: opDispatch, N: 1 << 20}, {Kind: opReconcile}, {Kind: opSimReport},
			{Kind: opExpire}, {Kind: opSettle}} {
			if err := e.step(op); err != nil {
				return fmt.Errorf("round %d, %s: %w", round, op, err)
			}
		}
		if quiet, err := e.quiet(); err != nil || (quiet && round >= 4) {
			return err
		}
	}
	return simFail("stuck", "orders still open after draining: %s", e.open())
}

// quiet reports whether nothing is left to do: no open order and no
// pending outbox message.
func (e *simEnv) quiet() (bool, error) {
	if e.open() != "" {
		return false, nil
	}
	backlog, err := e.store.OutboxBacklog(e.ctx)
	if err != nil {
		return false, err
	}
	for _, n := range backlog {
		if n > 0 {
			return false, nil
		}
	}
	return true, nil
}

// open names the orders the model still expects to change.
func (e *simEnv) open() string {
	s := ""
	for _, o := range e.model.orders {
		p, _ := o.x.(*smPayment)
		if !o.final() || (p != nil && (!p.settled && o.status == string(gateway.StatusCompleted) || p.simPending)) {
			s += fmt.Sprintf(" %s(%s %s)", o.label, o.txID, o.status)
		}
	}
	return s
}

// finalChecks compares every order with the gateway and checks the ledger
// and the notifications.
func (e *simEnv) finalChecks() error {
	for _, id := range e.bank.order {
		if t := e.bank.transfers[id]; t.status == gateway.StatusPending && !t.lost {
			return simFail("stuck", "the bank still holds %s %s PENDING", t.kind, id)
		}
	}
	if err := e.checkOrders(true); err != nil {
		return err
	}
	if err := e.checkLedger(); err != nil {
		return err
	}
	return e.checkNotes()
}

// checkMoney compares every merchant balance and the platform's revenue
// with the model, and adds them to the trace.
func (e *simEnv) checkMoney() error {
	for i, mc := range e.model.ms {
		bals, err := e.store.MerchantBalances(e.ctx, mc.id)
		if err != nil {
			return err
		}
		got := map[string]int64{}
		for _, b := range bals {
			got[b.Account] = b.Amount
		}
		for _, cur := range simCurrencies {
			w := e.model.acct(i, cur)
			a, p, h := got[ledger.MerchantAvailable(mc.id, cur)], got[ledger.MerchantPending(mc.id, cur)], got[ledger.MerchantHeld(mc.id, cur)]
			fmt.Fprint(e.trace, a, p, h)
			if a != w.avail || p != w.pending || h != w.held {
				return simFail("balance", "m%d %s available/pending/held %d/%d/%d, the model says %d/%d/%d",
					i, cur, a, p, h, w.avail, w.pending, w.held)
			}
		}
	}
	for _, cur := range simCurrencies {
		got, err := e.store.AccountBalance(e.ctx, ledger.PlatformRevenue(cur))
		if err != nil {
			return err
		}
		if got != e.model.revenue[cur] {
			return simFail("revenue", "platform revenue %d %s, the model says %d", got, cur, e.model.revenue[cur])
		}
	}
	return nil
}

func (e *simEnv) checkLedger() error {
	r, err := e.gw.CheckLedger(e.ctx)
	if err != nil {
		return err
	}
	if !r.OK() {
		return simFail("ledger", "ledger check failed: %+v", r)
	}
	return nil
}

// summary says what the seed set up and, on a line of its own, counts what
// the run did: orders by kind and final status, notifications delivered,
// what the bank took and the refusals.
func (e *simEnv) summary() string {
	counts := map[string]int{}
	for _, o := range e.model.orders {
		counts[o.kind+" "+o.status]++
	}
	for _, n := range e.notes.got {
		counts["notifications"] += len(n)
	}
	for _, t := range e.bank.transfers {
		counts["bank "+simPlanModes[t.plan.Mode]]++
	}
	for k, n := range e.refused {
		counts["refused "+string(k)] += n
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(e.setup + "\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %d; ", k, counts[k])
	}
	return b.String()
}

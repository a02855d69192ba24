package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// ackedOrder is a request the gateway answered with 10000: it promised that
// the order exists.
type ackedOrder struct {
	kind       string // "payout", "payment" or "refund"
	app        int    // index of the merchant's client
	mchOrderID string // mchRefundOrderId for refunds
	txID       string // refundTransactionId for refunds
	amount     int64
}

// paidPayment is a payment the load paid, which refunds may draw on.
type paidPayment struct {
	app    int
	txID   string
	amount int64
	left   int64 // not yet asked back by a refund (as far as the load knows)
	paidAt time.Time
}

// crashLoad drives concurrent merchant traffic at a gateway that may be
// down at any moment: payouts (some to the simulator's failing and
// answer-lost accounts), payments paid through `kasir sim pay` or the
// hosted page's sandbox button, and refunds of paid payments, some of them
// failing. It records every acknowledged request and counts the rest.
type crashLoad struct {
	t       *testing.T
	db      string
	baseURL string
	clients []*client.Client
	hc      *http.Client // for the sandbox button
	seed    int64

	mu     sync.Mutex
	acked  []ackedOrder
	paid   []*paidPayment
	codes  map[string]int // outcome of each call ("payout 10000", "payout transport error", "payout HTTP 503 21000", ...)
	orders int            // orders asked for (each counted once, however often retried)
	// phase labels the outcomes counted from now on ("" none); in phase
	// "outage" every refusal that is not a clear "unavailable" answer is
	// kept in unclear.
	phase   string
	unclear []string
}

func newCrashLoad(t *testing.T, db, baseURL string, clients []*client.Client, seed int64) *crashLoad {
	return &crashLoad{t: t, db: db, baseURL: baseURL, clients: clients, seed: seed, codes: map[string]int{},
		hc: &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// run starts workers per merchant and returns a function that stops them
// and waits for them.
func (l *crashLoad) run(workersPerApp int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for app := range l.clients {
		for w := range workersPerApp {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.worker(ctx, app, w)
			}()
		}
	}
	return func() { cancel(); wg.Wait() }
}

func (l *crashLoad) worker(ctx context.Context, app, w int) {
	rng := rand.New(rand.NewPCG(uint64(l.seed), uint64(app*100+w)))
	for n := 0; ctx.Err() == nil; n++ {
		id := fmt.Sprintf("%d-%d-%d", app, w, n)
		var ok bool
		switch op := rng.IntN(10); {
		case op < 5:
			ok = l.payout(ctx, rng, app, "PO-"+id)
		case op < 8:
			ok = l.payment(ctx, rng, app, "PA-"+id)
		default:
			ok = l.refund(ctx, rng, app, "RF-"+id)
		}
		if !ok {
			time.Sleep(50 * time.Millisecond) // the gateway is probably down
		}
	}
}

// payoutAccounts are the simulator's test values: most complete, 4005 fails,
// 7777 is taken but its answer lost (resolved by the reconciler's query).
var payoutAccounts = []string{"0000", "0000", "0000", "0000", "0000", "0000", "4005", "4005", "7777", "7777"}

func (l *crashLoad) payout(ctx context.Context, rng *rand.Rand, app int, mchOrderID string) bool {
	req := client.PayoutRequest{MchOrderID: mchOrderID, CountryCode: "PH", Currency: "PHP",
		Amount: 1000 + rng.Int64N(50000), PayMethodCode: "BANK", TransferCode: "BDO",
		AccountNo:   fmt.Sprintf("10%04d%s", rng.IntN(10000), payoutAccounts[rng.IntN(len(payoutAccounts))]),
		AccountName: "Juan Dela Cruz"}
	var res client.PayoutResult
	ok, _ := l.call(ctx, "payout", func() error {
		var err error
		res, err = l.clients[app].CreatePayout(ctx, req)
		return err
	})
	if ok {
		l.ack(ackedOrder{kind: "payout", app: app, mchOrderID: mchOrderID, txID: res.TransactionID, amount: req.Amount})
	}
	return ok
}

func (l *crashLoad) payment(ctx context.Context, rng *rand.Rand, app int, mchOrderID string) bool {
	req := client.PaymentRequest{MchOrderID: mchOrderID, CountryCode: "PH", Currency: "PHP",
		Amount: 5000 + rng.Int64N(200000), ChannelCode: "PH_QRPH_DYNAMIC", CustomerName: "Maria Santos"}
	var res client.PaymentResult
	ok, _ := l.call(ctx, "payment", func() error {
		var err error
		res, err = l.clients[app].CreatePayment(ctx, req)
		return err
	})
	if !ok {
		return false
	}
	l.ack(ackedOrder{kind: "payment", app: app, mchOrderID: mchOrderID, txID: res.TransactionID, amount: req.Amount})
	// A payment the customer may not manage to pay (the gateway is down) is
	// paid at the end; it is never paid twice here.
	if rng.IntN(2) == 0 {
		ok = l.payThroughPage(res.TransactionID)
	} else {
		code, _, _ := runCLI(l.t, l.db, "sim", "pay", "--transaction-id", res.TransactionID)
		ok = code == 0
	}
	l.count(map[bool]string{true: "pay ok", false: "pay failed"}[ok])
	if ok {
		l.mu.Lock()
		l.paid = append(l.paid, &paidPayment{app: app, txID: res.TransactionID, amount: req.Amount, left: req.Amount, paidAt: time.Now()})
		l.mu.Unlock()
	}
	return true
}

// payThroughPage presses the hosted page's sandbox "Pay" button.
func (l *crashLoad) payThroughPage(txID string) bool {
	resp, err := l.hc.Post(l.baseURL+"/pay/"+txID, "application/x-www-form-urlencoded", nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusSeeOther
}

func (l *crashLoad) refund(ctx context.Context, rng *rand.Rand, app int, mchRefundOrderID string) bool {
	l.mu.Lock()
	var candidates []*paidPayment
	for _, p := range l.paid {
		// The simulator reports a payment within a moment, unless serve is down.
		if p.app == app && p.left > 0 && time.Since(p.paidAt) > 500*time.Millisecond {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		l.mu.Unlock()
		return true
	}
	p := candidates[rng.IntN(len(candidates))]
	amount := min(p.left, 100+rng.Int64N(p.amount/2))
	p.left -= amount // an unanswered refund may have taken it
	l.mu.Unlock()
	reason := "crash test"
	if rng.IntN(5) == 0 {
		reason = "crash test SIMFAIL" // the simulated channel fails it
	}
	req := client.RefundRequest{MchRefundOrderID: mchRefundOrderID, OriginalTransactionID: p.txID, Amount: amount, Reason: reason}
	var res client.Refund
	ok, code := l.call(ctx, "refund", func() error {
		var err error
		res, err = l.clients[app].CreateRefund(ctx, req)
		return err
	})
	if code == client.CodeRefundNotRefundable { // not booked as paid yet: try later
		l.mu.Lock()
		p.left += amount
		l.mu.Unlock()
	}
	if ok {
		l.ack(ackedOrder{kind: "refund", app: app, mchOrderID: mchRefundOrderID, txID: res.RefundTransactionID, amount: amount})
	}
	return ok
}

// call makes one order's request, repeating it with the same ids while the
// answer is lost (as a merchant must), up to three times. It reports
// whether the gateway answered 10000, and the last code it answered
// otherwise (0 for none). A repeat answered "duplicate" means an earlier
// attempt made the order: the checks find it in the database.
func (l *crashLoad) call(ctx context.Context, kind string, f func() error) (bool, int) {
	l.mu.Lock()
	l.orders++
	l.mu.Unlock()
	code := 0
	for attempt := 0; attempt < 3 && ctx.Err() == nil; attempt++ {
		err := f()
		l.noteOutage(kind, err)
		var api *client.APIError
		switch {
		case err == nil:
			l.count(kind + " 10000")
			return true, client.CodeSuccess
		case errors.As(err, &api):
			code = api.Code
			l.count(fmt.Sprintf("%s HTTP %d %d", kind, api.HTTPStatus, api.Code))
			if api.HTTPStatus != http.StatusServiceUnavailable {
				return false, code
			}
		default:
			l.count(kind + " transport error")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false, code
}

// noteOutage keeps, during phase "outage", an answer that neither says
// clearly that the service is unavailable (HTTP 503 with code 21000 or
// 21011 and a message) nor is an ordinary refusal of a request read before
// the database went (HTTP 200 with another code): an internal error, a lost
// answer (serve itself stays up) or a bare 21000.
func (l *crashLoad) noteOutage(kind string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phase != "outage" || err == nil {
		return
	}
	var api *client.APIError
	if errors.As(err, &api) {
		unavailable := api.Code == 21000 || api.Code == 21011
		switch {
		case api.HTTPStatus == http.StatusServiceUnavailable && unavailable && strings.TrimSpace(api.Message) != "":
			return
		case api.HTTPStatus == http.StatusOK && !unavailable:
			return
		}
	}
	l.unclear = append(l.unclear, kind+": "+err.Error())
}

// setPhase labels the outcomes counted from now on.
func (l *crashLoad) setPhase(phase string) {
	l.mu.Lock()
	l.phase = phase
	l.mu.Unlock()
}

func (l *crashLoad) count(what string) {
	l.mu.Lock()
	if l.phase != "" {
		what = l.phase + ": " + what
	}
	l.codes[what]++
	l.mu.Unlock()
}

func (l *crashLoad) ack(o ackedOrder) {
	l.mu.Lock()
	l.acked = append(l.acked, o)
	l.mu.Unlock()
}

// ackedOrders returns what the gateway acknowledged.
func (l *crashLoad) ackedOrders() []ackedOrder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ackedOrder(nil), l.acked...)
}

// outcomes describes the calls' outcomes, e.g. "payout 10000=812 payout
// transport error=40 ...", sorted.
func (l *crashLoad) outcomes() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var parts []string
	for k, v := range l.codes {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// checkAcked queries every acknowledged order through the API, as its
// merchant would, and returns a description of each that is missing or
// differs from what was acknowledged.
func checkAcked(ctx context.Context, clients []*client.Client, acked []ackedOrder) []string {
	var mu sync.Mutex
	var bad []string
	work := make(chan ackedOrder)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if err := checkOneAcked(ctx, clients[o.app], o); err != nil {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s %s (%s): %v", o.kind, o.mchOrderID, o.txID, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, o := range acked {
		work <- o
	}
	close(work)
	wg.Wait()
	sort.Strings(bad)
	return bad
}

func checkOneAcked(ctx context.Context, c *client.Client, o ackedOrder) error {
	var txID string
	var amount int64
	switch o.kind {
	case "payout":
		p, err := c.CheckPayout(ctx, client.CheckRequest{MchOrderID: o.mchOrderID, CountryCode: "PH"})
		if err != nil {
			return err
		}
		txID, amount = p.TransactionID, p.Amount
	case "payment":
		p, err := c.CheckPayment(ctx, client.CheckRequest{MchOrderID: o.mchOrderID, CountryCode: "PH"})
		if err != nil {
			return err
		}
		txID, amount = p.TransactionID, p.Amount
	case "refund":
		rs, err := c.Refunds(ctx, client.RefundQuery{MchRefundOrderID: o.mchOrderID, CountryCode: "PH"})
		if err != nil {
			return err
		}
		if len(rs) != 1 {
			return fmt.Errorf("%d refunds by that mchRefundOrderId", len(rs))
		}
		txID, amount = rs[0].RefundTransactionID, rs[0].RefundAmount
	}
	if txID != o.txID || amount != o.amount {
		return fmt.Errorf("the gateway has %s for %d, acknowledged %s for %d", txID, amount, o.txID, o.amount)
	}
	return nil
}

package gateway_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// simFailure is a difference between the gateway and the simulation's
// model. Check names the check that found it, so that shrinking keeps to
// sequences that fail the same way.
type simFailure struct{ Check, Msg string }

func (f *simFailure) Error() string { return f.Check + ": " + f.Msg }

func simFail(check, format string, args ...any) error {
	return &simFailure{Check: check, Msg: fmt.Sprintf(format, args...)}
}

// simCheckOf returns the check that found err ("error" for anything else).
func simCheckOf(err error) string {
	var f *simFailure
	if errors.As(err, &f) {
		return f.Check
	}
	return "error"
}

// smOrder is what the model expects of one order of any kind.
type smOrder struct {
	kind    string // "payout", "payment" or "refund"
	label   string // P3, C7, R2: its name in the sequence
	txID    string
	status  string          // what the gateway must show now
	code    int             // the failed code once FAILED
	reached map[string]bool // every status it has had
	url     string          // where its notifications go; "" none
	seen    string          // the state last found as expected in the gateway
	x       any             // the *smPayout, *smPayment or *smRefund it is
}

func (o *smOrder) set(status string) {
	o.status = status
	o.reached[status] = true
}

func (o *smOrder) final() bool { return o.status != string(gateway.StatusPending) }

type smPayout struct {
	*smOrder
	m                 int
	cur, key, channel string
	amount, fee       int64
}

type smPayment struct {
	*smOrder
	m                     int
	cur, country, channel string
	code                  *smStatic // nil for a dynamic order
	amount, paid, fee     int64
	flag                  string
	expireAt, settleAt    time.Time
	settled               bool
	refunded, feeRefunded int64 // by the refunds that are not FAILED
	lastRef               string
	simPending            bool // a payment through channel/sim is not yet reported
	simAmount             int64
}

type smRefund struct {
	*smOrder
	payment             *smPayment
	amount, feeRefunded int64
}

type smStatic struct {
	id, label, channel, cur, country string
	m                                int
	amount, min, max                 int64
	expireAt, cancelledAt            time.Time
	url                              string
	lastRef                          string
	simPending                       []smSimStatic // payments through channel/sim not yet reported
}

type smSimStatic struct {
	id     int
	amount int64
	ref    string
	at     time.Time
}

// smMoney is a merchant's balance in one currency, in minor units.
type smMoney struct{ avail, pending, held int64 }

type smMerchant struct {
	id    string
	app   gateway.App
	url   string // the app's notifyUrl; "" none
	delay time.Duration
	fees  map[string]gateway.Fee // by channel, "*" the default
}

// simModel is the reference: plain maps of what every balance and order
// must be, moved only by what the gateway answered and what the channel
// told it.
type simModel struct {
	grace     time.Duration
	refundFee string
	ms        []*smMerchant
	money     map[string]*smMoney // by merchant index and currency
	revenue   map[string]int64    // by currency
	payouts   map[int]*smPayout
	payments  map[int]*smPayment
	codes     map[int]*smStatic
	refunds   map[int]*smRefund
	orders    []*smOrder // every order, in the order made
	payoutTx  map[string]*smPayout
	refundTx  map[string]*smRefund
	paymentTx map[string]*smPayment
	keys      map[string]bool // the ids each app used, by "app/table/id"
}

func newSimModel(grace time.Duration, refundFee string) *simModel {
	return &simModel{grace: grace, refundFee: refundFee, money: map[string]*smMoney{}, revenue: map[string]int64{},
		payouts: map[int]*smPayout{}, payments: map[int]*smPayment{}, codes: map[int]*smStatic{},
		refunds: map[int]*smRefund{}, payoutTx: map[string]*smPayout{}, refundTx: map[string]*smRefund{},
		paymentTx: map[string]*smPayment{}, keys: map[string]bool{}}
}

func (m *simModel) acct(mi int, cur string) *smMoney {
	k := fmt.Sprintf("%d/%s", mi, cur)
	if m.money[k] == nil {
		m.money[k] = &smMoney{}
	}
	return m.money[k]
}

func (m *simModel) used(mi int, table, id string) bool {
	return id != "" && m.keys[fmt.Sprintf("%d/%s/%s", mi, table, id)]
}

func (m *simModel) use(mi int, table, id string) {
	if id != "" {
		m.keys[fmt.Sprintf("%d/%s/%s", mi, table, id)] = true
	}
}

func (m *simModel) newOrder(kind, label, txID, url, status string) *smOrder {
	o := &smOrder{kind: kind, label: label, txID: txID, url: url, reached: map[string]bool{}}
	o.set(status)
	m.orders = append(m.orders, o)
	return o
}

// notifyURL is where an order's notifications go: its own URL, else its app's.
func (m *simModel) notifyURL(mi int, own string) string {
	if own != "" {
		return own
	}
	return m.ms[mi].url
}

// fee is a merchant's price for a channel: its own, else its default.
func (m *simModel) fee(mi int, channel string) gateway.Fee {
	if f, ok := m.ms[mi].fees[channel]; ok {
		return f
	}
	return m.ms[mi].fees["*"]
}

// simFeeFor prices amount: the fixed part plus the basis points, rounded
// half up to the minor unit.
func simFeeFor(f gateway.Fee, amount int64) int64 { return f.Fixed + (amount*f.BPS+5000)/10000 }

// told records that the channel gave the gateway an order's final result,
// which the gateway must show from then on.
func (m *simModel) told(kind, txID string, status gateway.Status, code int) error {
	if kind == "refund" {
		r := m.refundTx[txID]
		if r == nil {
			return simFail("channel", "a result for refund %s, which the model does not know", txID)
		}
		if status == gateway.StatusCompleted {
			return m.finishRefund(r, string(gateway.RefundComplete), 0)
		}
		return m.finishRefund(r, string(gateway.RefundFailed), code)
	}
	p := m.payoutTx[txID]
	if p == nil {
		return simFail("channel", "a result for payout %s, which the model does not know", txID)
	}
	return m.finishPayout(p, string(status), code)
}

// lostQueried records that the channel told the gateway at now that it has
// no record of an order whose submission was lost at lostAt: past the
// grace period the gateway must fail it with -10006.
func (m *simModel) lostQueried(kind, txID string, lostAt, now time.Time) error {
	if now.Sub(lostAt) <= m.grace {
		return nil
	}
	return m.told(kind, txID, gateway.StatusFailed, gateway.FailedNetworkReject)
}

func (m *simModel) finishPayout(p *smPayout, status string, code int) error {
	if p.final() {
		if p.status != status {
			return simFail("channel", "%s is %s but the channel now says %s", p.label, p.status, status)
		}
		return nil
	}
	p.set(status)
	p.code = code
	a, total := m.acct(p.m, p.cur), p.amount+p.fee
	a.held -= total
	if status == string(gateway.StatusCompleted) {
		m.revenue[p.cur] += p.fee
	} else {
		a.avail += total
	}
	return nil
}

func (m *simModel) finishRefund(r *smRefund, status string, code int) error {
	if r.final() {
		if r.status != status {
			return simFail("channel", "%s is %s but the channel now says %s", r.label, r.status, status)
		}
		return nil
	}
	r.set(status)
	r.code = code
	p := r.payment
	a := m.acct(p.m, p.cur)
	a.held -= r.amount
	if status == string(gateway.RefundComplete) {
		a.avail += r.feeRefunded
		m.revenue[p.cur] -= r.feeRefunded
		return nil
	}
	a.avail += r.amount
	p.refunded -= r.amount
	p.feeRefunded -= r.feeRefunded
	return nil
}

// pay books a customer's payment of paid into p at now as the gateway must:
// false when p was paid already and nothing changes.
func (m *simModel) pay(p *smPayment, paid int64, now time.Time) bool {
	if p.status == string(gateway.StatusCompleted) {
		return false
	}
	p.paid = paid
	p.fee = min(simFeeFor(m.fee(p.m, p.channel), paid), paid)
	switch {
	case p.status == string(gateway.StatusExpired):
		p.flag = gateway.FlagLate
	case paid < p.amount:
		p.flag = gateway.FlagUnderpaid
	case paid > p.amount:
		p.flag = gateway.FlagOverpaid
	}
	p.set(string(gateway.StatusCompleted))
	m.collect(p, now)
	return true
}

// collect credits a paid payment's net amount: pending until its
// settlement time, available at once when the merchant's delay is 0.
func (m *simModel) collect(p *smPayment, now time.Time) {
	m.revenue[p.cur] += p.fee
	delay := m.ms[p.m].delay
	p.settleAt = now.Add(delay)
	a := m.acct(p.m, p.cur)
	if delay == 0 {
		p.settled = true
		a.avail += p.paid - p.fee
		return
	}
	a.pending += p.paid - p.fee
}

// expire moves PENDING payments due at now to EXPIRED and says how many.
func (m *simModel) expire(now time.Time) int {
	n := 0
	for _, p := range m.payments {
		if p.status == string(gateway.StatusPending) && !p.expireAt.After(now) {
			p.set(string(gateway.StatusExpired))
			n++
		}
	}
	return n
}

// settle moves the credits of paid payments due at now to available and
// says how many.
func (m *simModel) settle(now time.Time) int {
	n := 0
	for _, p := range m.payments {
		if p.status == string(gateway.StatusCompleted) && !p.settled && !p.settleAt.After(now) {
			p.settled = true
			a := m.acct(p.m, p.cur)
			a.pending -= p.paid - p.fee
			a.avail += p.paid - p.fee
			n++
		}
	}
	return n
}

// staticVerdict says how the gateway must answer a payment of amount into
// c made at paidAt: "" when it takes it.
func (m *simModel) staticVerdict(c *smStatic, amount int64, paidAt time.Time) gateway.Kind {
	switch {
	case !c.cancelledAt.IsZero() && !paidAt.Before(c.cancelledAt):
		return gateway.KindCodeClosed
	case !c.expireAt.IsZero() && !paidAt.Before(c.expireAt):
		return gateway.KindCodeClosed
	case c.amount > 0 && amount != c.amount, amount < c.min || amount > c.max:
		return gateway.KindAmount
	}
	return ""
}

// refundVerdict says how the gateway must answer app asApp's refund of
// amount of p (nil: a payment the gateway does not have) under key.
func (m *simModel) refundVerdict(asApp int, p *smPayment, key string, amount int64) gateway.Kind {
	if amount <= 0 {
		return gateway.KindRefundAmount
	}
	if p == nil || p.m != asApp {
		return gateway.KindRefundNotFound
	}
	ch, ok := gateway.FindPaymentChannel(p.country, p.channel)
	switch {
	case !ok || !gateway.Refundable(ch) || p.status != string(gateway.StatusCompleted):
		return gateway.KindRefundNotRefundable
	case amount > p.paid-p.refunded:
		return gateway.KindRefundExceeds
	case m.used(asApp, "refund", key):
		return gateway.KindRefundDuplicate
	case m.acct(p.m, p.cur).avail < amount:
		return gateway.KindInsufficientBalance
	}
	return ""
}

// refundFeeShare is the part of p's fee a refund of amount gives back
// under the gateway's setting: its share rounded half up, all that is left
// for the refund that completes the payment, never more than is left.
func (m *simModel) refundFeeShare(p *smPayment, amount int64) int64 {
	if m.refundFee != gateway.RefundFeeRefund || p.fee <= 0 {
		return 0
	}
	left := p.fee - p.feeRefunded
	if p.refunded+amount >= p.paid {
		return max(left, 0)
	}
	return max(min((2*p.fee*amount+p.paid)/(2*p.paid), left), 0)
}

// addRefund records a refund the gateway took: its amount is held and
// reserved on the payment.
func (m *simModel) addRefund(id int, p *smPayment, r gateway.Refund, url string) {
	o := m.newOrder("refund", fmt.Sprintf("R%d", id), r.RefundTransactionID, url, string(gateway.RefundPending))
	sr := &smRefund{smOrder: o, payment: p, amount: r.Amount, feeRefunded: m.refundFeeShare(p, r.Amount)}
	o.x = sr
	m.refunds[id], m.refundTx[r.RefundTransactionID] = sr, sr
	m.use(p.m, "refund", r.MchRefundOrderID)
	p.refunded += sr.amount
	p.feeRefunded += sr.feeRefunded
	a := m.acct(p.m, p.cur)
	a.avail -= sr.amount
	a.held += sr.amount
}

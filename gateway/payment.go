package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// PaymentConnector is what a channel that collects money offers: the means
// for a customer to pay an order. Connectors report payments through
// ApplyPaymentResult.
type PaymentConnector interface {
	// PreparePayment returns the payData of a payment about to be stored: a
	// QR payload, a virtual account number or a pay URL.
	PreparePayment(ctx context.Context, p Payment) (string, error)
}

// PaymentRouter finds the connector that collects through a channel. A
// Router that also implements PaymentRouter serves payments.
type PaymentRouter interface {
	PaymentConnector(channel string) (PaymentConnector, bool)
}

// PaymentRequest is a merchant's request for a dynamic payment order.
type PaymentRequest struct {
	MchOrderID   string
	CountryCode  string
	Currency     string
	Amount       int64
	ChannelType  string // optional; must match the channel's
	ChannelCode  string
	CustomerName string
	Email        string
	Mobile       string
	TerminalType string
	NotifyURL    string
	RedirectURL  string
	Remark       string
	ExpireTime   time.Time // optional; else the channel type's default
	Dialect      string    // DialectA or DialectB
}

// CreatePayment validates req for app, asks the channel for the payData and
// stores the PENDING order. Errors are *Error (KindInvalid,
// KindChannelUnavailable, KindAmount, KindCountry, KindDuplicateOrder).
func (g *Gateway) CreatePayment(ctx context.Context, app App, req PaymentRequest) (Payment, error) {
	ch, err := validatePayment(req)
	if err == nil {
		err = g.checkNotifyTarget("notifyUrl", req.NotifyURL)
	}
	if err != nil {
		return Payment{}, err
	}
	pr, ok := g.router.(PaymentRouter)
	var conn PaymentConnector
	if ok {
		conn, ok = pr.PaymentConnector(ch.Code)
	}
	if !ok {
		return Payment{}, Errorf(KindChannelUnavailable, "channelCode", "channel %s is not available", ch.Code)
	}
	now := g.now()
	expire := now.Add(g.paymentExpiry(ch))
	if !req.ExpireTime.IsZero() {
		if !req.ExpireTime.After(now) || req.ExpireTime.Sub(now) > 7*24*time.Hour {
			return Payment{}, Errorf(KindInvalid, "expireTime", "must be in the future and at most 7 days ahead")
		}
		expire = req.ExpireTime.Truncate(time.Millisecond)
	}
	id, err := g.newID(ctx, "C")
	if err != nil {
		return Payment{}, err
	}
	p := Payment{
		TransactionID: id, AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: req.MchOrderID,
		CountryCode: req.CountryCode, Currency: req.Currency, Amount: req.Amount,
		ChannelType: ch.Type, ChannelCode: ch.Code, CustomerName: req.CustomerName, Email: req.Email,
		Mobile: req.Mobile, TerminalType: req.TerminalType, NotifyURL: req.NotifyURL,
		RedirectURL: req.RedirectURL, Remark: req.Remark, Dialect: req.Dialect, Status: StatusPending,
		ExpireAt: expire, CreatedAt: now, UpdatedAt: now,
	}
	if p.PayData, err = conn.PreparePayment(ctx, p); err != nil {
		g.log.Warn("channel could not prepare a payment", "channel", ch.Code, "err", err)
		return Payment{}, Errorf(KindChannelUnavailable, "channelCode", "channel %s did not answer, try again", ch.Code)
	}
	err = g.store.InTx(ctx, func(tx Tx) error { return tx.InsertPayment(ctx, p) })
	var dup *DuplicateError
	if errors.As(err, &dup) {
		return Payment{}, Errorf(KindDuplicateOrder, "mchOrderId", "mchOrderId %q was already used", req.MchOrderID)
	}
	if err != nil {
		return Payment{}, g.storeErr("create payment", err)
	}
	g.observe("payment", StatusPending)
	return p, nil
}

func (g *Gateway) paymentExpiry(ch PaymentChannel) time.Duration {
	if d, ok := g.cfg.PaymentExpiry[ch.Type]; ok && d > 0 {
		return d
	}
	if ch.Expiry > 0 {
		return ch.Expiry
	}
	return 30 * time.Minute
}

// CheckPayment returns an app's payment; KindNotFound when the app has none
// by that reference.
func (g *Gateway) CheckPayment(ctx context.Context, appID string, ref OrderRef) (Payment, error) {
	if ref.TransactionID == "" && ref.MchOrderID == "" {
		return Payment{}, Errorf(KindInvalid, "mchOrderId", "one of mchOrderId and transactionId is required")
	}
	p, err := g.store.GetPayment(ctx, appID, ref)
	if errors.Is(err, ErrNotFound) || (err == nil && ref.MchOrderID != "" && p.MchOrderID != ref.MchOrderID) {
		return Payment{}, Errorf(KindNotFound, "", "transaction not found")
	}
	if err != nil {
		return Payment{}, g.storeErr("get payment", err)
	}
	return p, nil
}

// ApplyPaymentResult books a customer's payment that a channel reported, in
// one transaction: the payment becomes COMPLETED, the merchant is credited
// the paid amount less the fee in its pending balance (and at once in its
// available balance when its settlement delay is 0), the fee goes to
// revenue, and the merchant's notification is queued. A payment that
// arrives after expiry or for another amount is accepted and flagged (LATE,
// UNDERPAID, OVERPAID): money that arrived is never refused. Reports of a
// payment already booked change nothing.
func (g *Gateway) ApplyPaymentResult(ctx context.Context, transactionID string, r PaymentResult) error {
	if r.PaidAmount <= 0 {
		return fmt.Errorf("gateway: payment report with amount %d", r.PaidAmount)
	}
	now := g.now()
	applied := false
	err := g.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.GetPaymentByID(ctx, transactionID)
		if err != nil {
			return err
		}
		if p.Status == StatusCompleted || p.Status == StatusFailed {
			if p.ChannelRef != r.ChannelRef {
				g.log.Error("ATTENTION: a second payment into a paid order; not booked",
					"transactionId", transactionID, "channelRef", r.ChannelRef, "amount", r.PaidAmount)
			}
			return nil
		}
		m, err := tx.GetMerchant(ctx, p.MerchantID)
		if err != nil {
			return err
		}
		fee, err := tx.FindFee(ctx, p.MerchantID, p.ChannelCode)
		if err != nil {
			return err
		}
		p.PaidAmount, p.ChannelRef, p.FinishedAt = r.PaidAmount, r.ChannelRef, now
		p.Fee = min(FeeFor(fee, r.PaidAmount), r.PaidAmount)
		p.Flag = paymentFlag(p)
		p.SettleAt = now.Add(m.SettlementDelay)
		ok, err := tx.CompletePayment(ctx, p.TransactionID, p.PaidAmount, p.Fee, p.Flag, p.ChannelRef, p.SettleAt, now)
		if err != nil || !ok {
			return err
		}
		p.Status = StatusCompleted
		applied = true
		return g.bookCollection(ctx, tx, p, m.SettlementDelay, "order.payment.success", now)
	})
	if err != nil {
		return fmt.Errorf("gateway: apply payment to %s: %w", transactionID, err)
	}
	if applied {
		g.observe("payment", StatusCompleted)
		g.queued()
	}
	return nil
}

func paymentFlag(p Payment) string {
	switch {
	case p.Status == StatusExpired:
		return FlagLate
	case p.PaidAmount < p.Amount:
		return FlagUnderpaid
	case p.PaidAmount > p.Amount:
		return FlagOverpaid
	}
	return ""
}

// bookCollection books a payment stored COMPLETED: its collect entry, its
// settlement at once when the merchant's delay is 0, and the merchant's
// notification event.
func (g *Gateway) bookCollection(ctx context.Context, tx Tx, p Payment, delay time.Duration, event string, now time.Time) error {
	entries := []ledger.Entry{collectEntry(p, now)}
	if delay == 0 {
		settle, err := markSettled(ctx, tx, p, now)
		if err != nil {
			return err
		}
		entries = append(entries, settle...)
	}
	if err := postEntries(ctx, tx, entries...); err != nil {
		return err
	}
	return g.queuePaymentEvent(ctx, tx, p, event, now)
}

// collectEntry books a paid payment: the channel's clearing account gives the
// paid amount, the merchant's pending balance gets it less the fee, revenue
// gets the fee.
func collectEntry(p Payment, at time.Time) ledger.Entry {
	cur := p.Currency
	e := ledger.Entry{ID: p.TransactionID + ":collect", Kind: "collect", Ref: p.TransactionID, At: at,
		Postings: []ledger.Posting{{Account: ledger.Channel(p.ChannelCode, cur), Currency: cur, Amount: -p.PaidAmount}}}
	if net := p.PaidAmount - p.Fee; net > 0 {
		e.Postings = append(e.Postings, ledger.Posting{Account: ledger.MerchantPending(p.MerchantID, cur), Currency: cur, Amount: net})
	}
	if p.Fee > 0 {
		e.Postings = append(e.Postings, ledger.Posting{Account: ledger.PlatformRevenue(cur), Currency: cur, Amount: p.Fee})
	}
	return e
}

// settlePayment moves a paid payment's net credit from pending to available.
func settlePayment(ctx context.Context, tx Tx, p Payment, at time.Time) error {
	entries, err := markSettled(ctx, tx, p, at)
	if err != nil {
		return err
	}
	return postEntries(ctx, tx, entries...)
}

// markSettled records a paid payment's settlement and returns the entry that
// moves its net credit from pending to available: none when it was settled
// already or nothing is left to move.
func markSettled(ctx context.Context, tx Tx, p Payment, at time.Time) ([]ledger.Entry, error) {
	ok, err := tx.MarkPaymentSettled(ctx, p.TransactionID, at)
	if err != nil || !ok {
		return nil, err
	}
	net := p.PaidAmount - p.Fee
	if net == 0 {
		return nil, nil
	}
	return []ledger.Entry{{ID: p.TransactionID + ":settle", Kind: "settle", Ref: p.TransactionID, At: at,
		Postings: []ledger.Posting{
			{Account: ledger.MerchantPending(p.MerchantID, p.Currency), Currency: p.Currency, Amount: -net},
			{Account: ledger.MerchantAvailable(p.MerchantID, p.Currency), Currency: p.Currency, Amount: net},
		}}}, nil
}

// SettlePayments moves the credits of paid payments whose settlement time
// has come from pending to available, and returns how many it settled.
func (g *Gateway) SettlePayments(ctx context.Context, limit int) (int, error) {
	due, err := g.store.ListPaymentsToSettle(ctx, g.now(), limit)
	if err != nil {
		return 0, err
	}
	for i, p := range due {
		if err := g.store.InTx(ctx, func(tx Tx) error { return settlePayment(ctx, tx, p, g.now()) }); err != nil {
			return i, fmt.Errorf("gateway: settle %s: %w", p.TransactionID, err)
		}
	}
	return len(due), nil
}

// ExpirePayments marks PENDING payments past their expiry EXPIRED, queues
// order.payment.expired for each, and returns how many it expired.
func (g *Gateway) ExpirePayments(ctx context.Context, limit int) (int, error) {
	due, err := g.store.ListPaymentsToExpire(ctx, g.now(), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range due {
		now := g.now()
		err := g.store.InTx(ctx, func(tx Tx) error {
			ok, err := tx.ExpirePayment(ctx, p.TransactionID, now)
			if err != nil || !ok {
				return err
			}
			n++
			p.Status, p.FinishedAt = StatusExpired, now
			return g.queuePaymentEvent(ctx, tx, p, "order.payment.expired", now)
		})
		if err != nil {
			return n, fmt.Errorf("gateway: expire %s: %w", p.TransactionID, err)
		}
	}
	if n > 0 {
		g.queued()
	}
	return n, nil
}

// queuePaymentEvent puts a payment's notification in the outbox, to its
// notifyUrl or else the app's default.
func (g *Gateway) queuePaymentEvent(ctx context.Context, tx Tx, p Payment, name string, now time.Time) error {
	return g.queueEvent(ctx, tx, p.AppID, p.TransactionID, p.NotifyURL, PaymentEvent(p, name), now)
}

// PaymentEvent describes a payment for its notification.
func PaymentEvent(p Payment, name string) Event {
	return Event{
		Name: name, Kind: "payment", TransactionID: p.TransactionID, MchOrderID: p.MchOrderID,
		MerchantID: p.MerchantID, CountryCode: p.CountryCode, Currency: p.Currency,
		Amount: p.Amount, Fee: p.Fee, Status: p.Status, CreateTime: p.CreatedAt, ReturnTime: p.FinishedAt,
		Remark: p.Remark, ChannelCode: p.ChannelCode, PaidAmount: p.PaidAmount, Flag: p.Flag,
		Dialect: p.Dialect,
	}
}

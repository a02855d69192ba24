package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// RefundStatus is a refund's refundStatus. PENDING is the only one that
// changes.
type RefundStatus string

// Refund statuses (API-NOTES.md).
const (
	RefundPending  RefundStatus = "PENDING"
	RefundComplete RefundStatus = "COMPLETE"
	RefundFailed   RefundStatus = "FAILED"
	RefundCancel   RefundStatus = "CANCEL"
)

// Refund fee settings (Config.RefundFee).
const (
	RefundFeeKeep   = "keep"   // the platform keeps the whole fee of a refunded payment
	RefundFeeRefund = "refund" // the refunded share of the fee goes back to the merchant
)

// TopicRefund is the outbox topic of refunds to hand to their channel.
const TopicRefund = "refund"

// Refund error kinds; dialect A answers them with 21401-21406.
const (
	KindRefundNotFound      Kind = "refund_original_not_found" // no such payment of this app
	KindRefundNotRefundable Kind = "refund_not_refundable"     // payment not COMPLETED, or its channel does not refund
	KindRefundAmount        Kind = "refund_amount"             // refundAmount missing, not positive or malformed
	KindRefundExceeds       Kind = "refund_exceeds"            // more than what is left to refund
	KindRefundDuplicate     Kind = "refund_duplicate"          // mchRefundOrderId already used by this app
	KindRefundUnknown       Kind = "refund_unknown"            // no such refund of this app
)

// Refund gives a customer back all or part of a COMPLETED payment. Its
// amount is held from the merchant's available balance until the channel
// completes it (the hold is posted to the channel) or fails it (the hold is
// voided and the payment's reservation released).
type Refund struct {
	RefundTransactionID   string // "R..."
	AppID                 string
	MerchantID            string
	MchRefundOrderID      string // unique per app
	OriginalTransactionID string // the refunded payment
	CountryCode           string
	Currency              string
	ChannelCode           string // the payment's channel
	Amount                int64  // minor units
	FeeRefunded           int64  // the part of the payment's fee given back to the merchant on completion
	Reason                string
	CallbackURL           string // refundCallbackUrl; else the app's default
	Status                RefundStatus
	FailedCode            int
	FailedMessage         string
	ChannelState          ChannelState
	ChannelRef            string
	CreatedAt             time.Time
	UpdatedAt             time.Time
	FinishedAt            time.Time // zero until final
	SubmittedAt           time.Time
}

// RefundRef names an app's refund by refund transaction id or, when that is
// empty, by mchRefundOrderId.
type RefundRef struct {
	RefundTransactionID string
	MchRefundOrderID    string
}

// RefundRequest is a merchant's request to refund a payment. CountryCode is
// optional; when set it must be the payment's.
type RefundRequest struct {
	MchRefundOrderID      string
	OriginalTransactionID string
	CountryCode           string
	Amount                int64
	Reason                string
	CallbackURL           string
}

// Refundable reports whether payments through a channel can be refunded:
// every payment channel except virtual accounts (BANK_TRANSFER), whose
// customers the channel cannot pay back.
func Refundable(ch PaymentChannel) bool { return ch.Type != TypeBankTransfer }

// RefundChannels returns the payment channels of a country that refund.
func RefundChannels(country string) []PaymentChannel {
	var out []PaymentChannel
	for _, c := range PaymentChannels(country) {
		if Refundable(c) {
			out = append(out, c)
		}
	}
	return out
}

// RefundConnector is what a channel that refunds offers. Its contract is
// SubmitPayout's and QueryPayout's: SubmitRefund returns ErrNotSent only when
// the channel certainly did not get the refund; QueryRefund returns
// ErrChannelNotFound when it has no record. Results carry StatusPending,
// StatusCompleted or StatusFailed.
type RefundConnector interface {
	SubmitRefund(ctx context.Context, r Refund) (ChannelResult, error)
	QueryRefund(ctx context.Context, refundTransactionID string) (ChannelResult, error)
}

// RefundRouter finds the connector that refunds through a channel. A Router
// that also implements RefundRouter serves refunds.
type RefundRouter interface {
	RefundConnector(channel string) (RefundConnector, bool)
}

func (g *Gateway) refundConnector(channel string) (RefundConnector, bool) {
	rr, ok := g.router.(RefundRouter)
	if !ok {
		return nil, false
	}
	return rr.RefundConnector(channel)
}

func validateRefund(r RefundRequest) error {
	if err := checkOrderID("mchRefundOrderId", r.MchRefundOrderID, true); err != nil {
		return err
	}
	if r.OriginalTransactionID == "" {
		return Errorf(KindInvalid, "originalTransactionId", "is required")
	}
	if r.Amount <= 0 {
		return Errorf(KindRefundAmount, "refundAmount", "must be a positive number of minor units, got %d", r.Amount)
	}
	if err := checkText("refundReason", r.Reason, 256); err != nil {
		return err
	}
	return CheckNotifyURL("refundCallbackUrl", r.CallbackURL)
}

// CreateRefund refunds all or part of an app's COMPLETED payment. In one
// transaction it reserves the amount on the payment (so that the refunds
// that are not FAILED never add up to more than was paid, also when they
// arrive at once), stores the PENDING refund, holds the amount from the
// merchant's available balance and queues the refund's submission to the
// channel. Errors are *Error: KindInvalid, KindRefundAmount,
// KindRefundNotFound (also for another app's payment), KindRefundNotRefundable,
// KindRefundExceeds, KindRefundDuplicate, KindInsufficientBalance; then
// nothing is stored.
func (g *Gateway) CreateRefund(ctx context.Context, app App, req RefundRequest) (Refund, error) {
	if err := validateRefund(req); err != nil {
		return Refund{}, err
	}
	if err := g.checkNotifyTarget("refundCallbackUrl", req.CallbackURL); err != nil {
		return Refund{}, err
	}
	p, err := g.store.GetPayment(ctx, app.AppID, OrderRef{TransactionID: req.OriginalTransactionID})
	if errors.Is(err, ErrNotFound) || (err == nil && req.CountryCode != "" && req.CountryCode != p.CountryCode) {
		return Refund{}, Errorf(KindRefundNotFound, "originalTransactionId", "original transaction %q not found", req.OriginalTransactionID)
	}
	if err != nil {
		return Refund{}, g.storeErr("get payment", err)
	}
	if ch, ok := FindPaymentChannel(p.CountryCode, p.ChannelCode); !ok || !Refundable(ch) {
		return Refund{}, Errorf(KindRefundNotRefundable, "originalTransactionId", "payments through %s cannot be refunded", p.ChannelCode)
	}
	if p.Status != StatusCompleted {
		return Refund{}, Errorf(KindRefundNotRefundable, "originalTransactionId", "the payment is %s; only COMPLETED payments are refunded", p.Status)
	}
	if _, ok := g.refundConnector(p.ChannelCode); !ok {
		return Refund{}, Errorf(KindChannelUnavailable, "originalTransactionId", "refunds through %s are not available", p.ChannelCode)
	}
	for attempt := 0; ; attempt++ {
		r, err := g.createRefund(ctx, app, req, p)
		var dup *DuplicateError
		if errors.As(err, &dup) && dup.Key == "transaction_id" && attempt < 3 {
			g.log.Warn("transaction id collision; retrying with a new id", "mchRefundOrderId", req.MchRefundOrderID)
			continue
		}
		if errors.As(err, &dup) {
			return Refund{}, g.storeErr("create refund", err)
		}
		return r, err
	}
}

// createRefund makes one attempt at CreateRefund's transaction.
func (g *Gateway) createRefund(ctx context.Context, app App, req RefundRequest, p Payment) (Refund, error) {
	id, err := g.newID(ctx, "R")
	if err != nil {
		return Refund{}, err
	}
	now := g.now()
	r := Refund{
		RefundTransactionID: id, AppID: app.AppID, MerchantID: p.MerchantID, MchRefundOrderID: req.MchRefundOrderID,
		OriginalTransactionID: p.TransactionID, CountryCode: p.CountryCode, Currency: p.Currency,
		ChannelCode: p.ChannelCode, Amount: req.Amount, Reason: req.Reason, CallbackURL: req.CallbackURL,
		Status: RefundPending, ChannelState: ChannelNew, CreatedAt: now, UpdatedAt: now,
	}
	hold := ledger.Hold{ID: r.RefundTransactionID, MerchantID: r.MerchantID, Currency: r.Currency, Amount: r.Amount, Status: ledger.HoldPending}
	holdEntry := ledger.HoldEntry(hold)
	holdEntry.At = now
	err = g.store.InTx(ctx, func(tx Tx) error {
		refunded, feeRefunded, ok, err := tx.ReserveRefund(ctx, app.AppID, p.TransactionID, r.Amount)
		if err != nil {
			return err
		}
		if !ok {
			return errExceeds
		}
		if r.FeeRefunded = g.refundFee(p, r.Amount, refunded, feeRefunded); r.FeeRefunded > 0 {
			if err := tx.AddRefundedFee(ctx, p.TransactionID, r.FeeRefunded); err != nil {
				return err
			}
		}
		if err := tx.InsertRefund(ctx, r); err != nil {
			return err
		}
		if err := tx.InsertHold(ctx, hold); err != nil {
			return err
		}
		if err := tx.PostEntry(ctx, holdEntry); err != nil {
			return err
		}
		return tx.InsertOutbox(ctx, OutboxMessage{
			Topic: TopicRefund, AppID: r.AppID, TransactionID: r.RefundTransactionID,
			Status: OutboxPending, NextAttemptAt: now, CreatedAt: now,
		})
	})
	var dup *DuplicateError
	var short *ledger.InsufficientFundsError
	switch {
	case errors.Is(err, errExceeds):
		return Refund{}, g.refundExceeds(ctx, app.AppID, p, r.Amount)
	case errors.As(err, &dup) && dup.Key == "mch_refund_order_id":
		return Refund{}, Errorf(KindRefundDuplicate, "mchRefundOrderId", "mchRefundOrderId %q was already used", req.MchRefundOrderID)
	case errors.As(err, &dup):
		return Refund{}, err
	case errors.As(err, &short):
		return Refund{}, Errorf(KindInsufficientBalance, "refundAmount",
			"available balance is less than the refund amount %d %s", r.Amount, r.Currency)
	case err != nil:
		return Refund{}, g.storeErr("create refund", err)
	}
	g.observe("refund", StatusPending)
	g.queued()
	return r, nil
}

// errExceeds rolls back a refund whose reservation was refused.
var errExceeds = errors.New("gateway: refund exceeds the refundable amount")

// refundExceeds explains a refused reservation: the payment's state may
// have changed since it was read, so it is read again.
func (g *Gateway) refundExceeds(ctx context.Context, appID string, p Payment, amount int64) error {
	left, err := g.refundableLeft(ctx, appID, p)
	if err != nil {
		return err
	}
	return Errorf(KindRefundExceeds, "refundAmount",
		"refund amount %d exceeds the %d %s left to refund of %s", amount, left, p.Currency, p.TransactionID)
}

// refundableLeft is what remains to refund of a payment: paid less the
// refunds that are not FAILED.
func (g *Gateway) refundableLeft(ctx context.Context, appID string, p Payment) (int64, error) {
	rs, err := g.store.ListRefunds(ctx, appID, p.TransactionID)
	if err != nil {
		return 0, g.storeErr("list refunds", err)
	}
	left := p.PaidAmount
	for _, r := range rs {
		if r.Status != RefundFailed {
			left -= r.Amount
		}
	}
	return max(left, 0), nil
}

// refundFee is the fee given back with a refund of amount, when the setting
// says so: the payment's fee in proportion, rounded half up, and never more
// than what is left of the fee. The refund that makes the payment fully
// refunded gets all that is left, so that a payment refunded in parts gives
// back exactly its fee. refunded and feeRefunded are the payment's totals
// after this refund's reservation and before its fee.
func (g *Gateway) refundFee(p Payment, amount, refunded, feeRefunded int64) int64 {
	if g.cfg.RefundFee != RefundFeeRefund || p.Fee <= 0 || p.PaidAmount <= 0 {
		return 0
	}
	left := p.Fee - feeRefunded
	if refunded >= p.PaidAmount {
		return max(left, 0)
	}
	fee := (2*p.Fee*amount + p.PaidAmount) / (2 * p.PaidAmount) // round half up
	return max(min(fee, left), 0)
}

// CheckRefund returns an app's refund; KindRefundUnknown when the app has
// none by that reference.
func (g *Gateway) CheckRefund(ctx context.Context, appID string, ref RefundRef) (Refund, error) {
	if ref.RefundTransactionID == "" && ref.MchRefundOrderID == "" {
		return Refund{}, Errorf(KindInvalid, "refundTransactionId", "one of originalTransactionId, refundTransactionId and mchRefundOrderId is required")
	}
	r, err := g.store.GetRefund(ctx, appID, ref)
	if errors.Is(err, ErrNotFound) {
		return Refund{}, Errorf(KindRefundUnknown, "", "refund not found")
	}
	if err != nil {
		return Refund{}, g.storeErr("get refund", err)
	}
	return r, nil
}

// ListRefunds returns every refund of an app's payment, oldest first;
// KindRefundNotFound when the app has no such payment.
func (g *Gateway) ListRefunds(ctx context.Context, appID, originalTransactionID string) ([]Refund, error) {
	if strings.TrimSpace(originalTransactionID) == "" {
		return nil, Errorf(KindInvalid, "originalTransactionId", "is required")
	}
	if _, err := g.store.GetPayment(ctx, appID, OrderRef{TransactionID: originalTransactionID}); errors.Is(err, ErrNotFound) {
		return nil, Errorf(KindRefundNotFound, "originalTransactionId", "original transaction %q not found", originalTransactionID)
	} else if err != nil {
		return nil, g.storeErr("get payment", err)
	}
	rs, err := g.store.ListRefunds(ctx, appID, originalTransactionID)
	if err != nil {
		return nil, g.storeErr("list refunds", err)
	}
	return rs, nil
}

package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// EventStaticPayment is the notification of each payment into a static code.
const EventStaticPayment = "payment.success"

// takesPayment says whether code c accepts a payment of amount at now: an
// *Error of KindCodeClosed for a cancelled or expired code, KindAmount for an
// amount that is not the fixed one or is outside MinAmount..MaxAmount.
func (c StaticCode) takesPayment(amount int64, now time.Time) error {
	if s := c.StatusAt(now); s != StaticActive {
		return Errorf(KindCodeClosed, "", "static code %s is %s and takes no payments", c.MchOrderID, s)
	}
	if c.Amount > 0 && amount != c.Amount {
		return Errorf(KindAmount, "amount", "static code %s takes exactly %d, not %d", c.MchOrderID, c.Amount, amount)
	}
	if amount < c.MinAmount || amount > c.MaxAmount {
		return Errorf(KindAmount, "amount", "static code %s takes %d to %d, not %d", c.MchOrderID, c.MinAmount, c.MaxAmount, amount)
	}
	return nil
}

// StaticCodePayable returns code codeID when it takes a payment of amount
// now. Errors are *Error: KindNotFound, KindCodeClosed, KindAmount. Channels
// ask it before they take a customer's money.
func (g *Gateway) StaticCodePayable(ctx context.Context, codeID string, amount int64) (StaticCode, error) {
	c, err := g.store.GetStaticCodeByID(ctx, codeID)
	if errors.Is(err, ErrNotFound) {
		return StaticCode{}, Errorf(KindNotFound, "", "no static code %s", codeID)
	}
	if err != nil {
		return StaticCode{}, g.storeErr("get static code", err)
	}
	if err := c.takesPayment(amount, g.now()); err != nil {
		return StaticCode{}, err
	}
	return c, nil
}

// ApplyStaticPayment books a customer's payment into static code codeID that
// a channel reported, in one transaction: a new COMPLETED Payment of its own
// ("C..." id, StaticCodeID set, the code's mchOrderId), its fee, the collect
// entry and settlement exactly as ApplyPaymentResult books them, and a
// payment.success notification to the code's notifyUrl or the app's. A
// report whose channelRef was booked before changes nothing. The code is
// judged as it was at paidAt, when the customer paid (zero: now): money
// taken while the code was ACTIVE is booked even when the code was
// cancelled or expired before the channel's report arrived. A payment into
// a code already cancelled or expired when the customer paid, or of an
// amount the code does not take, is refused with an *Error (KindCodeClosed,
// KindAmount; KindNotFound for an unknown code) and nothing is booked: the
// channel refuses the money.
func (g *Gateway) ApplyStaticPayment(ctx context.Context, codeID string, amount int64, channelRef string, paidAt time.Time) error {
	if channelRef == "" {
		return fmt.Errorf("gateway: static payment report without a channel reference")
	}
	id, err := g.newID(ctx, "C")
	if err != nil {
		return err
	}
	now := g.now()
	if paidAt.IsZero() || paidAt.After(now) {
		paidAt = now
	}
	applied := false
	err = g.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.LockStaticCode(ctx, codeID)
		if errors.Is(err, ErrNotFound) {
			return Errorf(KindNotFound, "", "no static code %s", codeID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.GetPaymentByChannelRef(ctx, c.ChannelCode, channelRef); err == nil {
			return nil // reported before
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := c.takesPayment(amount, paidAt); err != nil {
			return err
		}
		m, err := tx.GetMerchant(ctx, c.MerchantID)
		if err != nil {
			return err
		}
		fee, err := tx.FindFee(ctx, c.MerchantID, c.ChannelCode)
		if err != nil {
			return err
		}
		ch, _ := FindPaymentChannel(c.CountryCode, c.ChannelCode)
		p := Payment{
			TransactionID: id, AppID: c.AppID, MerchantID: c.MerchantID, MchOrderID: c.MchOrderID,
			StaticCodeID: c.ID, CountryCode: c.CountryCode, Currency: c.Currency, Amount: amount, PaidAmount: amount,
			Fee: min(FeeFor(fee, amount), amount), ChannelType: ch.Type, ChannelCode: c.ChannelCode,
			PayData: c.PayData, CustomerName: c.CustomerName, NotifyURL: c.NotifyURL, Remark: c.Remark,
			Status: StatusCompleted, ChannelRef: channelRef, ExpireAt: now, SettleAt: now.Add(m.SettlementDelay),
			CreatedAt: now, UpdatedAt: now, FinishedAt: now,
		}
		if err := tx.InsertPayment(ctx, p); err != nil {
			return err
		}
		applied = true
		return g.bookCollection(ctx, tx, p, m.SettlementDelay, EventStaticPayment, now)
	})
	var dup *DuplicateError
	if errors.As(err, &dup) && dup.Key == "channel_ref" {
		return nil // a concurrent report of the same payment won
	}
	if err != nil {
		return fmt.Errorf("gateway: apply static payment to %s: %w", codeID, err)
	}
	if applied {
		g.observe("payment", StatusCompleted)
		g.queued()
	}
	return nil
}

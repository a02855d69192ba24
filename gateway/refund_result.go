package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// SubmitRefund hands a committed refund to its channel; the dispatcher calls
// it for each refund in the outbox and ReconcileRefunds for refunds still NEW.
// Like SubmitPayout it commits the move from NEW to UNKNOWN before calling
// the channel, so that a refund is sent once; a nil error means the
// submission is done with, an error that it was certainly not sent (the
// refund is NEW again) or not claimed.
func (g *Gateway) SubmitRefund(ctx context.Context, refundTransactionID string) error {
	r, err := g.store.GetRefundByID(ctx, refundTransactionID)
	if errors.Is(err, ErrNotFound) {
		g.log.Error("submit: no such refund", "refundTransactionId", refundTransactionID)
		return nil
	}
	if err != nil {
		return err
	}
	if r.Status != RefundPending || r.ChannelState != ChannelNew {
		return nil // already submitted or settled: never send twice
	}
	conn, ok := g.refundConnector(r.ChannelCode)
	if !ok {
		return fmt.Errorf("gateway: no refund connector for channel %s", r.ChannelCode)
	}
	return g.submitOnce(ctx, submission{
		kind: "refund", id: r.RefundTransactionID,
		claim: func(ctx context.Context, tx Tx, at time.Time) (bool, error) {
			return tx.ClaimRefundSubmission(ctx, r.RefundTransactionID, at)
		},
		send: func(ctx context.Context) (ChannelResult, error) { return conn.SubmitRefund(ctx, r) },
		setChannel: func(ctx context.Context, tx Tx, state ChannelState, ref string, at time.Time) error {
			return tx.SetRefundChannel(ctx, r.RefundTransactionID, state, ref, at)
		},
		apply: func(ctx context.Context, res ChannelResult) error {
			return g.ApplyRefundResult(ctx, r.RefundTransactionID, res)
		},
	})
}

// ApplyRefundResult settles a PENDING refund with its channel's final result
// (StatusCompleted or StatusFailed), in one transaction. COMPLETE posts the
// hold to the channel's clearing account (the money goes back to the
// customer) and gives the merchant back the refund's FeeRefunded from
// revenue; FAILED voids the hold and releases the payment's reservation. The
// merchant's notification is queued with either. Results for refunds already
// final are ignored, so reports may repeat.
func (g *Gateway) ApplyRefundResult(ctx context.Context, refundTransactionID string, res ChannelResult) error {
	var status RefundStatus
	switch res.Status {
	case StatusPending:
		return nil
	case StatusCompleted:
		status, res.FailedCode, res.FailedMessage = RefundComplete, 0, ""
	case StatusFailed:
		status = RefundFailed
		if res.FailedCode == 0 {
			res.FailedCode = FailedRefund
		}
		if res.FailedMessage == "" {
			res.FailedMessage = FailedMessages[res.FailedCode]
		}
	default:
		return fmt.Errorf("gateway: refund result with status %q", res.Status)
	}
	now := g.now()
	applied := false
	err := g.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.GetRefundByID(ctx, refundTransactionID)
		if err != nil {
			return err
		}
		ok, err := tx.FinishRefund(ctx, refundTransactionID, status, res.FailedCode, res.FailedMessage, now)
		if err != nil {
			return err
		}
		if !ok {
			// As in ApplyPayoutResult: compare with the status it has now.
			if cur, err := tx.GetRefundByID(ctx, refundTransactionID); err == nil {
				r = cur
			}
			if r.Status != status {
				g.log.Error("ATTENTION: channel result conflicts with the refund's final status; not applied",
					"refundTransactionId", refundTransactionID, "status", r.Status, "channelStatus", status)
			}
			return nil
		}
		r.Status, r.FailedCode, r.FailedMessage, r.FinishedAt = status, res.FailedCode, res.FailedMessage, now
		if err := settleRefund(ctx, tx, r, now); err != nil {
			return err
		}
		applied = true
		return g.queueRefundEvent(ctx, tx, r, now)
	})
	if err != nil {
		return fmt.Errorf("gateway: apply refund result to %s: %w", refundTransactionID, err)
	}
	if applied {
		g.observe("refund", Status(status))
		g.queued()
	}
	return nil
}

// settleRefund books a refund's final status: the hold posted to the channel
// and the refunded fee back from revenue, or the hold voided and the
// payment's reservation released.
func settleRefund(ctx context.Context, tx Tx, r Refund, now time.Time) error {
	if r.Status != RefundComplete {
		// The payment's row first, then the accounts: CreateRefund's order,
		// so that the two never wait for each other on PostgreSQL.
		if err := tx.ReleaseRefund(ctx, r.OriginalTransactionID, r.Amount, r.FeeRefunded); err != nil {
			return err
		}
		hold, err := tx.SettleHold(ctx, r.RefundTransactionID, ledger.HoldVoided)
		if err != nil {
			return err
		}
		e := ledger.VoidEntry(hold)
		e.At = now
		return tx.PostEntry(ctx, e)
	}
	hold, err := tx.SettleHold(ctx, r.RefundTransactionID, ledger.HoldPosted)
	if err != nil {
		return err
	}
	e, err := ledger.PostEntry(hold, ledger.Posting{Account: ledger.Channel(r.ChannelCode, r.Currency), Currency: r.Currency, Amount: r.Amount})
	if err != nil {
		return err
	}
	e.At = now
	entries := []ledger.Entry{e}
	if r.FeeRefunded > 0 {
		entries = append(entries, ledger.Entry{ID: r.RefundTransactionID + ":fee", Kind: "refund_fee", Ref: r.RefundTransactionID, At: now,
			Postings: []ledger.Posting{
				{Account: ledger.PlatformRevenue(r.Currency), Currency: r.Currency, Amount: -r.FeeRefunded},
				{Account: ledger.MerchantAvailable(r.MerchantID, r.Currency), Currency: r.Currency, Amount: r.FeeRefunded},
			}})
	}
	return postEntries(ctx, tx, entries...)
}

// queueRefundEvent puts a final refund's notification in the outbox, to its
// refundCallbackUrl or else the app's default; a refund with neither gets none.
func (g *Gateway) queueRefundEvent(ctx context.Context, tx Tx, r Refund, now time.Time) error {
	return g.queueEvent(ctx, tx, r.AppID, r.RefundTransactionID, r.CallbackURL, RefundEvent(r), now)
}

// Refund notification events.
const (
	EventRefundSuccess = "payment.refund.success"
	EventRefundFailed  = "payment.refund.failed"
	EventRefundCancel  = "payment.refund.cancel"
)

// RefundEvent describes a final refund for its notification.
func RefundEvent(r Refund) Event {
	name := EventRefundSuccess
	switch r.Status {
	case RefundFailed:
		name = EventRefundFailed
	case RefundCancel:
		name = EventRefundCancel
	}
	return Event{
		Name: name, Kind: "refund", TransactionID: r.RefundTransactionID, MchOrderID: r.MchRefundOrderID,
		MerchantID: r.MerchantID, CountryCode: r.CountryCode, Currency: r.Currency, Amount: r.Amount,
		Status: Status(r.Status), CreateTime: r.CreatedAt, ReturnTime: r.FinishedAt,
		FailedCode: r.FailedCode, FailedMessage: r.FailedMessage, ChannelCode: r.ChannelCode,
		OriginalTransactionID: r.OriginalTransactionID, FeeRefunded: r.FeeRefunded,
	}
}

// ReconcileRefunds does for refunds what Reconcile does for payouts: refunds
// PENDING longer than Config.ReconcileAfter are submitted again when NEW
// (the claim keeps that to one send) or queried when SUBMITTED or UNKNOWN;
// an UNKNOWN refund its channel never received fails with -10006 after
// Config.NotFoundGrace. It returns how many it settled.
func (g *Gateway) ReconcileRefunds(ctx context.Context, limit int) (int, error) {
	stale, err := g.store.ListRefundsToReconcile(ctx, g.now().Add(-g.cfg.ReconcileAfter), limit)
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, r := range stale {
		if ctx.Err() != nil {
			return settled, ctx.Err()
		}
		done, err := g.reconcileRefund(ctx, r)
		if err != nil {
			g.log.Warn("reconcile refund", "refundTransactionId", r.RefundTransactionID, "err", err)
		}
		if done {
			settled++
			continue
		}
		if err := g.store.InTx(ctx, func(tx Tx) error { return tx.TouchRefund(ctx, r.RefundTransactionID, g.now()) }); err != nil {
			return settled, err
		}
	}
	return settled, nil
}

func (g *Gateway) reconcileRefund(ctx context.Context, r Refund) (bool, error) {
	if r.ChannelState == ChannelNew {
		return false, g.SubmitRefund(ctx, r.RefundTransactionID)
	}
	conn, ok := g.refundConnector(r.ChannelCode)
	if !ok {
		return false, errors.New("no refund connector for channel " + r.ChannelCode)
	}
	res, err := conn.QueryRefund(ctx, r.RefundTransactionID)
	switch {
	case errors.Is(err, ErrChannelNotFound) && r.ChannelState == ChannelUnknown:
		if g.now().Sub(r.SubmittedAt) <= g.cfg.NotFoundGrace {
			return false, nil
		}
		res = ChannelResult{Status: StatusFailed, FailedCode: FailedNetworkReject}
	case errors.Is(err, ErrChannelNotFound):
		g.log.Error("ATTENTION: the channel has no record of a refund it acknowledged",
			"refundTransactionId", r.RefundTransactionID, "channelRef", r.ChannelRef)
		return false, nil
	case err != nil:
		return false, err
	case res.Status == StatusPending:
		return false, nil
	}
	if err := g.ApplyRefundResult(ctx, r.RefundTransactionID, res); err != nil {
		return false, err
	}
	return true, nil
}

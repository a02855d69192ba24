package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// PayoutRequest is a merchant's request to pay out, as the API dialects
// decode it. Amount is in minor units.
type PayoutRequest struct {
	MchOrderID    string
	IdempotencyID string
	CountryCode   string
	Currency      string
	Amount        int64
	PayMethod     string
	TransferCode  string
	AccountNo     string
	AccountName   string
	AccountType   string
	Mobile        string
	NotifyURL     string
	Remark        string
	// Peru only (see ValidatePeruPayout): AccountType is "0" or "1".
	CCIAccountNo string
	IDType       string
	IDCard       string
	Email        string
	Dialect      string // DialectA or DialectB
}

// CreatePayout validates req for app, prices it, and in one transaction
// stores the PENDING payout, holds amount plus fee from the merchant's
// available balance and queues its submission to the channel. Errors are
// *Error: KindInvalid and the other validation kinds, KindDuplicateOrder,
// KindDuplicateIdempotent, KindInsufficientBalance (then nothing is stored).
func (g *Gateway) CreatePayout(ctx context.Context, app App, req PayoutRequest) (Payout, error) {
	ch, err := validatePayout(req)
	if err == nil {
		err = g.checkNotifyTarget("notifyUrl", req.NotifyURL)
	}
	if err != nil {
		return Payout{}, err
	}
	if len(g.router.Routes(ch.Code)) == 0 {
		return Payout{}, Errorf(KindChannelUnavailable, "transferCode", "channel %s is not available", ch.Code)
	}
	fee, err := g.findFee(ctx, app.MerchantID, ch.Code)
	if err != nil {
		return Payout{}, g.storeErr("find fee", err)
	}
	if g.batcher != nil {
		j := &payoutJob{ctx: ctx, app: app, req: req, ch: ch, fee: fee}
		g.batcher.do(j)
		if !j.alone {
			return j.p, j.err
		}
		if j.failed {
			// A failed commit may still have committed (the answer was
			// lost): then the payout is there, and it is this request's.
			if p, err := g.store.GetPayoutByID(ctx, j.p.TransactionID); err == nil {
				return p, nil
			}
		}
	}
	// Alone: a transaction id can collide only if two live processes hold
	// one node id (see IDs); a fresh id then makes the order anyway.
	for attempt := 0; ; attempt++ {
		p, err := g.createPayout(ctx, app, req, ch, fee)
		var dup *DuplicateError
		if errors.As(err, &dup) && dup.Key == "transaction_id" {
			if attempt < 3 {
				g.log.Warn("transaction id collision; retrying with a new id", "mchOrderId", req.MchOrderID)
				continue
			}
			return Payout{}, g.storeErr("create payout", err)
		}
		return p, err
	}
}

// createPayout makes one attempt at CreatePayout's transaction, for this
// payout alone.
func (g *Gateway) createPayout(ctx context.Context, app App, req PayoutRequest, ch PayoutChannel, fee Fee) (Payout, error) {
	txID, err := g.newID(ctx, "D")
	if err != nil {
		return Payout{}, err
	}
	now := g.now()
	p := newPayout(txID, app, req, ch, fee, now)
	h := payoutHold(p, now)
	err = g.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertPayout(ctx, p); err != nil {
			return err
		}
		if err := tx.InsertHold(ctx, h.hold); err != nil {
			return err
		}
		if err := tx.PostEntry(ctx, h.entry); err != nil {
			return err
		}
		return tx.InsertOutbox(ctx, submitMessage(p, now))
	})
	var dup *DuplicateError
	var short *ledger.InsufficientFundsError
	switch {
	case errors.As(err, &dup) && dup.Key == "transaction_id":
		return Payout{}, err
	case errors.As(err, &dup):
		return Payout{}, g.duplicatePayout(ctx, app.AppID, req)
	case errors.As(err, &short):
		return Payout{}, insufficient(p)
	case err != nil:
		return Payout{}, g.storeErr("create payout", err)
	}
	g.observe("payout", StatusPending)
	g.queued()
	return p, nil
}

// newPayout is the PENDING payout that req makes.
func newPayout(txID string, app App, req PayoutRequest, ch PayoutChannel, fee Fee, now time.Time) Payout {
	return Payout{
		TransactionID: txID,
		AppID:         app.AppID,
		MerchantID:    app.MerchantID,
		MchOrderID:    req.MchOrderID,
		IdempotencyID: req.IdempotencyID,
		CountryCode:   req.CountryCode,
		Currency:      req.Currency,
		Amount:        req.Amount,
		Fee:           FeeFor(fee, req.Amount),
		PayMethod:     req.PayMethod,
		TransferCode:  ch.Code,
		AccountNo:     req.AccountNo,
		AccountName:   req.AccountName,
		AccountType:   req.AccountType,
		Mobile:        req.Mobile,
		NotifyURL:     req.NotifyURL,
		Remark:        req.Remark,
		CCIAccountNo:  req.CCIAccountNo,
		IDType:        req.IDType,
		IDCard:        req.IDCard,
		Email:         req.Email,
		Dialect:       req.Dialect,
		Status:        StatusPending,
		ChannelState:  ChannelNew,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
}

// heldPayout is a new payout's hold and the entry that makes it.
type heldPayout struct {
	hold  ledger.Hold
	entry ledger.Entry
}

// payoutHold holds a payout's amount plus fee from the merchant's available
// balance.
func payoutHold(p Payout, now time.Time) heldPayout {
	hold := ledger.Hold{ID: p.TransactionID, MerchantID: p.MerchantID, Currency: p.Currency, Amount: p.Amount + p.Fee, Status: ledger.HoldPending}
	e := ledger.HoldEntry(hold)
	e.At = now
	return heldPayout{hold: hold, entry: e}
}

// submitMessage queues a new payout's submission to its channel.
func submitMessage(p Payout, now time.Time) OutboxMessage {
	return OutboxMessage{Topic: TopicSubmit, AppID: p.AppID, TransactionID: p.TransactionID,
		Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
}

// insufficient is the error of a payout the available balance does not cover.
func insufficient(p Payout) error {
	return Errorf(KindInsufficientBalance, "amount",
		"available balance is less than amount %d plus fee %d %s", p.Amount, p.Fee, p.Currency)
}

// duplicatePayout says which id of a refused request was taken. Which unique
// index an engine reports first is arbitrary, so a repeated mchOrderId is
// always 21007, whatever the idempotencyId.
func (g *Gateway) duplicatePayout(ctx context.Context, appID string, req PayoutRequest) error {
	_, err := g.store.GetPayout(ctx, appID, OrderRef{MchOrderID: req.MchOrderID})
	switch {
	case err == nil:
		return Errorf(KindDuplicateOrder, "mchOrderId", "mchOrderId %q was already used", req.MchOrderID)
	case errors.Is(err, ErrNotFound):
		return Errorf(KindDuplicateIdempotent, "idempotencyId", "idempotencyId %q was already used", req.IdempotencyID)
	default:
		return g.storeErr("find duplicate", err)
	}
}

// FeeFor prices an amount: the fixed part plus the basis points of the
// amount, rounded half up to the minor unit.
func FeeFor(f Fee, amount int64) int64 {
	return f.Fixed + (amount*f.BPS+5000)/10000
}

// CheckPayout returns an app's payout; KindNotFound when the app has none by
// that reference (another app's payouts are not found either).
func (g *Gateway) CheckPayout(ctx context.Context, appID string, ref OrderRef) (Payout, error) {
	if ref.TransactionID == "" && ref.MchOrderID == "" {
		return Payout{}, Errorf(KindInvalid, "mchOrderId", "one of mchOrderId and transactionId is required")
	}
	p, err := g.store.GetPayout(ctx, appID, ref)
	if errors.Is(err, ErrNotFound) {
		return Payout{}, Errorf(KindNotFound, "", "transaction not found")
	}
	if err != nil {
		return Payout{}, g.storeErr("get payout", err)
	}
	if ref.TransactionID != "" && ref.MchOrderID != "" && p.MchOrderID != ref.MchOrderID {
		return Payout{}, Errorf(KindNotFound, "", "transaction not found")
	}
	return p, nil
}

// SubmitPayout hands a committed payout to its channel; the dispatcher calls
// it for each submission in the outbox and the reconciler for payouts still
// NEW after Config.ReconcileAfter. Before calling a connector it commits the
// move from NEW to UNKNOWN with the connector's name, so that a payout is
// sent once: a caller that loses that race, or a redelivery, sends nothing.
// A connector that certainly did not take the payout (ErrNotSent: down, or
// refusing with a network error) puts it back to NEW and the next route is
// tried; an unknown outcome is never retried elsewhere, only queried. A nil
// error means the submission is done with (sent, settled, or its outcome
// left to the reconciler); an error means no route took it (the payout is
// NEW again) or it was not claimed, and it may be tried again later.
func (g *Gateway) SubmitPayout(ctx context.Context, transactionID string) error {
	p, err := g.store.GetPayoutByID(ctx, transactionID)
	if errors.Is(err, ErrNotFound) {
		g.log.Error("submit: no such payout", "transactionId", transactionID)
		return nil
	}
	if err != nil {
		return err
	}
	if p.Status != StatusPending || p.ChannelState != ChannelNew {
		return nil // already submitted or settled: never send twice
	}
	routes := g.router.Routes(p.TransferCode)
	if len(routes) == 0 {
		return fmt.Errorf("gateway: no connector for channel %s", p.TransferCode)
	}
	for i, r := range routes {
		err = g.submitOnce(ctx, submission{
			kind: "payout", id: p.TransactionID,
			claim: func(ctx context.Context, tx Tx, at time.Time) (bool, error) {
				return tx.ClaimPayoutSubmission(ctx, p.TransactionID, r.Name, at)
			},
			send: func(ctx context.Context) (ChannelResult, error) { return r.Connector.SubmitPayout(ctx, p) },
			setChannel: func(ctx context.Context, tx Tx, state ChannelState, ref string, at time.Time) error {
				return tx.SetPayoutChannel(ctx, p.TransactionID, state, ref, at)
			},
			apply: func(ctx context.Context, r ChannelResult) error { return g.ApplyPayoutResult(ctx, p.TransactionID, r) },
		})
		if !errors.Is(err, ErrNotSent) {
			return err
		}
		if i+1 < len(routes) {
			g.log.Warn("connector did not take the payout; failing over", "transactionId", p.TransactionID,
				"connector", r.Name, "next", routes[i+1].Name, "err", err)
		}
	}
	return err
}

// ApplyPayoutResult settles a PENDING payout with a channel's final result,
// in one transaction: the status change, posting or voiding the hold, and the
// merchant's notification. Results for payouts already final are ignored, so
// callbacks and queries may report the same outcome any number of times.
func (g *Gateway) ApplyPayoutResult(ctx context.Context, transactionID string, r ChannelResult) error {
	if r.Status == StatusPending {
		return nil
	}
	if r.Status != StatusCompleted && r.Status != StatusFailed {
		return fmt.Errorf("gateway: channel result with status %q", r.Status)
	}
	if r.Status == StatusFailed {
		if r.FailedCode == 0 {
			r.FailedCode = FailedService
		}
		if r.FailedMessage == "" {
			r.FailedMessage = FailedMessages[r.FailedCode]
		}
	} else {
		r.FailedCode, r.FailedMessage = 0, ""
	}
	now := g.now()
	applied := false
	err := g.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.GetPayoutByID(ctx, transactionID)
		if err != nil {
			return err
		}
		ok, err := tx.FinishPayout(ctx, transactionID, r.Status, r.FailedCode, r.FailedMessage, now)
		if err != nil {
			return err
		}
		if !ok {
			// Another transaction may have settled it since it was read
			// (PostgreSQL reads committed rows per statement): compare the
			// result with the status it has now.
			if cur, err := tx.GetPayoutByID(ctx, transactionID); err == nil {
				p = cur
			}
			if p.Status != r.Status {
				// Money may now be where the ledger says it is not: an
				// operator must look (see docs/OPERATIONS.md).
				g.log.Error("ATTENTION: channel result conflicts with the payout's final status; not applied",
					"transactionId", transactionID, "status", p.Status, "channelStatus", r.Status)
			}
			return nil
		}
		p.Status, p.FailedCode, p.FailedMessage, p.FinishedAt = r.Status, r.FailedCode, r.FailedMessage, now
		if err := settlePayoutHold(ctx, tx, p, now); err != nil {
			return err
		}
		applied = true
		return g.queueNotification(ctx, tx, p, now)
	})
	if err != nil {
		return fmt.Errorf("gateway: apply result to %s: %w", transactionID, err)
	}
	if applied {
		g.observe("payout", r.Status)
		g.queued()
	}
	return nil
}

// settlePayoutHold posts a completed payout's hold (the amount to the
// channel, the fee to revenue) or voids a failed one's.
func settlePayoutHold(ctx context.Context, tx Tx, p Payout, now time.Time) error {
	to := ledger.HoldVoided
	if p.Status == StatusCompleted {
		to = ledger.HoldPosted
	}
	hold, err := tx.SettleHold(ctx, p.TransactionID, to)
	if err != nil {
		return err
	}
	var e ledger.Entry
	if to == ledger.HoldVoided {
		e = ledger.VoidEntry(hold)
	} else {
		dest := []ledger.Posting{{Account: ledger.Channel(p.TransferCode, p.Currency), Currency: p.Currency, Amount: p.Amount}}
		if p.Fee > 0 {
			dest = append(dest, ledger.Posting{Account: ledger.PlatformRevenue(p.Currency), Currency: p.Currency, Amount: p.Fee})
		}
		if e, err = ledger.PostEntry(hold, dest...); err != nil {
			return err
		}
	}
	e.At = now
	return tx.PostEntry(ctx, e)
}

// queueNotification puts the merchant's notification of a final payout in
// the outbox, to the order's notifyUrl or else the app's default. An order
// with neither gets none.
func (g *Gateway) queueNotification(ctx context.Context, tx Tx, p Payout, now time.Time) error {
	return g.queueEvent(ctx, tx, p.AppID, p.TransactionID, p.NotifyURL, PayoutEvent(p), now)
}

// PayoutEvent describes a final payout for its notification.
func PayoutEvent(p Payout) Event {
	name := "disbursement.success"
	if p.Status == StatusFailed {
		name = "disbursement.failed"
	}
	return Event{
		Name: name, Kind: "payout", TransactionID: p.TransactionID, MchOrderID: p.MchOrderID,
		MerchantID: p.MerchantID, CountryCode: p.CountryCode, Currency: p.Currency,
		Amount: p.Amount, Fee: p.Fee, Status: p.Status, CreateTime: p.CreatedAt, ReturnTime: p.FinishedAt,
		Remark: p.Remark, FailedCode: p.FailedCode, FailedMessage: p.FailedMessage, Dialect: p.Dialect,
	}
}

// storeErr turns a store failure into a domain error that hides the detail
// from merchants and keeps it for the log.
func (g *Gateway) storeErr(op string, err error) error {
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		g.log.Error("store unavailable", "op", op, "err", err)
		return &Error{Kind: KindUnavailable, Message: "the service is temporarily unavailable, try again"}
	}
	g.log.Error("store failure", "op", op, "err", err)
	return &Error{Kind: KindInternal, Message: "internal error"}
}

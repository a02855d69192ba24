package gateway

import (
	"context"
	"time"
)

// RefundReader holds the refund queries that may run inside or outside a
// transaction.
type RefundReader interface {
	// GetRefund finds an app's refund by ref; ErrNotFound when the app has none.
	GetRefund(ctx context.Context, appID string, ref RefundRef) (Refund, error)
	// GetRefundByID finds any refund by its refund transaction id.
	GetRefundByID(ctx context.Context, refundTransactionID string) (Refund, error)
	// ListRefunds returns an app's refunds of one payment, oldest first; none
	// (and no error) for a payment without refunds or of another app.
	ListRefunds(ctx context.Context, appID, originalTransactionID string) ([]Refund, error)
	// ListRefundsToReconcile returns PENDING refunds in channel state NEW,
	// SUBMITTED or UNKNOWN last updated before the given time, oldest first.
	ListRefundsToReconcile(ctx context.Context, updatedBefore time.Time, limit int) ([]Refund, error)
}

// RefundTx holds the refund writes.
type RefundTx interface {
	// ReserveRefund adds amount to the refunded amount of an app's COMPLETED
	// payment, in one conditional UPDATE that succeeds only while the refunded
	// amount stays at or below the paid amount; concurrent reservations of one
	// payment therefore never exceed it. It returns the payment's refunded
	// amount and refunded fee after the change, and false (changing nothing)
	// when the payment is not the app's, not COMPLETED or has too little left.
	ReserveRefund(ctx context.Context, appID, transactionID string, amount int64) (refunded, feeRefunded int64, ok bool, err error)
	// AddRefundedFee adds fee to the fee refunded of a payment whose refund
	// was reserved in the same transaction.
	AddRefundedFee(ctx context.Context, transactionID string, fee int64) error
	// ReleaseRefund gives back a failed refund's reservation: it subtracts
	// amount and fee from the payment's refunded amount and refunded fee.
	ReleaseRefund(ctx context.Context, transactionID string, amount, fee int64) error
	// InsertRefund stores a new refund; a *DuplicateError with Key
	// "mch_refund_order_id" when the app used that id already, or
	// "transaction_id" for a reused refund transaction id.
	InsertRefund(ctx context.Context, r Refund) error
	// FinishRefund moves a PENDING refund to COMPLETE, FAILED or CANCEL and
	// its channel state to DONE; false, changing nothing, when it was not
	// PENDING.
	FinishRefund(ctx context.Context, refundTransactionID string, status RefundStatus, failedCode int, failedMessage string, at time.Time) (bool, error)
	// SetRefundChannel records a PENDING refund's channel state and reference
	// and stamps UpdatedAt.
	SetRefundChannel(ctx context.Context, refundTransactionID string, state ChannelState, channelRef string, at time.Time) error
	// ClaimRefundSubmission moves a PENDING refund from channel state NEW to
	// UNKNOWN and stamps SubmittedAt, so that one caller alone hands it to the
	// channel; false when it was not NEW.
	ClaimRefundSubmission(ctx context.Context, refundTransactionID string, at time.Time) (bool, error)
	// TouchRefund stamps a PENDING refund's UpdatedAt and changes nothing else.
	TouchRefund(ctx context.Context, refundTransactionID string, at time.Time) error
}

package gateway

import (
	"context"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// Store is the storage seam. store/postgres and store/sqlite implement it,
// and store/storetest holds the conformance suite both must pass.
//
// Reads on the Store run outside any transaction. InTx runs fn in one
// database transaction: it commits when fn returns nil and rolls back
// otherwise, returning fn's error unchanged. Stores translate engine errors at
// their boundary: no row is ErrNotFound, a uniqueness violation is a
// *DuplicateError, an unreachable database wraps ErrUnavailable.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// AcquireNodeID hands out a number in [0, 1024) that no other live
	// process holds, for transaction id generation.
	AcquireNodeID(ctx context.Context) (int64, error)
}

// Reader holds the queries that may run inside or outside a transaction.
type Reader interface {
	CredentialReader
	RefundReader
	ReportReader
	StaticReader
	GetMerchant(ctx context.Context, merchantID string) (Merchant, error)
	GetApp(ctx context.Context, appID string) (App, error)
	// FindFee returns the merchant's fee for the channel, else its default
	// ("*"), else a zero Fee; it never returns ErrNotFound.
	FindFee(ctx context.Context, merchantID, channel string) (Fee, error)
	// GetPayout finds an app's payout by ref; ErrNotFound when the app has none.
	GetPayout(ctx context.Context, appID string, ref OrderRef) (Payout, error)
	// GetPayoutByID finds any payout by transaction id.
	GetPayoutByID(ctx context.Context, transactionID string) (Payout, error)
	// ListPayoutsToReconcile returns PENDING payouts in channel state NEW,
	// SUBMITTED or UNKNOWN last updated before the given time, oldest first.
	ListPayoutsToReconcile(ctx context.Context, updatedBefore time.Time, limit int) ([]Payout, error)
	// PayoutConnectorsInFlight returns the distinct connector names of
	// PENDING payouts in channel state SUBMITTED or UNKNOWN.
	PayoutConnectorsInFlight(ctx context.Context) ([]string, error)
	// AccountBalance returns an account's balance; 0 for an account never posted to.
	AccountBalance(ctx context.Context, account string) (int64, error)
	// MerchantBalances returns every account of the merchant.
	MerchantBalances(ctx context.Context, merchantID string) ([]ledger.Balance, error)
	// CheckLedger verifies every entry and every account; see ledger.CheckReport.
	CheckLedger(ctx context.Context) (ledger.CheckReport, error)

	// GetPayment finds an app's payment by ref; ErrNotFound when the app has none.
	GetPayment(ctx context.Context, appID string, ref OrderRef) (Payment, error)
	// GetPaymentByID finds any payment by transaction id.
	GetPaymentByID(ctx context.Context, transactionID string) (Payment, error)
	// ListPaymentsToExpire returns PENDING payments whose ExpireAt is at or
	// before now, oldest first.
	ListPaymentsToExpire(ctx context.Context, now time.Time, limit int) ([]Payment, error)
	// ListPaymentsToSettle returns COMPLETED payments not yet settled whose
	// SettleAt is at or before now, oldest first.
	ListPaymentsToSettle(ctx context.Context, now time.Time, limit int) ([]Payment, error)
}

// Tx is a store transaction.
type Tx interface {
	Reader
	CredentialTx
	RefundTx
	StaticTx
	CreateMerchant(ctx context.Context, m Merchant, app App) error
	UpdateApp(ctx context.Context, app App) error
	SetFee(ctx context.Context, fee Fee) error

	// PostEntry applies a balanced entry: it inserts the entry and its
	// postings and moves every account's balance, creating accounts on first
	// use. It returns *ledger.InsufficientFundsError when a non-negative
	// account would go below zero, and a *DuplicateError for a reused entry ID.
	PostEntry(ctx context.Context, e ledger.Entry) error
	// LockAccounts locks the existing accounts of the list, in the order
	// given, until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE;
	// SQLite's single writer holds every row already). A transaction that
	// posts several entries calls it first with ledger.Accounts of them all.
	LockAccounts(ctx context.Context, accounts []string) error
	// InsertHold records a PENDING hold (its entry is posted separately).
	InsertHold(ctx context.Context, h ledger.Hold) error
	// SettleHold moves a PENDING hold to POSTED or VOIDED and returns it;
	// ledger.ErrHoldNotPending when it was not PENDING.
	SettleHold(ctx context.Context, holdID string, to ledger.HoldStatus) (ledger.Hold, error)

	// InsertPayout stores a new payout; a *DuplicateError with Key
	// "mch_order_id" or "idempotency_id" when the app already used either.
	InsertPayout(ctx context.Context, p Payout) error

	// The batch methods below book many payouts in one transaction (see
	// payout_batch.go); each does what its single counterpart does, in fewer
	// statements.
	//
	// InsertPayouts stores new payouts in order, skipping, instead of
	// failing on, each that conflicts on a unique key (transaction id,
	// mchOrderId, idempotencyId) with a stored payout or an earlier one of
	// the list; it reports which it stored.
	InsertPayouts(ctx context.Context, ps []Payout) ([]bool, error)
	// DeletePayouts removes payouts that this transaction inserted and then
	// did not keep.
	DeletePayouts(ctx context.Context, transactionIDs []string) error
	// LockBalances locks the existing accounts of the list, in the list's
	// order (ledger.Accounts sorts), until the transaction ends, and returns
	// their balances; accounts that do not exist are left out.
	LockBalances(ctx context.Context, accounts []string) (map[string]int64, error)
	// PostEntries posts entries as PostEntry does, moving each account's
	// balance once by the sum of its postings (so the rule that merchant
	// accounts stay non-negative holds for the sum). Errors as PostEntry's.
	PostEntries(ctx context.Context, es []ledger.Entry) error
	// InsertHolds records PENDING holds as InsertHold does.
	InsertHolds(ctx context.Context, hs []ledger.Hold) error
	// InsertOutboxBatch queues messages as InsertOutbox does.
	InsertOutboxBatch(ctx context.Context, ms []OutboxMessage) error
	// FinishPayout moves a PENDING payout to COMPLETED or FAILED and sets its
	// channel state to DONE. It returns false, and changes nothing, when the
	// payout was no longer PENDING.
	FinishPayout(ctx context.Context, transactionID string, status Status, failedCode int, failedMessage string, at time.Time) (bool, error)
	// SetPayoutChannel records the channel state and reference of a PENDING
	// payout and stamps UpdatedAt.
	SetPayoutChannel(ctx context.Context, transactionID string, state ChannelState, channelRef string, at time.Time) error
	// ClaimPayoutSubmission moves a PENDING payout from channel state NEW to
	// UNKNOWN, records the connector it is about to be handed to and stamps
	// SubmittedAt, so that one caller alone hands it to the channel; false
	// when it was not NEW.
	ClaimPayoutSubmission(ctx context.Context, transactionID, connector string, at time.Time) (bool, error)
	// TouchPayout stamps a PENDING payout's UpdatedAt and changes nothing else.
	TouchPayout(ctx context.Context, transactionID string, at time.Time) error

	// SetSettlementDelay sets how long a merchant's collected money stays
	// pending before it becomes available.
	SetSettlementDelay(ctx context.Context, merchantID string, d time.Duration) error

	// InsertPayment stores a new payment; a *DuplicateError with Key
	// "mch_order_id" when the app used the id already.
	InsertPayment(ctx context.Context, p Payment) error
	// CompletePayment records that a PENDING or EXPIRED payment was paid:
	// status COMPLETED with the paid amount, fee, flag, channel reference and
	// settlement time. It returns false, changing nothing, when the payment
	// was COMPLETED or FAILED already, and a *DuplicateError with Key
	// "channel_ref" when another payment holds that reference.
	CompletePayment(ctx context.Context, transactionID string, paid, fee int64, flag, channelRef string, settleAt, at time.Time) (bool, error)
	// ExpirePayment moves a PENDING payment to EXPIRED; false when it was not PENDING.
	ExpirePayment(ctx context.Context, transactionID string, at time.Time) (bool, error)
	// MarkPaymentSettled records a COMPLETED payment's settlement; false when
	// it was settled already.
	MarkPaymentSettled(ctx context.Context, transactionID string, at time.Time) (bool, error)

	// InsertOutbox queues a message, due at its NextAttemptAt.
	InsertOutbox(ctx context.Context, m OutboxMessage) error
}

package gateway

import (
	"context"
	"time"
)

// StaticReader holds the static code queries that may run inside or outside
// a transaction.
type StaticReader interface {
	// GetStaticCode finds an app's static code by ref (its id or, when that
	// is empty, its mchOrderId); ErrNotFound when the app has none.
	GetStaticCode(ctx context.Context, appID string, ref StaticRef) (StaticCode, error)
	// GetStaticCodeByID finds any static code by id.
	GetStaticCodeByID(ctx context.Context, id string) (StaticCode, error)
	// FindStaticCodes returns the static codes of every app with this
	// mchOrderId, oldest first (for operators, who know no appId).
	FindStaticCodes(ctx context.Context, mchOrderID string) ([]StaticCode, error)
	// ListStaticPayments returns a page of the payments into a static code,
	// newest first (by CreatedAt, then TransactionID), and how many there
	// are in all.
	ListStaticPayments(ctx context.Context, codeID string, offset, limit int) ([]Payment, int, error)
	// GetPaymentByChannelRef finds the payment a channel reported with ref;
	// ErrNotFound when there is none.
	GetPaymentByChannelRef(ctx context.Context, channelCode, channelRef string) (Payment, error)
}

// StaticTx holds the static code writes.
type StaticTx interface {
	// InsertStaticCode stores a new code; a *DuplicateError with Key
	// "mch_order_id" when the app has a static code with that mchOrderId.
	InsertStaticCode(ctx context.Context, c StaticCode) error
	// LockStaticCode reads a static code by id and keeps others from
	// changing it until the transaction ends; ErrNotFound for an unknown id.
	LockStaticCode(ctx context.Context, id string) (StaticCode, error)
	// CancelStaticCode moves an ACTIVE code to CANCEL; false, changing
	// nothing, when it was not ACTIVE.
	CancelStaticCode(ctx context.Context, id string, at time.Time) (bool, error)
}

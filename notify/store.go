package notify

import (
	"context"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// Store is what the dispatcher needs of storage. store/postgres and
// store/sqlite implement it.
type Store interface {
	// ClaimOutbox leases up to limit PENDING messages due at or before now
	// whose lease is free or expired, to owner until leaseUntil, oldest due
	// first. Two callers never hold the same message at once (PostgreSQL: FOR
	// UPDATE SKIP LOCKED; SQLite: one writer).
	ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]gateway.OutboxMessage, error)
	// FinishAttempt records an attempt on a message the owner has leased and
	// releases the lease in one transaction: the message becomes DELIVERED
	// (when a.OK), PENDING again due at next, or DEAD when next is zero and
	// the attempt failed. Attempts is incremented. It returns gateway.ErrNotFound
	// when the owner no longer holds the lease (nothing is written then).
	FinishAttempt(ctx context.Context, owner string, a gateway.DeliveryAttempt, next time.Time) error
	// FinishAttempts records several attempts in one transaction, each as
	// FinishAttempt does. errs[i] wraps gateway.ErrNotFound when the owner
	// no longer holds done[i]'s lease (nothing is written for it); a non-nil
	// err means the transaction failed and nothing was written.
	FinishAttempts(ctx context.Context, owner string, done []gateway.FinishedAttempt) (errs []error, err error)
	// ListOutbox returns the messages of a transaction, oldest first.
	ListOutbox(ctx context.Context, transactionID string) ([]gateway.OutboxMessage, error)
	// ListAttempts returns a message's attempts, oldest first.
	ListAttempts(ctx context.Context, messageID int64) ([]gateway.DeliveryAttempt, error)
	// ResendOutbox makes every notification (topic notify) of a transaction
	// PENDING and due at now, whatever its state, and returns how many.
	ResendOutbox(ctx context.Context, transactionID string, now time.Time) (int, error)
	// OutboxBacklog counts PENDING messages by topic.
	OutboxBacklog(ctx context.Context) (map[string]int64, error)
}

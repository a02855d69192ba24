package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// Record is an outbox message with its delivery attempts, oldest first.
type Record struct {
	Message  gateway.OutboxMessage
	Attempts []gateway.DeliveryAttempt
}

// List returns the outbox messages of a transaction, oldest first, each with
// its attempts; none (and no error) when the transaction has no messages.
func List(ctx context.Context, store Store, transactionID string) ([]Record, error) {
	if transactionID == "" {
		return nil, errors.New("notify: list: a transaction id is required")
	}
	msgs, err := store.ListOutbox(ctx, transactionID)
	if err != nil {
		return nil, fmt.Errorf("notify: list %s: %w", transactionID, err)
	}
	out := make([]Record, 0, len(msgs))
	for _, m := range msgs {
		as, err := store.ListAttempts(ctx, m.ID)
		if err != nil {
			return nil, fmt.Errorf("notify: list attempts of message %d: %w", m.ID, err)
		}
		out = append(out, Record{Message: m, Attempts: as})
	}
	return out, nil
}

// Resend makes the notifications of a transaction, delivered, dead or
// pending, due again at now, and returns how many it changed; one leased to a
// dispatcher at that moment is left to it. A running dispatcher picks them up
// at its next poll. Their attempt counts are kept, so a resent message whose
// schedule was used up gets one more try before it is DEAD again.
func Resend(ctx context.Context, store Store, transactionID string, now time.Time) (int, error) {
	if transactionID == "" {
		return 0, errors.New("notify: resend: a transaction id is required")
	}
	n, err := store.ResendOutbox(ctx, transactionID, now)
	if err != nil {
		return 0, fmt.Errorf("notify: resend %s: %w", transactionID, err)
	}
	return n, nil
}

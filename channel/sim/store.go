package sim

import (
	"context"
	"time"
)

// Transfer is what a simulated bank knows of a payout.
type Transfer struct {
	TransactionID string
	AccountNo     string
	Currency      string
	Amount        int64
	Status        string // PENDING, COMPLETED, FAILED
	FailedCode    int
	FailedMessage string
	SettleAt      time.Time // zero: waits for an operator
	Reported      bool      // the gateway was told the final status
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Store is the simulator's storage. store/postgres and store/sqlite implement
// it on tables of its own (sim_*), so that the CLI can settle transfers while
// `kasir serve` runs.
type Store interface {
	// InsertSimTransfer records a transfer; when one with the same
	// transaction id exists it changes nothing and returns the stored one.
	InsertSimTransfer(ctx context.Context, t Transfer) (Transfer, error)
	// GetSimTransfer returns gateway.ErrNotFound for an unknown id.
	GetSimTransfer(ctx context.Context, transactionID string) (Transfer, error)
	// DueSimTransfers returns unreported transfers that are final, or PENDING
	// with a SettleAt at or before now, oldest first.
	DueSimTransfers(ctx context.Context, now time.Time, limit int) ([]Transfer, error)
	// DecideSimTransfer sets the final status of a PENDING transfer; it
	// returns false when the transfer was not PENDING, and gateway.ErrNotFound
	// for an unknown id.
	DecideSimTransfer(ctx context.Context, transactionID, status string, failedCode int, failedMessage string, at time.Time) (bool, error)
	// MarkSimReported records that the gateway was told of a final transfer.
	MarkSimReported(ctx context.Context, transactionID string) error
}

// Payment is a customer's payment the simulated channel received, waiting
// to be reported to the gateway as a callback.
type Payment struct {
	ID            string // the channel's reference of the payment
	TransactionID string // the dynamic order paid; "" for a static code's payment
	StaticCodeID  string // the static code paid into; "" for a dynamic order
	Amount        int64
	Reported      bool
	CreatedAt     time.Time
}

// PaymentStore is the simulator's storage of customers' payments (table
// sim_payments). store/postgres and store/sqlite implement it.
type PaymentStore interface {
	// InsertSimPayment records a customer's payment; a *gateway.DuplicateError
	// with Key "sim_payment_id" for a reused ID.
	InsertSimPayment(ctx context.Context, p Payment) error
	// UnreportedSimPayments returns payments not yet reported, oldest first.
	UnreportedSimPayments(ctx context.Context, limit int) ([]Payment, error)
	// MarkSimPaymentReported records that the gateway was told of a payment.
	MarkSimPaymentReported(ctx context.Context, id string) error
}

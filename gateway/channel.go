package gateway

import (
	"context"
	"errors"
	"time"
)

// Connector is a channel's adapter: the simulator, or an upstream gateway.
// A connector is told about payouts after they commit and answers queries;
// it reports results it learns of by itself (callbacks, its own settlement)
// through the Results sink the gateway gives it.
type Connector interface {
	// SubmitPayout hands a payout to the channel. The transaction id is the
	// channel's idempotency key. It returns ErrNotSent when the channel
	// certainly did not receive the payout (safe to try again later); any other
	// error means the outcome is unknown and the payout must be resolved by
	// QueryPayout, never by submitting it again.
	SubmitPayout(ctx context.Context, p Payout) (ChannelResult, error)
	// QueryPayout asks the channel for a payout's state; ErrChannelNotFound
	// when the channel has no record of it.
	QueryPayout(ctx context.Context, transactionID string) (ChannelResult, error)
}

// Results is how connectors report outcomes to the gateway. Reports may come
// twice or late; applying one is idempotent.
type Results interface {
	ApplyPayoutResult(ctx context.Context, transactionID string, r ChannelResult) error
}

// ChannelResult is a channel's word on an order.
type ChannelResult struct {
	Status        Status // PENDING, COMPLETED or FAILED
	FailedCode    int    // one of the -100xx failed codes when FAILED
	FailedMessage string
	ChannelRef    string
	At            time.Time // when the channel finished it, if it did
}

// Connector errors.
var (
	ErrNotSent         = errors.New("channel: not sent")
	ErrChannelNotFound = errors.New("channel: no such transaction")
)

// Failed codes inside a transaction (API-NOTES.md).
const (
	FailedService         = -10000
	FailedExceedLimit     = -10001
	FailedParams          = -10002
	FailedInsufficient    = -10003
	FailedChannelRejected = -10004
	FailedDestination     = -10005
	FailedNetworkReject   = -10006
	FailedRefund          = -10009
	// FailedCanceled is ours: a payout canceled before it was paid (dialect
	// B's CANCEL). The providers' table stops at -10009.
	FailedCanceled = -10010
)

// FailedMessages holds the standard message of each failed code.
var FailedMessages = map[int]string{
	FailedService:         "Service Error",
	FailedExceedLimit:     "Exceed Limit",
	FailedParams:          "Params Error",
	FailedInsufficient:    "Insufficient Balance",
	FailedChannelRejected: "Transaction Channel Rejected",
	FailedDestination:     "Destination Account Error",
	FailedNetworkReject:   "Network Reject",
	FailedRefund:          "Channel Refund Failed",
	FailedCanceled:        "Order Canceled",
}

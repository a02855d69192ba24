package gateway

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error. Each API dialect maps kinds to its own
// response codes in one table.
type Kind string

// Error kinds.
const (
	KindInvalid             Kind = "invalid"              // a field is missing or malformed
	KindNotFound            Kind = "not_found"            // no such order (for this app)
	KindDuplicateOrder      Kind = "duplicate_order"      // mchOrderId already used by this app
	KindDuplicateIdempotent Kind = "duplicate_idempotent" // idempotencyId already used by this app
	KindInsufficientBalance Kind = "insufficient_balance" // available balance below amount plus fee
	KindAmount              Kind = "amount"               // amount outside the channel's limits
	KindCountry             Kind = "country"              // country not opened
	KindPayMethod           Kind = "pay_method"           // unknown payMethodCode for the country
	KindBankCode            Kind = "bank_code"            // unknown bank transferCode
	KindWalletCode          Kind = "wallet_code"          // unknown e-wallet transferCode
	KindChannelUnavailable  Kind = "channel_unavailable"  // channel known but closed or unrouted
	KindMerchantUnavailable Kind = "merchant_unavailable" // merchant or app disabled
	KindUnavailable         Kind = "unavailable"          // the database or another dependency is down
	KindReplay              Kind = "replay"               // a dialect B nonceStr seen before
	KindInternal            Kind = "internal"
)

// Error is a domain error that a merchant may see: a kind, the field it is
// about (if any) and a message that says what was wrong.
type Error struct {
	Kind    Kind
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf builds an *Error of the given kind about field.
func Errorf(kind Kind, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// KindInternal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Store errors. Stores translate engine errors into these at their boundary.
var (
	// ErrNotFound means no row matched.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable wraps failures to reach the database at all.
	ErrUnavailable = errors.New("database unavailable")
)

// DuplicateError is returned by a store when an insert violates a uniqueness
// rule; Key names the rule ("mch_order_id", "idempotency_id", "app_id", ...).
type DuplicateError struct {
	Key string
}

func (e *DuplicateError) Error() string { return "duplicate " + e.Key }

package gateway

import (
	"context"
	"time"
)

// ReportReader streams an app's orders for reports. Each method calls fn for
// every order of the app in the country (its CountryCode is countryCode)
// created at or after from and before to, ordered by creation time and then
// transaction id, one row at a time: the store never holds the whole result,
// so a report costs constant memory in its length.
// When fn returns an error the stream stops and the method returns that error
// unchanged; the store's own failures are translated as usual.
type ReportReader interface {
	StreamPayouts(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(Payout) error) error
	StreamPayments(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(Payment) error) error
	// StreamRefunds orders by creation time and refund transaction id.
	StreamRefunds(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(Refund) error) error
}

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
)

// StreamPayouts calls fn for each of the app's payouts in the country
// created in [from, to), by creation time and transaction id, reading one
// row at a time. An error from fn stops the stream and is returned
// unchanged.
func (q queries) StreamPayouts(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(gateway.Payout) error) error {
	rows, err := q.db.Query(ctx, `
		SELECT `+payoutColumns+` FROM payouts
		WHERE app_id = $1 AND country_code = $2 AND created_at >= $3 AND created_at < $4
		ORDER BY created_at, transaction_id`,
		appID, countryCode, from, to)
	return stream("stream payouts", rows, err, scanPayout, fn)
}

// StreamPayments calls fn for each of the app's payments in the country
// created in [from, to), as StreamPayouts does.
func (q queries) StreamPayments(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(gateway.Payment) error) error {
	rows, err := q.db.Query(ctx, `
		SELECT `+paymentColumns+` FROM payments
		WHERE app_id = $1 AND country_code = $2 AND created_at >= $3 AND created_at < $4
		ORDER BY created_at, transaction_id`,
		appID, countryCode, from, to)
	return stream("stream payments", rows, err, scanPayment, fn)
}

// StreamRefunds calls fn for each of the app's refunds in the country
// created in [from, to), by creation time and refund transaction id, as StreamPayouts
// does.
func (q queries) StreamRefunds(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(gateway.Refund) error) error {
	rows, err := q.db.Query(ctx, `
		SELECT `+refundColumns+` FROM refunds
		WHERE app_id = $1 AND country_code = $2 AND created_at >= $3 AND created_at < $4
		ORDER BY created_at, refund_transaction_id`,
		appID, countryCode, from, to)
	return stream("stream refunds", rows, err, scanRefund, fn)
}

// stream scans rows one by one into fn and closes them; rows and err are what
// Query returned. fn's error is returned as it is.
func stream[T any](op string, rows pgx.Rows, err error, scan func(pgx.Row) (T, error), fn func(T) error) error {
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return translate(op, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return translate(op, rows.Err())
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

var _ sim.RefundStore = (*Store)(nil)

const simRefundColumns = `refund_transaction_id, reason, currency, amount, status, failed_code, failed_message,
	settle_at, reported, created_at, updated_at`

func scanSimRefund(row pgx.Row) (sim.Refund, error) {
	var r sim.Refund
	var settle *time.Time
	err := row.Scan(&r.RefundTransactionID, &r.Reason, &r.Currency, &r.Amount, &r.Status, &r.FailedCode,
		&r.FailedMessage, &settle, &r.Reported, &r.CreatedAt, &r.UpdatedAt)
	r.SettleAt, r.CreatedAt, r.UpdatedAt = fromNull(settle), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// InsertSimRefund stores r unless a refund with its id exists, and returns
// the stored refund either way.
func (s *Store) InsertSimRefund(ctx context.Context, r sim.Refund) (sim.Refund, error) {
	_, err := s.db.Exec(ctx, `
		INSERT INTO sim_refunds (`+simRefundColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (refund_transaction_id) DO NOTHING`,
		r.RefundTransactionID, r.Reason, r.Currency, r.Amount, r.Status, r.FailedCode, r.FailedMessage,
		nullTime(r.SettleAt), r.Reported, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return sim.Refund{}, translate("insert sim refund", err)
	}
	return s.GetSimRefund(ctx, r.RefundTransactionID)
}

// GetSimRefund returns a refund; gateway.ErrNotFound for an unknown id.
func (s *Store) GetSimRefund(ctx context.Context, id string) (sim.Refund, error) {
	r, err := scanSimRefund(s.db.QueryRow(ctx, `SELECT `+simRefundColumns+` FROM sim_refunds WHERE refund_transaction_id = $1`, id))
	if err != nil {
		return sim.Refund{}, translate("get sim refund", err)
	}
	return r, nil
}

// DueSimRefunds returns up to limit unreported refunds that are final or due
// to settle by now, oldest first.
func (s *Store) DueSimRefunds(ctx context.Context, now time.Time, limit int) ([]sim.Refund, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+simRefundColumns+` FROM sim_refunds
		WHERE NOT reported AND (status <> 'PENDING' OR (settle_at IS NOT NULL AND settle_at <= $1))
		ORDER BY created_at, refund_transaction_id
		LIMIT $2`,
		now, limit)
	if err != nil {
		return nil, translate("due sim refunds", err)
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sim.Refund, error) { return scanSimRefund(r) })
	return rs, translate("due sim refunds", err)
}

// DecideSimRefund makes a PENDING refund final; false when it was not
// PENDING, gateway.ErrNotFound for an unknown id.
func (s *Store) DecideSimRefund(ctx context.Context, id, status string, failedCode int, failedMessage string, at time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE sim_refunds SET status = $2, failed_code = $3, failed_message = $4, updated_at = $5
		WHERE refund_transaction_id = $1 AND status = 'PENDING'`,
		id, status, failedCode, failedMessage, at)
	if err != nil {
		return false, translate("decide sim refund", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if _, err := s.GetSimRefund(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

// MarkSimRefundReported flags a refund as reported to the gateway;
// gateway.ErrNotFound for an unknown id.
func (s *Store) MarkSimRefundReported(ctx context.Context, id string) error {
	tag, err := s.db.Exec(ctx, `UPDATE sim_refunds SET reported = true WHERE refund_transaction_id = $1`, id)
	if err != nil {
		return translate("mark sim refund reported", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: mark sim refund reported %s: %w", id, gateway.ErrNotFound)
	}
	return nil
}

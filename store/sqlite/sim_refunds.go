package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

var _ sim.RefundStore = (*Store)(nil)

const simRefundColumns = `refund_transaction_id, reason, currency, amount, status, failed_code, failed_message,
	settle_at, reported, created_at, updated_at`

func scanSimRefund(row scanner) (sim.Refund, error) {
	var r sim.Refund
	var settle sql.NullInt64
	var created, updated int64
	err := row.Scan(&r.RefundTransactionID, &r.Reason, &r.Currency, &r.Amount, &r.Status, &r.FailedCode,
		&r.FailedMessage, &settle, &r.Reported, &created, &updated)
	r.SettleAt, r.CreatedAt, r.UpdatedAt = fromNullMS(settle), fromMS(created), fromMS(updated)
	return r, err
}

// InsertSimRefund stores r unless a refund with its id exists, and returns
// the stored refund either way.
func (s *Store) InsertSimRefund(ctx context.Context, r sim.Refund) (sim.Refund, error) {
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO sim_refunds (`+simRefundColumns+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
		ON CONFLICT (refund_transaction_id) DO NOTHING`,
		r.RefundTransactionID, r.Reason, r.Currency, r.Amount, r.Status, r.FailedCode, r.FailedMessage,
		nullMS(r.SettleAt), boolInt(r.Reported), ms(r.CreatedAt), ms(r.UpdatedAt))
	if err != nil {
		return sim.Refund{}, translate("insert sim refund", err)
	}
	return getSimRefund(ctx, s.w(), r.RefundTransactionID)
}

// GetSimRefund returns a refund; gateway.ErrNotFound for an unknown id.
func (s *Store) GetSimRefund(ctx context.Context, id string) (sim.Refund, error) {
	return getSimRefund(ctx, s.queries, id)
}

func getSimRefund(ctx context.Context, q queries, id string) (sim.Refund, error) {
	r, err := scanSimRefund(q.db.QueryRowContext(ctx, `SELECT `+simRefundColumns+` FROM sim_refunds WHERE refund_transaction_id = ?1`, id))
	if err != nil {
		return sim.Refund{}, translate("get sim refund", err)
	}
	return r, nil
}

// DueSimRefunds returns up to limit unreported refunds that are final or due
// to settle by now, oldest first.
func (s *Store) DueSimRefunds(ctx context.Context, now time.Time, limit int) ([]sim.Refund, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+simRefundColumns+` FROM sim_refunds
		WHERE NOT reported AND (status <> 'PENDING' OR (settle_at IS NOT NULL AND settle_at <= ?1))
		ORDER BY created_at, refund_transaction_id
		LIMIT ?2`,
		ms(now), limit)
	return collect("due sim refunds", rows, err, scanSimRefund)
}

// DecideSimRefund makes a PENDING refund final; false when it was not
// PENDING, gateway.ErrNotFound for an unknown id.
func (s *Store) DecideSimRefund(ctx context.Context, id, status string, failedCode int, failedMessage string, at time.Time) (bool, error) {
	n, err := s.w().exec(ctx, "decide sim refund", `
		UPDATE sim_refunds SET status = ?2, failed_code = ?3, failed_message = ?4, updated_at = ?5
		WHERE refund_transaction_id = ?1 AND status = 'PENDING'`,
		id, status, failedCode, failedMessage, ms(at))
	if err != nil || n == 1 {
		return n == 1, err
	}
	if _, err := getSimRefund(ctx, s.w(), id); err != nil {
		return false, err
	}
	return false, nil
}

// MarkSimRefundReported flags a refund as reported to the gateway;
// gateway.ErrNotFound for an unknown id.
func (s *Store) MarkSimRefundReported(ctx context.Context, id string) error {
	n, err := s.w().exec(ctx, "mark sim refund reported",
		`UPDATE sim_refunds SET reported = 1 WHERE refund_transaction_id = ?1`, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: mark sim refund reported %s: %w", id, gateway.ErrNotFound)
	}
	return nil
}

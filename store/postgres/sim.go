package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

const simColumns = `transaction_id, account_no, currency, amount, status, failed_code, failed_message,
	settle_at, reported, created_at, updated_at`

func scanSim(row pgx.Row) (sim.Transfer, error) {
	var t sim.Transfer
	var settle *time.Time
	err := row.Scan(&t.TransactionID, &t.AccountNo, &t.Currency, &t.Amount, &t.Status, &t.FailedCode,
		&t.FailedMessage, &settle, &t.Reported, &t.CreatedAt, &t.UpdatedAt)
	t.SettleAt, t.CreatedAt, t.UpdatedAt = fromNull(settle), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

// InsertSimTransfer stores t unless a transfer with its transaction id
// exists, and returns the stored transfer either way.
func (s *Store) InsertSimTransfer(ctx context.Context, t sim.Transfer) (sim.Transfer, error) {
	_, err := s.db.Exec(ctx, `
		INSERT INTO sim_transfers (`+simColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (transaction_id) DO NOTHING`,
		t.TransactionID, t.AccountNo, t.Currency, t.Amount, t.Status, t.FailedCode, t.FailedMessage,
		nullTime(t.SettleAt), t.Reported, t.CreatedAt, t.UpdatedAt)
	if err != nil {
		return sim.Transfer{}, translate("insert sim transfer", err)
	}
	return s.GetSimTransfer(ctx, t.TransactionID)
}

// GetSimTransfer returns a transfer; gateway.ErrNotFound for an unknown id.
func (s *Store) GetSimTransfer(ctx context.Context, transactionID string) (sim.Transfer, error) {
	t, err := scanSim(s.db.QueryRow(ctx, `SELECT `+simColumns+` FROM sim_transfers WHERE transaction_id = $1`,
		transactionID))
	if err != nil {
		return sim.Transfer{}, translate("get sim transfer", err)
	}
	return t, nil
}

// DueSimTransfers returns up to limit unreported transfers that are final or
// due to settle by now, oldest first.
func (s *Store) DueSimTransfers(ctx context.Context, now time.Time, limit int) ([]sim.Transfer, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+simColumns+` FROM sim_transfers
		WHERE NOT reported AND (status <> 'PENDING' OR (settle_at IS NOT NULL AND settle_at <= $1))
		ORDER BY created_at, transaction_id
		LIMIT $2`,
		now, limit)
	if err != nil {
		return nil, translate("due sim transfers", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sim.Transfer, error) { return scanSim(r) })
	return ts, translate("due sim transfers", err)
}

// DecideSimTransfer makes a PENDING transfer final; false when it was not
// PENDING, gateway.ErrNotFound for an unknown id.
func (s *Store) DecideSimTransfer(ctx context.Context, transactionID, status string, failedCode int, failedMessage string, at time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE sim_transfers SET status = $2, failed_code = $3, failed_message = $4, updated_at = $5
		WHERE transaction_id = $1 AND status = 'PENDING'`,
		transactionID, status, failedCode, failedMessage, at)
	if err != nil {
		return false, translate("decide sim transfer", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if _, err := s.GetSimTransfer(ctx, transactionID); err != nil {
		return false, err
	}
	return false, nil
}

// MarkSimReported flags a transfer as reported to the gateway;
// gateway.ErrNotFound for an unknown id.
func (s *Store) MarkSimReported(ctx context.Context, transactionID string) error {
	tag, err := s.db.Exec(ctx, `UPDATE sim_transfers SET reported = true WHERE transaction_id = $1`, transactionID)
	if err != nil {
		return translate("mark sim reported", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: mark sim reported %s: %w", transactionID, gateway.ErrNotFound)
	}
	return nil
}

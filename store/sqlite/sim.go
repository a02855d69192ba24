package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

const simColumns = `transaction_id, account_no, currency, amount, status, failed_code, failed_message,
	settle_at, reported, created_at, updated_at`

func scanSim(row scanner) (sim.Transfer, error) {
	var t sim.Transfer
	var settle sql.NullInt64
	var created, updated int64
	err := row.Scan(&t.TransactionID, &t.AccountNo, &t.Currency, &t.Amount, &t.Status, &t.FailedCode,
		&t.FailedMessage, &settle, &t.Reported, &created, &updated)
	t.SettleAt, t.CreatedAt, t.UpdatedAt = fromNullMS(settle), fromMS(created), fromMS(updated)
	return t, err
}

// InsertSimTransfer stores t unless a transfer with its transaction id
// exists, and returns the stored transfer either way.
func (s *Store) InsertSimTransfer(ctx context.Context, t sim.Transfer) (sim.Transfer, error) {
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO sim_transfers (`+simColumns+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
		ON CONFLICT (transaction_id) DO NOTHING`,
		t.TransactionID, t.AccountNo, t.Currency, t.Amount, t.Status, t.FailedCode, t.FailedMessage,
		nullMS(t.SettleAt), boolInt(t.Reported), ms(t.CreatedAt), ms(t.UpdatedAt))
	if err != nil {
		return sim.Transfer{}, translate("insert sim transfer", err)
	}
	return getSimTransfer(ctx, s.w(), t.TransactionID)
}

// GetSimTransfer returns a transfer; gateway.ErrNotFound for an unknown id.
func (s *Store) GetSimTransfer(ctx context.Context, transactionID string) (sim.Transfer, error) {
	return getSimTransfer(ctx, s.queries, transactionID)
}

func getSimTransfer(ctx context.Context, q queries, transactionID string) (sim.Transfer, error) {
	t, err := scanSim(q.db.QueryRowContext(ctx, `SELECT `+simColumns+` FROM sim_transfers WHERE transaction_id = ?1`,
		transactionID))
	if err != nil {
		return sim.Transfer{}, translate("get sim transfer", err)
	}
	return t, nil
}

// DueSimTransfers returns up to limit unreported transfers that are final or
// due to settle by now, oldest first.
func (s *Store) DueSimTransfers(ctx context.Context, now time.Time, limit int) ([]sim.Transfer, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+simColumns+` FROM sim_transfers
		WHERE NOT reported AND (status <> 'PENDING' OR (settle_at IS NOT NULL AND settle_at <= ?1))
		ORDER BY created_at, transaction_id
		LIMIT ?2`,
		ms(now), limit)
	return collect("due sim transfers", rows, err, scanSim)
}

// DecideSimTransfer makes a PENDING transfer final; false when it was not
// PENDING, gateway.ErrNotFound for an unknown id.
func (s *Store) DecideSimTransfer(ctx context.Context, transactionID, status string, failedCode int, failedMessage string, at time.Time) (bool, error) {
	n, err := s.w().exec(ctx, "decide sim transfer", `
		UPDATE sim_transfers SET status = ?2, failed_code = ?3, failed_message = ?4, updated_at = ?5
		WHERE transaction_id = ?1 AND status = 'PENDING'`,
		transactionID, status, failedCode, failedMessage, ms(at))
	if err != nil || n == 1 {
		return n == 1, err
	}
	if _, err := getSimTransfer(ctx, s.w(), transactionID); err != nil {
		return false, err
	}
	return false, nil
}

// MarkSimReported flags a transfer as reported to the gateway;
// gateway.ErrNotFound for an unknown id.
func (s *Store) MarkSimReported(ctx context.Context, transactionID string) error {
	n, err := s.w().exec(ctx, "mark sim reported",
		`UPDATE sim_transfers SET reported = 1 WHERE transaction_id = ?1`, transactionID)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: mark sim reported %s: %w", transactionID, gateway.ErrNotFound)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

const simPaymentColumns = `id, transaction_id, amount, reported, created_at, static_code_id`

func scanSimPayment(row scanner) (sim.Payment, error) {
	var p sim.Payment
	var created int64
	var code sql.NullString
	err := row.Scan(&p.ID, &p.TransactionID, &p.Amount, &p.Reported, &created, &code)
	p.CreatedAt, p.StaticCodeID = fromMS(created), code.String
	return p, err
}

// InsertSimPayment stores p; a *gateway.DuplicateError with Key
// "sim_payment_id" when its ID is taken.
func (s *Store) InsertSimPayment(ctx context.Context, p sim.Payment) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO sim_payments (`+simPaymentColumns+`) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
		p.ID, p.TransactionID, p.Amount, boolInt(p.Reported), ms(p.CreatedAt), nullString(p.StaticCodeID))
	return translate("insert sim payment", err)
}

// UnreportedSimPayments returns up to limit payments not yet reported,
// oldest first.
func (s *Store) UnreportedSimPayments(ctx context.Context, limit int) ([]sim.Payment, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+simPaymentColumns+` FROM sim_payments
		WHERE NOT reported
		ORDER BY created_at, id
		LIMIT ?1`,
		limit)
	return collect("unreported sim payments", rows, err, scanSimPayment)
}

// MarkSimPaymentReported flags a payment as reported to the gateway;
// gateway.ErrNotFound for an unknown id.
func (s *Store) MarkSimPaymentReported(ctx context.Context, id string) error {
	n, err := s.w().exec(ctx, "mark sim payment reported", `UPDATE sim_payments SET reported = 1 WHERE id = ?1`, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: mark sim payment reported %s: %w", id, gateway.ErrNotFound)
	}
	return nil
}

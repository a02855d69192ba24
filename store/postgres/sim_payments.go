package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

const simPaymentColumns = `id, transaction_id, amount, reported, created_at, static_code_id`

func scanSimPayment(row pgx.Row) (sim.Payment, error) {
	var p sim.Payment
	var code *string
	err := row.Scan(&p.ID, &p.TransactionID, &p.Amount, &p.Reported, &p.CreatedAt, &code)
	p.CreatedAt = p.CreatedAt.UTC()
	if code != nil {
		p.StaticCodeID = *code
	}
	return p, err
}

// InsertSimPayment stores p; a *gateway.DuplicateError with Key
// "sim_payment_id" when its ID is taken.
func (s *Store) InsertSimPayment(ctx context.Context, p sim.Payment) error {
	_, err := s.db.Exec(ctx, `INSERT INTO sim_payments (`+simPaymentColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.ID, p.TransactionID, p.Amount, p.Reported, p.CreatedAt, nullString(p.StaticCodeID))
	return translate("insert sim payment", err)
}

// UnreportedSimPayments returns up to limit payments not yet reported,
// oldest first.
func (s *Store) UnreportedSimPayments(ctx context.Context, limit int) ([]sim.Payment, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+simPaymentColumns+` FROM sim_payments
		WHERE NOT reported
		ORDER BY created_at, id
		LIMIT $1`,
		limit)
	if err != nil {
		return nil, translate("unreported sim payments", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sim.Payment, error) { return scanSimPayment(r) })
	return ps, translate("unreported sim payments", err)
}

// MarkSimPaymentReported flags a payment as reported to the gateway;
// gateway.ErrNotFound for an unknown id.
func (s *Store) MarkSimPaymentReported(ctx context.Context, id string) error {
	tag, err := s.db.Exec(ctx, `UPDATE sim_payments SET reported = true WHERE id = $1`, id)
	if err != nil {
		return translate("mark sim payment reported", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: mark sim payment reported %s: %w", id, gateway.ErrNotFound)
	}
	return nil
}

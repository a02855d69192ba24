package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
)

const paymentColumns = `transaction_id, app_id, merchant_id, mch_order_id, country_code, currency,
	amount, paid_amount, fee, channel_type, channel_code, pay_data, customer_name, email, mobile,
	terminal_type, notify_url, redirect_url, remark, status, flag, channel_ref,
	expire_at, settle_at, settled_at, created_at, updated_at, finished_at, static_code_id, dialect`

func scanPayment(row pgx.Row) (gateway.Payment, error) {
	var p gateway.Payment
	var status string
	var ref, code *string
	var settle, settled, finished *time.Time
	err := row.Scan(&p.TransactionID, &p.AppID, &p.MerchantID, &p.MchOrderID, &p.CountryCode, &p.Currency,
		&p.Amount, &p.PaidAmount, &p.Fee, &p.ChannelType, &p.ChannelCode, &p.PayData, &p.CustomerName,
		&p.Email, &p.Mobile, &p.TerminalType, &p.NotifyURL, &p.RedirectURL, &p.Remark, &status, &p.Flag,
		&ref, &p.ExpireAt, &settle, &settled, &p.CreatedAt, &p.UpdatedAt, &finished, &code, &p.Dialect)
	if err != nil {
		return gateway.Payment{}, err
	}
	if ref != nil {
		p.ChannelRef = *ref
	}
	if code != nil {
		p.StaticCodeID = *code
	}
	p.Status = gateway.Status(status)
	p.ExpireAt, p.CreatedAt, p.UpdatedAt = p.ExpireAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.SettleAt, p.SettledAt, p.FinishedAt = fromNull(settle), fromNull(settled), fromNull(finished)
	return p, nil
}

// InsertPayment stores p; a *gateway.DuplicateError with Key "mch_order_id",
// "transaction_id" or "channel_ref" when one of them is taken. An empty
// ChannelRef is stored as NULL, so unpaid payments never collide on it.
func (t *tx) InsertPayment(ctx context.Context, p gateway.Payment) error {
	_, err := t.db.Exec(ctx, `
		INSERT INTO payments (`+paymentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
			$20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)`,
		p.TransactionID, p.AppID, p.MerchantID, p.MchOrderID, p.CountryCode, p.Currency,
		p.Amount, p.PaidAmount, p.Fee, p.ChannelType, p.ChannelCode, p.PayData, p.CustomerName,
		p.Email, p.Mobile, p.TerminalType, p.NotifyURL, p.RedirectURL, p.Remark, string(p.Status), p.Flag,
		nullString(p.ChannelRef), p.ExpireAt, nullTime(p.SettleAt), nullTime(p.SettledAt),
		p.CreatedAt, p.UpdatedAt, nullTime(p.FinishedAt), nullString(p.StaticCodeID), p.Dialect)
	return translate("insert payment", err)
}

// CompletePayment makes a PENDING or EXPIRED payment COMPLETED. It returns
// false, changing nothing, when the payment was in another status (or does
// not exist), and a *gateway.DuplicateError with Key "channel_ref" when
// another payment of the channel holds channelRef.
func (t *tx) CompletePayment(ctx context.Context, transactionID string, paid, fee int64, flag, channelRef string, settleAt, at time.Time) (bool, error) {
	tag, err := t.db.Exec(ctx, `
		UPDATE payments SET status = 'COMPLETED', paid_amount = $2, fee = $3, flag = $4, channel_ref = $5,
			settle_at = $6, finished_at = $7, updated_at = $7
		WHERE transaction_id = $1 AND status IN ('PENDING', 'EXPIRED')`,
		transactionID, paid, fee, flag, nullString(channelRef), nullTime(settleAt), at)
	if err != nil {
		return false, translate("complete payment", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ExpirePayment moves a PENDING payment to EXPIRED; false when it was not
// PENDING (or does not exist).
func (t *tx) ExpirePayment(ctx context.Context, transactionID string, at time.Time) (bool, error) {
	tag, err := t.db.Exec(ctx, `
		UPDATE payments SET status = 'EXPIRED', finished_at = $2, updated_at = $2
		WHERE transaction_id = $1 AND status = 'PENDING'`,
		transactionID, at)
	if err != nil {
		return false, translate("expire payment", err)
	}
	return tag.RowsAffected() == 1, nil
}

// MarkPaymentSettled stamps a COMPLETED payment's SettledAt; false when it
// was settled already (or is not COMPLETED, or does not exist).
func (t *tx) MarkPaymentSettled(ctx context.Context, transactionID string, at time.Time) (bool, error) {
	tag, err := t.db.Exec(ctx, `
		UPDATE payments SET settled_at = $2, updated_at = $2
		WHERE transaction_id = $1 AND status = 'COMPLETED' AND settled_at IS NULL`,
		transactionID, at)
	if err != nil {
		return false, translate("mark payment settled", err)
	}
	return tag.RowsAffected() == 1, nil
}

// SetSettlementDelay stores a merchant's settlement delay, to the
// millisecond; gateway.ErrNotFound for an unknown merchant.
func (t *tx) SetSettlementDelay(ctx context.Context, merchantID string, d time.Duration) error {
	tag, err := t.db.Exec(ctx, `UPDATE merchants SET settlement_delay_ms = $2 WHERE id = $1`,
		merchantID, d.Milliseconds())
	if err != nil {
		return translate("set settlement delay", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: set settlement delay %s: %w", merchantID, gateway.ErrNotFound)
	}
	return nil
}

func (q queries) GetPayment(ctx context.Context, appID string, ref gateway.OrderRef) (gateway.Payment, error) {
	var row pgx.Row
	if ref.TransactionID != "" {
		row = q.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE app_id = $1 AND transaction_id = $2`,
			appID, ref.TransactionID)
	} else {
		row = q.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE app_id = $1 AND mch_order_id = $2 AND static_code_id IS NULL`,
			appID, ref.MchOrderID)
	}
	p, err := scanPayment(row)
	return p, translate("get payment", err)
}

func (q queries) GetPaymentByID(ctx context.Context, transactionID string) (gateway.Payment, error) {
	p, err := scanPayment(q.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE transaction_id = $1`,
		transactionID))
	return p, translate("get payment", err)
}

func (q queries) ListPaymentsToExpire(ctx context.Context, now time.Time, limit int) ([]gateway.Payment, error) {
	return q.listPayments(ctx, "list payments to expire", `
		SELECT `+paymentColumns+` FROM payments
		WHERE status = 'PENDING' AND expire_at <= $1
		ORDER BY expire_at, transaction_id
		LIMIT $2`,
		now, limit)
}

func (q queries) ListPaymentsToSettle(ctx context.Context, now time.Time, limit int) ([]gateway.Payment, error) {
	return q.listPayments(ctx, "list payments to settle", `
		SELECT `+paymentColumns+` FROM payments
		WHERE status = 'COMPLETED' AND settled_at IS NULL AND settle_at <= $1
		ORDER BY settle_at, transaction_id
		LIMIT $2`,
		now, limit)
}

func (q queries) listPayments(ctx context.Context, op, sql string, args ...any) ([]gateway.Payment, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.Payment, error) { return scanPayment(r) })
	return ps, translate(op, err)
}

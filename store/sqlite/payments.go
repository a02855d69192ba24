package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

const paymentColumns = `transaction_id, app_id, merchant_id, mch_order_id, country_code, currency,
	amount, paid_amount, fee, channel_type, channel_code, pay_data, customer_name, email, mobile,
	terminal_type, notify_url, redirect_url, remark, status, flag, channel_ref,
	expire_at, settle_at, settled_at, created_at, updated_at, finished_at, static_code_id, dialect`

func scanPayment(row scanner) (gateway.Payment, error) {
	var p gateway.Payment
	var status string
	var ref, code sql.NullString
	var expire, created, updated int64
	var settle, settled, finished sql.NullInt64
	err := row.Scan(&p.TransactionID, &p.AppID, &p.MerchantID, &p.MchOrderID, &p.CountryCode, &p.Currency,
		&p.Amount, &p.PaidAmount, &p.Fee, &p.ChannelType, &p.ChannelCode, &p.PayData, &p.CustomerName,
		&p.Email, &p.Mobile, &p.TerminalType, &p.NotifyURL, &p.RedirectURL, &p.Remark, &status, &p.Flag,
		&ref, &expire, &settle, &settled, &created, &updated, &finished, &code, &p.Dialect)
	if err != nil {
		return gateway.Payment{}, err
	}
	p.ChannelRef, p.StaticCodeID, p.Status = ref.String, code.String, gateway.Status(status)
	p.ExpireAt, p.CreatedAt, p.UpdatedAt = fromMS(expire), fromMS(created), fromMS(updated)
	p.SettleAt, p.SettledAt, p.FinishedAt = fromNullMS(settle), fromNullMS(settled), fromNullMS(finished)
	return p, nil
}

// InsertPayment stores p; a *gateway.DuplicateError with Key "mch_order_id",
// "transaction_id" or "channel_ref" when one of them is taken. An empty
// ChannelRef is stored as NULL, so unpaid payments never collide on it.
func (t *tx) InsertPayment(ctx context.Context, p gateway.Payment) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO payments (`+paymentColumns+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
			?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)`,
		p.TransactionID, p.AppID, p.MerchantID, p.MchOrderID, p.CountryCode, p.Currency,
		p.Amount, p.PaidAmount, p.Fee, p.ChannelType, p.ChannelCode, p.PayData, p.CustomerName,
		p.Email, p.Mobile, p.TerminalType, p.NotifyURL, p.RedirectURL, p.Remark, string(p.Status), p.Flag,
		nullString(p.ChannelRef), ms(p.ExpireAt), nullMS(p.SettleAt), nullMS(p.SettledAt),
		ms(p.CreatedAt), ms(p.UpdatedAt), nullMS(p.FinishedAt), nullString(p.StaticCodeID), p.Dialect)
	return translate("insert payment", err)
}

// CompletePayment makes a PENDING or EXPIRED payment COMPLETED. It returns
// false, changing nothing, when the payment was in another status (or does
// not exist), and a *gateway.DuplicateError with Key "channel_ref" when
// another payment of the channel holds channelRef.
func (t *tx) CompletePayment(ctx context.Context, transactionID string, paid, fee int64, flag, channelRef string, settleAt, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "complete payment", `
		UPDATE payments SET status = 'COMPLETED', paid_amount = ?2, fee = ?3, flag = ?4, channel_ref = ?5,
			settle_at = ?6, finished_at = ?7, updated_at = ?7
		WHERE transaction_id = ?1 AND status IN ('PENDING', 'EXPIRED')`,
		transactionID, paid, fee, flag, nullString(channelRef), nullMS(settleAt), ms(at))
	return n == 1, err
}

// ExpirePayment moves a PENDING payment to EXPIRED; false when it was not
// PENDING (or does not exist).
func (t *tx) ExpirePayment(ctx context.Context, transactionID string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "expire payment", `
		UPDATE payments SET status = 'EXPIRED', finished_at = ?2, updated_at = ?2
		WHERE transaction_id = ?1 AND status = 'PENDING'`,
		transactionID, ms(at))
	return n == 1, err
}

// MarkPaymentSettled stamps a COMPLETED payment's SettledAt; false when it
// was settled already (or is not COMPLETED, or does not exist).
func (t *tx) MarkPaymentSettled(ctx context.Context, transactionID string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "mark payment settled", `
		UPDATE payments SET settled_at = ?2, updated_at = ?2
		WHERE transaction_id = ?1 AND status = 'COMPLETED' AND settled_at IS NULL`,
		transactionID, ms(at))
	return n == 1, err
}

// SetSettlementDelay stores a merchant's settlement delay, to the
// millisecond; gateway.ErrNotFound for an unknown merchant.
func (t *tx) SetSettlementDelay(ctx context.Context, merchantID string, d time.Duration) error {
	n, err := t.exec(ctx, "set settlement delay", `UPDATE merchants SET settlement_delay_ms = ?2 WHERE id = ?1`,
		merchantID, d.Milliseconds())
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: set settlement delay %s: %w", merchantID, gateway.ErrNotFound)
	}
	return nil
}

func (q queries) GetPayment(ctx context.Context, appID string, ref gateway.OrderRef) (gateway.Payment, error) {
	var row *sql.Row
	if ref.TransactionID != "" {
		row = q.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE app_id = ?1 AND transaction_id = ?2`,
			appID, ref.TransactionID)
	} else {
		row = q.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE app_id = ?1 AND mch_order_id = ?2 AND static_code_id IS NULL`,
			appID, ref.MchOrderID)
	}
	p, err := scanPayment(row)
	return p, translate("get payment", err)
}

func (q queries) GetPaymentByID(ctx context.Context, transactionID string) (gateway.Payment, error) {
	p, err := scanPayment(q.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE transaction_id = ?1`,
		transactionID))
	return p, translate("get payment", err)
}

func (q queries) ListPaymentsToExpire(ctx context.Context, now time.Time, limit int) ([]gateway.Payment, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+paymentColumns+` FROM payments
		WHERE status = 'PENDING' AND expire_at <= ?1
		ORDER BY expire_at, transaction_id
		LIMIT ?2`,
		ms(now), limit)
	return collect("list payments to expire", rows, err, scanPayment)
}

func (q queries) ListPaymentsToSettle(ctx context.Context, now time.Time, limit int) ([]gateway.Payment, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+paymentColumns+` FROM payments
		WHERE status = 'COMPLETED' AND settled_at IS NULL AND settle_at <= ?1
		ORDER BY settle_at, transaction_id
		LIMIT ?2`,
		ms(now), limit)
	return collect("list payments to settle", rows, err, scanPayment)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

const refundColumns = `refund_transaction_id, app_id, merchant_id, mch_refund_order_id, original_transaction_id,
	country_code, currency, channel_code, amount, fee_refunded, reason, callback_url, status, failed_code,
	failed_message, channel_state, channel_ref, created_at, updated_at, finished_at, submitted_at`

func scanRefund(row scanner) (gateway.Refund, error) {
	var r gateway.Refund
	var status, state string
	var created, updated int64
	var finished, submitted sql.NullInt64
	err := row.Scan(&r.RefundTransactionID, &r.AppID, &r.MerchantID, &r.MchRefundOrderID, &r.OriginalTransactionID,
		&r.CountryCode, &r.Currency, &r.ChannelCode, &r.Amount, &r.FeeRefunded, &r.Reason, &r.CallbackURL,
		&status, &r.FailedCode, &r.FailedMessage, &state, &r.ChannelRef, &created, &updated,
		&finished, &submitted)
	if err != nil {
		return gateway.Refund{}, err
	}
	r.Status, r.ChannelState = gateway.RefundStatus(status), gateway.ChannelState(state)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	r.FinishedAt, r.SubmittedAt = fromNullMS(finished), fromNullMS(submitted)
	return r, nil
}

// ReserveRefund adds amount to a COMPLETED payment's refunded amount when
// that stays within the paid amount. Transactions run one at a time on the
// writer connection, so the condition is checked against every earlier
// reservation.
func (t *tx) ReserveRefund(ctx context.Context, appID, transactionID string, amount int64) (int64, int64, bool, error) {
	var refunded, fee int64
	err := t.db.QueryRowContext(ctx, `
		UPDATE payments SET refunded_amount = refunded_amount + ?3
		WHERE transaction_id = ?1 AND app_id = ?2 AND status = 'COMPLETED' AND refunded_amount + ?3 <= paid_amount
		RETURNING refunded_amount, fee_refunded`,
		transactionID, appID, amount).Scan(&refunded, &fee)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, translate("reserve refund", err)
	}
	return refunded, fee, true, nil
}

// AddRefundedFee adds fee to a payment's refunded fee.
func (t *tx) AddRefundedFee(ctx context.Context, transactionID string, fee int64) error {
	_, err := t.exec(ctx, "add refunded fee", `UPDATE payments SET fee_refunded = fee_refunded + ?2 WHERE transaction_id = ?1`,
		transactionID, fee)
	return err
}

// ReleaseRefund takes a failed refund's amount and fee off the payment's totals.
func (t *tx) ReleaseRefund(ctx context.Context, transactionID string, amount, fee int64) error {
	_, err := t.exec(ctx, "release refund", `
		UPDATE payments SET refunded_amount = refunded_amount - ?2, fee_refunded = fee_refunded - ?3
		WHERE transaction_id = ?1`,
		transactionID, amount, fee)
	return err
}

// InsertRefund stores r; a *gateway.DuplicateError with Key
// "mch_refund_order_id" or "transaction_id" when one of them is taken.
func (t *tx) InsertRefund(ctx context.Context, r gateway.Refund) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO refunds (`+refundColumns+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)`,
		r.RefundTransactionID, r.AppID, r.MerchantID, r.MchRefundOrderID, r.OriginalTransactionID,
		r.CountryCode, r.Currency, r.ChannelCode, r.Amount, r.FeeRefunded, r.Reason, r.CallbackURL,
		string(r.Status), r.FailedCode, r.FailedMessage, string(r.ChannelState), r.ChannelRef,
		ms(r.CreatedAt), ms(r.UpdatedAt), nullMS(r.FinishedAt), nullMS(r.SubmittedAt))
	return translate("insert refund", err)
}

// FinishRefund makes a PENDING refund final; false when it was not PENDING.
func (t *tx) FinishRefund(ctx context.Context, id string, status gateway.RefundStatus, failedCode int, failedMessage string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "finish refund", `
		UPDATE refunds SET status = ?2, failed_code = ?3, failed_message = ?4, channel_state = 'DONE',
			finished_at = ?5, updated_at = ?5
		WHERE refund_transaction_id = ?1 AND status = 'PENDING'`,
		id, string(status), failedCode, failedMessage, ms(at))
	return n == 1, err
}

// SetRefundChannel records a PENDING refund's channel state and reference.
func (t *tx) SetRefundChannel(ctx context.Context, id string, state gateway.ChannelState, channelRef string, at time.Time) error {
	_, err := t.exec(ctx, "set refund channel", `
		UPDATE refunds SET channel_state = ?2, channel_ref = ?3, updated_at = ?4
		WHERE refund_transaction_id = ?1 AND status = 'PENDING'`,
		id, string(state), channelRef, ms(at))
	return err
}

// ClaimRefundSubmission moves a PENDING refund from NEW to UNKNOWN; false
// when it was not NEW.
func (t *tx) ClaimRefundSubmission(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "claim refund submission", `
		UPDATE refunds SET channel_state = 'UNKNOWN', submitted_at = ?2, updated_at = ?2
		WHERE refund_transaction_id = ?1 AND status = 'PENDING' AND channel_state = 'NEW'`,
		id, ms(at))
	return n == 1, err
}

// TouchRefund stamps a PENDING refund's UpdatedAt.
func (t *tx) TouchRefund(ctx context.Context, id string, at time.Time) error {
	_, err := t.exec(ctx, "touch refund", `UPDATE refunds SET updated_at = ?2 WHERE refund_transaction_id = ?1 AND status = 'PENDING'`,
		id, ms(at))
	return err
}

func (q queries) GetRefund(ctx context.Context, appID string, ref gateway.RefundRef) (gateway.Refund, error) {
	var row *sql.Row
	if ref.RefundTransactionID != "" {
		row = q.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE app_id = ?1 AND refund_transaction_id = ?2`,
			appID, ref.RefundTransactionID)
	} else {
		row = q.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE app_id = ?1 AND mch_refund_order_id = ?2`,
			appID, ref.MchRefundOrderID)
	}
	r, err := scanRefund(row)
	return r, translate("get refund", err)
}

func (q queries) GetRefundByID(ctx context.Context, id string) (gateway.Refund, error) {
	r, err := scanRefund(q.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE refund_transaction_id = ?1`, id))
	return r, translate("get refund", err)
}

func (q queries) ListRefunds(ctx context.Context, appID, originalTransactionID string) ([]gateway.Refund, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+refundColumns+` FROM refunds
		WHERE app_id = ?1 AND original_transaction_id = ?2
		ORDER BY created_at, refund_transaction_id`,
		appID, originalTransactionID)
	return collect("list refunds", rows, err, scanRefund)
}

func (q queries) ListRefundsToReconcile(ctx context.Context, updatedBefore time.Time, limit int) ([]gateway.Refund, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+refundColumns+` FROM refunds
		WHERE status = 'PENDING' AND channel_state IN ('NEW', 'SUBMITTED', 'UNKNOWN') AND updated_at < ?1
		ORDER BY updated_at, refund_transaction_id
		LIMIT ?2`,
		ms(updatedBefore), limit)
	return collect("list refunds to reconcile", rows, err, scanRefund)
}

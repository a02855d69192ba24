package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

const payoutColumns = `transaction_id, app_id, merchant_id, mch_order_id, idempotency_id, country_code,
	currency, amount, fee, pay_method, transfer_code, account_no, account_name, account_type, mobile,
	notify_url, remark, status, failed_code, failed_message, channel_state, channel_ref,
	created_at, updated_at, finished_at, submitted_at,
	cci_account_no, id_type, id_card, email, dialect, connector`

func scanPayout(row scanner) (gateway.Payout, error) {
	var p gateway.Payout
	var idem sql.NullString
	var status, state string
	var created, updated int64
	var finished, submitted sql.NullInt64
	err := row.Scan(&p.TransactionID, &p.AppID, &p.MerchantID, &p.MchOrderID, &idem, &p.CountryCode,
		&p.Currency, &p.Amount, &p.Fee, &p.PayMethod, &p.TransferCode, &p.AccountNo, &p.AccountName,
		&p.AccountType, &p.Mobile, &p.NotifyURL, &p.Remark, &status, &p.FailedCode, &p.FailedMessage,
		&state, &p.ChannelRef, &created, &updated, &finished, &submitted,
		&p.CCIAccountNo, &p.IDType, &p.IDCard, &p.Email, &p.Dialect, &p.Connector)
	if err != nil {
		return gateway.Payout{}, err
	}
	p.IdempotencyID = idem.String
	p.Status, p.ChannelState = gateway.Status(status), gateway.ChannelState(state)
	p.CreatedAt, p.UpdatedAt, p.FinishedAt = fromMS(created), fromMS(updated), fromNullMS(finished)
	p.SubmittedAt = fromNullMS(submitted)
	return p, nil
}

// InsertPayout stores p; a *gateway.DuplicateError with Key "mch_order_id",
// "idempotency_id" or "transaction_id" when one of them is taken.
func (t *tx) InsertPayout(ctx context.Context, p gateway.Payout) error {
	_, err := t.db.ExecContext(ctx, insertPayout, payoutArgs(p)...)
	return translate("insert payout", err)
}

const insertPayout = `
	INSERT INTO payouts (` + payoutColumns + `)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
		?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)`

// payoutArgs are p's values in payoutColumns order.
func payoutArgs(p gateway.Payout) []any {
	return []any{p.TransactionID, p.AppID, p.MerchantID, p.MchOrderID, nullString(p.IdempotencyID), p.CountryCode,
		p.Currency, p.Amount, p.Fee, p.PayMethod, p.TransferCode, p.AccountNo, p.AccountName,
		p.AccountType, p.Mobile, p.NotifyURL, p.Remark, string(p.Status), p.FailedCode, p.FailedMessage,
		string(p.ChannelState), p.ChannelRef, ms(p.CreatedAt), ms(p.UpdatedAt), nullMS(p.FinishedAt), nullMS(p.SubmittedAt),
		p.CCIAccountNo, p.IDType, p.IDCard, p.Email, p.Dialect, p.Connector}
}

// FinishPayout makes a PENDING payout final and its channel state DONE. It
// returns false, changing nothing, when the payout was not PENDING (or does
// not exist).
func (t *tx) FinishPayout(ctx context.Context, transactionID string, status gateway.Status, failedCode int, failedMessage string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "finish payout", `
		UPDATE payouts SET status = ?2, failed_code = ?3, failed_message = ?4, channel_state = 'DONE',
			finished_at = ?5, updated_at = ?5
		WHERE transaction_id = ?1 AND status = 'PENDING'`,
		transactionID, string(status), failedCode, failedMessage, ms(at))
	return n == 1, err
}

// SetPayoutChannel records a PENDING payout's channel state and reference;
// it does nothing to a payout that is no longer PENDING.
func (t *tx) SetPayoutChannel(ctx context.Context, transactionID string, state gateway.ChannelState, channelRef string, at time.Time) error {
	_, err := t.db.ExecContext(ctx, `
		UPDATE payouts SET channel_state = ?2, channel_ref = ?3, updated_at = ?4
		WHERE transaction_id = ?1 AND status = 'PENDING'`,
		transactionID, string(state), channelRef, ms(at))
	return translate("set payout channel", err)
}

func (q queries) GetPayout(ctx context.Context, appID string, ref gateway.OrderRef) (gateway.Payout, error) {
	var row *sql.Row
	if ref.TransactionID != "" {
		row = q.db.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM payouts WHERE app_id = ?1 AND transaction_id = ?2`,
			appID, ref.TransactionID)
	} else {
		row = q.db.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM payouts WHERE app_id = ?1 AND mch_order_id = ?2`,
			appID, ref.MchOrderID)
	}
	p, err := scanPayout(row)
	return p, translate("get payout", err)
}

func (q queries) GetPayoutByID(ctx context.Context, transactionID string) (gateway.Payout, error) {
	p, err := scanPayout(q.db.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM payouts WHERE transaction_id = ?1`,
		transactionID))
	return p, translate("get payout", err)
}

func (q queries) ListPayoutsToReconcile(ctx context.Context, updatedBefore time.Time, limit int) ([]gateway.Payout, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+payoutColumns+` FROM payouts
		WHERE status = 'PENDING' AND channel_state IN ('NEW', 'SUBMITTED', 'UNKNOWN') AND updated_at < ?1
		ORDER BY updated_at, transaction_id
		LIMIT ?2`,
		ms(updatedBefore), limit)
	return collect("list payouts to reconcile", rows, err, scanPayout)
}

// PayoutConnectorsInFlight returns the connectors of PENDING payouts that
// were handed to one and are not final.
func (q queries) PayoutConnectorsInFlight(ctx context.Context) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT DISTINCT connector FROM payouts
		WHERE status = 'PENDING' AND channel_state IN ('SUBMITTED', 'UNKNOWN')
		ORDER BY connector`)
	return collect("payout connectors in flight", rows, err, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
}

// ClaimPayoutSubmission moves a PENDING payout from channel state NEW to
// UNKNOWN, records the connector it goes to and stamps SubmittedAt, so that
// exactly one caller hands it to the channel; false when it was not NEW
// (another caller has it, or it is done).
func (t *tx) ClaimPayoutSubmission(ctx context.Context, transactionID, connector string, at time.Time) (bool, error) {
	res, err := t.db.ExecContext(ctx, `
		UPDATE payouts SET channel_state = 'UNKNOWN', connector = ?3, submitted_at = ?2, updated_at = ?2
		WHERE transaction_id = ?1 AND status = 'PENDING' AND channel_state = 'NEW'`,
		transactionID, ms(at), connector)
	if err != nil {
		return false, translate("claim payout submission", err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate("claim payout submission", err)
}

// TouchPayout stamps a PENDING payout's UpdatedAt and nothing else.
func (t *tx) TouchPayout(ctx context.Context, transactionID string, at time.Time) error {
	_, err := t.db.ExecContext(ctx, `UPDATE payouts SET updated_at = ?2 WHERE transaction_id = ?1 AND status = 'PENDING'`,
		transactionID, ms(at))
	return translate("touch payout", err)
}

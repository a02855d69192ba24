package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
)

const staticCodeColumns = `id, app_id, merchant_id, mch_order_id, country_code, currency, channel_code,
	customer_name, amount, min_amount, max_amount, expire_at, status, pay_data, notify_url, remark,
	created_at, updated_at, cancelled_at`

func scanStaticCode(row pgx.Row) (gateway.StaticCode, error) {
	var c gateway.StaticCode
	var status string
	var expire, cancelled *time.Time
	err := row.Scan(&c.ID, &c.AppID, &c.MerchantID, &c.MchOrderID, &c.CountryCode, &c.Currency, &c.ChannelCode,
		&c.CustomerName, &c.Amount, &c.MinAmount, &c.MaxAmount, &expire, &status, &c.PayData, &c.NotifyURL,
		&c.Remark, &c.CreatedAt, &c.UpdatedAt, &cancelled)
	if err != nil {
		return gateway.StaticCode{}, err
	}
	c.Status = gateway.StaticStatus(status)
	c.ExpireAt, c.CancelledAt = fromNull(expire), fromNull(cancelled)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// InsertStaticCode stores c; a *gateway.DuplicateError with Key
// "mch_order_id" when the app has a static code with its mchOrderId.
func (t *tx) InsertStaticCode(ctx context.Context, c gateway.StaticCode) error {
	_, err := t.db.Exec(ctx, `
		INSERT INTO static_codes (`+staticCodeColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		c.ID, c.AppID, c.MerchantID, c.MchOrderID, c.CountryCode, c.Currency, c.ChannelCode,
		c.CustomerName, c.Amount, c.MinAmount, c.MaxAmount, nullTime(c.ExpireAt), string(c.Status), c.PayData,
		c.NotifyURL, c.Remark, c.CreatedAt, c.UpdatedAt, nullTime(c.CancelledAt))
	return translate("insert static code", err)
}

// LockStaticCode reads a code with FOR UPDATE: cancels and payments of one
// code take turns.
func (t *tx) LockStaticCode(ctx context.Context, id string) (gateway.StaticCode, error) {
	c, err := scanStaticCode(t.db.QueryRow(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE id = $1 FOR UPDATE`, id))
	return c, translate("lock static code", err)
}

// CancelStaticCode moves an ACTIVE code to CANCEL; false when it was not
// ACTIVE (or does not exist).
func (t *tx) CancelStaticCode(ctx context.Context, id string, at time.Time) (bool, error) {
	tag, err := t.db.Exec(ctx, `
		UPDATE static_codes SET status = 'CANCEL', cancelled_at = $2, updated_at = $2
		WHERE id = $1 AND status = 'ACTIVE'`,
		id, at)
	if err != nil {
		return false, translate("cancel static code", err)
	}
	return tag.RowsAffected() == 1, nil
}

func (q queries) GetStaticCode(ctx context.Context, appID string, ref gateway.StaticRef) (gateway.StaticCode, error) {
	var row pgx.Row
	if ref.ID != "" {
		row = q.db.QueryRow(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE app_id = $1 AND id = $2`, appID, ref.ID)
	} else {
		row = q.db.QueryRow(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE app_id = $1 AND mch_order_id = $2`,
			appID, ref.MchOrderID)
	}
	c, err := scanStaticCode(row)
	return c, translate("get static code", err)
}

func (q queries) GetStaticCodeByID(ctx context.Context, id string) (gateway.StaticCode, error) {
	c, err := scanStaticCode(q.db.QueryRow(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE id = $1`, id))
	return c, translate("get static code", err)
}

func (q queries) FindStaticCodes(ctx context.Context, mchOrderID string) ([]gateway.StaticCode, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+staticCodeColumns+` FROM static_codes WHERE mch_order_id = $1 ORDER BY created_at, id`,
		mchOrderID)
	if err != nil {
		return nil, translate("find static codes", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.StaticCode, error) { return scanStaticCode(r) })
	return cs, translate("find static codes", err)
}

func (q queries) ListStaticPayments(ctx context.Context, codeID string, offset, limit int) ([]gateway.Payment, int, error) {
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM payments WHERE static_code_id = $1`, codeID).Scan(&total); err != nil {
		return nil, 0, translate("count static payments", err)
	}
	ps, err := q.listPayments(ctx, "list static payments", `
		SELECT `+paymentColumns+` FROM payments
		WHERE static_code_id = $1
		ORDER BY created_at DESC, transaction_id DESC
		LIMIT $2 OFFSET $3`,
		codeID, limit, offset)
	return ps, total, err
}

func (q queries) GetPaymentByChannelRef(ctx context.Context, channelCode, channelRef string) (gateway.Payment, error) {
	p, err := scanPayment(q.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE channel_code = $1 AND channel_ref = $2`,
		channelCode, channelRef))
	return p, translate("get payment by channel ref", err)
}

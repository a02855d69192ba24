package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

const staticCodeColumns = `id, app_id, merchant_id, mch_order_id, country_code, currency, channel_code,
	customer_name, amount, min_amount, max_amount, expire_at, status, pay_data, notify_url, remark,
	created_at, updated_at, cancelled_at`

func scanStaticCode(row scanner) (gateway.StaticCode, error) {
	var c gateway.StaticCode
	var status string
	var created, updated int64
	var expire, cancelled sql.NullInt64
	err := row.Scan(&c.ID, &c.AppID, &c.MerchantID, &c.MchOrderID, &c.CountryCode, &c.Currency, &c.ChannelCode,
		&c.CustomerName, &c.Amount, &c.MinAmount, &c.MaxAmount, &expire, &status, &c.PayData, &c.NotifyURL,
		&c.Remark, &created, &updated, &cancelled)
	if err != nil {
		return gateway.StaticCode{}, err
	}
	c.Status = gateway.StaticStatus(status)
	c.ExpireAt, c.CancelledAt = fromNullMS(expire), fromNullMS(cancelled)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

// InsertStaticCode stores c; a *gateway.DuplicateError with Key
// "mch_order_id" when the app has a static code with its mchOrderId.
func (t *tx) InsertStaticCode(ctx context.Context, c gateway.StaticCode) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO static_codes (`+staticCodeColumns+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)`,
		c.ID, c.AppID, c.MerchantID, c.MchOrderID, c.CountryCode, c.Currency, c.ChannelCode,
		c.CustomerName, c.Amount, c.MinAmount, c.MaxAmount, nullMS(c.ExpireAt), string(c.Status), c.PayData,
		c.NotifyURL, c.Remark, ms(c.CreatedAt), ms(c.UpdatedAt), nullMS(c.CancelledAt))
	return translate("insert static code", err)
}

// LockStaticCode reads a code; every transaction holds SQLite's write lock
// from its start, so nothing else changes the code until it ends.
func (t *tx) LockStaticCode(ctx context.Context, id string) (gateway.StaticCode, error) {
	return t.GetStaticCodeByID(ctx, id)
}

// CancelStaticCode moves an ACTIVE code to CANCEL; false when it was not
// ACTIVE (or does not exist).
func (t *tx) CancelStaticCode(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "cancel static code", `
		UPDATE static_codes SET status = 'CANCEL', cancelled_at = ?2, updated_at = ?2
		WHERE id = ?1 AND status = 'ACTIVE'`,
		id, ms(at))
	return n == 1, err
}

func (q queries) GetStaticCode(ctx context.Context, appID string, ref gateway.StaticRef) (gateway.StaticCode, error) {
	var row *sql.Row
	if ref.ID != "" {
		row = q.db.QueryRowContext(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE app_id = ?1 AND id = ?2`, appID, ref.ID)
	} else {
		row = q.db.QueryRowContext(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE app_id = ?1 AND mch_order_id = ?2`,
			appID, ref.MchOrderID)
	}
	c, err := scanStaticCode(row)
	return c, translate("get static code", err)
}

func (q queries) GetStaticCodeByID(ctx context.Context, id string) (gateway.StaticCode, error) {
	c, err := scanStaticCode(q.db.QueryRowContext(ctx, `SELECT `+staticCodeColumns+` FROM static_codes WHERE id = ?1`, id))
	return c, translate("get static code", err)
}

func (q queries) FindStaticCodes(ctx context.Context, mchOrderID string) ([]gateway.StaticCode, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+staticCodeColumns+` FROM static_codes WHERE mch_order_id = ?1 ORDER BY created_at, id`,
		mchOrderID)
	return collect("find static codes", rows, err, scanStaticCode)
}

func (q queries) ListStaticPayments(ctx context.Context, codeID string, offset, limit int) ([]gateway.Payment, int, error) {
	var total int
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM payments WHERE static_code_id = ?1`, codeID).Scan(&total); err != nil {
		return nil, 0, translate("count static payments", err)
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+paymentColumns+` FROM payments
		WHERE static_code_id = ?1
		ORDER BY created_at DESC, transaction_id DESC
		LIMIT ?2 OFFSET ?3`,
		codeID, limit, offset)
	ps, err := collect("list static payments", rows, err, scanPayment)
	return ps, total, err
}

func (q queries) GetPaymentByChannelRef(ctx context.Context, channelCode, channelRef string) (gateway.Payment, error) {
	p, err := scanPayment(q.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE channel_code = ?1 AND channel_ref = ?2`,
		channelCode, channelRef))
	return p, translate("get payment by channel ref", err)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// CreateMerchant inserts the merchant, its settlement delay to the
// millisecond, and its first app; a *gateway.DuplicateError with Key
// "merchant_id" or "app_id" when either exists. m.No is not stored: numbers
// come from AssignMerchantNo.
func (t *tx) CreateMerchant(ctx context.Context, m gateway.Merchant, app gateway.App) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO merchants (id, name, disabled, settlement_delay_ms, created_at) VALUES (?1, ?2, ?3, ?4, ?5)`,
		m.ID, m.Name, boolInt(m.Disabled), m.SettlementDelay.Milliseconds(), ms(m.CreatedAt))
	if err != nil {
		return translate("create merchant", err)
	}
	_, err = t.db.ExecContext(ctx, `
		INSERT INTO apps (app_id, merchant_id, public_key_pem, notify_url, ip_allowlist, disabled, created_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
		app.AppID, app.MerchantID, app.PublicKeyPEM, app.NotifyURL, joinList(app.IPAllowlist),
		boolInt(app.Disabled), ms(app.CreatedAt))
	return translate("create app", err)
}

// UpdateApp replaces an app's key, notify URL, allowlist and disabled flag;
// gateway.ErrNotFound for an unknown app. Its merchant and creation time stay.
func (t *tx) UpdateApp(ctx context.Context, app gateway.App) error {
	n, err := t.exec(ctx, "update app", `
		UPDATE apps SET public_key_pem = ?2, notify_url = ?3, ip_allowlist = ?4, disabled = ?5
		WHERE app_id = ?1`,
		app.AppID, app.PublicKeyPEM, app.NotifyURL, joinList(app.IPAllowlist), boolInt(app.Disabled))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: update app %s: %w", app.AppID, gateway.ErrNotFound)
	}
	return nil
}

// SetFee inserts or replaces a merchant's fee for a channel.
func (t *tx) SetFee(ctx context.Context, f gateway.Fee) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO fees (merchant_id, channel, fixed, bps) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (merchant_id, channel) DO UPDATE SET fixed = excluded.fixed, bps = excluded.bps`,
		f.MerchantID, f.Channel, f.Fixed, f.BPS)
	return translate("set fee", err)
}

const merchantColumns = `id, name, disabled, settlement_delay_ms, merchant_no, created_at`

func scanMerchant(row scanner) (gateway.Merchant, error) {
	var m gateway.Merchant
	var delayMS, created int64
	var no sql.NullInt64
	if err := row.Scan(&m.ID, &m.Name, &m.Disabled, &delayMS, &no, &created); err != nil {
		return gateway.Merchant{}, err
	}
	m.SettlementDelay, m.No, m.CreatedAt = time.Duration(delayMS)*time.Millisecond, no.Int64, fromMS(created)
	return m, nil
}

func (q queries) GetMerchant(ctx context.Context, merchantID string) (gateway.Merchant, error) {
	m, err := scanMerchant(q.db.QueryRowContext(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE id = ?1`, merchantID))
	return m, translate("get merchant", err)
}

const appColumns = `app_id, merchant_id, public_key_pem, notify_url, ip_allowlist, disabled, created_at`

func scanApp(row scanner) (gateway.App, error) {
	var a gateway.App
	var allow string
	var created int64
	if err := row.Scan(&a.AppID, &a.MerchantID, &a.PublicKeyPEM, &a.NotifyURL, &allow, &a.Disabled, &created); err != nil {
		return gateway.App{}, err
	}
	a.IPAllowlist, a.CreatedAt = splitList(allow), fromMS(created)
	return a, nil
}

func (q queries) GetApp(ctx context.Context, appID string) (gateway.App, error) {
	a, err := scanApp(q.db.QueryRowContext(ctx, `SELECT `+appColumns+` FROM apps WHERE app_id = ?1`, appID))
	return a, translate("get app", err)
}

func (q queries) FindFee(ctx context.Context, merchantID, channel string) (gateway.Fee, error) {
	f := gateway.Fee{MerchantID: merchantID, Channel: channel}
	err := q.db.QueryRowContext(ctx, `
		SELECT channel, fixed, bps FROM fees
		WHERE merchant_id = ?1 AND channel IN (?2, '*')
		ORDER BY channel = '*'
		LIMIT 1`,
		merchantID, channel).Scan(&f.Channel, &f.Fixed, &f.BPS)
	if errors.Is(err, sql.ErrNoRows) {
		return gateway.Fee{MerchantID: merchantID, Channel: channel}, nil
	}
	return f, translate("find fee", err)
}

// joinList and splitList store an allowlist as one comma-separated column.
func joinList(list []string) string { return strings.Join(list, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

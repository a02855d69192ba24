package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// firstMerchantNo is the number the first merchant gets from
// AssignMerchantNo; later ones count up from it.
const firstMerchantNo = 100001

// GetMerchantByNo finds a merchant by its dialect B number;
// gateway.ErrNotFound when none has it.
func (q queries) GetMerchantByNo(ctx context.Context, no int64) (gateway.Merchant, error) {
	m, err := scanMerchant(q.db.QueryRowContext(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE merchant_no = ?1`, no))
	return m, translate("get merchant by no", err)
}

// ListApps returns the merchant's apps, oldest first (by creation time, then
// app id); none is not an error.
func (q queries) ListApps(ctx context.Context, merchantID string) ([]gateway.App, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+appColumns+` FROM apps WHERE merchant_id = ?1 ORDER BY created_at, app_id`,
		merchantID)
	return collect("list apps", rows, err, scanApp)
}

// AssignMerchantNo returns the merchant's number, first giving it one more
// than the highest number given (firstMerchantNo for the first) when it has
// none; gateway.ErrNotFound for an unknown merchant. Every transaction holds
// the write lock from its start, so two cannot take the same number.
func (t *tx) AssignMerchantNo(ctx context.Context, merchantID string) (int64, error) {
	var no int64
	err := t.db.QueryRowContext(ctx, `
		UPDATE merchants SET merchant_no = (SELECT coalesce(max(merchant_no) + 1, ?2) FROM merchants)
		WHERE id = ?1 AND merchant_no IS NULL
		RETURNING merchant_no`,
		merchantID, firstMerchantNo).Scan(&no)
	if !errors.Is(err, sql.ErrNoRows) {
		return no, translate("assign merchant no", err)
	}
	// It has a number already, or does not exist.
	err = t.db.QueryRowContext(ctx, `SELECT merchant_no FROM merchants WHERE id = ?1`, merchantID).Scan(&no)
	return no, translate("assign merchant no", err)
}

const apiKeyColumns = `id, merchant_no, merchant_id, app_id, sealed, created_at, expires_at`

func scanAPIKey(row scanner) (gateway.APIKey, error) {
	var k gateway.APIKey
	var created int64
	var expires sql.NullInt64
	if err := row.Scan(&k.ID, &k.MerchantNo, &k.MerchantID, &k.AppID, &k.Sealed, &created, &expires); err != nil {
		return gateway.APIKey{}, err
	}
	k.CreatedAt, k.ExpiresAt = fromMS(created), fromNullMS(expires)
	return k, nil
}

// ListAPIKeys returns the merchant's keys that are usable at the given time
// (no expiry, or expiring after it), newest first; none is not an error.
func (q queries) ListAPIKeys(ctx context.Context, merchantNo int64, at time.Time) ([]gateway.APIKey, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+apiKeyColumns+` FROM api_keys
		WHERE merchant_no = ?1 AND (expires_at IS NULL OR expires_at > ?2)
		ORDER BY created_at DESC, id DESC`,
		merchantNo, ms(at))
	return collect("list api keys", rows, err, scanAPIKey)
}

// InsertAPIKey stores k under a new ID; k.ID is ignored. A zero ExpiresAt is
// stored as NULL, no expiry.
func (t *tx) InsertAPIKey(ctx context.Context, k gateway.APIKey) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO api_keys (merchant_no, merchant_id, app_id, sealed, created_at, expires_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
		k.MerchantNo, k.MerchantID, k.AppID, k.Sealed, ms(k.CreatedAt), nullMS(k.ExpiresAt))
	return translate("insert api key", err)
}

// ExpireAPIKeys makes every key of the merchant but keepID expire at the
// given time at the latest; an earlier expiry stays as it is.
func (t *tx) ExpireAPIKeys(ctx context.Context, merchantNo, keepID int64, at time.Time) error {
	_, err := t.db.ExecContext(ctx, `
		UPDATE api_keys SET expires_at = ?3
		WHERE merchant_no = ?1 AND id <> ?2 AND (expires_at IS NULL OR expires_at > ?3)`,
		merchantNo, keepID, ms(at))
	return translate("expire api keys", err)
}

// InsertNonce records that a merchant used a nonce; false, recording
// nothing (not even the new time), when it did already.
func (t *tx) InsertNonce(ctx context.Context, merchantNo int64, nonce string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "insert nonce", `
		INSERT INTO nonces (merchant_no, nonce, seen_at) VALUES (?1, ?2, ?3)
		ON CONFLICT (merchant_no, nonce) DO NOTHING`,
		merchantNo, nonce, ms(at))
	return n == 1, err
}

// DeleteNonces removes the nonces recorded before the given time and
// returns how many it removed.
func (t *tx) DeleteNonces(ctx context.Context, before time.Time) (int64, error) {
	return t.exec(ctx, "delete nonces", `DELETE FROM nonces WHERE seen_at < ?1`, ms(before))
}

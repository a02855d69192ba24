package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
)

// firstMerchantNo is the number the first merchant gets from
// AssignMerchantNo; later ones count up from it.
const firstMerchantNo = 100001

// GetMerchantByNo finds a merchant by its dialect B number;
// gateway.ErrNotFound when none has it.
func (q queries) GetMerchantByNo(ctx context.Context, no int64) (gateway.Merchant, error) {
	m, err := scanMerchant(q.db.QueryRow(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE merchant_no = $1`, no))
	return m, translate("get merchant by no", err)
}

// ListApps returns the merchant's apps, oldest first (by creation time, then
// app id); none is not an error.
func (q queries) ListApps(ctx context.Context, merchantID string) ([]gateway.App, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+appColumns+` FROM apps WHERE merchant_id = $1 ORDER BY created_at, app_id`,
		merchantID)
	if err != nil {
		return nil, translate("list apps", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.App, error) { return scanApp(r) })
	return apps, translate("list apps", err)
}

// AssignMerchantNo returns the merchant's number, first giving it one more
// than the highest number given (firstMerchantNo for the first) when it has
// none; gateway.ErrNotFound for an unknown merchant.
//
// Numbers are given under a transaction-scoped advisory lock, keyed on the
// current schema: a transaction that waits for it reads the highest number
// after the holder committed, so two never take the same one. A merchant's
// number never changes once given, so reading it needs no lock.
func (t *tx) AssignMerchantNo(ctx context.Context, merchantID string) (int64, error) {
	var no *int64
	err := t.db.QueryRow(ctx, `SELECT merchant_no FROM merchants WHERE id = $1 FOR UPDATE`, merchantID).Scan(&no)
	if err != nil || no != nil {
		return deref(no), translate("assign merchant no", err)
	}
	if _, err := t.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kasir.merchant_no:' || coalesce(current_schema(), '')))`); err != nil {
		return 0, translate("assign merchant no: lock", err)
	}
	// Under READ COMMITTED this statement sees every number committed before
	// the lock was granted.
	var given int64
	err = t.db.QueryRow(ctx, `
		UPDATE merchants SET merchant_no = (SELECT coalesce(max(merchant_no) + 1, $2) FROM merchants)
		WHERE id = $1 AND merchant_no IS NULL
		RETURNING merchant_no`,
		merchantID, firstMerchantNo).Scan(&given)
	if !errors.Is(err, pgx.ErrNoRows) {
		return given, translate("assign merchant no", err)
	}
	// Another transaction numbered it meanwhile.
	err = t.db.QueryRow(ctx, `SELECT merchant_no FROM merchants WHERE id = $1`, merchantID).Scan(&given)
	return given, translate("assign merchant no", err)
}

// deref reads a nullable integer column, NULL as 0.
func deref(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

const apiKeyColumns = `id, merchant_no, merchant_id, app_id, sealed, created_at, expires_at`

func scanAPIKey(row pgx.Row) (gateway.APIKey, error) {
	var k gateway.APIKey
	var expires *time.Time
	if err := row.Scan(&k.ID, &k.MerchantNo, &k.MerchantID, &k.AppID, &k.Sealed, &k.CreatedAt, &expires); err != nil {
		return gateway.APIKey{}, err
	}
	k.CreatedAt, k.ExpiresAt = k.CreatedAt.UTC(), fromNull(expires)
	return k, nil
}

// ListAPIKeys returns the merchant's keys that are usable at the given time
// (no expiry, or expiring after it), newest first; none is not an error.
func (q queries) ListAPIKeys(ctx context.Context, merchantNo int64, at time.Time) ([]gateway.APIKey, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+apiKeyColumns+` FROM api_keys
		WHERE merchant_no = $1 AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY created_at DESC, id DESC`,
		merchantNo, at)
	if err != nil {
		return nil, translate("list api keys", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.APIKey, error) { return scanAPIKey(r) })
	return keys, translate("list api keys", err)
}

// InsertAPIKey stores k under a new ID; k.ID is ignored. A zero ExpiresAt is
// stored as NULL, no expiry.
func (t *tx) InsertAPIKey(ctx context.Context, k gateway.APIKey) error {
	_, err := t.db.Exec(ctx, `
		INSERT INTO api_keys (merchant_no, merchant_id, app_id, sealed, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		k.MerchantNo, k.MerchantID, k.AppID, k.Sealed, k.CreatedAt, nullTime(k.ExpiresAt))
	return translate("insert api key", err)
}

// ExpireAPIKeys makes every key of the merchant but keepID expire at the
// given time at the latest; an earlier expiry stays as it is.
func (t *tx) ExpireAPIKeys(ctx context.Context, merchantNo, keepID int64, at time.Time) error {
	_, err := t.db.Exec(ctx, `
		UPDATE api_keys SET expires_at = $3
		WHERE merchant_no = $1 AND id <> $2 AND (expires_at IS NULL OR expires_at > $3)`,
		merchantNo, keepID, at)
	return translate("expire api keys", err)
}

// InsertNonce records that a merchant used a nonce; false, recording
// nothing (not even the new time), when it did already. A concurrent insert
// of the same nonce waits for the first to commit, then records nothing.
func (t *tx) InsertNonce(ctx context.Context, merchantNo int64, nonce string, at time.Time) (bool, error) {
	tag, err := t.db.Exec(ctx, `
		INSERT INTO nonces (merchant_no, nonce, seen_at) VALUES ($1, $2, $3)
		ON CONFLICT (merchant_no, nonce) DO NOTHING`,
		merchantNo, nonce, at)
	if err != nil {
		return false, translate("insert nonce", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteNonces removes the nonces recorded before the given time and
// returns how many it removed.
func (t *tx) DeleteNonces(ctx context.Context, before time.Time) (int64, error) {
	tag, err := t.db.Exec(ctx, `DELETE FROM nonces WHERE seen_at < $1`, before)
	if err != nil {
		return 0, translate("delete nonces", err)
	}
	return tag.RowsAffected(), nil
}

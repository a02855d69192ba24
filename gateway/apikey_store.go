package gateway

import (
	"context"
	"time"
)

// CredentialReader holds the dialect B credential queries of the Store.
type CredentialReader interface {
	// GetMerchantByNo finds a merchant by its dialect B number; ErrNotFound
	// when none has it.
	GetMerchantByNo(ctx context.Context, no int64) (Merchant, error)
	// ListAPIKeys returns the merchant's apiKeys that are usable at the given
	// time (ExpiresAt zero or after it), newest first; none is not an error.
	ListAPIKeys(ctx context.Context, merchantNo int64, at time.Time) ([]APIKey, error)
	// ListApps returns a merchant's apps, oldest first (by CreatedAt, then
	// AppID); none is not an error.
	ListApps(ctx context.Context, merchantID string) ([]App, error)
}

// CredentialTx holds the dialect B credential writes of the Store.
type CredentialTx interface {
	// AssignMerchantNo returns the merchant's number, giving it the next free
	// one (100001 upwards) when it has none, and locks the merchant until the
	// transaction ends, so that two key issues for one merchant run one after
	// the other. ErrNotFound for an unknown merchant.
	AssignMerchantNo(ctx context.Context, merchantID string) (int64, error)
	// InsertAPIKey stores a key; the store assigns its ID.
	InsertAPIKey(ctx context.Context, k APIKey) error
	// ExpireAPIKeys makes every key of the merchant other than keepID expire
	// at the given time at the latest: keys without an expiry, or expiring
	// later, get ExpiresAt = at; earlier expiries stay.
	ExpireAPIKeys(ctx context.Context, merchantNo, keepID int64, at time.Time) error
	// InsertNonce records that a merchant used a nonceStr; false, recording
	// nothing, when that merchant used it already (and it was not pruned).
	InsertNonce(ctx context.Context, merchantNo int64, nonce string, at time.Time) (bool, error)
	// DeleteNonces prunes nonces recorded before the given time and returns
	// how many it removed.
	DeleteNonces(ctx context.Context, before time.Time) (int64, error)
}

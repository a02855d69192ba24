package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// KeySealer encrypts dialect B apiKeys for storage. keys.Sealer is the
// implementation with a master key; without one the gateway stores keys as
// they are (PlainSealer).
type KeySealer interface {
	Seal(plain string) (string, error)
	// Open returns the key; an error when it cannot be decrypted (a wrong
	// master key, or a key sealed with one while none is set).
	Open(sealed string) (string, error)
}

// PlainSealer stores keys unencrypted, marked "plain:" so that a gateway
// with a master key can still read them.
type PlainSealer struct{}

// Seal returns "plain:" and the key.
func (PlainSealer) Seal(plain string) (string, error) { return "plain:" + plain, nil }

// Open undoes Seal.
func (PlainSealer) Open(sealed string) (string, error) {
	if k, ok := strings.CutPrefix(sealed, "plain:"); ok {
		return k, nil
	}
	return "", errors.New("gateway: this apiKey is encrypted and no master key is set (KASIR_MASTER_KEY)")
}

// DefaultKeyGrace is how long a replaced apiKey keeps working after
// RotateAPIKey unless the operator says otherwise.
const DefaultKeyGrace = 24 * time.Hour

// Credential is what a dialect B request is checked against: the merchant
// named by its MerchantId header, the app its requests act as, and the
// apiKeys that may have signed it, newest first.
type Credential struct {
	MerchantNo int64
	App        App
	Keys       []string
}

// IssueAPIKey gives a merchant a new dialect B apiKey, and a merchant number
// first if it has none, bound to its oldest enabled app. Keys issued before
// keep working for grace (0: they stop at once), so that the merchant can
// deploy the new one; negative grace means DefaultKeyGrace. It returns the
// merchant number and the new key, which is shown this once.
func (g *Gateway) IssueAPIKey(ctx context.Context, merchantID string, grace time.Duration) (int64, string, error) {
	if grace < 0 {
		grace = DefaultKeyGrace
	}
	app, err := g.primaryApp(ctx, merchantID)
	if err != nil {
		return 0, "", err
	}
	if err := g.canOpenKeys(ctx, merchantID); err != nil {
		return 0, "", err
	}
	key := randomHex(16)
	sealed, err := g.sealer.Seal(key)
	if err != nil {
		return 0, "", fmt.Errorf("gateway: seal apiKey: %w", err)
	}
	now := g.now()
	var no int64
	err = g.store.InTx(ctx, func(tx Tx) error {
		if no, err = tx.AssignMerchantNo(ctx, merchantID); err != nil {
			return err
		}
		if err := tx.InsertAPIKey(ctx, APIKey{MerchantNo: no, MerchantID: merchantID, AppID: app.AppID, Sealed: sealed, CreatedAt: now}); err != nil {
			return err
		}
		keys, err := tx.ListAPIKeys(ctx, no, now)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.Sealed == sealed {
				return tx.ExpireAPIKeys(ctx, no, k.ID, now.Add(grace))
			}
		}
		return errors.New("gateway: the new apiKey is not listed")
	})
	if err != nil {
		return 0, "", g.storeErr("issue apiKey", err)
	}
	return no, key, nil
}

// canOpenKeys refuses to issue a key next to keys this gateway cannot read:
// an operator who forgot the master key would otherwise store the new key
// unencrypted beside encrypted ones.
func (g *Gateway) canOpenKeys(ctx context.Context, merchantID string) error {
	m, err := g.store.GetMerchant(ctx, merchantID)
	if errors.Is(err, ErrNotFound) {
		return Errorf(KindNotFound, "merchantId", "unknown merchant %q", merchantID)
	}
	if err != nil || m.No == 0 {
		return err
	}
	keys, err := g.store.ListAPIKeys(ctx, m.No, g.now())
	if err != nil {
		return g.storeErr("list apiKeys", err)
	}
	for _, k := range keys {
		if _, err := g.sealer.Open(k.Sealed); err != nil {
			return Errorf(KindInvalid, "masterKey", "cannot read the merchant's current apiKeys (%v); set the master key they were sealed with", err)
		}
	}
	return nil
}

// primaryApp returns the merchant's oldest enabled app, the one dialect B
// acts as.
func (g *Gateway) primaryApp(ctx context.Context, merchantID string) (App, error) {
	apps, err := g.store.ListApps(ctx, merchantID)
	if err != nil {
		return App{}, g.storeErr("list apps", err)
	}
	for _, a := range apps {
		if !a.Disabled {
			return a, nil
		}
	}
	return App{}, Errorf(KindNotFound, "merchantId", "merchant %q has no enabled app", merchantID)
}

// Credential returns the dialect B credential of a merchant number:
// KindNotFound when no merchant has it or it has no usable key,
// KindMerchantUnavailable when the merchant or its app is disabled.
func (g *Gateway) Credential(ctx context.Context, merchantNo int64) (Credential, error) {
	m, err := g.store.GetMerchantByNo(ctx, merchantNo)
	if errors.Is(err, ErrNotFound) {
		return Credential{}, Errorf(KindNotFound, "MerchantId", "unknown MerchantId %d", merchantNo)
	}
	if err != nil {
		return Credential{}, g.storeErr("get merchant", err)
	}
	if m.Disabled {
		return Credential{}, Errorf(KindMerchantUnavailable, "MerchantId", "this merchant is disabled")
	}
	keys, err := g.store.ListAPIKeys(ctx, merchantNo, g.now())
	if err != nil {
		return Credential{}, g.storeErr("list apiKeys", err)
	}
	if len(keys) == 0 {
		return Credential{}, Errorf(KindNotFound, "MerchantId", "MerchantId %d has no valid apiKey", merchantNo)
	}
	app, err := g.App(ctx, keys[0].AppID)
	if err != nil {
		return Credential{}, err
	}
	c := Credential{MerchantNo: merchantNo, App: app}
	for _, k := range keys {
		plain, err := g.sealer.Open(k.Sealed)
		if err != nil {
			g.log.Error("cannot open an apiKey", "merchantNo", merchantNo, "keyId", k.ID, "err", err)
			continue
		}
		c.Keys = append(c.Keys, plain)
	}
	if len(c.Keys) == 0 {
		return Credential{}, &Error{Kind: KindInternal, Message: "internal error"}
	}
	return c, nil
}

// SigningKey returns a merchant's number and the apiKey its dialect B
// notifications are signed with: the oldest key still valid, so that during
// a rotation's grace period the merchant keeps verifying with the key it has
// deployed, and from the old key's expiry with the new one. Disabled
// merchants still get their notifications signed.
func (g *Gateway) SigningKey(ctx context.Context, merchantID string) (int64, string, error) {
	m, err := g.store.GetMerchant(ctx, merchantID)
	if err != nil {
		return 0, "", fmt.Errorf("gateway: signing key of %s: %w", merchantID, err)
	}
	if m.No == 0 {
		return 0, "", fmt.Errorf("gateway: merchant %s has no dialect B number", merchantID)
	}
	keys, err := g.store.ListAPIKeys(ctx, m.No, g.now())
	if err != nil {
		return 0, "", fmt.Errorf("gateway: signing key of %s: %w", merchantID, err)
	}
	if len(keys) == 0 {
		return 0, "", fmt.Errorf("gateway: merchant %s has no valid apiKey", merchantID)
	}
	key, err := g.sealer.Open(keys[len(keys)-1].Sealed)
	if err != nil {
		return 0, "", fmt.Errorf("gateway: signing key of %s: %w", merchantID, err)
	}
	return m.No, key, nil
}

// UseNonce records a dialect B request's nonceStr: KindReplay when the
// merchant sent it within Config.NonceWindow already.
func (g *Gateway) UseNonce(ctx context.Context, merchantNo int64, nonce string) error {
	var fresh bool
	err := g.store.InTx(ctx, func(tx Tx) error {
		var err error
		fresh, err = tx.InsertNonce(ctx, merchantNo, nonce, g.now())
		return err
	})
	if err != nil {
		return g.storeErr("use nonce", err)
	}
	if !fresh {
		return Errorf(KindReplay, "nonceStr", "nonceStr %q was used already; send a fresh one with every request", nonce)
	}
	return nil
}

// PruneNonces forgets nonces older than Config.NonceWindow; limit is
// ignored, the deletion being one statement. It returns how many it removed.
func (g *Gateway) PruneNonces(ctx context.Context, _ int) (int, error) {
	var n int64
	err := g.store.InTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteNonces(ctx, g.now().Add(-g.cfg.NonceWindow))
		return err
	})
	return int(n), err
}

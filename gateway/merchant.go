package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/ledger"
)

// NewMerchant is what an operator gives to onboard a merchant.
type NewMerchant struct {
	Name         string
	PublicKeyPEM string
	NotifyURL    string
	IPAllowlist  []string
}

// CreateMerchant onboards a merchant with one app whose requests are signed
// with the private key of PublicKeyPEM (RSA, 2048 or 4096 bits). Without a
// key the app cannot use dialect A; IssueAPIKey gives it dialect B access.
func (g *Gateway) CreateMerchant(ctx context.Context, nm NewMerchant) (Merchant, App, error) {
	if err := checkText("name", nm.Name, 128); err != nil || strings.TrimSpace(nm.Name) == "" {
		return Merchant{}, App{}, Errorf(KindInvalid, "name", "is required, at most 128 characters")
	}
	if nm.PublicKeyPEM != "" { // a merchant of dialect B alone needs none
		if _, err := ParsePublicKey(nm.PublicKeyPEM); err != nil {
			return Merchant{}, App{}, err
		}
	}
	if err := CheckNotifyURL("notifyUrl", nm.NotifyURL); err != nil {
		return Merchant{}, App{}, err
	}
	if err := g.checkNotifyTarget("notifyUrl", nm.NotifyURL); err != nil {
		return Merchant{}, App{}, err
	}
	if err := checkAllowlist(nm.IPAllowlist); err != nil {
		return Merchant{}, App{}, err
	}
	id, err := g.newID(ctx, "M")
	if err != nil {
		return Merchant{}, App{}, err
	}
	now := g.now()
	m := Merchant{ID: id, Name: strings.TrimSpace(nm.Name), CreatedAt: now}
	app := App{AppID: randomHex(16), MerchantID: m.ID, PublicKeyPEM: nm.PublicKeyPEM,
		NotifyURL: nm.NotifyURL, IPAllowlist: nm.IPAllowlist, CreatedAt: now}
	err = g.store.InTx(ctx, func(tx Tx) error { return tx.CreateMerchant(ctx, m, app) })
	if err != nil {
		return Merchant{}, App{}, g.storeErr("create merchant", err)
	}
	return m, app, nil
}

// App returns an app and checks that it and its merchant may transact:
// KindNotFound for an unknown app, KindMerchantUnavailable for a disabled one.
//
// An enabled app is remembered for Config.CacheTTL (see ttlCache): an app or
// merchant disabled by another process is refused within that time, one
// changed through this Gateway at once.
func (g *Gateway) App(ctx context.Context, appID string) (App, error) {
	if app, ok := g.apps.get(appID); ok {
		return app, nil
	}
	gen := g.apps.generation()
	app, err := g.store.GetApp(ctx, appID)
	if errors.Is(err, ErrNotFound) {
		return App{}, Errorf(KindNotFound, "appId", "unknown appId")
	}
	if err != nil {
		return App{}, g.storeErr("get app", err)
	}
	if app.Disabled {
		return App{}, Errorf(KindMerchantUnavailable, "appId", "this app is disabled")
	}
	m, err := g.store.GetMerchant(ctx, app.MerchantID)
	if err != nil {
		return App{}, g.storeErr("get merchant", err)
	}
	if m.Disabled {
		return App{}, Errorf(KindMerchantUnavailable, "appId", "this merchant is disabled")
	}
	g.apps.put(app.AppID, app, gen)
	return app, nil
}

// UpdateApp replaces an app's settings (public key, notify URL, allowlist,
// disabled), validating them as CreateMerchant does.
func (g *Gateway) UpdateApp(ctx context.Context, app App) error {
	if app.PublicKeyPEM == "" {
		// A dialect B-only app has no key; an app's key can be replaced but not removed.
		stored, err := g.store.GetApp(ctx, app.AppID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return g.storeErr("update app", err)
		}
		if err == nil && stored.PublicKeyPEM != "" {
			return Errorf(KindInvalid, "publicKey", "required: an app's public key can be replaced but not removed")
		}
	} else if _, err := ParsePublicKey(app.PublicKeyPEM); err != nil {
		return err
	}
	if err := CheckNotifyURL("notifyUrl", app.NotifyURL); err != nil {
		return err
	}
	if err := g.checkNotifyTarget("notifyUrl", app.NotifyURL); err != nil {
		return err
	}
	if err := checkAllowlist(app.IPAllowlist); err != nil {
		return err
	}
	defer g.apps.forget(app.AppID) // after the commit too: no App that read before it may put its value back
	err := g.store.InTx(ctx, func(tx Tx) error { return tx.UpdateApp(ctx, app) })
	if errors.Is(err, ErrNotFound) {
		return Errorf(KindNotFound, "appId", "unknown appId")
	}
	if err != nil {
		return g.storeErr("update app", err)
	}
	return nil
}

// SetFee sets a merchant's fee for a channel ("*" for its default).
func (g *Gateway) SetFee(ctx context.Context, f Fee) error {
	if f.Fixed < 0 || f.BPS < 0 || f.BPS > 10000 {
		return Errorf(KindInvalid, "fee", "fixed must be >= 0 and bps between 0 and 10000")
	}
	if f.Channel == "" {
		f.Channel = "*"
	}
	if _, err := g.store.GetMerchant(ctx, f.MerchantID); errors.Is(err, ErrNotFound) {
		return Errorf(KindNotFound, "merchantId", "unknown merchant %q", f.MerchantID)
	}
	defer g.fees.clear() // after the commit: no lookup that read before it may put its value back
	if err := g.store.InTx(ctx, func(tx Tx) error { return tx.SetFee(ctx, f) }); err != nil {
		return g.storeErr("set fee", err)
	}
	return nil
}

// CreditBalance funds a merchant's available balance from the platform
// funding account with one balanced entry, and returns the entry's id.
func (g *Gateway) CreditBalance(ctx context.Context, merchantID, currency string, amount int64) (string, error) {
	if amount <= 0 {
		return "", Errorf(KindAmount, "amount", "must be a positive number of minor units")
	}
	if !currencyKnown(currency) {
		return "", Errorf(KindInvalid, "currency", "unknown currency %q", currency)
	}
	if _, err := g.store.GetMerchant(ctx, merchantID); errors.Is(err, ErrNotFound) {
		return "", Errorf(KindNotFound, "merchantId", "unknown merchant %q", merchantID)
	}
	id, err := g.newID(ctx, "F")
	if err != nil {
		return "", err
	}
	e := ledger.Entry{ID: id, Kind: "funding", Ref: merchantID, At: g.now(), Postings: []ledger.Posting{
		{Account: ledger.PlatformFunding(currency), Currency: currency, Amount: -amount},
		{Account: ledger.MerchantAvailable(merchantID, currency), Currency: currency, Amount: amount},
	}}
	if err := g.store.InTx(ctx, func(tx Tx) error { return tx.PostEntry(ctx, e) }); err != nil {
		return "", g.storeErr("credit balance", err)
	}
	return id, nil
}

// Balance is a merchant's money in one currency, in minor units.
type Balance struct {
	Currency  string
	Available int64 // may be spent
	Pending   int64 // collected, not yet settled
	Held      int64 // held for orders in flight
}

// Balance returns a merchant's balance in a currency.
func (g *Gateway) Balance(ctx context.Context, merchantID, currency string) (Balance, error) {
	accounts, err := g.store.MerchantBalances(ctx, merchantID)
	if err != nil {
		return Balance{}, g.storeErr("balance", err)
	}
	b := Balance{Currency: currency}
	for _, a := range accounts {
		switch a.Account {
		case ledger.MerchantAvailable(merchantID, currency):
			b.Available = a.Amount
		case ledger.MerchantPending(merchantID, currency):
			b.Pending = a.Amount
		case ledger.MerchantHeld(merchantID, currency):
			b.Held = a.Amount
		}
	}
	return b, nil
}

// CheckLedger runs the store's full ledger check.
func (g *Gateway) CheckLedger(ctx context.Context) (ledger.CheckReport, error) {
	return g.store.CheckLedger(ctx)
}

func currencyKnown(cur string) bool {
	for _, c := range Countries {
		if c.Currency == cur {
			return true
		}
	}
	return false
}

// ParsePublicKey parses a PEM RSA public key ("PUBLIC KEY" or "RSA PUBLIC
// KEY") of 2048 to 4096 bits.
func ParsePublicKey(pemText string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, Errorf(KindInvalid, "publicKey", "is not PEM")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, Errorf(KindInvalid, "publicKey", "PEM block %q is not a public key", block.Type)
	}
	if err != nil {
		return nil, Errorf(KindInvalid, "publicKey", "cannot be parsed: %v", err)
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, Errorf(KindInvalid, "publicKey", "is not an RSA key")
	}
	if bits := rsaPub.N.BitLen(); bits < 2048 || bits > 4096 {
		return nil, Errorf(KindInvalid, "publicKey", "must be 2048 to 4096 bits, got %d", bits)
	}
	return rsaPub, nil
}

func checkAllowlist(list []string) error {
	for _, s := range list {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err != nil {
			return Errorf(KindInvalid, "ipAllowlist", "%q is not an IP address or CIDR", s)
		}
	}
	return nil
}

// Allowed reports whether addr may call the app's API.
func (a App) Allowed(addr netip.Addr) bool {
	if len(a.IPAllowlist) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, s := range a.IPAllowlist {
		if p, err := netip.ParsePrefix(s); err == nil && p.Contains(addr) {
			return true
		}
		if a2, err := netip.ParseAddr(s); err == nil && a2.Unmap() == addr {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// SetSettlementDelay sets how long a merchant's collected money stays
// pending before it becomes available (0: at once).
func (g *Gateway) SetSettlementDelay(ctx context.Context, merchantID string, d time.Duration) error {
	if d < 0 || d > 90*24*time.Hour {
		return Errorf(KindInvalid, "settlementDelay", "must be between 0 and 90 days")
	}
	err := g.store.InTx(ctx, func(tx Tx) error { return tx.SetSettlementDelay(ctx, merchantID, d.Truncate(time.Millisecond)) })
	if errors.Is(err, ErrNotFound) {
		return Errorf(KindNotFound, "merchantId", "unknown merchant %q", merchantID)
	}
	if err != nil {
		return g.storeErr("set settlement delay", err)
	}
	return nil
}

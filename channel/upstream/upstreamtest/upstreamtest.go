// Package upstreamtest starts a real Kasir in-process to play the upstream
// gateway in tests of the upstream connectors: the core on a fresh store,
// the simulator behind it, and both API dialects on a loopback listener,
// with one merchant that is "us". Tests settle the upstream's payouts
// explicitly (Settle), so nothing runs in the background.
package upstreamtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/api/header"
	"github.com/kasir-gateway/kasir/api/open"
	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// ClosedChannel is a payout channel the upstream does not serve: creating a
// payout to it is refused with "channel unavailable".
const ClosedChannel = "PNB"

// Upstream is a running upstream Kasir.
type Upstream struct {
	URL   string
	GW    *gateway.Gateway
	Sim   *sim.Sim
	Store storetest.Store
	Srv   *httptest.Server

	Merchant gateway.Merchant
	App      gateway.App
	// Key is our merchant key at the upstream (dialect A).
	Key *rsa.PrivateKey
	// MerchantNo and APIKey are our dialect B credentials there.
	MerchantNo int64
	APIKey     string
	// PlatformKey is a platform key for signing notifications as the
	// upstream would (the upstream here sends none by itself).
	PlatformKey *rsa.PrivateKey
}

// router serves every channel through the simulator but ClosedChannel.
type router struct{ *sim.Sim }

func (r router) Routes(channel string) []gateway.Route {
	if channel == ClosedChannel {
		return nil
	}
	return r.Sim.Routes(channel)
}

// Start starts an upstream on a fresh store of eng, stopped when the test
// ends. Its merchant ("us") is funded with fund minor units of PHP and PEN
// (none when fund is 0), with no fee.
func Start(t testing.TB, eng storetest.Engine, fund int64) *Upstream {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st := eng.Open(t)
	s := sim.New(st, sim.Options{Logger: log})
	gw, err := gateway.New(ctx, st, router{s}, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s.SetResults(gw)
	mux := http.NewServeMux()
	mux.Handle("/open-api/", open.NewHandler(gw, open.Options{Logger: log}))
	mux.Handle("/api/", header.NewHandler(gw, header.Options{Logger: log}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	u := &Upstream{URL: srv.URL, GW: gw, Sim: s, Store: st, Srv: srv, Key: MerchantKey(), PlatformKey: PlatformKey()}
	u.Merchant, u.App, err = gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Downstream", PublicKeyPEM: PublicPEM(u.Key)})
	if err != nil {
		t.Fatal(err)
	}
	if u.MerchantNo, u.APIKey, err = gw.IssueAPIKey(ctx, u.Merchant.ID, 0); err != nil {
		t.Fatal(err)
	}
	if fund > 0 {
		for _, cur := range []string{"PHP", "PEN"} {
			if _, err := gw.CreditBalance(ctx, u.Merchant.ID, cur, fund); err != nil {
				t.Fatal(err)
			}
		}
	}
	return u
}

// Settle hands the upstream's payout (by its transaction id) to its
// simulator and reports the simulator's decision back, as the upstream's
// background loops would; it returns the payout as the upstream then has it.
func (u *Upstream) Settle(t testing.TB, upstreamTxID string) gateway.Payout {
	t.Helper()
	ctx := context.Background()
	if err := u.GW.SubmitPayout(ctx, upstreamTxID); err != nil {
		t.Fatalf("upstream submit %s: %v", upstreamTxID, err)
	}
	if _, err := u.Sim.ReportDue(ctx); err != nil {
		t.Fatalf("upstream sim report: %v", err)
	}
	p, err := u.Store.GetPayoutByID(ctx, upstreamTxID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// PayoutByOrder returns the upstream's payout whose merchant order id is
// ours (our transaction id); gateway.ErrNotFound when there is none.
func (u *Upstream) PayoutByOrder(ctx context.Context, mchOrderID string) (gateway.Payout, error) {
	return u.Store.GetPayout(ctx, u.App.AppID, gateway.OrderRef{MchOrderID: mchOrderID})
}

var (
	keysOnce    sync.Once
	merchantKey *rsa.PrivateKey
	platformKey *rsa.PrivateKey
)

func genKeys() {
	keysOnce.Do(func() {
		var err error
		if merchantKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if platformKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
}

// MerchantKey returns one RSA key, per test binary, for our merchant account.
func MerchantKey() *rsa.PrivateKey { genKeys(); return merchantKey }

// PlatformKey returns one RSA key, per test binary, for an upstream's platform.
func PlatformKey() *rsa.PrivateKey { genKeys(); return platformKey }

// PublicPEM encodes k's public half as PKIX PEM.
func PublicPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PrivatePEM encodes k as PKCS #8 PEM.
func PrivatePEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Payout returns a valid payout of ours, not stored anywhere, for a
// connector to submit: a PH GCASH payout, or a PE BCP one when country is
// "PE". accountNo picks the simulator's outcome (see channel/sim).
func Payout(txID, country, accountNo string) gateway.Payout {
	now := time.Now()
	p := gateway.Payout{
		TransactionID: txID, MchOrderID: "M" + txID, CountryCode: "PH", Currency: "PHP", Amount: 15000,
		PayMethod: gateway.MethodEWallet, TransferCode: "GCASH", AccountNo: accountNo, AccountName: "Juan Dela Cruz",
		Status: gateway.StatusPending, ChannelState: gateway.ChannelNew, CreatedAt: now, UpdatedAt: now,
	}
	if country == "PE" {
		p.CountryCode, p.Currency, p.PayMethod, p.TransferCode = "PE", "PEN", gateway.MethodBank, "PE_BCP"
		p.AccountType, p.IDType, p.IDCard, p.Dialect = "1", "1", "12345678", gateway.DialectB
	}
	return p
}

package gateway_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	keyOnce sync.Once
	testPEM string
)

// merchantPEM returns one public key for every merchant of the test binary:
// generating RSA keys is slow and the gateway tests do not sign.
func merchantPEM(t testing.TB) string {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		testPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	})
	return testPEM
}

// bundle is what a gateway test works with.
type bundle struct {
	ctx   context.Context
	store storetest.Store
	gw    *gateway.Gateway
	sim   *sim.Sim
	clock *fakeClock
	app   gateway.App
}

const simDelay = 5 * time.Second

// setup returns a gateway on a fresh database of the engine, with the
// simulator as every channel's connector, and one merchant funded with
// PHP 1,000.00 whose fee is 10.00 + 1%.
func setup(t *testing.T, e storetest.Engine) *bundle {
	t.Helper()
	ctx := context.Background()
	s := e.Open(t)
	clock := &fakeClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	sm := sim.New(s, sim.Options{Delay: simDelay, Clock: clock})
	gw, err := gateway.New(ctx, s, sm, gateway.Options{Clock: clock, Logger: slog.New(slog.DiscardHandler), Config: gateway.Config{ReconcileAfter: time.Minute, NotFoundGrace: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	sm.SetResults(gw)
	_, app, err := gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Sari-Sari Store", PublicKeyPEM: merchantPEM(t), NotifyURL: "https://merchant.example/notify"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.SetFee(ctx, gateway.Fee{MerchantID: app.MerchantID, Channel: "*", Fixed: 1000, BPS: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreditBalance(ctx, app.MerchantID, "PHP", 100_000); err != nil {
		t.Fatal(err)
	}
	return &bundle{ctx: ctx, store: s, gw: gw, sim: sm, clock: clock, app: app}
}

// forEngine runs f as a parallel subtest on PostgreSQL and on SQLite.
func forEngine(t *testing.T, f func(t *testing.T, b *bundle)) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			f(t, setup(t, e))
		})
	}
}

func (b *bundle) balance(t *testing.T) gateway.Balance {
	t.Helper()
	bal, err := b.gw.Balance(b.ctx, b.app.MerchantID, "PHP")
	if err != nil {
		t.Fatal(err)
	}
	return bal
}

func (b *bundle) checkLedger(t *testing.T) {
	t.Helper()
	r, err := b.gw.CheckLedger(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("ledger check failed: %+v", r)
	}
}

func (b *bundle) payout(t *testing.T, id, account string, amount int64) gateway.Payout {
	t.Helper()
	p, err := b.gw.CreatePayout(b.ctx, b.app, bdoPayout(id, account, amount))
	if err != nil {
		t.Fatalf("CreatePayout(%s): %v", id, err)
	}
	return p
}

func bdoPayout(id, account string, amount int64) gateway.PayoutRequest {
	return gateway.PayoutRequest{
		MchOrderID: id, CountryCode: "PH", Currency: "PHP", Amount: amount,
		PayMethod: "BANK", TransferCode: "BDO", AccountNo: account, AccountName: "Juan Dela Cruz",
	}
}

// settle submits the payout, lets the simulated bank take its time, and
// delivers the bank's callbacks.
func (b *bundle) settle(t *testing.T, txID string) gateway.Payout {
	t.Helper()
	if err := b.gw.SubmitPayout(b.ctx, txID); err != nil {
		t.Fatalf("SubmitPayout: %v", err)
	}
	b.clock.Advance(simDelay)
	if _, err := b.sim.ReportDue(b.ctx); err != nil {
		t.Fatalf("ReportDue: %v", err)
	}
	return b.get(t, txID)
}

func (b *bundle) get(t *testing.T, txID string) gateway.Payout {
	t.Helper()
	p, err := b.gw.CheckPayout(b.ctx, b.app.AppID, gateway.OrderRef{TransactionID: txID})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// notifications returns the events queued for merchants about a transaction.
func (b *bundle) notifications(t *testing.T, txID string) []string {
	t.Helper()
	msgs, err := b.store.ListOutbox(b.ctx, txID)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, m := range msgs {
		if m.Topic == gateway.TopicNotify {
			events = append(events, m.Event)
		}
	}
	return events
}

func TestFeeFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fee    gateway.Fee
		amount int64
		want   int64
	}{
		{gateway.Fee{}, 10000, 0},
		{gateway.Fee{Fixed: 1000}, 10000, 1000},
		{gateway.Fee{BPS: 100}, 10000, 100},
		{gateway.Fee{BPS: 100}, 50, 1},                            // 0.5 rounds half up
		{gateway.Fee{BPS: 100}, 49, 0},                            // 0.49 rounds down
		{gateway.Fee{BPS: 250, Fixed: 1500}, 123457, 1500 + 3086}, // 3086.425
	}
	for _, tt := range tests {
		if got := gateway.FeeFor(tt.fee, tt.amount); got != tt.want {
			t.Errorf("FeeFor(%+v, %d) = %d, want %d", tt.fee, tt.amount, got, tt.want)
		}
	}
}

func TestIDsUniqueAndOrdered(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ids := gateway.NewIDs(7, clock)
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 10000; i++ {
		if i%3000 == 0 {
			clock.Advance(-time.Second) // a clock stepping back must not repeat ids
		}
		id := ids.Next("D")
		if seen[id] {
			t.Fatalf("id %s repeated", id)
		}
		if len(id) < len(prev) || (len(id) == len(prev) && id <= prev) {
			t.Fatalf("id %s not after %s", id, prev)
		}
		seen[id], prev = true, id
	}
	other := gateway.NewIDs(8, clock)
	if id := other.Next("D"); seen[id] {
		t.Fatalf("node 8 produced node 7's id %s", id)
	}
}

func asError(err error, target **gateway.Error) bool { return errors.As(err, target) }

// An app without a public key (dialect B only) can be updated; an app with
// one cannot lose it.
func TestUpdateAppPublicKey(t *testing.T) {
	forEngine(t, func(t *testing.T, b *bundle) {
		_, keyless, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: "Dialect B Only"})
		if err != nil {
			t.Fatal(err)
		}
		keyless.Disabled = true
		if err := b.gw.UpdateApp(b.ctx, keyless); err != nil {
			t.Fatalf("disable the keyless app: %v", err)
		}
		if app, _ := b.store.GetApp(b.ctx, keyless.AppID); !app.Disabled {
			t.Error("the keyless app is not disabled")
		}
		app := b.app
		app.PublicKeyPEM = ""
		if err := b.gw.UpdateApp(b.ctx, app); gateway.KindOf(err) != gateway.KindInvalid {
			t.Fatalf("removing an app's key: %v, want invalid", err)
		}
		if stored, _ := b.store.GetApp(b.ctx, app.AppID); stored.PublicKeyPEM == "" {
			t.Error("the app lost its key")
		}
	})
}

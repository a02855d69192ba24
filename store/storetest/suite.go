package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// Run runs the conformance suite against the stores open returns. Every
// subtest opens a store of its own and runs in parallel with the others.
func Run(t *testing.T, open func(t testing.TB) Store) {
	groups := [][]test{merchantTests, txTests, payoutTests, paymentTests, paymentListTests, ledgerTests, outboxTests, miscTests, refundTests, reportTests, staticTests, credentialTests, batchTests, userTests, dashboardTests}
	for _, group := range groups {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, open(t))
			})
		}
	}
}

type test struct {
	name string
	run  func(t *testing.T, s Store)
}

// t0 is the suite's clock: whole milliseconds in UTC, which both engines
// store exactly.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var seq atomic.Int64

// uniq returns a new name with the given prefix.
func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// mustTx runs fn in a transaction that must commit.
func mustTx(t *testing.T, s Store, fn func(tx gateway.Tx) error) {
	t.Helper()
	if err := s.InTx(t.Context(), fn); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

// seedApp creates a merchant with one app.
func seedApp(t *testing.T, s Store) (gateway.Merchant, gateway.App) {
	t.Helper()
	m := gateway.Merchant{ID: uniq("M"), Name: "Toko Kita", CreatedAt: t0}
	app := gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n...",
		NotifyURL: "https://merchant.example/notify", CreatedAt: t0}
	mustTx(t, s, func(tx gateway.Tx) error { return tx.CreateMerchant(t.Context(), m, app) })
	return m, app
}

// fund credits a merchant's available balance from platform funding.
func fund(t *testing.T, s Store, merchantID, currency string, amount int64) {
	t.Helper()
	e := fundingEntry(merchantID, currency, amount)
	mustTx(t, s, func(tx gateway.Tx) error { return tx.PostEntry(t.Context(), e) })
}

func balance(t *testing.T, s Store, account string) int64 {
	t.Helper()
	b, err := s.AccountBalance(t.Context(), account)
	if err != nil {
		t.Fatalf("AccountBalance(%s): %v", account, err)
	}
	return b
}

func check(t *testing.T, s Store) ledger.CheckReport {
	t.Helper()
	r, err := s.CheckLedger(t.Context())
	if err != nil {
		t.Fatalf("CheckLedger: %v", err)
	}
	return r
}

// same fails the test when got and want differ.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// wantDuplicate fails the test unless err is a *gateway.DuplicateError for key.
func wantDuplicate(t *testing.T, what string, err error, key string) {
	t.Helper()
	var dup *gateway.DuplicateError
	if !errors.As(err, &dup) || dup.Key != key {
		t.Errorf("%s: got error %v, want *gateway.DuplicateError{Key: %q}", what, err, key)
	}
}

// rawExecer is the test-only hook both engines' stores have, to corrupt data
// on purpose.
type rawExecer interface {
	ExecRawForTest(ctx context.Context, query string, args ...any) error
}

func execRaw(t *testing.T, s Store, query string) {
	t.Helper()
	r, ok := s.(rawExecer)
	if !ok {
		t.Fatalf("store %T has no ExecRawForTest method, which this test needs", s)
	}
	if err := r.ExecRawForTest(t.Context(), query); err != nil {
		t.Fatalf("ExecRawForTest(%q): %v", query, err)
	}
}

var merchantTests = []test{
	{"MerchantCreateGet", func(t *testing.T, s Store) {
		ctx := t.Context()
		m := gateway.Merchant{ID: uniq("M"), Name: "Warung Sari", Disabled: true, SettlementDelay: 36 * time.Hour,
			CreatedAt: t0}
		app := gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "pem", NotifyURL: "https://n.example/",
			IPAllowlist: []string{"10.0.0.0/8", "192.0.2.7"}, Disabled: true, CreatedAt: t0.Add(time.Second)}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.CreateMerchant(ctx, m, app) })
		gotM, err := s.GetMerchant(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "merchant", gotM, m)
		gotA, err := s.GetApp(ctx, app.AppID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "app", gotA, app)
		_, err = s.GetMerchant(ctx, "nobody")
		wantErr(t, "GetMerchant(unknown)", err, gateway.ErrNotFound)
		_, err = s.GetApp(ctx, "nobody")
		wantErr(t, "GetApp(unknown)", err, gateway.ErrNotFound)
	}},
	{"ErrDuplicateApp", func(t *testing.T, s Store) {
		ctx := t.Context()
		m, app := seedApp(t, s)
		other := gateway.Merchant{ID: uniq("M"), Name: "Other", CreatedAt: t0}
		err := s.InTx(ctx, func(tx gateway.Tx) error {
			return tx.CreateMerchant(ctx, other, gateway.App{AppID: app.AppID, MerchantID: other.ID, PublicKeyPEM: "p", CreatedAt: t0})
		})
		wantDuplicate(t, "same app id", err, "app_id")
		_, err = s.GetMerchant(ctx, other.ID)
		wantErr(t, "merchant of the rolled-back transaction", err, gateway.ErrNotFound)
		err = s.InTx(ctx, func(tx gateway.Tx) error {
			return tx.CreateMerchant(ctx, m, gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "p", CreatedAt: t0})
		})
		wantDuplicate(t, "same merchant id", err, "merchant_id")
	}},
	{"UpdateApp", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		app.PublicKeyPEM, app.NotifyURL, app.Disabled = "new pem", "https://new.example/", true
		app.IPAllowlist = []string{"203.0.113.0/24"}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.UpdateApp(ctx, app) })
		got, err := s.GetApp(ctx, app.AppID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "updated app", got, app)
		app.IPAllowlist = nil
		mustTx(t, s, func(tx gateway.Tx) error { return tx.UpdateApp(ctx, app) })
		if got, _ := s.GetApp(ctx, app.AppID); len(got.IPAllowlist) != 0 {
			t.Errorf("cleared allowlist reads back as %q", got.IPAllowlist)
		}
		err = s.InTx(ctx, func(tx gateway.Tx) error { return tx.UpdateApp(ctx, gateway.App{AppID: "nobody"}) })
		wantErr(t, "UpdateApp(unknown)", err, gateway.ErrNotFound)
	}},
	{"FeeFallback", func(t *testing.T, s Store) {
		ctx := t.Context()
		m, _ := seedApp(t, s)
		find := func(channel string) gateway.Fee {
			t.Helper()
			f, err := s.FindFee(ctx, m.ID, channel)
			if err != nil {
				t.Fatalf("FindFee(%s): %v", channel, err)
			}
			return f
		}
		same(t, "no fees", find("PH_GCASH"), gateway.Fee{MerchantID: m.ID, Channel: "PH_GCASH"})
		setFee := func(f gateway.Fee) { mustTx(t, s, func(tx gateway.Tx) error { return tx.SetFee(ctx, f) }) }
		setFee(gateway.Fee{MerchantID: m.ID, Channel: "*", Fixed: 500, BPS: 10})
		same(t, "default fee", find("PH_GCASH"), gateway.Fee{MerchantID: m.ID, Channel: "*", Fixed: 500, BPS: 10})
		setFee(gateway.Fee{MerchantID: m.ID, Channel: "PH_GCASH", Fixed: 100, BPS: 25})
		same(t, "channel fee", find("PH_GCASH"), gateway.Fee{MerchantID: m.ID, Channel: "PH_GCASH", Fixed: 100, BPS: 25})
		same(t, "other channel", find("PH_MAYA"), gateway.Fee{MerchantID: m.ID, Channel: "*", Fixed: 500, BPS: 10})
		setFee(gateway.Fee{MerchantID: m.ID, Channel: "PH_GCASH", Fixed: 200, BPS: 0})
		same(t, "replaced fee", find("PH_GCASH"), gateway.Fee{MerchantID: m.ID, Channel: "PH_GCASH", Fixed: 200})
		other, _ := seedApp(t, s)
		same(t, "another merchant", func() gateway.Fee {
			f, err := s.FindFee(ctx, other.ID, "PH_GCASH")
			if err != nil {
				t.Fatal(err)
			}
			return f
		}(), gateway.Fee{MerchantID: other.ID, Channel: "PH_GCASH"})
	}},
}

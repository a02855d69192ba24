package storetest

import (
	"errors"
	"sort"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

type customError struct{ code int }

func (e *customError) Error() string { return "custom" }

var txTests = []test{
	{"InTxRollbackOnError", func(t *testing.T, s Store) {
		ctx := t.Context()
		m := gateway.Merchant{ID: uniq("M"), Name: "Gone", CreatedAt: t0}
		app := gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "p", CreatedAt: t0}
		sentinel := errors.New("fn failed")
		err := s.InTx(ctx, func(tx gateway.Tx) error {
			if err := tx.CreateMerchant(ctx, m, app); err != nil {
				return err
			}
			if err := tx.PostEntry(ctx, fundingEntry(m.ID, "IDR", 1000)); err != nil {
				return err
			}
			if err := tx.InsertOutbox(ctx, gateway.OutboxMessage{Topic: gateway.TopicSubmit, AppID: app.AppID,
				TransactionID: "D-gone", NextAttemptAt: t0, CreatedAt: t0}); err != nil {
				return err
			}
			return sentinel
		})
		if err != sentinel {
			t.Errorf("InTx returned %v, want fn's error unchanged", err)
		}
		_, err = s.GetMerchant(ctx, m.ID)
		wantErr(t, "merchant after rollback", err, gateway.ErrNotFound)
		if msgs, err := s.ListOutbox(ctx, "D-gone"); err != nil || len(msgs) != 0 {
			t.Errorf("outbox after rollback: %v, %v", msgs, err)
		}
		if r := check(t, s); r.Entries != 0 || r.Accounts != 0 {
			t.Errorf("ledger after rollback: %+v", r)
		}

		err = s.InTx(ctx, func(tx gateway.Tx) error { return &customError{code: 7} })
		var ce *customError
		if !errors.As(err, &ce) || ce.code != 7 {
			t.Errorf("InTx returned %v, want the *customError", err)
		}
	}},
	{"InTxRollbackOnPanic", func(t *testing.T, s Store) {
		ctx := t.Context()
		m := gateway.Merchant{ID: uniq("M"), Name: "Panic", CreatedAt: t0}
		app := gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "p", CreatedAt: t0}
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("recovered %v, want the panic of fn", p)
				}
			}()
			_ = s.InTx(ctx, func(tx gateway.Tx) error {
				if err := tx.CreateMerchant(ctx, m, app); err != nil {
					t.Error(err)
				}
				panic("boom")
			})
		}()
		_, err := s.GetMerchant(ctx, m.ID)
		wantErr(t, "merchant after panic", err, gateway.ErrNotFound)
		// The connection went back clean: the next transaction works.
		seedApp(t, s)
	}},
	{"InTxIsolation", func(t *testing.T, s Store) {
		ctx := t.Context()
		m := gateway.Merchant{ID: uniq("M"), Name: "Later", CreatedAt: t0}
		app := gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "p", CreatedAt: t0}
		mustTx(t, s, func(tx gateway.Tx) error {
			if err := tx.CreateMerchant(ctx, m, app); err != nil {
				return err
			}
			if _, err := tx.GetMerchant(ctx, m.ID); err != nil {
				t.Errorf("a transaction does not see its own merchant: %v", err)
			}
			if _, err := s.GetMerchant(ctx, m.ID); !errors.Is(err, gateway.ErrNotFound) {
				t.Errorf("an uncommitted merchant is visible outside: %v", err)
			}
			return nil
		})
		if _, err := s.GetMerchant(ctx, m.ID); err != nil {
			t.Errorf("committed merchant: %v", err)
		}
	}},
	{"AcquireNodeID", func(t *testing.T, s Store) {
		seen := map[int64]bool{}
		for range 20 {
			id, err := s.AcquireNodeID(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if id < 0 || id >= 1024 || seen[id] {
				t.Fatalf("AcquireNodeID gave %d after %v", id, keysOf(seen))
			}
			seen[id] = true
		}
	}},
}

func fundingEntry(merchantID, currency string, amount int64) ledger.Entry {
	return ledger.Entry{ID: uniq("F"), Kind: "funding", Ref: merchantID, At: t0, Postings: []ledger.Posting{
		{Account: ledger.PlatformFunding(currency), Currency: currency, Amount: -amount},
		{Account: ledger.MerchantAvailable(merchantID, currency), Currency: currency, Amount: amount},
	}}
}

func keysOf(m map[int64]bool) []int64 {
	var ks []int64
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

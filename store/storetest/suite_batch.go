package storetest

import (
	"errors"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

var batchTests = []test{
	{"InsertPayoutsSkipsConflicts", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		stored := newPayout(app, "order-1")
		insertPayout(t, s, stored)

		a := newPayout(app, "order-2")
		sameOrder := newPayout(app, "order-1") // taken by a stored payout
		sameIdem := newPayout(app, "order-3")
		sameIdem.IdempotencyID = stored.IdempotencyID
		sameID := newPayout(app, "order-4")
		sameID.TransactionID = stored.TransactionID
		twin := newPayout(app, "order-2") // taken by a, earlier in the list
		b := newPayout(app, "order-5")
		b.IdempotencyID = ""
		var got []bool
		mustTx(t, s, func(tx gateway.Tx) error {
			var err error
			got, err = tx.InsertPayouts(ctx, []gateway.Payout{a, sameOrder, sameIdem, sameID, twin, b})
			return err
		})
		same(t, "stored", got, []bool{true, false, false, false, false, true})
		same(t, "first of the batch", getPayout(t, s, a.TransactionID), a)
		same(t, "last of the batch", getPayout(t, s, b.TransactionID), b)
		same(t, "the stored payout is untouched", getPayout(t, s, stored.TransactionID), stored)
		if _, err := s.GetPayoutByID(ctx, twin.TransactionID); !errors.Is(err, gateway.ErrNotFound) {
			t.Errorf("the skipped twin was stored: %v", err)
		}

		// Deleted in the transaction that inserted them, payouts leave no trace.
		c, d := newPayout(app, "order-6"), newPayout(app, "order-7")
		mustTx(t, s, func(tx gateway.Tx) error {
			if _, err := tx.InsertPayouts(ctx, []gateway.Payout{c, d}); err != nil {
				return err
			}
			return tx.DeletePayouts(ctx, []string{c.TransactionID})
		})
		if _, err := s.GetPayoutByID(ctx, c.TransactionID); !errors.Is(err, gateway.ErrNotFound) {
			t.Errorf("a deleted payout is still there: %v", err)
		}
		same(t, "the payout kept beside a deleted one", getPayout(t, s, d.TransactionID), d)
	}},
	{"PostEntriesBatch", func(t *testing.T, s Store) {
		ctx := t.Context()
		m1, _ := seedApp(t, s)
		m2, _ := seedApp(t, s)
		fund(t, s, m1.ID, "PHP", 1000)
		fund(t, s, m2.ID, "PHP", 500)
		holds := []ledger.Hold{
			{ID: uniq("D"), MerchantID: m1.ID, Currency: "PHP", Amount: 300},
			{ID: uniq("D"), MerchantID: m2.ID, Currency: "PHP", Amount: 500},
			{ID: uniq("D"), MerchantID: m1.ID, Currency: "PHP", Amount: 700},
		}
		var entries []ledger.Entry
		for _, h := range holds {
			e := ledger.HoldEntry(h)
			e.At = t0
			entries = append(entries, e)
		}
		accounts := ledger.Accounts(entries...)
		mustTx(t, s, func(tx gateway.Tx) error {
			got, err := tx.LockBalances(ctx, accounts)
			if err != nil {
				return err
			}
			// The held accounts do not exist yet: only the available ones are returned.
			same(t, "locked balances", got, map[string]int64{
				ledger.MerchantAvailable(m1.ID, "PHP"): 1000, ledger.MerchantAvailable(m2.ID, "PHP"): 500})
			if err := tx.InsertHolds(ctx, holds); err != nil {
				return err
			}
			return tx.PostEntries(ctx, entries)
		})
		for acc, want := range map[string]int64{
			ledger.MerchantAvailable(m1.ID, "PHP"): 0, ledger.MerchantHeld(m1.ID, "PHP"): 1000,
			ledger.MerchantAvailable(m2.ID, "PHP"): 0, ledger.MerchantHeld(m2.ID, "PHP"): 500,
		} {
			if got := balance(t, s, acc); got != want {
				t.Errorf("%s = %d, want %d", acc, got, want)
			}
		}
		if r := check(t, s); !r.OK() {
			t.Errorf("ledger check after a batch: %+v", r)
		}

		// A batch that would take a merchant below zero is refused whole.
		over := []ledger.Entry{
			ledger.HoldEntry(ledger.Hold{ID: uniq("D"), MerchantID: m1.ID, Currency: "PHP", Amount: 1}),
		}
		over[0].At = t0
		err := s.InTx(ctx, func(tx gateway.Tx) error { return tx.PostEntries(ctx, over) })
		var short *ledger.InsufficientFundsError
		if !errors.As(err, &short) || short.Account != ledger.MerchantAvailable(m1.ID, "PHP") {
			t.Errorf("overdraft in a batch: got %v, want InsufficientFundsError on %s", err, ledger.MerchantAvailable(m1.ID, "PHP"))
		}
		// A reused entry id is a duplicate, as in PostEntry.
		err = s.InTx(ctx, func(tx gateway.Tx) error { return tx.PostEntries(ctx, entries[:1]) })
		var dup *gateway.DuplicateError
		if !errors.As(err, &dup) {
			t.Errorf("a reused entry id in a batch: got %v, want a DuplicateError", err)
		}
		if r := check(t, s); !r.OK() {
			t.Errorf("ledger check after refused batches: %+v", r)
		}
	}},
	{"InsertOutboxBatch", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		ids := []string{uniq("D"), uniq("D")}
		var msgs []gateway.OutboxMessage
		for _, id := range ids {
			msgs = append(msgs, gateway.OutboxMessage{Topic: gateway.TopicSubmit, AppID: app.AppID, TransactionID: id,
				NextAttemptAt: t0, CreatedAt: t0})
		}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertOutboxBatch(ctx, msgs) })
		for _, id := range ids {
			got, err := s.ListOutbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Status != gateway.OutboxPending || got[0].Topic != gateway.TopicSubmit {
				t.Errorf("outbox of %s: %+v", id, got)
			}
		}
	}},
}

package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// transfer is an entry moving amount from one account to another.
func transfer(from, to, currency string, amount int64) ledger.Entry {
	return ledger.Entry{ID: uniq("E"), Kind: "test", Ref: "ref", At: t0, Postings: []ledger.Posting{
		{Account: from, Currency: currency, Amount: -amount},
		{Account: to, Currency: currency, Amount: amount},
	}}
}

func post(t *testing.T, s Store, e ledger.Entry) error {
	t.Helper()
	return s.InTx(t.Context(), func(tx gateway.Tx) error { return tx.PostEntry(t.Context(), e) })
}

var ledgerTests = []test{
	{"PostEntryBalances", func(t *testing.T, s Store) {
		ctx := t.Context()
		m, _ := seedApp(t, s)
		fund(t, s, m.ID, "PHP", 100000)
		fund(t, s, m.ID, "IDR", 5000)
		avail := ledger.MerchantAvailable(m.ID, "PHP")
		if err := post(t, s, transfer(avail, ledger.MerchantPending(m.ID, "PHP"), "PHP", 30000)); err != nil {
			t.Fatal(err)
		}
		same(t, "available", balance(t, s, avail), int64(70000))
		same(t, "pending", balance(t, s, ledger.MerchantPending(m.ID, "PHP")), int64(30000))
		same(t, "funding", balance(t, s, ledger.PlatformFunding("PHP")), int64(-100000))
		same(t, "never posted to", balance(t, s, "merchant:nobody:available:PHP"), int64(0))
		bs, err := s.MerchantBalances(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "merchant balances", bs, []ledger.Balance{
			{Account: ledger.MerchantAvailable(m.ID, "IDR"), Currency: "IDR", Amount: 5000},
			{Account: avail, Currency: "PHP", Amount: 70000},
			{Account: ledger.MerchantPending(m.ID, "PHP"), Currency: "PHP", Amount: 30000},
		})
		r := check(t, s)
		if !r.OK() || r.Entries != 3 || r.Accounts != 5 {
			t.Errorf("check: %+v, want OK with 3 entries and 5 accounts", r)
		}
	}},
	{"MerchantBalancesLiteral", func(t *testing.T, s Store) {
		// LIKE or GLOB wildcards in a merchant id match only themselves, and
		// case matters.
		for _, id := range []string{"m_1", "mx1", "M_1", "m%", "m*", "m?"} {
			fund(t, s, id, "PHP", 100)
		}
		for _, id := range []string{"m_1", "m%", "m*", "m?"} {
			bs, err := s.MerchantBalances(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "balances of "+id, bs, []ledger.Balance{
				{Account: ledger.MerchantAvailable(id, "PHP"), Currency: "PHP", Amount: 100}})
		}
		bs, err := s.MerchantBalances(t.Context(), "nobody")
		if err != nil || len(bs) != 0 {
			t.Errorf("balances of an unknown merchant: %v, %v", bs, err)
		}
	}},
	{"ErrInvalidEntry", func(t *testing.T, s Store) {
		e := transfer("platform:funding:PHP", "merchant:m:available:PHP", "PHP", 100)
		e.Postings[1].Amount = 99
		wantErr(t, "unbalanced entry", post(t, s, e), ledger.ErrUnbalanced)
		e = transfer("platform:funding:PHP", "merchant:m:available:PHP", "PHP", 100)
		e.Postings = e.Postings[:1]
		wantErr(t, "one posting", post(t, s, e), ledger.ErrNoPostings)
		if r := check(t, s); r.Entries != 0 || r.Accounts != 0 {
			t.Errorf("invalid entries wrote something: %+v", r)
		}
	}},
	{"ErrInsufficientFunds", func(t *testing.T, s Store) {
		m, _ := seedApp(t, s)
		fund(t, s, m.ID, "PHP", 100)
		avail := ledger.MerchantAvailable(m.ID, "PHP")
		before := check(t, s)
		err := post(t, s, transfer(avail, ledger.Channel("PH_GCASH", "PHP"), "PHP", 150))
		var short *ledger.InsufficientFundsError
		if !errors.As(err, &short) || short.Account != avail {
			t.Fatalf("got %v, want *ledger.InsufficientFundsError for %s", err, avail)
		}
		same(t, "balance after a refused debit", balance(t, s, avail), int64(100))
		after := check(t, s)
		if after.Entries != before.Entries || after.Accounts != before.Accounts || !after.OK() {
			t.Errorf("refused entry left traces: before %+v, after %+v", before, after)
		}
		// Platform accounts may go below zero.
		if err := post(t, s, transfer(ledger.PlatformRevenue("PHP"), avail, "PHP", 50)); err != nil {
			t.Errorf("debit of a platform account: %v", err)
		}
	}},
	{"ErrDuplicateEntry", func(t *testing.T, s Store) {
		e := fundingEntry("m1", "PHP", 100)
		if err := post(t, s, e); err != nil {
			t.Fatal(err)
		}
		wantDuplicate(t, "same entry id", post(t, s, e), "entry_id")
		same(t, "balance", balance(t, s, ledger.MerchantAvailable("m1", "PHP")), int64(100))
	}},
	{"ConcurrentDebits", func(t *testing.T, s Store) {
		const funding, n = 1000, 64
		fund(t, s, "m1", "PHP", funding)
		avail := ledger.MerchantAvailable("m1", "PHP")
		amounts := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			amounts[i] = int64(20 + i%7*5) // 20..50: far more than the funding in total
			wg.Go(func() {
				errs[i] = post(t, s, transfer(avail, ledger.Channel("PH_GCASH", "PHP"), "PHP", amounts[i]))
			})
		}
		wg.Wait()
		var spent int64
		var failed []int64
		for i, err := range errs {
			var short *ledger.InsufficientFundsError
			switch {
			case err == nil:
				spent += amounts[i]
			case errors.As(err, &short):
				failed = append(failed, amounts[i])
			default:
				t.Errorf("debit %d: %v", i, err)
			}
		}
		final := balance(t, s, avail)
		if final < 0 || final != funding-spent {
			t.Errorf("final balance %d, want funding %d minus debits %d", final, funding, spent)
		}
		if len(failed) == 0 {
			t.Error("no debit was refused")
		}
		for _, a := range failed {
			if a <= final { // balances only fall, so a refused debit never fits the end balance
				t.Errorf("debit of %d was refused but %d remains", a, final)
			}
		}
		if r := check(t, s); !r.OK() {
			t.Errorf("check: %+v", r)
		}
	}},
	{"HoldSettleOnce", func(t *testing.T, s Store) {
		ctx := t.Context()
		m, _ := seedApp(t, s)
		fund(t, s, m.ID, "PHP", 1000)
		h := ledger.Hold{ID: uniq("D"), MerchantID: m.ID, Currency: "PHP", Amount: 300, Status: ledger.HoldPending}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertHold(ctx, h) })
		held := ledger.MerchantHeld(m.ID, "PHP")
		same(t, "hold without its entry", check(t, s).HoldMismatches, []string{held})
		if err := post(t, s, ledger.HoldEntry(h)); err != nil {
			t.Fatal(err)
		}
		if r := check(t, s); !r.OK() {
			t.Errorf("check with a pending hold: %+v", r)
		}
		err := s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertHold(ctx, h) })
		wantDuplicate(t, "same hold id", err, "hold_id")

		settle := func(id string, to ledger.HoldStatus) (ledger.Hold, error) {
			var got ledger.Hold
			err := s.InTx(ctx, func(tx gateway.Tx) error {
				var err error
				got, err = tx.SettleHold(ctx, id, to)
				return err
			})
			return got, err
		}
		got, err := settle(h.ID, ledger.HoldPosted)
		if err != nil {
			t.Fatal(err)
		}
		want := h
		want.Status = ledger.HoldPosted
		same(t, "posted hold", got, want)
		same(t, "posted hold before its entry", check(t, s).HoldMismatches, []string{held})
		post1, err := ledger.PostEntry(got, ledger.Posting{Account: ledger.Channel("PH_GCASH", "PHP"), Currency: "PHP", Amount: 300})
		if err != nil {
			t.Fatal(err)
		}
		if err := post(t, s, post1); err != nil {
			t.Fatal(err)
		}
		if r := check(t, s); !r.OK() {
			t.Errorf("check after posting: %+v", r)
		}
		_, err = settle(h.ID, ledger.HoldVoided)
		wantErr(t, "second settle", err, ledger.ErrHoldNotPending)
		_, err = settle(h.ID, ledger.HoldPosted)
		wantErr(t, "second post", err, ledger.ErrHoldNotPending)
		_, err = settle("D-unknown", ledger.HoldVoided)
		wantErr(t, "settle unknown hold", err, gateway.ErrNotFound)
	}},
	{"CheckLedgerFindsCorruption", func(t *testing.T, s Store) {
		m, _ := seedApp(t, s)
		fund(t, s, m.ID, "PHP", 1000)
		avail := ledger.MerchantAvailable(m.ID, "PHP")
		if r := check(t, s); !r.OK() {
			t.Fatalf("check before corruption: %+v", r)
		}
		execRaw(t, s, `UPDATE accounts SET balance = balance + 7 WHERE id = '`+avail+`'`)
		// created_at is copied so that the statements suit both engines' types.
		execRaw(t, s, `INSERT INTO entries (id, kind, ref, created_at)
			SELECT 'E-empty', 'test', 'x', created_at FROM entries LIMIT 1`)
		execRaw(t, s, `INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
			SELECT 'D-orphan', 'm-orphan', 'PHP', 5, 'PENDING', created_at, created_at FROM entries LIMIT 1`)
		// A negative merchant balance needs the CHECK constraint out of the way.
		fund(t, s, "neg", "PHP", 100)
		neg := ledger.MerchantAvailable("neg", "PHP")
		if err := s.(rawExecer).ExecRawForTest(t.Context(), `PRAGMA ignore_check_constraints = ON`); err != nil {
			execRaw(t, s, `ALTER TABLE accounts DROP CONSTRAINT accounts_check`) // PostgreSQL
		}
		execRaw(t, s, `UPDATE accounts SET balance = -5 WHERE id = '`+neg+`'`)

		r := check(t, s)
		drifted := []string{avail, neg}
		slices.Sort(drifted)
		same(t, "drifted", r.DriftedAccounts, drifted)
		same(t, "negative", r.NegativeAccounts, []string{neg})
		same(t, "unbalanced", r.UnbalancedEntries, []string{"E-empty"})
		same(t, "hold mismatches", r.HoldMismatches, []string{ledger.MerchantHeld("m-orphan", "PHP")})
		if r.OK() {
			t.Errorf("report says OK: %+v", r)
		}
	}},
}

package gateway_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

func TestPayoutCompletes(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.payout(t, "ORDER-1", "1234567890", 20_000)
		if p.Fee != 1000+200 || p.Status != gateway.StatusPending || p.TransactionID[0] != 'D' {
			t.Fatalf("created payout = %+v", p)
		}
		if bal := b.balance(t); bal.Available != 100_000-21_200 || bal.Held != 21_200 {
			t.Fatalf("after create: %+v, want available 78800 held 21200", bal)
		}
		got := b.settle(t, p.TransactionID)
		if got.Status != gateway.StatusCompleted || got.FinishedAt.IsZero() {
			t.Fatalf("after settle: %+v", got)
		}
		if bal := b.balance(t); bal.Available != 78_800 || bal.Held != 0 {
			t.Fatalf("after completion: %+v, want available 78800 held 0", bal)
		}
		for acct, want := range map[string]int64{
			ledger.Channel("BDO", "PHP"):  20_000,
			ledger.PlatformRevenue("PHP"): 1_200,
			ledger.PlatformFunding("PHP"): -100_000,
		} {
			if got, err := b.store.AccountBalance(b.ctx, acct); err != nil || got != want {
				t.Errorf("%s = %d, %v; want %d", acct, got, err, want)
			}
		}
		if ev := b.notifications(t, p.TransactionID); len(ev) != 1 || ev[0] != "disbursement.success" {
			t.Fatalf("notifications = %v", ev)
		}
		b.checkLedger(t)
	})
}

func TestPayoutFailsAndReleasesHold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		account string
		code    int
		message string
	}{
		{"1234564004", -10004, "Transaction Channel Rejected"},
		{"1234564005", -10005, "Destination Account Error"},
	} {
		t.Run(tc.account, func(t *testing.T) {
			t.Parallel()
			forEngine(t, func(t *testing.T, b *bundle) {
				p := b.payout(t, "ORDER-F", tc.account, 20_000)
				got := b.settle(t, p.TransactionID)
				if got.Status != gateway.StatusFailed || got.FailedCode != tc.code || got.FailedMessage != tc.message {
					t.Fatalf("payout = %+v", got)
				}
				if bal := b.balance(t); bal.Available != 100_000 || bal.Held != 0 {
					t.Fatalf("balance %+v, want all 100000 available again", bal)
				}
				if ev := b.notifications(t, p.TransactionID); len(ev) != 1 || ev[0] != "disbursement.failed" {
					t.Fatalf("notifications = %v", ev)
				}
				b.checkLedger(t)
			})
		})
	}
}

func TestPayoutResultsAreIdempotent(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.payout(t, "ORDER-2", "1234567890", 10_000)
		res := gateway.ChannelResult{Status: gateway.StatusCompleted}
		// The same callback three times, concurrently, then a contradicting one.
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := b.gw.ApplyPayoutResult(b.ctx, p.TransactionID, res); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if err := b.gw.ApplyPayoutResult(b.ctx, p.TransactionID, gateway.ChannelResult{Status: gateway.StatusFailed, FailedCode: -10004}); err != nil {
			t.Fatal(err)
		}
		if got := b.get(t, p.TransactionID); got.Status != gateway.StatusCompleted {
			t.Fatalf("status %s, want COMPLETED", got.Status)
		}
		if bal := b.balance(t); bal.Available != 100_000-11_100 || bal.Held != 0 {
			t.Fatalf("balance %+v: charged other than once", bal)
		}
		if ev := b.notifications(t, p.TransactionID); len(ev) != 1 {
			t.Fatalf("notifications = %v, want exactly one", ev)
		}
		b.checkLedger(t)
	})
}

func TestPayoutWaitsForOperator(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		done := b.payout(t, "ORDER-C", "1234569999", 10_000)
		failed := b.payout(t, "ORDER-X", "2234569999", 10_000)
		for _, p := range []gateway.Payout{done, failed} {
			if got := b.settle(t, p.TransactionID); got.Status != gateway.StatusPending {
				t.Fatalf("%s settled by itself: %s", p.MchOrderID, got.Status)
			}
		}
		if err := b.sim.Decide(b.ctx, done.TransactionID, 0); err != nil {
			t.Fatal(err)
		}
		if err := b.sim.Decide(b.ctx, failed.TransactionID, gateway.FailedDestination); err != nil {
			t.Fatal(err)
		}
		if err := b.sim.Decide(b.ctx, failed.TransactionID, 0); err == nil {
			t.Fatal("deciding a decided transfer again: want error")
		}
		if _, err := b.sim.ReportDue(b.ctx); err != nil {
			t.Fatal(err)
		}
		if got := b.get(t, done.TransactionID); got.Status != gateway.StatusCompleted {
			t.Fatalf("completed by operator: %s", got.Status)
		}
		if got := b.get(t, failed.TransactionID); got.Status != gateway.StatusFailed || got.FailedCode != -10005 {
			t.Fatalf("failed by operator: %+v", got)
		}
		if bal := b.balance(t); bal.Available != 100_000-11_100 || bal.Held != 0 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestPayoutTimeoutIsResolvedByQuery(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.payout(t, "ORDER-T", "1234567777", 10_000)
		if err := b.gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		got := b.get(t, p.TransactionID)
		if got.Status != gateway.StatusPending || got.ChannelState != gateway.ChannelUnknown {
			t.Fatalf("after a timed-out submission: %+v", got)
		}
		// A second submission (a redelivered outbox message) must not send again.
		if err := b.gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("reconcile before ReconcileAfter settled %d, %v", n, err)
		}
		b.clock.Advance(2 * time.Minute)
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("reconcile settled %d, %v; want 1", n, err)
		}
		if got := b.get(t, p.TransactionID); got.Status != gateway.StatusCompleted {
			t.Fatalf("status %s, want COMPLETED", got.Status)
		}
		// The bank's own report afterwards changes nothing.
		if _, err := b.sim.ReportDue(b.ctx); err != nil {
			t.Fatal(err)
		}
		if bal := b.balance(t); bal.Available != 100_000-11_100 || bal.Held != 0 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestPayoutLostSubmissionFailsAfterGrace(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.payout(t, "ORDER-L", "1234568888", 10_000)
		if err := b.gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(2 * time.Minute)
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("within the grace period: settled %d, %v", n, err)
		}
		b.clock.Advance(10 * time.Minute)
		if n, err := b.gw.Reconcile(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("after the grace period: settled %d, %v", n, err)
		}
		got := b.get(t, p.TransactionID)
		if got.Status != gateway.StatusFailed || got.FailedCode != gateway.FailedNetworkReject {
			t.Fatalf("payout %+v", got)
		}
		if bal := b.balance(t); bal.Available != 100_000 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestPayoutInsufficientBalance(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		// 99,000 + fee 1,990 is more than 100,000.
		_, err := b.gw.CreatePayout(b.ctx, b.app, bdoPayout("ORDER-BIG", "1234567890", 99_000))
		if gateway.KindOf(err) != gateway.KindInsufficientBalance {
			t.Fatalf("err = %v, want insufficient balance", err)
		}
		if _, err := b.gw.CheckPayout(b.ctx, b.app.AppID, gateway.OrderRef{MchOrderID: "ORDER-BIG"}); gateway.KindOf(err) != gateway.KindNotFound {
			t.Fatalf("the refused order exists: %v", err)
		}
		if bal := b.balance(t); bal.Available != 100_000 || bal.Held != 0 {
			t.Fatalf("balance %+v", bal)
		}
		// The same mchOrderId works once the money is there: nothing was kept.
		if _, err := b.gw.CreditBalance(b.ctx, b.app.MerchantID, "PHP", 10_000); err != nil {
			t.Fatal(err)
		}
		b.payout(t, "ORDER-BIG", "1234567890", 99_000)
		b.checkLedger(t)
	})
}

func TestPayoutDuplicates(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		req := bdoPayout("ORDER-D", "1234567890", 1_000)
		req.IdempotencyID = "IDEM-1"
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := b.gw.CreatePayout(b.ctx, b.app, req)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		ok, dup := 0, 0
		for err := range errs {
			switch gateway.KindOf(err) {
			case gateway.KindDuplicateOrder:
				dup++
			default:
				if err != nil {
					t.Errorf("unexpected error %v", err)
				} else {
					ok++
				}
			}
		}
		if ok != 1 || dup != n-1 {
			t.Fatalf("%d created, %d duplicates; want 1 and %d", ok, dup, n-1)
		}
		if bal := b.balance(t); bal.Held != 1_000+1_010 || bal.Available != 100_000-2_010 {
			t.Fatalf("balance %+v: held other than once", bal)
		}
		// The idempotencyId on another order is its own error.
		other := bdoPayout("ORDER-E", "1234567890", 1_000)
		other.IdempotencyID = "IDEM-1"
		if _, err := b.gw.CreatePayout(b.ctx, b.app, other); gateway.KindOf(err) != gateway.KindDuplicateIdempotent {
			t.Fatalf("reused idempotencyId: %v", err)
		}
		b.checkLedger(t)
	})
}

func TestConcurrentPayoutsKeepBalanceExact(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		// 64 payouts of 1,000 + fee 1,010 = 2,010 each against 100,000: 49 fit.
		const n = 64
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := b.gw.CreatePayout(b.ctx, b.app, bdoPayout(fmt.Sprintf("C-%d", i), "1234567890", 1_000))
				if err != nil && gateway.KindOf(err) != gateway.KindInsufficientBalance {
					t.Error(err)
				}
				if err == nil {
					mu.Lock()
					created++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if created != 49 {
			t.Fatalf("%d payouts created, want 49", created)
		}
		if bal := b.balance(t); bal.Available != 100_000-49*2_010 || bal.Held != 49*2_010 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestCheckPayoutIsolation(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.payout(t, "ORDER-I", "1234567890", 1_000)
		_, other, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: "Other", PublicKeyPEM: merchantPEM(t)})
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []gateway.OrderRef{{TransactionID: p.TransactionID}, {MchOrderID: "ORDER-I"}} {
			if _, err := b.gw.CheckPayout(b.ctx, other.AppID, ref); gateway.KindOf(err) != gateway.KindNotFound {
				t.Errorf("another app read %+v: %v", ref, err)
			}
		}
		if _, err := b.gw.CheckPayout(b.ctx, b.app.AppID, gateway.OrderRef{TransactionID: p.TransactionID, MchOrderID: "ORDER-OTHER"}); gateway.KindOf(err) != gateway.KindNotFound {
			t.Errorf("mismatched ids: %v", err)
		}
	})
}

func TestCreatePayoutValidation(t *testing.T) {
	t.Parallel()
	ok := bdoPayout("V-1", "1234567890", 10_000)
	tests := []struct {
		name  string
		edit  func(r *gateway.PayoutRequest)
		kind  gateway.Kind
		field string
	}{
		{"MissingMchOrderID", func(r *gateway.PayoutRequest) { r.MchOrderID = "" }, gateway.KindInvalid, "mchOrderId"},
		{"LongMchOrderID", func(r *gateway.PayoutRequest) { r.MchOrderID = "123456789012345678901234567890123" }, gateway.KindInvalid, "mchOrderId"},
		{"SpaceInMchOrderID", func(r *gateway.PayoutRequest) { r.MchOrderID = "A B" }, gateway.KindInvalid, "mchOrderId"},
		{"MissingCountry", func(r *gateway.PayoutRequest) { r.CountryCode = "" }, gateway.KindInvalid, "countryCode"},
		{"CountryNotOpened", func(r *gateway.PayoutRequest) { r.CountryCode = "RU"; r.Currency = "RUB" }, gateway.KindCountry, "countryCode"},
		{"UnknownCountry", func(r *gateway.PayoutRequest) { r.CountryCode = "XX" }, gateway.KindCountry, "countryCode"},
		{"WrongCurrency", func(r *gateway.PayoutRequest) { r.Currency = "IDR" }, gateway.KindInvalid, "currency"},
		{"UnknownMethod", func(r *gateway.PayoutRequest) { r.PayMethod = "CASH" }, gateway.KindPayMethod, "payMethodCode"},
		{"PromptPayInPH", func(r *gateway.PayoutRequest) { r.PayMethod = "PROMPTPAY" }, gateway.KindPayMethod, "payMethodCode"},
		{"UnknownBank", func(r *gateway.PayoutRequest) { r.TransferCode = "NOPE" }, gateway.KindBankCode, "transferCode"},
		{"WalletAsBank", func(r *gateway.PayoutRequest) { r.TransferCode = "GCASH" }, gateway.KindBankCode, "transferCode"},
		{"UnknownWallet", func(r *gateway.PayoutRequest) { r.PayMethod = "EWALLET"; r.TransferCode = "BDO" }, gateway.KindWalletCode, "transferCode"},
		{"ZeroAmount", func(r *gateway.PayoutRequest) { r.Amount = 0 }, gateway.KindAmount, "amount"},
		{"NegativeAmount", func(r *gateway.PayoutRequest) { r.Amount = -100 }, gateway.KindAmount, "amount"},
		{"BelowMinimum", func(r *gateway.PayoutRequest) { r.Amount = 99 }, gateway.KindAmount, "amount"},
		{"AboveMaximum", func(r *gateway.PayoutRequest) { r.Amount = 5_000_001 }, gateway.KindAmount, "amount"},
		{"MissingAccount", func(r *gateway.PayoutRequest) { r.AccountNo = "" }, gateway.KindInvalid, "accountNo"},
		{"ShortAccount", func(r *gateway.PayoutRequest) { r.AccountNo = "12345" }, gateway.KindInvalid, "accountNo"},
		{"LettersInAccount", func(r *gateway.PayoutRequest) { r.AccountNo = "12345678AB" }, gateway.KindInvalid, "accountNo"},
		{"WalletNeedsMobile", func(r *gateway.PayoutRequest) { r.PayMethod = "EWALLET"; r.TransferCode = "GCASH" }, gateway.KindInvalid, "accountNo"},
		{"BankNeedsName", func(r *gateway.PayoutRequest) { r.AccountName = "" }, gateway.KindInvalid, "accountName"},
		{"ControlInName", func(r *gateway.PayoutRequest) { r.AccountName = "Juan\x00" }, gateway.KindInvalid, "accountName"},
		{"BadMobile", func(r *gateway.PayoutRequest) { r.Mobile = "call me" }, gateway.KindInvalid, "mobile"},
		{"FTPNotifyURL", func(r *gateway.PayoutRequest) { r.NotifyURL = "ftp://x.example/" }, gateway.KindInvalid, "notifyUrl"},
		{"RelativeNotifyURL", func(r *gateway.PayoutRequest) { r.NotifyURL = "/notify" }, gateway.KindInvalid, "notifyUrl"},
	}
	forEngine(t, func(t *testing.T, b *bundle) {
		for _, tt := range tests {
			req := ok
			tt.edit(&req)
			_, err := b.gw.CreatePayout(b.ctx, b.app, req)
			var ge *gateway.Error
			if !errors.As(err, &ge) || ge.Kind != tt.kind || ge.Field != tt.field {
				t.Errorf("%s: err = %v, want kind %s on %s", tt.name, err, tt.kind, tt.field)
			}
		}
		if bal := b.balance(t); bal.Available != 100_000 || bal.Held != 0 {
			t.Fatalf("refused requests moved money: %+v", bal)
		}
		// Each country's wallet shapes are accepted.
		for _, r := range []gateway.PayoutRequest{
			{MchOrderID: "W-PH", CountryCode: "PH", Currency: "PHP", Amount: 1_000, PayMethod: "EWALLET", TransferCode: "GCASH", AccountNo: "09171234567"},
		} {
			if _, err := b.gw.CreatePayout(b.ctx, b.app, r); err != nil {
				t.Errorf("%s: %v", r.MchOrderID, err)
			}
		}
	})
}

package gateway_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/emvqr"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

func qrPayment(id string, amount int64) gateway.PaymentRequest {
	return gateway.PaymentRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP", Amount: amount, ChannelCode: "PH_QRPH_DYNAMIC"}
}

func (b *bundle) createPayment(t *testing.T, req gateway.PaymentRequest) gateway.Payment {
	t.Helper()
	p, err := b.gw.CreatePayment(b.ctx, b.app, req)
	if err != nil {
		t.Fatalf("CreatePayment(%s): %v", req.MchOrderID, err)
	}
	return p
}

// customerPays pays through the simulated channel and lets it report.
func (b *bundle) customerPays(t *testing.T, txID string, amount int64) gateway.Payment {
	t.Helper()
	if _, err := b.sim.Pay(b.ctx, txID, amount); err != nil {
		t.Fatal(err)
	}
	if _, err := b.sim.ReportDue(b.ctx); err != nil {
		t.Fatal(err)
	}
	p, err := b.gw.CheckPayment(b.ctx, b.app.AppID, gateway.OrderRef{TransactionID: txID})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPaymentCollects(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.createPayment(t, qrPayment("PAY-1", 150_000))
		if p.Status != gateway.StatusPending || p.TransactionID[0] != 'C' || !p.ExpireAt.Equal(b.clock.Now().Add(30*time.Minute)) {
			t.Fatalf("created %+v", p)
		}
		fields, err := emvqr.Decode(p.PayData)
		if err != nil {
			t.Fatalf("payData is not a valid EMVCo QR: %v\n%s", err, p.PayData)
		}
		got := map[string]string{}
		for _, f := range fields {
			got[f.ID] = f.Value
		}
		if got["54"] != "1500.00" || got["53"] != "608" || got["58"] != "PH" || got["01"] != "12" {
			t.Fatalf("QR fields %v", got)
		}
		paid := b.customerPays(t, p.TransactionID, 150_000)
		if paid.Status != gateway.StatusCompleted || paid.PaidAmount != 150_000 || paid.Fee != 2_500 || paid.Flag != "" {
			t.Fatalf("paid %+v", paid)
		}
		// Settlement delay 0: the credit is available at once.
		if bal := b.balance(t); bal.Available != 100_000+147_500 || bal.Pending != 0 {
			t.Fatalf("balance %+v", bal)
		}
		if got, _ := b.store.AccountBalance(b.ctx, ledger.Channel("PH_QRPH_DYNAMIC", "PHP")); got != -150_000 {
			t.Fatalf("channel clearing %d", got)
		}
		if ev := b.notifications(t, p.TransactionID); len(ev) != 1 || ev[0] != "order.payment.success" {
			t.Fatalf("notifications %v", ev)
		}
		b.checkLedger(t)
	})
}

func TestPaymentChannelsPayData(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		va := b.createPayment(t, gateway.PaymentRequest{MchOrderID: "VA-1", CountryCode: "ID", Currency: "IDR", Amount: 50_000, ChannelCode: "ID_BCA_VA"})
		if len(va.PayData) != 16 || !strings.HasPrefix(va.PayData, "70012") || va.ExpireAt.Sub(b.clock.Now()) != 24*time.Hour {
			t.Fatalf("VA payData %q, expiry %v", va.PayData, va.ExpireAt)
		}
		url := b.createPayment(t, gateway.PaymentRequest{MchOrderID: "URL-1", CountryCode: "PH", Currency: "PHP", Amount: 5_000, ChannelCode: "PH_GCASH"})
		if !strings.HasSuffix(url.PayData, "/pay/"+url.TransactionID) {
			t.Fatalf("pay URL %q", url.PayData)
		}
		for _, c := range []struct{ country, cur, code string }{{"ID", "IDR", "ID_QRIS"}, {"MY", "MYR", "MY_DUITNOW_QR"}, {"TH", "THB", "TH_PROMPTPAY_QR"}} {
			p := b.createPayment(t, gateway.PaymentRequest{MchOrderID: "QR-" + c.country, CountryCode: c.country, Currency: c.cur, Amount: 10_000, ChannelCode: c.code})
			if _, err := emvqr.Decode(p.PayData); err != nil {
				t.Errorf("%s payData: %v", c.code, err)
			}
		}
		explicit := qrPayment("EXP-1", 1_000)
		explicit.ExpireTime = b.clock.Now().Add(5 * time.Minute)
		if p := b.createPayment(t, explicit); !p.ExpireAt.Equal(explicit.ExpireTime) {
			t.Fatalf("explicit expiry %v, want %v", p.ExpireAt, explicit.ExpireTime)
		}
	})
}

func TestPaymentSettlementDelay(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.SetSettlementDelay(b.ctx, b.app.MerchantID, time.Hour); err != nil {
			t.Fatal(err)
		}
		p := b.createPayment(t, qrPayment("SET-1", 10_000))
		b.customerPays(t, p.TransactionID, 10_000) // fee 1,000 + 100
		if bal := b.balance(t); bal.Pending != 8_900 || bal.Available != 100_000 {
			t.Fatalf("before settlement %+v", bal)
		}
		if n, err := b.gw.SettlePayments(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("settled %d, %v before the delay", n, err)
		}
		b.clock.Advance(time.Hour)
		if n, err := b.gw.SettlePayments(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("settled %d, %v", n, err)
		}
		if n, err := b.gw.SettlePayments(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("settled again: %d, %v", n, err)
		}
		if bal := b.balance(t); bal.Pending != 0 || bal.Available != 108_900 {
			t.Fatalf("after settlement %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestPaymentCallbacksAreIdempotent(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.createPayment(t, qrPayment("DUP-1", 10_000))
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := b.gw.ApplyPaymentResult(b.ctx, p.TransactionID, gateway.PaymentResult{PaidAmount: 10_000, ChannelRef: "BANK-REF-1"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		// A different payment into the paid order is not booked on it.
		if err := b.gw.ApplyPaymentResult(b.ctx, p.TransactionID, gateway.PaymentResult{PaidAmount: 10_000, ChannelRef: "BANK-REF-2"}); err != nil {
			t.Fatal(err)
		}
		if bal := b.balance(t); bal.Available != 100_000+8_900 {
			t.Fatalf("balance %+v: credited other than once", bal)
		}
		if ev := b.notifications(t, p.TransactionID); len(ev) != 1 {
			t.Fatalf("notifications %v", ev)
		}
		b.checkLedger(t)
	})
}

func TestPaymentExpiresAndLatePaymentIsKept(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.createPayment(t, qrPayment("EXP-1", 10_000))
		b.clock.Advance(29 * time.Minute)
		if n, err := b.gw.ExpirePayments(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("expired %d, %v early", n, err)
		}
		b.clock.Advance(time.Minute)
		if n, err := b.gw.ExpirePayments(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		got, _ := b.gw.CheckPayment(b.ctx, b.app.AppID, gateway.OrderRef{MchOrderID: "EXP-1"})
		if got.Status != gateway.StatusExpired {
			t.Fatalf("status %s", got.Status)
		}
		// The money arrives anyway: it is booked and flagged, never lost.
		late := b.customerPays(t, p.TransactionID, 10_000)
		if late.Status != gateway.StatusCompleted || late.Flag != gateway.FlagLate {
			t.Fatalf("late payment %+v", late)
		}
		if ev := b.notifications(t, p.TransactionID); len(ev) != 2 || ev[0] != "order.payment.expired" || ev[1] != "order.payment.success" {
			t.Fatalf("notifications %v", ev)
		}
		if bal := b.balance(t); bal.Available != 108_900 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestPaymentWrongAmountIsFlagged(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		under := b.createPayment(t, qrPayment("UNDER-1", 10_000))
		over := b.createPayment(t, qrPayment("OVER-1", 10_000))
		if got := b.customerPays(t, under.TransactionID, 6_000); got.Flag != gateway.FlagUnderpaid || got.PaidAmount != 6_000 || got.Fee != 1_060 {
			t.Fatalf("underpaid %+v", got)
		}
		if got := b.customerPays(t, over.TransactionID, 12_000); got.Flag != gateway.FlagOverpaid || got.PaidAmount != 12_000 {
			t.Fatalf("overpaid %+v", got)
		}
		b.checkLedger(t)
	})
}

func TestCreatePaymentValidation(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		b.createPayment(t, qrPayment("V-DUP", 1_000))
		for _, tc := range []struct {
			name  string
			edit  func(*gateway.PaymentRequest)
			kind  gateway.Kind
			field string
		}{
			{"Duplicate", func(r *gateway.PaymentRequest) { r.MchOrderID = "V-DUP" }, gateway.KindDuplicateOrder, "mchOrderId"},
			{"StaticOnlyChannel", func(r *gateway.PaymentRequest) { r.ChannelCode = "PH_QRPH_STATIC" }, gateway.KindChannelUnavailable, "channelCode"},
			{"UnknownChannel", func(r *gateway.PaymentRequest) { r.ChannelCode = "PH_NOPE" }, gateway.KindChannelUnavailable, "channelCode"},
			{"WrongType", func(r *gateway.PaymentRequest) { r.ChannelType = "EWALLET" }, gateway.KindInvalid, "channelType"},
			{"WrongCurrency", func(r *gateway.PaymentRequest) { r.Currency = "IDR" }, gateway.KindInvalid, "currency"},
			{"UnknownCountry", func(r *gateway.PaymentRequest) { r.CountryCode = "VN"; r.Currency = "VND" }, gateway.KindCountry, "countryCode"},
			{"TooLarge", func(r *gateway.PaymentRequest) { r.Amount = 5_000_001 }, gateway.KindAmount, "amount"},
			{"BadEmail", func(r *gateway.PaymentRequest) { r.Email = "not-an-email" }, gateway.KindInvalid, "email"},
			{"PastExpiry", func(r *gateway.PaymentRequest) { r.ExpireTime = b.clock.Now().Add(-time.Second) }, gateway.KindInvalid, "expireTime"},
			{"FarExpiry", func(r *gateway.PaymentRequest) { r.ExpireTime = b.clock.Now().Add(8 * 24 * time.Hour) }, gateway.KindInvalid, "expireTime"},
			{"BadRedirect", func(r *gateway.PaymentRequest) { r.RedirectURL = "javascript:alert(1)" }, gateway.KindInvalid, "redirectUrl"},
		} {
			req := qrPayment("V-1", 1_000)
			tc.edit(&req)
			_, err := b.gw.CreatePayment(b.ctx, b.app, req)
			var ge *gateway.Error
			if !asError(err, &ge) || ge.Kind != tc.kind || ge.Field != tc.field {
				t.Errorf("%s: %v, want %s on %s", tc.name, err, tc.kind, tc.field)
			}
		}
	})
}

func TestPaymentExpiryConfig(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		gw, err := gateway.New(b.ctx, b.store, b.sim, gateway.Options{Clock: b.clock,
			Config: gateway.Config{PaymentExpiry: map[string]time.Duration{gateway.TypeQR: 5 * time.Minute}}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := gw.CreatePayment(b.ctx, b.app, qrPayment("CFG-1", 1_000))
		if err != nil || !p.ExpireAt.Equal(b.clock.Now().Add(5*time.Minute)) {
			t.Fatalf("QR order expires %v, %v; want the configured 5m", p.ExpireAt, err)
		}
		va, err := gw.CreatePayment(b.ctx, b.app, gateway.PaymentRequest{MchOrderID: "CFG-2", CountryCode: "ID", Currency: "IDR", Amount: 50_000, ChannelCode: "BNI_VA"})
		if err != nil || !va.ExpireAt.Equal(b.clock.Now().Add(24*time.Hour)) {
			t.Fatalf("VA order expires %v, %v; want the channel's 24h", va.ExpireAt, err)
		}
	})
}

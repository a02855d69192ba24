package header

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// sameInstant reports whether a dialect B time (Peru, to the second) and a
// dialect A time (ISO-8601 with offset) name the same second.
func sameInstant(t *testing.T, b, a string) bool {
	t.Helper()
	tb, err := time.ParseInLocation("2006-01-02 15:04:05", b, gateway.Countries["PE"].Location)
	if err != nil {
		t.Errorf("dialect B time %q: %v", b, err)
		return false
	}
	ta, err := time.Parse(time.RFC3339, a)
	if err != nil {
		t.Errorf("dialect A time %q: %v", a, err)
		return false
	}
	return tb.Equal(ta.Truncate(time.Second))
}

func TestPayoutRoundTrip(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, 50_000)
		if err := b.gw.SetFee(b.ctx, gateway.Fee{MerchantID: b.merchant.ID, Channel: "*", Fixed: 100, BPS: 50}); err != nil {
			t.Fatal(err)
		}
		req := client.BPayoutRequest{MchOrderNo: "pe-1", AccountName: "Rosa Quispe", AccountNo: "1912345678901",
			AccountType: 0, Amount: 12_345, BankID: 3, IDType: "1", IDCard: "45678912", Phone: "987654321", Remark: "pago"}
		p, err := b.b.PayOut(b.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		wantFee := int64(100 + 62) // 0.5% of 123.45 rounds to 0.62
		if !strings.HasPrefix(p.OrderNo, "D") || p.MchOrderNo != "pe-1" || p.MerchantID != b.no || p.Amount != 12_345 ||
			p.Fee != wantFee || p.OrderStatus != "PROCESSING" || p.ResultDesc != "" || p.CompletionTime != "" {
			t.Errorf("payOut answered %+v", p)
		}
		for _, ref := range [][2]string{{p.OrderNo, ""}, {"", "pe-1"}, {p.OrderNo, "pe-1"}} {
			q, err := b.b.PayOutQuery(b.ctx, ref[0], ref[1])
			if err != nil || q != p {
				t.Errorf("payOutQuery %v = %+v, %v; want %+v", ref, q, err, p)
			}
		}
		if _, err := b.b.PayOutQuery(b.ctx, p.OrderNo, "other"); client.BErrorMsg(err) != "Order_not_exist" {
			t.Errorf("orderNo and another mchOrderNo: %v", err)
		}

		// The same order through dialect A, and the same balance.
		a, err := b.a.CheckPayout(b.ctx, client.CheckRequest{TransactionID: p.OrderNo, CountryCode: "PE"})
		if err != nil {
			t.Fatal(err)
		}
		if a.MchOrderID != "pe-1" || a.Amount != p.Amount || a.Fee != p.Fee || a.Currency != "PEN" || a.TransactionStatus != "PENDING" || a.ReturnTime != "" {
			t.Errorf("dialect A sees %+v", a)
		}
		checkBalances(t, b, 50_000-12_345-wantFee, 12_345+wantFee)
		stored, err := b.gw.Store().GetPayout(b.ctx, b.app.AppID, gateway.OrderRef{TransactionID: p.OrderNo})
		if err != nil || stored.Dialect != gateway.DialectB || stored.TransferCode != "PE_BCP" || stored.AccountType != "0" ||
			stored.IDType != "1" || stored.IDCard != "45678912" || stored.Mobile != "987654321" {
			t.Errorf("stored %+v, %v", stored, err)
		}

		// It completes: both dialects show it final at the same instant.
		if err := b.gw.ApplyPayoutResult(b.ctx, p.OrderNo, gateway.ChannelResult{Status: gateway.StatusCompleted}); err != nil {
			t.Fatal(err)
		}
		q, err := b.b.PayOutQuery(b.ctx, p.OrderNo, "")
		if err != nil || q.OrderStatus != "SUCCESS" || q.ResultDesc != "SUCCESS" || q.CompletionTime == "" {
			t.Fatalf("after completion: %+v, %v", q, err)
		}
		a, err = b.a.CheckPayout(b.ctx, client.CheckRequest{MchOrderID: "pe-1", CountryCode: "PE"})
		if err != nil || a.TransactionStatus != "COMPLETED" || !sameInstant(t, q.CompletionTime, a.ReturnTime) {
			t.Errorf("dialect A after completion: %+v, %v (B says %s)", a, err, q.CompletionTime)
		}
		checkBalances(t, b, 50_000-12_345-wantFee, 0)

	})
}

// TestPayoutFails has a payout to a bank outside the big four, with its CCI
// and a RUC, fail at the bank: FAIL with the reason in both dialects, and the
// hold is given back.
func TestPayoutFails(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, 50_000)
		req := client.BPayoutRequest{MchOrderNo: "pe-2", AccountName: "Comercial Andina SAC", AccountNo: "5400012345",
			CCIAccountNo: validCCI("054"), AccountType: 1, Amount: 200_00, BankID: 5, IDType: "4", IDCard: "20100047218"}
		p2, err := b.b.PayOut(b.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		checkBalances(t, b, 30_000, 20_000)
		if err := b.gw.ApplyPayoutResult(b.ctx, p2.OrderNo, gateway.ChannelResult{Status: gateway.StatusFailed, FailedCode: gateway.FailedDestination}); err != nil {
			t.Fatal(err)
		}
		q, err := b.b.PayOutQuery(b.ctx, "", "pe-2")
		if err != nil || q.OrderStatus != "FAIL" || q.ResultDesc != "INVALID_BANK_ACCOUNT" || q.CompletionTime == "" {
			t.Errorf("failed payout: %+v, %v", q, err)
		}
		a, err := b.a.CheckPayout(b.ctx, client.CheckRequest{MchOrderID: "pe-2", CountryCode: "PE"})
		if err != nil || a.TransactionStatus != "FAILED" || a.FailedCode != gateway.FailedDestination ||
			!sameInstant(t, q.CompletionTime, a.ReturnTime) {
			t.Errorf("dialect A sees the failed payout as %+v, %v", a, err)
		}
		checkBalances(t, b, 50_000, 0)

		// A repeated mchOrderNo is refused and changes nothing.
		if _, err := b.b.PayOut(b.ctx, req); client.BErrorMsg(err) != "Params_mchOrderNo_repeated" {
			t.Errorf("repeated mchOrderNo: %v", err)
		}
		checkBalances(t, b, 50_000, 0)
	})
}

// checkBalances asserts getBalance and dialect A's balance inquiry agree to
// the cent, and what they say.
func checkBalances(t *testing.T, b *bundle, available, unavailable int64) {
	t.Helper()
	bb, err := b.b.GetBalance(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ab, err := b.a.Balance(b.ctx, "PE")
	if err != nil {
		t.Fatal(err)
	}
	if bb.Balance != available || bb.UnBalance != unavailable || bb.Currency != "PEN" || bb.MchID != strconv.FormatInt(b.no, 10) {
		t.Errorf("getBalance %+v; want balance %d unBalance %d", bb, available, unavailable)
	}
	if ab.AvailableAmount != bb.Balance || ab.Balance != money.FormatMajor(bb.Balance, "PEN") ||
		ab.PendingAmount+ab.HeldAmount != bb.UnBalance {
		t.Errorf("dialect A balance %+v disagrees with getBalance %+v", ab, bb)
	}
}

func TestPayInRoundTrip(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.SetFee(b.ctx, gateway.Fee{MerchantID: b.merchant.ID, Channel: "*", Fixed: 0, BPS: 200}); err != nil {
			t.Fatal(err)
		}
		yape, err := b.b.PayIn(b.ctx, client.BPayInRequest{MchOrderNo: "in-1", PayType: client.BPayTypeYape, Amount: 5_000,
			ExpireTime: 600, RealName: "Ana Torres", Phone: "+51912345678", Email: "ana@example.com", Remark: "pedido 1"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(yape.OrderNo, "C") || yape.PayType != 601 || yape.Amount != 5_000 || yape.OrderStatus != "PAYING" || yape.ResultDesc != "" ||
			!strings.HasPrefix(yape.PayURL, b.srv.URL+"/pay/") || yape.PayCode != "" || yape.ExpireTime == "" || yape.CompletionTime != "" {
			t.Errorf("payIn answered %+v", yape)
		}
		cip, err := b.b.PayIn(b.ctx, client.BPayInRequest{MchOrderNo: "in-2", PayType: client.BPayTypePagoEfectivo, Amount: 2_050})
		if err != nil || cip.PayCode == "" || cip.PayURL != "" || cip.PayType != 603 {
			t.Errorf("PagoEfectivo payIn: %+v, %v", cip, err)
		}
		// payType may also be the channel code.
		r := b.post(t, "/api/payIn", map[string]any{"currency": "PEN", "payType": "PE_PLIN", "amount": 15, "mchOrderNo": "in-3"})
		var plin struct {
			PayType int    `json:"payType"`
			Amount  any    `json:"amount"`
			OrderNo string `json:"orderNo"`
		}
		if r.Code != 200 || json.Unmarshal(r.Data, &plin) != nil || plin.PayType != 602 || !strings.Contains(string(r.Data), `"amount":15.00`) {
			t.Errorf("payIn with a channel code: %+v", r)
		}

		if err := b.gw.ApplyPaymentResult(b.ctx, yape.OrderNo, gateway.PaymentResult{PaidAmount: 5_000, ChannelRef: "yape-1"}); err != nil {
			t.Fatal(err)
		}
		q, err := b.b.PayInQuery(b.ctx, "", "in-1")
		if err != nil || q.OrderStatus != "SUCCESS" || q.ResultDesc != "SUCCESS" || q.PaidAmount != 5_000 || q.Fee != 100 || q.CompletionTime == "" || q.OrderNo != yape.OrderNo {
			t.Fatalf("paid payIn: %+v, %v", q, err)
		}
		a, err := b.a.CheckPayment(b.ctx, client.CheckRequest{TransactionID: yape.OrderNo, CountryCode: "PE"})
		if err != nil || a.TransactionStatus != "COMPLETED" || a.PaidAmount != q.PaidAmount || a.Fee != q.Fee ||
			a.ChannelCode != "PE_YAPE" || a.PayData != q.PayURL || !sameInstant(t, q.CompletionTime, a.ReturnTime) {
			t.Errorf("dialect A sees %+v, %v; B %+v", a, err, q)
		}
		// What was collected counts in both balances alike.
		checkBalances(t, b, 4_900, 0)

		// An order that expires unpaid is FAIL here and EXPIRED in dialect A.
		b.clock.advance(25 * time.Hour)
		if n, err := b.gw.ExpirePayments(b.ctx, 100); err != nil || n != 2 {
			t.Fatalf("expired %d orders, %v; want in-2 and in-3", n, err)
		}
		q, err = b.b.PayInQuery(b.ctx, cip.OrderNo, "")
		if err != nil || q.OrderStatus != "FAIL" || q.ResultDesc != "ORDER_EXPIRED" || q.PaidAmount != 0 || q.CompletionTime == "" {
			t.Errorf("expired PagoEfectivo: %+v, %v", q, err)
		}
		a, err = b.a.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: "in-2", CountryCode: "PE"})
		if err != nil || a.TransactionStatus != "EXPIRED" || !sameInstant(t, q.CompletionTime, a.ReturnTime) {
			t.Errorf("dialect A sees the expired order as %+v, %v", a, err)
		}
	})
}

func TestBankLists(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		banks, err := b.b.BankList(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(banks) != len(gateway.PeruBanks) {
			t.Fatalf("%d banks, want %d", len(banks), len(gateway.PeruBanks))
		}
		byID := map[int]client.BBank{}
		for _, bk := range banks {
			byID[bk.BankID] = bk
		}
		if bk := byID[3]; bk.BankName != "BCP Banco de Crédito de Perú" || bk.CCIRequired {
			t.Errorf("bankId 3: %+v", bk)
		}
		if bk := byID[28]; bk.BankName != "Banco Ripley" || !bk.CCIRequired {
			t.Errorf("bankId 28: %+v", bk)
		}
		if _, ok := byID[15]; ok {
			t.Error("bankId 15 is listed; the provider has none")
		}
		methods, err := b.b.PayInBankList(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{601: "PE_YAPE", 602: "PE_PLIN", 603: "PE_PAGOEFECTIVO", 604: "PE_BANK_TRANSFER"}
		if len(methods) != len(want) {
			t.Fatalf("pay-in methods %+v", methods)
		}
		for _, m := range methods {
			ch, ok := gateway.FindPaymentChannel("PE", m.ChannelCode)
			if want[m.PayType] != m.ChannelCode || !ok || m.MinAmount != ch.MinAmount || m.MaxAmount != ch.MaxAmount || m.Name != ch.Name {
				t.Errorf("pay-in method %+v", m)
			}
		}
	})
}

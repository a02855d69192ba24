package header

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// TestMerchantIsolation: another merchant, with its own apiKey, cannot read
// the first merchant's payouts or pay-ins with payOutQuery or payInQuery,
// by orderNo, mchOrderNo or both: each is Order_not_exist, as for an order
// that does not exist, in dialect B and through its dialect A app alike. It
// cannot sign as the first merchant with its own key, and may reuse the
// first merchant's mchOrderNos for orders of its own.
func TestMerchantIsolation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, 50_000)
		po, err := b.b.PayOut(b.ctx, client.BPayoutRequest{MchOrderNo: "iso-1", AccountName: "Rosa Quispe", AccountNo: "1912345678901",
			AccountType: 0, Amount: 10_000, BankID: 3, IDType: "1", IDCard: "45678912"})
		if err != nil {
			t.Fatal(err)
		}
		in, err := b.b.PayIn(b.ctx, client.BPayInRequest{MchOrderNo: "iso-in-1", PayType: client.BPayTypeYape, Amount: 5_000})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.gw.ApplyPaymentResult(b.ctx, in.OrderNo, gateway.PaymentResult{PaidAmount: 5_000, ChannelRef: "yape-iso"}); err != nil {
			t.Fatal(err)
		}
		before, err := b.gw.Balance(b.ctx, b.merchant.ID, "PEN")
		if err != nil {
			t.Fatal(err)
		}

		_, otherApp, otherNo, otherKey := b.newMerchant(t, "Bodega Penyusup")
		intruder := client.NewB(b.srv.URL, otherNo, otherKey)
		for _, ref := range [][2]string{{po.OrderNo, ""}, {"", "iso-1"}, {po.OrderNo, "iso-1"}} {
			if _, err := intruder.PayOutQuery(b.ctx, ref[0], ref[1]); client.BErrorMsg(err) != "Order_not_exist" {
				t.Errorf("payOutQuery %v of another merchant: %v, want Order_not_exist", ref, err)
			}
		}
		for _, ref := range [][2]string{{in.OrderNo, ""}, {"", "iso-in-1"}, {in.OrderNo, "iso-in-1"}} {
			if _, err := intruder.PayInQuery(b.ctx, ref[0], ref[1]); client.BErrorMsg(err) != "Order_not_exist" {
				t.Errorf("payInQuery %v of another merchant: %v, want Order_not_exist", ref, err)
			}
		}
		// The answer is exactly that of an order no one has.
		theirs := b.signed(t, "/api/payOutQuery", otherNo, otherKey, mustJSON(t, map[string]any{"orderNo": po.OrderNo, "nonceStr": nonce()}))
		nobodys := b.signed(t, "/api/payOutQuery", otherNo, otherKey, mustJSON(t, map[string]any{"orderNo": "D1", "nonceStr": nonce()}))
		if theirs.Code != 404 || theirs.Status != http.StatusOK || theirs.Msg != nobodys.Msg || theirs.Code != nobodys.Code {
			t.Errorf("another merchant's order %+v; a missing order %+v", theirs, nobodys)
		}
		// Its dialect A app does no better.
		a := client.New(b.srv.URL, otherApp.AppID, rsaKey())
		if _, err := a.CheckPayout(b.ctx, client.CheckRequest{TransactionID: po.OrderNo, CountryCode: "PE"}); client.ErrorCode(err) != client.CodeNotFound {
			t.Errorf("dialect A check of another merchant's payout: %v", err)
		}
		if _, err := a.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: "iso-in-1", CountryCode: "PE"}); client.ErrorCode(err) != client.CodeNotFound {
			t.Errorf("dialect A check of another merchant's pay-in: %v", err)
		}
		// Its apiKey does not sign for the first merchant's number.
		body := mustJSON(t, map[string]any{"orderNo": po.OrderNo, "nonceStr": nonce()})
		if r := b.send(t, http.MethodPost, "/api/payOutQuery", map[string]string{"Content-Type": "application/json",
			"MerchantId": strconv.FormatInt(b.no, 10), "Sign": client.SignB(body, otherKey)}, body); r.Msg != "Sign_verify_error" {
			t.Errorf("another merchant's apiKey on this MerchantId: %+v", r)
		}

		// The same mchOrderNo is the intruder's own order.
		if _, err := b.gw.CreditBalance(b.ctx, otherApp.MerchantID, "PEN", 50_000); err != nil {
			t.Fatal(err)
		}
		mine, err := intruder.PayOut(b.ctx, client.BPayoutRequest{MchOrderNo: "iso-1", AccountName: "Ana Torres", AccountNo: "1912345678902",
			AccountType: 0, Amount: 2_000, BankID: 3, IDType: "1", IDCard: "45678913"})
		if err != nil || mine.OrderNo == po.OrderNo {
			t.Fatalf("the intruder's own iso-1: %+v, %v", mine, err)
		}
		if got, err := intruder.PayOutQuery(b.ctx, "", "iso-1"); err != nil || got.OrderNo != mine.OrderNo || got.Amount != 2_000 {
			t.Errorf("intruder's iso-1 reads as %+v, %v", got, err)
		}
		if got, err := b.b.PayOutQuery(b.ctx, "", "iso-1"); err != nil || got.OrderNo != po.OrderNo || got.Amount != 10_000 {
			t.Errorf("owner's iso-1 reads as %+v, %v", got, err)
		}
		if after, err := b.gw.Balance(b.ctx, b.merchant.ID, "PEN"); err != nil || after != before {
			t.Errorf("owner's balance %+v (%v), was %+v", after, err, before)
		}
	})
}

package open

import (
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// isolated is one app's orders of every kind, which another app then
// tries to reach.
type isolated struct {
	payout, payment, refund, staticPayment string // transactionIds
}

// ownerOrders makes the bundle's app a payout, a paid payment with a
// refund, and a static code with one payment.
func ownerOrders(t *testing.T, b *bundle) isolated {
	t.Helper()
	b.fund(t, "PHP", 100_000)
	po, err := b.c.CreatePayout(b.ctx, phPayout("iso-1", 10_000))
	if err != nil {
		t.Fatal(err)
	}
	paid := b.paidPayment(t, "iso-1", 20_000)
	rf, err := b.c.CreateRefund(b.ctx, client.RefundRequest{MchRefundOrderID: "iso-rf-1", OriginalTransactionID: paid,
		Amount: 5_000, Reason: "returned"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := b.c.CreateStaticCode(b.ctx, phStatic("iso-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.gw.ApplyStaticPayment(b.ctx, code.CodeID, 3_000, "R-ISO", time.Time{}); err != nil {
		t.Fatal(err)
	}
	list, err := b.c.StaticCodePayments(b.ctx, client.StaticPaymentsRequest{MchOrderID: "iso-1", CountryCode: "PH"})
	if err != nil || len(list.List) != 1 {
		t.Fatalf("static payments %+v, %v", list, err)
	}
	return isolated{payout: po.TransactionID, payment: paid, refund: rf.RefundTransactionID, staticPayment: list.List[0].TransactionID}
}

// TestMerchantIsolation: another app, with its own key, can neither read
// nor refund nor cancel the first app's orders, by mchOrderId or by
// transactionId: every attempt is answered as if the order did not exist,
// and nothing changes. It cannot sign as the first app either, and may
// reuse the first app's mchOrderIds for orders of its own.
func TestMerchantIsolation(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b, _ := setupRefunds(t, eng)
			own := ownerOrders(t, b)
			intruder, app := b.newMerchantKeyed(t, "Toko Penyusup")
			if _, err := b.gw.CreditBalance(b.ctx, app.MerchantID, "PHP", 100_000); err != nil {
				t.Fatal(err)
			}
			before := b.gwBalance(t)
			ctx := b.ctx

			for name, tc := range map[string]struct {
				call func() error
				code int
			}{
				"CheckPayoutByOrder": {func() error {
					_, err := intruder.CheckPayout(ctx, client.CheckRequest{MchOrderID: "iso-1", CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"CheckPayoutByID": {func() error {
					_, err := intruder.CheckPayout(ctx, client.CheckRequest{TransactionID: own.payout, CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"CheckPaymentByOrder": {func() error {
					_, err := intruder.CheckPayment(ctx, client.CheckRequest{MchOrderID: "iso-1", CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"CheckPaymentByID": {func() error {
					_, err := intruder.CheckPayment(ctx, client.CheckRequest{TransactionID: own.payment, CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"CheckStaticPaymentByID": {func() error {
					_, err := intruder.CheckPayment(ctx, client.CheckRequest{TransactionID: own.staticPayment, CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"RefundListByPayment": {func() error {
					_, err := intruder.Refunds(ctx, client.RefundQuery{OriginalTransactionID: own.payment})
					return err
				}, 21401},
				"RefundListByRefundID": {func() error {
					_, err := intruder.Refunds(ctx, client.RefundQuery{RefundTransactionID: own.refund})
					return err
				}, 21406},
				"RefundListByMchRefundOrderID": {func() error {
					_, err := intruder.Refunds(ctx, client.RefundQuery{MchRefundOrderID: "iso-rf-1"})
					return err
				}, 21406},
				"Refund": {func() error {
					_, err := intruder.CreateRefund(ctx, client.RefundRequest{MchRefundOrderID: "steal-1", OriginalTransactionID: own.payment,
						Amount: 1_000, Reason: "mine now"})
					return err
				}, 21401},
				"StaticDetail": {func() error {
					_, err := intruder.StaticCodeDetail(ctx, client.StaticCodeRef{MchOrderID: "iso-1", CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"StaticList": {func() error {
					_, err := intruder.StaticCodePayments(ctx, client.StaticPaymentsRequest{MchOrderID: "iso-1", CountryCode: "PH"})
					return err
				}, client.CodeNotFound},
				"StaticCancel": {func() error {
					_, err := intruder.CancelStaticCode(ctx, client.StaticCodeRef{MchOrderID: "iso-1", CountryCode: "PH", ChannelCode: "PH_QRPH_STATIC"})
					return err
				}, client.CodeNotFound},
			} {
				if err := tc.call(); client.ErrorCode(err) != tc.code {
					t.Errorf("%s: got %v, want %d", name, err, tc.code)
				}
			}

			// Signing as the first app with the intruder's key is refused.
			impostor := client.New(b.srv.URL, b.app.AppID, otherKey())
			if _, err := impostor.CheckPayout(ctx, client.CheckRequest{MchOrderID: "iso-1", CountryCode: "PH"}); client.ErrorCode(err) != 21001 {
				t.Errorf("another app's key on this appId: %v, want 21001", err)
			}

			// Nothing changed for the owner: one refund, the code ACTIVE, the
			// balance as it was; and the intruder's own balance is untouched.
			if rs, err := b.c.Refunds(ctx, client.RefundQuery{OriginalTransactionID: own.payment}); err != nil || len(rs) != 1 || rs[0].RefundTransactionID != own.refund {
				t.Errorf("owner's refunds %+v, %v", rs, err)
			}
			if c, err := b.c.StaticCodeDetail(ctx, client.StaticCodeRef{MchOrderID: "iso-1", CountryCode: "PH"}); err != nil || c.Status != client.StaticStatusActive {
				t.Errorf("owner's static code %+v, %v", c, err)
			}
			if after := b.gwBalance(t); after != before {
				t.Errorf("owner's balance %+v, was %+v", after, before)
			}
			if bal, err := b.gw.Balance(ctx, app.MerchantID, "PHP"); err != nil || bal.Available != 100_000 || bal.Held != 0 {
				t.Errorf("intruder's balance %+v, %v", bal, err)
			}

			// The same mchOrderId is the intruder's own order, not the owner's.
			mine, err := intruder.CreatePayout(ctx, phPayout("iso-1", 10_000))
			if err != nil {
				t.Fatalf("the intruder's own iso-1: %v", err)
			}
			got, err := intruder.CheckPayout(ctx, client.CheckRequest{MchOrderID: "iso-1", CountryCode: "PH"})
			if err != nil || got.TransactionID != mine.TransactionID || got.TransactionID == own.payout {
				t.Errorf("intruder's iso-1 checks as %+v (%v); owner's is %s", got, err, own.payout)
			}
			if p, err := b.c.CheckPayout(ctx, client.CheckRequest{MchOrderID: "iso-1", CountryCode: "PH"}); err != nil || p.TransactionID != own.payout {
				t.Errorf("owner's iso-1 checks as %+v, %v", p, err)
			}
		})
	}
}

// newMerchantKeyed onboards another merchant whose app signs with
// otherKey, and returns its client.
func (b *bundle) newMerchantKeyed(t *testing.T, name string) (*client.Client, gateway.App) {
	t.Helper()
	_, app, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: name, PublicKeyPEM: publicPEM(otherKey())})
	if err != nil {
		t.Fatal(err)
	}
	return client.New(b.srv.URL, app.AppID, otherKey()), app
}

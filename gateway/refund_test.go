package gateway_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// paid creates a PH QR payment of amount and has the customer pay it. With
// the bundle's fee (10.00 + 1%) and no settlement delay, the merchant's
// available balance rises by amount less the fee.
func (b *bundle) paid(t *testing.T, id string, amount int64) gateway.Payment {
	t.Helper()
	p := b.createPayment(t, qrPayment(id, amount))
	if p = b.customerPays(t, p.TransactionID, amount); p.Status != gateway.StatusCompleted {
		t.Fatalf("payment %s is %s", id, p.Status)
	}
	return p
}

func refundReq(id, original string, amount int64) gateway.RefundRequest {
	return gateway.RefundRequest{MchRefundOrderID: id, OriginalTransactionID: original, Amount: amount, Reason: "customer returned the goods"}
}

func (b *bundle) refund(t *testing.T, gw *gateway.Gateway, req gateway.RefundRequest) gateway.Refund {
	t.Helper()
	r, err := gw.CreateRefund(b.ctx, b.app, req)
	if err != nil {
		t.Fatalf("CreateRefund(%s): %v", req.MchRefundOrderID, err)
	}
	if r.Status != gateway.RefundPending || !strings.HasPrefix(r.RefundTransactionID, "R") || r.Amount != req.Amount {
		t.Fatalf("created %+v", r)
	}
	b.checkLedger(t)
	return r
}

// finishRefund submits the refund, lets the simulated channel take its time
// and delivers its callback.
func (b *bundle) finishRefund(t *testing.T, id string) gateway.Refund {
	t.Helper()
	if err := b.gw.SubmitRefund(b.ctx, id); err != nil {
		t.Fatalf("SubmitRefund: %v", err)
	}
	b.clock.Advance(simDelay)
	if _, err := b.sim.ReportDue(b.ctx); err != nil {
		t.Fatalf("ReportDue: %v", err)
	}
	r, err := b.gw.CheckRefund(b.ctx, b.app.AppID, gateway.RefundRef{RefundTransactionID: id})
	if err != nil {
		t.Fatal(err)
	}
	b.checkLedger(t)
	return r
}

func wantKind(t *testing.T, what string, err error, kind gateway.Kind) {
	t.Helper()
	if gateway.KindOf(err) != kind {
		t.Fatalf("%s: got %v (%s), want %s", what, err, gateway.KindOf(err), kind)
	}
}

func (b *bundle) wantBalance(t *testing.T, available, held int64) {
	t.Helper()
	if bal := b.balance(t); bal.Available != available || bal.Held != held {
		t.Fatalf("balance %+v, want available %d held %d", bal, available, held)
	}
}

// withRefundFee returns a second gateway over the bundle's store whose
// refunds give back the refunded share of the payment's fee.
func (b *bundle) withRefundFee(t *testing.T) *gateway.Gateway {
	t.Helper()
	gw, err := gateway.New(b.ctx, b.store, b.sim, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler),
		Config: gateway.Config{RefundFee: gateway.RefundFeeRefund}})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

func TestRefundFull(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.paid(t, "PAY-1", 10_000) // fee 1,100
		b.wantBalance(t, 108_900, 0)
		r := b.refund(t, b.gw, refundReq("RF-1", p.TransactionID, 10_000))
		if r.FeeRefunded != 0 || r.ChannelCode != "PH_QRPH_DYNAMIC" || r.OriginalTransactionID != p.TransactionID {
			t.Fatalf("refund %+v", r)
		}
		b.wantBalance(t, 98_900, 10_000)
		msgs, err := b.store.ListOutbox(b.ctx, r.RefundTransactionID)
		if err != nil || len(msgs) != 1 || msgs[0].Topic != gateway.TopicRefund {
			t.Fatalf("outbox %+v, %v", msgs, err)
		}
		done := b.finishRefund(t, r.RefundTransactionID)
		if done.Status != gateway.RefundComplete || done.FinishedAt.IsZero() || done.FailedCode != 0 {
			t.Fatalf("finished %+v", done)
		}
		b.wantBalance(t, 98_900, 0) // the fee is kept
		if got, _ := b.store.AccountBalance(b.ctx, ledger.Channel("PH_QRPH_DYNAMIC", "PHP")); got != 0 {
			t.Fatalf("channel clearing %d, want 0 after the refund went back", got)
		}
		if got, _ := b.store.AccountBalance(b.ctx, ledger.PlatformRevenue("PHP")); got != 1_100 {
			t.Fatalf("revenue %d", got)
		}
		if ev := b.notifications(t, r.RefundTransactionID); len(ev) != 1 || ev[0] != gateway.EventRefundSuccess {
			t.Fatalf("notifications %v", ev)
		}
		// A second report changes nothing.
		if err := b.gw.ApplyRefundResult(b.ctx, r.RefundTransactionID, gateway.ChannelResult{Status: gateway.StatusCompleted}); err != nil {
			t.Fatal(err)
		}
		if ev := b.notifications(t, r.RefundTransactionID); len(ev) != 1 {
			t.Fatalf("notifications after a repeated report %v", ev)
		}
		_, err = b.gw.CreateRefund(b.ctx, b.app, refundReq("RF-2", p.TransactionID, 1))
		wantKind(t, "refund of a fully refunded payment", err, gateway.KindRefundExceeds)
		b.wantBalance(t, 98_900, 0)
		b.checkLedger(t)
	})
}

func TestRefundPartials(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.paid(t, "PAY-1", 10_000)
		r1 := b.refund(t, b.gw, refundReq("RF-1", p.TransactionID, 3_000))
		b.refund(t, b.gw, refundReq("RF-2", p.TransactionID, 3_000))
		_, err := b.gw.CreateRefund(b.ctx, b.app, refundReq("RF-3", p.TransactionID, 4_001))
		wantKind(t, "over-refund", err, gateway.KindRefundExceeds)
		if !strings.Contains(err.Error(), "4000") {
			t.Errorf("message %q does not say what is left", err)
		}
		b.finishRefund(t, r1.RefundTransactionID)
		b.refund(t, b.gw, refundReq("RF-3", p.TransactionID, 4_000))
		_, err = b.gw.CreateRefund(b.ctx, b.app, refundReq("RF-4", p.TransactionID, 1))
		wantKind(t, "refund beyond the paid amount", err, gateway.KindRefundExceeds)
		b.wantBalance(t, 98_900, 7_000)
		rs, err := b.gw.ListRefunds(b.ctx, b.app.AppID, p.TransactionID)
		if err != nil || len(rs) != 3 || rs[0].MchRefundOrderID != "RF-1" || rs[0].Status != gateway.RefundComplete || rs[2].Status != gateway.RefundPending {
			t.Fatalf("refunds %+v, %v", rs, err)
		}
		b.checkLedger(t)
	})
}

func TestRefundConcurrent(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.paid(t, "PAY-1", 10_000)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = b.gw.CreateRefund(b.ctx, b.app, refundReq("RF-"+string(rune('A'+i)), p.TransactionID, 6_000))
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case gateway.KindOf(err) != gateway.KindRefundExceeds:
				t.Errorf("refused with %v, want %s", err, gateway.KindRefundExceeds)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent 60.00 refunds of 100.00 succeeded, want 1", ok, n)
		}
		rs, err := b.gw.ListRefunds(b.ctx, b.app.AppID, p.TransactionID)
		if err != nil || len(rs) != 1 || rs[0].Status != gateway.RefundPending {
			t.Fatalf("refunds %+v, %v", rs, err)
		}
		b.wantBalance(t, 102_900, 6_000)
		b.checkLedger(t)
	})
}

func TestRefundInsufficientBalance(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.SetSettlementDelay(b.ctx, b.app.MerchantID, time.Hour); err != nil {
			t.Fatal(err)
		}
		p := b.paid(t, "PAY-1", 500_000) // still pending: available stays 1,000.00
		_, err := b.gw.CreateRefund(b.ctx, b.app, refundReq("RF-1", p.TransactionID, 200_000))
		wantKind(t, "refund above the available balance", err, gateway.KindInsufficientBalance)
		if rs, err := b.gw.ListRefunds(b.ctx, b.app.AppID, p.TransactionID); err != nil || len(rs) != 0 {
			t.Fatalf("refunds stored: %+v, %v", rs, err)
		}
		if bal := b.balance(t); bal.Available != 100_000 || bal.Held != 0 || bal.Pending != 494_000 {
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
		// Nothing was reserved either: the whole payment can still be refunded
		// once the money is available, under the same mchRefundOrderId.
		b.clock.Advance(time.Hour)
		if _, err := b.gw.SettlePayments(b.ctx, 10); err != nil {
			t.Fatal(err)
		}
		b.refund(t, b.gw, refundReq("RF-1", p.TransactionID, 500_000))
		b.wantBalance(t, 94_000, 500_000)
	})
}

func TestRefundFee(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		gw := b.withRefundFee(t)
		p := b.paid(t, "PAY-1", 10_000) // fee 1,100
		// 1,100 x 3,333 / 10,000 = 366.63: 367 twice, and the last refund
		// gets what is left of the fee, so that the whole fee comes back.
		var fees []int64
		for i, amount := range []int64{3_333, 3_333, 3_334} {
			r := b.refund(t, gw, refundReq("RF-"+string(rune('1'+i)), p.TransactionID, amount))
			fees = append(fees, r.FeeRefunded)
			if done := b.finishRefund(t, r.RefundTransactionID); done.Status != gateway.RefundComplete || done.FeeRefunded != r.FeeRefunded {
				t.Fatalf("finished %+v", done)
			}
		}
		if fees[0] != 367 || fees[1] != 367 || fees[2] != 366 {
			t.Fatalf("fees refunded %v, want [367 367 366]", fees)
		}
		b.wantBalance(t, 100_000, 0) // 1,089.00 - 100.00 + 11.00
		if got, _ := b.store.AccountBalance(b.ctx, ledger.PlatformRevenue("PHP")); got != 0 {
			t.Fatalf("revenue %d, want 0", got)
		}
		b.checkLedger(t)
	})
}

func TestRefundFailureReleases(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		gw := b.withRefundFee(t)
		p := b.paid(t, "PAY-1", 10_000)
		req := refundReq("RF-1", p.TransactionID, 10_000)
		req.Reason = "test SIMFAIL"
		req.CallbackURL = "https://merchant.example/refunds"
		r := b.refund(t, gw, req)
		if r.FeeRefunded != 1_100 {
			t.Fatalf("fee refunded %d", r.FeeRefunded)
		}
		b.wantBalance(t, 98_900, 10_000)
		done := b.finishRefund(t, r.RefundTransactionID)
		if done.Status != gateway.RefundFailed || done.FailedCode != gateway.FailedRefund || done.FailedMessage != "Channel Refund Failed" {
			t.Fatalf("finished %+v", done)
		}
		b.wantBalance(t, 108_900, 0)
		msgs, err := b.store.ListOutbox(b.ctx, r.RefundTransactionID)
		if err != nil {
			t.Fatal(err)
		}
		var notified []string
		for _, m := range msgs {
			if m.Topic == gateway.TopicNotify {
				notified = append(notified, m.Event+" "+m.URL)
			}
		}
		if len(notified) != 1 || notified[0] != gateway.EventRefundFailed+" https://merchant.example/refunds" {
			t.Fatalf("notifications %v", notified)
		}
		// The reservation and the fee share were released: the same amount,
		// with the whole fee, can be refunded again.
		again := b.refund(t, gw, refundReq("RF-2", p.TransactionID, 10_000))
		if again.FeeRefunded != 1_100 {
			t.Fatalf("fee refunded after a failure %d", again.FeeRefunded)
		}
		b.wantBalance(t, 98_900, 10_000)
		if done := b.finishRefund(t, again.RefundTransactionID); done.Status != gateway.RefundComplete {
			t.Fatalf("second refund %+v", done)
		}
		b.wantBalance(t, 100_000, 0)
		if ev := b.notifications(t, again.RefundTransactionID); len(ev) != 1 || ev[0] != gateway.EventRefundSuccess {
			t.Fatalf("notifications %v", ev)
		}
	})
}

func TestRefundRefusals(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.paid(t, "PAY-1", 10_000)
		pending := b.createPayment(t, qrPayment("PAY-2", 10_000))
		va := b.createPayment(t, gateway.PaymentRequest{MchOrderID: "VA-1", CountryCode: "ID", Currency: "IDR", Amount: 50_000, ChannelCode: "ID_BCA_VA"})
		b.customerPays(t, va.TransactionID, 50_000)
		_, other, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: "Other", PublicKeyPEM: merchantPEM(t)})
		if err != nil {
			t.Fatal(err)
		}
		b.refund(t, b.gw, refundReq("RF-1", p.TransactionID, 1_000))
		phOnly := refundReq("RF-9", p.TransactionID, 1_000)
		phOnly.CountryCode = "ID"
		for _, c := range []struct {
			name string
			app  gateway.App
			req  gateway.RefundRequest
			want gateway.Kind
		}{
			{"UnknownOriginal", b.app, refundReq("RF-9", "C123", 1_000), gateway.KindRefundNotFound},
			{"AnotherAppsPayment", other, refundReq("RF-9", p.TransactionID, 1_000), gateway.KindRefundNotFound},
			{"OtherCountry", b.app, phOnly, gateway.KindRefundNotFound},
			{"NotCompleted", b.app, refundReq("RF-9", pending.TransactionID, 1_000), gateway.KindRefundNotRefundable},
			{"VirtualAccount", b.app, refundReq("RF-9", va.TransactionID, 1_000), gateway.KindRefundNotRefundable},
			{"ZeroAmount", b.app, refundReq("RF-9", p.TransactionID, 0), gateway.KindRefundAmount},
			{"DuplicateOrder", b.app, refundReq("RF-1", p.TransactionID, 1_000), gateway.KindRefundDuplicate},
			{"NoOrderID", b.app, refundReq("", p.TransactionID, 1_000), gateway.KindInvalid},
		} {
			_, err := b.gw.CreateRefund(b.ctx, c.app, c.req)
			wantKind(t, c.name, err, c.want)
		}
		b.wantBalance(t, 107_900, 1_000)
		b.checkLedger(t)
	})
}

func TestRefundSubmittedOnceAndReconciled(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p := b.paid(t, "PAY-1", 10_000)
		r := b.refund(t, b.gw, refundReq("RF-1", p.TransactionID, 4_000))
		// Its outbox message was lost: the reconciler submits it once.
		b.clock.Advance(2 * time.Minute)
		if n, err := b.gw.ReconcileRefunds(b.ctx, 10); err != nil || n != 0 {
			t.Fatalf("reconcile: %d, %v", n, err)
		}
		if err := b.gw.SubmitRefund(b.ctx, r.RefundTransactionID); err != nil {
			t.Fatal(err)
		}
		got, err := b.gw.CheckRefund(b.ctx, b.app.AppID, gateway.RefundRef{MchRefundOrderID: "RF-1"})
		if err != nil || got.ChannelState != gateway.ChannelSubmitted || got.SubmittedAt.IsZero() {
			t.Fatalf("after submission %+v, %v", got, err)
		}
		// The channel's callback is lost too; a query finds the outcome.
		b.clock.Advance(2 * time.Minute)
		if n, err := b.gw.ReconcileRefunds(b.ctx, 10); err != nil || n != 1 {
			t.Fatalf("reconcile: %d, %v", n, err)
		}
		if got, _ := b.gw.CheckRefund(b.ctx, b.app.AppID, gateway.RefundRef{RefundTransactionID: r.RefundTransactionID}); got.Status != gateway.RefundComplete {
			t.Fatalf("after reconcile %+v", got)
		}
		b.wantBalance(t, 104_900, 0)
		if ev := b.notifications(t, r.RefundTransactionID); len(ev) != 1 || ev[0] != gateway.EventRefundSuccess {
			t.Fatalf("notifications %v", ev)
		}
		b.checkLedger(t)
	})
}

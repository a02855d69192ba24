package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

// paidPayment stores a COMPLETED payment of app: 250.00 paid, fee 3.50.
func paidPayment(t *testing.T, s Store, app gateway.App, mchOrderID string) gateway.Payment {
	t.Helper()
	p := newPayment(app, mchOrderID)
	insertPayment(t, s, p)
	if ok, err := completePayment(t, s, p.TransactionID, 25000, 350, "", uniq("REF"), t0, t0); err != nil || !ok {
		t.Fatalf("CompletePayment: %v, %v", ok, err)
	}
	return getPayment(t, s, p.TransactionID)
}

// newRefund is a PENDING refund of p, channel state NEW.
func newRefund(p gateway.Payment, mchRefundOrderID string, amount int64) gateway.Refund {
	return gateway.Refund{
		RefundTransactionID: uniq("R"), AppID: p.AppID, MerchantID: p.MerchantID, MchRefundOrderID: mchRefundOrderID,
		OriginalTransactionID: p.TransactionID, CountryCode: p.CountryCode, Currency: p.Currency,
		ChannelCode: p.ChannelCode, Amount: amount, FeeRefunded: 12, Reason: "damaged", CallbackURL: "https://merchant.example/refund",
		Status: gateway.RefundPending, ChannelState: gateway.ChannelNew, CreatedAt: t0, UpdatedAt: t0,
	}
}

// reserve runs ReserveRefund in a transaction of its own.
func reserve(t *testing.T, s Store, appID, txID string, amount int64) (refunded, fee int64, ok bool) {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error {
		var err error
		refunded, fee, ok, err = tx.ReserveRefund(t.Context(), appID, txID, amount)
		return err
	})
	return refunded, fee, ok
}

func getRefund(t *testing.T, s Store, id string) gateway.Refund {
	t.Helper()
	r, err := s.GetRefundByID(t.Context(), id)
	if err != nil {
		t.Fatalf("GetRefundByID(%s): %v", id, err)
	}
	return r
}

var refundTests = []test{
	{"RefundInsertGetList", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		_, other := seedApp(t, s)
		p := paidPayment(t, s, app, "order-1")
		r1, r2 := newRefund(p, "refund-1", 1000), newRefund(p, "refund-2", 2000)
		r2.CreatedAt, r2.UpdatedAt = t0.Add(time.Second), t0.Add(time.Second)
		mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(ctx, r2) })
		mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(ctx, r1) })
		same(t, "GetRefundByID", getRefund(t, s, r1.RefundTransactionID), r1)
		got, err := s.GetRefund(ctx, app.AppID, gateway.RefundRef{MchRefundOrderID: "refund-2"})
		same(t, "GetRefund by mchRefundOrderId", got, r2)
		wantErr(t, "GetRefund by mchRefundOrderId", err, nil)
		_, err = s.GetRefund(ctx, other.AppID, gateway.RefundRef{RefundTransactionID: r1.RefundTransactionID})
		wantErr(t, "another app's refund", err, gateway.ErrNotFound)
		_, err = s.GetRefundByID(ctx, "R0")
		wantErr(t, "unknown refund", err, gateway.ErrNotFound)
		list, err := s.ListRefunds(ctx, app.AppID, p.TransactionID)
		if err != nil || len(list) != 2 || list[0].MchRefundOrderID != "refund-1" || list[1].MchRefundOrderID != "refund-2" {
			t.Errorf("ListRefunds: %+v, %v; want refund-1 then refund-2", list, err)
		}
		if list, err := s.ListRefunds(ctx, other.AppID, p.TransactionID); err != nil || len(list) != 0 {
			t.Errorf("ListRefunds of another app: %+v, %v", list, err)
		}
	}},
	{"ErrDuplicateRefund", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := paidPayment(t, s, app, "order-1")
		r := newRefund(p, "refund-1", 1000)
		insert := func(r gateway.Refund) error {
			return s.InTx(t.Context(), func(tx gateway.Tx) error { return tx.InsertRefund(t.Context(), r) })
		}
		if err := insert(r); err != nil {
			t.Fatal(err)
		}
		wantDuplicate(t, "same mchRefundOrderId", insert(newRefund(p, "refund-1", 1000)), "mch_refund_order_id")
		q := newRefund(p, "refund-2", 1000)
		q.RefundTransactionID = r.RefundTransactionID
		wantDuplicate(t, "same refund transaction id", insert(q), "transaction_id")
	}},
	{"ReserveRefund", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		_, other := seedApp(t, s)
		p := paidPayment(t, s, app, "order-1")
		pending := newPayment(app, "order-2")
		insertPayment(t, s, pending)
		if _, _, ok := reserve(t, s, app.AppID, pending.TransactionID, 1); ok {
			t.Error("reserved on a PENDING payment")
		}
		if _, _, ok := reserve(t, s, other.AppID, p.TransactionID, 1); ok {
			t.Error("reserved on another app's payment")
		}
		if got, fee, ok := reserve(t, s, app.AppID, p.TransactionID, 15000); !ok || got != 15000 || fee != 0 {
			t.Errorf("first reservation: %d, %d, %v", got, fee, ok)
		}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.AddRefundedFee(ctx, p.TransactionID, 200) })
		if _, _, ok := reserve(t, s, app.AppID, p.TransactionID, 10001); ok {
			t.Error("reserved beyond the paid amount")
		}
		if got, fee, ok := reserve(t, s, app.AppID, p.TransactionID, 10000); !ok || got != 25000 || fee != 200 {
			t.Errorf("reservation up to the paid amount: %d, %d, %v", got, fee, ok)
		}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.ReleaseRefund(ctx, p.TransactionID, 15000, 200) })
		if got, fee, ok := reserve(t, s, app.AppID, p.TransactionID, 15000); !ok || got != 25000 || fee != 0 {
			t.Errorf("reservation after a release: %d, %d, %v", got, fee, ok)
		}
	}},
	{"ReserveRefundConcurrent", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := paidPayment(t, s, app, "order-1")
		var won atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := s.InTx(t.Context(), func(tx gateway.Tx) error {
					_, _, ok, err := tx.ReserveRefund(t.Context(), app.AppID, p.TransactionID, 15000)
					if ok {
						won.Add(1)
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Errorf("%d of 8 concurrent reservations of 150.00 out of 250.00 succeeded, want 1", won.Load())
		}
	}},
	{"RefundLifecycle", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := paidPayment(t, s, app, "order-1")
		r := newRefund(p, "refund-1", 1000)
		mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(ctx, r) })
		stale, err := s.ListRefundsToReconcile(ctx, t0.Add(time.Minute), 10)
		if err != nil || len(stale) != 1 {
			t.Fatalf("ListRefundsToReconcile: %+v, %v", stale, err)
		}
		claim := func() bool {
			var ok bool
			mustTx(t, s, func(tx gateway.Tx) error {
				var err error
				ok, err = tx.ClaimRefundSubmission(ctx, r.RefundTransactionID, t0.Add(time.Second))
				return err
			})
			return ok
		}
		if !claim() || claim() {
			t.Fatal("ClaimRefundSubmission: want the first claim only")
		}
		got := getRefund(t, s, r.RefundTransactionID)
		if got.ChannelState != gateway.ChannelUnknown || !got.SubmittedAt.Equal(t0.Add(time.Second)) {
			t.Errorf("after claim %+v", got)
		}
		mustTx(t, s, func(tx gateway.Tx) error {
			return tx.SetRefundChannel(ctx, r.RefundTransactionID, gateway.ChannelSubmitted, "CH-1", t0.Add(2*time.Second))
		})
		mustTx(t, s, func(tx gateway.Tx) error { return tx.TouchRefund(ctx, r.RefundTransactionID, t0.Add(3*time.Second)) })
		got = getRefund(t, s, r.RefundTransactionID)
		if got.ChannelState != gateway.ChannelSubmitted || got.ChannelRef != "CH-1" || !got.UpdatedAt.Equal(t0.Add(3*time.Second)) {
			t.Errorf("after SetRefundChannel and TouchRefund %+v", got)
		}
		if stale, _ := s.ListRefundsToReconcile(ctx, t0.Add(3*time.Second), 10); len(stale) != 0 {
			t.Errorf("a refund touched at the cut-off is stale: %+v", stale)
		}
		finish := func(status gateway.RefundStatus) bool {
			var ok bool
			mustTx(t, s, func(tx gateway.Tx) error {
				var err error
				ok, err = tx.FinishRefund(ctx, r.RefundTransactionID, status, -10009, "Channel Refund Failed", t0.Add(time.Minute))
				return err
			})
			return ok
		}
		if !finish(gateway.RefundFailed) || finish(gateway.RefundComplete) {
			t.Fatal("FinishRefund: want the first result only")
		}
		got = getRefund(t, s, r.RefundTransactionID)
		if got.Status != gateway.RefundFailed || got.FailedCode != -10009 || got.ChannelState != gateway.ChannelDone || !got.FinishedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after FinishRefund %+v", got)
		}
		if stale, _ := s.ListRefundsToReconcile(ctx, t0.Add(time.Hour), 10); len(stale) != 0 {
			t.Errorf("a final refund is stale: %+v", stale)
		}
	}},
	{"SimRefunds", func(t *testing.T, s Store) {
		ctx := t.Context()
		r := sim.Refund{RefundTransactionID: uniq("R"), Reason: "SIMFAIL", Currency: "PHP", Amount: 500,
			Status: "PENDING", SettleAt: t0.Add(time.Second), CreatedAt: t0, UpdatedAt: t0}
		got, err := s.InsertSimRefund(ctx, r)
		same(t, "InsertSimRefund", got, r)
		wantErr(t, "InsertSimRefund", err, nil)
		again := r
		again.Amount = 1
		if got, err := s.InsertSimRefund(ctx, again); err != nil || got.Amount != 500 {
			t.Errorf("second insert changed the refund: %+v, %v", got, err)
		}
		if due, err := s.DueSimRefunds(ctx, t0, 10); err != nil || len(due) != 0 {
			t.Errorf("due before its time: %+v, %v", due, err)
		}
		if due, err := s.DueSimRefunds(ctx, t0.Add(time.Second), 10); err != nil || len(due) != 1 {
			t.Errorf("due at its time: %+v, %v", due, err)
		}
		ok, err := s.DecideSimRefund(ctx, r.RefundTransactionID, "FAILED", -10009, "Channel Refund Failed", t0.Add(time.Second))
		if !ok || err != nil {
			t.Fatalf("DecideSimRefund: %v, %v", ok, err)
		}
		if ok, err := s.DecideSimRefund(ctx, r.RefundTransactionID, "COMPLETED", 0, "", t0); ok || err != nil {
			t.Errorf("second DecideSimRefund: %v, %v", ok, err)
		}
		_, err = s.DecideSimRefund(ctx, "R0", "COMPLETED", 0, "", t0)
		wantErr(t, "DecideSimRefund of an unknown refund", err, gateway.ErrNotFound)
		if err := s.MarkSimRefundReported(ctx, r.RefundTransactionID); err != nil {
			t.Fatal(err)
		}
		if due, err := s.DueSimRefunds(ctx, t0.Add(time.Hour), 10); err != nil || len(due) != 0 {
			t.Errorf("due after being reported: %+v, %v", due, err)
		}
		wantErr(t, "MarkSimRefundReported of an unknown refund", s.MarkSimRefundReported(ctx, "R0"), gateway.ErrNotFound)
		_, err = s.GetSimRefund(ctx, "R0")
		wantErr(t, "GetSimRefund of an unknown refund", err, gateway.ErrNotFound)
	}},
}

package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// newPayment is a PENDING payment of app, expiring 15 minutes after t0.
func newPayment(app gateway.App, mchOrderID string) gateway.Payment {
	return gateway.Payment{
		TransactionID: uniq("C"), AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: mchOrderID,
		CountryCode: "PH", Currency: "PHP", Amount: 25000, ChannelType: "QR", ChannelCode: "PH_QRPH",
		PayData: "00020101021228...6304ABCD", CustomerName: "Maria Santos", Email: "maria@example.com",
		Mobile: "09181234567", TerminalType: "WEB", NotifyURL: "https://merchant.example/pay-notify",
		RedirectURL: "https://merchant.example/done", Remark: "order 42", Status: gateway.StatusPending,
		ExpireAt: t0.Add(15 * time.Minute), CreatedAt: t0, UpdatedAt: t0,
	}
}

func insertPayment(t *testing.T, s Store, p gateway.Payment) {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertPayment(t.Context(), p) })
}

func getPayment(t *testing.T, s Store, id string) gateway.Payment {
	t.Helper()
	p, err := s.GetPaymentByID(t.Context(), id)
	if err != nil {
		t.Fatalf("GetPaymentByID(%s): %v", id, err)
	}
	return p
}

// completePayment runs CompletePayment in a transaction of its own and
// returns its result; the transaction rolls back when it fails.
func completePayment(t *testing.T, s Store, id string, amount, fee int64, flag, ref string, settleAt, at time.Time) (bool, error) {
	t.Helper()
	var ok bool
	err := s.InTx(t.Context(), func(tx gateway.Tx) error {
		var err error
		ok, err = tx.CompletePayment(t.Context(), id, amount, fee, flag, ref, settleAt, at)
		return err
	})
	return ok, err
}

// paymentStep runs one of the boolean transitions in a transaction that must
// commit.
func paymentStep(t *testing.T, s Store, step func(tx gateway.Tx) (bool, error)) bool {
	t.Helper()
	var ok bool
	mustTx(t, s, func(tx gateway.Tx) error {
		var err error
		ok, err = step(tx)
		return err
	})
	return ok
}

func expirePayment(t *testing.T, s Store, id string, at time.Time) bool {
	t.Helper()
	return paymentStep(t, s, func(tx gateway.Tx) (bool, error) { return tx.ExpirePayment(t.Context(), id, at) })
}

func markSettled(t *testing.T, s Store, id string, at time.Time) bool {
	t.Helper()
	return paymentStep(t, s, func(tx gateway.Tx) (bool, error) { return tx.MarkPaymentSettled(t.Context(), id, at) })
}

var paymentTests = []test{
	{"PaymentInsertGet", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayment(app, "order-1")
		insertPayment(t, s, p)
		same(t, "GetPaymentByID", getPayment(t, s, p.TransactionID), p)
		got, err := s.GetPayment(ctx, app.AppID, gateway.OrderRef{TransactionID: p.TransactionID})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayment by transaction id", got, p)
		got, err = s.GetPayment(ctx, app.AppID, gateway.OrderRef{MchOrderID: "order-1"})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayment by mchOrderId", got, p)

		// Every nullable column set, and every field different from p's.
		full := gateway.Payment{
			TransactionID: uniq("C"), AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: "order-2",
			CountryCode: "ID", Currency: "IDR", Amount: 150000, PaidAmount: 140000, Fee: 1400,
			ChannelType: "VA", ChannelCode: "ID_BCA_VA", PayData: "8808123456789", CustomerName: "Budi",
			Email: "budi@example.co.id", Mobile: "0812", TerminalType: "APP", NotifyURL: "https://n.example/",
			RedirectURL: "https://r.example/", Remark: "r", Status: gateway.StatusCompleted,
			Flag: gateway.FlagUnderpaid, ChannelRef: "BCA-REF-1", ExpireAt: t0.Add(time.Hour),
			SettleAt: t0.Add(25 * time.Hour), SettledAt: t0.Add(26 * time.Hour), CreatedAt: t0.Add(time.Second),
			UpdatedAt: t0.Add(26 * time.Hour), FinishedAt: t0.Add(2 * time.Minute),
		}
		insertPayment(t, s, full)
		same(t, "payment with every field set", getPayment(t, s, full.TransactionID), full)
		got, err = s.GetPayment(ctx, app.AppID, gateway.OrderRef{MchOrderID: "order-2"})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayment by mchOrderId, every field set", got, full)

		_, other := seedApp(t, s)
		_, err = s.GetPayment(ctx, other.AppID, gateway.OrderRef{TransactionID: p.TransactionID})
		wantErr(t, "another app's payment by transaction id", err, gateway.ErrNotFound)
		_, err = s.GetPayment(ctx, other.AppID, gateway.OrderRef{MchOrderID: "order-1"})
		wantErr(t, "another app's payment by mchOrderId", err, gateway.ErrNotFound)
		_, err = s.GetPaymentByID(ctx, "C-unknown")
		wantErr(t, "GetPaymentByID(unknown)", err, gateway.ErrNotFound)
		// A payout's transaction id is not a payment's.
		d := newPayout(app, "order-1")
		insertPayout(t, s, d)
		_, err = s.GetPaymentByID(ctx, d.TransactionID)
		wantErr(t, "GetPaymentByID(a payout)", err, gateway.ErrNotFound)
	}},
	{"ErrDuplicatePayment", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayment(app, "order-1")
		insertPayment(t, s, p)
		insert := func(q gateway.Payment) error {
			return s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertPayment(ctx, q) })
		}
		wantDuplicate(t, "same mchOrderId", insert(newPayment(app, "order-1")), "mch_order_id")
		q := newPayment(app, "order-2")
		q.TransactionID = p.TransactionID
		wantDuplicate(t, "same transaction id", insert(q), "transaction_id")
		_, err := s.GetPayment(ctx, app.AppID, gateway.OrderRef{MchOrderID: "order-2"})
		wantErr(t, "refused payment", err, gateway.ErrNotFound)

		// Unpaid payments of one channel have no reference (NULL), and any
		// number of them may be stored.
		for _, order := range []string{"order-3", "order-4"} {
			q := newPayment(app, order)
			if err := insert(q); err != nil {
				t.Errorf("second unpaid payment of a channel: %v", err)
			}
		}
		q = newPayment(app, "order-5")
		q.Status, q.ChannelRef = gateway.StatusCompleted, "REF-1"
		if err := insert(q); err != nil {
			t.Fatal(err)
		}
		q = newPayment(app, "order-6")
		q.Status, q.ChannelRef = gateway.StatusCompleted, "REF-1"
		wantDuplicate(t, "same channel reference", insert(q), "channel_ref")

		_, other := seedApp(t, s)
		if err := insert(newPayment(other, "order-1")); err != nil {
			t.Errorf("another app reusing mchOrderId: %v", err)
		}
	}},
	{"CompletePayment", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayment(app, "order-1")
		insertPayment(t, s, p)
		at, settle := t0.Add(time.Minute), t0.Add(24*time.Hour)
		ok, err := completePayment(t, s, p.TransactionID, 25000, 250, "", "REF-1", settle, at)
		if err != nil || !ok {
			t.Fatalf("CompletePayment of a PENDING payment = %v, %v; want true", ok, err)
		}
		want := p
		want.Status, want.PaidAmount, want.Fee, want.ChannelRef = gateway.StatusCompleted, 25000, 250, "REF-1"
		want.SettleAt, want.FinishedAt, want.UpdatedAt = settle, at, at
		same(t, "completed payment", getPayment(t, s, p.TransactionID), want)

		ok, err = completePayment(t, s, p.TransactionID, 30000, 300, gateway.FlagOverpaid, "REF-2",
			settle.Add(time.Hour), at.Add(time.Minute))
		if err != nil || ok {
			t.Errorf("second CompletePayment = %v, %v; want false, nil", ok, err)
		}
		same(t, "payment after a second CompletePayment", getPayment(t, s, p.TransactionID), want)
		// The same report again: no change, and no duplicate of its own reference.
		ok, err = completePayment(t, s, p.TransactionID, 25000, 250, "", "REF-1", settle, at)
		if err != nil || ok {
			t.Errorf("CompletePayment repeated = %v, %v; want false, nil", ok, err)
		}

		// Paid after it expired: accepted, and flagged by the caller.
		late := newPayment(app, "order-2")
		insertPayment(t, s, late)
		expired := t0.Add(15 * time.Minute)
		if !expirePayment(t, s, late.TransactionID, expired) {
			t.Fatal("ExpirePayment returned false")
		}
		at = t0.Add(20 * time.Minute)
		ok, err = completePayment(t, s, late.TransactionID, 20000, 200, gateway.FlagLate, "REF-3", time.Time{}, at)
		if err != nil || !ok {
			t.Fatalf("CompletePayment of an EXPIRED payment = %v, %v; want true", ok, err)
		}
		want = late
		want.Status, want.PaidAmount, want.Fee, want.Flag = gateway.StatusCompleted, 20000, 200, gateway.FlagLate
		want.ChannelRef, want.FinishedAt, want.UpdatedAt = "REF-3", at, at
		same(t, "late payment, completed with a zero SettleAt", getPayment(t, s, late.TransactionID), want)

		failed := newPayment(app, "order-3")
		failed.Status, failed.FinishedAt = gateway.StatusFailed, t0
		insertPayment(t, s, failed)
		ok, err = completePayment(t, s, failed.TransactionID, 25000, 0, "", "REF-4", settle, at)
		if err != nil || ok {
			t.Errorf("CompletePayment of a FAILED payment = %v, %v; want false, nil", ok, err)
		}
		same(t, "failed payment", getPayment(t, s, failed.TransactionID), failed)
		ok, err = completePayment(t, s, "C-unknown", 1, 0, "", "REF-5", settle, at)
		if err != nil || ok {
			t.Errorf("CompletePayment of an unknown payment = %v, %v; want false, nil", ok, err)
		}
	}},
	{"CompletePaymentConcurrent", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayment(app, "order-1")
		insertPayment(t, s, p)
		const n = 8
		won := make([]bool, n)
		// Every transaction that can be open at once (on SQLite one alone)
		// is open and has read the payment before any completes it.
		var arrived atomic.Int64
		allIn := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := s.InTx(t.Context(), func(tx gateway.Tx) error {
					if _, err := tx.GetPaymentByID(t.Context(), p.TransactionID); err != nil {
						return err
					}
					if arrived.Add(1) == n {
						close(allIn)
					}
					select {
					case <-allIn:
					case <-time.After(200 * time.Millisecond):
					}
					var err error
					won[i], err = tx.CompletePayment(t.Context(), p.TransactionID, int64(1000+i), int64(i), "",
						uniq("REF"), t0.Add(time.Hour), t0.Add(time.Duration(i+1)*time.Second))
					return err
				})
				if err != nil {
					t.Errorf("CompletePayment %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		winners := 0
		for i, ok := range won {
			if ok {
				winners++
				got := getPayment(t, s, p.TransactionID)
				if got.Status != gateway.StatusCompleted || got.PaidAmount != int64(1000+i) || got.Fee != int64(i) ||
					!got.FinishedAt.Equal(t0.Add(time.Duration(i+1)*time.Second)) {
					t.Errorf("winner %d, but the payment holds %+v", i, got)
				}
			}
		}
		same(t, "CompletePayment calls that won", winners, 1)
	}},
	{"PaymentChannelRefUnique", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		first, second := newPayment(app, "order-1"), newPayment(app, "order-2")
		elsewhere := newPayment(app, "order-3")
		elsewhere.ChannelCode = "PH_GCASH"
		for _, p := range []gateway.Payment{first, second, elsewhere} {
			insertPayment(t, s, p)
		}
		settle, at := t0.Add(time.Hour), t0.Add(time.Minute)
		if ok, err := completePayment(t, s, first.TransactionID, 25000, 0, "", "REF-1", settle, at); err != nil || !ok {
			t.Fatalf("CompletePayment = %v, %v", ok, err)
		}
		_, err := completePayment(t, s, second.TransactionID, 25000, 0, "", "REF-1", settle, at)
		wantDuplicate(t, "a channel reference another payment of the channel holds", err, "channel_ref")
		same(t, "payment refused a taken reference", getPayment(t, s, second.TransactionID), second)
		if ok, err := completePayment(t, s, elsewhere.TransactionID, 25000, 0, "", "REF-1", settle, at); err != nil || !ok {
			t.Errorf("the same reference on another channel = %v, %v; want true", ok, err)
		}
		if ok, err := completePayment(t, s, second.TransactionID, 25000, 0, "", "REF-2", settle, at); err != nil || !ok {
			t.Errorf("CompletePayment with a free reference after a refusal = %v, %v; want true", ok, err)
		}
		// Payments completed without a reference (NULL) never collide.
		noRef1, noRef2 := newPayment(app, "order-4"), newPayment(app, "order-5")
		for _, p := range []gateway.Payment{noRef1, noRef2} {
			insertPayment(t, s, p)
			if ok, err := completePayment(t, s, p.TransactionID, 25000, 0, "", "", settle, at); err != nil || !ok {
				t.Errorf("CompletePayment without a reference = %v, %v; want true", ok, err)
			}
			same(t, "reference of a payment completed without one", getPayment(t, s, p.TransactionID).ChannelRef, "")
		}
		same(t, "reference of the first payment", getPayment(t, s, first.TransactionID).ChannelRef, "REF-1")
		same(t, "reference of the second payment", getPayment(t, s, second.TransactionID).ChannelRef, "REF-2")
	}},
	{"ExpirePayment", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayment(app, "order-1")
		insertPayment(t, s, p)
		at := t0.Add(15 * time.Minute)
		if !expirePayment(t, s, p.TransactionID, at) {
			t.Fatal("ExpirePayment of a PENDING payment returned false")
		}
		want := p
		want.Status, want.FinishedAt, want.UpdatedAt = gateway.StatusExpired, at, at
		same(t, "expired payment", getPayment(t, s, p.TransactionID), want)
		if expirePayment(t, s, p.TransactionID, at.Add(time.Minute)) {
			t.Error("second ExpirePayment returned true")
		}
		same(t, "payment after a second ExpirePayment", getPayment(t, s, p.TransactionID), want)

		done := newPayment(app, "order-2")
		insertPayment(t, s, done)
		if ok, err := completePayment(t, s, done.TransactionID, 25000, 0, "", "REF-1", t0, t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("CompletePayment = %v, %v", ok, err)
		}
		want = getPayment(t, s, done.TransactionID)
		if expirePayment(t, s, done.TransactionID, at) {
			t.Error("ExpirePayment of a COMPLETED payment returned true")
		}
		same(t, "completed payment after ExpirePayment", getPayment(t, s, done.TransactionID), want)
		if expirePayment(t, s, "C-unknown", at) {
			t.Error("ExpirePayment of an unknown payment returned true")
		}
	}},
	{"MarkPaymentSettled", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayment(app, "order-1")
		insertPayment(t, s, p)
		if markSettled(t, s, p.TransactionID, t0) {
			t.Error("MarkPaymentSettled of a PENDING payment returned true")
		}
		same(t, "pending payment after MarkPaymentSettled", getPayment(t, s, p.TransactionID), p)
		settle := t0.Add(time.Hour)
		if ok, err := completePayment(t, s, p.TransactionID, 25000, 250, "", "REF-1", settle, t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("CompletePayment = %v, %v", ok, err)
		}
		want := getPayment(t, s, p.TransactionID)
		at := settle.Add(time.Second)
		if !markSettled(t, s, p.TransactionID, at) {
			t.Fatal("MarkPaymentSettled of a COMPLETED payment returned false")
		}
		want.SettledAt, want.UpdatedAt = at, at
		same(t, "settled payment", getPayment(t, s, p.TransactionID), want)
		if markSettled(t, s, p.TransactionID, at.Add(time.Minute)) {
			t.Error("second MarkPaymentSettled returned true")
		}
		same(t, "payment after a second MarkPaymentSettled", getPayment(t, s, p.TransactionID), want)
		if markSettled(t, s, "C-unknown", at) {
			t.Error("MarkPaymentSettled of an unknown payment returned true")
		}
	}},
	{"SetSettlementDelay", func(t *testing.T, s Store) {
		ctx := t.Context()
		m, _ := seedApp(t, s)
		got, err := s.GetMerchant(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "merchant without a delay", got, m)
		for _, d := range []time.Duration{90 * time.Minute, 7 * 24 * time.Hour, 1500 * time.Millisecond, 0} {
			mustTx(t, s, func(tx gateway.Tx) error { return tx.SetSettlementDelay(ctx, m.ID, d) })
			got, err := s.GetMerchant(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := m
			want.SettlementDelay = d
			same(t, "merchant after SetSettlementDelay("+d.String()+")", got, want)
		}
		err = s.InTx(ctx, func(tx gateway.Tx) error { return tx.SetSettlementDelay(ctx, "nobody", time.Hour) })
		wantErr(t, "SetSettlementDelay(unknown)", err, gateway.ErrNotFound)
	}},
}

package storetest

import (
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

// newStaticCode is an ACTIVE open-amount code of app that never expires.
func newStaticCode(app gateway.App, mchOrderID string) gateway.StaticCode {
	return gateway.StaticCode{
		ID: uniq("S"), AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: mchOrderID,
		CountryCode: "PH", Currency: "PHP", ChannelCode: "PH_QRPH_STATIC", CustomerName: "Maria Santos",
		MinAmount: 100, MaxAmount: 5_000_000, Status: gateway.StaticActive, PayData: "00020101021128...6304ABCD",
		NotifyURL: "https://merchant.example/static", Remark: "stall 7", CreatedAt: t0, UpdatedAt: t0,
	}
}

func insertStaticCode(t *testing.T, s Store, c gateway.StaticCode) {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertStaticCode(t.Context(), c) })
}

// staticPayment is a COMPLETED payment into c, made at.
func staticPayment(c gateway.StaticCode, ref string, amount int64, at time.Time) gateway.Payment {
	return gateway.Payment{
		TransactionID: uniq("C"), AppID: c.AppID, MerchantID: c.MerchantID, MchOrderID: c.MchOrderID,
		StaticCodeID: c.ID, CountryCode: c.CountryCode, Currency: c.Currency, Amount: amount, PaidAmount: amount,
		Fee: 10, ChannelType: "QR", ChannelCode: c.ChannelCode, PayData: c.PayData, Status: gateway.StatusCompleted,
		ChannelRef: ref, ExpireAt: at, SettleAt: at, CreatedAt: at, UpdatedAt: at, FinishedAt: at,
	}
}

var staticTests = []test{
	{"StaticCodeInsertGet", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		c := newStaticCode(app, "code-1")
		insertStaticCode(t, s, c)
		got, err := s.GetStaticCodeByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetStaticCodeByID", got, c)
		for name, ref := range map[string]gateway.StaticRef{"by id": {ID: c.ID}, "by mchOrderId": {MchOrderID: "code-1"}} {
			got, err := s.GetStaticCode(ctx, app.AppID, ref)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			same(t, "GetStaticCode "+name, got, c)
		}
		// Every nullable column set.
		full := newStaticCode(app, "code-2")
		full.ChannelCode, full.CountryCode, full.Currency, full.PayData = "ID_BCA_VA", "ID", "IDR", "7001200012345678"
		full.Amount, full.MinAmount, full.MaxAmount = 50_000, 50_000, 50_000
		full.ExpireAt, full.CancelledAt, full.Status = t0.Add(48*time.Hour), t0.Add(time.Hour), gateway.StaticCancel
		full.UpdatedAt = t0.Add(time.Hour)
		insertStaticCode(t, s, full)
		got, err = s.GetStaticCodeByID(ctx, full.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "code with every field set", got, full)

		_, other := seedApp(t, s)
		_, err = s.GetStaticCode(ctx, other.AppID, gateway.StaticRef{MchOrderID: "code-1"})
		wantErr(t, "another app's code", err, gateway.ErrNotFound)
		_, err = s.GetStaticCodeByID(ctx, "S-unknown")
		wantErr(t, "unknown code", err, gateway.ErrNotFound)

		err = s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertStaticCode(ctx, newStaticCode(app, "code-1")) })
		wantDuplicate(t, "same mchOrderId", err, "mch_order_id")
		dupID := newStaticCode(app, "code-3")
		dupID.ID = c.ID
		err = s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertStaticCode(ctx, dupID) })
		wantDuplicate(t, "same id", err, "static_code_id")
		oc := newStaticCode(other, "code-1")
		oc.CreatedAt = t0.Add(time.Second)
		insertStaticCode(t, s, oc)
		found, err := s.FindStaticCodes(ctx, "code-1")
		if err != nil {
			t.Fatal(err)
		}
		same(t, "FindStaticCodes", found, []gateway.StaticCode{c, oc})
		if found, err := s.FindStaticCodes(ctx, "nope"); err != nil || len(found) != 0 {
			t.Errorf("FindStaticCodes(unknown) = %v, %v", found, err)
		}
	}},
	{"StaticCodeCancel", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		c := newStaticCode(app, "code-1")
		insertStaticCode(t, s, c)
		at := t0.Add(time.Hour)
		cancel := func() bool {
			var ok bool
			mustTx(t, s, func(tx gateway.Tx) error {
				locked, err := tx.LockStaticCode(ctx, c.ID)
				if err != nil || locked.ID != c.ID {
					t.Errorf("LockStaticCode = %+v, %v", locked, err)
				}
				ok, err = tx.CancelStaticCode(ctx, c.ID, at)
				return err
			})
			return ok
		}
		if !cancel() {
			t.Fatal("CancelStaticCode of an ACTIVE code returned false")
		}
		want := c
		want.Status, want.CancelledAt, want.UpdatedAt = gateway.StaticCancel, at, at
		got, _ := s.GetStaticCodeByID(ctx, c.ID)
		same(t, "cancelled code", got, want)
		if cancel() {
			t.Error("CancelStaticCode twice returned true")
		}
		err := s.InTx(ctx, func(tx gateway.Tx) error {
			_, err := tx.LockStaticCode(ctx, "S-unknown")
			return err
		})
		wantErr(t, "LockStaticCode(unknown)", err, gateway.ErrNotFound)
	}},
	{"StaticPayments", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		c := newStaticCode(app, "shared-1")
		insertStaticCode(t, s, c)
		// A dynamic order may share the code's mchOrderId, and any number of
		// payments into the code carry it.
		dyn := newPayment(app, "shared-1")
		insertPayment(t, s, dyn)
		var ps []gateway.Payment
		for i := range 5 {
			p := staticPayment(c, uniq("REF"), int64(1000+i), t0.Add(time.Duration(i)*time.Minute))
			insertPayment(t, s, p)
			same(t, "static payment", getPayment(t, s, p.TransactionID), p)
			ps = append(ps, p)
		}
		// Two payments in one millisecond: the larger transaction id is newer.
		tie := staticPayment(c, uniq("REF"), 2000, ps[4].CreatedAt)
		tie.TransactionID = ps[4].TransactionID + "9"
		insertPayment(t, s, tie)
		err := s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertPayment(ctx, newPayment(app, "shared-1")) })
		wantDuplicate(t, "second dynamic order with the mchOrderId", err, "mch_order_id")
		got, err := s.GetPayment(ctx, app.AppID, gateway.OrderRef{MchOrderID: "shared-1"})
		if err != nil || got.TransactionID != dyn.TransactionID {
			t.Errorf("GetPayment by mchOrderId found %s, %v; want the dynamic order %s", got.TransactionID, err, dyn.TransactionID)
		}

		page, total, err := s.ListStaticPayments(ctx, c.ID, 0, 4)
		if err != nil || total != 6 {
			t.Fatalf("ListStaticPayments = total %d, %v", total, err)
		}
		same(t, "first page", paymentIDs(t, page, nil), []string{tie.TransactionID, ps[4].TransactionID, ps[3].TransactionID, ps[2].TransactionID})
		page, _, err = s.ListStaticPayments(ctx, c.ID, 4, 4)
		same(t, "second page", paymentIDs(t, page, err), []string{ps[1].TransactionID, ps[0].TransactionID})
		page, total, err = s.ListStaticPayments(ctx, "S-unknown", 0, 4)
		if err != nil || total != 0 || len(page) != 0 {
			t.Errorf("payments of an unknown code: %v, %d, %v", page, total, err)
		}

		byRef, err := s.GetPaymentByChannelRef(ctx, c.ChannelCode, ps[2].ChannelRef)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPaymentByChannelRef", byRef, ps[2])
		_, err = s.GetPaymentByChannelRef(ctx, "PH_GCASH", ps[2].ChannelRef)
		wantErr(t, "reference of another channel", err, gateway.ErrNotFound)
		dup := staticPayment(c, ps[2].ChannelRef, 1000, t0)
		err = s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertPayment(ctx, dup) })
		wantDuplicate(t, "same channel reference", err, "channel_ref")
	}},
	{"SimStaticPayments", func(t *testing.T, s Store) {
		ctx := t.Context()
		p := sim.Payment{ID: uniq("SP"), StaticCodeID: "S123", Amount: 5000, CreatedAt: t0}
		if err := s.InsertSimPayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.UnreportedSimPayments(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "unreported static sim payment", got, []sim.Payment{p})
	}},
}

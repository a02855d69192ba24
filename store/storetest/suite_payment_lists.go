package storetest

import (
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

func paymentIDs(t *testing.T, ps []gateway.Payment, err error) []string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, p := range ps {
		ids = append(ids, p.TransactionID)
	}
	return ids
}

// paymentListTests cover the queries of the expiry and settlement sweeps.
var paymentListTests = []test{
	{"ListPaymentsToExpire", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		base := uniq("C")
		mk := func(id string, expireAt time.Duration) gateway.Payment {
			p := newPayment(app, uniq("order"))
			p.TransactionID, p.ExpireAt = base+id, t0.Add(expireAt)
			insertPayment(t, s, p)
			return p
		}
		tieB := mk("-b", 2*time.Minute) // inserted before its tie, sorts after it
		tieA := mk("-a", 2*time.Minute)
		oldest := mk("-z", time.Minute)
		atNow := mk("-c", 10*time.Minute)
		mk("-d", 10*time.Minute+time.Millisecond) // not yet
		expired := mk("-e", 0)
		if !expirePayment(t, s, expired.TransactionID, t0) {
			t.Fatal("ExpirePayment returned false")
		}
		completed := mk("-f", 0)
		if ok, err := completePayment(t, s, completed.TransactionID, 25000, 0, "", "REF-1", t0, t0); err != nil || !ok {
			t.Fatalf("CompletePayment = %v, %v", ok, err)
		}
		now := t0.Add(10 * time.Minute)
		list := func(limit int) []string {
			t.Helper()
			ps, err := s.ListPaymentsToExpire(ctx, now, limit)
			if len(ps) > 0 && ps[0].TransactionID == oldest.TransactionID {
				same(t, "listed payment", ps[0], oldest)
			}
			return paymentIDs(t, ps, err)
		}
		same(t, "payments to expire", list(10),
			[]string{oldest.TransactionID, tieA.TransactionID, tieB.TransactionID, atNow.TransactionID})
		same(t, "payments to expire, limit 2", list(2), []string{oldest.TransactionID, tieA.TransactionID})
		ps, err := s.ListPaymentsToExpire(ctx, t0, 10)
		same(t, "payments to expire before any is due", paymentIDs(t, ps, err), []string{})
	}},
	{"ListPaymentsToSettle", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		base := uniq("C")
		mk := func(id string, settleAt time.Duration) gateway.Payment {
			p := newPayment(app, uniq("order"))
			p.TransactionID = base + id
			insertPayment(t, s, p)
			ok, err := completePayment(t, s, p.TransactionID, 25000, 250, "", uniq("REF"), t0.Add(settleAt), t0)
			if err != nil || !ok {
				t.Fatalf("CompletePayment = %v, %v", ok, err)
			}
			return getPayment(t, s, p.TransactionID)
		}
		tieB := mk("-b", 2*time.Hour)
		tieA := mk("-a", 2*time.Hour)
		oldest := mk("-z", time.Hour)
		atNow := mk("-c", 24*time.Hour)
		mk("-d", 24*time.Hour+time.Millisecond) // not yet
		settled := mk("-e", 0)
		if !markSettled(t, s, settled.TransactionID, t0.Add(time.Minute)) {
			t.Fatal("MarkPaymentSettled returned false")
		}
		pending := newPayment(app, uniq("order"))
		pending.TransactionID, pending.SettleAt = base+"-f", t0 // not COMPLETED, though due
		insertPayment(t, s, pending)
		expired := newPayment(app, uniq("order"))
		expired.TransactionID = base + "-g"
		insertPayment(t, s, expired)
		if !expirePayment(t, s, expired.TransactionID, t0) {
			t.Fatal("ExpirePayment returned false")
		}
		now := t0.Add(24 * time.Hour)
		list := func(limit int) []string {
			t.Helper()
			ps, err := s.ListPaymentsToSettle(ctx, now, limit)
			if len(ps) > 0 && ps[0].TransactionID == oldest.TransactionID {
				same(t, "listed payment", ps[0], oldest)
			}
			return paymentIDs(t, ps, err)
		}
		same(t, "payments to settle", list(10),
			[]string{oldest.TransactionID, tieA.TransactionID, tieB.TransactionID, atNow.TransactionID})
		same(t, "payments to settle, limit 3", list(3),
			[]string{oldest.TransactionID, tieA.TransactionID, tieB.TransactionID})
		if !markSettled(t, s, tieA.TransactionID, now) {
			t.Fatal("MarkPaymentSettled returned false")
		}
		same(t, "payments to settle after one settled", list(10),
			[]string{oldest.TransactionID, tieB.TransactionID, atNow.TransactionID})
		ps, err := s.ListPaymentsToSettle(ctx, t0.Add(time.Hour-time.Millisecond), 10)
		same(t, "payments to settle before any is due", paymentIDs(t, ps, err), []string{})
	}},
}

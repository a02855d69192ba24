package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

func newPayout(app gateway.App, mchOrderID string) gateway.Payout {
	return gateway.Payout{
		TransactionID: uniq("D"), AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: mchOrderID,
		IdempotencyID: uniq("idem"), CountryCode: "PH", Currency: "PHP", Amount: 10000, Fee: 150,
		PayMethod: "EWALLET", TransferCode: "PH_GCASH", AccountNo: "09171234567", AccountName: "Juan Dela Cruz",
		AccountType: "1", Mobile: "09171234567", NotifyURL: "https://merchant.example/n", Remark: "salary",
		Status: gateway.StatusPending, ChannelState: gateway.ChannelNew, CreatedAt: t0, UpdatedAt: t0,
	}
}

func insertPayout(t *testing.T, s Store, p gateway.Payout) {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertPayout(t.Context(), p) })
}

func getPayout(t *testing.T, s Store, id string) gateway.Payout {
	t.Helper()
	p, err := s.GetPayoutByID(t.Context(), id)
	if err != nil {
		t.Fatalf("GetPayoutByID(%s): %v", id, err)
	}
	return p
}

var payoutTests = []test{
	{"PayoutInsertGet", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayout(app, "order-1")
		insertPayout(t, s, p)
		same(t, "GetPayoutByID", getPayout(t, s, p.TransactionID), p)
		got, err := s.GetPayout(ctx, app.AppID, gateway.OrderRef{TransactionID: p.TransactionID})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayout by transaction id", got, p)
		got, err = s.GetPayout(ctx, app.AppID, gateway.OrderRef{MchOrderID: "order-1"})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayout by mchOrderId", got, p)

		// Without an idempotency id (NULL), any number of payouts may be stored.
		for _, order := range []string{"order-2", "order-3"} {
			q := newPayout(app, order)
			q.IdempotencyID = ""
			insertPayout(t, s, q)
			same(t, "payout without idempotency id", getPayout(t, s, q.TransactionID), q)
		}

		_, other := seedApp(t, s)
		_, err = s.GetPayout(ctx, other.AppID, gateway.OrderRef{TransactionID: p.TransactionID})
		wantErr(t, "another app's payout by transaction id", err, gateway.ErrNotFound)
		_, err = s.GetPayout(ctx, other.AppID, gateway.OrderRef{MchOrderID: "order-1"})
		wantErr(t, "another app's payout by mchOrderId", err, gateway.ErrNotFound)
		_, err = s.GetPayoutByID(ctx, "D-unknown")
		wantErr(t, "GetPayoutByID(unknown)", err, gateway.ErrNotFound)
	}},
	{"ErrDuplicatePayout", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayout(app, "order-1")
		insertPayout(t, s, p)
		insert := func(q gateway.Payout) error {
			return s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertPayout(ctx, q) })
		}
		q := newPayout(app, "order-1")
		wantDuplicate(t, "same mchOrderId", insert(q), "mch_order_id")
		q = newPayout(app, "order-2")
		q.IdempotencyID = p.IdempotencyID
		wantDuplicate(t, "same idempotencyId", insert(q), "idempotency_id")
		q = newPayout(app, "order-3")
		q.TransactionID = p.TransactionID
		wantDuplicate(t, "same transaction id", insert(q), "transaction_id")

		_, other := seedApp(t, s)
		q = newPayout(other, "order-1")
		q.IdempotencyID = p.IdempotencyID
		if err := insert(q); err != nil {
			t.Errorf("another app reusing mchOrderId and idempotencyId: %v", err)
		}
	}},
	{"ConcurrentDuplicateOrder", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				p := newPayout(app, "same-order")
				errs[i] = s.InTx(ctx, func(tx gateway.Tx) error { return tx.InsertPayout(ctx, p) })
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var dup *gateway.DuplicateError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &dup) && dup.Key == "mch_order_id":
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d inserts succeeded, want exactly 1", ok)
		}
	}},
	{"FinishPayoutOnce", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayout(app, "order-1")
		insertPayout(t, s, p)
		at := t0.Add(time.Minute)
		finish := func(status gateway.Status, code int, msg string, at time.Time) bool {
			t.Helper()
			var ok bool
			mustTx(t, s, func(tx gateway.Tx) error {
				var err error
				ok, err = tx.FinishPayout(ctx, p.TransactionID, status, code, msg, at)
				return err
			})
			return ok
		}
		if !finish(gateway.StatusFailed, -10005, "destination account error", at) {
			t.Fatal("first FinishPayout returned false")
		}
		want := p
		want.Status, want.FailedCode, want.FailedMessage = gateway.StatusFailed, -10005, "destination account error"
		want.ChannelState, want.FinishedAt, want.UpdatedAt = gateway.ChannelDone, at, at
		same(t, "finished payout", getPayout(t, s, p.TransactionID), want)
		if finish(gateway.StatusCompleted, 0, "", at.Add(time.Minute)) {
			t.Error("second FinishPayout returned true")
		}
		same(t, "payout after a second finish", getPayout(t, s, p.TransactionID), want)
		var ok bool
		mustTx(t, s, func(tx gateway.Tx) error {
			var err error
			ok, err = tx.FinishPayout(ctx, "D-unknown", gateway.StatusCompleted, 0, "", at)
			return err
		})
		if ok {
			t.Error("FinishPayout of an unknown payout returned true")
		}
	}},
	{"SetPayoutChannel", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayout(app, "order-1")
		insertPayout(t, s, p)
		at := t0.Add(time.Second)
		mustTx(t, s, func(tx gateway.Tx) error {
			return tx.SetPayoutChannel(ctx, p.TransactionID, gateway.ChannelSubmitted, "REF-1", at)
		})
		want := p
		want.ChannelState, want.ChannelRef, want.UpdatedAt = gateway.ChannelSubmitted, "REF-1", at
		same(t, "submitted payout", getPayout(t, s, p.TransactionID), want)
		mustTx(t, s, func(tx gateway.Tx) error {
			_, err := tx.FinishPayout(ctx, p.TransactionID, gateway.StatusCompleted, 0, "", at.Add(time.Second))
			return err
		})
		want = getPayout(t, s, p.TransactionID)
		mustTx(t, s, func(tx gateway.Tx) error {
			return tx.SetPayoutChannel(ctx, p.TransactionID, gateway.ChannelUnknown, "REF-2", at.Add(time.Hour))
		})
		same(t, "final payout after SetPayoutChannel", getPayout(t, s, p.TransactionID), want)
	}},
	{"ListPayoutsToReconcile", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		mk := func(state gateway.ChannelState, updated time.Duration, final bool) gateway.Payout {
			p := newPayout(app, uniq("order"))
			p.ChannelState, p.UpdatedAt = state, t0.Add(updated)
			insertPayout(t, s, p)
			if final {
				mustTx(t, s, func(tx gateway.Tx) error {
					_, err := tx.FinishPayout(ctx, p.TransactionID, gateway.StatusCompleted, 0, "", t0)
					return err
				})
			}
			return p
		}
		unknownOld := mk(gateway.ChannelUnknown, 1*time.Minute, false)
		submittedOlder := mk(gateway.ChannelSubmitted, 0, false)
		submittedOld := mk(gateway.ChannelSubmitted, 2*time.Minute, false)
		newOld := mk(gateway.ChannelNew, 30*time.Second, false) // never handed to its channel
		mk(gateway.ChannelSubmitted, 0, true)                   // final
		mk(gateway.ChannelSubmitted, 10*time.Minute, false)     // touched too recently
		before := t0.Add(5 * time.Minute)
		list := func(limit int) []string {
			t.Helper()
			ps, err := s.ListPayoutsToReconcile(ctx, before, limit)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, p.TransactionID)
			}
			return ids
		}
		same(t, "payouts to reconcile", list(10),
			[]string{submittedOlder.TransactionID, newOld.TransactionID, unknownOld.TransactionID, submittedOld.TransactionID})
		same(t, "payouts to reconcile, limit 2", list(2),
			[]string{submittedOlder.TransactionID, newOld.TransactionID})
	}},
	{"ClaimPayoutSubmission", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayout(app, "order-1")
		insertPayout(t, s, p)
		at := t0.Add(time.Minute)
		claims := make(chan bool, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				var ok bool
				err := s.InTx(ctx, func(tx gateway.Tx) error {
					var err error
					ok, err = tx.ClaimPayoutSubmission(ctx, p.TransactionID, "sim", at)
					return err
				})
				if err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
				}
				claims <- ok
			})
		}
		wg.Wait()
		close(claims)
		won := 0
		for ok := range claims {
			if ok {
				won++
			}
		}
		same(t, "claims won", won, 1)
		want := p
		want.ChannelState, want.Connector, want.SubmittedAt, want.UpdatedAt = gateway.ChannelUnknown, "sim", at, at
		same(t, "claimed payout", getPayout(t, s, p.TransactionID), want)

		touched := at.Add(time.Hour)
		mustTx(t, s, func(tx gateway.Tx) error { return tx.TouchPayout(ctx, p.TransactionID, touched) })
		want.UpdatedAt = touched
		same(t, "touched payout", getPayout(t, s, p.TransactionID), want)
	}}, {"PayoutConnectorsInFlight", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		claim := func(id, connector string) gateway.Payout {
			p := newPayout(app, id)
			insertPayout(t, s, p)
			mustTx(t, s, func(tx gateway.Tx) error {
				_, err := tx.ClaimPayoutSubmission(ctx, p.TransactionID, connector, t0)
				return err
			})
			return p
		}
		names := func() []string {
			n, err := s.PayoutConnectorsInFlight(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		same(t, "no payouts", len(names()), 0)
		insertPayout(t, s, newPayout(app, "new-only")) // NEW: held by none yet
		claim("a-1", "up-a")
		claim("a-2", "up-a")
		b := claim("b-1", "up-b")
		mustTx(t, s, func(tx gateway.Tx) error {
			return tx.SetPayoutChannel(ctx, b.TransactionID, gateway.ChannelSubmitted, "ref", t0)
		})
		claim("sim-1", "sim")
		same(t, "connectors in flight", names(), []string{"sim", "up-a", "up-b"})
		mustTx(t, s, func(tx gateway.Tx) error {
			_, err := tx.FinishPayout(ctx, b.TransactionID, gateway.StatusCompleted, 0, "", t0)
			return err
		})
		same(t, "after up-b's payout is final", names(), []string{"sim", "up-a"})
	}},
}

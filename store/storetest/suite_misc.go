package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

func simTransfer(id string, created time.Time, settle time.Time) sim.Transfer {
	return sim.Transfer{TransactionID: id, AccountNo: "1234567890", Currency: "PHP", Amount: 5000,
		Status: "PENDING", SettleAt: settle, CreatedAt: created, UpdatedAt: created}
}

func insertSim(t *testing.T, s Store, tr sim.Transfer) sim.Transfer {
	t.Helper()
	got, err := s.InsertSimTransfer(t.Context(), tr)
	if err != nil {
		t.Fatalf("InsertSimTransfer: %v", err)
	}
	return got
}

func dueIDs(t *testing.T, s Store, now time.Time, limit int) []string {
	t.Helper()
	ts, err := s.DueSimTransfers(t.Context(), now, limit)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, tr := range ts {
		ids = append(ids, tr.TransactionID)
	}
	return ids
}

var miscTests = []test{
	{"SimTransfers", func(t *testing.T, s Store) {
		ctx := t.Context()
		a := simTransfer("D1", t0, t0.Add(time.Minute))
		same(t, "inserted", insertSim(t, s, a), a)
		b := a
		b.Amount, b.AccountNo = 1, "other"
		same(t, "second insert returns the first", insertSim(t, s, b), a)
		got, err := s.GetSimTransfer(ctx, "D1")
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetSimTransfer", got, a)
		_, err = s.GetSimTransfer(ctx, "D-unknown")
		wantErr(t, "GetSimTransfer(unknown)", err, gateway.ErrNotFound)

		insertSim(t, s, simTransfer("D2", t0.Add(time.Second), time.Time{}))         // waits for an operator
		insertSim(t, s, simTransfer("D3", t0.Add(2*time.Second), t0.Add(time.Hour))) // later
		insertSim(t, s, simTransfer("D4", t0.Add(3*time.Second), time.Time{}))
		same(t, "due at settle time", dueIDs(t, s, t0.Add(time.Minute), 10), []string{"D1"})
		same(t, "due before", dueIDs(t, s, t0.Add(time.Minute-time.Millisecond), 10), []string{})

		at := t0.Add(5 * time.Second)
		for _, id := range []string{"D2", "D4"} {
			ok, err := s.DecideSimTransfer(ctx, id, "FAILED", -10005, "destination account error", at)
			if err != nil || !ok {
				t.Fatalf("DecideSimTransfer(%s) = %v, %v", id, ok, err)
			}
		}
		ok, err := s.DecideSimTransfer(ctx, "D2", "COMPLETED", 0, "", at)
		if err != nil || ok {
			t.Errorf("second DecideSimTransfer = %v, %v; want false, nil", ok, err)
		}
		_, err = s.DecideSimTransfer(ctx, "D-unknown", "COMPLETED", 0, "", at)
		wantErr(t, "DecideSimTransfer(unknown)", err, gateway.ErrNotFound)
		got, _ = s.GetSimTransfer(ctx, "D2")
		want := simTransfer("D2", t0.Add(time.Second), time.Time{})
		want.Status, want.FailedCode, want.FailedMessage, want.UpdatedAt = "FAILED", -10005, "destination account error", at
		same(t, "decided transfer", got, want)

		same(t, "due, oldest first", dueIDs(t, s, t0.Add(time.Minute), 10), []string{"D1", "D2", "D4"})
		same(t, "due, limited", dueIDs(t, s, t0.Add(time.Minute), 2), []string{"D1", "D2"})
		if err := s.MarkSimReported(ctx, "D2"); err != nil {
			t.Fatal(err)
		}
		same(t, "due after a report", dueIDs(t, s, t0.Add(time.Minute), 10), []string{"D1", "D4"})
		if got, _ := s.GetSimTransfer(ctx, "D2"); !got.Reported {
			t.Errorf("reported transfer: %+v", got)
		}
		wantErr(t, "MarkSimReported(unknown)", s.MarkSimReported(ctx, "D-unknown"), gateway.ErrNotFound)
	}},
	{"SimPayments", func(t *testing.T, s Store) {
		ctx := t.Context()
		insert := func(p sim.Payment) error { return s.InsertSimPayment(ctx, p) }
		b := sim.Payment{ID: "SP-b", TransactionID: "C1", Amount: 25000, CreatedAt: t0}
		a := sim.Payment{ID: "SP-a", TransactionID: "C2", Amount: 100, CreatedAt: t0} // ties with b, sorts first
		c := sim.Payment{ID: "SP-0", TransactionID: "C1", Amount: 5000, CreatedAt: t0.Add(time.Second)}
		old := sim.Payment{ID: "SP-z", TransactionID: "C3", Amount: 7, CreatedAt: t0.Add(-time.Second)}
		done := sim.Payment{ID: "SP-done", TransactionID: "C4", Amount: 1, Reported: true, CreatedAt: t0.Add(-time.Hour)}
		for _, p := range []sim.Payment{b, a, c, old, done} {
			if err := insert(p); err != nil {
				t.Fatalf("InsertSimPayment(%s): %v", p.ID, err)
			}
		}
		dup := a
		dup.TransactionID, dup.Amount = "C9", 9
		wantDuplicate(t, "same sim payment id", insert(dup), "sim_payment_id")

		unreported := func(limit int) []sim.Payment {
			t.Helper()
			ps, err := s.UnreportedSimPayments(ctx, limit)
			if err != nil {
				t.Fatal(err)
			}
			return ps
		}
		same(t, "unreported, oldest first", unreported(10), []sim.Payment{old, a, b, c})
		same(t, "unreported, limited", unreported(2), []sim.Payment{old, a})
		if err := s.MarkSimPaymentReported(ctx, "SP-a"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSimPaymentReported(ctx, "SP-a"); err != nil {
			t.Errorf("MarkSimPaymentReported again: %v", err)
		}
		same(t, "unreported after a report", unreported(10), []sim.Payment{old, b, c})
		wantErr(t, "MarkSimPaymentReported(unknown)", s.MarkSimPaymentReported(ctx, "SP-unknown"), gateway.ErrNotFound)
		wantDuplicate(t, "a reported payment's id", insert(dup), "sim_payment_id")
	}},
	{"Secrets", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, err := s.GetSecret(ctx, "none")
		wantErr(t, "GetSecret(unknown)", err, gateway.ErrNotFound)
		got, err := s.PutSecretIfAbsent(ctx, "k1", []byte("first"))
		if err != nil || string(got) != "first" {
			t.Fatalf("PutSecretIfAbsent = %q, %v", got, err)
		}
		got, err = s.PutSecretIfAbsent(ctx, "k1", []byte("second"))
		if err != nil || string(got) != "first" {
			t.Errorf("PutSecretIfAbsent over an existing secret = %q, %v; want the first", got, err)
		}
		got, err = s.GetSecret(ctx, "k1")
		if err != nil || string(got) != "first" {
			t.Errorf("GetSecret = %q, %v", got, err)
		}
	}},
	{"SecretsConcurrent", func(t *testing.T, s Store) {
		const n = 8
		results := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				v, err := s.PutSecretIfAbsent(t.Context(), "signing-key", []byte{byte('a' + i)})
				if err != nil {
					t.Error(err)
				}
				results[i] = v
			})
		}
		wg.Wait()
		stored, err := s.GetSecret(t.Context(), "signing-key")
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range results {
			if !bytes.Equal(v, stored) {
				t.Errorf("caller %d got %q, the store holds %q", i, v, stored)
			}
		}
	}},
}

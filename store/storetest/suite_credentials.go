package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/postgres"
	"github.com/kasir-gateway/kasir/store/sqlite"
)

// assignNo runs AssignMerchantNo in a transaction of its own.
func assignNo(t *testing.T, s Store, merchantID string) (int64, error) {
	t.Helper()
	var no int64
	err := s.InTx(t.Context(), func(tx gateway.Tx) error {
		var err error
		no, err = tx.AssignMerchantNo(t.Context(), merchantID)
		return err
	})
	return no, err
}

func mustAssignNo(t *testing.T, s Store, merchantID string) int64 {
	t.Helper()
	no, err := assignNo(t, s, merchantID)
	if err != nil {
		t.Fatalf("AssignMerchantNo(%s): %v", merchantID, err)
	}
	return no
}

// apiKey is a key of app's merchant, numbered no, named by sealed.
func apiKey(app gateway.App, no int64, sealed string, created, expires time.Time) gateway.APIKey {
	return gateway.APIKey{MerchantNo: no, MerchantID: app.MerchantID, AppID: app.AppID, Sealed: sealed,
		CreatedAt: created, ExpiresAt: expires}
}

func insertKeys(t *testing.T, s Store, keys ...gateway.APIKey) {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error {
		for _, k := range keys {
			if err := tx.InsertAPIKey(t.Context(), k); err != nil {
				return err
			}
		}
		return nil
	})
}

// listKeys returns ListAPIKeys with the IDs the store gave, by Sealed, and
// the keys with ID zeroed, for comparing with what was inserted.
func listKeys(t *testing.T, s Store, no int64, at time.Time) (map[string]int64, []gateway.APIKey) {
	t.Helper()
	keys, err := s.ListAPIKeys(t.Context(), no, at)
	if err != nil {
		t.Fatalf("ListAPIKeys(%d, %v): %v", no, at, err)
	}
	ids := map[string]int64{}
	seen := map[int64]bool{}
	stripped := []gateway.APIKey{}
	for _, k := range keys {
		if k.ID <= 0 || seen[k.ID] {
			t.Errorf("key %s has ID %d, want a positive ID of its own", k.Sealed, k.ID)
		}
		ids[k.Sealed], seen[k.ID] = k.ID, true
		k.ID = 0
		stripped = append(stripped, k)
	}
	return ids, stripped
}

// errRollback makes a transaction roll back on purpose.
var errRollback = errors.New("storetest: roll back")

func insertNonce(t *testing.T, s Store, no int64, nonce string, at time.Time) bool {
	t.Helper()
	return paymentStep(t, s, func(tx gateway.Tx) (bool, error) { return tx.InsertNonce(t.Context(), no, nonce, at) })
}

func deleteNonces(t *testing.T, s Store, before time.Time) int64 {
	t.Helper()
	var n int64
	mustTx(t, s, func(tx gateway.Tx) error {
		var err error
		n, err = tx.DeleteNonces(t.Context(), before)
		return err
	})
	return n
}

// addApp inserts a copy of the app from under another id, created later by
// the given amount; the suite has no other way to give a merchant a second
// app.
func addApp(t *testing.T, s Store, from gateway.App, appID string, later time.Duration) gateway.App {
	t.Helper()
	var created string
	switch s.(type) {
	case *sqlite.Store:
		created = fmt.Sprintf("created_at + %d", later.Milliseconds())
	case *postgres.Store:
		created = fmt.Sprintf("created_at + interval '%d milliseconds'", later.Milliseconds())
	default:
		t.Fatalf("addApp: unknown store %T", s)
	}
	execRaw(t, s, fmt.Sprintf(`
		INSERT INTO apps (app_id, merchant_id, public_key_pem, notify_url, ip_allowlist, disabled, created_at)
		SELECT '%s', merchant_id, public_key_pem, notify_url, ip_allowlist, disabled, %s FROM apps WHERE app_id = '%s'`,
		appID, created, from.AppID))
	a := from
	a.AppID, a.CreatedAt = appID, from.CreatedAt.Add(later)
	return a
}

var credentialTests = []test{
	{"MerchantNoAssign", func(t *testing.T, s Store) {
		ctx := t.Context()
		m1, _ := seedApp(t, s)
		m2, _ := seedApp(t, s)
		m3, _ := seedApp(t, s)
		same(t, "first number", mustAssignNo(t, s, m1.ID), int64(100001))
		same(t, "first merchant again", mustAssignNo(t, s, m1.ID), int64(100001))
		same(t, "second number", mustAssignNo(t, s, m2.ID), int64(100002))
		same(t, "second merchant again", mustAssignNo(t, s, m2.ID), int64(100002))

		got, err := s.GetMerchant(ctx, m1.ID)
		if err != nil {
			t.Fatal(err)
		}
		m1.No = 100001
		same(t, "GetMerchant after AssignMerchantNo", got, m1)
		got, err = s.GetMerchant(ctx, m3.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "merchant without a number", got, m3)
		got, err = s.GetMerchantByNo(ctx, 100002)
		if err != nil {
			t.Fatal(err)
		}
		m2.No = 100002
		same(t, "GetMerchantByNo", got, m2)
		_, err = s.GetMerchantByNo(ctx, 100003)
		wantErr(t, "GetMerchantByNo(not given)", err, gateway.ErrNotFound)
		_, err = s.GetMerchantByNo(ctx, 0)
		wantErr(t, "GetMerchantByNo(0)", err, gateway.ErrNotFound)
		_, err = assignNo(t, s, "nobody")
		wantErr(t, "AssignMerchantNo(unknown)", err, gateway.ErrNotFound)

		// A number given in a transaction that rolls back is given again.
		err = s.InTx(ctx, func(tx gateway.Tx) error {
			if _, err := tx.AssignMerchantNo(ctx, m3.ID); err != nil {
				return err
			}
			return errRollback
		})
		wantErr(t, "rolled-back assignment", err, errRollback)
		same(t, "third number after a rollback", mustAssignNo(t, s, m3.ID), int64(100003))
	}},
	{"MerchantNoConcurrent", func(t *testing.T, s Store) {
		const n = 12
		ids := make([]string, n)
		for i := range ids {
			m, _ := seedApp(t, s)
			ids[i] = m.ID
		}
		// Each merchant is numbered by two transactions at once.
		nos := make([]int64, 2*n)
		var wg sync.WaitGroup
		for i := range nos {
			wg.Go(func() {
				no, err := assignNo(t, s, ids[i%n])
				if err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
				}
				nos[i] = no
			})
		}
		wg.Wait()
		var given []int64
		for i := range n {
			if nos[i] != nos[i+n] {
				t.Errorf("merchant %s got two numbers, %d and %d", ids[i], nos[i], nos[i+n])
			}
			given = append(given, nos[i])
		}
		slices.Sort(given)
		var want []int64
		for i := range int64(n) {
			want = append(want, 100001+i)
		}
		same(t, "numbers given", given, want)
	}},
	{"ListApps", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, first := seedApp(t, s)
		later := addApp(t, s, first, "a-"+uniq("app"), time.Second) // sorts first by id, but newer
		tie := addApp(t, s, first, first.AppID+"z", 0)
		tie.Disabled = true
		mustTx(t, s, func(tx gateway.Tx) error { return tx.UpdateApp(ctx, tie) })
		seedApp(t, s) // another merchant's
		apps, err := s.ListApps(ctx, first.MerchantID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "apps oldest first", apps, []gateway.App{first, tie, later})
		apps, err = s.ListApps(ctx, "nobody")
		if err != nil || len(apps) != 0 {
			t.Errorf("ListApps(unknown) = %v, %v; want none", apps, err)
		}
	}},
	{"APIKeysNewestFirst", func(t *testing.T, s Store) {
		m, app := seedApp(t, s)
		no := mustAssignNo(t, s, m.ID)
		oldest := apiKey(app, no, "sealed-1", t0, time.Time{})
		expiring := apiKey(app, no, "sealed-2", t0.Add(time.Hour), t0.Add(2*time.Hour))
		newest := apiKey(app, no, "sealed-3", t0.Add(2*time.Hour), time.Time{})
		sameTime := apiKey(app, no, "sealed-4", t0.Add(2*time.Hour), time.Time{}) // inserted after newest
		insertKeys(t, s, oldest, expiring, newest)
		insertKeys(t, s, sameTime)
		m2, app2 := seedApp(t, s)
		insertKeys(t, s, apiKey(app2, mustAssignNo(t, s, m2.ID), "other", t0, time.Time{}))

		_, got := listKeys(t, s, no, t0.Add(90*time.Minute))
		same(t, "keys usable before the expiry", got, []gateway.APIKey{sameTime, newest, expiring, oldest})
		_, got = listKeys(t, s, no, t0.Add(2*time.Hour))
		same(t, "keys usable at the expiry", got, []gateway.APIKey{sameTime, newest, oldest})
		_, got = listKeys(t, s, no+100, t0)
		same(t, "keys of a number without keys", got, []gateway.APIKey{})
	}},
	{"ExpireAPIKeys", func(t *testing.T, s Store) {
		m, app := seedApp(t, s)
		no := mustAssignNo(t, s, m.ID)
		m2, app2 := seedApp(t, s)
		no2 := mustAssignNo(t, s, m2.ID)
		noExpiry := apiKey(app, no, "no-expiry", t0, time.Time{})
		early := apiKey(app, no, "early", t0, t0.Add(10*time.Minute))
		late := apiKey(app, no, "late", t0, t0.Add(5*time.Hour))
		keep := apiKey(app, no, "keep", t0.Add(time.Second), time.Time{})
		other := apiKey(app2, no2, "other", t0, time.Time{})
		insertKeys(t, s, noExpiry, early, late, keep, other)
		ids, _ := listKeys(t, s, no, t0)

		at := t0.Add(time.Hour)
		mustTx(t, s, func(tx gateway.Tx) error { return tx.ExpireAPIKeys(t.Context(), no, ids["keep"], at) })
		noExpiry.ExpiresAt, late.ExpiresAt = at, at
		_, got := listKeys(t, s, no, t0)
		same(t, "keys after ExpireAPIKeys", got, []gateway.APIKey{keep, late, early, noExpiry})
		_, got = listKeys(t, s, no, at)
		same(t, "keys usable once the others expired", got, []gateway.APIKey{keep})
		_, got = listKeys(t, s, no2, at)
		same(t, "another merchant's keys", got, []gateway.APIKey{other})

		// Expiring again later extends nothing.
		mustTx(t, s, func(tx gateway.Tx) error { return tx.ExpireAPIKeys(t.Context(), no, ids["keep"], at.Add(time.Hour)) })
		_, got = listKeys(t, s, no, t0)
		same(t, "keys after a later ExpireAPIKeys", got, []gateway.APIKey{keep, late, early, noExpiry})
	}},
	{"Nonces", func(t *testing.T, s Store) {
		if !insertNonce(t, s, 100001, "abc", t0) {
			t.Fatal("first use of a nonce refused")
		}
		if insertNonce(t, s, 100001, "abc", t0.Add(10*time.Minute)) {
			t.Error("second use of a nonce accepted")
		}
		if !insertNonce(t, s, 100002, "abc", t0) {
			t.Error("another merchant's use of the nonce refused")
		}
		if !insertNonce(t, s, 100001, "def", t0.Add(20*time.Minute)) {
			t.Error("another nonce refused")
		}
		same(t, "nothing recorded before t0", deleteNonces(t, s, t0), int64(0))
		// The refused use did not move "abc" to t0+10m: it goes with t0's.
		same(t, "nonces pruned", deleteNonces(t, s, t0.Add(15*time.Minute)), int64(2))
		if !insertNonce(t, s, 100001, "abc", t0.Add(30*time.Minute)) {
			t.Error("a pruned nonce refused")
		}
		if insertNonce(t, s, 100001, "def", t0.Add(30*time.Minute)) {
			t.Error("a nonce kept by the pruning accepted")
		}
	}},
	{"NonceConcurrent", func(t *testing.T, s Store) {
		const n = 8
		fresh := make(chan bool, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				var ok bool
				err := s.InTx(t.Context(), func(tx gateway.Tx) error {
					var err error
					ok, err = tx.InsertNonce(t.Context(), 100001, "same", t0)
					return err
				})
				if err != nil {
					t.Error(err)
				}
				fresh <- ok
			})
		}
		wg.Wait()
		close(fresh)
		won := 0
		for ok := range fresh {
			if ok {
				won++
			}
		}
		same(t, "uses accepted", won, 1)
	}},
	{"PayoutDialectB", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayout(app, "pe-1")
		p.CountryCode, p.Currency, p.TransferCode = "PE", "PEN", "PE_BCP"
		p.CCIAccountNo, p.IDType, p.IDCard, p.Email = "00219300123456789012", "1", "45678912", "ana@example.pe"
		p.Dialect, p.Connector = gateway.DialectB, "upstream-a"
		insertPayout(t, s, p)
		same(t, "GetPayoutByID", getPayout(t, s, p.TransactionID), p)
		got, err := s.GetPayout(ctx, app.AppID, gateway.OrderRef{MchOrderID: "pe-1"})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayout", got, p)
		list, err := s.ListPayoutsToReconcile(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("ListPayoutsToReconcile = %v, %v", list, err)
		}
		same(t, "payout to reconcile", list[0], p)
		var streamed []gateway.Payout
		err = s.StreamPayouts(ctx, app.AppID, "PE", t0, t0.Add(time.Millisecond), func(p gateway.Payout) error {
			streamed = append(streamed, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "streamed payouts", streamed, []gateway.Payout{p})
	}},
	{"PaymentDialectB", func(t *testing.T, s Store) {
		ctx := t.Context()
		_, app := seedApp(t, s)
		p := newPayment(app, "b-1")
		p.Dialect = gateway.DialectB
		insertPayment(t, s, p)
		same(t, "GetPaymentByID", getPayment(t, s, p.TransactionID), p)
		got, err := s.GetPayment(ctx, app.AppID, gateway.OrderRef{MchOrderID: "b-1"})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "GetPayment", got, p)
		var streamed []gateway.Payment
		err = s.StreamPayments(ctx, app.AppID, "PH", t0, t0.Add(time.Millisecond), func(p gateway.Payment) error {
			streamed = append(streamed, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "streamed payments", streamed, []gateway.Payment{p})
	}},
	{"ClaimPayoutConnector", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayout(app, "order-1")
		insertPayout(t, s, p)
		claim := func(connector string, at time.Time) bool {
			t.Helper()
			return paymentStep(t, s, func(tx gateway.Tx) (bool, error) {
				return tx.ClaimPayoutSubmission(t.Context(), p.TransactionID, connector, at)
			})
		}
		at := t0.Add(time.Minute)
		if !claim("upstream-a", at) {
			t.Fatal("first claim refused")
		}
		if claim("upstream-b", at) {
			t.Error("claim of an UNKNOWN payout accepted")
		}
		same(t, "connector after a refused claim", getPayout(t, s, p.TransactionID).Connector, "upstream-a")
		// upstream-a certainly did not take it: back to NEW, and on to the next.
		mustTx(t, s, func(tx gateway.Tx) error {
			return tx.SetPayoutChannel(t.Context(), p.TransactionID, gateway.ChannelNew, "", at)
		})
		later := at.Add(time.Second)
		if !claim("upstream-b", later) {
			t.Fatal("claim after the payout went back to NEW refused")
		}
		want := p
		want.ChannelState, want.Connector, want.SubmittedAt, want.UpdatedAt = gateway.ChannelUnknown, "upstream-b", later, later
		same(t, "payout claimed by the second connector", getPayout(t, s, p.TransactionID), want)
	}},
}

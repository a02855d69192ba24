package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// reportKind names the orders a report stream lists.
type reportKind int

const (
	kindPayouts reportKind = iota
	kindPayments
	kindRefunds
)

// streamEach runs the kind's stream method for the app's orders in country,
// handing fn each order's id.
func streamEach(t *testing.T, s Store, kind reportKind, appID, country string, from, to time.Time, fn func(id string) error) error {
	t.Helper()
	switch kind {
	case kindPayouts:
		return s.StreamPayouts(t.Context(), appID, country, from, to, func(p gateway.Payout) error { return fn(p.TransactionID) })
	case kindPayments:
		return s.StreamPayments(t.Context(), appID, country, from, to, func(p gateway.Payment) error { return fn(p.TransactionID) })
	default:
		return s.StreamRefunds(t.Context(), appID, country, from, to, func(r gateway.Refund) error { return fn(r.RefundTransactionID) })
	}
}

// streamIDs returns the ids the kind's stream method gives for the app's
// orders in country created in [from, to), in order.
func streamIDs(t *testing.T, s Store, kind reportKind, appID, country string, from, to time.Time) []string {
	t.Helper()
	var ids []string
	err := streamEach(t, s, kind, appID, country, from, to, func(id string) error {
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		t.Fatalf("stream %s: %v", appID, err)
	}
	return ids
}

// seedReportDay inserts, for app, orders of country created around one
// local day of loc (2025-03-01): just before its midnight, exactly at it,
// during it (two at the same instant, inserted out of id order), at the last
// millisecond, and at the next midnight. It returns the ids the day must
// list, in order.
func seedReportDay(t *testing.T, s Store, kind reportKind, app gateway.App, country string, loc *time.Location) []string {
	t.Helper()
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	noon := start.Add(12 * time.Hour)
	type order struct {
		id string
		at time.Time
	}
	base := uniq("")
	orders := []order{
		{"X" + base + "a", start.Add(-time.Millisecond)},
		{"X" + base + "b", start},
		{"X" + base + "e", noon},
		{"X" + base + "d", noon},
		{"X" + base + "c", start.Add(time.Hour)},
		{"X" + base + "f", end.Add(-time.Millisecond)},
		{"X" + base + "g", end},
	}
	var paid gateway.Payment // the payment refunds refund
	if kind == kindRefunds {
		paid = newPayment(app, uniq("rep"))
		paid.CountryCode = country
		insertPayment(t, s, paid)
	}
	for i, o := range orders {
		switch kind {
		case kindPayouts:
			p := newPayout(app, uniq("rep"))
			p.TransactionID, p.CountryCode, p.CreatedAt, p.UpdatedAt = "D"+o.id, country, o.at, o.at
			insertPayout(t, s, p)
			orders[i].id = p.TransactionID
		case kindPayments:
			p := newPayment(app, uniq("rep"))
			p.TransactionID, p.CountryCode, p.CreatedAt, p.UpdatedAt = "C"+o.id, country, o.at, o.at
			insertPayment(t, s, p)
			orders[i].id = p.TransactionID
		case kindRefunds:
			r := gateway.Refund{RefundTransactionID: "R" + o.id, AppID: app.AppID, MerchantID: app.MerchantID,
				MchRefundOrderID: uniq("rep"), OriginalTransactionID: paid.TransactionID, CountryCode: country,
				Currency: "PHP", ChannelCode: paid.ChannelCode, Amount: 100, Status: gateway.RefundPending,
				ChannelState: gateway.ChannelNew, CreatedAt: o.at, UpdatedAt: o.at}
			mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(t.Context(), r) })
			orders[i].id = r.RefundTransactionID
		}
	}
	return []string{orders[1].id, orders[4].id, orders[3].id, orders[2].id, orders[5].id}
}

func reportStreamTest(kind reportKind) func(t *testing.T, s Store) {
	return func(t *testing.T, s Store) {
		for _, loc := range []*time.Location{time.FixedZone("PHT", 8*3600), time.FixedZone("WIB", 7*3600)} {
			_, app := seedApp(t, s)
			_, other := seedApp(t, s)
			want := seedReportDay(t, s, kind, app, "PH", loc)
			wantID := seedReportDay(t, s, kind, app, "ID", loc) // the app's orders in another country
			seedReportDay(t, s, kind, other, "PH", loc)         // another app's orders: never listed
			start := time.Date(2025, 3, 1, 0, 0, 0, 0, loc)
			got := streamIDs(t, s, kind, app.AppID, "PH", start, start.AddDate(0, 0, 1))
			if !slices.Equal(got, want) {
				t.Errorf("%s PH day: got %v, want %v (no ID orders)", loc, got, want)
			}
			if got := streamIDs(t, s, kind, app.AppID, "ID", start, start.AddDate(0, 0, 1)); !slices.Equal(got, wantID) {
				t.Errorf("%s ID day: got %v, want %v (no PH orders)", loc, got, wantID)
			}
			if got := streamIDs(t, s, kind, app.AppID, "TH", start, start.AddDate(0, 0, 1)); len(got) != 0 {
				t.Errorf("a country without orders streams %v", got)
			}
			if got := streamIDs(t, s, kind, "no-such-app", "PH", start, start.AddDate(0, 0, 1)); len(got) != 0 {
				t.Errorf("unknown app streams %v", got)
			}
		}
	}
}

var errStop = errors.New("stop here")

func reportStopTest(kind reportKind) func(t *testing.T, s Store) {
	return func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		want := seedReportDay(t, s, kind, app, "PH", time.UTC)
		start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		var seen []string
		stop := func(id string) error {
			seen = append(seen, id)
			if len(seen) == 2 {
				return errStop
			}
			return nil
		}
		err := streamEach(t, s, kind, app.AppID, "PH", start, start.AddDate(0, 0, 1), stop)
		if err != errStop {
			t.Errorf("stream returned %v, want the callback's error unchanged", err)
		}
		if !slices.Equal(seen, want[:2]) {
			t.Errorf("stream went on after the error: saw %v", seen)
		}
		// The store is usable afterwards: the rows were closed.
		if got := streamIDs(t, s, kind, app.AppID, "PH", start, start.AddDate(0, 0, 1)); !slices.Equal(got, want) {
			t.Errorf("after a stopped stream: got %v, want %v", got, want)
		}
	}
}

var reportTests = []test{
	{"StreamPayoutsDay", reportStreamTest(kindPayouts)},
	{"StreamPaymentsDay", reportStreamTest(kindPayments)},
	{"StreamRefundsDay", reportStreamTest(kindRefunds)},
	{"StreamPayoutsStop", reportStopTest(kindPayouts)},
	{"StreamPaymentsStop", reportStopTest(kindPayments)},
	{"StreamRefundsStop", reportStopTest(kindRefunds)},
	{"StreamPayoutsFields", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayout(app, "fields")
		insertPayout(t, s, p)
		var got []gateway.Payout
		err := s.StreamPayouts(t.Context(), app.AppID, "PH", t0, t0.Add(time.Millisecond), func(p gateway.Payout) error {
			got = append(got, p)
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("StreamPayouts = %d rows, %v", len(got), err)
		}
		same(t, "streamed payout", got[0], p)
	}},
	{"StreamRefundsFields", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayment(app, "paid")
		insertPayment(t, s, p)
		r := gateway.Refund{RefundTransactionID: uniq("R"), AppID: app.AppID, MerchantID: app.MerchantID,
			MchRefundOrderID: "refund-1", OriginalTransactionID: p.TransactionID, CountryCode: "PH", Currency: "PHP",
			ChannelCode: p.ChannelCode, Amount: 700, FeeRefunded: 7, Reason: "damaged", CallbackURL: "https://merchant.example/r",
			Status: gateway.RefundFailed, FailedCode: -10009, FailedMessage: "channel refund failed",
			ChannelState: gateway.ChannelDone, ChannelRef: "ref-9", CreatedAt: t0, UpdatedAt: t0.Add(time.Second),
			FinishedAt: t0.Add(time.Second), SubmittedAt: t0.Add(time.Millisecond)}
		mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(t.Context(), r) })
		var got []gateway.Refund
		err := s.StreamRefunds(t.Context(), app.AppID, "PH", t0, t0.Add(time.Millisecond), func(r gateway.Refund) error {
			got = append(got, r)
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("StreamRefunds = %d rows, %v", len(got), err)
		}
		same(t, "streamed refund", got[0], r)
	}},
	{"StreamPaymentsFields", func(t *testing.T, s Store) {
		_, app := seedApp(t, s)
		p := newPayment(app, "fields")
		insertPayment(t, s, p)
		var got []gateway.Payment
		err := s.StreamPayments(t.Context(), app.AppID, "PH", t0, t0.Add(time.Millisecond), func(p gateway.Payment) error {
			got = append(got, p)
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("StreamPayments = %d rows, %v", len(got), err)
		}
		same(t, "streamed payment", got[0], p)
	}},
}

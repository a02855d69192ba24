package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to read the store beside the gateway
)

// dbOrder is one order as the database holds it: a payout, a dynamic
// payment or a refund.
type dbOrder struct {
	kind, id, appID, mchOrderID, status string
	amount, fee                         int64
	paid, refunded                      int64  // payments
	feeRefunded                         int64  // payments and refunds
	original                            string // refunds: the payment
}

// final reports whether the order's status can no longer change.
func (o dbOrder) final() bool { return o.status != "PENDING" }

// storeSnapshot is what the reliability suites read of the database, with
// plain SQL beside the gateway.
type storeSnapshot struct {
	orders     map[string]dbOrder  // by transaction id (refund transaction id for refunds)
	holds      map[string]string   // hold id -> status
	entries    map[string][]string // ref -> kinds of its ledger entries
	outbox     map[string][]string // transaction id -> topics of its outbox rows
	accounts   map[string]int64    // ledger account -> balance
	merchantOf map[string]string   // app id -> merchant id
	duplicates map[string]int      // uniqueness rule -> groups that break it
}

// openStoreSQL opens db (a SQLite file or a postgres:// URL) for reading
// with database/sql.
func openStoreSQL(t *testing.T, db string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", db+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	if isPostgres(db) {
		driver, dsn = "pgx", db
	}
	h, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// duplicateRules count the groups of rows that must be unique and are
// not: orders made twice, holds or ledger entries booked twice, a hold both
// posted and voided, a notification or submission queued twice.
var duplicateRules = []struct{ name, sql string }{
	{"payout mchOrderId", `SELECT app_id, mch_order_id FROM payouts GROUP BY app_id, mch_order_id`},
	{"payment mchOrderId", `SELECT app_id, mch_order_id FROM payments WHERE static_code_id IS NULL GROUP BY app_id, mch_order_id`},
	{"refund mchRefundOrderId", `SELECT app_id, mch_refund_order_id FROM refunds GROUP BY app_id, mch_refund_order_id`},
	{"hold id", `SELECT id FROM holds GROUP BY id`},
	{"ledger entry kind+ref", `SELECT kind, ref FROM entries WHERE kind <> 'funding' GROUP BY kind, ref`},
	{"hold settled twice", `SELECT ref FROM entries WHERE kind IN ('post', 'void') GROUP BY ref`},
	{"outbox row", `SELECT topic, transaction_id, event FROM outbox GROUP BY topic, transaction_id, event`},
}

// readSnapshot reads the orders, holds, entries, outbox rows, balances and
// duplicate counts of db.
func readSnapshot(t *testing.T, h *sql.DB) storeSnapshot {
	t.Helper()
	ctx := context.Background()
	s := storeSnapshot{orders: map[string]dbOrder{}, holds: map[string]string{}, entries: map[string][]string{},
		outbox: map[string][]string{}, accounts: map[string]int64{}, merchantOf: map[string]string{}, duplicates: map[string]int{}}
	query := func(q string, scan func(*sql.Rows) error) {
		rows, err := h.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	query(`SELECT transaction_id, app_id, mch_order_id, status, amount, fee FROM payouts`, func(r *sql.Rows) error {
		o := dbOrder{kind: "payout"}
		err := r.Scan(&o.id, &o.appID, &o.mchOrderID, &o.status, &o.amount, &o.fee)
		s.orders[o.id] = o
		return err
	})
	query(`SELECT transaction_id, app_id, mch_order_id, status, amount, fee, paid_amount, refunded_amount, fee_refunded
		FROM payments WHERE static_code_id IS NULL`, func(r *sql.Rows) error {
		o := dbOrder{kind: "payment"}
		err := r.Scan(&o.id, &o.appID, &o.mchOrderID, &o.status, &o.amount, &o.fee, &o.paid, &o.refunded, &o.feeRefunded)
		s.orders[o.id] = o
		return err
	})
	query(`SELECT refund_transaction_id, app_id, mch_refund_order_id, status, amount, fee_refunded, original_transaction_id
		FROM refunds`, func(r *sql.Rows) error {
		o := dbOrder{kind: "refund"}
		err := r.Scan(&o.id, &o.appID, &o.mchOrderID, &o.status, &o.amount, &o.feeRefunded, &o.original)
		s.orders[o.id] = o
		return err
	})
	query(`SELECT id, status FROM holds`, func(r *sql.Rows) error {
		var id, status string
		err := r.Scan(&id, &status)
		s.holds[id] = status
		return err
	})
	query(`SELECT ref, kind FROM entries`, func(r *sql.Rows) error {
		var ref, kind string
		err := r.Scan(&ref, &kind)
		s.entries[ref] = append(s.entries[ref], kind)
		return err
	})
	query(`SELECT transaction_id, topic FROM outbox`, func(r *sql.Rows) error {
		var id, topic string
		err := r.Scan(&id, &topic)
		s.outbox[id] = append(s.outbox[id], topic)
		return err
	})
	query(`SELECT id, balance FROM accounts`, func(r *sql.Rows) error {
		var id string
		var b int64
		err := r.Scan(&id, &b)
		s.accounts[id] = b
		return err
	})
	query(`SELECT app_id, merchant_id FROM apps`, func(r *sql.Rows) error {
		var app, m string
		err := r.Scan(&app, &m)
		s.merchantOf[app] = m
		return err
	})
	for _, rule := range duplicateRules {
		q := `SELECT count(*) FROM (` + rule.sql + ` HAVING count(*) > 1) d`
		var n int
		if err := h.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		s.duplicates[rule.name] = n
	}
	return s
}

// duplicateCount is the number of uniqueness breaches of every rule, and
// a description of those found.
func (s storeSnapshot) duplicateCount() (int, string) {
	n := 0
	var found []string
	for name, k := range s.duplicates {
		n += k
		if k > 0 {
			found = append(found, fmt.Sprintf("%s: %d", name, k))
		}
	}
	sort.Strings(found)
	return n, strings.Join(found, ", ")
}

// pending returns the orders not yet final.
func (s storeSnapshot) pending() []dbOrder {
	var out []dbOrder
	for _, o := range s.orders {
		if !o.final() {
			out = append(out, o)
		}
	}
	return out
}

// wantHold and wantEntries are the hold status and the ledger entry kinds
// that each order status must come with.
var (
	wantHold    = map[string]string{"PENDING": "PENDING", "COMPLETED": "POSTED", "COMPLETE": "POSTED", "FAILED": "VOIDED", "CANCEL": "VOIDED"}
	wantEntries = map[string][]string{"PENDING": {"hold"}, "COMPLETED": {"hold", "post"}, "COMPLETE": {"hold", "post"},
		"FAILED": {"hold", "void"}, "CANCEL": {"hold", "void"}}
)

// mismatches returns every order that is not whole: a payout or refund
// without its hold, its entries or its submission row, in a state its hold
// and entries do not match; a payment booked otherwise than its status
// says; a payment whose refunded amount is not the sum of its live refunds.
func (s storeSnapshot) mismatches() []string {
	var bad []string
	refunded := map[string]int64{}
	for _, o := range s.orders {
		if o.kind == "refund" && o.status != "FAILED" && o.status != "CANCEL" {
			refunded[o.original] += o.amount
		}
	}
	for _, o := range s.orders {
		entries := slices.Sorted(slices.Values(s.entries[o.id]))
		switch o.kind {
		case "payout", "refund":
			topic := map[string]string{"payout": "submit", "refund": "refund"}[o.kind]
			if h := s.holds[o.id]; h != wantHold[o.status] {
				bad = append(bad, fmt.Sprintf("%s %s is %s with hold %q", o.kind, o.id, o.status, h))
			}
			if !slices.Equal(entries, wantEntries[o.status]) {
				bad = append(bad, fmt.Sprintf("%s %s is %s with entries %v", o.kind, o.id, o.status, entries))
			}
			if !slices.Contains(s.outbox[o.id], topic) {
				bad = append(bad, fmt.Sprintf("%s %s has no %s outbox row", o.kind, o.id, topic))
			}
		case "payment":
			want := []string(nil)
			if o.status == "COMPLETED" {
				want = []string{"collect", "settle"}
				if o.paid == o.fee {
					want = want[:1]
				}
			}
			if !slices.Equal(entries, want) {
				bad = append(bad, fmt.Sprintf("payment %s is %s with entries %v", o.id, o.status, entries))
			}
			if o.refunded != refunded[o.id] {
				bad = append(bad, fmt.Sprintf("payment %s: refunded_amount %d, its live refunds sum to %d", o.id, o.refunded, refunded[o.id]))
			}
		}
		if o.final() && !slices.Contains(s.outbox[o.id], "notify") {
			bad = append(bad, fmt.Sprintf("%s %s is %s and no notification was queued", o.kind, o.id, o.status))
		}
	}
	sort.Strings(bad)
	return bad
}

// moneyMismatches recomputes every merchant's available, held and pending
// PHP balances from its orders alone (funded is what operators credited,
// by app id) and returns each that differs from the ledger's: money lost,
// doubled or left in the wrong place.
func (s storeSnapshot) moneyMismatches(funded map[string]int64) []string {
	type bal struct{ available, held, pending int64 }
	want := map[string]*bal{}
	for app, amount := range funded {
		want[s.merchantOf[app]] = &bal{available: amount}
	}
	for _, o := range s.orders {
		b := want[s.merchantOf[o.appID]]
		if b == nil {
			continue
		}
		switch {
		case o.kind == "payment" && o.status == "COMPLETED":
			b.available += o.paid - o.fee
		case o.kind == "payout" && o.status != "FAILED":
			b.available -= o.amount + o.fee
		case o.kind == "refund" && o.status != "FAILED" && o.status != "CANCEL":
			b.available -= o.amount
		}
		if o.kind == "refund" && o.status == "COMPLETE" {
			b.available += o.feeRefunded
		}
		if (o.kind == "payout" || o.kind == "refund") && o.status == "PENDING" {
			b.held += o.amount
			if o.kind == "payout" {
				b.held += o.fee
			}
		}
	}
	var bad []string
	for m, b := range want {
		got := bal{s.accounts["merchant:"+m+":available:PHP"], s.accounts["merchant:"+m+":held:PHP"], s.accounts["merchant:"+m+":pending:PHP"]}
		if got != *b {
			bad = append(bad, fmt.Sprintf("merchant %s: ledger has available/held/pending %d/%d/%d, its orders say %d/%d/%d",
				m, got.available, got.held, got.pending, b.available, b.held, b.pending))
		}
	}
	sort.Strings(bad)
	return bad
}

// notificationMismatches compares what the merchant endpoint received
// with the orders: a final order never notified with its final status, or
// any notification carrying a status the order did not reach (also for
// orders the database does not have). It returns how many final orders
// were notified and the problems.
func (s storeSnapshot) notificationMismatches(got map[string][]string) (notified int, bad []string) {
	for _, o := range s.orders {
		statuses := got[o.id]
		if o.final() {
			if slices.Contains(statuses, o.status) {
				notified++
			} else {
				bad = append(bad, fmt.Sprintf("%s %s is %s but was never notified so", o.kind, o.id, o.status))
			}
		}
		for _, st := range statuses {
			if st != o.status {
				bad = append(bad, fmt.Sprintf("%s %s is %s but was notified %s", o.kind, o.id, o.status, st))
				break
			}
		}
	}
	for id, statuses := range got {
		if _, ok := s.orders[id]; !ok {
			bad = append(bad, fmt.Sprintf("notification %v for %s, an order the database does not have", statuses, id))
		}
	}
	sort.Strings(bad)
	return notified, bad
}

// finalCount returns how many orders are final.
func (s storeSnapshot) finalCount() int {
	return len(s.orders) - len(s.pending())
}

// firstFew joins up to n of lines, saying how many more there are.
func firstFew(lines []string, n int) string {
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n... and %d more", len(lines)-n)
}

// bookFigures are the results of checkBook that the suites print.
type bookFigures struct {
	acked, orders, duplicates, mismatches, notified, final, received, wrongNotes, stuck, missing, attention int
	ledger, money                                                                                           string
}

func (f bookFigures) String() string {
	return fmt.Sprintf("acked=%d orders=%d duplicates=%d mismatches=%d ledger=%s money=%s notified=%d/%d notifications=%d "+
		"wrong_notifications=%d stuck=%d missing=%d attention=%d", f.acked, f.orders, f.duplicates, f.mismatches, f.ledger,
		f.money, f.notified, f.final, f.received, f.wrongNotes, f.stuck, f.missing, f.attention)
}

// checkBook pays what the load left unpaid, waits for the orders to settle
// and their notifications to arrive, and then checks the book: every
// acknowledged order is there as acknowledged, nothing exists twice, every
// order is whole, `kasir ledger check` passes, the balances match the
// orders, the notifications match the orders' statuses, nothing is PENDING
// and serve logged nothing that needs an operator. It reports each problem
// with t.Errorf and returns the figures.
func checkBook(t *testing.T, h *sql.DB, db string, load *crashLoad, funded map[string]int64, notes *notifyLog, proc *serveProc) bookFigures {
	t.Helper()
	payLeftovers(t, h, db)
	snap := crashSettle(t, h, notes)
	acked := load.ackedOrders()
	missing := checkAcked(context.Background(), load.clients, acked)
	dups, dupWhat := snap.duplicateCount()
	mismatch := snap.mismatches()
	money := snap.moneyMismatches(funded)
	gotNotes, received := notes.snapshot()
	notified, wrongNotes := snap.notificationMismatches(gotNotes)
	stuck := snap.pending()
	attention := proc.logLines("ATTENTION", "panic")
	f := bookFigures{acked: len(acked), orders: len(snap.orders), duplicates: dups, mismatches: len(mismatch), notified: notified,
		final: snap.finalCount(), received: received, wrongNotes: len(wrongNotes), stuck: len(stuck), missing: len(missing),
		attention: len(attention), ledger: "OK", money: "OK"}
	if code, out, errOut := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "ledger check OK") {
		f.ledger = "FAILED"
		t.Errorf("ledger check: exit %d\n%s%s", code, out, errOut)
	}
	if len(money) > 0 {
		f.money = "FAILED"
	}
	if len(acked) == 0 || len(snap.orders) < len(acked) {
		t.Errorf("%d requests acknowledged, %d orders in the database: the load did not run", len(acked), len(snap.orders))
	}
	for what, lines := range map[string][]string{
		"acknowledged orders missing or different": missing, "orders not whole": mismatch,
		"balances that differ from the orders": money, "notification problems": wrongNotes,
		"serve log lines that need attention": attention,
	} {
		if len(lines) > 0 {
			t.Errorf("%d %s:\n%s", len(lines), what, firstFew(lines, 20))
		}
	}
	if dups > 0 {
		t.Errorf("%d duplicates: %s", dups, dupWhat)
	}
	if len(stuck) > 0 {
		t.Errorf("%d orders still PENDING at the end, e.g. %+v", len(stuck), stuck[0])
	}
	return f
}

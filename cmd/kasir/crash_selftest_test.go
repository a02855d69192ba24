package main

import (
	"database/sql"
	"testing"
)

// TestCrashCheckers shows that the reliability suites' checks notice what
// they look for: a consistent book passes, and each kind of damage is
// reported.
func TestCrashCheckers(t *testing.T) {
	t.Parallel()
	const m, app = "M1", "A1"
	good := func() storeSnapshot {
		return storeSnapshot{
			orders: map[string]dbOrder{
				"D1": {kind: "payout", id: "D1", appID: app, status: "COMPLETED", amount: 10000, fee: 600},
				"D2": {kind: "payout", id: "D2", appID: app, status: "PENDING", amount: 5000, fee: 550},
				"C1": {kind: "payment", id: "C1", appID: app, status: "COMPLETED", amount: 20000, paid: 20000, fee: 700, refunded: 3000},
				"R1": {kind: "refund", id: "R1", appID: app, status: "COMPLETE", amount: 3000, original: "C1"},
			},
			holds:      map[string]string{"D1": "POSTED", "D2": "PENDING", "R1": "POSTED"},
			entries:    map[string][]string{"D1": {"post", "hold"}, "D2": {"hold"}, "C1": {"collect", "settle"}, "R1": {"hold", "post"}},
			outbox:     map[string][]string{"D1": {"submit", "notify"}, "D2": {"submit"}, "C1": {"notify"}, "R1": {"refund", "notify"}},
			merchantOf: map[string]string{app: m},
			accounts: map[string]int64{
				"merchant:M1:available:PHP": 100000 - 10600 - 5550 + 19300 - 3000,
				"merchant:M1:held:PHP":      5550,
			},
		}
	}
	funded := map[string]int64{app: 100000}
	notes := map[string][]string{"D1": {"COMPLETED"}, "C1": {"COMPLETED", "COMPLETED"}, "R1": {"COMPLETE"}}
	s := good()
	if bad := s.mismatches(); len(bad) > 0 {
		t.Fatalf("a whole book has mismatches: %v", bad)
	}
	if bad := s.moneyMismatches(funded); len(bad) > 0 {
		t.Fatalf("a balanced book has money mismatches: %v", bad)
	}
	if n, bad := s.notificationMismatches(notes); n != 3 || len(bad) > 0 {
		t.Fatalf("notifications: %d notified, %v; want 3 and none wrong", n, bad)
	}

	for name, damage := range map[string]func(*storeSnapshot){
		"hold voided under a completed payout": func(s *storeSnapshot) { s.holds["D1"] = "VOIDED" },
		"payout without its hold entry":        func(s *storeSnapshot) { s.entries["D2"] = nil },
		"payout without its submission":        func(s *storeSnapshot) { s.outbox["D2"] = nil },
		"final refund never queued to notify":  func(s *storeSnapshot) { s.outbox["R1"] = []string{"refund"} },
		"refunded amount off":                  func(s *storeSnapshot) { o := s.orders["C1"]; o.refunded = 1; s.orders["C1"] = o },
		"pending payment with a collect entry": func(s *storeSnapshot) { o := s.orders["C1"]; o.status = "PENDING"; s.orders["C1"] = o },
	} {
		s := good()
		damage(&s)
		if len(s.mismatches()) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}
	s = good()
	s.accounts["merchant:M1:available:PHP"]++
	if len(s.moneyMismatches(funded)) != 1 {
		t.Error("a cent too many: not reported")
	}
	for name, got := range map[string]map[string][]string{
		"final payout not notified":         {"C1": {"COMPLETED"}, "R1": {"COMPLETE"}},
		"payout notified with another end":  {"D1": {"FAILED", "COMPLETED"}, "C1": {"COMPLETED"}, "R1": {"COMPLETE"}},
		"pending payout notified":           {"D1": {"COMPLETED"}, "D2": {"COMPLETED"}, "C1": {"COMPLETED"}, "R1": {"COMPLETE"}},
		"notification of an unknown order":  {"D1": {"COMPLETED"}, "C1": {"COMPLETED"}, "R1": {"COMPLETE"}, "D9": {"FAILED"}},
		"refund notified as never finished": {"D1": {"COMPLETED"}, "C1": {"COMPLETED"}, "R1": {"COMPLETE", "FAILED"}},
	} {
		if _, bad := s.notificationMismatches(got); len(bad) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}

	// The duplicate rules, on a real database: an entry booked twice under
	// two ids is found.
	db := freshDB(t, "sqlite")
	if code, _, errOut := runCLI(t, db, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	w, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`INSERT INTO entries (id, kind, ref, created_at) VALUES ('D1:post', 'post', 'D1', 0), ('D1:post2', 'post', 'D1', 0), ('D2:void', 'void', 'D2', 0), ('D2:post', 'post', 'D2', 0)`); err != nil {
		t.Fatal(err)
	}
	dups := readSnapshot(t, openStoreSQL(t, db)).duplicates
	if dups["ledger entry kind+ref"] != 1 || dups["hold settled twice"] != 2 {
		t.Errorf("duplicates %v; want the entry booked twice and both holds settled twice", dups)
	}
}

package main

import (
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// Settings of serve under the crash test: quick simulated banks,
// notifications retried quickly and allowed to the loopback endpoint,
// claims of a killed process free again after 3 seconds, no ops listener
// (two engines run at once), and a reconciler that wakes up during the load
// (so that it too is killed mid-work). The last start reconciles at once.
var (
	crashServeFlags = []string{"--sim-delay", "200ms", "--notify-schedule", "200ms,...,3200ms,5s,5s,5s,5s,5s,5s",
		"--notify-lease", "3s", "--notify-allow", "127.0.0.1/32", "--ops-addr="}
	crashLoadFlags  = []string{"--reconcile-after", "2s", "--not-found-grace", "5s"}
	crashFinalFlags = []string{"--reconcile-after", "300ms", "--not-found-grace", "1s"}
)

const (
	crashMerchants     = 3
	crashWorkersPerApp = 2
	crashFunding       = 100_000_000 // PHP 1,000,000.00 per merchant
)

// TestCrash kills `kasir serve` with SIGKILL at random moments under
// concurrent load (payouts, payments paid through the simulator, refunds),
// -crash.kills times on each engine, restarting it each time on the same
// address and database. Then it restarts it once more with a short
// reconcile delay, waits for every order to settle, and checks that every
// acknowledged request has its order, that nothing was booked twice, that
// the ledger checks and matches the orders to the cent, that every final
// order was notified with its status and none with another, and that no
// order stays PENDING.
func TestCrash(t *testing.T) {
	t.Parallel()
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			crashRun(t, engine)
		})
	}
}

func crashRun(t *testing.T, engine string) {
	started := time.Now()
	seed := *crashSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("crash: engine=%s seed=%d (rerun with -crash.seed=%d; the kill times and the load's choices follow it, the interleaving does not)", engine, seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	db := freshDB(t, engine)
	proc := newServeProc(t, db, crashServeFlags...)
	proc.start(crashLoadFlags...)
	if err := proc.waitReady(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	notes := startNotifyLog(t, platformPublicKey(t, db))
	clients, funded := crashMerchantsOnboard(t, db, proc.baseURL(), notes.url())

	load := newCrashLoad(t, db, proc.baseURL(), clients, seed)
	stopLoad := load.run(crashWorkersPerApp)
	survived, unanswered := crashKillLoop(t, proc, rng, *crashKills)
	stopLoad()

	// The last start: the reconciler looks at once at whatever is PENDING.
	proc.start(crashFinalFlags...)
	if err := proc.waitReady(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	survived += unanswered
	h := openStoreSQL(t, db)
	pendingAtRestart := len(readSnapshot(t, h).pending())
	f := checkBook(t, h, db, load, funded, notes, proc)
	t.Logf("crash: engine=%s kills=%d survived=%d %s pending_at_restart=%d wall=%s",
		engine, *crashKills, survived, f, pendingAtRestart, time.Since(started).Round(time.Second))
	t.Logf("crash: engine=%s outcomes: %s", engine, load.outcomes())
}

// crashMerchantsOnboard creates the funded merchants of the load, each
// with the endpoint as its notifyUrl, and returns their clients and what
// each app was funded with.
func crashMerchantsOnboard(t *testing.T, db, baseURL, notifyURL string) ([]*client.Client, map[string]int64) {
	t.Helper()
	pub := writePublicKey(t, t.TempDir(), merchantKey(t))
	hc := &http.Client{Timeout: 5 * time.Second}
	var clients []*client.Client
	funded := map[string]int64{}
	for range crashMerchants {
		code, out, errOut := runCLI(t, db, "merchant", "create", "--name", "Crash Test Store", "--public-key", pub, "--notify-url", notifyURL, "--json")
		var ids struct{ AppID string }
		if code != 0 || json.Unmarshal([]byte(out), &ids) != nil || ids.AppID == "" {
			t.Fatalf("merchant create: exit %d: %s %s", code, out, errOut)
		}
		for _, args := range [][]string{
			{"fee", "set", "--app", ids.AppID, "--fixed", "500", "--bps", "100"},
			{"balance", "credit", "--app", ids.AppID, "--currency", "PHP", "--amount", "100000000"},
		} {
			if code, _, errOut := runCLI(t, db, args...); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
		}
		funded[ids.AppID] = crashFunding
		clients = append(clients, client.New(baseURL, ids.AppID, merchantKey(t), client.WithHTTPClient(hc)))
	}
	return clients, funded
}

// crashKillLoop lets serve run for a random while, SIGKILLs it and starts
// it again, kills times; the last kill is not followed by a start. Most
// kills come while serve is serving; one in eight comes at any moment
// after its start, before it is ready too. It returns how many kills serve
// has come back from (was ready after), and how many it has yet to.
func crashKillLoop(t *testing.T, proc *serveProc, rng *rand.Rand, kills int) (survived, unanswered int) {
	for i := 0; i < kills; i++ {
		if rng.IntN(8) == 0 {
			time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		} else {
			if err := proc.waitReady(30 * time.Second); err != nil {
				t.Fatalf("after %d kills: %v", i, err)
			}
			survived += unanswered
			unanswered = 0
			time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		}
		proc.kill()
		unanswered++
		if i < kills-1 {
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond) // down for a moment
			proc.start(crashLoadFlags...)
		}
	}
	return survived, unanswered
}

// payLeftovers pays the payments still PENDING once the simulator has
// reported what customers paid before the last kill: the load pays each
// payment once and leaves those it could not pay (the gateway was down).
func payLeftovers(t *testing.T, h *sql.DB, db string) {
	t.Helper()
	waitUntil(t, "the simulator to report the payments it received", 30*time.Second, func() bool {
		var n int
		return h.QueryRow(`SELECT count(*) FROM sim_payments WHERE NOT reported`).Scan(&n) == nil && n == 0
	})
	for _, o := range readSnapshot(t, h).pending() {
		if o.kind == "payment" {
			if code, out, errOut := runCLI(t, db, "sim", "pay", "--transaction-id", o.id); code != 0 {
				t.Fatalf("sim pay %s: exit %d: %s %s", o.id, code, out, errOut)
			}
		}
	}
}

// crashSettle waits, for a bounded time, until no order is PENDING and every
// final order was notified, and returns the database as it then is.
func crashSettle(t *testing.T, h *sql.DB, notes *notifyLog) storeSnapshot {
	t.Helper()
	var snap storeSnapshot
	deadline := time.Now().Add(90 * time.Second)
	for {
		snap = readSnapshot(t, h)
		got, _ := notes.snapshot()
		notified, _ := snap.notificationMismatches(got)
		if (len(snap.pending()) == 0 && notified == len(snap.orders)) || time.Now().After(deadline) {
			return snap
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitUntil polls cond every 100ms until it holds; it fails the test after
// timeout.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

func okOr(ok bool) string {
	if ok {
		return "OK"
	}
	return "FAILED"
}

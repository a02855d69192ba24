package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/client"
)

// outageDown is how long TestOutage keeps PostgreSQL stopped.
const outageDown = 3 * time.Second

// TestOutage stops the gateway's PostgreSQL under load and starts it again.
// It runs its own throwaway server (initdb and pg_ctl, as the postgres user
// when the test runs as root), never the shared one. While the database is
// down, requests must get a clear answer (HTTP 503, or 21000 or 21011 with
// a message) and /readyz 503; no order may be half written (a payout or
// refund without its hold, ledger entry or outbox row); once it is back the
// gateway must recover by itself: new requests succeed within a bounded
// time, pending orders settle, the ledger checks and matches the orders.
func TestOutage(t *testing.T) {
	t.Parallel()
	pg := startThrowawayPostgres(t)
	proc := newServeProc(t, pg.url, crashServeFlags...)
	proc.start("--reconcile-after", "1s", "--not-found-grace", "3s")
	if err := proc.waitReady(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	notes := startNotifyLog(t, platformPublicKey(t, pg.url))
	clients, funded := crashMerchantsOnboard(t, pg.url, proc.baseURL(), notes.url())
	load := newCrashLoad(t, pg.url, proc.baseURL(), clients, time.Now().UnixNano())
	ready, recoveredIn := outageUnderLoad(t, pg, proc, load)
	if err := proc.waitReady(10 * time.Second); err != nil {
		t.Fatalf("/readyz after the outage: %v", err)
	}
	f := checkBook(t, openStoreSQL(t, pg.url), pg.url, load, funded, notes, proc)
	refused := load.refusedIn("outage")
	t.Logf("outage: down=%s refused=%d unclear=%d readyz_503=%d/%d recovered_in=%s serve_starts=%d %s",
		outageDown, refused, len(load.unclear), ready[http.StatusServiceUnavailable], ready.total(),
		recoveredIn.Round(10*time.Millisecond), proc.starts, f)
	t.Logf("outage: outcomes: %s", load.outcomes())
	logStoreFailures(t, proc)

	if refused == 0 {
		t.Error("no request was refused while the database was down: the outage did not happen under load")
	}
	if ready.total() == 0 || ready[http.StatusServiceUnavailable] != ready.total() {
		t.Errorf("/readyz during the outage answered %v, want 503 every time", ready)
	}
	if proc.starts != 1 || !proc.running() {
		t.Errorf("serve did not stay up through the outage (%d starts)\n%s", proc.starts, proc.logTail(40))
	}
	if len(load.unclear) > 0 {
		t.Errorf("%d unclear answers during the outage:\n%s", len(load.unclear), firstFew(load.unclear, 20))
	}
}

// outageUnderLoad runs the load for 2 seconds, stops PostgreSQL for
// outageDown while asking /readyz, starts it again, waits until a payout is
// acknowledged again, and runs the load 2 more seconds. It returns the
// /readyz answers during the outage and how long the recovery took.
func outageUnderLoad(t *testing.T, pg *throwawayPG, proc *serveProc, load *crashLoad) (readyCounts, time.Duration) {
	t.Helper()
	load.setPhase("before")
	stopLoad := load.run(crashWorkersPerApp)
	defer stopLoad()
	time.Sleep(2 * time.Second)
	load.setPhase("outage")
	pg.stop()
	ready := pollReadyz(proc.baseURL(), outageDown)
	load.setPhase("recovery")
	pg.start()
	recoveredIn, err := probeRecovery(load.clients[0], 60*time.Second)
	if err != nil {
		t.Fatalf("the gateway did not recover: %v\nserve log:\n%s", err, proc.logTail(40))
	}
	load.setPhase("after")
	time.Sleep(2 * time.Second)
	return ready, recoveredIn
}

// refusedIn counts the calls of phase that were not answered 10000.
func (l *crashLoad) refusedIn(phase string) int {
	n := 0
	for k, v := range l.codeCounts() {
		if strings.HasPrefix(k, phase+": ") && !strings.HasSuffix(k, " 10000") && !strings.HasPrefix(k, phase+": pay ok") {
			n += v
		}
	}
	return n
}

// logStoreFailures shows the store failures serve logged (answered HTTP
// 500), but those of requests the load itself gave up at its end.
func logStoreFailures(t *testing.T, proc *serveProc) {
	var internal []string
	for _, l := range proc.logLines(`msg="store failure"`) {
		if !strings.Contains(l, "context canceled") {
			internal = append(internal, l)
		}
	}
	if len(internal) > 0 {
		t.Logf("outage: %d store failures in serve's log, answered HTTP 500:\n%s", len(internal), firstFew(internal, 10))
	}
}

// readyCounts counts /readyz answers by HTTP status (0: no answer).
type readyCounts map[int]int

func (r readyCounts) total() int {
	n := 0
	for _, v := range r {
		n += v
	}
	return n
}

// pollReadyz asks /readyz every 100ms for d and counts the answers.
func pollReadyz(baseURL string, d time.Duration) readyCounts {
	counts := readyCounts{}
	hc := &http.Client{Timeout: 3 * time.Second}
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		resp, err := hc.Get(baseURL + "/readyz")
		if err != nil {
			counts[0]++
			continue
		}
		resp.Body.Close()
		counts[resp.StatusCode]++
	}
	return counts
}

// probeRecovery makes a payout every 100ms until one is acknowledged, and
// returns how long that took; an error after timeout.
func probeRecovery(c *client.Client, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	var err error
	for i := 0; time.Since(start) < timeout; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = c.CreatePayout(ctx, client.PayoutRequest{MchOrderID: fmt.Sprintf("PROBE-%d", i), CountryCode: "PH",
			Currency: "PHP", Amount: 10000, PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1000000000", AccountName: "Probe"})
		cancel()
		if err == nil {
			return time.Since(start), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, fmt.Errorf("no payout acknowledged %s after the database came back; last error: %v", timeout, err)
}

// codeCounts returns a copy of the outcome counts.
func (l *crashLoad) codeCounts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.codes))
	for k, v := range l.codes {
		out[k] = v
	}
	return out
}

// throwawayPG is a PostgreSQL server of the test's own, in a temp dir, that
// the test may stop and start.
type throwawayPG struct {
	t      *testing.T
	bindir string
	dir    string // data in dir/data, log in dir/log, socket in dir
	port   int
	url    string
}

// startThrowawayPostgres initdbs and starts a server on a free loopback
// port; the test's cleanup stops it and removes its files. Without an
// installed initdb the test fails, saying how to install one, unless
// KASIR_SKIP_POSTGRES=1.
func startThrowawayPostgres(t *testing.T) *throwawayPG {
	t.Helper()
	bindir := postgresBinDir()
	if bindir == "" {
		if os.Getenv("KASIR_SKIP_POSTGRES") == "1" {
			t.Skip("no initdb installed and KASIR_SKIP_POSTGRES=1")
		}
		t.Fatal("TestOutage needs PostgreSQL's server binaries (initdb, pg_ctl) to run a throwaway server: " +
			"apt-get install -y postgresql (they land in /usr/lib/postgresql/*/bin), or set KASIR_SKIP_POSTGRES=1")
	}
	dir, err := os.MkdirTemp("", "kasir-outage-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &throwawayPG{t: t, bindir: bindir, dir: dir}
	t.Cleanup(func() {
		pg.run("pg_ctl", "-D", pg.dir+"/data", "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL must run as the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := pg.run("initdb", "-D", dir+"/data", "-U", "postgres", "-A", "trust", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	addr := freePort(t)
	pg.port, _ = strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	pg.start()
	// A schema of its own names the platform key file (platformKeyPath).
	schema := fmt.Sprintf("outage_%d", time.Now().UnixNano())
	base := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	pg.url = base + "&search_path=" + schema
	return pg
}

// postgresBinDir returns the directory of an installed initdb, "" if none.
func postgresBinDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1]) // the newest version sorts last (until version 100)
}

// start starts the server and waits until it accepts connections.
func (pg *throwawayPG) start() {
	pg.t.Helper()
	out, err := pg.run("pg_ctl", "-D", pg.dir+"/data", "-l", pg.dir+"/log", "-w", "-t", "60", "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", pg.port, pg.dir), "start")
	if err != nil {
		log, _ := os.ReadFile(pg.dir + "/log")
		pg.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// stop stops the server at once, as a crash would (pg_ctl -m immediate):
// it recovers from its WAL when started again.
func (pg *throwawayPG) stop() {
	pg.t.Helper()
	if out, err := pg.run("pg_ctl", "-D", pg.dir+"/data", "-m", "immediate", "-w", "stop"); err != nil {
		pg.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// run runs one of the server's programs, as the postgres user when the test
// runs as root.
func (pg *throwawayPG) run(prog string, args ...string) ([]byte, error) {
	name, argv := filepath.Join(pg.bindir, prog), args
	if os.Geteuid() == 0 {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", name}, args...)
	}
	cmd := exec.Command(name, argv...)
	cmd.Dir = pg.dir
	return cmd.CombinedOutput()
}

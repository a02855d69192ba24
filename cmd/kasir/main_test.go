package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// startServer starts a gateway on db on a free loopback port, its ops
// endpoints on another. The tests' notification receivers listen on
// 127.0.0.1, which serve refuses by default: the config allows loopback
// explicitly, as an operator would for a receiver on the same machine.
func startServer(t *testing.T, db string, edit func(*Config)) *Server {
	t.Helper()
	return startServerLog(t, db, edit, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startServerLog is startServer with the server's logs going to log.
func startServerLog(t *testing.T, db string, edit func(*Config), log *slog.Logger) *Server {
	t.Helper()
	cfg := defaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.OpsAddr = "127.0.0.1:0"
	cfg.NotifyAllow = "127.0.0.1/32,::1/128"
	cfg.DB = db
	cfg.PlatformKey = platformKeyPath(db)
	cfg.SimDelay = 100 * time.Millisecond
	cfg.NotifySchedule = "200ms,200ms,200ms"
	if edit != nil {
		edit(&cfg)
	}
	s, err := StartServer(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	return s
}

func closeServer(t *testing.T, s *Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// onboard creates a funded merchant through the CLI and returns its SDK client.
func onboard(t *testing.T, s *Server, db, notifyURL string) (*client.Client, string) {
	t.Helper()
	dir := t.TempDir()
	k := merchantKey(t)
	code, out, errOut := runCLI(t, db, "merchant", "create", "--name", "Toko Maju", "--public-key", writePublicKey(t, dir, k), "--notify-url", notifyURL, "--json")
	if code != 0 {
		t.Fatalf("merchant create: exit %d: %s", code, errOut)
	}
	var ids struct{ MerchantID, AppID string }
	if err := json.Unmarshal([]byte(out), &ids); err != nil || ids.AppID == "" || ids.MerchantID == "" {
		t.Fatalf("merchant create --json printed %q: %v", out, err)
	}
	for _, args := range [][]string{
		{"fee", "set", "--app", ids.AppID, "--fixed", "1000", "--bps", "50"},
		{"balance", "credit", "--app", ids.AppID, "--currency", "PHP", "--amount", "1000000"},
	} {
		if code, _, errOut := runCLI(t, db, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	return client.New("http://"+s.Addr(), ids.AppID, k), ids.AppID
}

// waitFor polls cond every 50ms for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPayoutEndToEnd follows a payout through the real server: created
// through the SDK, settled by the simulator, checked, and notified; the
// merchant's endpoint fails twice, the second time across a restart of serve,
// and then accepts; every attempt is recorded.
func TestPayoutEndToEnd(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)

		code, pubPEM, _ := runCLI(t, db, "keys", "platform")
		platformKey, err := client.ParsePublicKey([]byte(pubPEM))
		if code != 0 || err != nil {
			t.Fatalf("keys platform: exit %d, %v", code, err)
		}
		var mu sync.Mutex
		var calls int
		var got []client.Notification
		failed := make(chan struct{}, 10)
		receiver := httptest.NewServer(client.NotificationHandler(platformKey, func(ctx context.Context, n client.Notification) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls <= 2 {
				failed <- struct{}{}
				return errors.New("merchant endpoint down")
			}
			got = append(got, n)
			return nil
		}))
		defer receiver.Close()

		c, appID := onboard(t, s, db, receiver.URL+"/notify")
		ctx := context.Background()
		res, err := c.CreatePayout(ctx, client.PayoutRequest{
			MchOrderID: "E2E-1", CountryCode: "PH", Currency: "PHP", Amount: 150000,
			PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan Dela Cruz",
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.TransactionStatus != "PENDING" || res.Fee != 1000+750 {
			t.Fatalf("created %+v", res)
		}
		// The first delivery fails; restart serve while the retry waits.
		<-failed
		closeServer(t, s)
		s = startServer(t, db, nil)
		defer closeServer(t, s)
		c = client.New("http://"+s.Addr(), appID, merchantKey(t))

		waitFor(t, "a delivered notification", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) > 0
		})
		mu.Lock()
		n := got[0]
		mu.Unlock()
		if n.EventName != "disbursement.success" || n.TransactionID != res.TransactionID || n.TransactionStatus != "COMPLETED" ||
			n.Amount != 150000 || n.MchOrderID != "E2E-1" || n.CountryCode != "PH" || n.Currency != "PHP" {
			t.Fatalf("notification %+v", n)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$`).MatchString(n.ReturnTime) {
			t.Fatalf("returnTime %q is not ISO-8601 with the Philippine offset", n.ReturnTime)
		}
		p, err := c.CheckPayout(ctx, client.CheckRequest{TransactionID: res.TransactionID, CountryCode: "PH"})
		if err != nil || p.TransactionStatus != "COMPLETED" {
			t.Fatalf("check: %+v, %v", p, err)
		}
		bal, err := c.Balance(ctx, "PH")
		if err != nil || bal.Balance != "8482.50" || bal.HeldAmount != 0 {
			t.Fatalf("balance %+v, %v; want 8482.50 available, nothing held", bal, err)
		}

		// Every attempt is recorded: two failures, then the delivery.
		waitFor(t, "the delivery to be recorded", func() bool {
			_, out, _ := runCLI(t, db, "notify", "list", "--transaction-id", res.TransactionID, "--json")
			return strings.Contains(out, `"DELIVERED"`)
		})
		_, out, _ := runCLI(t, db, "notify", "list", "--transaction-id", res.TransactionID, "--json")
		var recs []notifyRecord
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatalf("notify list --json: %v\n%s", err, out)
		}
		var notifyRec *notifyRecord
		for i := range recs {
			if recs[i].Message.Topic == "notify" {
				notifyRec = &recs[i]
			}
		}
		if notifyRec == nil || notifyRec.Message.Status != "DELIVERED" || len(notifyRec.Attempts) != 3 ||
			notifyRec.Attempts[0].HTTPStatus != 500 || notifyRec.Attempts[0].OK || !notifyRec.Attempts[2].OK {
			t.Fatalf("notification record: %s", out)
		}

		// Resend delivers it once more.
		if code, out, errOut := runCLI(t, db, "notify", "resend", "--transaction-id", res.TransactionID); code != 0 {
			t.Fatalf("resend: %d %s %s", code, out, errOut)
		}
		waitFor(t, "the resent notification", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) == 2
		})
		if code, out, _ := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "OK") {
			t.Fatalf("ledger check: exit %d\n%s", code, out)
		}
	})
}

// notifyRecord is what `kasir notify list --json` prints per message.
type notifyRecord struct {
	Message struct {
		Topic    string
		Status   string
		Attempts int
	}
	Attempts []struct {
		HTTPStatus int
		OK         bool
	}
}

// TestOperatorSettlesHeldPayout drives a payout the simulator holds
// (...9999) to completion and another to failure with `kasir sim`, while
// serve runs on the same database.
func TestOperatorSettlesHeldPayout(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)
		defer closeServer(t, s)
		c, appID := onboard(t, s, db, "")
		ctx := context.Background()
		ids := map[string]string{}
		for _, id := range []string{"HOLD-OK", "HOLD-FAIL"} {
			res, err := c.CreatePayout(ctx, client.PayoutRequest{
				MchOrderID: id, CountryCode: "PH", Currency: "PHP", Amount: 10000,
				PayMethodCode: "EWALLET", TransferCode: "GCASH", AccountNo: "09170009999",
			})
			if err != nil {
				t.Fatal(err)
			}
			ids[id] = res.TransactionID
		}
		time.Sleep(500 * time.Millisecond) // past --sim-delay: still PENDING
		for _, id := range ids {
			if p, err := c.CheckPayout(ctx, client.CheckRequest{TransactionID: id, CountryCode: "PH"}); err != nil || p.TransactionStatus != "PENDING" {
				t.Fatalf("held payout: %+v, %v", p, err)
			}
		}
		if code, out, errOut := runCLI(t, db, "sim", "complete", "--transaction-id", ids["HOLD-OK"]); code != 0 {
			t.Fatalf("sim complete: %d %s %s", code, out, errOut)
		}
		if code, out, errOut := runCLI(t, db, "sim", "fail", "--transaction-id", ids["HOLD-FAIL"], "--code", "-10005"); code != 0 {
			t.Fatalf("sim fail: %d %s %s", code, out, errOut)
		}
		if code, _, _ := runCLI(t, db, "sim", "fail", "--transaction-id", ids["HOLD-FAIL"]); code == 0 {
			t.Fatal("failing a decided transfer again succeeded")
		}
		waitFor(t, "both payouts to settle", func() bool {
			a, _ := c.CheckPayout(ctx, client.CheckRequest{TransactionID: ids["HOLD-OK"], CountryCode: "PH"})
			b, _ := c.CheckPayout(ctx, client.CheckRequest{TransactionID: ids["HOLD-FAIL"], CountryCode: "PH"})
			return a.TransactionStatus == "COMPLETED" && b.TransactionStatus == "FAILED" && b.FailedCode == -10005
		})
		// 10,000.00 - (100.00 + 10.00 + 0.50) for the completed one only.
		code, out, _ := runCLI(t, db, "balance", "show", "--app", appID, "--currency", "PHP", "--json")
		if code != 0 || !strings.Contains(out, `"available": 988950`) || !strings.Contains(out, `"held": 0`) {
			t.Fatalf("balance show: %d %s", code, out)
		}
	})
}

// TestCLIErrors checks that bad operator input is refused with a message
// and a non-zero exit.
func TestCLIErrors(t *testing.T) {
	t.Parallel()
	db := freshDB(t, "sqlite")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a key"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"merchant", "create", "--public-key", bad}, "--name is required"},
		{[]string{"merchant", "create", "--name", "X", "--public-key", bad}, "publicKey: is not PEM"},
		{[]string{"merchant", "create", "--name", "X", "--public-key", writePublicKey(t, dir, merchantKey(t)), "--notify-url", "ftp://x"}, "notifyUrl"},
		{[]string{"balance", "credit", "--app", "nope", "--currency", "PHP", "--amount", "5"}, "unknown app"},
		{[]string{"notify", "resend", "--transaction-id", "D1"}, "no notification"},
		{[]string{"sim", "complete", "--transaction-id", "D1"}, "no transfer"},
	} {
		code, _, errOut := runCLI(t, db, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and %q", tc.args, code, errOut, tc.want)
		}
	}
	if code, out, _ := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "ledger check OK") {
		t.Errorf("ledger check on an empty database: %d %s", code, out)
	}
}

// TestHealthAndMetrics reads the health endpoints on both listeners, the
// metrics on the ops listener, and finds no metrics on the merchants'.
func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	db := freshDB(t, "sqlite")
	s := startServer(t, db, nil)
	defer closeServer(t, s)
	getFrom := func(addr, path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get := func(path string) (int, string) { return getFrom(s.Addr(), path) }
	if s.OpsAddr() == "" || s.OpsAddr() == s.Addr() {
		t.Fatalf("ops listener %q, merchant listener %q: want two listeners", s.OpsAddr(), s.Addr())
	}
	for _, addr := range []string{s.Addr(), s.OpsAddr()} {
		if code, body := getFrom(addr, "/healthz"); code != 200 || body != "ok\n" {
			t.Fatalf("%s/healthz: %d %q", addr, code, body)
		}
		if code, body := getFrom(addr, "/readyz"); code != 200 || body != "ready\n" {
			t.Fatalf("%s/readyz: %d %q", addr, code, body)
		}
	}
	// The operator's metrics are not on the merchants' listener, by any method.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, "http://"+s.Addr()+"/metrics", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(b), "kasir_") {
			t.Errorf("%s /metrics on the merchant listener: %d %.100q, want 404", method, resp.StatusCode, b)
		}
	}
	// The served document is the committed one, dialect B included.
	committed, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get("/openapi.json"); code != 200 || strings.TrimSpace(body) != strings.TrimSpace(string(committed)) || !strings.Contains(body, `"/api/payOut"`) {
		t.Fatalf("/openapi.json: %d, want docs/openapi.json with dialect B's paths; got %.200s", code, body)
	}
	// One refused API call, to be counted.
	resp, err := http.Post("http://"+s.Addr()+"/open-api/account/balance", "application/json", strings.NewReader(`{"appId":"nope","param":"{}","sign":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, body := getFrom(s.OpsAddr(), "/metrics")
	if code != 200 {
		t.Fatalf("ops /metrics: %d", code)
	}
	for _, want := range []string{
		`kasir_http_requests_total{code="21003",path="POST /open-api/account/balance",status="200"} 1`,
		`kasir_http_request_duration_seconds_bucket{path="POST /open-api/account/balance"`,
		`kasir_outbox_backlog{topic="notify"} 0`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestQuickstart runs the README's quickstart, as written there, with the
// built binary, on SQLite and on PostgreSQL.
func TestQuickstart(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)<!-- quickstart:begin -->\\s*```sh\\n(.*?)```\\s*<!-- quickstart:end -->").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no quickstart block")
	}
	bin := kasirBinary(t)
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			script := string(block[1])
			// The binary is built already; the ports are the test's own.
			script = strings.Replace(script, "go build -o kasir ./cmd/kasir\n", "cp "+bin+" kasir\n", 1)
			gwAddr := freePort(t)
			script = strings.ReplaceAll(script, "127.0.0.1:8080", gwAddr)
			script = strings.ReplaceAll(script, "127.0.0.1:9000", freePort(t))
			cmd := exec.Command("bash", "-e", "-c", script)
			cmd.Dir = dir
			// Both engines run at once: the ops listener takes a free port.
			cmd.Env = append(os.Environ(), "KASIR_LOG_LEVEL=warn", "KASIR_ADDR="+gwAddr, "KASIR_OPS_ADDR=127.0.0.1:0")
			if engine == "postgres" {
				cmd.Env = append(cmd.Env, "KASIR_DB="+freshDB(t, engine))
			}
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			// Output goes to a file: the background serve and listen keep
			// a pipe open after the script ends.
			logFile, err := os.Create(filepath.Join(dir, "quickstart.log"))
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout, cmd.Stderr = logFile, logFile
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(90*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			err = cmd.Wait()
			timer.Stop()
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // the background serve and listen
			logFile.Close()
			out, _ := os.ReadFile(logFile.Name())
			if err != nil {
				t.Fatalf("quickstart failed: %v\n%s", err, out)
			}
			for _, want := range []string{
				`"transactionStatus":"COMPLETED"`,
				`"balance":"10000.00"`,
				`"balance":"8482.50"`,
				`"eventName":"disbursement.success"`,
				`"payData":"000201`,
				`"balance":"8970.00"`,
				`"eventName":"order.payment.success"`,
				`"refundStatus":"COMPLETE"`,
				`"total":2`,
				"transactionId,mchOrderId,",
				"third payment refused",
				`"balance":"8949.00"`,
				"ledger check OK",
			} {
				if !strings.Contains(string(out), want) {
					t.Errorf("quickstart output lacks %s\n%s", want, out)
				}
			}
			// The payout's on the way; then all five: payout, payment, refund, two static payments.
			if n := strings.Count(string(out), "Verified OK"); n != 6 {
				t.Errorf("%d notification signatures verified, want 6\n%s", n, out)
			}
			if n := strings.Count(string(out), "ledger check OK"); n != 4 {
				t.Errorf("ledger check passed %d times, want 4\n%s", n, out)
			}
			if strings.Contains(string(out), "Verification failure") || strings.Contains(string(out), "ledger check FAILED") {
				t.Errorf("a check failed\n%s", out)
			}
		})
	}
}

// freePort returns a loopback address no one listens on.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

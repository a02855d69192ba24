package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// TestDashboardBrowser drives the dashboard in Debian's chromium through
// playwright-core (e2e/dashboard.mjs), on a real gateway: an operator signs
// in, creates a merchant and its user; the merchant's payout is made through
// the API and its first notification fails; the merchant user signs in,
// finds the payout, reads why the notification failed, resends it and sees
// the attempt succeed, refunds a payment, downloads a report, and cannot
// open another merchant's order by URL.
//
// It needs node, chromium and e2e/node_modules (make test installs them).
// Outside CI it skips when they are missing; in CI (CI set) it fails.
// KASIR_SCREENSHOTS=dir keeps the screenshots (make screenshots writes
// docs/screenshots).
func TestDashboardBrowser(t *testing.T) {
	t.Parallel()
	chromium, node := browserTools(t)
	db := filepath.Join(t.TempDir(), "kasir.db")
	s := startServer(t, db, func(c *Config) {
		c.NotifySchedule = "1h" // a failed notification waits for the resend
		c.Sandbox = true
	})
	defer closeServer(t, s)
	base := "http://" + s.Addr()

	// The merchant's endpoint: down for maintenance on each notification's
	// first delivery, up afterwards.
	platformKey := platformPublicKey(t, db)
	var mu sync.Mutex
	deliveries := map[string]int{}
	delivered := map[string]bool{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		n, err := client.VerifyNotification(body, platformKey)
		if err != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		deliveries[n.TransactionID]++
		if deliveries[n.TransactionID] == 1 {
			http.Error(w, "maintenance window until 03:00", http.StatusServiceUnavailable)
			return
		}
		delivered[n.TransactionID] = true
		w.Write([]byte(`{"code":10000,"message":"Success"}`))
	}))
	defer receiver.Close()

	dir := t.TempDir()
	shots := os.Getenv("KASIR_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(dir, "shots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	const password = "a long operator passphrase"
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(password+"\n"), 0o600)
	if code, _, errOut := runCLI(t, db, "user", "create", "--email", "ops@kasir.test", "--role", "operator", "--password-file", pwFile); code != 0 {
		t.Fatalf("user create: exit %d: %s", code, errOut)
	}
	k := merchantKey(t)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	env := map[string]string{
		"KASIR_URL": base, "KASIR_CHROMIUM": chromium, "KASIR_SHOTS": shots,
		"OPERATOR_EMAIL": "ops@kasir.test", "OPERATOR_PASSWORD": password,
		"MERCHANT_NAME": "Toko Browser", "MERCHANT_PEM": pubPEM, "MERCHANT_NOTIFY_URL": receiver.URL + "/notify",
		"MERCHANT_EMAIL": "owner@toko.test", "MERCHANT_PASSWORD": "another long passphrase",
	}
	var created struct{ MerchantID, AppID string }
	runBrowser(t, node, "operator", env, &created)
	if created.AppID == "" || created.MerchantID == "" {
		t.Fatalf("the operator phase created %+v", created)
	}

	// The merchant's orders, through the API as the merchant's server would.
	for _, args := range [][]string{
		{"fee", "set", "--app", created.AppID, "--fixed", "1000", "--bps", "50"},
		{"balance", "credit", "--app", created.AppID, "--currency", "PHP", "--amount", "1000000"},
	} {
		if code, _, errOut := runCLI(t, db, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	ctx := context.Background()
	c := client.New(base, created.AppID, k)
	payout, err := c.CreatePayout(ctx, client.PayoutRequest{
		MchOrderID: "BROWSER-PAYOUT-1", CountryCode: "PH", Currency: "PHP", Amount: 150000,
		PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan Dela Cruz",
	})
	if err != nil {
		t.Fatal(err)
	}
	payment, err := c.CreatePayment(ctx, client.PaymentRequest{
		MchOrderID: "BROWSER-PAYMENT-1", CountryCode: "PH", Currency: "PHP", Amount: 49900,
		ChannelType: client.ChannelTypeQR, ChannelCode: "PH_QRPH_DYNAMIC", CustomerName: "Maria Santos",
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, db, "sim", "pay", "--transaction-id", payment.TransactionID); code != 0 {
		t.Fatalf("sim pay: exit %d: %s", code, errOut)
	}
	// Another merchant's payout, which the merchant user must not see.
	_, otherApp := onboard(t, s, db, receiver.URL+"/other")
	other := client.New(base, otherApp, merchantKey(t))
	otherPayout, err := other.CreatePayout(ctx, client.PayoutRequest{
		MchOrderID: "OTHER-SECRET-77", CountryCode: "PH", Currency: "PHP", Amount: 10000,
		PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Other",
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the payout's first notification to fail", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return deliveries[payout.TransactionID] >= 1
	})
	waitFor(t, "the payment to be completed", func() bool {
		p, err := c.CheckPayment(ctx, client.CheckRequest{MchOrderID: "BROWSER-PAYMENT-1", CountryCode: "PH"})
		return err == nil && p.TransactionStatus == "COMPLETED"
	})

	env["PAYOUT_ORDER"] = "BROWSER-PAYOUT-1"
	env["PAYOUT_TX"] = payout.TransactionID
	env["PAYMENT_TX"] = payment.TransactionID
	env["OTHER_TX"] = otherPayout.TransactionID
	env["OTHER_ORDER"] = "OTHER-SECRET-77"
	env["REPORT_DATE"] = time.Now().UTC().In(manila()).Format("2006-01-02")
	var seen struct {
		Refunds int
		Report  string
		Resent  bool
	}
	runBrowser(t, node, "merchant", env, &seen)

	mu.Lock()
	ok := delivered[payout.TransactionID]
	mu.Unlock()
	if !ok || !seen.Resent {
		t.Errorf("after the resend: delivered %v, the page saw the attempt succeed: %v", ok, seen.Resent)
	}
	var tour struct{ Bars, Rows int }
	runBrowser(t, node, "tour", env, &tour)
	if tour.Bars == 0 || tour.Rows < 3 {
		t.Errorf("the operator's tour saw %d bars in the orders chart and %d orders", tour.Bars, tour.Rows)
	}
	refunds, err := c.Refunds(ctx, client.RefundQuery{OriginalTransactionID: payment.TransactionID, CountryCode: "PH"})
	if err != nil || len(refunds) != 1 || refunds[0].RefundAmount != 1000 {
		t.Errorf("refunds of the payment after the browser's: %+v, %v; want one of PHP 10.00", refunds, err)
	}
	if !strings.Contains(seen.Report, "BROWSER-PAYOUT-1") {
		t.Errorf("the downloaded report does not list the payout:\n%s", seen.Report)
	}
}

func manila() *time.Location {
	loc, err := time.LoadLocation("Asia/Manila")
	if err != nil {
		return time.FixedZone("PHT", 8*3600)
	}
	return loc
}

// browserTools finds chromium, node and playwright-core.
func browserTools(t *testing.T) (chromium, node string) {
	chromium = os.Getenv("KASIR_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, nodeErr := exec.LookPath("node")
	_, chromeErr := os.Stat(chromium)
	_, pwErr := os.Stat(filepath.Join("..", "..", "e2e", "node_modules", "playwright-core", "package.json"))
	var missing []string
	if nodeErr != nil {
		missing = append(missing, "node (apt-get install nodejs npm)")
	}
	if chromeErr != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if pwErr != nil {
		missing = append(missing, "e2e/node_modules (npm ci --prefix e2e)")
	}
	if len(missing) > 0 {
		msg := "browser tests need " + strings.Join(missing, ", ") + "; make test installs them"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return chromium, node
}

// runBrowser runs one phase of e2e/dashboard.mjs; its last line of output
// is a JSON object, decoded into out.
func runBrowser(t *testing.T, node, phase string, env map[string]string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("..", "..", "e2e", "dashboard.mjs"), phase)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser phase %s: %v\nstdout:\n%s\nstderr:\n%s", phase, err, stdout, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), out); err != nil {
		t.Fatalf("browser phase %s printed %q: %v\nstderr:\n%s", phase, stdout, err, stderr.String())
	}
}

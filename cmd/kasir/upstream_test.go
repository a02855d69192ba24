package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/ledger"
)

// twoGateways is an upstream kasir, where the downstream is a merchant, and
// a downstream kasir that routes GCASH to it over dialect A and Peru's banks
// over dialect B, with a merchant of its own receiving notifications.
type twoGateways struct {
	upDB, downDB, upAddr string
	up, down             *Server
	upApp                string // the downstream's appId at the upstream

	a        *client.Client  // the downstream merchant, dialect A
	b        *client.BClient // the same merchant, dialect B
	notifyA  string
	notifyB  string
	mu       sync.Mutex
	gotA     map[string]client.Notification  // by transactionId
	gotB     map[string]client.BNotification // by orderNo
	upClient *client.Client                  // the downstream as the upstream's merchant
}

// merchantIDs is what `kasir merchant create --json` prints.
type merchantIDs struct {
	MerchantID, AppID string
	MerchantNo        int64
	APIKey            string
}

func createMerchant(t *testing.T, db, name, pubKey string, credit map[string]string, fee ...string) merchantIDs {
	t.Helper()
	code, out, errOut := runCLI(t, db, "merchant", "create", "--name", name, "--public-key", pubKey, "--json")
	var ids merchantIDs
	if code != 0 || json.Unmarshal([]byte(out), &ids) != nil || ids.AppID == "" || ids.APIKey == "" {
		t.Fatalf("merchant create: exit %d: %s %s", code, out, errOut)
	}
	cmds := [][]string{append([]string{"fee", "set", "--app", ids.AppID}, fee...)}
	for cur, amount := range credit {
		cmds = append(cmds, []string{"balance", "credit", "--app", ids.AppID, "--currency", cur, "--amount", amount})
	}
	for _, args := range cmds {
		if code, _, errOut := runCLI(t, db, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	return ids
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// configureRoutes writes the downstream's routing file through the CLI.
func configureRoutes(t *testing.T, downDB, dir, upURL string, up merchantIDs, upPlatformPEM string) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(merchantKey(t))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writeFile(t, dir, "our-key-at-upstream.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	platFile := writeFile(t, dir, "upstream-platform.pem", upPlatformPEM)
	apiKeyFile := writeFile(t, dir, "upstream-apikey", up.APIKey+"\n")
	routes := filepath.Join(dir, "routes.json")
	for _, args := range [][]string{
		{"channel", "connector", "add", "up-a", "--routes", routes, "--dialect", "A", "--base-url", upURL,
			"--app-id", up.AppID, "--private-key-file", keyFile, "--platform-key-file", platFile},
		{"channel", "connector", "add", "up-b", "--routes", routes, "--dialect", "B", "--base-url", upURL,
			"--merchant-id", itoa(up.MerchantNo), "--api-key-file", apiKeyFile},
		{"channel", "route", "GCASH", "up-a", "--routes", routes},
		{"channel", "route", "PE_*", "up-b", "--routes", routes},
	} {
		if code, out, errOut := runCLI(t, downDB, args...); code != 0 || !strings.Contains(out, "restart kasir serve to apply") {
			t.Fatalf("%v: exit %d: %s %s", args, code, out, errOut)
		}
	}
	code, out, _ := runCLI(t, downDB, "channel", "routes", "--routes", routes)
	if code != 0 || !regexp.MustCompile(`(?m)^up-a +GCASH$`).MatchString(out) || !regexp.MustCompile(`(?m)^up-b +PE_AZTECA .*PE_BCP .*PE_SCOTIABANK$`).MatchString(out) {
		t.Fatalf("channel routes: exit %d\n%s", code, out)
	}
	return routes
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func startTwoGateways(t *testing.T, db string) *twoGateways {
	engine := "sqlite"
	if isPostgres(db) {
		engine = "postgres"
	}
	g := &twoGateways{upDB: db, downDB: freshDB(t, engine), gotA: map[string]client.Notification{}, gotB: map[string]client.BNotification{}}
	fast := func(c *Config) { c.ReconcileAfter = 200 * time.Millisecond }
	g.up = startServer(t, g.upDB, fast)
	g.upAddr = g.up.Addr()
	t.Cleanup(func() {
		if g.up != nil {
			closeServer(t, g.up)
		}
	})
	dir := t.TempDir()
	pub := writePublicKey(t, dir, merchantKey(t))
	up := createMerchant(t, g.upDB, "Downstream", pub, map[string]string{"PHP": "1000000", "PEN": "1000000"}, "--fixed", "500")
	g.upApp = up.AppID
	g.upClient = client.New("http://"+g.upAddr, up.AppID, merchantKey(t))
	_, upPlatform, _ := runCLI(t, g.upDB, "keys", "platform")
	routes := configureRoutes(t, g.downDB, dir, "http://"+g.upAddr, up, upPlatform)

	g.down = startServer(t, g.downDB, func(c *Config) { fast(c); c.Routes = routes })
	t.Cleanup(func() { closeServer(t, g.down) })
	m := createMerchant(t, g.downDB, "Toko", pub, map[string]string{"PHP": "1000000", "PEN": "1000000"}, "--fixed", "1000", "--bps", "50")
	g.a = client.New("http://"+g.down.Addr(), m.AppID, merchantKey(t))
	g.b = client.NewB("http://"+g.down.Addr(), m.MerchantNo, m.APIKey)
	ra := httptest.NewServer(client.NotificationHandler(platformPublicKey(t, g.downDB), func(_ context.Context, n client.Notification) error {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.gotA[n.TransactionID] = n
		return nil
	}))
	t.Cleanup(ra.Close)
	rb := httptest.NewServer(client.BNotificationHandler(func(_ context.Context, n client.BNotification) error {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.gotB[n.OrderNo] = n
		return nil
	}, m.APIKey))
	t.Cleanup(rb.Close)
	g.notifyA, g.notifyB = ra.URL+"/notify", rb.URL+"/notify"
	return g
}

// payPH creates a GCASH payout through dialect A; the merchant sees it PENDING.
func (g *twoGateways) payPH(t *testing.T, id, accountNo string, amount int64) string {
	t.Helper()
	res, err := g.a.CreatePayout(context.Background(), client.PayoutRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP",
		Amount: amount, PayMethodCode: "EWALLET", TransferCode: "GCASH", AccountNo: accountNo, NotifyURL: g.notifyA})
	if err != nil || res.TransactionStatus != "PENDING" {
		t.Fatalf("payout %s: %+v, %v", id, res, err)
	}
	return res.TransactionID
}

// payPE creates a BCP payout through dialect B; the merchant sees it PROCESSING.
func (g *twoGateways) payPE(t *testing.T, id, accountNo string, amount int64) string {
	t.Helper()
	res, err := g.b.PayOut(context.Background(), client.BPayoutRequest{MchOrderNo: id, AccountName: "Rosa Quispe", AccountNo: accountNo,
		AccountType: 1, Currency: "PEN", Amount: amount, BankID: 3, NotifyURL: g.notifyB, IDType: "1", IDCard: "45678912"})
	if err != nil || res.OrderStatus != "PROCESSING" {
		t.Fatalf("payOut %s: %+v, %v", id, res, err)
	}
	return res.OrderNo
}

// waitPH waits until the payout has the status and its notification came.
func (g *twoGateways) waitPH(t *testing.T, txID, status string) client.Notification {
	t.Helper()
	var n client.Notification
	waitFor(t, txID+" "+status+" and notified", func() bool {
		p, err := g.a.CheckPayout(context.Background(), client.CheckRequest{TransactionID: txID, CountryCode: "PH"})
		g.mu.Lock()
		defer g.mu.Unlock()
		n = g.gotA[txID]
		return err == nil && p.TransactionStatus == status && n.TransactionStatus == status
	})
	return n
}

func (g *twoGateways) waitPE(t *testing.T, orderNo, status string) {
	t.Helper()
	waitFor(t, orderNo+" "+status+" and notified", func() bool {
		p, err := g.b.PayOutQuery(context.Background(), orderNo, "")
		g.mu.Lock()
		defer g.mu.Unlock()
		return err == nil && p.OrderStatus == status && g.gotB[orderNo].OrderStatus == status
	})
}

// TestUpstreamTwoGateways routes a downstream kasir's PH payouts to an
// upstream kasir over dialect A and its PE payouts over dialect B: the
// downstream's merchant sees PENDING then COMPLETED or FAILED and is
// notified; the upstream going away mid-flight leaves orders PENDING until
// it is back; the two ledgers agree.
func TestUpstreamTwoGateways(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		g := startTwoGateways(t, db)
		ok := g.payPH(t, "PH-OK", "09171234567", 150000)
		bad := g.payPH(t, "PH-FAIL", "09171234005", 20000) // the upstream's simulator fails it
		pe := g.payPE(t, "PE-OK", "19412345678901", 15000)
		g.waitPH(t, ok, "COMPLETED")
		if n := g.waitPH(t, bad, "FAILED"); n.FailedCode != -10005 || n.EventName != client.EventPayoutFailed {
			t.Fatalf("failed payout's notification %+v", n)
		}
		g.waitPE(t, pe, "SUCCESS")

		// The upstream goes away with one payout in flight (held by its
		// simulator) and one not yet sent.
		held := g.payPH(t, "PH-HELD", "09171239999", 30000)
		var upHeld string
		waitFor(t, "the upstream to hold PH-HELD", func() bool {
			p, err := g.upClient.CheckPayout(context.Background(), client.CheckRequest{MchOrderID: held, CountryCode: "PH"})
			upHeld = p.TransactionID
			return err == nil && p.TransactionStatus == "PENDING"
		})
		closeServer(t, g.up)
		g.up = nil
		late := g.payPE(t, "PE-LATE", "19412345670000", 25000)
		time.Sleep(time.Second) // five reconciler rounds
		if p, err := g.a.CheckPayout(context.Background(), client.CheckRequest{TransactionID: held, CountryCode: "PH"}); err != nil || p.TransactionStatus != "PENDING" {
			t.Fatalf("in flight while the upstream is down: %+v, %v", p, err)
		}
		// PROCESSING, or WAITING while a resubmission is being tried and refused.
		if p, err := g.b.PayOutQuery(context.Background(), late, ""); err != nil || (p.OrderStatus != "PROCESSING" && p.OrderStatus != "WAITING") {
			t.Fatalf("unsent while the upstream is down: %+v, %v", p, err)
		}
		g.up = startServer(t, g.upDB, func(c *Config) { c.Addr = g.upAddr; c.ReconcileAfter = 200 * time.Millisecond })
		// The upstream may have gone away before handing PH-HELD to its
		// simulator; once back it does, and then its operator decides it.
		waitFor(t, "the upstream's simulator to take PH-HELD and complete it", func() bool {
			code, _, _ := runCLI(t, g.upDB, "sim", "complete", "--transaction-id", upHeld)
			return code == 0
		})
		g.waitPH(t, held, "COMPLETED")
		g.waitPE(t, late, "SUCCESS")
		// The upstream told the downstream too, and was answered as its
		// dialect expects.
		waitFor(t, "the upstream's notification of PH-HELD to be delivered", func() bool {
			_, out, _ := runCLI(t, g.upDB, "notify", "list", "--transaction-id", upHeld, "--json")
			return strings.Contains(out, `"DELIVERED"`) && strings.Contains(out, "/upstream/up-a/notify")
		})

		g.checkLedgers(t, map[string]int64{"PHP": 150000 + 30000, "PEN": 15000 + 25000})
	})
}

// checkLedgers compares both sides: what the downstream paid out through
// each channel is what the upstream paid out, and what the upstream charged
// the downstream's account (amount plus its fee of 5.00 per completed
// payout); both ledgers pass `kasir ledger check`.
func (g *twoGateways) checkLedgers(t *testing.T, paid map[string]int64) {
	t.Helper()
	ctx := context.Background()
	channels := map[string]string{"PHP": "GCASH", "PEN": "PE_BCP"}
	for _, db := range []string{g.downDB, g.upDB} {
		if code, out, _ := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "ledger check OK") {
			t.Fatalf("ledger check: exit %d\n%s", code, out)
		}
		st, closeDB, err := openStore(ctx, Config{DB: db, DBMaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		for cur, want := range paid {
			if got, err := st.AccountBalance(ctx, ledger.Channel(channels[cur], cur)); err != nil || got != want {
				t.Errorf("%s: channel %s paid %d, %v; want %d", redactDB(db), channels[cur], got, err, want)
			}
		}
		closeDB()
	}
	for cur, want := range map[string]string{"PHP": `"available": 819000`, "PEN": `"available": 959000`} {
		code, out, _ := runCLI(t, g.upDB, "balance", "show", "--app", g.upApp, "--currency", cur, "--json")
		if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, `"held": 0`) {
			t.Errorf("the downstream's %s account at the upstream: %s; want %s and nothing held", cur, out, want)
		}
	}
}

// TestChannelCLI checks that the channel commands refuse what the server
// would refuse, without touching the file, and that serve refuses a bad
// routing file at start, naming the entry.
func TestChannelCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "kasir.db")
	routes := filepath.Join(dir, "routes.json")
	apiKey := writeFile(t, dir, "apikey", "k\n")
	run := func(args ...string) (int, string, string) { return runCLI(t, db, append(args, "--routes", routes)...) }
	if code, out, errOut := run("channel", "connector", "add", "pe", "--dialect", "B", "--base-url", "http://127.0.0.1:9", "--merchant-id", "7", "--api-key-file", apiKey); code != 0 {
		t.Fatalf("connector add: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run("channel", "route", "PE_*", "pe,sim"); code != 0 {
		t.Fatalf("route: %d %s %s", code, out, errOut)
	}
	before, _ := os.ReadFile(routes)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"channel", "route", "GCASH", "nope"}, `unknown connector "nope"`},
		{[]string{"channel", "route", "GCASH", "pe"}, `connector "pe" speaks dialect B`},
		{[]string{"channel", "route", "XX_*", "sim"}, `route "XX_*": matches no payout channel`},
		{[]string{"channel", "route", "GCASH"}, "usage: kasir channel route"},
		{[]string{"channel", "route", "BDO", "--delete"}, `no route "BDO"`},
		{[]string{"channel", "connector", "add", "pe", "--dialect", "B", "--base-url", "http://x", "--merchant-id", "7", "--api-key-file", apiKey}, "exists"},
		{[]string{"channel", "connector", "add", "up", "--dialect", "A", "--base-url", "localhost:80", "--app-id", "x"}, `baseUrl "localhost:80"`},
		{[]string{"channel", "connector", "add", "up", "--dialect", "A", "--base-url", "http://x"}, "missing appId, privateKeyFile, platformKeyFile"},
		{[]string{"channel", "connector", "add", "up", "--dialect", "B", "--base-url", "http://x", "--merchant-id", "7", "--api-key-file", "/nonexistent"}, "apiKeyFile"},
	} {
		code, _, errOut := run(tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error with %s", tc.args, code, errOut, tc.want)
		}
	}
	if after, _ := os.ReadFile(routes); string(after) != string(before) {
		t.Fatalf("refused edits changed the file:\n%s", after)
	}
	if code, _, errOut := runCLI(t, db, "channel", "route", "GCASH", "sim"); code == 0 || !strings.Contains(errOut, "--routes") {
		t.Errorf("route without --routes: %d %s", code, errOut)
	}
	if code, out, _ := run("channel", "route", "PE_*", "--delete"); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("route --delete: %d %s", code, out)
	}

	os.WriteFile(routes, []byte(`{"connectors":{},"routes":{"GCASH":["gone"]}}`), 0o644)
	cfg := defaultConfig()
	cfg.Addr, cfg.DB, cfg.PlatformKey, cfg.Routes = "127.0.0.1:0", db, platformKeyPath(db), routes
	if s, err := StartServer(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), `route "GCASH": unknown connector "gone"`) {
		if s != nil {
			closeServer(t, s)
		}
		t.Fatalf("serve with a bad routing file: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// merchantAB is a merchant onboarded through the CLI, with both dialects'
// credentials.
type merchantAB struct {
	AppID      string
	MerchantNo int64
	APIKey     string
}

// onboardAB creates a merchant with the test's RSA key and notifyURL
// through the CLI (with extra arguments and env, e.g. a master key), funds
// it with PHP and PEN, and returns its credentials. The CLI's stderr goes
// to errOut when it is not nil.
func onboardAB(t *testing.T, db, notifyURL string, env func(string) string, errOut io.Writer) merchantAB {
	t.Helper()
	run := func(args ...string) string {
		var out, eout bytes.Buffer
		if code := Main(context.Background(), args, &out, &eout, env); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, eout.String())
		}
		if errOut != nil {
			errOut.Write(eout.Bytes())
		}
		return out.String()
	}
	var m merchantAB
	out := run("merchant", "create", "--name", "Toko Aman", "--public-key", writePublicKey(t, t.TempDir(), merchantKey(t)),
		"--notify-url", notifyURL, "--json")
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.AppID == "" || m.APIKey == "" {
		t.Fatalf("merchant create printed %q: %v", out, err)
	}
	run("balance", "credit", "--app", m.AppID, "--currency", "PHP", "--amount", "1000000")
	run("balance", "credit", "--app", m.AppID, "--currency", "PEN", "--amount", "1000000")
	return m
}

// cliEnv is the environment runCLI gives commands, plus extra variables.
func cliEnv(db string, extra map[string]string) func(string) string {
	return func(k string) string {
		switch k {
		case "KASIR_DB":
			return db
		case "KASIR_PLATFORM_KEY":
			return platformKeyPath(db)
		}
		return extra[k]
	}
}

// peruPayout is a valid dialect B payOut body without its nonceStr.
func peruPayout(mchOrderNo, notifyURL string) map[string]any {
	m := map[string]any{"mchOrderNo": mchOrderNo, "accountName": "Rosa Quispe", "accountNo": "19412345678901",
		"accountType": 1, "currency": "PEN", "amount": "150.00", "bankId": 3, "idType": "1", "idCard": "45678912"}
	if notifyURL != "" {
		m["notifyUrl"] = notifyURL
	}
	return m
}

// TestNotifyPolicyServe runs serve as it starts by default, refusing
// notify URLs at loopback and other internal addresses: a payout or payOut
// naming one is refused, and an app whose URL the operator set to one
// (the CLI is trusted) gets its notifications refused at delivery, each a
// failed attempt saying why, while its receiver hears nothing.
func TestNotifyPolicyServe(t *testing.T) {
	t.Parallel()
	db := freshDB(t, "sqlite")
	s := startServer(t, db, func(c *Config) { c.NotifyAllow = defaultConfig().NotifyAllow })
	defer closeServer(t, s)
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"code":10000}`)
	}))
	defer receiver.Close()
	m := onboardAB(t, db, receiver.URL+"/notify", cliEnv(db, nil), nil)
	c := client.New("http://"+s.Addr(), m.AppID, merchantKey(t))
	ctx := context.Background()

	req := client.PayoutRequest{MchOrderID: "SSRF-1", CountryCode: "PH", Currency: "PHP", Amount: 150000,
		PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan Dela Cruz"}
	for url, want := range map[string]string{
		receiver.URL + "/notify":           "notifyUrl: points at 127.0.0.1 (loopback); notifications go to public addresses only",
		"http://169.254.169.254/latest/":   "notifyUrl: points at 169.254.169.254 (link-local)",
		"http://localhost:9000/":           "notifyUrl: points at 127.0.0.1 (loopback)",
		"https://user:pw@merchant.example": "notifyUrl: must not contain a user name or password",
	} {
		req.NotifyURL = url
		_, err := c.CreatePayout(ctx, req)
		var ae *client.APIError
		if !asAPIErr(err, &ae) || ae.Code != 21002 || !strings.HasPrefix(ae.Message, want) {
			t.Errorf("payout to %s: %v, want 21002 %q", url, err, want)
		}
	}
	body := peruPayout("SSRF-B-1", receiver.URL+"/b")
	if code, msg := postB(t, s.Addr(), m.MerchantNo, m.APIKey, "/api/payOut", body); code != 400 || msg != "Params_notifyUrl_error" {
		t.Errorf("payOut with a loopback notifyUrl: %d %s", code, msg)
	}

	// The app's own URL, set by the operator, is refused when delivering.
	req.NotifyURL = ""
	res, err := c.CreatePayout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a refused delivery attempt", func() bool {
		_, out, _ := runCLI(t, db, "notify", "list", "--transaction-id", res.TransactionID)
		return strings.Contains(out, "in a forbidden range (loopback) that the operator has not allowed for notifications")
	})
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback receiver got %d requests", n)
	}
}

// TestRateLimitServe: serve's --rate-limit is applied to each dialect, per
// app and per merchant, after authentication.
func TestRateLimitServe(t *testing.T) {
	t.Parallel()
	db := freshDB(t, "sqlite")
	s := startServer(t, db, func(c *Config) { c.RateLimit, c.RateBurst = "1/h", 2 })
	defer closeServer(t, s)
	m := onboardAB(t, db, "", cliEnv(db, nil), nil)
	c := client.New("http://"+s.Addr(), m.AppID, merchantKey(t))
	ctx := context.Background()
	forged := client.New("http://"+s.Addr(), m.AppID, otherRSAKey(t))
	for range 5 {
		if _, err := forged.Balance(ctx, "PH"); client.ErrorCode(err) != 21001 {
			t.Fatalf("forged call: %v", err)
		}
		if code, msg := postB(t, s.Addr(), m.MerchantNo, "wrong-key", "/api/getBalance", map[string]any{}); msg != "Sign_verify_error" {
			t.Fatalf("forged dialect B call: %d %s", code, msg)
		}
	}
	for i := range 2 {
		if _, err := c.Balance(ctx, "PH"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if code, msg := postB(t, s.Addr(), m.MerchantNo, m.APIKey, "/api/getBalance", map[string]any{}); code != 200 {
			t.Fatalf("dialect B call %d: %d %s", i+1, code, msg)
		}
	}
	_, err := c.Balance(ctx, "PH")
	var ae *client.APIError
	if !asAPIErr(err, &ae) || ae.Code != 21020 || ae.HTTPStatus != http.StatusTooManyRequests {
		t.Fatalf("third call: %v, want 21020 with HTTP 429", err)
	}
	if code, msg := postB(t, s.Addr(), m.MerchantNo, m.APIKey, "/api/getBalance", map[string]any{}); code != 429 || msg != "Request_too_frequent" {
		t.Fatalf("third dialect B call: %d %s", code, msg)
	}
}

// postB posts body, with a fresh nonceStr, to a dialect B path as merchant
// no signed with key, and returns the answer's code and msg.
func postB(t *testing.T, addr string, no int64, key, path string, body map[string]any) (int, string) {
	t.Helper()
	code, msg, _ := postBSigned(t, addr, no, key, path, body)
	return code, msg
}

var nonces atomic.Int64

// postBSigned is postB that also returns the Sign header it sent.
func postBSigned(t *testing.T, addr string, no int64, key, path string, body map[string]any) (int, string, string) {
	t.Helper()
	body["nonceStr"] = "n" + strconv.FormatInt(nonces.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(raw))
	sign := client.SignB(raw, key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("MerchantId", strconv.FormatInt(no, 10))
	req.Header.Set("Sign", sign)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.Code, r.Msg, sign
}

// otherRSAKey is a second RSA key, which no merchant registered.
var otherRSAKey = func() func(*testing.T) *rsa.PrivateKey {
	key := sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	return func(*testing.T) *rsa.PrivateKey { return key() }
}()

func asAPIErr(err error, target **client.APIError) bool {
	ae, ok := err.(*client.APIError)
	*target = ae
	return ok
}

// TestSecurityFlags: serve refuses a bad --notify-allow, --rate-limit or
// --rate-burst before it starts, and an empty --ops-addr serves no ops
// listener at all.
func TestSecurityFlags(t *testing.T) {
	t.Parallel()
	db := freshDB(t, "sqlite")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--notify-allow", "localhost"}, `--notify-allow: "localhost" is not a CIDR prefix or an IP address`},
		{[]string{"--rate-limit", "100"}, `--rate-limit: rate "100": want N/s, N/m or N/h`},
		{[]string{"--rate-limit", "100/s", "--rate-burst", "0"}, "--rate-limit: burst 0: must be at least 1"},
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--ops-addr", ""}, tc.args...), &out, &errOut, cliEnv(db, nil))
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("serve %v: exit %d, %q; want 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	s := startServer(t, db, func(c *Config) { c.OpsAddr = "" })
	defer closeServer(t, s)
	if s.OpsAddr() != "" {
		t.Errorf("--ops-addr \"\" listens on %s", s.OpsAddr())
	}
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the merchant listener without an ops listener: %d", resp.StatusCode)
	}
}

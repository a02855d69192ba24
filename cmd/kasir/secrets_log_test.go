package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// syncBuffer is a log destination shared by the server and the CLI.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// secrets collects what must never be logged.
type secrets struct {
	mu   sync.Mutex
	list map[string]string // secret -> what it is
}

func (s *secrets) add(what string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) >= 8 { // shorter strings could turn up by chance
			s.list[v] = what
		}
	}
}

// pemSecrets adds the PEM text of a private key and each line of its body,
// so that a key logged in part or reflowed is found too.
func (s *secrets) pemSecrets(what string, pemText []byte) {
	s.add(what, string(pemText))
	for _, line := range strings.Split(string(pemText), "\n") {
		if !strings.HasPrefix(line, "-----") {
			s.add(what+" (a line)", strings.TrimSpace(line))
		}
	}
}

// TestSecretsNotInLogs runs serve with JSON logs at debug level, and the
// CLI likewise, through dialect A and B calls (good ones, bad signatures,
// unknown callers, replays), notifications that fail (their answer echoing
// the signature) and then succeed, and an apiKey rotation; then no apiKey,
// master key, private key PEM text or request or notification signature
// is in the logs. It runs with the platform key in a file and with it
// sealed under a master key.
func TestSecretsNotInLogs(t *testing.T) {
	t.Parallel()
	for name, master := range map[string]string{"PlatformKeyFile": "", "MasterKey": "kasir-test-master-key-5f2d9c0e7b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			sec := &secrets{list: map[string]string{}}
			logSecurityRun(t, master, logs, sec)
			out := logs.String()
			// The log is the real thing: requests, refusals and retries are in it.
			for _, want := range []string{`"msg":"open api request"`, `"msg":"dialect b request"`, `"code":21001`,
				`"msg":"notify: delivery failed; will retry"`, `<sign>`, `"msg":"kasir serving"`} {
				if !strings.Contains(out, want) {
					t.Fatalf("the captured log lacks %s; it is not the log this test means to check:\n%.3000s", want, out)
				}
			}
			for secret, what := range sec.list {
				if strings.Contains(out, secret) {
					t.Errorf("the log contains %s (%d characters, not repeated here)", what, len(secret))
				}
			}
			if len(sec.list) < 12 {
				t.Fatalf("only %d secrets were collected", len(sec.list))
			}
		})
	}
}

// logSecurityRun does the calls of TestSecretsNotInLogs, logging to logs
// and noting every secret in sec.
func logSecurityRun(t *testing.T, master string, logs *syncBuffer, sec *secrets) {
	db := freshDB(t, "sqlite")
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := startServerLog(t, db, func(c *Config) { c.MasterKey = master }, log)
	defer closeServer(t, s)
	env := cliEnv(db, map[string]string{"KASIR_MASTER_KEY": master, "KASIR_LOG_LEVEL": "debug", "KASIR_LOG_FORMAT": "json"})
	sec.add("the master key", master)
	if master == "" {
		pemText, err := os.ReadFile(platformKeyPath(db))
		if err != nil {
			t.Fatal(err)
		}
		sec.pemSecrets("the platform private key", pemText)
	}
	merchantPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(merchantKey(t))})
	sec.pemSecrets("the merchant's private key", merchantPEM)

	// The receiver fails each order's first notification, echoing its
	// signature, and takes the second.
	var mu sync.Mutex
	seen := map[string]int{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig := r.Header.Get("Sign") // dialect B
		var a struct{ Param, Sign string }
		if json.Unmarshal(body, &a) == nil && a.Sign != "" {
			sig = a.Sign
		}
		sec.add("a notification signature", sig, strings.ToLower(sig))
		mu.Lock()
		seen[string(body)]++
		first := seen[string(body)] == 1
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"code":21001,"echo":"`+sig+`"}`)
			return
		}
		if sig == a.Sign {
			io.WriteString(w, `{"code":10000}`)
		} else {
			io.WriteString(w, "SUCCESS")
		}
	}))
	defer receiver.Close()

	m := onboardAB(t, db, receiver.URL+"/notify", env, logs)
	sec.add("an apiKey", m.APIKey)
	addr := "http://" + s.Addr()
	callA := func(appID string, key *client.Client, path string, param map[string]any, sig string) int {
		param["timestamp"] = time.Now().UnixMilli()
		p, _ := json.Marshal(param)
		if sig == "" {
			sig, _ = key.Sign(p)
		}
		sec.add("a request signature", sig)
		body, _ := json.Marshal(map[string]string{"appId": appID, "param": string(p), "sign": sig})
		resp, err := http.Post(addr+path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct{ Code int }
		json.NewDecoder(resp.Body).Decode(&r)
		return r.Code
	}
	c := client.New(addr, m.AppID, merchantKey(t))
	forger := client.New(addr, m.AppID, otherRSAKey(t))
	payout := map[string]any{"mchOrderId": "SECRET-1", "countryCode": "PH", "currency": "PHP", "amount": 150000,
		"payMethodCode": "BANK", "transferCode": "BDO", "accountNo": "1234567890", "accountName": "Juan Dela Cruz"}
	otherSig, _ := c.Sign([]byte(`{"countryCode":"PH"}`))
	for _, call := range []struct {
		appID  string
		signer *client.Client
		path   string
		param  map[string]any
		sig    string
		want   int
	}{
		{m.AppID, c, "/open-api/account/balance", map[string]any{"countryCode": "PH"}, "", 10000},
		{m.AppID, c, "/open-api/disbursement/transfer", payout, "", 10000},
		{m.AppID, forger, "/open-api/account/balance", map[string]any{"countryCode": "PH"}, "", 21001},
		{m.AppID, c, "/open-api/account/balance", map[string]any{"countryCode": "MY"}, otherSig, 21001},
		{"no-such-app-0000", c, "/open-api/account/balance", map[string]any{"countryCode": "PH"}, "", 21003},
	} {
		if code := callA(call.appID, call.signer, call.path, call.param, call.sig); code != call.want {
			t.Fatalf("%s as %s: code %d, want %d", call.path, call.appID, code, call.want)
		}
	}

	signedB := func(key, path string, body map[string]any, want string) {
		_, msg, sign := postBSigned(t, s.Addr(), m.MerchantNo, key, path, body)
		sec.add("a request signature", sign, strings.ToLower(sign))
		if msg != want {
			t.Fatalf("%s: %s, want %s", path, msg, want)
		}
	}
	signedB(m.APIKey, "/api/getBalance", map[string]any{}, "SUCCESS")
	signedB(m.APIKey, "/api/payOut", peruPayout("SECRET-B-1", ""), "SUCCESS")
	signedB("not-the-api-key-at-all", "/api/getBalance", map[string]any{}, "Sign_verify_error")

	waitFor(t, "both notifications delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		delivered := 0
		for _, n := range seen {
			if n >= 2 {
				delivered++
			}
		}
		return delivered >= 2
	})

	// Rotation: the new key and, during the grace period, the old one.
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"merchant", "apikey", "rotate", "--app", m.AppID, "--grace", "1h", "--json"}, &out, &errOut, env); code != 0 {
		t.Fatalf("apikey rotate: %s", errOut.String())
	}
	logs.Write(errOut.Bytes())
	var rotated merchantAB
	if err := json.Unmarshal(out.Bytes(), &rotated); err != nil || rotated.APIKey == "" || rotated.APIKey == m.APIKey {
		t.Fatalf("apikey rotate printed %q: %v", out.String(), err)
	}
	sec.add("a rotated apiKey", rotated.APIKey)
	signedB(rotated.APIKey, "/api/getBalance", map[string]any{}, "SUCCESS")
	signedB(m.APIKey, "/api/getBalance", map[string]any{}, "SUCCESS")
}

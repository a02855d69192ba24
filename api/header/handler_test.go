package header

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/api/open"
	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// testRouter routes every payout channel but PE_RIPLEY to a connector that
// leaves payouts PENDING, so that tests decide outcomes with
// ApplyPayoutResult. Payments go to the simulator, which makes the payData.
type testRouter struct{ sim *sim.Sim }

func (testRouter) Routes(channel string) []gateway.Route {
	if channel == "PE_RIPLEY" {
		return nil
	}
	return []gateway.Route{{Name: "pending", Connector: pendingConnector{}}}
}

func (testRouter) Named(string) (gateway.Connector, bool) { return pendingConnector{}, true }

func (r testRouter) PaymentConnector(channel string) (gateway.PaymentConnector, bool) {
	return r.sim.PaymentConnector(channel)
}

type pendingConnector struct{}

func (pendingConnector) SubmitPayout(context.Context, gateway.Payout) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

func (pendingConnector) QueryPayout(context.Context, string) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

// rsaKey is the dialect A key of the test merchants.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func publicPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// testClock is the gateway's clock, which tests move forward.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// bundle is what a test needs: a gateway on a fresh database with both
// dialects served on 127.0.0.1, and one merchant with a dialect B key and
// clients of both dialects for the same app.
type bundle struct {
	ctx      context.Context
	clock    *testClock
	gw       *gateway.Gateway
	srv      *httptest.Server
	merchant gateway.Merchant
	app      gateway.App
	no       int64  // the merchant's MerchantId
	key      string // its apiKey
	b        *client.BClient
	a        *client.Client
}

// forEachEngine runs fn on every store engine, each in a parallel subtest.
func forEachEngine(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Helper()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, eng))
		})
	}
}

func setup(t *testing.T, eng storetest.Engine) *bundle {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st := eng.Open(t)
	router := testRouter{sim: sim.New(st, sim.Options{PublicURL: srv.URL, Logger: log})}
	clock := &testClock{}
	gw, err := gateway.New(ctx, st, router, gateway.Options{Logger: log, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/api/", NewHandler(gw, Options{Logger: log, Clock: clock}))
	mux.Handle("/open-api/", open.NewHandler(gw, open.Options{Logger: log}))
	b := &bundle{ctx: ctx, clock: clock, gw: gw, srv: srv}
	b.merchant, b.app, b.no, b.key = b.newMerchant(t, "Bodega Lima")
	b.b = client.NewB(srv.URL, b.no, b.key)
	b.a = client.New(srv.URL, b.app.AppID, rsaKey())
	return b
}

// newMerchant makes a merchant that speaks both dialects.
func (b *bundle) newMerchant(t *testing.T, name string) (gateway.Merchant, gateway.App, int64, string) {
	t.Helper()
	m, app, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: name, PublicKeyPEM: publicPEM(rsaKey())})
	if err != nil {
		t.Fatal(err)
	}
	no, key, err := b.gw.IssueAPIKey(b.ctx, m.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, app, no, key
}

func (b *bundle) fund(t *testing.T, amount int64) {
	t.Helper()
	if _, err := b.gw.CreditBalance(b.ctx, b.merchant.ID, "PEN", amount); err != nil {
		t.Fatal(err)
	}
}

// reply is a decoded answer.
type reply struct {
	Status int
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Detail string          `json:"detail"`
	Data   json.RawMessage `json:"data"`
}

// send posts body to path with the given headers (nil values are left
// out) and checks the envelope of the answer.
func (b *bundle) send(t *testing.T, method, path string, headers map[string]string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(b.ctx, method, b.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	if r.Code != 200 && (string(r.Data) != "null" || r.Detail == "") {
		t.Errorf("refusal %s carries data %s or no detail %q", r.Msg, r.Data, r.Detail)
	}
	if r.Code == 200 && (r.Msg != "SUCCESS" || r.Detail != "") {
		t.Errorf("success answered msg %q detail %q", r.Msg, r.Detail)
	}
	return r
}

// signed posts body to path as merchant no, signed with key.
func (b *bundle) signed(t *testing.T, path string, no int64, key string, body []byte) reply {
	t.Helper()
	return b.send(t, http.MethodPost, path, map[string]string{"Content-Type": "application/json",
		"MerchantId": strconv.FormatInt(no, 10), "Sign": client.SignB(body, key)}, body)
}

// post posts a map as the bundle's merchant, with a fresh nonceStr unless
// it has one.
func (b *bundle) post(t *testing.T, path string, m map[string]any) reply {
	t.Helper()
	if _, ok := m["nonceStr"]; !ok {
		m["nonceStr"] = nonce()
	}
	return b.signed(t, path, b.no, b.key, mustJSON(t, m))
}

var nonceSeq struct {
	sync.Mutex
	n int
}

// nonce returns a nonceStr not used before in this process.
func nonce() string {
	nonceSeq.Lock()
	defer nonceSeq.Unlock()
	nonceSeq.n++
	return strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.Itoa(nonceSeq.n)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bcpPayout is a valid payout body to BCP (bankId 3), current account.
func bcpPayout(mchOrderNo string) map[string]any {
	return map[string]any{"accountName": "Juan Perez", "accountNo": "1912345678901", "accountType": 0,
		"currency": "PEN", "amount": "100.00", "bankId": 3, "mchOrderNo": mchOrderNo,
		"idType": "1", "idCard": "12345678", "phone": "+51987654321", "email": "juan@example.com", "remark": "salary"}
}

// validCCI returns a CCI with valid check digits for a bank entity.
func validCCI(entity string) string {
	eo, acct := entity+"193", "001538952068"
	return eo + acct + gateway.CCICheckDigits(eo, acct)
}

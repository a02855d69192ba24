package header

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/ratelimit"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// TestRateLimit spends a merchant's burst of 2 under a limit of 2 a
// minute: the third call is code 429 Request_too_frequent with HTTP 429 and
// Retry-After; calls that fail authentication (unknown MerchantId, bad Sign,
// a replayed nonceStr) spend nothing, another merchant has its own bucket,
// a refused payOut stores nothing, and a token comes back after its
// interval on the limiter's clock.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.Engines()[0])
	b.fund(t, 100_000)
	clock := &testClock{}
	limiter := ratelimit.New(ratelimit.Limit{N: 2, Per: time.Minute, Burst: 2}, clock)
	srv := httptest.NewServer(NewHandler(b.gw, Options{Logger: slog.New(slog.DiscardHandler), RateLimit: limiter}))
	t.Cleanup(srv.Close)
	b.srv = srv // b.post and b.signed go to the limited handler from here on

	replayed := mustJSON(t, map[string]any{"nonceStr": "replayed-once"})
	if r := b.signed(t, "/api/getBalance", b.no, b.key, replayed); r.Code != 200 {
		t.Fatalf("first use of a nonce: %+v", r)
	}
	for i := range 5 {
		if r := b.signed(t, "/api/getBalance", b.no, "not-the-key", mustJSON(t, map[string]any{"nonceStr": nonce()})); r.Msg != "Sign_verify_error" {
			t.Fatalf("bad Sign %d: %+v", i, r)
		}
		if r := b.signed(t, "/api/getBalance", 999_999_999, b.key, mustJSON(t, map[string]any{"nonceStr": nonce()})); r.Msg != "MerchantId_is_error" {
			t.Fatalf("unknown MerchantId %d: %+v", i, r)
		}
		if r := b.signed(t, "/api/getBalance", b.no, b.key, replayed); r.Msg != "Params_nonceStr_repeated" {
			t.Fatalf("replayed nonce %d: %+v", i, r)
		}
	}
	if r := b.post(t, "/api/getBalance", map[string]any{}); r.Code != 200 {
		t.Fatalf("second call within the burst, after the refused ones: %+v", r)
	}
	r, retryAfter := b.limitedCall(t, b.no, b.key)
	if r.Status != http.StatusTooManyRequests || r.Code != 429 || r.Msg != "Request_too_frequent" || retryAfter != "30" ||
		r.Detail != "too many requests: the limit is 2/m (burst 2) per merchant; retry after 30s" {
		t.Fatalf("third call: %+v, Retry-After %q", r, retryAfter)
	}

	_, _, otherNo, otherKey := b.newMerchant(t, "Bodega Cusco")
	if r, _ := b.limitedCall(t, otherNo, otherKey); r.Code != 200 {
		t.Fatalf("another merchant: %+v", r)
	}
	bc := client.NewB(srv.URL, b.no, b.key)
	if _, err := bc.PayOut(b.ctx, client.BPayoutRequest{MchOrderNo: "limited-1", AccountName: "Juan Perez", AccountNo: "1912345678901",
		AccountType: 0, Currency: "PEN", Amount: 10_000, BankID: 3, IDType: "1", IDCard: "12345678"}); client.BErrorMsg(err) != "Request_too_frequent" {
		t.Fatalf("limited payOut: %v", err)
	}

	clock.advance(29 * time.Second)
	if r, retryAfter := b.limitedCall(t, b.no, b.key); r.Code != 429 || retryAfter != "1" {
		t.Fatalf("29s later: %+v, Retry-After %q", r, retryAfter)
	}
	clock.advance(time.Second)
	if r := b.post(t, "/api/payOutQuery", map[string]any{"mchOrderNo": "limited-1"}); r.Msg != "Order_not_exist" {
		t.Fatalf("30s later the limited payOut is not there: %+v", r)
	}
	if r, _ := b.limitedCall(t, b.no, b.key); r.Code != 429 {
		t.Fatalf("one token only: %+v", r)
	}
}

// limitedCall posts getBalance as merchant no and returns the answer and
// its Retry-After header.
func (b *bundle) limitedCall(t *testing.T, no int64, key string) (reply, string) {
	t.Helper()
	body := mustJSON(t, map[string]any{"nonceStr": nonce()})
	req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, b.srv.URL+"/api/getBalance", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("MerchantId", strconv.FormatInt(no, 10))
	req.Header.Set("Sign", client.SignB(body, key))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{Status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r, resp.Header.Get("Retry-After")
}

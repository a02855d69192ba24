package open

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/ratelimit"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// limitClock is the rate limiter's clock, moved by hand.
type limitClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *limitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *limitClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// limitedReply is an answer with the headers that matter here.
type limitedReply struct {
	status     int
	retryAfter string
	code       int
	message    string
}

// postEnvelope signs param with key as appID and posts it to the server.
func postEnvelope(t *testing.T, url, appID string, param map[string]any, sign string) limitedReply {
	t.Helper()
	p := mustJSON(t, param)
	if sign == "" {
		sign = signB64(t, merchantKey(), p)
	}
	resp, err := http.Post(url+"/open-api/account/balance", "application/json", bytes.NewReader(envelopeBody(t, appID, p, sign)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	return limitedReply{resp.StatusCode, resp.Header.Get("Retry-After"), r.Code, r.Message}
}

// TestRateLimit spends an app's burst of 2 under a limit of 2 a minute:
// the third call is 21020 with HTTP 429 and Retry-After; calls that fail
// authentication (bad signature, unknown appId, stale timestamp) spend
// nothing, another app has its own bucket, a refused payout stores
// nothing, and a token comes back after its interval on the clock.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.Engines()[0])
	b.fund(t, "PHP", 100_000)
	clock := &limitClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	limiter := ratelimit.New(ratelimit.Limit{N: 2, Per: time.Minute, Burst: 2}, clock)
	srv := httptest.NewServer(NewHandler(b.gw, Options{Logger: slog.New(slog.DiscardHandler), RateLimit: limiter}))
	t.Cleanup(srv.Close)
	balance := func() map[string]any { return map[string]any{"countryCode": "PH", "timestamp": nowMS()} }

	for i := range 5 {
		if r := postEnvelope(t, srv.URL, b.app.AppID, balance(), signB64(t, otherKey(), "x")); r.code != 21001 {
			t.Fatalf("bad signature %d: %+v", i, r)
		}
		if r := postEnvelope(t, srv.URL, "unknown-app", balance(), ""); r.code != 21003 {
			t.Fatalf("unknown appId %d: %+v", i, r)
		}
		stale := map[string]any{"countryCode": "PH", "timestamp": nowMS() - int64(time.Hour/time.Millisecond)}
		if r := postEnvelope(t, srv.URL, b.app.AppID, stale, ""); r.code != 21009 {
			t.Fatalf("stale timestamp %d: %+v", i, r)
		}
	}
	for i := range 2 {
		if r := postEnvelope(t, srv.URL, b.app.AppID, balance(), ""); r.code != 10000 || r.status != 200 {
			t.Fatalf("call %d within the burst, after the refused ones: %+v", i+1, r)
		}
	}
	r := postEnvelope(t, srv.URL, b.app.AppID, balance(), "")
	want := limitedReply{http.StatusTooManyRequests, "30", 21020, "too many requests: the limit is 2/m (burst 2) per app; retry after 30s"}
	if r != want {
		t.Fatalf("third call: %+v, want %+v", r, want)
	}

	// Another app is not held back by the first one's calls.
	_, other := b.newMerchant(t, "Toko Lain", nil)
	if r := postEnvelope(t, srv.URL, other.AppID, balance(), ""); r.code != 10000 {
		t.Fatalf("another app: %+v", r)
	}
	// A limited payout is refused before the core: nothing is stored.
	c := client.New(srv.URL, b.app.AppID, merchantKey())
	if _, err := c.CreatePayout(b.ctx, phPayout("limited-1", 10_000)); client.ErrorCode(err) != 21020 {
		t.Fatalf("limited payout: %v, want 21020", err)
	}
	b.wantNotFound(t, "limited-1")
	if bal := b.balance(t); bal.AvailableAmount != 100_000 || bal.HeldAmount != 0 {
		t.Fatalf("balance after a limited payout %+v", bal)
	}

	clock.advance(29 * time.Second)
	if r := postEnvelope(t, srv.URL, b.app.AppID, balance(), ""); r.code != 21020 || r.retryAfter != "1" {
		t.Fatalf("29s later: %+v, want 21020 retry after 1", r)
	}
	clock.advance(time.Second)
	if r := postEnvelope(t, srv.URL, b.app.AppID, balance(), ""); r.code != 10000 {
		t.Fatalf("30s later: %+v, want a token back", r)
	}
	if r := postEnvelope(t, srv.URL, b.app.AppID, balance(), ""); r.code != 21020 || !strings.Contains(r.message, "too many requests") {
		t.Fatalf("and one only: %+v", r)
	}
}

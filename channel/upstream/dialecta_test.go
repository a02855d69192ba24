package upstream_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

const notifyURL = "http://127.0.0.1:1/upstream/up/notify"

// quiet discards the logs of connectors and callbacks whose lines a test
// does not read.
var quiet = slog.New(slog.DiscardHandler)

// book is our side's payouts, as the connector reads them.
type book struct {
	mu sync.Mutex
	m  map[string]gateway.Payout
}

func (b *book) add(p gateway.Payout) gateway.Payout {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]gateway.Payout{}
	}
	b.m[p.TransactionID] = p
	return p
}

func (b *book) GetPayoutByID(_ context.Context, id string) (gateway.Payout, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.m[id]
	if !ok {
		return gateway.Payout{}, gateway.ErrNotFound
	}
	return p, nil
}

func newA(t *testing.T, baseURL, appID string, u *upstreamtest.Upstream, payouts upstream.PayoutReader, hc *http.Client) *upstream.DialectA {
	t.Helper()
	a, err := upstream.NewA(upstream.AOptions{Name: "up", BaseURL: baseURL, AppID: appID, Key: u.Key,
		PlatformKey: &u.PlatformKey.PublicKey, NotifyURL: notifyURL, Payouts: payouts, HTTPClient: hc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDialectA runs the dialect A connector against a real upstream Kasir.
func TestDialectA(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			u := upstreamtest.Start(t, eng, 100_000)
			var b book
			a := newA(t, u.URL, u.App.AppID, u, &b, nil)
			ctx := context.Background()

			t.Run("CreatedThenCompleted", func(t *testing.T) {
				p := b.add(upstreamtest.Payout("D100", "PH", "09171234567"))
				res, err := a.SubmitPayout(ctx, p)
				if err != nil || res.Status != gateway.StatusPending || res.ChannelRef == "" {
					t.Fatalf("submit: %+v, %v", res, err)
				}
				up, err := u.PayoutByOrder(ctx, p.TransactionID)
				if err != nil {
					t.Fatal(err)
				}
				if up.TransactionID != res.ChannelRef || up.IdempotencyID != p.TransactionID || up.NotifyURL != notifyURL ||
					up.Amount != p.Amount || up.AccountNo != p.AccountNo || up.TransferCode != "GCASH" {
					t.Fatalf("upstream payout %+v", up)
				}
				if got, err := a.QueryPayout(ctx, p.TransactionID); err != nil || got.Status != gateway.StatusPending {
					t.Fatalf("query before settling: %+v, %v", got, err)
				}
				u.Settle(t, up.TransactionID)
				got, err := a.QueryPayout(ctx, p.TransactionID)
				if err != nil || got.Status != gateway.StatusCompleted || got.ChannelRef != up.TransactionID || got.At.IsZero() {
					t.Fatalf("query after settling: %+v, %v", got, err)
				}
			})
			t.Run("FailedUpstream", func(t *testing.T) {
				p := b.add(upstreamtest.Payout("D101", "PH", "09171234005"))
				res, err := a.SubmitPayout(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				u.Settle(t, res.ChannelRef)
				got, err := a.QueryPayout(ctx, p.TransactionID)
				if err != nil || got.Status != gateway.StatusFailed || got.FailedCode != gateway.FailedDestination ||
					got.FailedMessage != "Destination Account Error" {
					t.Fatalf("query: %+v, %v", got, err)
				}
			})
			t.Run("DuplicateIsPending", func(t *testing.T) {
				p := b.add(upstreamtest.Payout("D102", "PH", "09171234567"))
				first, err := a.SubmitPayout(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				again, err := a.SubmitPayout(ctx, p)
				if err != nil || again.Status != gateway.StatusPending {
					t.Fatalf("second submit: %+v, %v; want PENDING", again, err)
				}
				got, err := a.QueryPayout(ctx, p.TransactionID)
				if err != nil || got.ChannelRef != first.ChannelRef {
					t.Fatalf("query: %+v, %v; want the first order %s", got, err, first.ChannelRef)
				}
			})
			t.Run("Refusals", func(t *testing.T) {
				for i, tc := range []struct {
					name     string
					edit     func(*gateway.Payout)
					code     int
					inMsg    string
					upstream int // the upstream's response code, for the record
				}{
					{"Amount", func(p *gateway.Payout) { p.Amount = 1 }, gateway.FailedExceedLimit, "amount", client.CodeAmount},
					{"Param", func(p *gateway.Payout) { p.AccountNo = "12" }, gateway.FailedParams, "accountNo", client.CodeParamError},
					{"Wallet", func(p *gateway.Payout) { p.TransferCode = "NOPE" }, gateway.FailedChannelRejected, "NOPE", client.CodeWalletCode},
					{"Insufficient", func(p *gateway.Payout) { p.Amount = 5_000_000 }, gateway.FailedInsufficient, "balance", client.CodeInsufficientBalance},
				} {
					t.Run(tc.name, func(t *testing.T) {
						p := upstreamtest.Payout("D11"+string(rune('0'+i)), "PH", "09171234567")
						tc.edit(&p)
						res, err := a.SubmitPayout(ctx, b.add(p))
						if err != nil || res.Status != gateway.StatusFailed || res.FailedCode != tc.code || !strings.Contains(res.FailedMessage, tc.inMsg) {
							t.Fatalf("got %+v, %v; want FAILED %d with the upstream's message (about %s, code %d)", res, err, tc.code, tc.inMsg, tc.upstream)
						}
						if _, err := u.PayoutByOrder(ctx, p.TransactionID); !errors.Is(err, gateway.ErrNotFound) {
							t.Fatalf("the upstream stored a refused payout: %v", err)
						}
					})
				}
			})
			t.Run("NotSent", func(t *testing.T) {
				closed := upstreamtest.Payout("D120", "PH", "1234567890")
				closed.PayMethod, closed.TransferCode = gateway.MethodBank, upstreamtest.ClosedChannel
				_, err := a.SubmitPayout(ctx, b.add(closed))
				if !errors.Is(err, gateway.ErrNotSent) {
					t.Errorf("closed channel (21005): %v, want ErrNotSent", err)
				}
				wrongKey := newA(t, u.URL, u.App.AppID, &upstreamtest.Upstream{Key: u.PlatformKey, PlatformKey: u.PlatformKey}, &b, nil)
				_, err = wrongKey.SubmitPayout(ctx, b.add(upstreamtest.Payout("D121", "PH", "09171234567")))
				if !errors.Is(err, gateway.ErrNotSent) || client.ErrorCode(err) != client.CodeSignError {
					t.Errorf("wrong key (21001): %v, want ErrNotSent", err)
				}
				peru := b.add(upstreamtest.Payout("D122", "PE", "19412345678901"))
				if _, err := a.SubmitPayout(ctx, peru); !errors.Is(err, gateway.ErrNotSent) {
					t.Errorf("Peru payout over dialect A: %v, want ErrNotSent", err)
				}
				for _, id := range []string{"D120", "D121", "D122"} {
					if _, err := u.PayoutByOrder(ctx, id); !errors.Is(err, gateway.ErrNotFound) {
						t.Errorf("%s reached the upstream: %v", id, err)
					}
				}
			})
			t.Run("NotFound", func(t *testing.T) {
				p := b.add(upstreamtest.Payout("D130", "PH", "09171234567"))
				if _, err := a.QueryPayout(ctx, p.TransactionID); !errors.Is(err, gateway.ErrChannelNotFound) {
					t.Fatalf("query of a payout never sent: %v, want ErrChannelNotFound", err)
				}
			})
		})
	}
}

// TestDialectACallback checks how notifications are read and answered.
func TestDialectACallback(t *testing.T) {
	t.Parallel()
	u := &upstreamtest.Upstream{Key: upstreamtest.MerchantKey(), PlatformKey: upstreamtest.PlatformKey()}
	a := newA(t, "http://127.0.0.1:1", "app", u, &book{}, nil)
	param := `{"eventName":"disbursement.failed","mchOrderId":"D200","transactionId":"D9","countryCode":"PH","currency":"PHP",` +
		`"amount":15000,"fee":0,"transactionStatus":"FAILED","createTime":"2026-01-02T10:00:00+08:00",` +
		`"returnTime":"2026-01-02T10:00:05+08:00","failedCode":-10099,"failedMessage":"Bank offline"}`
	body, err := client.SignNotification([]byte(param), u.PlatformKey)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := a.ReadCallback(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	r := cb.Result
	if cb.TransactionID != "D200" || cb.Amount != 15000 || r.Status != gateway.StatusFailed || r.FailedCode != gateway.FailedChannelRejected ||
		r.FailedMessage != "Bank offline" || r.ChannelRef != "D9" || r.At.IsZero() {
		t.Fatalf("callback %+v", cb)
	}

	forged, _ := client.SignNotification([]byte(param), u.Key) // not the upstream's platform key
	_, err = a.ReadCallback(nil, forged)
	if !errors.Is(err, upstream.ErrCallbackSignature) {
		t.Fatalf("forged: %v, want ErrCallbackSignature", err)
	}
	for _, tc := range []struct {
		err    error
		status int
		body   string
	}{
		{nil, 200, `{"code":10000,"message":"Success"}`},
		{err, 401, `{"code":21001,"message":"sign error"}`},
		{upstream.ErrCallbackMalformed, 400, `{"code":21002,"message":"malformed notification"}`},
		{errors.New("database down"), 500, `{"code":21000,"message":"not processed, try again"}`},
	} {
		w := httptest.NewRecorder()
		a.AnswerCallback(w, tc.err)
		if w.Code != tc.status || w.Body.String() != tc.body {
			t.Errorf("answer to %v: %d %s, want %d %s", tc.err, w.Code, w.Body, tc.status, tc.body)
		}
	}
}

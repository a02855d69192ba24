package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

func newB(t *testing.T, baseURL string, merchantNo int64, apiKey string, payouts upstream.PayoutReader, hc *http.Client) *upstream.DialectB {
	t.Helper()
	b, err := upstream.NewB(upstream.BOptions{Name: "up", BaseURL: baseURL, MerchantID: merchantNo, APIKey: apiKey,
		NotifyURL: notifyURL, Payouts: payouts, HTTPClient: hc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDialectB runs the dialect B connector against a real upstream Kasir.
func TestDialectB(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			u := upstreamtest.Start(t, eng, 100_000)
			var bk book
			b := newB(t, u.URL, u.MerchantNo, u.APIKey, &bk, nil)
			ctx := context.Background()

			t.Run("CreatedThenCompleted", func(t *testing.T) {
				p := bk.add(upstreamtest.Payout("D300", "PE", "19412345678901"))
				res, err := b.SubmitPayout(ctx, p)
				if err != nil || res.Status != gateway.StatusPending || res.ChannelRef == "" {
					t.Fatalf("submit: %+v, %v", res, err)
				}
				up, err := u.PayoutByOrder(ctx, p.TransactionID)
				if err != nil {
					t.Fatal(err)
				}
				if up.TransactionID != res.ChannelRef || up.Dialect != gateway.DialectB || up.NotifyURL != notifyURL ||
					up.Amount != p.Amount || up.TransferCode != "PE_BCP" || up.AccountType != "1" || up.IDCard != p.IDCard {
					t.Fatalf("upstream payout %+v", up)
				}
				if got, err := b.QueryPayout(ctx, p.TransactionID); err != nil || got.Status != gateway.StatusPending {
					t.Fatalf("query before settling: %+v, %v", got, err)
				}
				u.Settle(t, up.TransactionID)
				got, err := b.QueryPayout(ctx, p.TransactionID)
				if err != nil || got.Status != gateway.StatusCompleted || got.ChannelRef != up.TransactionID || got.At.IsZero() {
					t.Fatalf("query after settling: %+v, %v", got, err)
				}
			})
			t.Run("FailedUpstream", func(t *testing.T) {
				p := bk.add(upstreamtest.Payout("D301", "PE", "19412345674005"))
				res, err := b.SubmitPayout(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				u.Settle(t, res.ChannelRef)
				got, err := b.QueryPayout(ctx, p.TransactionID)
				if err != nil || got.Status != gateway.StatusFailed || got.FailedCode != gateway.FailedDestination ||
					got.FailedMessage != "INVALID_BANK_ACCOUNT" {
					t.Fatalf("query: %+v, %v", got, err)
				}
			})
			t.Run("DuplicateIsPending", func(t *testing.T) {
				p := upstreamtest.Payout("D302", "PE", "19412345678901")
				if _, err := b.SubmitPayout(ctx, p); err != nil {
					t.Fatal(err)
				}
				again, err := b.SubmitPayout(ctx, p)
				if err != nil || again.Status != gateway.StatusPending {
					t.Fatalf("second submit: %+v, %v; want PENDING", again, err)
				}
			})
			t.Run("Refusals", func(t *testing.T) {
				for i, tc := range []struct {
					name  string
					edit  func(*gateway.Payout)
					code  int
					inMsg string
				}{
					{"Amount", func(p *gateway.Payout) { p.Amount = 100 }, gateway.FailedExceedLimit, "Params_amount_error"},
					{"Account", func(p *gateway.Payout) { p.AccountNo = "12" }, gateway.FailedDestination, "Params_accountNo_error"},
					{"IDCard", func(p *gateway.Payout) { p.IDCard = "1" }, gateway.FailedParams, "Params_idCard_error"},
					{"Insufficient", func(p *gateway.Payout) { p.Amount = 150_000 }, gateway.FailedInsufficient, "Merchant_balance_not_enough"},
				} {
					t.Run(tc.name, func(t *testing.T) {
						p := upstreamtest.Payout("D31"+string(rune('0'+i)), "PE", "19412345678901")
						tc.edit(&p)
						res, err := b.SubmitPayout(ctx, p)
						if err != nil || res.Status != gateway.StatusFailed || res.FailedCode != tc.code || !strings.Contains(res.FailedMessage, tc.inMsg) {
							t.Fatalf("got %+v, %v; want FAILED %d with %s", res, err, tc.code, tc.inMsg)
						}
						if _, err := u.PayoutByOrder(ctx, p.TransactionID); !errors.Is(err, gateway.ErrNotFound) {
							t.Fatalf("the upstream stored a refused payout: %v", err)
						}
					})
				}
			})
			t.Run("NotSent", func(t *testing.T) {
				wrongKey := newB(t, u.URL, u.MerchantNo, "not-the-key", &bk, nil)
				_, err := wrongKey.SubmitPayout(ctx, upstreamtest.Payout("D320", "PE", "19412345678901"))
				if !errors.Is(err, gateway.ErrNotSent) || client.BErrorMsg(err) != "Sign_verify_error" {
					t.Errorf("wrong apiKey: %v, want ErrNotSent with Sign_verify_error", err)
				}
				if _, err := b.SubmitPayout(ctx, upstreamtest.Payout("D321", "PH", "09171234567")); !errors.Is(err, gateway.ErrNotSent) {
					t.Errorf("PH payout over dialect B: %v, want ErrNotSent", err)
				}
				for _, id := range []string{"D320", "D321"} {
					if _, err := u.PayoutByOrder(ctx, id); !errors.Is(err, gateway.ErrNotFound) {
						t.Errorf("%s reached the upstream: %v", id, err)
					}
				}
			})
			t.Run("NotFound", func(t *testing.T) {
				bk.add(upstreamtest.Payout("D330", "PE", "19412345678901"))
				if _, err := b.QueryPayout(ctx, "D330"); !errors.Is(err, gateway.ErrChannelNotFound) {
					t.Fatalf("query of a payout never sent: %v, want ErrChannelNotFound", err)
				}
			})
		})
	}
}

// TestDialectBCallback checks how notifications are read and answered.
func TestDialectBCallback(t *testing.T) {
	t.Parallel()
	b := newB(t, "http://127.0.0.1:1", 100001, "the-key", &book{}, nil)
	body := []byte(`{"orderStatus":"FAIL","amount":150.00,"fee":0,"mchOrderNo":"D400","merchantId":"100001",` +
		`"orderNo":"D9","completionTime":"2026-01-02 10:00:05","resultDesc":"ACCOUNT_NOT_EXIST"}`)
	h := http.Header{"Merchantid": {"100001"}, "Sign": {client.SignB(body, "the-key")}}
	cb, err := b.ReadCallback(h, body)
	if err != nil {
		t.Fatal(err)
	}
	r := cb.Result
	if cb.TransactionID != "D400" || cb.Amount != 15000 || r.Status != gateway.StatusFailed || r.FailedCode != gateway.FailedDestination ||
		r.FailedMessage != "ACCOUNT_NOT_EXIST" || r.ChannelRef != "D9" || r.At.IsZero() {
		t.Fatalf("callback %+v", cb)
	}
	for name, hdr := range map[string]http.Header{
		"WrongKey":      {"Merchantid": {"100001"}, "Sign": {client.SignB(body, "another-key")}},
		"OtherMerchant": {"Merchantid": {"100002"}, "Sign": {client.SignB(body, "the-key")}},
		"NoSign":        {"Merchantid": {"100001"}},
	} {
		if _, err := b.ReadCallback(hdr, body); !errors.Is(err, upstream.ErrCallbackSignature) {
			t.Errorf("%s: %v, want ErrCallbackSignature", name, err)
		}
	}
	for _, tc := range []struct {
		err    error
		status int
		body   string
	}{
		{nil, 200, "SUCCESS"},
		{upstream.ErrCallbackSignature, 401, "FAIL"},
		{upstream.ErrCallbackMalformed, 400, "FAIL"},
		{errors.New("database down"), 500, "FAIL"},
	} {
		w := httptest.NewRecorder()
		b.AnswerCallback(w, tc.err)
		if w.Code != tc.status || w.Body.String() != tc.body {
			t.Errorf("answer to %v: %d %s, want %d %s", tc.err, w.Code, w.Body, tc.status, tc.body)
		}
	}
}

// TestDialectBRepeatedRequest: the same signed payOut delivered twice (a
// retrying proxy, or an HTTP/2 retry) makes the order with the first copy,
// and the answer seen is the second's, Params_nonceStr_repeated. That is an
// unknown outcome, never "not sent": failing over would pay twice.
func TestDialectBRepeatedRequest(t *testing.T) {
	t.Parallel()
	u := upstreamtest.Start(t, storetest.Engines()[1], 100_000)
	twice := fake(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var last *http.Response
		for range 2 {
			req, _ := http.NewRequest(r.Method, u.URL+r.URL.Path, bytes.NewReader(body))
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			if last != nil {
				last.Body.Close()
			}
			last = resp
		}
		defer last.Body.Close()
		w.WriteHeader(last.StatusCode)
		io.Copy(w, last.Body)
	})
	var bk book
	b := newB(t, twice, u.MerchantNo, u.APIKey, &bk, nil)
	p := bk.add(upstreamtest.Payout("D340", "PE", "19412345678901"))
	res, err := b.SubmitPayout(context.Background(), p)
	if client.BErrorMsg(err) != "Params_nonceStr_repeated" {
		t.Fatalf("submit: %+v, %v; want the repeated request's answer", res, err)
	}
	if errors.Is(err, gateway.ErrNotSent) {
		t.Errorf("ErrNotSent (fail over): %v", err)
	}
	if _, err := u.PayoutByOrder(context.Background(), p.TransactionID); err != nil {
		t.Fatalf("the first copy made no order: %v", err)
	}
}

package upstream_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// checkCallbackErr fails unless err is nil or wraps exactly one of the two
// callback errors.
func checkCallbackErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && errors.Is(err, upstream.ErrCallbackSignature) == errors.Is(err, upstream.ErrCallbackMalformed) {
		t.Fatalf("error %v wraps neither or both callback errors", err)
	}
}

// FuzzReadCallbackA: any body is refused as forged or malformed unless it
// is the upstream's signed payout notification, and reading never panics.
func FuzzReadCallbackA(f *testing.F) {
	u := &upstreamtest.Upstream{Key: upstreamtest.MerchantKey(), PlatformKey: upstreamtest.PlatformKey()}
	signed := func(param string) []byte {
		b, err := client.SignNotification([]byte(param), u.PlatformKey)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(signed(`{"eventName":"disbursement.success","mchOrderId":"D1","transactionId":"D9","amount":100,"transactionStatus":"COMPLETED"}`))
	f.Add(signed(`{"eventName":"order.payment.success","mchOrderId":"D1"}`))
	f.Add(signed(`{"eventName":"disbursement.failed","transactionStatus":"PAID"}`))
	f.Add(signed(`[]`))
	f.Add([]byte(`{"param":"{}","sign":"AAAA"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := upstream.NewA(upstream.AOptions{Name: "up", BaseURL: "http://127.0.0.1:1", AppID: "app", Key: u.Key,
			PlatformKey: &u.PlatformKey.PublicKey, Payouts: &book{}})
		if err != nil {
			t.Fatal(err)
		}
		cb, err := a.ReadCallback(nil, body)
		checkCallbackErr(t, err)
		if err != nil {
			return
		}
		if _, verr := client.VerifyNotification(body, &u.PlatformKey.PublicKey); verr != nil {
			t.Fatalf("accepted a notification that does not verify: %v", verr)
		}
		if s := cb.Result.Status; s != gateway.StatusPending && s != gateway.StatusCompleted && s != gateway.StatusFailed {
			t.Fatalf("status %q", s)
		}
	})
}

// FuzzReadCallbackB: a body is accepted only with the Sign of our apiKey and
// our MerchantId (or none); a correctly signed body is never called forged;
// reading never panics.
func FuzzReadCallbackB(f *testing.F) {
	f.Add([]byte(`{"orderStatus":"SUCCESS","amount":100.00,"mchOrderNo":"D1","orderNo":"D9","completionTime":"2026-01-02 10:00:05"}`), true, "100001")
	f.Add([]byte(`{"orderStatus":"FAIL","amount":"1.5","mchOrderNo":"D1","orderNo":"D9","resultDesc":"INVALID_CCI"}`), true, "")
	f.Add([]byte(`{"orderStatus":"PAYING","orderNo":"C1"}`), true, "100001")
	f.Add([]byte(`{"orderStatus":"LOST","orderNo":"D1"}`), true, "100001")
	f.Add([]byte(`{}`), false, "100002")
	f.Fuzz(func(t *testing.T, body []byte, signIt bool, merchantID string) {
		b, err := upstream.NewB(upstream.BOptions{Name: "up", BaseURL: "http://127.0.0.1:1", MerchantID: 100001, APIKey: "the-key", Payouts: &book{}})
		if err != nil {
			t.Fatal(err)
		}
		sign := "0123456789abcdef0123456789abcdef"
		if signIt {
			sign = client.SignB(body, "the-key")
		}
		h := http.Header{"Sign": {sign}}
		if merchantID != "" {
			h.Set("MerchantId", merchantID)
		}
		_, err = b.ReadCallback(h, body)
		checkCallbackErr(t, err)
		id := strings.TrimSpace(merchantID)
		ours := id == "" || id == "100001"
		switch {
		case err == nil && (!strings.EqualFold(sign, client.SignB(body, "the-key")) || !ours):
			t.Fatalf("accepted with Sign %s, MerchantId %q", sign, merchantID)
		case signIt && ours && errors.Is(err, upstream.ErrCallbackSignature):
			t.Fatalf("a correctly signed body was called forged: %v", err)
		}
	})
}

package upstream_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// results records what Callbacks applies, as the gateway would receive it.
type results struct {
	mu  sync.Mutex
	got map[string]gateway.ChannelResult
}

func (r *results) ApplyPayoutResult(_ context.Context, id string, res gateway.ChannelResult) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string]gateway.ChannelResult{}
	}
	r.got[id] = res
	return nil
}

func (r *results) of(id string) (gateway.ChannelResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.got[id]
	return res, ok
}

// mallorysOrder makes, at the upstream, another merchant's payout whose
// mchOrderId is our transactionId and whose notifyUrl is our callback, lets
// it fail, and returns the notification the upstream signs and posts for it.
func mallorysOrder(t *testing.T, u *upstreamtest.Upstream, ours gateway.Payout) []byte {
	t.Helper()
	ctx := context.Background()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m, app, err := u.GW.CreateMerchant(ctx, gateway.NewMerchant{Name: "Mallory", PublicKeyPEM: upstreamtest.PublicPEM(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.GW.CreditBalance(ctx, m.ID, "PHP", 1_000_000); err != nil {
		t.Fatal(err)
	}
	created, err := client.New(u.URL, app.AppID, key).CreatePayout(ctx, client.PayoutRequest{MchOrderID: ours.TransactionID,
		IdempotencyID: "m1", CountryCode: "PH", Currency: "PHP", Amount: ours.Amount, PayMethodCode: ours.PayMethod,
		TransferCode: "GCASH", AccountNo: "09170000000", AccountName: "Mallory", NotifyURL: notifyURL})
	if err != nil {
		t.Fatal(err)
	}
	failed := gateway.ChannelResult{Status: gateway.StatusFailed, FailedCode: gateway.FailedDestination}
	if err := u.GW.ApplyPayoutResult(ctx, created.TransactionID, failed); err != nil {
		t.Fatal(err)
	}
	theirs, err := u.Store.GetPayoutByID(ctx, created.TransactionID)
	if err != nil {
		t.Fatal(err)
	}
	param, err := notify.EncodeParam(gateway.PayoutEvent(theirs))
	if err != nil {
		t.Fatal(err)
	}
	body, err := client.SignNotification(param, u.PlatformKey)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func post(h http.Handler, body []byte) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/upstream/up/notify", bytes.NewReader(body)))
	return w
}

// TestCallbacksDialectA: a dialect A notification, signed with the platform
// key that signs every merchant's, only prompts a query of our own order;
// what the query answers is applied, never what the notification says.
func TestCallbacksDialectA(t *testing.T) {
	t.Parallel()
	u := upstreamtest.Start(t, storetest.Engines()[1], 10_000_000)
	ctx := context.Background()
	var bk book
	a := newA(t, u.URL, u.App.AppID, u, &bk, nil)
	ours := upstreamtest.Payout("D950", "PH", "09171234567")
	ours.Connector = "up"
	bk.add(ours)
	sent, err := a.SubmitPayout(ctx, ours)
	if err != nil || sent.Status != gateway.StatusPending {
		t.Fatalf("submit: %+v, %v", sent, err)
	}
	body := mallorysOrder(t, u, ours)
	const success = `{"code":10000,"message":"Success"}`

	t.Run("OtherMerchantsOrder", func(t *testing.T) {
		var rs results
		w := post(upstream.NewCallbacks(&bk, &rs, quiet, map[string]upstream.Notifiable{"up": a}), body)
		if w.Code != 200 || w.Body.String() != success {
			t.Errorf("answer %d %s; want success (our order is still pending there)", w.Code, w.Body)
		}
		if r, ok := rs.of(ours.TransactionID); ok {
			t.Fatalf("our payout, live at the upstream, settled %s by another merchant's order", r.Status)
		}
	})
	t.Run("QueryAnswerApplied", func(t *testing.T) {
		u.Settle(t, sent.ChannelRef) // ours completes; the notification still says FAILED
		var rs results
		w := post(upstream.NewCallbacks(&bk, &rs, quiet, map[string]upstream.Notifiable{"up": a}), body)
		r, _ := rs.of(ours.TransactionID)
		if w.Code != 200 || r.Status != gateway.StatusCompleted || r.ChannelRef != sent.ChannelRef {
			t.Fatalf("answer %d %s, applied %+v; want our order's COMPLETED", w.Code, w.Body, r)
		}
	})
	t.Run("QueryFails", func(t *testing.T) {
		down := newA(t, refusedURL(t), u.App.AppID, u, &bk, nil)
		var rs results
		w := post(upstream.NewCallbacks(&bk, &rs, quiet, map[string]upstream.Notifiable{"up": down}), body)
		if _, ok := rs.of(ours.TransactionID); w.Code == 200 || ok {
			t.Fatalf("answer %d %s (applied: %t); want a failure, so that the upstream retries", w.Code, w.Body, ok)
		}
	})
	t.Run("NotAtTheUpstream", func(t *testing.T) {
		// Ours was never sent there (e.g. after a restore): Mallory's
		// notification names it, the query finds nothing.
		lost := ours
		lost.TransactionID = "D951"
		bk.add(lost)
		var rs results
		w := post(upstream.NewCallbacks(&bk, &rs, quiet, map[string]upstream.Notifiable{"up": a}), mallorysOrder(t, u, lost))
		if _, ok := rs.of(lost.TransactionID); w.Code == 200 || ok {
			t.Fatalf("answer %d %s (applied: %t); want a failure", w.Code, w.Body, ok)
		}
	})
	t.Run("FinalHere", func(t *testing.T) {
		done := ours
		done.TransactionID, done.Status = "D952", gateway.StatusCompleted
		bk.add(done)
		down := newA(t, refusedURL(t), u.App.AppID, u, &bk, nil) // no query is needed
		var rs results
		w := post(upstream.NewCallbacks(&bk, &rs, quiet, map[string]upstream.Notifiable{"up": down}), mallorysOrder(t, u, done))
		if _, ok := rs.of(done.TransactionID); w.Code != 200 || ok {
			t.Fatalf("answer %d %s (applied: %t); want success, nothing applied", w.Code, w.Body, ok)
		}
	})
}

// TestCallbacksDialectB: a dialect B notification, signed with our own
// apiKey, is applied as it says, but only when its amount and currency are
// our payout's.
func TestCallbacksDialectB(t *testing.T) {
	t.Parallel()
	var bk book
	ours := upstreamtest.Payout("D960", "PE", "19412345678901")
	ours.Connector = "up"
	bk.add(ours)
	b := newB(t, refusedURL(t), 100001, "the-key", &bk, nil) // callbacks need no query
	for _, tc := range []struct {
		name, amount, currency string
		applied                bool
	}{
		{"OtherAmount", "150.01", `,"currency":"PEN"`, false},
		{"OtherCurrency", "150.00", `,"currency":"USD"`, false},
		{"Agrees", "150.00", `,"currency":"PEN"`, true},
		{"NoCurrency", "150.00", ``, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(`{"orderStatus":"SUCCESS","amount":` + tc.amount + tc.currency + `,"fee":0,"mchOrderNo":"D960",` +
				`"merchantId":"100001","orderNo":"D9","completionTime":"2026-01-02 10:00:05","resultDesc":""}`)
			r := httptest.NewRequest(http.MethodPost, "/upstream/up/notify", bytes.NewReader(body))
			r.Header.Set("MerchantId", "100001")
			r.Header.Set("Sign", client.SignB(body, "the-key"))
			var rs results
			w := httptest.NewRecorder()
			upstream.NewCallbacks(&bk, &rs, quiet, map[string]upstream.Notifiable{"up": b}).ServeHTTP(w, r)
			res, ok := rs.of(ours.TransactionID)
			if ok != tc.applied || (w.Code == 200) != tc.applied || (ok && res.Status != gateway.StatusCompleted) {
				t.Fatalf("answer %d %s, applied %t %+v; want applied %t", w.Code, w.Body, ok, res, tc.applied)
			}
		})
	}
}

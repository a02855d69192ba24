package upstream_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// logBuffer is a logger whose lines a test can read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// wantAttention fails unless err is an error and the log has an ATTENTION
// line with both values, ours and the upstream's, as key=value.
func wantAttention(t *testing.T, res gateway.ChannelResult, err error, log *logBuffer, ours, theirs string) {
	t.Helper()
	if err == nil {
		t.Fatalf("answer applied: %+v; want an error", res)
	}
	line := log.String()
	if !strings.Contains(line, "ATTENTION") || !strings.Contains(line, ours) || !strings.Contains(line, theirs) {
		t.Fatalf("log %q: want an ATTENTION line with %s and %s", line, ours, theirs)
	}
}

// TestQueryOfAnotherAmount: our payout's transactionId names, at the
// upstream, an order of another amount (an earlier payout of ours under the
// same id, e.g. after a database restore). The query must not settle our
// payout with that order's outcome.
func TestQueryOfAnotherAmount(t *testing.T) {
	t.Parallel()
	u := upstreamtest.Start(t, storetest.Engines()[1], 10_000_000)
	ctx := context.Background()
	for _, tc := range []struct {
		dialect, country, account string
		amount                    int64 // ours; the earlier order was of 15000
	}{
		{"A", "PH", "09171234567", 990000},
		{"B", "PE", "19412345678901", 20000},
	} {
		t.Run(tc.dialect, func(t *testing.T) {
			var bk book
			var log logBuffer
			var c submitter
			if tc.dialect == "A" {
				c = mustA(upstream.NewA(upstream.AOptions{Name: "up", BaseURL: u.URL, AppID: u.App.AppID, Key: u.Key,
					PlatformKey: &u.PlatformKey.PublicKey, Payouts: &bk, Logger: log.logger()}))
			} else {
				c = mustB(upstream.NewB(upstream.BOptions{Name: "up", BaseURL: u.URL, MerchantID: u.MerchantNo, APIKey: u.APIKey,
					Payouts: &bk, Logger: log.logger()}))
			}
			earlier := bk.add(upstreamtest.Payout("D90"+tc.dialect, tc.country, tc.account))
			first, err := c.SubmitPayout(ctx, earlier)
			if err != nil {
				t.Fatal(err)
			}
			ours := earlier
			ours.Amount = tc.amount
			bk.add(ours)
			if got, err := c.SubmitPayout(ctx, ours); err != nil || got.Status != gateway.StatusPending {
				t.Fatalf("second submit: %+v, %v; want PENDING (duplicate)", got, err)
			}
			u.Settle(t, first.ChannelRef)
			res, err := c.QueryPayout(ctx, ours.TransactionID)
			wantAttention(t, res, err, &log, fmt.Sprintf(" amount=%d ", tc.amount), " upstreamAmount=15000 ")
		})
	}
}

// TestQueryAnswerChecked: a query's answer must carry our amount, and our
// currency when it names one.
func TestQueryAnswerChecked(t *testing.T) {
	t.Parallel()
	u := &upstreamtest.Upstream{Key: upstreamtest.MerchantKey(), PlatformKey: upstreamtest.PlatformKey()}
	var bk book
	pa := bk.add(upstreamtest.Payout("D910", "PH", "09171234567"))
	pb := bk.add(upstreamtest.Payout("D911", "PE", "19412345678901"))
	for _, tc := range []struct {
		name, dialect, body, ours, theirs string
	}{
		{"A/OtherCurrency", "A", `{"code":10000,"message":"Success","data":{"mchOrderId":"D910","transactionId":"D9",` +
			`"amount":15000,"currency":"IDR","transactionStatus":"COMPLETED"}}`, " currency=PHP ", " upstreamCurrency=IDR"},
		{"A/NoAmount", "A", `{"code":10000,"message":"Success","data":{"mchOrderId":"D910","transactionId":"D9",` +
			`"transactionStatus":"COMPLETED"}}`, " amount=15000 ", " upstreamAmount=0 "},
		{"B/OtherCurrency", "B", `{"code":200,"msg":"SUCCESS","data":{"mchOrderNo":"D911","orderNo":"D9",` +
			`"amount":150.00,"currency":"USD","orderStatus":"SUCCESS"}}`, " currency=PEN ", " upstreamCurrency=USD"},
		{"B/OtherAmount", "B", `{"code":200,"msg":"SUCCESS","data":{"mchOrderNo":"D911","orderNo":"D9",` +
			`"amount":15.00,"orderStatus":"SUCCESS"}}`, " amount=15000 ", " upstreamAmount=1500 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log logBuffer
			url := fake(t, answer(200, tc.body))
			var c submitter
			id := pa.TransactionID
			if tc.dialect == "A" {
				c = mustA(upstream.NewA(upstream.AOptions{Name: "up", BaseURL: url, AppID: "app", Key: u.Key,
					PlatformKey: &u.PlatformKey.PublicKey, Payouts: &bk, Logger: log.logger()}))
			} else {
				id = pb.TransactionID
				c = mustB(upstream.NewB(upstream.BOptions{Name: "up", BaseURL: url, MerchantID: 100001, APIKey: "k",
					Payouts: &bk, Logger: log.logger()}))
			}
			res, err := c.QueryPayout(context.Background(), id)
			wantAttention(t, res, err, &log, tc.ours, tc.theirs)
		})
	}
}

func mustA(a *upstream.DialectA, err error) *upstream.DialectA {
	if err != nil {
		panic(err)
	}
	return a
}

func mustB(b *upstream.DialectB, err error) *upstream.DialectB {
	if err != nil {
		panic(err)
	}
	return b
}

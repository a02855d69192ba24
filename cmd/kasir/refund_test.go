package main

import (
	"context"
	"flag"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/client"
)

// TestRefundEndToEnd follows refunds through the real server with
// --refund-fee=refund: a QR payment paid with `kasir sim pay`, then a
// partial refund the simulated channel completes and one it fails
// (SIMFAIL), each notified to its refundCallbackUrl, the balance exact and
// the ledger checked.
func TestRefundEndToEnd(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, func(c *Config) { c.RefundFee = "refund" })
		defer closeServer(t, s)
		platformKey := platformPublicKey(t, db)
		var mu sync.Mutex
		got := map[string]client.Notification{}
		receiver := httptest.NewServer(client.NotificationHandler(platformKey, func(ctx context.Context, n client.Notification) error {
			mu.Lock()
			defer mu.Unlock()
			got[n.EventName] = n
			return nil
		}))
		defer receiver.Close()
		c, _ := onboard(t, s, db, receiver.URL+"/notify") // fee 10.00 + 0.5%, PHP 10,000.00 available
		ctx := context.Background()

		pay, err := c.CreatePayment(ctx, client.PaymentRequest{MchOrderID: "E2E-PAY", CountryCode: "PH", Currency: "PHP",
			Amount: 100_000, ChannelCode: "PH_QRPH_DYNAMIC"})
		if err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCLI(t, db, "sim", "pay", "--transaction-id", pay.TransactionID); code != 0 {
			t.Fatalf("sim pay: %s", errOut)
		}
		waitFor(t, "the payment to be booked", func() bool {
			p, err := c.CheckPayment(ctx, client.CheckRequest{TransactionID: pay.TransactionID, CountryCode: "PH"})
			return err == nil && p.TransactionStatus == "COMPLETED"
		})

		ok, err := c.CreateRefund(ctx, client.RefundRequest{MchRefundOrderID: "E2E-RF-1", OriginalTransactionID: pay.TransactionID,
			Amount: 40_000, Reason: "partial return", CallbackURL: receiver.URL + "/refunds"})
		if err != nil || ok.RefundStatus != client.RefundPending || ok.FeeRefunded != 600 {
			t.Fatalf("refund: %+v, %v", ok, err)
		}
		bad, err := c.CreateRefund(ctx, client.RefundRequest{MchRefundOrderID: "E2E-RF-2", OriginalTransactionID: pay.TransactionID,
			Amount: 60_000, Reason: "SIMFAIL", CallbackURL: receiver.URL + "/refunds"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateRefund(ctx, client.RefundRequest{MchRefundOrderID: "E2E-RF-3", OriginalTransactionID: pay.TransactionID,
			Amount: 1}); client.ErrorCode(err) != client.CodeRefundExceeds {
			t.Fatalf("refund beyond the payment: %v, want %d", err, client.CodeRefundExceeds)
		}
		waitFor(t, "both refund notifications", func() bool {
			mu.Lock()
			defer mu.Unlock()
			_, s := got[client.EventRefundSuccess]
			_, f := got[client.EventRefundFailed]
			return s && f
		})
		mu.Lock()
		success, failed := got[client.EventRefundSuccess], got[client.EventRefundFailed]
		mu.Unlock()
		if success.RefundTransactionID != ok.RefundTransactionID || success.RefundStatus != client.RefundComplete ||
			success.RefundAmount != 40_000 || success.FeeRefunded != 600 || success.OriginalTransactionID != pay.TransactionID ||
			!strings.HasSuffix(success.ReturnTime, "+08:00") {
			t.Fatalf("success notification %+v", success)
		}
		if failed.RefundTransactionID != bad.RefundTransactionID || failed.RefundStatus != client.RefundFailed ||
			failed.FailedCode != -10009 || failed.FailedMessage != "Channel Refund Failed" {
			t.Fatalf("failed notification %+v", failed)
		}
		list, err := c.Refunds(ctx, client.RefundQuery{OriginalTransactionID: pay.TransactionID})
		if err != nil || len(list) != 2 || list[0].RefundStatus != client.RefundComplete || list[1].RefundStatus != client.RefundFailed {
			t.Fatalf("refunds %+v, %v", list, err)
		}
		// 10,000.00 + 1,000.00 - 15.00 fee, - 400.00 refunded + 6.00 fee back.
		bal, err := c.Balance(ctx, "PH")
		if err != nil || bal.Balance != "10591.00" {
			t.Fatalf("balance %+v, %v; want 10591.00", bal, err)
		}
		if code, out, _ := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "OK") {
			t.Fatalf("ledger check: exit %d\n%s", code, out)
		}
	})
}

func TestConfigRefundFee(t *testing.T) {
	t.Parallel()
	parse := func(env map[string]string, args ...string) (Config, error) {
		cfg := defaultConfig()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.bindCommon(fs)
		cfg.bindServe(fs)
		_, err := cfg.parse(fs, args, func(k string) string { return env[k] })
		return cfg, err
	}
	if cfg, err := parse(nil); err != nil || cfg.RefundFee != "keep" {
		t.Errorf("default: %q, %v", cfg.RefundFee, err)
	}
	if cfg, err := parse(map[string]string{"KASIR_REFUND_FEE": "refund"}); err != nil || cfg.RefundFee != "refund" {
		t.Errorf("KASIR_REFUND_FEE=refund: %q, %v", cfg.RefundFee, err)
	}
	if _, err := parse(nil, "--refund-fee", "half"); err == nil || !strings.Contains(err.Error(), "--refund-fee") {
		t.Errorf("--refund-fee half: %v, want an error", err)
	}
}

package dashboard_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
)

// consolePayout creates a GCash payout of app and hands it to the simulated
// channel, where it stays PENDING (the harness's simulator takes an hour).
func consolePayout(t *testing.T, e *env, app gateway.App, mchOrderID string) gateway.Payout {
	t.Helper()
	p, err := e.gw.CreatePayout(e.ctx, app, gateway.PayoutRequest{MchOrderID: mchOrderID, CountryCode: "PH", Currency: "PHP", Amount: 10_000,
		PayMethod: gateway.MethodEWallet, TransferCode: "GCASH", AccountNo: "09171234567", AccountName: "Juan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.gw.SubmitPayout(e.ctx, p.TransactionID); err != nil {
		t.Fatal(err)
	}
	return consoleGetPayout(t, e, p.TransactionID)
}

func consoleGetPayout(t *testing.T, e *env, id string) gateway.Payout {
	t.Helper()
	p, err := e.data.GetPayoutByID(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConsoleLedgerCheck(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		if _, body := b.get(Base + "/console"); !strings.Contains(body, "not run since start") || !strings.Contains(body, `id="ledger-check"`) {
			t.Fatal("the overview does not offer the check")
		}
		status, body := b.post(Base+"/console/ledger-check", url.Values{})
		if status != http.StatusOK || !strings.Contains(body, "Ledger check: balanced") || !strings.Contains(body, `data-status="balanced"`) {
			t.Fatalf("ledger check: %d\n%s", status, body)
		}
		report, err := e.gw.CheckLedger(e.ctx)
		if err != nil || !report.OK() {
			t.Fatalf("the ledger itself: %+v, %v", report, err)
		}
		// Two merchants funded: at least their entries and accounts show.
		if !strings.Contains(body, "entries, ") || report.Entries == 0 {
			t.Errorf("the result does not say what it checked")
		}
		// The result stays for the next visit.
		if _, body := b.get(Base + "/console"); !strings.Contains(body, `data-status="balanced"`) {
			t.Error("the result is not kept")
		}
	})
}

func TestConsoleSimulator(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		b.get(Base + "/console")

		ok := consolePayout(t, e, e.app, "SIM-OK")
		status, body := b.post(Base+"/console/sim/complete", url.Values{"transaction_id": {ok.TransactionID}})
		if status != http.StatusOK || !strings.Contains(body, "completed payout "+ok.TransactionID) || !strings.Contains(body, `data-tx="`+ok.TransactionID+`"`) {
			t.Fatalf("complete: %d\n%s", status, body)
		}
		if p := consoleGetPayout(t, e, ok.TransactionID); p.Status != gateway.StatusCompleted {
			t.Errorf("payout after complete: %s", p.Status)
		}

		bad := consolePayout(t, e, e.app, "SIM-FAIL")
		if status, _ := b.post(Base+"/console/sim/fail", url.Values{"transaction_id": {bad.TransactionID}}); status != http.StatusOK {
			t.Fatalf("fail: %d", status)
		}
		if p := consoleGetPayout(t, e, bad.TransactionID); p.Status != gateway.StatusFailed || p.FailedCode != gateway.FailedChannelRejected {
			t.Errorf("payout after fail: %s %d, want FAILED -10004", p.Status, p.FailedCode)
		}
		other := consolePayout(t, e, e.app, "SIM-FAIL-5")
		b.post(Base+"/console/sim/fail", url.Values{"transaction_id": {other.TransactionID}, "code": {"-10005"}})
		if p := consoleGetPayout(t, e, other.TransactionID); p.FailedCode != gateway.FailedDestination {
			t.Errorf("payout failed with %d, want -10005", p.FailedCode)
		}

		// Errors say what is wrong and change nothing.
		if _, body := b.post(Base+"/console/sim/complete", url.Values{"transaction_id": {ok.TransactionID}}); !strings.Contains(body, "already COMPLETED") {
			t.Error("completing a completed payout does not say so")
		}
		if _, body := b.post(Base+"/console/sim/complete", url.Values{"transaction_id": {"P404"}}); !strings.Contains(body, "no payout P404") {
			t.Error("an unknown payout does not say so")
		}
		pending := consolePayout(t, e, e.app, "SIM-CODE")
		if _, body := b.post(Base+"/console/sim/fail", url.Values{"transaction_id": {pending.TransactionID}, "code": {"7"}}); !strings.Contains(body, "not a failed code") {
			t.Error("a bad failed code does not say so")
		}
		if p := consoleGetPayout(t, e, pending.TransactionID); p.Status != gateway.StatusPending {
			t.Errorf("a refused decision changed the payout to %s", p.Status)
		}

		// Pay: the ordered amount by default, another when given.
		pay, err := e.gw.CreatePayment(e.ctx, e.app, gateway.PaymentRequest{MchOrderID: "SIM-PAY", CountryCode: "PH", Currency: "PHP",
			Amount: 15_000, ChannelCode: "PH_GCASH"})
		if err != nil {
			t.Fatal(err)
		}
		if _, body := b.post(Base+"/console/sim/pay", url.Values{"transaction_id": {pay.TransactionID}, "amount": {"1.5.0"}}); !strings.Contains(body, "amount: enter a positive amount in PHP") {
			t.Error("a bad amount does not say so")
		}
		status, body = b.post(Base+"/console/sim/pay", url.Values{"transaction_id": {pay.TransactionID}, "amount": {"149.50"}})
		if status != http.StatusOK || !strings.Contains(body, "paid 149.50 PHP") {
			t.Fatalf("pay: %d", status)
		}
		if p, err := e.data.GetPaymentByID(e.ctx, pay.TransactionID); err != nil || p.Status != gateway.StatusCompleted || p.PaidAmount != 14_950 {
			t.Errorf("payment after pay: %s paid %d, %v", p.Status, p.PaidAmount, err)
		}
		if _, body := b.post(Base+"/console/sim/complete", url.Values{"transaction_id": {pay.TransactionID}}); !strings.Contains(body, "is a payment order") {
			t.Error("completing a payment does not say to pay it")
		}
	})
}

func TestConsoleSimulatorOffOutsideSandbox(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		p := consolePayout(t, e, e.app, "NOSIM")
		h, err := New(Options{Gateway: e.gw, Data: e.data, Auth: e.auth, Users: e.users, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		live := *e
		live.h, live.srv = h, httptest.NewServer(h)
		t.Cleanup(live.srv.Close)
		b := consoleOperator(t, &live)
		if _, body := b.get(Base + "/console"); strings.Contains(body, `id="sim"`) {
			t.Error("the overview offers the simulator outside sandbox mode")
		}
		for _, path := range []string{"/console/sim/pay", "/console/sim/complete", "/console/sim/fail"} {
			if status, _ := b.post(Base+path, url.Values{"transaction_id": {p.TransactionID}}); status != http.StatusNotFound {
				t.Errorf("POST %s without a simulator: %d, want 404", path, status)
			}
		}
		if got := consoleGetPayout(t, e, p.TransactionID); got.Status != gateway.StatusPending {
			t.Errorf("the payout changed to %s", got.Status)
		}
	})
}

func TestConsoleCSRF(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		page := Base + "/console/merchants/" + e.app.MerchantID
		b.get(page)
		p := consolePayout(t, e, e.app, "CSRF-1")
		for path, form := range map[string]url.Values{
			"/console/merchants":             {"name": {"Forged"}},
			page[len(Base):] + "/disable":    {},
			page[len(Base):] + "/fee":        {"channel": {"*"}, "fixed": {"1"}, "bps": {"1"}},
			page[len(Base):] + "/settlement": {"delay": {"5h"}},
			page[len(Base):] + "/users":      {"email": {"forged@kasir.test"}, "password": {testPassword}},
			"/console/sim/complete":          {"transaction_id": {p.TransactionID}},
		} {
			if status := consolePostRaw(t, b, Base+path, form); status != http.StatusForbidden {
				t.Errorf("POST %s without a token: %d, want 403", path, status)
			}
			form.Set("csrf", "forged")
			if status := consolePostRaw(t, b, Base+path, form); status != http.StatusForbidden {
				t.Errorf("POST %s with a wrong token: %d, want 403", path, status)
			}
		}
		ms := consoleMerchants(t, e)
		m := ms["Sari-Sari Store"]
		if len(ms) != 1 || m.Apps[0].Disabled || m.Merchant.SettlementDelay != 0 || m.Fees[0].Fixed != 1000 {
			t.Errorf("a forged form changed something: %+v", ms)
		}
		if users, _ := e.users.ListUsers(e.ctx, m.ID); len(users) != 0 {
			t.Errorf("a forged form created %d user(s)", len(users))
		}
		if got := consoleGetPayout(t, e, p.TransactionID); got.Status != gateway.StatusPending {
			t.Errorf("a forged form decided the payout: %s", got.Status)
		}
	})
}

// consoleFailedAttempt records a failed delivery of the transaction's
// notification, as the dispatcher would.
func consoleFailedAttempt(t *testing.T, e *env, transactionID, response string) {
	t.Helper()
	now := time.Now()
	msgs, err := e.data.ClaimOutbox(e.ctx, "console-test", now.Add(time.Minute), now.Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.TransactionID == transactionID && m.Topic == gateway.TopicNotify {
			a := gateway.DeliveryAttempt{MessageID: m.ID, At: now, HTTPStatus: 500, Response: response, Latency: 120 * time.Millisecond}
			if err := e.data.FinishAttempt(e.ctx, "console-test", a, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no notification of %s among %d messages", transactionID, len(msgs))
}

func TestConsolePagesWithData(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		done := consolePayout(t, e, e.app, "DATA-1")
		if err := e.gw.ApplyPayoutResult(e.ctx, done.TransactionID, gateway.ChannelResult{Status: gateway.StatusCompleted}); err != nil {
			t.Fatal(err)
		}
		failed := consolePayout(t, e, e.app, "DATA-2")
		if err := e.gw.ApplyPayoutResult(e.ctx, failed.TransactionID, gateway.ChannelResult{Status: gateway.StatusFailed, FailedCode: gateway.FailedDestination}); err != nil {
			t.Fatal(err)
		}
		consolePayout(t, e, e.app, "DATA-3") // stays pending
		consoleFailedAttempt(t, e, done.TransactionID, `HTTP 500: <b>merchant down</b>`)

		b := consoleOperator(t, e)
		status, body := b.get(Base + "/console")
		if status != http.StatusOK {
			t.Fatalf("overview: %d", status)
		}
		for _, want := range []string{
			`data-value="failing">1<`,            // the notify URL failed
			`data-value="today-orders">3 orders`, // three payouts today
			`data-value="today-rate">50%`,        // one of two finished succeeded
			`id="latency-percentiles"`, `data-p="50">120ms`,
			`class="bar"`, `id="sim"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the overview lacks %q", want)
			}
		}
		if strings.Count(body, `<svg class="chart"`) != 3 {
			t.Errorf("the overview draws %d charts, want 3", strings.Count(body, `<svg class="chart"`))
		}

		status, body = b.get(Base + "/console/outbox")
		if status != http.StatusOK || !strings.Contains(body, `data-url="http://127.0.0.1:1/notify"`) {
			t.Fatalf("outbox: %d, the failing endpoint is not listed", status)
		}
		if !strings.Contains(body, "HTTP 500: &lt;b&gt;merchant down&lt;/b&gt;") {
			t.Error("the outbox does not show the endpoint's last error, escaped")
		}

		status, body = b.get(Base + "/console/channels")
		if status != http.StatusOK || !strings.Contains(body, `data-route="*"`) || !strings.Contains(body, `id="health-thresholds"`) {
			t.Fatalf("channels: %d", status)
		}
		// GCASH payouts: 3 orders, 1 succeeded, 1 failed: 50%, failing.
		_, table, _ := strings.Cut(body, `id="channels-24h"`)
		_, row, found := strings.Cut(table, `data-channel="GCASH" data-type="payout"`)
		row, _, _ = strings.Cut(row, "</tr>")
		if !found {
			t.Fatal("no GCASH payout row in the 24 hours' table")
		}
		for _, want := range []string{`>3<`, `>1<`, `>50%<`, `data-status="failing"`} {
			if !strings.Contains(row, want) {
				t.Errorf("the GCASH row lacks %q:\n%s", want, row)
			}
		}
	})
}

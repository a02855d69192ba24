package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/client"
)

// TestStaticCodeEndToEnd creates a static code through the SDK, pays it twice
// with `kasir sim pay --code`, receives two payment.success notifications,
// sees both payments in the list, cancels the code and is refused a third
// payment; the ledger checks after every step.
func TestStaticCodeEndToEnd(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)
		defer closeServer(t, s)
		platformKey := platformPublicKey(t, db)
		var mu sync.Mutex
		var got []client.Notification
		receiver := httptest.NewServer(client.NotificationHandler(platformKey, func(ctx context.Context, n client.Notification) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, n)
			return nil
		}))
		defer receiver.Close()
		c, appID := onboard(t, s, db, receiver.URL+"/notify")
		ctx := context.Background()
		ledgerOK := func(step string) {
			t.Helper()
			if code, out, errOut := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "ledger check OK") {
				t.Fatalf("ledger check after %s: exit %d %s %s", step, code, out, errOut)
			}
		}

		code, err := c.CreateStaticCode(ctx, client.StaticCodeRequest{MchOrderID: "STALL-7", CountryCode: "PH", Currency: "PHP",
			ChannelCode: "PH_QRPH_STATIC", CustomerName: "Stall 7"})
		if err != nil || code.Status != client.StaticStatusActive {
			t.Fatalf("create static code: %+v, %v", code, err)
		}
		if exit, _, errOut := runCLI(t, db, "sim", "pay", "--code", "STALL-7"); exit == 0 || !strings.Contains(errOut, "give --amount") {
			t.Errorf("open amount without --amount: exit %d %q", exit, errOut)
		}
		for _, amount := range []string{"20000", "35000"} {
			exit, out, errOut := runCLI(t, db, "sim", "pay", "--code", "STALL-7", "--amount", amount)
			if exit != 0 || !strings.Contains(out, "into static code STALL-7") {
				t.Fatalf("sim pay --code: exit %d %s %s", exit, out, errOut)
			}
		}
		ref := client.StaticPaymentsRequest{MchOrderID: "STALL-7", CountryCode: "PH"}
		var list client.StaticPayments
		waitFor(t, "two payments booked", func() bool {
			list, err = c.StaticCodePayments(ctx, ref)
			return err == nil && list.Total == 2
		})
		if list.List[0].Amount != 35_000 || list.List[1].Amount != 20_000 || list.List[0].TransactionID == list.List[1].TransactionID {
			t.Fatalf("list %+v", list)
		}
		waitFor(t, "two notifications", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) == 2
		})
		for _, n := range got {
			if n.EventName != client.EventStaticPayment || n.MchOrderID != "STALL-7" || n.TransactionStatus != "COMPLETED" {
				t.Errorf("notification %+v", n)
			}
		}
		// Fee 10.00 + 0.5% of each payment.
		if bal, err := c.Balance(ctx, "PH"); err != nil || bal.AvailableAmount != 1_000_000+(20_000-1_100)+(35_000-1_175) {
			t.Errorf("balance %+v, %v", bal, err)
		}
		ledgerOK("two payments")

		if _, err := c.CancelStaticCode(ctx, client.StaticCodeRef{MchOrderID: "STALL-7", CountryCode: "PH"}); err != nil {
			t.Fatal(err)
		}
		exit, _, errOut := runCLI(t, db, "sim", "pay", "--code", "STALL-7", "--amount", "20000")
		if exit == 0 || !strings.Contains(errOut, "refused") || !strings.Contains(errOut, "CANCEL") {
			t.Errorf("pay a cancelled code: exit %d %q", exit, errOut)
		}
		if list, err := c.StaticCodePayments(ctx, ref); err != nil || list.Total != 2 {
			t.Errorf("list after cancel %+v, %v", list, err)
		}
		ledgerOK("cancel")

		// Two apps with one code mchOrderId: --app says which.
		other, otherApp := onboard(t, s, db, receiver.URL+"/notify")
		if _, err := other.CreateStaticCode(ctx, client.StaticCodeRequest{MchOrderID: "STALL-7", CountryCode: "PH", Currency: "PHP",
			ChannelCode: "PH_QRPH_STATIC", Amount: 5_000}); err != nil {
			t.Fatal(err)
		}
		if exit, _, errOut := runCLI(t, db, "sim", "pay", "--code", "STALL-7"); exit == 0 || !strings.Contains(errOut, "--app") ||
			!strings.Contains(errOut, appID) || !strings.Contains(errOut, otherApp) {
			t.Errorf("ambiguous code: exit %d %q", exit, errOut)
		}
		if exit, out, errOut := runCLI(t, db, "sim", "pay", "--code", "STALL-7", "--app", otherApp); exit != 0 || !strings.Contains(out, "50.00 PHP") {
			t.Errorf("sim pay --app: exit %d %s %s", exit, out, errOut)
		}
		if exit, _, errOut := runCLI(t, db, "sim", "pay", "--code", "X", "--transaction-id", "C1"); exit == 0 || !strings.Contains(errOut, "alternatives") {
			t.Errorf("both --code and --transaction-id: exit %d %q", exit, errOut)
		}
	})
}

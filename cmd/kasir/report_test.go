package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/client"
)

// TestReport downloads a day's reports through the API's link on a running
// serve and checks that `kasir report` prints the same CSV.
func TestReport(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)
		defer closeServer(t, s)
		c, appID := onboard(t, s, db, "")
		ctx := context.Background()
		out, err := c.CreatePayout(ctx, client.PayoutRequest{MchOrderID: "REP-1", CountryCode: "PH", Currency: "PHP",
			Amount: 150000, PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan, Jr."})
		if err != nil {
			t.Fatal(err)
		}
		date := out.TransactionTime[:10]
		// Let the simulator finish it, so that the download and the CLI
		// see the same status.
		waitFor(t, "the payout to finish", func() bool {
			p, err := c.CheckPayout(ctx, client.CheckRequest{TransactionID: out.TransactionID, CountryCode: "PH"})
			return err == nil && p.TransactionStatus != client.StatusPending
		})

		for _, typ := range []struct {
			name string
			n    int
		}{{"payout", client.ReportPayout}, {"payment", client.ReportPayment}, {"refund", client.ReportRefund}} {
			link, err := c.ReportDownload(ctx, client.ReportRequest{CountryCode: "PH", TransDate: date, TransType: typ.n})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(link.DownloadURL, "http://"+s.Addr()+"/reports/") {
				t.Errorf("downloadUrl %s is not on the server %s", link.DownloadURL, s.Addr())
			}
			resp, err := http.Get(link.DownloadURL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", link.DownloadURL, resp.StatusCode, body)
			}
			code, cli, errOut := runCLI(t, db, "report", "--app", appID, "--date", date, "--type", typ.name)
			if code != 0 || cli != string(body) {
				t.Errorf("kasir report --type %s: exit %d %s\n%s\nwant the download:\n%s", typ.name, code, errOut, cli, body)
			}
			if typ.name == "payout" && (!strings.Contains(cli, out.TransactionID+",REP-1,") || !strings.Contains(cli, ",1500.00,") ||
				!strings.Contains(cli, ",******7890,")) {
				t.Errorf("payout report lacks the payout:\n%s", cli)
			}
			if typ.name != "payout" && strings.Count(cli, "\n") != 1 {
				t.Errorf("%s report of a day without %ss:\n%s", typ.name, typ.name, cli)
			}
		}

		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"report", "--app", appID, "--date", date}, "--type is required"},
			{[]string{"report", "--app", appID, "--date", date, "--type", "refunds"}, "--type"},
			{[]string{"report", "--app", appID, "--date", "yesterday", "--type", "payout"}, "--date"},
			{[]string{"report", "--app", appID, "--date", date, "--type", "payout", "--country", "XX"}, "--country"},
			{[]string{"report", "--app", "nobody", "--date", date, "--type", "payout"}, "unknown app"},
		} {
			if code, _, errOut := runCLI(t, db, tc.args...); code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v: exit %d %q, want 1 mentioning %q", tc.args, code, errOut, tc.want)
			}
		}
	})
}

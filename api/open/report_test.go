package open

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/reports"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// reportRouter is testRouter with refunds that stay PENDING.
type reportRouter struct{ testRouter }

func (reportRouter) RefundConnector(string) (gateway.RefundConnector, bool) {
	return pendingRefunds{}, true
}

type pendingRefunds struct{}

func (pendingRefunds) SubmitRefund(context.Context, gateway.Refund) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

func (pendingRefunds) QueryRefund(context.Context, string) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

// setupReports is setup with report links on: the Open API and
// GET /reports/{token} served on one address.
func setupReports(t *testing.T, eng storetest.Engine) *bundle {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st := eng.Open(t)
	router := reportRouter{testRouter{sim: sim.New(st, sim.Options{PublicURL: srv.URL, Logger: log})}}
	gw, err := gateway.New(ctx, st, router, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := reports.New(ctx, st, st, reports.Options{PublicURL: srv.URL, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(mux)
	mux.Handle("/open-api/", NewHandler(gw, Options{Logger: log, Reports: svc}))
	b := &bundle{ctx: ctx, gw: gw, srv: srv}
	b.merchant, b.app = b.newMerchant(t, "Toko Laporan", nil)
	b.c = client.New(srv.URL, b.app.AppID, merchantKey())
	return b
}

// download gets a report's CSV through its link.
func download(t *testing.T, url string) [][]string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestReportDownload(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b := setupReports(t, eng)
			b.fund(t, "PHP", 1_000_000)
			out, err := b.c.CreatePayout(b.ctx, phPayout("rep-out", 25_000))
			if err != nil {
				t.Fatal(err)
			}
			pay := b.generate(t, phPayment("rep-pay", "PH_QRPH_DYNAMIC", 12_345))
			date := out.TransactionTime[:10] // the PH date of the payout

			link, err := b.c.ReportDownload(b.ctx, client.ReportRequest{CountryCode: "PH", TransDate: date, TransType: client.ReportPayout})
			if err != nil {
				t.Fatal(err)
			}
			exp, err := time.Parse(time.RFC3339, link.ExpireTime)
			if err != nil || !strings.HasSuffix(link.ExpireTime, "+08:00") || time.Until(exp) > 15*time.Minute || time.Until(exp) < 14*time.Minute {
				t.Errorf("expireTime %q: %v", link.ExpireTime, err)
			}
			if !strings.HasPrefix(link.DownloadURL, b.srv.URL+"/reports/") {
				t.Errorf("downloadUrl %q", link.DownloadURL)
			}
			rows := download(t, link.DownloadURL)
			if len(rows) != 2 || rows[0][0] != "transactionId" || rows[1][0] != out.TransactionID || rows[1][1] != "rep-out" ||
				rows[1][4] != "PENDING" || rows[1][5] != "PHP" || rows[1][6] != "250.00" || rows[1][10] != "******7890" {
				t.Errorf("payout report: %q", rows)
			}

			// transType as a string of digits.
			var payLink client.ReportLink
			err = b.c.Do(b.ctx, client.PathReportDownload,
				map[string]any{"countryCode": "PH", "transDate": date, "transType": "2"}, &payLink)
			if err != nil {
				t.Fatal(err)
			}
			rows = download(t, payLink.DownloadURL)
			if len(rows) != 2 || rows[1][0] != pay.TransactionID || rows[1][6] != "123.45" || rows[1][9] != "PH_QRPH_DYNAMIC" {
				t.Errorf("payment report: %q", rows)
			}

			// Refunds: the payment paid, then partly refunded.
			if err := b.gw.ApplyPaymentResult(b.ctx, pay.TransactionID, gateway.PaymentResult{PaidAmount: 12_345, ChannelRef: "R1"}); err != nil {
				t.Fatal(err)
			}
			ref, err := b.gw.CreateRefund(b.ctx, b.app, gateway.RefundRequest{MchRefundOrderID: "rep-refund",
				OriginalTransactionID: pay.TransactionID, Amount: 2_000, Reason: "one item, returned"})
			if err != nil {
				t.Fatal(err)
			}
			if ref.CreatedAt.In(gateway.Countries["PH"].Location).Format("2006-01-02") == date {
				link, err = b.c.ReportDownload(b.ctx, client.ReportRequest{CountryCode: "PH", TransDate: date, TransType: client.ReportRefund})
				if err != nil {
					t.Fatal(err)
				}
				rows = download(t, link.DownloadURL)
				if len(rows) != 2 || rows[0][0] != "refundTransactionId" || rows[1][0] != ref.RefundTransactionID ||
					rows[1][1] != "rep-refund" || rows[1][2] != pay.TransactionID || rows[1][7] != "20.00" || rows[1][10] != "one item, returned" {
					t.Errorf("refund report: %q", rows)
				}
			}

			// Another day has a header and no rows.
			link, err = b.c.ReportDownload(b.ctx, client.ReportRequest{CountryCode: "PH", TransDate: "2020-01-01", TransType: client.ReportPayout})
			if err != nil {
				t.Fatal(err)
			}
			if rows := download(t, link.DownloadURL); len(rows) != 1 {
				t.Errorf("empty day: %q", rows)
			}
		})
	}
}

func TestReportDownloadErrors(t *testing.T) {
	t.Parallel()
	b := setupReports(t, storetest.Engines()[1])
	for _, tc := range []struct {
		name  string
		param map[string]any
		code  int
		msg   string
	}{
		{"Type", map[string]any{"countryCode": "PH", "transDate": "2026-11-23", "transType": 4}, client.CodeParamError, "transType"},
		{"TypeName", map[string]any{"countryCode": "PH", "transDate": "2026-11-23", "transType": "payout"}, client.CodeParamError, "transType"},
		{"NoType", map[string]any{"countryCode": "PH", "transDate": "2026-11-23"}, client.CodeParamError, "transType"},
		{"Date", map[string]any{"countryCode": "PH", "transDate": "2026/11/23", "transType": 1}, client.CodeParamError, "transDate"},
		{"NoCountry", map[string]any{"transDate": "2026-11-23", "transType": 1}, client.CodeParamError, "countryCode"},
		{"Country", map[string]any{"countryCode": "VN", "transDate": "2026-11-23", "transType": 1}, client.CodeCountry, "countryCode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.c.Do(b.ctx, client.PathReportDownload, tc.param, nil)
			if client.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want %d mentioning %q", err, tc.code, tc.msg)
			}
		})
	}
}

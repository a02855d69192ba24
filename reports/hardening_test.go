package reports_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/reports"
)

// fakeStore is a reports.Store of fixed orders, without a database. When
// release is set, StreamPayouts signals entered and then waits for release
// to close: a download that holds its connection.
type fakeStore struct {
	payouts  []gateway.Payout
	payments []gateway.Payment
	refunds  []gateway.Refund

	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (f *fakeStore) StreamPayouts(ctx context.Context, _, _ string, _, _ time.Time, fn func(gateway.Payout) error) error {
	f.calls.Add(1)
	if f.release != nil {
		f.entered <- struct{}{}
		select {
		case <-f.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, p := range f.payouts {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) StreamPayments(_ context.Context, _, _ string, _, _ time.Time, fn func(gateway.Payment) error) error {
	f.calls.Add(1)
	for _, p := range f.payments {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) StreamRefunds(_ context.Context, _, _ string, _, _ time.Time, fn func(gateway.Refund) error) error {
	f.calls.Add(1)
	for _, r := range f.refunds {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// fakeSecrets keeps secrets in memory.
type fakeSecrets map[string][]byte

func (s fakeSecrets) PutSecretIfAbsent(_ context.Context, name string, value []byte) ([]byte, error) {
	if v, ok := s[name]; ok {
		return v, nil
	}
	s[name] = value
	return value, nil
}

// TestWriteFormulaCells checks that free-text cells a spreadsheet would run
// as formulas get a leading single quote, and that nothing else does: not a
// failedCode of -10004, not an = inside a cell.
func TestWriteFormulaCells(t *testing.T) {
	t.Parallel()
	app := gateway.App{AppID: "app1", MerchantID: "M1"}
	p1 := payout(app, "D1", `=HYPERLINK("http://x")`, at(10, 0, 0))
	p1.Status, p1.FinishedAt, p1.FailedCode, p1.FailedMessage = gateway.StatusFailed, at(10, 1, 0), -10004, "@SUM(1+1)"
	p2 := payout(app, "D2", "+1", at(10, 0, 1))
	p2.FailedMessage = "-2x"
	p3 := payout(app, "D3", "\tX", at(10, 0, 2))
	p3.FailedMessage = "\rY"
	p4 := payout(app, "D4", "a=b", at(10, 0, 3))
	p4.AccountNo = "+1"
	pay := payment(app, "C1", "-2x", at(11, 0, 0))
	back := refund(app, "R1", "+1", "C1", at(12, 0, 0))
	back.Status, back.FinishedAt, back.Reason = gateway.RefundFailed, at(12, 0, 1), "=1+1"
	back.FailedCode, back.FailedMessage = -10004, "@x"
	st := &fakeStore{payouts: []gateway.Payout{p1, p2, p3, p4}, payments: []gateway.Payment{pay}, refunds: []gateway.Refund{back}}

	for _, tc := range []struct {
		typ  reports.Type
		want string
	}{
		{reports.TypePayout, "transactionId,mchOrderId,createTime,returnTime,status,currency,amount,fee,payMethodCode,transferCode,accountNo,failedCode,failedMessage\n" +
			`D1,"'=HYPERLINK(""http://x"")",2026-11-23T10:00:00+08:00,2026-11-23T10:01:00+08:00,FAILED,PHP,1500.00,15.00,BANK,BDO,********7890,-10004,'@SUM(1+1)` + "\n" +
			`D2,'+1,2026-11-23T10:00:01+08:00,,PENDING,PHP,1500.00,15.00,BANK,BDO,********7890,,'-2x` + "\n" +
			"D3,'\tX,2026-11-23T10:00:02+08:00,,PENDING,PHP,1500.00,15.00,BANK,BDO,********7890,,\"'\rY\"\n" +
			`D4,a=b,2026-11-23T10:00:03+08:00,,PENDING,PHP,1500.00,15.00,BANK,BDO,**,,` + "\n"},
		{reports.TypePayment, "transactionId,mchOrderId,createTime,returnTime,status,currency,amount,paidAmount,fee,channelCode,flag\n" +
			`C1,'-2x,2026-11-23T11:00:00+08:00,,PENDING,PHP,100.00,0.00,0.00,PH_QRPH_DYNAMIC,` + "\n"},
		{reports.TypeRefund, "refundTransactionId,mchRefundOrderId,originalTransactionId,createTime,returnTime,status,currency,amount,feeRefunded,channelCode,reason,failedCode,failedMessage\n" +
			`R1,'+1,C1,2026-11-23T12:00:00+08:00,2026-11-23T12:00:01+08:00,FAILED,PHP,50.00,0.00,PH_QRPH_DYNAMIC,'=1+1,-10004,'@x` + "\n"},
	} {
		var buf bytes.Buffer
		if err := reports.Write(t.Context(), st, &buf, reports.Query{AppID: "app1", Country: "PH", Date: "2026-11-23", Type: tc.typ}); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tc.want {
			t.Errorf("%s report:\n%q\nwant:\n%q", tc.typ, buf.String(), tc.want)
		}
	}
}

// TestDownloadLimit holds Options.MaxDownloads downloads inside the store and
// checks that one more is refused with 503 and Retry-After without reaching
// the store, and that a slot freed serves again. Limit 0 is the default, 4.
func TestDownloadLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 0} {
		n := limit
		if n == 0 {
			n = reports.DefaultMaxDownloads
		}
		st := &fakeStore{payouts: []gateway.Payout{payout(gateway.App{AppID: "app1", MerchantID: "M1"}, "D1", "m1", at(10, 0, 0))},
			entered: make(chan struct{}, 16), release: make(chan struct{})}
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		svc, err := reports.New(t.Context(), st, fakeSecrets{}, reports.Options{PublicURL: srv.URL, MaxDownloads: limit})
		if err != nil {
			t.Fatal(err)
		}
		svc.Register(mux)
		url, _, err := svc.Link(reports.Query{AppID: "app1", Country: "PH", Date: "2026-11-23", Type: reports.TypePayout})
		if err != nil {
			t.Fatal(err)
		}

		type result struct {
			status int
			body   string
		}
		held := make(chan result, n)
		for range n {
			go func() {
				resp, err := http.Get(url)
				if err != nil {
					held <- result{status: -1, body: err.Error()}
					return
				}
				defer resp.Body.Close()
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				held <- result{resp.StatusCode, buf.String()}
			}()
		}
		for range n {
			<-st.entered // all n downloads are inside the store
		}

		status, body, resp := get(t, url)
		if status != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" || body == "" {
			t.Errorf("limit %d: download %d: %d Retry-After %q %q, want 503 after 5", limit, n+1, status, resp.Header.Get("Retry-After"), body)
		}
		if calls := st.calls.Load(); calls != int32(n) {
			t.Errorf("limit %d: the store was called %d times, want %d: the refused download reached it", limit, calls, n)
		}

		close(st.release)
		for range n {
			if r := <-held; r.status != http.StatusOK || !bytes.Contains([]byte(r.body), []byte("D1,m1,")) {
				t.Errorf("limit %d: a held download: %d %q", limit, r.status, r.body)
			}
		}
		// The slots are free again.
		if status, body, _ := get(t, url); status != http.StatusOK || !bytes.Contains([]byte(body), []byte("D1,m1,")) {
			t.Errorf("limit %d: after the others finished: %d %q", limit, status, body)
		}
		srv.Close()
	}
}

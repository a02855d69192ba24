package reports_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/reports"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var pht = gateway.Countries["PH"].Location

// at is a time on 2026-11-23 in the Philippines (+08:00).
func at(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, pht) }

// bundle is a store with two apps of one merchant each.
type bundle struct {
	ctx        context.Context
	st         storetest.Store
	app, other gateway.App
}

func forEachEngine(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Helper()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, eng))
		})
	}
}

func setup(t *testing.T, eng storetest.Engine) *bundle {
	t.Helper()
	b := &bundle{ctx: t.Context(), st: eng.Open(t)}
	b.app = b.newApp(t, "M1", "app1")
	b.other = b.newApp(t, "M2", "app2")
	return b
}

func (b *bundle) newApp(t *testing.T, merchantID, appID string) gateway.App {
	t.Helper()
	m := gateway.Merchant{ID: merchantID, Name: "Toko " + merchantID, CreatedAt: at(0, 0, 0)}
	app := gateway.App{AppID: appID, MerchantID: merchantID, PublicKeyPEM: "-", CreatedAt: at(0, 0, 0)}
	b.tx(t, func(tx gateway.Tx) error { return tx.CreateMerchant(b.ctx, m, app) })
	return app
}

func (b *bundle) tx(t *testing.T, fn func(tx gateway.Tx) error) {
	t.Helper()
	if err := b.st.InTx(b.ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func payout(app gateway.App, id, mch string, created time.Time) gateway.Payout {
	return gateway.Payout{TransactionID: id, AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: mch,
		CountryCode: "PH", Currency: "PHP", Amount: 150_000, Fee: 1_500, PayMethod: "BANK", TransferCode: "BDO",
		AccountNo: "001234567890", AccountName: "Juan", Status: gateway.StatusPending,
		ChannelState: gateway.ChannelNew, CreatedAt: created, UpdatedAt: created}
}

func payment(app gateway.App, id, mch string, created time.Time) gateway.Payment {
	return gateway.Payment{TransactionID: id, AppID: app.AppID, MerchantID: app.MerchantID, MchOrderID: mch,
		CountryCode: "PH", Currency: "PHP", Amount: 10_000, ChannelType: "QR", ChannelCode: "PH_QRPH_DYNAMIC",
		PayData: "000201", Status: gateway.StatusPending, ExpireAt: created.Add(30 * time.Minute),
		CreatedAt: created, UpdatedAt: created}
}

func refund(app gateway.App, id, mch, original string, created time.Time) gateway.Refund {
	return gateway.Refund{RefundTransactionID: id, AppID: app.AppID, MerchantID: app.MerchantID, MchRefundOrderID: mch,
		OriginalTransactionID: original, CountryCode: "PH", Currency: "PHP", ChannelCode: "PH_QRPH_DYNAMIC",
		Amount: 5_000, Reason: "damaged", Status: gateway.RefundPending, ChannelState: gateway.ChannelNew,
		CreatedAt: created, UpdatedAt: created}
}

// seed stores the fixture of 2026-11-23 in PH: for app1 two payouts and two
// payments that day, two refunds created at one instant (listed by id), and
// orders a millisecond before the day and at the next midnight; for app1 in
// Indonesia one of each that day, which no PH report lists; for app2 one of
// each that day.
func (b *bundle) seed(t *testing.T) {
	t.Helper()
	done := payout(b.app, "D100", "pay-out-1", at(9, 30, 0))
	done.Status, done.FinishedAt = gateway.StatusCompleted, at(9, 31, 5)
	failed := payout(b.app, "D101", `quote "me", please`, at(0, 0, 0))
	failed.Status, failed.FinishedAt = gateway.StatusFailed, at(0, 2, 0)
	failed.FailedCode, failed.FailedMessage = -10005, "destination account error,\nclosed"
	failed.PayMethod, failed.TransferCode, failed.AccountNo = "EWALLET", "PH_GCASH", "0917"
	paid := payment(b.app, "C200", "shop-1", at(23, 59, 59))
	paid.Status, paid.PaidAmount, paid.Fee, paid.Flag, paid.FinishedAt = gateway.StatusCompleted, 10_050, 250, gateway.FlagOverpaid, at(23, 59, 59).Add(time.Second)
	// app1's orders in Indonesia, at 09:30+08:00 = 08:30+07:00 on the 23rd.
	idPayout := payout(b.app, "D600", "id-payout", at(9, 30, 0))
	idPayout.CountryCode, idPayout.Currency, idPayout.TransferCode = "ID", "IDR", "BCA"
	idPayment := payment(b.app, "C600", "id-payment", at(9, 30, 0))
	idPayment.CountryCode, idPayment.Currency, idPayment.ChannelCode = "ID", "IDR", "ID_QRIS_DYNAMIC"
	idRefund := refund(b.app, "R600", "id-refund", "C600", at(9, 30, 0))
	idRefund.CountryCode, idRefund.Currency, idRefund.ChannelCode = "ID", "IDR", "ID_QRIS_DYNAMIC"
	b.tx(t, func(tx gateway.Tx) error {
		for _, p := range []gateway.Payout{done, failed,
			payout(b.app, "D090", "before", at(0, 0, 0).Add(-time.Millisecond)),
			payout(b.app, "D300", "after", at(24, 0, 0)),
			payout(b.other, "D400", "other-app", at(12, 0, 0)), idPayout} {
			if err := tx.InsertPayout(b.ctx, p); err != nil {
				return err
			}
		}
		for _, p := range []gateway.Payment{paid, payment(b.app, "C201", "shop-2", at(8, 0, 0)),
			payment(b.app, "C090", "before", at(0, 0, 0).Add(-time.Millisecond)),
			payment(b.app, "C300", "after", at(24, 0, 0)),
			payment(b.other, "C400", "other-app", at(12, 0, 0)), idPayment} {
			if err := tx.InsertPayment(b.ctx, p); err != nil {
				return err
			}
		}
		back := refund(b.app, "R500", "rf-1", "C200", at(23, 30, 0))
		back.Status, back.FeeRefunded, back.FinishedAt = gateway.RefundComplete, 125, at(23, 30, 5)
		back.Reason = `wrong size, "L"`
		denied := refund(b.app, "R501", "rf-2", "C200", at(23, 30, 0))
		denied.Status, denied.FailedCode, denied.FailedMessage, denied.FinishedAt = gateway.RefundFailed, -10009, "channel refund failed", at(23, 31, 0)
		for _, r := range []gateway.Refund{denied, back,
			refund(b.app, "R300", "after", "C200", at(24, 0, 0)),
			refund(b.other, "R400", "other-app", "C400", at(12, 0, 0)), idRefund} {
			if err := tx.InsertRefund(b.ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

const wantPayouts = `transactionId,mchOrderId,createTime,returnTime,status,currency,amount,fee,payMethodCode,transferCode,accountNo,failedCode,failedMessage
D101,"quote ""me"", please",2026-11-23T00:00:00+08:00,2026-11-23T00:02:00+08:00,FAILED,PHP,1500.00,15.00,EWALLET,PH_GCASH,****,-10005,"destination account error,
closed"
D100,pay-out-1,2026-11-23T09:30:00+08:00,2026-11-23T09:31:05+08:00,COMPLETED,PHP,1500.00,15.00,BANK,BDO,********7890,,
`

const wantPayments = `transactionId,mchOrderId,createTime,returnTime,status,currency,amount,paidAmount,fee,channelCode,flag
C201,shop-2,2026-11-23T08:00:00+08:00,,PENDING,PHP,100.00,0.00,0.00,PH_QRPH_DYNAMIC,
C200,shop-1,2026-11-23T23:59:59+08:00,2026-11-24T00:00:00+08:00,COMPLETED,PHP,100.00,100.50,2.50,PH_QRPH_DYNAMIC,OVERPAID
`

const wantRefunds = `refundTransactionId,mchRefundOrderId,originalTransactionId,createTime,returnTime,status,currency,amount,feeRefunded,channelCode,reason,failedCode,failedMessage
R500,rf-1,C200,2026-11-23T23:30:00+08:00,2026-11-23T23:30:05+08:00,COMPLETE,PHP,50.00,1.25,PH_QRPH_DYNAMIC,"wrong size, ""L""",,
R501,rf-2,C200,2026-11-23T23:30:00+08:00,2026-11-23T23:31:00+08:00,FAILED,PHP,50.00,0.00,PH_QRPH_DYNAMIC,damaged,-10009,channel refund failed
`

// The same app's reports of 2026-11-23 in Indonesia: its ID orders only.
const (
	wantIDPayouts = `transactionId,mchOrderId,createTime,returnTime,status,currency,amount,fee,payMethodCode,transferCode,accountNo,failedCode,failedMessage
D600,id-payout,2026-11-23T08:30:00+07:00,,PENDING,IDR,150000.00,1500.00,BANK,BCA,********7890,,
`
	wantIDPayments = `transactionId,mchOrderId,createTime,returnTime,status,currency,amount,paidAmount,fee,channelCode,flag
C600,id-payment,2026-11-23T08:30:00+07:00,,PENDING,IDR,10000.00,0.00,0.00,ID_QRIS_DYNAMIC,
`
	wantIDRefunds = `refundTransactionId,mchRefundOrderId,originalTransactionId,createTime,returnTime,status,currency,amount,feeRefunded,channelCode,reason,failedCode,failedMessage
R600,id-refund,C600,2026-11-23T08:30:00+07:00,,PENDING,IDR,5000.00,0.00,ID_QRIS_DYNAMIC,damaged,,
`
)

func TestWrite(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.seed(t)
		for _, tc := range []struct {
			typ  reports.Type
			want string
		}{{reports.TypePayout, wantPayouts}, {reports.TypePayment, wantPayments}, {reports.TypeRefund, wantRefunds}} {
			var buf bytes.Buffer
			q := reports.Query{AppID: "app1", Country: "PH", Date: "2026-11-23", Type: tc.typ}
			if err := reports.Write(b.ctx, b.st, &buf, q); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("%s report:\n%s\nwant:\n%s", tc.typ, buf.String(), tc.want)
			}
		}
		// The ID report of the same app and date lists only its orders in
		// Indonesia, with times at +07:00: none of the PH orders above (the
		// PH reports, compared whole, leave out the ID ones).
		for _, tc := range []struct {
			typ  reports.Type
			want string
		}{{reports.TypePayout, wantIDPayouts}, {reports.TypePayment, wantIDPayments}, {reports.TypeRefund, wantIDRefunds}} {
			var buf bytes.Buffer
			q := reports.Query{AppID: "app1", Country: "ID", Date: "2026-11-23", Type: tc.typ}
			if err := reports.Write(b.ctx, b.st, &buf, q); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("ID %s report:\n%s\nwant:\n%s", tc.typ, buf.String(), tc.want)
			}
		}
	})
}

func TestQueryCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		q     reports.Query
		kind  gateway.Kind
		field string
	}{
		{"Country", reports.Query{Country: "XX", Date: "2026-11-23", Type: reports.TypePayout}, gateway.KindCountry, "countryCode"},
		{"Date", reports.Query{Country: "PH", Date: "23/11/2026", Type: reports.TypePayout}, gateway.KindInvalid, "transDate"},
		{"NoDate", reports.Query{Country: "PH", Type: reports.TypePayment}, gateway.KindInvalid, "transDate"},
		{"Type", reports.Query{Country: "PH", Date: "2026-11-23", Type: 4}, gateway.KindInvalid, "transType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.q.Check()
			var ge *gateway.Error
			if !errors.As(err, &ge) || ge.Kind != tc.kind || ge.Field != tc.field {
				t.Errorf("Check(%+v) = %v, want %s on %s", tc.q, err, tc.kind, tc.field)
			}
		})
	}
	from, to, err := reports.Query{Country: "TH", Date: "2026-03-01", Type: reports.TypePayment}.Check()
	if err != nil || !from.Equal(time.Date(2026, 2, 28, 17, 0, 0, 0, time.UTC)) || to.Sub(from) != 24*time.Hour {
		t.Errorf("TH 2026-03-01 spans [%s, %s), %v", from, to, err)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"001234567890": "********7890", "12345": "*2345", "1234": "****", "": ""} {
		if got := reports.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// get fetches url and returns the status, the body and the response.
func get(t *testing.T, url string) (int, string, *http.Response) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp
}

func newService(t *testing.T, b *bundle, c *clock, publicURL string) *reports.Service {
	t.Helper()
	s, err := reports.New(b.ctx, b.st, b.st, reports.Options{PublicURL: publicURL, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDownload(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.seed(t)
		c := &clock{now: time.Now()}
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		svc := newService(t, b, c, srv.URL+"/")
		svc.Register(mux)

		url, expires, err := svc.Link(reports.Query{AppID: "app1", Country: "PH", Date: "2026-11-23", Type: reports.TypePayout})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(url, srv.URL+"/reports/") || expires.Sub(c.Now()) > reports.DefaultTTL || expires.Sub(c.Now()) < reports.DefaultTTL-time.Second {
			t.Errorf("Link = %s expiring %s (now %s)", url, expires, c.Now())
		}
		status, body, resp := get(t, url)
		if status != http.StatusOK || body != wantPayouts {
			t.Errorf("GET link: %d\n%s", status, body)
		}
		if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "text/csv") ||
			cd != "attachment; filename=payout_PH_2026-11-23.csv" {
			t.Errorf("headers: Content-Type %q, Content-Disposition %q", ct, cd)
		}

		// Another service on the same database shares the key: a second
		// serve process accepts the first one's links.
		if status, body, _ := get(t, srv.URL+strings.TrimPrefix(url, srv.URL)); status != http.StatusOK || body != wantPayouts {
			t.Errorf("again: %d", status)
		}
		twin := newService(t, b, c, srv.URL)
		twinURL, _, _ := twin.Link(reports.Query{AppID: "app1", Country: "PH", Date: "2026-11-23", Type: reports.TypePayment})
		if status, body, _ := get(t, twinURL); status != http.StatusOK || body != wantPayments {
			t.Errorf("the twin's link: %d\n%s", status, body)
		}

		token := strings.TrimPrefix(url, srv.URL+"/reports/")
		payload, sig, _ := strings.Cut(token, ".")
		claims, _ := base64.RawURLEncoding.DecodeString(payload)
		otherApp := base64.RawURLEncoding.EncodeToString(bytes.Replace(claims, []byte(`"app1"`), []byte(`"app2"`), 1))
		flipped := []byte(sig)
		flipped[3] ^= 1
		// A link of another gateway: same claims, another key.
		foreign := newService(t, setup(t, storetest.Engines()[1]), c, srv.URL)
		foreignURL, _, _ := foreign.Link(reports.Query{AppID: "app1", Country: "PH", Date: "2026-11-23", Type: reports.TypePayout})
		for name, tok := range map[string]string{
			"AnotherApp":   otherApp + "." + sig,
			"Signature":    payload + "." + string(flipped),
			"NoSignature":  payload,
			"Garbage":      "not-a-token",
			"ForeignKey":   strings.TrimPrefix(foreignURL, srv.URL+"/reports/"),
			"EmptyPayload": "." + sig,
		} {
			if status, body, _ := get(t, srv.URL+"/reports/"+tok); status != http.StatusForbidden || body != "invalid report link\n" {
				t.Errorf("%s: %d %q, want 403", name, status, body)
			}
		}

		c.advance(reports.DefaultTTL)
		if status, body, _ := get(t, url); status != http.StatusGone || body != "report link expired\n" {
			t.Errorf("expired link: %d %q, want 410", status, body)
		}
		// Tampering wins over expiry: an expired, tampered link is 403.
		if status, _, _ := get(t, srv.URL+"/reports/"+otherApp+"."+sig); status != http.StatusForbidden {
			t.Errorf("expired tampered link: %d, want 403", status)
		}
	})
}

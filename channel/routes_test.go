package channel_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel"
	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// downstream is our gateway, routing through a Table to a real upstream.
type downstream struct {
	ctx      context.Context
	up       *upstreamtest.Upstream
	store    storetest.Store
	gw       *gateway.Gateway
	table    *channel.Table
	app      gateway.App
	callback http.Handler
}

// setup starts an upstream and a downstream whose table has the upstream
// as "up-a" (dialect A) and "up-b" (dialect B), plus the connectors of
// extra (name to base URL, dialect A, our key) and the given routes.
func setup(t *testing.T, eng storetest.Engine, extra map[string]string, routes map[string][]string) *downstream {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	up := upstreamtest.Start(t, eng, 100_000)
	dir := secrets(t)
	os.WriteFile(filepath.Join(dir, "b.key"), []byte(up.APIKey), 0o600)
	a, b := connA(up.URL), connB(up.URL)
	a.AppID, b.MerchantID = up.App.AppID, up.MerchantNo
	cfg := channel.Config{Connectors: map[string]channel.ConnectorConfig{"up-a": a, "up-b": b}, Routes: routes}
	for name, url := range extra {
		cc := connA(url)
		cc.Timeout = "300ms"
		cfg.Connectors[name] = cc
	}
	st := eng.Open(t)
	s := sim.New(st, sim.Options{Logger: log})
	table, err := channel.NewTable(cfg, dir, s, channel.Options{PublicURL: "http://127.0.0.1:1", Payouts: st})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(ctx, st, table, gateway.Options{Logger: log,
		Config: gateway.Config{ReconcileAfter: time.Nanosecond, NotFoundGrace: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	m, app, err := gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Toko", PublicKeyPEM: upstreamtest.PublicPEM(upstreamtest.MerchantKey()),
		NotifyURL: "http://127.0.0.1:1/notify"})
	if err != nil {
		t.Fatal(err)
	}
	for _, cur := range []string{"PHP", "PEN"} {
		if _, err := gw.CreditBalance(ctx, m.ID, cur, 100_000); err != nil {
			t.Fatal(err)
		}
	}
	return &downstream{ctx: ctx, up: up, store: st, gw: gw, table: table, app: app, callback: table.Callbacks(st, gw, log)}
}

// payout creates and submits a payout of ours; country PH goes to GCASH,
// PE to PE_BCP.
func (d *downstream) payout(t *testing.T, id, country string) gateway.Payout {
	t.Helper()
	req := gateway.PayoutRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP", Amount: 15000, PayMethod: gateway.MethodEWallet,
		TransferCode: "GCASH", AccountNo: "09171234567", AccountName: "Juan"}
	if country == "PE" {
		req = gateway.PayoutRequest{MchOrderID: id, CountryCode: "PE", Currency: "PEN", Amount: 15000, PayMethod: gateway.MethodBank,
			TransferCode: "PE_BCP", AccountNo: "19412345678901", AccountName: "Rosa", AccountType: "1", IDType: "1", IDCard: "12345678",
			Dialect: gateway.DialectB}
	}
	p, err := d.gw.CreatePayout(d.ctx, d.app, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.gw.SubmitPayout(d.ctx, p.TransactionID); err != nil {
		t.Fatalf("submit: %v", err)
	}
	return d.get(t, p.TransactionID)
}

func (d *downstream) get(t *testing.T, id string) gateway.Payout {
	t.Helper()
	p, err := d.store.GetPayoutByID(d.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// notifications counts the merchant notifications queued for a payout.
func (d *downstream) notifications(t *testing.T, id string) int {
	t.Helper()
	recs, err := notify.List(d.ctx, d.store, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Message.Topic == gateway.TopicNotify {
			n++
		}
	}
	return n
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	d := setup(t, storetest.Engines()[1], nil, map[string][]string{"GCASH": {"up-a", "sim"}, "PE_*": {"up-b"}, "*": {"up-b", "sim"}})
	names := func(ch string) string {
		var out []string
		for _, r := range d.table.Routes(ch) {
			out = append(out, r.Name)
		}
		return strings.Join(out, ",")
	}
	for ch, want := range map[string]string{"GCASH": "up-a,sim", "PE_BBVA": "up-b", "BDO": "sim", "NOPE": ""} {
		if got := names(ch); got != want {
			t.Errorf("Routes(%s) = %q, want %q", ch, got, want)
		}
	}
	for _, name := range []string{"sim", "up-a", "up-b"} {
		if c, ok := d.table.Named(name); !ok || c == nil {
			t.Errorf("Named(%s) = %v, %t", name, c, ok)
		}
	}
	if _, ok := d.table.Named("gone"); ok {
		t.Error("Named(gone) found a connector")
	}
	if _, ok := d.table.PaymentConnector("PH_QRPH_DYNAMIC"); !ok {
		t.Error("payments are not served by the simulator")
	}
}

// TestFailover: a connector that certainly did not take a payout passes it
// to the next; one whose outcome is unknown keeps it, to be queried.
func TestFailover(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // then the server notices the client hanging up
				<-r.Context().Done()
			}))
			t.Cleanup(hang.Close)
			down := httptest.NewServer(nil)
			downURL := down.URL
			down.Close() // refused from now on
			d := setup(t, eng, map[string]string{"down": downURL, "hang": hang.URL},
				map[string][]string{"GCASH": {"down", "up-a"}, "BDO": {"hang", "up-a"}})

			p := d.payout(t, "F1", "PH")
			if p.Connector != "up-a" || p.ChannelState != gateway.ChannelSubmitted || p.ChannelRef == "" {
				t.Fatalf("after failover: connector %q, state %s, ref %q", p.Connector, p.ChannelState, p.ChannelRef)
			}
			d.up.Settle(t, p.ChannelRef)
			if _, err := d.gw.Reconcile(d.ctx, 10); err != nil {
				t.Fatal(err)
			}
			if p = d.get(t, p.TransactionID); p.Status != gateway.StatusCompleted {
				t.Fatalf("after reconcile: %s", p.Status)
			}

			req := gateway.PayoutRequest{MchOrderID: "F2", CountryCode: "PH", Currency: "PHP", Amount: 15000, PayMethod: gateway.MethodBank,
				TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan"}
			q, err := d.gw.CreatePayout(d.ctx, d.app, req)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.gw.SubmitPayout(d.ctx, q.TransactionID); err != nil {
				t.Fatal(err)
			}
			q = d.get(t, q.TransactionID)
			if q.Connector != "hang" || q.ChannelState != gateway.ChannelUnknown {
				t.Fatalf("after a timeout: connector %q, state %s; want hang, UNKNOWN", q.Connector, q.ChannelState)
			}
			if _, err := d.up.PayoutByOrder(d.ctx, q.TransactionID); err == nil {
				t.Fatal("an unknown outcome was sent to the next connector")
			}
			d.gw.Reconcile(d.ctx, 10)
			if q = d.get(t, q.TransactionID); q.Status != gateway.StatusPending || q.Connector != "hang" {
				t.Fatalf("after reconcile: %s on %q; want PENDING on hang", q.Status, q.Connector)
			}
		})
	}
}

// notifyA posts the upstream's dialect A notification of its payout to the
// callback handler, signed with key, and returns the answer.
func (d *downstream) notifyA(t *testing.T, up gateway.Payout, name string, key bool) *httptest.ResponseRecorder {
	t.Helper()
	param := fmt.Sprintf(`{"eventName":"disbursement.success","mchOrderId":%q,"transactionId":%q,"countryCode":"PH","currency":"PHP",`+
		`"amount":%d,"fee":0,"transactionStatus":"COMPLETED","createTime":"2026-01-02T10:00:00+08:00","returnTime":"2026-01-02T10:00:05+08:00"}`,
		up.MchOrderID, up.TransactionID, up.Amount)
	signer := d.up.PlatformKey
	if !key {
		signer = upstreamtest.MerchantKey()
	}
	body, err := client.SignNotification([]byte(param), signer)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	d.callback.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/upstream/"+name+"/notify", bytes.NewReader(body)))
	return w
}

// notifyB posts the upstream's dialect B notification of its payout.
func (d *downstream) notifyB(t *testing.T, up gateway.Payout, apiKey string) *httptest.ResponseRecorder {
	t.Helper()
	body := fmt.Appendf(nil, `{"orderStatus":"%s","amount":%d.%02d,"fee":0,"mchOrderNo":%q,"merchantId":"%d","orderNo":%q,"resultDesc":"%s"}`,
		gateway.DialectBPayoutStatus(up.Status, up.FailedCode), up.Amount/100, up.Amount%100, up.MchOrderID, d.up.MerchantNo,
		up.TransactionID, gateway.DialectBResultDesc(up.Status, up.FailedCode))
	r := httptest.NewRequest(http.MethodPost, "/upstream/up-b/notify", bytes.NewReader(body))
	r.Header.Set("MerchantId", fmt.Sprint(d.up.MerchantNo))
	r.Header.Set("Sign", client.SignB(body, apiKey))
	w := httptest.NewRecorder()
	d.callback.ServeHTTP(w, r)
	return w
}

// TestCallbacks: an upstream's notification and the reconciler's query
// settle a payout once, whichever comes first; forged notifications, and
// ones about payouts another connector holds, change nothing.
func TestCallbacks(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			d := setup(t, eng, nil, map[string][]string{"GCASH": {"up-a"}, "PE_*": {"up-b"}})

			// Callback first, then the query.
			p := d.payout(t, "C1", "PH")
			up := d.up.Settle(t, p.ChannelRef)
			if w := d.notifyA(t, up, "up-a", false); w.Code != 401 || d.get(t, p.TransactionID).Status != gateway.StatusPending {
				t.Fatalf("forged notification: %d %s; status %s", w.Code, w.Body, d.get(t, p.TransactionID).Status)
			}
			if w := d.notifyA(t, up, "up-b", true); w.Code == 200 {
				t.Fatalf("dialect A notification at the dialect B connector: %d %s", w.Code, w.Body)
			}
			if w := d.notifyA(t, up, "nope", true); w.Code != 404 {
				t.Fatalf("unknown connector: %d", w.Code)
			}
			if w := d.notifyA(t, up, "up-a", true); w.Code != 200 || w.Body.String() != `{"code":10000,"message":"Success"}` {
				t.Fatalf("notification: %d %s", w.Code, w.Body)
			}
			if got := d.get(t, p.TransactionID); got.Status != gateway.StatusCompleted {
				t.Fatalf("after the callback: %s", got.Status)
			}
			if n, err := d.gw.Reconcile(d.ctx, 10); err != nil || n != 0 {
				t.Fatalf("reconcile after the callback settled %d, %v", n, err)
			}
			if w := d.notifyA(t, up, "up-a", true); w.Code != 200 {
				t.Fatalf("repeated notification: %d %s", w.Code, w.Body)
			}

			// The query first, then the callback (dialect B).
			q := d.payout(t, "C2", "PE")
			upq := d.up.Settle(t, q.ChannelRef)
			if w := d.notifyB(t, upq, "not-the-key"); w.Code != 401 || w.Body.String() != "FAIL" {
				t.Fatalf("forged B notification: %d %s", w.Code, w.Body)
			}
			if n, err := d.gw.Reconcile(d.ctx, 10); err != nil || n != 1 {
				t.Fatalf("reconcile settled %d, %v; want 1", n, err)
			}
			if w := d.notifyB(t, upq, d.up.APIKey); w.Code != 200 || w.Body.String() != "SUCCESS" {
				t.Fatalf("B notification: %d %s", w.Code, w.Body)
			}
			for _, id := range []string{p.TransactionID, q.TransactionID} {
				if got := d.get(t, id); got.Status != gateway.StatusCompleted {
					t.Errorf("%s: %s", id, got.Status)
				}
				if n := d.notifications(t, id); n != 1 {
					t.Errorf("%s: %d merchant notifications, want 1", id, n)
				}
			}
			if r, err := d.gw.CheckLedger(d.ctx); err != nil || !r.OK() {
				t.Fatalf("ledger: %+v, %v", r, err)
			}
			bal, err := d.gw.Balance(d.ctx, d.app.MerchantID, "PHP")
			if err != nil || bal.Available != 100_000-15000 || bal.Held != 0 {
				t.Fatalf("PHP balance %+v, %v: the payout was not charged exactly once", bal, err)
			}
		})
	}
}

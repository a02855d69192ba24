package open

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// refundRouter is testRouter with the simulator refunding.
type refundRouter struct{ testRouter }

func (r refundRouter) RefundConnector(channel string) (gateway.RefundConnector, bool) {
	return r.sim.RefundConnector(channel)
}

// setupRefunds is setup with the simulator refunding at once; it returns
// the simulator too, to deliver its results.
func setupRefunds(t *testing.T, eng storetest.Engine) (*bundle, *sim.Sim) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st := eng.Open(t)
	sm := sim.New(st, sim.Options{PublicURL: srv.URL, Logger: log})
	gw, err := gateway.New(ctx, st, refundRouter{testRouter{sim: sm}}, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sm.SetResults(gw)
	mux.Handle("/open-api/", NewHandler(gw, Options{Logger: log}))
	b := &bundle{ctx: ctx, gw: gw, srv: srv}
	b.merchant, b.app = b.newMerchant(t, "Toko Refund", nil)
	b.c = client.New(srv.URL, b.app.AppID, merchantKey())
	return b, sm
}

// paidPayment generates a PH QR payment and books the customer's payment.
func (b *bundle) paidPayment(t *testing.T, id string, amount int64) string {
	t.Helper()
	res := b.generate(t, phPayment(id, "PH_QRPH_DYNAMIC", amount))
	if err := b.gw.ApplyPaymentResult(b.ctx, res.TransactionID, gateway.PaymentResult{PaidAmount: amount, ChannelRef: "REF-" + id}); err != nil {
		t.Fatal(err)
	}
	return res.TransactionID
}

// gwBalance returns the merchant's PHP balance from the gateway.
func (b *bundle) gwBalance(t *testing.T) gateway.Balance {
	t.Helper()
	bal, err := b.gw.Balance(b.ctx, b.merchant.ID, "PHP")
	if err != nil {
		t.Fatal(err)
	}
	return bal
}

func TestRefundAPI(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b, sm := setupRefunds(t, eng)
			paid := b.paidPayment(t, "pay-1", 10_000) // no fee: 100.00 available

			res, err := b.c.CreateRefund(b.ctx, client.RefundRequest{MchRefundOrderID: "rf-1", OriginalTransactionID: paid,
				Amount: 4_000, Reason: "wrong size", CountryCode: "PH"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.RefundTransactionID, "R") || res.MchRefundOrderID != "rf-1" || res.OriginalTransactionID != paid ||
				res.RefundAmount != 4_000 || res.FeeRefunded != 0 || res.RefundStatus != client.RefundPending ||
				!strings.HasSuffix(res.CreateTime, "+08:00") || res.ReturnTime != "" {
				t.Fatalf("refund answered %+v", res)
			}
			if bal := b.gwBalance(t); bal.Available != 6_000 || bal.Held != 4_000 {
				t.Fatalf("balance %+v", bal)
			}

			// The channel completes it.
			if err := b.gw.SubmitRefund(b.ctx, res.RefundTransactionID); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond) // the simulator's delay is 0
			if _, err := sm.ReportDue(b.ctx); err != nil {
				t.Fatal(err)
			}
			list, err := b.c.Refunds(b.ctx, client.RefundQuery{OriginalTransactionID: paid})
			if err != nil || len(list) != 1 || list[0].RefundStatus != client.RefundComplete || list[0].ReturnTime == "" || list[0].RefundReason != "wrong size" {
				t.Fatalf("refunds of %s: %+v, %v", paid, list, err)
			}
			one, err := b.c.Refunds(b.ctx, client.RefundQuery{RefundTransactionID: res.RefundTransactionID})
			if err != nil || len(one) != 1 || one[0].MchRefundOrderID != "rf-1" {
				t.Fatalf("refund %s: %+v, %v", res.RefundTransactionID, one, err)
			}
			if bal := b.gwBalance(t); bal.Available != 6_000 || bal.Held != 0 {
				t.Fatalf("balance after completion %+v", bal)
			}

			// A payment whose money is still pending cannot be refunded from
			// the available balance.
			if err := b.gw.SetSettlementDelay(b.ctx, b.merchant.ID, time.Hour); err != nil {
				t.Fatal(err)
			}
			pendingMoney := b.paidPayment(t, "pay-2", 50_000)
			unpaid := b.generate(t, phPayment("pay-3", "PH_QRPH_DYNAMIC", 10_000)).TransactionID
			_, otherApp := b.newMerchant(t, "Toko Lain", nil)
			other := client.New(b.srv.URL, otherApp.AppID, merchantKey())

			for _, c := range []struct {
				name  string
				c     *client.Client
				param map[string]any
				want  int
			}{
				{"NoMchRefundOrderId", b.c, map[string]any{"originalTransactionId": paid, "refundAmount": 100}, client.CodeParamError},
				{"UnknownOriginal", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": "C1", "refundAmount": 100}, client.CodeRefundNotFound},
				{"AnotherAppsPayment", other, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": paid, "refundAmount": 100}, client.CodeRefundNotFound},
				{"NotPaid", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": unpaid, "refundAmount": 100}, client.CodeRefundNotRefundable},
				{"ZeroAmount", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": paid, "refundAmount": 0}, client.CodeRefundAmount},
				{"MalformedAmount", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": paid, "refundAmount": "1.5"}, client.CodeRefundAmount},
				{"MissingAmount", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": paid}, client.CodeRefundAmount},
				{"Exceeds", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": paid, "refundAmount": 6_001}, client.CodeRefundExceeds},
				{"Duplicate", b.c, map[string]any{"mchRefundOrderId": "rf-1", "originalTransactionId": paid, "refundAmount": 100}, client.CodeRefundDuplicate},
				{"InsufficientBalance", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": pendingMoney, "refundAmount": 20_000}, client.CodeInsufficientBalance},
				{"CountryNotOpened", b.c, map[string]any{"mchRefundOrderId": "x", "originalTransactionId": paid, "refundAmount": 100, "countryCode": "VN"}, client.CodeCountry},
			} {
				err := c.c.Do(b.ctx, client.PathRefund, c.param, nil)
				if got := client.ErrorCode(err); got != c.want {
					t.Errorf("%s: got %d (%v), want %d", c.name, got, err, c.want)
				}
			}
			if _, err := b.c.Refunds(b.ctx, client.RefundQuery{RefundTransactionID: "R1"}); client.ErrorCode(err) != client.CodeRefundUnknown {
				t.Errorf("unknown refund: %v, want %d", err, client.CodeRefundUnknown)
			}
			if _, err := b.c.Refunds(b.ctx, client.RefundQuery{OriginalTransactionID: "C1"}); client.ErrorCode(err) != client.CodeRefundNotFound {
				t.Errorf("refunds of an unknown payment: %v, want %d", err, client.CodeRefundNotFound)
			}
			if list, err := b.c.Refunds(b.ctx, client.RefundQuery{OriginalTransactionID: pendingMoney}); err != nil || len(list) != 0 {
				t.Errorf("refunds after refusals: %+v, %v", list, err)
			}
		})
	}
}

func TestRefundChannelsAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		id, err := b.c.RefundChannels(b.ctx, "ID")
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		for _, c := range id {
			codes[c.ChannelCode] = true
			if c.ChannelType == gateway.TypeBankTransfer {
				t.Errorf("virtual account %s listed as refundable", c.ChannelCode)
			}
		}
		if !codes["ID_QRIS"] || !codes["ID_OVO"] || codes["ID_BCA_VA"] || len(id) != len(gateway.PaymentChannels("ID"))-5 {
			t.Errorf("ID refund channels %+v", id)
		}
		if ph, err := b.c.RefundChannels(b.ctx, "PH"); err != nil || len(ph) != len(gateway.PaymentChannels("PH")) {
			t.Errorf("PH refund channels %+v, %v", ph, err)
		}
		var alias struct {
			CountryCode string                 `json:"countryCode"`
			Channels    []client.RefundChannel `json:"channels"`
		}
		if err := b.c.Do(b.ctx, "/open-api/indonesia/refund/channel", map[string]any{}, &alias); err != nil || alias.CountryCode != "ID" || len(alias.Channels) != len(id) {
			t.Errorf("alias path: %+v, %v", alias, err)
		}
		if _, err := b.c.RefundChannels(b.ctx, "VN"); client.ErrorCode(err) != client.CodeCountry {
			t.Errorf("PE: %v, want %d", err, client.CodeCountry)
		}
	})
}

package open

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// testRouter routes every payout channel but PNB to a connector that leaves
// payouts PENDING: these tests stop at the gateway's commit, before any
// channel. Payments go to the simulator, which makes the payData, for every
// payment channel but PH_MAYA.
type testRouter struct{ sim *sim.Sim }

func (testRouter) Routes(channel string) []gateway.Route {
	if channel == "PNB" {
		return nil
	}
	return []gateway.Route{{Name: "pending", Connector: pendingConnector{}}}
}

func (testRouter) Named(string) (gateway.Connector, bool) { return pendingConnector{}, true }

func (r testRouter) PaymentConnector(channel string) (gateway.PaymentConnector, bool) {
	if channel == "PH_MAYA" {
		return nil, false
	}
	return r.sim.PaymentConnector(channel)
}

type pendingConnector struct{}

func (pendingConnector) SubmitPayout(context.Context, gateway.Payout) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

func (pendingConnector) QueryPayout(context.Context, string) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

// bundle is what a test needs: a gateway on a fresh database, the Open API
// served on 127.0.0.1, and one funded-or-not merchant with its client.
type bundle struct {
	ctx      context.Context
	gw       *gateway.Gateway
	srv      *httptest.Server
	merchant gateway.Merchant
	app      gateway.App
	c        *client.Client
}

// forEachEngine runs fn on every store engine, each in a parallel subtest.
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
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	// The server starts first: the simulator's pay URLs carry its address.
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st := eng.Open(t)
	router := testRouter{sim: sim.New(st, sim.Options{PublicURL: srv.URL, Logger: log})}
	gw, err := gateway.New(ctx, st, router, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", NewHandler(gw, Options{Logger: log}))
	b := &bundle{ctx: ctx, gw: gw, srv: srv}
	b.merchant, b.app = b.newMerchant(t, "Toko Satu", nil)
	b.c = client.New(srv.URL, b.app.AppID, merchantKey())
	return b
}

func (b *bundle) newMerchant(t *testing.T, name string, allow []string) (gateway.Merchant, gateway.App) {
	t.Helper()
	m, app, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: name, PublicKeyPEM: publicPEM(merchantKey()), IPAllowlist: allow})
	if err != nil {
		t.Fatal(err)
	}
	return m, app
}

func (b *bundle) fund(t *testing.T, currency string, amount int64) {
	t.Helper()
	if _, err := b.gw.CreditBalance(b.ctx, b.merchant.ID, currency, amount); err != nil {
		t.Fatal(err)
	}
}

// balance returns the merchant's PHP balance through the API.
func (b *bundle) balance(t *testing.T) client.Balance {
	t.Helper()
	bal, err := b.c.Balance(b.ctx, "PH")
	if err != nil {
		t.Fatal(err)
	}
	return bal
}

// wantNotFound asserts that no payout mchOrderId exists for the app.
func (b *bundle) wantNotFound(t *testing.T, mchOrderID string) {
	t.Helper()
	_, err := b.c.CheckPayout(b.ctx, client.CheckRequest{MchOrderID: mchOrderID, CountryCode: "PH"})
	if client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("check %s: got %v, want 21010", mchOrderID, err)
	}
}

// answer is a decoded response.
type answer struct {
	Status  int
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// post sends a raw body to path.
func (b *bundle) post(t *testing.T, path string, body []byte) answer {
	t.Helper()
	resp, err := http.Post(b.srv.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("response %q: %v", raw, err)
	}
	if a.Code != client.CodeSuccess && string(a.Data) != "null" {
		t.Errorf("error response carries data %s", a.Data)
	}
	return a
}

func phPayout(id string, amount int64) client.PayoutRequest {
	return client.PayoutRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP", Amount: amount,
		PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan Dela Cruz"}
}

func nowMS() int64 { return time.Now().UnixMilli() }

// transferParam is a valid transfer param document for the app.
func transferParam(id string, ts any) map[string]any {
	return map[string]any{"mchOrderId": id, "countryCode": "PH", "currency": "PHP", "amount": 10000,
		"payMethodCode": "BANK", "transferCode": "BDO", "accountNo": "1234567890", "accountName": "Juan", "timestamp": ts}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTransferCheckBalance(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 100_000)
		if err := b.gw.SetFee(b.ctx, gateway.Fee{MerchantID: b.merchant.ID, Channel: "*", Fixed: 500, BPS: 100}); err != nil {
			t.Fatal(err)
		}
		req := phPayout("order-1", 10_000)
		req.Remark = "salary"
		res, err := b.c.CreatePayout(b.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.TransactionID, "D") || res.MchOrderID != "order-1" || res.TransactionStatus != "PENDING" ||
			res.Amount != 10_000 || res.Fee != 600 || res.Currency != "PHP" || res.CountryCode != "PH" {
			t.Errorf("transfer answered %+v", res)
		}
		created, err := time.Parse(time.RFC3339, res.TransactionTime)
		if err != nil || !strings.HasSuffix(res.TransactionTime, "+08:00") || time.Since(created) > time.Minute {
			t.Errorf("transactionTime %q: %v", res.TransactionTime, err)
		}

		byOrder, err := b.c.CheckPayout(b.ctx, client.CheckRequest{MchOrderID: "order-1", CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		byID, err := b.c.CheckPayout(b.ctx, client.CheckRequest{TransactionID: res.TransactionID, CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		want := client.Payout{MchOrderID: "order-1", TransactionID: res.TransactionID, CountryCode: "PH", Currency: "PHP",
			Amount: 10_000, Fee: 600, TransactionStatus: "PENDING", CreateTime: res.TransactionTime, Remark: "salary"}
		if byOrder != want || byID != want {
			t.Errorf("check by order %+v\ncheck by id %+v\nwant %+v", byOrder, byID, want)
		}

		bal := b.balance(t)
		if bal.AvailableAmount != 100_000-10_600 || bal.HeldAmount != 10_600 || bal.Balance != "894.00" {
			t.Errorf("balance after transfer %+v", bal)
		}

		// The channel fails it: check shows the failure and the hold returns.
		err = b.gw.ApplyPayoutResult(b.ctx, res.TransactionID, gateway.ChannelResult{Status: gateway.StatusFailed, FailedCode: gateway.FailedChannelRejected})
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.c.CheckPayout(b.ctx, client.CheckRequest{TransactionID: res.TransactionID, MchOrderID: "order-1", CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		if p.TransactionStatus != "FAILED" || p.FailedCode != -10004 || p.FailedMessage != "Transaction Channel Rejected" ||
			!strings.HasSuffix(p.ReturnTime, "+08:00") {
			t.Errorf("failed payout checks as %+v", p)
		}
		if bal := b.balance(t); bal.AvailableAmount != 100_000 || bal.HeldAmount != 0 {
			t.Errorf("balance after failure %+v", bal)
		}

		// Wrong country or mismatched ids are not found.
		for _, ref := range []client.CheckRequest{
			{MchOrderID: "order-1", CountryCode: "MY"},
			{TransactionID: res.TransactionID, MchOrderID: "order-2", CountryCode: "PH"},
		} {
			if _, err := b.c.CheckPayout(b.ctx, ref); client.ErrorCode(err) != client.CodeNotFound {
				t.Errorf("check %+v: %v, want 21010", ref, err)
			}
		}
	})
}

func TestDuplicates(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 100_000)
		first := phPayout("dup-1", 10_000)
		first.IdempotencyID = "idem-1"
		if _, err := b.c.CreatePayout(b.ctx, first); err != nil {
			t.Fatal(err)
		}
		again := phPayout("dup-1", 20_000)
		if _, err := b.c.CreatePayout(b.ctx, again); client.ErrorCode(err) != client.CodeDuplicateOrder {
			t.Errorf("reused mchOrderId: %v, want 21007", err)
		}
		sameIdem := phPayout("dup-2", 20_000)
		sameIdem.IdempotencyID = "idem-1"
		if _, err := b.c.CreatePayout(b.ctx, sameIdem); client.ErrorCode(err) != client.CodeDuplicateIdempotent {
			t.Errorf("reused idempotencyId: %v, want 21015", err)
		}
		if bal := b.balance(t); bal.AvailableAmount != 90_000 || bal.HeldAmount != 10_000 {
			t.Errorf("balance %+v, want one hold of 10000", bal)
		}
		b.wantNotFound(t, "dup-2")
	})
}

func TestConcurrentTransfers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 1_000_000)
		const n = 50
		codes := make(chan int, n)
		start := make(chan struct{})
		for range n {
			go func() {
				<-start
				_, err := b.c.CreatePayout(b.ctx, phPayout("race-1", 10_000))
				if err != nil && client.ErrorCode(err) == 0 {
					t.Errorf("transport: %v", err)
				}
				code := client.ErrorCode(err)
				if err == nil {
					code = client.CodeSuccess
				}
				codes <- code
			}()
		}
		close(start)
		count := map[int]int{}
		for range n {
			count[<-codes]++
		}
		if count[client.CodeSuccess] != 1 || count[client.CodeDuplicateOrder] != n-1 {
			t.Errorf("codes %v, want one 10000 and %d × 21007", count, n-1)
		}
		if bal := b.balance(t); bal.AvailableAmount != 990_000 || bal.HeldAmount != 10_000 {
			t.Errorf("balance %+v, want exactly one hold", bal)
		}
	})
}

func TestInsufficientBalance(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 5_000)
		_, err := b.c.CreatePayout(b.ctx, phPayout("poor-1", 10_000))
		if client.ErrorCode(err) != client.CodeInsufficientBalance {
			t.Errorf("got %v, want 21014", err)
		}
		b.wantNotFound(t, "poor-1")
		if bal := b.balance(t); bal.AvailableAmount != 5_000 || bal.HeldAmount != 0 {
			t.Errorf("balance %+v changed", bal)
		}
	})
}

func TestAliasPaths(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 100_000)
		req := map[string]any{"mchOrderId": "alias-1", "currency": "PHP", "amount": "10000",
			"payMethodCode": "EWALLET", "transferCode": "GCASH", "accountNo": "09171234567"}
		var res client.PayoutResult
		if err := b.c.Do(b.ctx, "/open-api/philippines/disbursement/transfer", req, &res); err != nil {
			t.Fatal(err)
		}
		if res.CountryCode != "PH" || res.Amount != 10_000 || res.TransactionStatus != "PENDING" {
			t.Errorf("alias transfer answered %+v", res)
		}
		var p client.Payout
		if err := b.c.Do(b.ctx, "/open-api/philippines/disbursement/check", map[string]any{"mchOrderId": "alias-1"}, &p); err != nil {
			t.Fatal(err)
		}
		if p.TransactionID != res.TransactionID {
			t.Errorf("alias check found %+v", p)
		}
		var list client.ChannelList
		if err := b.c.Do(b.ctx, "/open-api/thailand/disbursement/channel", map[string]any{}, &list); err != nil || list.CountryCode != "TH" {
			t.Errorf("alias channel list: %+v, %v", list, err)
		}

		req["mchOrderId"], req["countryCode"] = "alias-2", "ID"
		err := b.c.Do(b.ctx, "/open-api/philippines/disbursement/transfer", req, nil)
		var ae *client.APIError
		if !asAPIError(err, &ae) || ae.Code != 21002 || !strings.HasPrefix(ae.Message, "countryCode:") {
			t.Errorf("mismatched countryCode: %v, want 21002 naming countryCode", err)
		}
		b.wantNotFound(t, "alias-2")
		for _, path := range []string{"/open-api/russia/disbursement/transfer", "/open-api/vietnam/disbursement/channel", "/open-api/nope"} {
			a := b.post(t, path, []byte(`{}`))
			if a.Status != 404 || a.Code != 21002 || !strings.Contains(a.Message, "unknown path") {
				t.Errorf("%s: %+v, want 404 21002 unknown path", path, a)
			}
		}
		resp, err := http.Get(b.srv.URL + client.PathBalance)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET answered %d", resp.StatusCode)
		}
	})
}

func TestFallbackSignature(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		param := mustJSON(t, map[string]any{"countryCode": "PH", "timestamp": strconv.FormatInt(nowMS(), 10)})
		body := envelopeBody(t, b.app.AppID, param, signB64(t, merchantKey(), "appId="+b.app.AppID+"&param="+param))
		if a := b.post(t, client.PathBalance, body); a.Status != 200 || a.Code != 10000 || a.Message != "Success" {
			t.Errorf("fallback signature: %+v", a)
		}
		body = envelopeBody(t, b.app.AppID, param, signB64(t, merchantKey(), "appId=other&param="+param))
		if a := b.post(t, client.PathBalance, body); a.Code != 21001 {
			t.Errorf("fallback over another appId: %+v", a)
		}
	})
}

func TestChannelList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		list, err := b.c.PayoutChannels(b.ctx, "PH")
		if err != nil {
			t.Fatal(err)
		}
		if list.CountryCode != "PH" || list.Currency != "PHP" || len(list.Channels) != len(gateway.PayoutChannels("PH")) {
			t.Fatalf("list %+v", list)
		}
		found := map[string]client.Channel{}
		for _, c := range list.Channels {
			found[c.TransferCode] = c
		}
		if c := found["BDO"]; c != (client.Channel{TransferCode: "BDO", Name: "BDO Unibank", PayMethodCode: "BANK", MinAmount: 100, MaxAmount: 5_000_000}) {
			t.Errorf("BDO listed as %+v", c)
		}
		if found["GCASH"].PayMethodCode != "EWALLET" {
			t.Errorf("GCASH listed as %+v", found["GCASH"])
		}
		for cc, code := range map[string]int{"RU": 21017, "XX": 21017, "": 21002} {
			if _, err := b.c.PayoutChannels(b.ctx, cc); client.ErrorCode(err) != code {
				t.Errorf("channels of %q: %v, want %d", cc, err, code)
			}
		}
	})
}

func TestBalanceFormat(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 123_450)
		b.fund(t, "IDR", 150_000)
		for cc, want := range map[string]client.Balance{
			"PH": {CountryCode: "PH", Currency: "PHP", Balance: "1234.50", AvailableAmount: 123_450},
			"ID": {CountryCode: "ID", Currency: "IDR", Balance: "150000.00", AvailableAmount: 150_000},
			"TH": {CountryCode: "TH", Currency: "THB", Balance: "0.00"},
		} {
			got, err := b.c.Balance(b.ctx, cc)
			if err != nil || got != want {
				t.Errorf("balance %s = %+v, %v; want %+v", cc, got, err, want)
			}
		}
		if _, err := b.c.Balance(b.ctx, "XX"); client.ErrorCode(err) != 21017 {
			t.Errorf("balance XX: %v, want 21017", err)
		}
	})
}

package open

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/client"
)

// TestEnvelopeErrors sends transfers that the envelope must refuse, each
// with its exact code, and checks that none of them wrote anything.
func TestEnvelopeErrors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 100_000)
		_, disabled := b.newMerchant(t, "Toko Mati", nil)
		disabled.Disabled = true
		if err := b.gw.UpdateApp(b.ctx, disabled); err != nil {
			t.Fatal(err)
		}
		_, fenced := b.newMerchant(t, "Toko Pagar", []string{"10.0.0.0/8", "192.168.1.1"})

		signed := func(appID, param string) []byte {
			return envelopeBody(t, appID, param, signB64(t, merchantKey(), param))
		}
		good := func(id string) string { return mustJSON(t, transferParam(id, nowMS())) }
		tampered := func() []byte {
			p := good("e-tamper")
			return envelopeBody(t, b.app.AppID, strings.Replace(p, `"amount":10000`, `"amount":99999`, 1), signB64(t, merchantKey(), p))
		}
		for _, tc := range []struct {
			name   string
			body   []byte
			status int
			code   int
			msg    string // a part of the message
		}{
			{"WrongKey", envelopeBody(t, b.app.AppID, good("e-key"), signB64(t, otherKey(), good("e-key"))), 200, 21001, "sign"},
			{"TamperedParam", tampered(), 200, 21001, "sign"},
			{"SignNotBase64", envelopeBody(t, b.app.AppID, good("e-b64"), "***"), 200, 21001, "sign"},
			{"UnknownAppID", signed("nosuchapp", good("e-app")), 200, 21003, "appId"},
			{"MissingAppID", []byte(`{"param":` + strconv.Quote(good("e-noapp")) + `,"sign":"AAAA"}`), 200, 21003, "appId"},
			{"DisabledApp", signed(disabled.AppID, good("e-off")), 200, 21004, "disabled"},
			{"IPForbidden", signed(fenced.AppID, good("e-ip")), 200, 21016, "127.0.0.1"},
			{"TimestampLetters", signed(b.app.AppID, mustJSON(t, transferParam("e-ts", "abc"))), 200, 21008, "timestamp"},
			{"TimestampFraction", signed(b.app.AppID, mustJSON(t, transferParam("e-tsf", 1.5))), 200, 21008, "timestamp"},
			{"Stale", signed(b.app.AppID, mustJSON(t, transferParam("e-old", nowMS()-10*60_000))), 200, 21009, "5m0s"},
			{"Future", signed(b.app.AppID, mustJSON(t, transferParam("e-new", strconv.FormatInt(nowMS()+10*60_000, 10)))), 200, 21009, "5m0s"},
			{"TimestampMissing", signed(b.app.AppID, mustJSON(t, transferParam("e-nots", nil))), 200, 21002, "timestamp: is required"},
			{"BadJSON", []byte(`{"appId":`), 200, 21002, "body"},
			{"MissingParam", []byte(`{"appId":"` + b.app.AppID + `","sign":"AAAA"}`), 200, 21002, "param: is required"},
			{"ParamWrongType", []byte(`{"appId":"` + b.app.AppID + `","param":{"a":1},"sign":"AAAA"}`), 200, 21002, "param: must be a string"},
			{"ParamNotObject", signed(b.app.AppID, `["e-arr"]`), 200, 21002, "param: must be a JSON object"},
			{"FieldWrongType", signed(b.app.AppID, strings.Replace(good("e-x"), `"mchOrderId":"e-x"`, `"mchOrderId":7`, 1)), 200, 21002, "mchOrderId: must be a string"},
			{"AmountFraction", signed(b.app.AppID, strings.Replace(good("e-frac"), `"amount":10000`, `"amount":100.5`, 1)), 200, 21002, "amount: must be an integer"},
			{"AmountMissing", signed(b.app.AppID, strings.Replace(good("e-noamt"), `"amount":10000,`, ``, 1)), 200, 21002, "amount: is required"},
			{"Oversize", signed(b.app.AppID, strings.Replace(good("e-big"), `"accountName":"Juan"`, `"accountName":"`+strings.Repeat("x", 70_000)+`"`, 1)), 413, 21002, "exceeds 65536 bytes"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := b.post(t, client.PathCreatePayout, tc.body)
				if a.Status != tc.status || a.Code != tc.code || !strings.Contains(a.Message, tc.msg) {
					t.Errorf("got HTTP %d code %d %q, want HTTP %d code %d containing %q", a.Status, a.Code, a.Message, tc.status, tc.code, tc.msg)
				}
			})
		}
		if bal := b.balance(t); bal.AvailableAmount != 100_000 || bal.HeldAmount != 0 {
			t.Errorf("balance %+v changed", bal)
		}
		for _, id := range []string{"e-key", "e-tamper", "e-b64", "e-ts", "e-tsf", "e-old", "e-new", "e-nots", "e-x", "e-frac", "e-noamt", "e-big"} {
			b.wantNotFound(t, id)
		}
	})
}

// TestValidationErrors sends well-signed transfers the gateway refuses.
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 100_000_000)
		mod := func(id string, f func(*client.PayoutRequest)) client.PayoutRequest {
			r := phPayout(id, 10_000)
			f(&r)
			return r
		}
		for _, tc := range []struct {
			name string
			req  client.PayoutRequest
			code int
			msg  string
		}{
			{"CountryNoPayouts", mod("v-ru", func(r *client.PayoutRequest) { r.CountryCode, r.Currency = "RU", "RUB" }), 21017, "countryCode"},
			{"CountryUnknown", mod("v-xx", func(r *client.PayoutRequest) { r.CountryCode = "XX" }), 21017, "countryCode"},
			{"CountryLowerCase", mod("v-lc", func(r *client.PayoutRequest) { r.CountryCode = "ph" }), 21017, "countryCode"},
			{"Currency", mod("v-cur", func(r *client.PayoutRequest) { r.Currency = "IDR" }), 21002, "currency"},
			{"PayMethod", mod("v-pm", func(r *client.PayoutRequest) { r.PayMethodCode = "CRYPTO" }), 21019, "payMethodCode"},
			{"BankCode", mod("v-bank", func(r *client.PayoutRequest) { r.TransferCode = "NOPE" }), 21012, "transferCode"},
			{"WalletCode", mod("v-wal", func(r *client.PayoutRequest) { r.PayMethodCode, r.TransferCode = "EWALLET", "NOPE" }), 21013, "transferCode"},
			{"ChannelClosed", mod("v-pnb", func(r *client.PayoutRequest) { r.TransferCode = "PNB" }), 21005, "PNB"},
			{"BelowMin", mod("v-min", func(r *client.PayoutRequest) { r.Amount = 99 }), 21021, "amount"},
			{"AboveMax", mod("v-max", func(r *client.PayoutRequest) { r.Amount = 5_000_001 }), 21021, "amount"},
			{"Zero", mod("v-zero", func(r *client.PayoutRequest) { r.Amount = 0 }), 21021, "amount"},
			{"Negative", mod("v-neg", func(r *client.PayoutRequest) { r.Amount = -5 }), 21021, "amount"},
			{"AccountNo", mod("v-acct", func(r *client.PayoutRequest) { r.AccountNo = "12" }), 21002, "accountNo"},
			{"MchOrderIDMissing", mod("", func(*client.PayoutRequest) {}), 21002, "mchOrderId: is required"},
			{"MchOrderIDTooLong", mod(strings.Repeat("a", 33), func(*client.PayoutRequest) {}), 21002, "mchOrderId"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := b.c.CreatePayout(b.ctx, tc.req)
				var ae *client.APIError
				if !asAPIError(err, &ae) || ae.Code != tc.code || ae.HTTPStatus != 200 || !strings.Contains(ae.Message, tc.msg) {
					t.Errorf("got %v, want code %d naming %q", err, tc.code, tc.msg)
				}
				if tc.req.MchOrderID != "" && len(tc.req.MchOrderID) <= 32 {
					b.wantNotFound(t, tc.req.MchOrderID)
				}
			})
		}
		if bal := b.balance(t); bal.AvailableAmount != 100_000_000 || bal.HeldAmount != 0 {
			t.Errorf("balance %+v changed", bal)
		}
	})
}

func asAPIError(err error, target **client.APIError) bool {
	ae, ok := err.(*client.APIError)
	*target = ae
	return ok
}

func TestCheckNotFound(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PHP", 100_000)
		res, err := b.c.CreatePayout(b.ctx, phPayout("mine-1", 10_000))
		if err != nil {
			t.Fatal(err)
		}
		_, other := b.newMerchant(t, "Toko Lain", nil)
		oc := client.New(b.srv.URL, other.AppID, merchantKey())
		for name, ref := range map[string]client.CheckRequest{
			"Unknown":              {MchOrderID: "nope", CountryCode: "PH"},
			"UnknownID":            {TransactionID: "D1", CountryCode: "PH"},
			"OtherAppsOrder":       {MchOrderID: "mine-1", CountryCode: "PH"},
			"OtherAppsTransaction": {TransactionID: res.TransactionID, CountryCode: "PH"},
		} {
			c := b.c
			if strings.HasPrefix(name, "Other") {
				c = oc
			}
			_, err := c.CheckPayout(b.ctx, ref)
			var ae *client.APIError
			if !asAPIError(err, &ae) || ae.Code != 21010 || ae.Message != "transaction not found" {
				t.Errorf("%s: got %v, want 21010 transaction not found", name, err)
			}
		}
		for name, tc := range map[string]struct {
			param map[string]any
			code  int
		}{
			"NoReference":    {map[string]any{"countryCode": "PH"}, 21002},
			"NoCountry":      {map[string]any{"mchOrderId": "mine-1"}, 21002},
			"UnknownCountry": {map[string]any{"mchOrderId": "mine-1", "countryCode": "XX"}, 21017},
		} {
			if err := b.c.Do(b.ctx, client.PathCheckPayout, tc.param, nil); client.ErrorCode(err) != tc.code {
				t.Errorf("%s: got %v, want %d", name, err, tc.code)
			}
		}
	})
}

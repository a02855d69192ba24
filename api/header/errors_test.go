package header

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// TestErrorCatalogue sends one request per refusal of dialect B and checks
// its code, msg, HTTP status and detail, and that the refused payouts were
// not written.
func TestErrorCatalogue(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, 100_000)
		headers := func(no, sign string) map[string]string {
			return map[string]string{"Content-Type": "application/json", "MerchantId": no, "Sign": sign}
		}
		good := func(body string) map[string]string {
			return headers(strconv.FormatInt(b.no, 10), client.SignB([]byte(body), b.key))
		}
		payout := func(id string, change func(m map[string]any)) map[string]any {
			m := bcpPayout(id)
			change(m)
			return m
		}
		okBody := `{"nonceStr":"` + nonce() + `"}`
		tests := []struct {
			name, msg string
			code      int
			status    int
			detail    string // a part of the detail
			do        func(t *testing.T) reply
		}{
			{"MethodNotPost", "RequestMethod_not_post", 405, 405, "POST", func(t *testing.T) reply {
				return b.send(t, http.MethodGet, "/api/payOut", good(""), nil)
			}},
			{"ContentTypeNotJSON", "RequestContentType_not_json", 400, 200, "Content-Type", func(t *testing.T) reply {
				h := good(okBody)
				h["Content-Type"] = "text/plain"
				return b.send(t, http.MethodPost, "/api/getBalance", h, []byte(okBody))
			}},
			{"MerchantIdNull", "MerchantId_is_null", 401, 200, "MerchantId", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", headers("", client.SignB([]byte(okBody), b.key)), []byte(okBody))
			}},
			{"MerchantIdNotNumber", "MerchantId_not_Number", 401, 200, "integer", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", headers("12a", client.SignB([]byte(okBody), b.key)), []byte(okBody))
			}},
			{"MerchantIdUnknown", "MerchantId_is_error", 401, 200, "MerchantId", func(t *testing.T) reply {
				return b.signed(t, "/api/getBalance", b.no+1000, b.key, []byte(okBody))
			}},
			{"BodyNull", "RequestBody_is_null", 400, 200, "body", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", good(""), nil)
			}},
			{"BodyTooLarge", "RequestBody_too_large", 413, 413, "bytes", func(t *testing.T) reply {
				big := `{"nonceStr":"x","pad":"` + strings.Repeat("a", 70<<10) + `"}`
				return b.send(t, http.MethodPost, "/api/getBalance", good(big), []byte(big))
			}},
			{"SignMissing", "Sign_verify_error", 401, 200, "Sign", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", headers(strconv.FormatInt(b.no, 10), ""), []byte(okBody))
			}},
			{"SignWrong", "Sign_verify_error", 401, 200, "MD5", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", good(okBody+" "), []byte(okBody))
			}},
			{"SignNotHex", "Sign_verify_error", 401, 200, "MD5", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", headers(strconv.FormatInt(b.no, 10), "zz"), []byte(okBody))
			}},
			{"JSONFormat", "Params_jsonFormat_error", 400, 200, "JSON object", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", good(`[1,2]`), []byte(`[1,2]`))
			}},
			{"NonceRequired", "Params_nonceStr_Required", 400, 200, "nonceStr: is required", func(t *testing.T) reply {
				return b.send(t, http.MethodPost, "/api/getBalance", good(`{}`), []byte(`{}`))
			}},
			{"NonceTooLong", "Params_nonceStr_error", 400, 200, "32", func(t *testing.T) reply {
				return b.post(t, "/api/getBalance", map[string]any{"nonceStr": strings.Repeat("n", 33)})
			}},
			{"NonceRepeated", "Params_nonceStr_repeated", 409, 200, "nonceStr", func(t *testing.T) reply {
				body := `{"nonceStr":"repeat-` + nonce() + `"}`
				if r := b.send(t, http.MethodPost, "/api/getBalance", good(body), []byte(body)); r.Code != 200 {
					t.Fatalf("first use: %+v", r)
				}
				return b.send(t, http.MethodPost, "/api/getBalance", good(body), []byte(body))
			}},
			{"BankIdRequired", "Params_bankId_Required", 400, 200, "bankId: is required", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-bank-req", func(m map[string]any) { delete(m, "bankId") }))
			}},
			{"AccountNameRequired", "Params_accountName_Required", 400, 200, "accountName", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-name-req", func(m map[string]any) { m["accountName"] = "" }))
			}},
			{"MchOrderNoRequired", "Params_mchOrderNo_Required", 400, 200, "mchOrderNo", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("", func(map[string]any) {}))
			}},
			{"IdCardRequired", "Params_idCard_Required", 400, 200, "idCard", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-idcard-req", func(m map[string]any) { delete(m, "idCard") }))
			}},
			{"BankIdUnknown", "Params_bankId_error", 400, 200, "bankId: 15", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-bank-15", func(m map[string]any) { m["bankId"] = 15 }))
			}},
			{"AmountPlaces", "Params_amount_error", 400, 200, "two decimal places", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-amt-places", func(m map[string]any) { m["amount"] = 10.005 }))
			}},
			{"AmountBelowLimit", "Params_amount_error", 400, 200, "outside", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-amt-low", func(m map[string]any) { m["amount"] = "9.99" }))
			}},
			{"AmountNegative", "Params_amount_error", 400, 200, "amount", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-amt-neg", func(m map[string]any) { m["amount"] = -100 }))
			}},
			{"AccountType", "Params_accountType_error", 400, 200, "Corriente", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-acct-type", func(m map[string]any) { m["accountType"] = 2 }))
			}},
			{"AccountNoShape", "Params_accountNo_error", 400, 200, "13 digits", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-acct-no", func(m map[string]any) { m["accountNo"] = "12345678901234" }))
			}},
			{"CCIRequired", "Params_cciAccountNo_Required", 400, 200, "Banco Falabella", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-cci-req", func(m map[string]any) { m["bankId"] = 5 }))
			}},
			{"CCICheckDigits", "Params_cciAccountNo_error", 400, 200, "check digits", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-cci-bad", func(m map[string]any) {
					cci := []byte(validCCI("054"))
					cci[19] = '0' + (cci[19]-'0'+1)%10
					m["bankId"], m["cciAccountNo"] = 5, string(cci)
				}))
			}},
			{"IdCardShape", "Params_idCard_error", 400, 200, "8 digits", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-dni", func(m map[string]any) { m["idCard"] = "1234567" }))
			}},
			{"Currency", "Params_currency_error", 400, 200, "PEN", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-cur", func(m map[string]any) { m["currency"] = "USD" }))
			}},
			{"PhoneFromCoreField", "Params_phone_error", 400, 200, "phone:", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-phone", func(m map[string]any) { m["phone"] = "call me" }))
			}},
			{"MchOrderNoFromCoreField", "Params_mchOrderNo_error", 400, 200, "mchOrderNo: must be at most 32", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout(strings.Repeat("m", 33), func(map[string]any) {}))
			}},
			{"ChannelNotAvailable", "Channel_not_available", 503, 200, "PE_RIPLEY", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-ripley", func(m map[string]any) {
					m["bankId"], m["accountNo"], m["cciAccountNo"] = 28, "1234567890", validCCI("055")
				}))
			}},
			{"BalanceNotEnough", "Merchant_balance_not_enough", 402, 200, "available balance", func(t *testing.T) reply {
				return b.post(t, "/api/payOut", payout("e-balance", func(m map[string]any) { m["amount"] = 1500; m["bankId"] = 3 }))
			}},
			{"OrderNoRequired", "Params_orderNo_Required", 400, 200, "mchOrderNo", func(t *testing.T) reply {
				return b.post(t, "/api/payOutQuery", map[string]any{})
			}},
			{"OrderNotExist", "Order_not_exist", 404, 200, "not found", func(t *testing.T) reply {
				return b.post(t, "/api/payOutQuery", map[string]any{"orderNo": "D1"})
			}},
			{"PayInNotExist", "Order_not_exist", 404, 200, "not found", func(t *testing.T) reply {
				return b.post(t, "/api/payInQuery", map[string]any{"mchOrderNo": "nope"})
			}},
			{"PayTypeUnknown", "Params_payType_error", 400, 200, "Peru payType", func(t *testing.T) reply {
				return b.post(t, "/api/payIn", map[string]any{"currency": "PEN", "payType": 411, "amount": 10, "mchOrderNo": "e-pt"})
			}},
			{"PayTypeRequired", "Params_payType_Required", 400, 200, "payType", func(t *testing.T) reply {
				return b.post(t, "/api/payIn", map[string]any{"currency": "PEN", "amount": 10, "mchOrderNo": "e-pt-req"})
			}},
			{"Reusable", "Params_reusableStatus_error", 400, 200, "only false", func(t *testing.T) reply {
				return b.post(t, "/api/payIn", map[string]any{"currency": "PEN", "payType": 601, "amount": 10, "mchOrderNo": "e-re", "reusableStatus": true})
			}},
			{"ExpireTime", "Params_expireTime_error", 400, 200, "seconds", func(t *testing.T) reply {
				return b.post(t, "/api/payIn", map[string]any{"currency": "PEN", "payType": 601, "amount": 10, "mchOrderNo": "e-exp", "expireTime": 5})
			}},
			{"PayInAmountLimit", "Params_amount_error", 400, 200, "PE_YAPE", func(t *testing.T) reply {
				return b.post(t, "/api/payIn", map[string]any{"currency": "PEN", "payType": 601, "amount": "0.50", "mchOrderNo": "e-pamt"})
			}},
			{"PathNotFound", "Request_path_notFound", 404, 404, "/api/payout", func(t *testing.T) reply {
				return b.post(t, "/api/payout", map[string]any{})
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.do(t)
				if r.Msg != tt.msg || r.Code != tt.code || r.Status != tt.status || !strings.Contains(r.Detail, tt.detail) {
					t.Errorf("got HTTP %d code %d %s %q; want HTTP %d code %d %s with %q",
						r.Status, r.Code, r.Msg, r.Detail, tt.status, tt.code, tt.msg, tt.detail)
				}
			})
		}
		// None of the refused payouts was written, and nothing was held.
		for _, id := range []string{"e-bank-15", "e-amt-low", "e-cci-bad", "e-balance", "e-ripley", "e-phone"} {
			if r := b.post(t, "/api/payOutQuery", map[string]any{"mchOrderNo": id}); r.Msg != "Order_not_exist" {
				t.Errorf("refused payout %s exists: %+v", id, r)
			}
		}
		bal, err := b.gw.Balance(b.ctx, b.merchant.ID, "PEN")
		if err != nil || bal.Available != 100_000 || bal.Held != 0 {
			t.Errorf("balance after refusals %+v, %v", bal, err)
		}
	})
}

// TestMerchantRefusals covers the refusals that depend on the merchant's
// state: its IP allowlist and its app being disabled.
func TestMerchantRefusals(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		app := b.app
		app.IPAllowlist = []string{"10.9.9.9", "192.168.0.0/16"}
		if err := b.gw.UpdateApp(b.ctx, app); err != nil {
			t.Fatal(err)
		}
		r := b.post(t, "/api/getBalance", map[string]any{})
		if r.Msg != "Request_ip_notWhiteList" || r.Code != 403 || !strings.Contains(r.Detail, "127.0.0.1") {
			t.Errorf("outside the allowlist: %+v", r)
		}
		app.IPAllowlist = []string{"127.0.0.1"}
		if err := b.gw.UpdateApp(b.ctx, app); err != nil {
			t.Fatal(err)
		}
		if r := b.post(t, "/api/getBalance", map[string]any{}); r.Code != 200 {
			t.Errorf("inside the allowlist: %+v", r)
		}
		app.Disabled = true
		if err := b.gw.UpdateApp(b.ctx, app); err != nil {
			t.Fatal(err)
		}
		r = b.post(t, "/api/getBalance", map[string]any{})
		if r.Msg != "Merchant_is_disabled" || r.Code != 403 {
			t.Errorf("disabled app: %+v", r)
		}
		if _, err := b.b.GetBalance(b.ctx); client.BErrorMsg(err) != "Merchant_is_disabled" {
			t.Errorf("client: %v", err)
		}
	})
}

// TestClassify checks the code table for the kinds no request reaches
// easily, and that internal errors never show their text.
func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		code   int
		status int
		msg    string
		detail string
	}{
		{gateway.Errorf(gateway.KindUnavailable, "", "db down"), 503, 503, "System_busy", "db down"},
		{gateway.Errorf(gateway.KindInternal, "", "secret"), 500, 500, "System_error", "internal error"},
		{gateway.Errorf(gateway.KindRefundExceeds, "refundAmount", "secret"), 500, 500, "System_error", "internal error"},
		{errTest("pq: password=secret"), 500, 500, "System_error", "internal error"},
		{gateway.Errorf(gateway.KindDuplicateOrder, "mchOrderId", "mchOrderId %q was already used", "x"), 409, 200,
			"Params_mchOrderNo_repeated", `mchOrderNo: mchOrderNo "x" was already used`},
		{gateway.Errorf(gateway.KindBankCode, "transferCode", "bad"), 400, 200, "Params_bankId_error", "bankId: bad"},
		{gateway.Errorf(gateway.KindInvalid, "customerName", "is required for this"), 400, 200, "Params_realName_Required", "realName: is required for this"},
		{gateway.Errorf(gateway.KindInvalid, "", "odd"), 400, 200, "Params_body_error", "odd"},
	}
	for _, tt := range tests {
		a := classify(tt.err)
		if a.code != tt.code || a.status != tt.status || a.msg != tt.msg || a.detail != tt.detail {
			t.Errorf("classify(%v) = %+v; want %d %d %s %q", tt.err, a, tt.code, tt.status, tt.msg, tt.detail)
		}
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

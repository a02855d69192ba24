package header

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/api/open"
	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// This file is dialect B's part of the bad input catalogue (dialect A's is
// api/open/badinput_test.go): TestBadInputB sends malformed and hostile
// calls to every operation, each with its exact code, msg and HTTP status,
// and checks after each one that no order, outbox message or ledger entry
// was written and no balance moved. Nonces are the exception, by design:
// a call whose signature verified has spent its nonceStr even when it is
// refused afterwards (docs/API-B.md, "Envelope"), so the nonce table may
// grow; nothing else may.

// badKitB is what the catalogue needs: the bundle, its store, and what the
// setup made.
type badKitB struct {
	*bundle
	t        *testing.T
	st       storetest.Store
	otherNo  int64  // another merchant's number
	otherKey string // and its apiKey
	payout   []byte // the body of a payOut accepted in the setup
	usedOnce string // a nonceStr used in the setup
}

// setupBadB is setup, keeping the store, plus the orders the cases refer
// to: a payOut and a payIn, and a second merchant.
func setupBadB(t *testing.T, eng storetest.Engine) *badKitB {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st := eng.Open(t)
	clock := &testClock{}
	gw, err := gateway.New(ctx, st, testRouter{sim: sim.New(st, sim.Options{PublicURL: srv.URL, Logger: log})},
		gateway.Options{Logger: log, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/api/", NewHandler(gw, Options{Logger: log, Clock: clock}))
	mux.Handle("/open-api/", open.NewHandler(gw, open.Options{Logger: log}))
	k := &badKitB{bundle: &bundle{ctx: ctx, clock: clock, gw: gw, srv: srv}, t: t, st: st}
	k.merchant, k.app, k.no, k.key = k.newMerchant(t, "Bodega Prueba")
	_, _, k.otherNo, k.otherKey = k.newMerchant(t, "Otra Bodega")
	k.fund(t, 100_000)
	setupPayout := bcpPayout("SETUP-B-PAYOUT")
	setupPayout["nonceStr"] = nonce()
	k.payout = mustJSON(t, setupPayout)
	if r := k.signed(t, "/api/payOut", k.no, k.key, k.payout); r.Code != 200 {
		t.Fatalf("setup payOut: %+v", r)
	}
	if r := k.post(t, "/api/payIn", payInBody("SETUP-B-PAYIN")); r.Code != 200 {
		t.Fatalf("setup payIn: %+v", r)
	}
	k.usedOnce = "used-" + nonce()
	if r := k.post(t, "/api/getBalance", map[string]any{"nonceStr": k.usedOnce}); r.Code != 200 {
		t.Fatalf("setup getBalance: %+v", r)
	}
	return k
}

func payInBody(id string) map[string]any {
	return map[string]any{"currency": "PEN", "payType": 601, "amount": "10.00", "mchOrderNo": id}
}

// badCaseB is one hostile call and the exact answer it must get.
type badCaseB struct {
	name    string
	method  string // "" is POST
	path    string
	headers map[string]string
	body    []byte
	status  int // the HTTP status
	code    int
	msg     string
	detail  string // a part of the detail
	before  func(t *testing.T)
	after   func(t *testing.T)
}

// headersB are the headers of a call as merchant no signed with key; sign
// "" leaves the Sign header out.
func headersB(no, sign string) map[string]string {
	h := map[string]string{"Content-Type": "application/json", "MerchantId": no}
	if sign != "" {
		h["Sign"] = sign
	}
	return h
}

// raw is a call of path with body, signed by the kit's merchant.
func (k *badKitB) raw(path, body string) badCaseB {
	return badCaseB{path: path, body: []byte(body), headers: headersB(strconv.FormatInt(k.no, 10), client.SignB([]byte(body), k.key))}
}

// json is a call of path with m as its body and a fresh nonceStr unless m
// has one, signed by the kit's merchant.
func (k *badKitB) json(path string, m map[string]any) badCaseB {
	m = maps.Clone(m)
	if m == nil {
		m = map[string]any{}
	}
	if _, ok := m["nonceStr"]; !ok {
		m["nonceStr"] = nonce()
	}
	return k.raw(path, string(mustJSON(k.t, m)))
}

// with returns base with set applied and del removed.
func with(base, set map[string]any, del ...string) map[string]any {
	m := maps.Clone(base)
	maps.Copy(m, set)
	for _, f := range del {
		delete(m, f)
	}
	return m
}

// is completes a case with its name and expected answer.
func (c badCaseB) is(name string, status, code int, msg, detail string) badCaseB {
	c.name, c.status, c.code, c.msg, c.detail = name, status, code, msg, detail
	return c
}

func (c badCaseB) withHeader(k, v string) badCaseB {
	c.headers = maps.Clone(c.headers)
	if v == "" {
		delete(c.headers, k)
	} else {
		c.headers[k] = v
	}
	return c
}

func (c badCaseB) withMethod(m string) badCaseB          { c.method = m; return c }
func (c badCaseB) around(b, a func(*testing.T)) badCaseB { c.before, c.after = b, a; return c }

// pruneAfter moves the clock by d and forgets the nonces older than the
// nonce window, as serve does periodically.
func (k *badKitB) pruneAfter(d time.Duration) func(*testing.T) {
	return func(t *testing.T) {
		k.clock.advance(d)
		if _, err := k.gw.PruneNonces(k.ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
}

// footprintB is what a refused call must not change.
type footprintB struct {
	Payouts, Payments int
	Outbox            map[string]int64
	Entries, Accounts int64
	Balances          []ledger.Balance
}

func (k *badKitB) footprint(t *testing.T) footprintB {
	t.Helper()
	f := footprintB{}
	from, to := time.Unix(0, 0), time.Now().Add(365*24*time.Hour)
	for cc := range gateway.Countries {
		err := k.st.StreamPayouts(k.ctx, k.app.AppID, cc, from, to, func(gateway.Payout) error { f.Payouts++; return nil })
		if err == nil {
			err = k.st.StreamPayments(k.ctx, k.app.AppID, cc, from, to, func(gateway.Payment) error { f.Payments++; return nil })
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if f.Outbox, err = k.st.OutboxBacklog(k.ctx); err != nil {
		t.Fatal(err)
	}
	if f.Balances, err = k.st.MerchantBalances(k.ctx, k.merchant.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := k.st.CheckLedger(k.ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("ledger check: %+v, %v", rep, err)
	}
	f.Entries, f.Accounts = rep.Entries, rep.Accounts
	return f
}

// TestBadInputB runs dialect B's catalogue on both engines: each case gets
// exactly its answer, and after each one the store holds what it held
// before (nonces aside).
func TestBadInputB(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			k := setupBadB(t, eng)
			cases := append(k.envelopeCases(), k.operationCases()...)
			if len(cases) < 30 {
				t.Fatalf("%d cases, want at least 30", len(cases))
			}
			before := k.footprint(t)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if c.before != nil {
						c.before(t)
					}
					method := c.method
					if method == "" {
						method = http.MethodPost
					}
					r := k.send(t, method, c.path, c.headers, c.body)
					if c.after != nil {
						c.after(t)
					}
					if r.Status != c.status || r.Code != c.code || r.Msg != c.msg || !strings.Contains(r.Detail, c.detail) {
						t.Errorf("got HTTP %d code %d %s %q; want HTTP %d code %d %s with %q",
							r.Status, r.Code, r.Msg, r.Detail, c.status, c.code, c.msg, c.detail)
					}
					if after := k.footprint(t); !reflect.DeepEqual(after, before) {
						t.Errorf("the call wrote:\nbefore %+v\nafter  %+v", before, after)
					}
				})
			}
		})
	}
}

// envelopeCases are the refusals of the transport, the headers, the
// signature, the body's JSON and the nonce.
func (k *badKitB) envelopeCases() []badCaseB {
	const bal = "/api/getBalance"
	no := strconv.FormatInt(k.no, 10)
	body := `{"nonceStr":"` + nonce() + `"}`
	ok := k.raw(bal, body)
	sha := sha256.Sum256([]byte(body + k.key))
	mine := client.SignB([]byte(body), k.key)
	return []badCaseB{
		ok.withMethod(http.MethodGet).is("MethodGET", 405, 405, "RequestMethod_not_post", "POST"),
		ok.withMethod(http.MethodPut).is("MethodPUT", 405, 405, "RequestMethod_not_post", "POST"),
		ok.withHeader("Content-Type", "text/plain").is("ContentTypeTextPlain", 200, 400, "RequestContentType_not_json", "Content-Type"),
		ok.withHeader("Content-Type", "").is("ContentTypeMissing", 200, 400, "RequestContentType_not_json", "Content-Type"),
		ok.withHeader("Content-Type", "application/x-www-form-urlencoded").is("ContentTypeForm", 200, 400, "RequestContentType_not_json", "Content-Type"),
		ok.withHeader("Content-Type", "application/json; charset=utf-8").is("ContentTypeCharsetAccepted", 200, 200, "SUCCESS", ""),
		ok.withHeader("MerchantId", "").is("MerchantIdMissing", 200, 401, "MerchantId_is_null", "MerchantId"),
		ok.withHeader("MerchantId", "abc").is("MerchantIdLetters", 200, 401, "MerchantId_not_Number", "integer"),
		ok.withHeader("MerchantId", "-"+no).is("MerchantIdNegative", 200, 401, "MerchantId_not_Number", "integer"),
		ok.withHeader("MerchantId", "１００００１").is("MerchantIdFullwidth", 200, 401, "MerchantId_not_Number", "integer"),
		ok.withHeader("MerchantId", no+".0").is("MerchantIdDecimal", 200, 401, "MerchantId_not_Number", "integer"),
		ok.withHeader("MerchantId", strings.Repeat("9", 20)).is("MerchantIdHuge", 200, 401, "MerchantId_is_error", "MerchantId"),
		ok.withHeader("MerchantId", "0").is("MerchantIdZero", 200, 401, "MerchantId_is_error", "MerchantId"),
		ok.withHeader("MerchantId", strconv.FormatInt(k.no+1000, 10)).is("MerchantIdUnknown", 200, 401, "MerchantId_is_error", "MerchantId"),
		ok.withHeader("Sign", "").is("SignMissing", 200, 401, "Sign_verify_error", "Sign"),
		ok.withHeader("Sign", client.SignB([]byte(body), k.otherKey)).is("SignAnotherMerchantsKey", 200, 401, "Sign_verify_error", "MD5"),
		ok.withHeader("MerchantId", strconv.FormatInt(k.otherNo, 10)).is("SignForAnotherMerchant", 200, 401, "Sign_verify_error", "MD5"),
		ok.withHeader("Sign", client.SignB([]byte(body+" "), k.key)).is("SignOverAnotherBody", 200, 401, "Sign_verify_error", "MD5"),
		ok.withHeader("Sign", "zz"+mine[2:]).is("SignNotHex", 200, 401, "Sign_verify_error", "MD5"),
		ok.withHeader("Sign", mine[:16]).is("SignTruncated", 200, 401, "Sign_verify_error", "MD5"),
		ok.withHeader("Sign", hex.EncodeToString(sha[:])).is("SignSHA256", 200, 401, "Sign_verify_error", "MD5"),
		ok.withHeader("Sign", client.SignB([]byte(body), "")).is("SignWithoutKey", 200, 401, "Sign_verify_error", "MD5"),
		k.raw(bal, "").is("BodyEmpty", 200, 400, "RequestBody_is_null", "body"),
		k.raw(bal, " \n\t ").is("BodyWhitespace", 200, 400, "RequestBody_is_null", "body"),
		k.raw(bal, `{"nonceStr":"x","pad":"`+strings.Repeat("a", 70<<10)+`"}`).is("BodyTooLarge", 413, 413, "RequestBody_too_large", "65536"),
		k.raw(bal, `{"nonceStr":`).is("JSONBroken", 200, 400, "Params_jsonFormat_error", "JSON object"),
		k.raw(bal, `["nonceStr"]`).is("JSONArray", 200, 400, "Params_jsonFormat_error", "JSON object"),
		k.raw(bal, `null`).is("JSONNull", 200, 400, "Params_jsonFormat_error", "JSON object"),
		k.raw(bal, `{"nonceStr":"`+nonce()+`"} {}`).is("JSONTrailing", 200, 400, "Params_jsonFormat_error", "JSON object"),
		k.raw(bal, "{\"nonceStr\":\"a\x00b\"}").is("JSONRawNUL", 200, 400, "Params_jsonFormat_error", "JSON object"),
		k.raw(bal, "\ufeff"+`{"nonceStr":"`+nonce()+`"}`).is("JSONWithBOM", 200, 400, "Params_jsonFormat_error", "JSON object"),
		k.raw(bal, `{}`).is("NonceMissing", 200, 400, "Params_nonceStr_Required", "nonceStr"),
		k.raw(bal, `{"nonceStr":""}`).is("NonceEmpty", 200, 400, "Params_nonceStr_Required", "nonceStr"),
		k.json(bal, map[string]any{"nonceStr": map[string]any{"n": 1}}).is("NonceObject", 200, 400, "Params_nonceStr_error", "nonceStr"),
		k.json(bal, map[string]any{"nonceStr": "n\x00" + nonce()}).is("NonceNUL", 200, 400, "Params_nonceStr_error", "nonceStr"),
		k.json(bal, map[string]any{"nonceStr": "nоnce-" + nonce()}).is("NonceCyrillic", 200, 400, "Params_nonceStr_error", "ASCII"),
		k.json(bal, map[string]any{"nonceStr": strings.Repeat("n", 33)}).is("Nonce33", 200, 400, "Params_nonceStr_error", "32"),
		k.json(bal, map[string]any{"nonceStr": k.usedOnce}).is("NonceReused", 200, 409, "Params_nonceStr_repeated", "nonceStr"),
		// A captured payOut replayed after the nonce window (24h), once the
		// nonces are pruned, is refused by its mchOrderNo.
		k.raw("/api/payOut", string(k.payout)).around(k.pruneAfter(25*time.Hour), func(*testing.T) { k.clock.advance(-25 * time.Hour) }).
			is("ReplayAfterNonceWindow", 200, 409, "Params_mchOrderNo_repeated", "mchOrderNo"),
		k.raw("/api/payOut", string(k.payout)).is("ReplayInsideNonceWindow", 200, 409, "Params_nonceStr_repeated", "nonceStr"),
		k.json("/api/payout", nil).is("PathCaseVariant", 404, 404, "Request_path_notFound", "/api/payout"),
		k.json("/api/getBalance/", nil).is("PathTrailingSlash", 404, 404, "Request_path_notFound", "/api/getBalance/"),
		k.json("/api/admin", nil).is("PathUnknown", 404, 404, "Request_path_notFound", "/api/admin"),
		k.json(bal, map[string]any{"merchantId": k.otherNo, "currency": "USD", "admin": true}).is("ExtraFieldsIgnored", 200, 200, "SUCCESS", ""),
	}
}

// operationCases are refusals of payOut's, payIn's and the queries' fields.
func (k *badKitB) operationCases() []badCaseB {
	out := func(set map[string]any, del ...string) badCaseB {
		return k.json("/api/payOut", with(bcpPayout("BAD-B-PAYOUT"), set, del...))
	}
	in := func(set map[string]any, del ...string) badCaseB {
		return k.json("/api/payIn", with(payInBody("BAD-B-PAYIN"), set, del...))
	}
	outQ := func(m map[string]any) badCaseB { return k.json("/api/payOutQuery", m) }
	inQ := func(m map[string]any) badCaseB { return k.json("/api/payInQuery", m) }
	type m = map[string]any
	num := func(s string) json.RawMessage { return json.RawMessage(s) }
	badCCI := []byte(validCCI("054"))
	badCCI[19] = '0' + (badCCI[19]-'0'+1)%10
	const amt = "Params_amount_error"
	return []badCaseB{
		out(m{"amount": "10.005"}).is("AmountThreeDecimals", 200, 400, amt, "two decimal places"),
		out(m{"amount": num("10.005")}).is("AmountThreeDecimalsNumber", 200, 400, amt, "two decimal places"),
		out(m{"amount": -100}).is("AmountNegative", 200, 400, amt, "amount"),
		out(m{"amount": "-100.00"}).is("AmountNegativeString", 200, 400, amt, "amount"),
		out(m{"amount": num("1e3")}).is("AmountExponent", 200, 400, amt, "amount"),
		out(m{"amount": "1E3"}).is("AmountExponentString", 200, 400, amt, "amount"),
		out(m{"amount": num("1e30")}).is("AmountExponentHuge", 200, 400, amt, "amount"),
		out(m{"amount": "1" + strings.Repeat("0", 30)}).is("AmountDigitsHuge", 200, 400, amt, "amount"),
		out(m{"amount": 0}).is("AmountZero", 200, 400, amt, "amount"),
		out(m{"amount": "9.99"}).is("AmountBelowLimit", 200, 400, amt, "outside"),
		out(m{"amount": "2000.01"}).is("AmountAboveLimit", 200, 400, amt, "outside"),
		out(m{"amount": true}).is("AmountBool", 200, 400, amt, "amount"),
		out(m{"amount": m{"value": "100.00"}}).is("AmountObject", 200, 400, amt, "decimal amount in soles"),
		out(m{"amount": "10,50"}).is("AmountComma", 200, 400, amt, "amount"),
		out(m{"amount": "S/ 100"}).is("AmountWithSymbol", 200, 400, amt, "amount"),
		out(m{"amount": "１００.００"}).is("AmountFullwidth", 200, 400, amt, "decimal amount in soles"),
		out(nil, "amount").is("AmountMissing", 200, 400, "Params_amount_Required", "amount"),
		out(m{"amount": "1500.00"}).is("BalanceNotEnough", 200, 402, "Merchant_balance_not_enough", "available balance"),
		out(m{"currency": "USD"}).is("CurrencyUSD", 200, 400, "Params_currency_error", "PEN"),
		out(m{"currency": "РЕN"}).is("CurrencyCyrillic", 200, 400, "Params_currency_error", "PEN"),
		out(m{"currency": "pen"}).is("CurrencyLowerCase", 200, 400, "Params_currency_error", "PEN"),
		out(m{"currency": 604}).is("CurrencyNumber", 200, 400, "Params_currency_error", "string"),
		out(nil, "currency").is("CurrencyMissing", 200, 400, "Params_currency_Required", "currency"),
		out(m{"bankId": 99}).is("BankIdUnknown", 200, 400, "Params_bankId_error", "bankId: 99"),
		out(m{"bankId": 15}).is("BankIdUnpublished", 200, 400, "Params_bankId_error", "bankId: 15"),
		out(m{"bankId": "BCP"}).is("BankIdLetters", 200, 400, "Params_bankId_error", "whole number"),
		out(m{"bankId": -3}).is("BankIdNegative", 200, 400, "Params_bankId_error", "whole number"),
		out(m{"bankId": num("3.5")}).is("BankIdFraction", 200, 400, "Params_bankId_error", "whole number"),
		out(m{"bankId": strings.Repeat("9", 25)}).is("BankIdHuge", 200, 400, "Params_bankId_error", "too large"),
		out(nil, "bankId").is("BankIdMissing", 200, 400, "Params_bankId_Required", "bankId"),
		out(m{"bankId": 28, "accountNo": "1234567890", "cciAccountNo": validCCI("055")}).is("BankWithoutRoute", 200, 503, "Channel_not_available", "PE_RIPLEY"),
		out(m{"bankId": 5, "cciAccountNo": string(badCCI)}).is("CCICheckDigits", 200, 400, "Params_cciAccountNo_error", "check digits"),
		out(m{"bankId": 5, "cciAccountNo": validCCI("054")[:19]}).is("CCIShort", 200, 400, "Params_cciAccountNo_error", "20"),
		out(m{"bankId": 5}).is("CCIMissing", 200, 400, "Params_cciAccountNo_Required", "cciAccountNo"),
		out(m{"idCard": "1234567"}).is("DNISevenDigits", 200, 400, "Params_idCard_error", "8 digits"),
		out(m{"idCard": "1234567A"}).is("DNILetters", 200, 400, "Params_idCard_error", "8 digits"),
		out(m{"idCard": "１２３４５６７８"}).is("DNIFullwidth", 200, 400, "Params_idCard_error", "8 digits"),
		out(m{"idType": "9"}).is("IdTypeUnknown", 200, 400, "Params_idType_error", "idType"),
		out(nil, "idCard").is("IdCardMissing", 200, 400, "Params_idCard_Required", "idCard"),
		out(m{"accountType": 2}).is("AccountTypeTwo", 200, 400, "Params_accountType_error", "Corriente"),
		out(m{"accountType": "savings"}).is("AccountTypeLetters", 200, 400, "Params_accountType_error", "whole number"),
		out(m{"accountNo": "19123456789AB"}).is("AccountNoLetters", 200, 400, "Params_accountNo_error", "accountNo"),
		out(m{"accountNo": "12345678901234"}).is("AccountNoLength", 200, 400, "Params_accountNo_error", "13 digits"),
		out(m{"mchOrderNo": strings.Repeat("m", 33)}).is("MchOrderNo33", 200, 400, "Params_mchOrderNo_error", "32"),
		out(m{"mchOrderNo": "PЕ-1"}).is("MchOrderNoCyrillic", 200, 400, "Params_mchOrderNo_error", "ASCII"),
		out(m{"mchOrderNo": "PE\x001"}).is("MchOrderNoNUL", 200, 400, "Params_mchOrderNo_error", "NUL"),
		out(nil, "mchOrderNo").is("MchOrderNoMissing", 200, 400, "Params_mchOrderNo_Required", "mchOrderNo"),
		out(m{"mchOrderNo": "SETUP-B-PAYOUT"}).is("MchOrderNoReused", 200, 409, "Params_mchOrderNo_repeated", "SETUP-B-PAYOUT"),
		out(nil, "accountName").is("AccountNameMissing", 200, 400, "Params_accountName_Required", "accountName"),
		out(m{"accountName": strings.Repeat("n", 65)}).is("AccountName65", 200, 400, "Params_accountName_error", "64"),
		out(m{"accountName": "Juan\x00Perez"}).is("AccountNameNUL", 200, 400, "Params_accountName_error", "NUL"),
		out(m{"remark": strings.Repeat("r", 129)}).is("Remark129", 200, 400, "Params_remark_error", "128"),
		out(m{"notifyUrl": "ftp://shop.example/"}).is("NotifyURLFTP", 200, 400, "Params_notifyUrl_error", "http"),
		out(m{"notifyUrl": "https://" + strings.Repeat("a", 260) + ".example/"}).is("NotifyURLLong", 200, 400, "Params_notifyUrl_error", "256"),
		out(m{"email": "juan@"}).is("EmailBad", 200, 400, "Params_email_error", "email"),
		in(m{"payType": 411}).is("PayTypeUnknown", 200, 400, "Params_payType_error", "Peru payType"),
		in(m{"payType": "PE_YАPE"}).is("PayTypeCyrillic", 200, 400, "Params_payType_error", "Peru payType"),
		in(nil, "payType").is("PayTypeMissing", 200, 400, "Params_payType_Required", "payType"),
		in(m{"currency": "USD"}).is("PayInCurrency", 200, 400, "Params_currency_error", "PEN"),
		in(m{"amount": "10.001"}).is("PayInAmountThreeDecimals", 200, 400, amt, "two decimal places"),
		in(m{"amount": "-10.00"}).is("PayInAmountNegative", 200, 400, amt, "amount"),
		in(m{"amount": num("1e2")}).is("PayInAmountExponent", 200, 400, amt, "amount"),
		in(m{"expireTime": 10}).is("PayInExpireTimeShort", 200, 400, "Params_expireTime_error", "seconds"),
		in(m{"expireTime": strings.Repeat("9", 30)}).is("PayInExpireTimeHuge", 200, 400, "Params_expireTime_error", "too large"),
		in(m{"reusableStatus": true}).is("PayInReusable", 200, 400, "Params_reusableStatus_error", "only false"),
		in(m{"reusableStatus": "maybe"}).is("PayInReusableMaybe", 200, 400, "Params_reusableStatus_error", "true or false"),
		in(m{"mchOrderNo": "SETUP-B-PAYIN"}).is("PayInMchOrderNoReused", 200, 409, "Params_mchOrderNo_repeated", "SETUP-B-PAYIN"),
		outQ(m{}).is("PayOutQueryNoRef", 200, 400, "Params_orderNo_Required", "mchOrderNo"),
		outQ(m{"orderNo": m{"id": 1}}).is("PayOutQueryOrderNoObject", 200, 400, "Params_orderNo_error", "string"),
		outQ(m{"mchOrderNo": "SETUP-B-PАYOUT"}).is("PayOutQueryLookalike", 200, 404, "Order_not_exist", "not found"),
		outQ(m{"mchOrderNo": "SETUP-B-PAYOUT\x00"}).is("PayOutQueryNUL", 200, 400, "Params_mchOrderNo_error", "NUL"),
		outQ(m{"orderNo": "D1\x00"}).is("PayOutQueryOrderNoNUL", 200, 400, "Params_orderNo_error", "NUL"),
		inQ(m{"mchOrderNo": "NO-SUCH-PAYIN"}).is("PayInQueryUnknown", 200, 404, "Order_not_exist", "not found"),
		inQ(m{"mchOrderNo": "SETUP-B-PAYOUT"}).is("PayInQueryPayoutID", 200, 404, "Order_not_exist", "not found"),
		inQ(m{"orderNo": "C1\x00"}).is("PayInQueryNUL", 200, 400, "Params_orderNo_error", "NUL"),
		k.json("/api/bankListQuery", m{"bankId": 99, "page": -1}).is("BankListExtraFields", 200, 200, "SUCCESS", ""),
	}
}

package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
)

func TestSignB(t *testing.T) {
	t.Parallel()
	// Computed with `printf '{"a":1}key' | md5sum`.
	if got := client.SignB([]byte(`{"a":1}`), "key"); got != "86BB27E1FAA1B7AA1C1C340901EFB2AB" {
		t.Errorf("SignB = %s", got)
	}
	if got := client.SignB(nil, ""); got != "D41D8CD98F00B204E9800998ECF8427E" {
		t.Errorf("SignB of nothing = %s", got)
	}
}

// bCall is what the fake gateway received.
type bCall struct {
	path   string
	header http.Header
	body   map[string]any
	raw    string
}

// fakeB serves answer for every call and records the calls, after checking
// the signature with key.
func fakeB(t *testing.T, key string, answer func(path string) (int, string)) (*httptest.Server, func() []bCall) {
	t.Helper()
	var mu sync.Mutex
	var calls []bCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := bCall{path: r.URL.Path, header: r.Header.Clone(), raw: string(raw)}
		if err := json.Unmarshal(raw, &c.body); err != nil {
			t.Errorf("body %q: %v", raw, err)
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			r.Header.Get("Sign") != client.SignB(raw, key) {
			t.Errorf("%s %s with headers %v", r.Method, r.URL.Path, r.Header)
		}
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		status, body := answer(r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []bCall { mu.Lock(); defer mu.Unlock(); return append([]bCall(nil), calls...) }
}

func TestBClientPayOut(t *testing.T) {
	t.Parallel()
	srv, calls := fakeB(t, "secret", func(string) (int, string) {
		// The seed's query answer: merchantId as a string, amount with one
		// decimal, fee and completionTime null.
		return 200, `{"msg":"SUCCESS","code":200,"data":{"merchantId":"100001","mchOrderNo":"M1656756338536",` +
			`"orderNo":"PAYOUT8231515112790892544","amount":100.0,"fee":null,"orderStatus":"PAYING","completionTime":null,"resultDesc":"SUCCESS"}}`
	})
	c := client.NewB(srv.URL+"/", 100001, "secret", client.BWithHTTPClient(srv.Client()))
	ctx := context.Background()
	p, err := c.PayOut(ctx, client.BPayoutRequest{MchOrderNo: "M1", AccountName: "Rosa", AccountNo: "1912345678901",
		AccountType: 0, Amount: 12_345, BankID: 3, IDType: "1", IDCard: "45678912"})
	want := client.BPayout{MerchantID: 100001, MchOrderNo: "M1656756338536", OrderNo: "PAYOUT8231515112790892544",
		Amount: 10_000, OrderStatus: "PAYING", ResultDesc: "SUCCESS"}
	if err != nil || p != want {
		t.Fatalf("PayOut = %+v, %v; want %+v", p, err, want)
	}
	if _, err := c.PayOutQuery(ctx, "", "M1"); err != nil {
		t.Fatal(err)
	}
	got := calls()
	if len(got) != 2 || got[0].path != "/api/payOut" || got[1].path != "/api/payOutQuery" {
		t.Fatalf("calls %+v", got)
	}
	out := got[0]
	if out.header.Get("MerchantId") != "100001" || !strings.Contains(out.raw, `"amount":123.45,`) ||
		!strings.Contains(out.raw, `"accountType":0,`) || out.body["currency"] != "PEN" || out.body["bankId"] != 3.0 ||
		out.body["cciAccountNo"] != nil || out.body["idCard"] != "45678912" {
		t.Errorf("payOut sent %s", out.raw)
	}
	n1, _ := out.body["nonceStr"].(string)
	n2, _ := got[1].body["nonceStr"].(string)
	if len(n1) != 32 || n1 == n2 || got[1].body["mchOrderNo"] != "M1" || got[1].body["orderNo"] != nil {
		t.Errorf("nonces %q %q, query body %v", n1, n2, got[1].body)
	}
}

func TestBClientErrors(t *testing.T) {
	t.Parallel()
	srv, _ := fakeB(t, "k", func(path string) (int, string) {
		switch path {
		case "/api/getBalance":
			return 200, `{"code":401,"msg":"Sign_verify_error","detail":"Sign: wrong","data":null}`
		case "/api/bankListQuery":
			return 502, `<html>bad gateway</html>`
		}
		return 200, `{"code":200,"msg":"SUCCESS","data":{"amount":"1.005"}}`
	})
	c := client.NewB(srv.URL, 7, "k")
	ctx := context.Background()
	_, err := c.GetBalance(ctx)
	var be *client.BError
	if !errors.As(err, &be) || be.Code != 401 || be.Msg != "Sign_verify_error" || be.Detail != "Sign: wrong" || be.HTTPStatus != 200 ||
		client.BErrorMsg(err) != "Sign_verify_error" || !strings.Contains(err.Error(), "Sign: wrong") {
		t.Errorf("refusal: %#v", err)
	}
	if _, err := c.BankList(ctx); err == nil || client.BErrorMsg(err) != "" || !strings.Contains(err.Error(), "502") {
		t.Errorf("not an answer: %v", err)
	}
	if _, err := c.PayInQuery(ctx, "C1", ""); err == nil || !strings.Contains(err.Error(), "1.005") {
		t.Errorf("a sub-cent amount decoded: %v", err)
	}
	if err := c.Call(ctx, "/api/x", []int{1}, nil); err == nil {
		t.Error("a body that is not an object was sent")
	}
}

// notification returns a dialect B notification as package notify encodes
// it, so that the client is tested against the gateway's own encoder.
func notification(t testing.TB, ev gateway.Event) []byte {
	t.Helper()
	body, err := notify.EncodeDialectB(ev, 100001)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestVerifyBNotification(t *testing.T) {
	t.Parallel()
	done := time.Date(2024, 8, 8, 13, 8, 8, 0, time.UTC)
	payout := notification(t, gateway.Event{Kind: "payout", MerchantID: "M1", TransactionID: "D1656505190221611009",
		MchOrderID: "pe-1", Currency: "PEN", Amount: 12_345, Fee: 162, Status: gateway.StatusCompleted, ReturnTime: done})
	n, err := client.VerifyBNotification(payout, client.SignB(payout, "new"), "old", "new")
	want := client.BPayout{MerchantID: 100001, MchOrderNo: "pe-1", OrderNo: "D1656505190221611009", Amount: 12_345, Fee: 162,
		OrderStatus: "SUCCESS", ResultDesc: "SUCCESS", CompletionTime: "2024-08-08 08:08:08"}
	if err != nil || n.BPayout != want || n.Kind != "payout" || string(n.Raw) != string(payout) {
		t.Fatalf("payout notification: %+v, %v; want %+v", n, err, want)
	}
	// Lower case, and the old key of a rotation.
	if _, err := client.VerifyBNotification(payout, strings.ToLower(client.SignB(payout, "old")), "old", "new"); err != nil {
		t.Errorf("old key: %v", err)
	}
	payin := notification(t, gateway.Event{Kind: "payment", MerchantID: "M1", TransactionID: "C1032653961085706055",
		MchOrderID: "in-1", Currency: "PEN", Amount: 5_000, Status: gateway.StatusExpired, ReturnTime: done})
	n, err = client.VerifyBNotification(payin, client.SignB(payin, "k"), "k")
	if err != nil || n.Kind != "payin" || n.OrderStatus != "FAIL" || n.ResultDesc != "ORDER_EXPIRED" || n.Amount != 5_000 || n.Fee != 0 {
		t.Errorf("pay-in notification: %+v, %v", n, err)
	}

	tampered := []byte(strings.Replace(string(payout), "123.45", "923.45", 1))
	for name, tc := range map[string]struct {
		body []byte
		sign string
		keys []string
		err  error
	}{
		"Tampered":  {tampered, client.SignB(payout, "k"), []string{"k"}, client.ErrSignature},
		"WrongKey":  {payout, client.SignB(payout, "other"), []string{"k"}, client.ErrSignature},
		"NoKeys":    {payout, client.SignB(payout, ""), nil, client.ErrSignature},
		"NotHex":    {payout, "xyz", []string{"k"}, client.ErrSignature},
		"Array":     {[]byte(`[]`), client.SignB([]byte(`[]`), "k"), []string{"k"}, client.ErrMalformed},
		"NoOrderNo": {[]byte(`{"orderStatus":"SUCCESS"}`), client.SignB([]byte(`{"orderStatus":"SUCCESS"}`), "k"), []string{"k"}, client.ErrMalformed},
		"BadAmount": {[]byte(`{"orderNo":"D1","orderStatus":"FAIL","amount":"x"}`), client.SignB([]byte(`{"orderNo":"D1","orderStatus":"FAIL","amount":"x"}`), "k"), []string{"k"}, client.ErrMalformed},
		"Null":      {[]byte(`null`), client.SignB([]byte(`null`), "k"), []string{"k"}, client.ErrMalformed},
	} {
		if _, err := client.VerifyBNotification(tc.body, tc.sign, tc.keys...); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", name, err, tc.err)
		}
	}
}

func TestBNotificationHandler(t *testing.T) {
	t.Parallel()
	body := notification(t, gateway.Event{Kind: "payout", TransactionID: "D1", MchOrderID: "pe-1", Currency: "PEN",
		Amount: 1_000, Status: gateway.StatusFailed, FailedCode: gateway.FailedDestination})
	var got []client.BNotification
	fail := false
	h := client.BNotificationHandler(func(_ context.Context, n client.BNotification) error {
		if fail {
			return errors.New("database down")
		}
		got = append(got, n)
		return nil
	}, "k")
	post := func(sign string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(string(body)))
		req.Header.Set("MerchantId", "100001")
		req.Header.Set("Sign", sign)
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, text := post(client.SignB(body, "k")); code != 200 || text != "SUCCESS" || len(got) != 1 ||
		got[0].OrderStatus != "FAIL" || got[0].ResultDesc != "INVALID_BANK_ACCOUNT" {
		t.Errorf("good notification: %d %q %+v", code, text, got)
	}
	if code, text := post(client.SignB(body, "x")); code != 401 || text != "FAIL" || len(got) != 1 {
		t.Errorf("bad signature: %d %q", code, text)
	}
	fail = true
	if code, text := post(client.SignB(body, "k")); code != 500 || text != "FAIL" {
		t.Errorf("callback error: %d %q", code, text)
	}
}

// FuzzVerifyBNotification checks that a notification verifies exactly when
// signed with one of the keys, and that what verifies decodes to values
// that keep their invariants.
func FuzzVerifyBNotification(f *testing.F) {
	f.Add([]byte(`{"orderStatus":"SUCCESS","amount":100.0,"fee":0,"mchOrderNo":"2a64","merchantId":"100001","orderNo":"PAYOUT83","completionTime":"2022-08-08 08:08:08","resultDesc":"SUCCESS"}`), "k", "k", false)
	f.Add([]byte(`{"orderStatus":"PAYING","amount":"1.5000","fee":null,"orderNo":"C1","merchantId":7,"payType":"601","payCode":123}`), "k", "j", true)
	f.Add([]byte(`{"orderNo":"D1","orderStatus":"FAIL","amount":-1}`), "", "", false)
	f.Add([]byte(`{"orderNo":"D1","orderStatus":"FAIL","amount":1e2,"merchantId":1.5}`), "k", "k", true)
	f.Add([]byte(`[]`), "k", "k", false)
	f.Fuzz(func(t *testing.T, body []byte, key, other string, lower bool) {
		sign := client.SignB(body, key)
		if lower {
			sign = strings.ToLower(sign)
		}
		n, err := client.VerifyBNotification(body, sign, other, key)
		if errors.Is(err, client.ErrSignature) {
			t.Fatalf("a notification signed with one of the keys failed the signature: %v", err)
		}
		if err == nil {
			if n.OrderNo == "" || n.OrderStatus == "" || n.Amount < 0 || n.Fee < 0 ||
				(n.Kind == "payin") != strings.HasPrefix(n.OrderNo, "C") || string(n.Raw) != string(body) {
				t.Fatalf("decoded %+v from %q", n, body)
			}
		} else if !errors.Is(err, client.ErrMalformed) {
			t.Fatalf("error %v is neither ErrSignature nor ErrMalformed", err)
		}
		if other != key && client.SignB(body, other) != client.SignB(body, key) {
			if _, err := client.VerifyBNotification(body, sign, other); !errors.Is(err, client.ErrSignature) {
				t.Fatalf("verified with a key that did not sign it: %v", err)
			}
		}
	})
}

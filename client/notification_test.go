package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// seed001Param is the param of seed 001's notification.
const seed001Param = `{"amount":100,"countryCode":"PH","createTime":"2024-07-19T14:14:47+08:00","currency":"PHP","eventName":"disbursement.failed","failedCode":-10004,"failedMessage":"Transaction Channel Rejected","mchOrderId":"10e1369686110330100","returnTime":"2024-07-19T14:15:01+08:00","transactionId":"DU514182073259261952","transactionStatus":"FAILED"}`

func signedBody(t testing.TB, param string, key *rsa.PrivateKey) []byte {
	t.Helper()
	b, err := SignNotification([]byte(param), key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyNotification(t *testing.T) {
	t.Parallel()
	pub := &testKey().PublicKey
	good := signedBody(t, seed001Param, testKey())

	t.Run("OK", func(t *testing.T) {
		n, err := VerifyNotification(good, pub)
		if err != nil {
			t.Fatal(err)
		}
		want := Notification{
			EventName: EventPayoutFailed, MchOrderID: "10e1369686110330100", TransactionID: "DU514182073259261952",
			CountryCode: "PH", Currency: "PHP", Amount: 100, TransactionStatus: StatusFailed,
			CreateTime: "2024-07-19T14:14:47+08:00", ReturnTime: "2024-07-19T14:15:01+08:00",
			FailedCode: -10004, FailedMessage: "Transaction Channel Rejected",
		}
		if string(n.Raw) != seed001Param {
			t.Errorf("Raw = %s", n.Raw)
		}
		n.Raw = nil
		if !equalNotification(n, want) {
			t.Errorf("got %+v\nwant %+v", n, want)
		}
	})

	var env struct{ Param, Sign string }
	if err := json.Unmarshal(good, &env); err != nil {
		t.Fatal(err)
	}
	reenc := func(param, sign string) []byte {
		b, _ := json.Marshal(map[string]string{"param": param, "sign": sign})
		return b
	}
	sig, _ := base64.StdEncoding.DecodeString(env.Sign)
	sig[10] ^= 1
	for _, tc := range []struct {
		name string
		body []byte
		key  *rsa.PublicKey
		want error
	}{
		{"TamperedParam", reenc(strings.Replace(env.Param, `"amount":100`, `"amount":1000`, 1), env.Sign), pub, ErrSignature},
		{"ParamWithSpace", reenc(env.Param+" ", env.Sign), pub, ErrSignature},
		{"TamperedSign", reenc(env.Param, base64.StdEncoding.EncodeToString(sig)), pub, ErrSignature},
		{"SignNotBase64", reenc(env.Param, "%%%"), pub, ErrSignature},
		{"EmptySign", reenc(env.Param, ""), pub, ErrSignature},
		{"WrongKey", good, &otherKey().PublicKey, ErrSignature},
		{"NilKey", good, nil, ErrSignature},
		{"NotJSON", []byte("param=x&sign=y"), pub, ErrMalformed},
		{"Null", []byte("null"), pub, ErrMalformed},
		{"NoSign", []byte(`{"param":"{}"}`), pub, ErrMalformed},
		{"SignedNonObject", signedBody(t, `[1,2]`, testKey()), pub, ErrMalformed},
		{"SignedBadAmount", signedBody(t, `{"amount":"100"}`, testKey()), pub, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyNotification(tc.body, tc.key)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// seed003Param is the param of seed 003's payment notification, as the seed
// shows it (its times are not ISO-8601; the gateway's are).
const seed003Param = `{"eventName":"order.payment.success","amount":50000,"channelCode":"ID_BCA_VA","mchOrderId":"Platform653350151938813","createTime":"2023-01-01 09:38:06","remark":"test payment","sign":"xxxxxxxxxxxxx","returnTime":"2023-01-01 09:40:06","transactionId":"C1032653961085706055","transactionStatus":"COMPLETED"}`

func TestVerifyPaymentNotification(t *testing.T) {
	t.Parallel()
	pub := &testKey().PublicKey
	n, err := VerifyNotification(signedBody(t, seed003Param, testKey()), pub)
	if err != nil {
		t.Fatal(err)
	}
	want := Notification{
		EventName: EventPaymentSuccess, MchOrderID: "Platform653350151938813", TransactionID: "C1032653961085706055",
		Amount: 50000, TransactionStatus: StatusCompleted, CreateTime: "2023-01-01 09:38:06",
		ReturnTime: "2023-01-01 09:40:06", Remark: "test payment", ChannelCode: "ID_BCA_VA",
	}
	if !equalNotification(n, want) {
		t.Errorf("got %+v\nwant %+v", n, want)
	}

	// What the gateway adds for payments: the paid amount and a flag.
	param := `{"amount":20000,"channelCode":"PH_GCASH","countryCode":"PH","createTime":"2024-07-19T14:14:47+08:00",` +
		`"currency":"PHP","eventName":"order.payment.success","fee":325,"flag":"UNDERPAID","mchOrderId":"o1",` +
		`"paidAmount":15000,"returnTime":"2024-07-19T14:15:01+08:00","transactionId":"C1","transactionStatus":"COMPLETED"}`
	n, err = VerifyNotification(signedBody(t, param, testKey()), pub)
	if err != nil {
		t.Fatal(err)
	}
	if n.PaidAmount != 15000 || n.Flag != FlagUnderpaid || n.ChannelCode != "PH_GCASH" || n.Fee != 325 || n.Amount != 20000 {
		t.Errorf("got %+v", n)
	}
	expired := `{"amount":10000,"channelCode":"PH_QRPH_DYNAMIC","eventName":"order.payment.expired","mchOrderId":"o2",` +
		`"transactionId":"C2","transactionStatus":"EXPIRED"}`
	n, err = VerifyNotification(signedBody(t, expired, testKey()), pub)
	if err != nil || n.EventName != EventPaymentExpired || n.TransactionStatus != StatusExpired || n.PaidAmount != 0 || n.Flag != "" {
		t.Errorf("got %+v, %v", n, err)
	}
	// A payout's notification leaves the payment fields out when re-encoded.
	n, _ = VerifyNotification(signedBody(t, seed001Param, testKey()), pub)
	n.Raw = nil
	b, _ := json.Marshal(n)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, f := range []string{"channelCode", "paidAmount", "flag"} {
		if _, ok := m[f]; ok {
			t.Errorf("payout notification encodes %s: %s", f, b)
		}
	}
}

func equalNotification(a, b Notification) bool {
	a.Raw, b.Raw = nil, nil
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestNotificationHandler(t *testing.T) {
	t.Parallel()
	pub := &testKey().PublicKey
	good := signedBody(t, seed001Param, testKey())
	forged := signedBody(t, seed001Param, otherKey())
	failing := func(context.Context, Notification) error { return errors.New("database down") }
	var seen []string
	recording := func(_ context.Context, n Notification) error {
		seen = append(seen, n.TransactionID)
		return nil
	}
	for _, tc := range []struct {
		name     string
		method   string
		body     []byte
		fn       func(context.Context, Notification) error
		status   int
		wantCode int
	}{
		{"OK", http.MethodPost, good, recording, 200, CodeSuccess},
		{"NilFn", http.MethodPost, good, nil, 200, CodeSuccess},
		{"BadSignature", http.MethodPost, forged, recording, 401, CodeSignError},
		{"FnFails", http.MethodPost, good, failing, 500, CodeServerError},
		{"Malformed", http.MethodPost, []byte("{"), recording, 400, CodeParamError},
		{"TooLarge", http.MethodPost, bytes.Repeat([]byte(" "), maxNotificationBytes+1), recording, 413, CodeParamError},
		{"Get", http.MethodGet, nil, recording, 405, CodeParamError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(NotificationHandler(pub, tc.fn))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL, bytes.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				Code    int
				Message string
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || got.Code != tc.wantCode {
				t.Errorf("got HTTP %d code %d (%s), want HTTP %d code %d", resp.StatusCode, got.Code, got.Message, tc.status, tc.wantCode)
			}
			if tc.wantCode == CodeSuccess && got.Message != "Success" {
				t.Errorf("message %q, want Success", got.Message)
			}
		})
	}
	if len(seen) != 1 || seen[0] != "DU514182073259261952" {
		t.Errorf("fn saw %v, want only the validly signed notification", seen)
	}
}

// FuzzVerifyNotification feeds arbitrary bodies to VerifyNotification: it
// must never panic, and it must accept only bodies whose sign is the testdata
// key's signature over param (PKCS #1 v1.5 signatures are deterministic, so
// the accepted signature must equal a fresh one).
func FuzzVerifyNotification(f *testing.F) {
	key := testKey()
	f.Add(signedBody(f, seed001Param, key))
	f.Add(signedBody(f, seed003Param, key))
	f.Add(signedBody(f, `{"eventName":"disbursement.success","amount":5,"fee":1}`, key))
	f.Add(signedBody(f, `{}`, key))
	f.Add([]byte(`{"param":"{}","sign":""}`))
	f.Add([]byte(`{"param":null,"sign":null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := VerifyNotification(body, &key.PublicKey)
		if err != nil {
			if !errors.Is(err, ErrSignature) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v wraps neither ErrSignature nor ErrMalformed", err)
			}
			return
		}
		var env struct{ Param, Sign string }
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("accepted a body that does not decode: %v", err)
		}
		got, _ := base64.StdEncoding.DecodeString(env.Sign)
		digest := sha256.Sum256([]byte(env.Param))
		want, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("accepted a signature the key did not make: %q", body)
		}
		if string(n.Raw) != env.Param {
			t.Fatalf("Raw %q is not the signed param %q", n.Raw, env.Param)
		}
	})
}

package client

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the fixed key in testdata: the fuzz corpus carries signatures
// made with it, so it must not change.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	b, err := os.ReadFile("testdata/platform_key.pem")
	if err != nil {
		panic(err)
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		panic(err)
	}
	return k
})

// otherKey is a second key, for signatures that must not verify.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// received is what the fake gateway saw of one call.
type received struct {
	path  string
	appID string
	param map[string]any
	raw   string
}

// fakeGateway verifies each envelope with pub, as the gateway does, and
// answers with respond's status and body.
func fakeGateway(t *testing.T, pub *rsa.PublicKey, respond func(received) (int, string)) (*httptest.Server, *[]received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct{ AppID, Param, Sign string }
		if err := json.NewDecoder(r.Body).Decode(&env); err != nil {
			t.Errorf("envelope: %v", err)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" || r.Method != http.MethodPost {
			t.Errorf("got %s with Content-Type %q, want a JSON POST", r.Method, ct)
		}
		sig, err := base64.StdEncoding.DecodeString(env.Sign)
		if err != nil {
			t.Errorf("sign is not base64: %v", err)
		}
		digest := sha256.Sum256([]byte(env.Param))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			t.Errorf("signature does not verify: %v", err)
		}
		rc := received{path: r.URL.Path, appID: env.AppID, raw: env.Param}
		dec := json.NewDecoder(strings.NewReader(env.Param))
		dec.UseNumber()
		if err := dec.Decode(&rc.param); err != nil {
			t.Errorf("param: %v", err)
		}
		mu.Lock()
		got = append(got, rc)
		mu.Unlock()
		status, body := respond(rc)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestDo(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1_700_000_000_123)
	clock := WithClock(func() time.Time { return now })

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		srv, got := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":{"countryCode":"PH","currency":"PHP","balance":"1234.50","availableAmount":123450,"pendingAmount":1,"heldAmount":2}}`
		})
		c := New(srv.URL+"/", "app-1", testKey(), clock)
		b, err := c.Balance(context.Background(), "PH")
		if err != nil {
			t.Fatal(err)
		}
		want := Balance{CountryCode: "PH", Currency: "PHP", Balance: "1234.50", AvailableAmount: 123450, PendingAmount: 1, HeldAmount: 2}
		if b != want {
			t.Errorf("got %+v, want %+v", b, want)
		}
		rc := (*got)[0]
		if rc.path != PathBalance || rc.appID != "app-1" {
			t.Errorf("got path %q appId %q", rc.path, rc.appID)
		}
		if ts := rc.param["timestamp"]; ts != json.Number("1700000000123") {
			t.Errorf("timestamp = %#v, want the clock's milliseconds as a number", ts)
		}
		if rc.param["countryCode"] != "PH" {
			t.Errorf("countryCode = %v", rc.param["countryCode"])
		}
	})

	t.Run("StructKeepsFieldOrderAndTimestamp", func(t *testing.T) {
		t.Parallel()
		srv, got := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":null}`
		})
		c := New(srv.URL, "app-1", testKey(), clock)
		param := struct {
			B         string `json:"b"`
			A         string `json:"a"`
			Timestamp string `json:"timestamp"`
		}{"2", "1", "42"}
		if err := c.Do(context.Background(), "/x", param, nil); err != nil {
			t.Fatal(err)
		}
		if raw := (*got)[0].raw; raw != `{"b":"2","a":"1","timestamp":"42"}` {
			t.Errorf("param sent as %s", raw)
		}
	})

	t.Run("EmptyObject", func(t *testing.T) {
		t.Parallel()
		srv, got := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":{}}`
		})
		c := New(srv.URL, "app-1", testKey(), clock)
		if err := c.Do(context.Background(), "/x", map[string]any{}, nil); err != nil {
			t.Fatal(err)
		}
		if raw := (*got)[0].raw; raw != `{"timestamp":1700000000123}` {
			t.Errorf("param sent as %s", raw)
		}
	})

	t.Run("NotAnObject", func(t *testing.T) {
		t.Parallel()
		c := New("http://127.0.0.1:1", "app-1", testKey())
		if err := c.Do(context.Background(), "/x", []int{1}, nil); err == nil {
			t.Error("an array param was accepted")
		}
	})
}

func TestDoErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantCode int
	}{
		{"ParamError", 200, `{"code":21002,"message":"amount: must be an integer number of minor units","data":null}`, CodeParamError},
		{"NotFound", 200, `{"code":21010,"message":"transaction not found","data":null}`, CodeNotFound},
		{"Unavailable", 503, `{"code":21000,"message":"try again","data":null}`, CodeServerError},
		{"TooLarge", 413, `{"code":21002,"message":"request body exceeds 65536 bytes","data":null}`, CodeParamError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) { return tc.status, tc.body })
			_, err := New(srv.URL, "a", testKey()).CheckPayout(context.Background(), CheckRequest{MchOrderID: "o1", CountryCode: "PH"})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v, want an *APIError", err)
			}
			var want struct{ Message string }
			_ = json.Unmarshal([]byte(tc.body), &want)
			if ae.Code != tc.wantCode || ae.HTTPStatus != tc.status || ae.Message != want.Message {
				t.Errorf("got %+v, want code %d status %d message %q", ae, tc.wantCode, tc.status, want.Message)
			}
			if ErrorCode(err) != tc.wantCode {
				t.Errorf("ErrorCode = %d", ErrorCode(err))
			}
		})
	}

	t.Run("NotAnAPIResponse", func(t *testing.T) {
		t.Parallel()
		srv, _ := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) { return 502, "<html>bad gateway</html>" })
		_, err := New(srv.URL, "a", testKey()).Balance(context.Background(), "PH")
		if err == nil || ErrorCode(err) != 0 || !strings.Contains(err.Error(), "HTTP 502") {
			t.Errorf("got %v, want a plain error naming HTTP 502", err)
		}
	})

	t.Run("BadData", func(t *testing.T) {
		t.Parallel()
		srv, _ := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":{"amount":"ten"}}`
		})
		_, err := New(srv.URL, "a", testKey()).CheckPayout(context.Background(), CheckRequest{MchOrderID: "o", CountryCode: "PH"})
		if err == nil || ErrorCode(err) != 0 {
			t.Errorf("got %v, want a decoding error", err)
		}
	})
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	c := New("http://x", "app-9", testKey())
	param := []byte(`{"countryCode":"PH","timestamp":1}`)
	body, err := c.Envelope(param)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if env["appId"] != "app-9" || env["param"] != string(param) {
		t.Errorf("envelope %s", body)
	}
	if !verify(&testKey().PublicKey, param, env["sign"]) {
		t.Error("envelope's sign does not verify over param")
	}
	if verify(&otherKey().PublicKey, param, env["sign"]) {
		t.Error("sign verifies with another key")
	}
}

func TestParseKeys(t *testing.T) {
	t.Parallel()
	k := testKey()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pkix, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	for name, p := range map[string][]byte{
		"PKCS1": enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)),
		"PKCS8": enc("PRIVATE KEY", pkcs8),
	} {
		got, err := ParsePrivateKey(p)
		if err != nil || !got.Equal(k) {
			t.Errorf("%s private key: %v", name, err)
		}
	}
	for name, p := range map[string][]byte{
		"PKIX":  enc("PUBLIC KEY", pkix),
		"PKCS1": enc("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.PublicKey)),
	} {
		got, err := ParsePublicKey(p)
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Errorf("%s public key: %v", name, err)
		}
	}
	for name, p := range map[string][]byte{
		"NotPEM":       []byte("hello"),
		"WrongType":    enc("CERTIFICATE", []byte{1, 2}),
		"Garbage":      enc("RSA PRIVATE KEY", []byte{1, 2}),
		"PublicAsPriv": enc("PUBLIC KEY", pkix),
	} {
		if _, err := ParsePrivateKey(p); err == nil {
			t.Errorf("%s: ParsePrivateKey accepted it", name)
		}
		if _, err := ParsePublicKey(p); err == nil && name != "PublicAsPriv" {
			t.Errorf("%s: ParsePublicKey accepted it", name)
		}
	}
}

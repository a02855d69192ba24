package open

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// fuzzKey is the fixed merchant key in testdata: the committed fuzz corpus
// carries signatures made with it, so it must not change.
var fuzzKey = sync.OnceValue(func() *rsa.PrivateKey {
	b, err := os.ReadFile("testdata/merchant_key.pem")
	if err != nil {
		panic(err)
	}
	k, err := client.ParsePrivateKey(b)
	if err != nil {
		panic(err)
	}
	return k
})

func signB64(t testing.TB, key *rsa.PrivateKey, msg string) string {
	t.Helper()
	digest := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func envelopeBody(t testing.TB, appID, param, sign string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{"appId": appID, "param": param, "sign": sign})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func codeOf(err error) int {
	code, _, _ := classify(err)
	return code
}

func TestDecodeEnvelope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		want string // the error message; "" for success
	}{
		{"OK", `{"appId":"a","param":"{}","sign":"s","extra":1}`, ""},
		{"MissingAppIDIsLeftToLookup", `{"param":"{}","sign":"s"}`, ""},
		{"NotJSON", `appId=a`, "body: must be a JSON object with appId, param and sign"},
		{"Null", `null`, "body: must be a JSON object with appId, param and sign"},
		{"Array", `[]`, "body: must be a JSON object with appId, param and sign"},
		{"Trailing", `{"appId":"a","param":"{}","sign":"s"} x`, "body: must be a JSON object with appId, param and sign"},
		{"AppIDNumber", `{"appId":1,"param":"{}","sign":"s"}`, "appId: must be a string"},
		{"ParamObject", `{"appId":"a","param":{},"sign":"s"}`, "param: must be a string"},
		{"ParamMissing", `{"appId":"a","sign":"s"}`, "param: is required"},
		{"ParamEmpty", `{"appId":"a","param":"","sign":"s"}`, "param: is required"},
		{"SignMissing", `{"appId":"a","param":"{}"}`, "sign: is required"},
		{"SignNumber", `{"appId":"a","param":"{}","sign":5}`, "sign: must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeEnvelope([]byte(tc.body))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want || codeOf(err) != codeParamError):
				t.Errorf("got %v (code %d), want 21002 %q", err, codeOf(err), tc.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key := fuzzKey()
	param := `{"countryCode":"PH","timestamp":1}`
	fallback := "appId=app1&param=" + param
	for _, tc := range []struct {
		name string
		env  envelope
		ok   bool
	}{
		{"OK", envelope{"app1", param, signB64(t, key, param)}, true},
		{"Fallback", envelope{"app1", param, signB64(t, key, fallback)}, true},
		{"RawBase64", envelope{"app1", param, strings.TrimRight(signB64(t, key, param), "=")}, true},
		{"FallbackOtherApp", envelope{"app2", param, signB64(t, key, fallback)}, false},
		{"TamperedParam", envelope{"app1", param + " ", signB64(t, key, param)}, false},
		{"OtherKey", envelope{"app1", param, signB64(t, otherKey(), param)}, false},
		{"NotBase64", envelope{"app1", param, "%%%"}, false},
		{"Short", envelope{"app1", param, "AAAA"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.env.verify(&key.PublicKey)
			if tc.ok != (err == nil) {
				t.Fatalf("verify = %v, want ok %v", err, tc.ok)
			}
			if err != nil && codeOf(err) != codeSignError {
				t.Errorf("code %d, want 21001", codeOf(err))
			}
		})
	}
}

// FuzzEnvelope runs arbitrary bodies through the envelope's decoder and
// verifier and then the param checks: nothing may panic, errors carry the
// envelope's codes, and a body passes verification only when its sign is the
// testdata key's signature over param or over the appId=&param= form (PKCS #1
// v1.5 signatures are deterministic, so a fresh signature must equal it).
func FuzzEnvelope(f *testing.F) {
	key := fuzzKey()
	param := `{"countryCode":"PH","mchOrderId":"o1","timestamp":1700000000000}`
	f.Add(envelopeBody(f, "app1", param, signB64(f, key, param)))
	f.Add(envelopeBody(f, "app1", param, signB64(f, key, "appId=app1&param="+param)))
	f.Add(envelopeBody(f, "app1", `[]`, signB64(f, key, `[]`)))
	f.Add(envelopeBody(f, "app1", `{"timestamp":"17x"}`, signB64(f, key, `{"timestamp":"17x"}`)))
	f.Add(envelopeBody(f, "app1", param, "AAAA"))
	f.Add([]byte(`{"appId":"a","param":"{}","sign":""}`))
	f.Add([]byte(`null`))
	now := time.UnixMilli(1700000000000)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := decodeEnvelope(body)
		if err != nil {
			if codeOf(err) != codeParamError {
				t.Fatalf("decode error %v has code %d, want 21002", err, codeOf(err))
			}
			return
		}
		if err := env.verify(&key.PublicKey); err != nil {
			if codeOf(err) != codeSignError {
				t.Fatalf("verify error %v has code %d, want 21001", err, codeOf(err))
			}
			return
		}
		sig, err := base64.StdEncoding.DecodeString(env.Sign)
		if err != nil {
			sig, _ = base64.RawStdEncoding.DecodeString(env.Sign)
		}
		direct := signB64(t, key, env.Param)
		fallback := signB64(t, key, "appId="+env.AppID+"&param="+env.Param)
		if got := base64.StdEncoding.EncodeToString(sig); got != direct && got != fallback {
			t.Fatalf("accepted a signature the key did not make: %q", body)
		}
		p, err := parseParams(env.Param)
		if err != nil {
			return
		}
		if err := checkTimestamp(p, now, 5*time.Minute); err != nil {
			if c := codeOf(err); c != codeParamError && c != codeTimestampInvalid && c != codeTimestampExpired {
				t.Fatalf("timestamp error %v has code %d", err, c)
			}
		}
	})
}

func TestParams(t *testing.T) {
	t.Parallel()
	p, err := parseParams(`{"s":"x","n":5,"neg":-3,"zero":0,"str":"0042","frac":1.5,"exp":1e3,` +
		`"negstr":"-1","empty":"","big":92233720368547758070,"null":null,"bool":true,"space":" 5"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		want  int64
		code  int
		msg   string
	}{
		{"n", 5, 0, ""},
		{"neg", -3, 0, ""},
		{"zero", 0, 0, ""},
		{"str", 42, 0, ""},
		{"frac", 0, codeParamError, "frac: must be an integer number of minor units"},
		{"exp", 0, codeParamError, "exp: must be an integer number of minor units"},
		{"negstr", 0, codeParamError, "negstr: must be an integer number of minor units"},
		{"empty", 0, codeParamError, "empty: must be an integer number of minor units"},
		{"bool", 0, codeParamError, "bool: must be an integer number of minor units"},
		{"space", 0, codeParamError, "space: must be an integer number of minor units"},
		{"s", 0, codeParamError, "s: must be an integer number of minor units"},
		{"big", 0, codeAmount, "big: is too large"},
		{"null", 0, codeParamError, "null: is required"},
		{"absent", 0, codeParamError, "absent: is required"},
	} {
		n, err := p.amount(tc.field)
		switch {
		case tc.code == 0 && (err != nil || n != tc.want):
			t.Errorf("amount(%s) = %d, %v; want %d", tc.field, n, err, tc.want)
		case tc.code != 0 && (err == nil || codeOf(err) != tc.code || err.Error() != tc.msg):
			t.Errorf("amount(%s) error %v (code %d), want %d %q", tc.field, err, codeOf(err), tc.code, tc.msg)
		}
	}
	for field, want := range map[string]string{"s": "", "empty": "", "absent": "", "null": "", "space": ""} {
		got, err := p.str(field)
		if err != nil || (field == "s" && got != "x") || (field == "space" && got != " 5") || (want != "" && got != want) {
			t.Errorf("str(%s) = %q, %v", field, got, err)
		}
	}
	for _, field := range []string{"n", "bool", "frac"} {
		if _, err := p.str(field); err == nil || err.Error() != field+": must be a string" || codeOf(err) != codeParamError {
			t.Errorf("str(%s) error %v", field, err)
		}
	}
	for _, tc := range []struct {
		field string
		want  time.Time
		ok    bool
	}{
		{"n", time.UnixMilli(5), true},
		{"str", time.UnixMilli(42), true},
		{"zero", time.UnixMilli(0), true},
		{"absent", time.Time{}, true},
		{"null", time.Time{}, true},
		{"neg", time.Time{}, false},
		{"negstr", time.Time{}, false},
		{"frac", time.Time{}, false},
		{"exp", time.Time{}, false},
		{"empty", time.Time{}, false},
		{"space", time.Time{}, false},
		{"bool", time.Time{}, false},
		{"big", time.Time{}, false},
	} {
		got, err := p.instant(tc.field)
		switch {
		case tc.ok && (err != nil || !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero()):
			t.Errorf("instant(%s) = %v, %v; want %v", tc.field, got, err, tc.want)
		case !tc.ok && (err == nil || codeOf(err) != codeParamError ||
			err.Error() != tc.field+": must be milliseconds since the epoch, as a number or a string of digits"):
			t.Errorf("instant(%s) error %v (code %d)", tc.field, err, codeOf(err))
		}
	}
	for _, bad := range []string{`[]`, `"{}"`, `null`, `{`, ``, `{} {}`} {
		if _, err := parseParams(bad); err == nil || err.Error() != "param: must be a JSON object" {
			t.Errorf("parseParams(%q) = %v", bad, err)
		}
	}
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1_700_000_000_000)
	window := 5 * time.Minute
	for _, tc := range []struct {
		name  string
		param string
		code  int
	}{
		{"Number", `{"timestamp":1700000000000}`, 0},
		{"String", `{"timestamp":"1700000000000"}`, 0},
		{"EdgePast", `{"timestamp":1699999700000}`, 0},
		{"EdgeFuture", `{"timestamp":1700000300000}`, 0},
		{"Missing", `{}`, codeParamError},
		{"Null", `{"timestamp":null}`, codeParamError},
		{"Fraction", `{"timestamp":1700000000000.5}`, codeTimestampInvalid},
		{"Letters", `{"timestamp":"17000x"}`, codeTimestampInvalid},
		{"Negative", `{"timestamp":-1}`, codeTimestampInvalid},
		{"Bool", `{"timestamp":true}`, codeTimestampInvalid},
		{"Huge", `{"timestamp":99999999999999999999}`, codeTimestampInvalid},
		{"Stale", `{"timestamp":1699999699999}`, codeTimestampExpired},
		{"Future", `{"timestamp":1700000300001}`, codeTimestampExpired},
		{"Seconds", `{"timestamp":1700000000}`, codeTimestampExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseParams(tc.param)
			if err != nil {
				t.Fatal(err)
			}
			err = checkTimestamp(p, now, window)
			if (tc.code == 0) != (err == nil) || (err != nil && codeOf(err) != tc.code) {
				t.Errorf("got %v (code %d), want code %d", err, codeOf(err), tc.code)
			}
		})
	}
	p, _ := parseParams(`{"timestamp":1}`)
	if err := checkTimestamp(p, now, window); err == nil || !strings.Contains(err.Error(), "±5m0s") {
		t.Errorf("expired message %v does not state the window", err)
	}
	p, _ = parseParams(`{}`)
	if err := checkTimestamp(p, now, window); err == nil || err.Error() != "timestamp: is required" {
		t.Errorf("missing message %v", err)
	}
}

// FuzzParams decodes arbitrary param documents and reads every kind of field:
// nothing may panic, errors carry param codes, and every value returned
// agrees with an independent reading of the JSON.
func FuzzParams(f *testing.F) {
	for _, s := range []string{
		`{"amount":100,"mchOrderId":"o1","timestamp":"1700000000000"}`,
		`{"amount":"0042","timestamp":1.5}`, `{"amount":-1}`, `{"amount":1e2}`,
		`{"amount":92233720368547758070}`, `{"amount":null,"mchOrderId":7}`,
		`{"mchOrderId":"\u00e9\ud800"}`, `[]`, `null`, `{"a":{"b":[1,2]}}`,
		`{"expireTime":1700000600000,"amount":100}`, `{"expireTime":"1700000600000"}`,
		`{"expireTime":"-1","timestamp":-1}`, `{"expireTime":1.7e12}`, `{"expireTime":""}`,
	} {
		f.Add(s)
	}
	now := time.UnixMilli(1_700_000_000_000)
	f.Fuzz(func(t *testing.T, param string) {
		p, err := parseParams(param)
		if err != nil {
			if codeOf(err) != codeParamError {
				t.Fatalf("parse error %v has code %d", err, codeOf(err))
			}
			return
		}
		if err := checkTimestamp(p, now, time.Minute); err != nil {
			if c := codeOf(err); c != codeParamError && c != codeTimestampInvalid && c != codeTimestampExpired {
				t.Fatalf("timestamp error %v has code %d", err, c)
			}
		}
		for field, raw := range p {
			checkStr(t, p, field, raw)
			checkAmount(t, p, field, raw)
			checkInstant(t, p, field, raw)
		}
	})
}

// checkInstant reads field as milliseconds since the epoch: only unsigned
// digits, as a number or a string, that fit an int64 are accepted, and a
// malformed one is a 21002 that names the field.
func checkInstant(t *testing.T, p params, field string, raw json.RawMessage) {
	got, err := p.instant(field)
	text := string(raw)
	if raw[0] == '"' {
		_ = json.Unmarshal(raw, &text)
	}
	n, ok := new(big.Int).SetString(text, 10)
	valid := ok && text != "" && text[0] != '+' && text[0] != '-' && n.IsInt64()
	switch {
	case string(raw) == "null":
		if err != nil || !got.IsZero() {
			t.Fatalf("instant(%q) of null = %v, %v", field, got, err)
		}
	case err != nil:
		if codeOf(err) != codeParamError || (field != "" && !strings.HasPrefix(err.Error(), field+": ")) {
			t.Fatalf("instant(%q) error %v has code %d", field, err, codeOf(err))
		}
		if valid {
			t.Fatalf("instant(%q) refused %s: %v", field, raw, err)
		}
	case !valid || !got.Equal(time.UnixMilli(n.Int64())):
		t.Fatalf("instant(%q) = %v from %s", field, got, raw)
	}
}

func checkStr(t *testing.T, p params, field string, raw json.RawMessage) {
	s, err := p.str(field)
	if err != nil {
		if codeOf(err) != codeParamError {
			t.Fatalf("str(%q) error %v has code %d", field, err, codeOf(err))
		}
		return
	}
	var want *string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("str(%q) accepted %s: %v", field, raw, err)
	}
	if want != nil && *want != s {
		t.Fatalf("str(%q) = %q, want %q", field, s, *want)
	}
}

func checkAmount(t *testing.T, p params, field string, raw json.RawMessage) {
	n, err := p.amount(field)
	if err != nil {
		if c := codeOf(err); c != codeParamError && c != codeAmount {
			t.Fatalf("amount(%q) error %v has code %d", field, err, c)
		}
		return
	}
	text := string(raw)
	if raw[0] == '"' {
		_ = json.Unmarshal(raw, &text)
		if strings.HasPrefix(text, "-") {
			t.Fatalf("amount(%q) accepted a signed string %s", field, raw)
		}
	}
	want, ok := new(big.Int).SetString(text, 10)
	if !ok || want.Cmp(big.NewInt(n)) != 0 {
		t.Fatalf("amount(%q) = %d from %s", field, n, raw)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		code   int
		status int
		msg    string
	}{
		{gateway.Errorf(gateway.KindInvalid, "mchOrderId", "is required"), 21002, 200, "mchOrderId: is required"},
		{gateway.Errorf(gateway.KindNotFound, "", "no such thing"), 21010, 200, "transaction not found"},
		{gateway.Errorf(gateway.KindDuplicateOrder, "mchOrderId", "dup"), 21007, 200, "mchOrderId: dup"},
		{gateway.Errorf(gateway.KindDuplicateIdempotent, "idempotencyId", "dup"), 21015, 200, "idempotencyId: dup"},
		{gateway.Errorf(gateway.KindInsufficientBalance, "amount", "low"), 21014, 200, "amount: low"},
		{gateway.Errorf(gateway.KindAmount, "amount", "x"), 21021, 200, "amount: x"},
		{gateway.Errorf(gateway.KindCountry, "countryCode", "x"), 21017, 200, "countryCode: x"},
		{gateway.Errorf(gateway.KindPayMethod, "payMethodCode", "x"), 21019, 200, "payMethodCode: x"},
		{gateway.Errorf(gateway.KindBankCode, "transferCode", "x"), 21012, 200, "transferCode: x"},
		{gateway.Errorf(gateway.KindWalletCode, "transferCode", "x"), 21013, 200, "transferCode: x"},
		{gateway.Errorf(gateway.KindChannelUnavailable, "transferCode", "x"), 21005, 200, "transferCode: x"},
		{gateway.Errorf(gateway.KindMerchantUnavailable, "appId", "off"), 21004, 200, "appId: off"},
		{gateway.Errorf(gateway.KindUnavailable, "", "try again"), 21000, 503, "try again"},
		{gateway.Errorf(gateway.KindInternal, "", "pq: secret detail"), 21000, 500, "internal error"},
		{gateway.Errorf("new_kind", "", "x"), 21000, 500, "internal error"},
		{errors.New("secret detail"), 21000, 500, "internal error"},
		{errorf(codeIPForbidden, "ip"), 21016, 200, "ip"},
		{&apiError{code: codeParamError, status: http.StatusRequestEntityTooLarge, message: "big"}, 21002, 413, "big"},
	} {
		code, status, msg := classify(tc.err)
		if code != tc.code || status != tc.status || msg != tc.msg {
			t.Errorf("classify(%v) = %d %d %q, want %d %d %q", tc.err, code, status, msg, tc.code, tc.status, tc.msg)
		}
	}
}

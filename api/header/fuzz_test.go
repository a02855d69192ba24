package header

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// paramError asserts err is a refusal of a parameter (code 400 or, for a
// number beyond int64, the amount's 400 too) and never an internal error.
func paramError(t *testing.T, err error) {
	t.Helper()
	a := classify(err)
	if a.code != codeBadRequest || !strings.HasPrefix(a.msg, "Params_") {
		t.Fatalf("error %v answered %+v, want a Params_ refusal", err, a)
	}
}

// FuzzBody parses arbitrary bodies as the handlers do, after the signature:
// every field through every accessor. Parsing either succeeds with values
// that keep their invariants or refuses with a Params_ message.
func FuzzBody(f *testing.F) {
	for _, s := range []string{
		`{"nonceStr":"abc","amount":"100.00","bankId":3,"accountType":"0","mchOrderNo":"m1"}`,
		`{"nonceStr":12345,"amount":100.5,"bankId":"28","reusableStatus":"false","payType":"PE_YAPE"}`,
		`{"nonceStr":"","amount":"1.001","bankId":-1,"payType":601,"expireTime":"3600"}`,
		`{"nonceStr":"a b","amount":1e2,"bankId":1.5,"payType":true,"orderNo":7}`,
		`{"amount":"92233720368547758.08","bankId":99999999999999999999}`,
		`{"amount":"-0","mchOrderNo":null,"orderNo":""}`, `[]`, `null`, `"x"`, `{"a":{"b":[1]}}`,
		`{"nonceStr":"\u00e9\ud800","amount":"０"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := parseBody(raw)
		if err != nil {
			if a := classify(err); a.msg != msgJSONFormat {
				t.Fatalf("parse error answered %+v", a)
			}
			return
		}
		if n, err := b.nonce(); err != nil {
			paramError(t, err)
		} else if n == "" || len(n) > 32 || strings.ContainsAny(n, " \t\n") {
			t.Fatalf("nonce %q accepted", n)
		}
		for field := range b {
			checkAmount(t, b, field)
			if _, err := b.str(field, true); err != nil {
				paramError(t, err)
			}
			if n, ok, err := b.integer(field); err != nil {
				paramError(t, err)
			} else if ok && n < 0 {
				t.Fatalf("integer %s = %d", field, n)
			}
			if _, _, err := b.boolean(field); err != nil {
				paramError(t, err)
			}
		}
		if code, err := readPayType(b); err != nil {
			if a := classify(err); !strings.HasPrefix(a.msg, "Params_payType_") {
				t.Fatalf("payType refused with %+v", a)
			}
		} else if payTypeOf(code) == nil {
			t.Fatalf("payType read as %q, not a Peru channel", code)
		}
		if _, err := b.orderRef(); err != nil {
			paramError(t, err)
		}
		if bank, err := peruBank(b); err == nil {
			if _, ok := gateway.FindPeruBank(bank.ID); !ok {
				t.Fatalf("bank %+v accepted", bank)
			}
		} else {
			paramError(t, err)
		}
	})
}

// checkAmount asserts that an accepted amount is non-negative and formats
// back to a decimal that parses to itself.
func checkAmount(t *testing.T, b body, field string) {
	t.Helper()
	n, err := b.amount(field)
	if err != nil {
		paramError(t, err)
		return
	}
	back, err := money.ParseMajor(money.FormatMajor(n, "PEN"), "PEN")
	if n < 0 || err != nil || back != n {
		t.Fatalf("amount %s = %d formats to %q (%v)", field, n, money.FormatMajor(n, "PEN"), err)
	}
}

// FuzzVerifySign checks the signature check against an independent
// computation: a Sign verifies exactly when it is the hex MD5 of body and
// the key, in either case; the right signature always verifies, among
// other keys too.
func FuzzVerifySign(f *testing.F) {
	body := `{"nonceStr":"abc"}`
	f.Add([]byte(body), "key-1", strings.ToUpper(hexMD5(body+"key-1")), "other")
	f.Add([]byte(body), "key-1", hexMD5(body+"key-1"), "")
	f.Add([]byte(body), "key-1", " "+hexMD5(body+"key-1")+" ", "key-1")
	f.Add([]byte(body), "key-1", hexMD5(body), "x")
	f.Add([]byte{}, "", "d41d8cd98f00b204e9800998ecf8427e", "")
	f.Add([]byte(body), "k", "zz", "k")
	f.Fuzz(func(t *testing.T, body []byte, key, signature, other string) {
		want := hexMD5(string(body) + key)
		got := verifySign(body, signature, []string{other, key})
		expect := strings.EqualFold(strings.TrimSpace(signature), want) ||
			strings.EqualFold(strings.TrimSpace(signature), hexMD5(string(body)+other))
		if got != expect {
			t.Fatalf("verifySign(%q, %q, [%q %q]) = %t, want %t", body, signature, other, key, got, expect)
		}
		if !verifySign(body, strings.ToUpper(want), []string{other, key}) || !verifySign(body, want, []string{key}) {
			t.Fatal("the right signature does not verify")
		}
		if verifySign(body, signature, nil) {
			t.Fatal("a signature verified with no keys")
		}
	})
}

func hexMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// FuzzMerchantID checks the MerchantId header's parsing: an accepted value
// is a positive integer written in decimal, refusals are the three
// MerchantId messages.
func FuzzMerchantID(f *testing.F) {
	for _, s := range []string{"100001", " 7 ", "", "abc", "-1", "0", "9223372036854775808", "1e3", "+5", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n, err := parseMerchantID(v)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.code != codeUnauthorized || !strings.HasPrefix(ae.msg, "MerchantId_") {
				t.Fatalf("parseMerchantID(%q) refused with %v", v, err)
			}
			return
		}
		if n <= 0 || !allDigits(strings.TrimSpace(v)) {
			t.Fatalf("parseMerchantID(%q) = %d", v, n)
		}
	})
}

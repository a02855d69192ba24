package client

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// BClient is a merchant's client of dialect B (seed 002): every call POSTs
// JSON with headers MerchantId and Sign = upper-case hex MD5(raw body +
// apiKey). A fresh nonceStr is added to every call. It is safe for
// concurrent use.
type BClient struct {
	baseURL    string
	merchantNo int64
	apiKey     string
	http       *http.Client
}

// BOption configures a BClient.
type BOption func(*BClient)

// BWithHTTPClient sets the HTTP client; the default is http.DefaultClient.
func BWithHTTPClient(hc *http.Client) BOption { return func(c *BClient) { c.http = hc } }

// NewB returns a dialect B client of the gateway at baseURL (e.g.
// "https://pay.example.com"), calling as merchant merchantNo and signing
// with apiKey.
func NewB(baseURL string, merchantNo int64, apiKey string, opts ...BOption) *BClient {
	c := &BClient{baseURL: strings.TrimRight(baseURL, "/"), merchantNo: merchantNo, apiKey: apiKey, http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// SignB returns dialect B's signature of body: the upper-case hex MD5 of
// the exact body bytes followed by apiKey.
func SignB(body []byte, apiKey string) string {
	sum := md5.Sum(append(append([]byte(nil), body...), apiKey...))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// BCodeSuccess is the code of a dialect B answer that succeeded.
const BCodeSuccess = 200

// BError is an answer whose code is not 200: Code and Msg as sent (e.g.
// "Sign_verify_error", "Params_bankId_error"), Detail the gateway's human
// explanation when it gave one.
type BError struct {
	HTTPStatus int
	Code       int
	Msg        string
	Detail     string
}

// Error returns the code, msg, HTTP status and detail.
func (e *BError) Error() string {
	s := fmt.Sprintf("kasir: code %d %s (HTTP %d)", e.Code, e.Msg, e.HTTPStatus)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// BErrorMsg returns the Msg of the *BError in err's chain, or "" when there
// is none (a transport or decoding failure).
func BErrorMsg(err error) string {
	var be *BError
	if errors.As(err, &be) {
		return be.Msg
	}
	return ""
}

// Call POSTs body, a map or struct that marshals to a JSON object, to path
// (e.g. "/api/payOutQuery"), signed, with a fresh nonceStr unless body has
// one. On code 200 the answer's data is decoded into out unless out is nil;
// any other code is returned as a *BError.
func (c *BClient) Call(ctx context.Context, path string, body any, out any) error {
	b, err := withNonce(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("MerchantId", strconv.FormatInt(c.merchantNo, 10))
	req.Header.Set("Sign", SignB(b, c.apiKey))
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer resp.Body.Close()
	return decodeBAnswer(resp, path, out)
}

// withNonce marshals body and adds a random 32-character nonceStr when it
// has none.
func withNonce(body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("client: marshal body: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, errors.New("client: body must marshal to a JSON object")
	}
	if _, ok := fields["nonceStr"]; ok {
		return b, nil
	}
	n := make([]byte, 16)
	if _, err := rand.Read(n); err != nil {
		return nil, fmt.Errorf("client: nonce: %w", err)
	}
	nonce := `"nonceStr":"` + hex.EncodeToString(n) + `"`
	if len(fields) == 0 {
		return []byte("{" + nonce + "}"), nil
	}
	return append([]byte("{"+nonce+","), b[1:]...), nil
}

// decodeBAnswer reads {code, msg, detail, data}.
func decodeBAnswer(resp *http.Response, path string, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("client: %s: read answer: %w", path, err)
	}
	var a struct {
		Code   *int            `json:"code"`
		Msg    string          `json:"msg"`
		Detail string          `json:"detail"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &a); err != nil || a.Code == nil {
		return fmt.Errorf("client: %s: HTTP %d: not a dialect B answer: %.200q", path, resp.StatusCode, raw)
	}
	if *a.Code != BCodeSuccess {
		return &BError{HTTPStatus: resp.StatusCode, Code: *a.Code, Msg: a.Msg, Detail: a.Detail}
	}
	if out == nil || len(a.Data) == 0 || string(a.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(a.Data, out); err != nil {
		return fmt.Errorf("client: %s: decode data: %w", path, err)
	}
	return nil
}

// bAmount is an amount in minor units that travels as a decimal in major
// units with two places: a JSON number (100.00) when sent; a number, a
// string or null when received. Received values with more decimals are
// accepted when those are zeros (the provider writes fees as decimal(20,4)).
type bAmount int64

// MarshalJSON writes the amount as a JSON number with two decimal places.
func (a bAmount) MarshalJSON() ([]byte, error) {
	v := int64(a)
	sign := ""
	if v < 0 {
		if v == math.MinInt64 {
			return nil, errors.New("client: amount out of range")
		}
		sign, v = "-", -v
	}
	return []byte(fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)), nil
}

// UnmarshalJSON reads a decimal number or string; null is 0.
func (a *bAmount) UnmarshalJSON(b []byte) error {
	text, err := scalarText(b)
	if err != nil || text == "" {
		*a = 0
		return err
	}
	v, err := parseCents(text)
	if err != nil {
		return err
	}
	*a = bAmount(v)
	return nil
}

// parseCents parses a non-negative decimal in major units into minor units
// (two places).
func parseCents(s string) (int64, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || !isDigits(whole) || (hasDot && !isDigits(frac)) {
		return 0, fmt.Errorf("client: %q is not a decimal amount", s)
	}
	for len(frac) > 2 {
		if frac[len(frac)-1] != '0' {
			return 0, fmt.Errorf("client: %q is not a whole number of minor units", s)
		}
		frac = frac[:len(frac)-1]
	}
	frac += strings.Repeat("0", 2-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("client: amount %q is out of range", s)
	}
	return v, nil
}

// bInt is an integer sent as a JSON number or a string of digits (the
// provider's examples write merchantId both ways); null is 0.
type bInt int64

// UnmarshalJSON reads a number or a string of digits.
func (n *bInt) UnmarshalJSON(b []byte) error {
	text, err := scalarText(b)
	if err != nil || text == "" {
		*n = 0
		return err
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("client: %q is not an integer", text)
	}
	*n = bInt(v)
	return nil
}

// bText is a string that may come as null (an empty string) or a number.
type bText string

// UnmarshalJSON reads a string, a number as written, or null.
func (t *bText) UnmarshalJSON(b []byte) error {
	text, err := scalarText(b)
	*t = bText(text)
	return err
}

// scalarText returns a JSON string's value, a number's text, or "" for
// null; anything else is an error.
func scalarText(b []byte) (string, error) {
	s := string(bytes.TrimSpace(b))
	switch {
	case s == "null":
		return "", nil
	case strings.HasPrefix(s, `"`):
		var v string
		err := json.Unmarshal(b, &v)
		return v, err
	case s != "" && (s[0] == '-' || ('0' <= s[0] && s[0] <= '9')):
		return s, nil
	}
	return "", fmt.Errorf("client: %.20q is not a string or number", s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

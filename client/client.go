// Package client is Kasir's Go merchant SDK for the Open API (dialect A).
//
// A Client signs each call's param document with the merchant's RSA private
// key (SHA256withRSA, PKCS #1 v1.5, base64) and posts the envelope
// {"appId", "param", "sign"}; the gateway verifies it with the public key the
// merchant registered. Notifications the gateway posts back are signed with
// the platform's key: VerifyNotification and NotificationHandler check them.
package client

import (
	"bytes"
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
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response codes of the Open API.
const (
	CodeSuccess             = 10000
	CodeServerError         = 21000
	CodeSignError           = 21001
	CodeParamError          = 21002
	CodeAppIDError          = 21003
	CodeMerchantUnavailable = 21004
	CodeChannelUnavailable  = 21005
	CodeDuplicateOrder      = 21007
	CodeTimestampInvalid    = 21008
	CodeTimestampExpired    = 21009
	CodeNotFound            = 21010
	CodeBankCode            = 21012
	CodeWalletCode          = 21013
	CodeInsufficientBalance = 21014
	CodeDuplicateIdempotent = 21015
	CodeIPForbidden         = 21016
	CodeCountry             = 21017
	CodePayMethod           = 21019
	CodeAmount              = 21021
)

// APIError is a response whose code is not CodeSuccess.
type APIError struct {
	HTTPStatus int
	Code       int
	Message    string
}

// Error returns the code, the HTTP status and the gateway's message.
func (e *APIError) Error() string {
	return fmt.Sprintf("kasir: code %d (HTTP %d): %s", e.Code, e.HTTPStatus, e.Message)
}

// ErrorCode returns the code of the *APIError in err's chain, or 0 when there
// is none (a transport or decoding failure).
func ErrorCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// Client calls one gateway as one app. It is safe for concurrent use.
type Client struct {
	baseURL string
	appID   string
	key     *rsa.PrivateKey
	http    *http.Client
	now     func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client; the default is http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithClock sets the clock that stamps param.timestamp; the default is
// time.Now.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a Client for the gateway at baseURL (e.g.
// "https://pay.example.com") calling as appID and signing with key.
func New(baseURL, appID string, key *rsa.PrivateKey, opts ...Option) *Client {
	c := &Client{baseURL: strings.TrimRight(baseURL, "/"), appID: appID, key: key,
		http: http.DefaultClient, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Sign returns the base64 SHA256withRSA signature of the exact param bytes.
func (c *Client) Sign(param []byte) (string, error) {
	return sign(c.key, param)
}

func sign(key *rsa.PrivateKey, msg []byte) (string, error) {
	digest := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("client: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

func verify(pub *rsa.PublicKey, msg []byte, signature string) bool {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	digest := sha256.Sum256(msg)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
}

// Envelope signs param and returns the request body
// {"appId": ..., "param": <param as a string>, "sign": ...}. param is sent
// as given: it must already carry its timestamp.
func (c *Client) Envelope(param []byte) ([]byte, error) {
	s, err := c.Sign(param)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		AppID string `json:"appId"`
		Param string `json:"param"`
		Sign  string `json:"sign"`
	}{c.appID, string(param), s})
}

// Do calls the operation at path (e.g. "/open-api/disbursement/check") with
// param, a map or struct that marshals to a JSON object. A "timestamp" (now,
// in milliseconds) is added when param has none. On code 10000 the response's
// data is decoded into out unless out is nil; any other code is returned as
// an *APIError.
func (c *Client) Do(ctx context.Context, path string, param any, out any) error {
	b, err := c.paramBytes(param)
	if err != nil {
		return err
	}
	body, err := c.Envelope(b)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer resp.Body.Close()
	return decodeResponse(resp, path, out)
}

// paramBytes marshals param and adds a timestamp when it has none, keeping
// the marshalled field order.
func (c *Client) paramBytes(param any) ([]byte, error) {
	b, err := json.Marshal(param)
	if err != nil {
		return nil, fmt.Errorf("client: marshal param: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, errors.New("client: param must marshal to a JSON object")
	}
	if _, ok := fields["timestamp"]; ok {
		return b, nil
	}
	ts := `"timestamp":` + strconv.FormatInt(c.now().UnixMilli(), 10)
	if len(fields) == 0 {
		return []byte("{" + ts + "}"), nil
	}
	return append([]byte("{"+ts+","), b[1:]...), nil
}

// decodeResponse reads {code, message, data}.
func decodeResponse(resp *http.Response, path string, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("client: %s: read response: %w", path, err)
	}
	var r struct {
		Code    *int            `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Code == nil {
		return fmt.Errorf("client: %s: HTTP %d: not an API response: %.200q", path, resp.StatusCode, raw)
	}
	if *r.Code != CodeSuccess {
		return &APIError{HTTPStatus: resp.StatusCode, Code: *r.Code, Message: r.Message}
	}
	if out == nil || len(r.Data) == 0 || string(r.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return fmt.Errorf("client: %s: decode data: %w", path, err)
	}
	return nil
}

// ParsePrivateKey parses a PEM RSA private key, PKCS #1 ("RSA PRIVATE KEY")
// or PKCS #8 ("PRIVATE KEY").
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("client: private key is not PEM")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client: private key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client: private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("client: private key is %T, not RSA", k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("client: PEM block %q is not a private key", block.Type)
}

// ParsePublicKey parses a PEM RSA public key, PKIX ("PUBLIC KEY") or
// PKCS #1 ("RSA PUBLIC KEY"), such as the platform's notification key.
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("client: public key is not PEM")
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client: public key: %w", err)
		}
		return k, nil
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client: public key: %w", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("client: public key is %T, not RSA", k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("client: PEM block %q is not a public key", block.Type)
}

package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasir-gateway/kasir/gateway"
)

// Signer signs notifications with the platform's private key: it returns
// Base64(SHA256withRSA(data)).
type Signer interface {
	Sign(data []byte) (string, error)
}

// WebhookOptions are NewWebhook's optional settings.
type WebhookOptions struct {
	// Client sends the requests; default one with a 10s timeout. Redirects are
	// never followed, whatever the client's CheckRedirect says.
	Client *http.Client
	// Timeout bounds one delivery, the reading of the answer included;
	// default 10s.
	Timeout time.Duration
	// Keys gives the merchants' apiKeys that dialect B notifications are
	// signed with; when nil, every dialect B message fails (see webhook_b.go).
	Keys SigningKeys
	// Policy is checked against the address of every connection a delivery
	// makes, after DNS (see guardTransport, which says what Client's
	// Transport may be); a refused delivery is a failed attempt that says
	// why. The zero policy allows every address.
	Policy gateway.AddrPolicy
}

// Webhook is the Handler of topic "notify". An event of dialect A (the
// default) goes out as {"param": "<JSON>", "sign": "<base64>"}, signed with
// the platform key, and counts as delivered only when the merchant answers
// HTTP 200 with {"code": 10000}; an event of dialect B goes out as described
// in webhook_b.go. Either way redirects are not followed.
type Webhook struct {
	signer  Signer
	keys    SigningKeys
	client  *http.Client
	timeout time.Duration
}

// Webhook limits: how much of an answer is read, and kept in the attempt.
const (
	maxAnswer  = 64 << 10
	maxExcerpt = 512
	userAgent  = "Kasir-Webhook/1"
)

// NewWebhook returns a notification handler that signs dialect A events with
// signer and dialect B events with opts.Keys.
func NewWebhook(signer Signer, opts WebhookOptions) *Webhook {
	w := &Webhook{signer: signer, keys: opts.Keys, timeout: opts.Timeout}
	if w.timeout <= 0 {
		w.timeout = 10 * time.Second
	}
	c := http.Client{Timeout: 10 * time.Second}
	if opts.Client != nil {
		c = *opts.Client // a copy, so that the caller's client keeps its redirect policy
	}
	// A redirect could take the signed notification to another host; a 3xx is
	// a failed delivery instead.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if opts.Policy.Restrict {
		c.Transport = guardTransport(c.Transport, opts.Policy)
	}
	w.client = &c
	return w
}

// Handle delivers m, whose Payload is a JSON gateway.Event, and reports the
// attempt: HTTPStatus, an excerpt of the answer (or the error when no answer
// came) and OK. The dispatcher fills in the rest.
func (w *Webhook) Handle(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
	var ev gateway.Event
	if err := json.Unmarshal(m.Payload, &ev); err != nil {
		return failed(fmt.Errorf("notify: payload of message %d: %w", m.ID, err))
	}
	if m.URL == "" {
		return failed(fmt.Errorf("notify: message %d has no URL", m.ID))
	}
	switch ev.Dialect {
	case gateway.DialectA:
	case gateway.DialectB:
		return w.handleB(ctx, m, ev)
	default:
		return failed(fmt.Errorf("notify: message %d is in unknown dialect %q", m.ID, ev.Dialect))
	}
	param, err := EncodeParam(ev)
	if err != nil {
		return failed(err)
	}
	sig, err := w.signer.Sign(param)
	if err == nil && sig == "" {
		err = errors.New("empty signature")
	}
	if err != nil {
		return failed(fmt.Errorf("notify: sign: %w", err))
	}
	body, err := marshal(struct {
		Param string `json:"param"`
		Sign  string `json:"sign"`
	}{string(param), sig})
	if err != nil {
		return failed(err)
	}

	header := http.Header{"Content-Type": {"application/json"}}
	a, answer, complete := w.post(ctx, m.URL, body, header, sig)
	a.OK = complete && a.HTTPStatus == http.StatusOK && successCode(answer)
	return a
}

// post sends body to url with header and returns the attempt's HTTPStatus
// and Response and the answer, at most maxAnswer bytes of it; complete is
// false when no whole answer came (the attempt then says why). Every
// occurrence of sig in the answer is replaced with "<sign>" in the Response,
// so that a receiver that echoes the request does not get the signature
// stored. The attempt's OK is left for the caller.
func (w *Webhook) post(ctx context.Context, url string, body []byte, header http.Header, sig string) (a gateway.DeliveryAttempt, answer []byte, complete bool) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return failed(fmt.Errorf("notify: %w", err)), nil, false
	}
	for k, v := range header {
		req.Header[k] = v // as given: dialect B's "MerchantId" keeps its spelling
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := w.client.Do(req)
	if err != nil {
		return failed(refusedDelivery(url, err)), nil, false
	}
	defer resp.Body.Close()
	answer, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	a = gateway.DeliveryAttempt{HTTPStatus: resp.StatusCode}
	a.Response = excerpt(strings.ReplaceAll(string(answer), sig, "<sign>"), maxExcerpt)
	if err != nil {
		a.Response = excerpt(fmt.Sprintf("%s (reading the answer: %v)", a.Response, err), 2*maxExcerpt)
		return a, answer, false
	}
	return a, answer, true
}

// successCode tells whether an answer is a JSON object whose "code" is 10000,
// as a number or a string.
func successCode(answer []byte) bool {
	var v struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(answer, &v) != nil || len(v.Code) == 0 {
		return false
	}
	var s string
	if json.Unmarshal(v.Code, &s) == nil {
		return strings.TrimSpace(s) == "10000"
	}
	var n json.Number
	if json.Unmarshal(v.Code, &n) != nil {
		return false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	return err == nil && f == 10000
}

func failed(err error) gateway.DeliveryAttempt {
	return gateway.DeliveryAttempt{Response: excerpt(err.Error(), 2*maxExcerpt)}
}

// timeLayout is ISO-8601 with the numeric offset, "+00:00" in UTC too.
const timeLayout = "2006-01-02T15:04:05-07:00"

// param is the notification's param document; its fields are in alphabetical
// order, as the providers send them.
type param struct {
	Amount            int64  `json:"amount"`
	ChannelCode       string `json:"channelCode,omitempty"` // payments
	CountryCode       string `json:"countryCode"`
	CreateTime        string `json:"createTime"`
	Currency          string `json:"currency"`
	EventName         string `json:"eventName"`
	FailedCode        int    `json:"failedCode,omitempty"`
	FailedMessage     string `json:"failedMessage,omitempty"`
	Fee               int64  `json:"fee"`
	Flag              string `json:"flag,omitempty"` // payments: LATE, UNDERPAID, OVERPAID
	MchOrderID        string `json:"mchOrderId"`
	PaidAmount        int64  `json:"paidAmount,omitempty"` // payments
	Remark            string `json:"remark,omitempty"`
	ReturnTime        string `json:"returnTime"`
	TransactionID     string `json:"transactionId"`
	TransactionStatus string `json:"transactionStatus"`
}

// EncodeParam returns the param document of ev's dialect A notification, the
// exact bytes that are signed. Times are in the country's zone (UTC for a
// country the gateway does not know); a zero time is "".
func EncodeParam(ev gateway.Event) ([]byte, error) {
	loc := time.UTC
	if c, ok := gateway.Countries[ev.CountryCode]; ok && c.Location != nil {
		loc = c.Location
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(timeLayout)
	}
	if ev.Kind == "refund" {
		return marshal(refundParam(ev, at))
	}
	return marshal(param{
		Amount: ev.Amount, ChannelCode: ev.ChannelCode, CountryCode: ev.CountryCode, CreateTime: at(ev.CreateTime),
		Currency: ev.Currency, EventName: ev.Name, FailedCode: ev.FailedCode, FailedMessage: ev.FailedMessage,
		Fee: ev.Fee, Flag: ev.Flag, MchOrderID: ev.MchOrderID, PaidAmount: ev.PaidAmount, Remark: ev.Remark,
		ReturnTime:    at(ev.ReturnTime),
		TransactionID: ev.TransactionID, TransactionStatus: string(ev.Status),
	})
}

// marshal encodes v as compact JSON without HTML escaping, as the providers'
// Java encoders do, and without a trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("notify: encode: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// excerpt makes s fit a text column: valid UTF-8, no NUL bytes, at most n
// bytes, cut at a character boundary.
func excerpt(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

package client

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Notification events.
const (
	EventPayoutSuccess = "disbursement.success"
	EventPayoutFailed  = "disbursement.failed"
	// A payment order was paid (seed 003); Flag tells when not as ordered.
	EventPaymentSuccess = "order.payment.success"
	// A payment order expired unpaid.
	EventPaymentExpired = "order.payment.expired"
)

// Notification is what the gateway tells a merchant about a payout (seed
// 001) or a payment order (seed 003) that finished. Amount, Fee and
// PaidAmount are minor units; the times are ISO-8601 with the country's
// offset. ChannelCode, PaidAmount and Flag are sent for payments only. Raw is
// the signed param document as received, for fields this struct does not
// know.
type Notification struct {
	EventName         string          `json:"eventName"`
	MchOrderID        string          `json:"mchOrderId"`
	TransactionID     string          `json:"transactionId"`
	CountryCode       string          `json:"countryCode"`
	Currency          string          `json:"currency"`
	Amount            int64           `json:"amount"`
	Fee               int64           `json:"fee"`
	TransactionStatus string          `json:"transactionStatus"`
	CreateTime        string          `json:"createTime"`
	ReturnTime        string          `json:"returnTime"`
	Remark            string          `json:"remark,omitempty"`
	FailedCode        int             `json:"failedCode,omitempty"`
	FailedMessage     string          `json:"failedMessage,omitempty"`
	ChannelCode       string          `json:"channelCode,omitempty"`
	PaidAmount        int64           `json:"paidAmount,omitempty"`
	Flag              string          `json:"flag,omitempty"`
	Raw               json.RawMessage `json:"-"`

	// Refunds (payment.refund.*) carry these instead of transactionId,
	// mchOrderId, amount, fee and transactionStatus. Amounts are minor units.
	RefundTransactionID   string `json:"refundTransactionId,omitempty"`
	MchRefundOrderID      string `json:"mchRefundOrderId,omitempty"`
	OriginalTransactionID string `json:"originalTransactionId,omitempty"`
	RefundAmount          int64  `json:"refundAmount,omitempty"`
	FeeRefunded           int64  `json:"feeRefunded,omitempty"`
	RefundStatus          string `json:"refundStatus,omitempty"`
}

// Notification errors. VerifyNotification wraps one of them.
var (
	// ErrMalformed means the body or its param is not what the gateway sends.
	ErrMalformed = errors.New("client: malformed notification")
	// ErrSignature means the signature does not verify with the platform key.
	ErrSignature = errors.New("client: notification signature does not verify")
)

// notificationBody is the notification's envelope.
type notificationBody struct {
	Param *string `json:"param"`
	Sign  *string `json:"sign"`
}

// VerifyNotification checks a notification body {"param", "sign"}: the
// signature over the exact param bytes with the platform's public key first,
// then the param document. Errors wrap ErrMalformed or ErrSignature; a
// notification that fails either must not be acted on.
func VerifyNotification(body []byte, platformKey *rsa.PublicKey) (Notification, error) {
	var b notificationBody
	if err := json.Unmarshal(body, &b); err != nil {
		return Notification{}, fmt.Errorf("%w: body is not a JSON object", ErrMalformed)
	}
	if b.Param == nil || b.Sign == nil {
		return Notification{}, fmt.Errorf("%w: param and sign are required", ErrMalformed)
	}
	if platformKey == nil || !verify(platformKey, []byte(*b.Param), *b.Sign) {
		return Notification{}, ErrSignature
	}
	var n Notification
	raw := bytes.TrimSpace([]byte(*b.Param))
	if len(raw) == 0 || raw[0] != '{' {
		return Notification{}, fmt.Errorf("%w: param is not a JSON object", ErrMalformed)
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return Notification{}, fmt.Errorf("%w: param: %v", ErrMalformed, err)
	}
	n.Raw = json.RawMessage(*b.Param)
	return n, nil
}

// SignNotification returns a notification body for param signed with the
// platform's private key, as the gateway sends it. Merchants use it to test
// their handlers.
func SignNotification(param []byte, platformKey *rsa.PrivateKey) ([]byte, error) {
	s, err := sign(platformKey, param)
	if err != nil {
		return nil, err
	}
	p := string(param)
	return json.Marshal(notificationBody{Param: &p, Sign: &s})
}

// maxNotificationBytes bounds a notification body.
const maxNotificationBytes = 1 << 20

// NotificationHandler serves the merchant's notifyUrl. It verifies each
// notification with the platform's public key and passes it to fn, then
// answers as the gateway expects: HTTP 200 {"code":10000,"message":"Success"}
// when fn returns nil (or fn is nil); 401 with code 21001 for a bad signature;
// 400 (413 for a body over 1 MiB) with code 21002 for a malformed one; 500
// with code 21000 when fn fails, so that the gateway retries later. fn may be
// called more than once for the same transaction and must be idempotent.
func NotificationHandler(platformKey *rsa.PublicKey, fn func(context.Context, Notification) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			reply(w, http.StatusMethodNotAllowed, CodeParamError, "notifications are POSTed")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxNotificationBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			reply(w, http.StatusRequestEntityTooLarge, CodeParamError, "body too large")
			return
		case err != nil:
			reply(w, http.StatusBadRequest, CodeParamError, "cannot read body")
			return
		}
		n, err := VerifyNotification(body, platformKey)
		switch {
		case errors.Is(err, ErrSignature):
			reply(w, http.StatusUnauthorized, CodeSignError, "sign error")
			return
		case err != nil:
			reply(w, http.StatusBadRequest, CodeParamError, err.Error())
			return
		}
		if fn != nil {
			if err := fn(r.Context(), n); err != nil {
				reply(w, http.StatusInternalServerError, CodeServerError, "not processed, try again")
				return
			}
		}
		reply(w, http.StatusOK, CodeSuccess, "Success")
	})
}

// reply writes {"code", "message"}.
func reply(w http.ResponseWriter, status, code int, message string) {
	b, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

package client

import "context"

// Paths of the Open API's refund operations.
const (
	PathRefund         = "/open-api/payment/refund"
	PathRefundPayments = "/open-api/refund/payments"
	PathRefundChannels = "/open-api/refund/channel"
)

// Refund statuses (refundStatus). PENDING is the only one that changes.
const (
	RefundPending  = "PENDING"
	RefundComplete = "COMPLETE"
	RefundFailed   = "FAILED"
	RefundCancel   = "CANCEL"
)

// Refund notification events.
const (
	EventRefundSuccess = "payment.refund.success"
	EventRefundFailed  = "payment.refund.failed"
	EventRefundCancel  = "payment.refund.cancel"
)

// Refund response codes (the providers' 21401-21409 range; docs/API.md).
const (
	CodeRefundNotFound      = 21401 // the original transaction is not this app's payment
	CodeRefundNotRefundable = 21402 // not COMPLETED, or its channel does not refund (virtual accounts)
	CodeRefundAmount        = 21403 // refundAmount missing or not positive
	CodeRefundExceeds       = 21404 // more than is left to refund
	CodeRefundDuplicate     = 21405 // mchRefundOrderId already used
	CodeRefundUnknown       = 21406 // no such refund
)

// RefundRequest asks to refund all or part of a COMPLETED payment. Amount is
// in minor units; several partial refunds may follow each other as long as
// their sum (FAILED ones left out) stays within the paid amount. The
// notification goes to CallbackURL, else the app's default.
type RefundRequest struct {
	MchRefundOrderID      string `json:"mchRefundOrderId"`
	OriginalTransactionID string `json:"originalTransactionId"`
	Amount                int64  `json:"refundAmount"`
	Reason                string `json:"refundReason,omitempty"`
	CallbackURL           string `json:"refundCallbackUrl,omitempty"`
	CountryCode           string `json:"countryCode,omitempty"`
}

// Refund is a refund's state. FeeRefunded is the part of the payment's fee
// given back to the merchant when the refund completes (0 when the gateway
// keeps fees). ReturnTime is "" until the refund is final.
type Refund struct {
	RefundTransactionID   string `json:"refundTransactionId"`
	MchRefundOrderID      string `json:"mchRefundOrderId"`
	OriginalTransactionID string `json:"originalTransactionId"`
	CountryCode           string `json:"countryCode"`
	Currency              string `json:"currency"`
	RefundAmount          int64  `json:"refundAmount"`
	FeeRefunded           int64  `json:"feeRefunded"`
	RefundStatus          string `json:"refundStatus"`
	RefundReason          string `json:"refundReason"`
	FailedCode            int    `json:"failedCode,omitempty"`
	FailedMessage         string `json:"failedMessage,omitempty"`
	CreateTime            string `json:"createTime"`
	ReturnTime            string `json:"returnTime"`
}

// CreateRefund asks for a refund; it answers PENDING, and the channel
// completes or fails it later (EventRefundSuccess, EventRefundFailed).
// Refusals are *APIError with one of the CodeRefund* codes or
// CodeInsufficientBalance when the merchant's available balance is short.
func (c *Client) CreateRefund(ctx context.Context, req RefundRequest) (Refund, error) {
	var out Refund
	err := c.Do(ctx, PathRefund, req, &out)
	return out, err
}

// RefundQuery names refunds: all of OriginalTransactionID's, or the one
// RefundTransactionID or MchRefundOrderID names.
type RefundQuery struct {
	OriginalTransactionID string `json:"originalTransactionId,omitempty"`
	RefundTransactionID   string `json:"refundTransactionId,omitempty"`
	MchRefundOrderID      string `json:"mchRefundOrderId,omitempty"`
	CountryCode           string `json:"countryCode,omitempty"`
}

// Refunds returns the refunds q names, oldest first.
func (c *Client) Refunds(ctx context.Context, q RefundQuery) ([]Refund, error) {
	var out struct {
		List []Refund `json:"list"`
	}
	err := c.Do(ctx, PathRefundPayments, q, &out)
	return out.List, err
}

// RefundChannel is a payment channel whose payments can be refunded.
type RefundChannel struct {
	ChannelCode string `json:"channelCode"`
	Name        string `json:"name"`
	ChannelType string `json:"channelType"`
}

// RefundChannels lists the channels of a country ("PH") that refund.
func (c *Client) RefundChannels(ctx context.Context, countryCode string) ([]RefundChannel, error) {
	var out struct {
		Channels []RefundChannel `json:"channels"`
	}
	err := c.Do(ctx, PathRefundChannels, map[string]any{"countryCode": countryCode}, &out)
	return out.Channels, err
}

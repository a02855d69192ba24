package client

import "context"

// Paths of the Open API's static code operations.
const (
	PathCreateStaticCode = "/open-api/static/payment/code"
	PathStaticCodeDetail = "/open-api/static/payment/detail"
	PathStaticPayments   = "/open-api/static/payment/list"
	PathCancelStaticCode = "/open-api/static/code/cancel"
)

// Response codes of the static code operations.
const (
	CodeNotAllowedCancel = 21025 // the static code is cancelled or expired already
	CodeClosed           = 21028 // already paid or closed
)

// Static code statuses.
const (
	StaticStatusActive  = "ACTIVE"
	StaticStatusCancel  = "CANCEL"
	StaticStatusExpired = "EXPIRED" // an ACTIVE code past its expireTime
)

// EventStaticPayment is the notification of each payment into a static code.
const EventStaticPayment = "payment.success"

// StaticCodeRequest asks for a reusable static code: a static QR or a
// virtual account through ChannelCode (a PaymentChannel with Static set).
// Amount fixes every payment's amount (minor units); 0 leaves it open
// between MinAmount and MaxAmount, which default to the channel's limits.
// ExpireTime is in milliseconds since the epoch; 0 never expires.
type StaticCodeRequest struct {
	MchOrderID   string `json:"mchOrderId"`
	CountryCode  string `json:"countryCode"`
	Currency     string `json:"currency"`
	ChannelCode  string `json:"channelCode"`
	CustomerName string `json:"customerName,omitempty"`
	Amount       int64  `json:"amount,omitempty"`
	MinAmount    int64  `json:"minAmount,omitempty"`
	MaxAmount    int64  `json:"maxAmount,omitempty"`
	ExpireTime   int64  `json:"expireTime,omitempty"`
	NotifyURL    string `json:"notifyUrl,omitempty"`
	Remark       string `json:"remark,omitempty"`
}

// StaticCode is a static code's state. Status is StaticStatusActive,
// StaticStatusCancel or StaticStatusExpired; Amount is 0 for an open amount.
// PayData is what customers pay with: a QR payload (render it as a QR code)
// or a virtual account number. Times are ISO-8601 with the country's offset,
// "" when not set.
type StaticCode struct {
	CodeID       string `json:"codeId"`
	MchOrderID   string `json:"mchOrderId"`
	Status       string `json:"status"`
	CountryCode  string `json:"countryCode"`
	Currency     string `json:"currency"`
	ChannelCode  string `json:"channelCode"`
	PayData      string `json:"payData"`
	CustomerName string `json:"customerName"`
	Amount       int64  `json:"amount"`
	MinAmount    int64  `json:"minAmount"`
	MaxAmount    int64  `json:"maxAmount"`
	ExpireTime   string `json:"expireTime"`
	CreateTime   string `json:"createTime"`
	CancelTime   string `json:"cancelTime"`
	Remark       string `json:"remark"`
}

// CreateStaticCode asks for a static code. Refusals are *APIError, e.g.
// CodeDuplicateOrder for a reused MchOrderID, CodeChannelUnavailable for a
// channel without static codes, CodeAmount.
func (c *Client) CreateStaticCode(ctx context.Context, req StaticCodeRequest) (StaticCode, error) {
	var out StaticCode
	err := c.Do(ctx, PathCreateStaticCode, req, &out)
	return out, err
}

// StaticCodeRef names a static code of this app by its MchOrderID in a
// country. ChannelCode, when set, must be the code's.
type StaticCodeRef struct {
	MchOrderID  string `json:"mchOrderId"`
	CountryCode string `json:"countryCode"`
	ChannelCode string `json:"channelCode,omitempty"`
}

// StaticCodeDetail returns a static code; CodeNotFound when there is none.
func (c *Client) StaticCodeDetail(ctx context.Context, ref StaticCodeRef) (StaticCode, error) {
	var out StaticCode
	err := c.Do(ctx, PathStaticCodeDetail, ref, &out)
	return out, err
}

// CancelStaticCode cancels a static code, which then takes no payments;
// CodeNotAllowedCancel when it is cancelled or expired already.
func (c *Client) CancelStaticCode(ctx context.Context, ref StaticCodeRef) (StaticCode, error) {
	var out StaticCode
	err := c.Do(ctx, PathCancelStaticCode, ref, &out)
	return out, err
}

// StaticPaymentsRequest asks for a page of the payments into a static code:
// PageNum from 1 (0 means 1), PageSize up to 100 (0 means 20).
type StaticPaymentsRequest struct {
	MchOrderID  string `json:"mchOrderId"`
	CountryCode string `json:"countryCode"`
	PageNum     int    `json:"pageNum,omitempty"`
	PageSize    int    `json:"pageSize,omitempty"`
}

// StaticPayment is one payment into a static code: its own transaction,
// with the code's MchOrderID. Amount is what the customer paid.
type StaticPayment struct {
	TransactionID     string `json:"transactionId"`
	MchOrderID        string `json:"mchOrderId"`
	Currency          string `json:"currency"`
	Amount            int64  `json:"amount"`
	Fee               int64  `json:"fee"`
	TransactionStatus string `json:"transactionStatus"`
	CreateTime        string `json:"createTime"`
	ReturnTime        string `json:"returnTime"`
}

// StaticPayments is a page of a static code's payments, newest first, and
// how many there are in all.
type StaticPayments struct {
	CodeID   string          `json:"codeId"`
	Total    int             `json:"total"`
	PageNum  int             `json:"pageNum"`
	PageSize int             `json:"pageSize"`
	List     []StaticPayment `json:"list"`
}

// StaticCodePayments returns a page of the payments into a static code.
func (c *Client) StaticCodePayments(ctx context.Context, req StaticPaymentsRequest) (StaticPayments, error) {
	var out StaticPayments
	err := c.Do(ctx, PathStaticPayments, req, &out)
	return out, err
}

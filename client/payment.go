package client

import "context"

// Paths of the Open API's payment (collection) operations.
const (
	PathPaymentChannels = "/open-api/payment/checkout/channel"
	PathCreatePayment   = "/open-api/payment/generate"
	PathCheckPayment    = "/open-api/payment/query"
)

// StatusExpired is the final status of a payment order that was not paid in
// time. (A payment that arrives later is still booked: COMPLETED, FlagLate.)
const StatusExpired = "EXPIRED"

// Payment flags: the payment was booked as the channel reported it, but not
// as ordered.
const (
	FlagLate      = "LATE"      // paid after the order expired
	FlagUnderpaid = "UNDERPAID" // less than the ordered amount arrived
	FlagOverpaid  = "OVERPAID"  // more than the ordered amount arrived
)

// Payment channel types (channelType).
const (
	ChannelTypeQR            = "QR"
	ChannelTypeEWallet       = "EWALLET"
	ChannelTypeBankTransfer  = "BANK_TRANSFER"
	ChannelTypeOnlineBanking = "ONLINE_BANKING"
	ChannelTypeCard          = "CARD"
)

// PaymentChannel is a way customers can pay the merchant. Amount limits are
// in minor units. Dynamic means the channel takes one-off orders
// (CreatePayment); Static that it can back a reusable static code.
type PaymentChannel struct {
	ChannelCode string `json:"channelCode"`
	Name        string `json:"name"`
	ChannelType string `json:"channelType"` // QR, EWALLET, BANK_TRANSFER, ONLINE_BANKING, CARD
	MinAmount   int64  `json:"minAmount"`
	MaxAmount   int64  `json:"maxAmount"`
	Dynamic     bool   `json:"dynamic"`
	Static      bool   `json:"static"`
}

// PaymentChannelList is a country's payment channels.
type PaymentChannelList struct {
	CountryCode string           `json:"countryCode"`
	Currency    string           `json:"currency"`
	Channels    []PaymentChannel `json:"channels"`
}

// PaymentChannels lists the payment channels of a country ("PH").
func (c *Client) PaymentChannels(ctx context.Context, countryCode string) (PaymentChannelList, error) {
	var out PaymentChannelList
	err := c.Do(ctx, PathPaymentChannels, map[string]any{"countryCode": countryCode}, &out)
	return out, err
}

// PaymentRequest asks for a dynamic payment order: one payment of Amount
// (minor units; whole rupiah for IDR) through ChannelCode. ChannelType, when
// set, must be the channel's. ExpireTime is in milliseconds since the epoch;
// 0 takes the channel's default lifetime.
type PaymentRequest struct {
	MchOrderID   string `json:"mchOrderId"`
	CountryCode  string `json:"countryCode"`
	Currency     string `json:"currency"`
	Amount       int64  `json:"amount"`
	ChannelType  string `json:"channelType,omitempty"`
	ChannelCode  string `json:"channelCode"` // a PaymentChannel's ChannelCode
	CustomerName string `json:"customerName,omitempty"`
	Email        string `json:"email,omitempty"`
	Mobile       string `json:"mobile,omitempty"`
	TerminalType string `json:"terminalType,omitempty"`
	NotifyURL    string `json:"notifyUrl,omitempty"`
	RedirectURL  string `json:"redirectUrl,omitempty"`
	Remark       string `json:"remark,omitempty"`
	ExpireTime   int64  `json:"expireTime,omitempty"`
}

// PaymentResult is the gateway's answer to CreatePayment: the order,
// PENDING, and PayData for the customer to pay with: a QR payload (render it
// as a QR code), a virtual account number, or a pay URL, depending on the
// channel. The times are ISO-8601 with the country's offset.
type PaymentResult struct {
	TransactionID     string `json:"transactionId"`
	MchOrderID        string `json:"mchOrderId"`
	TransactionStatus string `json:"transactionStatus"`
	Amount            int64  `json:"amount"`
	Currency          string `json:"currency"`
	CountryCode       string `json:"countryCode"`
	ChannelType       string `json:"channelType"`
	ChannelCode       string `json:"channelCode"`
	PayData           string `json:"payData"`
	ExpireTime        string `json:"expireTime"`
	CreateTime        string `json:"createTime"`
}

// CreatePayment asks for a dynamic payment order. Refusals are *APIError,
// e.g. CodeDuplicateOrder for a reused MchOrderID, CodeChannelUnavailable for
// a channel that takes no dynamic orders, CodeAmount, CodeParamError.
func (c *Client) CreatePayment(ctx context.Context, req PaymentRequest) (PaymentResult, error) {
	var out PaymentResult
	err := c.Do(ctx, PathCreatePayment, req, &out)
	return out, err
}

// Payment is a payment order's state. PaidAmount and Fee are set when it is
// COMPLETED; Flag (FlagLate, FlagUnderpaid, FlagOverpaid) when what arrived
// differs from the order. ReturnTime is "" until the order is final
// (COMPLETED, FAILED or EXPIRED).
type Payment struct {
	MchOrderID        string `json:"mchOrderId"`
	TransactionID     string `json:"transactionId"`
	CountryCode       string `json:"countryCode"`
	Currency          string `json:"currency"`
	Amount            int64  `json:"amount"`
	PaidAmount        int64  `json:"paidAmount"`
	Fee               int64  `json:"fee"`
	ChannelType       string `json:"channelType"`
	ChannelCode       string `json:"channelCode"`
	PayData           string `json:"payData"`
	TransactionStatus string `json:"transactionStatus"`
	Flag              string `json:"flag,omitempty"`
	CreateTime        string `json:"createTime"`
	ExpireTime        string `json:"expireTime"`
	ReturnTime        string `json:"returnTime"`
	Remark            string `json:"remark"`
}

// CheckPayment returns a payment order of this app; CodeNotFound when there
// is none.
func (c *Client) CheckPayment(ctx context.Context, req CheckRequest) (Payment, error) {
	var out Payment
	err := c.Do(ctx, PathCheckPayment, req, &out)
	return out, err
}

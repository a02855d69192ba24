package client

import "context"

// Paths of the Open API's operations.
const (
	PathPayoutChannels = "/open-api/disbursement/channel"
	PathCreatePayout   = "/open-api/disbursement/transfer"
	PathCheckPayout    = "/open-api/disbursement/check"
	PathBalance        = "/open-api/account/balance"
)

// Transaction statuses.
const (
	StatusPending   = "PENDING"
	StatusCompleted = "COMPLETED"
	StatusFailed    = "FAILED"
)

// Channel is a bank or e-wallet that payouts can go to. Amount limits are in
// minor units.
type Channel struct {
	TransferCode  string `json:"transferCode"`
	Name          string `json:"name"`
	PayMethodCode string `json:"payMethodCode"` // BANK, EWALLET or PROMPTPAY
	MinAmount     int64  `json:"minAmount"`
	MaxAmount     int64  `json:"maxAmount"`
}

// ChannelList is a country's payout channels, banks first.
type ChannelList struct {
	CountryCode string    `json:"countryCode"`
	Currency    string    `json:"currency"`
	Channels    []Channel `json:"channels"`
}

// PayoutChannels lists the payout channels of a country ("PH").
func (c *Client) PayoutChannels(ctx context.Context, countryCode string) (ChannelList, error) {
	var out ChannelList
	err := c.Do(ctx, PathPayoutChannels, map[string]any{"countryCode": countryCode}, &out)
	return out, err
}

// PayoutRequest asks for a payout. Amount is in minor units (whole rupiah for
// IDR). MchOrderID is the merchant's unique order id, 1 to 32 characters.
type PayoutRequest struct {
	MchOrderID    string `json:"mchOrderId"`
	IdempotencyID string `json:"idempotencyId,omitempty"`
	CountryCode   string `json:"countryCode"`
	Currency      string `json:"currency"`
	Amount        int64  `json:"amount"`
	PayMethodCode string `json:"payMethodCode"` // BANK, EWALLET or PROMPTPAY
	TransferCode  string `json:"transferCode"`  // a Channel's TransferCode
	AccountNo     string `json:"accountNo"`
	AccountName   string `json:"accountName,omitempty"` // required for BANK
	AccountType   string `json:"accountType,omitempty"`
	Mobile        string `json:"mobile,omitempty"`
	NotifyURL     string `json:"notifyUrl,omitempty"`
	Remark        string `json:"remark,omitempty"`
}

// PayoutResult is the gateway's answer to CreatePayout: the payout as stored,
// normally PENDING. TransactionTime is ISO-8601 with the country's offset.
type PayoutResult struct {
	TransactionID     string `json:"transactionId"`
	MchOrderID        string `json:"mchOrderId"`
	TransactionStatus string `json:"transactionStatus"`
	TransactionTime   string `json:"transactionTime"`
	Amount            int64  `json:"amount"`
	Fee               int64  `json:"fee"`
	Currency          string `json:"currency"`
	CountryCode       string `json:"countryCode"`
}

// CreatePayout asks for a payout. Amount plus fee is held from the merchant's
// balance until the payout completes (then it is spent) or fails (then it is
// returned). Refusals are *APIError, e.g. CodeDuplicateOrder for a reused
// MchOrderID, CodeInsufficientBalance, CodeAmount.
func (c *Client) CreatePayout(ctx context.Context, req PayoutRequest) (PayoutResult, error) {
	var out PayoutResult
	err := c.Do(ctx, PathCreatePayout, req, &out)
	return out, err
}

// CheckRequest names an order (a payout for CheckPayout, a payment for
// CheckPayment) by MchOrderID or TransactionID in a country.
type CheckRequest struct {
	MchOrderID    string `json:"mchOrderId,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	CountryCode   string `json:"countryCode"`
}

// Payout is a payout's state. ReturnTime is "" while PENDING; FailedCode
// (one of the -100xx codes) and FailedMessage are set when FAILED.
type Payout struct {
	MchOrderID        string `json:"mchOrderId"`
	TransactionID     string `json:"transactionId"`
	CountryCode       string `json:"countryCode"`
	Currency          string `json:"currency"`
	Amount            int64  `json:"amount"`
	Fee               int64  `json:"fee"`
	TransactionStatus string `json:"transactionStatus"`
	CreateTime        string `json:"createTime"`
	ReturnTime        string `json:"returnTime"`
	Remark            string `json:"remark,omitempty"`
	FailedCode        int    `json:"failedCode,omitempty"`
	FailedMessage     string `json:"failedMessage,omitempty"`
}

// CheckPayout returns a payout of this app; CodeNotFound when there is none.
func (c *Client) CheckPayout(ctx context.Context, req CheckRequest) (Payout, error) {
	var out Payout
	err := c.Do(ctx, PathCheckPayout, req, &out)
	return out, err
}

// Balance is the merchant's money in one country's currency. Balance is the
// available amount in major units ("1234.50"); the amounts are minor units.
type Balance struct {
	CountryCode     string `json:"countryCode"`
	Currency        string `json:"currency"`
	Balance         string `json:"balance"`
	AvailableAmount int64  `json:"availableAmount"`
	PendingAmount   int64  `json:"pendingAmount"`
	HeldAmount      int64  `json:"heldAmount"`
}

// Balance returns the merchant's balance in a country's currency.
func (c *Client) Balance(ctx context.Context, countryCode string) (Balance, error) {
	var out Balance
	err := c.Do(ctx, PathBalance, map[string]any{"countryCode": countryCode}, &out)
	return out, err
}
